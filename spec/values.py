"""Building blocks that make a plainly written spec fast: cheap EXCEPT, quick record updates,
and a message set whose "messages of type t with field f = x" is a lookup, not a scan.

A checker spends its time in the spec's own steps, millions of times over. These helpers do
what the shipped specs used to do by hand, behind names a TLA+ reader knows:

- :func:`EXCEPT` is ``[f EXCEPT ![i] = v]`` for a function held as a tuple, two to three times
  faster than slicing, and it returns ``f`` itself when ``f[i]`` already is ``v``.
- :func:`record` gives a NamedTuple state a ``_replace`` several times faster than the
  standard one, which returns the state itself when nothing changes (so a step that changes
  nothing is recognised by identity, and the checker skips hashing it).
- :class:`MsgSet` is a frozenset (equal to and hashing as one) with ``where(field=value, ...)``:
  the messages whose fields have those values, from an index built once per set and carried
  over from the set it was made from (``msgs | {m}`` adds ``m`` to a copy of the parent's index);
  ``msgs.all(P)`` tests only the messages added since a parent that passed ``P``.

All three are values: nothing here changes what a state is, only how fast it is built and read.

Their hot parts are compiled too (spec/_native.c, built by ``make setup``): :data:`BACKEND` says
which code runs. The Python code below is the definition and the fallback (PyPy, a failed build,
``PAXRAFT_NATIVE=0``); the compiled code computes the same values, hashes and identities.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

PYPY = sys.implementation.name == "pypy"
"""On PyPy a MsgSet keeps its hash incrementally (see _pypy_set_hash); CPython runs none of that code."""


_API = 3
"""The interface spec/_native.c's API constant names (raised with any change to configure or the types)."""


def _load_native() -> tuple[ModuleType | None, str]:
    """spec._native when it is built and wanted, and the line saying which code runs (:data:`BACKEND`)."""
    if PYPY:
        return None, "pure Python (PyPy)"
    if os.environ.get("PAXRAFT_NATIVE", "1") == "0":
        return None, "pure Python (PAXRAFT_NATIVE=0)"
    try:
        from spec import _native  # type: ignore[attr-defined]
    except ImportError as e:
        return None, f"pure Python (spec._native not built: {e}; make setup builds it)"
    if getattr(_native, "API", None) != _API:
        return None, "pure Python (spec._native is out of date: make setup rebuilds it)"
    return _native, "compiled (spec/_native.c; PAXRAFT_NATIVE=0 for pure Python)"


_native, BACKEND = _load_native()
NATIVE = _native is not None
"""Whether spec.values' building blocks run compiled; :data:`BACKEND` says so in words."""

# -- [f EXCEPT ![i] = v] ---------------------------------------------------------------------


def _setter(n: int, i: int) -> Callable[[tuple, Any], tuple]:
    """A function building ``(f[0], ..., v, ..., f[n-1])`` with v at position i, without slicing."""
    return eval(f"lambda f, v: ({', '.join('v' if k == i else f'f[{k}]' for k in range(n))},)")


_SETTERS = [[_setter(n, i) for i in range(n)] for n in range(10)]


def except_at(n: int) -> list[Callable[[tuple, Any], tuple]]:
    """``put = except_at(n)[i]``: ``put(f, v)`` is ``[f EXCEPT ![i] = v]`` for a tuple f of length n, a
    new tuple always (no 'already so' test): for a step that knows which positions change."""
    return _SETTERS[n] if n < len(_SETTERS) else [_setter(n, i) for i in range(n)]


def EXCEPT(f: tuple, i: int, v: Any) -> tuple:
    """``[f EXCEPT ![i] = v]`` for a function of ``0..n-1`` held as a tuple (``f`` itself if already so)."""
    if f[i] is v:  # small ints and shared objects: identity says "already so" for free
        return f
    try:  # two to three times faster than slicing; this runs millions of times
        return _SETTERS[len(f)][i](f, v)
    except IndexError:  # longer than the generated setters
        return f[:i] + (v,) + f[i + 1 :]


