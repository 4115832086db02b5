"""A state predicate written as a Python expression, evaluated safely (``--reach 'EXPR'``).

The expression sees the state as the trace prints it (``spec.show_state``: per-process
variables as ``{"a1": 0, ...}``, messages as records), so what a user reads in a trace is
what they write: ``any(m['type'] == '2b' for m in msgs)``, ``'Leader' in state.values()``.

Why it is safe: the text is parsed, and every node of its syntax tree must be of a short list
of kinds (literals, names, boolean/comparison/arithmetic operators without ``*`` and ``**``,
subscripts, comprehensions, conditional expressions, calls). There is no attribute access at
all except calling one of a few read-only methods (``values``, ``keys``, ``items``, ``count``,
``get``); a call may name only a whitelisted pure built-in (``len``, ``any``, ...); no name may
start with ``_``; no lambda, assignment, import or keyword argument. The compiled code then runs
with no built-ins except those. The classic escapes (``().__class__.__bases__``, ``"{0.__init__}"
.format``) all need an attribute the tree may not contain, and without ``*``/``**`` or ``range``
an expression cannot build a value much larger than the state it reads.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from typing import Any

from spec.core import SpecError

FUNCTIONS: dict[str, Callable[..., Any]] = {
    f.__name__: f for f in (len, min, max, sum, any, all, sorted, set, list, tuple, abs, bool, int, str)
}
METHODS = frozenset({"values", "keys", "items", "count", "get"})
_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mod, ast.FloorDiv, ast.Compare, ast.Eq, ast.NotEq, ast.Lt,
    ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.Call, ast.Name, ast.Load,
    ast.Store, ast.Constant, ast.Subscript, ast.Slice, ast.Tuple, ast.List, ast.Set, ast.Dict,
    ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.comprehension, ast.IfExp,
    ast.Attribute,
)  # fmt: skip


_STRING = re.compile(r"""('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""")


def _aliased(text: str, variables: Sequence[str]) -> tuple[str, dict[str, str]]:
    """``text`` with each variable whose name is no Python name (TLA+'s ``1aMsgs``, ``2bMsgs``) replaced, outside
    string literals, by a placeholder (``_var0``), and placeholder -> variable: such a variable is written as the
    trace prints it (``len(2bMsgs) >= 2``), where Python's parser refused it ("invalid decimal literal")."""
    odd = sorted((v for v in variables if not v.isidentifier()), key=len, reverse=True)
    if not odd:
        return text, {}
    alias = {v: f"_var{i}" for i, v in enumerate(odd)}
    name = re.compile(r"(?<![\w.'\"])(" + "|".join(map(re.escape, odd)) + r")(?!\w)")
    parts = _STRING.split(text)  # odd places: string literals, left alone
    text = "".join(p if i % 2 else name.sub(lambda m: alias[m[1]], p) for i, p in enumerate(parts))
    return text, {a: v for v, a in alias.items() if a in text}


def compile_predicate(text: str, variables: Sequence[str]) -> Callable[[dict[str, Any]], Any]:
    """Check ``text`` against the whitelist and compile it; the result maps a shown state to a value."""
    where = f"--reach {text!r}"
    given = text
    text, alias = _aliased(text, variables)
    alias = {a: v for a, v in alias.items() if a not in given}  # a placeholder the user wrote stays refused
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        odd = any(not v.isidentifier() for v in variables)  # 3bMsgs: a misspelt TLA+ name, or no variable
        names = f" (the state's variables: {', '.join(variables)})" if odd else ""
        raise SpecError(f"{where}: not a Python expression ({exc.msg}, column {exc.offset}){names}") from None
    bound = {n.id for c in ast.walk(tree) if isinstance(c, ast.comprehension) for n in ast.walk(c.target)
             if isinstance(n, ast.Name)}  # fmt: skip
    known = set(variables) | set(FUNCTIONS) | bound | set(alias)
    method_calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise SpecError(f"{where}: {type(node).__name__} is not allowed in a reach expression")
        if isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.Add, ast.Sub, ast.Mod, ast.FloorDiv)):
            raise SpecError(f"{where}: only + - % // are allowed as arithmetic")
        if isinstance(node, ast.Attribute) and (id(node) not in method_calls or node.attr not in METHODS):
            raise SpecError(f"{where}: .{node.attr} is not allowed (only calling {', '.join(sorted(METHODS))})")
        if isinstance(node, ast.Call):
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise SpecError(f"{where}: calls take plain positional arguments only")
            if not isinstance(node.func, ast.Attribute) and not (
                isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
            ):
                raise SpecError(f"{where}: only these functions may be called: {', '.join(FUNCTIONS)}")
        if isinstance(node, ast.Name):
            if node.id.startswith("_") and node.id not in alias:
                raise SpecError(f"{where}: names starting with '_' are not allowed")
            if node.id not in known:
                raise SpecError(f"{where}: unknown name {node.id!r} (the state's variables: {', '.join(variables)})")
    tree = _EqualityChecked(text, alias).visit(_MethodsAsFunctions().visit(tree))
    code = compile(ast.fix_missing_locations(tree), "<reach>", "eval")
    fixed = {"__builtins__": {}, **FUNCTIONS, **{f"_m_{m}": _method(m) for m in METHODS}, "_eq": _equal}

    def evaluate(shown: dict[str, Any]) -> Any:
        return eval(code, {**fixed, **shown, **{a: shown[v] for a, v in alias.items()}})  # noqa: S307 - checked above

    return evaluate


