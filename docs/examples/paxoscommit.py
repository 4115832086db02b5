"""Paxos Commit (Gray and Lamport), as PaxosCommit.tla in tlaplus/Examples
(specifications/transaction_commit), written to read beside the TLA+ text.

    paxraft check docs/examples/paxoscommit.py:PaxosCommit --rms 2 --acceptors 3 --max-ballot 1

Each resource manager's prepared/aborted decision is agreed by its own instance of
Paxos among the acceptors; ballot 0 of instance ``rm`` is the RM's own phase 2a.
The default bounds are the Examples' PaxosCommit.cfg: two RMs, three acceptors,
the three majorities, ballots {0, 1} (TLC 2.20: 1,321,761 distinct states,
16,959,159 states generated, depth 28).

Atoms are small ints (RMs and acceptors are 0..n-1; the TLA+ strings are the
constants below) so that a state's hash is the same in every process. The guards read
as the TLA+ set comprehensions do; ``msgs`` is a :class:`spec.values.MsgSet`, so
``msgs.where(type=PHASE1B, ins=rm, mbal=bal)`` is a lookup rather than a scan, and
``@record`` and ``EXCEPT`` make the updates cheap (see docs/fast-specs.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, NamedTuple

from tcommit import TCommit, TCState

from spec.core import Spec, SpecError, action, invariant, refines
from spec.values import EXCEPT, MsgSet, record

# rmState values; PREPARED and ABORTED double as the values an instance decides.
WORKING, PREPARED, COMMITTED, ABORTED = 0, 1, 2, 3
NONE = -1  # aState[ins][ac].val before the acceptor votes
RM_STATES = ("working", "prepared", "committed", "aborted")

# The ``type`` field of a message.
PHASE1A, PHASE1B, PHASE2A, PHASE2B, COMMIT, ABORT = range(6)
MSG_TYPES = ("phase1a", "phase1b", "phase2a", "phase2b", "Commit", "Abort")


class Msg1a(NamedTuple):
    """``[type |-> "phase1a", ins |-> rm, bal |-> bal]``"""

    type: int
    ins: int
    bal: int


class Msg1b(NamedTuple):
    """``[type |-> "phase1b", ins, mbal, bal, val, acc]``"""

    type: int
    ins: int
    mbal: int
    bal: int
    val: int
    acc: int


class Msg2a(NamedTuple):
    """``[type |-> "phase2a", ins, bal, val]``"""

    type: int
    ins: int
    bal: int
    val: int


class Msg2b(NamedTuple):
    """``[type |-> "phase2b", acc, ins, bal, val]``"""

    type: int
    acc: int
    ins: int
    bal: int
    val: int


class Decision(NamedTuple):
    """``[type |-> "Commit"]`` or ``[type |-> "Abort"]``"""

    type: int


@record
class AccState(NamedTuple):
    """``aState[ins][ac]``: the acceptor's state in one instance."""

    mbal: int
    bal: int
    val: int


@record
class PCState(NamedTuple):
    """The variables of PaxosCommit.tla."""

    rmState: tuple[int, ...]  # rmState[rm]
    aState: tuple[tuple[AccState, ...], ...]  # aState[ins][ac]
    msgs: MsgSet  # the set of every message ever sent


