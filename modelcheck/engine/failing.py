"""Which part of an invariant fails, read from its source, for an invariant whose spec says nothing (no
``@explains``): TLC says only that an invariant is violated ("TLC only tells you if an invariant is violated,
not what part is violated", Lamport's MCPaxos.tla), and so did a user's spec here, with its docstring.

An invariant written as one ``return`` of a conjunction, an ``all(...)`` over a generator, a ``not any(...)``
or a comparison is gone into: the first conjunct that is false, the first values of the generator's variables
for which its condition is false (``for h = 0``), and the values of a comparison's sides. Anything else (several
statements, a helper's result) is named as the source writes it, or not at all.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator
from typing import Any

from spec.core import Spec, State, compact, shown_value

#: Bindings of a generator tried before giving up (a generator over a large set of messages).
MAX_BINDINGS = 10_000
#: The longest value written out in full; a longer one is cut with "...".
VALUE_WIDTH = 60


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
        if _value(body[0].value, env):  # holds: nothing to tell (the checker judged it false: a stateful spec?)
            return None
        return _why_false(body[0].value, env)
    except Exception:  # the invariant's own code raised on a part taken alone: say nothing rather than guess
        return None


def last_step(trace: list[Any]) -> tuple[State, State | None]:
    """A trace's last state and the one before it (None for a trace of one state): the arguments after the name
    that :func:`failing_part` (and :func:`modelcheck.engine.explain.violation_line`) take."""
    return trace[-1].state, (trace[-2].state if len(trace) > 1 else None)


def _explained(spec: Spec, name: str, state: State) -> bool:
    """Whether the spec explains ``name`` in ``state`` itself (``@explains`` gave text)."""
    return any(inv == name and getattr(spec, m)(state) for m, inv in spec.explained().items())


def _value(node: ast.expr, env: dict[str, Any]) -> Any:
    code = compile(ast.fix_missing_locations(ast.Expression(node)), "<invariant>", "eval")
    return eval(code, env)  # noqa: S307 -- the spec's own invariant, which the checker already runs


def _src(node: ast.expr) -> str:
    text = ast.unparse(node)
    if isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.args[0], ast.GeneratorExp):
        name = ast.unparse(node.func)  # ast.unparse writes any(x for x in y) as any((x for x in y))
        if text.startswith(name + "((") and text.endswith("))"):
            return text[: len(name) + 1] + text[len(name) + 2 : -2] + ")"
    return text


def _shown(value: Any) -> str:
    text = compact(shown_value(value))
    return text if len(text) <= VALUE_WIDTH else text[:VALUE_WIDTH - 3] + "..."


def _why_false(node: ast.expr, env: dict[str, Any]) -> str:
    """Why ``node``, false in ``env``, is false."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        first = next(v for v in node.values if not _value(v, env))
        return _why_false(first, env)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _why_true(node.operand, env)
    gen = _generator(node, "all")
    if gen is not None:
        for bound, inner in _bindings(gen.generators, env):
            if not _value(gen.elt, inner):
                return f"for {_binding(bound)}: {_why_false(gen.elt, inner)}"
    if isinstance(node, ast.Compare):
        return f"{_src(node)} is false{_sides([node.left, *node.comparators], env)}"
    return f"{_src(node)} is false"


def _why_true(node: ast.expr, env: dict[str, Any]) -> str:
    """Why ``node``, true in ``env``, is true (the operand of a ``not`` that fails)."""
    gen = _generator(node, "any")
    if gen is not None:
        for bound, inner in _bindings(gen.generators, env):
            if _value(gen.elt, inner):
                return f"for {_binding(bound)}: {_why_true(gen.elt, inner)}"
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        first = next(v for v in node.values if _value(v, env))
        return _why_true(first, env)
    if isinstance(node, ast.Compare):
        return f"{_src(node)} holds{_sides([node.left, *node.comparators], env)}"
    return f"{_src(node)} holds"


def _generator(node: ast.expr, func: str) -> ast.GeneratorExp | ast.ListComp | ast.SetComp | None:
    """The comprehension of ``all(...)`` or ``any(...)`` (``func``), if ``node`` is that call."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == func
            and len(node.args) == 1 and not node.keywords
            and isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp, ast.SetComp))):
        return node.args[0]
    return None


def _bindings(gens: list[ast.comprehension], env: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each binding of the comprehension's variables its ``if`` clauses keep, with the environment it makes, in
    the order Python takes them; at most :data:`MAX_BINDINGS`."""
    count = 0

    def walk(i: int, bound: dict[str, Any], inner: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        nonlocal count
        if i == len(gens):
            yield bound, inner
            return
        g = gens[i]
        for item in _value(g.iter, inner):
            count += 1
            if count > MAX_BINDINGS:
                return
            names = _assign(g.target, item)
            deeper = {**inner, **names}
            if all(_value(c, deeper) for c in g.ifs):
                yield from walk(i + 1, {**bound, **names}, deeper)

    yield from walk(0, {}, env)


def _assign(target: ast.expr, item: Any) -> dict[str, Any]:
    """The names a ``for`` target binds to ``item`` (``(_, b, v)`` unpacks a tuple)."""
    if isinstance(target, ast.Name):
        return {target.id: item}
    if isinstance(target, (ast.Tuple, ast.List)) and all(not isinstance(e, ast.Starred) for e in target.elts):
        items = tuple(item)
        if len(items) != len(target.elts):
            raise ValueError("cannot unpack")
        out: dict[str, Any] = {}
        for e, x in zip(target.elts, items):
            out.update(_assign(e, x))
        return out
    raise ValueError("a target this reading does not take")


def _binding(bound: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {_shown(v)}" for k, v in bound.items() if k != "_")


def _sides(operands: list[ast.expr], env: dict[str, Any]) -> str:
    """`` (x is 1, GROWING is 0)``: the values of a comparison's operands that are not literals, and of the
    argument of a ``len(...)`` among them (``len(agreed) <= 1`` is false: which values were agreed)."""
    shown: list[str] = []
    for op in operands:
        if isinstance(op, ast.Constant):
            continue
        shown.append(f"{_src(op)} is {_shown(_value(op, env))}")
        if (isinstance(op, ast.Call) and isinstance(op.func, ast.Name) and op.func.id == "len"
                and len(op.args) == 1 and not isinstance(op.args[0], ast.Constant)):
            shown.append(f"{_src(op.args[0])} is {_shown(_value(op.args[0], env))}")
    return f" ({', '.join(shown)})" if shown else ""

