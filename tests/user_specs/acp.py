"""ACP_SB.tla, ACP_NB.tla and ACP_NB_WRONG_TLC.tla (tlaplus/Examples, specifications/acp) as paxraft specs.

The atomic commitment protocol of Babaoglu and Toueg as Stephan Merz's students wrote it: a coordinator asks the
participants for their votes, decides commit (all yes) or abort, and broadcasts the decision; any process may die.
ACP_SB's broadcast is a series of messages a crash can interrupt, so a participant may wait for ever (AC5 fails);
ACP_NB's participants forward the decision to every other participant before delivering it (AC5 holds).
ACP_NB_WRONG delivers before forwarding and breaks AC1. tests/user_specs/acp/ holds the TLA+ and the cfgs TLC ran.

    paxraft check tests/user_specs/acp.py:ACP_SB                      # 54,944 / 218,352 / 21, TLC's ACP_SB_TLC.cfg
    paxraft check tests/user_specs/acp.py:ACP_NB --participants 2     # 4,284 / 23,988 / 19, TLC's ACP_NB_TLC.cfg
    paxraft check tests/user_specs/acp.py:ACP_NB --variant wrong --participants 2   # AC1, TLC's 12 steps
"""

from __future__ import annotations

from itertools import product
from typing import Annotated, Any, NamedTuple

from spec.core import WF, Eventually, Label, MscEvent, Spec, action, action_invariant, invariant

# The model values of the cfgs, as small ints; show_state prints their names.
YES, NO, UNDECIDED, COMMIT, ABORT, WAITING, NOTSENT = range(7)
NAME = ("yes", "no", "undecided", "commit", "abort", "waiting", "notsent")


class Participant(NamedTuple):
    vote: int
    alive: bool
    decision: int
    faulty: bool
    voteSent: bool


class ParticipantNB(NamedTuple):
    vote: int
    alive: bool
    decision: int
    faulty: bool
    voteSent: bool
    forward: tuple[int, ...]  # forward[j]: what this participant forwarded to j (forward[self]: its predecision)


class Coordinator(NamedTuple):
    request: tuple[bool, ...]
    vote: tuple[int, ...]
    broadcast: tuple[int, ...]
    decision: int
    alive: bool
    faulty: bool


class ACPState(NamedTuple):
    participant: tuple[Any, ...]  # Participant (SB) or ParticipantNB (NB), indexed by participant
    coordinator: Coordinator


def put(t: tuple, i: int, v: Any) -> tuple:
    """[t EXCEPT ![i] = v]."""
    return t[:i] + (v,) + t[i + 1 :]


