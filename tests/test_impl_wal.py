"""The write-ahead log: round trips, group commit, torn tails truncated, damaged middles refused, compaction."""

from __future__ import annotations

import pytest

from impl.raft.core import HardState, Ready, Snapshot
from impl.raft.log import Entry
from impl.storage.wal import WAL, WALError


def fill(d, n=20):
    w = WAL(d)
    assert w.load() == (None, None, [])
    w.save(Ready(hard_state=HardState(2, 1)))
    for k in range(n):
        w.save(Ready(entries_from=k + 1, entries=[Entry(2, b"e%d" % k)]))
    w.sync()  # one fsync for all of them
    assert w.syncs == 1
    w.close()
    return [Entry(2, b"e%d" % k) for k in range(n)]


def test_round_trip_and_overwrite_from_an_index(tmp_path):
    entries = fill(tmp_path)
    w = WAL(tmp_path)
    assert w.load() == (HardState(2, 1), None, entries)
    w.save(Ready(hard_state=HardState(3, 0), entries_from=5, entries=[Entry(3, b"new")]))  # replaces 5..20
    w.sync()
    w.close()
    assert WAL(tmp_path).load() == (HardState(3, 0), None, entries[:4] + [Entry(3, b"new")])


@pytest.mark.parametrize("cut", [1, 5, 9, 15])
def test_torn_tail_is_truncated_keeping_every_record_before_it(tmp_path, cut):
    entries = fill(tmp_path)
    path = tmp_path / "wal.log"
    data = path.read_bytes()
    path.write_bytes(data[:-cut])  # a crash in the middle of the last record
    w = WAL(tmp_path)
    assert w.load() == (HardState(2, 1), None, entries[:-1])
    last_record = 9 + 12 + 12 + 3  # record header, first index + count, term + length, b"e19"
    assert w.torn_bytes == last_record - cut
    w.close()
    assert path.stat().st_size == len(data) - last_record
    assert WAL(tmp_path).load()[2] == entries[:-1]  # the truncation itself was durable


def test_garbage_last_record_is_a_torn_write(tmp_path):
    entries = fill(tmp_path)
    path = tmp_path / "wal.log"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # the last record's checksum fails, nothing follows it
    path.write_bytes(bytes(data))
    assert WAL(tmp_path).load()[2] == entries[:-1]


def test_damaged_middle_is_refused_with_file_and_offset(tmp_path):
    fill(tmp_path)
    path = tmp_path / "wal.log"
    data = bytearray(path.read_bytes())
    data[40] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(WALError, match=r"wal\.log: checksum mismatch in the record at byte offset \d+") as exc:
        WAL(tmp_path).load()
    assert "later records follow" in str(exc.value)
    assert path.read_bytes() == bytes(data)  # nothing was changed


def test_snapshot_compacts_the_log_and_survives_restart(tmp_path):
    entries = fill(tmp_path)
    w = WAL(tmp_path)
    w.load()
    size = (tmp_path / "wal.log").stat().st_size
    w.save_snapshot(Snapshot(15, 2, b"state"))
    assert (tmp_path / "wal.log").stat().st_size < size / 2
    w.save(Ready(entries_from=21, entries=[Entry(2, b"more")]))
    w.sync()
    w.close()
    assert WAL(tmp_path).load() == (HardState(2, 1), Snapshot(15, 2, b"state"), entries[15:] + [Entry(2, b"more")])


def test_damaged_snapshot_is_refused(tmp_path):
    fill(tmp_path)
    w = WAL(tmp_path)
    w.load()
    w.save_snapshot(Snapshot(10, 2, b"state"))
    w.close()
    snap = tmp_path / "snapshot.bin"
    snap.write_bytes(snap.read_bytes()[:-1] + b"X")
    with pytest.raises(WALError, match="snapshot.bin: snapshot is damaged"):
        WAL(tmp_path).load()


def test_compaction_rewrites_the_log_the_writes_left_without_rereading_it(tmp_path):
    """The log rewritten by save_snapshot is what the records written so far amount to (tracked by save, not
    re-read): truncating overwrites, hard states, a snapshot received from a leader, two compactions."""
    w = WAL(tmp_path)
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
