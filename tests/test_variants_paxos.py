"""The variant mechanism: a variant is the base spec with one rule overridden, and is caught."""

from __future__ import annotations

import inspect

from modelcheck import VIOLATION, check
from spec.behaviour import validate_trace
from spec.paxos import Paxos
from spec.paxos_variants import IgnoreVotes
from spec.registry import build


def test_ignore_votes_violates_agreement_with_shortest_trace() -> None:
    r = check(build("paxos", "ignore-votes", acceptors=3, values=2, max_ballot=1))
    assert r.verdict == VIOLATION
    assert r.violated == "Agreement"
    assert r.trace_length == 12
    validate_trace(r.spec, r.trace)
    assert len(r.spec.chosen(r.trace[-1].state)) == 2
    assert all(len(r.spec.chosen(st.state)) <= 1 for st in r.trace[:-1])


def test_ignore_votes_with_symmetry_same_verdict_and_length() -> None:
    r = check(IgnoreVotes(), symmetry=True)
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, "Agreement", 12)
    validate_trace(r.spec, r.trace)


def test_ignore_votes_is_safe_with_one_ballot() -> None:
    # With a single ballot there is no earlier vote to ignore.
    r = check(IgnoreVotes(max_ballot=0))
    assert r.verdict == "ok"


def test_variant_is_a_small_override_not_a_copy() -> None:
    overridden = {n for n, v in vars(IgnoreVotes).items() if callable(v)}
    assert overridden == {"shows_safe"}
    assert len(inspect.getsource(IgnoreVotes.shows_safe).splitlines()) <= 5
    assert [a.name for a in IgnoreVotes().actions] == [a.name for a in Paxos().actions]
