"""Client histories: recording invoke/return pairs, and reading and writing them as JSON lines.

A history file holds one JSON object per line, in either of two forms:

* an operation: ``{"client": 1, "op": "put", "key": "x", "value": 3, "call": 10, "return": 12}``
  (``get`` adds ``"output"``: the value read or null; ``cas`` has ``"expected"`` and ``"value"``
  and ``"output"``: true/false; a missing ``"return"`` (or null) means no reply was seen);
* an event pair: ``{"type": "invoke", "id": 7, "client": 1, "time": 10, "op": "get", "key": "x"}``
  then ``{"type": "return", "id": 7, "time": 12, "output": 3}``; an invoke without a return is
  an operation that never returned.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from modelcheck.linearizability.model import KV_KINDS, UNKNOWN, Operation
from spec.userfiles import load_json, read_text


class HistoryError(ValueError):
    """A history file that cannot be read: names the file, the line and what was wrong."""


def kv_input(op: str, key: Any, value: Any = None, expected: Any = None) -> tuple:
    """The model input of a key-value operation."""
    if op == "put":
        return ("put", key, value)
    if op == "cas":
        return ("cas", key, expected, value)
    return (op, key)


def _input_from(rec: dict[str, Any], where: str) -> tuple:
    op = rec.get("op")
    if op not in KV_KINDS:
        raise HistoryError(f'{where}: "op" must be one of {", ".join(KV_KINDS)}, got {op!r}')
    if "key" not in rec:
        raise HistoryError(f'{where}: {op} needs a "key"')
    for need in {"put": ("value",), "cas": ("expected", "value")}.get(op, ()):
        if need not in rec:
            raise HistoryError(f"{where}: {op} needs {need!r}")
    key = _frozen(rec["key"])
    if isinstance(key, _FrozenObject):
        raise HistoryError(f'{where}: "key" must be a string, a number or a list, got {rec["key"]!r}')
    return kv_input(op, key, _frozen(rec.get("value")), _frozen(rec.get("expected")))


class _FrozenObject(tuple):
    """A JSON object made hashable: its (name, value) pairs in name order."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self) + "}"


def _frozen(val: Any) -> Any:
    """``val`` with every JSON list a tuple and every object a :class:`_FrozenObject`: the checker hashes values."""
    if isinstance(val, list):
        return tuple(_frozen(v) for v in val)
    if isinstance(val, dict):
        return _FrozenObject(sorted((k, _frozen(v)) for k, v in val.items()))
    return val


def _client(rec: dict[str, Any], where: str, default: int | None = None) -> int:
    client = rec.get("client", default)
    if isinstance(client, bool) or not isinstance(client, int):
        raise HistoryError(f'{where}: "client" must be an integer, got {client!r}')
    return client


def _number(rec: dict[str, Any], name: str, where: str, optional: bool = False) -> float | None:
    val = rec.get(name)
    if val is None and optional:
        return None
    if isinstance(val, bool) or not isinstance(val, (int, float)):
        raise HistoryError(f"{where}: {name!r} must be a number, got {val!r}")
    return val


def _output(rec: dict[str, Any], returned: bool) -> Any:
    if not returned:
        return UNKNOWN
    return _frozen(rec.get("output"))


