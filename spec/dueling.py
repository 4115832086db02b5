"""Two Paxos proposers duelling over unbounded ballots: the classic livelock, as a finite model.

Paxos (Paxos.tla) with a bound on ballots cannot duel for ever: ballots run out and the
last one wins.  Real proposers pick ever higher ballots, and only the *order* of ballots
matters to an acceptor.  This spec keeps, per proposer, its current ballot and phase, and
per acceptor the ballot it has promised, with ballots renumbered by rank after each step
(0 = the lowest ballot still referenced).  That renumbering makes the state space finite
while every comparison an acceptor makes is unchanged, so the duel appears as a cycle:

    p1 prepares, a quorum promises; p2 prepares higher, a quorum promises;
    p1's accept is refused, p1 prepares higher; p2's accept is refused; ...

Liveness (``<>decided``) fails under weak fairness of every action when both proposers may
start ballots; the ``distinguished-leader`` variant (only proposer 0 starts ballots, as
MCLSpec's fairness singles out one leader) satisfies it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from spec.core import WF, Eventually, Fair, Label, MscEvent, Spec, Temporal, action, declare, invariant
from spec.limits import bounded
from spec.registry import Option, SpecEntry, register, variant

IDLE, PREPARE, ACCEPT = 0, 1, 2
PHASES = ("idle", "prepare", "accept")


class DuelState(NamedTuple):
    """Ballots are ranks (-1: none); acks[p] are the acceptors answering p's current phase."""

    ballot: tuple[int, ...]
    phase: tuple[int, ...]
    promised: tuple[int, ...]
    acks: tuple[frozenset[int], ...]
    decided: int


