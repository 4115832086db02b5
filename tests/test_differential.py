"""Random specs checked by the engine and by a plain reference search: the two must agree exactly.

paxraft's checker is fast because of shortcuts that read the user's code or trust its hooks: an
enumerator that never names the state is taken once (``spec.reads.names_state``, ``spec.core._once``),
enumerators and guards are remembered by what they asked a MsgSet (``spec.reads.remembered``), the
canonical parameter order, ``bundled``/``Counted``/``OUTSIDE``/``keeps_constraint``, conjunct-split
invariants (``spec.invariant_memo``), the generated level loops and the worker processes. A wrong
reading of the user's code changes a count without a word. This test writes random specs as Python
source, in the styles a user writes (docs/writing-a-spec.md, docs/fast-specs.md), loads them with
paxraft's own loader (so the readers that parse source and bytecode really run), and compares
``modelcheck.check``, the worker engine (``coordinator.search``, two processes) and, for a few, the
command line, with :func:`reference`: a breadth-first search that calls the spec's own methods and
nothing else.

**Getting an action's plain enumerator and step.** ``@action(params)`` stores ``params`` on the method
as ``__paxraft_action__``; ``Spec._bind_action`` wraps it (canonical order, taken once, remembered).
The reference reads the marker itself: the nearest class in the MRO whose attribute of the action's
name carries ``__paxraft_action__`` (a subclass's plain ``def`` override keeps its base's marker), and
calls it as the contract says, ``params(self, state)``: bound as a method of the class would be (a
staticmethod gets the state alone), a callable that binds no way called with the spec first. The step is the method,
``getattr(spec, name)``, which the engine calls as written too. The actions are ``spec.actions``' names,
in order (only those ``present``). Invariants are the methods named by ``spec.invariants``, called in
order; the constraint is ``spec.constraint``; ``count_outside`` stays false, so every step builds its
successor and every ``@counts_outside`` enumerator gives all its parameters. An action left out
(``spec.without``) is never enabled; a restriction (``spec.restrict``) is its guard, asked before the step.

**What counts** (docs/checking.md, ``modelcheck.engine.bfs``; TLC's rules): states generated are every
initial state (duplicates and those outside the constraint included) and every enabled step's
successor (a step returning anything but ``None``: a stuttering step, a duplicate, a successor outside
the constraint); an action's ``fired`` counts its successors and ``new`` the distinct states it found
first. A successor outside the constraint is checked against the invariants but neither stored nor
expanded. Depth: initial states are depth 1; a stop (violation, ``max_states``) reports the depth of
the state it stopped at. Parameters are taken in the order the spec asks for: sorted by value when
``canonical_order`` is true (:func:`canonical`), as the enumerator gives them otherwise; initial states
sorted by :func:`spec.core.order_key` likewise. With the same order the two searches stop at the same
successor, so even a stopped run's counts must be equal. Under symmetry a state is known by its orbit
(every ``permute`` of it): the first one reached is kept and expanded, in both.
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelcheck import check
from modelcheck.engine import _fingerprint
from modelcheck.engine import search as engine_search
from modelcheck.engine.coordinator import search
from modelcheck.engine.dfs import dfs
from modelcheck.engine.graph import explore
from spec import core, invariant_memo, reads, values
from spec.core import OUTSIDE, Spec, State, order_key
from spec.registry import load_user_spec

ROOT = Path(__file__).resolve().parents[1]

CAP = 1_500
"""Distinct states after which both searches stop (``max_states``): a random spec may be large."""


# -- the reference ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What both searches report, in one comparable value."""

    verdict: str
    violated: str | None
    trace_length: int | None
    distinct: int
    generated: int
    depth: int
    coverage: dict[str, tuple[int, int]]
    complete: bool = True
    trace: list[tuple[str, Any]] = field(default_factory=list, compare=False)


def plain_enumerator(spec: Spec, name: str) -> Callable[[State], Any]:
    """The enumerator ``@action`` was given for action ``name``, bound to ``spec`` as a method of its class
    would be (a function gets the spec, a staticmethod not); one that binds no way (an object with
    ``__call__``, ``functools.partial``, a method of another object) is called as ``params(spec, state)``."""
    for klass in type(spec).__mro__:
        marker = getattr(vars(klass).get(name), "__paxraft_action__", None)
        if marker is not None:
            get = getattr(type(marker), "__get__", None)
            bound = get(marker, spec, type(spec)) if get and not isinstance(marker, functools.partial) else marker
            return bound if bound is not marker else functools.partial(marker, spec)  # 3.13: given back unbound
    raise AssertionError(f"{name} has no @action marker")


def canonical(params: list) -> list:
    """Parameters sorted by value: Python's order when it sorts them into a chain (ints, tuples of ints),
    else :func:`spec.core.order_key`'s (sets, which Python orders by inclusion; values of different kinds)."""
    try:
        out = sorted(params)
        if all(a <= b for a, b in zip(out, out[1:])):
            return out
    except TypeError:
        pass
    return sorted(params, key=order_key)


