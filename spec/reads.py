"""Remembering an action's parameters by what its code reads of the state: the answers of ``where``.

A plainly written guard reads the message set through :meth:`spec.values.MsgSet.where`
(``s.msgs.where(type=PHASE1B, ins=rm, mbal=bal)``), and in most steps of a search the new message
falls in none of the groups the guard asks about: PaxosCommit's ``Phase2a`` is disabled in 93% of
its calls, for a quorum whose 1b messages have not changed. Asking the index the same questions
costs a few dictionary lookups (one C call); running the guard again costs its whole Python code.

The rule, for an action whose enumerator is ``params(self, s)`` and whose step is ``step(self, s, *p)``:

1. Their source is read (:func:`reads_of`): every use of the state ``s`` must be ``s.F.where(...)``
   (a *where read* of field F), ``s.F`` (a *whole read* of F), or ``s`` handed to a method of the
   spec (``self.helper(s, ...)``, read the same way, a few calls deep). Any other use (``s`` given
   to another function, ``getattr``, ``s[0]``, iterating ``s``, a nested scope rebinding ``s``,
   ``locals``/``vars``/``eval``/``exec``) and the action is run as written. For a step, what is
   read inside ``return s._replace(...)`` or ``return s`` is left out: that statement ends the
   step with a state, so it cannot decide whether the step is enabled.
2. When the step reads only through ``where`` on one field F, and the enumerator too (or it does
   not read the state at all), the action's enumerator gives only the parameters whose step is
   enabled; when only the enumerator reads so, its result is remembered.
3. At run time (:class:`_Memo`) a run records the questions asked (:data:`spec.values.RECORD`);
   the answers F's index gives to every question asked so far, in order, are the key of the
   result. A state whose answers are equal takes the same path through the code: the same
   parameters, the same enabled ones. The engine still runs every enabled step itself.

Counts, coverage and traces are exactly those of running the code each time (tests/test_reads.py
compares them on every shipped example and user spec). It rests on what the checker assumes
anyway: steps and enumerators are functions of the state, their parameters and the spec's
constants (which do not change once the check has started, as for spec.core._once), and values
equal as Python values are one value (the store identifies states by their hash). A spec that
needs otherwise sets ``remember_reads = False``.
"""

from __future__ import annotations

import ast
import dis
import functools
import inspect
import operator
import textwrap
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from spec import values
from spec.values import MsgSet

DEPTH = 3
"""How many spec-method calls deep a state handed on is followed."""

_FRAME = frozenset({"locals", "vars", "eval", "exec"})
"""Names that reach a function's local variables without naming them."""

_DYNAMIC = _FRAME | {"globals", "getattr", "__import__"}
"""Names whose use on a state this reading does not follow."""

_LOCAL_OPS = frozenset(dis.haslocal) | frozenset(dis.hasfree)


@dataclass(frozen=True)
class Reads:
    """What a function reads of its state: fields read through ``where``, fields read whole."""

    where: frozenset[str]
    whole: frozenset[str]

    @property
    def rememberable(self) -> bool:
        """At least one where read and no whole read: the answers are then all the code reads. A whole
        read of another field (``s.x > 0 and s.msgs.where(...)``) is not in the memo's key, so a state
        differing only there would get the answer of another."""
        return bool(self.where) and not self.whole


def names_state(fn: Callable, pos: int = 1) -> bool:
    """Whether ``fn`` may read its argument number ``pos`` (0 is ``self``): False only for a plain
    function whose code never names it (``lambda self, s: ((rm,) for rm in self.RM)``), nor a nested
    scope it opens, nor uses a name in :data:`_FRAME`. Read from the bytecode, without the source:
    the first step of :func:`reads_of`, and all spec.core needs to take an enumerator once.
    Anything but a plain function may read it: a compiled function (Cython's) has a ``__code__``
    without the bytecode read here, and a wrapper's arguments are not its code's (a ``staticmethod``'s
    state is its argument 0, a method bound to another object's its argument 2)."""
    if not inspect.isfunction(fn):
        return True
    code = fn.__code__
    if code.co_argcount <= pos or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return True
    arg = code.co_varnames[pos]
    if arg in code.co_cellvars or _FRAME & set(code.co_names):
        return True
    return any(ins.opcode in _LOCAL_OPS and _operand_names(ins.argval, arg) for ins in dis.get_instructions(code))


