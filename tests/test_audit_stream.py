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
from typing import Any

import pytest
from test_cli import one_error_line, run

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


# -- what the stream says, as `paxraft audit` says it -----------------------------------------------------------


def audit_cli(capsys: pytest.CaptureFixture, paths: list[Path]) -> tuple[int, Any]:
    """``paxraft audit --spec RING FILES --json``: the exit status and the report (or the one error line)."""
    code, out, err = run(capsys, "audit", "--spec", RING, "--bounds", f"nodes={NODES},values={VALUES}",
                         *map(str, paths), "--json")
    return code, json.loads(out) if code in (0, 1) else one_error_line(err)


def edit(path: Path, line: int, change: Any) -> None:
    """Line ``line`` (1-based) of a trace file replaced by ``change(record)``'s (text: as it is)."""
    lines = path.read_text().splitlines()
    new = change(json.loads(lines[line - 1]))
    lines[line - 1] = new if isinstance(new, str) else json.dumps(new)
    path.write_text("\n".join(lines) + "\n")


def test_what_outranks_the_verdict_is_said_wherever_it_is(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """The audit reads past the first unexplained event: a name the spec does not know, or a malformed line,
    after it is refused (exit 2), as when the files were read whole before the audit began."""
    paths = write_ring(tmp_path, 3_000)
    edit(paths[1], 11, lambda r: {**r, "state": {"c": (r["state"]["c"] + 1) % VALUES}})  # event 29 (node 1's 10th)
    code, rep = audit_cli(capsys, paths)
    assert (code, rep["failure"]["index"], rep["failure"]["where"]) == (1, 29, f"{paths[1]}:11")
    assert (rep["events"], rep["audited"]) == (3_000, 28)  # (counted to the end)
    edit(paths[2], 800, lambda r: {**r, "action": "Pass"})  # event 2,397
    code, err = audit_cli(capsys, paths)
    assert code == 2 and err.startswith("paxraft audit: error: the trace uses 1 name(s) the TokenRing spec does not "
                                         f"know: action 'Pass' (first at {paths[2]}:800)")
    edit(paths[0], 900, lambda r: json.dumps(r)[:-1])  # event 2,695: a line cut short, not the last
    code, err = audit_cli(capsys, paths)
    assert code == 2 and err.startswith(f"paxraft audit: error: {paths[0]}:900: not valid JSON (")


def test_a_message_received_twice_is_kept_until_its_last_receipt(capsys: pytest.CaptureFixture,
                                                                  tmp_path: Path) -> None:
    """The survey counts each message's receipts: a copy received again 2,000 events after its send is still
    there to compare with (and the message this event should have received, never received, is not kept)."""
    paths = write_ring(tmp_path, 3_000)
    edit(paths[2], 668, lambda r: {**r, "recv": {"id": [0, 0, 5], "type": "other"}})  # event 2,001; [0, 0, 5]: 16
    code, rep = audit_cli(capsys, paths)
    assert (code, rep["failure"]["index"], rep["failure"]["where"]) == (1, 2_001, f"{paths[2]}:668")
    assert rep["failure"]["reason"] == (f'receives message [0, 0, 5] other than it was sent ({paths[0]}:7: type '
                                        '"other" here, "token" sent)')
    edit(paths[2], 668, lambda r: {**r, "recv": {"id": [0, 0, 5], "type": "token"}})  # the same copy: explained
    assert audit_cli(capsys, paths)[0] == 0
    edit(paths[2], 668, lambda r: {**r, "recv": {"id": [0, 0, 999], "type": "token"}})  # sent at event 2,998
    code, err = audit_cli(capsys, paths)
    assert (code, err) == (2, f"paxraft audit: error: {paths[2]}:668: receives message [0, 0, 999] before it is sent "
                              f"({paths[0]}:1001, clock 2998 >= 2001): the clocks are not consistent with "
                              "happens-before")


def test_a_file_that_grows_between_the_passes_is_read_as_far_as_the_survey_read_it(
        capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit's second pass read a JSON-lines file to its end (yielding only the events the survey counted):
    a node still writing its file, faster than the audit reads, kept it reading. Now it reads the bytes the
    survey read and says in one warning that the file grew; the new tail is not read (here lines that are not
    JSON, which the old pass refused: it read them)."""
    from modelcheck.audit.tracefile import TraceStream

    files = write_ring(tmp_path, 30)
    size = files[1].stat().st_size
    survey = TraceStream._survey

    def then_append(self: TraceStream, *args: Any) -> Any:
        yield from survey(self, *args)
        with files[1].open("a") as f:  # (the node writes on once the survey has read its file)
            f.write("a line its node is writing\n" * 2)

    monkeypatch.setattr(TraceStream, "_survey", then_append)
    code, out, err = run(capsys, "audit", "--spec", RING, *map(str, files), "--bounds",
                         f"nodes={NODES},values={VALUES}")
    assert code == 0 and "30 events explained" in out
    assert err.strip() == (f"paxraft audit: warning: {files[1]}: grew by 54 bytes after the first reading; the "
                           f"audit reads the {size:,} bytes read then (the events written since are not audited)")


def test_a_raft_audit_keeps_few_of_the_specs_one_message_bags(tmp_path: Path) -> None:
    """spec/raft.py keeps a bag per message sent into an empty bag (a cache for the checker, which meets the same
    messages again), up to 65,536: an audit, which meets each message once, kept them all, about 470 bytes each
    on a leader's trace, two per write (12.3 MB live after 10,000 writes; 4.5 MB now). It keeps 4,096 at most."""
    import spec.raft
    from modelcheck.audit import TraceStream
    from modelcheck.audit.raft_map import RaftMapping
    from modelcheck.audit.raft_steady import steady_trace

    head, tail = steady_trace(10, 3000)  # (6,000 messages)
    files = {n: open(tmp_path / f"node-{n}.jsonl", "w") for n in (1, 2, 3)}  # noqa: SIM115 (closed below)
    for n, f in files.items():
        f.write(json.dumps({"format": "paxraft-trace", "version": 2, "node": n, "nodes": [1, 2, 3]}) + "\n")
    for rec in head + tail:
        files[rec["node"]].write(json.dumps(rec) + "\n")
    for f in files.values():
        f.close()
    spec.raft._ALONE.clear()  # (what the tests before this one left)
    stream = TraceStream([tmp_path / f"node-{n}.jsonl" for n in (1, 2, 3)])
    result = audit_events(RaftMapping.from_events(stream), stream)
    assert result.ok and result.audited == 15_026
    assert len(spec.raft._ALONE) <= 4096 + 16  # (those of the last event's steps beside)