def reference(spec: Spec, *, max_states: int | None = None, deadlock: bool = False,
              symmetry: bool = False, invariants: bool = True) -> Outcome:
    """Breadth-first search by the rules in the module's text, calling only the spec's own methods."""
    names = [a.name for a in spec.actions]
    enums = [plain_enumerator(spec, n) for n in names]
    steps = [getattr(spec, n) for n in names]
    methods = type(spec)._restriction_methods()  # --restrict: a guard before the step; --without: never enabled
    guards = [[getattr(spec, methods[r][0]) for r in spec.restricted if methods[r][1] == n] for n in names]
    invs = [(n, getattr(spec, n)) for n in spec.invariants] if invariants else []
    has_constraint = type(spec).constraint is not Spec.constraint
    fired, new = [0] * len(names), [0] * len(names)
    seen: dict[Any, int] = {}
    parent: list[tuple[int, str, tuple]] = []  # per stored state: (parent index, action, params)
    states: list[Any] = []
    generated = 0
    limit = max_states if max_states is not None else float("inf")
    perms = spec.permutations() if symmetry else []

    def known(s: State) -> Any:
        """What a state is known by: itself, or under symmetry the least member of its orbit."""
        return min((spec.permute(s, p) for p in perms), key=order_key) if symmetry else s

    def violated(s: State) -> str | None:
        for n, inv in invs:
            verdict = inv(s)
            assert verdict is True or verdict is False, f"{n} gave {verdict!r}"
            if not verdict:
                return n
        return None

    def path(i: int, last: tuple[str, Any] | None = None) -> list[tuple[str, Any]]:
        out = []
        while i >= 0:
            p, label, _ = parent[i]
            out.append((label, states[i]))
            i = p
        return out[::-1] + ([last] if last else [])

    def outcome(verdict: str, bad: str | None, trace: list | None, depth: int, complete: bool = True) -> Outcome:
        cov = {n: (fired[i], new[i]) for i, n in enumerate(names)}
        return Outcome(verdict, bad, None if trace is None else len(trace) - 1, len(states), generated, depth, cov,
                       complete, trace or [])

    inits = list(spec.init_states())
    if spec.canonical_order:
        inits.sort(key=order_key)
    frontier: list[int] = []
    for s in inits:
        generated += 1
        bad = violated(s)
        if has_constraint and not spec.constraint(s):
            if bad:
                return outcome("violation", bad, [("Init", s)], 1)
            continue
        k = known(s)
        if k in seen:
            continue
        seen[k] = len(states)
        states.append(s)
        parent.append((-1, "Init", ()))
        frontier.append(len(states) - 1)
        if bad:
            return outcome("violation", bad, path(len(states) - 1), 1)
        if len(states) >= limit:
            return outcome("ok", None, None, 1, complete=False)
    depth = 1 if frontier else 0
    while frontier:
        nxt: list[int] = []
        for si in frontier:
            s = states[si]
            any_fired = False
            for ai, (enum, step) in enumerate(zip(enums, steps)):
                if names[ai] in spec.excluded:
                    continue
                params = list(enum(s))
                if spec.canonical_order:
                    params = canonical(params)
                for p in params:
                    t = step(s, *p) if all(g(s, *p) for g in guards[ai]) else None
                    if t is None:
                        continue
                    assert t is not OUTSIDE, "count_outside is false: a step must build its successor"
                    fired[ai] += 1
                    generated += 1
                    any_fired = True
                    if has_constraint and not spec.constraint(t):
                        bad = violated(t)
                        if bad:
                            return outcome("violation", bad, path(si, (names[ai], t)), depth + 1)
                        continue
                    k = known(t)
                    if k in seen:
                        continue
                    seen[k] = len(states)
                    states.append(t)
                    parent.append((si, names[ai], tuple(p)))
                    new[ai] += 1
                    bad = violated(t)
                    if bad:
                        return outcome("violation", bad, path(len(states) - 1), depth + 1)
                    if len(states) >= limit:
                        return outcome("ok", None, None, depth + 1, complete=False)
                    nxt.append(len(states) - 1)
            if deadlock and not any_fired:  # TLC's depth: the deepest level stored so far
                return outcome("deadlock", None, path(si), depth + (1 if nxt else 0))
        frontier = nxt
        if frontier:
            depth += 1
    return outcome("ok", None, None, depth)


def engine_outcome(r: Any) -> Outcome:
    """A :class:`modelcheck.Result` as an :class:`Outcome`."""
    cov = {k: (c.fired, c.new) for k, c in r.coverage.items()}
    trace = [("Init" if st_.label is None else st_.label.name, st_.state) for st_ in r.trace or []]
    return Outcome(r.verdict, r.violated, r.trace_length, r.distinct_states, r.states_generated, r.depth, cov,
                   r.complete, trace)


def graph_outcome(spec: Spec, symmetry: bool) -> Outcome:
    """The state graph the liveness checks and ``paxraft graph`` build (modelcheck.engine.graph: no invariants,
    no stop) as an :class:`Outcome`."""
    g = explore(spec, symmetry=symmetry)
    new = collections.Counter(g.labels[lid].name for lid in g.parent_lab if lid >= 0)
    cov = {a.name: (g.fired[a.name], new[a.name]) for a in spec.actions}
    return Outcome("ok", None, None, len(g.fps), g.generated, max(g.depth_of, default=0), cov)


def json_outcome(j: dict[str, Any]) -> Outcome:
    """The command line's ``--json`` object as an :class:`Outcome`."""
    cov = {k: (c["fired"], c["new"]) for k, c in j["coverage"].items()}
    return Outcome(j["verdict"], j["violated"], j["trace_length"], j["distinct_states"], j["states_generated"],
                   j["depth"], cov, j["complete"])


# -- random specs, as source text ------------------------------------------------------------------

N, V, XMAX, YMAX, ZMAX = 2, 2, 2, 2, 3  # processes, values, and the bounds the guards keep

HEADER = '''\
"""Generated by tests/test_differential.py (seed {seed})."""

from typing import NamedTuple

from spec.core import OUTSIDE, Counted, Spec, action, bundled, counts_outside, invariant, order_key, restriction
from spec.values import EXCEPT, MsgSet, record, setter


class Msg(NamedTuple):
    type: int  # 0, 1, 2
    a: int
    b: int


class Note(NamedTuple):
    type: int  # 3
    c: int


def rename(m, p):
    return m._replace(c=p[m.c]) if m.type == 3 else m._replace(a=p[m.a])


{record}class St(NamedTuple):
    x: int
    y: tuple
    z: int
    msgs: MsgSet


put_x = setter(St, "x")


def each(n):
    return [(i,) for i in range(n)]


def each_pair(n, v):
    return [(i, j) for i in range(n) for j in range(v)]


def sent(s, t):
    return [(m,) for m in s.msgs.where(type=t)]


class Gen(Spec):
    """A random spec."""

    canonical_order = {canonical}
    __zero = 0  # private: Python renames it _Gen__zero in the class body
{init}
    def init_states(self):
        return {inits}

    def pending(self, s, t):
        return s.msgs.where(type=t)

    def all_p(self, s):
        return [(p,) for p in range(self.N)]

    def gen_p(self, s):
        for p in range(self.N):
            yield (p,)

    def has_type(self, s, t):
        return [(m,) for m in s.msgs.where(type=t) if m.b < {ymax}]
'''

INIT_PLAIN = "    N = 2\n"
INIT_ARG = '''
    def __init__(self, n: int = 2):
        self.N = n
        super().__init__()
'''


@dataclass
class Act:
    """One generated action: its enumerator expression (or ``None`` when ``method`` holds it), its
    parameter names, its body, the fields it writes, and how it may count outside the constraint."""

    name: str
    enum: str
    params: str
    body: list[str]
    writes: frozenset[str]
    before: list[str] = field(default_factory=list)  # class-body lines before the action (an enumerator)


