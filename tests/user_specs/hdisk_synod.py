"""HDiskSynod.tla (Gafni and Lamport, Disk Paxos): DiskSynod with the history variables allInput and chosen.

tests/user_specs/DiskPaxos/ holds tlaplus/Examples' specifications/diskpaxos (DiskSynod.tla, HDiskSynod.tla,
MC_HDiskSynod.tla) and the cfgs TLC 2.20 ran. Each process p owns a block on every disk; in a phase it writes its
block ``dblock[p]`` to the disks and reads the other processes' blocks from them, and ends the phase once it has
read every other process's block on a majority of the disks it wrote. MC_HDiskSynod's bounds are the flags:
``--procs`` N, ``--inputs`` (in1..inK), ``--ballots`` BallotCountPerProcess (``Ballot(p) == p*B .. p*B+B-1``),
``--disks`` (Disk = 1..D), and ``IsMajorityImpl(s) == Cardinality(s) * 2 > N`` counts disks against N, the number of
*processes*, as the cfg does (so N=2 needs two disks; the paper's IsMajority is over the disks).

    paxraft check tests/user_specs/hdisk_synod.py:HDiskSynod --procs 2 --disks 2     # TLC: 27,178 / 239,642 / 30
    paxraft refine tests/user_specs/hdisk_synod.py:HDiskSynod Synod                  # the paper's theorem
    paxraft check tests/user_specs/hdisk_synod.py:HDiskSynod --variant minority-read # HInv6 (agreement) broken
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from itertools import combinations, product
from typing import Annotated, Any, NamedTuple

from synod import NOT_AN_INPUT, Synod, SynodAsTranscribed, SynodState, check_bounds, input_name, replaced

from spec.core import Spec, action, explains, invariant, refines

Block = tuple[int, int, int]  # [mbal, bal, inp]
Read = tuple[Block, int]  # [block |-> ..., proc |-> q]
INIT_DB: Block = (0, 0, NOT_AN_INPUT)  # InitDB
MBAL, BAL, INP = 0, 1, 2


class DiskState(NamedTuple):
    input: tuple[int, ...]  # input[p]
    output: tuple[int, ...]  # output[p]
    disk: tuple[tuple[Block, ...], ...]  # disk[d][p]: p's block on disk d
    phase: tuple[int, ...]  # phase[p] in 0..3
    dblock: tuple[Block, ...]  # dblock[p]: p's block in memory
    disksWritten: tuple[frozenset[int], ...]  # disksWritten[p]
    blocksRead: tuple[tuple[frozenset[Read], ...], ...]  # blocksRead[p][d]
    allInput: frozenset[int]  # history: every input any process has had
    chosen: int  # history: the first output, or NOT_AN_INPUT


class HDiskSynod(Spec):
    """HDiskSynod.tla: Disk Paxos's Synod algorithm with history variables, and its invariants HInv1-HInv6."""

    name = "HDiskSynod"
    variables = DiskState._fields

    def __init__(self, procs: Annotated[int, "number of processes (N; Proc = 1..N)"] = 2,
                 inputs: Annotated[int, "number of inputs (Inputs = in1..inK)"] = 2,
                 ballots: Annotated[int, "ballots per process (BallotCountPerProcess)"] = 1,
                 disks: Annotated[int, "number of disks (Disk = 1..D)"] = 2) -> None:
        check_bounds("HDiskSynod", procs=procs, inputs=inputs, ballots=ballots, disks=disks)
        self.Proc, self.Inputs, self.Disk = tuple(range(procs)), tuple(range(inputs)), tuple(range(disks))
        # BallotImpl(p) == p * B .. p * B + B - 1, with TLA+'s p = our p + 1
        self.Ballot = tuple(tuple(range((p + 1) * ballots, (p + 2) * ballots)) for p in self.Proc)
        self.AllBallots = tuple(b for bs in self.Ballot for b in bs)
        self.MajoritySet = tuple(frozenset(c) for k in range(disks + 1) for c in combinations(self.Disk, k)
                                 if self.is_majority(c))
        self.S = Synod(procs, inputs)
        super().__init__()

    def is_majority(self, ds: Any) -> bool:
        """IsMajorityImpl(s) == Cardinality(s) * 2 > N"""
        return 2 * len(ds) > len(self.Proc)

    def init_states(self) -> Iterator[DiskState]:
        """HInit: Init, chosen = NotAnInput, allInput = {input[p] : p \\in Proc}."""
        n, nd = len(self.Proc), len(self.Disk)
        for inp in product(self.Inputs, repeat=n):
            yield DiskState(inp, (NOT_AN_INPUT,) * n, ((INIT_DB,) * n,) * nd, (0,) * n, (INIT_DB,) * n,
                            (frozenset(),) * n, ((frozenset(),) * nd,) * n, frozenset(inp), NOT_AN_INPUT)

    # -- helpers of DiskSynod.tla
    def has_read(self, s: DiskState, p: int, d: int, q: int) -> bool:
        """hasRead(p, d, q) == \\E br \\in blocksRead[p][d] : br.proc = q"""
        return any(br[1] == q for br in s.blocksRead[p][d])

    def all_blocks_read(self, s: DiskState, p: int) -> set[Block]:
        return {br[0] for d in self.Disk for br in s.blocksRead[p][d]}

    def initialize_phase(self, s: DiskState, p: int) -> dict[str, Any]:
        """InitializePhase(p): p forgets the disks it wrote and the blocks it read."""
        return {"disksWritten": replaced(s.disksWritten, p, frozenset()),
                "blocksRead": replaced(s.blocksRead, p, (frozenset(),) * len(self.Disk))}

    def history(self, s: DiskState, t: DiskState) -> DiskState:
        """HNext's conjuncts on chosen' and allInput', applied to Next's successor t of s."""
        chosen = s.chosen
        if chosen == NOT_AN_INPUT:
            chosen = next((o for o in t.output if o != NOT_AN_INPUT), NOT_AN_INPUT)  # CHOOSE: the least p
        return t._replace(chosen=chosen, allInput=s.allInput | frozenset(t.input))

    def start_ballot(self, s: DiskState, p: int, b: int) -> DiskState | None:
        """StartBallot(p) with its witness b of ``\\E b \\in Ballot(p)``."""
        if s.phase[p] not in (1, 2) or b not in self.Ballot[p] or b <= s.dblock[p][MBAL]:
            return None
        blk = s.dblock[p]
        return s._replace(phase=replaced(s.phase, p, 1), dblock=replaced(s.dblock, p, (b, blk[BAL], blk[INP])),
                          **self.initialize_phase(s, p))

    # -- Next == \E p \in Proc : StartBallot(p) \/ \E d \in Disk : (...) \/ EndPhase1or2(p) \/ Fail(p) \/ EndPhase0(p)
    def proc_ballot(self, s: DiskState) -> list[tuple[int, int]]:
        return [(p, b) for p in self.Proc for b in self.Ballot[p]]

    def proc_disk(self, s: DiskState) -> list[tuple[int, int]]:
        return [(p, d) for p in self.Proc for d in self.Disk]

    @action(proc_ballot)
    def StartBallot(self, s: DiskState, p: int, b: int) -> DiskState | None:
        t = self.start_ballot(s, p, b)
        return None if t is None else self.history(s, t)

    @action(proc_disk)
    def Phase0Read(self, s: DiskState, p: int, d: int) -> DiskState | None:
        if s.phase[p] != 0:
            return None
        read = s.blocksRead[p][d] | {(s.disk[d][p], p)}
        return self.history(s, s._replace(blocksRead=replaced(s.blocksRead, p, replaced(s.blocksRead[p], d, read))))

    @action(proc_disk)
    def Phase1or2Write(self, s: DiskState, p: int, d: int) -> DiskState | None:
        if s.phase[p] not in (1, 2):
            return None
        return self.history(s, s._replace(disk=replaced(s.disk, d, replaced(s.disk[d], p, s.dblock[p])),
                                          disksWritten=replaced(s.disksWritten, p, s.disksWritten[p] | {d})))

    @action(lambda self, s: [(p, d, q, b) for p in self.Proc for d in self.Disk for q in self.Proc if q != p
                             for b in (0, *self.Ballot[p])])
    def Phase1or2Read(self, s: DiskState, p: int, d: int, q: int, b: int) -> DiskState | None:
        """``IF disk[d][q].mbal < dblock[p].mbal THEN <read it> ELSE StartBallot(p)``: b = 0 is the THEN branch, a
        ballot b the ELSE branch's StartBallot with that witness (TLC takes one step per witness)."""
        if d not in s.disksWritten[p]:
            return None
        blk = s.disk[d][q]
        if blk[MBAL] < s.dblock[p][MBAL]:
            if b != 0:
                return None
            read = s.blocksRead[p][d] | {(blk, q)}
            return self.history(s, s._replace(blocksRead=replaced(s.blocksRead, p, replaced(s.blocksRead[p], d, read))))
        t = self.start_ballot(s, p, b) if b != 0 else None
        return None if t is None else self.history(s, t)

    def ends_phase(self, s: DiskState, p: int) -> bool:
        """EndPhase1or2's guard: a majority of the disks p wrote, on each of which p read every other process."""
        others = [q for q in self.Proc if q != p]
        return self.is_majority([d for d in s.disksWritten[p] if all(self.has_read(s, p, d, q) for q in others)])

    @action(lambda self, s: [(p,) for p in self.Proc])
    def EndPhase1or2(self, s: DiskState, p: int) -> DiskState | None:
        if s.phase[p] not in (1, 2) or not self.ends_phase(s, p):
            return None
        blk, output, dblock = s.dblock[p], s.output, s.dblock
        if s.phase[p] == 1:
            seen = [bk for bk in self.all_blocks_read(s, p) | {blk} if bk[INP] != NOT_AN_INPUT]
            dblock = replaced(s.dblock, p, (blk[MBAL], blk[MBAL], self.max_bal(seen)[1] if seen else s.input[p]))
        else:
            output = replaced(s.output, p, blk[INP])
        return self.history(s, s._replace(output=output, dblock=dblock, phase=replaced(s.phase, p, s.phase[p] + 1),
                                          **self.initialize_phase(s, p)))

    @staticmethod
    def max_bal(blocks: Collection[Block]) -> tuple[int, int]:
        """The bal and inp of ``CHOOSE b \\in blocks : \\A c \\in blocks : b.bal >= c.bal``. TLC's CHOOSE picks by its
        own order of records; the model has one input per ballot, which we check rather than guess TLC's pick."""
        top = max(bk[BAL] for bk in blocks)
        inps = {bk[INP] for bk in blocks if bk[BAL] == top}
        if len(inps) != 1:
            raise AssertionError(f"blocks of ballot {top} carry the inputs {sorted(inps)}: CHOOSE is TLC's to pick")
        return top, inps.pop()

    @action(lambda self, s: [(p, ip) for p in self.Proc for ip in self.Inputs])
    def Fail(self, s: DiskState, p: int, ip: int) -> DiskState | None:
        return self.history(s, s._replace(input=replaced(s.input, p, ip), phase=replaced(s.phase, p, 0),
                                          dblock=replaced(s.dblock, p, INIT_DB),
                                          output=replaced(s.output, p, NOT_AN_INPUT), **self.initialize_phase(s, p)))

    @action(proc_ballot)
    def EndPhase0(self, s: DiskState, p: int, b: int) -> DiskState | None:
        if s.phase[p] != 0 or not self.is_majority([d for d in self.Disk if self.has_read(s, p, d, p)]):
            return None
        read = self.all_blocks_read(s, p)
        if any(b <= r[MBAL] for r in read):
            return None
        top, inp = self.max_bal(read)  # the block CHOOSEn, its mbal replaced by b
        return self.history(s, s._replace(dblock=replaced(s.dblock, p, (b, top, inp)),
                                          phase=replaced(s.phase, p, 1), **self.initialize_phase(s, p)))

    # -- the invariants
    def blocks_of(self, s: DiskState, p: int) -> set[Block]:
        """blocksOf(p): p's block in memory, on each disk, and as read by any process."""
        out = {s.dblock[p]} | {s.disk[d][p] for d in self.Disk}
        out |= {br[0] for q in self.Proc for d in self.Disk for br in s.blocksRead[q][d] if br[1] == p}
        return out

    def all_blocks(self, s: DiskState) -> set[Block]:
        return set().union(*(self.blocks_of(s, p) for p in self.Proc))

    @invariant
    def HInv1(self, s: DiskState) -> bool:
        """The type invariant."""
        inputs, ballots, procs = set(self.Inputs), {0, *self.AllBallots}, set(self.Proc)

        def block_ok(bk: Block) -> bool:
            return bk[MBAL] in ballots and bk[BAL] in ballots and (bk[INP] in inputs or bk[INP] == NOT_AN_INPUT)

        return (all(x in inputs for x in s.input) and all(x in inputs or x == NOT_AN_INPUT for x in s.output)
                and all(block_ok(bk) for row in s.disk for bk in row) and all(0 <= x <= 3 for x in s.phase)
                and all(block_ok(bk) for bk in s.dblock) and all(w <= set(self.Disk) for w in s.disksWritten)
                and all(block_ok(br[0]) and br[1] in procs for row in s.blocksRead for rd in row for br in rd)
                and s.allInput <= inputs and (s.chosen in inputs or s.chosen == NOT_AN_INPUT))

    @invariant
    def HInv2(self, s: DiskState) -> bool:
        for p in self.Proc:
            for bk in self.blocks_of(s, p):
                if not (bk[MBAL] in (0, *self.Ballot[p]) and bk[BAL] in (0, *self.Ballot[p])
                        and (bk[BAL] == 0) == (bk[INP] == NOT_AN_INPUT) and bk[MBAL] >= bk[BAL]
                        and (bk[INP] in s.allInput or bk[INP] == NOT_AN_INPUT)):
                    return False
            for d in self.Disk:
                if d in s.disksWritten[p] and not (s.phase[p] in (1, 2) and s.disk[d][p] == s.dblock[p]):
                    return False
                if s.phase[p] in (1, 2) and ((s.blocksRead[p][d] and d not in s.disksWritten[p])
                                             or self.has_read(s, p, d, p)):
                    return False
            if s.phase[p] == 0 and not (s.dblock[p] == INIT_DB and not s.disksWritten[p] and all(
                    br[1] == p and br[0] == s.disk[d][p] for d in self.Disk for br in s.blocksRead[p][d])):
                return False
            if s.phase[p] != 0 and not (s.dblock[p][MBAL] in self.Ballot[p] and s.dblock[p][BAL] in (0, *self.Ballot[p])
                                        and all(br[0][MBAL] < s.dblock[p][MBAL]
                                                for d in self.Disk for br in s.blocksRead[p][d])):
                return False
            if s.phase[p] in (2, 3) and s.dblock[p][BAL] != s.dblock[p][MBAL]:
                return False
            if s.output[p] != (s.dblock[p][INP] if s.phase[p] == 3 else NOT_AN_INPUT):
                return False
        if not (s.chosen in s.allInput or s.chosen == NOT_AN_INPUT):
            return False
        return all(s.input[p] in s.allInput and (s.chosen != NOT_AN_INPUT or s.output[p] == NOT_AN_INPUT)
                   for p in self.Proc)

    @invariant
    def HInv3(self, s: DiskState) -> bool:
        return all((s.dblock[q], q) in s.blocksRead[p][d] or (s.dblock[p], p) in s.blocksRead[q][d]
                   for p in self.Proc for q in self.Proc for d in self.Disk
                   if s.phase[p] in (1, 2) and s.phase[q] in (1, 2)
                   and self.has_read(s, p, d, q) and self.has_read(s, q, d, p))

    @invariant
    def HInv4(self, s: DiskState) -> bool:
        return self.hinv4_failure(s) is None

    @explains("HInv4")
    def why_hinv4(self, s: DiskState) -> str:
        return self.hinv4_failure(s) or "HInv4 holds"

    def hinv4_failure(self, s: DiskState) -> str | None:
        """Which of HInv4's four conjuncts fails, and for which process; None when it holds."""
        for p in self.Proc:
            mine, blk, name = self.blocks_of(s, p), s.dblock[p], f"p{p + 1}"
            if s.phase[p] != 0 and not all(blk[MBAL] >= bk[BAL] for bk in mine):
                return f"{name} is in phase {s.phase[p]} with a block of bal above its dblock.mbal {blk[MBAL]}"
            if s.phase[p] != 0 and not all(any(blk[MBAL] >= s.disk[d][p][MBAL] and blk[BAL] >= s.disk[d][p][BAL]
                                               for d in D) for D in self.MajoritySet):
                return f"on some majority of disks every block of {name} is ahead of its dblock {self.show_block(blk)}"
            if s.phase[p] == 1 and not all(blk[MBAL] > bk[BAL] for bk in mine):
                return f"{name} is in phase 1 with a block of bal >= its dblock.mbal {blk[MBAL]}"
            if s.phase[p] in (2, 3) and not any(all(s.disk[d][p][MBAL] == blk[BAL] for d in D)
                                                for D in self.MajoritySet):
                return (f"{name} is in phase {s.phase[p]} but no majority of disks holds its block of mbal "
                        f"{blk[BAL]}: it wrote too few")
            for bk in mine:
                if not any(all(s.disk[d][p][MBAL] >= bk[BAL] for d in D) for D in self.MajoritySet):
                    return f"no majority of disks holds a block of {name} with mbal >= {bk[BAL]}"
        return None

    def max_bal_inp(self, blocks: set[Block], b: int, v: int) -> bool:
        """maxBalInp(b, v) == \\A bk \\in allBlocks : (bk.bal >= b) => (bk.inp = v)"""
        return all(bk[INP] == v for bk in blocks if bk[BAL] >= b)

    @invariant
    def HInv5(self, s: DiskState) -> bool:
        """Not among MC_HDiskSynod.cfg's INVARIANTS, but HDiskSynod.tla's: TLC finds it holds on every cfg here."""
        blocks = self.all_blocks(s)
        return all(self.max_bal_inp(blocks, s.dblock[p][BAL], s.dblock[p][INP]) or any(
            all(s.disk[d][q][MBAL] > s.dblock[p][BAL] and not self.has_read(s, p, d, q) for d in D)
            for D in self.MajoritySet for q in self.Proc) for p in self.Proc if s.phase[p] == 2)

    def value_chosen(self, s: DiskState, v: int) -> bool:
        blocks = self.all_blocks(s)
        return any(self.max_bal_inp(blocks, b, v) and any(
            all(s.disk[d][p][BAL] >= b and all(
                any(br[0][BAL] >= b for br in s.blocksRead[q][d]) for q in self.Proc
                if s.phase[q] == 1 and s.dblock[q][MBAL] >= b and self.has_read(s, q, d, p)) for d in D)
            for p in self.Proc for D in self.MajoritySet) for b in self.AllBallots)

    @invariant
    def HInv6(self, s: DiskState) -> bool:
        """The chosen value is chosen on the disks, and every output is it: agreement."""
        return ((s.chosen == NOT_AN_INPUT or self.value_chosen(s, s.chosen))
                and all(o in (s.chosen, NOT_AN_INPUT) for o in s.output))

    # -- THEOREM HDiskSynodSpec => SynodSpec, with chosen and allInput as the witnesses of \EE
    @refines(Synod)
    def as_synod(self) -> tuple[Synod, Any]:
        """Synod's Inner over the same N and Inputs; a state maps to its input, output, chosen and allInput."""
        return self.S, self.as_synod_state

    def as_synod_state(self, s: DiskState) -> SynodState:
        return SynodState(s.input, s.output, s.chosen, s.allInput)

    @refines(SynodAsTranscribed)
    def as_transcribed(self) -> tuple[SynodAsTranscribed, Any]:
        """The same mapping to tlaplus/Examples' Synod.tla as written: fails at the first Fail to a new input."""
        return SynodAsTranscribed(len(self.Proc), len(self.Inputs)), self.as_synod_state

    # -- reading it
    def show_block(self, bk: Block) -> str:
        return f"[mbal {bk[MBAL]}, bal {bk[BAL]}, inp {input_name(bk[INP])}]"

    def show_state(self, s: DiskState) -> dict[str, Any]:
        def per_proc(f: Any) -> dict[str, Any]:
            return {f"p{p + 1}": f(p) for p in self.Proc}

        return {
            "input": per_proc(lambda p: input_name(s.input[p])),
            "output": per_proc(lambda p: input_name(s.output[p])),
            "disk": {f"d{d + 1}": ", ".join(f"p{p + 1} {self.show_block(bk)}" for p, bk in enumerate(s.disk[d]))
                     for d in self.Disk},
            "phase": per_proc(lambda p: s.phase[p]),
            "dblock": per_proc(lambda p: self.show_block(s.dblock[p])),
            "disksWritten": per_proc(lambda p: "{" + ", ".join(f"d{d + 1}" for d in sorted(s.disksWritten[p])) + "}"),
            "blocksRead": per_proc(lambda p: "; ".join(
                f"d{d + 1}: " + ", ".join(f"p{q + 1} {self.show_block(bk)}" for bk, q in sorted(s.blocksRead[p][d],
                                                                                                 key=lambda r: r[1]))
                for d in self.Disk if s.blocksRead[p][d]) or "{}"),
            "allInput": [input_name(v) for v in sorted(s.allInput)],
            "chosen": input_name(s.chosen),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param in ("p", "q"):
            return f"p{value + 1}"
        if param == "d":
            return f"d{value + 1}"
        if param == "ip":
            return input_name(value)
        return value

    # -- symmetry: the inputs are model values, and so are the disks in MC_HDiskSynodSym.cfg
    def symmetric_sets(self) -> dict[str, int]:
        return {"Inputs": len(self.Inputs), "Disk": len(self.Disk)}

    def permute(self, s: DiskState, perm: Any) -> DiskState:
        pi, pd = perm["Inputs"], perm["Disk"]

        def v(x: int) -> int:
            return x if x == NOT_AN_INPUT else pi[x]

        def blk(bk: Block) -> Block:
            return (bk[MBAL], bk[BAL], v(bk[INP]))

        def by_disk(row: tuple) -> tuple:
            out: list = [None] * len(self.Disk)
            for d, x in enumerate(row):
                out[pd[d]] = x
            return tuple(out)

        return DiskState(
            tuple(v(x) for x in s.input), tuple(v(x) for x in s.output),
            by_disk(tuple(tuple(blk(bk) for bk in row) for row in s.disk)), s.phase,
            tuple(blk(bk) for bk in s.dblock), tuple(frozenset(pd[d] for d in w) for w in s.disksWritten),
            tuple(by_disk(tuple(frozenset((blk(bk), q) for bk, q in rd) for rd in row)) for row in s.blocksRead),
            frozenset(v(x) for x in s.allInput), v(s.chosen))


class MCHDiskSynod(HDiskSynod):
    """HDiskSynod with MC_HDiskSynod.cfg's INVARIANTS: HInv1-HInv4 and HInv6, not HInv5."""

    name = "MCHDiskSynod"
    HInv5 = None  # left out, as the cfg leaves it out


class MinorityRead(HDiskSynod):
    """A process ends phase 1 or 2 having read the others on one disk it wrote, not on a majority: two values chosen.

    HInv4, a conjunct of the proof's invariant, breaks first (6 steps, as TLC on MinorityRead/MC_N2B1D2.cfg); the
    outputs disagree 18 steps in (``--reach`` of two outputs, or ``refine ... Synod``: TLC's 19 states)."""

    variant = "minority-read"
    rule = "EndPhase1or2 needs one disk on which p read every other process, not a majority of them"
    breaks = "HInv4"
    failing_bounds = {"procs": 2, "inputs": 2, "ballots": 1, "disks": 2}
    trace_length = 6

    def ends_phase(self, s: DiskState, p: int) -> bool:
        others = [q for q in self.Proc if q != p]
        return any(all(self.has_read(s, p, d, q) for q in others) for d in s.disksWritten[p])

