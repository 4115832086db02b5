"""Dijkstra's mutual exclusion (tlaplus/Examples specifications/dijkstra-mutex, Lamport's PlusCal
DijkstraMutex.tla) as a user's file, tests/user_specs/dijkstra_mutex.py, against TLC 2.20 on the same models
(MCDM: the module with Proc = {p1, p2} or LSpec-model/MC.cfg's {p1, p2, p3}; each property alone, as its
own PROPERTY; the fairness the text states (Spec, LSpec) and none (Init /\\ [][Next]_vars)):

    procs  distinct  generated  depth  DeadlockFree  DeadlockFreedom  StarvationFree (TLC's lasso)
      2         660      1,322     29  holds         holds            violated: Spec 11 steps + a loop of 14,
                                                                      LSpec 7 + 14
      3      90,882    282,810     54  holds         holds            violated: LSpec 20 + a loop of 20

Without fairness each of them is violated by a behaviour that stutters. NcsLeft (``\\A i \\in Proc :
(pc[i] = "ncs") ~> (pc[i] = "Li0")``, added to the module) holds under Spec and not under LSpec (TLC: 17
steps, then a loop of 9), which tells the two fairness conditions apart. The variant unfair-first drops p1's
fairness from LSpec: DeadlockFreedom is violated (TLC: 8 steps, then a loop of 5; here 5 and the same loop).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.engine.liveness import check_liveness
from modelcheck.output.explore.server import load_itf_text
from modelcheck.output.explore.session import Session
from spec.core import WF, LeadsTo, SpecError
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "dijkstra_mutex.py"
DijkstraMutex = load_user_spec(f"{FILE}:DijkstraMutex")
LSpec = load_user_spec(f"{FILE}:LSpec")
PC = ("Li0", "Li1", "Li2", "Li3a", "Li3b", "Li3c", "Li3d", "Li4a", "Li4b", "cs", "Li5", "Li6", "ncs")


def verdicts(spec: Any, names: list[str], **kw: Any) -> dict[str, tuple[bool, tuple[int, int] | None]]:
    """Each property entry's verdict and, when violated, its lasso as (prefix steps, loop steps)."""
    result, found = check_liveness(spec, names, **kw)
    assert (result.distinct_states, result.states_generated, result.depth) == (660, 1322, 29)
    return {r.property: (r.holds, None if r.lasso is None else (len(r.lasso.prefix) - 1, len(r.lasso.loop)))
            for r in found}


@pytest.mark.parametrize("cls", [DijkstraMutex, LSpec])
def test_tlcs_counts_and_verdicts_with_two_processes(cls: Any) -> None:
    """Spec and LSpec: DeadlockFree and DeadlockFreedom hold, StarvationFree breaks by a loop of TLC's length
    (14 steps: p1 keeps losing to p2), and without fairness everything breaks by stuttering."""
    assert (r := check(cls(2))).verdict == "ok" and (r.distinct_states, r.states_generated, r.depth) == (660, 1322, 29)
    got = verdicts(cls(2), ["DeadlockFree", "DeadlockFreedom", "StarvationFree"])
    starve = (7, 14)  # TLC's: 11 (Spec) or 7 (LSpec) steps, then 14; its prefix is not the shortest
    assert got == {f"{n}(p{i})": (True, None) if n != "StarvationFree" else (False, starve)
                   for n in ("DeadlockFree", "DeadlockFreedom", "StarvationFree") for i in (1, 2)}
    unfair = verdicts(cls(2), ["DeadlockFree", "DeadlockFreedom", "StarvationFree"], fairness=[])
    assert set(unfair.values()) == {(False, (0, 0))}  # stutters in the initial state (TLC: a longer prefix)


class LeavesNcs(LSpec):
    """LSpec with NcsLeft: fairness that excludes ncs lets a process stay there."""

    def properties(self) -> dict:
        return {f"NcsLeft(p{i + 1})": LeadsTo(lambda s, i=i: PC[s.pc[i]] == "ncs", lambda s, i=i: PC[s.pc[i]] == "Li0",
                                              f'(pc[p{i + 1}] = "ncs") ~> (pc[p{i + 1}] = "Li0")') for i in self.Proc}


def test_lspec_fairness_is_tlcs_not_specs() -> None:
    """WF_vars((pc[self] # "ncs") /\\ P(self)) written as WF of P's actions but ncs: NcsLeft breaks with TLC's very
    lasso lengths (17 steps, a loop of 9), and holds under Spec's fairness, as TLC finds."""
    assert verdicts(LeavesNcs(2), ["NcsLeft"]) == {"NcsLeft(p1)": (False, (17, 9)), "NcsLeft(p2)": (False, (17, 9))}
    spec = LeavesNcs(2)
    assert set(verdicts(spec, ["NcsLeft"], fairness=DijkstraMutex.fairness(spec)).values()) == {(True, None)}