_py_EXCEPT = EXCEPT
if _native is not None:
    EXCEPT = _native.EXCEPT  # noqa: F811 - the same function compiled (exact tuples; else it calls _py_EXCEPT)


# -- records: a fast _replace ------------------------------------------------------------------

R = TypeVar("R", bound=tuple)
_SAME: Any = object()


def record(cls: type[R]) -> type[R]:
    """Class decorator for a NamedTuple: a ``_replace`` that is several times faster and returns the
    record itself when every given value already is the current one (``UNCHANGED``, by identity)."""
    fields = cls._fields  # type: ignore[attr-defined]
    if not fields:
        return cls
    # The fields are positional-or-keyword parameters, not keyword-only: CPython fills a missing
    # keyword-only argument from a dict lookup, a missing positional one from the defaults tuple.
    # ``_r`` is the record (a field may be called ``self``; none starts with an underscore).
    args = ", ".join(f"{f}=_SAME" for f in fields)
    same = " and ".join(f"({f} is _SAME or {f} is _r[{k}])" for k, f in enumerate(fields))
    parts = ", ".join(f"_r[{k}] if {f} is _SAME else {f}" for k, f in enumerate(fields))
    src = (
        f"def _replace(_r, {args}):\n"
        f"    if {same}:\n"
        f"        return _r\n"
        f"    return _new(cls, ({parts},))\n"
    )
    env: dict[str, Any] = {"_SAME": _SAME, "_new": tuple.__new__, "cls": cls}
    exec(src, env)  # one specialised function per record type, like collections.namedtuple itself
    fn = env["_replace"]
    fn.__doc__ = f"This {cls.__name__} with the named fields replaced (itself when none changes)."
    fn.__qualname__ = f"{cls.__qualname__}._replace"
    # compiled: the same function as a method descriptor (calls off its common path go to fn)
    cls._replace = fn if _native is None else _native.Replace(cls, fn)  # type: ignore[attr-defined]
    return cls


def _plain_namedtuple(cls: Any) -> bool:
    """Whether ``cls`` is a class collections.namedtuple (or typing.NamedTuple) made, its constructor
    untouched: its own ``__new__`` the generated ``_tuple_new(_cls, (fields...))``, no ``__init__``, no
    metaclass. Such a class called with every field by position is ``tuple.__new__(cls, args)``."""
    if not (isinstance(cls, type) and type(cls) is type and issubclass(cls, tuple)):
        return False
    own = vars(cls)
    new, fields = own.get("__new__"), own.get("_fields")
    fn = getattr(new, "__func__", None)
    code = getattr(fn, "__code__", None)
    return (
        isinstance(fields, tuple)
        and isinstance(new, staticmethod)
        and code is not None
        and getattr(fn, "__globals__", {}).get("_tuple_new") is tuple.__new__
        and code.co_varnames[1 : 1 + len(fields)] == fields
        and cls.__init__ is tuple.__init__
    )


_FAST_MODULES: set[str] = set()


def fast_records(module_name: str) -> None:
    """Compiled: every plain NamedTuple class of module ``module_name`` (a spec's messages and records)
    built without its Python ``__new__`` when called with all its fields by position. The same objects
    are made (a class's own call does the rest: keywords, defaults, errors); so a plain spec's messages
    cost what a tuple does. Once per module; nothing when the building blocks run in Python."""
    if _native is None or module_name in _FAST_MODULES:
        return
    _FAST_MODULES.add(module_name)
    module = sys.modules.get(module_name)
    for value in list(vars(module).values()) if module is not None else ():
        if _plain_namedtuple(value):
            _native.fast_new(value)