def _indent(lines: list[str], n: int = 8) -> list[str]:
    return [" " * n + ln if ln else "" for ln in lines]


@st.composite
def _one_param_enum(draw: st.DrawFn, name: str, canonical: bool) -> tuple[str, list[str]]:
    """An enumerator of ``(p,)`` for p in 0..N-1, in a style a user writes: (decorator expression, lines
    to put before the action)."""
    styles = [
        "lambda self, s: [(p,) for p in range(self.N)]",  # names no state: taken once
        "lambda self, s: ((p,) for p in range(self.N))",  # a generator
        "lambda self, s: each(self.N)",  # a helper call
        "all_p",  # a method
        "gen_p",  # a generator method
        "lambda self, s: [(0,), (1,)]",  # a list
        "lambda self, s: [(p,) for p in range(self.N) if s.x >= 0]",  # names the state
        "lambda self, s: [(p,) for p in range(self.N)] if s.z <= 9 else []",
    ]
    if canonical:
        styles.append("lambda self, s: [(1,), (0,)]")  # out of order: sorted by the checker
    return draw(st.sampled_from(styles)), []


@st.composite
def _msg_enum(draw: st.DrawFn, t: int, canonical: bool) -> str:
    """An enumerator of ``(m,)`` for the messages of type ``t``."""
    styles = [
        f"lambda self, s: [(m,) for m in s.msgs.where(type={t})]",
        f"lambda self, s: ((m,) for m in s.msgs.where(type={t}))",
        f"lambda self, s: [(m,) for m in self.pending(s, {t})]",
        f"lambda self, s: self.has_type(s, {t})",
        f"lambda self, s: sent(s, {t})",  # the state handed to a module function: not followed
        f"lambda self, s: [(m,) for m in s.msgs.where(type={t}) if s.x <= {XMAX}]",  # another field read whole
        f"lambda self, s: [(m,) for m in s.msgs.where(type={t}, a=0)] + [(m,) for m in s.msgs.where(type={t}, a=1)]",
    ]
    if canonical:  # a frozenset's iteration order is not a function of its value: only under the canonical order
        styles.append(f"lambda self, s: [(m,) for m in s.msgs if m.type == {t}]")
    return draw(st.sampled_from(styles))


@st.composite
def _guard(draw: st.DrawFn, p: str) -> list[str]:
    """An extra enabling condition reading a field whole, or none (the step then reads only ``where``).
    Most are false first and true later (x, y and z grow): a shortcut that took the first answer for
    every later state with the same messages would miss the step."""
    return draw(st.sampled_from([
        [],
        [f"if s.y[{p}] >= {YMAX}:", "    return None"],
        [f"if s.x < {draw(st.integers(1, XMAX))}:", "    return None"],
        [f"if s.x != {draw(st.integers(0, XMAX))}:", "    return None"],
        [f"if s.y[{p}] == 0:", "    return None"],
        ["if s.z == 0 and s.x == 0:", "    return None"],
    ]))


@st.composite
def send_action(draw: st.DrawFn, name: str, canonical: bool) -> Act:
    """Send a message of type T from p (at most one per (T, p)), guarded by ``where``."""
    t = draw(st.integers(0, 1))
    with_v = draw(st.booleans())
    if with_v:
        enum = draw(st.sampled_from([
            "lambda self, s: [(p, v) for p in range(self.N) for v in range(2)]",
            "lambda self, s: each_pair(self.N, 2)",
            "lambda self, s: [(p, v) for p in range(self.N) for v in range(2) if s.y[p] != v]",
        ]))
        params, v = "p, v", "v"
    else:
        enum, _ = draw(_one_param_enum(name, canonical))
        params, v = "p", draw(st.sampled_from(["0", "1", "s.x % 2", "s.y[p] % 2"]))
    form = draw(st.sampled_from(["once", "once", "resend", "broadcast"]))
    if form == "broadcast":  # v to every process at once: several messages added to the set
        body = [f"if s.msgs.where(type={t}, b=0):", "    return None", *draw(_guard("p")),
                f"return s._replace(msgs=s.msgs | {{Msg({t}, q, 0) for q in range(self.N)}})"]
        return Act(name, enum, params, body, frozenset({"msgs"}))
    if form == "resend":  # no guard: a message sent again gives the same set (a stuttering step)
        body = [*draw(_guard("p")), f"return s._replace(msgs=s.msgs | {{Msg({t}, p, 0)}})"]
        return Act(name, enum, params, body, frozenset({"msgs"}))
    ask = draw(st.sampled_from([f"type={t}, a=p", f"a=p, type={t}"]))  # another field order: another index
    body = [f"if s.msgs.where({ask}):", "    return None", *draw(_guard("p"))]
    also_y = draw(st.booleans())
    writes = {"msgs"}
    if also_y:
        body.append(f"return s._replace(y=EXCEPT(s.y, p, {v}), msgs=s.msgs | {{Msg({t}, p, {v})}})")
        writes.add("y")
    else:
        body.append(f"return s._replace(msgs=s.msgs | {{Msg({t}, p, {v})}})")
    return Act(name, enum, params, body, frozenset(writes))


@st.composite
def recv_action(draw: st.DrawFn, name: str, canonical: bool) -> Act:
    """Take a message of type T: set y at its sender, or answer it with type T2 (once per sender)."""
    t = draw(st.integers(0, 1))
    enum = draw(_msg_enum(t, canonical))
    kind = draw(st.sampled_from(["y", "reply", "x", "stutter", "drop"]))
    body: list[str] = []
    writes: set[str] = set()
    if kind == "y":
        body += ["if s.y[m.a] == m.b:", "    return None"] if draw(st.booleans()) else []
        body.append("return s._replace(y=EXCEPT(s.y, m.a, m.b))")
        writes.add("y")
    elif kind == "reply":
        t2 = draw(st.sampled_from([2, 1 - t]))
        body += [f"if s.msgs.where(type={t2}, a=m.a):", "    return None", *draw(_guard("m.a"))]
        body.append(f"return s._replace(msgs=s.msgs | {{Msg({t2}, m.a, m.b)}})")
        writes.add("msgs")
    elif kind == "x":
        body += [f"if s.x >= {XMAX} or m.b == s.x:", "    return None", "return s._replace(x=s.x + 1)"]
        writes.add("x")
    elif kind == "stutter":
        body += ["if m.b != 0:", "    return None", draw(st.sampled_from(["return s", "return s._replace(x=s.x)"]))]
    else:
        body += [f"if not s.msgs.where(type={t}, a=m.a):", "    return None",
                 "return s._replace(msgs=MsgSet(s.msgs - {m}))"]
        writes.add("msgs")
    return Act(name, enum, "m", body, frozenset(writes))


