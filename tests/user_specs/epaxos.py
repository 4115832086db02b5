"""Egalitarian Paxos (Moraru, Andersen, Kaminsky, SOSP 2013), as efficient/epaxos's EgalitarianPaxos.tla gives it.

A new user's spec (notes newuser27, 2026-12-07), written from README.md and docs/ only, beside the TLA+ text
(tlaplus/Examples' specifications/egalitarian-paxos points to it; the text and the models TLC ran are in
tests/user_specs/EPaxos/). Every replica leads the instances <<r, 1>>, <<r, 2>>, ... of its own commands: a
command is pre-accepted by a fast quorum, which adds the instances it has seen as dependencies; equal replies
commit it at once (Phase1Fast), else a slow quorum accepts the union (Phase1Slow, Phase2Finalize). Any replica may
recover an instance with a higher ballot (SendPrepare ... PrepareFinalize, and the try-pre-accept round).

The text has no model; MCEPaxos.tla is ours: Replicas = r1..rN, Commands = c1..cC, `none` a model value, and
FastQuorums(r) = SlowQuorums(r) the sets of the sizes the text's ASSUMEs fix that hold r (both 2 of 3), MaxBallot B.

What the text states and what is checked here:

- TypeOK and Consistency (at most one commit per instance) hold.
- Nontriviality as the text writes it, `\\A C \\in committed[i] : C \\in proposed \\/ C = none`, takes a committed
  triple <<cmd, deps, seq>> for a command: the first commit breaks it, in 3 steps, as TLC finds (`AsWritten`).
  Checked here on the triple's command (`Nontriviality`).
- Stability, `[](committed => []committed)` per replica, instance and command, is a property of steps
  (`@action_invariant`; TLC checks it as `[][...]_vars`).

Every ``\\E`` and ``\\/`` in an enabling condition is one TLC step per witness (docs/writing-a-spec.md, section 3),
so several actions take their witness as a parameter: tests/test_user_epaxos.py asserts TLC 2.20's counts.
"""

from __future__ import annotations

from itertools import combinations, product
from typing import Annotated, Any, NamedTuple

from spec.core import Label, MscEvent, Spec, SpecError, action, action_invariant, invariant

NONE = -1  # the text's `none == CHOOSE c : c \notin Commands`, a model value

NOT_SEEN, PRE_ACCEPTED, ACCEPTED, COMMITTED, OK = range(5)  # Status, and "OK" of a try-pre-accept reply
STATUS = ("not-seen", "pre-accepted", "accepted", "committed", "OK")

# A message is a tuple whose first field is its type, the record's fields following in the text's order.
PRE_ACCEPT = 0  # (PRE_ACCEPT, src, dst, inst, ballot, cmd, deps, seq)
ACCEPT = 1  # (ACCEPT, src, dst, inst, ballot, cmd, deps, seq)
COMMIT = 2  # (COMMIT, inst, ballot, cmd, deps, seq)
PREPARE = 3  # (PREPARE, src, dst, inst, ballot)
PRE_ACCEPT_REPLY = 4  # (PRE_ACCEPT_REPLY, src, dst, inst, ballot, deps, seq, committed)
ACCEPT_REPLY = 5  # (ACCEPT_REPLY, src, dst, inst, ballot)
PREPARE_REPLY = 6  # (PREPARE_REPLY, src, dst, inst, ballot, prev_ballot, status, cmd, deps, seq)
TRY_PRE_ACCEPT = 7  # (TRY_PRE_ACCEPT, src, dst, inst, ballot, cmd, deps, seq)
TRY_PRE_ACCEPT_REPLY = 8  # (TRY_PRE_ACCEPT_REPLY, src, dst, inst, ballot, status)
MSG_TYPE = (
    "pre-accept",
    "accept",
    "commit",
    "prepare",
    "pre-accept-reply",
    "accept-reply",
    "prepare-reply",
    "try-pre-accept",
    "try-pre-accept-reply",
)

Inst = tuple[int, int]  # <<replica, k>>, k from 1
Ballot = tuple[int, int]  # <<number, replica>>
Rec = tuple[Inst, int, Ballot, int, frozenset, int]  # [inst, status, ballot, cmd, deps, seq]
Msg = tuple[Any, ...]
Quorum = tuple[int, ...]

# Fields of a record (Rec) and of a message with src and dst.
R_INST, R_STATUS, R_BALLOT, R_CMD, R_DEPS, R_SEQ = range(6)
M_TYPE, M_SRC, M_DST, M_INST, M_BALLOT = range(5)


class EPState(NamedTuple):
    cmdLog: tuple[frozenset[Rec], ...]  # cmdLog[r]
    proposed: frozenset[int]
    executed: tuple[frozenset, ...]  # executed[r]: no action writes it
    sentMsg: frozenset[Msg]
    crtInst: tuple[int, ...]  # crtInst[r]
    leaderOfInst: tuple[frozenset[Inst], ...]  # leaderOfInst[r]
    committed: tuple[frozenset[tuple[int, frozenset, int]], ...]  # committed[i], i in the order of Instances
    ballots: int
    preparing: tuple[frozenset[Inst], ...]  # preparing[r]


def at(t: tuple, i: int, x: Any) -> tuple:
    """[t EXCEPT ![i] = x]"""
    return t[:i] + (x,) + t[i + 1 :]


def max0(xs: Any) -> int:
    """The text's Max(S): 0 for the empty set."""
    return max(xs, default=0)


def received(kind: int) -> Any:
    """The enumerator \\E replica \\in Replicas : \\E msg \\in sentMsg : msg.type = kind /\\ msg.dst = replica."""
    return lambda self, s: [(m[M_DST], m) for m in s.sentMsg if m[M_TYPE] == kind]


def heard_from(got: list[Msg], members: Any) -> bool:
    """``\\A r \\in members : \\E msg \\in got : msg.src = r``. TLC takes that \\A as a conjunction of its
    existentials, one step per choice of a message from each member: this translation has one message per member
    (a replica answers a ballot's request once) and refuses a state where a member sent two, rather than miscount."""
    for r in members:
        n = sum(1 for m in got if m[M_SRC] == r)
        if n == 0:
            return False
        if n > 1:
            raise SpecError(f"r{r + 1} sent {n} replies of one kind, instance and ballot: one step per choice")
    return True