class _MethodsAsFunctions(ast.NodeTransformer):
    """``x.values()`` becomes ``_m_values(x)``: no attribute access is left in the compiled code."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute):
            name = ast.copy_location(ast.Name(id=f"_m_{f.attr}", ctx=ast.Load()), f)
            return ast.copy_location(ast.Call(func=name, args=[f.value, *node.args], keywords=[]), node)
        return node


class _EqualityChecked(ast.NodeTransformer):
    """``a == b`` becomes ``_eq(a, b, True, 'a', 'b')`` (``!=``: ``False``), which refuses to compare two kinds of
    container Python never finds equal: the trace prints a set as ``{}`` and ``{p1}``, but the expression sees it
    as a list, so ``crit == {}`` was false in every state and the search said "No state satisfies" of a state the
    trace shows. A chain ``a == b == c`` becomes ``a == b and b == c``, as Python reads it."""

    def __init__(self, text: str, alias: dict[str, str]) -> None:
        self.text, self.alias = text, alias

    def source(self, node: ast.expr) -> str:
        """The text of ``node``, with the variables' own names for their placeholders."""
        seg = ast.get_source_segment(self.text, node) or "?"
        return re.sub(r"_var\d+", lambda m: self.alias.get(m[0], m[0]), seg) if self.alias else seg

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if not any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
            return node
        sides = [node.left, *node.comparators]
        parts: list[ast.expr] = []
        for op, left, right in zip(node.ops, sides, sides[1:]):
            if isinstance(op, (ast.Eq, ast.NotEq)):
                texts = [ast.Constant(self.source(x)) for x in (left, right)]
                args = [left, right, ast.Constant(isinstance(op, ast.Eq)), *texts]
                call = ast.Call(ast.Name("_eq", ast.Load()), args, [])
                parts.append(ast.copy_location(call, node))
            else:
                parts.append(ast.copy_location(ast.Compare(left, [op], [right]), node))
        return parts[0] if len(parts) == 1 else ast.copy_location(ast.BoolOp(ast.And(), parts), node)


_KINDS = ((dict, "dict"), ((set, frozenset), "set"), (list, "list"), (tuple, "tuple"))


def _kind(x: Any) -> str | None:
    return next((name for types, name in _KINDS if isinstance(x, types)), None)


def _equal(a: Any, b: Any, eq: bool, a_text: str, b_text: str) -> bool:
    """``a == b`` (``a != b`` when not ``eq``), refused for a list, a tuple, a set or a dict against another of
    these kinds, at the top or inside (a dict's value for a key both have, an item at the same place of two
    sequences of one length): never equal, so the verdict would say nothing of the state."""
    clash = _clash(a, b, a_text, b_text)
    if clash:
        x, y, kx, ky = clash
        raise SpecError(
            f"{x} is a {kx} and {y} a {ky}, never equal in Python; here a set reads as a list, a sequence as "
            "a tuple and a function as a dict: compare like with like (x == [], sorted(x) == [...], set(x) == {...})"
        )
    return a == b if eq else a != b


def _clash(a: Any, b: Any, a_text: str, b_text: str, depth: int = 0) -> tuple[str, str, str, str] | None:
    """The first pair of values of different container kinds where ``a == b`` compares them, with their texts."""
    ka, kb = _kind(a), _kind(b)
    if ka and kb and ka != kb:
        return a_text, b_text, ka, kb
    if depth >= 8 or ka is None or ka != kb:  # bounded: a state is a few levels deep
        return None
    if ka == "dict":
        pairs = [(a[k], b[k], k) for k in a if k in b]
    elif ka in ("list", "tuple") and len(a) == len(b):
        pairs = [(x, y, i) for i, (x, y) in enumerate(zip(a, b))]
    else:
        return None
    subs = ((x, y, _part(a_text, k, x), _part(b_text, k, y)) for x, y, k in pairs)
    return next((c for x, y, tx, ty in subs if (c := _clash(x, y, tx, ty, depth + 1))), None)


def _part(text: str, key: Any, value: Any) -> str:
    """How to name ``text[key]``: so written after a variable (``ack['p1']``), else by its value (``{}``)."""
    if _PATH.fullmatch(text):
        return f"{text}[{key!r}]"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


_PATH = re.compile(r"[A-Za-z]\w*(\[[^\[\]]*\])*")


def _method(name: str) -> Callable[..., Any]:
    """``_m_values(x)``: call read-only method ``name`` of a dict, list or string value only."""

    def call(obj: Any, *args: Any) -> Any:
        if not isinstance(obj, (dict, list, tuple, str)):
            raise TypeError(f".{name}() on a {type(obj).__name__}")
        return getattr(obj, name)(*args)

    return call
