"""Faults in a spec's own code, located: which spec, which action or invariant, which parameters, which state.

Two kinds, two exit statuses (docs/cli.md):

- :class:`SpecContractError` (a :class:`SpecError`, exit 2): the spec breaks the contract the
  checker relies on: ``init_states`` returns an iterable of states, an enumerator yields
  parameter tuples, a step returns a state or ``None``, states are hashable by value, an
  invariant returns a truth value.
- :class:`SpecCodeError` (exit 3): the spec's code raised an exception while the checker ran it.

:func:`preflight` checks the contract on the first states of a model (a checked walk, each call
made separately) before a run, so the usual mistakes are named before any engine starts.
:func:`locate` turns an exception that escaped an engine later into one of the two: from the
traceback (the spec method that raised, with its arguments) or, when no spec method raised (the
engine choked on what the spec returned), by re-checking the states the engine held.
"""

from __future__ import annotations

import copy
import inspect
import pickle
import time
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, NoReturn

from modelcheck.engine._fingerprint import refuse_symmetry_with_view
from modelcheck.engine._identity import ByIdentity
from modelcheck.engine.explain import compact
from modelcheck.engine.result import shown_state
from spec.behaviour import endless_enumerator, take_initial
from spec.core import (
    Action,
    Fair,
    Label,
    Spec,
    SpecError,
    State,
    Temporal,
    checked_names,
    renamings,
    returned,
)
from spec.suggest import hint

if TYPE_CHECKING:
    from modelcheck.engine.progress import Progress

#: States the preflight walks (breadth-first) before a run, and its time budget (CPU seconds): a few
#: milliseconds on most models, never more than that budget on a large one.
PREFLIGHT_STATES = 64
PREFLIGHT_SECONDS = 0.5
#: States (and CPU seconds) :func:`locate` may walk from the initial states when the failing state is not known.
LOCATE_STATES, LOCATE_SECONDS = 20_000, 10.0
#: Longest rendering of a state or value inside an error line.
SHOWN_CHARS = 240

_CORE_FILE = Path(__import__("spec.core").core.__file__).resolve()


class SpecContractError(SpecError):
    """The spec returned something the checker cannot use (exit 2: a mistake in the spec file)."""


class SpecCodeError(Exception):
    """The spec's own code raised an exception (exit 3); ``details`` is that exception's traceback."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details

    def __reduce__(self) -> tuple[Any, ...]:  # crosses process boundaries (parallel workers) intact
        return (type(self), (str(self), self.details))


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def spec_title(spec: Spec) -> str:
    """The spec's name as a user knows it (the class name when the spec sets no ``name``)."""
    return spec.name if spec.name != Spec.name else type(spec).__name__


def show_value(value: Any) -> str:
    """A value's repr, cut short; never raises."""
    try:
        return shorten(repr(value))
    except Exception:  # a user's __repr__ may fail too
        return f"<{type(value).__name__}>"


def show_state(spec: Spec, state: State) -> str:
    """``x=1, y=<<0, 2>>``: the state by the spec's own rendering, each value as traces print it
    (:func:`modelcheck.engine.explain.compact`: an empty sequence ``<<>>``, not ``()``), its repr when that fails."""
    try:
        text = ", ".join(f"{k}={compact(v)}" for k, v in shown_state(spec, state).items())
    except Exception:
        return show_value(state)
    return shorten(text) if text else show_value(state)


def show_label(spec: Spec, name: str, params: tuple) -> str:
    """``Inc(d=1)`` (the spec's rendering), or ``Inc(1)`` when that fails."""
    try:
        return spec.show_label(Label(name, params))
    except Exception:
        return shorten(f"{name}({', '.join(show_value(p) for p in params)})")


def _type_name(value: Any) -> str:
    """``an int``, ``a list``: the value's type with its article."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _where(exc: BaseException) -> str:
    """``counter.py:19``: the innermost line of the traceback that is not paxraft's own."""
    last = ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        last = f"{Path(frame.f_code.co_filename).name}:{lineno}"
    return f" ({last})" if last else ""


