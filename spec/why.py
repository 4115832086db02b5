"""Why a boolean expression read from a spec's source is true or false: the part that decides and the values it read.

The one reading of a spec's conditions that a report explains: an invariant that fails (modelcheck/engine/failing.py,
"for h = 0: s.phase[h] == GROWING is false (s.phase[h] is 1, GROWING is 0)") and a guard that refused a step
(spec/refusal.py, "if st[i] == LEADER: (st[i] is 2, LEADER is 2)"). The expression is gone into as far as one part
decides it: the first false conjunct of an ``and`` (the first true part of an ``or``), the operand of a ``not``, the
first binding of an ``all(...)``'s variables for which its condition is false (of an ``any(...)``'s, for which it
holds). The part found shows the values of a comparison's sides that are not literals (and of ``len(x)``'s ``x``),
each cut to :data:`VALUE_WIDTH` characters, saying how much was cut: a long log or a set of messages is never
printed whole.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from spec.core import compact, order_key, shown_value

__all__ = ["MAX_BINDINGS", "VALUE_WIDTH", "Why", "evaluate", "shown", "why"]

#: Bindings of a generator tried before giving up (a generator over a large set of messages).
MAX_BINDINGS = 10_000
#: The longest value written out in full; a longer one is cut, with how much was left out.
VALUE_WIDTH = 60


@dataclass(frozen=True)
class Why:
    """The part of an expression that decides its truth: its source, its truth (``holds``), the binding of the
    generator variables it was found under (source name, shown value), the values of its sides, and whether it is
    the whole expression (or what a ``not`` of it negates: no other part was passed over)."""

    part: str
    holds: bool
    binding: tuple[tuple[str, str], ...]
    values: tuple[tuple[str, str], ...]
    whole: bool

    def said_values(self) -> str:
        """``x is 1, GROWING is 0`` ("" when the part compares nothing but literals, or is no comparison)."""
        return ", ".join(f"{src} is {value}" for src, value in self.values)

    def said_binding(self) -> str:
        """``h = 0, m = <<1, 2>>`` ("" outside a generator)."""
        return ", ".join(f"{name} = {value}" for name, value in self.binding)

    def text(self) -> str:
        """``for h = 0: s.phase[h] == GROWING is false (s.phase[h] is 1, GROWING is 0)``."""
        values = self.said_values()
        out = f"{self.part} {'holds' if self.holds else 'is false'}" + (f" ({values})" if values else "")
        return f"for {self.said_binding()}: {out}" if self.binding else out


def evaluate(node: ast.expr, env: dict[str, Any]) -> Any:
    """The value of ``node`` in the names ``env`` (a spec's own expression, which the checker already runs)."""
    code = compile(ast.fix_missing_locations(ast.Expression(node)), "<spec>", "eval")
    return eval(code, env)  # noqa: S307 -- the spec's own code


def why(node: ast.expr, env: dict[str, Any], holds: bool, text: str | None = None) -> Why:
    """Why ``node``, whose truth in ``env`` is ``holds``, is so; parts are spelt as ``text`` (the source ``node``
    was parsed from) writes them, else as ``ast.unparse`` does. A part that raises when evaluated alone raises."""
    part, truth, binding, inner = _decides(node, env, holds, ())
    bound = {k for k, _ in binding}
    return Why(_src(part, text), truth, tuple((k, shown(v)) for k, v in binding if k != "_"),
               tuple(_sides(part, inner, text, bound)), _negations_only(node, part))


def _negations_only(node: ast.expr, part: ast.expr) -> bool:
    """Whether ``part`` is ``node`` under nothing but ``not``s."""
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and node is not part:
        node = node.operand
    return node is part


def _decides(node: ast.expr, env: dict[str, Any], holds: bool,
             binding: tuple[tuple[str, Any], ...]) -> tuple[ast.expr, bool, tuple[tuple[str, Any], ...], dict]:
    """(the deciding part, its truth, the generator binding it is under, the names it is evaluated in)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _decides(node.operand, env, not holds, binding)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or if holds else ast.And):
        first = next(v for v in node.values if bool(evaluate(v, env)) is holds)
        return _decides(first, env, holds, binding)
    gen = _generator(node, "any" if holds else "all")
    if gen is not None:
        for bound, inner in _bindings(gen.generators, env):
            if bool(evaluate(gen.elt, inner)) is holds:
                return _decides(gen.elt, inner, holds, binding + tuple(bound.items()))
    return node, holds, binding, env


def _src(node: ast.expr, text: str | None) -> str:
    segment = ast.get_source_segment(text, node) if text is not None else None
    if segment is not None:
        return " ".join(segment.split())
    unparsed = ast.unparse(node)
    if isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.args[0], ast.GeneratorExp):
        name = ast.unparse(node.func)  # ast.unparse writes any(x for x in y) as any((x for x in y))
        if unparsed.startswith(name + "((") and unparsed.endswith("))"):
            return unparsed[: len(name) + 1] + unparsed[len(name) + 2 : -2] + ")"
    return unparsed


def shown(value: Any, width: int = VALUE_WIDTH) -> str:
    """A value as reports write it (spec.core.compact), at most about ``width`` characters: a longer collection
    keeps its first elements (a sequence its first and last: where two logs differ is often their end) and counts
    them (``<<1, 2, ..., 499, 500>> (4 of 500 shown)``), anything else keeps its first characters and says its length
    (``abc... (1,204 characters)``)."""
    return _fitted(value, width)


def _fitted(value: Any, width: int) -> str:
    if isinstance(value, (set, frozenset)):  # (in value order, as spec.core.shown_value gives a set)
        value = sorted(value, key=order_key)
    if not isinstance(value, (list, tuple, dict)) or len(value) < 2:
        text = compact(shown_value(value))
        return text if len(text) <= width else f"{text[:width]}... ({len(text):,} characters)"
    opening, closing = ("{", "}") if isinstance(value, list) else ("<<", ">>") if isinstance(value, tuple) \
        else ("[", "]")
    items = list(value.items()) if isinstance(value, dict) else value  # (a tuple or list: indexed, not copied)
    said = (lambda k: f"{items[k][0]} |-> {compact(shown_value(items[k][1]))}") if isinstance(value, dict) \
        else (lambda k: compact(shown_value(items[k])))  # (each element as it is shown: not the whole value first)
    whole, used = [], len(opening) + len(closing)
    for k in range(len(items)):  # (element by element: a log of a million entries is not written out to be cut)
        whole.append(said(k))
        used += len(whole[-1]) + 2 * (k > 0)
        if used > width:
            break
    else:
        return opening + ", ".join(whole) + closing
    front: list[str] = []
    back: list[str] = []
    lo, hi, used = 0, len(items) - 1, len(opening) + len(closing) + len("...")
    while lo <= hi:  # a sequence alternates between its two ends
        at_end = isinstance(value, tuple) and len(back) < len(front)
        item = said(hi if at_end else lo)
        if used + len(item) + 2 > width:
            break
        used += len(item) + 2
        if at_end:
            back.insert(0, item)
            hi -= 1
        else:
            front.append(item)
            lo += 1
    if not front:  # (one element alone is wider: its start)
        first = _fitted(items[0] if not isinstance(value, dict) else items[0][1], width)
        front = [first if not isinstance(value, dict) else f"{items[0][0]} |-> {first}"]
    return f"{opening}{', '.join([*front, '...', *back])}{closing} ({len(front) + len(back)} of {len(items):,} shown)"


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
        for item in evaluate(g.iter, inner):
            count += 1
            if count > MAX_BINDINGS:
                return
            names = _assign(g.target, item)
            deeper = {**inner, **names}
            if all(evaluate(c, deeper) for c in g.ifs):
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


def _sides(node: ast.expr, env: dict[str, Any], text: str | None, bound: set[str]) -> Iterator[tuple[str, str]]:
    """The values of a comparison's operands that are not literals nor a generator's variable (``bound``, said in
    the binding), and of the argument of a ``len(...)`` among them (``len(agreed) <= 1`` is false: which values
    were agreed); of a variable, field or element taken for its truth, its value unless a bool (``not s.req``:
    which requests)."""
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and not (isinstance(node, ast.Name)
                                                                          and node.id in bound):
        value = evaluate(node, env)
        if not isinstance(value, bool):
            yield _src(node, text), shown(value)
    if not isinstance(node, ast.Compare):
        return
    for op in [node.left, *node.comparators]:
        if isinstance(op, ast.Constant) or isinstance(op, ast.Name) and op.id in bound:
            continue
        yield _src(op, text), shown(evaluate(op, env))
        if (isinstance(op, ast.Call) and isinstance(op.func, ast.Name) and op.func.id == "len"
                and len(op.args) == 1 and not isinstance(op.args[0], ast.Constant)
                and not (isinstance(op.args[0], ast.Name) and op.args[0].id in bound)):
            yield _src(op.args[0], text), shown(evaluate(op.args[0], env))