@st.composite
def note_action(draw: st.DrawFn, name: str, canonical: bool) -> Act:
    """Notes, another message class (no field ``a``, ``b``): sent once per process, or read."""
    if draw(st.booleans()):
        enum, _ = draw(_one_param_enum(name, canonical))
        body = ["if s.msgs.where(type=3, c=p):", "    return None", *draw(_guard("p")),
                "return s._replace(msgs=s.msgs | {Note(3, p)})"]
        return Act(name, enum, "p", body, frozenset({"msgs"}))
    enum = draw(st.sampled_from([
        "lambda self, s: [(m,) for m in s.msgs.where(type=3)]",
        "lambda self, s: [(m,) for m in s.msgs.where(c=0)] + [(m,) for m in s.msgs.where(c=1)]",
    ]))
    body = ["if s.msgs.where(type=0, a=m.c):", "    return None", "return s._replace(y=EXCEPT(s.y, m.c, 2))"]
    return Act(name, enum, "m", body, frozenset({"y"}))


@st.composite
def quorum_action(draw: st.DrawFn, name: str, canonical: bool) -> Act:
    """A quorum as a parameter (a frozenset, which Python orders by inclusion): every member sent."""
    t = draw(st.integers(0, 1))
    quorums = draw(st.permutations(["frozenset({0})", "frozenset({1})", "frozenset({0, 1})"]))
    enum = draw(st.sampled_from([
        f"lambda self, s: [{''.join(f'({q},), ' for q in quorums)}]",
        "lambda self, s: [(frozenset(q),) for q in ({0}, {1}, {0, 1})]",
        f"lambda self, s: [({quorums[0]},), ({quorums[1]},)]",
    ]))
    body = [f"if not all(s.msgs.where(type={t}, a=i) for i in q):", "    return None", *draw(_guard("min(q)"))]
    if draw(st.booleans()):
        body.append("return s._replace(x=len(q))")
        return Act(name, enum, "q", body, frozenset({"x"}))
    body += ["if s.msgs.where(type=2, a=min(q)):", "    return None",
             "return s._replace(msgs=s.msgs | {Msg(2, min(q), len(q))})"]
    return Act(name, enum, "q", body, frozenset({"msgs"}))


@st.composite
def count_action(draw: st.DrawFn, name: str, canonical: bool) -> Act:
    """A quorum-like test: ``len(where(...))`` against a bound, then set x or y, or send a decision."""
    t = draw(st.integers(0, 1))
    k = draw(st.integers(1, 2))
    enum = draw(st.sampled_from(["lambda self, s: [(v,) for v in range(2)]", "lambda self, s: [(0,), (1,)]",
                                 "lambda self, s: ((v,) for v in range(2))"]))
    field_ = draw(st.sampled_from(["b", "a"]))
    body = [f"if len(s.msgs.where(type={t}, {field_}=v)) < {k}:", "    return None", *draw(_guard("v % self.N"))]
    kind = draw(st.sampled_from(["x", "decide", "y"]))
    if kind == "x":
        body.append("return s._replace(x=v)")
        writes = {"x"}
    elif kind == "y":
        body.append("return s._replace(y=EXCEPT(s.y, v % self.N, 1))")
        writes = {"y"}
    else:
        body += ["if s.msgs.where(type=2, a=0):", "    return None", "return s._replace(msgs=s.msgs | {Msg(2, 0, v)})"]
        writes = {"msgs"}
    return Act(name, enum, "v", body, frozenset(writes))


@st.composite
def field_action(draw: st.DrawFn, name: str, canonical: bool) -> Act:
    """Change x or y by reading fields only."""
    kind = draw(st.sampled_from(["inc", "sety", "reset"]))
    if kind == "inc":
        update = draw(st.sampled_from(["s._replace(x=s.x + 1)", "put_x(s, s.x + 1)"]))  # spec.values.setter
        return Act(name, "lambda self, s: [()]", "", [f"if s.x >= {XMAX}:", "    return None", f"return {update}"],
                   frozenset({"x"}))
    if kind == "sety":
        enum, _ = draw(_one_param_enum(name, canonical))
        return Act(name, enum, "p", [f"if s.y[p] >= {YMAX}:", "    return None",
                                     "return s._replace(y=EXCEPT(s.y, p, s.y[p] + 1))"], frozenset({"y"}))
    return Act(name, "lambda self, s: [()]", "", ["if s.x == 0:", "    return None", "return s._replace(x=0)"],
               frozenset({"x"}))


@dataclass
class Tick:
    """The clock action: z + 1 by process p. Guarded (z < ZMAX) or bounded by the constraint only, then
    optionally answering OUTSIDE, counted (``Counted``) or bundled."""

    guarded: bool
    outside: bool
    counted: bool
    bundled: bool


@st.composite
def tick_form(draw: st.DrawFn, canonical: bool, z_read: bool, hooks: bool = False) -> Tick:
    guarded = not hooks and draw(st.booleans())
    hooks = not guarded and not z_read  # OUTSIDE's promise: no invariant reads z, the only field Tick writes
    return Tick(guarded,
                hooks and draw(st.booleans()),
                hooks and not canonical and draw(st.booleans()),
                not canonical and draw(st.booleans()))


def tick_source(tick: Tick) -> list[str]:
    """The class-body lines of the Tick action in its form (and its enumerator or bundle)."""
    lines: list[str] = []

    def counted(outside: str, every: str) -> list[str]:
        return ["    ps = [(p,) for p in range(self.N)]",
                "    if self.count_outside and not self.constraint(s._replace(z=s.z + 1)):",
                f"        return {outside}  # every Tick is enabled and lands outside",
                f"    return {every}"]

    if tick.bundled:  # item 0 is Tick's; item 1 nobody's
        lines += ["def bundle(self, s):",
                  *(counted("(Counted((), len(ps)), [()])", "(ps, [()])") if tick.counted
                    else ["    return ([(p,) for p in range(self.N)], [()])"]),
                  ""]
        enum = "counts_outside(bundled(bundle, 0))" if tick.counted else "bundled(bundle, 0)"
    elif tick.counted:
        lines += ["@counts_outside", "def tick_params(self, s):", *counted("Counted((), len(ps))", "ps"), ""]
        enum = "tick_params"
    else:
        enum = "lambda self, s: [(p,) for p in range(self.N)]"
    lines += [f"@action({enum})", "def Tick(self, s, p):"]
    if tick.guarded:
        lines += [f"    if s.z >= {ZMAX}:", "        return None"]
    if tick.outside:
        lines += ["    t = s._replace(z=s.z + 1)",
                  "    if self.count_outside and not self.constraint(t):",
                  "        return OUTSIDE  # only z changes, and no invariant reads z",
                  "    return t"]
    else:
        lines.append("    return s._replace(z=s.z + 1)")
    return lines


