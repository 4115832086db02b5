"""A protocol researcher's spec written from README.md and docs/ only (notes newuser9, 2026-12-05): Flexible Paxos
from fpaxos/fpaxos-tlaplus (tlaplus/Examples' specifications/fpaxos; tests/user_specs/fpaxos.py, the TLA+ text and the
models TLC ran in tests/user_specs/FPaxos/), through every feature: TLC 2.20's counts, symmetry, workers, dfs,
simulation, the planted bugs, refinement of Consensus, liveness, pictures and replay, graph, Hypothesis, the explorer
and an audit of a hand-written trace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import check_report, figures, run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "fpaxos.py"
FPAXOS = f"{FILE}:FPaxos"
TWO = ("--acceptors", "2", "--q1", "1", "--q2", "2")  # MCFPaxosTwoAcc: Quorum1 {{a1}, {a2}}, Quorum2 {{a1, a2}}
GRID = ("--acceptors", "4", "--q1", "12,34", "--q2", "13,24")  # MCFPaxosFourAcc

# TLC 2.20 (-workers 1; tests/user_specs/FPaxos): (acceptors, q1, q2, values, ballots, symmetry) -> distinct,
# generated, depth. Symmetry is TLC's Permutations(Acceptor) \cup Permutations(Value) over model values.
TLC = {
    (2, "1", "2", 3, 3, False): (36953, 245288, 19),  # MCFPaxos.cfg on MCFPaxosTwoAcc.tla, as shipped
    (2, "1", "2", 3, 3, True): (4405, 30212, 19),
    (2, "1", "2", 2, 2, False): (721, 3675, 13),
    (3, "", "", 2, 2, False): (3921, 23563, 17),  # Paxos.tla's MCPaxos figures in distinct states and depth
    (3, "1", "3", 2, 2, False): (12513, 83059, 17),  # phase 1 with any one acceptor, phase 2 with all three
}
TLC_SLOW = {
    (4, "12,34", "13,24", 2, 2, False): (39937, 288867, 21),  # the grid of MCFPaxosFourAcc, values and ballots 0..1
    (3, "", "", 3, 3, False): (362361, 2697682, 25),  # MCFPaxos.cfg on MCFPaxosThreeAcc.tla, as shipped (50 s in TLC)
    (3, "", "", 3, 3, True): (17559, 133806, 25),
    (3, "", "", 2, 3, False): (185369, 1361380, 25),
}


def build(acceptors: int, q1: str, q2: str, values: int, ballots: int, cls: str = "FPaxos") -> object:
    return load_user_spec(f"{FILE}:{cls}")(acceptors, values, ballots, q1, q2)


def assert_tlcs(key: tuple, expected: tuple[int, int, int]) -> None:
    *bounds, symmetry = key
    r = check(build(*bounds), symmetry=symmetry)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *expected)


@pytest.mark.parametrize("key", sorted(TLC))
def test_counts_are_tlcs(key: tuple) -> None:
    assert_tlcs(key, TLC[key])


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(TLC_SLOW))
def test_the_shipped_three_acceptor_model_has_tlcs_counts(key: tuple) -> None:
    assert_tlcs(key, TLC_SLOW[key])


def report(capsys: pytest.CaptureFixture, *argv: str, codes: tuple[int, ...] = (0, 1)) -> dict:
    return check_report(capsys, FPAXOS, *argv, codes=codes)


def test_quorum_flags_are_the_specs_own_strings(capsys: pytest.CaptureFixture) -> None:
    """Paxos's --q1/--q2 are ints; this spec's are strings (a size or a list): the spec named parses its own flags.
    Before, `--q1 12,34` was refused as no int and `--q1 1` reached the constructor as the int 1 (exit 3)."""
    assert figures(report(capsys, *TWO, "--values", "2", "--ballots", "2")) == TLC[2, "1", "2", 2, 2, False]
    obj = report(capsys, *GRID, "--max-states", "10")
    assert obj["params"] == {"acceptors": 4, "values": 3, "ballots": 3, "q1": "12,34", "q2": "13,24"}
    code, _, err = run(capsys, "check", FPAXOS, "--acceptors", "3", "--q1", "1", "--q2", "1")
    assert code == 2 and "QuorumAssumption fails: Quorum1's {a1} and Quorum2's {a2} do not intersect" in err
    code, _, err = run(capsys, "check", FPAXOS, "--q1", "1x")
    assert code == 2 and "--q1 '1x': each quorum is acceptor digits 1..2, as in 12,34" in err
    code, _, err = run(capsys, "check", "paxos", "--q1", "x")  # Paxos's own flag keeps its type
    assert code == 2 and "argument --q1: invalid int value: 'x'" in err
    obj = report(capsys, "--acceptors", "3", "--values", "2", "--ballots", "2", "--q1", "2")
    assert figures(obj) == TLC[3, "", "", 2, 2, False]


def test_engines_agree(capsys: pytest.CaptureFixture) -> None:
    small = (*TWO, "--values", "2", "--ballots", "2")
    one = report(capsys, *small)
    assert figures(one) == TLC[2, "1", "2", 2, 2, False]
    two = report(capsys, *small, "--workers", "2")
    assert figures(two) == figures(one) and two["coverage"] == one["coverage"]
    assert figures(report(capsys, *TWO, "--symmetry", "--workers", "2")) == TLC[2, "1", "2", 3, 3, True]
    assert figures(report(capsys, *small, "--mode", "dfs"))[:2] == (721, 3675)
    sim = report(capsys, *small, "--mode", "simulate", "--walks", "20", "--seed", "3")
    assert sim["verdict"] == "ok" and sim["distinct_states"] <= 721


def test_symmetry_renames_acceptors_only_where_the_quorums_allow() -> None:
    assert build(2, "1", "2", 3, 3).symmetric_sets() == {"Value": 3, "Acceptor": 2}
    assert build(4, "12,34", "13,24", 2, 2).symmetric_sets() == {"Value": 2}  # the grid: values only


# The planted bugs: TLC's verdict and length on FPaxosIgnorePromise.tla and FPaxosPhase1WithQ2.tla (a trace of
# N+1 states is N steps). (variant, bounds) -> (invariant, steps)
BUGS = {
    ("ignore-promise", TWO): ("SafeValue", 8),  # TLC on MCTwoIP: 9 states
    ("ignore-promise", ("--acceptors", "3")): ("SafeValue", 10),  # TLC on MCThreeIP: 11 states
    ("ignore-promise", ("--acceptors", "1", "--values", "2", "--ballots", "2")): ("SafeValue", 7),
    ("phase1-with-q2", GRID): ("SafeValue", 10),  # TLC on MCFourQ2: 11 states
}


@pytest.mark.parametrize("variant, bounds", sorted(BUGS))
def test_planted_bugs(capsys: pytest.CaptureFixture, variant: str, bounds: tuple[str, ...]) -> None:
    obj = report(capsys, "--variant", variant, *bounds)
    assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("violation", *BUGS[variant, bounds])


def test_phase1_with_phase2_quorums_is_safe_where_they_intersect(capsys: pytest.CaptureFixture) -> None:
    """With majorities Quorum2 is a phase-1 quorum system too: TLC (MCThreeQ2) and paxraft find no error."""
    obj = report(capsys, "--variant", "phase1-with-q2", "--acceptors", "3", "--values", "2", "--ballots", "2")
    assert (obj["verdict"], *figures(obj)) == ("ok", *TLC[3, "", "", 2, 2, False])
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "3 entries checked" in out and "every entry agrees" in out


def test_refinement_of_consensus(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "refine", FPAXOS, "Consensus", *TWO, "--values", "2", "--ballots", "2")
    assert code == 0 and "721 distinct FPaxos states, 3,674 transitions checked (3,362 map to stutters)" in out
    assert "3 distinct Consensus states reached" in out  # {}, {0}, {1}
    code, out, _ = run(capsys, "refine", FPAXOS, "--variant", "ignore-promise", "Consensus", *TWO, "--ballots", "2")
    assert code == 1 and ("refinement fails at state 11 (step 10): Phase2b(a=a2, b=1, v=1) maps to no step of "
                          "Consensus: chosen = {0}  ->  chosen = {0, 1}") in out  # fmt: skip


def test_liveness(capsys: pytest.CaptureFixture) -> None:
    """TLC agrees on both verdicts (Live.cfg, LiveNo2a.cfg): Progress holds under WF_vars(Next), and without
    fairness for Phase2a it is violated (TLC's lasso, 8 states then stuttering, is not a shortest one)."""
    small = (*TWO, "--values", "2", "--ballots", "2")
    code, out, _ = run(capsys, "check", FPAXOS, *small, "--liveness")
    assert code == 0 and "Property Progress holds under this fairness.\n721 distinct states, 1,570 edges" in out
    code, out, _ = run(capsys, "check", FPAXOS, "--variant", "lazy-proposer", *small, "--liveness")
    assert code == 1 and "a fair behaviour of 4 steps that then stutters for ever without reaching the goal" in out
    code, out, _ = run(capsys, "check", FPAXOS, *small, "--liveness", "--no-fairness")
    assert code == 1 and "a fair behaviour of 0 steps" in out


def test_pictures_replay_graph_hypothesis_and_explorer(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    cex = tmp_path / "cex"
    code, out, _ = run(capsys, "check", FPAXOS, "--variant", "ignore-promise", *TWO, "--out", str(cex))
    assert code == 1 and (cex / "trace.itf.json").is_file() and (cex / "msc.dot").is_file()
    msc = (cex / "msc.dot").read_text()
    assert '"2a(0, 0)"' in msc or "2a(0, 0)" in msc  # the proposer's 2a drawn as a message to the acceptors
    code, out, _ = run(capsys, "replay", str(cex / "trace.itf.json"), "--spec", f"{FILE}:IgnorePromise")
    assert code == 0 and "the last state violates SafeValue" in out
    code, out, _ = run(capsys, "replay", str(cex / "trace.itf.json"), "--spec", FPAXOS)
    assert code == 1 and "FAIL state 8: Phase2b(a=a1, b=0, v=0): not enabled in the previous state" in out
    code, out, _ = run(capsys, "graph", FPAXOS, "--variant", "ignore-promise", "--acceptors", "1", "--values", "2",
                       "--ballots", "2", "--out", str(tmp_path / "g"))  # fmt: skip
    assert code == 0 and "61 states, 95 edges" in out and "its shortest path (7 steps) is drawn in red" in out
    run_spec(build(3, "", "", 2, 2), settings(max_examples=20, derandomize=True))
    with pytest.raises(InvariantViolation) as found:
        run_spec(build(1, "", "", 2, 2, "IgnorePromise"), settings(max_examples=100, derandomize=True))
    assert found.value.invariant == "SafeValue"
    view = Session(build(2, "1", "2", 3, 3)).view("Phase1a(0)/Phase1b(0,0)/Phase2a(0,2,(0,),-1)")
    assert [i["name"] for i in view["invariants"] if not i["holds"]] == []
    assert "Phase2b(a=a1, b=0, v=2)" in [e["label"] for e in view["enabled"]]


def write(path: Path, node: int, *events: dict) -> None:
    lines = [{"format": "paxraft-trace", "version": 2, "node": node}, *({"node": node, **e} for e in events)]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))