def _operand_names(argval: object, arg: str) -> bool:
    """Whether an instruction's operand names local ``arg``: Python 3.13's superinstructions
    (``LOAD_FAST_LOAD_FAST`` for ``f(self, s)``) name two locals at once, as a tuple."""
    return argval == arg or (isinstance(argval, tuple) and arg in argval)


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
            found = [n for n in _lambdas(path) if n.lineno == code.co_firstlineno]
            if len(found) == 1 and [a.arg for a in found[0].args.args] == list(code.co_varnames[: code.co_argcount]):
                node = found[0]
        else:
            tree = _parse(textwrap.dedent("".join(inspect.getsourcelines(fn)[0])), code.co_filename)
            if len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef) and tree.body[0].name == code.co_name:
                node = tree.body[0]
    except (OSError, TypeError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    if node is None:
        return None
    parents = {id(c): p for p in ast.walk(node) for c in ast.iter_child_nodes(p)}
    return node, parents  # type: ignore[return-value]


@functools.lru_cache(maxsize=16)
def _lambdas(path: str) -> list[ast.Lambda]:
    """The lambdas of a source file (read once per file: a spec's enumerators are mostly lambdas)."""
    with open(path, encoding="utf-8") as f:
        return [n for n in ast.walk(_parse(f.read(), path)) if isinstance(n, ast.Lambda)]


def _parse(source: str, path: str) -> ast.Module:
    """The AST of ``source``: the spec's own import already said what its text warns about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, path)


def _arg_names(node: ast.FunctionDef | ast.Lambda) -> list[str]:
    a = node.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
        raise _Unreadable
    return [x.arg for x in a.args]


def _returns_a_state(node: ast.AST, parents: dict[int, ast.AST], state: str) -> bool:
    """Whether ``node`` lies inside ``return s._replace(...)`` or ``return s`` of the function itself
    (not of a function nested in it): a statement that ends the step with a state, never None."""
    ret: ast.AST | None = None
    up: ast.AST | None = node
    while up is not None:
        if isinstance(up, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if parents.get(id(up)) is not None:  # a nested function: its return is not the step's
                return False
            break
        if isinstance(up, ast.Return) and ret is None:
            ret = up
        up = parents.get(id(up))
    if not isinstance(ret, ast.Return) or ret.value is None:
        return False
    v = ret.value
    if isinstance(v, ast.Name) and v.id == state:
        return True
    return (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr == "_replace"
            and isinstance(v.func.value, ast.Name) and v.func.value.id == state)


def _scan(fn: Callable, state_pos: int, spec_cls: type, step: bool, depth: int,
          where: set[str], whole: set[str]) -> None:
    """Add to ``where``/``whole`` what ``fn`` reads of its argument number ``state_pos``
    (0 is ``self``); raise :class:`_Unreadable` for any use not followed."""
    if not names_state(fn, state_pos):  # reads nothing of it: no source to parse
        return
    if depth > DEPTH:
        raise _Unreadable
    got = _function_node(fn)
    if got is None:
        raise _Unreadable
    node, parents = got
    names = _arg_names(node)
    if len(names) <= state_pos:
        raise _Unreadable
    body = node.body if isinstance(node, ast.FunctionDef) else [node.body]
    _walk(body, parents, names[state_pos], names[0], spec_cls, step, depth, where, whole)


def _walk(body: Sequence[ast.AST], parents: dict[int, ast.AST], state: str, this: str, spec_cls: type, step: bool,
          depth: int, where: set[str], whole: set[str]) -> None:
    """:func:`_scan` on the nodes ``body`` of a function whose state argument is named ``state`` and
    whose spec argument ``this``."""
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
                    and isinstance(call := parents.get(id(up2)), ast.Call) and call.func is up2):
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
    ``None`` when its code uses the state in a way this reading does not follow (or ``fn`` is neither a
    plain function nor a method bound to a spec of ``spec_cls``: see :func:`names_state`)."""
    plain = _function_of(fn, spec_cls)
    if plain is None:
        return None
    where: set[str] = set()
    whole: set[str] = set()
    try:
        _scan(plain, 1, spec_cls, step, 0, where, whole)
    except _Unreadable:
        return None
    return Reads(frozenset(where), frozenset(whole))


def conjuncts(fn: Callable | None, spec_cls: type) -> list[tuple[Callable[[Any, Any], Any], str | None]] | None:
    """An invariant written ``return A and B and ...`` (its only statement, a docstring aside), as one
    function of ``(self, s)`` per conjunct, each with the one state variable it reads (``None`` when it
    reads several, none, or the state otherwise than through ``s.F``, as :func:`reads_of` follows it);
    ``None`` when ``fn`` is not written so (or names a private identifier, ``self.__limit``, which only its
    class body's compilation renames). The conjuncts are compiled from the function's own source,
    with its globals and line numbers: they raise what it raises, where it raises it."""
    fn = getattr(fn, "__func__", fn)
    if not inspect.isfunction(fn) or fn.__code__.co_freevars or fn.__code__.co_name == "<lambda>":
        return None
    got = _function_node(fn)
    if got is None:
        return None
    node, parents = got
    if not isinstance(node, ast.FunctionDef):
        return None
    if any(_private(n) for n in ast.walk(node)):  # self.__limit: compiled outside its class, not mangled
        return None
    try:
        names = _arg_names(node)
    except _Unreadable:
        return None
    body = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
    if len(names) != 2 or len(body) != 1 or not isinstance(body[0], ast.Return):
        return None
    expr = body[0].value
    if expr is None:
        return None
    parts = expr.values if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.And) else [expr]
    args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in names], kwonlyargs=[], kw_defaults=[],
                         defaults=[])
    out: list[tuple[Callable[[Any, Any], Any], str | None]] = []
    for part in parts:
        where: set[str] = set()
        whole: set[str] = set()
        try:
            _walk([part], parents, names[1], names[0], spec_cls, False, 0, where, whole)
            fields = where | whole
        except _Unreadable:
            fields = set()
        lam = ast.Expression(ast.Lambda(args=args, body=part))
        ast.fix_missing_locations(lam)
        ast.increment_lineno(lam, fn.__code__.co_firstlineno - 1)
        try:
            code = compile(lam, fn.__code__.co_filename, "eval")
        except (SyntaxError, ValueError):  # a construct a lambda cannot hold (an await, a yield)
            return None
        out.append((eval(code, fn.__globals__), next(iter(fields)) if len(fields) == 1 else None))  # noqa: S307
    return out