def _details(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def raised(
    spec: Spec, what: str, exc: BaseException, state: State | None = None, has_state: bool = True
) -> SpecCodeError:
    msg = f"{spec_title(spec)}: {what} raised {type(exc).__name__}: {shorten(str(exc))}{_where(exc)}"
    if has_state:
        msg += f", in state {show_state(spec, state)}"
    return SpecCodeError(msg, _details(exc))


def _call_failed(exc: BaseException) -> bool:
    """Whether ``exc`` is a TypeError raised by the call itself (wrong arguments), not inside the callee."""
    if not isinstance(exc, TypeError) or exc.__traceback__ is None:
        return False
    tb = exc.__traceback__.tb_next  # past the frame that made the call; spec.core's wrappers do not count
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve() != _CORE_FILE:
            return False
        tb = tb.tb_next
    return True


def _blame(
    spec: Spec, what: str, exc: BaseException, state: State | None, contract: str, has_state: bool = True
) -> NoReturn:
    """Raise for a call to the spec that failed: ``contract`` (a SpecContractError) when the call itself
    failed (the spec's function cannot be called as the contract says), else the spec's code raised."""
    if _call_failed(exc):
        raise SpecContractError(contract) from None
    raise raised(spec, what, exc, state, has_state) from exc


# -- the contract, checked call by call ------------------------------------------------------------


def _state_kinds(states: Iterable[State]) -> tuple[type, ...]:
    return tuple(dict.fromkeys(type(s) for s in states))


def _unhashable_part(value: Any, path: str) -> tuple[str, Any] | None:
    """Where inside ``value`` an unhashable value sits: (``field y``, the value)."""
    try:
        hash(value)
        return None
    except TypeError:
        pass
    fields = getattr(type(value), "_fields", None) or getattr(type(value), "__dataclass_fields__", None)
    if fields:
        for f in fields:
            found = _unhashable_part(getattr(value, f, None), f"{path}.{f}" if path else f)
            if found:
                return found
    elif isinstance(value, (tuple, frozenset)):
        for i, item in enumerate(value):
            found = _unhashable_part(item, f"{path}[{i}]" if isinstance(value, tuple) else f"{path} (an element)")
            if found:
                return found
    return (path or "the state", value)


def _hashed(spec: Spec, value: Any, state: State, said: str, named: str, rule: str) -> int:
    """``hash(value)``, ``value`` being what ``said`` gave (a state, or ``state``'s view): an unhashable part of it
    is one line naming where it sits and the ``rule``; another exception is the spec's code failing (a
    ``__hash__`` of its own), reported as ``hash()`` of ``named``."""
    try:
        return hash(value)
    except TypeError:
        kind = "state" if value is state else "value"
        where, part = _unhashable_part(value, "") or (f"the {kind}", value)
        what = f"a {kind} whose {where} is" if part is not value else f"a {kind} that is"
        raise SpecContractError(
            f"{spec_title(spec)}: {said} gave {what} {_type_name(part)} ({show_value(part)}), which is not hashable; "
            f"{rule}"
        ) from None
    except Exception as exc:
        raise raised(spec, f"hash() of {named}", exc, state) from exc


def check_state(spec: Spec, state: State, origin: str, kinds: tuple[type, ...] = ()) -> None:
    """``state``, produced by ``origin``, is a usable state: of the spec's state type, hashable by value."""
    title = spec_title(spec)
    if kinds and not isinstance(state, kinds):
        expected = " or ".join(k.__name__ for k in kinds)
        raise SpecContractError(
            f"{title}: {origin} returned {show_value(state)} ({_type_name(state)}); "
            f"expected a state ({expected}), or None when not enabled"
        )
    h = _hashed(spec, state, state, origin, f"a state from {origin}", "a state holds only ints, bools, strings, "
                "tuples and frozensets")
    if type(state).__eq__ is object.__eq__:
        raise SpecContractError(
            f"{title}: states of type {type(state).__name__} (from {origin}) compare by identity, so equal states "
            "would be counted twice; make the state a NamedTuple or a frozen dataclass"
        )
    twin = _equal_copy(state)
    if twin is None:  # a value that cannot be copied: nothing more to compare
        return
    if twin != state or hash(twin) != h:
        raise SpecContractError(
            f"{title}: a state from {origin} is not hashable consistently (an equal copy of it "
            f"{'compares unequal' if twin != state else 'hashes differently'}): {show_state(spec, state)}"
        )


def check_picklable(spec: Spec, why: str) -> None:
    """The initial states and their successors pickle and read back equal, as ``why`` (worker processes, a
    checkpoint, a spill to disk) moves or stores states: a state class made inside a function failed there as
    'internal error: AttributeError: Can't pickle local object', exit 4."""
    init = initial_states(spec)[:8]
    for s in init + [t for i in init[:2] for _a, _p, t in spec.successors(i)]:
        try:
            back = pickle.loads(pickle.dumps(s))
        except Exception as exc:  # noqa: BLE001 - whatever pickle says, the state cannot travel
            raise SpecContractError(
                f"{spec_title(spec)}: a state of type {type(s).__qualname__} cannot be pickled ({shorten(str(exc))}), "
                f"and {why} moves or stores states as pickles: define the state class (and any class of a value in "
                "it) at the top level of a module") from None
        if back != s:
            raise SpecContractError(f"{spec_title(spec)}: a state of type {type(s).__qualname__} reads back from its "
                                    f"pickle unequal to itself ({show_state(spec, s)}), and {why} moves or stores "
                                    "states as pickles")


def initial_states(spec: Spec) -> list[State]:
    """``spec.init_states()`` as a list (at most as many as every search takes), with the contract checked on
    each state."""
    title = spec_title(spec)
    try:
        got = spec.init_states()
    except SpecError:
        raise
    except Exception as exc:
        raise raised(spec, "init_states()", exc, has_state=False) from exc
    if got is None or hasattr(type(got), "_fields") or hasattr(type(got), "__dataclass_fields__"):
        raise SpecContractError(
            f"{title}: init_states() returned {show_value(got)}; expected an iterable of states"
            + (f", e.g. [{show_value(got)}]" if got is not None else "")
        )
    try:
        states = take_initial(spec, got)
    except SpecError:
        raise
    except TypeError as exc:
        contract = f"{title}: init_states() returned {show_value(got)} ({_type_name(got)}); " \
                   "expected an iterable of states"
        _blame(spec, "init_states()", exc, None, contract, has_state=False)
    except Exception as exc:
        raise raised(spec, "init_states()", exc, has_state=False) from exc
    for s in states:
        check_state(spec, s, "init_states()")
    return states


def _parameters(spec: Spec, act: Action, state: State) -> list[tuple]:
    title = spec_title(spec)
    what = f"the parameter enumerator of {act.name}"
    try:
        got = act.enumerate(state)
    except SpecError:  # the spec's mistake, named where it was found (a bundle too short)
        raise
    except Exception as exc:
        contract = (f"{title}: {what} cannot be called as params(self, state): {shorten(str(exc))}; "
                    "write @action(lambda self, s: ...)")
        _blame(spec, what, exc, state, contract)
    if got is None:
        raise SpecContractError(f"{title}: {what} returned None; expected an iterable of parameter tuples")
    try:
        params = list(got)
    except TypeError as exc:
        contract = f"{title}: {what} returned {show_value(got)} ({_type_name(got)}); " \
                   "expected an iterable of parameter tuples"
        _blame(spec, what, exc, state, contract)
    except Exception as exc:
        raise raised(spec, what, exc, state) from exc
    arity = len(act.param_names)
    takes = f"{arity} parameter{'s' if arity != 1 else ''} ({', '.join(act.param_names) or 'none'})"
    for p in params:
        if not isinstance(p, tuple):
            one = f"frozenset({show_value(p)})" if isinstance(p, set) else show_value(p)  # parameters are hashed
            example = "()" if arity == 0 else f"({one},)" if arity == 1 else f"({', '.join(act.param_names)})"
            raise SpecContractError(
                f"{title}: {what} yielded {show_value(p)} ({_type_name(p)}); expected a tuple of {takes}, "
                f"such as {example}"
            )
        if len(p) != arity:
            raise SpecContractError(
                f"{title}: {what} yielded {show_value(p)}, {len(p)} value{'s' if len(p) != 1 else ''}; "
                f"{act.name} takes {takes}"
            )
    return params


def finite_parameters(spec: Spec, state: State, actions: Iterable[str] | None = None) -> None:
    """Each action's own enumerator (of ``actions``, or all) yields at most :data:`spec.behaviour.MAX_PARAMETERS`
    parameter tuples in ``state`` (:func:`spec.behaviour.endless_enumerator`), else SpecContractError. (Its other
    faults are named when the walk calls it.)"""
    endless = endless_enumerator(spec, state, actions)
    if endless is not None:
        raise SpecContractError(f"{spec_title(spec)}: {endless}; state: {show_state(spec, state)}")


def _taken_once(act: Action) -> Any:
    """The enumerator of ``act`` taken once (:func:`spec.core._once`), also behind a where-memo; else None."""
    from spec.reads import memo_of  # spec.reads builds on spec.core, as this module does

    enum = act.enumerate
    memo = memo_of(enum)
    if memo is not None:
        enum = memo.plain
    return enum if getattr(enum, "state_free", False) is True else None


def _same_as_once(spec: Spec, act: Action, state: State) -> None:
    """An enumerator that never names its state is taken once: it must give the same parameters anew."""
    once = _taken_once(act)
    if once is None:
        return
    first, anew = tuple(once(state)), tuple(once.anew(state))
    if anew != first:
        raise SpecContractError(
            f"{spec_title(spec)}: the parameter enumerator of {act.name} never names its state, so paxraft takes its "
            f"parameters once, but here it gives {show_value(anew)} against {show_value(first)} then (in state "
            f"{show_state(spec, state)}): it reads something that changed during the run, a spec attribute? "
            "A spec's constants must not change once the check has started")


def unlike_part(a: Any, b: Any, path: str) -> tuple[str, Any, Any] | None:
    """Where two equal values differ in kind, a bool in one and a number in the other (``False`` and ``0``,
    ``True`` and ``1``): (the place, one value, the other), or None.  Numbers of different types (``1`` and
    ``Fraction(1)``) are one value, as in TLA+."""
    if (type(a) is bool) != (type(b) is bool):
        return (path or "the state", a, b)
    fields = getattr(type(a), "_fields", None) if type(a) is type(b) else None
    if fields:
        for f in fields:
            found = unlike_part(getattr(a, f), getattr(b, f), f"{path}.{f}" if path else f)
            if found:
                return found
    elif isinstance(a, tuple) and isinstance(b, tuple):
        for i, (x, y) in enumerate(zip(a, b)):
            found = unlike_part(x, y, f"{path}[{i}]")
            if found:
                return found
    elif isinstance(a, frozenset) and isinstance(b, frozenset):
        theirs = {y: y for y in b}
        for x in a:
            found = unlike_part(x, theirs[x], f"{path} (an element)")
            if found:
                return found
    return None


def _alike_or_refused(spec: Spec, known: State, state: State, origin: str) -> None:
    """``state`` equals ``known`` (a state reached before): refuse it where the two differ in kind, since Python
    takes ``False == 0`` and the search would count them as one state (a leader ``False`` for none beside
    nodes 0..N-1: node 0 elected was taken for no leader, and its states were never checked)."""
    found = unlike_part(known, state, "")
    if found:
        where, a, b = found
        raise SpecContractError(
            f"{spec_title(spec)}: {origin} gives a state equal to one reached before only as Python compares: "
            f"{where} is {show_value(b)} in it and {show_value(a)} in the earlier one ({show_value(a)} == "
            f"{show_value(b)} in Python), so the search would take them for one state; give the two meanings values "
            f"that are never equal (e.g. None or -1 for 'none' beside 0..N-1)")


def _unchanged(spec: Spec, state: State, before: State, what: str) -> None:
    """``state``, a deep copy of which ``before`` is, is still as it was after ``what`` ran on it."""
    if before is not state and before != state:
        raise SpecContractError(
            f"{spec_title(spec)}: {what} changed the state it was given ({show_state(spec, before)} became "
            f"{show_state(spec, state)}): the search keeps every state it reaches, so a step must return a new "
            "state and leave its argument as it was (and an enumerator or invariant only read it)")


def _equal_copy(state: State) -> State | None:
    """A deep copy of ``state`` (new objects all through, shared parts shared as in ``state``), or None when it
    cannot be copied. A pickle round trip first: it is copy.deepcopy's own protocol (``__reduce_ex__(4)``) run in
    C, 70 times faster on a Multi-Paxos state of 200 steps (0.006 ms against 0.42 ms); deepcopy was a third of
    a symmetric preflight's time. deepcopy where pickle cannot go (a class made inside a function), and where the
    pickled copy is unequal: deepcopy keeps atomic values (a float NaN) the same objects, which the callers' own
    checks and messages rely on (tests/test_hostile_specs.py's NaN is named by a later check)."""
    try:
        twin = pickle.loads(pickle.dumps(state, protocol=4))
        if twin == state:
            return twin
    except Exception:  # noqa: BLE001 - not picklable (a local class, a lambda): deepcopy may still copy it
        pass
    try:
        return copy.deepcopy(state)
    except Exception:  # noqa: BLE001 - a value deepcopy cannot copy either
        return None


def _copy(state: State) -> State:
    """A deep copy of ``state`` to compare with after the spec's code ran on it (``state`` itself when it cannot be
    copied)."""
    twin = _equal_copy(state)
    return state if twin is None else twin


def _fresh(state: State) -> State:
    """An equal state made of new objects (its pickle read back), for a step to be called on again: one reading
    ``id()`` then answers otherwise; ``state`` itself where it cannot be pickled."""
    try:
        return pickle.loads(pickle.dumps(state))
    except Exception:  # noqa: BLE001 - an unpicklable state: the workers and checkpoints name it themselves
        return state


def _same_again(spec: Spec, act: Action, p: tuple, state: State, nxt: State | None, shown: str) -> None:
    """The step called again, on an equal copy of ``state``, gives an equal successor: a step reading a random
    number, the clock, ``id()`` or a counter of its own gave 7 states of a 64-state model, 'No error found', and
    other counts with other runs or --workers."""
    try:
        again = act.step(_fresh(state), *p)
    except Exception:  # noqa: BLE001 - raised the second time only: as unlike as another state
        again = _NOT_A_STATE
    if (again is None) != (nxt is None) or again is _NOT_A_STATE or (
            nxt is not None and (again != nxt or unlike_part(nxt, again, ""))):
        def said(x: Any) -> str:
            return ("None (not enabled)" if x is None else "an exception" if x is _NOT_A_STATE
                    else show_state(spec, x))

        if nxt is not None and again is not _NOT_A_STATE and again is not None and _fresh(nxt) != nxt:
            raise SpecContractError(  # (a NaN: blamed on a random number, a clock or id(), which it read none of)
                f"{spec_title(spec)}: action {shown} gave a state unequal to a copy of itself ({said(nxt)}; in state "
                f"{show_state(spec, state)}): a float NaN (nan != nan), or an __eq__ that is not reflexive; the "
                "search would take each such state for a new one: hold it as another value (an int)")
        raise SpecContractError(
            f"{spec_title(spec)}: action {shown} gave two different outcomes from one state ({said(nxt)}, then "
            f"{said(again)}; in state {show_state(spec, state)}): a step must be a function of the state and its "
            "parameters, reading no random number, clock, id() or attribute that changes; make a choice a parameter")


_NOT_A_STATE = object()


def _own_fingerprint(spec: Spec, fingerprint: Any, by_fp: dict[int, State], state: State, origin: str) -> None:
    """``state``, new, has a fingerprint no other walked state has: the search takes a state's fingerprint (its hash)
    for its identity, so a state class whose __hash__ leaves out a field __eq__ compares (Python allows such
    collisions) had its states merged: 4 states of 16, 'No error found' where y = 2 breaks the invariant. (A
    view merges states on purpose: the search hashes it instead, checked by :func:`check_view`.)"""
    if spec.has_view:
        check_view(spec, state, origin)
    fp = fingerprint(state)
    other = by_fp.setdefault(fp, state)
    if other is not state and other != state:
        raise SpecContractError(
            f"{spec_title(spec)}: {origin} gives a state that hashes as a different one reached before ("
            f"{show_state(spec, state)}; {show_state(spec, other)}): the checker takes a state's hash for its "
            "identity, so one of them would never be explored; hash every field __eq__ compares (or make the "
            "state a NamedTuple)")


def check_view(spec: Spec, state: State, origin: str) -> None:
    """The spec's view (:meth:`Spec.view`, TLC's VIEW) of ``state``, from ``origin``, is what the search can hash in
    its place: it returns, is hashable by value, and is a function of the state (an equal copy has an equal view)."""
    title = spec_title(spec)
    try:
        value = spec.view(state)
    except Exception as exc:
        raise raised(spec, f"view of a state from {origin}", exc, state) from exc
    h = _hashed(spec, value, state, f"view of a state from {origin}", f"the view of a state from {origin}",
                "a view returns ints, bools, strings, tuples and frozensets (the search hashes it)")
    twin = _equal_copy(state)
    if twin is None:  # a state that cannot be copied: nothing more to compare
        return
    again = spec.view(twin)  # the view of an equal state: it did not raise on the state itself
    if again != value or hash(again) != h:
        raise SpecContractError(
            f"{title}: view is not a function of the state (an equal copy of a state from {origin} has "
            f"{'another view' if again != value else 'a view hashing otherwise'}): {show_value(value)} against "
            f"{show_value(again)}"
        )


def successors(spec: Spec, state: State, kinds: tuple[type, ...]) -> list[tuple[str, State]]:
    """Every successor of ``state`` as (shown label, state), each enumerator and step called and checked (each step
    twice: it must be a function of the state)."""
    out = []
    before = _copy(state)
    for act in spec.actions:
        params = _parameters(spec, act, state)  # first: its failures are the spec's code, named (not internal)
        _same_as_once(spec, act, state)
        for p in params:
            shown = show_label(spec, act.name, p)
            try:
                nxt = act.step(state, *p)
            except Exception as exc:
                contract = (f"{spec_title(spec)}: action {act.name} cannot take the parameters {show_value(p)} "
                            f"its enumerator yielded: {shorten(str(exc))}")
                _blame(spec, f"action {shown}", exc, state, contract)
            _unchanged(spec, state, before, f"action {shown}")
            if nxt is not None:
                check_state(spec, nxt, f"action {shown}", kinds)
            _same_again(spec, act, p, state, nxt, shown)
            if nxt is not None:
                out.append((shown, nxt))
    return out


def check_invariants(spec: Spec, state: State) -> bool:
    """Each invariant evaluated separately on ``state``: it must return a truth value, not raise. Whether
    all hold."""
    before = (_copy(state),)
    verdicts = [_verdict(spec, f"invariant {name}", inv, (state,), before, lambda: f"state {show_state(spec, state)}")
                for name, inv in spec.invariants.items()]
    return all(verdicts)


def check_action_invariants(spec: Spec, state: State, succ: State, shown: str) -> bool:
    """Each action invariant evaluated separately on the step ``shown`` from ``state`` to ``succ``: it must return a
    truth value, not raise, and change neither state. Whether all hold (a stutter: yes, none is asked)."""
    if succ == state:
        return True
    before = (_copy(state), _copy(succ))
    verdicts = [_verdict(spec, f"action invariant {name}", inv, (state, succ), before,
                         lambda: f"the step {shown} from state {show_state(spec, state)}")
                for name, inv in spec.action_invariants.items()]
    return all(verdicts)


def _verdict(spec: Spec, what: str, pred: Callable[..., Any], args: tuple, before: tuple,
             where: Callable[[], str]) -> bool:
    """``pred(*args)``: True or False, else the spec's fault named (an exception it raised, another value, a state
    it changed: ``before`` holds copies of ``args``)."""
    try:
        verdict = pred(*args)
    except Exception as exc:
        raise raised(spec, what, exc, args[0]) from exc
    for state, copied in zip(args, before):
        _unchanged(spec, state, copied, what)
    if verdict is not True and verdict is not False:
        raise SpecContractError(f"{spec_title(spec)}: {what} returned {returned(verdict)} on {where()}; "
                                "expected True or False")
    return verdict


def _in_model(spec: Spec, state: State) -> bool:
    try:
        return bool(spec.constraint(state))
    except Exception as exc:
        raise raised(spec, "constraint", exc, state) from exc


def check_declarations(spec: Spec) -> None:
    """What the spec declares names what it has: each ``@explains`` an invariant, each temporal
    property a ``Temporal`` (``Eventually(...)``, not a bare predicate), each fairness condition a
    ``WF``/``SF`` naming at least one action (``WF()`` covers no step, so it would constrain nothing)."""
    title = spec_title(spec)
    takes = [p for p in inspect.signature(type(spec).__init__).parameters if p != "self"]
    for name in type(spec).witnesses_declared():  # @witness(replica=3): bounds used where the witness is sought
        unknown = [k for k in type(spec).witness_bounds(name) if k not in takes]
        if unknown:
            raise SpecContractError(
                f"{title}: @witness({unknown[0]}=...) on {name} names no bound of the spec{hint(unknown[0], takes)} "
                f"(its constructor takes: {', '.join(takes) or 'nothing'})"
            )
    declared = checked_names(type(spec))[0]  # (a model that checks fewer, --invariants, keeps their explanations)
    for method, name in spec.explained().items():
        if name not in declared and getattr(type(spec), name, ...) is not None:  # None: left out, not a slip
            raise SpecContractError(
                f"{title}: @explains({name!r}) on {method} names no invariant of the spec{hint(name, spec.invariants)} "
                f"(invariants: {', '.join(spec.invariants) or 'none'})"
            )
    try:
        props = spec.properties()
    except Exception as exc:
        raise raised(spec, "properties()", exc, has_state=False) from exc
    for name, prop in props.items():
        if not isinstance(prop, Temporal):
            raise SpecContractError(
                f"{title}: property {name} is {_type_name(prop)}; expected a temporal "
                "property: Eventually(pred, text), AlwaysEventually(pred, text), EventuallyAlways(pred, text) or "
                "LeadsTo(p, q, text)"
            )
    try:
        fairness = list(spec.fairness())
    except Exception as exc:
        raise raised(spec, "fairness()", exc, has_state=False) from exc
    for f in fairness:
        if not isinstance(f, Fair):
            raise SpecContractError(
                f"{title}: fairness() gave {_type_name(f)} ({shorten(repr(f))}); expected fairness conditions: "
                'WF("A", ...) or SF("A", ...) from spec.core, each naming actions'
            )
        if not f.actions:
            raise SpecContractError(
                f"{title}: fairness {f} names no action, so it covers no step and constrains nothing; "
                f'name the actions it makes fair: {f.kind}("A", "B")'
            )
    from modelcheck.engine.fairness import FairnessRule  # (it builds on this module's neighbours)

    FairnessRule(spec, fairness)  # every action named is the spec's, every filter a parameter of one: any run,
    # as WF() is refused (WF("FastDecde") passed a plain check and was refused only with --liveness)


def check_shown(spec: Spec, state: State) -> None:
    """``show_state`` gives a dict of variable -> value (every report, trace and picture reads it so); a
    spec that returns a string or a list failed only once a counterexample was printed (exit 4)."""
    if type(spec).show_state is Spec.show_state:  # the default reads the fields `variables` names
        missing = [v for v in spec.variables if not hasattr(state, v)]
        if missing:
            fields = getattr(state, "_fields", None)
            has = f" (its fields: {', '.join(fields)})" if fields else ""
            raise SpecContractError(
                f"{spec_title(spec)}: variables names {', '.join(missing)}, which a state of type "
                f"{type(state).__name__} from init_states() does not have{has}"
            )
    try:
        shown = spec.show_state(state)
    except Exception as exc:  # the spec's own rendering: every report needs it
        raise raised(spec, "show_state", exc, state) from exc
    if not isinstance(shown, dict):
        raise SpecContractError(
            f"{spec_title(spec)}: show_state returned {_type_name(shown)} on an initial state; expected a dict "
            "of variable -> value, e.g. {'x': s.x}"
        )


def _check_renamings(spec: Spec, states: list[State], kinds: tuple[type, ...]) -> None:
    """``permute`` (or ``canonical``) gives states the checker can store, for a few renamings of the
    first states."""
    refuse_symmetry_with_view(spec)
    cls = type(spec)
    try:
        sets = spec.symmetric_sets()
    except Exception as exc:
        raise raised(spec, "symmetric_sets()", exc, has_state=False) from exc
    if not isinstance(sets, Mapping) or not all(  # a list of names was an internal error (exit 4)
        isinstance(k, str) and isinstance(n, int) and not isinstance(n, bool) and n >= 0 for k, n in sets.items()
    ):
        raise SpecContractError(f"{spec_title(spec)}: symmetric_sets() returned {show_value(sets)} "
                                f"({_type_name(sets)}); expected a dict of set name -> size, e.g. {{'Proc': 3}}")
    if cls.canonical is not Spec.canonical:
        for s in states[:8]:
            try:
                t = spec.canonical(s)
            except Exception as exc:
                raise raised(spec, "canonical(state)", exc, s) from exc
            check_state(spec, t, "canonical(state)", kinds)
        return
    if not spec.symmetric_sets():
        if cls.symmetric_sets is not Spec.symmetric_sets:  # declared, and empty at these bounds: say which they are
            raise SpecContractError(f"{spec.describe()}: symmetric_sets() declares no symmetric set at these bounds "
                                    "(returned {}), so --symmetry has nothing to rename")
        raise SpecContractError(f"{spec_title(spec)}: --symmetry needs symmetric_sets() (name -> size) and "
                                "permute(state, perm); the spec declares no symmetric set")
    if cls.permute is Spec.permute:
        raise SpecContractError(
            f"{spec_title(spec)}: symmetric_sets() declares {', '.join(spec.symmetric_sets())}, but the spec "
            "defines neither permute(state, perm) nor canonical(state), so --symmetry cannot rename a state"
        )
    perms = spec.permutations()[:4]
    for s in states[:8]:
        for perm in perms:
            try:
                t = spec.permute(s, perm)
            except Exception as exc:
                raise raised(spec, f"permute(state, {dict(perm)})", exc, s) from exc
            check_state(spec, t, f"permute(state, {dict(perm)})", kinds)


def generators(spec: Spec) -> list[dict[str, tuple[int, ...]]]:
    """Renamings that generate the whole group: per symmetric set, the swap of its first two elements and
    the rotation of all of them, the other sets left alone."""
    sets = spec.symmetric_sets()
    same = {n: tuple(range(k)) for n, k in sets.items()}
    out = []
    for n, k in sets.items():
        if k >= 2:
            out.append({**same, n: (1, 0, *range(2, k))})
        if k >= 3:
            out.append({**same, n: (*range(1, k), 0)})
    return out


def _renamed(spec: Spec, state: State, perm: dict[str, tuple[int, ...]], kinds: tuple[type, ...]) -> State:
    try:
        out = spec.permute(state, perm)
    except Exception as exc:
        raise raised(spec, f"permute(state, {perm})", exc, state) from exc
    check_state(spec, out, f"permute(state, {perm})", kinds)
    return out


#: Groups up to this size are listed whole to check that a spec's canonical form is a renaming of the state.
ORBIT_LISTED = 720


def _group_size(spec: Spec) -> int | Decimal:
    return renamings(spec.symmetric_sets())


def _check_canonical(
    spec: Spec, s: State, perms: list[dict[str, tuple[int, ...]]], group: list[dict[str, tuple[int, ...]]] | None
) -> None:
    """A spec's own ``canonical`` must give one state per orbit: the same for a state and its renamings (else
    one orbit counts several times), and a renaming of the state (else states that are not alike merge, and a
    violating one can hide behind a sound one: a canonical form dropping a variable found 3,053 of
    KeyValueStore's 14,229 orbits and said "No error found"). ``group``: every renaming, to find the form
    among them (not listed for a group past :data:`ORBIT_LISTED`)."""

    def form(x: State) -> State:
        try:
            return spec.canonical(x)
        except Exception as exc:
            raise raised(spec, "canonical(state)", exc, x) from exc

    mine = form(s)
    for perm in perms:
        if form(spec.permute(s, perm)) != mine:
            raise SpecContractError(
                f"{spec_title(spec)}: canonical gives a state and its renaming {perm} different forms, so "
                f"--symmetry would count one orbit several times; state: {show_state(spec, s)}"
            )
    if group is not None and all(spec.permute(s, perm) != mine for perm in group):
        raise SpecContractError(
            f"{spec_title(spec)}: canonical(state) is no renaming of the state, so --symmetry would merge states "
            f"that are not alike (and could hide a violation); state: {show_state(spec, s)}, its canonical form: "
            f"{show_state(spec, mine)}"
        )


def _check_keys_travel(spec: Spec, s: State, ps: State, perm: dict[str, tuple[int, ...]]) -> None:
    """``symmetry_keys`` must be what renaming carries along: element ``i``'s key in ``s`` is element
    ``perm[i]``'s in the renamed state ``ps``. Keys that are not (an element's own number among them) leave the
    search trying too few renamings: states that are renamings of each other then count as several, and the
    counts are too high without a word (KeyValueStore at TLC's TxIdSymmetric: 28,305 states instead of 14,229)."""
    if type(spec).symmetry_keys is Spec.symmetry_keys:
        return
    try:
        mine, theirs = spec.symmetry_keys(s) or {}, spec.symmetry_keys(ps) or {}
    except Exception as exc:
        raise raised(spec, "symmetry_keys(state)", exc, s) from exc
    for name, pi in perm.items():
        ks, kp = mine.get(name), theirs.get(name)
        if ks is None and kp is None:
            continue
        if ks is None or kp is None or len(ks) != len(pi) or len(kp) != len(pi):
            raise SpecContractError(f"{spec_title(spec)}: symmetry_keys gives {len(pi)} keys for {name} in some "
                                    f"states and not in others (or not {len(pi)}); state: {show_state(spec, s)}")
        for i, k in enumerate(ks):
            if kp[pi[i]] != k:
                raise SpecContractError(
                    f"{spec_title(spec)}: symmetry_keys does not travel with renaming, so --symmetry would try too "
                    f"few renamings and count renamed states apart: under {perm}, {name} element {i} has the key "
                    f"{show_value(k)}, but its image {pi[i]} has {show_value(kp[pi[i]])} in the renamed state (a "
                    f"key must be what renaming carries along, never the element's own number); state: "
                    f"{show_state(spec, s)}"
                )


def _check_alike(
    spec: Spec,
    s: State,
    succ: list[tuple[str, State]],
    kinds: tuple[type, ...],
    initial: set[State] | None,
    perms: list[dict[str, tuple[int, ...]]],
    invariants: bool,
    renamed_inits: dict[State, tuple[dict, State]],
) -> None:
    """``--symmetry`` stores one state per orbit of ``permute``, which is sound only if renaming a state renames
    what the model does there: its successors, its invariants' verdicts, the constraint, being initial. A
    ``permute`` that leaves a variable or a message's field unrenamed (Fast Paxos's cValue) changed the counts
    without a word, and could merge a violating state with a sound one. Checked for the generators of the
    group (so for all of it) on the states the preflight walks: ``perms``, all of them or, past the first states
    of ``--check-hooks``'s walk, one in turn on every fourth state (all on each state took 7 times the plain walk
    on Fast Paxos: 85 CPU s against 12). ``invariants`` off (``--no-invariants``): their verdicts are not compared,
    the rest is (it was all skipped, and a permute keeping bcastByz's Corr unrenamed gave 2,108 orbits for 680).
    The renaming of an initial state that is not initial goes to ``renamed_inits``: it must be a state of the
    model (:func:`_renamed_inits_reached`)."""
    for perm in perms:
        ps = _renamed(spec, s, perm, kinds)
        _check_keys_travel(spec, s, ps, perm)
        wrong = ""
        if initial is not None and ps not in initial:
            renamed_inits.setdefault(ps, (perm, s))
        if invariants and spec.violated(ps) is not None:
            wrong = f"violates {spec.violated(ps)}, though the state satisfies every invariant"
        elif not _in_model(spec, ps):
            wrong = "is outside the state constraint, though the state is within it"
        else:
            theirs = {t: shown for shown, t in successors(spec, ps, kinds)}
            renamed = {_renamed(spec, t, perm, kinds): shown for shown, t in succ}
            lost = next((shown for t, shown in renamed.items() if t not in theirs), None)
            extra = next((shown for t, shown in theirs.items() if t not in renamed), None)
            if lost is not None:
                wrong = f"has no successor renaming the one {lost} reaches from the state"
            elif extra is not None:
                wrong = f"takes {extra} to a state renaming no successor of the state"
            elif invariants and spec.action_invariants:
                _check_steps_alike(spec, s, ps, succ, perm, kinds)
        if wrong:
            raise SpecContractError(
                f"{spec_title(spec)}: permute is not a symmetry of the model, so --symmetry would merge states that "
                "are not alike (does it rename every variable and every field of a message?): the renaming "
                f"{perm} of a state {wrong}; that state: {show_state(spec, s)}"
            )


def _check_steps_alike(spec: Spec, s: State, ps: State, succ: list[tuple[str, State]], perm: dict,
                       kinds: tuple[type, ...]) -> None:
    """Each step from ``s`` and its renaming from ``ps`` are judged alike by the action invariants: --symmetry
    checks the steps of one state per renaming, so one naming a replica ('r1's commit index never moves') could
    hold of every step checked and fail of a renamed one."""
    for shown, t in succ:
        here, there = spec.step_violated(s, t), spec.step_violated(ps, _renamed(spec, t, perm, kinds))
        if here != there:
            raise SpecContractError(
                f"{spec_title(spec)}: action invariant {here or there} tells renamed steps apart, so --symmetry, which "
                f"checks the steps of one state of each renaming, could miss its violations: it is "
                f"{'false' if here else 'true'} of the step {shown} from a state and {'true' if here else 'false'} "
                f"of its renaming {perm} (drop --symmetry, or state it of every replica alike); the state: "
                f"{show_state(spec, s)}"
            )


def _check_violation_alike(
    spec: Spec, s: State, perms: list[dict[str, tuple[int, ...]]], kinds: tuple[type, ...]
) -> None:
    """A state violating an invariant must have renamings that violate it too: an invariant naming one replica
    ('r3 never decides v2 while r1 voted v1') is no symmetry, and --symmetry, which checks one state per orbit,
    reported 'No error found' where the plain search finds it in 6 steps."""
    name = spec.violated(s)
    for perm in perms:
        if spec.violated(_renamed(spec, s, perm, kinds)) is None:
            raise _not_blind(spec, name, s, perm, "false", "true")


def _not_blind(spec: Spec, name: str | None, s: State, perm: dict, here: str, there: str) -> SpecContractError:
    return SpecContractError(
        f"{spec_title(spec)}: invariant {name} tells renamed states apart, so --symmetry, which checks one state of "
        f"each renaming, could miss its violations: it is {here} in a state and {there} in its renaming {perm} "
        f"(drop --symmetry, or state it of every replica alike); the state: {show_state(spec, s)}"
    )


def preflight(
    spec: Spec,
    limit: int = PREFLIGHT_STATES,
    invariants: bool = True,
    seconds: float = PREFLIGHT_SECONDS,
    symmetry: bool = False,
    every: bool = False,
    progress: Progress | None = None,
) -> None:
    """Walk the first ``limit`` states breadth-first (for at most ``seconds`` of CPU after the initial
    states; ``every``: the whole model, however long), calling every piece of the spec separately
    (``permute`` too with ``symmetry``) and comparing its speed hooks with the plain spec
    (:mod:`modelcheck.engine.hook_check`), and raise the first contract breach (SpecContractError) or
    exception (SpecCodeError), located. The walk ends at a state that breaks an invariant: every state
    before it in breadth-first order is one the search expands before it stops there, and none after it
    is (``paxraft check --check-hooks`` walked a 4-step counterexample's millions of later states first).
    With ``symmetry`` the walk is bounded by ``limit`` alone, never by time, and so are the symmetry checks after
    it: a refusal must not depend on the machine's speed (a loaded machine's deadline let bosco's AcrossRoles
    through)."""
    started = time.monotonic()
    check_declarations(spec)
    init = initial_states(spec)
    seen: dict[State, State] = {}  # each state as first reached, to compare an equal one with
    queue: list[State] = []
    i, generated, level = 0, 0, [0]
    try:
        if init:
            check_shown(spec, init[0])
        deadline = time.process_time() + seconds
        kinds = _state_kinds(init)
        if symmetry:
            _check_renamings(spec, init, kinds)
        from modelcheck.engine._fingerprint import plain_or_apart  # the fingerprint builds on the spec layer only

        if init:
            finite_parameters(spec, init[0])
        fingerprint = plain_or_apart(spec)
        by_fp: dict[int, State] = {}
        for s in init:
            if s not in seen:
                _own_fingerprint(spec, fingerprint, by_fp, s, "init_states()")
                seen[s] = s
                queue.append(s)
            else:
                _alike_or_refused(spec, seen[s], s, "init_states()")
        from modelcheck.engine.hook_check import hook_checker  # it names the faults this module defines

        hooks = hook_checker(spec, invariants)
        gens, own_form, group = _renaming_plan(spec) if symmetry else ([], False, None)
        initial = set(init)
        renamed_inits: dict[State, tuple[dict, State]] = {}
        untimed = every or bool(gens)  # the symmetry checks' states, whatever the machine's speed: see below
        stopped, generated, level = False, len(queue), [1] * len(queue)
        while i < len(queue) and (i < limit or every) and (untimed or time.process_time() < deadline):
            s = queue[i]
            i += 1
            if progress is not None and not i & 255:
                progress.tick(len(seen), generated, level[i - 1], len(queue) - i,
                              "checking the speed hooks before the search")
            if invariants and not check_invariants(spec, s):
                if gens:  # where the walk ends, the search reports a violation: unless renaming hides it
                    _check_violation_alike(spec, s, gens, kinds)
                stopped = True
                break
            if not _in_model(spec, s):
                continue
            if hooks is not None:
                hooks(s)
            succ = successors(spec, s, kinds)
            generated += len(succ)
            if gens and (i <= limit or i % 4 == 0):
                perms = gens if i <= limit else [gens[i // 4 % len(gens)]]
                _check_alike(spec, s, succ, kinds, initial if s in initial else None, perms, invariants, renamed_inits)
                if own_form:
                    _check_canonical(spec, s, perms, group if i <= limit else None)
            for shown, t in succ:
                if invariants and spec.action_invariants and not check_action_invariants(spec, s, t, shown):
                    stopped = True  # the search stops at this step (the walk's states after it are not the search's)
                    break
                known = seen.get(t)
                if known is not None:
                    if known is not t and i <= limit:  # the first states only: --check-hooks walks the whole model
                        _alike_or_refused(spec, known, t, f"action {shown}")
                elif len(seen) < 4 * limit or every:
                    _own_fingerprint(spec, fingerprint, by_fp, t, f"action {shown}")
                    seen[t] = t
                    queue.append(t)
                    level.append(level[i - 1] + 1)
            if stopped:
                break
    except KeyboardInterrupt:  # Ctrl-C in a slow piece of the spec: the figures so far (it said "interrupted" alone)
        _interrupted(spec, progress, started, len(seen), generated, level[i - 1] if i else 0, i)
        raise
    if gens:
        _renamed_inits_reached(spec, init, renamed_inits, seen)
    if stopped:
        return
    if gens and invariants and not every:
        _walk_for_blind_invariants(spec, init, gens, kinds)
    if symmetry:
        _SYMMETRY_VERIFIED.put(spec, True)


def _interrupted(spec: Spec, progress: Progress | None, started: float, distinct: int, generated: int, depth: int,
                 walked: int) -> None:
    """Record the preflight's figures for the interrupted line (``errors.interrupted_line``): distinct states,
    generated, depth, and how many states the checks walked, timed from the preflight's start."""
    from modelcheck.engine.progress import Progress  # (a type only, above)

    if progress is None:
        progress = Progress(f"checking {spec.describe()} before the search", silent=True)
        progress.start = started
    progress.tick(distinct, generated, depth, 0, f"{walked:,} states walked by the checks before the search")


def _renaming_plan(spec: Spec) -> tuple[list[dict[str, tuple[int, ...]]], bool, list | None]:
    """What the symmetry checks rename by: the group's generators (none where the spec cannot rename: a canonical
    form alone cannot be, and a restriction singling out a server is refused by name later), whether the spec
    gives its own canonical form, and the whole group where it is small enough to list."""
    if type(spec).permute is Spec.permute or spec.asymmetric:
        return [], False, None
    own_form = type(spec).canonical is not Spec.canonical
    return generators(spec), own_form, spec.permutations() if own_form and _group_size(spec) <= ORBIT_LISTED else None


#: Specs whose renamings a preflight checked in this process: a search that canonicalises does not check them again.
_SYMMETRY_VERIFIED: ByIdentity[bool] = ByIdentity()


def verify_symmetry(spec: Spec, invariants: bool = True) -> None:
    """The preflight's symmetry checks alone, for a search asked for symmetry from Python (``check(spec,
    symmetry=True)``), which runs no preflight: ``permute`` or ``canonical`` gives storable states, renaming
    carries successors, invariants' verdicts, the constraint and being initial along on the first states, and
    no invariant tells renamed states apart (the walk of :func:`_walk_for_blind_invariants`). A wrong ``permute``
    otherwise gave wrong counts with no word (bcastByz's 2,108 orbits for 680). Done once per spec object."""
    if _SYMMETRY_VERIFIED.get(spec):
        return
    init = initial_states(spec)
    kinds = _state_kinds(init)
    _check_renamings(spec, init, kinds)
    gens, own_form, group = _renaming_plan(spec)
    if gens:
        initial = set(init)
        renamed_inits: dict[State, tuple[dict, State]] = {}
        queue, i = list(dict.fromkeys(init)), 0
        seen = set(queue)
        while i < len(queue) and i < PREFLIGHT_STATES:  # never by time: a refusal must not hang on the speed
            s = queue[i]
            i += 1
            if invariants and spec.violated(s) is not None:
                _check_violation_alike(spec, s, gens, kinds)
                break
            if not _in_model(spec, s):
                continue
            succ = successors(spec, s, kinds)
            _check_alike(spec, s, succ, kinds, initial if s in initial else None, gens, invariants, renamed_inits)
            if own_form:
                _check_canonical(spec, s, gens, group)
            for _, t in succ:
                if t not in seen:
                    seen.add(t)
                    queue.append(t)
        else:
            _renamed_inits_reached(spec, init, renamed_inits, seen)
            if invariants:
                _walk_for_blind_invariants(spec, init, gens, kinds)
    _SYMMETRY_VERIFIED.put(spec, True)


#: States walked from the initial ones, at most, to find each renaming of an initial state that is not initial.
RENAMED_INIT_STATES = 20_000


def _renamed_inits_reached(spec: Spec, init: list[State], renamed_inits: dict[State, tuple[dict, State]],
                           seen: Collection[State]) -> None:
    """Each renaming of an initial state that is not initial must be a state of the model. An Init singling out
    one element (MCWriteThroughCache's ``memInt = <<CHOOSE p \\in Proc : TRUE, NoVal>>``) is then no obstacle:
    renaming carries steps to steps (checked on the first states), so the reachable states are closed under
    renaming and one state per orbit is the model's quotient, TLC's SYMMETRY counts (it was refused, as a
    permute that forgets a variable is). Looked for among the states walked, then breadth-first through at most
    :data:`RENAMED_INIT_STATES` states: a count, never a time, so that the verdict is the same on any machine
    under any load (a deadline made bosco's AcrossRoles pass on a loaded machine)."""
    left = {ps: why for ps, why in renamed_inits.items() if ps not in seen}
    visited, queue, i = set(init), list(dict.fromkeys(init)), 0
    while left and i < len(queue):
        s = queue[i]
        i += 1
        if not _in_model(spec, s):
            continue
        for _, _, t in spec.successors(s):
            if t not in visited and len(visited) < RENAMED_INIT_STATES:
                visited.add(t)
                queue.append(t)
                left.pop(t, None)
    if left:
        perm, s = next(iter(left.values()))
        where = f"the model's {len(visited):,}" if len(visited) < RENAMED_INIT_STATES else (
            f"the first {len(visited):,} the model reaches")
        raise SpecContractError(
            f"{spec_title(spec)}: permute is not a symmetry of the model, so --symmetry would merge states that "
            "are not alike (does it rename every variable and every field of a message?): the renaming "
            f"{perm} of an initial state is no initial state and none of {where}; that initial state: "
            f"{show_state(spec, s)}"
        )


#: States the walk for invariants that tell renamed states apart expands: a count, never a time, so that its verdict
#: is the same on any machine under any load (0.5 CPU s walked 1,900 to 5,800 states of Fast Paxos, Raft, ACP).
BLIND_WALK_STATES = 4_096


def _walk_for_blind_invariants(
    spec: Spec, init: list[State], gens: list[dict[str, tuple[int, ...]]], kinds: tuple[type, ...]
) -> None:
    """Under --symmetry, a second walk of the plain model through its first :data:`BLIND_WALK_STATES` states,
    asking only the invariants, of each state and of one renaming in turn: an invariant naming one replica broke
    in 6 steps, deeper than the first walk's states, and the symmetric search said 'No error found'. A small
    model is walked whole (Fast Paxos's 1,112 states); a large one as far as the count goes, as TLC checks
    nothing of it."""
    seen, queue, i = set(init), list(dict.fromkeys(init)), 0
    while i < len(queue) and i < BLIND_WALK_STATES:
        s = queue[i]
        i += 1
        if spec.violated(s) is not None:
            _check_violation_alike(spec, s, gens, kinds)
            return
        perm = gens[i % len(gens)]
        broken = spec.violated(_renamed(spec, s, perm, kinds))
        if broken is not None:
            raise _not_blind(spec, broken, s, perm, "true", "false")
        if not _in_model(spec, s):
            continue
        for _, _, t in spec.successors(s):
            if t not in seen:
                seen.add(t)
                queue.append(t)


# -- locating an exception that escaped an engine ----------------------------------------------


def _frames(exc: BaseException) -> list[FrameType]:
    tb: TracebackType | None = exc.__traceback__
    out = []
    while tb is not None:
        out.append(tb.tb_frame)
        tb = tb.tb_next
    return out


def _arguments(frame: FrameType) -> list[Any]:
    """The positional arguments the frame's function was called with (after ``self``)."""
    code = frame.f_code
    names = code.co_varnames[: code.co_argcount]
    args = [frame.f_locals.get(n) for n in names[1:]]
    if code.co_flags & 0x04:  # *args
        args.extend(frame.f_locals.get(code.co_varnames[code.co_argcount + code.co_kwonlyargcount], ()))
    return args


def _function_of(code: Any, fn: Any) -> bool:
    fn = getattr(fn, "__func__", fn)
    return getattr(fn, "__code__", None) is code


def _from_spec_frame(spec: Spec, frame: FrameType, exc: BaseException) -> SpecCodeError:
    """The exception raised by the spec method running in ``frame``, described by what it is."""
    code, args = frame.f_code, _arguments(frame)
    if code.co_name == "__init__":  # the spec is half built: name the constructor and its bounds
        names = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
        bounds = ", ".join(f"{n}={show_value(frame.f_locals.get(n))}" for n in names)
        return raised(spec, f"{type(spec).__name__}({bounds})", exc, has_state=False)
    if code.co_name == "init_states":
        return raised(spec, "init_states()", exc, has_state=False)
    state = args[0] if args else None
    for act in spec.actions:
        if _function_of(code, act.step):
            return raised(spec, f"action {show_label(spec, act.name, tuple(args[1:]))}", exc, state)
        if _function_of(code, act.enumerate):
            return raised(spec, f"the parameter enumerator of {act.name}", exc, state)
    for name, inv in spec.invariants.items():
        if _function_of(code, inv):
            return raised(spec, f"invariant {name}", exc, state)
    for name, action_inv in spec.action_invariants.items():
        if _function_of(code, action_inv):
            return raised(spec, f"action invariant {name}", exc, state)
    return raised(spec, code.co_name, exc, state, has_state=bool(args))


_TOO_DEEP = ("a state is nested too deeply to be pickled, as --workers, --ray and --checkpoint do to send or save "
             "states (Python's pickle stops at about 1,000 levels: 'maximum recursion depth exceeded while pickling "
             "an object'): check it without them, or hold a sequence as a flat tuple rather than as nested pairs")
"""A state nested as (entry, (entry, (...))): one process checks it (slowly: each hash walks it); --workers ended
in a worker's traceback and 'internal error: EOFError', --checkpoint in 'internal error: RecursionError'."""


@contextmanager
def showing(found: str | None) -> Iterator[None]:
    """Showing what a run found (``found``: ``invariant Inv is violated, a counterexample of 4 steps``; None when it
    found nothing): the spec's own rendering (show_state, show_label, explain) raising on a state shown is reported
    naming what was found, which the failure's line alone lost (a show_state that raised only on the violating
    state said which state, not which invariant it violates)."""
    try:
        yield
    except Exception as exc:
        fault = locate(exc) if found is not None else None
        if not isinstance(fault, SpecCodeError):
            raise
        raise SpecCodeError(f"{fault}, while showing what the run found: {found} (not shown)",
                            fault.details) from exc


def locate(exc: BaseException) -> SpecCodeError | SpecContractError | None:
    """What an exception that escaped a run says about the spec: an exception its code raised, a breach
    of the contract, or ``None`` when no spec is involved (then it is paxraft's own failure)."""
    if isinstance(exc, (SpecCodeError, SpecContractError)):
        return exc
    if hasattr(exc, "paxraft_fault"):  # located where it happened (a parallel worker)
        return exc.paxraft_fault
    if isinstance(exc, RecursionError) and "pickling" in str(exc):
        return SpecContractError(_TOO_DEEP)
    frames = _frames(exc)
    spec_frames = [
        f
        for f in frames
        if isinstance(f.f_locals.get("self"), Spec) and Path(f.f_code.co_filename).resolve() != _CORE_FILE
    ]
    specs = [f.f_locals["self"] for f in spec_frames] or [
        v for f in reversed(frames) for v in f.f_locals.values() if isinstance(v, Spec)
    ]
    if not specs:
        return None
    spec = specs[0]
    if spec_frames and (spec_frames[0].f_code.co_name == "__init__" or not isinstance(exc, Exception)):
        # sys.exit() in the spec's code: named where it was called; calling the spec again would exit again
        return _from_spec_frame(spec, spec_frames[0], exc)
    try:  # a breach found on the states the engine held (or from the start) explains the failure best
        init = initial_states(spec)
        kinds = _state_kinds(init)
        held = [v for f in reversed(frames) for v in f.f_locals.values() if isinstance(v, kinds)]
        for s in held:
            check_state(spec, s, "a step", kinds)
            check_invariants(spec, s)
            successors(spec, s, kinds)
        if not spec_frames:
            preflight(spec, LOCATE_STATES, seconds=LOCATE_SECONDS)
    except (SpecContractError, SpecCodeError) as found:
        return found
    if spec_frames:
        return _from_spec_frame(spec, spec_frames[0], exc)
    return None
