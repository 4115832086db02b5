"""The Disruptor ring buffer (LMAX; the Rust disruptor-rs), tlaplus/Examples' specifications/Disruptor written from
docs/writing-a-spec.md alone (newuser16): Disruptor_SPMC.tla (one producer, many consumers) and Disruptor_MPMC.tla
(many producers claiming sequences from a shared counter), both over RingBuffer.tla, whose slots record who reads
and who writes them so that ``NoDataRaces`` can say no slot is read and written at once.

tests/user_specs/Disruptor/ holds the TLA+ modules and the models TLC 2.20 ran (``-workers 1``):

    paxraft check tests/user_specs/disruptor.py:SPMC --liveness   # Disruptor_SPMC.cfg: 8,496 / 28,049 / 82
    paxraft check tests/user_specs/disruptor.py:MPMC              # Disruptor_MPMC.cfg: 112,929 / 422,781 / 81
    paxraft check tests/user_specs/disruptor.py:MPMC --readers 2 --liveness   # ..._liveliness.cfg: 14,365 / 44,581 / 61
    paxraft check tests/user_specs/disruptor.py:SPMC --symmetry   # MCDisruptor_SPMC.cfg (readers' SYMMETRY): 2,003

Writers are 0..W-1 (TLC's w1, w2, or w for one), readers 0..R-1 (r1, r2, r3); ``pc`` is TLA+'s function over
``Writers \\union Readers``, the writers first. NULL, a model value in the cfgs, is -1: no sequence number is
negative, and like NULL it is not in ``Nat``.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import WF, EventuallyAlways, Label, MscEvent, Spec, SpecError, action, invariant, refines

ADVANCE, ACCESS = 0, 1
PC = ("Advance", "Access")
NULL = -1


class Ring(NamedTuple):
    """RingBuffer.tla's ``ringbuffer`` record: each slot's value and who reads and writes it."""

    slots: tuple[int, ...]
    readers: tuple[frozenset[int], ...]
    writers: tuple[frozenset[int], ...]


class SPMCState(NamedTuple):
    ringbuffer: Ring
    published: int  # the write cursor: the last sequence published
    read: tuple[int, ...]  # read[r]: the last sequence reader r read
    pc: tuple[int, ...]  # pc[t]: writers 0..W-1, then readers
    consumed: tuple[tuple[int, ...], ...]  # consumed[r]: every value r read (a history variable for Liveliness)


class MPMCState(NamedTuple):
    ringbuffer: Ring
    next_sequence: int  # the shared counter writers claim sequences from
    claimed_sequence: tuple[int, ...]  # claimed_sequence[w]
    published: tuple[bool, ...]  # published[i]: slot i was last published in an even round
    read: tuple[int, ...]
    pc: tuple[int, ...]
    consumed: tuple[tuple[int, ...], ...]


def put(t: tuple, i: int, x: Any) -> tuple:
    """``[t EXCEPT ![i] = x]``"""
    return t[:i] + (x,) + t[i + 1 :]


def write(ring: Ring, index: int, writer: int, value: int) -> Ring:
    """RingBuffer's Write: the writer joins the slot's writers and stores the value."""
    return Ring(put(ring.slots, index, value), ring.readers, put(ring.writers, index, ring.writers[index] | {writer}))


def end_write(ring: Ring, index: int, writer: int) -> Ring:
    return ring._replace(writers=put(ring.writers, index, ring.writers[index] - {writer}))


def begin_read(ring: Ring, index: int, reader: int) -> Ring:
    return ring._replace(readers=put(ring.readers, index, ring.readers[index] | {reader}))


def end_read(ring: Ring, index: int, reader: int) -> Ring:
    return ring._replace(readers=put(ring.readers, index, ring.readers[index] - {reader}))


class Disruptor(Spec):
    """What both models share: the constants, the ring buffer's invariants, the readers' fairness. No spec."""

    def __init__(
        self,
        writers: Annotated[int, "number of writers (Writers = w1..wN)"] = 1,
        readers: Annotated[int, "number of readers (Readers = r1..rN)"] = 3,
        size: Annotated[int, "ring buffer slots (Size)"] = 4,
        max_published: Annotated[int, "MaxPublished: the events published, which bounds the model"] = 10,
    ) -> None:
        for flag, x, top in (("writers", writers, 4), ("readers", readers, 4), ("size", size, 8),
                             ("max-published", max_published, 40)):
            if isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= top:
                raise SpecError(f"{type(self).__name__}: --{flag} must be an integer from 1 to {top}, got {x!r}")
        self.Writers, self.Readers = range(writers), range(readers)
        self.Size, self.MaxPublished = size, max_published
        super().__init__()

    def _ring(self) -> Ring:
        """RingBuffer's Init: every slot NULL, read and written by no one."""
        empty: frozenset[int] = frozenset()
        return Ring((NULL,) * self.Size, (empty,) * self.Size, (empty,) * self.Size)

    def _rpc(self, r: int) -> int:
        """Reader r's place in ``pc``."""
        return len(self.Writers) + r

    def each_writer(self, s: Any) -> list[tuple[int]]:
        return [(w,) for w in self.Writers]

    def each_reader(self, s: Any) -> list[tuple[int]]:
        return [(r,) for r in self.Readers]

    def _begin_read(self, s: Any, r: int) -> Any:
        """BeginRead(r) once its guard holds: r marks the slot and records what it holds in ``consumed``."""
        pc = self._rpc(r)
        if s.pc[pc] != ADVANCE:
            return None
        index = (s.read[r] + 1) % self.Size
        return s._replace(ringbuffer=begin_read(s.ringbuffer, index, r), pc=put(s.pc, pc, ACCESS),
                          consumed=put(s.consumed, r, s.consumed[r] + (s.ringbuffer.slots[index],)))

    def _end_read(self, s: Any, r: int) -> Any:
        pc = self._rpc(r)
        if s.pc[pc] != ACCESS:
            return None
        nxt = s.read[r] + 1
        return s._replace(ringbuffer=end_read(s.ringbuffer, nxt % self.Size, r), pc=put(s.pc, pc, ADVANCE),
                          read=put(s.read, r, nxt))

    def _no_data_races(self, s: Any) -> bool:
        """RingBuffer's NoDataRaces: no slot is read and written at once, nor written by two writers."""
        ring = s.ringbuffer
        return all((not rs or not ws) and len(ws) <= 1 for rs, ws in zip(ring.readers, ring.writers))

    def _ring_typed(self, s: Any) -> bool:
        """RingBuffer's TypeOk (Values = Int) and the shared conjuncts: read, pc and ``consumed \\in Seq(Nat)``."""
        ring, threads = s.ringbuffer, len(self.Writers) + len(self.Readers)
        return (len(ring.slots) == self.Size and all(isinstance(x, int) for x in ring.slots)
                and all(rs <= frozenset(self.Readers) for rs in ring.readers)
                and all(ws <= frozenset(self.Writers) for ws in ring.writers)
                and len(s.read) == len(self.Readers) and len(s.pc) == threads and set(s.pc) <= {ADVANCE, ACCESS}
                and len(s.consumed) == len(self.Readers) and all(x >= 0 for c in s.consumed for x in c))

    def fairness(self) -> list:
        """``\\A r \\in Readers : WF_vars(BeginRead(r)) /\\ WF_vars(EndRead(r))``: the writers need not go on."""
        return [f for r in self.Readers for f in (WF("BeginRead", r=r), WF("EndRead", r=r))]

    def _readable(self, s: Any) -> int:
        """The last sequence Liveliness asks every reader to have read."""
        raise NotImplementedError

    def properties(self) -> dict:
        """Liveliness, ``\\A r \\in Readers : \\A i \\in 0..(MaxPublished - 1) : <>[](i \\in 0..P => Len(consumed[r])
        >= i + 1 /\\ consumed[r][i + 1] = i)``: one entry per reader and i (P is ``published`` in SPMC,
        AvailablePublishedSequence in MPMC)."""
        def read_it(s: Any, r: int, i: int) -> bool:  # P => Q as Q \/ ~P: Q is cheap, P (in MPMC a CHOOSE) is not
            return (len(s.consumed[r]) >= i + 1 and s.consumed[r][i] == i) or not 0 <= i <= self._readable(s)

        return {f"Liveliness(r{r + 1},{i})": EventuallyAlways(
                    lambda s, r=r, i=i: read_it(s, r, i), f"<>[]({i} published => consumed[r{r + 1}][{i + 1}] = {i})")
                for r in self.Readers for i in range(self.MaxPublished)}

    def symmetric_sets(self) -> dict[str, int]:
        """The readers are interchangeable (MCDisruptor_*.tla's ``SYMMETRY Permutations(Readers)``)."""
        return {"Readers": len(self.Readers)}

    def permute(self, s: Any, perm: dict[str, tuple[int, ...]]) -> Any:
        """Reader r becomes ``perm["Readers"][r]``: in the slots' reader sets and in what is indexed by reader."""
        pi, w = perm["Readers"], len(self.Writers)

        def moved(t: tuple) -> tuple:
            out = list(t)
            for r, x in enumerate(t):
                out[pi[r]] = x
            return tuple(out)

        ring = s.ringbuffer._replace(readers=tuple(frozenset(pi[r] for r in rs) for rs in s.ringbuffer.readers))
        return s._replace(ringbuffer=ring, read=moved(s.read), pc=s.pc[:w] + moved(s.pc[w:]),
                          consumed=moved(s.consumed))

    def _thread(self, t: int) -> str:
        w = len(self.Writers)
        return (f"w{t + 1}" if w > 1 else "w") if t < w else f"r{t - w + 1}"

    def show_state(self, s: Any) -> dict[str, Any]:
        ring = s.ringbuffer

        def value(x: int) -> Any:
            return "NULL" if x == NULL else x

        out = {v: getattr(s, v) for v in self.variables}
        out["ringbuffer"] = {
            "slots": tuple(value(x) for x in ring.slots),
            "readers": tuple(sorted(f"r{r + 1}" for r in rs) for rs in ring.readers),
            "writers": tuple(sorted(self._thread(w) for w in ws) for ws in ring.writers),
        }
        out["read"] = {f"r{r + 1}": s.read[r] for r in self.Readers}
        out["pc"] = {self._thread(t): PC[x] for t, x in enumerate(s.pc)}
        out["consumed"] = {f"r{r + 1}": tuple(value(x) for x in s.consumed[r]) for r in self.Readers}
        return out

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return self._thread(value) if param == "w" else f"r{value + 1}"

    def msc_nodes(self) -> list[str]:
        return [self._thread(t) for t in range(len(self.Writers) + len(self.Readers))]

    def msc_event(self, prev: Any, label: Label, nxt: Any) -> MscEvent:
        """A writer's EndWrite publishes its sequence; a reader's BeginRead receives the one it reads."""
        actor = label.params[0]
        if label.name == "BeginRead":
            return MscEvent(f"r{actor + 1}", (f"seq {prev.read[actor] + 1}",), ())
        if label.name in ("BeginWrite", "EndWrite"):
            node = self._thread(actor)
            return MscEvent(node, (), (f"seq {self._written(prev, actor)}",) if label.name == "EndWrite" else ())
        return MscEvent(f"r{actor + 1}")

    def _written(self, s: Any, w: int) -> int:
        raise NotImplementedError


