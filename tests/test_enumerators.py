"""Parameter enumerators that never read the state are taken once per spec (spec.core._once);
every other enumerator runs in every state; the counts are the same either way."""

from __future__ import annotations

import dis
import functools
from types import SimpleNamespace
from typing import NamedTuple

import pytest

import spec.reads
from modelcheck import check
from modelcheck.engine._fingerprint import plain_or_apart
from spec.core import Spec, SpecError, action, invariant
from spec.reads import Reads, names_state, reads_of


class Pos(NamedTuple):
    x: tuple[int, ...]


class Counters(Spec):
    """Counters 0..2 each stepping up to ``top``; Inc's enumerator does not read the state."""

    variables = ("x",)

    def __init__(self, top: int = 3) -> None:
        self.top = top
        self.calls = 0
        super().__init__()

    def init_states(self) -> list[Pos]:
        return [Pos((0, 0, 0))]

    def counters(self, s: Pos) -> list[tuple[int]]:  # reads nothing of s, but is handed it: runs every time
        self.calls += 1
        return [(i,) for i in range(3)]

    def constant(self, s: Pos) -> list[tuple[int]]:  # never names s: taken once
        self.calls += 1
        return [(i,) for i in (2, 0, 1)]  # out of order: put in canonical order once

    @action(params=constant)
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return Pos(s.x[:i] + (s.x[i] + 1,) + s.x[i + 1 :]) if s.x[i] < self.top else None

    @invariant
    def Bounded(self, s: Pos) -> bool:
        return all(v <= self.top for v in s.x)


class CountersPerState(Counters):
    """The same model, its enumerator handed the state (so it runs in every state)."""

    @action(params=lambda self, s: self.counters(s))
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return super().Inc(s, i)


def searched(spec: Counters):
    """``check(spec)``, its enumerator's calls counted from the search's start: the fingerprint's sample walk
    (modelcheck.engine._fingerprint, -1 against -2) runs the spec's steps first, once per spec object."""
    plain_or_apart(spec)
    spec.calls = 0
    return check(spec)


def test_an_enumerator_that_never_reads_the_state_runs_once_with_the_same_counts() -> None:
    once, every = Counters(), CountersPerState()
    a, b = check(once), searched(every)
    assert (a.distinct_states, a.states_generated, a.depth) == (64, 145, 10)
    assert (b.distinct_states, b.states_generated, b.depth) == (64, 145, 10)
    assert {k: (c.fired, c.new) for k, c in a.coverage.items()} == {k: (c.fired, c.new) for k, c in b.coverage.items()}
    assert once.calls == 1 and every.calls == 64  # every reached state expanded once
    assert list(once.action("Inc").enumerate(Pos((0, 0, 0)))) == [(0,), (1,), (2,)]  # canonical order


def test_a_state_free_enumerator_is_marked_and_both_engines_count_alike() -> None:
    """The engines' generated loops ask a state-free enumerator once per level or chunk
    (modelcheck/engine/_level_loop.py): the mark they read, and the same figures in both."""
    from modelcheck.engine.coordinator import search

    assert getattr(Counters().action("Inc").enumerate, "state_free", False) is True
    assert not getattr(CountersPerState().action("Inc").enumerate, "state_free", False)
    for run in (check, search):
        r = run(Counters())
        assert (r.distinct_states, r.states_generated, r.depth) == (64, 145, 10)
        assert {k: (c.fired, c.new) for k, c in r.coverage.items()} == {"Inc": (144, 63)}


def _uses_helper(self: object, s: Pos) -> list:
    return list(self.counters(s))  # type: ignore[attr-defined]


def test_names_state_is_false_only_when_the_code_never_names_the_state() -> None:
    assert not names_state(lambda self, s: ((rm,) for rm in range(3)))
    assert not names_state(lambda self, s: ((),))
    assert names_state(lambda self, s: ((m,) for m in s))  # the state in a nested scope
    assert names_state(lambda self, s: [(i,) for i in range(len(s))])
    assert names_state(_uses_helper)  # handed on to a method
    assert names_state(lambda self, s: eval("s"))  # noqa: S307 - what the check must not miss
    assert names_state(lambda self, *a: a)  # no named state argument
    assert names_state(functools.partial(_uses_helper))  # not a plain function
    assert names_state(_Compiled(lambda self, s: ((m,) for m in s)))  # a __code__ without its bytecode