def setter(cls: type, *names: str) -> Callable[..., Any]:
    """``put(s, v1, v2, ...)``: record ``s`` with the fields ``names`` set to v1, v2, ... (by position).

    For the steps a spec runs millions of times: a call with keyword arguments to a function
    with keyword-only defaults (``_replace``, a hand-written ``but``) takes CPython's slow call
    path and tests every field, which costs about as much as the step's own logic. ``put`` is a
    positional function generated for one set of fields: one tuple of the fields in order (the
    state's own where unchanged), then the state's class made from it (a subclass with more fields
    keeps them: they are appended), 12% to 15% fewer instructions than a list copy and a store per field."""
    fields = cls._fields  # type: ignore[attr-defined]
    unknown = [n for n in names if n not in fields]
    if unknown:
        raise TypeError(f"setter({cls.__name__}): no field(s) {', '.join(map(repr, unknown))}")
    if len(set(names)) != len(names):
        raise TypeError(f"setter({cls.__name__}): a field named twice in {names}")
    items = ", ".join(f if f in names else f"s[{k}]" for k, f in enumerate(fields))
    src = f"def put(s, {', '.join(names)}):\n    return _new(s.__class__, ({items},) + s[{len(fields)}:])\n"
    env: dict[str, Any] = {"_new": tuple.__new__}
    exec(src, env)  # one positional function per field set, as collections.namedtuple builds its own
    fn = env["put"]
    fn.__doc__ = f"{cls.__name__} with {', '.join(names)} replaced."
    return fn


# -- message sets indexed by field --------------------------------------------------------------


Question = frozenset[tuple[str, Any]]
"""A ``where``'s ``{(field, value), ...}``: one object per question (see _canonical)."""

RECORD: list[list[tuple[MsgSet, Question, tuple]]] = []
"""While not empty, each ``where`` appends (set, question, answer) to its last list (spec.reads)."""


if TYPE_CHECKING or _native is None:  # noqa: SIM108 - (mypy reads a class base in a TYPE_CHECKING branch only)
    _SetBase = frozenset
else:  # compiled: frozenset with the three slots below, `|`, where(), all(), _added() and _inherit() in C
    _SetBase = _native.MsgSetBase


