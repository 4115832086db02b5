"""SingleLaneBridge.tla (tlaplus/Examples, specifications/SingleLaneBridge) as a user's file,
tests/user_specs/single_lane_bridge.py, through every feature, against TLC 2.20's figures (`java -cp tla2tools.jar
tlc2.TLC -workers 1 -config C M`; the models' cfgs are in /work/notes/newuser21.md):

    model                                   distinct  generated  depth  result
    MC.cfg: 2 right, 2 left, 1..8, {4,5}       3,605     20,181     29  Invariants, both properties hold
      with SYMMETRY Permutations(CarsRight) \\cup Permutations(CarsLeft)
                                               1,065      5,941     29
    3 right, 1 left, 1..5, {2,3}                 532      2,739     20  both properties hold
    2 right, 2 left, 1..7, {4,5,6}             1,533      7,489     32  both hold (the queue starts <<r1, r2>>)
      with SYMMETRY                              456      2,269     32
    2 right, 3 left, 1..9, {3,4,5}            40,391    258,805     41  both hold (slow test)
    HaveSameDirection dropped, 1 right 1 left                           Invariants violated after 6 steps;
                                                                        without invariants, deadlock after 6 steps
      2 right, 2 left                                                   deadlock after 10 steps
    no WF_vars(EnterBridge), 1 right               8         11      8  CarsEnterBridge: 2 steps, then stutters

The abstract spec Occupancy (who is on the bridge) has a Z3 encoding: prove, --conformance and bmc run on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import settings

from modelcheck import check
from modelcheck.cli import main
from modelcheck.engine.liveness import check_liveness
from modelcheck.engine.refinement import check_refinement
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from modelcheck.output.itf import assert_replays
from spec.core import SpecError
from spec.refinements import refinement
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "single_lane_bridge.py"
SingleLaneBridge = load_user_spec(f"{FILE}:SingleLaneBridge")
OppositeTraffic = load_user_spec(f"{FILE}:OppositeTraffic")
UnfairEntry = load_user_spec(f"{FILE}:UnfairEntry")


def counts(spec: object, symmetry: bool = False) -> tuple[int, int, int]:
    r = check(spec, symmetry=symmetry)
    assert r.verdict == "ok"
    return r.distinct_states, r.states_generated, r.depth


@pytest.mark.parametrize(("bounds", "plain", "reduced"), [
    ((2, 2, 8, "4,5"), (3605, 20181, 29), (1065, 5941, 29)),  # MC.cfg
    ((3, 1, 5, "2,3"), (532, 2739, 20), None),
    ((2, 2, 7, "4,5,6"), (1533, 7489, 32), (456, 2269, 32)),  # every right car queued in Init
])
def test_the_counts_are_tlcs(bounds: tuple, plain: tuple, reduced: tuple | None) -> None:
    """EnterBridge is taken once per car of Next's \\E car and per branch that holds, as TLC takes it."""
    spec = SingleLaneBridge(*bounds)
    assert counts(spec) == plain
    if reduced:
        assert counts(spec, symmetry=True) == reduced


def test_every_search_mode_and_two_workers_agree(capsys: pytest.CaptureFixture) -> None:
    for flags in ([], ["--workers", "2"], ["--mode", "dfs"]):
        assert main(["check", f"{FILE}:SingleLaneBridge", "--json", *flags]) == 0
        out = json.loads(capsys.readouterr().out)
        assert (out["distinct_states"], out["states_generated"], out["verdict"]) == (3605, 20181, "ok")
    assert main(["check", f"{FILE}:SingleLaneBridge", "--mode", "simulate"]) == 0
    assert "No error found in these random walks" in capsys.readouterr().out
    assert main(["check", f"{FILE}:SingleLaneBridge", "--mode", "dfs"]) == 0  # (a depth of thousands, as every
    assert "3,605 distinct states, 20,181 states generated, depth 1,688, " in capsys.readouterr().out  # count)


