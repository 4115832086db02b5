"""Wing & Gong's linearizability search with Lowe's memoisation, per partition (Porcupine's algorithm).

The history of one partition becomes a doubly linked list of call and return entries in
real-time order (a call before a return at the same instant, so touching intervals
overlap).  The search linearizes the first call whose operation the model accepts, lifting
its call and return out of the list; reaching a return entry means that operation can no
longer be linearized, so the last choice is undone.  A pair (set of linearized operations,
model state) already explored is not explored again: that cache is what makes the search
practical.  Every partition is checked on its own: a history is linearizable exactly when
each partition is (P-compositionality).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from modelcheck.linearizability.model import Model, Operation

OK, ILLEGAL, UNKNOWN_RESULT = "ok", "illegal", "unknown"


@dataclass
class PartitionResult:
    """The verdict on one partition and its longest linearizable prefix."""

    name: str
    ops: list[Operation]
    verdict: str
    #: indices into ``ops`` of the longest linearization found, in linearization order
    linearization: list[int] = field(default_factory=list)
    #: for an illegal partition: the earliest-returning operation the longest prefix could not extend to
    blocked: int | None = None
    steps: int = 0


@dataclass
class LinearizabilityResult:
    """The verdict on a whole history: ok only if every partition is linearizable."""

    model: Model
    partitions: list[PartitionResult]
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        """``illegal`` if some partition is, else ``unknown`` if some search gave up, else ``ok``."""
        verdicts = {p.verdict for p in self.partitions}
        return ILLEGAL if ILLEGAL in verdicts else UNKNOWN_RESULT if UNKNOWN_RESULT in verdicts else OK

    @property
    def ok(self) -> bool:
        """The history is linearizable."""
        return self.verdict == OK

    def failing(self) -> list[PartitionResult]:
        """The partitions that are not linearizable."""
        return [p for p in self.partitions if p.verdict == ILLEGAL]

    def explain(self) -> str:
        """One paragraph per failing partition: its longest linearizable prefix and where it stops."""
        lines = []
        for p in self.failing():
            describe = self.model.describe_operation
            lines.append(
                f"{p.name}: not linearizable; the longest linearizable prefix has {len(p.linearization)} "
                f"of {len(p.ops)} operations:"
            )
            state = self.model.init()
            for n, i in enumerate(p.linearization, 1):
                op = p.ops[i]
                _, state = self.model.step(state, op.input, op.output)
                lines.append(
                    f"  {n:>3}. client {op.client}: {describe(op.input, op.output)}"
                    f"   (state: {self.model.describe_state(state)})"
                )
            if p.blocked is not None:
                op = p.ops[p.blocked]
                lines.append(
                    f"  then client {op.client}: {describe(op.input, op.output)} "
                    f"[{op.call:g}, {'inf' if op.ret is None else format(op.ret, 'g')}] cannot be linearized "
                    f"in state {self.model.describe_state(state)}, nor can the prefix be reordered to allow it"
                )
        return "\n".join(lines)


def check_partition(model: Model, ops: Sequence[Operation], name: str, max_steps: int | None = None) -> PartitionResult:
    """Search one partition for a linearization; ``max_steps`` bounds the work (verdict ``unknown``)."""
    n = len(ops)
    for i, op in enumerate(ops):
        if op.ret is not None and op.ret < op.call:
            raise ValueError(f"{name}: operation {i + 1} returns ({op.ret}) before it is called ({op.call})")
    # Entries: 0 is the head sentinel, 2n+1 the tail; kind 0 = call sorts before kind 1 = return.
    order = sorted([(op.call, 0, i) for i, op in enumerate(ops)] + [(op.end, 1, i) for i, op in enumerate(ops)])
    head, tail = 0, 2 * n + 1
    nxt = list(range(1, 2 * n + 2)) + [tail]
    prv = [0] + list(range(0, 2 * n + 1))
    is_call = [False] * (2 * n + 2)
    opid = [0] * (2 * n + 2)
    match = [0] * (2 * n + 2)
    ret_pos = [0] * n
    for pos, (_, kind, i) in enumerate(order, 1):
        opid[pos] = i
        if kind == 0:
            is_call[pos] = True
        else:
            ret_pos[i] = pos
    for pos in range(1, 2 * n + 1):
        if is_call[pos]:
            match[pos] = ret_pos[opid[pos]]
    inputs = [op.input for op in ops]
    outputs = [op.output for op in ops]
    step = model.step

    def lift(e: int) -> None:
        nxt[prv[e]] = nxt[e]
        prv[nxt[e]] = prv[e]
        m = match[e]
        nxt[prv[m]] = nxt[m]
        prv[nxt[m]] = prv[m]

    def unlift(e: int) -> None:
        m = match[e]
        nxt[prv[m]] = m
        prv[nxt[m]] = m
        nxt[prv[e]] = e
        prv[nxt[e]] = e

    state = model.init()
    bits = 0
    cache: set[tuple[int, object]] = set()
    stack: list[tuple[int, object]] = []
    best: list[int] = []
    blocked: int | None = None
    steps = 0
    e = nxt[head]
    while nxt[head] != tail:
        steps += 1
        if max_steps is not None and steps > max_steps:
            return PartitionResult(name, list(ops), UNKNOWN_RESULT, best, None, steps)
        if is_call[e]:
            i = opid[e]
            legal, new_state = step(state, inputs[i], outputs[i])
            if legal:
                new_bits = bits | (1 << i)
                key = (new_bits, new_state)
                if key not in cache:
                    cache.add(key)
                    stack.append((e, state))
                    state, bits = new_state, new_bits
                    lift(e)
                    if len(stack) > len(best):
                        best = [opid[c] for c, _ in stack]
                        blocked = None
                    e = nxt[head]
                    continue
            e = nxt[e]
        else:
            if len(stack) == len(best) and blocked is None:
                blocked = opid[e]  # the return that stopped the longest prefix
            if not stack:
                return PartitionResult(name, list(ops), "illegal", best, blocked, steps)
            e, state = stack.pop()
            bits &= ~(1 << opid[e])
            unlift(e)
            e = nxt[e]
    return PartitionResult(name, list(ops), OK, best, None, steps)


def check_operations(model: Model, ops: Sequence[Operation], max_steps: int | None = None) -> LinearizabilityResult:
    """Check a history of operations, each partition separately."""
    started = time.perf_counter()
    parts = [
        check_partition(model, part, model.partition_name(part), max_steps) for part in model.partition(ops) if part
    ]
    return LinearizabilityResult(model, parts, time.perf_counter() - started)
