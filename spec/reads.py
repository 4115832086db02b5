"""Remembering a step or an enumerator by what it read of the state: the answers of ``where``.

A plainly written guard reads the message set through :meth:`spec.values.MsgSet.where`
(``s.msgs.where(type=PHASE1B, ins=rm, mbal=bal)``), and most steps of a search add one message
that falls in none of the groups a given guard asks about. A child set carries its parent's
index groups over as the same tuple objects (``msgs | {m}`` builds only the groups ``m`` falls
in anew), so "the guard's questions get the same answers" is a test of identity, a few
dictionary lookups, where running the guard again costs its whole Python code.

The rule, for a function ``f(self, s, *params)``:

1. Its source is read (:func:`reads_of`): every use of the state ``s`` must be ``s.F.where(...)``
   (a *where read* of field F), ``s.F`` (a *whole read* of F), or ``s`` handed to a method of the
   spec (``self.helper(s, ...)``, read the same way, a few calls deep). Anything else (``s`` in a
   call to another function, ``getattr(s, ...)``, ``s[0]``, iterating ``s``, a name rebinding
   ``s``, ``locals``/``vars``/``eval``/``exec``) and the function is not remembered at all.
   For a step, what is read inside ``return s._replace(...)`` (or ``return s``) is left out:
   that statement returns a state, never ``None``, so it cannot take part in a disabled verdict.
2. Only functions with at least one where read and no whole read of a field they read through
   ``where`` are remembered (a guard testing ``m in s.msgs`` reads the whole set, which changes
   in nearly every step: remembering it would cost more than it saves).
3. At run time the function runs once with :data:`spec.values.RECORD` on: each ``where`` it calls
   is recorded with its answer. A later call (same parameters) is answered from the record when
   each whole-read field holds the very object recorded and each recorded question gets the very
   answer recorded (``is``); the recorded objects are kept alive, so identities cannot be reused.
   A step's record is kept only for a ``None`` result (disabled); an enumerator's for its result.

Same answers, same reads, so the same path through the code and the same result: the counts,
the coverage and every trace are those of running the code each time. The spec's constants (what
``self`` holds) must not change once the check has started, as for enumerators that never read
the state (spec.core._once).
"""

from __future__ import annotations

import ast
import inspect
import operator
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from spec import values
from spec.values import MsgSet

DEPTH = 3
"""How many spec-method calls deep a state handed on is followed."""

RECORDS = 1 << 14
"""Records kept per step (one per parameter tuple; then the table starts over): bounded memory."""

_DYNAMIC = frozenset({"locals", "vars", "eval", "exec", "globals", "getattr", "__import__"})


@dataclass(frozen=True)
class Reads:
    """What a function reads of its state: fields read through ``where``, fields read whole."""

    where: frozenset[str]
    whole: frozenset[str]

    @property
    def rememberable(self) -> bool:
        """At least one where read, and no field both read through ``where`` and read whole."""
        return bool(self.where) and not (self.where & self.whole)


class _Unreadable(Exception):  # noqa: N818 - control flow: the code reads the state in a way not followed
    pass


