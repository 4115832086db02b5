"""MultiPaxos.tla and MultiPaxos_MC.tla (tlaplus/Examples, specifications/MultiPaxos-SMR; Guanzhou Hu):
Multi-Paxos state-machine replication of write and read commands on one key, with the client's view
(`observed`) checked for linearizability once every command is acknowledged.

Translated from the PlusCal translation by following docs/writing-a-spec.md, without reading paxraft's own
spec/multipaxos.py. The PlusCal process `Replica` has one label, `rloop`, whose body is an `either` of seven
macros: each macro is an action here, with the replica first, and with a parameter for every `\\E` that TLC
takes once per witness (the ballot `b`, the message `m`, and `TakeNewRequest`'s `\\E s \\in Slots` guard,
whose witness is unused but which TLC steps once per empty slot). The loop's exit (`pc' = "Done"` once
`terminated`) is `Finish(r)` and the spec's `Terminating` stutter is an action too, as in TLC's Next.

Atoms are small ints: replicas 0..R-1 (shown s1..sR; a leader of none is -1), commands 1..W+Rd, the writes
first (w1.., then r1..), 0 is "nil". `pending` starts as <<w1, .., r1, ..>> (InitPending's CHOOSE).

TLC 2.20 with one worker (MultiPaxos_MC.tla, MaxBallot 2; the .cfg files are beside this file):

| Replicas | Writes | Reads | symmetry | distinct | generated | depth |
|---|---|---|---|---:|---:|---:|
| 1 | 1 | 0 | no | 11 | 13 | 6 |
| 2 | 1 | 1 | no | 1,163 | 1,905 | 20 |
| 3 | 1 | 0 | no | 15,709 | 28,027 | 19 |
| 3 | 1 | 1 | yes (MultiPaxos_MC_small.cfg) | 343,796 | 736,012 | 28 |
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, NamedTuple

from slot_log import LogState, SlotLog

from spec.core import WF, Eventually, Spec, SpecError, action, invariant, refines

RLOOP, DONE = range(2)  # pc
EMPTY, PREPARING, ACCEPTING, COMMITTED = range(4)  # an instance's status
STATUS = ("Empty", "Preparing", "Accepting", "Committed")
NIL = 0  # "nil", as a command or a value
NONE = -1  # leader "none"
PREPARE, PREPARE_REPLY, ACCEPT, ACCEPT_REPLY, COMMIT_NOTICE = range(5)  # message types
REQ, ACK = range(2)  # client events


class Inst(NamedTuple):
    """InstStates: [status, cmd, voted |-> [bal, cmd]], the vote flattened into vbal and vcmd."""

    status: int
    cmd: int
    vbal: int
    vcmd: int


NULL_INST = Inst(EMPTY, NIL, 0, NIL)


class Node(NamedTuple):
    """NodeStates: one replica's state; insts[k] is slot k + 1."""

    leader: int
    kvalue: int
    commitUpTo: int
    balPrepared: int
    balMaxKnown: int
    insts: tuple[Inst, ...]


class Prepare(NamedTuple):
    type: int
    src: int
    bal: int


class PrepareReply(NamedTuple):
    type: int
    src: int
    bal: int
    votes: tuple[tuple[int, int], ...]  # InstsVotes: per slot (bal, cmd)


class Accept(NamedTuple):
    type: int
    src: int
    bal: int
    slot: int  # 1..NumCommands, as in the TLA+
    cmd: int


class AcceptReply(NamedTuple):
    type: int
    src: int
    bal: int
    slot: int


class CommitNotice(NamedTuple):
    type: int
    upto: int


Message = Prepare | PrepareReply | Accept | AcceptReply | CommitNotice


class MPState(NamedTuple):
    msgs: frozenset[Message]
    node: tuple[Node, ...]
    pending: tuple[int, ...]  # the sequence of pending commands
    observed: tuple[tuple[int, ...], ...]  # (REQ, c) or (ACK, c, v)
    pc: tuple[int, ...]