def test_opposite_traffic_collides_and_deadlocks_as_tlc_finds(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """TLC's trace: r1 drives on, then l1 beside it (6 steps); then neither can move on: a deadlock."""
    r = check(OppositeTraffic(1, 1))
    assert (r.violated, r.trace_length) == ("Invariants", 6)
    assert r.explanation == "cars of both directions are on the bridge: r1 at 5, l1 at 4"
    for bounds, steps in (((1, 1), 6), ((2, 2), 10)):
        d = check(OppositeTraffic(*bounds), check_invariants=False, check_deadlock=True)
        assert (d.verdict, d.trace_length) == ("deadlock", steps)
    out = tmp_path / "cex"
    assert main(["check", f"{FILE}:SingleLaneBridge", "--variant", "opposite-traffic", "--cars-right", "1",
                 "--cars-left", "1", "--out", str(out)]) == 1
    assert "7. EnterBridge(head=l1, branch=2, car=r1)" in capsys.readouterr().out
    assert_replays(out / "trace.itf.json", f"{FILE}:OppositeTraffic")
    assert main(["replay", str(out / "trace.itf.json"), "--spec", f"{FILE}:SingleLaneBridge"]) == 1
    assert "FAIL state 7: EnterBridge(head=l1, branch=2, car=r1): not enabled" in capsys.readouterr().out


def test_a_deadlocks_trace_replays_as_a_deadlock(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """``--deadlock --out`` recorded nothing of the deadlock ("violated": null): replay said only "Every state
    follows", assert_replays passed on a trace whose last state has steps, and the chart and table ended unmarked."""
    out = tmp_path / "dl"
    assert main(["check", f"{FILE}:SingleLaneBridge", "--variant", "opposite-traffic", "--cars-right", "1",
                 "--cars-left", "1", "--deadlock", "--no-invariants", "--out", str(out)]) == 1
    trace = out / "trace.itf.json"
    assert json.loads(trace.read_text())["#meta"]["deadlock"] is True
    assert "deadlock: no step is enabled here" in (out / "msc.dot").read_text()  # (the pictures said nothing)
    assert "deadlock: no step is enabled in the last state" in (out / "table.dot").read_text()
    capsys.readouterr()
    assert main(["replay", str(trace), "--spec", f"{FILE}:OppositeTraffic"]) == 0
    assert "Every state follows; the last state has no successor: a deadlock." in capsys.readouterr().out
    assert_replays(trace, f"{FILE}:OppositeTraffic")
    cut = json.loads(trace.read_text())
    cut["states"] = cut["states"][:-1]  # l1 still waits: it can enter
    short = tmp_path / "short.itf.json"
    short.write_text(json.dumps(cut))
    assert main(["replay", str(short), "--spec", f"{FILE}:OppositeTraffic"]) == 1
    assert "the last state has a successor now: no deadlock" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="no deadlock"):
        assert_replays(short, f"{FILE}:OppositeTraffic")


def test_liveness_holds_and_fails_without_fair_entry_as_in_tlc() -> None:
    safe, results = check_liveness(SingleLaneBridge(1, 1))
    assert safe.verdict == "ok" and len(results) == 4 and all(x.holds for x in results)
    safe, results = check_liveness(UnfairEntry(1, 0), ["CarsEnterBridge"])
    (r,) = results
    assert (safe.distinct_states, safe.states_generated, safe.depth) == (8, 11, 8)  # TLC's
    assert not r.holds and r.property == "CarsEnterBridge(r1)"
    assert (len(r.lasso.prefix) - 1, r.lasso.stutters) == (2, True)  # TLC: two steps, then Stuttering


def test_liveness_takes_the_cfgs_property_line(capsys: pytest.CaptureFixture) -> None:
    """MC.cfg's ``PROPERTY CarsInBridgeExitBridge CarsEnterBridge``: comma-separated (it was refused, suggesting
    CarsInBridgeExitBridge), or a flag per name (the second replaced the first: 'All 2 properties checked'); a name
    given twice, through its family and itself, is checked once."""
    ref = f"{FILE}:SingleLaneBridge"
    for flags in (["--liveness", "CarsInBridgeExitBridge,CarsEnterBridge"],
                  ["--liveness", "CarsInBridgeExitBridge", "--liveness", "CarsEnterBridge"],
                  ["--liveness", "CarsInBridgeExitBridge, CarsEnterBridge,CarsEnterBridge(r1)"]):
        assert main(["check", ref, "--cars-left", "0", *flags]) == 0
        out = capsys.readouterr().out
        assert "All 4 properties checked hold under this fairness." in out
        assert out.count("Property CarsEnterBridge(r1) holds") == 1
    assert main(["check", ref, "--cars-left", "0", "--liveness", "CarsEnterBridge(r2),CarsInBridgeExitBridge(r1)"]) == 0
    assert "All 2 properties checked hold" in capsys.readouterr().out  # (an entry's name may hold a comma: disruptor)
    with pytest.raises(SystemExit) as exc:
        main(["check", ref, "--liveness", "CarsEnterBridge,"])
    assert exc.value.code == 2 and "argument --liveness: an empty name" in capsys.readouterr().err


def test_a_variant_may_name_a_family_of_properties_in_breaks(capsys: pytest.CaptureFixture) -> None:
    """``breaks = "CarsEnterBridge"`` (the TLA+ property, one entry per car here) as ``--liveness CarsEnterBridge``
    takes it: it was refused ("names no invariant ... did you mean 'CarsEnterBridge(r1)'?"), exit 2."""
    assert main(["variants", "--spec", str(FILE), "--check"]) == 0
    out = capsys.readouterr().out
    assert "unfair-entry      CarsEnterBridge, 2 steps        CarsEnterBridge, 2 steps" in out
    assert "why: CarsEnterBridge(r1): a fair behaviour of 2 steps that then stutters for ever" in out


def test_a_plain_check_of_a_variant_breaking_what_it_does_not_judge_says_so(capsys: pytest.CaptureFixture) -> None:
    """unfair-entry breaks a temporal property: its plain check said only "No error found.", as if the variant
    broke nothing; so did Voting's any-quorum, which breaks a refinement."""
    assert main(["check", f"{FILE}:SingleLaneBridge", "--variant", "unfair-entry", "--cars-left", "0"]) == 0
    assert "No error found.\n(The variant unfair-entry breaks CarsEnterBridge, a temporal property, which a plain " \
           "check does not judge: add --liveness CarsEnterBridge.)\n" in capsys.readouterr().out
    voting = FILE.parent / "lamport_voting.py"
    assert main(["check", f"{voting}:Voting", "--variant", "any-quorum", "--acceptors", "2"]) == 0
    assert "paxraft refine SPEC --variant any-quorum Consensus checks it.)" in capsys.readouterr().out
    assert main(["check", f"{FILE}:SingleLaneBridge", "--cars-left", "0"]) == 0
    assert "(The variant" not in capsys.readouterr().out


def test_refines_occupancy_and_the_variant_does_not() -> None:
    spec = SingleLaneBridge()
    r = check_refinement(spec, *refinement(spec, "Occupancy"))
    assert r.holds and (r.distinct_states, r.transitions, r.stutters, r.abstract_states) == (3605, 20180, 10344, 7)
    bad_spec = OppositeTraffic(1, 1)
    bad = check_refinement(bad_spec, *refinement(bad_spec, "Occupancy"))
    assert not bad.holds and bad.trace is not None and len(bad.trace) == 7  # l1's step onto the bridge beside r1
    assert bad.reason is not None and "on = {r1}  ->  on = {r1, l1}" in bad.reason


def test_hypothesis_and_the_explorer() -> None:
    run_spec(SingleLaneBridge(1, 1), settings(max_examples=10, derandomize=True))
    with pytest.raises(InvariantViolation) as found:
        run_spec(OppositeTraffic(1, 1), settings(max_examples=100, derandomize=True))
    assert found.value.invariant == "Invariants"
    page = Session(OppositeTraffic(1, 1)).view("MoveOutsideBridge(0)/MoveOutsideBridge(0)/EnterBridge(0,1,0)/"
                                                "MoveOutsideBridge(1)/MoveOutsideBridge(1)/EnterBridge(1,2,0)")
    assert page["invariants"][1] == {"name": "Invariants", "holds": False,
                                     "why": "cars of both directions are on the bridge: r1 at 5, l1 at 4"}
    assert page["enabled"] == []  # the two cars face each other on the bridge: the deadlock


def test_prove_and_bmc_the_abstract_bridge(capsys: pytest.CaptureFixture) -> None:
    """Occupancy's OneDirection for any number of cars; any-direction fails at Enter, and bmc finds its 2 steps."""
    assert main(["prove", f"{FILE}:Occupancy"]) == 0
    assert "4/4 obligations proved" in capsys.readouterr().out
    assert main(["prove", f"{FILE}:Occupancy", "--conformance"]) == 0
    assert "the encoding conforms" in capsys.readouterr().out
    assert main(["prove", f"{FILE}:Occupancy", "--variant", "any-direction"]) == 1
    assert "Counterexample to Inv /\\ Enter => Inv'" in capsys.readouterr().out
    assert main(["bmc", f"{FILE}:Occupancy", "--variant", "any-direction", "--depth", "4"]) == 1
    assert "OneDirection is violated; shortest counterexample: 2 steps" in capsys.readouterr().out


def test_infer_finds_occupancys_invariant_and_says_when_templates_are_too_short(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """OneDirection is a clause of four literals: infer finds it with the encoding's template (and prove proves
    with it); with the defaults' three it found none and said only that no candidate excludes the state."""
    inv = tmp_path / "occ.inv"
    assert main(["infer", f"{FILE}:Occupancy", "--out", str(inv)]) == 0
    assert "Inv1: forall C1:Car C2:Car. ~on(C1) | ~on(C2) | ~right(C1) | right(C2)" in inv.read_text()
    assert main(["prove", f"{FILE}:Occupancy", "--invariant", str(inv)]) == 0
    assert "4/4 obligations proved" in capsys.readouterr().out
    mine = tmp_path / "occ3.py"
    mine.write_text(f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\n"
                    "from single_lane_bridge import Occupancy, OccupancyProof\n\n\n"
                    "class Occ3(Occupancy):\n    pass\n\n\n"
                    "class Occ3Proof(OccupancyProof):\n    spec = Occ3\n    infer_templates = ()\n")
    assert main(["infer", f"{mine}:Occ3"]) == 1
    out = capsys.readouterr().out
    assert "no candidate excludes a state where OneDirection fails" in out
    assert "Every candidate is a clause of the templates (C1:Car C2:Car, <= 3 literals): " in out
    assert 'infer_templates = (template("C1:Car C2:Car", literals=4),)' in out


def test_audit_an_implementations_log_against_the_spec_and_its_variant(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A log of the opposite-traffic bug, one file per car in the spec's own names: the spec refuses l1's entry
    beside r1 (event 6), the variant explains it; ``--variant`` was no audit flag and took a trace's place."""
    steps = [(0, "MoveOutsideBridge", {"car": 0}, {"Location": 7}),
             (0, "MoveOutsideBridge", {"car": 0}, {"Location": 6, "WaitingBeforeBridge": [0]}),
             (0, "EnterBridge", {"head": 0}, {"Location": 5, "WaitingBeforeBridge": []}),
             (1, "MoveOutsideBridge", {"car": 1}, {"Location": 2}),
             (1, "MoveOutsideBridge", {"car": 1}, {"Location": 3, "WaitingBeforeBridge": [1]}),
             (1, "EnterBridge", {"head": 1}, {"Location": 4})]
    files = []
    for car in (0, 1):
        lines = [{"format": "paxraft-trace", "version": 2, "node": car}]
        lines += [{"node": n, "clock": i + 1, "action": a, "params": p, "state": st}
                  for i, (n, a, p, st) in enumerate(steps) if n == car]
        files.append(tmp_path / f"node-{car}.jsonl")
        files[-1].write_text("".join(json.dumps(x) + "\n" for x in lines))
    audit = ["audit", "--spec", f"{FILE}:SingleLaneBridge", "--bounds", "cars_right=1,cars_left=1", *map(str, files)]
    assert main(audit) == 1
    assert "FAILED at event 6 of 6" in capsys.readouterr().out
    assert main([*audit, "--variant", "opposite-traffic"]) == 0
    assert "OK: every event is explained by a behaviour of the spec." in capsys.readouterr().out
    assert main(["audit", "--spec", "raft", "--variant", "x", *map(str, files)]) == 2
    assert "--variant goes with --spec FILE.py:Class" in capsys.readouterr().err


@pytest.mark.parametrize(("flags", "says"), [
    (["--bridge", "x"], "--bridge takes comma-separated positions such as 4,5; got 'x'"),
    (["--bridge", "1,2"], "assumes StartPos < StartBridge"),
    (["--cars-right", "0", "--cars-left", "0"], "assumes Cardinality(CarsRight \\union CarsLeft) # 0"),
])
def test_the_assumptions_are_one_line(flags: list[str], says: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["check", f"{FILE}:SingleLaneBridge", *flags]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SpecError):
        SingleLaneBridge(0, 0)


@pytest.mark.slow
def test_a_larger_model_with_liveness() -> None:
    """Two right cars, three left, positions 1..9, bridge {3,4,5}: TLC's 40,391 / 258,805 / 41 in 64 s."""
    safe, results = check_liveness(SingleLaneBridge(2, 3, 9, "3,4,5"))
    assert (safe.distinct_states, safe.states_generated, safe.depth) == (40391, 258805, 41)
    assert len(results) == 10 and all(r.holds for r in results)
