"""spec/reads.py: an action's parameters remembered by the answers its code got from ``MsgSet.where``.

Exact or nothing: the counts, coverage and traces are those of running the code each time, on the
shipped examples and a spec written here; a step that reads the state in a way the code reading
does not follow is run as written (and remembering it anyway would give wrong counts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest

from modelcheck import check
from modelcheck.engine._fingerprint import plain_or_apart
from modelcheck.engine.parallel import parallel_bfs
from spec.core import Spec, action, invariant
from spec.reads import _Memo, memo_of, reads_of
from spec.registry import load_user_spec
from spec.values import MsgSet, record

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


class Vote(NamedTuple):
    type: int  # 0: a vote
    voter: int
    value: int


class Done(NamedTuple):
    type: int  # 1: a decision
    value: int


@record
class S(NamedTuple):
    flag: int
    msgs: MsgSet


def flag_of(s: S) -> int:
    """A module function reading the state: the code reading cannot follow it."""
    return s.flag


class Votes(Spec):
    """Three voters vote 0 or 1 once; a value with two votes is decided. ``Decide``'s guard reads the
    messages only through ``where``: remembered."""

    def __init__(self) -> None:
        self.step_calls = 0
        super().__init__()

    def init_states(self) -> list[S]:
        return [S(0, MsgSet())]

    @action(params=lambda self, s: [(v, x) for v in range(3) for x in range(2)])
    def Cast(self, s: S, v: int, x: int) -> S | None:
        if s.msgs.where(type=0, voter=v):
            return None
        return s._replace(msgs=s.msgs | {Vote(0, v, x)})

    @action(params=lambda self, s: [(x,) for x in range(2)])
    def Decide(self, s: S, x: int) -> S | None:
        self.step_calls += 1
        if len(s.msgs.where(type=0, value=x)) < 2:
            return None
        return s._replace(msgs=s.msgs | {Done(1, x)})

    @action(params=lambda self, s: [()])
    def Raise(self, s: S) -> S | None:
        return s._replace(flag=1) if s.flag == 0 else None

    @invariant
    def OneDecision(self, s: S) -> bool:
        return len(s.msgs.where(type=1)) <= 1


class HiddenRead(Votes):
    """``Decide`` also needs ``flag``, read through a module function: not remembered."""

    def Decide(self, s: S, x: int) -> S | None:  # type: ignore[override]
        self.step_calls += 1
        if flag_of(s) == 0 or len(s.msgs.where(type=0, value=x)) < 2:
            return None
        return s._replace(msgs=s.msgs | {Done(1, x)})


class NestedReturn(Votes):
    """A nested function's ``return s._replace(...)`` is not the step's: its result decides."""

    def Decide(self, s: S, x: int) -> S | None:  # type: ignore[override]
        def attempt() -> S:
            return s._replace(flag=s.flag)

        if attempt().flag == 0 or len(s.msgs.where(type=0, value=x)) < 2:
            return None
        return s._replace(msgs=s.msgs | {Done(1, x)})


def outcome(r: Any) -> tuple:
    return (r.verdict, r.distinct_states, r.states_generated, r.depth, r.violated,
            {k: (c.fired, c.new) for k, c in r.coverage.items()},
            [(str(s.label), s.state) for s in r.trace or []])


def both(cls: type[Spec], **kw: Any) -> tuple[Any, Any]:
    """The check with the memo and without it (remember_reads False): a fresh class each."""
    on = check(type(cls.__name__, (cls,), {"remember_reads": True})(**kw.pop("bounds", {})), **kw)
    off = check(type(cls.__name__, (cls,), {"remember_reads": False})(**kw.pop("bounds", {})), **kw)
    return on, off


def test_the_memo_skips_disabled_steps_with_the_same_counts_and_coverage() -> None:
    on_spec = Votes()
    off_spec = type("Votes", (Votes,), {"remember_reads": False})()
    assert memo_of(on_spec.action("Decide").enumerate) is not None
    assert memo_of(off_spec.action("Decide").enumerate) is None
    for sp in (on_spec, off_spec):  # the fingerprint's sample walk (-1 against -2) runs the steps: before the count
        plain_or_apart(sp)
        sp.step_calls = 0
    on, off = check(on_spec), check(off_spec)
    assert outcome(on) == outcome(off)
    assert (on.distinct_states, on.states_generated, on.depth) == (82, 230, 6)
    assert (on.coverage["Decide"].fired, on.coverage["Decide"].new) == (56, 14)
    assert on_spec.step_calls < off_spec.step_calls == 2 * 82  # disabled calls are not all run again


def test_a_step_reading_the_state_through_a_function_is_not_remembered_and_must_not_be() -> None:
    assert reads_of(HiddenRead.Decide, HiddenRead, step=True) is None
    assert memo_of(HiddenRead().action("Decide").enumerate) is None
    on, off = both(HiddenRead)
    assert outcome(on) == outcome(off)
    assert on.coverage["Decide"].fired == 28
    # Remembered anyway (by its where answers only), the flag it reads is missed: wrong counts.
    forced = HiddenRead()
    act = forced.action("Decide")
    plain = act.enumerate
    object.__setattr__(act, "enumerate", _Memo(
        lambda s: tuple(p for p in plain(s) if act.step(s, *p) is not None), plain, "msgs"))
    assert check(forced).coverage["Decide"].fired != 28


def test_a_nested_functions_return_is_a_read_of_the_state() -> None:
    assert reads_of(NestedReturn.Decide, NestedReturn, step=True) is None
    on, off = both(NestedReturn)
    assert outcome(on) == outcome(off)


def test_the_code_reading_follows_where_helpers_and_refuses_other_uses() -> None:
    class Reader(Votes):
        def helper(self, s: S, x: int) -> tuple:
            return s.msgs.where(type=0, value=x)

        def via_helper(self, s: S, x: int) -> S | None:
            if not self.helper(s, x):
                return None
            return s._replace(msgs=s.msgs | {Done(1, x)})

        def whole(self, s: S, m: Vote) -> S | None:
            if m not in s.msgs:
                return None
            return s

        def indexed(self, s: S) -> S | None:
            return None if s[0] else s

        def rebinds(self, s: S) -> Any:
            return [s for s in s.msgs.where(type=0)]

        def dynamic(self, s: S) -> Any:
            return getattr(s, "msgs").where(type=0)  # noqa: B009 - the point: a read the code reading cannot follow

    r = reads_of(Reader.via_helper, Reader, step=True)
    assert r is not None and r.where == {"msgs"} and not r.whole and r.rememberable
    r = reads_of(Reader.whole, Reader, step=True)
    assert r is not None and r.whole == {"msgs"} and not r.rememberable
    for fn in (Reader.indexed, Reader.rebinds, Reader.dynamic):
        assert reads_of(fn, Reader, step=True) is None, fn.__name__


def test_a_where_on_another_set_turns_the_memo_off() -> None:
    other = MsgSet({Vote(0, 9, 9)})

    class Elsewhere(Votes):
        @action(params=lambda self, s: [(x,) for x in range(2)])
        def Decide(self, s: S, x: int) -> S | None:
            if len(s.msgs.where(type=0, value=x)) < 2 or not other.where(type=0):
                return None
            return s._replace(msgs=s.msgs | {Done(1, x)})

    spec = Elsewhere()
    on, off = check(spec), check(type("E", (Elsewhere,), {"remember_reads": False})())
    assert outcome(on) == outcome(off)
    assert memo_of(spec.action("Decide").enumerate).off  # type: ignore[union-attr]


@pytest.mark.parametrize("ref, bounds, cap", [
    ("tcommit.py:TCommit", {"rms": 3}, None),
    ("twophase.py:TwoPhase", {"rms": 3}, None),
    ("paxoscommit.py:PaxosCommit", {"rms": 2, "acceptors": 1, "max_ballot": 1}, None),
    ("paxoscommit.py:PaxosCommit", {}, 3_000),
])
def test_the_examples_give_the_same_results_with_and_without_the_memo(ref: str, bounds: dict, cap: int | None) -> None:
    cls = load_user_spec(f"{EXAMPLES / ref.split(':')[0]}:{ref.split(':')[1]}")
    on = check(type(cls.__name__, (cls,), {"remember_reads": True})(**bounds), max_states=cap)
    off = check(type(cls.__name__, (cls,), {"remember_reads": False})(**bounds), max_states=cap)
    assert outcome(on) == outcome(off)


def test_paxoscommit_remembers_phase2a_and_two_workers_agree_with_one() -> None:
    cls = load_user_spec(f"{EXAMPLES / 'paxoscommit.py'}:PaxosCommit")
    spec = cls(rms=2, acceptors=1, max_ballot=1)
    assert memo_of(spec.action("Phase2a").enumerate) is not None
    assert memo_of(spec.action("Decide").enumerate) is not None
    one = check(spec)
    two = parallel_bfs(cls(rms=2, acceptors=1, max_ballot=1), workers=2)
    assert (one.distinct_states, one.states_generated, one.depth) == (1425, 9961, 16)
    assert outcome(one)[:6] == outcome(two)[:6]


class WholeReadToo(Spec):
    """``Bump``'s guard reads ``flag`` whole beside a ``where`` on ``msgs``: the where answers do not
    decide it. (Found with the differential test, tests/test_differential.py: remembered by the answers
    alone, the first state with ``flag == 0`` and vote 0 sent stored Bump as disabled for every later
    state with that vote, ``flag == 1`` included: 8 states instead of 10, Bump never fired.)"""

    def init_states(self) -> list[S]:
        return [S(0, MsgSet())]

    @action(params=lambda self, s: [(v,) for v in range(2)])
    def Send(self, s: S, v: int) -> S | None:
        if s.msgs.where(type=0, voter=v):
            return None
        return s._replace(msgs=s.msgs | {Vote(0, v, 0)})

    @action(params=lambda self, s: [()])
    def Inc(self, s: S) -> S | None:
        return s._replace(flag=1) if s.flag == 0 else None

    @action(params=lambda self, s: [()])
    def Bump(self, s: S) -> S | None:
        if s.flag != 1 or not s.msgs.where(type=0, voter=0):
            return None
        return s._replace(flag=5)


def test_a_guard_reading_another_field_whole_is_not_remembered_by_the_where_answers() -> None:
    r = reads_of(WholeReadToo.Bump, WholeReadToo, step=True)
    assert r is not None and r.where == {"msgs"} and r.whole == {"flag"} and not r.rememberable
    assert memo_of(WholeReadToo().action("Bump").enumerate) is None
    on, off = both(WholeReadToo)
    assert outcome(on) == outcome(off)
    assert (on.distinct_states, on.states_generated, on.depth) == (10, 16, 5)
    assert (on.coverage["Bump"].fired, on.coverage["Bump"].new) == (2, 2)
