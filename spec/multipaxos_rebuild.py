"""MultiPaxos.tla extended with storage loss and the rejoin rule of ``paxraft cluster recover-node`` for Multi-Paxos.

An extension of :class:`spec.multipaxos.MultiPaxos` (as spec/raft_rebuild.py extends raft.tla): four new
variables, three new actions, and three of MultiPaxos.tla's actions with one guard more. Every other
action is MultiPaxos.tla's own (each wrapped only to carry the new variables along).

- ``Rebuild(r, P)``: replica r loses its storage and is rebuilt empty (at most ``MaxRebuilds`` times in a
  behaviour): no promise, no vote, no command. ``floor[r]`` is the highest promise (``balMaxKnown``)
  among the peers ``P`` it asks, every other replica (for 3 replicas a majority of the whole cluster not
  counting r; for 5 a majority is too few: tests/test_multipaxos_rebuild.py replays a run); r is *rejoining*.
- ``rejoining[r]``: while set, r answers no Prepare and no Accept and never becomes leader.
- ``Learn(r)``: rejoining r learns its next slot's chosen command (a Learn message carries a command
  that a majority accepted in one ballot: ``spec.slot_consensus.chosen``), committed and applied.
- ``horizon[l]``: the last slot that leader l's phase 1 left non-empty (re-proposed or committed):
  every slot chosen in a ballot below l's lies at or below it (the no-op point of the implementation).
- ``Resume(r, l)``: rejoining r has learned every slot up to ``horizon[l]`` of a prepared leader l whose
  ballot B is above ``floor[r]``: it promises B, follows l, and counts its learned slots as votes in
  ballot B (a later PrepareReply reports them so). It votes again.
- ``rebuilds``: how many rebuilds happened (the bound's counter).

Invariants: MultiPaxos.tla's two (TypeOK, Linearizability) and ``Agreement``: no slot has two commands
each accepted by a majority in one ballot (the refinement to slot-consensus, as an invariant). A
leader counts one PrepareReply per replica (a rebuilt replica that answers a ballot twice is one
voice); with the rule whole no replica ever does. The variants below each break one part of the rule,
and the checker finds each (tests/test_multipaxos_rebuild.py pins counts and counterexample lengths).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import combinations
from typing import Any, ClassVar, NamedTuple

from spec.core import Option, action, invariant
from spec.limits import bounded
from spec.multipaxos import (
    BAL_MAX_KNOWN,
    BAL_PREPARED,
    COMMIT_UP_TO,
    COMMITTED,
    EMPTY,
    INSTS,
    KVALUE,
    LEADER,
    NIL,
    NULL_INST,
    PREPARE,
    PREPARE_REPLY,
    MultiPaxos,
    MultiPaxosState,
)
from spec.registry import SpecEntry, register, variant
from spec.slot_consensus import chosen
from spec.values import EXCEPT


class RebuildState(NamedTuple):
    """MultiPaxos.tla's five variables, then ``rejoining``, ``floor``, ``horizon``, ``stale`` and ``rebuilds``."""

    msgs: frozenset[tuple[Any, ...]]
    node: tuple[Any, ...]
    pending: tuple[int, ...]
    observed: tuple[tuple[int, ...], ...]
    pc: tuple[int, ...]
    rejoining: tuple[int, ...]
    floor: tuple[int, ...]
    horizon: tuple[int, ...]
    stale: tuple[int, ...]
    rebuilds: int


def floor_reads(replicas: int) -> int:
    """How many peers' promises a rebuild reads: every other replica (for 3 replicas, a majority of the whole cluster
    not counting the rebuilt one; from 5 on, a majority is too few: docs/multipaxos.md, 'Replacing a node')."""
    return replicas - 1


def _rebuilds(self: MultiPaxosRebuild, s: RebuildState) -> tuple[tuple[int, tuple[int, ...]], ...]:
    return self._rebuild_params if s.rebuilds < self.MaxRebuilds else ()


def _rejoining(self: MultiPaxosRebuild, s: RebuildState) -> list[tuple[int]]:
    return [(r,) for r in self.Replicas if s.rejoining[r]]


