"""The invariants of a plain spec, each conjunct that reads one state variable remembered by its value.

A type invariant written as its TLA+ text reads (``PCTypeOK``: ``rmState \\in [RM -> ...] /\\
aState \\in [...] /\\ msgs \\subseteq Message``) is checked on every new state, and most new states
share the value of most variables with states checked before: PaxosCommit's ``aState`` takes 85,221
values in its first 400,000 states. A conjunct that reads only ``s.aState`` has the same value for
the same ``aState``, so it is looked up (one hash, one dict lookup) instead of run (a generator over
every acceptor of every instance).

:func:`remembered_violated` builds, for a spec that keeps :meth:`spec.core.Spec.violated` as it is,
a function that gives exactly its answers: the invariants in order, the first one false named, a
verdict that is neither True nor False refused with the same error. An invariant whose body is
``return A and B and ...`` (:func:`spec.reads.conjuncts`) is taken conjunct by conjunct with Python's
``and`` (the first falsy value, else the last one, is its verdict); a conjunct that reads one
variable ``s.F`` (and the spec's constants) is remembered by the value of ``s.F``. It rests on what
the where-memo (:mod:`spec.reads`) rests on: invariants are functions of the state and the spec's
constants, and values equal in Python are one value. A memo that misses more often than it hits
(a variable that seldom takes a value twice, such as a message set) is dropped after
:data:`PROBE` misses, and the conjunct runs as written from then on. ``remember_reads = False``
on the spec class turns all of it off.
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any

from spec.core import Spec, State, not_a_bool
from spec.reads import conjuncts

PROBE = 4096
"""Misses between two looks at a memo's hit rate."""

TABLE = 1 << 16
"""Values remembered per conjunct (then its table starts over): bounded memory."""

_MISS: Any = object()

_CONJUNCTS: dict[tuple, list | None] = {}


def _cached_conjuncts(fn: Callable | None, cls: type) -> list | None:
    """:func:`spec.reads.conjuncts`, once per function and class (a spec class is built many times)."""
    key = (fn, cls)
    if key not in _CONJUNCTS:
        _CONJUNCTS[key] = conjuncts(fn, cls)
    return _CONJUNCTS[key]


class _Memo:
    """One conjunct's table: its value by the value of the variable it reads."""

    __slots__ = ("spec", "fn", "table", "flag", "siblings", "split", "namespace", "misses", "since")

    def __init__(self, spec: Spec, fn: Callable[[Any, Any], Any], flag: str, siblings: list[str], split: str,
                 namespace: dict[str, Any]) -> None:
        self.spec, self.fn, self.flag, self.namespace = spec, fn, flag, namespace
        self.siblings, self.split = siblings, split  # the flags of the invariant's memos; its own flag
        self.table: dict[Any, Any] = {}
        self.misses, self.since = 0, 0  # misses in this window; checks made before it began

    def miss(self, s: State, key: Any) -> Any:
        """The conjunct run on ``s`` and remembered under ``key`` (the variable's value)."""
        value = self.fn(self.spec, s)
        table = self.table
        if len(table) >= TABLE:
            table.clear()
        try:
            table[key] = value
        except TypeError:  # an unhashable value: the engine names it when it hashes the state
            return value
        self.misses += 1
        if self.misses >= PROBE:
            checks = self.namespace["checks"]
            if 2 * self.misses > checks - self.since:  # hits fewer than misses: run as written
                self.namespace[self.flag] = False
                table.clear()
                if not any(self.namespace[f] for f in self.siblings):  # none left: one call, as written
                    self.namespace[self.split] = False
            self.misses, self.since = 0, checks
        return value


def _fail(spec: Spec, name: str, verdict: Any) -> str:
    """The name of an invariant found false, or the error for a verdict neither True nor False."""
    if verdict is False:
        return name
    raise not_a_bool(spec, "invariant", name, verdict)


WARM = 10_000
"""States checked by the spec's own ``violated`` before the invariants are read (reading their source
costs some 20 ms once per process: a small model is done before it would pay)."""