class SPMC(Disruptor):
    """Disruptor_SPMC: one producer publishes sequence numbers into a ring buffer that many consumers each read
    whole; the producer waits for the slowest consumer, the consumers for the write cursor."""

    variables = SPMCState._fields
    lap = 0  # how far past a full cycle ahead of the slowest reader the writer may go (the planted bugs: 1)
    overtake = 0  # how far past the write cursor a reader may read

    def init_states(self) -> list[SPMCState]:
        readers = len(self.Readers)
        return [SPMCState(self._ring(), -1, (-1,) * readers, (ADVANCE,) * (len(self.Writers) + readers),
                          ((),) * readers)]

    @action(Disruptor.each_writer)
    def BeginWrite(self, s: SPMCState, w: int) -> SPMCState | None:
        """Claim ``published + 1`` once clear of every reader (potentially a full cycle behind), and write it."""
        nxt = s.published + 1
        if s.pc[w] != ADVANCE or min(s.read) < nxt - self.Size - self.lap:
            return None
        return s._replace(ringbuffer=write(s.ringbuffer, nxt % self.Size, w, nxt), pc=put(s.pc, w, ACCESS))

    @action(Disruptor.each_writer)
    def EndWrite(self, s: SPMCState, w: int) -> SPMCState | None:
        if s.pc[w] != ACCESS:
            return None
        nxt = s.published + 1
        return s._replace(ringbuffer=end_write(s.ringbuffer, nxt % self.Size, w), pc=put(s.pc, w, ADVANCE),
                          published=nxt)

    @action(Disruptor.each_reader)
    def BeginRead(self, s: SPMCState, r: int) -> SPMCState | None:
        """Read the next sequence once it is published."""
        if s.published + self.overtake < s.read[r] + 1:
            return None
        return self._begin_read(s, r)

    @action(Disruptor.each_reader)  # declared here, not in the base: Next's order is the order declared
    def EndRead(self, s: SPMCState, r: int) -> SPMCState | None:
        return self._end_read(s, r)

    def constraint(self, s: SPMCState) -> bool:
        """StateConstraint: ``published < MaxPublished``."""
        return s.published < self.MaxPublished

    @invariant
    def TypeOk(self, s: SPMCState) -> bool:
        return self._ring_typed(s)

    @invariant
    def NoDataRaces(self, s: SPMCState) -> bool:  # the cfg's order: TypeOk, then NoDataRaces
        return self._no_data_races(s)

    def _readable(self, s: SPMCState) -> int:
        return s.published

    def _written(self, s: SPMCState, w: int) -> int:
        return s.published + 1