def test_audit_of_a_hand_written_trace(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A proposer (node 9) and two acceptors: acceptor a2 promises ballot 1 and then accepts ballot 0's 2a, which
    FPaxos refuses and IgnorePromise explains."""
    write(tmp_path / "node-9.jsonl", 9,
          {"clock": 1, "action": "Phase1a", "params": {"b": 0}, "state": {}},
          {"clock": 2, "action": "Phase1a", "params": {"b": 1}, "state": {}},
          {"clock": 5, "action": "Phase2a", "params": {"b": 0, "v": 0}, "state": {}})  # fmt: skip
    write(tmp_path / "node-0.jsonl", 0,
          {"clock": 3, "action": "Phase1b", "params": {"a": 0, "b": 0}, "state": {"maxBal": 0}},
          {"clock": 6, "action": "Phase2b", "params": {"a": 0, "b": 0}, "state": {"maxVal": 0}})  # fmt: skip
    write(tmp_path / "node-1.jsonl", 1,
          {"clock": 4, "action": "Phase1b", "params": {"a": 1}, "state": {"maxBal": 0}},
          {"clock": 5, "action": "Phase1b", "params": {"a": 1}, "state": {"maxBal": 1}},
          {"clock": 7, "action": "Phase2b", "params": {"a": 1, "b": 0, "v": 0}, "state": {"maxVal": 0}})  # fmt: skip
    files = sorted(str(p) for p in tmp_path.glob("node-*.jsonl"))
    bare = tmp_path / "bare" / "node-9.jsonl"  # a line without "state": refused, saying what to write
    bare.parent.mkdir()
    write(bare, 9, {"clock": 1, "action": "Phase1a", "params": {"b": 0}})
    code, _, err = run(capsys, "audit", "--spec", FPAXOS, str(bare))
    assert code == 2 and "node-9.jsonl:2: \"state\" must be an object (the node's state after the step; {} when" in err
    code, out, _ = run(capsys, "audit", "--spec", FPAXOS, *files)
    assert code == 1 and "FAILED at event 8 of 8" in out and "Phase2b(a=a2, b=0, v=0) is not enabled" in out
    code, out, _ = run(capsys, "audit", "--spec", f"{FILE}:IgnorePromise", *files)
    assert code == 0 and "OK: every event is explained" in out


def test_reach_names_variables_as_the_trace_prints_them(capsys: pytest.CaptureFixture) -> None:
    """`1aMsgs` is a TLA+ name but no Python name: --reach took `len(2bMsgs) >= 2` for bad syntax ("invalid
    decimal literal"), so a variable printed so could not be named at all."""
    small = (*TWO, "--values", "2", "--ballots", "2")
    code, out, _ = run(capsys, "check", FPAXOS, *small, "--reach", "len(2bMsgs) >= 2")
    assert code == 0 and "Reached len(2bMsgs) >= 2: shortest behaviour, 5 steps" in out
    code, out, _ = run(capsys, "check", FPAXOS, *small, "--reach", "'2b(a2, 1, 0)' in 2bMsgs and maxVal['a1'] == 1")
    assert code == 0 and "shortest behaviour, 8 steps" in out  # the string is left alone
    code, _, err = run(capsys, "check", FPAXOS, *small, "--reach", "2bMsgs == {}")
    assert code == 2 and "--reach '2bMsgs == {}': 2bMsgs is a list and {} a dict" in err
    code, _, err = run(capsys, "check", FPAXOS, *small, "--reach", "_var0 == []")  # the placeholder is no name
    assert code == 2 and "names starting with '_' are not allowed" in err
    code, _, err = run(capsys, "check", FPAXOS, *small, "--reach", "len(3bMsgs) > 0")
    assert code == 2 and "invalid decimal literal" in err and "the state's variables: maxBal" in err

