"""Raft as raft.tla: exact counts (cross-checked with an independent plain loop), the bounds'
TLC-constraint semantics, the five invariants (each caught on a planted bad state), the
invariant fast path, symmetry, Receive's dispatch, presentation and bad input."""

from __future__ import annotations

import functools
import itertools
import json
from pathlib import Path

import pytest

from modelcheck import OK, VIOLATION, Result, check
from modelcheck.cli import main
from spec.behaviour import validate_trace
from spec.core import Spec, SpecError
from spec.raft import (
    CANDIDATE,
    EMPTY,
    FOLLOWER,
    LEADER,
    NIL,
    AppendEntriesRequest,
    Raft,
    RaftState,
    RequestVoteRequest,
    WithMessage,
    WithoutMessage,
)
from spec.registry import build, entry
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent


def _plain_raft():
    """The benchmark's plain loop: raft.tla written independently as one function."""
    return load_script("benchmarks/raft_bench.py", "raft_bench").plain_raft


@functools.cache
def checked(**bounds) -> Result:
    """One check per model for the whole module (several tests read the same run)."""
    return check(Raft(**bounds))


@functools.cache
def reachable_raft(**bounds) -> list[RaftState]:
    """Every state of a base-spec model, computed once for the module."""
    return reachable(Raft(**bounds))


def reachable(spec: Raft, limit: int | None = None) -> list[RaftState]:
    """Every state within the constraint, breadth-first (up to ``limit``)."""
    init = list(spec.init_states())
    seen, frontier = set(init), list(init)
    while frontier and (limit is None or len(seen) < limit):
        nxt = []
        for s in frontier:
            for _, _, t in spec.successors(s):
                if spec.constraint(t) and t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    return list(seen)


# -- counts -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bounds", "distinct", "generated", "depth"),
    [
        ({"servers": 2, "max_term": 2, "max_log": 0, "max_copies": 1, "max_in_flight": 1}, 1340, 10537, 20),
        ({"servers": 2, "max_term": 2, "max_log": 1, "max_copies": 1, "max_in_flight": 2}, 15254, 152835, 32),
        (
            {"servers": 2, "max_term": 2, "max_log": 1, "max_copies": 1, "max_in_flight": 2, "no_history": True},
            13479,
            134721,
            32,
        ),
    ],
)
def test_exact_counts_agree_with_the_plain_loop(bounds: dict, distinct: int, generated: int, depth: int) -> None:
    r = checked(**bounds)
    assert (r.distinct_states, r.states_generated, r.depth, r.verdict) == (distinct, generated, depth, OK)
    args = [bounds["servers"], 1, bounds["max_term"], bounds["max_log"], bounds["max_copies"], bounds["max_in_flight"]]
    assert _plain_raft()(*args, history=not bounds.get("no_history", False)) == (distinct, generated, depth)


def test_history_variables_are_part_of_the_state() -> None:
    with_history = checked(servers=2, max_term=2, max_log=1, max_copies=1, max_in_flight=2)
    without = checked(servers=2, max_term=2, max_log=1, max_copies=1, max_in_flight=2, no_history=True)
    assert with_history.distinct_states - without.distinct_states == 15254 - 13479
    s = reachable(Raft(servers=2, max_term=2, max_log=1, max_in_flight=2, no_history=True), 3000)
    assert all(not x.elections and not x.allLogs and not any(x.voterLog) for x in s)


def test_coverage_counts_every_generated_successor_and_names_the_handlers() -> None:
    r = checked(servers=2, max_term=2, max_log=1, max_copies=1, max_in_flight=2)
    assert sum(c.fired for c in r.coverage.values()) + 1 == r.states_generated
    assert sum(c.new for c in r.coverage.values()) == r.distinct_states - 1
    assert list(r.coverage) == [
        "Restart", "Timeout", "RequestVote", "BecomeLeader", "ClientRequest", "AdvanceCommitIndex",
        "AppendEntries", "UpdateTerm", "HandleRequestVoteRequest", "DropStaleResponse",
        "HandleRequestVoteResponse", "HandleAppendEntriesRequest", "HandleAppendEntriesResponse",
        "DuplicateMessage", "DropMessage",
    ]  # fmt: skip
    # The model commits: a leader is elected, replicates its entry and advances commitIndex.
    assert all(r.coverage[a].new > 0 for a in ("BecomeLeader", "ClientRequest", "HandleAppendEntriesResponse"))


