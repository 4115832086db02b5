"""MultiPaxos.tla extended with what a running Multi-Paxos store does by design, for auditing its traces.

The spec is a closed model (a fixed set of client commands, no crashes, phase 1 answered by every
reply that was ever sent); a running store serves any command, restarts, and decides on the
replies it has. Each extension is one rule, and none lets a replica vote or choose anything
Paxos forbids:

- **Commands** are the trace's values named by slot (``c1.4@7``; a leader's no-op in slot 7 is
  ``noop@7``), interned as they appear, so a client's retry in a new slot is a new command.
  ``pending`` and ``observed`` (the client's view, for Linearizability at termination) are off.
- **TakeNewRequestCmd(r, c)**: TakeNewRequest of a given command c that r holds in no slot (the
  spec takes the first pending one), into the first empty slot, as the spec does.
- **HandlePrepareRepliesFrom(r, Q)**: HandlePrepareReplies over the replies of the majority Q the
  leader heard (the spec takes every reply sent), then the gaps below the highest slot in use are
  filled with no-ops, and one more no-op is proposed after it (a leader's first proposal); every
  slot that is then Accepting gets an Accept, as in the spec.
- **Heartbeat(r, j, b)**: an Accept without slots: r follows j's ballot b (HandleAccept without a vote).
- **AckAccept(r, m)**: a slot of an Accept that r's reply covers without a new vote there: a slot r has
  compacted (its vote is gone from r's log, so r acknowledges the leader's command as it stands) or one
  where r already voted for that command in that ballot. It is HandleAccept where the spec enables it,
  else nothing new if r voted so and its AcceptReply is already sent; any other case is refused.
- **LearnChosen(r, slot, c, vb)**: r takes a command chosen in that slot (a majority sent
  AcceptReplies for an Accept of it in one ballot) as its vote (ballot vb, with the AcceptReply
  such a vote answers) and may then commit it by the CommitNotice: catch-up of a lagging replica.
  A vote for the chosen command in any ballot keeps every later phase 1 choosing it.
- **HandleCommitNotice(r)**: the spec's, and the next slot may also be Preparing if r's vote there is
  for the command chosen in it. A replica that heard a slot chosen (a commit point in its vote's ballot)
  behind a gap keeps knowing it when it promises a new ballot (which sends that vote back to Preparing),
  and commits through it once a Learn or a snapshot fills the gap. Safe: the command is chosen.
- **RaiseBallot(r, b)**: a rejection names a higher ballot b: r promises it (a HandlePrepare with no reply).
- **StepDown(r)**: a leader that did not hear from a majority stops leading.
- **Restart(r)**: r crashes and recovers its durable promise and votes (its commit point is 0 again).
- **ConfirmRead(r, Q)**: a leader answers a read outside the log after a majority Q confirmed its
  ballot (the store's reads; the spec's reads go through the log): a stuttering step.
- **CompactLog(r, n)**: r folds the commands of slots 1..n into a snapshot of its state machine; only
  committed slots may be (``n <= commitUpTo``). The spec keeps the votes (as spec/raft_snapshot.py keeps
  the log): what the snapshot holds is exactly those slots' commands. A stuttering step.
- **InstallSnapshot(r, n)**: r takes a snapshot through slot n, sent by a peer (a SnapshotInstall, or
  inside a PrepareReply) or read back from its own disk at a restart: every slot up to n must hold a
  chosen command, which r commits (commitUpTo := n). A snapshot not past r's commit point changes
  nothing, as the store ignores it.

- **Rebuild(r, p0, read)**: r's storage is lost and rebuilt (`cluster recover-node`, spec/multipaxos_rebuild.py):
  nothing voted, committed or led, promise p0, which must be above every ballot in ``read``, the promises read from
  every other replica (each at most what that replica has promised by now). r is then *rejoining* (``pc[r]`` is
  REJOINING): it neither promises (HandlePrepare, Heartbeat, RaiseBallot) nor votes (HandleAccept, AckAccept) nor
  leads (BecomeLeader); it learns, commits, restarts (still rejoining) and installs snapshots.
- **RejoinAccept(r)**: rejoining r answers an Accept with its commit point only (a stuttering step).
- **Resume(r, ld, b, h)**: rejoining r resumes after ld's ballot b, at least its promise: ld proposed its phase-1
  no-op of ballot b in slot h (the highest no-op slot of an Accept of b from ld), and r has committed up to h. r
  then promises b and follows ld.

Ballots are the implementation's own numbers (enumerated from those seen so far).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from spec.core import action
from spec.multipaxos import (
    ACCEPT,
    ACCEPT_REPLY,
    ACCEPTING,
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
    PREPARE_REPLY,
    PREPARING,
    RLOOP,
    MultiPaxos,
    MultiPaxosState,
    _reset_accepting,
)
from spec.values import EXCEPT

REJOINING = 2  # pc of a replica rebuilt from empty storage, until its Resume


class MultiPaxosImpl(MultiPaxos):
    """MultiPaxos.tla with the extensions of a running store (module docstring)."""

    name = "multipaxos"

    def __init__(self, replicas: int, slots: int, names: list[str]) -> None:
        # the constructor's small-model limits do not apply: set the constants directly
        self.Replicas = tuple(range(replicas))
        self.Writes: tuple[int, ...] = ()  # the store's commands do not drive the spec's one key
        self.names = names  # command number -> name, shared with the mapping, which appends as it interns
        self.Reads = ()
        self.Commands = ()
        self.NumCommands = slots
        self.MaxBallot = 1 << 40
        self.Ballots = ()
        self.known_ballots: set[int] = set()
        self.Slots = tuple(range(1, slots + 1))
        self.MajorityNum = replicas // 2 + 1
        self._terminated_seen = (None, False)
        self._command_set = frozenset()
        self._cmd_or_nil = frozenset({NIL})
        self._typed: dict[Any, bool] = {}
        self.noop = lambda slot: NIL  # set by the mapping: the command number of the no-op in a slot
        super(MultiPaxos, self).__init__()

    def init_states(self) -> Iterator[MultiPaxosState]:
        """Every node NullNode, no message, nothing pending (commands arrive with the trace)."""
        null_node = (NIL, NIL, 0, 0, 0, (NULL_INST,) * self.NumCommands)
        n = len(self.Replicas)
        yield MultiPaxosState(frozenset(), (null_node,) * n, (), (), (0,) * n)

    def bounds(self) -> dict[str, Any]:
        """Replicas and the slots the audit has room for."""
        return {"replicas": len(self.Replicas), "slots": self.NumCommands}

    def _observe(self, observed: tuple, e: tuple) -> tuple:
        return observed  # the client's history is not traced here

    def cmd_name(self, c: int) -> str:
        """The trace's value and slot, ``c1.4@7``."""
        return "nil" if c == NIL else self.names[c]

    def _ballots(self, s: MultiPaxosState) -> list[int]:
        """The ballots seen so far. It takes the state, unused, so that the enumerators calling it name theirs:
        one that never does is taken once (docs/fast-specs.md), and these ballots grow as the audit decodes."""
        return sorted(self.known_ballots)

    def _running(self, s: MultiPaxosState, r: int) -> bool:
        """The spec's guard, a rejoining replica included (the actions it may not take say so)."""
        return s.pc[r] in (RLOOP, REJOINING) and not self.terminated(s)

    # -- the extensions ---------------------------------------------------------------------------
    @action(params=lambda self, s: ((r, b) for r in self.Replicas for b in self._ballots(s)))
    def BecomeLeader(self, s: MultiPaxosState, r: int, b: int) -> MultiPaxosState | None:
        """The spec's BecomeLeader; a replica already leading in its own view may also start a higher ballot."""
        if s.pc[r] == REJOINING:
            return None
        n = s.node[r]
        if n[LEADER] == r:
            s = s._replace(node=EXCEPT(s.node, r, (NIL, *n[1:])))
        return super().BecomeLeader(s, r, b)

    @action(params=lambda self, s: ((r, frozenset(self.Replicas)) for r in self.Replicas))
    def HandlePrepareRepliesFrom(self, s: MultiPaxosState, r: int, q: frozenset[int]) -> MultiPaxosState | None:
        """HandlePrepareReplies over the replies of majority q, gaps filled with no-ops, one more no-op after."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] != r or n[BAL_PREPARED] != 0 or len(q) < self.MajorityNum:
            return None
        bal = n[BAL_MAX_KNOWN]
        prs = [m for m in s.msgs if m[0] == PREPARE_REPLY and m[2] == bal and m[1] in q]
        if len({m[1] for m in prs}) < len(q):
            return None
        insts = list(self._adopt_all(n, prs))
        top = max((k + 1 for k, i in enumerate(insts) if i[0] != EMPTY), default=0)
        if top >= self.NumCommands:
            return None
        for k in range(n[COMMIT_UP_TO], top + 1):
            if insts[k][0] == EMPTY:
                insts[k] = (ACCEPTING, self.noop(k + 1), insts[k][2], insts[k][3])
        return self._prepared_with(s, r, tuple(insts))

    @action(params=lambda self, s: ())
    def TakeNewRequestCmd(self, s: MultiPaxosState, r: int, c: int) -> MultiPaxosState | None:
        """Prepared leader r proposes command c, which it holds in no slot, in its first empty slot."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] != r or not self._prepared(n):
            return None
        insts = n[INSTS]
        if any(i[1] == c for i in insts):
            return None
        empty = next((k for k, i in enumerate(insts) if i[0] == EMPTY), None)
        return None if empty is None else self._propose(s, r, empty, c)

    def HandlePrepare(self, s: MultiPaxosState, r: int, m: tuple) -> MultiPaxosState | None:
        """The spec's, not by a rejoining replica."""
        return None if s.pc[r] == REJOINING else super().HandlePrepare(s, r, m)

    def HandleAccept(self, s: MultiPaxosState, r: int, m: tuple) -> MultiPaxosState | None:
        """The spec's, not by a rejoining replica."""
        return None if s.pc[r] == REJOINING else super().HandleAccept(s, r, m)

    @action(params=lambda self, s: ((r, j, b) for r in self.Replicas for j in self.Replicas for b in self._ballots(s)))
    def Heartbeat(self, s: MultiPaxosState, r: int, j: int, b: int) -> MultiPaxosState | None:
        """r follows j's ballot b on an Accept without slots."""
        n = s.node[r]
        if not self._running(s, r) or s.pc[r] == REJOINING or b < n[BAL_MAX_KNOWN]:
            return None
        return s._replace(node=EXCEPT(s.node, r, (j, n[KVALUE], n[COMMIT_UP_TO], n[BAL_PREPARED], b, n[INSTS])))

    @action(params=lambda self, s: ())
    def AckAccept(self, s: MultiPaxosState, r: int, m: tuple) -> MultiPaxosState | None:
        """r's reply acknowledges slot m.slot without a new vote in its log (module docstring)."""
        voted = self.HandleAccept(s, r, m)
        if voted is not None:
            return voted
        if not self._running(s, r) or s.pc[r] == REJOINING or m not in s.msgs:
            return None
        _, _, bal, slot, cmd = m
        inst = s.node[r][INSTS][slot - 1]
        same = inst[2] == bal and inst[3] == cmd and (ACCEPT_REPLY, r, bal, slot) in s.msgs
        return s if same and bal >= s.node[r][BAL_MAX_KNOWN] else None

    def chosen(self, s: MultiPaxosState) -> set[tuple[int, int]]:
        """(slot, command) pairs chosen: a majority sent an AcceptReply for an Accept of that command in one ballot."""
        replies: dict[tuple[int, int], int] = {}
        for m in s.msgs:
            if m[0] == ACCEPT_REPLY:
                replies[(m[2], m[3])] = replies.get((m[2], m[3]), 0) + 1
        return {(m[3], m[4]) for m in s.msgs if m[0] == ACCEPT and replies.get((m[2], m[3]), 0) >= self.MajorityNum}

    @action(params=lambda self, s: ((r, slot, c, b) for r in self.Replicas for slot, c in sorted(self.chosen(s))
                                    for b in self._ballots(s)))
    def LearnChosen(self, s: MultiPaxosState, r: int, slot: int, c: int, vb: int) -> MultiPaxosState | None:
        """r takes a command chosen in ``slot`` as its vote there (ballot vb)."""
        n = s.node[r]
        if not self._running(s, r) or slot <= n[COMMIT_UP_TO] or (slot, c) not in self.chosen(s):
            return None
        node = n[:INSTS] + (EXCEPT(n[INSTS], slot - 1, (ACCEPTING, c, vb, c)),)
        return s._replace(msgs=s.msgs | {(ACCEPT_REPLY, r, vb, slot)}, node=EXCEPT(s.node, r, node))

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def HandleCommitNotice(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """The spec's HandleCommitNotice; the next slot may also be Preparing if r's vote there is for the command
        chosen in it (a promise since sent it back to Preparing, but it stays chosen: the store commits it)."""
        t = super().HandleCommitNotice(s, r)
        n = s.node[r]
        up = n[COMMIT_UP_TO]
        if t is not None or not self._running(s, r) or up >= self.NumCommands:
            return t
        i = n[INSTS][up]
        if i[0] != PREPARING or not i[2] or i[1] != i[3] or (up + 1, i[3]) not in self.chosen(s):
            return None
        node = n[:INSTS] + (EXCEPT(n[INSTS], up, (ACCEPTING, *i[1:])),)
        return super().HandleCommitNotice(s._replace(node=EXCEPT(s.node, r, node)), r)

    @action(params=lambda self, s: ((r, b) for r in self.Replicas for b in self._ballots(s)))
    def RaiseBallot(self, s: MultiPaxosState, r: int, b: int) -> MultiPaxosState | None:
        """r learns of a higher ballot from a rejection and promises it."""
        n = s.node[r]
        if not self._running(s, r) or s.pc[r] == REJOINING or b <= n[BAL_MAX_KNOWN]:
            return None
        node = (NIL, n[KVALUE], n[COMMIT_UP_TO], n[BAL_PREPARED], b, _reset_accepting(n[INSTS]))
        return s._replace(node=EXCEPT(s.node, r, node))

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def StepDown(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """Leader r stops leading."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] != r:
            return None
        return s._replace(node=EXCEPT(s.node, r, (NIL, *n[1:])))

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def Restart(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """r recovers its promise and its votes; it leads no one and has committed nothing."""
        n = s.node[r]
        if not self._running(s, r):
            return None
        insts = tuple((ACCEPTING, i[3], i[2], i[3]) if i[2] else NULL_INST for i in n[INSTS])
        return s._replace(node=EXCEPT(s.node, r, (NIL, NIL, 0, 0, n[BAL_MAX_KNOWN], insts)))

    @action(params=lambda self, s: ())
    def CompactLog(self, s: MultiPaxosState, r: int, n: int) -> MultiPaxosState | None:
        """r compacts slots 1..n, all committed at r (a stuttering step)."""
        if not self._running(s, r) or not 0 < n <= s.node[r][COMMIT_UP_TO]:
            return None
        return s

    @action(params=lambda self, s: ())
    def InstallSnapshot(self, s: MultiPaxosState, r: int, n: int) -> MultiPaxosState | None:
        """r commits the chosen commands of slots up to n from a snapshot (nothing if n is not past its commit)."""
        node = s.node[r]
        if not self._running(s, r):
            return None
        up = node[COMMIT_UP_TO]
        if n <= up:
            return s
        if n > self.NumCommands:
            return None
        chosen = dict(sorted(self.chosen(s)))
        insts = list(node[INSTS])
        for k in range(up + 1, n + 1):
            if k not in chosen:
                return None  # a snapshot of a slot nothing was chosen in
            i = insts[k - 1]
            insts[k - 1] = (COMMITTED, chosen[k], i[2], i[3])
        new = (node[LEADER], node[KVALUE], n, node[BAL_PREPARED], node[BAL_MAX_KNOWN], tuple(insts))
        return s._replace(node=EXCEPT(s.node, r, new))

    @action(params=lambda self, s: ((r, frozenset(self.Replicas)) for r in self.Replicas))
    def ConfirmRead(self, s: MultiPaxosState, r: int, q: frozenset[int]) -> MultiPaxosState | None:
        """Prepared leader r answers a read after a majority q confirmed its ballot (a stuttering step)."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] != r or not self._prepared(n) or len(q) < self.MajorityNum:
            return None
        return s

    # -- a replica rebuilt from empty storage (spec/multipaxos_rebuild.py's rule) -------------------------------------
    @action(params=lambda self, s: ())
    def Rebuild(self, s: MultiPaxosState, r: int, p0: int, read: tuple[tuple[int, int], ...]) -> MultiPaxosState | None:
        """r is rebuilt empty with promise p0, above the promises ``read`` of every other replica: rejoining."""
        if sorted(j for j, _ in read) != [j for j in self.Replicas if j != r]:
            return None  # not every other replica's promise: too few to know what r may have promised
        if any(b > s.node[j][BAL_MAX_KNOWN] for j, b in read) or p0 <= max((b for _, b in read), default=0):
            return None
        node = (NIL, NIL, 0, 0, p0, (NULL_INST,) * self.NumCommands)
        return s._replace(node=EXCEPT(s.node, r, node), pc=EXCEPT(s.pc, r, REJOINING))

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def RejoinAccept(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """Rejoining r answers an Accept with its commit point, voting nothing (a stuttering step)."""
        return s if s.pc[r] == REJOINING else None

    def horizon(self, s: MultiPaxosState, ld: int, b: int) -> int:
        """The slot of leader ld's phase-1 no-op in ballot b: its highest no-op slot in an Accept of b (0: none)."""
        return max((m[3] for m in s.msgs if m[0] == ACCEPT and m[1] == ld and m[2] == b and m[4] == self.noop(m[3])),
                   default=0)

    @action(params=lambda self, s: ())
    def Resume(self, s: MultiPaxosState, r: int, ld: int, b: int, h: int) -> MultiPaxosState | None:
        """Rejoining r, committed up to the horizon h of ld's ballot b (at least r's promise), promises b."""
        n = s.node[r]
        if s.pc[r] != REJOINING or b < n[BAL_MAX_KNOWN] or not h or self.horizon(s, ld, b) != h \
                or n[COMMIT_UP_TO] < h:
            return None
        node = (ld, n[KVALUE], n[COMMIT_UP_TO], 0, b, n[INSTS])
        return s._replace(node=EXCEPT(s.node, r, node), pc=EXCEPT(s.pc, r, RLOOP))
