"""A new user's spec written from README.md and docs/ only (notes newuser19, 2026-12-06): ParallelRaft-SE
(tests/user_specs/parallel_raft.py, from HappyCS-Gu/Parallel-Raft-tla, which tlaplus/Examples lists), with TLC
2.20's figures for MCParallelRaftSE (tests/user_specs/ParallelRaft/), its refinement of MultiPaxos.tla, a planted
bug (own-term-vote), and every feature through the command line: list, check with its bound flags, symmetry,
workers, dfs, simulation, --invariants, --restrict, --counterexamples, variants, refine, pictures and replay,
graph, bmc's refusal, the Hypothesis adapter and the explorer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import check_report, figures, one_error_line, run

from modelcheck import check
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "parallel_raft.py"
PR, OTV = f"{FILE}:ParallelRaftSE", f"{FILE}:OwnTermVote"

# TLC 2.20, -workers 1, MCParallelRaftSE.tla: (max_term, max_index) -> distinct, generated, depth
TLC = {(1, 0): (1411, 22420, 19), (1, 1): (65359, 1811212, 29)}  # MCParallelRaftSE.cfg, ...Index1.cfg
TLC_SYMMETRY = (316, 5013, 19)  # MCParallelRaftSESym.cfg (SYMMETRY Permutations(Server))
# MCParallelRaftSEOwnTermVote.cfg: OneLeaderPerTerm violated, 11 states; TLC stopped at 3,796 / 30,592 / 11
TLC_OWN_TERM_VOTE = ("OneLeaderPerTerm", 10, (3796, 30592, 11))
# the 10 steps TLC printed, as paxraft numbers parameters (servers from 0)
TLC_TRACE = (
    ["Init", "Timeout", "Timeout", "RequestVote", "RequestVote"]
    + ["HandleRequestVoteRequest"] * 4
    + ["BecomeLeaderCandidate"] * 2
)
PATH = (
    "Timeout(0)/Timeout(1)/RequestVote(0)/RequestVote(1)/HandleRequestVoteRequest(0,1,0)/"
    "HandleRequestVoteRequest(0,1,1)/HandleRequestVoteRequest(1,1,0)/HandleRequestVoteRequest(1,1,1)/"
    "BecomeLeaderCandidate(0,(0,1),0)"
)


def report(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> dict:
    return check_report(capsys, ref, *argv, codes=(0, 1))


def test_counts_are_tlcs_in_every_engine(capsys: pytest.CaptureFixture) -> None:
    one = report(capsys, PR)
    assert (one["verdict"], figures(one)) == ("ok", TLC[1, 0])
    two = report(capsys, PR, "--workers", "2")
    assert figures(two) == TLC[1, 0] and two["coverage"] == one["coverage"]
    assert figures(report(capsys, PR, "--symmetry")) == TLC_SYMMETRY
    assert figures(report(capsys, PR, "--mode", "dfs"))[:2] == TLC[1, 0][:2]
    sim = report(capsys, PR, "--mode", "simulate", "--walks", "20", "--seed", "3")
    assert sim["verdict"] == "ok" and 0 < sim["distinct_states"] <= TLC[1, 0][0]
    # --invariants checks one of the two; --restrict restart-leaders (a Follower's Restart is a stutter, a
    # Candidate's abandons its election) and --without Restart shrink the model
    assert figures(report(capsys, PR, "--invariants", "Consistency")) == TLC[1, 0]
    only = report(capsys, PR, "--variant", "own-term-vote", "--invariants", "Consistency", "--max-states", "5000")
    assert (only["verdict"], only["distinct_states"]) == ("ok", 5000)  # OneLeaderPerTerm is not checked
    assert figures(report(capsys, PR, "--restrict", "restart-leaders")) == (1012, 15019, 19)
    assert figures(report(capsys, PR, "--without", "Restart")) == (568, 9313, 18)


@pytest.mark.slow
def test_two_indexes_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    """MCParallelRaftSEIndex1.cfg (TLC 20 s; paxraft 17 s quiet, 47 s at load 8)."""
    assert figures(report(capsys, PR, "--max-index", "1")) == TLC[1, 1]


def test_list_names_the_flags_the_refinement_the_restriction_and_the_variant(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "list", str(FILE))
    assert code == 0
    for line in (
        "ParallelRaftSE: ParallelRaft-SE (PolarFS's ParallelRaft without out-of-order execution); refines MultiPaxos.",
        "--max-term       largest term expanded (Term = 0..MAX, CONSTRAINT TermBound) (default 1)",
        "checks: invariants Consistency, OneLeaderPerTerm",
        f"refines MultiPaxos: paxraft refine {FILE}:ParallelRaftSE MultiPaxos",
        "restart-leaders  on Restart: Only a LeaderCandidate or Leader restarts",
        "own-term-vote  breaks OneLeaderPerTerm",
        "MultiPaxos: MultiPaxos.tla of Parallel-Raft-tla",
    ):
        assert line in out, line


def test_the_planted_bug_is_tlcs_trace(capsys: pytest.CaptureFixture) -> None:
    obj = report(capsys, PR, "--variant", "own-term-vote")
    assert (obj["violated"], obj["trace_length"], figures(obj)) == TLC_OWN_TERM_VOTE
    assert [s["action"] for s in obj["trace"]] == TLC_TRACE
    assert report(capsys, PR, "--variant", "own-term-vote", "--workers", "2")["trace"] == obj["trace"]
    assert report(capsys, OTV)["trace"] == obj["trace"]  # the variant's class named on the command line
    # dfs finds it within a depth bound of 11 states (a dfs depth counts states); unbounded it wanders
    dfs = report(capsys, PR, "--variant", "own-term-vote", "--mode", "dfs", "--depth", "11")
    assert (dfs["violated"], dfs["trace_length"]) == ("OneLeaderPerTerm", 10)
    sim = report(capsys, PR, "--variant", "own-term-vote", "--mode", "simulate", "--walks", "200", "--depth", "30")
    assert sim["violated"] == "OneLeaderPerTerm" and sim["trace_length"] >= 10
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "own-term-vote  OneLeaderPerTerm, 10 steps      OneLeaderPerTerm, 10 steps" in out
    code, out, _ = run(capsys, "check", PR, "--variant", "own-term-vote", "--counterexamples", "3")
    assert code == 1 and "Shortest counterexamples have 10 steps; 27 violating states on that level" in out
    assert out.count(": OneLeaderPerTerm, 10 steps") == 3


def test_refines_multipaxos_and_the_bug_does_not(capsys: pytest.CaptureFixture) -> None:
    """ParallelRaftSE.tla's THEOREM Spec => A!Spec, A == INSTANCE MultiPaxos (the paper checked it with TLC)."""
    code, out, _ = run(capsys, "refine", PR, "MultiPaxos")
    assert code == 0 and "ParallelRaftSE implements MultiPaxos." in out
    assert ("1,411 distinct ParallelRaftSE states, 22,419 transitions checked (17,493 map to stutters), "
            "189 distinct MultiPaxos states reached") in out  # fmt: skip
    # the steps that are no stutters and the abstract actions explaining them, the counts in one column: a name
    # longer than 32 characters pushed its count right ("HandleRequestVoteRequest -> Phase1b        192")
    assert out.endswith(
        "  ClientRequest -> Propose                     6\n"
        "  HandleRequestSyncRequest -> Vote           900\n"
        "  HandleRequestVoteRequest -> Phase1b        192\n"
        "  RequestSync -> Phase2a                      18\n"
        "  RequestVote -> Phase1a                      27\n"
        "  Timeout -> IncreaseBallot                3,783\n"
    )
    code, two, _ = run(capsys, "refine", PR, "MultiPaxos", "--workers", "2")
    # the counts and the table, figure for figure (the seconds aside)
    assert code == 0 and re.sub(r", [0-9.]+s\n", "\n", two) == re.sub(r", [0-9.]+s\n", "\n", out)
    # a vote at one's own term is a Phase1b without ballot[a] < b: refine sees the bug 7 steps before the invariant
    code, out, _ = run(capsys, "refine", PR, "MultiPaxos", "--variant", "own-term-vote")
    assert code == 1
    assert "refinement fails at state 4 (step 3): HandleRequestVoteRequest(i=s1, t=1, j=s1) maps to no step" in out
    assert "1bmsgs = {<<1, <<<<-1, Nil>>>>, a1>>}" in out  # the abstract states as MultiPaxos.show_state reads them


