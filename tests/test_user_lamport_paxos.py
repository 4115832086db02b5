"""A distributed-systems researcher's specs written from README.md and docs/ only (notes newuser10, 2026-12-05):
Lamport's refinement chain Consensus <= Voting <= Paxos from tlaplus/Examples' specifications/Paxos
(tests/user_specs/lamport_consensus.py, lamport_voting.py, lamport_paxos.py; the TLA+ text and the models TLC ran
in tests/user_specs/LamportPaxos/), through every feature: TLC 2.20's counts (states generated included), the
refinements the text states, the planted bugs with TLC's verdicts and lengths, symmetry, workers, dfs, simulation,
liveness, pictures and replay, graph, Hypothesis, the explorer and an audit of a hand-written trace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from test_cli import run  # the CLI run with its captured output

from modelcheck import check
from modelcheck.engine.refinement import check_refinement
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from spec.refinements import refinement
from spec.registry import build as registry_build
from spec.registry import load_user_spec

HERE = Path(__file__).resolve().parent / "user_specs"
CONSENSUS = f"{HERE / 'lamport_consensus.py'}:Consensus"
VOTING = f"{HERE / 'lamport_voting.py'}:Voting"
PAXOS = f"{HERE / 'lamport_paxos.py'}:Paxos"
THREE = {"acceptors": 3, "values": 2}  # MCPaxos.tla's commented-out model; MCVoting's

# TLC 2.20, -workers 1 (tests/user_specs/LamportPaxos/README.md has the commands): (spec, bounds, symmetry) ->
# (distinct, generated, depth)
TLC = {
    (CONSENSUS, (("inductive", True),), False): (4, 7, 1),  # MCConsensus.cfg: ISpec == IInv /\ [][Next]_chosen
    (CONSENSUS, (), False): (4, 4, 2),  # MCConsensusSpec.cfg: Spec
    (VOTING, (), True): (77, 451, 11),  # MCVoting.cfg
    (VOTING, (), False): (599, 3124, 11),  # MCVotingNoSym.cfg
    (PAXOS, (), True): (25, 82, 9),  # MCPaxos.cfg as shipped: one acceptor, one value
    (PAXOS, tuple(THREE.items()), True): (443, 2697, 17),  # MCPaxos3.cfg
}
TLC_SLOW = {(PAXOS, tuple(THREE.items()), False): (3921, 23563, 17)}  # MCPaxos3NoSym.cfg (1.5 s)


def build(target: str, **bounds: object) -> object:
    return load_user_spec(target)(**bounds)


@pytest.mark.parametrize("key", sorted(TLC, key=repr))
def test_counts_are_tlcs(key: tuple) -> None:
    assert_tlcs(key, TLC[key])


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(TLC_SLOW, key=repr))
def test_three_acceptors_without_symmetry_has_tlcs_counts(key: tuple) -> None:
    assert_tlcs(key, TLC_SLOW[key])


def test_witnesses_as_parameters_make_the_states_generated_tlcs() -> None:
    """docs/writing-a-spec.md: the shipped spec/voting.py writes VoteFor's existentials with any(): TLC's distinct
    states and depth, 2,080 states generated against TLC's 3,124 (which this file's Voting has)."""
    r = check(registry_build("voting"))
    assert (r.distinct_states, r.states_generated, r.depth) == (599, 2080, 11)


def assert_tlcs(key: tuple, expected: tuple[int, int, int]) -> None:
    target, bounds, symmetry = key
    r = check(build(target, **dict(bounds)), symmetry=symmetry)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *expected)


def test_the_refinements_the_text_states_hold(capsys: pytest.CaptureFixture) -> None:
    """Voting => Consensus (C == INSTANCE Consensus, via chosen); Paxos => Voting (V == INSTANCE Voting)."""
    code, out, _ = run(capsys, "refine", VOTING, "Consensus")
    assert code == 0 and "599 distinct Voting states, 3,123 transitions checked" in out
    assert "VoteFor -> Next" in out
    r = check_refinement(*[(p := build(PAXOS, **THREE)), *refinement(p, "Voting")])
    assert r.holds and (r.distinct_states, r.abstract_states) == (3921, 599)


def test_declared_refinements_compose(capsys: pytest.CaptureFixture) -> None:
    """Paxos => Consensus through Voting, the two declared mappings composed (refused before: 'no refinement
    mapping from Paxos to Consensus'); the broken variant fails where Consensus notices, two steps after Voting."""
    code, out, _ = run(capsys, "refine", PAXOS, "Consensus", "--acceptors", "2", "--values", "2")
    assert code == 0 and "Paxos implements Consensus" in out and "3 distinct Consensus states reached" in out
    assert "Phase2b -> Next" in out
    code, out, _ = run(capsys, "refine", PAXOS, "--variant", "ignore-votes", "Consensus", "--acceptors", "3",
                       "--values", "2")
    assert code == 1 and "refinement fails at state 13 (step 12): Phase2b(a=a3, b=0, v=v1)" in out
    code, _, err = run(capsys, "refine", PAXOS, "Raft")
    assert code == 2 and err.endswith("no refinement mapping from Paxos to Raft (known from Paxos: Voting, "
                                      "Consensus (through Voting))\n")


def test_planted_bugs_fail_as_in_tlc(capsys: pytest.CaptureFixture) -> None:
    """TLC on MCPaxosIgnoreVotes: Inv3 violated in state 10; with the invariants left out, VotingSpecBar in state 11
    at Phase2b(a1). On MCVotingAnyQuorum: ConsensusSpecBar in state 4; Voting's own Inv holds."""
    bounds = ("--acceptors", "3", "--values", "2")
    code, out, _ = run(capsys, "check", PAXOS, "--variant", "ignore-votes", *bounds)
    assert code == 1 and "invariant Inv3 is violated; shortest counterexample: 9 steps" in out
    code, out, _ = run(capsys, "refine", PAXOS, "--variant", "ignore-votes", "Voting", *bounds)
    assert code == 1 and "refinement fails at state 11 (step 10): Phase2b(a=a1, b=1, v=v2) maps to no step" in out
    code, out, _ = run(capsys, "check", VOTING, "--variant", "any-quorum")
    assert code == 0 and "No error found." in out
    code, out, _ = run(capsys, "refine", VOTING, "--variant", "any-quorum", "Consensus")
    assert code == 1 and "refinement fails at state 4 (step 3)" in out
    assert "chosen = {v1}  ->  chosen = {v1, v2}" in out
    code, out, _ = run(capsys, "variants", "--spec", str(HERE / "lamport_paxos.py"), "--check")
    assert code == 0 and "Inv3, 9 steps" in out


def test_a_variant_may_break_a_refinement(capsys: pytest.CaptureFixture) -> None:
    """any-quorum breaks no invariant of Voting, only Spec => C!Spec: catalogued as breaking Consensus (refused
    before: 'breaks = 'Consensus' names no invariant of Voting'), and checked as paxraft refine checks it."""
    code, out, _ = run(capsys, "variants", "--spec", str(HERE / "lamport_voting.py"), "--check")
    assert code == 0 and "Consensus, 3 steps              Consensus, 3 steps" in out and "agrees" in out
    assert "why: VoteFor(a=a2, b=0, v=v2, Q={a1}, c=-1, w=none) maps to no step of Consensus" in out
    code, out, _ = run(capsys, "list", str(HERE / "lamport_voting.py"))
    assert "any-quorum  breaks Consensus: Quorum is every singleton {a}" in out


def test_liveness(capsys: pytest.CaptureFixture) -> None:
    """LiveSpec => Success (TLC: holds on MCConsensusSpec.cfg, violated by stuttering in state 1 without WF);
    MCLSpec => MCLiveness on three acceptors (TLC: holds, MCPaxos3Live.cfg)."""
    code, out, _ = run(capsys, "check", CONSENSUS, "--liveness")
    assert code == 0 and "Property Success holds under this fairness." in out
    # TLC's figures of the same exploration (Consensus.cfg's LiveSpec: 4 distinct, 4 generated, depth 2); the
    # liveness report gave the distinct states and the edges only (newuser11)
    assert "4 distinct states, 3 edges (4 states generated, depth 2)" in out
    code, out, _ = run(capsys, "check", CONSENSUS, "--liveness", "--json")
    obj = json.loads(out)[0]
    assert (obj["distinct_states"], obj["states_generated"], obj["depth"]) == (4, 4, 2)
    code, out, _ = run(capsys, "check", CONSENSUS, "--liveness", "--no-fairness")
    assert code == 1 and "a fair behaviour of 0 steps that then stutters for ever" in out
    code, out, _ = run(capsys, "check", PAXOS, "--acceptors", "3", "--values", "2", "--liveness")
    assert code == 0 and "Property MCLiveness holds under this fairness." in out


def test_engines_agree(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", VOTING, "--workers", "2", "--symmetry")
    assert code == 0 and "77 distinct states, 451 states generated, depth 11" in out
    code, out, _ = run(capsys, "check", PAXOS, "--variant", "ignore-votes", "--acceptors", "3", "--values", "2",
                       "--workers", "2")
    assert code == 1 and "shortest counterexample: 9 steps" in out
    code, out, _ = run(capsys, "check", VOTING, "--mode", "dfs")
    assert code == 0 and "599 distinct states, 3,124 states generated" in out
    code, out, _ = run(capsys, "check", PAXOS, "--variant", "ignore-votes", "--acceptors", "3", "--values", "2",
                       "--mode", "simulate")
    assert code == 1 and "invariant Inv3 is violated" in out


def test_pictures_replay_graph_hypothesis_and_explorer(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    cex = tmp_path / "cex"
    bounds = ("--acceptors", "3", "--values", "2")
    code, out, _ = run(capsys, "check", PAXOS, "--variant", "ignore-votes", *bounds, "--out", str(cex))
    assert code == 1 and (cex / "trace.itf.json").exists() and (cex / "msc.dot").exists()
    chart = (cex / "msc.dot").read_text()
    assert 'label="leader 1"' in chart and 'label="a3"' not in chart  # the spec's lifelines that act (a3 does not)
    trace = str(cex / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{HERE / 'lamport_paxos.py'}:IgnoreVotes")
    assert code == 0 and "Every state follows; the last state violates Inv3." in out
    code, out, _ = run(capsys, "replay", str(cex / "trace.itf.json"), "--spec", PAXOS)
    assert code == 1 and "FAIL state 10: Phase2a(b=1, v=v2, Q={a1, a2}, w=none): not enabled" in out
    code, out, _ = run(capsys, "graph", PAXOS, "--out", str(tmp_path / "g"))
    assert code == 0 and "25 states" in out
    run_spec(build(PAXOS, **THREE), settings(max_examples=10, derandomize=True))
    with pytest.raises(InvariantViolation) as found:
        run_spec(load_user_spec(f"{HERE / 'lamport_paxos.py'}:IgnoreVotes")(**THREE),
                 settings(max_examples=60, derandomize=True, phases=[Phase.generate]))  # shrinking: 10 s more
    assert found.value.invariant == "Inv3"
    view = Session(build(PAXOS)).view("Phase1a(0)/Phase1b(0,0)/Phase2a(0,0,(0,),-1)")
    assert "Phase1a(0)/Phase1b(0,0)/Phase2a(0,0,(0,),-1)/Phase2b(0,0,0)" in [e["path"] for e in view["enabled"]]


def test_the_explorer_marks_only_steps_that_break_an_invariant_holding_before() -> None:
    """At the end of ignore-votes' counterexample Inv3 is already false: no step from there breaks it (each was
    marked 'breaks Inv3', a resend of 1a that changes nothing too); the step before it, and one from there that
    breaks another invariant, still are."""
    session = Session(load_user_spec(f"{HERE / 'lamport_paxos.py'}:IgnoreVotes")(**THREE))
    before = ("Phase1a(0)/Phase1a(1)/Phase1b(0,0)/Phase1b(0,1)/Phase1b(1,0)/Phase2a(0,0,(0,1),-1)/Phase2b(1,0,0)/"
              "Phase1b(1,1)")
    view = session.view(before)
    last = f"{before}/Phase2a(1,1,(0,1),-1)"
    assert {e["path"]: e["violates"] for e in view["enabled"]}[last] == "Inv3"
    view = session.view(last)
    assert [i["name"] for i in view["invariants"] if not i["holds"]] == ["Inv3"]
    marks = {e["label"]: e["violates"] for e in view["enabled"]}
    assert "Inv3" not in marks.values() and marks["Phase1a(b=0)"] is None  # a resend: changes nothing
    assert marks["Phase2b(a=a2, b=1, v=v2)"] == "Inv4"  # a vote that breaks V!Inv, which held: still marked


def test_audit_of_a_hand_written_trace(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """An acceptor (node 0) and a leader (node 1) in the spec's own language; Phase2a's Q and w are left to search."""
    header = {"format": "paxraft-trace", "version": 2}
    acceptor = [
        {"node": 0, "clock": 2, "action": "Phase1b", "params": {"a": 0, "b": 0}, "state": {"maxBal": 0}},
        {"node": 0, "clock": 4, "action": "Phase2b", "params": {"a": 0},
         "state": {"maxBal": 0, "maxVBal": 0, "maxVal": 0}},
    ]
    leader = [
        {"node": 1, "clock": 1, "action": "Phase1a", "params": {"b": 0}, "state": {}},
        {"node": 1, "clock": 3, "action": "Phase2a", "params": {"b": 0, "v": 0}, "state": {}},
    ]

    def write(name: str, node: int, events: list[dict]) -> str:
        path = tmp_path / name
        path.write_text("\n".join(json.dumps(x) for x in [{**header, "node": node}, *events]) + "\n")
        return str(path)

    files = [write("node-0.jsonl", 0, acceptor), write("leader.jsonl", 1, leader)]
    code, out, _ = run(capsys, "audit", "--spec", PAXOS, *files)
    assert code == 0 and "4 events explained" in out
    acceptor[1]["state"] = {"maxBal": 1, "maxVBal": 1, "maxVal": 0}  # a vote in a ballot never begun
    files[0] = write("node-0.jsonl", 0, acceptor)
    code, out, _ = run(capsys, "audit", "--spec", PAXOS, *files)
    assert code == 1 and "FAILED at event 4 of 4" in out and "maxVBal: 1 | 0" in out
    # every enabled step, the other nodes' too: not said to be node 0's (it said "allowed there (node 0)")
    assert "  the spec allowed there: Phase1a(b=0), Phase1a(b=1), Phase2b(a=a1, b=0, v=v1)\n" in out