@pytest.mark.slow
def test_tlc_figures_for_raft_tla() -> None:
    # TLC 2.20 on raft.tla, no symmetry: 705,532 distinct, 8,683,474 generated, depth 39.
    r = check(Raft(servers=3, values=1, max_term=2, max_log=0, max_copies=1, max_in_flight=1))
    assert (r.distinct_states, r.states_generated, r.depth, r.verdict) == (705_532, 8_683_474, 39, OK)


# -- bounds are a TLC state constraint ----------------------------------------------------------
def test_bounds_are_a_state_constraint() -> None:
    spec = Raft(servers=3, max_term=2, max_log=1, max_copies=2, max_in_flight=2)
    s = next(iter(spec.init_states()))
    m1 = (RequestVoteRequest, 0, 1, 2, 0, 0)
    m2 = (RequestVoteRequest, 0, 2, 2, 0, 0)
    m3 = (RequestVoteRequest, 1, 2, 2, 0, 0)
    two_copies = s.but(messages=WithMessage(m1, WithMessage(m1, s.messages)))
    assert spec.constraint(two_copies)  # MaxInFlight counts distinct messages: one here
    assert not spec.constraint(two_copies.but(messages=WithMessage(m1, two_copies.messages)))  # three copies
    assert spec.constraint(s.but(messages=WithMessage(m2, WithMessage(m1, s.messages))))
    assert not spec.constraint(s.but(messages=WithMessage(m3, WithMessage(m2, WithMessage(m1, s.messages)))))
    assert not spec.constraint(s.but(currentTerm=(3, 1, 1)))
    assert not spec.constraint(s.but(log=(((1, 0), (1, 0)), (), ())))
    assert WithoutMessage(m1, WithoutMessage(m1, two_copies.messages)) == frozenset()


def test_constraint_violating_successors_are_generated_but_not_stored() -> None:
    # MaxInFlight 0: every send leaves the model, so only elections without messages remain.
    r = check(Raft(servers=2, max_term=3, max_in_flight=0))
    assert r.verdict == OK
    assert r.coverage["RequestVote"].fired > 0 and r.coverage["RequestVote"].new == 0
    assert r.coverage["BecomeLeader"].fired == 0


# -- the invariants: hold on raft.tla, each caught on a planted state ----------------------------
def _state(spec: Raft, **changes) -> RaftState:
    return next(iter(spec.init_states())).but(**changes)


PLANTED_WHY = {
    "OneLeaderPerTerm": "s1 and s2 are both leaders of term 2",
    "ElectionSafety": "term 2 was won by s1 and by s2",
    "LogMatching": "s1 and s2 both have an entry of term 2 at index 2 but differ at index 1: "
    "s1 has entry 1 [term 1, v1], s2 has entry 1 [term 1, v2]",
    "LeaderCompleteness": "leader s2 (term 3) lacks entry 1 [term 2, v1], which s1 (term 2, commitIndex 1) has "
    "committed; s2 has entry 1 [term 3, v1] there",
    "StateMachineSafety": "s1 and s2 committed different entries at index 1: entry 1 [term 2, v1] and "
    "entry 1 [term 3, v1]",
}


