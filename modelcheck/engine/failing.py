"""Which part of an invariant fails, read from its source, for an invariant whose spec says nothing (no
``@explains``): TLC says only that an invariant is violated ("TLC only tells you if an invariant is violated,
not what part is violated", Lamport's MCPaxos.tla), and so did a user's spec here, with its docstring.

An invariant written as one ``return`` of a conjunction, an ``all(...)`` over a generator, a ``not any(...)``
or a comparison is gone into (spec/why.py, the reading the refusal of a step shares): the first conjunct that is
false, the first values of the generator's variables for which its condition is false (``for h = 0``), and the
values of a comparison's sides. Anything else (several statements, a helper's result) is named as the source
writes it, or not at all.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

from spec.core import Spec, State
from spec.why import evaluate, why


def failing_part(spec: Spec, name: str, state: State, prev: State | None = None) -> str | None:
    """What is false in ``state`` of invariant ``name`` (a state invariant the spec does not explain), as one
    line (``for h = 0: s.phase[h] == GROWING is false (s.phase[h] is 1, GROWING is 0)``); None when its source
    is not one expression or the part cannot be told. For an action invariant, of the step from ``prev`` to
    ``state`` (its two state arguments bound to them; None without ``prev``)."""
    if name in spec.action_invariants:
        if prev is None:
            return None
        states: tuple[State, ...] = (prev, state)
    elif name not in spec.invariants or _explained(spec, name, state):
        return None
    else:
        states = (state,)
    fn = inspect.unwrap(getattr(type(spec), name, None))  # type: ignore[arg-type]
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    fdef = tree.body[0] if tree.body else None
    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)) or len(fdef.args.args) != 1 + len(states):
        return None
    body = [st for st in fdef.body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return None
    try:
        env = dict(fn.__globals__)
        if fn.__closure__:
            env.update(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__)))
        env.update(zip((a.arg for a in fdef.args.args), (spec, *states)))
        if evaluate(body[0].value, env):  # holds: nothing to tell (the checker judged it false: a stateful spec?)
            return None
        return why(body[0].value, env, False).text()  # (spec.why: the reading refusals share)
    except Exception:  # the invariant's own code raised on a part taken alone: say nothing rather than guess
        return None


def last_step(trace: list[Any]) -> tuple[State, State | None]:
    """A trace's last state and the one before it (None for a trace of one state): the arguments after the name
    that :func:`failing_part` (and :func:`modelcheck.engine.explain.violation_line`) take."""
    return trace[-1].state, (trace[-2].state if len(trace) > 1 else None)


def _explained(spec: Spec, name: str, state: State) -> bool:
    """Whether the spec explains ``name`` in ``state`` itself (``@explains`` gave text)."""
    return any(inv == name and getattr(spec, m)(state) for m, inv in spec.explained().items())