def _private(node: ast.AST) -> bool:
    """Whether ``node`` names a private identifier (``__limit``), which Python renames inside a class body
    (``_Spec__limit``): code compiled from the text outside the class would look up another name."""
    for name in (getattr(node, "id", None), getattr(node, "attr", None), getattr(node, "arg", None)):
        if isinstance(name, str) and name.startswith("__") and not name.endswith("__"):
            return True
    return False


_READS: dict[tuple, Reads | None] = {}


def _function_of(fn: Callable, spec_cls: type) -> Callable | None:
    """The plain function ``fn(self, s, ...)`` is: ``fn`` itself, or the function of a method bound to a
    spec of ``spec_cls``; ``None`` for anything else (whose arguments are not its code's)."""
    if inspect.ismethod(fn) and isinstance(fn.__self__, spec_cls):
        fn = fn.__func__
    return fn if inspect.isfunction(fn) else None


def _cached_reads(fn: Callable | None, cls: type, step: bool) -> Reads | None:
    """:func:`reads_of`, once per function, class and kind (a spec class is built many times)."""
    fn = None if fn is None else _function_of(fn, cls)
    if fn is None:
        return None
    key = (fn, cls, step)
    if key not in _READS:
        _READS[key] = reads_of(fn, cls, step=step)
    return _READS[key]


# -- the memo ------------------------------------------------------------------------------------------

_MISS: Any = object()

TABLE = 1 << 15
"""Results remembered per action (then the table starts over): bounded memory."""


_MemoBase: Any = object if values._native is None else values._native.MemoBase  # compiled: the slots, the lookup


class _Memo(_MemoBase):
    """``fn(s)`` remembered by the answers ``s.F.where(...)`` gives to every question ``fn`` asked so far.

    ``fn`` reads the state only through ``where`` on field F (checked by :func:`reads_of`). A run
    asks some questions, each answered from F's index; the answers, in the order of the
    questions, are the key of its result. A later state whose answers to the same questions are
    equal takes the same path through the code and gets the same result. A run that asks a
    question not asked before adds it to the list (and starts the table over).

    Threads (the explorer searches on one while its pages enumerate on another): recorded runs take
    one lock, so a record holds every question its run asked (another thread's questions can only
    add to it, or turn the memo off); the key function and its table are read as one pair."""

    __slots__ = ("fn", "plain", "get_field", "keys", "now", "off") if values._native is None else ()

    def __init__(self, fn: Callable[[Any], Any], plain: Callable[[Any], Any], field: str) -> None:
        self.fn, self.plain, self.get_field = fn, plain, operator.attrgetter(field)
        self.keys: tuple = ()
        self.now: tuple[Callable[[dict], Any], dict[Any, Any]] = (_no_answers, {})  # (answers_of, table)
        self.off = False  # a run asked a set other than s.F, or raised: run as written from then on

    def __call__(self, s: Any) -> Any:
        if self.off:
            return self.plain(s)
        ms = self.get_field(s)
        if ms.__class__ is not MsgSet:
            return self.plain(s)
        index = ms._index
        if index.__class__ is not dict:
            index = ms._inherit()
        answers_of, table = self.now
        try:
            found = table.get(answers_of(index), _MISS)
        except KeyError:  # a question this set's lineage never asked: answered by the run below
            found = _MISS
        if found is not _MISS:
            return found
        return self._locked_run(s, ms)

    call = __call__  # what remembered() hands out: a bound method (compiled: a builtin one, the same lookup)

    def _locked_run(self, s: Any, ms: MsgSet) -> Any:
        """A miss: :meth:`run` under the lock."""
        with _RUNNING:
            return self.run(s, ms)

    def run(self, s: Any, ms: MsgSet) -> Any:
        """Run ``fn`` recording its questions; remember the result under the answers."""
        log: list[tuple[MsgSet, values.Question, tuple]] = []
        values.RECORD.append(log)
        try:
            result = self.fn(s)
        except Exception:  # a spec error: run as written from now on, so it is raised and named where it always is
            self.off, self.now = True, (_no_answers, {})
            return self.plain(s)
        finally:
            values.RECORD.pop()
        if self.off or any(asked is not ms for asked, _, _ in log):
            self.off, self.now = True, (_no_answers, {})
            return self.plain(s)
        answers_of, table = self.now
        new = tuple(dict.fromkeys(values._canonical(k) for _, k, _ in log if k not in self.keys))
        if new:  # the key of a result: the answers in the order of the questions (the answer itself for one)
            self.keys += new
            answers_of, table = operator.itemgetter(*self.keys), {}
        index = ms._index
        for k in self.keys:
            if k not in index:  # asked in another state only: ask it here too (where remembers it)
                ms.where(**dict(k))
        if len(table) >= TABLE:
            table = {}
        table[answers_of(index)] = result
        self.now = (answers_of, table)
        return result