class MsgSet(_SetBase):
    """An immutable set of messages (NamedTuples) that answers ``where(type=X, ins=r)`` by lookup.

    It is a frozenset: equal to, and hashing as, the frozenset of the same messages, so states
    and their counts are unchanged. ``msgs | {m}`` returns a MsgSet (``msgs`` itself when ``m`` is
    already in it). An index for one combination of fields is built on the first ``where`` that
    asks for it, and a set made by ``|`` builds its indexes from its parent's (a copy plus the
    new messages) instead of scanning: in a breadth-first search the parent was expanded first.
    """

    # _index: the indexes (a dict), or (parent set, the set given to ``|``) until the first where()
    # builds them from the parent's (the messages added are worked out then, or by all() first, and
    # kept as (parent, added, True): most sets made by ``|`` in a search are never asked, their state
    # already seen), or None for a set made directly;
    # _shapes: the field combinations indexed; _holds: the predicates every message was found to
    # satisfy (see all()).
    # On PyPy, _xor: the xor of the messages' shuffled hashes (see _pypy_set_hash below).
    __slots__ = ("_index", "_shapes", "_holds", "_xor") if PYPY else () if NATIVE else ("_index", "_shapes", "_holds")
    _index: Any  # dict[Question, tuple] | (MsgSet, given) | (MsgSet, added, True) | None, told apart by __class__
    _shapes: frozenset[tuple[str, ...]]
    _holds: tuple[Any, ...]
    _xor: int  # PyPy only

    def __new__(cls, items: Iterable[Any] = ()) -> MsgSet:
        self = frozenset.__new__(cls, items)
        self._index, self._holds = None, ()
        return self

    def __reduce__(self) -> tuple:  # pickle (--workers) the messages, not the indexes
        return (MsgSet, (list(self),))

    def __or__(self, other: Iterable[Any]) -> MsgSet:
        if other.__class__ is set or isinstance(other, (set, frozenset)):  # msgs \cup {m}, the common case first
            if other <= self:  # Send of a message already sent changes nothing: the same object
                return self
        else:
            return NotImplemented
        child = _new(MsgSet, _union(self, other))
        child._index = (self, other)  # no copy of the caller's set: _added() checks it is still what was added
        child._holds = ()
        return child

    def _added(self) -> tuple[MsgSet, Any]:
        """(parent, the messages this set has and the parent lacks), for a set made by ``parent | given``:
        ``given`` less the parent, in O(len(given)), checked to be exactly this set less the parent (the
        caller may have changed its set since; then the difference is worked out whole)."""
        link = self._index
        if len(link) == 3:  # worked out before (all(), then the index)
            return link[0], link[1]
        parent, given = link
        added = given - parent
        if not (len(added) == len(self) - len(parent) and added <= self):
            added = _minus(self, parent)
        self._index = parent, added, True
        return parent, added

    __ror__ = __or__

    def all(self, pred: Callable[[Any], Any]) -> bool:
        """``\\A m \\in msgs : pred(m)``, checked on the messages added since the set it was made from.

        For invariants such as a type invariant's ``msgs \\subseteq Message``: a set made by
        ``msgs | {m}`` whose parent was found to satisfy ``pred`` tests only ``m``, so checking every
        state costs one test per message sent instead of one per message held. ``pred`` must be a
        function of the message and the spec's constants (a lambda naming ``self`` is fine; it is
        known again by its code and the values it closes over)."""
        if (pred.__class__ is _FUNCTION and pred.__closure__ is None and pred.__defaults__ is None
                and pred.__kwdefaults__ is None):  # the common case, without a call
            key: Any = pred.__code__
        else:
            key = _predicate_key(pred)
            if key is None:
                return all(map(pred, self))
        holds = self._holds
        if key in holds:
            return True
        if self._index.__class__ is tuple and key in self._index[0]._holds:  # the parent passed: test the added
            ok = all(map(pred, self._added()[1]))
        else:
            ok = all(map(pred, self))
        if ok:
            self._holds = (*holds, key)
        return ok

    def where(self, **fields: Any) -> tuple:
        """The messages whose named fields equal the given values (``()`` when there are none).

        ``msgs.where(type=PHASE1B, ins=rm, mbal=b)`` is TLA+'s
        ``{m \\in msgs : m.type = "phase1b" /\\ m.ins = rm /\\ m.mbal = b}``. A message without one
        of the fields (another message type) is never selected.
        """
        index = self._index
        if index.__class__ is not dict:
            index = self._inherit()
        key = frozenset(fields.items())  # hashed once per object: see _canonical
        found = index.get(key)
        if found is None:
            found = self._fill(index, key, tuple(fields))
        if RECORD:  # a run being remembered by what it asked (spec.reads)
            RECORD[-1].append((self, key, found))
        return found

    def _fill(self, index: dict[Question, tuple], key: Question, names: tuple[str, ...]) -> tuple:
        """The answer to a question this set's index does not hold yet: a new combination of fields
        indexed by one scan, or an empty answer remembered (and carried to the children like any group)."""
        if names not in self._shapes:
            self._shapes = self._shapes | {names}
            for k, group in _groups(self, names).items():  # a new combination: one scan of this set
                index[k] = _ordered(group)
            found = index.get(key)
            if found is not None:
                return found
        index[_canonical(key)] = ()
        return ()

    def _inherit(self) -> dict[Question, tuple]:
        """Indexes for every field combination the parent has: its entries plus the added messages."""
        if self._index is None or self._index[0]._index.__class__ is not dict or not self._index[0]._index:
            self._index, self._shapes = {}, frozenset()
            return self._index
        parent, added = self._added()
        index = parent._index.copy()
        shapes = parent._shapes
        for m in added:
            keys_of = _KEYS.get((m.__class__, shapes)) or _keys_function(m.__class__, shapes)
            for k in keys_of(m):
                old = index.get(k)
                if not old:
                    index[k] = (m,)
                    continue
                try:
                    last = old[-1] < m  # the common case: m goes last, no sort needed
                except TypeError:
                    last = False
                index[k] = (*old, m) if last else _ordered((*old, m))
        self._index, self._shapes = index, shapes  # the parent may now be freed
        return index


