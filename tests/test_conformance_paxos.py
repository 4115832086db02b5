"""The Z3 encoding of Paxos agrees with the explicit spec on small instances; planted drift is caught."""

from __future__ import annotations

import pytest
import z3

from modelcheck import check as model_check
from proofs.paxos.conformance import check
from proofs.paxos.encoding import ANY_TWO, PaxosEncoding, State, add_tuple, same, set_acceptor
from spec.paxos import Paxos


def test_two_acceptors_every_state_and_transition_conform():
    spec = Paxos(acceptors=2, values=2, max_ballot=1)
    rep = check(spec, sample_every=5)
    assert rep.ok, rep.summary()
    explicit = model_check(spec)
    assert rep.states == explicit.distinct_states == 145
    assert rep.transitions == explicit.states_generated - 1 == 608
    assert rep.sampled == 29


def test_flexible_quorums_conform_with_the_phase1_phase2_encoding():
    spec = Paxos(acceptors=3, values=1, max_ballot=1, q1=3, q2=1)
    rep = check(spec, sample_every=20)
    assert rep.ok, rep.summary()
    assert rep.states == model_check(spec).distinct_states


@pytest.mark.slow
def test_three_acceptors_every_state_and_transition_conform():
    rep = check(Paxos(acceptors=3, values=2, max_ballot=1), sample_every=200)
    assert rep.ok, rep.summary()
    assert (rep.states, rep.transitions) == (3921, 22994)


class ForgetsMaxVal(PaxosEncoding):
    """Planted drift: Phase2b does not record the value voted for (maxVal[a] and msg2b stay as they were)."""

    def phase2b(self, pre: State, post: State):
        act = super().phase2b(pre, post)
        a, b, v, _x = act.params
        act.formula = z3.substitute(
            act.formula,
            (set_acceptor(pre, post, "maxVal", a, lambda y: y == v), same(pre, post, "maxVal")),
            (add_tuple(pre, post, "msg2b", a, b, v), same(pre, post, "msg2b")),
        )
        return act


class PromisesTwice(PaxosEncoding):
    """Planted drift: Phase1b also answers a 1a message of the ballot already promised (x <= b, not x < b)."""

    def phase1b(self, pre: State, post: State):
        act = super().phase1b(pre, post)
        _a, b, x, _vb, _vv = act.params
        act.formula = z3.substitute(act.formula, (self.voc.lt(x, b), self.voc.le(x, b)))
        return act


class NoVoteYet(PaxosEncoding):
    """Planted drift: an 'invariant' conjunct that reachable states violate."""

    def invariant(self, s: State):
        voc = self.voc
        a, b, v = z3.Const("A", voc.Acc), z3.Const("B", voc.Bal), z3.Const("V", voc.Val)
        return {**super().invariant(s), "NoVoteYet": z3.ForAll([a, b, v], z3.Not(s.msg2b(a, b, v)))}


SMALL = {"acceptors": 2, "values": 1, "max_ballot": 1}


def test_a_transition_the_encoding_forbids_is_caught():
    rep = check(Paxos(**SMALL), ForgetsMaxVal(ANY_TWO))
    assert not rep.ok and rep.transition_failures
    assert {label.name for _, label, _ in rep.transition_failures} == {"Phase2b"}
    assert not rep.invariant_failures and not rep.extra_successors


def test_a_successor_the_spec_lacks_is_found_by_z3():
    rep = check(Paxos(**SMALL), PromisesTwice(ANY_TWO), sample_every=1)
    assert rep.extra_successors
    s, t = rep.extra_successors[0]
    assert t not in {u for _, _, u in Paxos(**SMALL).successors(s)}
    assert not rep.transition_failures


def test_an_invariant_conjunct_false_on_a_reachable_state_is_named():
    rep = check(Paxos(**SMALL), NoVoteYet(ANY_TWO))
    assert rep.invariant_failures and {name for _, name in rep.invariant_failures} == {"NoVoteYet"}
