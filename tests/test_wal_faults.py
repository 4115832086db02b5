"""Seeded disk faults over the write-ahead log and snapshot: bit flips, truncation, zeroed pages, deleted files.

Each case builds a log (several group commits, a compaction on some seeds, an unsynced tail of
records written to the OS but never fsync'd), applies one fault and loads it again. The load must
refuse (WALError) or return exactly the synced state plus some prefix of the unsynced records:
never less than what was synced, never anything else.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from impl.raft.core import HardState, Ready, Snapshot
from impl.raft.log import Entry
from impl.storage.wal import DATA_START, WAL, WALError

State = tuple[HardState | None, Snapshot | None, list[Entry]]
FAULTS = ("flip", "truncate", "zero_page", "delete", "garbage")


def build(d: Path, rng: random.Random, prealloc: int = 0) -> list[State]:
    """A log on disk; the states it may load as, from 'just what was synced' to 'every record written'."""
    w = WAL(d, create=True, fsync=False, prealloc=prealloc)  # (no fsync: these faults act on the files)
    w.load()
    term, last = 1, 0
    for _ in range(rng.randint(1, 5)):  # group commits
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.3:
                term += 1
                w.save(Ready(hard_state=HardState(term, rng.randint(0, 3))))
            k = rng.randint(1, 3)
            first = max(1, last + 1 - rng.randint(0, 1))  # now and then overwrite the last entry
            w.save(Ready(entries_from=first, entries=[Entry(term, rng.randbytes(rng.randint(0, 40)))
                                                      for _ in range(k)]))
            last = first + k - 1
        w.sync()
        if rng.random() < 0.3 and last - 1 > w._offset:
            at_term = w._entries[last - 2 - w._offset].term
            w.save_snapshot(Snapshot(last - 1, at_term, rng.randbytes(rng.randint(1, 60))))
    states = [(w._hs, w._snap, list(w._entries))]
    for _ in range(rng.randint(0, 3)):  # written but never synced: a crash may keep any prefix of these
        w.save(Ready(entries_from=last + 1, entries=[Entry(term, rng.randbytes(rng.randint(0, 30)))]))
        last += 1
        states.append((w._hs, w._snap, list(w._entries)))
    w.close()
    return states


def inject(d: Path, rng: random.Random, fault: str) -> str:
    """Damage one file of ``d``; a description for the failure message."""
    files = [p for p in (d / "wal.log", d / "snapshot.bin") if p.exists()]
    path = rng.choice(files)
    data = bytearray(path.read_bytes())
    if fault == "delete":
        path.unlink()
        return f"deleted {path.name}"
    if fault == "flip":  # anywhere; mostly in the records (the header pages are mostly padding)
        lo = DATA_START if path.name == "wal.log" and len(data) > DATA_START and rng.random() < 0.7 else 0
        at = rng.randrange(lo, len(data))
        data[at] ^= 1 << rng.randrange(8)
    elif fault == "truncate":
        at = rng.randrange(len(data))
        del data[at:]
    elif fault == "zero_page":
        at = rng.randrange(len(data)) // 4096 * 4096
        data[at : at + 4096] = bytes(len(data[at : at + 4096]))
    else:
        at = rng.randrange(len(data))
        data[at:] = rng.randbytes(rng.randint(0, 200))
    path.write_bytes(bytes(data))
    return f"{fault} at byte {at} of {path.name}"


def run_case(base: Path, seed: int, prealloc: int = 0) -> str:
    """One seeded case; 'refused' or 'recovered' (``prealloc``: zero padding after the records, see WAL)."""
    rng = random.Random(seed)
    d = base / f"case{seed}"
    states = build(d, rng, prealloc)
    what = inject(d, rng, FAULTS[seed % len(FAULTS)])
    try:
        got = WAL(d, prealloc=prealloc).load()
    except WALError:
        return "refused"
    finally:
        shutil.rmtree(d)
    assert got in states, f"seed {seed}: {what}: loaded a state that lost synced records"
    return "recovered"


def test_seeded_disk_faults_are_refused_or_keep_every_synced_record(tmp_path):
    outcomes = [run_case(tmp_path, seed) for seed in range(400)]
    assert outcomes.count("refused") > 100 and outcomes.count("recovered") > 50  # both paths are exercised


def test_seeded_faults_on_a_preallocated_log_are_refused_or_keep_every_synced_record(tmp_path):
    outcomes = [run_case(tmp_path, seed, prealloc=6000) for seed in range(200)]
    assert outcomes.count("refused") > 100 and outcomes.count("recovered") > 50  # both paths are exercised


@pytest.mark.slow
def test_thousands_of_seeded_disk_faults(tmp_path):
    outcomes = [run_case(tmp_path, seed) for seed in range(400, 8400)]
    assert outcomes.count("refused") > 2000


@pytest.mark.slow
def test_thousands_of_seeded_faults_on_preallocated_logs(tmp_path):
    outcomes = [run_case(tmp_path, seed, prealloc=6000) for seed in range(200, 4200)]
    assert outcomes.count("refused") > 2000 and outcomes.count("recovered") > 1000
