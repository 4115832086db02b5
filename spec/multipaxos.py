"""Multi-Paxos state-machine replication, as ``MultiPaxos.tla`` (tlaplus/Examples, specifications/MultiPaxos-SMR).

The TLA+ text is PlusCal: one process per replica whose loop body is a choice among seven
macros.  Each macro is one action here, named as in the text, with the replica ``r`` as its
first parameter; ``Finish(r)`` is the loop's exit once the run has terminated and
``Terminating`` the stuttering step the translation adds when every replica is done.

Constants: ``Replicas`` (0..n-1), ``Writes`` (commands 0..W-1, each writing its own value),
``Reads`` (commands W..W+R-1) and ``MaxBallot`` (ballots 1..MaxBallot).  ``"nil"`` and
``"none"`` are -1.  The client sees ``observed``: request and acknowledgement events in the
order they happened; ``Linearizability`` (MultiPaxos_MC.tla) asks, once every command was
acknowledged, for an order of the commands that explains every acknowledged result and
respects real time.

Encoding (all small ints, so hashes are the same in every process):
- a node is ``(leader, kvalue, commitUpTo, balPrepared, balMaxKnown, insts)`` with ``insts`` a
  tuple over slots 1..NumCommands of ``(status, cmd, voted_bal, voted_cmd)``;
- messages are tuples whose first field is the type: ``(PREPARE, src, bal)``,
  ``(PREPARE_REPLY, src, bal, votes)`` with ``votes`` a tuple of ``(bal, cmd)`` per slot,
  ``(ACCEPT, src, bal, slot, cmd)``, ``(ACCEPT_REPLY, src, bal, slot)``, ``(COMMIT_NOTICE, upto)``;
- an event is ``(REQ, cmd)`` or ``(ACK, cmd, val)``; ``pc`` is 0 (``rloop``) or 1 (``Done``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final, NamedTuple

from spec.core import Spec, SpecError, action, invariant
from spec.values import EXCEPT

NIL = -1
EMPTY, PREPARING, ACCEPTING, COMMITTED = 0, 1, 2, 3
STATUSES = ("Empty", "Preparing", "Accepting", "Committed")
PREPARE, PREPARE_REPLY, ACCEPT, ACCEPT_REPLY, COMMIT_NOTICE = 0, 1, 2, 3, 4
MSG_TYPES = ("Prepare", "PrepareReply", "Accept", "AcceptReply", "CommitNotice")
REQ, ACK = 0, 1
RLOOP, DONE = 0, 1

#: NullInst: status Empty, no command, no vote.
NULL_INST = (EMPTY, NIL, 0, NIL)

Inst = tuple[int, int, int, int]
Node = tuple[int, int, int, int, int, tuple[Inst, ...]]
# a Node's fields by position (Final: so that n[INSTS] is known to be the insts, n[LEADER] an int)
LEADER: Final = 0
KVALUE: Final = 1
COMMIT_UP_TO: Final = 2
BAL_PREPARED: Final = 3
BAL_MAX_KNOWN: Final = 4
INSTS: Final = 5


class MultiPaxosState(NamedTuple):
    """One state of MultiPaxos.tla: its five variables."""

    msgs: frozenset[tuple[Any, ...]]
    node: tuple[Node, ...]
    pending: tuple[int, ...]
    observed: tuple[tuple[int, ...], ...]
    pc: tuple[int, ...]


def _reset_accepting(insts: tuple[Inst, ...]) -> tuple[Inst, ...]:
    """Every Accepting instance goes back to Preparing (a new ballot begins)."""
    return tuple((PREPARING, *i[1:]) if i[0] == ACCEPTING else i for i in insts)


def _votes(insts: tuple[Inst, ...]) -> tuple[tuple[int, int], ...]:
    """VotesByNode: per slot, the ballot and command of the node's vote."""
    return tuple((i[2], i[3]) for i in insts)


