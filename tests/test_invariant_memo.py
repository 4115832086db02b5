"""spec/invariant_memo.py: an invariant's conjuncts that read one variable, remembered by its value.

Exact or nothing: the verdicts, counts and counterexamples are those of ``Spec.violated``; a
conjunct that reads the state otherwise runs as written; a verdict neither True nor False is refused
as before; a memo that does not pay is dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest

from modelcheck import check
from spec import invariant_memo
from spec.behaviour import invariant_check
from spec.core import Spec, SpecError, action, invariant
from spec.invariant_memo import remembered_violated
from spec.reads import conjuncts
from spec.registry import load_user_spec

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


class C(NamedTuple):
    x: int
    y: tuple[int, ...]
    z: int


class Counters(Spec):
    """x counts to ``top``, y collects the last two x's, z counts the steps (never repeats)."""

    def __init__(self, top: int = 6, bad: int = 99) -> None:
        self.top, self.bad = top, bad
        self.y_checks = 0
        super().__init__()

    def init_states(self) -> list[C]:
        return [C(0, (), 0)]

    @action(params=lambda self, s: [(d,) for d in (1, 2)])
    def Add(self, s: C, d: int) -> C | None:
        if s.x + d > self.top:
            return None
        return C(s.x + d, (s.y + (s.x,))[-2:], s.z + 1)

    def count(self, y: tuple) -> bool:
        self.y_checks += 1
        return all(v >= 0 for v in y)

    @invariant
    def TypeOK(self, s: C) -> bool:
        """Three conjuncts, one variable each."""
        return s.x >= 0 and self.count(s.y) and s.z >= 0

    @invariant
    def NotBad(self, s: C) -> bool:
        return s.x != self.bad and s[0] >= 0  # the second reads the state by position: run as written


@pytest.fixture(autouse=True)
def at_once(monkeypatch) -> None:
    """The remembered check from the first state on (by default the spec's own runs WARM states first)."""
    monkeypatch.setattr(invariant_memo, "WARM", 1)


def reached(spec: Spec, n: int = 200) -> list[Any]:
    """The states of a breadth-first walk (every successor, repeats included)."""
    out, frontier = [], list(spec.init_states())
    while frontier and len(out) < n:
        s = frontier.pop(0)
        out.append(s)
        frontier += [t for _, _, t in spec.successors(s)]
    return out


def test_the_conjuncts_and_what_each_reads() -> None:
    parts = conjuncts(Counters.TypeOK, Counters)
    assert [f for _, f in parts] == ["x", "y", "z"]
    assert [f for _, f in conjuncts(Counters.NotBad, Counters)] == ["x", None]
    spec = Counters()
    assert [fn(spec, C(1, (2,), 3)) for fn, _ in parts] == [True, True, True]


def test_the_same_verdicts_and_a_conjunct_run_once_per_value() -> None:
    spec = Counters()
    fast = remembered_violated(spec)
    assert fast is not None and invariant_check(spec) is not spec.violated
    states = reached(spec)
    fast(states[0])  # the first (WARM-th) check is the spec's own; the remembered one is in place after it
    assert [fast(s) for s in states] == [spec.violated(s) for s in states]
    spec.y_checks = 0
    for s in states:
        fast(s)
    assert spec.y_checks == 0  # every y value was seen in the first pass


def test_a_violation_gives_the_same_counterexample_as_the_plain_check() -> None:
    on = check(Counters(bad=5))
    Counters.remember_reads = False
    try:
        off = check(Counters(bad=5))
    finally:
        del Counters.remember_reads
    assert on.verdict == off.verdict == "violation" and on.violated == off.violated == "NotBad"
    assert [st.state for st in on.trace] == [st.state for st in off.trace]
    assert (on.distinct_states, on.states_generated) == (off.distinct_states, off.states_generated)


def test_a_verdict_neither_true_nor_false_is_refused_as_before() -> None:
    class Sloppy(Counters):
        @invariant
        def TypeOK(self, s: C) -> bool:
            return s.x >= 0 and (None if s.x == 3 else True)

    spec = Sloppy()
    fast = remembered_violated(spec)
    with pytest.raises(SpecError) as plain:
        spec.violated(C(3, (), 0))
    with pytest.raises(SpecError) as memo:
        fast(C(3, (), 0))
    assert str(memo.value) == str(plain.value) and "None (a missing return?)" in str(memo.value)
    assert fast(C(0, (), 0)) is None