def test_each_invariant_catches_its_planted_violation() -> None:
    spec = Raft(servers=3)
    e1, e2 = (2, 0), (3, 0)
    voters = frozenset({0, 1})
    planted = {
        "OneLeaderPerTerm": _state(spec, state=(LEADER, LEADER, FOLLOWER), currentTerm=(2, 2, 1)),
        "ElectionSafety": _state(spec, elections=frozenset({(2, 0, (), voters, EMPTY), (2, 1, (), voters, EMPTY)})),
        "LogMatching": _state(spec, log=(((1, 0), e1), ((1, 1), e1), ())),
        "LeaderCompleteness": _state(
            spec,
            state=(FOLLOWER, LEADER, FOLLOWER),
            currentTerm=(2, 3, 2),
            log=((e1,), (e2,), ()),
            commitIndex=(1, 0, 0),
        ),
        "StateMachineSafety": _state(spec, log=((e1,), (e2,), ()), commitIndex=(1, 1, 0)),
    }
    for name, s in planted.items():
        assert not spec.invariants[name](s), name
        assert spec.violated(s) == name  # the fast path must not hide it
        others = [n for n in spec.invariants if n != name]
        assert all(spec.invariants[n](s) for n in others), (name, [n for n in others if not spec.invariants[n](s)])
        assert spec.explain(name, s) == PLANTED_WHY[name]  # found by the same helper the invariant uses
    # Same term at the same index, different earlier entries: LogMatching; equal prefixes are fine.
    assert spec.LogMatching(_state(spec, log=(((1, 0), e1), ((1, 0), e1, e2), ())))
    # A stale leader (older term than the committing server) need not hold the entry.
    assert spec.LeaderCompleteness(
        _state(
            spec, state=(LEADER, FOLLOWER, FOLLOWER), currentTerm=(2, 3, 3), log=((), (e2,), ()), commitIndex=(0, 1, 0)
        )
    )


def test_invariants_hold_on_raft_tla_where_it_commits() -> None:
    for bounds in ({"servers": 2, "max_term": 3, "max_log": 1}, {"servers": 2, "max_term": 2, "max_log": 2}):
        r = check(Raft(**bounds))
        assert r.verdict == OK, bounds
        states = reachable_raft(**bounds)
        assert len(states) == r.distinct_states
        # Not vacuous: entries get committed, and by more than one server.
        assert any(sum(c > 0 for c in s.commitIndex) == 2 for s in states)
        assert any(len(s.elections) == bounds["max_term"] - 1 for s in states)  # a leader in every term
    r3 = check(Raft(servers=3, max_term=2, max_log=1), max_states=40_000)
    assert r3.verdict == OK and not r3.complete


def test_fast_path_agrees_with_every_invariant() -> None:
    spec = Raft(servers=2, max_term=3, max_log=1)
    states = list(reachable_raft(servers=2, max_term=3, max_log=1))
    states += reachable(build("raft", "volatile-term", servers=2, max_term=2))
    states += reachable(build("raft", "volatile-log", servers=3, max_term=3, max_log=1), 20_000)
    assert len(states) > 50_000
    assert sum(spec.violated(s) == "OneLeaderPerTerm" for s in states) > 0  # volatile-term breaks it
    for s in states:
        assert spec.violated(s) == Spec.violated(spec, s)


def _plain_params(spec: Raft, s: RaftState) -> dict[str, tuple]:
    """Each action's parameters as raft.tla's guards read, one scan per action (what the bundles must give)."""
    S, st, ct, msgs = spec.Server, s.state, s.currentTerm, [m for m, _ in s.messages]
    leaders = [i for i in S if st[i] == LEADER]
    cands = [i for i in S if st[i] == CANDIDATE]
    sent = lambda keep: tuple((m[2], m[1], m) for m in msgs if keep(m, ct[m[2]]))  # noqa: E731
    return {
        "Restart": tuple((i,) for i in S),
        "Timeout": tuple((i,) for i in S if st[i] != LEADER),
        "RequestVote": tuple((i, j) for i in cands for j in S if j not in s.votesResponded[i]),
        "BecomeLeader": tuple((i,) for i in cands if spec.QuorumOf(s, i, s.votesGranted[i])),
        "ClientRequest": tuple((i, v) for i in leaders for v in spec.Value),
        "AdvanceCommitIndex": tuple((i,) for i in leaders),
        "AppendEntries": tuple((i, j) for i in leaders for j in S if j != i),
        "UpdateTerm": sent(lambda m, t: m[3] > t),
        "HandleRequestVoteRequest": sent(lambda m, t: m[0] == RequestVoteRequest and m[3] <= t),
        "DropStaleResponse": sent(lambda m, t: m[0] % 2 == 1 and m[3] < t),
        "HandleRequestVoteResponse": sent(lambda m, t: m[0] == 1 and spec.VoteResponseTermOk(m[3], t)),
        "HandleAppendEntriesRequest": sent(lambda m, t: m[0] == AppendEntriesRequest and m[3] <= t),
        "HandleAppendEntriesResponse": sent(lambda m, t: m[0] == 3 and m[3] == t),
        "DuplicateMessage": tuple((m,) for m in msgs),
        "DropMessage": tuple((m,) for m in msgs),
    }