INVARIANTS = {
    # name: (source lines of the body, fields read)
    "TypeOK": (["return s.x >= 0 and len(s.y) == self.N and s.msgs.all(lambda m: m.type < 4)"],
               {"x", "y", "msgs"}),
    "AllSmall": (["return s.x <= 2 and s.msgs.all(lambda m: m.type == 3 or m.b <= {k})"], {"x", "msgs"}),
    "AllBelowX": (["return s.msgs.all(lambda m, lim=s.x: m.type == 3 or m.b <= lim + {k})"], {"x", "msgs"}),
    "XBound": (["return s.x <= {k}"], {"x"}),
    "YBound": (["return s.y[0] + s.y[1] <= {k} and s.x <= 2"], {"x", "y"}),
    "Decisions": (["return len(s.msgs.where(type=2)) <= {k}"], {"msgs"}),
    "OneSent": (["return not s.msgs.where(type=0, a=0) or not s.msgs.where(type=1, a=1) or s.x < {k}"],
                {"msgs", "x"}),
    "ZSeen": (["return s.z <= {k} or s.x == 0"], {"z", "x"}),
    "Private": (["return s.x >= self.__zero and s.y[0] <= {k}"], {"x", "y"}),
}


@dataclass
class Gen:
    """A generated spec: its source and what the test needs to know about it."""

    source: str
    canonical: bool
    has_constraint: bool
    symmetric: bool
    restrict: tuple[str, ...]  # restrictions the model applies (--restrict)
    without: tuple[str, ...]  # actions it leaves out (--without)

    def model(self, cls: type[Spec]) -> Spec:
        """The spec the searches check: ``cls()`` with the restrictions and the actions left out."""
        spec = cls()
        if self.restrict:
            spec = spec.restrict(self.restrict)
        return spec.without(self.without) if self.without else spec


@st.composite
def specs(draw: st.DrawFn, hooks: bool = False) -> Gen:
    """A random spec's source text (see the module's text); ``hooks``: always with the unguarded Tick, which
    a constraint bounds and which may answer OUTSIDE, be counted (Counted), bundled or restricted."""
    canonical = not hooks and draw(st.booleans())  # hooks: Counted and bundled need canonical_order False
    kinds = [recv_action, count_action, field_action, field_action, send_action, note_action, quorum_action]
    acts = [draw(send_action("A0", canonical))]
    acts += [draw(draw(st.sampled_from(kinds))(f"A{i}", canonical)) for i in range(1, 1 + draw(st.integers(1, 4)))]
    inv_names = draw(st.lists(st.sampled_from(sorted(n for n in INVARIANTS if not hooks or n != "ZSeen")),
                              max_size=3, unique=True))
    invs = [(n, [ln.format(k=draw(st.integers(0, 3))) for ln in INVARIANTS[n][0]], INVARIANTS[n][1])
            for n in inv_names]
    z_read = any("z" in fields for _, _, fields in invs)
    tick = draw(tick_form(canonical, z_read, True)) if hooks else draw(st.none() | tick_form(canonical, z_read))
    # The constraint: z bounded (needed by an unguarded Tick), the message count bounded, or none.
    parts = []
    if tick is not None and not tick.guarded:
        parts.append(f"s.z <= {draw(st.integers(1, 3))}")
    elif draw(st.booleans()):
        parts.append(f"s.z <= {draw(st.integers(0, 2))}")
    if draw(st.booleans()):
        parts.append(f"len(s.msgs) <= {draw(st.integers(1, 3))}")
    constraint_fields = {"z"} if any(p.startswith("s.z") for p in parts) else set()
    if any(p.startswith("len") for p in parts):
        constraint_fields.add("msgs")
    # keeps_constraint: an action that writes nothing the constraint reads, or only takes a message out
    writes = {a.name: a.writes for a in acts} | ({"Tick": frozenset({"z"})} if tick is not None else {})
    shrinks = {a.name for a in acts if "MsgSet(s.msgs - {m})" in "".join(a.body)}
    kept = [n for n, w in writes.items() if parts and (not w & constraint_fields or n in shrinks)
            and draw(st.booleans())]
    init_values = draw(st.sampled_from([
        ["St(0, (0, 0), 0, MsgSet())"],
        ["St(0, (0, 0), 0, MsgSet())", "St(1, (0, 1), 0, MsgSet())"],
        ["St(1, (0, 0), 0, MsgSet())", "St(0, (0, 0), 0, MsgSet())", "St(0, (0, 0), 0, MsgSet())"],
        ["St(0, (0, 0), 0, MsgSet({Msg(0, 1, 1)}))"],
        ["St(0, (0, 0), 2, MsgSet())", "St(0, (0, 0), 0, MsgSet())"],  # outside a constraint z <= 1 or less
    ]))
    inits = ", ".join(init_values)
    out = [HEADER.format(seed=draw(st.integers(0, 9999)), record=draw(st.sampled_from(["@record\n", ""])),
                         canonical=canonical, init=draw(st.sampled_from([INIT_PLAIN, INIT_ARG])),
                         inits=draw(st.sampled_from([f"[{inits}]", f"{{{inits}}}", f"iter([{inits}])"])), ymax=YMAX)]
    body: list[str] = []
    for a in acts:
        body += [*a.before, f"@action({a.enum})", f"def {a.name}(self, s{', ' if a.params else ''}{a.params}):",
                 *_indent(a.body, 4), ""]
    if tick is not None:
        body += [*tick_source(tick), ""]
    for name, lines, _ in invs:
        body += ["@invariant", f"def {name}(self, s):", *_indent(lines, 4), ""]
    if parts:
        body += ["def constraint(self, s):", f"    return {' and '.join(parts)}", ""]
        if kept:
            body += ["def keeps_constraint(self):", f"    return {tuple(kept)!r}", ""]
    symmetric = draw(st.booleans())
    if symmetric:  # processes renamed (a spec need not be symmetric for both searches to agree)
        body += SYMMETRY
        body += draw(st.sampled_from([[], SYMMETRY_KEYS, CANONICAL]))
    names = [a.name for a in acts] + (["Tick"] if tick is not None else [])
    restricted = draw(st.lists(st.sampled_from(names), max_size=2))  # the same action twice: two guards
    for i, n in enumerate(restricted):
        body += [f'@restriction("r{i}", action="{n}")', f"def guard_{i}(self, s, *params):",
                 f"    return {draw(st.sampled_from(RESTRICTIONS))}", ""]
    restrict = tuple(f"r{i}" for i in range(len(restricted)) if draw(st.integers(0, 3)) == 0)
    if tick is not None and (tick.counted or tick.outside) and draw(st.booleans()):  # guard on a hook (then inert)
        body += ['@restriction("early", action="Tick")', "def early(self, s, p):", "    return not s.msgs", ""]
        restrict += ("early",)
    without = (draw(st.sampled_from(names)),) if draw(st.integers(0, 3)) == 0 else ()
    out += _indent(body, 4)
    return Gen("\n".join(out).rstrip() + "\n", canonical, bool(parts), symmetric, restrict, without)