def test_a_memo_that_misses_more_than_it_hits_is_dropped(monkeypatch) -> None:
    monkeypatch.setattr(invariant_memo, "PROBE", 8)
    spec = Counters(top=100)
    fast = remembered_violated(spec)
    namespace = fast.__globals__
    for z in range(20):  # z never repeats: every lookup misses
        assert fast(C(1, (), z)) is None
    assert namespace["on_0_2"] is False and namespace["on_0_0"] is True and namespace["split_0"] is True
    for x in range(40):  # x never repeats either: NotBad's only memo goes, and it runs as one call again
        assert fast(C(x, (), 100 + x)) is None
    assert namespace["on_1_0"] is False and namespace["split_1"] is False
    assert fast(C(99, (), 0)) == "NotBad"


def test_an_unhashable_value_runs_as_written() -> None:
    spec = Counters()
    assert remembered_violated(spec)(C(1, [0, 1], 0)) is None  # type: ignore[arg-type]


def test_the_specs_own_check_runs_until_warm_then_the_remembered_one(monkeypatch) -> None:
    monkeypatch.setattr(invariant_memo, "WARM", 5)
    spec = Counters()
    fast = remembered_violated(spec)
    plain_code = fast.__code__
    states = reached(spec, 50)
    assert [fast(s) for s in states[:4]] == [None] * 4 and fast.__code__ is plain_code
    assert [fast(s) for s in states] == [spec.violated(s) for s in states]
    assert fast.__code__ is not plain_code and "on_0_1" in fast.__globals__

    class Positional(Counters):  # no conjunct read by variable: the plain check, one call, after warming
        @invariant
        def TypeOK(self, s: C) -> bool:
            return s[0] >= 0

        @invariant
        def NotBad(self, s: C) -> bool:
            return s[0] != self.bad

    fast = remembered_violated(Positional(bad=3))
    assert [fast(C(x, (), 0)) for x in range(8)] == [None, None, None, "NotBad"] + [None] * 4
    assert "violated_fast" not in fast.__globals__ and fast.__code__.co_name == "_plain_only"


def test_nothing_to_remember_or_turned_off_gives_the_specs_own_check() -> None:
    class Plain(Counters):
        remember_reads = False

    assert remembered_violated(Plain()) is None

    class Own(Counters):
        def violated(self, state: Any) -> str | None:
            return None

    assert remembered_violated(Own()) is None


@pytest.mark.parametrize(
    "ref, bounds, cap",
    [("tcommit.py:TCommit", {"rms": 3}, None), ("twophase.py:TwoPhase", {"rms": 3}, None),
     ("paxoscommit.py:PaxosCommit", {}, 20_000)],
)
def test_the_examples_give_the_same_results_with_and_without_the_memo(ref: str, bounds: dict, cap: int | None) -> None:
    cls = load_user_spec(f"{EXAMPLES / ref}")
    spec = cls(**bounds)
    assert remembered_violated(spec) is not None
    on = check(spec, max_states=cap)
    off = check(spec, max_states=cap, check_invariants=False)
    assert (on.verdict, on.distinct_states, on.states_generated, on.depth) == (
        off.verdict, off.distinct_states, off.states_generated, off.depth)
    fast = remembered_violated(cls(**bounds))
    states = reached(spec, 2000)
    assert [fast(s) for s in states] == [spec.violated(s) for s in states]


class Private(Spec):
    """An invariant reading a private attribute: Python renames ``self.__limit`` to ``self._Private__limit`` in
    the class body only."""

    def __init__(self, limit: int = 3) -> None:
        self.__limit = limit
        super().__init__()

    def init_states(self) -> list[C]:
        return [C(0, (0,), 0)]

    @action(lambda self, s: [()])
    def Inc(self, s: C) -> C | None:
        return s._replace(x=s.x + 1) if s.x < self.__limit else None

    @invariant
    def Bounded(self, s: C) -> bool:
        return s.x <= self.__limit and s.z == 0


def test_an_invariant_naming_a_private_attribute_is_called_whole() -> None:
    """Found with tests/test_differential.py's hand-written forms: its conjuncts, compiled outside the class,
    looked up ``__limit`` itself and raised AttributeError once the remembered check took over (after 10,000
    states by default, so only on a model that large)."""
    assert conjuncts(Private.Bounded, Private) is None
    r = check(Private())
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 4, 4, 4)