def test_unfair_first_lasso_out_replay_explorer_and_modes(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """The broken spec through every feature: the lasso (TLC's loop of 5 steps after a shorter prefix), --out,
    replay (fair under the variant, unfair under LSpec), the explorer, the catalog; --workers and --mode
    simulate judge no temporal property and say so."""
    ref, out_dir = f"{FILE}:LSpec", tmp_path / "cex"
    code, out, _ = run(capsys, "check", ref, "--variant", "unfair-first", "--liveness", "DeadlockFreedom(p1)",
                       "--out", str(out_dir))
    assert code == 1 and "Fairness: WF_vars((pc[p2] # \"ncs\") /\\ P(p2))\n" in out
    assert "is violated: a fair behaviour of 5 steps that then loops (5 steps) without reaching the goal" in out
    assert "--- loop ends: back to state 6" in out
    trace = out_dir / "trace.itf.json"
    assert json.loads(trace.read_text())["#meta"]["loop"] == 5
    # the table's HTML-like label doubles each backslash: Graphviz drew the property's \E j \in Proc as " j \in Proc"
    said = '~&gt; (\\\\E j \\\\in Proc : pc[j] = &quot;cs&quot;)): the loop back to state 6 repeats for ever'
    assert said in (out_dir / "table.dot").read_text()
    if (out_dir / "table.svg").exists():  # written where Graphviz is installed
        assert '(\\E j \\in Proc : pc[j] = &quot;cs&quot;)' in (out_dir / "table.svg").read_text()
    code, out, _ = run(capsys, "replay", str(trace), "--spec", f"{FILE}:UnfairFirst")
    assert code == 0 and "the behaviour violates DeadlockFreedom(p1) under its fairness" in out
    code, out, _ = run(capsys, "replay", str(trace), "--spec", ref)
    assert code == 1 and 'WF_vars((pc[p1] # "ncs") /\\ P(p1)) is enabled throughout the loop but never taken' in out
    session = Session(load_user_spec(f"{FILE}:UnfairFirst")(2))

    def shown(path: str) -> list:
        return [[c["text"] for c in row["cells"]] for row in session.view(path)["state"]["rows"]]

    loop = "Li0(0)/Li0(1)/Li1(1)/Li2(1)/Li3a(1)/Li3b(1)/Li3d(1)/Li1(1)/Li2(1)/Li3a(1)"
    # what POST /api/load answers: the path, and the state the loop returns to (a7ac3e8)
    assert load_itf_text(session, trace.read_bytes()) == {"path": loop, "loop": 5, "property": "DeadlockFreedom(p1)"}
    assert shown(loop) == shown("Li0(0)/Li0(1)/Li1(1)/Li2(1)/Li3a(1)")  # the loop closes, in state 6
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "2 entries checked" in out and "every entry agrees" in out
    assert "unfair-first     DeadlockFreedom, 10 steps" in out and "holder-may-stop  DeadlockFreedom, 10 steps" in out
    for mode in (["--workers", "2"], ["--mode", "simulate"]):
        code, _, err = run(capsys, "check", ref, "--variant", "unfair-first", "--liveness", *mode)
        assert code == 2 and "--liveness explores the whole graph itself; drop --mode/--workers" in err
    # each says what judges the variant, and that --liveness takes neither (a simulation said nothing; --workers 2
    # said to add --liveness, which it then refused)
    hint = "add --liveness DeadlockFreedom, in one process without --mode or --workers, which --liveness refuses.)"
    code, out, _ = run(capsys, "check", ref, "--variant", "unfair-first", "--workers", "2")
    assert code == 0 and hint in out and "660 distinct states, 1,322 states generated, depth 29" in out
    code, out, _ = run(capsys, "check", ref, "--variant", "unfair-first", "--mode", "simulate")
    assert code == 0 and "No error found in these random walks" in out and hint in out
    code, out, _ = run(capsys, "check", ref, "--variant", "unfair-first")
    assert code == 0 and "add --liveness DeadlockFreedom.)" in out


class Gated(LeavesNcs):
    """LeavesNcs with every property, its fairness ``WF_vars(when /\\ P(self))`` for ``when`` given by a subclass."""

    def when(self, s: Any, p: int) -> bool:
        return PC[s.pc[p]] != "ncs"

    def properties(self) -> dict:
        return {**LSpec.properties(self), **super().properties()}

    def fairness(self) -> list:
        return [WF(*PC, p=p, when=lambda s, p=p: self.when(s, p)) for p in self.Proc]


class HolderFair(Gated):
    """KFair: WF_vars((k # self) /\\ (pc[self] # "ncs") /\\ P(self)): a process that k names need not move."""

    def when(self, s: Any, p: int) -> bool:
        return s.k != p and PC[s.pc[p]] != "ncs"


class CsFair(Gated):
    """CsFair: WF_vars((pc[p2] # "cs" \\/ self = p2) /\\ (pc[self] # "ncs") /\\ P(self)): while p2 is in its critical
    section, p1 need not move."""

    def when(self, s: Any, p: int) -> bool:
        return (PC[s.pc[1]] != "cs" or p == 1) and PC[s.pc[p]] != "ncs"


def test_fairness_gated_by_a_state_predicate_has_tlcs_verdicts_and_loops() -> None:
    """WF(..., when=P) is WF_vars(P /\\ A): LSpec's text written literally gives LSpec's verdicts and lassos, and two
    gates that are no label's guard give TLC's verdicts with TLC's loops (TLC's prefixes are longer: KFair 8 steps
    for DeadlockFreedom, StarvationFree, 12 for DeadlockFree, 18 then a stutter for NcsLeft; CsFair 14 then a loop of
    9 for StarvationFree, 17 then 9 for NcsLeft, the same here)."""
    names = ["DeadlockFree", "DeadlockFreedom", "StarvationFree", "NcsLeft"]
    p1 = {n: v for n, v in verdicts(Gated(2), names).items() if n.endswith("(p1)")}
    assert p1 == {"DeadlockFree(p1)": (True, None), "DeadlockFreedom(p1)": (True, None),
                  "StarvationFree(p1)": (False, (7, 14)), "NcsLeft(p1)": (False, (17, 9))}
    as_lspec = Gated(2)
    assert {n: v for n, v in verdicts(as_lspec, names, fairness=LSpec.fairness(as_lspec)).items()
            if n.endswith("(p1)")} == p1  # LSpec's, which leaves ncs out of the family
    assert {n: v for n, v in verdicts(HolderFair(2), names).items() if n.endswith("(p1)")} == {
        "DeadlockFree(p1)": (False, (5, 5)), "DeadlockFreedom(p1)": (False, (5, 5)),
        "StarvationFree(p1)": (False, (5, 5)), "NcsLeft(p1)": (False, (14, 0))}
    assert {n: v for n, v in verdicts(CsFair(2), names).items() if n.endswith("(p1)")} == {
        "DeadlockFree(p1)": (True, None), "DeadlockFreedom(p1)": (True, None),
        "StarvationFree(p1)": (False, (3, 9)), "NcsLeft(p1)": (False, (17, 9))}


def test_a_gated_lasso_replays_fair_under_its_gate_only(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """holder-may-stop's lasso leaves p1 at Li1 holding k: fair where k # self gates p1's fairness (replay judged it
    by the label alone, and called it unfair), unfair under LSpec; a gate that is no bool, or raises, is one line."""
    ref = f"{FILE}:LSpec"
    code, out, _ = run(capsys, "check", ref, "--variant", "holder-may-stop", "--liveness", "DeadlockFreedom(p1)",
                       "--out", str(tmp_path))
    assert code == 1 and "a fair behaviour of 5 steps that then loops (5 steps)" in out
    trace = str(tmp_path / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FILE}:HolderMayStop")
    assert code == 0 and "the behaviour violates DeadlockFreedom(p1) under its fairness" in out
    code, out, _ = run(capsys, "replay", trace, "--spec", ref)
    assert code == 1 and "not a fair behaviour" in out

    class NotABool(Gated):
        def when(self, s: Any, p: int) -> Any:
            return s.temp[p]

    with pytest.raises(SpecError, match=r"NotABool: the `when` of fairness WF\(Li0 .* with p=p1 when a state "
                                        r"predicate\) returned int -1, not True or False"):
        check_liveness(NotABool(2), ["DeadlockFree"])
    with pytest.raises(SpecError, match=r"fairness WF\(Li0\) has when=True, not a predicate on the state"):
        check_liveness(LSpec(2), ["DeadlockFree"], fairness=[WF("Li0", when=True)])
    # a `when` that never holds where the steps start constrains nothing, and says so (as a filter no step passes)
    _, found = check_liveness(LSpec(2), ["DeadlockFree(p1)"], fairness=[WF(*PC, when=lambda s: s.k == 5)])
    family = " \\/ ".join(PC)
    assert not found[0].holds and found[0].warnings == [
        f"fairness WF({family} when a state predicate) is enabled in no state of this model: its steps change the "
        "state, but none from a state where its `when` holds, so it constrains nothing"]


@pytest.mark.slow
def test_lspec_model_of_the_examples_three_processes() -> None:
    """LSpec-model/MC.cfg: Proc = {p1, p2, p3}, LSpec, MutualExclusion, DeadlockFreedom (TLC: 90,882 / 282,810 /
    54, holds); StarvationFree breaks with TLC's loop of 20 steps, and so does holder-may-stop's DeadlockFreedom
    with TLC's loop of 10."""
    result, found = check_liveness(LSpec(3), ["DeadlockFreedom", "StarvationFree"])
    assert (result.distinct_states, result.states_generated, result.depth) == (90882, 282810, 54)
    assert [r.holds for r in found if r.property.startswith("DeadlockFreedom")] == [True] * 3
    starve = [r for r in found if r.property.startswith("StarvationFree")]
    assert [r.holds for r in starve] == [False] * 3 and len(starve[0].lasso.loop) == 20
    # holder-may-stop (a `when` no label decides): TLC's loop of 10 steps (after 11 steps; 9 here)
    _, found = check_liveness(load_user_spec(f"{FILE}:HolderMayStop")(3), ["DeadlockFreedom(p1)"])
    assert [(r.holds, len(r.lasso.prefix) - 1, len(r.lasso.loop)) for r in found] == [(False, 9, 10)]