_new = frozenset.__new__
_union = frozenset.__or__
_minus = frozenset.__sub__

_py_where = MsgSet.where
if _native is not None:  # the compiled base's methods replace these (the same semantics, in C)
    for _name in ("__or__", "__ror__", "all", "_added", "_inherit", "where"):
        delattr(MsgSet, _name)


def _pypy_set_hash() -> None:
    """PyPy caches no tuple's hash, and a frozenset subclass's hash hashes every message again (14 messages of
    five ints: 3-5 us per new set, CPython 1 us). So on PyPy a MsgSet keeps the xor of its messages' shuffled
    hashes, made in ``|`` from its parent's and the new messages', and hashes as frozenset from it: PyPy's
    frozenset hash is CPython's (Objects/setobject.c), here in machine words that wrap (``__pypy__.intop``).
    The whole PaxosCommit model: 71.3-71.9 -> 48.7-59.3 CPU s with the collector left running (gcpause)."""
    from __pypy__ import intop  # type: ignore[import-not-found]

    mul, add, shl, shr = intop.int_mul, intop.int_add, intop.int_lshift, intop.uint_rshift

    def shuffle(h: int) -> int:  # _shuffle_bits
        return mul((h ^ 89869747) ^ shl(h, 16), 3644798167)

    def xor_of(msgs: Iterable[Any]) -> int:
        x = 0
        for m in msgs:
            x ^= shuffle(hash(m))
        return x

    plain_new, plain_or = MsgSet.__new__, MsgSet.__or__

    def new(cls: type[MsgSet], items: Iterable[Any] = ()) -> MsgSet:
        self = plain_new(cls, items)
        self._xor = xor_of(self)
        return self

    def union(self: MsgSet, other: Iterable[Any]) -> MsgSet:
        child = plain_or(self, other)
        if child is self or child is NotImplemented:
            return child
        x = self._xor
        every = len(child) - len(self) == len(other)  # type: ignore[arg-type] # (msgs | {m}: m was not in self)
        for m in other:
            if every or m not in self:
                x ^= shuffle(hash(m))
        child._xor = x
        return child

    def set_hash(self: MsgSet) -> int:
        try:
            x = self._xor
        except AttributeError:  # made some other way than __new__ or |
            x = self._xor = xor_of(self)
        x ^= mul(len(self) + 1, 1927868237)
        x ^= shr(x, 11) ^ shr(x, 25)
        x = add(mul(x, 69069), 907133923)
        return 590923713 if x == -1 else x

    MsgSet.__new__ = staticmethod(new)  # type: ignore[method-assign]
    MsgSet.__or__ = MsgSet.__ror__ = union  # type: ignore[method-assign, assignment]
    MsgSet.__hash__ = set_hash  # type: ignore[method-assign, assignment]


if PYPY:
    _pypy_set_hash()


def _predicate_key(pred: Callable[[Any], Any]) -> Any:
    """What identifies ``pred`` across calls (a lambda is a new function object each time its line
    runs): its code, and the values it closes over, its defaults and its bound object, if any;
    ``None`` when those are not hashable (then :meth:`MsgSet.all` tests every message)."""
    fn = getattr(pred, "__func__", pred)
    if not isinstance(fn, _FUNCTION) or fn.__kwdefaults__:  # a compiled function may close over values it
        return None  # does not show in __closure__ (Cython's do): only a plain function is known by these
    code, cells, defaults, bound = fn.__code__, fn.__closure__, fn.__defaults__, getattr(pred, "__self__", None)
    if cells is None and defaults is None and bound is None:
        return code
    try:
        key = (code, tuple([c.cell_contents for c in cells or ()]), defaults, bound)
        hash(key)
    except (TypeError, ValueError):  # an unhashable value, or a cell not yet filled
        return None
    return key