class _Compiled:
    """What Cython makes of a function: callable, with a ``__code__`` whose bytecode is not the function's
    (here the code of a lambda that never names the state)."""

    __code__ = (lambda self, s: ((i,) for i in range(3))).__code__

    def __init__(self, fn: object) -> None:
        self.fn = fn

    def __call__(self, *args: object) -> object:
        return self.fn(*args)  # type: ignore[operator]

    def __get__(self, obj: object, cls: type | None = None) -> object:  # bound like a method, as Cython's are
        return functools.partial(self, obj)


class CountersCompiled(Counters):
    """The per-state model, its enumerator a compiled function: it must run in every state."""

    @action(params=_Compiled(lambda self, s: self.counters(s)))
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return super().Inc(s, i)


def test_a_compiled_enumerator_is_not_taken_for_a_state_free_one() -> None:
    """Cython gives a function a ``__code__`` with no bytecode: reading that as "never names the state"
    took its parameters once and silently cut the model (a compiled PaxosCommit: 36 states)."""
    spec = CountersCompiled()
    r = searched(spec)
    assert (r.distinct_states, r.states_generated, r.depth) == (64, 145, 10)
    assert not getattr(spec.action("Inc").enumerate, "state_free", False) and spec.calls == 64
    assert not names_state(lambda self, s, t: t, 1) and names_state(lambda self, s, t: t, 2)


def test_the_code_reading_starts_from_the_same_answer() -> None:
    """One rule for "reads nothing": a function that never names its state reads nothing of it in
    the source reading too (``getattr`` on ``self`` cannot reach a local), while one that does is
    read from its source."""

    def no_state(self: Counters, s: Pos) -> list:
        return list(getattr(self, "counters")(None))  # noqa: B009 - the point: getattr without the state

    nothing = Reads(frozenset(), frozenset())
    assert reads_of(no_state, Counters, step=False) == nothing
    assert reads_of(Counters.counters, Counters, step=False) == nothing
    assert reads_of(_uses_helper, Counters, step=False) == nothing  # handed on to a helper that reads nothing
    assert reads_of(Counters.Bounded, Counters, step=False) == Reads(frozenset(), frozenset({"x"}))