class MultiPaxos(Spec):
    """MultiPaxos.tla: a practical SMR-style Multi-Paxos with client write and read commands on one key."""

    canonical_order = False  # enumerators iterate tuples and ranges, or sets of small-int tuples built alike

    name = "multipaxos"
    variables = ("msgs", "node", "pending", "observed", "pc")

    def __init__(self, replicas: int = 3, writes: int = 1, reads: int = 1, max_ballot: int = 2) -> None:
        for what, val, low in (("replicas", replicas, 1), ("writes", writes, 1), ("reads", reads, 0),
                               ("max-ballot", max_ballot, 2)):
            if not isinstance(val, int) or val < low:
                raise SpecError(f"multipaxos: --{what} must be an integer >= {low}, got {val!r}")
        if replicas > 7 or writes + reads > 6 or max_ballot > 9:
            raise SpecError(
                "multipaxos: the model is too large to explore (at most 7 replicas, 6 commands, max-ballot 9); "
                f"got {replicas} replicas, {writes + reads} commands, max-ballot {max_ballot}"
            )
        self.Replicas = tuple(range(replicas))
        self.Writes = tuple(range(writes))
        self.Reads = tuple(range(writes, writes + reads))
        self.Commands = self.Writes + self.Reads
        self.NumCommands = len(self.Commands)
        self.MaxBallot = max_ballot
        self.Ballots = tuple(range(1, max_ballot + 1))
        self.Slots = tuple(range(1, self.NumCommands + 1))
        self.MajorityNum = replicas // 2 + 1
        self._terminated_seen: tuple[Any, bool] = (None, False)
        self._command_set = frozenset(self.Commands)
        self._cmd_or_nil = self._command_set | {NIL}
        self._typed: dict[Any, bool] = {}  # node or message value -> well typed
        super().__init__()

    # -- Init ------------------------------------------------------------------
    def init_states(self) -> Iterator[MultiPaxosState]:
        """No message, every node NullNode, the writes then the reads pending (InitPending), nothing observed."""
        null_node = (NIL, NIL, 0, 0, 0, (NULL_INST,) * self.NumCommands)
        n = len(self.Replicas)
        yield MultiPaxosState(frozenset(), (null_node,) * n, self.Commands, (), (RLOOP,) * n)

    # -- definitions -------------------------------------------------------------
    def terminated(self, s: MultiPaxosState) -> bool:
        """No command pending, every command requested and acknowledged."""
        if s.pending:
            return False
        seen = self._terminated_seen  # successors share ``observed``: remember the last answer by identity
        if seen[0] is s.observed:
            return seen[1]
        reqs = {e[1] for e in s.observed if e[0] == REQ}
        acks = {e[1] for e in s.observed if e[0] == ACK}
        done = len(reqs) == self.NumCommands and len(acks) == self.NumCommands
        self._terminated_seen = (s.observed, done)
        return done

    def _running(self, s: MultiPaxosState, r: int) -> bool:
        """The guard of every loop action: ``pc[r] = "rloop"`` and the run has not terminated."""
        return s.pc[r] == RLOOP and not self.terminated(s)

    def peak_voted_cmd(self, prs: Sequence[tuple], slot_index: int) -> int:
        """PeakVotedCmd: the command of the highest-ballot vote the replies report for the slot, or nil."""
        best_bal, best_cmd = 0, NIL
        for pr in prs:
            bal, cmd = pr[3][slot_index]
            if bal > best_bal or (bal == best_bal and bal > 0 and cmd < best_cmd):
                best_bal, best_cmd = bal, cmd
        return best_cmd

    def _observe(self, observed: tuple, e: tuple) -> tuple:
        return observed if e in observed else observed + (e,)

    # -- the replica's loop body -------------------------------------------------
    @action(params=lambda self, s: ((r, b) for r in self.Replicas for b in self.Ballots))
    def BecomeLeader(self, s: MultiPaxosState, r: int, b: int) -> MultiPaxosState | None:
        """Replica r, not the leader, takes a ballot b above any it knows and no one has used, and prepares it."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] == r or not b > n[BAL_MAX_KNOWN]:
            return None
        if any(m[0] == PREPARE and m[2] == b for m in s.msgs):
            return None  # ballots of different proposers are unique
        insts = _reset_accepting(n[INSTS])
        node = EXCEPT(s.node, r, (r, n[KVALUE], n[COMMIT_UP_TO], 0, b, insts))
        msgs = s.msgs | {(PREPARE, r, b), (PREPARE_REPLY, r, b, _votes(insts))}
        return MultiPaxosState(msgs, node, s.pending, s.observed, s.pc)

    @action(params=lambda self, s: ((r, m) for r in self.Replicas for m in s.msgs if m[0] == PREPARE))
    def HandlePrepare(self, s: MultiPaxosState, r: int, m: tuple) -> MultiPaxosState | None:
        """Replica r answers a Prepare of a ballot above any it knows: follows its sender and reports its votes."""
        n = s.node[r]
        if not self._running(s, r) or m[0] != PREPARE or m not in s.msgs or not m[2] > n[BAL_MAX_KNOWN]:
            return None
        insts = _reset_accepting(n[INSTS])
        node = EXCEPT(s.node, r, (m[1], n[KVALUE], n[COMMIT_UP_TO], n[BAL_PREPARED], m[2], insts))
        msgs = s.msgs | {(PREPARE_REPLY, r, m[2], self._reported(insts))}
        return MultiPaxosState(msgs, node, s.pending, s.observed, s.pc)

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def HandlePrepareReplies(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """Leader r, with a majority of PrepareReplies for its ballot, adopts the highest vote in each slot
        and sends Accept for every slot that now has a command to re-propose."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] != r or n[BAL_PREPARED] != 0:
            return None
        bal = n[BAL_MAX_KNOWN]
        prs = [m for m in s.msgs if m[0] == PREPARE_REPLY and m[2] == bal]
        if len(prs) < self.MajorityNum:
            return None
        return self._prepared_with(s, r, self._adopt_all(n, prs))

    def _adopt_all(self, n: Node, prs: Sequence[tuple]) -> tuple[Inst, ...]:
        """The leader's instances once its ballot is prepared by the replies ``prs``."""
        insts = []
        for k, inst in enumerate(n[INSTS]):
            status, cmd = self._adopt(inst, self.peak_voted_cmd(prs, k))
            insts.append((status, cmd, inst[2], inst[3]))
        return tuple(insts)

    def _prepared_with(self, s: MultiPaxosState, r: int, insts: tuple[Inst, ...]) -> MultiPaxosState:
        """Leader r's ballot is prepared with these instances: Accept every slot that is Accepting."""
        n = s.node[r]
        bal = n[BAL_MAX_KNOWN]
        node = EXCEPT(s.node, r, (r, n[KVALUE], n[COMMIT_UP_TO], bal, bal, insts))
        accepts = {(ACCEPT, r, bal, k + 1, i[1]) for k, i in enumerate(insts) if i[0] == ACCEPTING}
        return MultiPaxosState(s.msgs | accepts, node, s.pending, s.observed, s.pc)

    def _adopt(self, own: Inst, peak: int) -> tuple[int, int]:
        """The status and command of a slot once the ballot is prepared: a slot in progress, or one where
        the replies report a vote, is Accepting again with the highest-ballot command (nil if none)."""
        status = own[0]
        if status == PREPARING or (status == EMPTY and peak != NIL):
            status = ACCEPTING
        return status, peak

    def _reported(self, insts: tuple[Inst, ...]) -> tuple[tuple[int, int], ...]:
        """The votes a PrepareReply reports: VotesByNode, every slot's."""
        return _votes(insts)

    def _prepared(self, n: Node) -> bool:
        """Whether leader ``n`` may propose new commands: its ballot has finished phase 1."""
        return n[BAL_PREPARED] == n[BAL_MAX_KNOWN]

    def _proposal_ballot(self, n: Node) -> int:
        """The ballot a leader proposes new commands in: the one it prepared."""
        return n[BAL_PREPARED]

    def _commit_quorum(self) -> int:
        """How many AcceptReplies commit a slot: a majority."""
        return self.MajorityNum

    def unseen_pending(self, insts: tuple[Inst, ...], pending: tuple[int, ...]) -> tuple[int, ...]:
        """UnseenPending: the pending commands not yet in any slot of these instances."""
        seen = {i[1] for i in insts}
        return tuple(c for c in pending if c not in seen)

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def TakeNewRequest(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """Prepared leader r puts the first unseen pending command into its first empty slot and sends Accept."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] != r or not self._prepared(n):
            return None
        insts = n[INSTS]
        empty = [k for k, i in enumerate(insts) if i[0] == EMPTY]
        unseen = self.unseen_pending(insts, s.pending)
        if not empty or not unseen:
            return None
        return self._propose(s, r, empty[0], unseen[0])

    def _propose(self, s: MultiPaxosState, r: int, k: int, c: int) -> MultiPaxosState:
        """Leader r proposes command c in slot k + 1, voting for it itself."""
        n = s.node[r]
        bal = self._proposal_ballot(n)
        node = EXCEPT(s.node, r, n[:INSTS] + (EXCEPT(n[INSTS], k, (ACCEPTING, c, bal, c)),))
        msgs = s.msgs | {(ACCEPT, r, bal, k + 1, c), (ACCEPT_REPLY, r, bal, k + 1)}
        return MultiPaxosState(msgs, node, s.pending, self._observe(s.observed, (REQ, c)), s.pc)

    @action(params=lambda self, s: ((r, m) for r in self.Replicas for m in s.msgs if m[0] == ACCEPT))
    def HandleAccept(self, s: MultiPaxosState, r: int, m: tuple) -> MultiPaxosState | None:
        """Replica r votes for an Accept whose ballot is at least any it knows and above its vote in that slot."""
        n = s.node[r]
        if not self._running(s, r) or m[0] != ACCEPT or m not in s.msgs:
            return None
        _, src, bal, slot, cmd = m
        insts = n[INSTS]
        if not (bal >= n[BAL_MAX_KNOWN] and bal > insts[slot - 1][2]):
            return None
        node = EXCEPT(s.node, r, (src, n[KVALUE], n[COMMIT_UP_TO], n[BAL_PREPARED], bal,
                                EXCEPT(insts, slot - 1, (ACCEPTING, cmd, bal, cmd))))
        msgs = s.msgs | {(ACCEPT_REPLY, r, bal, slot)}
        return MultiPaxosState(msgs, node, s.pending, s.observed, s.pc)

    def _next_accepting(self, n: Node) -> int | None:
        """The slot after commitUpTo, if it is Accepting (the only slot the commit actions consider)."""
        up = n[COMMIT_UP_TO]
        if up < self.NumCommands and n[INSTS][up][0] == ACCEPTING:
            return up + 1
        return None

    def _commit(self, n: Node, slot: int) -> Node:
        """Mark the slot Committed, advance commitUpTo, apply the command to the key's value."""
        inst = n[INSTS][slot - 1]
        c = inst[1]
        kvalue = c if c in self.Writes else n[KVALUE]
        return (n[LEADER], kvalue, slot, n[BAL_PREPARED], n[BAL_MAX_KNOWN],
                EXCEPT(n[INSTS], slot - 1, (COMMITTED, *inst[1:])))

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def HandleAcceptReplies(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """Prepared leader r commits the next slot once a majority accepted it in its ballot, and acknowledges
        the client with the key's previous value."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] != r or n[BAL_PREPARED] != n[BAL_MAX_KNOWN]:
            return None
        slot = self._next_accepting(n)
        if slot is None:
            return None
        bal = n[BAL_PREPARED]
        ars = sum(1 for m in s.msgs if m[0] == ACCEPT_REPLY and m[3] == slot and m[2] == bal)
        if ars < self._commit_quorum():
            return None
        c, v = n[INSTS][slot - 1][1], n[KVALUE]
        node = EXCEPT(s.node, r, self._commit(n, slot))
        pending = tuple(x for x in s.pending if x != c)
        observed = self._observe(s.observed, (ACK, c, v))
        return MultiPaxosState(s.msgs | {(COMMIT_NOTICE, slot)}, node, pending, observed, s.pc)

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def HandleCommitNotice(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """Follower r commits the next slot when a CommitNotice for it has been sent."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] == r:
            return None
        slot = self._next_accepting(n)
        if slot is None or (COMMIT_NOTICE, slot) not in s.msgs:
            return None
        return MultiPaxosState(s.msgs, EXCEPT(s.node, r, self._commit(n, slot)), s.pending, s.observed, s.pc)

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def Finish(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """Replica r leaves its loop once the run has terminated (``pc[r]`` becomes ``Done``)."""
        if s.pc[r] != RLOOP or not self.terminated(s):
            return None
        return MultiPaxosState(s.msgs, s.node, s.pending, s.observed, EXCEPT(s.pc, r, DONE))

    @action()
    def Terminating(self, s: MultiPaxosState) -> MultiPaxosState | None:
        """Every replica is done: stutter forever (the translation's guard against a false deadlock)."""
        return s if all(p == DONE for p in s.pc) else None

    # -- invariants (MultiPaxos_MC.tla) -------------------------------------------
    @invariant
    def TypeOK(self, s: MultiPaxosState) -> bool:
        """MultiPaxos_MC's TypeOK: messages in Messages, nodes in NodeStates, client sequences without repeats."""
        nc, commands = self.NumCommands, self._command_set
        if len(s.pending) > nc or len(set(s.pending)) != len(s.pending) or not commands.issuperset(s.pending):
            return False
        if len(s.observed) > 2 * nc or len(set(s.observed)) != len(s.observed):
            return False
        if not all(map(self._event_ok, s.observed)):
            return False
        if len({e[1] for e in s.observed if e[0] == REQ}) < len({e[1] for e in s.observed if e[0] == ACK}):
            return False
        return all(map(self._node_ok, s.node)) and all(map(self._message_ok, s.msgs))

    def _event_ok(self, e: tuple) -> bool:
        """ClientEvents: a request names a command; an acknowledgement a command and nil or a write."""
        if e[1] not in self._command_set:
            return False
        return e[0] == REQ or e[2] == NIL or e[2] in self.Writes

    def _node_ok(self, n: Node) -> bool:
        """NodeStates, remembered per node value (successors share most of them)."""
        ok = self._typed.get(n)
        if ok is None:
            cmd_or_nil, bal_or_0 = self._cmd_or_nil, range(self.MaxBallot + 1)
            ok = (
                (n[LEADER] == NIL or n[LEADER] in self.Replicas)
                and (n[KVALUE] == NIL or n[KVALUE] in self.Writes)
                and 0 <= n[COMMIT_UP_TO] <= self.NumCommands
                and n[BAL_PREPARED] in bal_or_0
                and n[BAL_MAX_KNOWN] in bal_or_0
                and len(n[INSTS]) == self.NumCommands
                and all(0 <= i[0] <= COMMITTED and i[1] in cmd_or_nil and i[2] in bal_or_0 and i[3] in cmd_or_nil
                        for i in n[INSTS])
            )
            self._typed[n] = ok
        return ok

    def _message_ok(self, m: tuple) -> bool:
        """Messages: every field of its type in range (an Accept carries a command, never nil)."""
        ok = self._typed.get(m)
        if ok is None:
            t, slots, bals = m[0], self.Slots, self.Ballots
            if t == COMMIT_NOTICE:
                ok = m[1] in slots
            else:
                ok = m[1] in self.Replicas and m[2] in bals
                if t == PREPARE_REPLY:
                    ok = ok and len(m[3]) == self.NumCommands and all(
                        b in range(self.MaxBallot + 1) and c in self._cmd_or_nil for b, c in m[3])
                elif t == ACCEPT:
                    ok = ok and m[3] in slots and m[4] in self._command_set
                elif t == ACCEPT_REPLY:
                    ok = ok and m[3] in slots
            self._typed[m] = ok
        return ok

    def linear_orders(self, s: MultiPaxosState) -> Iterator[tuple[int, ...]]:
        """Every order of the commands that is a linear order for the observed results and obeys real time."""
        first: dict[tuple[int, int], int] = {}
        for i, e in enumerate(s.observed):
            first.setdefault((e[0], e[1]), i)
        result = {e[1]: e[2] for e in reversed(s.observed) if e[0] == ACK}  # the first Ack's value
        writes = set(self.Writes)
        for order in itertools.permutations(self.Commands):
            last_write = NIL
            ok = True
            for c in order:
                if result.get(c) != last_write:
                    ok = False
                    break
                if c in writes:
                    last_write = c
            if not ok:
                continue
            idx = {c: j for j, c in enumerate(order)}
            if all(idx[c1] < idx[c2] for c1 in self.Commands for c2 in self.Commands
                   if first[(ACK, c1)] < first[(REQ, c2)]):
                yield order

    @invariant
    def Linearizability(self, s: MultiPaxosState) -> bool:
        """Once terminated, some order of the commands explains every acknowledged result and respects real time."""
        if not self.terminated(s):
            return True
        return next(self.linear_orders(s), None) is not None

    # -- symmetry (MultiPaxos_MC's SymmetricPerms, when each set's permutations form the group) --------
    def symmetric_sets(self) -> Mapping[str, int]:
        """Replicas, writes and reads are each interchangeable."""
        return {"Replica": len(self.Replicas), "Write": len(self.Writes), "Read": len(self.Reads)}

    def permute(self, s: MultiPaxosState, perm: Mapping[str, Sequence[int]]) -> MultiPaxosState:
        """Rename replicas and commands throughout the state."""
        pr = tuple(perm.get("Replica", self.Replicas)) + (NIL,)
        w = len(self.Writes)
        pw = tuple(perm.get("Write", range(w)))
        prd = tuple(w + x for x in perm.get("Read", range(len(self.Reads))))
        pc = pw + prd + (NIL,)  # index -1: nil stays nil

        def inst(i: Inst) -> Inst:
            return (i[0], pc[i[1]], i[2], pc[i[3]])

        def msg(m: tuple) -> tuple:
            t = m[0]
            if t == PREPARE:
                return (PREPARE, pr[m[1]], m[2])
            if t == PREPARE_REPLY:
                return (PREPARE_REPLY, pr[m[1]], m[2], tuple((b, pc[c]) for b, c in m[3]))
            if t == ACCEPT:
                return (ACCEPT, pr[m[1]], m[2], m[3], pc[m[4]])
            if t == ACCEPT_REPLY:
                return (ACCEPT_REPLY, pr[m[1]], m[2], m[3])
            return m

        n = len(self.Replicas)
        node: list[Node | None] = [None] * n
        pcs = [0] * n
        for r in range(n):
            x = s.node[r]
            node[pr[r]] = (pr[x[LEADER]], pc[x[KVALUE]], x[2], x[3], x[4], tuple(inst(i) for i in x[INSTS]))
            pcs[pr[r]] = s.pc[r]
        observed = tuple((e[0], pc[e[1]]) if e[0] == REQ else (ACK, pc[e[1]], pc[e[2]]) for e in s.observed)
        return MultiPaxosState(frozenset(msg(m) for m in s.msgs),
                               tuple(node),  # type: ignore[arg-type]  # (pr permutes: every entry was set)
                               tuple(pc[c] for c in s.pending), observed, tuple(pcs))

    # -- presentation -----------------------------------------------------------------
    def bounds(self) -> dict[str, Any]:
        """Replicas, writes, reads and the largest ballot."""
        return {"replicas": len(self.Replicas), "writes": len(self.Writes), "reads": len(self.Reads),
                "max_ballot": self.MaxBallot}

    def rep_name(self, r: int) -> str:
        """Replica 0 is ``s1``, as in MultiPaxos_MC.cfg; -1 is ``none``."""
        return "none" if r == NIL else f"s{r + 1}"

    def cmd_name(self, c: int) -> str:
        """Writes are ``w1``.., reads ``r1``..; -1 is ``nil``."""
        if c == NIL:
            return "nil"
        return f"w{c + 1}" if c < len(self.Writes) else f"r{c - len(self.Writes) + 1}"

    def show_message(self, m: tuple) -> dict[str, Any]:
        """A message as the TLA+ record."""
        t = m[0]
        rec: dict[str, Any] = {"type": MSG_TYPES[t]}
        if t == COMMIT_NOTICE:
            rec["upto"] = m[1]
            return rec
        rec["src"], rec["bal"] = self.rep_name(m[1]), m[2]
        if t == PREPARE_REPLY:
            rec["votes"] = tuple({"bal": b, "cmd": self.cmd_name(c)} for b, c in m[3])  # by slot: a sequence
        elif t in (ACCEPT, ACCEPT_REPLY):
            rec["slot"] = m[3]
            if t == ACCEPT:
                rec["cmd"] = self.cmd_name(m[4])
        return rec

    def show_state(self, s: MultiPaxosState) -> dict[str, Any]:
        """Nodes as records keyed s1..sn, messages as sorted records, events as records; the sequences (slots, the
        pending commands, the events) as tuples, which a trace prints ``<<...>>`` (a list reads as a set)."""
        nodes = {}
        for r, n in enumerate(s.node):
            nodes[self.rep_name(r)] = {
                "leader": self.rep_name(n[LEADER]),
                "kvalue": self.cmd_name(n[KVALUE]),
                "commitUpTo": n[COMMIT_UP_TO],
                "balPrepared": n[BAL_PREPARED],
                "balMaxKnown": n[BAL_MAX_KNOWN],
                "insts": tuple({"status": STATUSES[i[0]], "cmd": self.cmd_name(i[1]),
                                "voted": {"bal": i[2], "cmd": self.cmd_name(i[3])}} for i in n[INSTS]),
            }
        events = tuple({"type": "Req", "cmd": self.cmd_name(e[1])} if e[0] == REQ
                  else {"type": "Ack", "cmd": self.cmd_name(e[1]), "val": self.cmd_name(e[2])} for e in s.observed)
        return {
            "msgs": [self.show_message(m) for m in sorted(s.msgs, key=repr)],
            "node": nodes,
            "pending": tuple(self.cmd_name(c) for c in s.pending),
            "observed": events,
            "pc": {self.rep_name(r): ("rloop", "Done")[p] for r, p in enumerate(s.pc)},
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """Replicas as ``s1``, messages as records."""
        if param == "r":
            return self.rep_name(value)
        if param == "m":
            return self.show_message(value)
        return value