def test_enumerator_bundles_give_each_action_its_plain_parameters() -> None:
    # The enumerators read bundles kept per state and per value (roles and votes; bag and terms): in every
    # state, asked in any order and again, they give what one scan per action gives. Two servers who count
    # stale votes, and a quorum that is not the votes' alone (the bundle then leaves BecomeLeader's test out).
    class TermQuorum(Raft):
        def QuorumOf(self, s, i, servers):
            return len(servers) >= 1 + s.currentTerm[i] % 2  # a quorum that reads the state

    specs = [Raft(servers=2, max_term=3, max_log=1), build("raft", "count-stale-votes", servers=2, max_term=3),
             TermQuorum(servers=2, max_term=3, max_log=1)]
    for spec in specs:
        states = reachable(spec, 20_000)
        assert any(s.messages and LEADER in s.state for s in states), spec
        for s in itertools.chain(states, reversed(states)):
            want = _plain_params(spec, s)
            for act in reversed(spec.actions):
                assert tuple(act.enumerate(s)) == want[act.name], (act.name, s)


def test_fast_path_is_off_when_a_subclass_changes_the_invariants() -> None:
    class Extra(Raft):
        from spec.core import invariant

        @invariant
        def NoCandidates(self, s):
            return CANDIDATE not in s.state

    spec = Extra(servers=2)
    assert not spec._fast_invariants
    r = check(spec)
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, "NoCandidates", 1)


# -- symmetry -------------------------------------------------------------------------------------
def test_symmetry_fewer_states_same_verdict() -> None:
    full = checked(servers=2, max_term=2, max_log=1, max_copies=1, max_in_flight=2)
    sym = check(Raft(servers=2, max_term=2, max_log=1, max_in_flight=2), symmetry=True)
    assert (sym.distinct_states, sym.depth, sym.verdict) == (7651, full.depth, OK)
    r3 = check(Raft(servers=3, max_term=2, max_log=0, max_in_flight=1), symmetry=True, max_states=20_000)
    assert r3.verdict == OK


class _FullGroup(Raft):
    """Raft canonicalised over the whole group of renamings (no symmetry keys)."""

    symmetry_keys = Spec.symmetry_keys


class _KeyNamesAServer(Raft):
    """A wrong symmetry key: votedFor's raw server id does not travel with the renaming."""

    def symmetry_keys(self, s):  # type: ignore[no-untyped-def]
        return {"Server": list(zip(s.currentTerm, s.votedFor))}


@pytest.mark.parametrize(("bounds", "figures"), [
    (dict(servers=3, max_term=2, max_log=1, no_history=True), (5_000, 41_612, 14)),  # a wrong key: 5,000/41,097/13
    (dict(servers=4, max_term=2, max_log=0, no_history=True), (5_000, 42_993, 13)),  # a wrong key: 5,000/37,295/12
])
def test_symmetry_keys_find_the_full_groups_orbits_in_the_first_5000_states(bounds: dict, figures: tuple) -> None:
    # The default run's twin of the test below (40,000 states each: 43 s): the same comparison, a shorter cut.
    fast = check(Raft(**bounds), symmetry=True, max_states=5_000)
    full = check(_FullGroup(**bounds), symmetry=True, max_states=5_000)
    assert (fast.distinct_states, fast.states_generated, fast.depth) == figures
    assert (full.distinct_states, full.states_generated, full.depth) == figures


@pytest.mark.slow
@pytest.mark.parametrize("bounds", [dict(servers=3, max_term=2, max_log=1, no_history=True),
                                    dict(servers=4, max_term=2, max_log=0, no_history=True)])
