"""Sequential models a concurrent history is checked against, and the key-value store's model.

A model is Porcupine's: an initial state, a step function ``step(state, input, output)``
that says whether the operation could have produced ``output`` in ``state`` (and the state
after it), and a partition of a history into independent sub-histories (one per key for a
key-value store), which the checker checks separately (P-compositionality).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

#: The output of an operation whose reply was never seen (a timeout, a crashed client):
#: any output is possible, and the operation may or may not have taken effect.
UNKNOWN: Any = "?"

KV_KINDS = ("put", "get", "delete", "cas")


@dataclass(frozen=True)
class Operation:
    """One client operation: who, what (input), the reply (output), and its real-time interval."""

    client: int
    input: tuple
    output: Any
    call: float
    ret: float | None  # None: never returned (the interval extends to the end of time)

    @property
    def end(self) -> float:
        """The return time, infinity for an operation that never returned."""
        return float("inf") if self.ret is None else self.ret


@dataclass(frozen=True)
class Model:
    """A sequential specification: deterministic ``step`` returns ``(legal, next_state)``."""

    name: str
    init: Callable[[], Hashable]
    step: Callable[[Hashable, tuple, Any], tuple[bool, Hashable]]
    partition: Callable[[Sequence[Operation]], list[list[Operation]]]
    describe_operation: Callable[[tuple, Any], str]
    describe_state: Callable[[Hashable], str]
    partition_name: Callable[[Sequence[Operation]], str] = lambda ops: "all operations"


def powerset(
    name: str,
    init: Callable[[], Hashable],
    nd_step: Callable[[Hashable, tuple, Any], Iterable[Hashable]],
    partition: Callable[[Sequence[Operation]], list[list[Operation]]],
    describe_operation: Callable[[tuple, Any], str],
    describe_state: Callable[[Hashable], str],
    partition_name: Callable[[Sequence[Operation]], str] = lambda ops: "all operations",
) -> Model:
    """A deterministic model over sets of states from a nondeterministic ``nd_step`` (as Porcupine does)."""

    def step(states: Hashable, inp: tuple, out: Any) -> tuple[bool, Hashable]:
        nxt = frozenset(t for s in states for t in nd_step(s, inp, out))  # type: ignore[attr-defined]
        return bool(nxt), nxt

    def show(states: Hashable) -> str:
        return " | ".join(sorted(describe_state(s) for s in states))  # type: ignore[attr-defined]

    return Model(name, lambda: frozenset([init()]), step, partition, describe_operation, show, partition_name)


# -- the key-value store ---------------------------------------------------------------
# Inputs: ("put", key, value), ("get", key), ("delete", key), ("cas", key, expected, new).
# Outputs: put/delete -> None ("ok"), get -> the value or None (absent), cas -> True/False.
# The state of one partition is the value of its key, None when absent.


def _kv_step(value: Hashable, inp: tuple, out: Any) -> Iterable[Hashable]:
    """Every value of the key after ``inp`` returned ``out`` on ``value`` (empty: impossible)."""
    kind = inp[0]
    if kind == "get":
        if out is UNKNOWN or out == value:
            return (value,)
        return ()
    if kind == "put":
        return (inp[2],)
    if kind == "delete":
        return (None,)
    if kind == "cas":
        matches = value == inp[2]
        if out is UNKNOWN:
            return (inp[3],) if matches else (value,)
        if out is True:
            return (inp[3],) if matches else ()
        return () if matches else (value,)
    raise ValueError(f"unknown key-value operation {kind!r}")


def kv_partition(ops: Sequence[Operation]) -> list[list[Operation]]:
    """One sub-history per key, in order of first appearance."""
    by_key: dict[Any, list[Operation]] = {}
    for op in ops:
        by_key.setdefault(op.input[1], []).append(op)
    return list(by_key.values())


def describe_kv(inp: tuple, out: Any) -> str:
    """``put(x, 1)``, ``get(x) -> 1``, ``cas(x, 1, 2) -> true``, with ``?`` for an unknown reply."""
    kind, key = inp[0], inp[1]
    shown = "?" if out is UNKNOWN else "none" if out is None else str(out).lower() if isinstance(out, bool) else out
    if kind == "put":
        return f"put({key}, {inp[2]})" + (" -> ?" if out is UNKNOWN else "")
    if kind == "delete":
        return f"delete({key})" + (" -> ?" if out is UNKNOWN else "")
    if kind == "get":
        return f"get({key}) -> {shown}"
    return f"cas({key}, {inp[2]}, {inp[3]}) -> {shown}"


def kv_model() -> Model:
    """Porcupine's key-value model extended with delete and compare-and-set, partitioned by key."""
    return powerset(
        "kv",
        lambda: None,
        _kv_step,
        kv_partition,
        describe_kv,
        lambda v: "absent" if v is None else f"{v}",
        lambda ops: f"key {ops[0].input[1]}" if ops else "empty",
    )