def _normalize(ballot: tuple[int, ...], promised: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Renumber the ballots in use as 0, 1, 2, ... keeping their order."""
    rank = {b: i for i, b in enumerate(sorted({b for b in ballot + promised if b >= 0}))}
    rank[-1] = -1
    return tuple(rank[b] for b in ballot), tuple(rank[b] for b in promised)


class Dueling(Spec):
    """Two proposers, ``acceptors`` acceptors with majority quorums, one value."""

    canonical_order = False  # enumerators iterate tuples and ranges, or sets of small-int tuples built alike

    name = "dueling"
    variables = ("ballot", "phase", "promised", "acks", "decided")
    #: proposers allowed to start ballots (``None``: all of them)
    leaders: tuple[int, ...] | None = None

    def __init__(self, acceptors: int = 3) -> None:
        bounded("dueling", "--acceptors", acceptors, 1)
        self.Acceptor = tuple(range(acceptors))
        self.Proposer = (0, 1)
        self.majority = acceptors // 2 + 1
        super().__init__()

    def init_states(self) -> list[DuelState]:
        """No ballot started, no promise, nothing decided."""
        n = len(self.Acceptor)
        return [DuelState((-1, -1), (IDLE, IDLE), (-1,) * n, (frozenset(), frozenset()), 0)]

    def _with(self, s: DuelState, p: int, **kw: Any) -> DuelState:
        ballot, promised = _normalize(kw.get("ballot", s.ballot), kw.get("promised", s.promised))
        phase = s.phase[:p] + (kw["phase"],) + s.phase[p + 1 :] if "phase" in kw else s.phase
        acks = s.acks[:p] + (kw["acks"],) + s.acks[p + 1 :] if "acks" in kw else s.acks
        return DuelState(ballot, phase, promised, acks, kw.get("decided", s.decided))

    @action(params=lambda self, s: ((p,) for p in self.Proposer))
    def Prepare(self, s: DuelState, p: int) -> DuelState | None:
        """Proposer p, idle, starts a ballot higher than every ballot in use (Phase1a)."""
        if s.phase[p] != IDLE or (self.leaders is not None and p not in self.leaders):
            return None
        top = max(s.ballot + s.promised)
        ballot = s.ballot[:p] + (top + 1,) + s.ballot[p + 1 :]
        return self._with(s, p, ballot=ballot, phase=PREPARE, acks=frozenset())

    @action(params=lambda self, s: ((a, p) for a in self.Acceptor for p in self.Proposer))
    def Promise(self, s: DuelState, a: int, p: int) -> DuelState | None:
        """Acceptor a promises p's ballot, higher than any it promised (Phase1b)."""
        if s.phase[p] != PREPARE or not s.ballot[p] > s.promised[a]:
            return None
        promised = s.promised[:a] + (s.ballot[p],) + s.promised[a + 1 :]
        return self._with(s, p, promised=promised, acks=s.acks[p] | {a})

    @action(params=lambda self, s: ((p,) for p in self.Proposer))
    def Accept(self, s: DuelState, p: int) -> DuelState | None:
        """Proposer p, promised by a majority, asks for votes (Phase2a)."""
        if s.phase[p] != PREPARE or len(s.acks[p]) < self.majority:
            return None
        return self._with(s, p, phase=ACCEPT, acks=frozenset())

    @action(params=lambda self, s: ((a, p) for a in self.Acceptor for p in self.Proposer))
    def Accepted(self, s: DuelState, a: int, p: int) -> DuelState | None:
        """Acceptor a votes in p's ballot if it promised nothing higher (Phase2b); a majority decides."""
        if s.phase[p] != ACCEPT or a in s.acks[p] or not s.ballot[p] >= s.promised[a]:
            return None
        acks = s.acks[p] | {a}
        promised = s.promised[:a] + (s.ballot[p],) + s.promised[a + 1 :]
        return self._with(s, p, promised=promised, acks=acks, decided=int(s.decided or len(acks) >= self.majority))

    @action(params=lambda self, s: ((p, a) for p in self.Proposer for a in self.Acceptor))
    def Preempted(self, s: DuelState, p: int, a: int) -> DuelState | None:
        """Acceptor a refuses p's ballot (it promised a higher one); p gives it up and goes idle."""
        if s.phase[p] == IDLE or not s.promised[a] > s.ballot[p] or s.decided:
            return None
        return self._with(s, p, phase=IDLE, acks=frozenset())

    @invariant
    def TypeOK(self, s: DuelState) -> bool:
        """Ranks stay below the number of ballots that can be referenced at once."""
        limit = len(self.Proposer) + len(self.Acceptor)
        return all(-1 <= b < limit for b in s.ballot + s.promised) and s.decided in (0, 1)

    def bounds(self) -> dict[str, Any]:
        """Acceptors (proposers are always two)."""
        return {"acceptors": len(self.Acceptor)}

    def show_state(self, s: DuelState) -> dict[str, Any]:
        """Proposers as p1, p2 and acceptors as a1..an."""
        ps = [f"p{p + 1}" for p in self.Proposer]
        return {
            "ballot": dict(zip(ps, s.ballot)),
            "phase": dict(zip(ps, (PHASES[x] for x in s.phase))),
            "promised": {f"a{a + 1}": s.promised[a] for a in self.Acceptor},
            "acks": {ps[p]: sorted(f"a{a + 1}" for a in s.acks[p]) for p in self.Proposer},
            "decided": bool(s.decided),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """Proposers as p1, p2; acceptors as a1..an."""
        return f"{param}{value + 1}" if param in ("a", "p") else value


register(
    SpecEntry(
        name="dueling",
        cls=Dueling,
        summary="Two Paxos proposers over unbounded ballots (ranked): the duelling-proposers livelock",
        options=(Option("--acceptors", "acceptors", int, 3, "number of acceptors (majority quorums)"),),
    )
)


@variant("dueling")
class DistinguishedLeader(Dueling):
    """Only proposer p1 starts ballots: no duel, so the weakly fair run decides."""

    variant = "distinguished-leader"
    rule = "Prepare(p) only for the distinguished leader p1"
    leaders = (0,)


def every_action_fair(spec: Dueling) -> list[Fair]:
    """Weak fairness of every action instance (each proposer, each acceptor/proposer pair)."""
    out = []
    for p in spec.Proposer:
        pn = f"p{p + 1}"
        out += [WF(name, p=p, text=f"WF({name}({pn}))") for name in ("Prepare", "Accept", "Preempted")]
        for name in ("Promise", "Accepted"):
            out += [WF(name, a=a, p=p, text=f"WF({name}(a{a + 1}, {pn}))") for a in spec.Acceptor]
    return out


def decided(spec: Dueling) -> dict[str, Temporal]:
    """Liveness: eventually a majority votes in one ballot."""
    return {"Liveness": Eventually(lambda s: bool(s.decided), "<>decided")}


def msc_event(spec: Dueling, prev: DuelState, label: Label, nxt: DuelState) -> MscEvent:
    """Proposers send prepare/accept requests; acceptors answer them."""
    p = dict(zip(spec.action(label.name).param_names, label.params))
    pn = f"p{p['p'] + 1}"
    if label.name == "Prepare":
        return MscEvent(pn, (), (f"prepare({pn}, b{nxt.ballot[p['p']]})",))
    if label.name == "Accept":
        return MscEvent(pn, (), (f"accept({pn}, b{nxt.ballot[p['p']]})",))
    an = f"a{p['a'] + 1}"
    if label.name == "Promise":
        return MscEvent(an, (f"prepare({pn}, b{prev.ballot[p['p']]})",), (f"promise({an}->{pn})",))
    if label.name == "Accepted":
        return MscEvent(an, (f"accept({pn}, b{prev.ballot[p['p']]})",), (f"voted({an}->{pn})",))
    return MscEvent(pn, (f"nack({an})",), ())


declare(
    Dueling,
    fairness=every_action_fair,
    properties=decided,
    msc_event=msc_event,
    msc_nodes=lambda spec: [f"p{p + 1}" for p in spec.Proposer] + [f"a{a + 1}" for a in spec.Acceptor],
)
