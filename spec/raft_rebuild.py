"""raft.tla extended with storage loss and the rejoin rule of ``paxraft cluster recover-node`` (impl/raft/rejoin.py).

An extension of :class:`spec.raft.Raft`: three new variables, two new actions, and four raft.tla
actions with one guard more. Every other action is raft.tla's own.

- ``Rebuild(i, P)``: server i loses its storage and is rebuilt empty (at most ``MaxRebuilds`` times
  in a behaviour). Its log, commitIndex and volatile state go; its term is the *vote floor*, the
  highest currentTerm among the peers ``P`` whose storage the rebuild reads (any ``n - quorum + 1``
  of the others, as ``rebuilt_hard_state`` needs; reading more only raises the floor), with its
  vote in that term already cast (for itself); it starts *rejoining* with no target.
- ``rejoining[i]``: while set, i neither votes (a RequestVote request to it is dropped unheard: no
  UpdateTerm, no answer, as the runtime's gate drops it before the core) nor times out.
- ``rejoinTarget[i]``: ``<<index, term>>``, the highest commit index announced to i by an
  AppendEntries request of a term at least i's own (taken by HandleAppendEntriesRequest, whatever
  it then does with the request), and that request's term; ``<<0, 0>>`` for none. Restart(i) keeps
  ``rejoining[i]`` (the runtime's marker file) and forgets the target (the gate is in memory).
- ``CaughtUp(i)``: i stops rejoining once ``commitIndex[i]`` reaches its target and the entry there
  is of the target's term (``RejoinGate.caught_up``; raft.tla has no applied index, commitIndex
  stands for it).
- ``rebuilds``: how many rebuilds happened (the bound's counter).

Invariants: raft.tla's five. The variants below each remove one part of the rule, and the checker
finds each (tests/test_raft_rebuild.py pins the counts and the counterexample lengths).

The gate's rule (the four guarded actions, ``CaughtUp``'s guard, the target) is :class:`RejoinRule`, a base
class shared with the audit's spec (modelcheck/audit/raft_spec.py ``RaftImpl``), which checks traces of
rebuilt nodes by the same code. Not a registered variant: the target taken from a request of any term
(a deposed leader's); its counterexample needs terms up to 4 and two entries, past a breadth-first search
here (docs/durability.md; the test replays one written by hand).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import combinations
from operator import itemgetter
from typing import Any, ClassVar

from spec.core import Option, action
from spec.limits import bounded
from spec.raft import (
    EMPTY,
    EXCEPT,
    FOLLOWER,
    NIL,
    NO_HISTORY,
    ExtendedRaftState,
    Message,
    Raft,
    RaftState,
    RequestVoteRequest,
    WithoutMessage,
    _new,
    raft_options,
)
from spec.registry import SpecEntry, register, variant

_REJOINING, _TARGET, _REBUILDS = 13, 14, 15
NO_TARGET = (0, 0)


def floor_reads(servers: int) -> int:
    """How many peers' terms a rebuild must read: ``n - quorum + 1`` (``impl.raft.rejoin.rebuilt_hard_state``)."""
    return servers - (servers // 2 + 1) + 1


def vote_floor(s: RaftState, i: int, peers: tuple[int, ...]) -> tuple[int, int]:
    """(currentTerm, votedFor) of server i rebuilt from the terms of ``peers``: the highest, voted in for itself."""
    return max(s.currentTerm[j] for j in peers), i


def rebuilt(spec: Raft, s: RaftState, i: int, term: int, vote: int) -> dict[str, Any]:
    """raft.tla's variables once server i is rebuilt from empty storage with hard state (term, vote): its log,
    commitIndex and volatile state emptied (``s.but``'s arguments; this spec's and the audit's Rebuild)."""
    return {
        "allLogs": spec.NextAllLogs(s),
        "currentTerm": EXCEPT(s.currentTerm, i, term),
        "votedFor": EXCEPT(s.votedFor, i, vote),
        "log": EXCEPT(s.log, i, ()),
        "state": EXCEPT(s.state, i, FOLLOWER),
        "commitIndex": EXCEPT(s.commitIndex, i, 0),
        "votesResponded": EXCEPT(s.votesResponded, i, EMPTY),
        "votesGranted": EXCEPT(s.votesGranted, i, EMPTY),
        "voterLog": EXCEPT(s.voterLog, i, EMPTY),
        "nextIndex": EXCEPT(s.nextIndex, i, spec._ones),
        "matchIndex": EXCEPT(s.matchIndex, i, spec._zeros),
    }


class RebuildState(ExtendedRaftState):
    """raft.tla's variables, then ``rejoining``, ``rejoinTarget`` and ``rebuilds``."""

    __slots__ = ()
    _fields: tuple[str, ...] = (*RaftState._fields, "rejoining", "rejoinTarget", "rebuilds")

    rejoining = property(itemgetter(_REJOINING), doc="rejoining (a C getter, as RaftState's fields have)")
    rejoinTarget = property(itemgetter(_TARGET), doc="rejoinTarget")
    rebuilds = property(itemgetter(_REBUILDS), doc="rebuilds")


def _rebuilds(self: RaftRebuild, s: RebuildState) -> tuple[tuple[int, tuple[int, ...]], ...]:
    return self._rebuild_params if s.rebuilds < self.MaxRebuilds else ()


def _rejoining(self: Any, s: Any) -> list[tuple[int]]:
    return [(i,) for i in self.Server if s.rejoining[i]]


def rejoin_begins(s: Any, i: int, gated: int) -> dict[str, Any]:
    """``rejoining`` and ``rejoinTarget`` once server i is rebuilt: the gate on (``gated``), no target yet."""
    return {"rejoining": EXCEPT(s.rejoining, i, gated), "rejoinTarget": EXCEPT(s.rejoinTarget, i, NO_TARGET)}


class RejoinRule:
    """The rejoin gate on raft.tla's actions, for a spec whose states have ``rejoining`` and ``rejoinTarget``:
    this spec and the audit's (modelcheck/audit/raft_spec.py), so the rule is written once. Put it before the
    spec's class among the bases: each method refines the next one in the MRO."""

    def CaughtUpStep(self: Any, s: Any, i: int) -> Any:
        """Rejoining i has applied its target, whose entry is of the target's term: it votes and campaigns again
        (the body of each spec's ``CaughtUp`` action, declared by each where its place among the actions is)."""
        if not s.rejoining[i]:
            return None
        index, term = s.rejoinTarget[i]
        lg = s.log[i]
        if not index or s.commitIndex[i] < index or len(lg) < index or lg[index - 1][0] != term:
            return None
        return s.but(allLogs=self.NextAllLogs(s), rejoining=EXCEPT(s.rejoining, i, 0),
                     rejoinTarget=EXCEPT(s.rejoinTarget, i, NO_TARGET))

    def Restart(self: Any, s: Any, i: int) -> Any:
        """The spec's Restart; a rejoining server stays so (the marker file) but forgets its target (in memory)."""
        t = super().Restart(s, i)  # type: ignore[misc]
        if t is None or type(t) is not type(s) or s.rejoinTarget[i] == NO_TARGET:
            return t
        return t.but(rejoinTarget=EXCEPT(t.rejoinTarget, i, NO_TARGET))

    def Timeout(self: Any, s: Any, i: int) -> Any:
        """The spec's Timeout, not for a rejoining server (it does not campaign)."""
        return None if s.rejoining[i] else super().Timeout(s, i)  # type: ignore[misc]

    def UpdateTerm(self: Any, s: Any, i: int, j: int, m: Message) -> Any:
        """The spec's UpdateTerm, but a rejoining server never hears a RequestVote request."""
        if m[0] == RequestVoteRequest and s.rejoining[i]:
            return None
        return super().UpdateTerm(s, i, j, m)  # type: ignore[misc]

    def HandleRequestVoteRequest(self: Any, s: Any, i: int, j: int, m: Message) -> Any:
        """The spec's, but a rejoining server drops the request unanswered."""
        if not s.rejoining[i]:
            return super().HandleRequestVoteRequest(s, i, j, m)  # type: ignore[misc]
        return self.GateDrops(s, i, j, m)

    def GateDrops(self: Any, s: Any, i: int, j: int, m: Message) -> Any:
        """The step of a RequestVote request the gate drops: the request consumed, unanswered."""
        if not (m[3] <= s.currentTerm[i] and self._is_receivable(s, i, j, m, RequestVoteRequest)):
            return None
        return s.but(allLogs=self.NextAllLogs(s), messages=WithoutMessage(m, s.messages))

    def HandleAppendEntriesRequest(self: Any, s: Any, i: int, j: int, m: Message) -> Any:
        """The spec's; a rejoining server first takes the request's commit index as its target if it is higher
        and the request's term is not below its own."""
        t = super().HandleAppendEntriesRequest(s, i, j, m)  # type: ignore[misc]
        return t if t is None or type(t) is not type(s) else self.TakeTarget(s, t, i, m[3], m[8])

    def TakeTarget(self: Any, s: Any, t: Any, i: int, mterm: int, index: int) -> Any:
        """``t`` (the step's next state) with rejoining i's target raised to ``(index, mterm)`` if a request of that
        term, announcing that index as committed, may set it (``RejoinGate.admits``)."""
        if not s.rejoining[i] or not self.SetsTarget(mterm, s.currentTerm[i]) or index <= s.rejoinTarget[i][0]:
            return t
        return t.but(rejoinTarget=EXCEPT(t.rejoinTarget, i, (index, mterm)))

    def SetsTarget(self, mterm: int, currentTerm: int) -> bool:
        """A request of a term at least the rejoining server's may set its target (``RejoinGate.admits``)."""
        return mterm >= currentTerm

    def symmetry_keys(self: Any, s: Any) -> Mapping[str, Sequence[Any]]:
        """The spec's keys, with each server's rejoining flag and target."""
        keys = super().symmetry_keys(s)["Server"]  # type: ignore[misc]
        return {"Server": [(*k, r, t) for k, r, t in zip(keys, s.rejoining, s.rejoinTarget)]}

    def rejoin_permuted(self: Any, s: Any, perm: Mapping[str, Sequence[int]]) -> tuple[tuple, tuple]:
        """``rejoining`` and ``rejoinTarget`` renamed by ``perm`` (for the spec's ``permute``)."""
        order = self._renamings[tuple(perm.get("Server", self.Server))].order
        return order(s.rejoining), order(s.rejoinTarget)


class RaftRebuild(RejoinRule, Raft):
    """raft.tla + a server rebuilt from empty storage, rejoining without a vote until it caught up."""

    name = "raft-rebuild"
    variables = RebuildState._fields
    # (its states are RebuildStates: the methods that say so, where Raft's say RaftState, ignore[override])
    bmc_encoding: ClassVar[str | None] = None  # no Z3 encoding of the extension

    def __init__(self, servers: int = 3, values: int = 1, max_term: int = 2, max_log: int = 1, max_copies: int = 1,
                 max_in_flight: int = 1, max_rebuilds: int = 1, no_history: bool = False) -> None:
        bounded("raft-rebuild", "--max-rebuilds", max_rebuilds, 0, 1 << 30)
        super().__init__(servers=servers, values=values, max_term=max_term, max_log=max_log, max_copies=max_copies,
                         max_in_flight=max_in_flight, no_history=no_history)
        self.MaxRebuilds = max_rebuilds
        self._reads = self.floor_peers(floor_reads(servers))
        self._rebuild_params = tuple((i, p) for i in self.Server
                                     for p in combinations([j for j in self.Server if j != i], self._reads))

    def floor_peers(self, need: int) -> int:
        """How many peers' terms a rebuild reads: the fewest the runtime accepts (more only raise the floor)."""
        return need

    def bounds(self) -> dict[str, Any]:
        """raft.tla's bounds and MaxRebuilds."""
        return {**super().bounds(), "max_rebuilds": self.MaxRebuilds}

    def init_states(self) -> Iterator[RebuildState]:
        """raft.tla's Init; nobody rejoining, no rebuild yet."""
        for s in super().init_states():
            yield _new(RebuildState, (*s, self._zeros, (NO_TARGET,) * self._n, 0))

    # -- storage loss ---------------------------------------------------------------------------
    @action(params=_rebuilds)
    def Rebuild(self, s: RebuildState, i: int, peers: tuple[int, ...]) -> RebuildState | None:
        """i's storage is lost and rebuilt empty from the terms of ``peers``: the vote floor, voted in."""
        if s.rebuilds >= self.MaxRebuilds or i in peers or len(set(peers)) != self._reads:
            return None
        return s.but(**rebuilt(self, s, i, *self.RebuiltHardState(s, i, peers)), **rejoin_begins(s, i, self.Gated()),
                     rebuilds=s.rebuilds + 1)

    def RebuiltHardState(self, s: RebuildState, i: int, peers: tuple[int, ...]) -> tuple[int, int]:
        """(currentTerm, votedFor) of a rebuilt server: the vote floor."""
        return vote_floor(s, i, peers)

    def Gated(self) -> int:
        """``rejoining[i]`` after a rebuild: 1, the gate is on."""
        return 1

    @action(params=_rejoining)
    def CaughtUp(self, s: RebuildState, i: int) -> RebuildState | None:
        """Rejoining i has applied its target, whose entry is of the target's term: it votes and campaigns again."""
        return self.CaughtUpStep(s, i)

    # -- symmetry and presentation ------------------------------------------------------------------
    def permute(self, s: RebuildState, perm: Mapping[str, Sequence[int]]) -> RebuildState:  # type: ignore[override]
        """raft.tla's renaming, and the two new per-server variables reordered alike."""
        return _new(RebuildState, (*super().permute(s, perm), *self.rejoin_permuted(s, perm), s.rebuilds))

    def show_state(self, s: RebuildState) -> dict[str, Any]:  # type: ignore[override]
        """raft.tla's variables, then the three of the extension."""
        out = super().show_state(s)
        out["rejoining"] = {self.server_name(i): bool(r) for i, r in enumerate(s.rejoining)}
        out["rejoinTarget"] = {self.server_name(i): list(t) for i, t in enumerate(s.rejoinTarget)}
        out["rebuilds"] = s.rebuilds
        return out

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """The peers a rebuild reads as server names."""
        if param == "peers":
            return [self.server_name(j) for j in value]
        return super().show_param(action, param, value)


MAX_REBUILDS = Option("--max-rebuilds", "max_rebuilds", int, 1, "bound: at most MAX servers rebuilt from empty "
                      "storage in a behaviour")

register(
    SpecEntry(
        name="raft-rebuild",
        cls=RaftRebuild,
        summary="raft.tla + a server rebuilt from empty storage (cluster recover-node): vote floor and rejoin gate",
        options=(*raft_options(max_log=1), MAX_REBUILDS),
        flags=(NO_HISTORY,),
        suite=(),
    )
)

_SOURCE = "impl/raft/rejoin.py (RejoinGate, rebuilt_hard_state); docs/durability.md, 'Rebuilding a node'"


def _model(max_term: int, max_log: int = 1, **options: Any) -> dict[str, Any]:
    """A catalog model of three servers (one value, one copy and one message in flight), one rebuild."""
    return {"servers": 3, "values": 1, "max_term": max_term, "max_log": max_log, "max_copies": 1,
            "max_in_flight": 1, "max_rebuilds": 1, **options}


_QUIET_NETWORK = ("DuplicateMessage", "DropMessage", "Restart")  # left out of Next to reach the deep runs


@variant("raft-rebuild")
class RebuildWithoutGate(RaftRebuild):
    """A rebuilt server votes and campaigns at once, with its empty log."""

    variant = "rebuild-without-gate"
    rule = "Rebuild(i) leaves rejoining[i] FALSE: i votes at once (it keeps the vote floor)"
    breaks = "OneLeaderPerTerm"
    # s1 votes for itself in term 2 (a message to itself, still in flight) and is rebuilt before any peer heard
    # of term 2: the floor is 1. It times out to term 2 again, counts the old vote and s2's, leads, and then
    # grants s2 its vote in term 2 too: two leaders. (153,074 states; LeaderCompleteness, a leader elected
    # with the rebuilt server's vote on its empty log, comes later.)
    failing_bounds = _model(3, no_history=True, symmetry=True, without=_QUIET_NETWORK)
    trace_length = 19
    source = f"{_SOURCE}; tests/test_impl_sim.py test_rebuilt_nodes_do_not_vote_before_they_caught_up"

    def Gated(self) -> int:
        """No gate."""
        return 0


@variant("raft-rebuild")
class RebuildWithoutFloor(RaftRebuild):
    """A rebuilt server starts in term 1 with no vote, as a new one would."""

    variant = "rebuild-without-floor"
    rule = "Rebuild(i) sets currentTerm[i] to 1 and votedFor[i] to Nil (no vote floor)"
    breaks = "LeaderCompleteness"
    # s3 elected s2 in term 3 and is rebuilt in term 1: it takes the entry of s1, the leader of term 2 that
    # s2 deposed, and acknowledges it, so s1 commits an entry that s2, leader of term 3, lacks (393,983 states)
    failing_bounds = _model(3, no_history=True, symmetry=True, without=_QUIET_NETWORK)
    trace_length = 26
    source = f"{_SOURCE}; tests/test_impl_sim.py test_a_rebuilt_node_never_votes_again_in_a_term_it_may_have_voted_in"

    def RebuiltHardState(self, s: RebuildState, i: int, peers: tuple[int, ...]) -> tuple[int, int]:
        """raft.tla's initial term, no vote."""
        return 1, NIL


@variant("raft-rebuild")
class RebuildFloorFromTooFewPeers(RaftRebuild):
    """The vote floor is read from one peer fewer than ``n - quorum + 1``."""

    variant = "rebuild-floor-from-too-few-peers"
    rule = "Rebuild(i) takes the floor from n - quorum peers (one short of a set every quorum less i meets)"
    breaks = "LeaderCompleteness"
    # as without the floor, one step shorter: s3 reads s1's term 2 only, not s2's 3 (428,617 states)
    failing_bounds = _model(3, no_history=True, symmetry=True, without=_QUIET_NETWORK)
    trace_length = 25
    source = f"{_SOURCE}; tests/test_impl_sim.py test_the_vote_floor_needs_the_terms_of_enough_peers"

    def floor_peers(self, need: int) -> int:
        """One fewer."""
        return need - 1