def remembered_violated(spec: Spec) -> Callable[[State], str | None] | None:
    """``spec.violated``, becoming after :data:`WARM` states the same check with the conjuncts that read
    one variable remembered (see the module's text; the function's code is swapped in place, so a
    caller holding it gets the faster one); ``None`` when the spec overrides ``violated`` or has
    ``remember_reads`` off."""
    if type(spec).violated is not Spec.violated or not spec.remember_reads:
        return None
    namespace: dict[str, Any] = {"plain": spec.violated, "checks": 0, "WARM": WARM}

    def warm() -> None:
        fast = _remembered(spec, namespace)
        namespace["violated"].__code__ = (fast or _plain_only).__code__  # no second call from then on
        namespace["warm"] = None

    namespace["warm"] = warm
    namespace["violated"] = FunctionType(_warming.__code__, namespace, "violated")
    return namespace["violated"]


# The two bodies below run with a check's own namespace as their globals (FunctionType, __code__).
def _warming(s: State) -> str | None:
    global checks
    checks += 1  # type: ignore[name-defined]  # noqa: F821
    if checks >= WARM:  # type: ignore[name-defined]  # noqa: F821
        warm()  # type: ignore[name-defined]  # noqa: F821
    return plain(s)  # type: ignore[name-defined]  # noqa: F821


def _plain_only(s: State) -> str | None:
    return plain(s)  # type: ignore[name-defined]  # noqa: F821


def _whole(i: int, indent: str = "    ") -> list[str]:
    """The lines that run invariant ``i`` as one call (the method as written) and name it when false."""
    return [f"{indent}v = inv_{i}(s)", f"{indent}if v is not True:", f"{indent}    return fail(spec, name_{i}, v)"]


def _remembered(spec: Spec, namespace: dict[str, Any]) -> Callable[[State], str | None] | None:
    """The remembered check, defined in ``namespace``; ``None`` when no conjunct reads one variable."""
    namespace.update({"spec": spec, "MISS": _MISS, "fail": _fail})
    lines = ["def violated_fast(s):", "    global checks", "    checks += 1"]
    remembered = False
    for i, (name, inv) in enumerate(spec.invariants.items()):
        namespace[f"name_{i}"] = name
        namespace[f"inv_{i}"] = inv
        parts = _cached_conjuncts(getattr(inv, "__func__", None), type(spec))
        if parts is None or getattr(inv, "__self__", None) is not spec:
            lines += _whole(i)
            continue
        flags = [f"on_{i}_{j}" for j, (_, field) in enumerate(parts) if field is not None and field.isidentifier()]
        if not flags:
            lines += _whole(i)
            continue
        remembered = True
        namespace[f"split_{i}"] = True
        lines.append(f"    if split_{i}:")
        for j, (fn, field) in enumerate(parts):
            c = f"c_{i}_{j}"
            namespace[c] = fn
            if f"on_{i}_{j}" not in flags:
                lines.append(f"        v = {c}(spec, s)")
            else:
                memo = _Memo(spec, fn, f"on_{i}_{j}", flags, f"split_{i}", namespace)
                namespace.update({f"on_{i}_{j}": True, f"get_{i}_{j}": memo.table.get, f"miss_{i}_{j}": memo.miss})
                lines += [
                    f"        if on_{i}_{j}:",
                    f"            k = s.{field}",
                    "            try:",
                    f"                v = get_{i}_{j}(k, MISS)",
                    "            except TypeError:  # an unhashable value: run as written",
                    "                v = MISS",
                    "            if v is MISS:",
                    f"                v = miss_{i}_{j}(s, k)",
                    "        else:",
                    f"            v = {c}(spec, s)",
                ]
            last = j == len(parts) - 1
            lines += ["        if v is not True:" if last else "        if not v:",
                      f"            return fail(spec, name_{i}, v)"]
        lines.append("    else:  # every memo of this invariant dropped: the method itself, one call")
        lines += _whole(i, "        ")
    if not remembered:
        return None
    lines.append("    return None")
    exec(compile("\n".join(lines) + "\n", f"<invariants of {spec.name}>", "exec"), namespace)  # noqa: S102
    return namespace["violated_fast"]
