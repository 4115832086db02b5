"""The write-ahead log: round trips, group commit, the unsynced tail cut, damage refused, compaction, format 1."""

from __future__ import annotations

import os
import struct
import zlib

import pytest

from impl.raft.core import HardState, Ready, Snapshot
from impl.raft.log import Entry
from impl.storage.wal import DATA_START, ENTRIES, WAL, WALError, _entries_payload, _record, check, synced_length


def fill(d, n=20, unsynced=0):
    """n entries synced (one fsync), then ``unsynced`` more written to the OS but never synced."""
    w = WAL(d, create=True)
    assert w.load() == (None, None, [])
    w.save(Ready(hard_state=HardState(2, 1)))
    for k in range(n):
        w.save(Ready(entries_from=k + 1, entries=[Entry(2, b"e%d" % k)]))
    w.sync()  # one fsync for all of them
    assert w.syncs == 1
    for k in range(n, n + unsynced):
        w.save(Ready(entries_from=k + 1, entries=[Entry(2, b"e%d" % k)]))
    w.close()  # a process killed here leaves these in the file, beyond the synced length
    return [Entry(2, b"e%d" % k) for k in range(n + unsynced)]


def test_round_trip_and_overwrite_from_an_index(tmp_path):
    entries = fill(tmp_path)
    w = WAL(tmp_path)
    assert w.load() == (HardState(2, 1), None, entries)
    w.save(Ready(hard_state=HardState(3, 0), entries_from=5, entries=[Entry(3, b"new")]))  # replaces 5..20
    w.sync()
    w.close()
    assert WAL(tmp_path).load() == (HardState(3, 0), None, entries[:4] + [Entry(3, b"new")])


def test_a_missing_log_is_refused_unless_the_node_is_new(tmp_path):
    with pytest.raises(WALError, match=r"wal\.log: missing"):
        WAL(tmp_path).load()
    fill(tmp_path)
    w = WAL(tmp_path)
    w.load()
    w.save_snapshot(Snapshot(10, 2, b"state"))
    w.close()
    (tmp_path / "wal.log").unlink()  # the snapshot is kept: the hard state (term, vote) would silently go back
    with pytest.raises(WALError, match=r"wal\.log: missing while snapshot\.bin exists"):
        WAL(tmp_path, create=True).load()


@pytest.mark.parametrize("cut", [1, 5, 9, 30])
def test_unsynced_tail_is_truncated_keeping_every_record_before_it(tmp_path, cut):
    entries = fill(tmp_path, unsynced=2)
    path = tmp_path / "wal.log"
    data = path.read_bytes()
    path.write_bytes(data[:-cut])  # a crash in the middle of writing the last (unsynced) record
    w = WAL(tmp_path)
    assert w.load() == (HardState(2, 1), None, entries[:-1])
    last_record = 13 + 12 + 12 + 3  # record header, first index + count, term + length, b"e21"
    assert w.torn_bytes == last_record - cut
    w.close()
    assert path.stat().st_size == len(data) - last_record
    assert WAL(tmp_path).load()[2] == entries[:-1]  # the truncation itself was durable


def test_garbage_unsynced_record_is_a_torn_write(tmp_path):
    entries = fill(tmp_path, unsynced=1)
    path = tmp_path / "wal.log"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # the unsynced record's checksum fails, nothing follows it
    path.write_bytes(bytes(data))
    assert WAL(tmp_path).load()[2] == entries[:-1]


def test_damage_in_the_last_synced_record_is_refused_not_taken_for_a_torn_write(tmp_path):
    fill(tmp_path)
    path = tmp_path / "wal.log"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # today's probe: 3-4 acknowledged writes were cut as a "torn tail"
    path.write_bytes(bytes(data))
    with pytest.raises(WALError, match=r"wal\.log: damaged record at byte offset \d+, inside the \d+ bytes that "
                                       r"were synced: payload checksum mismatch"):
        WAL(tmp_path).load()
    assert path.read_bytes() == bytes(data)  # nothing was changed


def test_a_damaged_length_is_detected_not_trusted(tmp_path):
    fill(tmp_path, unsynced=3)
    path = tmp_path / "wal.log"
    data = bytearray(path.read_bytes())
    length_field = DATA_START + 13 + 16 + 4  # the length of the second record (hard state first)
    data[length_field] ^= 0x80  # pointing far past the end of the file: the rest looked like a torn tail
    path.write_bytes(bytes(data))
    with pytest.raises(WALError, match=f"byte offset {DATA_START + 13 + 16}, .*header checksum mismatch"):
        WAL(tmp_path).load()


def test_a_truncated_synced_log_is_refused(tmp_path):
    fill(tmp_path)
    path = tmp_path / "wal.log"
    path.write_bytes(path.read_bytes()[:-40])  # the last synced record gone entirely
    with pytest.raises(WALError, match=r"header says \d+ bytes were synced \(truncated"):
        WAL(tmp_path).load()