def _resumes(self: MultiPaxosRebuild, s: RebuildState) -> list[tuple[int, int]]:
    return [(r, ld) for r in self.Replicas if s.rejoining[r] for ld in self.Replicas if ld != r]


class MultiPaxosRebuild(MultiPaxos):
    """MultiPaxos.tla + a replica rebuilt from empty storage, silent until it learned what a new leader may know."""

    name = "multipaxos-rebuild"
    variables = RebuildState._fields  # type: ignore[assignment]  # (the extension's variables too)
    bmc_encoding: ClassVar[str | None] = None

    def __init__(self, replicas: int = 3, writes: int = 1, reads: int = 1, max_ballot: int = 2,
                 max_rebuilds: int = 1) -> None:
        bounded("multipaxos-rebuild", "--max-rebuilds", max_rebuilds, 0, 1 << 30)
        super().__init__(replicas=replicas, writes=writes, reads=reads, max_ballot=max_ballot)
        self.MaxRebuilds = max_rebuilds
        self._chosen_memo: dict[frozenset, tuple[frozenset[int], ...]] = {}
        reads_ = self.floor_peers(floor_reads(replicas))
        self._reads = reads_
        self._rebuild_params = tuple((r, p) for r in self.Replicas
                                     for p in combinations([j for j in self.Replicas if j != r], reads_))

    def floor_peers(self, need: int) -> int:
        """How many peers' promises a rebuild reads: the fewest the rule accepts (more only raise the floor)."""
        return need

    def bounds(self) -> dict[str, Any]:
        """MultiPaxos.tla's bounds and MaxRebuilds."""
        return {**super().bounds(), "max_rebuilds": self.MaxRebuilds}

    def init_states(self) -> Iterator[RebuildState]:  # type: ignore[override]
        """MultiPaxos.tla's Init; nobody rejoining, no horizon, no rebuild yet."""
        zeros = (0,) * len(self.Replicas)
        for s in super().init_states():
            yield RebuildState(*s, zeros, zeros, zeros, zeros, 0)

    def _live(self, s: RebuildState, r: int) -> bool:
        """MultiPaxos.tla's guard of every loop action (``pc[r] = "rloop"``, the run not terminated)."""
        return self._running(s, r)  # type: ignore[arg-type]  # (a RebuildState has MultiPaxosState's fields first)

    def _carry(self, s: RebuildState, t: MultiPaxosState | None) -> RebuildState | None:
        """A MultiPaxos.tla step's successor with the extension's variables unchanged."""
        if t is None or t is s:
            return t  # type: ignore[return-value]
        return RebuildState(*t, *s[5:])

    # -- MultiPaxos.tla's actions: the gate on three, the new variables carried on all -------------------
    def BecomeLeader(self, s: RebuildState, r: int, b: int) -> RebuildState | None:
        """MultiPaxos.tla's, not for a rejoining replica."""
        return None if self.Silent(s, r) else self._carry(s, super().BecomeLeader(s, r, b))

    def HandlePrepare(self, s: RebuildState, r: int, m: tuple) -> RebuildState | None:
        """MultiPaxos.tla's; a rejoining replica answers no Prepare."""
        if self.Silent(s, r) or self._own_old(s, r, m):
            return None
        return self._carry(s, super().HandlePrepare(s, r, m))

    def HandleAccept(self, s: RebuildState, r: int, m: tuple) -> RebuildState | None:
        """MultiPaxos.tla's; a rejoining replica casts no vote."""
        if self.Silent(s, r) or self._own_old(s, r, m):
            return None
        return self._carry(s, super().HandleAccept(s, r, m))

    def _own_old(self, s: RebuildState, r: int, m: tuple) -> bool:
        """Whether ``m`` is one r sent itself before its rebuild: MultiPaxos.tla's leader takes its own Prepare and
        Accept as messages, which the rebuilt replica's new life never had (a real replica votes for itself without
        one), so that it would lead an old ballot it no longer knows."""
        return m[1] == r and m[2] <= s.stale[r]

    def Silent(self, s: RebuildState, r: int) -> bool:
        """Whether replica r answers nothing (the gate): while it rejoins."""
        return bool(s.rejoining[r])

    def HandlePrepareReplies(self, s: RebuildState, r: int) -> RebuildState | None:
        """MultiPaxos.tla's with a majority of replicas (not of replies) answering; the leader's horizon recorded."""
        bal = s.node[r][BAL_MAX_KNOWN]
        if len({m[1] for m in s.msgs if m[0] == PREPARE_REPLY and m[2] == bal}) < self.MajorityNum:
            return None
        t = self._carry(s, super().HandlePrepareReplies(s, r))
        if t is None:
            return None
        insts = t.node[r][INSTS]
        top = max((k + 1 for k, i in enumerate(insts) if i[0] != EMPTY), default=0)
        return t._replace(horizon=EXCEPT(t.horizon, r, top))

    def TakeNewRequest(self, s: RebuildState, r: int) -> RebuildState | None:
        """MultiPaxos.tla's."""
        return self._carry(s, super().TakeNewRequest(s, r))

    def HandleAcceptReplies(self, s: RebuildState, r: int) -> RebuildState | None:
        """MultiPaxos.tla's."""
        return self._carry(s, super().HandleAcceptReplies(s, r))

    def HandleCommitNotice(self, s: RebuildState, r: int) -> RebuildState | None:
        """MultiPaxos.tla's."""
        return self._carry(s, super().HandleCommitNotice(s, r))

    def Finish(self, s: RebuildState, r: int) -> RebuildState | None:
        """MultiPaxos.tla's."""
        return self._carry(s, super().Finish(s, r))

    # -- storage loss and the rejoin rule ------------------------------------------------------------
    @action(params=_rebuilds)
    def Rebuild(self, s: RebuildState, r: int, peers: tuple[int, ...]) -> RebuildState | None:
        """r's storage is lost and rebuilt empty; its floor is the highest promise among ``peers``."""
        if not self._live(s, r) or s.rebuilds >= self.MaxRebuilds or s.rejoining[r] or r in peers \
                or len(set(peers)) != self._reads:
            return None
        empty = (NIL, NIL, 0, 0, 0, (NULL_INST,) * self.NumCommands)
        floor = max(s.node[j][BAL_MAX_KNOWN] for j in peers)
        own = max((m[2] for m in s.msgs if m[0] == PREPARE and m[1] == r), default=0)
        return RebuildState(s.msgs, EXCEPT(s.node, r, empty), s.pending, s.observed, s.pc,
                            EXCEPT(s.rejoining, r, self.Gated()), EXCEPT(s.floor, r, floor),
                            EXCEPT(s.horizon, r, 0), EXCEPT(s.stale, r, own), s.rebuilds + 1)

    def Gated(self) -> int:
        """``rejoining[r]`` after a rebuild: 1, the gate is on."""
        return 1

    @action(params=_rejoining)
    def Learn(self, s: RebuildState, r: int) -> RebuildState | None:
        """Rejoining r learns the chosen command of the slot after its commit point, and applies it."""
        n = s.node[r]
        if not self._live(s, r) or not s.rejoining[r] or n[COMMIT_UP_TO] >= self.NumCommands:
            return None
        slot = n[COMMIT_UP_TO] + 1
        cmds = self.chosen(s)[slot - 1]
        if len(cmds) != 1:
            return None
        (c,) = cmds
        kvalue = c if c in self.Writes else n[KVALUE]
        node = (n[LEADER], kvalue, slot, n[BAL_PREPARED], n[BAL_MAX_KNOWN],
                EXCEPT(n[INSTS], slot - 1, (COMMITTED, c, 0, NIL)))
        return s._replace(node=EXCEPT(s.node, r, node))

    @action(params=_resumes)
    def Resume(self, s: RebuildState, r: int, ld: int) -> RebuildState | None:
        """Rejoining r has learned every slot up to prepared leader ld's horizon, and ld's ballot B is above r's
        floor: r promises B, follows ld and votes again, its learned slots counting as its votes in B."""
        if not self._live(s, r) or not s.rejoining[r]:
            return None
        lead, n = s.node[ld], s.node[r]
        bal = lead[BAL_MAX_KNOWN]
        if lead[LEADER] != ld or lead[BAL_PREPARED] != bal or not self.AfterFloor(bal, s.floor[r]):
            return None
        if n[COMMIT_UP_TO] < self.LearnedEnough(s, ld):
            return None
        insts = tuple((COMMITTED, i[1], *self.LearnedVote(bal, i[1])) if i[0] == COMMITTED else i
                      for i in n[INSTS])
        node = (ld, n[KVALUE], n[COMMIT_UP_TO], 0, bal, insts)
        return s._replace(node=EXCEPT(s.node, r, node), rejoining=EXCEPT(s.rejoining, r, 0),
                          floor=EXCEPT(s.floor, r, 0))

    def AfterFloor(self, bal: int, floor: int) -> bool:
        """The leader r resumes after has a ballot above r's floor."""
        return bal > floor

    def LearnedEnough(self, s: RebuildState, ld: int) -> int:
        """The slot r must have learned up to: leader ld's horizon."""
        return s.horizon[ld]

    def LearnedVote(self, bal: int, cmd: int) -> tuple[int, int]:
        """A learned slot's vote once r resumes in ballot ``bal``: ``(bal, cmd)``, a vote for the chosen command."""
        return bal, cmd

    # -- invariants ---------------------------------------------------------------------------------
    def chosen(self, s: RebuildState) -> tuple[frozenset[int], ...]:
        """``spec.slot_consensus.chosen``, remembered per message set (successors share most of them)."""
        memo = self._chosen_memo
        out = memo.get(s.msgs)
        if out is None:
            if len(memo) > 1 << 16:
                memo.clear()
            out = memo[s.msgs] = chosen(self, s)  # type: ignore[arg-type]
        return out

    @invariant
    def Agreement(self, s: RebuildState) -> bool:
        """No slot has two commands each accepted by a majority in one ballot."""
        return all(len(c) <= 1 for c in self.chosen(s))

    # -- symmetry and presentation ------------------------------------------------------------------
    def permute(self, s: RebuildState, perm: Mapping[str, Sequence[int]]) -> RebuildState:  # type: ignore[override]
        """MultiPaxos.tla's renaming, and the per-replica variables reordered alike."""
        t = super().permute(s, perm)  # type: ignore[arg-type]
        order = tuple(perm.get("Replica", self.Replicas))

        def moved(xs: tuple[int, ...]) -> tuple[int, ...]:
            out = [0] * len(xs)
            for r, x in enumerate(xs):
                out[order[r]] = x
            return tuple(out)

        return RebuildState(*t, moved(s.rejoining), moved(s.floor), moved(s.horizon), moved(s.stale), s.rebuilds)

    def show_state(self, s: RebuildState) -> dict[str, Any]:  # type: ignore[override]
        """MultiPaxos.tla's variables, then the four of the extension."""
        out = super().show_state(s)  # type: ignore[arg-type]
        out["rejoining"] = {self.rep_name(r): bool(x) for r, x in enumerate(s.rejoining)}
        out["floor"] = {self.rep_name(r): x for r, x in enumerate(s.floor)}
        out["horizon"] = {self.rep_name(r): x for r, x in enumerate(s.horizon)}
        out["stale"] = {self.rep_name(r): x for r, x in enumerate(s.stale)}
        out["rebuilds"] = s.rebuilds
        return out

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """The peers a rebuild reads and the leader r resumes after as replica names."""
        if param == "peers":
            return [self.rep_name(j) for j in value]
        if param == "ld":
            return self.rep_name(value)
        return super().show_param(action, param, value)