class MPMC(Disruptor):
    """Disruptor_MPMC: producers claim sequences from a shared counter and publish each slot by flipping its
    round's parity; consumers read a sequence once its slot's parity says it is published."""

    variables = MPMCState._fields

    def __init__(self, writers: Annotated[int, "number of writers (Writers = w1..wN)"] = 2,
                 readers: Annotated[int, "number of readers (Readers = r1..rN)"] = 3,
                 size: Annotated[int, "ring buffer slots (Size)"] = 4,
                 max_published: Annotated[int, "MaxPublished: the sequences claimed, which bounds the model"] = 10,
                 ) -> None:
        super().__init__(writers, readers, size, max_published)

    def init_states(self) -> list[MPMCState]:
        readers = len(self.Readers)
        return [MPMCState(self._ring(), 0, (-1,) * len(self.Writers), (False,) * self.Size, (-1,) * readers,
                          (ADVANCE,) * (len(self.Writers) + readers), ((),) * readers)]

    def is_published(self, s: MPMCState, sequence: int) -> bool:
        """IsPublished: the slot's flag says the round ``sequence`` falls in (even rounds TRUE, odd FALSE)."""
        return s.published[sequence % self.Size] == ((sequence // self.Size) % 2 == 0)

    def available(self, s: MPMCState) -> int:
        """AvailablePublishedSequence, a CHOOSE over ``{MinClaimedSequence - 1} \\union Range(claimed_sequence)``:
        TLC takes the set's elements in ascending order, so the least that satisfies the predicate."""
        claimed = s.claimed_sequence
        for c in sorted({min(claimed) - 1, *claimed}):
            if not self.is_published(s, c) or not any(x == c + 1 and self.is_published(s, x) for x in claimed):
                return c
        raise SpecError(f"MPMC: AvailablePublishedSequence: no element satisfies the CHOOSE in {s}")

    @action(Disruptor.each_writer)
    def BeginWrite(self, s: MPMCState, w: int) -> MPMCState | None:
        """Claim the next sequence once clear of every reader, and write it into its slot."""
        seq = s.next_sequence
        if s.pc[w] != ADVANCE or min(s.read) < seq - self.Size:
            return None
        return s._replace(ringbuffer=write(s.ringbuffer, seq % self.Size, w, seq), next_sequence=seq + 1,
                          claimed_sequence=put(s.claimed_sequence, w, seq), pc=put(s.pc, w, ACCESS))

    @action(Disruptor.each_writer)
    def EndWrite(self, s: MPMCState, w: int) -> MPMCState | None:
        """Publish the claimed sequence: flip its slot's parity."""
        if s.pc[w] != ACCESS:
            return None
        index = s.claimed_sequence[w] % self.Size
        return s._replace(ringbuffer=end_write(s.ringbuffer, index, w), pc=put(s.pc, w, ADVANCE),
                          published=put(s.published, index, not s.published[index]))

    @action(Disruptor.each_reader)
    def BeginRead(self, s: MPMCState, r: int) -> MPMCState | None:
        if not self.is_published(s, s.read[r] + 1):
            return None
        return self._begin_read(s, r)

    @action(Disruptor.each_reader)
    def EndRead(self, s: MPMCState, r: int) -> MPMCState | None:
        return self._end_read(s, r)

    def constraint(self, s: MPMCState) -> bool:
        """StateConstraint: ``next_sequence <= MaxPublished``."""
        return s.next_sequence <= self.MaxPublished

    @invariant
    def TypeOk(self, s: MPMCState) -> bool:
        return (self._ring_typed(s) and s.next_sequence >= 0 and len(s.claimed_sequence) == len(self.Writers)
                and len(s.published) == self.Size)

    @invariant
    def NoDataRaces(self, s: MPMCState) -> bool:
        return self._no_data_races(s)

    def _readable(self, s: MPMCState) -> int:
        return self.available(s)

    def _written(self, s: MPMCState, w: int) -> int:
        return s.claimed_sequence[w]

    @refines(SPMC)
    def as_spmc(self) -> tuple[SPMC, Any]:
        """With one writer, MPMC is SPMC: the write cursor is the last sequence claimed, less one while it is
        being written (two writers publish out of order, which no SPMC state says)."""
        if len(self.Writers) != 1:
            raise SpecError(f"MPMC refines SPMC with one writer only (--writers 1), not {len(self.Writers)}")
        spmc = SPMC(1, len(self.Readers), self.Size, self.MaxPublished)

        def mapping(s: MPMCState) -> SPMCState:
            published = s.next_sequence - (1 if s.pc[0] == ADVANCE else 2)
            return SPMCState(s.ringbuffer, published, s.read, s.pc, s.consumed)

        return spmc, mapping


CFG = {"writers": 1, "readers": 3, "size": 4, "max_published": 10}  # Disruptor_SPMC.cfg's constants


class ReaderOvertakes(SPMC):
    """A reader reads the sequence the writer has yet to publish (the guard is one short): it reads NULL, which is
    no sequence number (TypeOk's ``consumed \\in [Readers -> Seq(Nat)]``)."""

    variant = "reader-overtakes"
    rule = "BeginRead needs published + 1 >= next, not published >= next"
    breaks = "TypeOk"
    failing_bounds = CFG  # Disruptor_SPMC_Overtake.tla on Disruptor_SPMC.cfg's constants, which TLC ran
    trace_length = 1
    overtake = 1


class WriterLaps(SPMC):
    """The writer may claim a slot a full cycle ahead of the slowest reader (the guard is one short): it writes the
    slot that reader is about to read, and a read then races the write."""

    variant = "writer-laps"
    rule = "BeginWrite needs min_read >= next - Size - 1, not min_read >= next - Size"
    breaks = "NoDataRaces"
    failing_bounds = CFG  # Disruptor_SPMC_Lap.tla
    trace_length = 10
    lap = 1


class LazyReader(SPMC):
    """Reader r1's EndRead is not fair: it may stay in a slot for ever, and what is published after it is never read
    by it (the writer, a full cycle ahead, waits too). Disruptor_SPMC_UnfairEnd.tla with ``Lazy = r1``."""

    variant = "lazy-reader"
    rule = "Fairness leaves out WF_vars(EndRead(r1))"
    breaks = "Liveliness(r1,1)"
    failing_bounds = CFG
    trace_length = 13  # then stuttering; TLC: 14 steps then stuttering, its search stopped at 1,201 distinct

    def fairness(self) -> list:
        return [f for f in super().fairness() if f != WF("EndRead", r=0)]
