"""Compact trace files (docs/trace-format.md, "Compact trace files"): what our Raft nodes write by default.

The Raft core's events are written as marshalled tuples in checksummed records and turned into the
documented JSON lines only when read (`paxraft audit`, `paxraft trace-json`, read_events). They must
read back as exactly the lines the JSON-lines tracer writes; a last record cut short by a crash is cut
as a partial JSON line is (warned and skipped, cut before the next boot appends); any other damage is
refused with the file and byte offset, never silently misread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impl.kv.machine import describe_command
from impl.raft.core import Config
from impl.raft.tracing import CompactTracer
from impl.sim.cluster import SimCluster
from impl.storage.records import record
from impl.trace import (
    COMPACT_MAGIC,
    RAFT_EVENTS,
    TraceFileError,
    TraceWriter,
    compact_records,
    decode_compact,
    json_lines,
    last_clock,
    read_events,
)
from modelcheck.audit import audit_events, mapping_for, read_traces
from modelcheck.audit.tracefile import TraceError
from modelcheck.audit.tracefile import read_trace as read_any
from modelcheck.cli import main
from modelcheck.harness import read_node_traces
from tests.test_impl_core import traced_as_on_the_wire

NODES = (1, 2, 3)


def read_trace(path: Path):
    """The audit's reader with the store's decoder (as `paxraft audit` and read_node_traces read)."""
    return read_any(path, decode_compact)


@pytest.fixture(scope="module")
def traces(tmp_path_factory) -> tuple[Path, dict[int, Path], dict[int, Path]]:
    """A simulated 3-node run with writes, a crash and a recovery, written twice per node: as a compact file
    (flushed every 5 events: several records; messages traced as the store's nodes trace them, most as their wire
    bytes) and as JSON lines."""
    taken: list[tuple] = []
    take = CompactTracer.take
    mp = pytest.MonkeyPatch()
    traced_as_on_the_wire(mp)

    def recording(self: CompactTracer) -> list:
        out = take(self)
        taken.extend(out)
        return out

    mp.setattr(CompactTracer, "take", recording)
    lines: list[str] = []
    try:
        c = SimCluster(3, seed=5, config=Config(election_ticks=10, heartbeat_ticks=2, trace=True),
                       on_event=lambda ev: None)
        c.run(300)
        for k in range(12):
            c.write(1 + k % 3)
            c.run(5)
        c.run(100)
        c.crash(c.leader() or 1)
        c.run(200)
        c.recover()
    finally:
        mp.undo()
    from impl.raft.tracing import LineFormatter

    fmt = LineFormatter(describe_command)
    lines = [fmt.line(ev) for ev in taken]
    assert sum(type(m) is bytes for ev in taken for m in ev[5]) > len(taken) // 2  # (the wire form is what is read)
    d = tmp_path_factory.mktemp("compact")
    bins, jsons = {}, {}
    for i in NODES:
        bins[i], jsons[i] = d / f"node-{i}.bin", d / f"node-{i}.jsonl"
        b, j = TraceWriter(bins[i], i, NODES, compact=True), TraceWriter(jsons[i], i, NODES)
        mine = [k for k, ev in enumerate(taken) if ev[0] == i]
        for n in range(0, len(mine), 5):
            b.write_lines([taken[k] for k in mine[n : n + 5]])
            j.write_lines([lines[k] for k in mine[n : n + 5]])
            b.flush()
            j.flush()
        b.close()
        j.close()
    return d, bins, jsons


def test_a_compact_file_reads_back_as_the_json_lines_of_the_same_events(traces, capsys):
    d, bins, jsons = traces
    for i in NODES:
        lines, cut = json_lines(bins[i].read_bytes(), str(bins[i]))
        assert cut is None
        assert [x + "\n" for x in lines] == jsons[i].read_text().splitlines(keepends=True)
        assert list(read_events(bins[i])) == list(read_events(jsons[i]))
        assert last_clock(bins[i]) == last_clock(jsons[i]) > 0
        assert len(compact_records(bins[i].read_bytes(), "x")[0]) > 3
        assert bins[i].stat().st_size < jsons[i].stat().st_size
    events, _ = read_node_traces([str(p) for p in bins.values()])
    ref, _ = read_traces([str(p) for p in jsons.values()])
    assert [(e.node, e.clock, e.action, e.state) for e in events] == [(e.node, e.clock, e.action, e.state) for e in ref]
    result = audit_events(mapping_for("raft", events), events)
    assert result.ok and result.audited == len(events) > 100
    assert main(["trace-json", str(bins[1]), "--out", str(d / "out.jsonl")]) == 0
    assert (d / "out.jsonl").read_bytes() == jsons[1].read_bytes()
    assert main(["audit", *map(str, bins.values()), "--spec", "raft"]) == 0
    assert "OK: every event is explained" in capsys.readouterr().out


def _records(path: Path) -> list[int]:
    offsets = [pos for pos, _, _ in compact_records(path.read_bytes(), str(path))[0]]
    return offsets


def test_a_last_record_cut_short_is_cut_like_a_partial_json_line(traces, tmp_path):
    """Every cut inside the last record: the audit warns and reads the records before it; the next boot's writer
    cuts the file back to them before it appends; the restarted clock is the last intact event's."""
    _, bins, _ = traces
    whole = bins[2].read_bytes()
    last = _records(bins[2])[-1]
    before = read_trace(bins[2]).events
    path = tmp_path / "t.bin"
    path.write_bytes(whole[:last])
    kept = read_trace(path).events
    assert len(kept) < len(before)
    clock = last_clock(path)
    for cut in sorted({last + 1, last + 4, last + 12, last + 13, last + 14, (last + len(whole)) // 2, len(whole) - 1}):
        path.write_bytes(whole[:cut])
        tf = read_trace(path)
        assert [e.clock for e in tf.events] == [e.clock for e in kept]
        assert tf.warnings == [f"{path}: the last record is cut short (byte offset {last}, {cut - last} bytes): "
                               "a node that crashed while writing; ignored"]
        assert last_clock(path) == clock
        w = TraceWriter(path, 2, NODES, compact=True)  # the next boot
        assert w.size == last == path.stat().st_size
        w.close()
        assert len(read_trace(path).headers) == len(tf.headers) + 1 and not read_trace(path).warnings


@pytest.mark.parametrize("where, why", [("payload", "payload checksum mismatch"),
                                        ("length", "header checksum mismatch"),
                                        ("last-length", "header checksum mismatch")])
def test_a_damaged_record_is_refused_with_its_offset_never_misread(traces, tmp_path, capsys, where, why):
    """A flipped bit in a record's payload or in its length (even the last record's, which a trusted length would
    have made a torn tail): the audit, `trace-json` and a node's restart all refuse the file, naming the offset."""
    _, bins, _ = traces
    data = bytearray(bins[3].read_bytes())
    offsets = _records(bins[3])
    pos = offsets[-1] if where == "last-length" else offsets[len(offsets) // 2]
    data[pos + 4 + (0 if where != "payload" else 20)] ^= 0x40  # the length's top byte, or a payload byte
    path = tmp_path / "t.bin"
    path.write_bytes(bytes(data))
    msg = f"{path}: damaged record at byte offset {pos}: {why}"
    with pytest.raises(TraceError) as exc:
        read_trace(path)
    assert str(exc.value) == msg
    assert main(["audit", str(path), "--spec", "raft"]) == 2
    assert main(["trace-json", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count(msg) == 2 and "Traceback" not in err
    with pytest.raises(TraceFileError, match="damaged record"):
        TraceWriter(path, 3, NODES, compact=True)
    assert path.read_bytes() == bytes(data)  # nothing cut


def test_the_audit_layer_alone_names_a_compact_file_instead_of_misreading_it(traces):
    """modelcheck.audit does not import the store: without a decoder it refuses a compact file in one line."""
    _, bins, _ = traces
    with pytest.raises(TraceError, match=r"node-1.bin: a compact trace file \(a node's trace.bin\): read it with"):
        read_traces([bins[1]])


def test_an_intact_record_whose_events_do_not_decode_is_refused(tmp_path):
    """A record with valid checksums but a payload that is not a list of events (written by something else)."""
    import marshal

    for payload, what in [(b"\x00garbage", "does not decode"), (marshal.dumps({"a": 1}), "does not decode"),
                          (marshal.dumps([(1, 2)]), "does not decode")]:
        path = tmp_path / "t.bin"
        path.write_bytes(COMPACT_MAGIC + record(RAFT_EVENTS, payload))
        with pytest.raises(TraceError, match=f"{path}: record at byte offset 8: a record of events that {what}"):
            read_trace(path)
    path.write_bytes(COMPACT_MAGIC + record(9, b"x"))
    with pytest.raises(TraceError, match="record of unknown type 9 at byte offset 8"):
        read_trace(path)


def test_a_wire_traced_message_or_messages_of_another_kind_are_refused_naming_the_record(tmp_path, capsys):
    """A runtime node traces a message of at most 512 bytes as its wire bytes (CompactTracer(wire=True)), read back
    with the store's describe_command: an entry that is no command was its struct.error, `internal error`, exit 4.
    An event's sent messages in a frozenset were read in their hashes' order, which for bytes changes from run to
    run (trace-json printed one file two ways, and the audit explained it); a list or a dict read as a tuple, a
    received list as a message, a message's or an event's str "1" as the number 1 (a line prints a field as it
    is). Each is one line naming the file, the record and the event (exit 2), and the audit's survey refuses what
    the full reading refuses (impl.trace.raft_events, the one check of both)."""
    import marshal

    from impl.raft.log import Entry
    from impl.raft.messages import Message, MsgType, encode_message
    from impl.trace import JSON_LINES, survey_compact

    head = record(JSON_LINES, b'{"format":"paxraft-trace","version":2,"node":1,"nodes":[1,2,3]}\n')
    path, at = tmp_path / "t.bin", len(COMPACT_MAGIC) + len(head)

    def append(data: bytes, seq: int = 1) -> bytes:
        return encode_message(Message(MsgType.AppendEntriesRequest, 1, 2, 1, entries=(Entry(1, data),), seq=seq,
                                      clock=2))

    def event(recv, sent) -> tuple:
        return (1, 2, "AppendEntries", {"j": 2}, recv, sent, 1, 2, 1, 1, ((1, "noop"),), None, 0, ((2, 1, 0),))

    path.write_bytes(COMPACT_MAGIC + head + record(RAFT_EVENTS, marshal.dumps([event(None, (append(b""),))])))
    assert main(["trace-json", str(path)]) == 0
    assert '"sent":[{"id":[1,0,1],"clock":2,"type":"AppendEntriesRequest"' in capsys.readouterr().out
    two = frozenset([append(b""), append(b"", 2)])
    # a message by its fields (a larger one's form): a str "1" was read as the number 1, True printed no JSON
    fields = (3, 2, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, (), b"", 0, 1, 3)
    other = "a message with a field of another type than the writer's (numbers: ints; entries: (term, value) pairs)"
    kept = event(None, ())[:10] + (((1, b"ab"),),) + event(None, ())[11:]  # a log entry's value kept as a key
    cases = [(event(None, (append(b"abc"),)), "an entry's value of 3 bytes that is not a command (", False),
             (kept, "an entry's value of 2 bytes that is not a command (", False),
             (event(None, two), "event 1 of the record sends a frozenset, not a tuple of messages)", True),
             (event(None, [append(b"")]), "event 1 of the record sends a list, not a tuple of messages)", True),
             (event(None, {append(b""): 1}), "event 1 of the record sends a dict, not a tuple of messages)", True),
             (event(None, ("x" * 20,)), "event 1 of the record sends a str, not a message)", True),
             (event([2, 2, 1, 1] + [0] * 13, ()), "event 1 of the record receives a list, not a message)", True),
             (event(7, ()), "event 1 of the record receives an int, not a message)", True),
             (event(fields[:15] + ("1",) + fields[16:], ()), f"event 1 of the record receives {other})", True),
             (event(fields[:1] + (True,) + fields[2:], ()), f"event 1 of the record receives {other})", True),
             (event(None, (fields[:10],)), "event 1 of the record sends a tuple of 10 fields, not a message's 17)",
              True),
             (event(None, ())[:1] + ("2",) + event(None, ())[2:], "event 1 of the record has a field of another type "
              "than the writer's (node, clock, term, role, vote, from, commit: ints; action: a str; entries: (term, "
              "value) pairs))", True),
             (event(None, ())[:13], "event 1 of the record is a tuple of 13 fields, not a tuple of 14 fields)", True)]
    for ev, why, unsurveyed in cases:
        path.write_bytes(COMPACT_MAGIC + head + record(RAFT_EVENTS, marshal.dumps([ev])))
        msg = f"{path}: record at byte offset {at}: a record of events that does not decode ({why}"
        assert main(["trace-json", str(path)]) == 2
        assert main(["audit", str(path), "--spec", "raft"]) == 2
        err = capsys.readouterr().err
        assert err.count(msg) == 2 and "Traceback" not in err and "internal error" not in err, (why, err)
        if unsurveyed:
            with pytest.raises(ValueError, match="not surveyed"):
                list(survey_compact(path, path.read_bytes()))


def test_the_trace_format_setting_is_checked_and_names_the_file(tmp_path, capsys):
    from impl.runtime.cluster import ClusterError, trace_compact, trace_file_name

    assert trace_compact({})  # Raft and Multi-Paxos nodes alike (a Multi-Paxos node's lines in segments)
    assert not trace_compact({"trace_format": "jsonl"})
    assert not trace_compact({}, has_jsonl=True)  # a node that wrote JSON lines before goes on
    assert trace_compact({"trace_format": "compact"}, has_jsonl=True)
    assert (trace_file_name(True), trace_file_name(False)) == ("trace.bin", "trace.jsonl")
    with pytest.raises(ClusterError, match='"trace_format" must be one of compact, jsonl, got \'xml\''):
        trace_compact({"trace_format": "xml"})
    assert main(["trace-json", str(tmp_path / "none.bin")]) == 2
    assert "none.bin: cannot read: no such file" in capsys.readouterr().err


def _reference(data: bytes, name: str) -> tuple[str | None, int, list[int], int]:
    """compact_records' verdict on the whole bytes: (error, end, record offsets, the last event's clock)."""
    try:
        records, end = compact_records(data, name)
    except TraceFileError as exc:
        return str(exc), 0, [], 0
    lines, _ = json_lines(data[:end], name)
    clocks = [json.loads(x)["clock"] for x in lines if '"clock"' in x and '"format"' not in x]
    return None, end, [pos for pos, _, _ in records], clocks[-1] if clocks else 0


def test_a_node_start_reads_its_compact_trace_one_record_at_a_time_with_the_same_verdicts(traces, tmp_path):
    """A node's start read its whole compact trace into memory, twice (to cut a last record cut short, and for its
    last clock), and a trace grows with every write. stream_records reads a record at a time: on the file cut
    around every record boundary and at every offset of its last two records, and with 40 seeded bit flips, its
    verdict (where the intact records end, or the damage and its offset), the records it remembers, the cut a
    restart makes and the restarted clock are compact_records' (every offset and 300 flips under slow)."""
    _stream_against_reference(traces, tmp_path, every_offset=False, flips=40)


@pytest.mark.slow
def test_stream_records_against_compact_records_at_every_offset(traces, tmp_path):
    _stream_against_reference(traces, tmp_path, every_offset=True, flips=300)


def _stream_against_reference(traces, tmp_path: Path, every_offset: bool, flips: int) -> None:
    import random

    from impl.trace import LAST_RECORDS, stream_records

    _, bins, _ = traces
    whole = bins[2].read_bytes()
    rng = random.Random(7)
    starts = _records(bins[2])
    if every_offset:
        cuts = set(range(len(COMPACT_MAGIC), len(whole) + 1))
    else:  # each record's start, header and first payload byte, and 40 cuts across the last two records
        cuts = {c for pos in starts for c in (pos, pos + 1, pos + 12, pos + 13, pos + 14)}
        cuts |= set(range(starts[-2], len(whole) + 1, max(1, (len(whole) - starts[-2]) // 40))) | {len(whole)}
    cases = [whole[:cut] for cut in sorted(c for c in cuts if c <= len(whole))]
    for _ in range(flips):
        flipped = bytearray(whole)
        flipped[rng.randrange(len(COMPACT_MAGIC), len(whole))] ^= 1 << rng.randrange(8)
        cases.append(bytes(flipped))
    path = tmp_path / "t.bin"
    damaged = 0
    for data in cases:
        path.write_bytes(data)
        error, end, offsets, clock = _reference(data, str(path))
        if error is not None:
            damaged += 1
            with pytest.raises(TraceFileError) as exc:
                stream_records(path)
            assert str(exc.value) == error
            continue
        last, got_end = stream_records(path)
        assert (got_end, [pos for pos, _, _ in last]) == (end, offsets[-LAST_RECORDS:])
        assert last_clock(path) == clock
        TraceWriter(path, 2, NODES, compact=True).close()  # a restart cuts back to the intact records
        assert path.read_bytes()[:end] == data[:end] and stream_records(path)[1] == path.stat().st_size
    assert flips * 0.8 < damaged <= flips
    # more than LAST_RECORDS header-only records at the end (restarts with no event): the clock is found earlier
    path.write_bytes(whole)
    clock = last_clock(path)
    for _ in range(LAST_RECORDS + 6):
        TraceWriter(path, 2, NODES, compact=True).close()
    assert last_clock(path) == clock > 0