RESTRICTIONS = ["s.x <= 1", "s.z < 2", "not params or params[0] != 1", "len(params) != 1 or params[0] == 0"]


SYMMETRY = """\
def symmetric_sets(self):
    return {"P": self.N}

def permute(self, s, perm):
    p = perm["P"]
    y = [0] * self.N
    for i, v in enumerate(s.y):
        y[p[i]] = v
    return s._replace(y=tuple(y), msgs=MsgSet(rename(m, p) for m in s.msgs))
""".splitlines()

SYMMETRY_KEYS = """\

def symmetry_keys(self, s):
    return {"P": [(s.y[i], len(s.msgs.where(type=0, a=i))) for i in range(self.N)]}
""".splitlines()

CANONICAL = """\

def canonical(self, s):
    return min((self.permute(s, p) for p in self.permutations()), key=order_key)
""".splitlines()


# -- the comparison --------------------------------------------------------------------------------

_files = itertools.count()


def load(tmp: Path, source: str) -> type[Spec]:
    """The class ``Gen`` of ``source``, loaded by paxraft's loader from a file of its own (the loader and
    the source readers remember files by path)."""
    path = tmp / f"gen_{next(_files)}.py"
    path.write_text(source)
    return load_user_spec(f"{path}:Gen")


def compare(cls: type[Spec] | Callable[[], Spec], *, workers: bool = True, deadlock: bool = False,
            symmetry: bool = False, max_states: int = CAP, **options: Any) -> Outcome:
    """The reference, ``check`` and (``workers``) two worker processes (``search``, with ``options``) on fresh
    specs made by ``cls``: equal outcomes, the counterexample's states too."""
    ref = reference(cls(), max_states=max_states, deadlock=deadlock, symmetry=symmetry)
    got = engine_outcome(check(cls(), max_states=max_states, check_deadlock=deadlock, symmetry=symmetry,
                               trust_symmetry=True))
    assert got == ref
    assert [st_ for _, st_ in got.trace] == [st_ for _, st_ in ref.trace]
    if workers:
        par = engine_outcome(search(cls(), workers=2, max_states=max_states, check_deadlock=deadlock,
                                    symmetry=symmetry, **options))
        assert par == ref
        assert [st_ for _, st_ in par.trace] == [st_ for _, st_ in ref.trace]
    return ref


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("differential")


