"""Z3 bounded model checking of raft.tla gives the explicit checker's verdicts and shortest counterexample lengths."""

from __future__ import annotations

import re

import pytest
import z3

from modelcheck import check
from modelcheck.cli import main
from proofs.raft.bmc import EncodingError, bmc_raft, elections_conflict
from proofs.raft.bmc_conformance import check_steps
from proofs.raft.bmc_encoding import RaftBmcEncoding, Universe
from spec.behaviour import ReplayError
from spec.core import SpecError, invariant
from spec.raft import LEADER, Raft, RaftState, RequestVoteRequest, RequestVoteResponse
from spec.registry import build

# The smallest failing models of the catalog (spec/raft_variants.py): 2 servers, no log entries, one message.
VOLATILE_TERM = {"servers": 2, "values": 1, "max_term": 2, "max_log": 0, "max_copies": 1, "max_in_flight": 1}
COUNT_STALE = {**VOLATILE_TERM, "max_term": 3}


@pytest.mark.slow
def test_volatile_term_shortest_violation_matches_the_explicit_checker(capsys):
    explicit = check(build("raft", "volatile-term", **VOLATILE_TERM))
    assert (explicit.violated, explicit.trace_length) == ("OneLeaderPerTerm", 20)
    argv = ["bmc", "raft", "--variant", "volatile-term", "--servers", "2", "--max-term", "2", "--depth", "20"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "36 messages in the universe, 184 action instances per step" in out
    # Same verdict and shortest length as the explicit checker; which 20-step trace Z3 returns decides whether two
    # leaders of one term coexist (OneLeaderPerTerm) or follow each other (ElectionSafety, over BecomeLeader steps).
    verdict = r"(OneLeaderPerTerm and ElectionSafety are|OneLeaderPerTerm is|ElectionSafety is) violated"
    assert re.search(verdict + r"; shortest counterexample: 20 steps", out)
    assert " 21. BecomeLeader(i=s" in out and " 22." not in out  # 20 steps after the initial state
    assert "  2. Timeout(i=s1)" in out  # the symmetry reduction: s1 times out first


@pytest.mark.slow
def test_count_stale_votes_shortest_violation_matches_the_explicit_checker():
    spec = build("raft", "count-stale-votes", **COUNT_STALE)
    explicit = check(spec)
    res = bmc_raft(spec, 20)
    assert (res.length, explicit.trace_length, explicit.violated) == (18, 18, "OneLeaderPerTerm")
    assert res.violated in ("OneLeaderPerTerm", "ElectionSafety")
    assert len(res.seconds_per_depth) == 19
    # bmc_raft replayed the trace on the spec; it ends in the violation and not before
    assert elections_conflict(res.trace) and not elections_conflict(res.trace[:-1])
    assert all(spec.invariants["OneLeaderPerTerm"](step.state) for step in res.trace[:-1])


@pytest.mark.slow
def test_raft_has_no_violation_at_the_same_bounds():
    spec = build("raft", **VOLATILE_TERM)
    assert check(spec).violated is None
    res = bmc_raft(spec, 20)
    assert res.length is None and res.unknown is None and len(res.seconds_per_depth) == 21


@pytest.mark.slow
def test_raft_has_no_violation_where_count_stale_votes_fails():
    res = bmc_raft(build("raft", **COUNT_STALE), 18)
    assert res.length is None and res.unknown is None and len(res.seconds_per_depth) == 19


class NothingCommitted(Raft):
    """A planted invariant that fails once any server commits: its witness runs through logs and AppendEntries."""

    @invariant
    def NothingCommitted(self, s: RaftState) -> bool:
        return not any(s.commitIndex)


class NothingCommittedEncoding(RaftBmcEncoding):
    def violations(self, s):
        return super().violations(s) | {"NothingCommitted": z3.Or([s["ci", i] > 0 for i in range(self.n)])}


class NoLeader(Raft):
    """A planted invariant that fails once a server leads: a short witness of elections in the BMC encoding."""

    @invariant
    def NoLeader(self, s: RaftState) -> bool:
        return LEADER not in s.state


class NoLeaderEncoding(RaftBmcEncoding):
    def violations(self, s):
        return super().violations(s) | {"NoLeader": z3.Or([s["st", i] == LEADER for i in range(self.n)])}


def test_first_leader_has_the_explicit_checkers_length_and_raft_is_safe_below_it():
    """Default-run twin of the depth-20 tests above (slow): the same search, on a violation 9 steps deep."""
    spec = NoLeader(**VOLATILE_TERM)
    explicit = check(spec)
    assert (explicit.violated, explicit.trace_length) == ("NoLeader", 9)
    res = bmc_raft(spec, 10, encoding=NoLeaderEncoding)
    assert (res.violated, res.length) == ("NoLeader", 9)
    assert [step.label.name for step in res.trace[1:]][-1] == "BecomeLeader"
    safe = bmc_raft(build("raft", **VOLATILE_TERM), 8)
    assert safe.length is None and safe.unknown is None and len(safe.seconds_per_depth) == 9


@pytest.mark.slow
def test_first_commit_has_the_explicit_checkers_length():
    spec = NothingCommitted(servers=2, values=1, max_term=2, max_log=1, no_history=True)
    explicit = check(spec)
    assert (explicit.violated, explicit.trace_length) == ("NothingCommitted", 15)
    res = bmc_raft(spec, 15, encoding=NothingCommittedEncoding)
    assert (res.violated, res.length) == ("NothingCommitted", 15)
    names = [step.label.name for step in res.trace[1:]]
    assert names[-1] == "AdvanceCommitIndex" and "ClientRequest" in names and "HandleAppendEntriesResponse" in names
    assert res.trace[-1].state.log[res.trace[-1].label.params[0]] == ((2, 0),)


def test_an_invariant_without_encoding_is_refused():
    with pytest.raises(SpecError, match="invariants without a Z3 encoding: NothingCommitted"):
        bmc_raft(NothingCommitted(servers=2, max_term=2), 1)


class DroppedFrame(RaftBmcEncoding):
    """A planted encoding bug: s2's role is left free in every step (its frame condition dropped)."""

    def frame(self, key, post, value):
        return z3.BoolVal(True) if key == ("st", 1) else super().frame(key, post, value)


def test_a_dropped_frame_condition_is_caught_by_the_replay():
    with pytest.raises(ReplayError) as err:
        bmc_raft(build("raft", **VOLATILE_TERM), 20, encoding=DroppedFrame)
    assert "leads to a different state than the one recorded" in str(err.value)


class NoGrantedVotes(RaftBmcEncoding):
    """A planted universe too small: granted vote responses are missing from it."""

    dropped = staticmethod(lambda m: m[0] == RequestVoteResponse and m[4])

    def __init__(self, spec: Raft) -> None:
        super().__init__(spec)
        u = self.universe
        u.messages = [m for m in u.messages if not self.dropped(m)]
        u.index = {m: k for k, m in enumerate(u.messages)}
        u.fields = [u.fields_of(m) for m in u.messages]
        u.by_fields = dict(zip(u.fields, u.messages))


class NoVoteRequests(NoGrantedVotes):
    """A planted universe too small: no RequestVote requests (sending one changes nothing else)."""

    dropped = staticmethod(lambda m: m[0] == RequestVoteRequest)


def test_a_message_outside_the_universe_is_an_encoding_error():
    with pytest.raises(EncodingError, match=r"step 3 \(HandleRequestVoteRequest.*outside the encoded universe"):
        bmc_raft(build("raft", **VOLATILE_TERM), 20, encoding=NoGrantedVotes)
    # a step whose only effect is the lost message is not taken for a stutter
    with pytest.raises(EncodingError, match=r"step 2 \(RequestVote\(0, [01]\)\) sends a message outside"):
        bmc_raft(build("raft", **VOLATILE_TERM), 20, encoding=NoVoteRequests)


def test_universe_holds_every_message_a_reachable_state_sends():
    spec = build("raft", servers=2, values=2, max_term=2, max_log=1, max_in_flight=2, no_history=True)
    init = next(iter(spec.init_states()))
    seen, todo = {init}, [init]
    while todo:  # every state within the bounds, expanded; those outside are reached but not expanded
        for _, _, t in spec.successors(todo.pop()):
            if t not in seen:
                seen.add(t)
                if spec.constraint(t):
                    todo.append(t)
    sent = {m for s in seen for m, _ in s.messages}
    universe = set(Universe(spec).messages)
    assert sent <= universe
    assert len(universe) == 108 and len(sent) == 30


def test_each_step_of_the_encoding_is_the_specs_step():
    # every 40th reachable state of raft.tla with one log entry: the same enabled labels and the same successors
    assert check_steps(build("raft", servers=2, max_term=2, max_log=1), every=40) == (42, 326)


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant",
    [None, "no-figure8-rule", "vote-without-log-check", "vote-len-only", "count-stale-votes", "accept-stale-term",
     "commit-no-min", "match-len", "truncate-on-match", "volatile-vote", "volatile-term", "volatile-log"],
)  # fmt: skip
def test_each_variants_steps_are_its_specs_steps(variant):
    compared, transitions = check_steps(build("raft", variant, servers=2, max_term=2, max_log=1), every=10)
    assert compared > 100 and transitions > 5 * compared  # spec and encoding agree on each


