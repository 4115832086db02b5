"""spec.values: EXCEPT, record updates and the indexed message set agree with their plain meaning."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spec import values
from spec.values import EXCEPT, MsgSet, record, setter


class Req(NamedTuple):
    type: int
    src: int
    bal: int


class Ack(NamedTuple):
    type: int
    src: int
    bal: int
    val: int


@record
class Pair(NamedTuple):
    left: tuple
    right: int


def test_except_replaces_one_position_and_keeps_what_is_already_so() -> None:
    f = (1, 2, 3)
    assert EXCEPT(f, 1, 9) == (1, 9, 3)
    assert EXCEPT(f, 2, 3) is f
    long = tuple(range(12))  # past the generated setters: slicing
    assert EXCEPT(long, 11, -1) == tuple(range(11)) + (-1,)


def test_record_replace_returns_the_record_itself_when_nothing_changes() -> None:
    p = Pair((1,), 2)
    assert p._replace(right=3) == Pair((1,), 3) and type(p._replace(right=3)) is Pair
    assert p._replace(right=2) is p and p._replace() is p
    assert p._replace(left=tuple([1])) is not p  # an equal but different object: a new record


def test_record_with_a_field_called_self() -> None:
    @record
    class Agent(NamedTuple):
        self: int
        other: int

    a = Agent(1, 2)
    assert a._replace(self=3) == Agent(3, 2) and a._replace(other=2) is a and a._replace(self=1, other=5).other == 5


class Triple(NamedTuple):
    a: int
    b: int
    c: int


class TripleAndMore(Triple):
    """A state class with one field more (as spec/raft_snapshot's state extends raft's)."""

    _fields = (*Triple._fields, "d")


def test_setter_replaces_the_named_fields_by_position_and_keeps_the_class_and_extra_fields() -> None:
    put_ac = setter(Triple, "a", "c")
    t = Triple(1, 2, 3)
    assert put_ac(t, 7, 9) == Triple(7, 2, 9) and type(put_ac(t, 7, 9)) is Triple
    longer = tuple.__new__(TripleAndMore, (1, 2, 3, 4))
    out = put_ac(longer, 7, 9)
    assert type(out) is TripleAndMore and tuple(out) == (7, 2, 9, 4)
    with pytest.raises(TypeError, match="'x'"):
        setter(Triple, "a", "x")
    with pytest.raises(TypeError, match="named twice"):
        setter(Triple, "a", "a")


messages = st.one_of(
    st.builds(Req, st.just(0), st.integers(0, 2), st.integers(0, 2)),
    st.builds(Ack, st.just(1), st.integers(0, 2), st.integers(0, 2), st.integers(0, 1)),
)


@given(st.lists(messages, max_size=12), st.lists(messages, max_size=4), st.integers(0, 2), st.integers(0, 2))
def test_where_is_the_scan_it_replaces_on_built_and_inherited_indexes(
    first: list, later: list, src: int, bal: int
) -> None:
    """``where`` answers what a scan answers, in sorted order, whether its index was built from
    scratch or carried over from the parent set through ``|``."""
    msgs = MsgSet(first)
    msgs.where(type=1, bal=bal)  # build an index on the parent, so the children inherit it
    msgs.where(src=src)
    for m in later:
        msgs = msgs | {m}
        for query in ({"type": 1, "bal": bal}, {"src": src}, {"type": 1, "val": 0}):
            want = sorted(m for m in msgs if all(getattr(m, k, None) == v for k, v in query.items()))
            assert list(msgs.where(**query)) == want
    assert msgs == frozenset(first) | frozenset(later) and hash(msgs) == hash(frozenset(msgs))


def test_msgset_is_a_frozenset_value() -> None:
    msgs = MsgSet([Req(0, 1, 1)])
    assert msgs | {Req(0, 1, 1)} is msgs  # resending changes nothing: the same object
    grown = msgs | {Ack(1, 1, 1, 0)}
    assert type(grown) is MsgSet and grown == {Req(0, 1, 1), Ack(1, 1, 1, 0)}
    assert {Ack(1, 1, 1, 0)} | msgs == grown
    back = pickle.loads(pickle.dumps(grown))
    assert type(back) is MsgSet and back == grown and back.where(type=1) == (Ack(1, 1, 1, 0),)
    assert msgs.where(type=5) == () and msgs.where(val=0) == ()  # no such message; no such field


@dataclass(frozen=True, order=True)
class Note:
    """A message that is not a NamedTuple: indexed through getattr."""

    type: int
    src: int


def test_where_on_messages_that_are_not_namedtuples_and_on_an_empty_answer_later_filled() -> None:
    msgs = MsgSet([Note(0, 1), Req(0, 2, 1)])
    assert msgs.where(type=0, src=1) == (Note(0, 1),) and msgs.where(bal=1) == (Req(0, 2, 1),)
    assert msgs.where(type=0, src=3) == ()  # asked, empty: remembered ...
    grown = msgs | {Note(0, 3)} | {Ack(0, 3, 1, 0)}
    # ... and filled in the children; a Note and an Ack do not compare, so they go in the order of their text
    assert grown.where(type=0, src=3) == (Ack(0, 3, 1, 0), Note(0, 3))
    assert grown.where(bal=1) == (Req(0, 2, 1), Ack(0, 3, 1, 0))


@given(
    first=st.lists(st.builds(Req, st.integers(0, 1), st.integers(0, 2), st.integers(0, 2)), max_size=4),
    later=st.lists(st.builds(Ack, st.integers(0, 1), st.integers(0, 2), st.integers(0, 2), st.integers(0, 1)),
                   max_size=5),
    limit=st.integers(0, 2),
)
def test_all_is_the_plain_quantifier_on_every_set_of_a_lineage(first: list, later: list, limit: int) -> None:
    """``msgs.all(P)`` answers ``all(P(m) for m in msgs)`` whether it tests the whole set or, its parent
    having passed, only the messages added; a lambda closing over another value is another predicate."""
    msgs = MsgSet(first)
    for m in [None, *later]:
        msgs = msgs if m is None else msgs | {m}
        for lim in (limit, 2 - limit):
            want = all(x.bal <= lim for x in msgs)
            assert msgs.all(lambda x: x.bal <= lim) is want  # noqa: B023 - called at once, on purpose
            assert msgs.all(lambda x: x.bal <= lim) is want  # noqa: B023 - the second time: remembered


def test_all_tests_a_message_sent_after_its_parent_passed() -> None:
    """The incremental path must fail: the parent holds, the added message breaks the predicate."""
    ok = MsgSet([Req(0, 1, 1)])
    assert ok.all(lambda m: m.type < 2)
    bad = ok | {Ack(7, 1, 1, 0)}
    assert not bad.all(lambda m: m.type < 2) and not bad.all(lambda m: m.type < 2)
    assert (bad | {Req(0, 2, 2)}).all(lambda m: m.type < 2) is False  # its parent failed: the whole set tested
    assert ok.all(lambda m: m.type < 2)
    assert ok.all(lambda m, *, k=[0]: m.type in k) and bad.all(len) and MsgSet().all(lambda m: False)


class _CompiledBound:
    """What Cython makes of ``lambda m: m.bal <= b``: one ``__code__`` for every ``b``, and ``__closure__``
    None although it closes over ``b``."""

    __code__ = (lambda m: True).__code__
    __closure__ = __defaults__ = __kwdefaults__ = None

    def __init__(self, b: int) -> None:
        self.b = b

    def __call__(self, m: Req) -> bool:
        return m.bal <= self.b


def test_all_does_not_take_two_compiled_predicates_for_one() -> None:
    """Known by its ``__code__`` alone, the second predicate was answered from the first's verdict."""
    msgs = MsgSet([Req(0, 1, 1), Req(0, 2, 2)])
    assert msgs.all(_CompiledBound(2)) and not msgs.all(_CompiledBound(1))
    child = msgs | {Req(0, 3, 0)}
    assert child.all(_CompiledBound(2)) and not child.all(_CompiledBound(1))