def ways(options: list[list[int]]) -> list[tuple[int, ...]]:
    """The ways a \\A whose body is a disjunction holds, one TLC step each: for each element, a disjunct that
    holds for it (``options[k]`` lists those of element k)."""
    return list(product(*options))


def rec_of(log: frozenset[Rec], i: Inst) -> list[Rec]:
    """{rec \\in cmdLog[r] : rec.inst = i} (every action keeps one record per instance, but the text does not say
    so: a list, as the text's \\E rec ranges over a set)."""
    return [rec for rec in log if rec[R_INST] == i]


class EPaxos(Spec):
    """Egalitarian Paxos (EgalitarianPaxos.tla): leaderless consensus on commands and their dependencies."""

    variables = (
        "cmdLog",
        "proposed",
        "executed",
        "sentMsg",
        "crtInst",
        "leaderOfInst",
        "committed",
        "ballots",
        "preparing",
    )

    def __init__(
        self,
        replicas: Annotated[int, "number of replicas (Replicas = r1..rN)"] = 3,
        commands: Annotated[int, "number of commands (Commands = c1..cC)"] = 1,
        max_ballot: Annotated[int, "MaxBallot: recovery ballots 1..B"] = 1,
    ) -> None:
        for flag, x, lo in (("--replicas", replicas, 1), ("--commands", commands, 1), ("--max-ballot", max_ballot, 0)):
            if not lo <= x <= 9:
                raise SpecError(f"{flag} must be between {lo} and 9, got {x}")
        n = replicas
        self.Replicas = tuple(range(n))
        self.Commands = tuple(range(commands))
        self.MaxBallot = max_ballot
        self.Instances: tuple[Inst, ...] = tuple((r, k) for r in self.Replicas for k in range(1, commands + 1))
        self.index = {i: x for x, i in enumerate(self.Instances)}
        slow, fast = n // 2 + 1, n // 2 + (n // 2 + 1) // 2  # the sizes the text's ASSUMEs fix
        self.SlowQuorums = {r: tuple(q for q in combinations(self.Replicas, slow) if r in q) for r in self.Replicas}
        self.FastQuorums = {r: tuple(q for q in combinations(self.Replicas, fast) if r in q) for r in self.Replicas}
        super().__init__()

    def init_states(self) -> list[EPState]:
        n, empty = len(self.Replicas), frozenset()
        return [
            EPState(
                (empty,) * n,
                empty,
                (empty,) * n,
                empty,
                (1,) * n,
                (empty,) * n,
                (empty,) * len(self.Instances),
                1,
                (empty,) * n,
            )
        ]

    # -- StartPhase1, shared by Propose, PrepareFinalize and FinalizeTryPreAccept
    def start_phase1(
        self, s: EPState, C: int, cleader: int, Q: Quorum, inst: Inst, ballot: Ballot, old: frozenset[Msg] | set[Msg]
    ) -> EPState:
        log = s.cmdLog[cleader]
        deps = frozenset(rec[R_INST] for rec in log)
        seq = 1 + max0(rec[R_SEQ] for rec in log)
        new = frozenset(rec for rec in log if rec[R_INST] != inst) | {(inst, PRE_ACCEPTED, ballot, C, deps, seq)}
        sent = (s.sentMsg - old) | {(PRE_ACCEPT, cleader, d, inst, ballot, C, deps, seq) for d in Q if d != cleader}
        return s._replace(
            cmdLog=at(s.cmdLog, cleader, new),
            sentMsg=sent,
            leaderOfInst=at(s.leaderOfInst, cleader, s.leaderOfInst[cleader] | {inst}),
        )

    def replace_rec(self, s: EPState, r: int, old: Any, rec: Rec) -> tuple[frozenset[Rec], ...]:
        """[cmdLog EXCEPT ![r] = (@ \\ old) \\cup {rec}]"""
        return at(s.cmdLog, r, (s.cmdLog[r] - frozenset(old)) | {rec})

    def commit_to(self, s: EPState, i: Inst, triple: tuple[int, frozenset, int]) -> tuple:
        x = self.index[i]
        return at(s.committed, x, s.committed[x] | {triple})

    def replies(self, s: EPState, kind: int, dst: int, i: Inst, ballot: Ballot) -> list[Msg]:
        return [
            m for m in s.sentMsg if m[M_TYPE] == kind and m[M_DST] == dst and m[M_INST] == i and m[M_BALLOT] == ballot
        ]

    # -- CommandLeaderAction
    @action(
        lambda self, s: [
            (C, r, Q) for C in self.Commands if C not in s.proposed for r in self.Replicas for Q in self.FastQuorums[r]
        ]
    )
    def Propose(self, s: EPState, C: int, cleader: int, Q: Quorum) -> EPState | None:
        if C in s.proposed or Q not in self.FastQuorums[cleader]:
            return None
        inst = (cleader, s.crtInst[cleader])  # in Instances: a replica proposes each command at most once
        t = self.start_phase1(s, C, cleader, Q, inst, (0, cleader), set())
        return t._replace(proposed=s.proposed | {C}, crtInst=at(s.crtInst, cleader, s.crtInst[cleader] + 1))

    def leading(self, s: EPState, quorums: dict[int, tuple[Quorum, ...]]) -> list[tuple[int, Inst, Quorum]]:
        """\\E cleader \\in Replicas : \\E inst \\in leaderOfInst[cleader] : \\E Q \\in quorums(cleader)"""
        return [(r, i, Q) for r in self.Replicas for i in s.leaderOfInst[r] for Q in quorums[r]]

    def own_record(self, s: EPState, cleader: int, i: Inst, Q: Quorum, quorums: dict, status: int) -> Rec | None:
        """The leader's record of i in the given status, when it leads i and Q is one of its quorums."""
        if i not in s.leaderOfInst[cleader] or Q not in quorums[cleader]:
            return None
        recs = [rec for rec in rec_of(s.cmdLog[cleader], i) if rec[R_STATUS] == status]
        return recs[0] if len(recs) == 1 else None

    def quorum_replies(self, s: EPState, kind: int, cleader: int, i: Inst, Q: Quorum, ballot: Ballot) -> list[Msg]:
        """The replies from Q to cleader for i at ballot, when every member of Q but cleader sent one; else []."""
        got = [m for m in self.replies(s, kind, cleader, i, ballot) if m[M_SRC] in Q]
        return got if heard_from(got, [r for r in Q if r != cleader]) else []

    @action(lambda self, s: self.leading(s, self.FastQuorums))
    def Phase1Fast(self, s: EPState, cleader: int, i: Inst, Q: Quorum) -> EPState | None:
        record = self.own_record(s, cleader, i, Q, self.FastQuorums, PRE_ACCEPTED)
        if record is None or record[R_BALLOT][0] != 0:
            return None
        got = self.quorum_replies(s, PRE_ACCEPT_REPLY, cleader, i, Q, record[R_BALLOT])
        if not got or len({(m[5], m[6]) for m in got}) != 1:  # \A r1, r2 \in replies : equal deps and seq
            return None
        deps, seq = got[0][5], got[0][6]
        local = {rec[R_INST] for rec in s.cmdLog[cleader] if rec[R_STATUS] == COMMITTED}
        if not deps <= local.union(*(m[7] for m in got)):
            return None
        new = (i, COMMITTED, record[R_BALLOT], record[R_CMD], deps, seq)
        return s._replace(
            cmdLog=self.replace_rec(s, cleader, {record}, new),
            sentMsg=(s.sentMsg - set(got)) | {(COMMIT, i, record[R_BALLOT], record[R_CMD], deps, seq)},
            leaderOfInst=at(s.leaderOfInst, cleader, s.leaderOfInst[cleader] - {i}),
            committed=self.commit_to(s, i, (record[R_CMD], deps, seq)),
        )

    @action(
        lambda self, s: [(r, i, Q, SQ) for r, i, Q in self.leading(s, self.SlowQuorums) for SQ in self.SlowQuorums[r]]
    )
    def Phase1Slow(self, s: EPState, cleader: int, i: Inst, Q: Quorum, SQ: Quorum) -> EPState | None:
        record = self.own_record(s, cleader, i, Q, self.SlowQuorums, PRE_ACCEPTED)
        if record is None or SQ not in self.SlowQuorums[cleader]:
            return None
        got = self.quorum_replies(s, PRE_ACCEPT_REPLY, cleader, i, Q, record[R_BALLOT])
        if not got:
            return None
        deps = frozenset().union(*(m[5] for m in got))
        seq = max0(m[6] for m in got)
        ballot, cmd = record[R_BALLOT], record[R_CMD]
        sent = (s.sentMsg - set(got)) | {(ACCEPT, cleader, d, i, ballot, cmd, deps, seq) for d in SQ if d != cleader}
        return s._replace(
            cmdLog=self.replace_rec(s, cleader, {record}, (i, ACCEPTED, ballot, cmd, deps, seq)), sentMsg=sent
        )

    @action(lambda self, s: self.leading(s, self.SlowQuorums))
    def Phase2Finalize(self, s: EPState, cleader: int, i: Inst, Q: Quorum) -> EPState | None:
        record = self.own_record(s, cleader, i, Q, self.SlowQuorums, ACCEPTED)
        if record is None:
            return None
        got = self.quorum_replies(s, ACCEPT_REPLY, cleader, i, Q, record[R_BALLOT])
        if not got:
            return None
        _, _, ballot, cmd, deps, seq = record
        return s._replace(
            cmdLog=self.replace_rec(s, cleader, {record}, (i, COMMITTED, ballot, cmd, deps, seq)),
            sentMsg=(s.sentMsg - set(got)) | {(COMMIT, i, ballot, cmd, deps, seq)},
            committed=self.commit_to(s, i, (cmd, deps, seq)),
            leaderOfInst=at(s.leaderOfInst, cleader, s.leaderOfInst[cleader] - {i}),
        )

    def try_replies(self, s: EPState, cleader: int, i: Inst, Q: Quorum) -> tuple[Rec, list[Msg]] | None:
        """FinalizeTryPreAccept's rec and tprs, when every member of Q replied (one rec per instance)."""
        if i not in s.leaderOfInst[cleader] or Q not in self.SlowQuorums[cleader]:
            return None
        recs = rec_of(s.cmdLog[cleader], i)
        if len(recs) != 1:
            return None
        tprs = self.replies(s, TRY_PRE_ACCEPT_REPLY, cleader, i, recs[0][R_BALLOT])
        if not heard_from(tprs, Q):
            return None
        return recs[0], tprs

    def try_params(self, s: EPState, wanted: tuple[int, ...]) -> list[tuple[int, Inst, Quorum, Msg]]:
        """\\E tpr \\in tprs : tpr.status \\in wanted, one step per witness tpr."""
        out = []
        for r, i, Q in self.leading(s, self.SlowQuorums):
            got = self.try_replies(s, r, i, Q)
            if got is not None:
                out += [(r, i, Q, m) for m in got[1] if m[5] in wanted]
        return out

    @action(lambda self, s: self.leading(s, self.SlowQuorums))
    def FinalizeTryPreAcceptOK(self, s: EPState, cleader: int, i: Inst, Q: Quorum) -> EPState | None:
        """FinalizeTryPreAccept's first disjunct: every reply OK, so the leader sends accepts."""
        got = self.try_replies(s, cleader, i, Q)
        if got is None or any(m[5] != OK for m in got[1]):
            return None
        rec, tprs = got
        _, _, ballot, cmd, deps, seq = rec
        sent = (s.sentMsg - set(tprs)) | {(ACCEPT, cleader, d, i, ballot, cmd, deps, seq) for d in Q if d != cleader}
        return s._replace(
            sentMsg=sent, cmdLog=self.replace_rec(s, cleader, {rec}, (i, ACCEPTED, ballot, cmd, deps, seq))
        )

    @action(lambda self, s: self.try_params(s, (ACCEPTED, COMMITTED)))
    def FinalizeTryPreAcceptRestart(self, s: EPState, cleader: int, i: Inst, Q: Quorum, tpr: Msg) -> EPState | None:
        """Its second: some reply (the witness tpr) has accepted or committed it, so phase 1 starts again."""
        got = self.try_replies(s, cleader, i, Q)
        if got is None or tpr not in got[1] or tpr[5] not in (ACCEPTED, COMMITTED):
            return None
        rec, tprs = got
        return self.start_phase1(s, rec[R_CMD], cleader, Q, i, rec[R_BALLOT], set(tprs))

    @action(lambda self, s: self.try_params(s, (PRE_ACCEPTED,)))
    def FinalizeTryPreAcceptDefer(self, s: EPState, cleader: int, i: Inst, Q: Quorum, tpr: Msg) -> EPState | None:
        """Its third: some reply (the witness tpr) pre-accepted it, none accepted: the leader lets the instance go."""
        got = self.try_replies(s, cleader, i, Q)
        if (
            got is None
            or tpr not in got[1]
            or tpr[5] != PRE_ACCEPTED
            or any(m[5] not in (OK, PRE_ACCEPTED) for m in got[1])
        ):
            return None
        return s._replace(
            sentMsg=s.sentMsg - set(got[1]), leaderOfInst=at(s.leaderOfInst, cleader, s.leaderOfInst[cleader] - {i})
        )

    # -- ReplicaAction
    @action(received(PRE_ACCEPT))
    def Phase1Reply(self, s: EPState, replica: int, msg: Msg) -> EPState | None:
        if msg not in s.sentMsg or msg[M_TYPE] != PRE_ACCEPT or msg[M_DST] != replica:
            return None
        _, src, _, i, ballot, cmd, deps, seq = msg
        log = s.cmdLog[replica]
        old = rec_of(log, i)
        if not all(rec[R_BALLOT] == ballot or rec[R_BALLOT][0] < ballot[0] for rec in old):
            return None
        new_deps = deps | {rec[R_INST] for rec in log if rec[R_INST] != i}
        new_seq = max(seq, 1 + max0(rec[R_SEQ] for rec in log))
        com = frozenset(rec[R_INST] for rec in log if rec[R_STATUS] == COMMITTED)
        reply = (PRE_ACCEPT_REPLY, replica, src, i, ballot, new_deps, new_seq, com)
        return s._replace(
            cmdLog=self.replace_rec(s, replica, old, (i, PRE_ACCEPTED, ballot, cmd, new_deps, new_seq)),
            sentMsg=(s.sentMsg - {msg}) | {reply},
        )

    @action(received(ACCEPT))
    def Phase2Reply(self, s: EPState, replica: int, msg: Msg) -> EPState | None:
        if msg not in s.sentMsg or msg[M_TYPE] != ACCEPT or msg[M_DST] != replica:
            return None
        _, src, _, i, ballot, cmd, deps, seq = msg
        old = rec_of(s.cmdLog[replica], i)
        if not all(rec[R_BALLOT] == ballot or rec[R_BALLOT][0] < ballot[0] for rec in old):
            return None
        return s._replace(
            cmdLog=self.replace_rec(s, replica, old, (i, ACCEPTED, ballot, cmd, deps, seq)),
            sentMsg=(s.sentMsg - {msg}) | {(ACCEPT_REPLY, replica, src, i, ballot)},
        )

    @action(lambda self, s: [(r, m) for r in self.Replicas for m in s.sentMsg if m[M_TYPE] == COMMIT])
    def Commit(self, s: EPState, replica: int, cmsg: Msg) -> EPState | None:
        if cmsg not in s.sentMsg or cmsg[M_TYPE] != COMMIT:
            return None
        _, i, ballot, cmd, deps, seq = cmsg
        old = rec_of(s.cmdLog[replica], i)
        if not all(rec[R_STATUS] != COMMITTED and rec[R_BALLOT][0] <= ballot[0] for rec in old):
            return None
        return s._replace(
            cmdLog=self.replace_rec(s, replica, old, (i, COMMITTED, ballot, cmd, deps, seq)),
            committed=self.commit_to(s, i, (cmd, deps, seq)),
        )

    @action(lambda self, s: [(r, i, Q) for r in self.Replicas for i in self.Instances for Q in self.SlowQuorums[r]])
    def SendPrepare(self, s: EPState, replica: int, i: Inst, Q: Quorum) -> EPState | None:
        if not s.crtInst[i[0]] > i[1]:  # the instance has been started by its owner
            return None
        if i in s.leaderOfInst[replica] or not s.ballots <= self.MaxBallot:
            return None
        if any(rec[R_STATUS] == COMMITTED for rec in rec_of(s.cmdLog[replica], i)):
            return None
        ballot = (s.ballots, replica)
        return s._replace(
            sentMsg=s.sentMsg | {(PREPARE, replica, d, i, ballot) for d in Q},
            ballots=s.ballots + 1,
            preparing=at(s.preparing, replica, s.preparing[replica] | {i}),
        )

    @action(received(PREPARE))
    def ReplyPrepare(self, s: EPState, replica: int, msg: Msg) -> EPState | None:
        """Both disjuncts: a replica with a record of the instance answers with it, one without says not-seen."""
        if msg not in s.sentMsg or msg[M_TYPE] != PREPARE or msg[M_DST] != replica:
            return None
        _, src, _, i, ballot = msg
        recs = rec_of(s.cmdLog[replica], i)
        if not recs:
            reply = (PREPARE_REPLY, replica, src, i, ballot, (0, replica), NOT_SEEN, NONE, frozenset(), 0)
            return s._replace(
                sentMsg=(s.sentMsg - {msg}) | {reply},
                cmdLog=self.replace_rec(s, replica, (), (i, NOT_SEEN, ballot, NONE, frozenset(), 0)),
            )
        (rec,) = recs
        if not ballot[0] > rec[R_BALLOT][0]:
            return None
        _, status, prev, cmd, deps, seq = rec
        reply = (PREPARE_REPLY, replica, src, i, ballot, prev, status, cmd, deps, seq)
        t = s._replace(
            sentMsg=(s.sentMsg - {msg}) | {reply},
            cmdLog=self.replace_rec(s, replica, {rec}, (i, status, ballot, cmd, deps, seq)),
        )
        if i in s.leaderOfInst[replica]:
            t = t._replace(leaderOfInst=at(s.leaderOfInst, replica, s.leaderOfInst[replica] - {i}))
        return t

    def preparing_params(self, s: EPState) -> list[tuple[int, Inst, Quorum]]:
        """\\E replica \\in Replicas : \\E i \\in preparing[replica] : \\E Q \\in SlowQuorums(replica)"""
        return [(r, i, Q) for r in self.Replicas for i in s.preparing[r] for Q in self.SlowQuorums[r]]

    def prepare_replies(self, s: EPState, replica: int, i: Inst, Q: Quorum) -> tuple[Rec, list[Msg]] | None:
        """PrepareFinalize's rec and replies, when every member of Q replied (and the rec is not committed)."""
        if i not in s.preparing[replica] or Q not in self.SlowQuorums[replica]:
            return None
        recs = [rec for rec in rec_of(s.cmdLog[replica], i) if rec[R_STATUS] != COMMITTED]
        if len(recs) != 1:
            return None
        got = self.replies(s, PREPARE_REPLY, replica, i, recs[0][R_BALLOT])
        if not heard_from(got, Q):
            return None
        return recs[0], got

    def finalize_witnesses(self, s: EPState, pick: Any) -> list[tuple]:
        out = []
        for r, i, Q in self.preparing_params(s):
            got = self.prepare_replies(s, r, i, Q)
            if got is not None:
                out += [(r, i, Q, w) for w in pick(got[1], i, Q)]
        return out

    @staticmethod
    def committed_replies(replies: list[Msg], i: Inst, Q: Quorum) -> list[Msg]:
        return [m for m in replies if m[6] == COMMITTED]

    @staticmethod
    def accepted_replies(replies: list[Msg], i: Inst, Q: Quorum) -> list[tuple[Msg, tuple[int, ...]]]:
        """The witnesses (acc, how), when no reply is committed: acc an accepted reply, and how, for each other
        reply in order, the disjunct of ``msg.prev_ballot[1] <= acc.prev_ballot[1] \\/ msg.status # "accepted"``
        that holds (0 or 1): TLC takes one step per way the \\A holds."""
        if any(m[6] == COMMITTED for m in replies):
            return []
        out = []
        for acc in replies:
            if acc[6] == ACCEPTED:
                others = sorted(m for m in replies if m != acc)
                out += [
                    (acc, how)
                    for how in ways(
                        [[k for k, ok in enumerate((m[5][0] <= acc[5][0], m[6] != ACCEPTED)) if ok] for m in others]
                    )
                ]
        return out

    @action(lambda self, s: self.finalize_witnesses(s, self.committed_replies))
    def PrepareFinalizeCommitted(self, s: EPState, replica: int, i: Inst, Q: Quorum, com: Msg) -> EPState | None:
        """PrepareFinalize's first disjunct: a reply (the witness com) says committed; recovery stops."""
        got = self.prepare_replies(s, replica, i, Q)
        if got is None or com not in self.committed_replies(got[1], i, Q):
            return None
        return s._replace(
            preparing=at(s.preparing, replica, s.preparing[replica] - {i}), sentMsg=s.sentMsg - set(got[1])
        )

    def restart_accept(
        self,
        s: EPState,
        replica: int,
        i: Inst,
        Q: Quorum,
        rec: Rec,
        replies: list[Msg],
        cmd: int,
        deps: frozenset,
        seq: int,
    ) -> EPState:
        """Send accepts for (cmd, deps, seq) at rec's ballot and lead i: PrepareFinalize's second and third cases."""
        ballot = rec[R_BALLOT]
        sent = (s.sentMsg - set(replies)) | {(ACCEPT, replica, d, i, ballot, cmd, deps, seq) for d in Q if d != replica}
        return s._replace(
            sentMsg=sent,
            cmdLog=self.replace_rec(s, replica, {rec}, (i, ACCEPTED, ballot, cmd, deps, seq)),
            preparing=at(s.preparing, replica, s.preparing[replica] - {i}),
            leaderOfInst=at(s.leaderOfInst, replica, s.leaderOfInst[replica] | {i}),
        )

    @action(lambda self, s: self.finalize_witnesses(s, self.accepted_replies))
    def PrepareFinalizeAccepted(self, s: EPState, replica: int, i: Inst, Q: Quorum, acc: tuple) -> EPState | None:
        """Its second: no reply committed, and acc (with how the \\A holds) an accepted reply of the highest
        previous ballot."""
        got = self.prepare_replies(s, replica, i, Q)
        if got is None or acc not in self.accepted_replies(got[1], i, Q):
            return None
        m = acc[0]
        return self.restart_accept(s, replica, i, Q, got[0], got[1], m[7], m[8], m[9])

    @staticmethod
    def pre_accepts(replies: list[Msg]) -> list[Msg] | None:
        """The pre-accepted replies, when none is accepted or committed (PrepareFinalize's third disjunct)."""
        if any(m[6] in (ACCEPTED, COMMITTED) for m in replies):
            return None
        return [m for m in replies if m[6] == PRE_ACCEPTED]

    @staticmethod
    def agree(pas: list[Msg], i: Inst) -> bool:
        """Every pre-accepted reply has the same cmd, deps and seq, and the instance's owner sent none."""
        return len({m[7:10] for m in pas}) <= 1 and all(m[M_SRC] != i[0] for m in pas)

    @action(preparing_params)
    def PrepareFinalizeFast(self, s: EPState, replica: int, i: Inst, Q: Quorum) -> EPState | None:
        """Its third, first case: enough equal pre-accepts (|Q| - 1, the owner not among them): accept them."""
        got = self.prepare_replies(s, replica, i, Q)
        pas = None if got is None else self.pre_accepts(got[1])
        if pas is None or not self.agree(pas, i) or not len(pas) >= len(Q) - 1:
            return None
        pac = min(pas)  # CHOOSE: every one has the same cmd, deps and seq
        return self.restart_accept(s, replica, i, Q, got[0], got[1], pac[7], pac[8], pac[9])

    @action(preparing_params)
    def PrepareFinalizeTry(self, s: EPState, replica: int, i: Inst, Q: Quorum) -> EPState | None:
        """Its third, second case: equal pre-accepts, fewer than |Q| - 1 but at least |Q| \\div 2: try-pre-accept."""
        got = self.prepare_replies(s, replica, i, Q)
        pas = None if got is None else self.pre_accepts(got[1])
        if pas is None or not self.agree(pas, i) or not len(Q) // 2 <= len(pas) < len(Q) - 1:
            return None
        pac = min(pas)
        ballot = got[0][R_BALLOT]
        sent = (s.sentMsg - set(got[1])) | {(TRY_PRE_ACCEPT, replica, d, i, ballot, *pac[7:10]) for d in Q}
        return s._replace(
            sentMsg=sent,
            preparing=at(s.preparing, replica, s.preparing[replica] - {i}),
            leaderOfInst=at(s.leaderOfInst, replica, s.leaderOfInst[replica] | {i}),
        )

    def restart_witnesses(self, replies: list[Msg], i: Inst, Q: Quorum) -> list[tuple]:
        """The third case's witnesses, one TLC step each: a pair of pre-accepts and the field they differ in, a
        pre-accept from the owner, or () when there are fewer than |Q| \\div 2."""
        pas = self.pre_accepts(replies)
        if not pas:  # none, or some reply accepted or committed
            return []
        out: list[tuple] = [(p1, p2, f) for p1 in pas for p2 in pas for f in (7, 8, 9) if p1[f] != p2[f]]
        out += [(pl,) for pl in pas if pl[M_SRC] == i[0]]
        return out + ([()] if len(pas) < len(Q) // 2 else [])

    @action(lambda self, s: self.finalize_witnesses(s, self.restart_witnesses))
    def PrepareFinalizeRestart(self, s: EPState, replica: int, i: Inst, Q: Quorum, why: tuple) -> EPState | None:
        """Its third, third case: pre-accepts that differ, or one from the owner, or too few: phase 1 again."""
        got = self.prepare_replies(s, replica, i, Q)
        if got is None or why not in self.restart_witnesses(got[1], i, Q):
            return None
        pas = [m for m in got[1] if m[6] == PRE_ACCEPTED and m[7] != NONE]
        if not pas:
            raise SpecError(f"PrepareFinalize: CHOOSE pac \\in preaccepts : pac.cmd # none has no such pac for {i}")
        cmds = {m[7] for m in pas}
        if len(cmds) > 1:  # TLC's CHOOSE picks by its own order of records, which this spec does not follow
            raise SpecError(f"PrepareFinalize: pre-accepts of {i} carry commands {sorted(cmds)}: CHOOSE is TLC's")
        t = self.start_phase1(s, cmds.pop(), replica, Q, i, got[0][R_BALLOT], set(got[1]))
        return t._replace(preparing=at(s.preparing, replica, s.preparing[replica] - {i}))

    @action(preparing_params)
    def PrepareFinalizeNoop(self, s: EPState, replica: int, i: Inst, Q: Quorum) -> EPState | None:
        """Its fourth: every reply not-seen: phase 1 for none."""
        got = self.prepare_replies(s, replica, i, Q)
        if got is None or any(m[6] != NOT_SEEN for m in got[1]):
            return None
        t = self.start_phase1(s, NONE, replica, Q, i, got[0][R_BALLOT], set(got[1]))
        return t._replace(preparing=at(s.preparing, replica, s.preparing[replica] - {i}))

    def try_pre_accept_checks(self, s: EPState, replica: int, tpa: Msg) -> list[Rec] | None:
        """ReplyTryPreaccept's guard on the replica's own record of the instance: returned, or None."""
        if tpa not in s.sentMsg or tpa[M_TYPE] != TRY_PRE_ACCEPT or tpa[M_DST] != replica:
            return None
        old = rec_of(s.cmdLog[replica], tpa[M_INST])
        if not all(rec[R_BALLOT][0] <= tpa[M_BALLOT][0] and rec[R_STATUS] in (NOT_SEEN, PRE_ACCEPTED) for rec in old):
            return None
        return old

    @staticmethod
    def conflicts(log: frozenset[Rec], tpa: Msg) -> list[tuple[Rec, int]]:
        """The witnesses of a conflict: a record of another instance that does not depend on tpa's, with the
        disjunct that holds (0: tpa does not depend on it, 1: its seq is no lower)."""
        i, deps, seq = tpa[M_INST], tpa[6], tpa[7]
        return [
            (rec, k)
            for rec in log
            if rec[R_INST] != i and i not in rec[R_DEPS]
            for k in (0, 1)
            if (rec[R_INST] not in deps, rec[R_SEQ] >= seq)[k]
        ]

    @action(
        lambda self, s: [
            (r, m, w) for r, m in received(TRY_PRE_ACCEPT)(self, s) for w in self.conflicts(s.cmdLog[r], m)
        ]
    )
    def ReplyTryPreacceptConflict(self, s: EPState, replica: int, tpa: Msg, conflict: tuple) -> EPState | None:
        """ReplyTryPreaccept's first disjunct, per conflicting record and per disjunct it meets: reply its status."""
        if self.try_pre_accept_checks(s, replica, tpa) is None or conflict not in self.conflicts(
            s.cmdLog[replica], tpa
        ):
            return None
        _, _, src, i, ballot = tpa[:5]
        return s._replace(
            sentMsg=(s.sentMsg - {tpa}) | {(TRY_PRE_ACCEPT_REPLY, replica, src, i, ballot, conflict[0][1])}
        )

    @staticmethod
    def no_conflict(log: frozenset[Rec], tpa: Msg) -> list[tuple[int, ...]]:
        """The ways ``\\A rec \\in cmdLog[replica] \\ oldRec : tpa.inst \\in rec.deps \\/ (rec.inst \\in tpa.deps
        /\\ rec.seq < tpa.seq)`` holds, one TLC step each: per other record in order, the disjunct (0 or 1)."""
        i, deps, seq = tpa[M_INST], tpa[6], tpa[7]
        return ways(
            [
                [k for k, ok in enumerate((i in rec[R_DEPS], rec[R_INST] in deps and rec[R_SEQ] < seq)) if ok]
                for rec in sorted(log)
                if rec[R_INST] != i
            ]
        )

    @action(
        lambda self, s: [
            (r, m, how) for r, m in received(TRY_PRE_ACCEPT)(self, s) for how in self.no_conflict(s.cmdLog[r], m)
        ]
    )
    def ReplyTryPreacceptOK(self, s: EPState, replica: int, tpa: Msg, how: tuple[int, ...]) -> EPState | None:
        """Its second: no conflict (how: the disjunct each other record meets); the replica pre-accepts the
        instance and replies OK."""
        old = self.try_pre_accept_checks(s, replica, tpa)
        if old is None or how not in self.no_conflict(s.cmdLog[replica], tpa):
            return None
        _, src, _, i, ballot, cmd, deps, seq = tpa
        return s._replace(
            sentMsg=(s.sentMsg - {tpa}) | {(TRY_PRE_ACCEPT_REPLY, replica, src, i, ballot, OK)},
            cmdLog=self.replace_rec(s, replica, old, (i, PRE_ACCEPTED, ballot, cmd, deps, seq)),
        )

    # -- invariants
    @invariant
    def TypeOK(self, s: EPState) -> bool:
        """The shapes TypeOK names; ballots and seq in Nat."""
        R, insts = set(self.Replicas), set(self.Instances)
        cmds = set(self.Commands) | {NONE}
        return (
            all(
                rec[R_INST] in insts
                and rec[R_STATUS] in (NOT_SEEN, PRE_ACCEPTED, ACCEPTED, COMMITTED)
                and rec[R_BALLOT][1] in R
                and rec[R_CMD] in cmds
                and rec[R_DEPS] <= insts
                and rec[R_SEQ] >= 0
                for log in s.cmdLog
                for rec in log
            )
            and s.proposed <= set(self.Commands)
            and all(m[M_TYPE] in range(9) for m in s.sentMsg)
            and all(i <= insts for i in s.leaderOfInst + s.preparing)
            and all(c in cmds and d <= insts for x in s.committed for c, d, _ in x)
            and s.ballots >= 0
        )

    @invariant
    def Consistency(self, s: EPState) -> bool:
        """\\A i \\in Instances : Cardinality(committed[i]) <= 1"""
        return all(len(x) <= 1 for x in s.committed)

    @invariant
    def Nontriviality(self, s: EPState) -> bool:
        """\\A i \\in Instances : \\A C \\in committed[i] : C[1] \\in proposed \\/ C[1] = none"""
        return all(c in s.proposed or c == NONE for x in s.committed for c, _, _ in x)

    @action_invariant
    def Stability(self, s: EPState, t: EPState) -> bool:
        """A command committed at an instance on a replica stays committed there (the text's [](P => []P))."""
        return all(
            any(
                r2[R_INST] == rec[R_INST] and r2[R_CMD] == rec[R_CMD] and r2[R_STATUS] == COMMITTED
                for r2 in t.cmdLog[r]
            )
            for r, log in enumerate(s.cmdLog)
            for rec in log
            if rec[R_STATUS] == COMMITTED
        )

    # -- symmetry: renaming replicas renames instances <<r, k>>, ballots <<n, r>>, quorums and messages
    def symmetric_sets(self) -> dict[str, int]:
        return {"Replicas": len(self.Replicas)}

    def permute(self, s: EPState, perm: Any) -> EPState:
        pi = perm["Replicas"]

        def inst(i: Inst) -> Inst:
            return (pi[i[0]], i[1])

        def insts(xs: frozenset[Inst]) -> frozenset[Inst]:
            return frozenset(inst(i) for i in xs)

        def ballot(b: Ballot) -> Ballot:
            return (b[0], pi[b[1]])

        def rec(r: Rec) -> Rec:
            return (inst(r[0]), r[1], ballot(r[2]), r[3], insts(r[4]), r[5])

        def msg(m: Msg) -> Msg:
            if m[0] == COMMIT:
                return (COMMIT, inst(m[1]), ballot(m[2]), m[3], insts(m[4]), m[5])
            head = (m[0], pi[m[1]], pi[m[2]], inst(m[3]), ballot(m[4]))
            if m[0] in (PRE_ACCEPT, ACCEPT, TRY_PRE_ACCEPT):
                return (*head, m[5], insts(m[6]), m[7])
            if m[0] == PRE_ACCEPT_REPLY:
                return (*head, insts(m[5]), m[6], insts(m[7]))
            if m[0] == PREPARE_REPLY:
                return (*head, ballot(m[5]), m[6], m[7], insts(m[8]), m[9])
            return (*head, *m[5:])  # PREPARE, ACCEPT_REPLY, TRY_PRE_ACCEPT_REPLY

        def per_replica(xs: tuple, f: Any) -> tuple:
            out = list(xs)
            for r, x in enumerate(xs):
                out[pi[r]] = f(x)
            return tuple(out)

        committed = list(s.committed)
        for i, x in zip(self.Instances, s.committed):
            committed[self.index[inst(i)]] = frozenset((c, insts(d), q) for c, d, q in x)
        return EPState(
            per_replica(s.cmdLog, lambda log: frozenset(rec(r) for r in log)),
            s.proposed,
            per_replica(s.executed, lambda x: x),
            frozenset(msg(m) for m in s.sentMsg),
            per_replica(s.crtInst, lambda x: x),
            per_replica(s.leaderOfInst, insts),
            tuple(committed),
            s.ballots,
            per_replica(s.preparing, insts),
        )

    # -- reading
    def name_inst(self, i: Inst) -> str:
        return f"<<r{i[0] + 1}, {i[1]}>>"

    def name_ballot(self, b: Ballot) -> str:
        return f"<<{b[0]}, r{b[1] + 1}>>"

    def name_cmd(self, c: int) -> str:
        return "none" if c == NONE else f"c{c + 1}"

    def name_insts(self, xs: frozenset[Inst]) -> str:
        return "{" + ", ".join(self.name_inst(i) for i in sorted(xs)) + "}"

    def name_rec(self, rec: Rec) -> str:
        i, status, ballot, cmd, deps, seq = rec
        return (
            f"{self.name_inst(i)} {STATUS[status]} {self.name_cmd(cmd)} b{self.name_ballot(ballot)} "
            f"deps {self.name_insts(deps)} seq {seq}"
        )

    def deps_seq(self, deps: frozenset[Inst], seq: int) -> str:
        return f"deps {self.name_insts(deps)} seq {seq}"

    def name_msg(self, m: Msg) -> str:
        kind = MSG_TYPE[m[0]]
        if m[0] == COMMIT:
            _, i, b, cmd, deps, seq = m
            return f"commit {self.name_inst(i)} {self.name_cmd(cmd)} b{self.name_ballot(b)} {self.deps_seq(deps, seq)}"
        head = f"{kind} r{m[1] + 1}->r{m[2] + 1} {self.name_inst(m[3])} b{self.name_ballot(m[4])}"
        if m[0] in (PRE_ACCEPT, ACCEPT, TRY_PRE_ACCEPT):
            return f"{head} {self.name_cmd(m[5])} deps {self.name_insts(m[6])} seq {m[7]}"
        if m[0] == PRE_ACCEPT_REPLY:
            return f"{head} deps {self.name_insts(m[5])} seq {m[6]} committed {self.name_insts(m[7])}"
        if m[0] == PREPARE_REPLY:
            return (
                f"{head} prev b{self.name_ballot(m[5])} {STATUS[m[6]]} {self.name_cmd(m[7])} "
                f"deps {self.name_insts(m[8])} seq {m[9]}"
            )
        if m[0] == TRY_PRE_ACCEPT_REPLY:
            return f"{head} {STATUS[m[5]]}"
        return head

    def show_state(self, s: EPState) -> dict[str, Any]:
        per = lambda xs, f: {f"r{r + 1}": f(x) for r, x in enumerate(xs)}  # noqa: E731
        return {
            "cmdLog": per(s.cmdLog, lambda log: sorted(self.name_rec(rec) for rec in log)),
            "proposed": sorted(self.name_cmd(c) for c in s.proposed),
            "executed": per(s.executed, sorted),
            "sentMsg": sorted(self.name_msg(m) for m in s.sentMsg),
            "crtInst": per(s.crtInst, int),
            "leaderOfInst": per(s.leaderOfInst, lambda xs: [self.name_inst(i) for i in sorted(xs)]),
            "committed": {
                self.name_inst(i): sorted(f"<<{self.name_cmd(c)}, {self.name_insts(d)}, {q}>>" for c, d, q in x)
                for i, x in zip(self.Instances, s.committed)
            },
            "ballots": s.ballots,
            "preparing": per(s.preparing, lambda xs: [self.name_inst(i) for i in sorted(xs)]),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param in ("C",):
            return self.name_cmd(value)
        if param in ("cleader", "replica"):
            return f"r{value + 1}"
        if param == "i":
            return self.name_inst(value)
        if param in ("Q", "SQ"):
            return "{" + ", ".join(f"r{r + 1}" for r in value) + "}"
        if param in ("msg", "cmsg", "tpa", "tpr", "com"):
            return self.name_msg(value)
        if param == "acc":
            return f"{self.name_msg(value[0])}, the others: {value[1]}"
        if param == "conflict":
            return f"{self.name_rec(value[0])} ({('inst not in deps', 'seq >= tpa.seq')[value[1]]})"
        if param == "why":
            if len(value) == 3:
                field = ("cmd", "deps", "seq")[value[2] - 7]
                return f"{self.name_msg(value[0])} / {self.name_msg(value[1])} differ in {field}"
            return f"owner's {self.name_msg(value[0])}" if value else "fewer than |Q| \\div 2 pre-accepts"
        return value

    def msc_nodes(self) -> list[str]:
        return [f"r{r + 1}" for r in self.Replicas]

    def msc_event(self, prev: EPState, label: Label, nxt: EPState) -> MscEvent:
        node = f"r{label.params[0] + 1}" if label.name != "Propose" else f"r{label.params[1] + 1}"
        got = tuple(self.name_msg(m) for m in prev.sentMsg - nxt.sentMsg if m[0] != COMMIT)
        if label.name == "Commit":
            got = (self.name_msg(label.params[1]),)
        sent = tuple(self.name_msg(m) for m in nxt.sentMsg - prev.sentMsg)
        return MscEvent(node, got, sent)


class FewMessages(EPaxos):
    """EPaxos with at most M messages in flight (MCEPaxos5.cfg's CONSTRAINT): five replicas reach try-pre-accept."""

    def __init__(
        self,
        replicas: Annotated[int, "number of replicas (Replicas = r1..rN)"] = 5,
        commands: Annotated[int, "number of commands (Commands = c1..cC)"] = 1,
        max_ballot: Annotated[int, "MaxBallot: recovery ballots 1..B"] = 1,
        max_msgs: Annotated[int, "CONSTRAINT Cardinality(sentMsg) <= M"] = 4,
    ) -> None:
        self.max_msgs = max_msgs
        super().__init__(replicas, commands, max_ballot)

    def constraint(self, s: EPState) -> bool:
        return len(s.sentMsg) <= self.max_msgs


class AsWritten(EPaxos):
    """EPaxos with Nontriviality as the text writes it: a committed triple is never a command, so it fails."""

    Nontriviality = None

    @invariant
    def NontrivialityAsWritten(self, s: EPState) -> bool:
        """\\A i \\in Instances : \\A C \\in committed[i] : C \\in proposed \\/ C = none (C a triple)"""
        return all(C in s.proposed or C == NONE for x in s.committed for C in x)


class StaleAccept(EPaxos):
    """A replica accepts an accept message whatever ballot its record of the instance holds."""

    variant = "stale-accept"
    rule = "Phase2Reply drops \\A rec \\in oldRec : rec.ballot = msg.ballot \\/ rec.ballot[1] < msg.ballot[1]"
    breaks = "Stability"
    failing_bounds = {"replicas": 3, "commands": 1, "max_ballot": 1}
    trace_length = 10

    @action(received(ACCEPT))
    def Phase2Reply(self, s: EPState, replica: int, msg: Msg) -> EPState | None:
        if msg not in s.sentMsg or msg[M_TYPE] != ACCEPT or msg[M_DST] != replica:
            return None
        _, src, _, i, ballot, cmd, deps, seq = msg
        return s._replace(
            cmdLog=self.replace_rec(s, replica, rec_of(s.cmdLog[replica], i), (i, ACCEPTED, ballot, cmd, deps, seq)),
            sentMsg=(s.sentMsg - {msg}) | {(ACCEPT_REPLY, replica, src, i, ballot)},
        )