def read_history(path: str | Path) -> list[Operation]:
    """Every operation in a history file (either form), or a :class:`HistoryError` naming file and line."""
    ops: list[Operation] = []
    pending: dict[Any, tuple[str, int, tuple, float | None]] = {}
    text = read_text(path, error=HistoryError)
    for n, line in enumerate(text.splitlines(), 1):
        where = f"{path}:{n}"
        if not line.strip():
            continue
        rec = load_json(line, where, HistoryError)
        if not isinstance(rec, dict):
            raise HistoryError(f"{where}: expected a JSON object")
        kind = rec.get("type")
        if kind is None:
            client = _client(rec, where)
            call = _number(rec, "call", where)
            ret = _number(rec, "return", where, optional=True)
            if ret is not None and ret < call:  # type: ignore[operator]
                raise HistoryError(f"{where}: returns at {ret} before its call at {call}")
            ops.append(Operation(client, _input_from(rec, where), _output(rec, ret is not None), call, ret))  # type: ignore[arg-type]
        elif kind == "invoke":
            if not isinstance(rec.get("id"), (int, str)) or rec["id"] in pending:
                raise HistoryError(f'{where}: an invoke needs a fresh "id" (got {rec.get("id")!r})')
            # read once here; the matching return (or the end of the file) completes it
            pending[rec["id"]] = (where, _client(rec, where, 0), _input_from(rec, where), _number(rec, "time", where))
        elif kind == "return":
            if not isinstance(rec.get("id"), (int, str)) or rec["id"] not in pending:
                raise HistoryError(f"{where}: return for id {rec.get('id')!r}, which has no earlier invoke")
            inv_where, client, inp, call = pending.pop(rec["id"])
            ret = _number(rec, "time", where)
            if ret < call:  # type: ignore[operator]
                raise HistoryError(f"{where}: returns at {ret} before its invoke at {call} ({inv_where})")
            ops.append(Operation(client, inp, _frozen(rec.get("output")), call, ret))  # type: ignore[arg-type]
        else:
            raise HistoryError(f'{where}: "type" must be "invoke" or "return", got {kind!r}')
    for _, client, inp, call in pending.values():
        ops.append(Operation(client, inp, UNKNOWN, call, None))  # type: ignore[arg-type]
    return ops


def operation_json(op: Operation) -> dict[str, Any]:
    """An operation in the file's first form."""
    inp = op.input
    rec: dict[str, Any] = {"client": op.client, "op": inp[0], "key": inp[1]}
    if inp[0] == "put":
        rec["value"] = inp[2]
    elif inp[0] == "cas":
        rec["expected"], rec["value"] = inp[2], inp[3]
    rec["call"] = op.call
    rec["return"] = op.ret
    if op.output is not UNKNOWN and inp[0] in ("get", "cas"):
        rec["output"] = op.output
    return rec


def write_history(path: str | Path, ops: Iterable[Operation]) -> None:
    """Write operations as JSON lines (the first form)."""
    with open(path, "w") as f:
        for op in ops:
            f.write(json.dumps(operation_json(op)) + "\n")


class HistoryRecorder:
    """Record invoke/return pairs from concurrent clients, timestamped by one shared clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._open: dict[int, tuple[int, tuple, float]] = {}
        self._done: list[Operation] = []
        self._next = 0

    def invoke(self, client: int, inp: tuple) -> int:
        """Note that ``client`` calls ``inp`` now; returns a token for :meth:`complete`."""
        with self._lock:
            token = self._next
            self._next += 1
            self._open[token] = (client, inp, self._clock())
        return token

    def complete(self, token: int, output: Any) -> None:
        """Note that the operation returned ``output`` now."""
        with self._lock:
            client, inp, call = self._open.pop(token)
            self._done.append(Operation(client, inp, output, call, self._clock()))

    def operations(self) -> list[Operation]:
        """Completed operations, then the ones still open (returned never: output unknown)."""
        with self._lock:
            pending = [Operation(c, inp, UNKNOWN, call, None) for c, inp, call in self._open.values()]
            return sorted(self._done, key=lambda o: o.call) + pending


def by_client(ops: Sequence[Operation]) -> dict[int, list[Operation]]:
    """Operations grouped by client, each in call order."""
    out: dict[int, list[Operation]] = {}
    for op in sorted(ops, key=lambda o: o.call):
        out.setdefault(op.client, []).append(op)
    return out


def random_timeline(rng: random.Random, n_ops: int, n_clients: int) -> list[tuple[float, int, float, float]]:
    """A generated history's skeleton: each client runs ``n_ops // n_clients`` operations one after another,
    each taking effect at a random instant of its interval; ``(instant, client, call, return)`` in order of
    the instant, so that applying them in this order to a sequential model gives a linearizable history
    (the benchmarks' and the tests' generated histories)."""
    spans = []
    for c in range(n_clients):
        t = rng.random()
        for _ in range(n_ops // n_clients):
            call = t + rng.random()
            ret = call + rng.random() * 3
            spans.append((rng.uniform(call, ret), c, call, ret))
            t = ret
    return sorted(spans)
