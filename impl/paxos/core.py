"""Sans-IO single-decree Paxos: an acceptor and a proposer that consume messages and return messages.

No sockets, clocks or randomness: the simulation (``impl.paxos.sim``) delivers messages and
decides when a proposer starts a ballot.  Each handler returns ``(action, sent)``: the
name of the protocol step it took (``Phase1b``, ``Phase2b``, ``DropMessage``, ...) as
``spec/paxos.py`` names it, and the messages to send.

``bugs`` is a test-only switch set: each name plants one broken rule (see :data:`BUGS`),
so that the trace audit can be shown to catch it.  Production code never sets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Planted bugs, each one rule of Paxos broken on purpose (test-only).
BUGS = {
    "accept-below-promise": "an acceptor votes in a ballot lower than the one it promised",
    "forget-vote": "an acceptor's promise (1b) does not report the vote it already cast",
    "promise-not-raised": "an acceptor promises a ballot but does not raise maxBal",
    "promise-equal-ballot": "an acceptor answers a 1a whose ballot equals its promise (needs >)",
    "ignore-reported-votes": "a proposer proposes its own value even when a promise reports a vote",
    "minority-quorum": "a proposer starts phase 2 after promises from a minority",
}


@dataclass(frozen=True)
class Msg:
    """A Paxos message: type ``1a``/``1b``/``2a``/``2b`` and Paxos.tla's fields (absent ones are None)."""

    type: str
    bal: int
    acc: int | None = None  # acceptor node id (1b, 2b)
    mbal: int | None = None  # 1b: ballot of the acceptor's last vote, -1 if none
    mval: Any = None  # 1b: value of that vote, None if none
    val: Any = None  # 2a, 2b: the value
    dest: int | None = None  # None: to every acceptor / to the proposer that owns the ballot


class Acceptor:
    """One acceptor: its promise (maxBal) and its last vote (maxVBal, maxVal)."""

    def __init__(self, node: int, bugs: frozenset[str] = frozenset()) -> None:
        self.node = node
        self.maxBal = -1
        self.maxVBal = -1
        self.maxVal: Any = None
        self.bugs = bugs

    def state(self) -> dict[str, Any]:
        """The abstract fields of Paxos.tla for this acceptor."""
        return {"maxBal": self.maxBal, "maxVBal": self.maxVBal, "maxVal": self.maxVal}

    def handle(self, m: Msg) -> tuple[str, list[Msg]]:
        """Answer a 1a (promise) or a 2a (vote); anything else, or a stale ballot, is dropped."""
        if m.type == "1a":
            fresh = m.bal >= self.maxBal if "promise-equal-ballot" in self.bugs else m.bal > self.maxBal
            if not fresh:
                return "DropMessage", []
            if "promise-not-raised" not in self.bugs:
                self.maxBal = m.bal
            vbal, vval = (-1, None) if "forget-vote" in self.bugs else (self.maxVBal, self.maxVal)
            return "Phase1b", [Msg("1b", m.bal, acc=self.node, mbal=vbal, mval=vval)]
        if m.type == "2a":
            if m.bal < self.maxBal and "accept-below-promise" not in self.bugs:
                return "DropMessage", []
            self.maxBal = max(self.maxBal, m.bal)
            self.maxVBal, self.maxVal = m.bal, m.val
            return "Phase2b", [Msg("2b", m.bal, acc=self.node, val=m.val)]
        return "DropMessage", []


class Proposer:
    """One proposer (a ballot's leader) proposing ``value``; it owns the ballots it starts."""

    def __init__(self, node: int, value: Any, acceptors: int, bugs: frozenset[str] = frozenset()) -> None:
        self.node = node
        self.value = value
        self.quorum = 1 if "minority-quorum" in bugs else acceptors // 2 + 1
        self.bugs = bugs
        self.ballot = -1
        self.promises: dict[int, Msg] = {}
        self.phase = 0  # 0 idle, 1 collecting promises, 2 proposed
        self.proposed: Any = None
        self.votes: set[int] = set()
        self.chosen: Any = None

    def state(self) -> dict[str, Any]:
        """A proposer has no variable in Paxos.tla; its trace state is empty."""
        return {}

    def start(self, ballot: int) -> tuple[str, list[Msg]]:
        """Begin ``ballot`` (phase 1a)."""
        self.ballot, self.promises, self.phase, self.votes = ballot, {}, 1, set()
        return "Phase1a", [Msg("1a", ballot)]

    def handle(self, m: Msg) -> tuple[str | None, list[Msg]]:
        """Tally a promise or a vote for the current ballot; a quorum of promises sends the 2a."""
        if m.bal != self.ballot:
            return None, []
        if m.type == "1b" and self.phase == 1:
            self.promises[m.acc] = m  # type: ignore[index]
            if len(self.promises) >= self.quorum:
                return self._phase2a()
        elif m.type == "2b" and self.phase == 2:
            self.votes.add(m.acc)  # type: ignore[arg-type]
            if len(self.votes) >= self.quorum and self.chosen is None:
                self.chosen = m.val
        return None, []

    def _phase2a(self) -> tuple[str, list[Msg]]:
        voted = [p for p in self.promises.values() if p.mbal is not None and p.mbal >= 0]
        if voted and "ignore-reported-votes" not in self.bugs:
            value = max(voted, key=lambda p: p.mbal).mval  # type: ignore[arg-type,return-value]
        else:
            value = self.value
        self.phase, self.proposed = 2, value
        return "Phase2a", [Msg("2a", self.ballot, val=value)]
