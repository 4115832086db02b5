"""What the audit needs to know about one spec: how an implementation event maps to spec steps.

A :class:`Mapping` is the bridge between a trace format and a spec.  For each event it
gives the alternatives that may explain it, each a sequence of :class:`StepPattern` (a spec
action name with some parameters fixed and the others left to search); it says which spec
states agree with the event (the abstraction function: the stepping node's fields and the
messages the step sent), and how to show that node's fields for a diff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from collections.abc import Mapping as AbstractMapping
from typing import Any, NamedTuple

from modelcheck.audit.tracefile import Event, TraceError
from spec.core import Label, Spec, SpecError, State
from spec.refusal import refusal


def same_json(a: Any, b: Any) -> bool:
    """``a == b`` as JSON values are equal: Python's ``==`` with booleans, integers and floats told apart, at any
    depth of lists, tuples and dicts (Python takes ``True == 1`` and ``1.0 == 1``, so a trace reporting ``true`` or
    ``1.0`` for a counter at 1 was accepted). The elements of sets are compared as Python compares them."""
    if a != b:
        return False
    return kinds_agree(a, b)


def kinds_agree(a: Any, b: Any) -> bool:
    """Of two values that are ``==``: whether each number in one is a number of the same kind in the other."""
    if isinstance(a, (bool, int, float)) or isinstance(b, (bool, int, float)):
        return isinstance(a, bool) is isinstance(b, bool) and isinstance(a, float) is isinstance(b, float)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return all(kinds_agree(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return all(kinds_agree(v, b[k]) for k, v in a.items())
    return True


def names(offered: Any, given: Any) -> bool:
    """Whether a trace's parameter ``given`` (JSON, its lists read as tuples) names the spec's ``offered`` value:
    equal, each number of the same kind, and a set (a frozenset the enumerator offers, at any depth) written as a
    list of its elements in any order. A trace could give no set at all: BPConProof's LearnsSent(a, b, S) takes 1b
    messages holding a frozenset, and ``[1, 0, 0, -1, -1, []]`` was a tuple, 'another type than the spec's'."""
    if isinstance(offered, frozenset) and isinstance(given, tuple):
        left = list(offered)
        for g in given:
            i = next((i for i, o in enumerate(left) if names(o, g)), None)
            if i is None:
                return False
            del left[i]
        return not left
    if isinstance(offered, tuple) and isinstance(given, tuple):
        return len(offered) == len(given) and all(names(o, g) for o, g in zip(offered, given))
    return offered == given and kinds_agree(offered, given)


class _Any:
    """A parameter left open: the audit tries every value the spec's enumerator offers."""

    def __repr__(self) -> str:
        return "_"


ANY: Any = _Any()


class StepPattern(NamedTuple):
    """One spec step: an action name and its parameters, ``ANY`` where the trace leaves a choice.

    (A NamedTuple rather than a frozen dataclass: one is made for nearly every event, and a frozen
    dataclass's constructor costs several times a tuple's.)"""

    name: str
    params: tuple = ()

    def matches(self, params: tuple) -> bool:
        """Whether concrete ``params`` fit this pattern."""
        return len(params) == len(self.params) and all(
            p is ANY or p == q or (isinstance(p, tuple) and names(q, p)) for p, q in zip(self.params, params))

    @property
    def concrete(self) -> bool:
        """No parameter is left open."""
        return ANY not in self.params  # (ANY equals nothing but itself)

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(str, self.params))})"


Explanation = Sequence[StepPattern]
"""A sequence of spec steps that together explain one event; the empty sequence is a stutter."""