MAX_REBUILDS = Option("--max-rebuilds", "max_rebuilds", int, 1, "bound: at most MAX replicas rebuilt from empty "
                      "storage in a behaviour")

register(
    SpecEntry(
        name="multipaxos-rebuild",
        cls=MultiPaxosRebuild,
        summary="MultiPaxos.tla + a replica rebuilt from empty storage (cluster recover-node): floor, silence, resume",
        options=(
            Option("--replicas", "replicas", int, 3, "number of replicas (Replicas = s1..sN)"),
            Option("--writes", "writes", int, 1, "number of client write commands (w1..wW)"),
            Option("--reads", "reads", int, 1, "number of client read commands (r1..rR)"),
            Option("--max-ballot", "max_ballot", int, 2, "largest ballot (Ballots = 1..MAX, at least 2)"),
            MAX_REBUILDS,
        ),
        suite=(),
    )
)

_SOURCE = "docs/multipaxos.md, 'Rebuilding a replica'"


def _model(max_ballot: int, **options: Any) -> dict[str, Any]:
    """A catalog model of three replicas, one write and one read (two commands: two may disagree), one rebuild."""
    return {"replicas": 3, "writes": 1, "reads": 1, "max_ballot": max_ballot, "max_rebuilds": 1,
            "symmetry": True, **options}