def test_sorting_by_symmetry_keys_finds_the_full_groups_orbits(bounds: dict) -> None:
    # Trying only the renamings that sort the servers' own keys is exact: same orbits, same counts,
    # same depth, as the least hash over all n! renamings (4 servers: 1 renaming tried instead of 23 mostly).
    fast = check(Raft(**bounds), symmetry=True, max_states=40_000)
    full = check(_FullGroup(**bounds), symmetry=True, max_states=40_000)
    assert (fast.distinct_states, fast.states_generated, fast.depth) == (
        full.distinct_states, full.states_generated, full.depth)


def test_a_symmetry_key_naming_a_server_is_caught_by_the_count() -> None:
    # The comparison above has teeth: a key that is not carried by renaming splits orbits.
    bounds = dict(servers=2, max_term=3, max_log=1, no_history=True)
    wrong = check(_KeyNamesAServer(**bounds), symmetry=True, trust_symmetry=True)  # the search alone
    right = check(Raft(**bounds), symmetry=True)
    full = check(_FullGroup(**bounds), symmetry=True)
    assert (right.distinct_states, full.distinct_states, wrong.distinct_states) == (9313, 9313, 9943)


def test_renaming_servers_commutes_with_every_action() -> None:
    spec = Raft(servers=3, max_term=2, max_log=1, max_in_flight=2)
    perms = spec.permutations()
    assert len(perms) == 6
    for s in reachable(spec, 1500):
        succ = {t for _, _, t in spec.successors(s)}
        for p in perms[1:]:
            ps = spec.permute(s, p)
            assert spec.violated(ps) == spec.violated(s)
            assert {t for _, _, t in spec.successors(ps)} == {spec.permute(t, p) for t in succ}
    back = {"Server": (1, 2, 0)}
    there = {"Server": (2, 0, 1)}
    s = reachable(spec, 500)[-1]
    assert spec.permute(spec.permute(s, there), back) == s


# -- Receive, replay, presentation, bad input ----------------------------------------------------------
def test_receive_is_the_disjunction_of_the_handlers() -> None:
    spec = Raft(servers=2, max_term=3, max_log=1)
    handlers = [a for a in spec.actions if a.param_names == ("i", "j", "m")]
    assert [a.name for a in handlers] == [
        "UpdateTerm", "HandleRequestVoteRequest", "DropStaleResponse", "HandleRequestVoteResponse",
        "HandleAppendEntriesRequest", "HandleAppendEntriesResponse",
    ]  # fmt: skip
    fired: set[str] = set()
    for s in reachable_raft(servers=2, max_term=3, max_log=1):
        for m, _ in s.messages:
            by_handlers = sorted((a.name, t) for a in handlers for p, t in a.successors(s) if p[2] == m)
            assert sorted(spec.Receive(s, m)) == by_handlers
            assert len(by_handlers) <= 1  # raft.tla's handlers exclude each other
            fired.update(name for name, _ in by_handlers)
    assert fired == {a.name for a in handlers}  # every handler takes part


def test_counterexample_replays_and_reads_like_tla() -> None:
    r = check(build("raft", "volatile-term", servers=2, max_term=2))
    validate_trace(r.spec, r.trace)
    shown = r.spec.show_state(r.trace[-1].state)
    assert shown["state"] == {"s1": "Leader", "s2": "Leader"}
    assert shown["currentTerm"] == {"s1": 2, "s2": 2}
    msg_steps = [st for st in r.trace[1:] if "m" in r.spec.params_json(st.label)]
    rec = r.spec.params_json(msg_steps[0].label)["m"]
    assert rec["mtype"] == "RequestVoteRequest" and rec["msource"] in ("s1", "s2")
    assert set(rec) == {"mtype", "msource", "mdest", "mterm", "mlastLogTerm", "mlastLogIndex"}
    assert r.spec.show_label(r.trace[1].label) in ("Timeout(i=s1)", "Timeout(i=s2)", "Restart(i=s1)", "Restart(i=s2)")


