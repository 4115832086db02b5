"""Termination detection of a diffusing computation, abstractly: the spec EWD687a refines (ewd687a.py).

Not in tlaplus/Examples: written by the user who translated EWD687a.tla, as the property the tree algorithm
implements. Processes compute and send messages along a graph's edges (the computation of EWD687a.tla, without its
acks and overlay tree); ``detected`` is the leader's announcement that the computation has terminated, which may
come only when every process is idle and no message is in transit, and never goes away.

    paxraft check tests/user_specs/termination_detection.py --bound 2
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from spec.core import WF, LeadsTo, Spec, SpecError, action, invariant


class TDState(NamedTuple):
    active: tuple[bool, ...]  # active[p]
    msgs: tuple[int, ...]  # msgs[e]: computation messages in transit on edge e
    detected: bool  # the leader has announced termination


def put(t: tuple, i: int, v: object) -> tuple:
    """[t EXCEPT ![i] = v]."""
    return t[:i] + (v,) + t[i + 1 :]


def parse_graph(procs: str, edges: str, leader: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...], int]:
    """The constants Procs, Edges and Leader from the flags, checked as EWD687a.tla's ASSUME EdgeFacts.

    ``--procs L,P1,P2`` names the processes; ``--edges L>P1,P1>P2`` the edges (a set: a repeated edge counts once,
    as MCEWD687a's Edges, which lists <<P1, P2>> twice); ``--leader L`` the leader.
    """
    names = tuple(p.strip() for p in procs.split(",") if p.strip())
    if len(set(names)) != len(names) or not names:
        raise SpecError(f"--procs {procs!r}: name each process once, comma-separated (e.g. L,P1,P2)")
    index = {p: i for i, p in enumerate(names)}
    graph: list[tuple[int, int]] = []
    for item in (x.strip() for x in edges.split(",") if x.strip()):
        ends = item.split(">")
        if len(ends) != 2 or any(e.strip() not in index for e in ends):
            raise SpecError(f"--edges: {item!r} is no edge p>q between processes of --procs ({', '.join(names)})")
        p, q = index[ends[0].strip()], index[ends[1].strip()]
        if p == q:
            raise SpecError(f"--edges: {item!r} joins a process to itself (EWD687a's EdgeFacts: e[1] # e[2])")
        if (p, q) not in graph:
            graph.append((p, q))
    if leader not in index:
        raise SpecError(f"--leader {leader!r} is none of --procs ({', '.join(names)})")
    into = [f"{names[p]}>{leader}" for p, q in graph if q == index[leader]]
    if into:
        raise SpecError(
            f"--edges: {', '.join(into)} points to the leader, which receives no computation message "
            "(EWD687a's EdgeFacts: InEdges(Leader) = {})"
        )
    return names, tuple(graph), index[leader]


class TerminationDetection(Spec):
    """A diffusing computation and its detection: the leader announces termination only once it has happened."""

    variables = ("active", "msgs", "detected")

    def __init__(
        self,
        procs: Annotated[str, "the processes, comma-separated (Procs)"] = "L,P1,P2,P3",
        edges: Annotated[str, "the edges p>q, comma-separated (Edges)"] = "L>P1,P1>P2,P2>P1,P2>P3",
        leader: Annotated[str, "the leader (Leader)"] = "L",
        bound: Annotated[int, "state constraint: fewer than this many messages in transit on each edge"] = 3,
    ) -> None:
        self.names, self.Edges, self.Leader = parse_graph(procs, edges, leader)
        if bound < 1:
            raise SpecError(f"--bound must be at least 1, got {bound}")
        self.bound = bound
        self.Procs = tuple(range(len(self.names)))
        self.out_edges = tuple(tuple(e for e, (a, _) in enumerate(self.Edges) if a == p) for p in self.Procs)
        self.in_edges = tuple(tuple(e for e, (_, b) in enumerate(self.Edges) if b == p) for p in self.Procs)
        super().__init__()

    def init_states(self) -> list[TDState]:
        return [TDState(tuple(p == self.Leader for p in self.Procs), (0,) * len(self.Edges), False)]

    def terminated(self, s: TDState) -> bool:
        return not any(s.active) and not any(s.msgs)

    @action(lambda self, s: [(p, e) for p in self.Procs for e in self.out_edges[p]])
    def SendMsg(self, s: TDState, p: int, e: int) -> TDState | None:
        if not s.active[p]:
            return None
        return s._replace(msgs=put(s.msgs, e, s.msgs[e] + 1))

    @action(lambda self, s: [(p, e) for p in self.Procs for e in self.in_edges[p]])
    def RcvMsg(self, s: TDState, p: int, e: int) -> TDState | None:
        if s.msgs[e] == 0:
            return None
        return s._replace(active=put(s.active, p, True), msgs=put(s.msgs, e, s.msgs[e] - 1))

    @action(lambda self, s: [(p, d) for p in self.Procs for d in (False, True)])
    def Idle(self, s: TDState, p: int, detect: bool) -> TDState | None:
        """p goes idle; when that ends the computation, the leader may announce it in the same step."""
        t = s._replace(active=put(s.active, p, False))
        if detect:
            if s.detected or not self.terminated(t):
                return None
            t = t._replace(detected=True)
        return t

    @action()
    def Detect(self, s: TDState) -> TDState | None:
        if s.detected or not self.terminated(s):
            return None
        return s._replace(detected=True)

    def constraint(self, s: TDState) -> bool:
        return all(m < self.bound for m in s.msgs)

    @invariant
    def DetectedOnlyTerminated(self, s: TDState) -> bool:
        return not s.detected or self.terminated(s)

    def fairness(self) -> list:
        return [WF("SendMsg", "RcvMsg", "Idle", "Detect")]

    def properties(self) -> dict:
        return {"Detects": LeadsTo(self.terminated, lambda s: s.detected, "Terminated ~> detected")}

    def show_state(self, s: TDState) -> dict:
        return {
            "active": {self.names[p]: s.active[p] for p in self.Procs},
            "msgs": {self.edge_name(e): s.msgs[e] for e in range(len(self.Edges))},
            "detected": s.detected,
        }

    def edge_name(self, e: int) -> str:
        p, q = self.Edges[e]
        return f"{self.names[p]}>{self.names[q]}"

    def show_param(self, action: str, param: str, value: object) -> object:
        if param == "p":
            return self.names[value]  # type: ignore[index]
        return self.edge_name(value) if param == "e" else value  # type: ignore[arg-type]