@variant("multipaxos-rebuild")
class RebuildWithoutGate(MultiPaxosRebuild):
    """A rebuilt replica answers Prepares and Accepts at once, with no promise and no vote."""

    # s2 leads ballot 2 and chooses w1 with s3; rebuilt, s2 answers s1's Prepare of ballot 1 and accepts its r1
    # (31,403 states, 49 s on a loaded host)
    variant = "rebuild-without-gate"
    impl_bug = "rebuild-without-gate"  # its planted bug in impl.multipaxos.rules
    rule = "Rebuild(r) leaves rejoining[r] FALSE: r promises and votes at once, its votes and promises forgotten"
    breaks = "Agreement"
    failing_bounds = _model(2)
    trace_length = 12
    source = _SOURCE

    def Gated(self) -> int:
        """No gate."""
        return 0


@variant("multipaxos-rebuild")
class ResumeAfterStaleLeader(MultiPaxosRebuild):
    """A rejoining replica resumes after any prepared leader, its ballot above the floor or not."""

    # s3 promised ballot 2 to s2 and is rebuilt (floor 2); it resumes after s1, leader of ballot 1, and accepts
    # its w1, chosen with s1; s2, prepared with s3's old promise, chooses r1 with s1 in ballot 2 (43,562 states)
    variant = "resume-after-stale-leader"
    rule = "Resume(r, l) for a leader l of any ballot (not only one above floor[r])"
    breaks = "Agreement"
    failing_bounds = _model(2)
    trace_length = 13
    source = _SOURCE

    def AfterFloor(self, bal: int, floor: int) -> bool:
        """Any ballot."""
        return True


