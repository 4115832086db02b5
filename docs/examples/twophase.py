"""TwoPhase.tla (tlaplus/Examples, specifications/transaction_commit) as a paxraft spec.

The two-phase commit protocol: a transaction manager (TM) collects "Prepared" messages from
the resource managers (RMs) and broadcasts "Commit" or "Abort".  Messages are a set that only
grows (``msgs``), as in the TLA+ text.  TwoPhase implements TCommit under the mapping that
keeps ``rmState`` (TLA+'s ``TC == INSTANCE TCommit``), declared below with ``@refines``.

    paxraft check docs/examples/twophase.py:TwoPhase --rms 3      # 288 distinct states, as TLC
    paxraft refine docs/examples/twophase.py:TwoPhase TCommit     # TPSpec => TC!TCSpec
    paxraft prove docs/examples/twophase.py:TwoPhase              # TCConsistent for any number of RMs

``TwoPhaseProof`` at the end is the protocol in first-order logic (docs/proofs.md, "Proving your own protocol").
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

import z3
from tcommit import ABORTED, COMMITTED, PREPARED, RM_STATE, WORKING, TCommit, TCState

from proofs.user import Encoding, transition
from spec.core import Label, MscEvent, Spec, action, invariant, refines

# TM states and message types, as small ints.
INIT, TM_COMMITTED, TM_ABORTED = range(3)
TM_STATE = ("init", "committed", "aborted")
MSG_PREPARED, MSG_COMMIT, MSG_ABORT = range(3)
MSG_TYPE = ("Prepared", "Commit", "Abort")


class TPState(NamedTuple):
    rmState: tuple[int, ...]
    tmState: int
    tmPrepared: frozenset[int]
    msgs: frozenset[tuple[int, ...]]  # (MSG_PREPARED, rm), (MSG_COMMIT,), (MSG_ABORT,)


class TwoPhase(Spec):
    """Two-phase commit (Gray and Lamport's TwoPhase.tla): a TM coordinates the RMs."""

    variables = ("rmState", "tmState", "tmPrepared", "msgs")

    def __init__(self, rms: Annotated[int, "number of resource managers (RM = r1..rN)"] = 3) -> None:
        self.RM = tuple(range(rms))
        super().__init__()

    def init_states(self) -> list[TPState]:
        """TPInit."""
        return [TPState((WORKING,) * len(self.RM), INIT, frozenset(), frozenset())]

    def each_rm(self, s: TPState) -> list[tuple[int]]:
        return [(rm,) for rm in self.RM]

    @staticmethod
    def set_rm(s: TPState, rm: int, value: int) -> tuple[int, ...]:
        return s.rmState[:rm] + (value,) + s.rmState[rm + 1 :]

    # -- the TM's actions -------------------------------------------------------------------
    @action(each_rm)
    def TMRcvPrepared(self, s: TPState, rm: int) -> TPState | None:
        if s.tmState != INIT or (MSG_PREPARED, rm) not in s.msgs:
            return None
        return s._replace(tmPrepared=s.tmPrepared | {rm})

    @action()
    def TMCommit(self, s: TPState) -> TPState | None:
        if s.tmState != INIT or len(s.tmPrepared) != len(self.RM):
            return None
        return s._replace(tmState=TM_COMMITTED, msgs=s.msgs | {(MSG_COMMIT,)})

    @action()
    def TMAbort(self, s: TPState) -> TPState | None:
        if s.tmState != INIT:
            return None
        return s._replace(tmState=TM_ABORTED, msgs=s.msgs | {(MSG_ABORT,)})

    # -- the RMs' actions -------------------------------------------------------------------
    @action(each_rm)
    def RMPrepare(self, s: TPState, rm: int) -> TPState | None:
        if s.rmState[rm] != WORKING:
            return None
        return s._replace(rmState=self.set_rm(s, rm, PREPARED), msgs=s.msgs | {(MSG_PREPARED, rm)})

    @action(each_rm)
    def RMChooseToAbort(self, s: TPState, rm: int) -> TPState | None:
        if s.rmState[rm] != WORKING:
            return None
        return s._replace(rmState=self.set_rm(s, rm, ABORTED))

    @action(each_rm)
    def RMRcvCommitMsg(self, s: TPState, rm: int) -> TPState | None:
        if (MSG_COMMIT,) not in s.msgs:
            return None
        return s._replace(rmState=self.set_rm(s, rm, COMMITTED))

    @action(each_rm)
    def RMRcvAbortMsg(self, s: TPState, rm: int) -> TPState | None:
        if (MSG_ABORT,) not in s.msgs:
            return None
        return s._replace(rmState=self.set_rm(s, rm, ABORTED))

    @invariant
    def TPTypeOK(self, s: TPState) -> bool:
        return (
            all(x in range(4) for x in s.rmState)
            and s.tmState in range(3)
            and s.tmPrepared <= set(self.RM)
            and all(m[0] in range(3) for m in s.msgs)
        )

    @invariant
    def TCConsistent(self, s: TPState) -> bool:
        """TCommit's invariant, on TwoPhase's own rmState (the refinement below implies it)."""
        return not (ABORTED in s.rmState and COMMITTED in s.rmState)

    # -- refinement: TC == INSTANCE TCommit --------------------------------------------------
    @refines(TCommit)
    def as_tcommit(self) -> tuple[TCommit, Any]:
        """TCommit over the same RMs; a TwoPhase state maps to its rmState."""
        return TCommit(len(self.RM)), lambda s: TCState(s.rmState)

    # -- how states and parameters read ------------------------------------------------------
    def show_state(self, s: TPState) -> dict[str, Any]:
        return {
            "rmState": {f"r{rm + 1}": RM_STATE[x] for rm, x in enumerate(s.rmState)},
            "tmState": TM_STATE[s.tmState],
            "tmPrepared": sorted(f"r{rm + 1}" for rm in s.tmPrepared),
            "msgs": sorted(MSG_TYPE[m[0]] + (f"(r{m[1] + 1})" if len(m) > 1 else "") for m in s.msgs),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return f"r{value + 1}"

    # -- the message-sequence chart of a trace (check --out): who acts, what it receives and sends
    def msc_nodes(self) -> list[str]:
        return ["TM"] + [f"r{rm + 1}" for rm in self.RM]

    def msc_event(self, prev: TPState, label: Label, nxt: TPState) -> MscEvent:
        if label.name.startswith("TM"):
            got = tuple(f"Prepared(r{rm + 1})" for rm in label.params)  # TMRcvPrepared(rm)
            sent = {"TMCommit": ("Commit",), "TMAbort": ("Abort",)}.get(label.name, ())
            return MscEvent("TM", got, sent)
        rm = f"r{label.params[0] + 1}"
        got = {"RMRcvCommitMsg": ("Commit",), "RMRcvAbortMsg": ("Abort",)}.get(label.name, ())
        return MscEvent(rm, got, (f"Prepared({rm})",) if label.name == "RMPrepare" else ())

    # -- symmetry: RMs are interchangeable --------------------------------------------------
    def symmetric_sets(self) -> dict[str, int]:
        return {"RM": len(self.RM)}

    def permute(self, s: TPState, perm: Any) -> TPState:
        pi = perm["RM"]
        rm_state = [WORKING] * len(self.RM)
        for rm, x in enumerate(s.rmState):
            rm_state[pi[rm]] = x
        msgs = frozenset((m[0], pi[m[1]]) if m[0] == MSG_PREPARED else m for m in s.msgs)
        return TPState(tuple(rm_state), s.tmState, frozenset(pi[rm] for rm in s.tmPrepared), msgs)


class EagerCommit(TwoPhase):
    """The TM commits once any RM has prepared: a two-phase commit with one phase too few."""

    variant = "eager-commit"
    rule = "TMCommit needs one Prepared message, not all of them"
    breaks = "TCConsistent"
    failing_bounds = {"rms": 2}
    trace_length = 5

    def TMCommit(self, s: TPState) -> TPState | None:
        if s.tmState != INIT or not s.tmPrepared:
            return None
        return s._replace(tmState=TM_COMMITTED, msgs=s.msgs | {(MSG_COMMIT,)})


# -- the Z3 encoding: TCConsistent for any number of RMs ----------------------------------------------
RM_RELATIONS = ("working", "prepared", "committed", "aborted")  # rmState[r], one relation per value
RM_VALUES = (WORKING, PREPARED, COMMITTED, ABORTED)


class TwoPhaseProof(Encoding):
    """TwoPhase over a sort RM: rmState as four relations, the TM's state and the messages as propositions."""

    spec = TwoPhase
    sorts = ("RM",)
    variables = {
        **{name: "RM" for name in RM_RELATIONS},
        "tmInit": "", "tmCommitted": "", "tmAborted": "",
        "tmPrepared": "RM", "msgPrepared": "RM", "msgCommit": "", "msgAbort": "",
    }

    def init(self, s: Any) -> z3.BoolRef:
        r = z3.Const("R", self.RM)
        return z3.And(
            z3.ForAll([r], z3.And(s.working(r), *[z3.Not(getattr(s, n)(r)) for n in RM_RELATIONS[1:]])),
            s.tmInit, z3.Not(s.tmCommitted), z3.Not(s.tmAborted),
            z3.ForAll([r], z3.And(z3.Not(s.tmPrepared(r)), z3.Not(s.msgPrepared(r)))),
            z3.Not(s.msgCommit), z3.Not(s.msgAbort),
        )

    def set_rm(self, s: Any, t: Any, rm: z3.ExprRef, value: str) -> z3.BoolRef:
        """rmState' = [rmState EXCEPT ![rm] = value]."""
        return z3.And([getattr(t, n).set(lambda x, n=n: z3.If(x == rm, z3.BoolVal(n == value), getattr(s, n)(x)))
                       for n in RM_RELATIONS])

    def tm_becomes(self, t: Any, state: str) -> z3.BoolRef:
        return z3.And([getattr(t, n) == z3.BoolVal(n == state) for n in ("tmInit", "tmCommitted", "tmAborted")])

    @transition(rm="RM")
    def TMRcvPrepared(self, s: Any, t: Any, rm: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.tmInit, s.msgPrepared(rm), t.tmPrepared.add(rm))

    def all_prepared(self, s: Any) -> z3.BoolRef:
        """TMCommit's guard: every RM is in tmPrepared."""
        r = z3.Const("R", self.RM)
        return z3.ForAll([r], s.tmPrepared(r))

    @transition()
    def TMCommit(self, s: Any, t: Any) -> z3.BoolRef:
        return z3.And(s.tmInit, self.all_prepared(s), self.tm_becomes(t, "tmCommitted"), t.msgCommit)

    @transition()
    def TMAbort(self, s: Any, t: Any) -> z3.BoolRef:
        return z3.And(s.tmInit, self.tm_becomes(t, "tmAborted"), t.msgAbort)

    @transition(rm="RM")
    def RMPrepare(self, s: Any, t: Any, rm: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.working(rm), self.set_rm(s, t, rm, "prepared"), t.msgPrepared.add(rm))

    @transition(rm="RM")
    def RMChooseToAbort(self, s: Any, t: Any, rm: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.working(rm), self.set_rm(s, t, rm, "aborted"))

    @transition(rm="RM")
    def RMRcvCommitMsg(self, s: Any, t: Any, rm: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.msgCommit, self.set_rm(s, t, rm, "committed"))

    @transition(rm="RM")
    def RMRcvAbortMsg(self, s: Any, t: Any, rm: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.msgAbort, self.set_rm(s, t, rm, "aborted"))

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        """Each conjunct is needed: without any one, an obligation has a counterexample (tests/test_user_proof.py)."""
        r = z3.Const("R", self.RM)
        tm = [s.tmInit, s.tmCommitted, s.tmAborted]
        return {
            "OneTMState": z3.And(z3.Or(tm), *[z3.Not(z3.And(a, b)) for a, b in pairs(tm)]),
            "CommitSentByTM": z3.Implies(s.msgCommit, s.tmCommitted),
            "AbortSentByTM": z3.Implies(s.msgAbort, s.tmAborted),
            "CommittedAllPrepared": z3.Implies(s.tmCommitted, z3.ForAll([r], s.tmPrepared(r))),
            "TMPreparedWasSent": z3.ForAll([r], z3.Implies(s.tmPrepared(r), s.msgPrepared(r))),
            "SentPreparedNotWorking": z3.ForAll([r], z3.Implies(s.msgPrepared(r), z3.Not(s.working(r)))),
            "PreparedAbortsOnAbortMsg": z3.ForAll([r], z3.Implies(z3.And(s.msgPrepared(r), s.aborted(r)), s.msgAbort)),
            "CommittedOnCommitMsg": z3.ForAll([r], z3.Implies(s.committed(r), s.msgCommit)),
        }

    def safety(self, s: Any) -> dict[str, z3.BoolRef]:
        r1, r2 = z3.Consts("R1 R2", self.RM)
        return {"TCConsistent": z3.ForAll([r1, r2], z3.Not(z3.And(s.committed(r1), s.aborted(r2))))}

    def domains(self, spec: TwoPhase) -> dict[str, Any]:
        return {"RM": spec.RM}

    def abstract(self, spec: TwoPhase, s: TPState) -> dict[str, Any]:
        return {
            **{n: (lambda r, v=v: s.rmState[r] == v) for n, v in zip(RM_RELATIONS, RM_VALUES)},
            "tmInit": s.tmState == INIT, "tmCommitted": s.tmState == TM_COMMITTED, "tmAborted": s.tmState == TM_ABORTED,
            "tmPrepared": lambda r: r in s.tmPrepared,
            "msgPrepared": lambda r: (MSG_PREPARED, r) in s.msgs,
            "msgCommit": (MSG_COMMIT,) in s.msgs, "msgAbort": (MSG_ABORT,) in s.msgs,
        }


def pairs(xs: list) -> list[tuple]:
    return [(a, b) for i, a in enumerate(xs) for b in xs[i + 1 :]]


class EagerCommitProof(TwoPhaseProof):
    """The variant's encoding: the TM commits once any RM has prepared."""

    spec = EagerCommit

    def all_prepared(self, s: Any) -> z3.BoolRef:
        r = z3.Const("R", self.RM)
        return z3.Exists([r], s.tmPrepared(r))
