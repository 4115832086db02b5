"""Auditing an implementation of a user's own spec (``paxraft audit --spec FILE:Class``), no registration.

Two ways to speak to a spec the shipped audits do not know:

* :class:`DefaultMapping`, for traces in the spec's own language: paxraft-trace files whose events name
  the spec's actions (``action``), its parameter names (``params``; one left out is searched over the
  spec's choices) and some of its variables (``state``, compared where given, at the event's node when
  the variable is a function of the node; a spec says otherwise with an ``audit_view`` method).
* :class:`TraceMapping`, a base class for a log format that is not ours, subclassed in the user's file:
  it reads the files (:func:`causal_order` orders lines of several nodes by their vector clocks), maps each
  line to spec steps and says which steps agree with it.

docs/auditing.md ("Auditing your own protocol's implementation") shows both with complete examples.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Mapping as AbstractMapping
from pathlib import Path
from typing import Any

from modelcheck.audit.mapping import (
    ANY,
    Explanation,
    Mapping,
    StepPattern,
    VocabularyCheck,
    same_json,
    vocabulary_check,
)
from modelcheck.audit.tracefile import Decoder, Event, Surveyor, TraceError, TraceStream
from modelcheck.engine.faults import shorten
from spec.core import Spec, State


def as_json(value: Any) -> Any:
    """A spec value as JSON spells it: tuples and lists as lists, sets sorted, named tuples as objects."""
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: as_json(v) for k, v in value._asdict().items()}
    if isinstance(value, (tuple, list)):
        return [as_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((as_json(v) for v in value), key=repr)
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    return value


def as_reported(value: Any, reported: Any) -> Any:
    """``value`` as JSON spells it, and a set as ``reported`` lists it when that list holds the set's elements in
    any order (a set's JSON list is sorted by repr, so a trace listing {9, 10} as [9, 10] was refused)."""
    if isinstance(value, (set, frozenset)) and isinstance(reported, list) and len(reported) == len(value):
        try:
            if frozenset(from_json(x) for x in reported) == value:
                return reported
        except TypeError:  # an element JSON spells as an object: unhashable, so no element of the set
            pass
    return as_json(value)


def from_json(value: Any) -> Any:
    """A JSON parameter value as a spec value: lists become tuples (hashable, as specs write sequences)."""
    if isinstance(value, list):
        return tuple(from_json(v) for v in value)
    return value


# -- the default mapping: traces in the spec's own language --------------------------------------------


class DefaultMapping(Mapping):
    """Any spec, for paxraft-trace events that name its actions, parameters and variables.

    An event ``{"action": A, "params": {p: v}, "state": {x: w}}`` is the step ``A`` with the parameters
    given (the others searched); after it, each reported variable ``x`` must equal the spec's: its entry at
    the event's node when the value is a tuple or dict the node indexes, or the whole value. A spec
    that keeps a node's variables otherwise defines ``audit_view(self, state, node) -> dict`` (the node's
    variables as JSON values). Actions the spec lists in ``audit_stutter`` (a tuple of names) are events
    that change no variable (a log line, a heartbeat).
    """

    enumerated_only = True  # a parameter the trace gives must be one the spec's enumerator offers

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        stutter = getattr(spec, "audit_stutter", ())
        if isinstance(stutter, str) or not all(isinstance(a, str) for a in stutter):
            raise TraceError(f"{type(spec).__name__}.audit_stutter must be a tuple of action names, got {stutter!r}")
        self.stutter_actions = frozenset(stutter)
        self.params = {a.name: a.param_names for a in spec.actions}
        self.action_params = {a: frozenset(names) for a, names in self.params.items()}
        self.known_actions = frozenset(self.params) | self.stutter_actions
        self.known_fields = frozenset(spec.variables)
        self.view: Callable[[State, int], dict[str, Any]] | None = getattr(spec, "audit_view", None)

    def vocabulary_check(self) -> VocabularyCheck:
        """Unknown actions, variables (unless ``audit_view`` names the fields) and parameter names."""
        return vocabulary_check(self.known_actions, self.known_fields if self.view is None else None,
                                self.action_params)

    def vocabulary_hint(self) -> str:
        """What the refusal of unknown names adds: the spec's actions and variables."""
        acts = ", ".join(sorted(self.known_actions))
        return f"; its actions: {acts}" + (f"; its variables: {', '.join(self.spec.variables)}" if self.view is None
                                             else "")

    def explanations(self, event: Event) -> list[Explanation]:
        """The named action with the given parameters, ``ANY`` for the others; a declared stutter."""
        if event.action in self.stutter_actions and event.action not in self.params:
            return [[]]
        cached = event.cache
        if cached is None:
            p = event.params
            cached = event.cache = StepPattern(
                event.action, tuple(from_json(p[n]) if n in p else ANY for n in self.params[event.action]))
        return [[cached]]

    def node_view(self, event: Event, state: State) -> dict[str, Any]:
        """The reported variables' values in ``state`` (at the event's node where they are functions of it)."""
        if self.view is not None:
            view = self.view(state, event.node)
            if not isinstance(view, dict):
                raise TraceError(f"{type(self.spec).__name__}.audit_view returned a {type(view).__name__}: expected a "
                                 "dict of the node's fields (field name -> JSON value)")
            return {k: as_json(view.get(k)) for k in event.state}
        out = {}
        for k, reported in event.state.items():
            value = getattr(state, k) if hasattr(state, k) else state[self.spec.variables.index(k)]
            whole = as_reported(value, reported)
            if not same_json(whole, reported) and (
                    isinstance(value, (tuple, list)) and not hasattr(value, "_asdict") and 0 <= event.node < len(value)
                    or isinstance(value, AbstractMapping) and event.node in value):
                whole = as_reported(value[event.node], reported)
            out[k] = whole
        return out

    def event_view(self, event: Event) -> dict[str, Any]:
        """The event's reported variables."""
        return dict(event.state)


# -- a user's own log format ------------------------------------------------------------------------------

_MAPPINGS: dict[type, type[TraceMapping]] = {}


class TraceMapping(Mapping):
    """Base class of a user's trace mapping: subclass it beside the spec, set ``spec_class``, and define

    * ``read(paths) -> list[Event]`` (a classmethod): the files' lines as events (:func:`log_line`), in the
      order the spec must explain them (:func:`causal_order` orders lines of several nodes by vector clocks);
    * ``explanations(event)``: the alternatives that may explain the line, each a list of
      ``StepPattern(action, params)`` (``ANY`` for a parameter to search; ``[]`` a stutter);
    * what the line says of the state after the steps: ``event_view(event)`` must equal
      ``node_view(event, state)`` (both dicts; a failure shows where they differ), and ``check(event, before,
      after)`` for anything about the step itself (what it left unchanged).

    Optional: ``make_spec(events, bounds)`` (the spec's constants, from the log), ``init_states()`` (the
    initial states the implementation starts in), ``refusal(event)`` (the reason for a line ``explanations``
    maps to nothing), ``known_actions`` (the line kinds ``read`` makes), ``action_params`` (each line kind's
    parameter names: another is refused) and ``required_params`` (those a line kind must give).
    ``paxraft audit --spec FILE:Class`` finds the mapping of ``Class`` in ``FILE`` (or the modules it imports).
    """

    spec_class: type[Spec]  # (no ClassVar: __init__ may take a variant's)
    sends_always = True  # ``check`` is asked of every step, whatever the event sent
    enumerated_only = True  # a step's parameters must be ones its enumerator offers, as in TLA+'s \\E
    stutter_reason = "as a stutter (no spec step), the state is not what the line says"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        target = vars(cls).get("spec_class")
        if target is not None:
            if not (isinstance(target, type) and issubclass(target, Spec)):
                raise TypeError(f"{cls.__name__}.spec_class must be a Spec subclass, got {target!r}")
            _MAPPINGS[target] = cls
        for name in _CHECKED_HOOKS:  # the user's own: what each returns is checked, and refused in one line
            if name in vars(cls):
                setattr(cls, name, _checked_hook(name, vars(cls)[name]))

    def _checked(self, event: Event, expls: Any) -> list[Explanation]:
        """``expls`` if it is a list of alternatives, each a list of steps naming the spec's actions with their
        number of parameters; else one line naming the mapping and the line (exit 2)."""
        acts = self.arity
        ok = isinstance(expls, (list, tuple)) and all(
            isinstance(alt, (list, tuple)) and all(
                isinstance(p, StepPattern) and isinstance(p.params, tuple) and acts.get(p.name) == len(p.params)
                for p in alt) for alt in expls)
        if not ok:
            raise TraceError(
                f"{event.where}: {type(self).__name__}.explanations returned {shorten(repr(expls))}: expected a list "
                "of alternatives, each a list of StepPattern(action, params) with one parameter (or ANY) per "
                f"parameter of the action ({', '.join(f'{a}: {n}' for a, n in acts.items())})")
        return list(expls)

    def _returned(self, hook: str, value: Any, expected: str, event: Event | None = None) -> TraceError:
        """The refusal of what a hook of the user's mapping returned (exit 2): the mapping, the hook, the line."""
        where = f"{event.where}: " if event is not None else ""
        return TraceError(f"{where}{type(self).__name__}.{hook} returned {shorten(repr(value))} "
                          f"({type(value).__name__}); expected {expected}")

    def __init__(self, events: Sequence[Event], bounds: dict[str, Any], spec_class: type[Spec] | None = None) -> None:
        if spec_class is not None:  # the class named on the command line: spec_class's or a subclass (a variant)
            self.spec_class = spec_class
        self.spec = self.make_spec(events, dict(bounds))
        #: each action's number of parameters (what a StepPattern of it must give)
        self.arity = {a.name: len(a.param_names) for a in self.spec.actions}

    @classmethod
    def read(cls, paths: Sequence[str]) -> list[Event]:
        """The files' lines as events, in order."""
        raise NotImplementedError(f"{cls.__name__} must define read(paths)")

    def make_spec(self, events: Sequence[Event], bounds: dict[str, Any]) -> Spec:
        """The spec (``self.spec_class``: the class named on the command line, which may be a subclass of the
        one the mapping declares), with ``--bounds`` as its constructor's arguments."""
        return self.spec_class(**bounds)

    def check(self, event: Event, before: State, after: State) -> bool:
        """Whether the step from ``before`` to ``after`` agrees with the line (beyond its actions)."""
        return True

    def sends(self, event: Event, before: State, after: State) -> bool:
        """The engine's hook, asked of every step here: :meth:`check`."""
        return self.check(event, before, after)

    def node_view(self, event: Event, state: State) -> dict[str, Any]:
        """The fields of a spec state the line reports (compared with :meth:`event_view`): none by default."""
        return {}

    def event_view(self, event: Event) -> dict[str, Any]:
        """What the line reports of the state after it, as :meth:`node_view` shows a spec state: none by default."""
        return {}

    def vocabulary_check(self) -> VocabularyCheck:
        """The line kinds the reader made that the mapping does not declare in ``known_actions``, and parameters
        not in ``action_params`` (each checked when declared)."""
        return vocabulary_check(self.known_actions or None, None, self.action_params, "line kind")

    def vocabulary_hint(self) -> str:
        """The line kinds the mapping knows."""
        return f"; its line kinds: {', '.join(sorted(self.known_actions))}"


def _check_explanations(self: TraceMapping, value: Any, event: Event) -> list[Explanation]:
    return self._checked(event, value)


def _check_view(hook: str) -> Callable[..., dict[str, Any]]:
    def check(self: TraceMapping, value: Any, event: Event, *_: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self._returned(hook, value, "a dict of the fields the line reports (field name -> JSON value)",
                                 event)
        return value

    return check


def _check_verdict(self: TraceMapping, value: Any, event: Event, *_: Any) -> bool:
    if value is not True and value is not False:  # None (a missing return) refused every step; "no" took any
        raise self._returned("check", value, "True or False (whether the step agrees with the line)", event)
    return value


def _check_init_states(self: TraceMapping, value: Any) -> list[State]:
    try:
        states = list(value)
        hash(tuple(states))
    except TypeError:
        raise self._returned("init_states", value, "a list of the spec's states (hashable values)") from None
    if not states:
        raise self._returned("init_states", value, "at least one state: the implementation starts somewhere")
    return states


def _check_make_spec(self: TraceMapping, value: Any, *_: Any) -> Spec:
    if not isinstance(value, self.spec_class):
        raise self._returned("make_spec", value, f"a {self.spec_class.__name__} (the spec to audit against)")
    return value


#: The hooks of a user's mapping whose results are checked: a wrong shape is one line naming the hook (it was an
#: internal error, "'NoneType' object is not iterable", or a wrong verdict: ``check`` returning None refused every
#: step, one returning a string accepted any).
_CHECKED_HOOKS: dict[str, Callable[..., Any]] = {
    "explanations": _check_explanations,
    "event_view": _check_view("event_view"),
    "node_view": _check_view("node_view"),
    "check": _check_verdict,
    "init_states": _check_init_states,
    "make_spec": _check_make_spec,
}


def _checked_hook(name: str, given: Callable[..., Any]) -> Callable[..., Any]:
    """``given`` (a mapping's own method ``name``), with what it returns checked by ``_CHECKED_HOOKS[name]``."""
    verify = _CHECKED_HOOKS[name]

    def hook(self: TraceMapping, *args: Any) -> Any:
        return verify(self, given(self, *args), *args)

    hook.__doc__, hook.__name__ = given.__doc__, name
    return hook


def log_line(path: str, line: int, node: int, action: str, params: dict[str, Any] | None = None,
             data: dict[str, Any] | None = None, header: dict[str, Any] | None = None) -> Event:
    """An event for one line of a user's log: where it is (reports name ``path:line``), the node that wrote it,
    the mapping's name for its kind (shown, and listed in ``known_actions``), the parameters it shows, and the
    line as read (``Event.extra``: reports print it; the mapping reads it) and the log's header, if any."""
    if not isinstance(node, int) or isinstance(node, bool):
        raise TraceError(f"{path}:{line}: log_line's node must be an integer, got {shorten(repr(node))}")
    return Event(str(path), line, node, 0, 0, action, dict(params or {}), None, [], {}, dict(header or {}),
                 dict(data or {}))


def mapping_class(cls: type[Spec]) -> type[TraceMapping] | None:
    """The user mapping declared for ``cls`` (or a spec class it derives from), if any."""
    for klass in cls.__mro__:
        if klass in _MAPPINGS:
            return _MAPPINGS[klass]
    return None


def user_audit(cls: type[Spec], paths: Sequence[str], bounds: dict[str, Any], decode: Decoder | None = None,
               survey: Surveyor | None = None) -> tuple[Mapping, Sequence[Event] | TraceStream]:
    """The mapping and the events in order for a user's spec class: a :class:`TraceMapping`'s list (its ``read``),
    or the paxraft-trace files as a :class:`TraceStream`, read as the audit goes (its warnings: the stream's)."""
    found = mapping_class(cls)
    signature = inspect.signature(cls.__init__).parameters
    constants = [p for p in signature if p != "self"]
    unknown = sorted(set(bounds) - set(constants))
    if unknown:
        raise TraceError(f"{cls.__name__} has no constant {', '.join(map(repr, unknown))} "
                         f"(its constants: {', '.join(constants) or 'none'})")
    needed = [p for p in constants if signature[p].default is inspect.Parameter.empty and p not in bounds
              and signature[p].kind in (signature[p].POSITIONAL_OR_KEYWORD, signature[p].KEYWORD_ONLY)]
    if needed and found is None:  # (a mapping may read them off the log: its make_spec)
        raise TraceError(f"{cls.__name__} needs {', '.join(needed)}: give {'it' if len(needed) == 1 else 'them'} "
                         f"with --bounds {','.join(f'{p}=...' for p in needed)}")
    if found is not None:
        events = found.read([str(p) for p in paths])
        if not isinstance(events, list) or not all(isinstance(e, Event) for e in events):
            kinds = sorted({type(e).__name__ for e in events}) if isinstance(events, list) else []
            raise TraceError(f"{found.__name__}.read returned a {type(events).__name__}"
                             f"{' of ' + ', '.join(kinds) if kinds else ''}: expected a list of events "
                             "(modelcheck.audit.log_line)")
        if not events:
            raise TraceError(f"{', '.join(map(str, paths))}: no lines to audit")
        return found(events, bounds, cls), events
    stream = TraceStream(list(paths), decode, survey)
    try:
        try:
            mapping = DefaultMapping(cls(**bounds))
        except Exception:
            stream.read_through()  # (a file's error first, as when the files were read before the spec was made)
            raise
        stream.survey()
    except TraceError as exc:
        if stream.surveyed:
            raise
        raise TraceError(f"{exc} ({cls.__name__} declares no trace mapping of its own, so its traces are read as "
                         "paxraft-trace files: docs/auditing.md, \"Auditing your own protocol's implementation\")"
                         ) from None
    if not stream.count:
        raise TraceError(f"{', '.join(map(str, paths))}: no events to audit (the files hold headers only)")
    return mapping, stream


def mapping_fault(exc: BaseException) -> str | None:
    """Where a user's :class:`TraceMapping` code raised ``exc`` (its innermost frame in a mapping's method):
    ``PingPongLog.read (pingpong_log.py:27) raised KeyError: 'boom'``; None when no mapping code is on the way."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        frame = tb.tb_frame
        owner = frame.f_locals.get("self", frame.f_locals.get("cls"))
        klass = owner if isinstance(owner, type) else type(owner)
        if issubclass(klass, TraceMapping) and frame.f_code.co_filename != __file__:
            found = (klass, frame.f_code.co_name, frame.f_code.co_filename, tb.tb_lineno)
        elif found is not None and frame.f_code.co_filename != __file__ and not frame.f_code.co_filename.startswith(
                str(Path(__file__).parent.parent)):
            found = (found[0], found[1], frame.f_code.co_filename, tb.tb_lineno)  # a helper it called: where it broke
        tb = tb.tb_next
    if found is None:
        return None
    klass, name, file, line = found
    return f"{klass.__name__}.{name} ({Path(file).name}:{line}) raised {type(exc).__name__}: {exc}"


# -- ordering the lines of several nodes ---------------------------------------------------------------


def causal_order(events: Iterable[Event], clock: Callable[[Event], Any]) -> list[Event]:
    """The events in an order consistent with their vector clocks (``clock(e)``: node id -> count, ids as
    ints or strings; a missing id counts 0), as VectorClocks.tla's ``CausalOrder``; concurrent events are
    taken by the sum of their clocks, then node, then where they are written, so the order is one and the
    same every time. Refused (one line): a line without a clock, two lines with the same clock, and two
    lines of one node that the clocks leave concurrent (the clocks then give no order for that node)."""
    keyed: list[tuple[int, int, str, int, Event, dict[str, int]]] = []
    for e in events:
        vc = clock(e)
        if not isinstance(vc, dict) or not vc or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in vc.values()):
            raise TraceError(f"{e.where}: no vector clock (expected an object node -> count), got {vc!r}")
        vc = {str(k): v for k, v in vc.items()}
        keyed.append((sum(vc.values()), e.node, e.file, e.line, e, vc))
    keyed.sort(key=lambda k: k[:4])
    seen: dict[tuple[tuple[str, int], ...], Event] = {}
    last: dict[int, tuple[Event, dict[str, int]]] = {}
    for _, node, _, _, e, vc in keyed:
        key = tuple(sorted((k, v) for k, v in vc.items() if v))
        if key in seen:
            raise TraceError(f"{e.where}: the same vector clock as {seen[key].where}: the clocks give no order")
        seen[key] = e
        prev = last.get(node)
        if prev is not None and not _before(prev[1], vc):
            raise TraceError(f"{e.where}: node {node}'s events here and at {prev[0].where} are concurrent by their "
                             "vector clocks: the clocks give no order for them")
        last[node] = e, vc
    return [k[4] for k in keyed]


def _before(a: dict[str, int], b: dict[str, int]) -> bool:
    """Vector clock ``a`` happened before ``b``."""
    return all(v <= b.get(k, 0) for k, v in a.items()) and any(a.get(k, 0) < v for k, v in b.items())
