"""The compact store of the level-synchronous engine (:mod:`modelcheck.engine.search`): numpy arrays of
fingerprints and small ints, no states, no dict. The one-process dict store is
:mod:`modelcheck.engine._state_store` (kept apart so that only this engine loads numpy).
"""

from __future__ import annotations

import itertools
import os
import pickle
import zlib
from array import array
from bisect import bisect_right
from pathlib import Path

from modelcheck.engine._numpy import np


class SeenSet:
    """Fingerprints seen so far, as sorted int64 runs merged like a log-structured merge tree.

    Membership of a whole batch is one ``searchsorted`` per run (delayed duplicate detection:
    no per-state dict insert). Two runs are merged when the newer is at least half the older,
    so there are O(log n) runs and each fingerprint is re-sorted O(log n) times. Past the
    memory budget the largest runs move to ``.npy`` files read through ``mmap``: random
    64-bit fingerprints do not compress, so they are stored raw.
    """

    def __init__(self, spill_dir: Path | None = None, budget: int | None = None) -> None:
        self.runs: list[np.ndarray] = []
        self.spill_dir, self.budget = spill_dir, budget
        self._spilled = 0  # files written

    def __len__(self) -> int:
        return sum(len(r) for r in self.runs)

    def contains(self, fps: np.ndarray) -> np.ndarray:
        """A boolean mask: which of ``fps`` have been seen."""
        hit = np.zeros(len(fps), dtype=bool)
        for run in self.runs:
            if not len(run):
                continue
            i = np.searchsorted(run, fps)
            i[i == len(run)] = len(run) - 1
            hit |= run[i] == fps
        return hit

    def add(self, fps: np.ndarray) -> None:
        """Add fingerprints that are new and distinct."""
        if not len(fps):
            return
        self.runs.append(np.sort(fps))
        while len(self.runs) > 1 and 2 * len(self.runs[-1]) >= len(self.runs[-2]):
            b, a = self.runs.pop(), self.runs.pop()
            merged = np.concatenate((a, b))
            merged.sort(kind="stable")  # two sorted runs: timsort merges them in linear time
            self._drop(a)
            self._drop(b)
            self.runs.append(merged)
        self.spill()

    def nbytes(self) -> int:
        """Bytes of the runs held in memory (not the ones on disk)."""
        return sum(r.nbytes for r in self.runs if not isinstance(r, np.memmap))

    def disk_bytes(self) -> int:
        return sum(r.nbytes for r in self.runs if isinstance(r, np.memmap))

    def spill(self) -> None:
        """Move the largest in-memory runs to disk until the rest fits the budget."""
        if self.budget is None or self.spill_dir is None:
            return
        while self.nbytes() > self.budget:
            mem = [i for i, r in enumerate(self.runs) if not isinstance(r, np.memmap)]
            i = max(mem, key=lambda j: len(self.runs[j]))
            path = self.spill_dir / f"seen-{os.getpid()}-{self._spilled}.npy"
            self._spilled += 1
            np.save(path, self.runs[i])
            self.runs[i] = np.load(path, mmap_mode="r")

    @staticmethod
    def _drop(run: np.ndarray) -> None:
        if isinstance(run, np.memmap) and run.filename:
            Path(run.filename).unlink(missing_ok=True)