def test_message_records_use_raft_tla_field_names() -> None:
    spec = Raft(servers=2)
    m = (AppendEntriesRequest, 0, 1, 2, 1, 2, ((2, 0),), ((2, 0), (2, 0)), 1)
    assert spec.show_message(m) == {
        "mtype": "AppendEntriesRequest", "msource": "s1", "mdest": "s2", "mterm": 2, "mprevLogIndex": 1,
        "mprevLogTerm": 2, "mentries": ({"term": 2, "value": "v1"},),
        "mlog": ({"term": 2, "value": "v1"}, {"term": 2, "value": "v1"}), "mcommitIndex": 1,
    }  # fmt: skip  (logs are sequences: tuples, which a trace prints <<...>>)
    assert spec.show_state(_state(spec, votedFor=(1, NIL)))["votedFor"] == {"s1": "s2", "s2": "Nil"}


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"servers": 0}, "--servers must be an integer >= 1"),
        ({"max_term": 0}, "--max-term must be an integer >= 1"),
        ({"max_copies": 0}, "--max-copies must be an integer >= 1"),
        ({"max_log": -1}, "--max-log must be an integer >= 0"),
    ],
)
def test_bad_bounds_are_one_clear_error(kwargs: dict, text: str) -> None:
    with pytest.raises(SpecError, match=text):
        Raft(**kwargs)


def test_cli_runs_raft_and_rejects_bad_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "raft", "--servers", "2", "--max-term", "2", "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["distinct_states"], out["states_generated"], out["depth"]) == (1340, 10537, 20)
    assert out["params"]["servers"] == 2
    assert main(["check", "raft", "--servers", "2", "--max-term", "0", "--quiet"]) == 2
    assert "--max-term must be an integer >= 1" in capsys.readouterr().err
    assert main(["check", "raft", "--acceptors", "3", "--quiet"]) == 2
    assert "--acceptors is not a bound of raft" in capsys.readouterr().err
    assert main(["check", "raft", "--servers", "2", "--no-history", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]["no_history"] is True


def test_registered_with_its_bounds_and_suite() -> None:
    e = entry("raft")
    assert [o.flag for o in e.options] == [
        "--servers", "--values", "--max-term", "--max-log", "--max-copies", "--max-in-flight",
    ]  # fmt: skip
    assert [o.flag for o in e.flags] == ["--no-history"]
    assert e.suite and all(set(m) - {"symmetry"} <= {o.dest for o in e.options} for m in e.suite)
    assert build("raft").bounds() == {
        "servers": 3, "values": 1, "max_term": 2, "max_log": 0, "max_copies": 1, "max_in_flight": 1,
    }  # fmt: skip


def test_state_is_hashable_ints_only() -> None:
    # No str or None anywhere in a state: hash(state) must be the same in every process.
    def atoms(x):
        if isinstance(x, (tuple, frozenset)):
            for y in x:
                yield from atoms(y)
        else:
            yield x

    for s in itertools.islice(reachable(Raft(servers=2, max_term=2, max_log=1, max_in_flight=2)), 3000):
        assert all(type(a) is int for a in atoms(s))


def test_the_actions_that_keep_the_constraint_keep_it() -> None:
    # Every successor of a kept action, from a state within the constraint, is within it (two copies and two
    # messages in flight allowed, so that taking a message out also lowers a count).
    spec = Raft(servers=2, max_term=3, max_log=1, max_copies=2, max_in_flight=2)
    kept = set(spec.keeps_constraint())
    assert kept == set(Raft.KEEP_CONSTRAINT)
    seen, frontier, checked = set(), list(spec.init_states()), 0
    while frontier and len(seen) < 20_000:
        nxt = []
        for s in frontier:
            for i, _, t in spec.successors(s):
                if spec.actions[i].name in kept:
                    assert spec.constraint(t), (spec.actions[i].name, s, t)
                    checked += 1
                if spec.constraint(t) and t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    assert checked > 10_000


def test_an_override_or_another_constraint_is_asked_as_written() -> None:
    class OwnRestart(Raft):
        def Restart(self, s, i):  # noqa: ANN001, ANN202
            return super().Restart(s, i)

    class OwnBounds(Raft):
        def constraint(self, s):  # noqa: ANN001, ANN202
            return super().constraint(s)

    assert "Restart" not in OwnRestart().keeps_constraint() and "DropMessage" in OwnRestart().keeps_constraint()
    assert OwnBounds().keeps_constraint() == ()