def _function_node(fn: Callable) -> tuple[ast.FunctionDef | ast.Lambda, dict[int, ast.AST]] | None:
    """The AST of ``fn`` (a def, from its source lines; a lambda, from its file, picked by its first
    line) and a map child -> parent over it; ``None`` when the source cannot be had or is ambiguous."""
    code = fn.__code__
    node: ast.AST | None = None
    try:
        if code.co_name == "<lambda>":
            path = inspect.getsourcefile(fn)
            if path is None:
                return None
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno]
            if len(found) == 1 and [a.arg for a in found[0].args.args] == list(code.co_varnames[: code.co_argcount]):
                node = found[0]
        else:
            tree = ast.parse(textwrap.dedent("".join(inspect.getsourcelines(fn)[0])))
            if len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef) and tree.body[0].name == code.co_name:
                node = tree.body[0]
    except (OSError, TypeError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    if node is None:
        return None
    parents = {id(c): p for p in ast.walk(node) for c in ast.iter_child_nodes(p)}
    return node, parents  # type: ignore[return-value]


def _arg_names(node: ast.FunctionDef | ast.Lambda) -> list[str]:
    a = node.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
        raise _Unreadable
    return [x.arg for x in a.args]


def _returns_a_state(node: ast.AST, parents: dict[int, ast.AST], state: str) -> bool:
    """Whether ``node`` lies inside ``return s._replace(...)`` or ``return s``: a statement that
    returns a state, never None."""
    while not isinstance(node, (ast.Return, ast.FunctionDef, ast.Lambda)):
        node = parents.get(id(node))  # type: ignore[assignment]
        if node is None:
            return False
    if not isinstance(node, ast.Return) or node.value is None:
        return False
    v = node.value
    if isinstance(v, ast.Name) and v.id == state:
        return True
    return (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr == "_replace"
            and isinstance(v.func.value, ast.Name) and v.func.value.id == state)


def _scan(fn: Callable, state_pos: int, spec_cls: type, step: bool, depth: int,
          where: set[str], whole: set[str]) -> None:
    """Add to ``where``/``whole`` what ``fn`` reads of its argument number ``state_pos``
    (0 is ``self``); raise :class:`_Unreadable` for any use not followed."""
    if depth > DEPTH:
        raise _Unreadable
    got = _function_node(fn)
    if got is None:
        raise _Unreadable
    node, parents = got
    names = _arg_names(node)
    if len(names) <= state_pos:
        raise _Unreadable
    state, this = names[state_pos], names[0]
    body = node.body if isinstance(node, ast.FunctionDef) else [node.body]
    for sub in (n for b in body for n in ast.walk(b)):
        if isinstance(sub, ast.Name) and sub.id in _DYNAMIC:
            raise _Unreadable
        if isinstance(sub, (ast.Global, ast.Nonlocal)) and state in sub.names:
            raise _Unreadable
        if isinstance(sub, ast.arg) and sub.arg == state:  # a nested scope rebinding the name
            raise _Unreadable
        if not (isinstance(sub, ast.Name) and sub.id == state):
            continue
        if not isinstance(sub.ctx, ast.Load):
            raise _Unreadable
        if step and _returns_a_state(sub, parents, state):
            continue
        up = parents.get(id(sub))
        if isinstance(up, ast.Attribute) and up.value is sub:
            if up.attr.startswith("_"):
                raise _Unreadable
            up2 = parents.get(id(up))
            if (isinstance(up2, ast.Attribute) and up2.attr == "where" and up2.value is up
                    and isinstance(parents.get(id(up2)), ast.Call) and parents[id(up2)].func is up2):
                where.add(up.attr)
            else:
                whole.add(up.attr)
            continue
        if (isinstance(up, ast.Call) and sub in up.args and not any(isinstance(a, ast.Starred) for a in up.args)
                and isinstance(up.func, ast.Attribute) and isinstance(up.func.value, ast.Name)
                and up.func.value.id == this):
            method = inspect.getattr_static(spec_cls, up.func.attr, None)
            if not inspect.isfunction(method):
                raise _Unreadable
            _scan(method, up.args.index(sub) + 1, spec_cls, False, depth + 1, where, whole)
            continue
        raise _Unreadable


def reads_of(fn: Callable, spec_cls: type, *, step: bool) -> Reads | None:
    """What ``fn(self, s, ...)`` (a step when ``step``, else an enumerator) reads of ``s``, or
    ``None`` when its code uses the state in a way this reading does not follow."""
    fn = getattr(fn, "__func__", fn)
    if not inspect.isfunction(fn):
        return None
    where: set[str] = set()
    whole: set[str] = set()
    try:
        _scan(fn, 1, spec_cls, step, 0, where, whole)
    except _Unreadable:
        return None
    return Reads(frozenset(where), frozenset(whole))


# -- the records -----------------------------------------------------------------------------------

_MISS: Any = object()


class _Record:
    """What one run read (the whole-read objects, the questions and their answers) and its result."""

    __slots__ = ("wholes", "questions", "result")

    def __init__(self, wholes: tuple, questions: tuple, result: Any) -> None:
        self.wholes, self.questions, self.result = wholes, questions, result

    def answer(self, state: Any, getters: tuple[Callable[[Any], Any], ...]) -> Any:
        """The recorded result if ``state`` reads as recorded, else :data:`_MISS`."""
        for get, obj in zip(getters, self.wholes):
            if get(state) is not obj:
                return _MISS
        for get, key, ans in self.questions:
            ms = get(state)
            if ms.__class__ is not MsgSet:
                return _MISS
            index = ms._index
            if index.__class__ is not dict:
                index = ms._inherit()
            if index.get(key) is not ans:
                return _MISS
        return self.result


def _recorded(fn: Callable, state: Any, args: tuple, where_fields: tuple[str, ...],
              getters: tuple[Callable[[Any], Any], ...]) -> tuple[Any, _Record | None]:
    """Run ``fn(state, *args)`` recording its ``where`` questions; the result and its record (``None``
    when a question went to a set that is none of the state's where-read fields)."""
    log: list[tuple[MsgSet, tuple, tuple]] = []
    values.RECORD.append(log)
    try:
        result = fn(state, *args)
    finally:
        values.RECORD.pop()
    fields = {id(getattr(state, f)): operator.attrgetter(f) for f in where_fields}
    questions = []
    for ms, key, ans in log:
        get = fields.get(id(ms))
        if get is None:  # a where on some other set (a parameter's, a constant's): not remembered
            return result, None
        questions.append((get, key, ans))
    return result, _Record(tuple(g(state) for g in getters), tuple(questions), result)


def remembered_step(step: Callable, reads: Reads) -> Callable:
    """``step(s, *params)`` answered ``None`` from its record when ``s`` reads as when it was disabled."""
    getters = tuple(operator.attrgetter(f) for f in sorted(reads.whole))
    where_fields = tuple(sorted(reads.where))
    records: dict[tuple, _Record] = {}

    def step_remembered(s: Any, *params: Any) -> Any:
        try:
            rec = records.get(params)
        except TypeError:  # an unhashable parameter: run as written (the contract checks name it)
            return step(s, *params)
        if rec is not None and rec.answer(s, getters) is None:
            return None
        result, rec = _recorded(step, s, params, where_fields, getters)
        if result is None and rec is not None:
            if len(records) >= RECORDS:
                records.clear()
            records[params] = rec
        return result

    step_remembered.__wrapped__ = step  # type: ignore[attr-defined]
    return step_remembered


def remembered_enumerator(enum: Callable[[Any], Iterable[tuple]], reads: Reads) -> Callable[[Any], Any]:
    """``enum(s)`` answered from its last record when ``s`` reads as it did then."""
    getters = tuple(operator.attrgetter(f) for f in sorted(reads.whole))
    where_fields = tuple(sorted(reads.where))
    last: list[_Record | None] = [None]

    def enum_remembered(s: Any) -> Any:
        rec = last[0]
        if rec is not None:
            out = rec.answer(s, getters)
            if out is not _MISS:
                return out
        result, rec = _recorded(lambda st: tuple(enum(st)), s, (), where_fields, getters)
        last[0] = rec
        return result

    return enum_remembered