def test_refine_checks_the_steps_the_constraint_cuts_as_tlc_does(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """MultiPaxos with ballots 0..MaxTerm only: Timeout's step to MaxTerm + 1 maps to no step. TLC on
    MCParallelRaftSERefineNoPad.cfg: "Action property ... of module MultiPaxos is violated" at state 3 (Timeout(s1)
    twice), 11 states generated, 5 distinct; with MCParallelRaftSERefine.cfg's ballots 0..MaxTerm + 1 it holds."""
    nopad = tmp_path / "nopad.py"
    nopad.write_text(
        f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\n"
        "from parallel_raft import MPState, MultiPaxos, ParallelRaftSE\nfrom spec.core import refines\n\n\n"
        "class NoPad(ParallelRaftSE):\n"
        "    @refines(MultiPaxos)\n"
        "    def as_multipaxos(self):\n"
        "        mp = MultiPaxos(len(self.Server), len(self.Value), len(self.Term) - 1, len(self.Index) - 1)\n"
        "        pad = ParallelRaftSE.as_multipaxos(self)[1]\n"
        "        return mp, lambda s: (lambda m: m._replace(vote=tuple(tuple(b[:-1] for b in i) for i in m.vote),\n"
        "                                                   leaderVote=m.leaderVote[:-1]))(pad(s))\n"
    )
    code, out, _ = run(capsys, "refine", f"{nopad}:NoPad", "MultiPaxos")
    assert code == 1 and "refinement fails at state 3 (step 2): Timeout(i=s1) maps to no step of MultiPaxos" in out
    assert "5 distinct NoPad states, 10 transitions checked" in out


@pytest.mark.slow
def test_two_indexes_refine_multipaxos(capsys: pytest.CaptureFixture) -> None:
    """MCParallelRaftSEIndex1.cfg's model (44 s at load 9): ClientRequest -> Propose at both indexes."""
    code, out, _ = run(capsys, "refine", PR, "MultiPaxos", "--max-index", "1")
    assert code == 0 and ("65,359 distinct ParallelRaftSE states, 1,811,211 transitions checked (1,511,949 map to "
                          "stutters), 1,161 distinct MultiPaxos states reached") in out  # fmt: skip


def test_pictures_replay_graph_and_bmc(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    cex = tmp_path / "cex"
    code, _, _ = run(capsys, "check", PR, "--variant", "own-term-vote", "--out", str(cex))
    assert code == 1 and {p.name for p in cex.iterdir()} >= {"trace.itf.json", "msc.dot", "table.dot"}
    msc = (cex / "msc.dot").read_text()
    assert "1b(term 1) s1 to s2" in msc and "OneLeaderPerTerm is violated here" in msc
    trace = str(cex / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", OTV)
    assert code == 0 and "Every state follows; the last state violates OneLeaderPerTerm." in out
    code, out, _ = run(capsys, "replay", trace, "--spec", PR)
    assert code == 1 and "FAIL state 6: HandleRequestVoteRequest(i=s1, t=1, j=s1): leads to a different state" in out
    # the whole graph of a small model (the 568 states without Restart take dot a minute to lay out)
    code, out, _ = run(
        capsys, "graph", PR, "--without", "Restart,HandleRequestVoteRequest", "--out", str(tmp_path / "g")
    )
    assert code == 0 and "without=Restart,HandleRequestVoteRequest: 27 states, 54 edges" in out
    code, _, err = run(capsys, "bmc", PR, "--depth", "5")  # no Z3 encoding: the explicit search that does the same
    assert code == 2 and one_error_line(err).endswith(f"paxraft check {PR} --mode dfs --depth 6 (and the bounds)")


def test_hypothesis_and_the_explorer() -> None:
    fast = settings(max_examples=20, stateful_step_count=30, derandomize=True, database=None, deadline=None)
    run_spec(load_user_spec(PR)(), settings=fast)
    # 10 particular steps among many: random runs find them in the model without the steps after an election
    small = load_user_spec(OTV)().without(
        ["Restart", "RequestSync", "HandleRequestSyncRequest", "CommitEntry", "RequestCommit",
         "HandleRequestCommitRequest"]
    )  # fmt: skip
    with pytest.raises(InvariantViolation) as found:
        run_spec(small, settings(max_examples=50, stateful_step_count=20, derandomize=True, database=None))
    assert found.value.invariant == "OneLeaderPerTerm"
    view = Session(load_user_spec(OTV)()).view(PATH)
    marked = [(e["label"], e["violates"]) for e in view["enabled"] if e["violates"]]
    assert marked == [("BecomeLeaderCandidate(i=s2, Q={s1, s2}, v=v1)", "OneLeaderPerTerm")]
    assert [e["outside"] for e in view["enabled"] if e["label"] == "Timeout(i=s2)"] == [True]  # term 2: cut


def test_the_abstract_spec_alone(capsys: pytest.CaptureFixture) -> None:
    """MultiPaxos.tla's Correctness holds on a small model of its own (2 acceptors: every quorum is both)."""
    r = check(load_user_spec(f"{FILE}:MultiPaxos")(acceptors=2, max_ballot=1))
    assert r.verdict == "ok" and r.distinct_states > 0
    assert (
        json.loads(run(capsys, "check", f"{FILE}:MultiPaxos", "--acceptors", "2", "--json", "--quiet")[1])["verdict"]
        == "ok"
    )