class Mapping:
    """Base class: a spec, its trace vocabulary and its abstraction function."""

    spec: Spec
    #: event action names this mapping understands
    known_actions: frozenset[str] = frozenset()
    #: event state fields this mapping understands
    known_fields: frozenset[str] = frozenset()
    #: the parameters an event of each action may give: another is refused, as an unknown action is (a tracer's
    #: typo or a parameter the mapping does not read was ignored: the audit checked less than the trace said); an
    #: action not listed: its parameters are not checked
    action_params: AbstractMapping[str, frozenset[str]] = {}
    #: of those, the ones an event must give (the mapping neither searches over them nor reads them off the
    #: event's message): one left out is refused where it is first, as an event the mapping cannot decode
    required_params: AbstractMapping[str, frozenset[str]] = {}
    #: event actions that change none of the abstract variables
    stutter_actions: frozenset[str] = frozenset()
    #: the most spec states kept as candidates at once (more: the trace leaves too much open)
    max_candidates: int = 20000
    #: a concrete step is taken only with parameters the action's enumerator offers (a user's spec may have a step
    #: function that would accept others; the shipped mappings build only offered ones, and skip the look-up)
    enumerated_only: bool = False
    #: :meth:`sends` is asked of every step, not only of events that sent or received a message
    sends_always: bool = False
    #: why a stutter does not explain an event (the failure's reason when that was the closest try)
    stutter_reason: str = "as a stuttering step, the node's fields would not change"

    def prepare(self, event: Event) -> Any:
        """Decode an event, refusing it (TraceError) when malformed; asked of every event in order, those after an
        unexplained one too: a malformed trace is refused wherever the audit stops (none here: a mapping that
        decodes only what its steps read)."""
        return None

    def init_states(self) -> Iterable[State]:
        """The spec's initial states the trace may start from."""
        return self.spec.init_states()

    def explanations(self, event: Event) -> list[Explanation]:
        """The alternative step sequences that may explain ``event`` (the empty one: a stutter; none at all: the
        event names no spec step, e.g. its parameters contradict its message)."""
        raise NotImplementedError

    def agrees(self, event: Event, state: State) -> bool:
        """Whether the spec state ``state`` (after the steps) matches what the event reports (as JSON values: the
        shipped mappings, which compare fields themselves, override this)."""
        return same_json(self.node_view(event, state), self.event_view(event))

    def same(self, reported: Any, spec: Any) -> bool:
        """Whether a field the event reports equals the spec's (the failure's diff lists those that do not)."""
        return same_json(reported, spec)

    def sends(self, event: Event, before: State, after: State) -> bool:
        """Whether the steps from ``before`` to ``after`` sent the messages the event reports sending, and took
        the one it received (asked of an ``after`` that :meth:`agrees`, for an event that sent or received one):
        holding an identical older copy, which ``agrees`` sees, is not having sent it. A spec whose messages only
        accumulate in a set has nothing more to check."""
        return True

    def refusal(self, event: Event) -> str:
        """Why an event that :meth:`explanations` maps to no step at all is not explained."""
        return "its parameters contradict its message or its state: no spec step is the one it names"

    def why_not_enabled(self, event: Event, state: State, step: StepPattern) -> str | None:
        """Why ``step`` (concrete, one the event maps to) is not enabled in ``state``, in words the implementer can
        act on; ``None``: the report says only that it is not. By default: the guard of the spec's action that
        returned None (spec/refusal.py)."""
        try:
            act = self.spec.action(step.name)
        except SpecError:
            return None
        where = refusal(act.step, state, step.params)
        return f"refused by {where}" if where else None

    def vocabulary_hint(self) -> str:
        """What the refusal of a trace with unknown names adds after the list (e.g. the names known)."""
        return ""

    def node_view(self, event: Event, state: State) -> dict[str, Any]:
        """The stepping node's abstract fields in ``state``, spelled as the event spells them."""
        raise NotImplementedError

    def event_view(self, event: Event) -> dict[str, Any]:
        """The event's own report of the same fields (after the step)."""
        raise NotImplementedError

    def involves(self, event: Event, label: Label) -> bool:
        """Whether a spec step is one of the stepping node's (shown as what the spec allowed); by default every
        step is, the spec not saying which parameter is the node."""
        return True

    @property
    def steps_by_node(self) -> bool:
        """Whether :meth:`involves` keeps the stepping node's steps only (overridden), so that what the spec allowed
        is that node's: a report says "(node N)" only then (it said so of every enabled step of a user's spec)."""
        return type(self).involves is not Mapping.involves

    def show_label(self, label: Label) -> str:
        """A spec label as a reader wants it: ``Name(p=value, ...)``, each value as :meth:`show_param` shows it."""
        names = self.spec.action(label.name).param_names
        shown = (f"{n}={self.show_param(label.name, n, x)}" for n, x in zip(names, label.params))
        return f"{label.name}({', '.join(shown)})"

    def show_param(self, action: str, name: str, value: Any) -> Any:
        """One parameter of a spec label as a reader wants it: here as the spec shows it; a mapping names
        the trace's nodes, values and messages."""
        return self.spec.show_param(action, name, value)

    def unobserved(self) -> list[str]:
        """Optional fields some event did not write (hence not checked there), with where first."""
        return []

    def check_vocabulary(self, events: Iterable[Event]) -> list[str]:
        """Every action or state field in the trace that this mapping does not know, with where first seen."""
        see, found = self.vocabulary_check()
        for e in events:
            see(e)
        return found()

    def vocabulary_check(self) -> VocabularyCheck:
        """:meth:`check_vocabulary` one event at a time (a pass over a stream that does more than this)."""
        return vocabulary_check(self.known_actions, self.known_fields, self.action_params)

    def missing_params(self, event: Event) -> TraceError | None:
        """The refusal of an event that leaves out a parameter :attr:`required_params` names (None: it does not)."""
        need = self.required_params.get(event.action)
        if need is None or need <= event.params.keys():
            return None
        missing = ", ".join(sorted(need - event.params.keys()))
        return TraceError(f"{event.where}: {event.action} needs the parameter(s) {missing}")


#: (see one event: whether it names something unknown; the unknown names found so far: ``action 'X' (first at f:3)``)
VocabularyCheck = tuple[Callable[[Event], bool], Callable[[], list[str]]]


def vocabulary_check(actions: frozenset[str] | None, fields: frozenset[str] | None,
                     params: AbstractMapping[str, frozenset[str]], word: str = "action") -> VocabularyCheck:
    """Actions, state fields and an action's parameters not among those given (None: any), each with where it is
    first: ``action 'Ping' (first at f:3)``, ``parameter(s) 'x' of Phase1b (first at f:4); Phase1b's are: b``."""
    unknown: dict[str, str] = {}
    given: dict[str, str] = {}  # (what follows each unknown parameter's entry: the action's parameters)

    def see(e: Event) -> bool:
        bad = False
        if actions is not None and e.action not in actions:
            unknown.setdefault(f"{word} {e.action!r}", e.where)
            bad = True
        if fields is not None and not e.state.keys() <= fields:  # (a set comparison in C: it runs for every event)
            for f in e.state:
                if f not in fields:
                    unknown.setdefault(f"state field {f!r}", e.where)
                    bad = True
        known = params.get(e.action)
        if known is not None and not e.params.keys() <= known:
            key = f"parameter(s) {', '.join(map(repr, sorted(e.params.keys() - known)))} of {e.action}"
            unknown.setdefault(key, e.where)
            given[key] = f"; {e.action}'s are: {', '.join(sorted(known)) or 'none'}"
            bad = True
        return bad

    return see, lambda: [f"{what} (first at {where}){given.get(what, '')}" for what, where in unknown.items()]