class Column:
    """An append-only numpy column in chunks; full chunks can move to disk (compressed).

    Parent and state numbers of one chunk lie close together: an ``offsets`` column holds each
    chunk as int32 offsets from the chunk's least value (4 bytes a value, not 8).
    """

    def __init__(self, dtype: str, offsets: bool = False) -> None:
        self.dtype = np.dtype(dtype)
        self.offsets = offsets
        self.chunks: list[np.ndarray | Path] = []
        self.kinds: list[np.dtype] = []  # how each chunk is held: self.dtype, or int32 offsets
        self.bounds: list[tuple[int, int]] = []  # least and greatest value of each chunk
        self.starts: list[int] = []
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def extend(self, values: np.ndarray) -> None:
        if not len(values):
            return
        values = np.ascontiguousarray(values, dtype=self.dtype)
        lo, hi = (int(values.min()), int(values.max())) if self.offsets else (0, 0)
        if self.offsets and hi - lo < 1 << 31:
            self.chunks.append((values - lo).astype(np.int32))
        else:  # a range too wide for int32 (or no offsets): the values themselves
            self.chunks.append(values)
        self.kinds.append(self.chunks[-1].dtype)  # type: ignore[union-attr]  # (an array: appended just now)
        self.bounds.append((lo, hi))
        self.starts.append(self.n)
        self.n += len(values)

    def chunk(self, j: int) -> np.ndarray:
        c = self.chunks[j]
        if isinstance(c, Path):
            c = np.frombuffer(zlib.decompress(c.read_bytes()), dtype=self.kinds[j])
        return c.astype(self.dtype) + self.bounds[j][0] if c.dtype != self.dtype else c

    def __getitem__(self, i: int) -> int:
        j = bisect_right(self.starts, i) - 1
        return int(self.chunk(j)[i - self.starts[j]])

    def array(self) -> np.ndarray:
        """The whole column (read back from disk where spilled)."""
        if not self.chunks:
            return np.zeros(0, dtype=self.dtype)
        return np.concatenate([self.chunk(j) for j in range(len(self.chunks))])

    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.chunks if not isinstance(c, Path))

    def disk_bytes(self) -> int:
        return sum(c.stat().st_size for c in self.chunks if isinstance(c, Path))

    def spill(self, directory: Path, stem: str) -> None:
        """Write every in-memory chunk to disk, compressed."""
        for j, c in enumerate(self.chunks):
            if not isinstance(c, Path):
                path = directory / f"{stem}-{os.getpid()}-{self.starts[j]}.z"
                path.write_bytes(zlib.compress(c.tobytes(), 1))
                self.chunks[j] = path


class Records:
    """Per stored state, in the order states were stored: fingerprint, parent gid, action, own gid.

    Only a counterexample (and a checkpoint) reads them, so past the memory budget they
    live on disk. With one worker a state's gid is its position, and ``gids`` stays empty.
    """

    def __init__(self, with_gids: bool) -> None:
        self.fps, self.parents, self.via = Column("i8"), Column("i8", offsets=True), Column("i2")
        self.gids = Column("i8", offsets=True) if with_gids else None

    def __len__(self) -> int:
        return len(self.fps)

    def columns(self) -> list[Column]:
        return [self.fps, self.parents, self.via] + ([self.gids] if self.gids is not None else [])

    def extend(self, fps: np.ndarray, parents: np.ndarray, via: np.ndarray, gids: np.ndarray) -> None:
        self.fps.extend(fps)
        self.parents.extend(parents)
        self.via.extend(via)
        if self.gids is not None:
            self.gids.extend(gids)

    def info(self, gid: int) -> tuple[int, int, int] | None:
        """Parent gid, action index and fingerprint of state ``gid``, or ``None`` when not held here."""
        if self.gids is None:
            local = gid if 0 <= gid < len(self) else -1
        else:
            local = -1
            for j, (lo, hi) in enumerate(self.gids.bounds):  # gids increase: find the chunk, then the place
                if lo <= gid <= hi:
                    c = self.gids.chunk(j)
                    k = int(np.searchsorted(c, gid))
                    if k < len(c) and c[k] == gid:
                        local = self.gids.starts[j] + k
                    break
        if local < 0:
            return None
        return self.parents[local], self.via[local], self.fps[local]

    def nbytes(self) -> int:
        return sum(c.nbytes() for c in self.columns())

    def disk_bytes(self) -> int:
        return sum(c.disk_bytes() for c in self.columns())

    def spill(self, directory: Path) -> None:
        for name, c in zip(("fps", "parents", "via", "gids"), self.columns()):
            c.spill(directory, name)