class PaxosCommit(Spec):
    """PaxosCommit.tla: RMs, acceptors, ballots; the next-state relation PCNext."""

    name = "paxoscommit"
    variables = PCState._fields

    def __init__(self, rms: int = 2, acceptors: int = 3, max_ballot: int = 1) -> None:
        for what, val, low in (("rms", rms, 1), ("acceptors", acceptors, 1), ("max-ballot", max_ballot, 0)):
            if not isinstance(val, int) or val < low:
                raise SpecError(f"paxoscommit: --{what} must be an integer >= {low}, got {val!r}")
        self.RM = tuple(range(rms))
        self.Acceptor = tuple(range(acceptors))
        self.Ballot = tuple(range(max_ballot + 1))
        self.Majority = tuple(frozenset(q) for q in itertools.combinations(self.Acceptor, acceptors // 2 + 1))
        super().__init__()

    def init_states(self) -> Iterator[PCState]:
        """PCInit: every RM working, every acceptor at ballot 0 with no vote, no message."""
        fresh = AccState(mbal=0, bal=-1, val=NONE)
        yield PCState(
            rmState=(WORKING,) * len(self.RM),
            aState=((fresh,) * len(self.Acceptor),) * len(self.RM),
            msgs=MsgSet(),
        )

    def Send(self, s: PCState, m: tuple) -> MsgSet:
        """``msgs' = msgs \\cup {m}``"""
        return s.msgs | {m}

    # -- the resource managers ------------------------------------------------
    @action(params=lambda self, s: ((rm,) for rm in self.RM))
    def RMPrepare(self, s: PCState, rm: int) -> PCState | None:
        """A working RM prepares: it sends its phase 2a message of ballot 0 with value prepared."""
        if s.rmState[rm] != WORKING:
            return None
        return s._replace(rmState=EXCEPT(s.rmState, rm, PREPARED), msgs=self.Send(s, Msg2a(PHASE2A, rm, 0, PREPARED)))

    @action(params=lambda self, s: ((rm,) for rm in self.RM))
    def RMChooseToAbort(self, s: PCState, rm: int) -> PCState | None:
        """A working RM aborts: ballot 0 of its instance proposes aborted."""
        if s.rmState[rm] != WORKING:
            return None
        return s._replace(rmState=EXCEPT(s.rmState, rm, ABORTED), msgs=self.Send(s, Msg2a(PHASE2A, rm, 0, ABORTED)))

    @action(params=lambda self, s: ((rm,) for rm in self.RM))
    def RMRcvCommitMsg(self, s: PCState, rm: int) -> PCState | None:
        """An RM learns of the commit."""
        if Decision(COMMIT) not in s.msgs:
            return None
        return s._replace(rmState=EXCEPT(s.rmState, rm, COMMITTED))

    @action(params=lambda self, s: ((rm,) for rm in self.RM))
    def RMRcvAbortMsg(self, s: PCState, rm: int) -> PCState | None:
        """An RM learns of the abort."""
        if Decision(ABORT) not in s.msgs:
            return None
        return s._replace(rmState=EXCEPT(s.rmState, rm, ABORTED))

    # -- the leaders of ballots above 0 ---------------------------------------
    @action(params=lambda self, s: ((bal, rm) for bal in self.Ballot[1:] for rm in self.RM))
    def Phase1a(self, s: PCState, bal: int, rm: int) -> PCState | None:
        """The leader of ballot bal of instance rm starts phase 1."""
        return s._replace(msgs=self.Send(s, Msg1a(PHASE1A, rm, bal)))

    @action(params=lambda self, s: ((bal, rm, ms) for bal in self.Ballot[1:] for rm in self.RM for ms in self.Majority))
    def Phase2a(self, s: PCState, bal: int, rm: int, ms: frozenset) -> PCState | None:
        """Once majority ms sent 1b messages for ballot bal, propose the value of the highest-ballot vote
        among them, or aborted if none of them voted."""
        if s.msgs.where(type=PHASE2A, ins=rm, bal=bal):
            return None
        mset = [m for m in s.msgs.where(type=PHASE1B, ins=rm, mbal=bal) if m.acc in ms]
        if {m.acc for m in mset} != ms:  # \A ac \in MS : \E m \in mset : m.acc = ac
            return None
        maxbal = max(m.bal for m in mset)
        val = ABORTED if maxbal == -1 else next(m.val for m in mset if m.bal == maxbal)
        return s._replace(msgs=self.Send(s, Msg2a(PHASE2A, rm, bal, val)))

    def Decided(self, s: PCState, rm: int, v: int) -> list[tuple[int, int, frozenset]]:
        """The witnesses (rm, b, MS) of ``Decided(rm, v)``: majority MS voted v in ballot b of instance rm."""
        out = []
        for b in self.Ballot:
            voters = {m.acc for m in s.msgs.where(type=PHASE2B, ins=rm, bal=b, val=v)}
            out += [(rm, b, ms) for ms in self.Majority if ms <= voters]
        return out

    def _decide_params(self, s: PCState) -> list[tuple[int, tuple]]:
        """(decision, witnesses): TLC takes one Decide step per witness of the existential in Decided,
        and per combination of witnesses under ``\\A rm``; so does this, and the states-generated
        count is TLC's."""
        commit = itertools.product(*(self.Decided(s, rm, PREPARED) for rm in self.RM))
        abort = ((w,) for rm in self.RM for w in self.Decided(s, rm, ABORTED))
        return [(COMMIT, why) for why in commit] + [(ABORT, why) for why in abort]

    @action(params=_decide_params)
    def Decide(self, s: PCState, d: int, why: tuple) -> PCState | None:
        """Commit when every instance decided prepared; abort when some instance decided aborted
        (``why`` names the majorities and ballots that decided)."""
        v = PREPARED if d == COMMIT else ABORTED
        if d == COMMIT and {w[0] for w in why} != set(self.RM):
            return None
        if not all(Msg2b(PHASE2B, ac, rm, b, v) in s.msgs for rm, b, ms in why for ac in ms):
            return None
        return s._replace(msgs=self.Send(s, Decision(d)))

    # -- the acceptors ----------------------------------------------------------
    @action(params=lambda self, s: ((acc, m) for acc in self.Acceptor for m in s.msgs.where(type=PHASE1A)))
    def Phase1b(self, s: PCState, acc: int, m: Msg1a) -> PCState | None:
        """Acceptor acc promises ballot m.bal of instance m.ins and reports its vote there."""
        a = s.aState[m.ins][acc]
        if not (m.type == PHASE1A and m in s.msgs and a.mbal < m.bal):
            return None
        return s._replace(
            aState=EXCEPT(s.aState, m.ins, EXCEPT(s.aState[m.ins], acc, a._replace(mbal=m.bal))),
            msgs=self.Send(s, Msg1b(PHASE1B, m.ins, m.bal, a.bal, a.val, acc)),
        )

    @action(params=lambda self, s: ((acc, m) for acc in self.Acceptor for m in s.msgs.where(type=PHASE2A)))
    def Phase2b(self, s: PCState, acc: int, m: Msg2a) -> PCState | None:
        """Acceptor acc votes for m.val in ballot m.bal of instance m.ins."""
        a = s.aState[m.ins][acc]
        if not (m.type == PHASE2A and m in s.msgs and a.mbal <= m.bal):
            return None
        return s._replace(
            aState=EXCEPT(s.aState, m.ins, EXCEPT(s.aState[m.ins], acc, a._replace(mbal=m.bal, bal=m.bal, val=m.val))),
            msgs=self.Send(s, Msg2b(PHASE2B, acc, m.ins, m.bal, m.val)),
        )

    # -- invariants ---------------------------------------------------------------
    @invariant
    def PCTypeOK(self, s: PCState) -> bool:
        """Every variable holds a value of its type."""
        return (
            all(x in (WORKING, PREPARED, COMMITTED, ABORTED) for x in s.rmState)
            and all(
                a.mbal in self.Ballot and (a.bal == -1 or a.bal in self.Ballot) and a.val in (PREPARED, ABORTED, NONE)
                for row in s.aState
                for a in row
            )
            and s.msgs.all(lambda m: m.type in range(6))  # msgs \subseteq Message
        )

    @invariant
    def TCConsistent(self, s: PCState) -> bool:
        """TCommit's invariant: no RM committed while another aborted."""
        return not (COMMITTED in s.rmState and ABORTED in s.rmState)

    # -- refinement: PaxosCommit.tla's TC == INSTANCE TCommit (docs/writing-a-spec.md, section 9) --------
    @refines(TCommit)
    def as_tcommit(self) -> tuple[TCommit, Any]:
        """TCommit over the same RMs (rmState is encoded alike); a state maps to its rmState."""
        return TCommit(len(self.RM)), lambda s: TCState(s.rmState)

    # -- presentation ---------------------------------------------------------------
    def bounds(self) -> dict[str, Any]:
        """RMs, acceptors and the highest ballot."""
        return {"rms": len(self.RM), "acceptors": len(self.Acceptor), "max_ballot": self.Ballot[-1]}

    def show_message(self, m: tuple) -> dict[str, Any]:
        """A message as a TLA+ record."""
        rec: dict[str, Any] = {"type": MSG_TYPES[m[0]]}
        for field, x in zip(m._fields[1:], m[1:]):
            if field == "ins":
                x = f"r{x + 1}"
            elif field == "acc":
                x = f"a{x + 1}"
            elif field == "val":
                x = "none" if x == NONE else RM_STATES[x]
            rec[field] = x
        return rec

    def show_state(self, s: PCState) -> dict[str, Any]:
        """RMs as r1..rn, acceptors as a1..an, strings for the TLA+ strings."""
        rms = [f"r{i + 1}" for i in self.RM]
        accs = [f"a{i + 1}" for i in self.Acceptor]
        return {
            "rmState": {r: RM_STATES[x] for r, x in zip(rms, s.rmState)},
            "aState": {
                r: {
                    a: {"mbal": x.mbal, "bal": x.bal, "val": "none" if x.val == NONE else RM_STATES[x.val]}
                    for a, x in zip(accs, row)
                }
                for r, row in zip(rms, s.aState)
            },
            "msgs": [self.show_message(m) for m in sorted(s.msgs)],
        }
