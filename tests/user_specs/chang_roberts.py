"""ChangRoberts.tla (tlaplus/Examples, specifications/chang_roberts), leader election on a ring.

Translated from the TLA+ text (the PlusCal translation) by following docs/writing-a-spec.md.
Nodes are 0..N-1 (the TLA+ text's 1..N); `Id[i]` is node i's identity, the smallest initiator's
identity wins. MCChangRoberts.cfg (N = 3, Id = <<1, 2, 3>>): TLC 2.20 gives 137 distinct states,
227 generated, depth 10.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, NamedTuple

from leader_election import Elected, LeaderElection

from spec.core import WF, Label, LeadsTo, MscEvent, Spec, SpecError, action, explains, invariant, refines, witness
from spec.limits import enumerable

N0, N1 = range(2)  # the process's pc: labels n0 and n1 ("Done" is never reached: while (TRUE))
PC = ("n0", "n1")
CAND, LOST, WON = range(3)
STATE = ("cand", "lost", "won")


class CRState(NamedTuple):
    msgs: tuple[frozenset[int], ...]  # msgs[n]: identities waiting to be received by node n
    pc: tuple[int, ...]
    initiator: tuple[bool, ...]
    state: tuple[int, ...]


class ChangRoberts(Spec):
    """Chang and Roberts's leader election on a unidirectional ring: the smallest initiator wins."""

    variables = ("msgs", "pc", "initiator", "state")

    def __init__(
        self,
        nodes: Annotated[int, "number of nodes on the ring (N)"] = 3,
        ids: Annotated[str, "the nodes' identities, comma-separated (Id); default 1..N"] = "",
    ) -> None:
        self.Node = tuple(range(nodes))
        try:
            self.Id = tuple(int(x) for x in ids.split(",")) if ids else tuple(range(1, nodes + 1))
        except ValueError:
            raise SpecError(f"--ids takes comma-separated integers, got {ids!r}") from None
        if len(self.Id) != nodes:
            raise SpecError(f"--ids gives {len(self.Id)} identities for --nodes {nodes}")
        if len(set(self.Id)) != nodes:
            raise SpecError("--ids must give distinct identities")
        enumerable("chang_roberts", "initial states", 2**nodes, f"--nodes {nodes}")  # each node starts or not
        super().__init__()

    def succ(self, n: int) -> int:
        """The successor along the ring."""
        return (n + 1) % len(self.Node)

    def init_states(self) -> Iterator[CRState]:
        """Init: no messages, each node an initiator or not, a candidate if it is one."""
        n = len(self.Node)
        for bits in range(2**n):
            initiator = tuple(bool(bits >> i & 1) for i in self.Node)
            state = tuple(CAND if x else LOST for x in initiator)
            yield CRState((frozenset(),) * n, (N0,) * n, initiator, state)

    def each_node(self, s: CRState) -> list[tuple[int]]:
        return [(n,) for n in self.Node]

    @staticmethod
    def send(msgs: tuple[frozenset[int], ...], to: int, m: int) -> tuple[frozenset[int], ...]:
        """[msgs EXCEPT ![to] = @ \\cup {m}]"""
        return msgs[:to] + (msgs[to] | {m},) + msgs[to + 1 :]

    @action(each_node)
    def n0(self, s: CRState, n: int) -> CRState | None:
        if s.pc[n] != N0:
            return None
        msgs = self.send(s.msgs, self.succ(n), self.Id[n]) if s.initiator[n] else s.msgs
        return s._replace(msgs=msgs, pc=s.pc[:n] + (N1,) + s.pc[n + 1 :])

    @action(lambda self, s: [(n, i) for n in self.Node for i in s.msgs[n]])  # with (id \in msgs[self])
    def n1(self, s: CRState, n: int, id: int) -> CRState | None:
        if s.pc[n] != N1 or id not in s.msgs[n]:
            return None
        if s.state[n] == LOST:
            return s._replace(msgs=self.pass_on(s, n, id))
        if id < self.Id[n]:
            return s._replace(state=self.set_state(s, n, LOST), msgs=self.pass_on(s, n, id))
        rest = s.msgs[:n] + (s.msgs[n] - {id},) + s.msgs[n + 1 :]  # _msgs
        if id == self.Id[n]:
            return s._replace(msgs=rest, state=self.set_state(s, n, WON))
        return s._replace(msgs=rest)

    def pass_on(self, s: CRState, n: int, id: int) -> tuple[frozenset[int], ...]:
        """[_msgs EXCEPT ![succ(self)] = @ \\cup {id}]: node n takes id from its queue and forwards it."""
        return self.send(s.msgs[:n] + (s.msgs[n] - {id},) + s.msgs[n + 1 :], self.succ(n), id)

    def set_state(self, s: CRState, n: int, x: int) -> tuple[int, ...]:
        return s.state[:n] + (x,) + s.state[n + 1 :]

    @invariant
    def TypeOK(self, s: CRState) -> bool:
        ids = set(self.Id)
        return (
            all(p in (N0, N1) for p in s.pc)
            and all(m <= ids for m in s.msgs)
            and all(isinstance(x, bool) for x in s.initiator)
            and all(x in (CAND, LOST, WON) for x in s.state)
        )

    @invariant
    def Correctness(self, s: CRState) -> bool:
        for n in self.Node:
            if s.state[n] != WON:
                continue
            if not s.initiator[n]:
                return False
            for m in self.Node:
                if m != n and (s.state[m] != LOST or (s.initiator[m] and not self.Id[m] > self.Id[n])):
                    return False
        return True

    @explains("Correctness")
    def why_incorrect(self, s: CRState) -> str | None:
        """Which winner, and which node did not lose or beats it."""
        node = [self.show_param("n0", "n", n) for n in self.Node]
        for n in (n for n in self.Node if s.state[n] == WON):
            if not s.initiator[n]:
                return f"{node[n]} won without being an initiator"
            for m in self.Node:
                if m != n and s.state[m] != LOST:
                    return f"{node[n]} won while {node[m]} is {STATE[s.state[m]]}"
                if m != n and s.initiator[m] and self.Id[m] < self.Id[n]:
                    return f"{node[n]} (Id {self.Id[n]}) won over the initiator {node[m]} (Id {self.Id[m]})"
        return None

    @witness
    def SomeoneWins(self, s: CRState) -> bool:
        """A leader is elected: the invariants do not hold only because nothing happens."""
        return WON in s.state

    def fairness(self) -> list:
        """\\A self \\in Node : WF_vars(node(self)), node(self) == n0(self) \\/ n1(self)."""
        return [WF("n0", "n1", n=n) for n in self.Node]

    def properties(self) -> dict:
        """Liveness == (\\E n : state[n] = "cand") => <>(\\E n : state[n] = "won"), a formula about the initial
        state; stated here as the stronger leads-to, which also holds (no node becomes a candidate later)."""
        some_cand, some_won = (lambda s: CAND in s.state), (lambda s: WON in s.state)
        return {"Liveness": LeadsTo(some_cand, some_won, "(\\E n : state[n] = cand) ~> (\\E n : state[n] = won)")}

    def show_state(self, s: CRState) -> dict[str, Any]:
        """Each variable a function of the nodes, as a dict keyed by node (p1..pN, the TLA+ text's 1..N):
        check prints only the nodes a step changed, the explorer a table with a column per node."""
        names = [self.show_param("n0", "n", n) for n in self.Node]
        return {
            "msgs": dict(zip(names, (sorted(m) for m in s.msgs))),
            "pc": dict(zip(names, (PC[p] for p in s.pc))),
            "initiator": dict(zip(names, s.initiator)),
            "state": dict(zip(names, (STATE[x] for x in s.state))),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return f"p{value + 1}" if param == "n" else value

    def msc_nodes(self) -> list[str]:
        return [self.show_param("n0", "n", n) for n in self.Node]

    def msc_event(self, prev: CRState, label: Label, nxt: CRState) -> MscEvent:
        """The node taking the step, the identity it takes from its queue and the one it passes on."""
        n = label.params[0]
        me, to = self.show_param("n0", "n", n), self.show_param("n0", "n", self.succ(n))
        got = (f"{label.params[1]} to {me}",) if label.name == "n1" else ()
        sent = tuple(f"{i} to {to}" for i in sorted(nxt.msgs[self.succ(n)] - prev.msgs[self.succ(n)]))
        return MscEvent(me, got, sent)

    @refines(LeaderElection)
    def as_election(self) -> tuple[LeaderElection, Any]:
        """The abstract election over the same identities: the leader is the node that won."""
        abstract = LeaderElection(len(self.Node), ",".join(map(str, self.Id)))
        return abstract, lambda s: Elected(s.initiator, s.state.index(WON) if WON in s.state else -1)


class KeepCandidate(ChangRoberts):
    """A node that forwards a smaller identity stays a candidate instead of recording its loss."""

    variant = "keep-candidate"
    rule = "n1 forwards an identity smaller than its own without setting state to lost"
    breaks = "Correctness"
    failing_bounds = {"nodes": 2}
    trace_length = 4

    def n1(self, s: CRState, n: int, id: int) -> CRState | None:
        if s.pc[n] == N1 and id in s.msgs[n] and s.state[n] == CAND and id < self.Id[n]:
            return s._replace(msgs=self.pass_on(s, n, id))
        return super().n1(s, n, id)


class ForwardLarger(ChangRoberts):
    """A candidate forwards a larger identity instead of swallowing it, so a larger node can win too."""

    variant = "forward-larger"
    rule = "n1 forwards an identity larger than the candidate's own"
    breaks = "Correctness"
    failing_bounds = {"nodes": 2}
    trace_length = 4

    def n1(self, s: CRState, n: int, id: int) -> CRState | None:
        if s.pc[n] == N1 and id in s.msgs[n] and s.state[n] == CAND and id > self.Id[n]:
            return s._replace(msgs=self.pass_on(s, n, id))
        return super().n1(s, n, id)