# An array of 64-bit ints that takes a Python int cheaply: CPython 3.11 converts a multi-digit int for
# typecode "q" through _PyLong_AsByteArray (~380 instructions), for "l" through PyLong_AsLong (a few
# dozen); "l" is 64 bits on Linux and macOS, 32 on Windows.
INT64 = "l" if array("l").itemsize == 8 else "q"


_FRONTIER_FILES = itertools.count()
"""Numbers a spilled frontier segment's file, across every Frontier of the process: a worker holds two (this
level's and the next) and makes a new one each level, and numbered per Frontier their files overwrote each other."""


class Frontier:
    """States waiting for expansion, in gid order, as segments; past the budget, segments go to disk.

    A spilled segment is the pickled states and gids, zlib-compressed (states compress 5-10x).
    A chunk takes states from the front: ``head`` marks how much of the first segment is taken,
    so taking a chunk costs the chunk, not a copy of the rest of a segment (a level can be one
    segment of millions of states).
    """

    def __init__(self, spill_dir: Path | None = None, budget: int | None = None) -> None:
        self.segments: list[tuple[list, np.ndarray] | Path] = []
        self.head = 0  # states of the first segment already taken (set to None there, so they can be freed)
        self.spill_dir, self.budget = spill_dir, budget
        self.count = 0  # states held
        self.mem_states = 0  # states held in memory
        self.state_bytes = 0.0  # estimated bytes of one in-memory state (from its pickle)
        self.disk = 0

    def __len__(self) -> int:
        return self.count

    def append(self, states: list, gids: np.ndarray) -> None:
        if not states:
            return
        if not self.state_bytes:
            sample = states[:64]
            self.state_bytes = 4.0 * len(pickle.dumps(sample, protocol=5)) / len(sample)
        self.segments.append((states, gids))
        self.count += len(states)
        self.mem_states += len(states)
        if self.budget is not None and self.spill_dir is not None and self.mem_states * self.state_bytes > self.budget:
            for j, seg in enumerate(self.segments):
                if isinstance(seg, tuple):
                    path = self.spill_dir / f"frontier-{os.getpid()}-{next(_FRONTIER_FILES)}.z"
                    data = zlib.compress(pickle.dumps(self._rest(j, seg), protocol=5), 1)
                    path.write_bytes(data)
                    self.disk += len(data)
                    self.segments[j] = path
            self.head = 0
            self.mem_states = 0

    def _rest(self, j: int, seg: tuple[list, np.ndarray]) -> tuple[list, np.ndarray]:
        """Segment ``j`` without what was taken from it."""
        if j or not self.head:
            return seg
        return seg[0][self.head :], seg[1][self.head :]

    def take(self, hi: int) -> list[tuple[list, np.ndarray]]:
        """Remove and return the states with gid below ``hi``, in gid order, as segments."""
        out = []
        while self.segments:
            seg = self.segments[0]
            if isinstance(seg, Path):  # read back from disk
                data = seg.read_bytes()
                self.disk -= len(data)
                seg.unlink()
                seg = self.segments[0] = pickle.loads(zlib.decompress(data))
                self.mem_states += len(seg[0])
            states, gids = seg
            start = self.head
            cut = start + int(np.searchsorted(gids[start:], hi))
            if cut > start:
                out.append((states[start:cut], gids[start:cut]))
                self.count -= cut - start
                self.mem_states -= cut - start
            if cut < len(states):
                states[start:cut] = [None] * (cut - start)  # taken: free them with the chunk
                self.head = cut
                break
            self.segments.pop(0)
            self.head = 0
        return out

    def all_segments(self) -> list[tuple[list, np.ndarray]]:
        """Every segment not yet taken, read back (for a checkpoint); the frontier itself is unchanged."""
        out = []
        for j, seg in enumerate(self.segments):
            out.append(pickle.loads(zlib.decompress(seg.read_bytes())) if isinstance(seg, Path) else self._rest(j, seg))
        return out