class ACP_SB(Spec):  # noqa: N801 (the TLA+ module's name, which check prints)
    """Atomic commitment with a simple broadcast (Babaoglu and Toueg): consistent, but may block (AC5 fails)."""

    variables = ("participant", "coordinator")

    def __init__(self, participants: Annotated[int, "number of participants (p0..pN-1)"] = 3) -> None:
        self.P = tuple(range(participants))
        super().__init__()

    # -- Init -------------------------------------------------------------------------------------
    def new_participant(self, vote: int) -> Any:
        return Participant(vote, True, UNDECIDED, False, False)

    def init_states(self) -> list[ACPState]:
        """InitParticipant /\\ InitCoordinator: every vote in {yes, no}, nothing sent, everyone alive."""
        n = len(self.P)
        coord = Coordinator((False,) * n, (WAITING,) * n, (NOTSENT,) * n, UNDECIDED, True, False)
        return [ACPState(tuple(self.new_participant(v) for v in votes), coord)
                for votes in product((YES, NO), repeat=n)]

    # -- helpers ------------------------------------------------------------------------------------
    def each_i(self, s: ACPState) -> list[tuple[int]]:
        return [(i,) for i in self.P]

    @staticmethod
    def set_par(s: ACPState, i: int, **changes: Any) -> ACPState:
        """participant' = [participant EXCEPT ![i] = [@ EXCEPT !.f = ...]], coordinator unchanged."""
        return s._replace(participant=put(s.participant, i, s.participant[i]._replace(**changes)))

    @staticmethod
    def set_coord(s: ACPState, **changes: Any) -> ACPState:
        return s._replace(coordinator=s.coordinator._replace(**changes))

    # -- participant statements (parProgN == \E i : parDie(i) \/ parProg(i)) -------------------------
    @action(each_i)
    def parDie(self, s: ACPState, i: int) -> ACPState | None:
        if not s.participant[i].alive:
            return None
        return self.set_par(s, i, alive=False, faulty=True)

    @action(each_i)
    def sendVote(self, s: ACPState, i: int) -> ACPState | None:
        # No guard on voteSent: once sent, sending again is a stutter, as in the TLA+ text.
        if not (s.participant[i].alive and s.coordinator.request[i]):
            return None
        return self.set_par(s, i, voteSent=True)

    @action(each_i)
    def abortOnVote(self, s: ACPState, i: int) -> ACPState | None:
        p = s.participant[i]
        if not (p.alive and p.decision == UNDECIDED and p.voteSent and p.vote == NO):
            return None
        return self.set_par(s, i, decision=ABORT)

    @action(each_i)
    def abortOnTimeoutRequest(self, s: ACPState, i: int) -> ACPState | None:
        p, c = s.participant[i], s.coordinator
        if not (p.alive and p.decision == UNDECIDED and not c.alive and not c.request[i]):
            return None
        return self.set_par(s, i, decision=ABORT)

    @action(each_i)
    def decide(self, s: ACPState, i: int) -> ACPState | None:
        p, c = s.participant[i], s.coordinator
        if not (p.alive and p.decision == UNDECIDED and c.broadcast[i] != NOTSENT):
            return None
        return self.set_par(s, i, decision=c.broadcast[i])

    # -- coordinator statements (coordProgN == coordDie \/ makeDecision \/ \E i : coordProgA(i)) -------
    @action()
    def coordDie(self, s: ACPState) -> ACPState | None:
        if not s.coordinator.alive:
            return None
        return self.set_coord(s, alive=False, faulty=True)

    # makeDecision's abort disjunct is \E j : coordinator.vote[j] = no, in an enabling condition: TLC takes one step
    # per participant that voted no. So the witness is a parameter, `no`, and -1 stands for the commit disjunct.
    @action(lambda self, s: [(-1,)] + [(j,) for j in self.P])
    def makeDecision(self, s: ACPState, no: int) -> ACPState | None:
        c = s.coordinator
        if not (c.alive and c.decision == UNDECIDED and all(v in (YES, NO) for v in c.vote)):
            return None
        if no == -1:
            return self.set_coord(s, decision=COMMIT) if all(v == YES for v in c.vote) else None
        return self.set_coord(s, decision=ABORT) if c.vote[no] == NO else None

    @action(each_i)
    def request(self, s: ACPState, i: int) -> ACPState | None:
        c = s.coordinator
        if not c.alive or c.request[i]:
            return None
        return self.set_coord(s, request=put(c.request, i, True))

    def waiting_for(self, s: ACPState, i: int) -> bool:
        """The guard getVote(i) and detectFault(i) share: alive, undecided, every request sent, no vote from i."""
        c = s.coordinator
        return c.alive and c.decision == UNDECIDED and all(c.request) and c.vote[i] == WAITING

    @action(each_i)
    def getVote(self, s: ACPState, i: int) -> ACPState | None:
        p = s.participant[i]
        if not (self.waiting_for(s, i) and p.voteSent):
            return None
        return self.set_coord(s, vote=put(s.coordinator.vote, i, p.vote))

    @action(each_i)
    def detectFault(self, s: ACPState, i: int) -> ACPState | None:
        p = s.participant[i]
        if not (self.waiting_for(s, i) and not p.alive and not p.voteSent):
            return None
        return self.set_coord(s, decision=ABORT)

    @action(each_i)
    def coordBroadcast(self, s: ACPState, i: int) -> ACPState | None:
        c = s.coordinator
        if not (c.alive and c.decision != UNDECIDED and c.broadcast[i] == NOTSENT):
            return None
        return self.set_coord(s, broadcast=put(c.broadcast, i, c.decision))

    # -- correctness: safety ----------------------------------------------------------------------
    def participant_type_ok(self, p: Any) -> bool:
        return (p.vote in (YES, NO) and p.decision in (UNDECIDED, COMMIT, ABORT)
                and isinstance(p.alive, bool) and isinstance(p.faulty, bool) and isinstance(p.voteSent, bool))

    @invariant
    def TypeInv(self, s: ACPState) -> bool:
        c = s.coordinator
        return (len(s.participant) == len(self.P) and all(self.participant_type_ok(p) for p in s.participant)
                and all(v in (WAITING, YES, NO) for v in c.vote) and all(b in (COMMIT, ABORT, NOTSENT)
                                                                       for b in c.broadcast)
                and c.decision in (COMMIT, ABORT, UNDECIDED))

    @invariant
    def AC1(self, s: ACPState) -> bool:
        """All participants that decide reach the same decision."""
        decided = {p.decision for p in s.participant}
        return not (COMMIT in decided and ABORT in decided)

    @invariant
    def AC2(self, s: ACPState) -> bool:
        """A commit needs every vote yes."""
        return (not any(p.decision == COMMIT for p in s.participant)
                or all(p.vote == YES for p in s.participant))

    @invariant
    def AC3_1(self, s: ACPState) -> bool:
        """An abort needs a no vote, or a faulty participant, or a faulty coordinator."""
        return (not any(p.decision == ABORT for p in s.participant)
                or any(p.vote == NO or p.faulty for p in s.participant) or s.coordinator.faulty)

    @action_invariant
    def AC4_alt(self, s: ACPState, t: ACPState) -> bool:
        """Each participant decides at most once (AC4 as ACP_SB_TLC writes it for TLC):
        ``[][\\A i : decision[i] \\in {commit, abort} => decision'[i] = decision[i]]_<<participant>>``."""
        return all(p.decision == UNDECIDED or p.decision == q.decision for p, q in zip(s.participant, t.participant))

    # -- liveness ---------------------------------------------------------------------------------
    def decided_or_faulty(self, s: ACPState) -> bool:
        return all(p.decision in (ABORT, COMMIT) or p.faulty for p in s.participant)

    def properties(self) -> dict:
        return {
            "AC3_2": Eventually(lambda s: all(p.decision in (ABORT, COMMIT) for p in s.participant)
                                or any(p.faulty for p in s.participant) or s.coordinator.faulty,
                                "<>(all decided \\/ some participant faulty \\/ coordinator faulty)"),
            # The termination property ACP_SB does not have (the cfg's "invalid" AC5); ACP_NB has it.
            "AC5": Eventually(self.decided_or_faulty, "<>(\\A i : decided(i) \\/ faulty(i))"),
        }

    PAR_PROG = ("sendVote", "abortOnVote", "abortOnTimeoutRequest", "decide")
    COORD_PROG_B = ("makeDecision", "request", "getVote", "detectFault", "coordBroadcast")

    def fairness(self) -> list:
        """\\A i : WF(parProg(i)) /\\ WF(coordProgB): the deaths are left outside fairness."""
        return [WF(*self.PAR_PROG, i=i) for i in self.P] + [WF(*self.COORD_PROG_B)]

    # -- how states read --------------------------------------------------------------------------
    def show_participant(self, p: Any) -> dict[str, Any]:
        out = {"vote": NAME[p.vote], "alive": p.alive, "decision": NAME[p.decision], "faulty": p.faulty,
               "voteSent": p.voteSent}
        if isinstance(p, ParticipantNB):
            out["forward"] = {f"p{j}": NAME[x] for j, x in enumerate(p.forward)}
        return out

    def show_state(self, s: ACPState) -> dict[str, Any]:
        c = s.coordinator
        return {
            "participant": {f"p{i}": self.show_participant(p) for i, p in enumerate(s.participant)},
            "coordinator": {"request": {f"p{i}": r for i, r in enumerate(c.request)},
                            "vote": {f"p{i}": NAME[v] for i, v in enumerate(c.vote)},
                            "broadcast": {f"p{i}": NAME[b] for i, b in enumerate(c.broadcast)},
                            "decision": NAME[c.decision], "alive": c.alive, "faulty": c.faulty},
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return "none (all yes)" if value == -1 else f"p{value}"

    # -- the message-sequence chart: the coordinator's lifeline, then each participant's ---------------------
    def msc_nodes(self) -> list[str]:
        return ["coordinator"] + [f"p{i}" for i in self.P]

    def msc_event(self, prev: ACPState, label: Label, nxt: ACPState) -> MscEvent:
        name, params = label.name, label.params
        if not params or name in ("makeDecision", "request", "getVote", "detectFault", "coordBroadcast"):
            i = f"p{params[0]}" if params and params[0] >= 0 else ""
            sent = {"request": (f"request({i})",),
                    "coordBroadcast": (f"{NAME[prev.coordinator.decision]}({i})",)}.get(name, ())
            got = (f"vote({i})",) if name == "getVote" else ()
            return MscEvent("coordinator", got, sent)
        i = params[0]
        me, j = f"p{i}", f"p{params[1]}" if len(params) > 1 else ""
        if name == "sendVote":
            return MscEvent(me, (f"request({me})",), (f"vote({me})",))
        if name in ("decide", "preDecide"):
            return MscEvent(me, (f"{NAME[prev.coordinator.broadcast[i]]}({me})",))
        if name == "forward":
            return MscEvent(me, (), (f"{NAME[nxt.participant[i].forward[params[1]]]} {me}->{j}",))
        if name in ("preDecideOnForward", "decideOnForward"):
            return MscEvent(me, (f"{NAME[prev.participant[params[1]].forward[i]]} {j}->{me}",))
        return MscEvent(me)

    # -- symmetry: the participants are interchangeable (the cfgs' commented-out SYMMETRY Perms) ----
    def symmetric_sets(self) -> dict[str, int]:
        return {"participants": len(self.P)}

    def rename_participant(self, p: Any, pi: Any) -> Any:
        return p

    def permute(self, s: ACPState, perm: Any) -> ACPState:
        pi = perm["participants"]

        def moved(t: tuple) -> tuple:
            out = [None] * len(t)
            for i, x in enumerate(t):
                out[pi[i]] = x
            return tuple(out)

        c = s.coordinator
        return ACPState(moved(tuple(self.rename_participant(p, pi) for p in s.participant)),
                        c._replace(request=moved(c.request), vote=moved(c.vote), broadcast=moved(c.broadcast)))


class ACP_NB(ACP_SB):  # noqa: N801
    """Atomic commitment, non-blocking: a decision is forwarded to every participant before it is delivered."""

    # parProgNNB == \E i, j \in participants : parDie(i) \/ parProgNB(i, j): TLC takes each participant statement
    # once per j, even those that do not mention j (sendVote(i) is N steps), and counts each in its states
    # generated. So every participant action takes j, the existential's witness, to give TLC's counts.
    def each_ij(self, s: ACPState) -> list[tuple[int, int]]:
        return [(i, j) for i in self.P for j in self.P]

    def new_participant(self, vote: int) -> Any:
        return ParticipantNB(vote, True, UNDECIDED, False, False, (NOTSENT,) * len(self.P))

    def rename_participant(self, p: Any, pi: Any) -> Any:
        out = [NOTSENT] * len(p.forward)
        for j, x in enumerate(p.forward):
            out[pi[j]] = x
        return p._replace(forward=tuple(out))

    @action(each_ij)
    def parDie(self, s: ACPState, i: int, j: int) -> ACPState | None:  # type: ignore[override]
        return ACP_SB.parDie(self, s, i)

    @action(each_ij)
    def sendVote(self, s: ACPState, i: int, j: int) -> ACPState | None:  # type: ignore[override]
        return ACP_SB.sendVote(self, s, i)

    @action(each_ij)
    def abortOnVote(self, s: ACPState, i: int, j: int) -> ACPState | None:  # type: ignore[override]
        return ACP_SB.abortOnVote(self, s, i)

    @action(each_ij)
    def abortOnTimeoutRequest(self, s: ACPState, i: int, j: int) -> ACPState | None:  # type: ignore[override]
        return ACP_SB.abortOnTimeoutRequest(self, s, i)

    @action(each_ij)
    def forward(self, s: ACPState, i: int, j: int) -> ACPState | None:
        """forward(i, j): i passes its predecision on to j."""
        p = s.participant[i]
        if not (i != j and p.alive and p.forward[i] != NOTSENT and p.forward[j] == NOTSENT):
            return None
        return self.set_par(s, i, forward=put(p.forward, j, p.forward[i]))

    @action(each_ij)
    def preDecideOnForward(self, s: ACPState, i: int, j: int) -> ACPState | None:
        """i takes the predecision j forwarded to it."""
        p = s.participant[i]
        got = s.participant[j].forward[i]
        if not (i != j and p.alive and p.forward[i] == NOTSENT and got != NOTSENT):
            return None
        return self.set_par(s, i, forward=put(p.forward, i, got))

    @action(each_ij)
    def abortOnTimeout(self, s: ACPState, i: int, j: int) -> ACPState | None:
        """The coordinator died before its decision reached a live participant, and so did every dead forwarder."""
        p, c, ps = s.participant[i], s.coordinator, s.participant
        if not (p.alive and p.decision == UNDECIDED and not c.alive):
            return None
        if not all(c.broadcast[k] == NOTSENT for k in self.P if ps[k].alive):
            return None
        if not all(ps[d].forward[k] == NOTSENT for d in self.P for k in self.P if not ps[d].alive and ps[k].alive):
            return None
        return self.set_par(s, i, decision=ABORT)

    @action(each_ij)
    def preDecide(self, s: ACPState, i: int, j: int) -> ACPState | None:
        """i takes the coordinator's decision as its predecision."""
        p, c = s.participant[i], s.coordinator
        if not (p.alive and p.forward[i] == NOTSENT and c.broadcast[i] != NOTSENT):
            return None
        return self.set_par(s, i, forward=put(p.forward, i, c.broadcast[i]))

    @action(each_ij)
    def decideNB(self, s: ACPState, i: int, j: int) -> ACPState | None:
        """i delivers its predecision once it has forwarded it to everyone (again and again: a stutter then)."""
        p = s.participant[i]
        if not (p.alive and all(x != NOTSENT for x in p.forward)):
            return None
        return self.set_par(s, i, decision=p.forward[i])

    @action(present=lambda self: False)
    def decide(self, s: ACPState, i: int) -> ACPState | None:
        """Not a statement of ACP_NB: preDecide and decideNB take its place."""
        return None

    def participant_type_ok(self, p: Any) -> bool:
        return super().participant_type_ok(p) and all(x in (NOTSENT, COMMIT, ABORT) for x in p.forward)

    PAR_PROG = ("sendVote", "abortOnVote", "abortOnTimeoutRequest", "forward", "preDecideOnForward",
                "abortOnTimeout", "preDecide", "decideNB")

    def fairness(self) -> list:
        """\\A i : WF(\\E j : parProgNB(i, j)) /\\ WF(coordProgB)."""
        return super().fairness()


class ACP_NB_WRONG(ACP_NB):  # noqa: N801
    """ACP_NB_WRONG_TLC: a participant delivers the decision before forwarding it."""

    variant = "wrong"
    rule = "deliver a broadcast locally before forwarding it (decide, then forward the decision)"
    breaks = "AC1"
    failing_bounds = {"participants": 2}
    trace_length = 12

    # parProgNB(i, j) == parProg(i) \/ forward(i, j) \/ decideOnForward(i, j) \/ abortOnTimeout(i)
    @action(ACP_NB.each_ij)
    def decide(self, s: ACPState, i: int, j: int) -> ACPState | None:  # type: ignore[override]
        return ACP_SB.decide(self, s, i)

    @action(ACP_NB.each_ij)
    def forward(self, s: ACPState, i: int, j: int) -> ACPState | None:
        # decision # notsent always holds: an undecided participant forwards "undecided".
        p = s.participant[i]
        if not (i != j and p.alive and p.decision != NOTSENT and p.forward[j] == NOTSENT):
            return None
        return self.set_par(s, i, forward=put(p.forward, j, p.decision))

    @action(ACP_NB.each_ij)
    def decideOnForward(self, s: ACPState, i: int, j: int) -> ACPState | None:
        p = s.participant[i]
        got = s.participant[j].forward[i]
        if not (i != j and p.alive and p.decision == UNDECIDED and got != NOTSENT):
            return None
        return self.set_par(s, i, decision=got)

    @action(present=lambda self: False)
    def preDecideOnForward(self, s: ACPState, i: int, j: int) -> ACPState | None:
        return None

    @action(present=lambda self: False)
    def preDecide(self, s: ACPState, i: int, j: int) -> ACPState | None:
        return None

    @action(present=lambda self: False)
    def decideNB(self, s: ACPState, i: int, j: int) -> ACPState | None:
        return None

    def participant_type_ok(self, p: Any) -> bool:  # forward may hold "undecided" here
        return ACP_SB.participant_type_ok(self, p)

    PAR_PROG = ("sendVote", "abortOnVote", "abortOnTimeoutRequest", "decide", "forward", "decideOnForward",
                "abortOnTimeout")