def test_an_instruction_naming_two_locals_names_the_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.13 compiles ``lambda self, s: helper(self, s)`` to ``LOAD_FAST_LOAD_FAST ('self', 's')``:
    one instruction whose operand is a tuple. Compared with ``==`` it never equalled 's', so under 3.13
    such an enumerator was taken once from the initial state (the counts silently cut). The 3.13
    instruction stream is given here as it comes, so the test runs on every supported Python."""
    load = dis.opmap["LOAD_FAST"]
    stream = [
        SimpleNamespace(opcode=dis.opmap["LOAD_GLOBAL"], argval="helper"),
        SimpleNamespace(opcode=load, argval=("self", "s")),
        SimpleNamespace(opcode=dis.opmap["RETURN_VALUE"], argval=None),
    ]
    monkeypatch.setattr(spec.reads.dis, "get_instructions", lambda code: iter(stream))
    assert names_state(lambda self, s: _helper(self, s))
    stream[1] = SimpleNamespace(opcode=load, argval=("self", "t"))
    assert not names_state(lambda self, s: _helper(self, s))  # two locals, neither the state


def _helper(spec: object, s: object) -> list:
    return [(0,)]


class _Params:
    """A callable object as an enumerator: it binds no way, so it is called as ``params(self, state)``."""

    def __call__(self, spec: Counters, s: Pos) -> list[tuple[int]]:
        return spec.counters(s)


class _Helper:
    def params(self, spec: Counters, s: Pos) -> list[tuple[int]]:
        return spec.counters(s)


_HELPER = _Helper()


class CountersByObject(Counters):
    @action(params=_Params())
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return super().Inc(s, i)


class CountersByPartial(Counters):
    @action(params=functools.partial(_uses_helper))
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return super().Inc(s, i)


class CountersByBoundMethod(Counters):
    @action(params=_HELPER.params)  # a method of another object: params(self, state) calls it with the spec
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return super().Inc(s, i)


class CountersStatic(Counters):
    """A staticmethod enumerator: its state is its argument 0; its argument 1 (a default never named)
    is no sign that it reads nothing. Each counter may step only from 0: 8 states."""

    @action(params=staticmethod(lambda s, unused=None: [(i,) for i in range(3) if s.x[i] < 1]))
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return super().Inc(s, i)


def test_every_callable_a_user_may_give_as_an_enumerator_runs_in_every_state() -> None:
    """Found with tests/test_differential.py's hand-written forms: a callable object or a functools.partial
    failed to build (``'functools.partial' object has no attribute '__get__'``), a method of another object
    was called without the spec, and a staticmethod's argument 1 was read as its state: never named, its
    parameters were taken once from the initial state (64 states instead of 8)."""
    for cls in (CountersByObject, CountersByPartial, CountersByBoundMethod):
        spec = cls()
        r = searched(spec)
        assert (r.distinct_states, r.states_generated, r.depth) == (64, 145, 10), cls.__name__
        assert spec.calls == 64, cls.__name__
    r = check(CountersStatic())
    assert (r.distinct_states, r.states_generated, r.depth) == (8, 13, 4)
    assert not getattr(CountersStatic().action("Inc").enumerate, "state_free", False)


class _Partial313(functools.partial):
    """functools.partial as Python 3.13 makes it: a ``__get__`` that returns the partial itself, unbound."""

    def __get__(self, obj: object, cls: type | None = None) -> object:
        return self


class CountersByPartial313(Counters):
    @action(params=_Partial313(_uses_helper))
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return super().Inc(s, i)


class _GivesItselfBack(_Params):
    """A callable object whose ``__get__`` gives it back unbound, as 3.13's bound methods' does."""

    def __get__(self, obj: object, cls: type | None = None) -> object:
        return self


class CountersByMethod313(Counters):
    @action(params=_GivesItselfBack())
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return super().Inc(s, i)


def test_an_enumerator_given_back_unbound_gets_the_spec_as_under_python_311() -> None:
    """Under 3.13 a functools.partial enumerator, or a method of another object, was bound through the
    ``__get__`` 3.13 gives them, which returns them unbound, so it was called without the spec:
    ``_uses_helper() missing 1 required positional argument: 's'`` (exit 3) where 3.11 checks the model."""
    for cls in (CountersByPartial313, CountersByMethod313):
        spec = cls()
        r = searched(spec)
        assert (r.distinct_states, r.states_generated, r.depth, spec.calls) == (64, 145, 10, 64), cls.__name__


class CountersFewer(Counters):
    """Overrides the enumerator Counters' Inc was declared with: only counter 0 may step (or so its author thinks)."""

    def constant(self, s: Pos) -> list[tuple[int]]:
        return [(0,)]


class CountersFewerDeclared(CountersFewer):
    @action(params=CountersFewer.constant)
    def Inc(self, s: Pos, i: int) -> Pos | None:
        return super().Inc(s, i)


def test_an_enumerator_overridden_below_its_action_is_refused() -> None:
    """``@action(constant)`` takes Counters' function, so a subclass's own ``constant`` changed nothing: the
    model kept its 64 states without a word (Lamport's mutex with ``each_proc`` overridden to one process: 865
    states, the base model's). Refused in one line; declaring the action again is the way, and checks 4 states."""
    with pytest.raises(SpecError, match=r"^CountersFewer: Inc's enumerator is Counters.constant, which CountersFewer "
                       r"overrides, but @action was given the one in Counters: declare Inc again in CountersFewer "
                       r"\(@action\(constant\)\), or enumerate with @action\(lambda self, s: self.constant\(s\)\) in "
                       r"Counters$"):  # fmt: skip
        CountersFewer().actions  # noqa: B018 - binding the actions is what refuses
    r = check(CountersFewerDeclared())
    assert (r.distinct_states, r.states_generated, r.depth) == (4, 4, 4)