class StaleVotesCounted(RaftBmcEncoding):
    """A planted drift: the encoding of raft.tla itself tallies stale votes like count-stale-votes."""

    def vote_response_term_ok(self, mterm, ct):
        return mterm <= ct


def test_a_drifted_rule_is_caught_by_the_step_check():
    with pytest.raises(EncodingError, match="encoding and spec differ.*HandleRequestVoteResponse"):
        check_steps(build("raft", **COUNT_STALE), encoding=StaleVotesCounted, every=1)


def test_bmc_command_without_violation(capsys):
    assert main(["bmc", "raft", "--servers", "2", "--max-term", "2", "--max-log", "1", "--depth", "4"]) == 0
    out = capsys.readouterr().out
    assert "No invariant violated within 4 steps" in out
    assert "ElectionSafety over the trace's BecomeLeader steps" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bmc", "raft", "--depth", "-1"], "--depth must be at least 0, got -1"),
        (["bmc", "raft", "--depth", "2", "--variant", "nope"], "nope"),
        (["bmc", "raft", "--depth", "2", "--acceptors", "2"], "--acceptors is not a bound of raft"),
        (["bmc", "raft", "--depth", "2", "--servers", "0"], "--servers must be an integer >= 1"),
    ],
)
def test_bmc_raft_bad_input(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