_RUNNING = threading.RLock()

if values._native is not None:  # the compiled base's lookup replaces the Python one (the same semantics, in C)
    del _Memo.__call__, _Memo.call


def _no_answers(index: dict) -> tuple:
    return ()


def _names(code: Any) -> Iterable[str]:
    """The names a code object and the code nested in it use."""
    yield from code.co_names
    for c in code.co_consts:
        if hasattr(c, "co_names"):
            yield from _names(c)


_ASKS: dict[type, bool] = {}


def _asks_where(cls: type) -> bool:
    """Whether any function of the spec class (its own or inherited, but the base Spec's) calls
    something named ``where``: only then can an action read the state through it. Once per class."""
    asks = _ASKS.get(cls)
    if asks is None:
        from spec.core import Spec  # spec.core imports this module: not at the top

        asks = _ASKS[cls] = any(
            "where" in _names(f.__code__)
            for k in cls.__mro__ if k not in (Spec, object)
            for v in vars(k).values()
            for f in [getattr(v, "__func__", v), getattr(v, "__paxraft_action__", None)]
            if inspect.isfunction(f)
        )
    return asks


def remembered(cls: type, step: Callable, enum_code: Callable | None, enum: Callable[[Any], Any],
               constant: bool) -> Callable[[Any], Any]:
    """The action's enumerator, remembered when its code and (to leave out disabled parameters)
    its step's code read the state only through ``where`` on one field; else ``enum`` itself.
    ``enum_code``: the enumerator as ``@action`` was given it, when that is a plain function
    ``params(self, s)`` (else ``None``: not read).

    - constant enumerator, step read so: the enumerator gives only the parameters whose step is
      enabled (the engine then runs just those);
    - enumerator read so, step not: the enumerator's result is remembered;
    - enumerator and step read so: the enabled ones among the enumerator's parameters.
    """
    if not _asks_where(cls):
        return enum
    step_reads = _cached_reads(step, cls, True) if inspect.ismethod(step) else None  # (a staticmethod's: not read)
    enum_reads = None if constant else _cached_reads(enum_code, cls, False)
    step_ok = step_reads is not None and step_reads.rememberable and len(step_reads.where) == 1
    enum_ok = constant or (enum_reads is not None and enum_reads.rememberable and len(enum_reads.where) == 1)
    if not enum_ok:
        return enum
    if step_ok and (constant or step_reads.where == enum_reads.where):  # type: ignore[union-attr]
        field = next(iter(step_reads.where))  # type: ignore[union-attr]

        def enabled(s: Any) -> tuple:
            params = tuple(enum(s))
            if not all(p.__class__ is tuple for p in params):
                raise _Unreadable  # not parameter tuples: the contract check names it (run as written)
            return tuple([p for p in params if step(s, *p) is not None])

        return _Memo(enabled, enum, field).call  # a bound method: called in half the time of the object
    if constant:
        return enum
    return _Memo(lambda s: tuple(enum(s)), enum, next(iter(enum_reads.where))).call  # type: ignore[union-attr]


def memo_of(enum: Callable[[Any], Any]) -> _Memo | None:
    """The memo behind an action's enumerator, if :func:`remembered` gave it one."""
    memo = getattr(enum, "__self__", None)
    return memo if isinstance(memo, _Memo) else None
