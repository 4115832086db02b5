"""tlaplus/Examples' atomic commitment protocols (specifications/acp) written from scratch as a user would
(tests/user_specs/acp.py; tests/user_specs/acp/ holds the TLA+ and the cfgs TLC ran): TLC's counts, the safety and
liveness verdicts of the cfgs' properties, and ACP_NB_WRONG's violation of AC1 on TLC's trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import VIOLATION, check
from modelcheck.engine.liveness import check_liveness
from spec.catalog import catalog
from spec.registry import load_user_module, load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "acp.py"
SB = load_user_spec(f"{FILE}:ACP_SB")
NB = load_user_spec(f"{FILE}:ACP_NB")
WRONG = load_user_spec(f"{FILE}:ACP_NB_WRONG")
in_tlc_order = load_user_module(str(FILE.parent / "tlc_order.py")).in_tlc_order

# TLC 2.20 -workers 1 (tests/user_specs/acp): ACP_SB_TLC.cfg (three participants) 54,944 distinct / 218,352 generated /
# depth 21, ACP_SB_TLC_2.cfg (two) 1,832 / 5,212 / 15, ACP_NB_TLC.cfg (two) 4,284 / 23,988 / 19, the last with
# AC1 AC2 AC3_1 AC4_alt AC3_2 AC5 holding. ACP_SB_PROPS_2.cfg: AC3_2 holds; ACP_SB_AC5_2.cfg: AC5 is violated.
# With SYMMETRY Perms: ACP_SB_SYM_2.cfg 956 / 2,732 / 15, ACP_SB_SYM.cfg 10,100 / 40,208 / 21, ACP_NB_SYM.cfg 2,199 /
# 12,328 / 19 (paxraft --symmetry: the same). ACP_NB_WRONG_TLC.cfg: "Invariant AC1 is violated", 12 steps
# (TLC_TRACE), 11,852 distinct, 59,286 generated, depth 13 at the stop; paxraft takes the same trace and stops at
# 11,781 / 58,850: TLC takes a state's successors disjunct by disjunct of Next for each (i, j) in turn, paxraft action
# by action, so the states of the last level reached before the bad one are not the same ones; taken in TLC's order
# (tlc_order.in_tlc_order), the stop is TLC's.
TLC_TRACE = ["request(p0)", "sendVote(p0)", "request(p1)", "sendVote(p1)", "getVote(p0)", "getVote(p1)",
             "makeDecision", "coordBroadcast(p0)", "decide(p0)", "parDie(p0)", "coordDie", "abortOnTimeout(p1)"]


def test_counts_are_tlcs() -> None:
    for spec, counts in ((SB(participants=2), (1_832, 5_212, 15)), (NB(participants=2), (4_284, 23_988, 19))):
        r = check(spec)
        assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *counts)
    r = check(SB(participants=2), symmetry=True)  # ACP_SB_SYM_2.cfg: SYMMETRY Perms
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 956, 2_732, 15)


def test_the_wrong_protocol_breaks_ac1_on_tlcs_trace() -> None:
    r = check(WRONG(participants=2))
    assert (r.verdict, r.violated, len(r.trace) - 1) == (VIOLATION, "AC1", 12)
    steps = [st.label for st in r.trace[1:]]
    assert [f"{lb.name}(p{lb.params[0]})" if lb.name not in ("makeDecision", "coordDie") else lb.name
            for lb in steps] == TLC_TRACE
    assert (r.distinct_states, r.states_generated, r.depth) == (11_781, 58_850, 13)


def test_a_variant_declares_again_an_action_its_spec_left_out() -> None:
    """ACP_NB leaves ACP_SB's decide out of Next (present=False); ACP_NB_WRONG declares it again with @action:
    it is back (the base's present=False used to win over the new declaration, and the fairness naming decide was
    refused)."""
    names = [a.name for a in WRONG(participants=2).actions]
    assert "decide" in names and "decideOnForward" in names
    assert not {"preDecide", "preDecideOnForward", "decideNB"} & set(names)
    assert "decide" not in [a.name for a in NB(participants=2).actions]


def test_liveness_verdicts_are_tlcs() -> None:
    _, sb = check_liveness(SB(participants=2))
    assert {r.property: r.holds for r in sb} == {"AC3_2": True, "AC5": False}
    ac5 = next(r for r in sb if r.property == "AC5")
    assert ac5.lasso is not None and ac5.lasso.stutters  # blocked for ever, as TLC's counterexample
    assert [st.label.name for st in ac5.lasso.prefix[1:]] == ["parDie", "request", "sendVote", "coordDie"]
    _, nb = check_liveness(NB(participants=2))
    assert {r.property: r.holds for r in nb} == {"AC3_2": True, "AC5": True}


def test_a_variant_is_listed_and_checked_once_under_its_own_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """ACP_NB extends ACP_SB, and ACP_NB_WRONG is ACP_NB's variant: `list` showed it under both, and
    `variants --spec acp.py --check` checked it twice, once as "ACP_SB wrong"."""
    assert [(r.spec, r.name) for r in catalog(str(FILE))] == [("ACP_NB", "wrong")]
    code, out, _ = run(capsys, "list", str(FILE))
    assert code == 0 and out.count("wrong  breaks AC1") == 1
    assert out.index("wrong  breaks AC1") > out.index("ACP_NB:")


def test_a_spec_offers_only_its_own_variants(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`check acp.py:ACP_SB --variant wrong` ran ACP_NB's variant (ACP_NB extends ACP_SB) and printed
    `Model: ACP_NB[wrong]`: every command taking --variant refuses it in one line, naming where it is."""
    said = ("error: ACP_SB has no variant 'wrong' (its variants: none); 'wrong' is a variant of ACP_NB, which "
            f"extends ACP_SB: --variant wrong goes with {FILE}:ACP_NB")
    for command in (["check"], ["graph", "--out", str(tmp_path / "g")], ["explore"], ["refine"]):
        extra = ["ACP_NB"] if command == ["refine"] else []
        code, out, err = run(capsys, *command, f"{FILE}:ACP_SB", *extra, "--variant", "wrong", "--participants", "2")
        assert (code, out, err.strip()) == (2, "", f"paxraft {command[0]}: {said}"), command
    code, out, _ = run(capsys, "variants", "--spec", f"{FILE}:ACP_SB")
    assert code == 0 and out.startswith(f"{FILE}:ACP_SB has no variants")
    code, _, err = run(capsys, "variants", "--spec", f"{FILE}:ACP_SB", "wrong")
    assert code == 2 and err.strip().endswith(f"no catalog entry 'wrong' of {FILE}:ACP_SB; entries: none")
    code, out, _ = run(capsys, "check", f"{FILE}:ACP_NB", "--variant", "wrong", "--participants", "2")
    assert code == 1 and out.startswith("Model: ACP_NB[wrong] participants=2\n")


def tlc_order(spec: Any, s: Any) -> list[tuple[str, tuple]]:
    """ACP_NB_WRONG's Next as TLC tries it: \\E i, j : parDie(i) \\/ parProgNB(i, j), then coordDie, makeDecision
    (its commit disjunct, then one abort per no vote), then \\E i : request(i) \\/ getVote(i) \\/ ..."""
    par = ("parDie", "sendVote", "abortOnVote", "abortOnTimeoutRequest", "decide", "forward", "decideOnForward",
           "abortOnTimeout")
    out = [(name, (i, j)) for i in spec.P for j in spec.P for name in par]
    out += [("coordDie", ()), ("makeDecision", (-1,))] + [("makeDecision", (k,)) for k in spec.P]
    return out + [(name, (i,)) for i in spec.P for name in ("request", "getVote", "detectFault", "coordBroadcast")]


def test_in_tlcs_order_the_stop_is_tlcs() -> None:
    r = check(in_tlc_order(WRONG, tlc_order)(participants=2))
    assert (r.violated, r.distinct_states, r.states_generated, r.depth) == ("AC1", 11_852, 59_286, 13)
    assert [st.label.params[0] for st in r.trace[1:]] == [step.split("(")[0] for step in TLC_TRACE]