def test_garbage_for_a_log_is_refused(tmp_path):
    (tmp_path / "wal.log").write_bytes(b"\xff" * 100)  # first "length" pointed past the end: loaded as empty
    with pytest.raises(WALError, match="neither header slot"):
        WAL(tmp_path).load()


def test_hard_state_never_goes_back(tmp_path):
    w = WAL(tmp_path, create=True)
    w.load()
    w.save(Ready(hard_state=HardState(5, 2)))
    w.save(Ready(hard_state=HardState(3, 1)))  # only damage or a bug writes this
    w.sync()
    w.close()
    with pytest.raises(WALError, match="term goes back from 5 to 3"):
        WAL(tmp_path).load()


def test_snapshot_compacts_the_log_and_survives_restart(tmp_path):
    entries = fill(tmp_path)
    w = WAL(tmp_path)
    w.load()
    size = (tmp_path / "wal.log").stat().st_size - DATA_START
    w.save_snapshot(Snapshot(15, 2, b"state"))
    assert (tmp_path / "wal.log").stat().st_size - DATA_START < size / 2
    w.save(Ready(entries_from=21, entries=[Entry(2, b"more")]))
    w.sync()
    w.close()
    assert WAL(tmp_path).load() == (HardState(2, 1), Snapshot(15, 2, b"state"), entries[15:] + [Entry(2, b"more")])


def _snapshotted(tmp_path):
    fill(tmp_path)
    w = WAL(tmp_path)
    w.load()
    w.save_snapshot(Snapshot(10, 2, b"state"))
    w.close()
    return tmp_path / "snapshot.bin"


def test_damaged_snapshot_is_refused(tmp_path):
    snap = _snapshotted(tmp_path)
    snap.write_bytes(snap.read_bytes()[:-1] + b"X")
    with pytest.raises(WALError, match="snapshot.bin: snapshot is damaged"):
        WAL(tmp_path).load()


def test_deleted_snapshot_is_refused(tmp_path):
    _snapshotted(tmp_path).unlink()  # today: entries renumbered from 1, no message
    with pytest.raises(WALError, match=r"records a snapshot at index 10 \(term 2\) but .*snapshot\.bin is missing"):
        WAL(tmp_path).load()


def test_a_snapshot_file_of_another_state_is_refused(tmp_path):
    snap = _snapshotted(tmp_path)
    other = tmp_path / "other"
    w = WAL(other, create=True)
    w.load()
    w.save(Ready(hard_state=HardState(2, 1), entries_from=1, entries=[Entry(2, b"x")] * 10))
    w.save_snapshot(Snapshot(10, 2, b"other state"))  # a valid file, same index and term, other content
    w.close()
    snap.write_bytes((other / "snapshot.bin").read_bytes())
    with pytest.raises(WALError, match="holds index 10 .* with another checksum"):
        WAL(tmp_path).load()


def _install_unlogged(d, snap: Snapshot) -> None:
    """``d``'s snapshot.bin replaced by ``snap`` (written by a scratch log), with no record of it in ``d``'s log: a
    kill after a leader's snapshot was installed but before its log record was written."""
    scratch = d / "newer"
    w = WAL(scratch, create=True)
    w.load()
    w.save(Ready(snapshot=snap))
    w.sync()
    w.close()
    (d / "snapshot.bin").write_bytes((scratch / "snapshot.bin").read_bytes())


def test_a_newer_snapshot_than_the_log_records_is_adopted(tmp_path):
    """A crash after the leader's snapshot was installed but before its log record was synced."""
    entries = fill(tmp_path)
    _install_unlogged(tmp_path, Snapshot(12, 2, b"s12"))
    assert WAL(tmp_path).load() == (HardState(2, 1), Snapshot(12, 2, b"s12"), entries[12:])


def test_an_adopted_snapshot_is_recorded_so_the_log_stays_loadable(tmp_path):
    """A leader's snapshot past the log's end (index 15, the log ending at 10) installed, then a kill before its
    record: adopted at the next load, and entries appended after it (16 on). The log did not record the adoption,
    so the load after said 'entries start at index 16 but the log ends at 10' and the node could not start again
    (a fresh clone's test_transfer_cluster, 2026-12-05 18:50: node 1's snapshot 182 over a log ending at 158)."""
    fill(tmp_path, n=10)
    _install_unlogged(tmp_path, Snapshot(15, 2, b"s15"))
    w = WAL(tmp_path)
    assert w.load() == (HardState(2, 1), Snapshot(15, 2, b"s15"), [])
    w.save(Ready(entries_from=16, entries=[Entry(2, b"e16"), Entry(2, b"e17")]))
    w.sync()
    w.close()
    assert WAL(tmp_path).load() == (HardState(2, 1), Snapshot(15, 2, b"s15"), [Entry(2, b"e16"), Entry(2, b"e17")])


