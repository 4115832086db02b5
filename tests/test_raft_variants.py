"""Raft variants: each is raft.tla with one rule overridden, and the checker catches it at the
bounds its catalog fields record, with that invariant and that shortest counterexample."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator

import pytest

from modelcheck import OK, VIOLATION, check
from modelcheck.output.itf import assert_replays, read_itf, replay_steps
from spec.behaviour import ReplayError, Step, validate_trace
from spec.catalog import constructor_bounds, model, select
from spec.core import Label, Spec, invariant
from spec.raft import Raft
from spec.registry import entry

VARIANTS = entry("raft").variants
ISSUE_VARIANTS = (
    "no-figure8-rule",
    "vote-without-log-check",
    "volatile-vote",
    "truncate-on-match",
    "count-stale-votes",
)
CATALOG_VARIANTS = ("volatile-term", "volatile-log", "match-len", "accept-stale-term", "commit-no-min", "vote-len-only")
#: Variants whose recorded model takes minutes: run with `make test-slow`.
HEAVY = {"vote-without-log-check", "volatile-log", "match-len", "accept-stale-term", "vote-len-only",
         "truncate-on-match", "no-figure8-rule"}  # the last two: 7 and 14 CPU minutes
#: The counterexamples of the deepest searches, saved by `paxraft check ... --out`: replayed in the default run.
SAVED = {
    "no-figure8-rule": "tests/traces/raft_no_figure8_rule.itf.json",
    "truncate-on-match": "tests/traces/raft_truncate_on_match.itf.json",
}


def _run(name: str):
    cls = VARIANTS[name]
    # actions left out of Next ('without') and model restrictions ('restrict') are part of the model
    return cls, check(model(cls, cls.failing_bounds), symmetry=bool(cls.failing_bounds.get("symmetry")))


def _caught(name: str) -> None:
    cls, r = _run(name)
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, cls.breaks, cls.trace_length)
    validate_trace(r.spec, r.trace)  # a real behaviour of the variant ...
    # ... of its full Next too, when actions were left out or restricted
    validate_trace(cls(**constructor_bounds(cls.failing_bounds)), r.trace)
    assert r.spec.violated(r.trace[-1].state) == cls.breaks  # ... ending in the bad state
    assert all(r.spec.violated(st.state) is None for st in r.trace[:-1])


@pytest.mark.parametrize("name", sorted(SAVED))
def test_saved_counterexample_of_a_deep_variant_needs_its_rule(name: str) -> None:
    cls = VARIANTS[name]
    spec, trace = read_itf(SAVED[name])
    assert (spec.variant, trace.meta["violated"], len(trace.steps) - 1) == (name, cls.breaks, cls.trace_length)
    assert_replays(SAVED[name])  # each step one of the variant's (full Next), the last state breaks it
    assert all(spec.violated(st.state) is None for st in trace.steps[:-1])  # and no earlier one does
    restricted = model(cls, cls.failing_bounds)  # it is a behaviour of the recorded model too
    assert all(v.ok for v in replay_steps(restricted, trace.steps))
    base = Raft(**constructor_bounds(cls.failing_bounds))
    assert not all(v.ok for v in replay_steps(base, trace.steps))  # raft.tla itself cannot take these steps


class _CommitWithinLog:
    """Mixin: the implementation-level invariant commit-no-min breaks (no server claims entries it lacks)."""

    @invariant
    def CommitWithinLog(self, s) -> bool:  # type: ignore[no-untyped-def]
        return all(c <= len(lg) for c, lg in zip(s.commitIndex, s.log))


class _RaftCommitWithinLog(_CommitWithinLog, Raft):
    pass


class _CommitNoMinWithinLog(_CommitWithinLog, VARIANTS["commit-no-min"]):  # type: ignore[misc, valid-type]
    pass


# The first 10 steps of commit-no-min's shortest counterexample (found by the slow test below): server 0
# wins term 1 and takes a client request. raft.tla takes the same steps, so both are checked from there.
_LEADER_WITH_AN_ENTRY = [
    ("Timeout", (0,)),
    ("RequestVote", (0, 0)),
    ("HandleRequestVoteRequest", (0, 0, (0, 0, 0, 2, 0, 0))),
    ("HandleRequestVoteResponse", (0, 0, (1, 0, 0, 2, 1, ()))),
    ("RequestVote", (0, 1)),
    ("UpdateTerm", (1, 0, (0, 0, 1, 2, 0, 0))),
    ("HandleRequestVoteRequest", (1, 0, (0, 0, 1, 2, 0, 0))),
    ("HandleRequestVoteResponse", (0, 1, (1, 1, 0, 2, 1, ()))),
    ("BecomeLeader", (0,)),
    ("ClientRequest", (0, 0)),
]


def test_commit_no_min_lets_a_follower_claim_entries_it_lacks_where_raft_does_not() -> None:
    # The default run's twin of the slow test below: both models exhausted from the state after the first
    # 10 steps of the variant's 24-step counterexample (1,164 and 4,588 states instead of 246,508 from Init).
    bounds = dict(servers=3, max_term=2, max_log=2, no_history=True)
    leave_out = ("DuplicateMessage", "DropMessage", "Restart")
    variant, raft = (cls(**bounds).without(leave_out) for cls in (_CommitNoMinWithinLog, _RaftCommitWithinLog))
    prefix = [Step(None, next(iter(variant.init_states())))]
    for name, params in _LEADER_WITH_AN_ENTRY:
        prefix.append(Step(Label(name, params), variant.action(name).step(prefix[-1].state, *params)))
    validate_trace(raft, prefix)  # raft.tla reaches the same state

    def from_there(cls: type[Raft]) -> Spec:
        class From(cls):
            def init_states(self) -> Iterator[object]:
                yield prefix[-1].state

        return From(**bounds).without(leave_out)

    r = check(from_there(_CommitNoMinWithinLog))
    assert (r.verdict, r.violated, r.trace_length, r.distinct_states) == (VIOLATION, "CommitWithinLog", 14, 1164)
    assert r.trace[-1].label.name == "HandleAppendEntriesRequest"  # the uncapped leaderCommit taken
    whole = prefix + r.trace[1:]
    validate_trace(variant, whole)  # a behaviour of the variant from Init, as long as the slow test's
    assert len(whole) - 1 == 24
    with pytest.raises(ReplayError):  # that raft.tla cannot take
        validate_trace(raft, whole)
    base = check(from_there(_RaftCommitWithinLog))  # raft.tla's rule (the min), every state reachable from there
    assert (base.verdict, base.complete, base.distinct_states) == (OK, True, 4588)


@pytest.mark.slow
def test_commit_no_min_is_safe_for_the_five_but_lets_a_follower_claim_entries_it_lacks() -> None:
    # Its catalog row says "safe" (an argument in its docstring): the rule's effect is real but no
    # invariant of the five sees it. It is a commitIndex past the follower's log, in one term.
    bounds = dict(servers=3, max_term=2, max_log=2, no_history=True)
    leave_out = ("DuplicateMessage", "DropMessage", "Restart")
    r = check(_CommitNoMinWithinLog(**bounds).without(leave_out), symmetry=True)
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, "CommitWithinLog", 24)
    assert r.trace[-1].label.name == "HandleAppendEntriesRequest"  # the uncapped leaderCommit taken
    base = check(_RaftCommitWithinLog(**bounds).without(leave_out), symmetry=True)
    assert (base.verdict, base.distinct_states) == (OK, 246_508)


def test_all_eleven_variants_are_registered() -> None:
    assert set(VARIANTS) == set(ISSUE_VARIANTS) | set(CATALOG_VARIANTS)


BROKEN = [n for n, c in VARIANTS.items() if c.breaks is not None and c.failing_bounds is not None]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY else n for n in BROKEN])
def test_variant_is_caught_with_its_shortest_counterexample(name: str) -> None:
    _caught(name)


def test_catalog_fields_are_complete() -> None:
    for name, cls in VARIANTS.items():
        assert cls.rule and cls.source and cls.__doc__, name
        if cls.breaks is None or cls.failing_bounds is None:
            # Not broken within affordable bounds: what was tried must be on record.
            assert getattr(cls, "bounds_tried", None), name
        else:
            assert cls.breaks in Raft.INVARIANTS and cls.trace_length, name


@pytest.mark.parametrize(
    ("name", "bounds"),
    [
        ("volatile-vote", {"servers": 2, "max_term": 3}),  # two servers: a lost vote cannot make a second majority
        ("count-stale-votes", {"servers": 2, "max_term": 2}),  # one election term: no vote is ever stale
        ("volatile-term", {"servers": 2, "max_term": 2, "max_in_flight": 0}),  # no messages, no votes
    ],
)
def test_smaller_bounds_are_safe(name: str, bounds: dict) -> None:
    assert check(VARIANTS[name](**bounds)).verdict == OK


def test_symmetry_finds_the_same_counterexample_length_in_fewer_states() -> None:
    cls = VARIANTS["volatile-term"]
    full = check(cls(**cls.failing_bounds))
    sym = check(cls(**cls.failing_bounds), symmetry=True)
    assert (sym.verdict, sym.violated, sym.trace_length) == (full.verdict, full.violated, full.trace_length)
    assert sym.distinct_states < full.distinct_states
    validate_trace(sym.spec, sym.trace)


def test_each_variant_is_one_small_override() -> None:
    base = [a.name for a in Raft().actions]
    for name, cls in VARIANTS.items():
        methods = [n for n, v in vars(cls).items() if inspect.isfunction(v)]
        assert len(methods) == 1, (name, methods)
        assert len(inspect.getsource(getattr(cls, methods[0])).splitlines()) <= 5, name
        assert methods[0] in vars(Raft), name  # it overrides a rule of raft.tla, adds nothing
        assert [a.name for a in cls().actions] == base, name


# -- the model option that leaves actions out of Next (paxraft check --without A,B) ----------------
def test_without_leaves_actions_out_of_next_with_zero_coverage() -> None:
    full = check(Raft(servers=2, max_term=2))
    cut = check(Raft(servers=2, max_term=2).without(["DropMessage", "DuplicateMessage"]))
    assert (full.distinct_states, cut.distinct_states, cut.states_generated) == (1340, 706, 4163)
    assert full.coverage["DropMessage"].fired == 1030
    assert cut.coverage["DropMessage"].fired == cut.coverage["DuplicateMessage"].fired == 0
    assert cut.coverage["Restart"].fired == 1412  # the rest of Next is untouched
    assert "without=DuplicateMessage,DropMessage" in cut.spec.describe()


def test_without_hides_a_bug_that_needs_the_action() -> None:
    # volatile-term loses its term on Restart: with Restart left out the same model is safe.
    cls = VARIANTS["volatile-term"]
    r = check(cls(**cls.failing_bounds).without(["Restart"]))
    assert (r.verdict, r.distinct_states, r.coverage["Restart"].fired) == (OK, 534, 0)


def test_a_trace_using_a_left_out_action_does_not_replay() -> None:
    cls = VARIANTS["volatile-term"]
    r = check(cls(**cls.failing_bounds))
    assert r.verdict == VIOLATION and any(st.label and st.label.name == "Restart" for st in r.trace)
    with pytest.raises(ReplayError, match="Restart"):
        validate_trace(cls(**cls.failing_bounds).without(["Restart"]), r.trace)


def test_without_an_unknown_action_is_exit_2_naming_the_actions() -> None:
    cmd = [sys.executable, "-m", "modelcheck.cli", "check", "raft", "--servers", "2", "--without", "Restart,Sleep"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "'Sleep'" in p.stderr and "actions: Restart, Timeout" in p.stderr and "'Restart'" not in p.stderr


def test_catalog_rows_carry_the_left_out_actions() -> None:
    (row,) = select(["accept-stale-term"])
    spec = row.build()
    assert spec.excluded == ("Restart", "DuplicateMessage", "DropMessage") and row.symmetry
    assert "without=[DuplicateMessage,DropMessage,Restart]" in row.show_bounds()
    assert [a.name for a in spec.actions] == [a.name for a in Raft().actions]  # numbering kept for traces
    assert list(spec.action("Restart").enumerate(next(iter(spec.init_states())))) == []


def _logs_and_commits(name: str) -> list[tuple]:
    _, r = _run(name)
    last = r.trace[-1].state
    return [r.trace[-1].label.name, last.currentTerm, last.state, last.log, last.commitIndex]


@pytest.mark.slow
def test_accept_stale_term_is_the_stale_leader_overwriting_a_committed_entry() -> None:
    # s1 leads term 2 with entry (2, v1); s2 leads term 3, commits (3, v1) with s3 and tells s3;
    # s1's term-2 request then replaces s3's committed entry (conflict: remove, then append).
    assert _logs_and_commits("accept-stale-term") == [
        "HandleAppendEntriesRequest", (2, 3, 3), (2, 2, 0), (((2, 0),), ((3, 0),), ((2, 0),)), (0, 1, 1)
    ]  # fmt: skip


@pytest.mark.slow
def test_vote_len_only_elects_a_leader_of_an_older_last_term() -> None:
    # s2 commits (3, v1) with s3 in term 3; s1, whose one entry is of term 2, wins s3's vote in term 4.
    assert _logs_and_commits("vote-len-only") == [
        "BecomeLeader", (4, 3, 4), (2, 2, 1), (((2, 0),), ((3, 0),), ((3, 0),)), (0, 1, 0)
    ]  # fmt: skip