def shrink_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shortcuts' tables small enough that a small model reaches their edges: the invariant memo from
    the first state on and dropped after a few misses, the where-memo's table started over, twins looked
    for among two processes; a worker forgets what it asked past 4 fingerprints and hands states on past
    its share at once; the messages' index keys and the question keys started over past 4, the sorted
    parameter lists past 2."""
    monkeypatch.setattr(invariant_memo, "WARM", 1)
    monkeypatch.setattr(invariant_memo, "PROBE", 8)
    monkeypatch.setattr(invariant_memo, "TABLE", 4)
    monkeypatch.setattr(reads, "TABLE", 4)
    monkeypatch.setattr(_fingerprint, "TWINS_FROM", 2)
    monkeypatch.setattr(engine_search, "ASKED_CAP", 4)
    monkeypatch.setattr(engine_search, "BALANCE_SLACK", 0)
    monkeypatch.setattr(values, "MESSAGES", 4)
    monkeypatch.setattr(core, "ORDER_CACHE", 2)


@pytest.fixture
def tiny_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    shrink_tables(monkeypatch)


DEFAULT = settings(max_examples=150, derandomize=True, database=None, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@settings(DEFAULT, max_examples=50)  # (3,000 in make test-slow: the default run's 10 minutes)
@given(g=specs())
def test_random_specs_agree_with_the_reference(gen_dir: Path, g: Gen) -> None:
    make = functools.partial(g.model, load(gen_dir, g.source))
    compare(make, symmetry=g.symmetric)
    whole = reference(make(), max_states=CAP, symmetry=g.symmetric, invariants=False)
    if whole.complete:  # the state graph (liveness, paxraft graph): every state, every edge
        assert graph_outcome(make(), g.symmetric) == whole
        if not g.symmetric:  # depth first (--mode dfs): the same states and successors, in another order
            d = dfs(make(), check_invariants=False)
            fired = {k: c.fired for k, c in d.coverage.items()}
            assert (d.distinct_states, d.states_generated, fired) == (
                whole.distinct, whole.generated, {k: f for k, (f, _) in whole.coverage.items()})


@settings(DEFAULT, max_examples=30)
@given(g=specs(hooks=True), cap=st.sampled_from([CAP, CAP, CAP, 5, 30]))
def test_random_specs_with_speed_hooks_agree_with_the_reference(gen_dir: Path, g: Gen, cap: int) -> None:
    """Every one with OUTSIDE, Counted, bundled or keeps_constraint possible, and a restriction around them."""
    compare(functools.partial(g.model, load(gen_dir, g.source)), symmetry=g.symmetric, max_states=cap)


@settings(DEFAULT, max_examples=50)
@given(g=specs(), deadlock=st.booleans(), cap=st.sampled_from([CAP, 1, 5, 30]), chunk=st.sampled_from([1, 3, 1 << 15]),
       memory=st.sampled_from([None, 4096]))
def test_random_specs_agree_with_small_tables(gen_dir: Path, tiny_tables: None, g: Gen, deadlock: bool, cap: int,
                                              chunk: int, memory: int | None) -> None:
    """Also stopped early (``max_states``), the workers' levels cut in chunks of a few states and their
    frontiers and stores spilled to disk."""
    compare(functools.partial(g.model, load(gen_dir, g.source)), deadlock=deadlock, symmetry=g.symmetric,
            max_states=cap, chunk=chunk, memory=memory)


@settings(DEFAULT, max_examples=3)
@given(g=specs())
def test_the_command_line_agrees_with_the_reference(gen_dir: Path, g: Gen) -> None:
    cls = load(gen_dir, g.source)
    ref = reference(g.model(cls), max_states=CAP, symmetry=g.symmetric)
    path = sys.modules[cls.__module__].__paxraft_file__
    options = (*(("--symmetry",) if g.symmetric else ()), *(("--restrict", ",".join(g.restrict)) if g.restrict else ()),
               *(("--without", ",".join(g.without)) if g.without else ()))
    for extra in (("--check-hooks",), ("--workers", "2")):  # the hooks compared with the plain spec everywhere
        done = subprocess.run([sys.executable, "-m", "modelcheck.cli", "check", f"{path}:Gen", "--json",
                               "--max-states", str(CAP), *options, *extra], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        assert json_outcome(json.loads(done.stdout)) == ref


@pytest.mark.slow
@settings(DEFAULT, max_examples=3000, derandomize=False)
@given(g=specs(), deadlock=st.booleans(), cap=st.sampled_from([CAP, CAP, 1, 5, 30]),
       chunk=st.sampled_from([1, 3, 1 << 15]), memory=st.sampled_from([None, 4096]), tiny=st.booleans())
def test_many_random_specs_agree_with_the_reference(gen_dir: Path, g: Gen, deadlock: bool, cap: int, chunk: int,
                                                    memory: int | None, tiny: bool) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        if tiny:
            shrink_tables(monkeypatch)
        compare(functools.partial(g.model, load(gen_dir, g.source)), deadlock=deadlock, symmetry=g.symmetric,
                max_states=cap, chunk=chunk, memory=memory)


# -- forms a user may write that the generator does not reach ----------------------------------------

HAND = '''\
"""Enumerators given in every way Python allows (tests/test_differential.py)."""

import functools
from typing import NamedTuple

from spec.core import Spec, action, invariant
from spec.values import EXCEPT, MsgSet, record


class Msg(NamedTuple):
    type: int
    a: int


@record
class St(NamedTuple):
    x: int
    y: tuple
    msgs: MsgSet


class Params:
    """A callable object: called as params(self, state)."""

    def __call__(self, spec, s):
        return [(m,) for m in s.msgs.where(type=0)]


class Helper:
    def params(self, spec, s):  # a method of another object: called with the spec and the state
        return [(m,) for m in s.msgs.where(type=0)]


def acks(spec, s, kind):
    return [(m,) for m in s.msgs.where(type=kind)]


HELPER = Helper()


class Compiled:
    """What Cython makes of a lambda: callable, bound like a method, with a __code__ that is not its own
    (here one that never names the state)."""

    __code__ = (lambda self, s: [()]).__code__

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)

    def __get__(self, obj, cls=None):
        return functools.partial(self, obj)


class Plain(Spec):
    def init_states(self):
        return [St(0, (0, 0), MsgSet())]

    @action(lambda self, s: [(p,) for p in range(2)])
    def Send(self, s, p):
        if s.msgs.where(type=0, a=p):
            return None
        return s._replace(msgs=s.msgs | {Msg(0, p)})

    @action(lambda self, s: [(m,) for m in s.msgs.where(type=0)])
    def Ack(self, s, m):
        if s.msgs.where(type=1, a=m.a):
            return None
        return s._replace(y=EXCEPT(s.y, m.a, 1), msgs=s.msgs | {Msg(1, m.a)})

    @action(lambda self, s: [()])
    def Inc(self, s):
        return s._replace(x=s.x + 1) if s.x < 2 else None

    @invariant
    def TypeOK(self, s):
        return s.x <= 2 and s.msgs.all(lambda m: m.type < 2)


class ByObject(Plain):
    @action(Params())
    def Ack(self, s, m):
        return super().Ack(s, m)


class ByPartial(Plain):
    @action(functools.partial(acks, kind=0))
    def Ack(self, s, m):
        return super().Ack(s, m)


class ByStatic(Plain):
    @action(staticmethod(lambda s, unused=None: [(m,) for m in s.msgs.where(type=0)]))
    def Ack(self, s, m):
        return super().Ack(s, m)


class ByClassmethod(Plain):
    @action(classmethod(lambda cls, s: [(m,) for m in s.msgs.where(type=0)]))
    def Ack(self, s, m):
        return super().Ack(s, m)


class ByBoundMethod(Plain):
    @action(HELPER.params)
    def Ack(self, s, m):
        return super().Ack(s, m)


class ByCompiled(Plain):
    @action(Compiled(lambda self, s: [(m,) for m in s.msgs.where(type=0)]))
    def Ack(self, s, m):
        return super().Ack(s, m)


class StepOnly(Plain):
    """A plain def keeps the base's enumerator; its guard now reads x whole."""

    def Ack(self, s, m):
        if s.x == 1:
            return None
        return super().Ack(s, m)


class OtherEnumerator(Plain):
    """Send's enumerator reads the state here (x), and Inc's no longer does: each read anew."""

    @action(lambda self, s: [(p,) for p in range(2) if p <= s.x])
    def Send(self, s, p):
        return super().Send(s, p)

    @action(lambda self, s: [()] if s.x < 1 else [])
    def Inc(self, s):
        return super().Inc(s)
'''

HAND_CLASSES = ("Plain", "ByObject", "ByPartial", "ByStatic", "ByClassmethod", "ByBoundMethod", "ByCompiled",
                "StepOnly", "OtherEnumerator")


@pytest.mark.parametrize("name", HAND_CLASSES)
def test_every_way_of_giving_an_enumerator_agrees_with_the_reference(gen_dir: Path, name: str) -> None:
    path = gen_dir / "hand.py"
    if not path.exists():
        path.write_text(HAND)
    ref = compare(load_user_spec(f"{path}:{name}"))
    assert compare(load_user_spec(f"{path}:{name}"), chunk=1, memory=4096) == ref  # levels cut, frontiers spilled
    if name.startswith("By"):  # the same model as Plain's, whatever the form
        assert (ref.distinct, ref.generated, ref.depth) == (27, 55, 7)



RAISES = '''\
from typing import NamedTuple