_FUNCTION = type(_predicate_key)


def _groups(msgs: Iterable[Any], names: tuple[str, ...]) -> dict[Question, list]:
    """Messages grouped by ``((field, value), ...)`` for the field names ``names``
    (a message lacking one of the fields is left out)."""
    groups: dict[Question, list] = {}
    shape = frozenset([names])
    for m in msgs:
        keys_of = _KEYS.get((m.__class__, shape)) or _keys_function(m.__class__, shape)
        for key in keys_of(m):
            groups.setdefault(key, []).append(m)
    return groups


_KEYS: dict[tuple[type, frozenset], Callable[[Any], tuple[Question, ...]]] = {}


def _keys_function(cls: type, shapes: frozenset) -> Callable[[Any], tuple[Question, ...]]:
    """The function giving a message of class ``cls`` its ``((field, value), ...)`` key for each
    combination of field names in ``shapes`` that the class has. For a NamedTuple class it is
    generated once per class and set of combinations, reading the fields by position: one call
    per message added to a set, no attribute lookups, no exception for a field the class lacks."""
    fields = getattr(cls, "_fields", None)
    if isinstance(fields, tuple) and issubclass(cls, tuple):
        keys = [
            "(" + "".join(f"({n!r}, m[{fields.index(n)}]), " for n in names) + ")"
            for names in sorted(shapes)
            if set(names) <= set(fields)
        ]
        raw: Callable[[Any], tuple] = eval(f"lambda m: ({''.join(k + ', ' for k in keys)})")
    else:

        def raw(m: Any) -> tuple:
            out = []
            for names in sorted(shapes):
                if all(hasattr(m, f) for f in names):
                    out.append(tuple([(f, getattr(m, f)) for f in names]))
            return tuple(out)

    seen: dict[Any, tuple[Question, ...]] = {}
    get = seen.get

    def fn(m: Any) -> tuple[Question, ...]:  # the keys above, remembered by message
        keys = get(m)
        if keys is None:
            if len(seen) >= MESSAGES:
                seen.clear()
            # one key per question: two orders of the same fields (where(a=1, type=0), where(type=0, a=1))
            # are one question, whose group must get m once
            keys = seen[m] = tuple(dict.fromkeys([_canonical(frozenset(k)) for k in raw(m)]))
        return keys

    if len(_KEYS) > 4096:  # a spec asking ever new combinations: start over rather than grow
        _KEYS.clear()
    _KEYS[cls, shapes] = fn
    return fn


MESSAGES = 1 << 16
"""Messages whose keys are remembered per class and field combinations (then the table starts over)."""

_CANONICAL: dict[Question, Question] = {}


def _canonical(key: Question) -> Question:
    """One object per ``((field, value), ...)`` key: the indexes and the where-memo's questions hold the
    same objects, so a lookup finds its entry by identity instead of comparing nested tuples."""
    if len(_CANONICAL) >= MESSAGES:
        _CANONICAL.clear()
    return _CANONICAL.setdefault(key, key)


def _ordered(group: Iterable[Any]) -> tuple:
    """A group in sorted order, so that what ``where`` returns is a function of the set's value
    (a frozenset's own iteration order also depends on the order it was built in)."""
    try:
        return tuple(sorted(group))
    except TypeError:  # fields that do not compare (sets): order by their text instead
        return tuple(sorted(group, key=repr))


if _native is not None:
    _native.configure(_py_EXCEPT, MsgSet, _KEYS, _keys_function, _ordered, _predicate_key, RECORD, _py_where)