def test_a_set_given_to_union_and_changed_afterwards_changes_nothing() -> None:
    """The child keeps the caller's set rather than a copy: changed later, it must not be taken for
    what was added (a message never added must not be indexed, one added must still be tested)."""
    parent = MsgSet([Req(0, 1, 1)])
    assert parent.where(type=0) == (Req(0, 1, 1),) and parent.all(lambda m: m.type < 2)
    for change in ("swap", "grow", "empty"):
        given = {Ack(1, 1, 1, 0)}
        child = parent | given
        if change == "swap":
            given.clear()
            given.add(Ack(1, 2, 2, 0))
        elif change == "grow":
            given.add(Req(0, 3, 3))
        else:
            given.clear()
        assert child.where(type=1) == (Ack(1, 1, 1, 0),) and child.where(type=0) == (Req(0, 1, 1),), change
        assert child.all(lambda m: m.type < 2) and not child.all(lambda m: m.type < 1), change
    bad = parent | (given := {Ack(7, 1, 1, 0)})
    given.clear()
    assert not bad.all(lambda m: m.type < 2)  # the message added breaks it, though the caller's set is empty now


class Left(NamedTuple):
    type: int
    a: int
    b: int


class Right(NamedTuple):
    type: int
    b: int
    a: int


def test_keys_remembered_per_message_class_and_past_the_table_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message's keys are remembered by its value per class: ``Left(0, 1, 2)`` and ``Right(0, 1, 2)`` are
    equal tuples with other field names, and each set answers by its own class's fields; with a table
    of two messages (started over as it fills) the answers are the same."""
    for bound in (values.MESSAGES, 2):
        monkeypatch.setattr(values, "MESSAGES", bound)
        left, right = MsgSet([Left(0, 9, 9)]), MsgSet([Right(0, 9, 9)])
        left.where(a=1)
        right.where(a=1)  # indexes on the parents, inherited by the children below
        for x in range(2, 5):
            left, right = left | {Left(0, 1, x)}, right | {Right(0, 1, x)}
            assert left.where(a=1) == tuple(sorted(Left(0, 1, y) for y in range(2, x + 1)))
            assert right.where(a=1) == () and right.where(b=1) == tuple(sorted(Right(0, 1, y) for y in range(2, x + 1)))
            assert left.where(type=0, b=x) == (Left(0, 1, x),) and right.where(type=0, a=x) == (Right(0, 1, x),)


def test_one_question_asked_with_its_fields_in_two_orders_counts_each_message_once() -> None:
    parent = MsgSet({Req(0, 1, 0)})
    assert parent.where(src=1, type=0) == (Req(0, 1, 0),) and parent.where(type=0, src=2) == ()  # both orders indexed
    child = parent | {Req(0, 1, 1)}
    assert child.where(type=0, src=1) == child.where(src=1, type=0) == (Req(0, 1, 0), Req(0, 1, 1))
