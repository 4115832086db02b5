"""A long trace audited in bounded memory (docs/auditing.md, "Memory"): `paxraft audit` reads the files as it goes
(modelcheck.audit.TraceStream) and keeps what later events can still need, not the events.

The trace is written here by a generator, not stored: a stabilized token ring (tests/user_specs/token_ring.py, a
spec a user writes, audited through the default mapping) of three nodes, each passing the token to the next as a
message (its ``sent``, the next node's ``recv``), so every event both receives and sends one.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from modelcheck.audit import audit_events, user_audit
from spec.registry import load_user_spec

HERE = Path(__file__).resolve().parent
RING = f"{HERE / 'user_specs' / 'token_ring.py'}:TokenRing"
NODES, VALUES = 3, 3


def write_ring(folder: Path, events: int) -> list[Path]:
    """Each node's trace of ``events`` turns of the ring (node k % 3 takes turn k), written line by line."""
    files = [open(folder / f"node-{n}.jsonl", "w") for n in range(NODES)]  # noqa: SIM115 (closed below)
    try:
        for n, f in enumerate(files):
            f.write(json.dumps({"format": "paxraft-trace", "version": 2, "node": n}) + "\n")
        for k in range(events):
            n = k % NODES
            value = (k // NODES + 1) % VALUES  # node 0 increments its counter; each next node copies it
            rec = {"node": n, "clock": k + 1, "action": "PassToken" if n else "CreateToken",
                   "params": {"i": n} if n else {}, "state": {"c": value},
                   "sent": [{"id": [n, 0, k // NODES], "type": "token"}]}
            if k:
                rec["recv"] = {"id": [(n - 1) % NODES, 0, (k - 1) // NODES], "type": "token"}
            files[n].write(json.dumps(rec, separators=(",", ":")) + "\n")
    finally:
        for f in files:
            f.close()
    return [folder / f"node-{n}.jsonl" for n in range(NODES)]


def audited_peak(paths: list[Path]) -> tuple[int, int, int]:
    """(events audited, events in the trace, peak traced memory of reading and auditing them, in bytes)."""
    spec = load_user_spec(RING)
    warm = paths[0].parent / "warm-up"  # (an audit of 30 events first: the imports and caches are not the audit's)
    warm.mkdir(exist_ok=True)
    audit_events(*user_audit(spec, [str(p) for p in write_ring(warm, 30)], {"nodes": NODES, "values": VALUES}))
    tracemalloc.start()
    try:
        mapping, events = user_audit(spec, [str(p) for p in paths], {"nodes": NODES, "values": VALUES})
        result = audit_events(mapping, events)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.ok, result.failure
    return result.audited, result.count, peak


def test_a_long_trace_is_audited_in_bounded_memory(tmp_path: Path) -> None:
    """10,000 events in 3 files (0.9 MB): the audit's peak traced memory is 1.4 MB, under the 2 MB asserted: a
    chunk of 256 events decoded ahead of the audit, the last 31 for the report, the messages in flight, the
    survey's receipts (a byte per message id). With every event in memory (the list the audit took before, and
    every sent message's copy) it was 17.3 MB for these 10,000 (1.73 KB per event, 34.5 MB for 20,000; the
    store's events, with their logs and batches, take about 3 KB)."""
    audited, count, peak = audited_peak(write_ring(tmp_path, 10_000))
    assert (audited, count) == (10_000, 10_000)
    assert peak < 2_000_000, f"peak traced memory {peak:,} bytes"


@pytest.mark.slow
def test_a_trace_of_300000_events_is_audited_in_about_the_same_memory(tmp_path: Path) -> None:
    """30 times as many events: only the message id tables grow (a few bytes per event, about 1 MB here); the
    list version would take some 520 MB."""
    audited, count, peak = audited_peak(write_ring(tmp_path, 300_000))
    assert (audited, count) == (300_000, 300_000)
    assert peak < 3_000_000, f"peak traced memory {peak:,} bytes"