def test_compaction_rewrites_the_log_the_writes_left_without_rereading_it(tmp_path):
    """The log rewritten by save_snapshot is what the records written so far amount to (tracked by save, not
    re-read): truncating overwrites, hard states, a snapshot received from a leader, two compactions."""
    w = WAL(tmp_path, create=True)
    w.load()
    w.save(Ready(hard_state=HardState(2, 1), entries_from=1, entries=[Entry(1, b"a%d" % k) for k in range(10)]))
    w.save(Ready(entries_from=7, entries=[Entry(2, b"b7"), Entry(2, b"b8")]))  # replaces 7..10
    w.save(Ready(hard_state=HardState(3, 0), entries_from=9, entries=[Entry(3, b"c9")]))
    w.save_snapshot(Snapshot(5, 1, b"s5"))
    w.save(Ready(entries_from=10, entries=[Entry(3, b"c10")]))
    w.save_snapshot(Snapshot(8, 2, b"s8"))
    w.close()
    assert WAL(tmp_path).load() == (HardState(3, 0), Snapshot(8, 2, b"s8"), [Entry(3, b"c9"), Entry(3, b"c10")])
    w = WAL(tmp_path)
    w.load()
    w.save(Ready(snapshot=Snapshot(12, 4, b"s12")))  # from the leader: our log does not reach 12, all of it goes
    w.save(Ready(entries_from=13, entries=[Entry(4, b"d13"), Entry(4, b"d14")]))
    w.save_snapshot(Snapshot(13, 4, b"s13"))
    w.close()
    assert WAL(tmp_path).load() == (HardState(3, 0), Snapshot(13, 4, b"s13"), [Entry(4, b"d14")])


def test_the_commit_index_is_kept_and_a_log_ending_before_it_is_refused(tmp_path):
    w = WAL(tmp_path, create=True)
    w.load()
    es = [Entry(1, b"x%d" % k) for k in range(5)]
    w.save(Ready(hard_state=HardState(1, 1), entries_from=1, entries=es, committed=list(enumerate(es, 1))[:4]))
    w.sync()
    w.close()
    rep = check(tmp_path)
    assert (rep.ok, rep.last_index, rep.commit_index, rep.term, rep.errors) == (True, 5, 4, 1, [])
    w = WAL(tmp_path)
    w.load()
    w._buf += _record(ENTRIES, _entries_payload(3, [Entry(1, b"y")]))  # cuts the log to 3: only damage or a bug
    w.sync()
    w.close()
    with pytest.raises(WALError, match="the log ends at index 3 but index 4 was recorded as committed"):
        WAL(tmp_path).load()


def _v1(typ: int, payload: bytes) -> bytes:
    return struct.pack(">IIB", zlib.crc32(payload, zlib.crc32(bytes((typ,)))), len(payload), typ) + payload


def test_a_format_1_log_is_read_when_intact_and_rewritten(tmp_path):
    body = _v1(1, struct.pack(">QQ", 3, 2)) + _v1(2, struct.pack(">QIQI", 1, 1, 3, 2) + b"v1")
    (tmp_path / "wal.log").write_bytes(body)
    assert WAL(tmp_path).load() == (HardState(3, 2), None, [Entry(3, b"v1")])
    assert (tmp_path / "wal.log").read_bytes()[:8] == b"PXRWAL2\n"
    assert WAL(tmp_path).load() == (HardState(3, 2), None, [Entry(3, b"v1")])


def test_a_damaged_format_1_log_is_refused(tmp_path):
    body = _v1(1, struct.pack(">QQ", 3, 2)) + _v1(2, struct.pack(">QIQI", 1, 1, 3, 2) + b"v1")
    (tmp_path / "wal.log").write_bytes(body[:-1])
    with pytest.raises(WALError, match="format 1 log damaged at byte offset 25"):
        WAL(tmp_path).load()


# -- a preallocated log (the runtime's default): zero padding after the records ----------------------------
PAD = 8192


def _padded(d, n=5):
    """A preallocated log holding a hard state and ``n`` entries, one sync each; (entries, file size)."""
    w = WAL(d, create=True, prealloc=PAD)
    w.load()
    w.save(Ready(hard_state=HardState(2, 1)))
    es = [Entry(2, b"p%d" % k) for k in range(n)]
    sizes = set()
    for k, e in enumerate(es):
        w.save(Ready(entries_from=k + 1, entries=[e]))
        w.sync()
        sizes.add((d / "wal.log").stat().st_size)
    w.close()
    return es, sizes