class MultiPaxosSMR(Spec):
    """Multi-Paxos state-machine replication (Guanzhou Hu's MultiPaxos-SMR), linearizable client view."""

    variables = ("msgs", "node", "pending", "observed", "pc")

    def __init__(
        self,
        replicas: Annotated[int, "number of replicas (Replicas = s1..sN)"] = 3,
        writes: Annotated[int, "number of write commands (Writes = w1..wN)"] = 1,
        reads: Annotated[int, "number of read commands (Reads = r1..rN)"] = 1,
        max_ballot: Annotated[int, "the largest ballot (MaxBallot; ConstMaxBallot is 2)"] = 2,
    ) -> None:
        if replicas < 1 or writes < 1 or reads < 0:
            raise SpecError("--replicas and --writes must be at least 1, --reads at least 0")
        if max_ballot < 2:
            raise SpecError("--max-ballot must be at least 2 (MaxBallotAssumption)")
        self.Replicas = tuple(range(replicas))
        self.Writes = frozenset(range(1, writes + 1))
        self.Reads = frozenset(range(writes + 1, writes + reads + 1))
        self.Commands = tuple(range(1, writes + reads + 1))
        self.NumCommands = writes + reads
        self.Ballots = tuple(range(1, max_ballot + 1))
        self.MaxBallot = max_ballot
        self.Slots = tuple(range(1, self.NumCommands + 1))
        self.MajorityNum = self.majority(replicas)
        super().__init__()

    def majority(self, replicas: int) -> int:
        """MajorityNum: the replies each phase waits for."""
        return replicas // 2 + 1

    def init_states(self) -> list[MPState]:
        null_node = Node(NONE, NIL, 0, 0, 0, (NULL_INST,) * self.NumCommands)
        n = len(self.Replicas)
        return [MPState(frozenset(), (null_node,) * n, self.Commands, (), (RLOOP,) * n)]

    # -- the define block -------------------------------------------------------
    @staticmethod
    def cmds_of(observed: tuple[tuple[int, ...], ...], kind: int) -> set[int]:
        """reqsMade (kind REQ) or acksRecv (kind ACK)."""
        return {e[1] for e in observed if e[0] == kind}

    def terminated(self, s: MPState) -> bool:
        n = self.NumCommands
        return len(s.pending) == 0 and len(self.cmds_of(s.observed, REQ)) == n == len(self.cmds_of(s.observed, ACK))

    def running(self, s: MPState, r: int) -> bool:
        """rloop's guard: pc[self] = "rloop" /\\ ~terminated."""
        return s.pc[r] == RLOOP and not self.terminated(s)

    @staticmethod
    def votes(n: Node) -> tuple[tuple[int, int], ...]:
        """VotesByNode(n)."""
        return tuple((i.vbal, i.vcmd) for i in n.insts)

    @staticmethod
    def reprepare(insts: tuple[Inst, ...]) -> tuple[Inst, ...]:
        """Every Accepting instance goes back to Preparing."""
        return tuple(i._replace(status=PREPARING) if i.status == ACCEPTING else i for i in insts)

    def peak_voted_cmd(self, prs: list[PrepareReply], k: int) -> int:
        """PeakVotedCmd(prs, slot k + 1): the command of the highest-ballot vote, or nil. Should two replies
        hold different commands in that ballot, TLC's CHOOSE over Ballots \\X Commands takes the first."""
        votes = [pr.votes[k] for pr in prs]
        top = max(b for b, _ in votes)
        if top == 0:
            return NIL
        return min(c for b, c in votes if b == top)

    def unseen_pending(self, s: MPState, insts: tuple[Inst, ...]) -> tuple[int, ...]:
        seen = {i.cmd for i in insts}
        return tuple(c for c in s.pending if c not in seen)

    @staticmethod
    def observe(observed: tuple, e: tuple) -> tuple:
        """Observe(e): append e unless it was observed already."""
        return observed if e in observed else observed + (e,)

    @staticmethod
    def set_node(s: MPState, r: int, n: Node) -> tuple[Node, ...]:
        return s.node[:r] + (n,) + s.node[r + 1 :]

    def apply(self, kvalue: int, c: int) -> int:
        """kvalue := IF c \\in Writes THEN c ELSE @."""
        return c if c in self.Writes else kvalue

    # -- enumerators ---------------------------------------------------------
    def each_replica(self, s: MPState) -> list[tuple[int]]:
        return [(r,) for r in self.Replicas]

    def each_message(self, s: MPState) -> list[tuple[int, Message]]:
        """with m \\in msgs."""
        return [(r, m) for r in self.Replicas for m in s.msgs]

    # -- the macros, one action each --------------------------------------------
    @action(lambda self, s: [(r, b) for r in self.Replicas for b in self.Ballots])
    def BecomeLeader(self, s: MPState, r: int, b: int) -> MPState | None:
        n = s.node[r]
        if not self.running(s, r) or n.leader == r or b <= n.balMaxKnown:
            return None
        if any(m.type == PREPARE and m.bal == b for m in s.msgs):
            return None
        n2 = n._replace(leader=r, balPrepared=0, balMaxKnown=b, insts=self.reprepare(n.insts))
        sent = {Prepare(PREPARE, r, b), PrepareReply(PREPARE_REPLY, r, b, self.votes(n2))}
        return s._replace(node=self.set_node(s, r, n2), msgs=s.msgs | sent)

    @action(each_message)
    def HandlePrepare(self, s: MPState, r: int, m: Message) -> MPState | None:
        n = s.node[r]
        if not self.running(s, r) or m.type != PREPARE or m.bal <= n.balMaxKnown:
            return None
        n2 = n._replace(leader=m.src, balMaxKnown=m.bal, insts=self.reprepare(n.insts))
        reply = PrepareReply(PREPARE_REPLY, r, m.bal, self.votes(n2))
        return s._replace(node=self.set_node(s, r, n2), msgs=s.msgs | {reply})

    def prepared_status(self, i: Inst, peak: int) -> int:
        """The status HandlePrepareReplies gives an instance, peak being its PeakVotedCmd."""
        if i.status == PREPARING or (i.status == EMPTY and peak != NIL):
            return ACCEPTING
        return i.status

    def adopt(self, n: Node, prs: list[PrepareReply]) -> tuple[Inst, ...]:
        """Phase 1 done: each instance takes the highest-ballot vote reported (the command, even in a
        committed instance, as the TLA+'s EXCEPT does)."""
        out = []
        for k, i in enumerate(n.insts):
            peak = self.peak_voted_cmd(prs, k)
            out.append(i._replace(status=self.prepared_status(i, peak), cmd=peak))
        return tuple(out)

    @action(each_replica)
    def HandlePrepareReplies(self, s: MPState, r: int) -> MPState | None:
        n = s.node[r]
        if not self.running(s, r) or n.leader != r or n.balPrepared != 0:
            return None
        prs = [m for m in s.msgs if m.type == PREPARE_REPLY and m.bal == n.balMaxKnown]
        if len(prs) < self.MajorityNum:
            return None
        return self.prepared(s, r, prs)

    def prepared(self, s: MPState, r: int, prs: list[PrepareReply]) -> MPState:
        """HandlePrepareReplies's effect, with prs the replies of r's ballot (enough of them)."""
        n = s.node[r]
        n2 = n._replace(balPrepared=n.balMaxKnown, insts=self.adopt(n, prs))
        sent = {
            Accept(ACCEPT, r, n2.balPrepared, k + 1, i.cmd) for k, i in enumerate(n2.insts) if i.status == ACCEPTING
        }
        return s._replace(node=self.set_node(s, r, n2), msgs=s.msgs | sent)

    @action(lambda self, s: [(r, w) for r in self.Replicas for w in self.Slots])
    def TakeNewRequest(self, s: MPState, r: int, w: int) -> MPState | None:
        """w is the witness of the guard's `\\E s \\in Slots: insts[s].status = "Empty"`: TLC takes the same
        step once per empty slot, so it is a parameter (the step itself uses FirstEmptySlot)."""
        n = s.node[r]
        if not self.running(s, r) or n.leader != r or n.balPrepared != n.balMaxKnown:
            return None
        if n.insts[w - 1].status != EMPTY:
            return None
        unseen = self.unseen_pending(s, n.insts)
        if not unseen:
            return None
        k = next(k for k, i in enumerate(n.insts) if i.status == EMPTY)  # FirstEmptySlot - 1
        c = unseen[0]
        insts = n.insts[:k] + (Inst(ACCEPTING, c, n.balPrepared, c),) + n.insts[k + 1 :]
        sent = {Accept(ACCEPT, r, n.balPrepared, k + 1, c), AcceptReply(ACCEPT_REPLY, r, n.balPrepared, k + 1)}
        return s._replace(
            node=self.set_node(s, r, n._replace(insts=insts)),
            msgs=s.msgs | sent,
            observed=self.observe(s.observed, (REQ, c)),
        )

    @action(each_message)
    def HandleAccept(self, s: MPState, r: int, m: Message) -> MPState | None:
        n = s.node[r]
        if not self.running(s, r) or m.type != ACCEPT:
            return None
        k = m.slot - 1
        if m.bal < n.balMaxKnown or m.bal <= n.insts[k].vbal:
            return None
        insts = n.insts[:k] + (Inst(ACCEPTING, m.cmd, m.bal, m.cmd),) + n.insts[k + 1 :]
        n2 = n._replace(leader=m.src, balMaxKnown=m.bal, insts=insts)
        reply = AcceptReply(ACCEPT_REPLY, r, m.bal, m.slot)
        return s._replace(node=self.set_node(s, r, n2), msgs=s.msgs | {reply})

    def commit_quorum(self) -> int:
        """The AcceptReplies HandleAcceptReplies waits for."""
        return self.MajorityNum

    def commit(self, n: Node) -> Node:
        """Commit the next slot (commitUpTo + 1) and apply its command."""
        k = n.commitUpTo
        i = n.insts[k]
        insts = n.insts[:k] + (i._replace(status=COMMITTED),) + n.insts[k + 1 :]
        return n._replace(insts=insts, commitUpTo=k + 1, kvalue=self.apply(n.kvalue, i.cmd))

    def next_accepting(self, n: Node) -> bool:
        return n.commitUpTo < self.NumCommands and n.insts[n.commitUpTo].status == ACCEPTING

    @action(each_replica)
    def HandleAcceptReplies(self, s: MPState, r: int) -> MPState | None:
        n = s.node[r]
        if not self.running(s, r) or n.leader != r or n.balPrepared != n.balMaxKnown or not self.next_accepting(n):
            return None
        slot = n.commitUpTo + 1
        ars = [m for m in s.msgs if m.type == ACCEPT_REPLY and m.slot == slot and m.bal == n.balPrepared]
        if len(ars) < self.commit_quorum():
            return None
        return self.committed(s, r)

    def committed(self, s: MPState, r: int) -> MPState:
        """HandleAcceptReplies's effect: r commits its next slot, acknowledges the client, notifies."""
        n = s.node[r]
        slot = n.commitUpTo + 1
        c = n.insts[slot - 1].cmd
        return s._replace(
            node=self.set_node(s, r, self.commit(n)),
            observed=self.observe(s.observed, (ACK, c, n.kvalue)),
            pending=tuple(x for x in s.pending if x != c),
            msgs=s.msgs | {CommitNotice(COMMIT_NOTICE, slot)},
        )

    @action(each_message)
    def HandleCommitNotice(self, s: MPState, r: int, m: Message) -> MPState | None:
        n = s.node[r]
        if not self.running(s, r) or n.leader == r or not self.next_accepting(n):
            return None
        if m.type != COMMIT_NOTICE or m.upto != n.commitUpTo + 1:
            return None
        return s._replace(node=self.set_node(s, r, self.commit(n)))

    @action(each_replica)
    def Finish(self, s: MPState, r: int) -> MPState | None:
        """rloop's ELSE: the loop ends once terminated."""
        if s.pc[r] != RLOOP or not self.terminated(s):
            return None
        return s._replace(pc=s.pc[:r] + (DONE,) + s.pc[r + 1 :])

    @action()
    def Terminating(self, s: MPState) -> MPState | None:
        """Every replica is done: stutter, so the end is no deadlock."""
        return s if all(p == DONE for p in s.pc) else None

    # -- MultiPaxos_MC.tla --------------------------------------------------------
    def is_vote(self, v: tuple[int, int]) -> bool:
        return v[0] in range(self.MaxBallot + 1) and v[1] in range(self.NumCommands + 1)

    def message_ok(self, m: Message) -> bool:
        """m \\in Messages."""
        if m.type == COMMIT_NOTICE:
            return m.upto in self.Slots
        if m.src not in self.Replicas or m.bal not in self.Ballots:
            return False
        if m.type == PREPARE_REPLY:
            return len(m.votes) == self.NumCommands and all(self.is_vote(v) for v in m.votes)
        if m.type == ACCEPT:
            return m.slot in self.Slots and m.cmd in self.Commands
        return m.type == PREPARE or m.slot in self.Slots  # a Prepare has no more fields, an AcceptReply a slot

    def node_ok(self, n: Node) -> bool:
        """n \\in NodeStates."""
        bals = range(self.MaxBallot + 1)
        return (
            (n.leader == NONE or n.leader in self.Replicas)
            and (n.kvalue == NIL or n.kvalue in self.Writes)
            and n.commitUpTo in range(self.NumCommands + 1)
            and n.balPrepared in bals
            and n.balMaxKnown in bals
            and all(
                i.status in range(4) and i.cmd in range(self.NumCommands + 1) and self.is_vote((i.vbal, i.vcmd))
                for i in n.insts
            )
        )

    def event_ok(self, e: tuple) -> bool:
        """e \\in ClientEvents."""
        if e[0] == REQ:
            return e[1] in self.Commands
        return e[1] in self.Commands and (e[2] == NIL or e[2] in self.Writes)

    @invariant
    def TypeOK(self, s: MPState) -> bool:
        return (
            all(self.message_ok(m) for m in s.msgs)
            and all(self.node_ok(n) for n in s.node)
            and len(s.pending) <= self.NumCommands
            and len(set(s.pending)) == len(s.pending)
            and all(c in self.Commands for c in s.pending)
            and len(s.observed) <= 2 * self.NumCommands
            and len(set(s.observed)) == len(s.observed)
            and len(self.cmds_of(s.observed, REQ)) >= len(self.cmds_of(s.observed, ACK))
            and all(self.event_ok(e) for e in s.observed)
        )

    def last_write_before(self, order: tuple[int, ...], j: int) -> int:
        """LastWriteBefore(order, j), j counted from 0: the last write before position j, or nil."""
        for c in reversed(order[:j]):
            if c in self.Writes:
                return c
        return NIL

    @invariant
    def Linearizability(self, s: MPState) -> bool:
        """terminated => some order of all commands gives each its acknowledged result and keeps real time.
        [1..N -> Commands] with range Commands is the permutations of Commands."""
        if not self.terminated(s):
            return True
        req = {e[1]: i for i, e in enumerate(s.observed) if e[0] == REQ}
        ack = {e[1]: i for i, e in enumerate(s.observed) if e[0] == ACK}
        result = {e[1]: e[2] for e in s.observed if e[0] == ACK}
        for order in itertools.permutations(self.Commands):
            if any(result[c] != self.last_write_before(order, j) for j, c in enumerate(order)):
                continue
            pos = {c: j for j, c in enumerate(order)}
            if all(pos[c1] < pos[c2] for c1 in self.Commands for c2 in self.Commands if ack[c1] < req[c2]):
                return True
        return False

    # -- liveness: Termination under a fair process per replica --------------------------
    REPLICA_ACTIONS = ("BecomeLeader", "HandlePrepare", "HandlePrepareReplies", "TakeNewRequest", "HandleAccept",
                       "HandleAcceptReplies", "HandleCommitNotice", "Finish")

    def fairness(self) -> list:
        """\\A self \\in Replicas: WF_vars(Replica(self)), Replica(self) being every step of rloop(self)
        (the TLA+'s processes are not fair; tests/user_specs/MultiPaxosSMR/MultiPaxos_MClive.tla adds it)."""
        return [WF(*self.REPLICA_ACTIONS, r=r) for r in self.Replicas]

    def properties(self) -> dict:
        return {"Termination": Eventually(lambda s: all(p == DONE for p in s.pc),
                                          "<>(\\A self \\in ProcSet: pc[self] = \"Done\")")}

    # -- refinement: a log whose slots each choose one command, once ------------------
    def chosen(self, s: MPState) -> LogState:
        """Slot k's chosen commands: those of the Accepts for k that a majority answered in their ballot."""
        replies: dict[tuple[int, int], int] = {}
        for m in s.msgs:
            if m.type == ACCEPT_REPLY:
                replies[m.bal, m.slot] = replies.get((m.bal, m.slot), 0) + 1
        chosen = [set() for _ in self.Slots]
        for m in s.msgs:
            if m.type == ACCEPT and replies.get((m.bal, m.slot), 0) >= self.MajorityNum:
                chosen[m.slot - 1].add(m.cmd)
        return LogState(tuple(frozenset(x) for x in chosen))

    @refines(SlotLog)
    def as_slot_log(self) -> tuple[SlotLog, Any]:
        """SlotLog over Slots and Commands, each slot's chosen command read off the messages."""
        return SlotLog(self.NumCommands, self.NumCommands), self.chosen

    # -- symmetry: SymmetricPerms ------------------------------------------------
    def symmetric_sets(self) -> dict[str, int]:
        """Permutations(Replicas). (The .cfg's writes and reads are single, so their permutations are none.)"""
        return {"Replicas": len(self.Replicas)}

    def permute(self, s: MPState, perm: Any) -> MPState:
        pi = perm["Replicas"]

        def rn(r: int) -> int:
            return NONE if r == NONE else pi[r]

        msgs = frozenset(m if m.type == COMMIT_NOTICE else m._replace(src=pi[m.src]) for m in s.msgs)
        node: list[Node] = [s.node[0]] * len(s.node)
        pc = [RLOOP] * len(s.pc)
        for r, n in enumerate(s.node):
            node[pi[r]] = n._replace(leader=rn(n.leader))
            pc[pi[r]] = s.pc[r]
        return MPState(msgs, tuple(node), s.pending, s.observed, tuple(pc))

    # -- presentation --------------------------------------------------------
    def cmd_name(self, c: int) -> str:
        if c == NIL:
            return "nil"
        return f"w{c}" if c in self.Writes else f"r{c - len(self.Writes)}"

    def show_message(self, m: Message) -> str:
        if m.type == COMMIT_NOTICE:
            return f"CommitNotice(upto {m.upto})"
        src = f"s{m.src + 1}"
        if m.type == PREPARE:
            return f"Prepare({src}, b{m.bal})"
        if m.type == PREPARE_REPLY:
            votes = " ".join(f"{b}:{self.cmd_name(c)}" for b, c in m.votes)
            return f"PrepareReply({src}, b{m.bal}, votes {votes})"
        if m.type == ACCEPT:
            return f"Accept({src}, b{m.bal}, slot {m.slot}, {self.cmd_name(m.cmd)})"
        return f"AcceptReply({src}, b{m.bal}, slot {m.slot})"

    def show_inst(self, i: Inst) -> str:
        if i == NULL_INST:
            return "-"
        return f"{STATUS[i.status]} {self.cmd_name(i.cmd)} (voted b{i.vbal} {self.cmd_name(i.vcmd)})"

    def show_node(self, n: Node) -> dict[str, Any]:
        """A replica's fields as a dict, so that a step prints only the fields it changed."""
        return {
            "leader": "none" if n.leader == NONE else f"s{n.leader + 1}",
            "kvalue": self.cmd_name(n.kvalue),
            "commitUpTo": n.commitUpTo,
            "balPrepared": n.balPrepared,
            "balMaxKnown": n.balMaxKnown,
            "insts": {k + 1: self.show_inst(i) for k, i in enumerate(n.insts)},  # a function of Slots
        }

    def show_event(self, e: tuple) -> str:
        if e[0] == REQ:
            return f"Req({self.cmd_name(e[1])})"
        return f"Ack({self.cmd_name(e[1])}, {self.cmd_name(e[2])})"

    def show_state(self, s: MPState) -> dict[str, Any]:
        names = [f"s{r + 1}" for r in self.Replicas]
        return {
            "msgs": sorted(self.show_message(m) for m in s.msgs),
            "node": {name: self.show_node(n) for name, n in zip(names, s.node)},
            "pending": tuple(self.cmd_name(c) for c in s.pending),
            "observed": tuple(self.show_event(e) for e in s.observed),
            "pc": {name: ("rloop", "Done")[p] for name, p in zip(names, s.pc)},
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "r":
            return f"s{value + 1}"
        if param == "b":
            return f"b{value}"
        if param == "m":
            return self.show_message(value)
        return value


class MinorityQuorum(MultiPaxosSMR):
    """Both phases wait for Cardinality(Replicas) \\div 2 replies instead of a majority."""

    variant = "minority-quorum"
    rule = "MajorityNum is Cardinality(Replicas) \\div 2, not (Cardinality(Replicas) \\div 2) + 1"
    breaks = "Linearizability"
    failing_bounds = {"replicas": 2, "writes": 1, "reads": 1}
    trace_length = 8

    def majority(self, replicas: int) -> int:
        return replicas // 2


class IgnorePeakVotes(MultiPaxosSMR):
    """A new leader keeps its own log's commands after phase 1 instead of adopting the highest votes."""

    variant = "ignore-peak-votes"
    rule = "HandlePrepareReplies re-proposes the leader's own commands, not PeakVotedCmd"
    breaks = "Linearizability"
    failing_bounds = {"replicas": 3, "writes": 1, "reads": 1}
    trace_length = 12

    def adopt(self, n: Node, prs: list[PrepareReply]) -> tuple[Inst, ...]:
        return tuple(i._replace(status=ACCEPTING) if i.status == PREPARING else i for i in n.insts)


class SilentAcceptor(MultiPaxosSMR):
    """A replica votes for an Accept but sends no AcceptReply (the Examples README's suggested liveness bug)."""

    variant = "silent-acceptor"
    rule = "HandleAccept does not Send the AcceptReply"
    breaks = "deadlock"
    failing_bounds = {"replicas": 2, "writes": 1, "reads": 0}
    trace_length = 5  # TLC on MultiPaxos_MCsilent.cfg: Deadlock reached, State 6

    def HandleAccept(self, s: MPState, r: int, m: Message) -> MPState | None:
        t = super().HandleAccept(s, r, m)
        return None if t is None else t._replace(msgs=s.msgs)