from spec.core import Spec, action, invariant


class St(NamedTuple):
    x: int
    y: tuple


class Raises(Spec):
    def init_states(self):
        return [St(0, (0, 0))]

    @action(lambda self, s: [()])
    def Inc(self, s):
        return s._replace(x=s.x + 1) if s.x < 3 else None

    @invariant
    def Fine(self, s):
        return (s.x < 2 or 1 // 0 == 0) and s.y[0] >= 0
'''


@pytest.mark.parametrize("warm", [invariant_memo.WARM, 1])
def test_an_invariant_whose_first_conjunct_raises_raises_in_every_search(gen_dir: Path, warm: int,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Split into conjuncts and remembered (``warm`` 1: from the first state on) or called whole, the
    invariant raises what it raises, in the state where it raises, in each search."""
    monkeypatch.setattr(invariant_memo, "WARM", warm)
    path = gen_dir / "raises.py"
    if not path.exists():
        path.write_text(RAISES)
    cls = load_user_spec(f"{path}:Raises")
    for run in (reference, check, lambda spec: search(spec, workers=2)):
        with pytest.raises(ZeroDivisionError):
            run(cls())
    done = subprocess.run([sys.executable, "-m", "modelcheck.cli", "check", f"{path}:Raises"], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 3
    assert "invariant Fine raised ZeroDivisionError" in done.stderr and "St(x=2, y=(0, 0))" in done.stderr


MUTATING = '''\
from typing import NamedTuple

from spec.core import Spec, action
from spec.values import EXCEPT, record


@record
class St(NamedTuple):
    x: int
    y: tuple


class Mutating(Spec):
    """Inc's enumerator reads self.width, which Widen's step changes: the user's bug."""

    canonical_order = False

    def __init__(self):
        self.width = 1
        super().__init__()

    def init_states(self):
        return [St(0, (0, 0))]

    @action(lambda self, s: [(p,) for p in range(self.width)])
    def Inc(self, s, p):
        if s.y[p] >= 2:
            return None
        return s._replace(y=EXCEPT(s.y, p, s.y[p] + 1))

    @action(lambda self, s: [()])
    def Widen(self, s):
        if s.x:
            return None
        self.width = 2
        return s._replace(x=1)
'''


def test_a_spec_attribute_changed_by_a_step_is_refused_by_the_preflight(gen_dir: Path) -> None:
    """A step that changes what a state-free enumerator reads is the user's bug (the spec's constants must
    not change once the check has started). What happens: ``check`` takes the parameters once, from the
    first state, and explores 6 of the reference's 16 states; ``paxraft check``'s preflight calls the
    enumerator anew on the states it walks and refuses the spec in one line, exit 2."""
    path = gen_dir / "mutating.py"
    if not path.exists():
        path.write_text(MUTATING)
    cls = load_user_spec(f"{path}:Mutating")
    ref, got = reference(cls()), engine_outcome(check(cls()))
    assert (ref.distinct, ref.generated, ref.depth) == (16, 28, 6)
    assert (got.distinct, got.generated, got.depth) == (6, 8, 4)
    done = subprocess.run([sys.executable, "-m", "modelcheck.cli", "check", f"{path}:Mutating"], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the parameter enumerator of Inc never names its state" in done.stderr
    assert "gives ((0,), (1,)) against ((0,),)" in done.stderr


# -- the shipped specs, their variants and the example and user specs ------------------------------------


def shipped_models() -> list[tuple[str, Callable[[], Spec], bool]]:
    """(name, a function making the spec, whether it declares symmetric sets): every registered spec and variant
    with its default bounds, and every spec class of docs/examples and tests/user_specs that builds with its
    defaults (but tests/user_specs/faulty.py's deliberate mistakes, which the preflight refuses)."""
    from spec.registry import build, entries, load_user_module, user_classes

    out: list[tuple[str, Callable[[], Spec], bool]] = []
    for name, e in entries().items():
        for v in (None, *e.variants):
            make = functools.partial(build, name, v)
            out.append((f"{name}[{v}]" if v else name, make, bool(make().symmetric_sets())))
    files = sorted([*(ROOT / "docs" / "examples").glob("*.py"), *(ROOT / "tests" / "user_specs").glob("*.py")])
    for f in files:
        if f.name == "faulty.py":
            continue
        for cls in user_classes(load_user_module(str(f))):
            try:
                spec = cls()
            except Exception:  # noqa: BLE001 - a class that needs bounds, or an abstract base: not a model here
                continue
            out.append((f"{f.name}:{cls.__name__}", cls, bool(spec.symmetric_sets())))
    return out


SHIPPED = shipped_models()
QUICK = {"raft", "paxos[ignore-votes]", "raft-config", "paxoscommit.py:PaxosCommit", "sliding_window.py:Fast",
         "lamport_mutex.py:LamportMutex"}


def _shipped(name: str, make: Callable[[], Spec], symmetric: bool, cap: int) -> None:
    compare(make, max_states=cap)
    if symmetric:
        compare(make, max_states=cap, symmetry=True)


@pytest.mark.parametrize("name, make, symmetric", [m for m in SHIPPED if m[0] in QUICK], ids=lambda x: x
                         if isinstance(x, str) else "")
def test_shipped_specs_agree_with_the_reference_on_their_first_states(name: str, make: Callable[[], Spec],
                                                                       symmetric: bool) -> None:
    """Their first 1,000 states (a stop in the middle of a level counts exactly), with and without symmetry:
    Raft's bundles, Counted and OUTSIDE answers and invariant fast path, PaxosCommit's where-memos, the sliding
    window's hooks, each against the plain reference."""
    _shipped(name, make, symmetric, 1_000)


@pytest.mark.slow
@pytest.mark.parametrize("name, make, symmetric", SHIPPED, ids=lambda x: x if isinstance(x, str) else "")
def test_every_shipped_spec_agrees_with_the_reference_on_its_first_states(name: str, make: Callable[[], Spec],
                                                                          symmetric: bool) -> None:
    _shipped(name, make, symmetric, 3_000)