def test_a_preallocated_log_keeps_its_size_across_syncs_and_reads_back(tmp_path):
    es, sizes = _padded(tmp_path)
    assert sizes == {DATA_START + PAD}  # no sync changed the file's size (no journal commit for it)
    w = WAL(tmp_path, prealloc=PAD)
    assert w.load() == (HardState(2, 1), None, es) and w.torn_bytes == 0  # the padding is no torn tail
    rep = check(tmp_path)
    assert (rep.ok, rep.last_index, rep.torn_bytes, rep.file_bytes) == (True, 5, 0, DATA_START + PAD)
    for k in range(5, 200):  # past half the padding: extended once more, zeros again after the records
        w.save(Ready(entries_from=k + 1, entries=[Entry(2, b"p%d" % k)]))
        w.sync()
    w.close()
    size = (tmp_path / "wal.log").stat().st_size
    assert size - w._end >= PAD // 2 and (tmp_path / "wal.log").read_bytes()[w._end :] == bytes(size - w._end)
    assert WAL(tmp_path).load()[2] == es + [Entry(2, b"p%d" % k) for k in range(5, 200)]


def test_zeroed_synced_records_of_a_preallocated_log_are_refused_not_taken_for_its_end(tmp_path):
    _padded(tmp_path)
    path = tmp_path / "wal.log"
    data = bytearray(path.read_bytes())
    end = synced_length(path)
    data[end - 39 : end] = bytes(39)  # the last synced record (entry b"p4": 39 bytes) zeroed: looks like padding
    path.write_bytes(bytes(data))
    with pytest.raises(WALError, match=rf"damaged record at byte offset {end - 39}, inside the {end} bytes"):
        WAL(tmp_path, prealloc=PAD).load()


@pytest.mark.parametrize("flip", [0, 1, 3000])
def test_damage_in_the_padding_is_a_torn_tail_cut_before_the_log_grows_over_it(tmp_path, flip):
    """Records B, C written after the last sync; a power cut keeps C's page but not B's (zeros there).
    The loader must cut C (or a flipped bit anywhere in the padding) away at once: otherwise a later
    record of B's size would end exactly where C begins and C would be read back as part of the log."""
    es, _ = _padded(tmp_path)
    w = WAL(tmp_path, prealloc=PAD)
    w.load()
    end = w._end
    w.save(Ready(entries_from=6, entries=[Entry(2, b"bb")]))
    w.save(Ready(entries_from=7, entries=[Entry(2, b"cc")]))
    w.close()  # written, never synced
    path = tmp_path / "wal.log"
    data = bytearray(path.read_bytes())
    b_len = (w._end - end) // 2  # B and C are records of the same size
    if flip:
        data[end : w._end] = bytes(w._end - end)
        data[w._end + flip] = 0x20  # one damaged byte in the padding
    else:
        data[end : end + b_len] = bytes(b_len)  # B lost, C kept
    path.write_bytes(bytes(data))
    w = WAL(tmp_path, prealloc=PAD)
    assert w.load()[2] == es
    assert w.torn_bytes == len(data) - end
    w.save(Ready(entries_from=6, entries=[Entry(3, b"nn")]))  # a record of B's size: it ends where C began
    w.sync()
    w.close()
    assert WAL(tmp_path).load()[2] == es + [Entry(3, b"nn")]  # C (index 7) never comes back



def test_a_wal_keeps_few_enough_attributes_for_cpython_to_share_their_names(tmp_path):
    """CPython 3.11 shares an instance's attribute names (and reads them fastest) for up to 29 attributes; a WAL
    with 30 cost every sequential write 0.8% more instructions (benchmarks/write_path_cost.py --instructions:
    936,435 -> 944,735 per write with compact traces). Adding one means removing one."""
    w = WAL(tmp_path, create=True, owner=(b"8 bytes!", 1))
    w.load()
    w.trace_cut = 0
    assert len(w.__dict__) <= 28, sorted(w.__dict__)


def test_a_log_far_longer_than_its_header_allows_is_refused_unread(tmp_path, capsys):
    """A wal.log extended to 1 TiB (a sparse file of zeros) was read whole: `wal check` said 'out of memory: the
    model is too large for this machine (lower its bounds)' and a node's start ended in a MemoryError traceback;
    a size below the machine's memory would have been read into it. More than 2 GiB past the synced length is
    neither an unsynced tail nor padding: refused from the size alone."""
    from modelcheck.cli import main

    w = WAL(tmp_path / "wal", create=True)
    w.load()
    w.close()
    os.truncate(tmp_path / "wal" / "wal.log", 1 << 40)
    with pytest.raises(WALError, match="file is 1,099,511,627,776 bytes, more than 2 GiB past the 8,192 bytes its "
                                       "header says were synced"):
        WAL(tmp_path / "wal").load()
    assert main(["wal", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "more than 2 GiB past" in out
    assert "; 0 of 1,099,511,627,776 bytes synced, 0 in an unsynced tail" in out  # (with commas, as the error)