@variant("multipaxos-rebuild")
class ResumeAtTheFloor(MultiPaxosRebuild):
    """A rejoining replica resumes after a leader whose ballot is the floor itself (not above it)."""

    # s2 helped choose w1 in ballot 1 and is rebuilt (floor 1, s1's promise); it resumes after s1, leader of ballot 1
    # whose phase 1 predates slot 1, without learning it, and s3 fills slot 1 with r1 in ballot 2 with s2 (74,283
    # states): the floor's own ballot may be one the lost storage voted in
    variant = "resume-at-the-floor"
    rule = "Resume(r, l) for a leader l whose ballot is at least floor[r] (not above it)"
    breaks = "Agreement"
    failing_bounds = _model(2)
    trace_length = 13
    source = _SOURCE

    def AfterFloor(self, bal: int, floor: int) -> bool:
        """At least the floor."""
        return bal >= floor


@variant("multipaxos-rebuild")
class FloorFromTooFewPeers(MultiPaxosRebuild):
    """The floor is read from one peer fewer than every other replica."""

    # s2 helped choose w1 in ballot 1 and is rebuilt reading s3 alone (floor 0); it resumes after s1, leader of
    # ballot 1 whose phase 1 predates slot 1, and s3 fills slot 1 with r1 in ballot 2 with s2 (99,433 states)
    variant = "rebuild-floor-from-too-few-peers"
    rule = "Rebuild(r) takes the floor from n - 2 peers (one short of every other replica)"
    breaks = "Agreement"
    failing_bounds = _model(2)
    trace_length = 13
    source = _SOURCE

    def floor_peers(self, need: int) -> int:
        """One fewer."""
        return need - 1
