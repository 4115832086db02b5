"""EWD687a.tla (tlaplus/Examples, specifications/ewd687a) as a paxraft spec, written by a new user.

Dijkstra and Scholten's termination detection for diffusing computations (the "Tree Algorithm"), in Lamport,
Kuppe and Merz's TLA+ text. Processes on a directed graph compute; a busy process sends computation messages
along its out-edges, a message makes its receiver busy, a busy process may go idle at any time. Every message is
acknowledged; a neutral process (idle, every message it received acked, every message it sent acked) that
receives a message makes the sender its parent in an overlay tree, and sends the ack to its parent last, only
when that makes it neutral. The leader (no in-edges) is neutral only once the computation has terminated.

Messages and acks are counted per edge, as in the TLA+ text (delivery order does not matter): ``msgs[e]`` and
``acks[e]`` in transit, ``sentUnacked[e]`` and ``rcvdUnacked[e]`` at the two ends. Processes and edges are
indexes into the constants the flags give (``--procs``, ``--edges``, ``--leader``); ``upEdge[p]`` is an edge's
index, or NOT_AN_EDGE for TLA+'s ``<< >>`` (the leader's entry stays NOT_AN_EDGE: its domain is Procs \\ {Leader}).

MCEWD687a (Procs {L, P1, P2, P3}, Edges {<<L,P1>>, <<P1,P2>>, <<P2,P1>>, <<P2,P3>>}, every counter below 3):
TLC 2.20's figures and the commands are in tests/user_specs/EWD687a/README.md.

    paxraft check tests/user_specs/ewd687a.py
    paxraft check tests/user_specs/ewd687a.py --liveness DT2
    paxraft check tests/user_specs/ewd687a.py --variant eager-last-ack --bound 2
    paxraft refine tests/user_specs/ewd687a.py:EWD687a TerminationDetection --bound 2
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from termination_detection import TDState, TerminationDetection, parse_graph, put

from spec.core import (
    WF,
    Label,
    LeadsTo,
    MscEvent,
    Spec,
    SpecError,
    action,
    action_invariant,
    explains,
    invariant,
    refines,
)

NOT_AN_EDGE = -1

# SendAck's guard ``(e = upEdge[p]) => (rcvdUnacked[e] > 1 \/ <p neutral once e is acked>)``: TLC takes one step
# per way it holds (docs/writing-a-spec.md, section 3), so the way is a parameter.
NOT_PARENT, NOT_LAST, LAST = 0, 1, 2
HOW = ("not the parent", "not the last", "the last")


class State(NamedTuple):
    active: tuple[bool, ...]  # active[p]
    sentUnacked: tuple[int, ...]  # sentUnacked[e]
    rcvdUnacked: tuple[int, ...]  # rcvdUnacked[e]
    upEdge: tuple[int, ...]  # upEdge[p]: an edge's index or NOT_AN_EDGE
    msgs: tuple[int, ...]  # msgs[e]: computation messages in transit on e
    acks: tuple[int, ...]  # acks[e]: acks in transit back along e


class EWD687a(Spec):
    """Dijkstra-Scholten termination detection: the leader is neutral only when the computation has terminated."""

    variables = ("active", "sentUnacked", "rcvdUnacked", "upEdge", "msgs", "acks")

    def __init__(
        self,
        procs: Annotated[str, "the processes, comma-separated (Procs)"] = "L,P1,P2,P3",
        edges: Annotated[str, "the edges p>q, comma-separated (Edges)"] = "L>P1,P1>P2,P2>P1,P2>P3",
        leader: Annotated[str, "the leader (Leader), which no edge may point to"] = "L",
        bound: Annotated[int, "state constraint: every counter of every edge below this (MCEWD687a: 3)"] = 3,
    ) -> None:
        self.graph = (procs, edges, leader)
        self.names, self.Edges, self.Leader = parse_graph(procs, edges, leader)
        if bound < 1:
            raise SpecError(f"--bound must be at least 1, got {bound}")
        self.bound = bound
        self.Procs = tuple(range(len(self.names)))
        self.OutEdges = tuple(tuple(e for e, (a, _) in enumerate(self.Edges) if a == p) for p in self.Procs)
        self.InEdges = tuple(tuple(e for e, (_, b) in enumerate(self.Edges) if b == p) for p in self.Procs)
        super().__init__()

    def init_states(self) -> list[State]:
        zeros = (0,) * len(self.Edges)
        active = tuple(p == self.Leader for p in self.Procs)
        return [State(active, zeros, zeros, (NOT_AN_EDGE,) * len(self.Procs), zeros, zeros)]

    def neutral(self, s: State, p: int) -> bool:
        return (
            not s.active[p]
            and all(s.rcvdUnacked[e] == 0 for e in self.InEdges[p])
            and all(s.sentUnacked[e] == 0 for e in self.OutEdges[p])
        )

    # -- actions: Next == \E p \in Procs : SendMsg(p) \/ SendAck(p) \/ RcvMsg(p) \/ RcvAck(p) \/ Idle(p) ----------
    def each_out_edge(self, s: State) -> list[tuple[int, int]]:
        return [(p, e) for p in self.Procs for e in self.OutEdges[p]]

    def each_in_edge(self, s: State) -> list[tuple[int, int]]:
        return [(p, e) for p in self.Procs for e in self.InEdges[p]]

    @action(each_out_edge)
    def SendMsg(self, s: State, p: int, e: int) -> State | None:
        if not s.active[p]:
            return None
        return s._replace(sentUnacked=put(s.sentUnacked, e, s.sentUnacked[e] + 1), msgs=put(s.msgs, e, s.msgs[e] + 1))

    @action(each_out_edge)
    def RcvAck(self, s: State, p: int, e: int) -> State | None:
        if s.acks[e] == 0:
            return None
        return s._replace(acks=put(s.acks, e, s.acks[e] - 1), sentUnacked=put(s.sentUnacked, e, s.sentUnacked[e] - 1))

    def each_ack(self, s: State) -> list[tuple[int, int, int]]:
        return [
            (p, e, how)
            for p in self.Procs
            for e in self.InEdges[p]
            for how in ((NOT_PARENT,) if e != s.upEdge[p] else (NOT_LAST, LAST))
        ]

    @action(each_ack)
    def SendAck(self, s: State, p: int, e: int, how: int) -> State | None:
        """p acks a message received on e; to its parent, only if another is unacked or p is neutral after it."""
        if s.rcvdUnacked[e] == 0:
            return None
        if how == NOT_PARENT and e == s.upEdge[p]:
            return None
        if how == NOT_LAST and not (e == s.upEdge[p] and s.rcvdUnacked[e] > 1):
            return None
        if how == LAST and not (e == s.upEdge[p] and self.neutral_but(s, p, e)):
            return None
        t = s._replace(rcvdUnacked=put(s.rcvdUnacked, e, s.rcvdUnacked[e] - 1), acks=put(s.acks, e, s.acks[e] + 1))
        return self.leave_tree(t, p)

    def neutral_but(self, s: State, p: int, e: int) -> bool:
        """Condition 2b: p idle, every message it sent acked, every one it received acked but this one on e."""
        return (
            not s.active[p]
            and all(s.rcvdUnacked[d] == 0 for d in self.InEdges[p] if d != e)
            and all(s.sentUnacked[d] == 0 for d in self.OutEdges[p])
        )

    def leave_tree(self, t: State, p: int) -> State:
        """UP:: upEdge' = IF neutral(p)' THEN [upEdge EXCEPT ![p] = NotAnEdge] ELSE upEdge."""
        return t._replace(upEdge=put(t.upEdge, p, NOT_AN_EDGE)) if self.neutral(t, p) else t

    @action(each_in_edge)
    def RcvMsg(self, s: State, p: int, e: int) -> State | None:
        """p receives a message on e and is busy; a neutral p makes the sender its parent."""
        if s.msgs[e] == 0:
            return None
        up = put(s.upEdge, p, e) if self.neutral(s, p) else s.upEdge
        return s._replace(
            msgs=put(s.msgs, e, s.msgs[e] - 1),
            rcvdUnacked=put(s.rcvdUnacked, e, s.rcvdUnacked[e] + 1),
            active=put(s.active, p, True),
            upEdge=up,
        )

    @action(lambda self, s: [(p,) for p in self.Procs])
    def Idle(self, s: State, p: int) -> State | None:
        """p goes idle at any time (a stutter when it is idle already: TLC counts the step)."""
        return s._replace(active=put(s.active, p, False))

    def constraint(self, s: State) -> bool:
        """MCEWD687a's constr: every counter of every edge below 3 (--bound)."""
        b = self.bound
        return all(
            m < b and a < b and x < b and y < b for m, a, x, y in zip(s.msgs, s.acks, s.sentUnacked, s.rcvdUnacked)
        )

    # -- properties -----------------------------------------------------------------------------------------------
    @invariant
    def TypeOK(self, s: State) -> bool:
        return (
            all(isinstance(a, bool) for a in s.active)
            and all(x >= 0 for x in s.msgs + s.acks + s.sentUnacked + s.rcvdUnacked)
            and s.upEdge[self.Leader] == NOT_AN_EDGE
            and all(u == NOT_AN_EDGE or self.Edges[u][1] == p for p, u in enumerate(s.upEdge))
        )

    @invariant
    def DT1Inv(self, s: State) -> bool:
        """The leader detects termination only if it has happened: neutral(Leader) => every process neutral."""
        return not self.neutral(s, self.Leader) or all(self.neutral(s, p) for p in self.Procs)

    @invariant
    def CountersConsistent(self, s: State) -> bool:
        """[] \\A e \\in Edges : sentUnacked[e] = rcvdUnacked[e] + acks[e] + msgs[e] (a PROPERTY in MCEWD687a)."""
        return all(x == y + a + m for x, y, a, m in zip(s.sentUnacked, s.rcvdUnacked, s.acks, s.msgs))

    @invariant
    def TreeWithRoot(self, s: State) -> bool:
        """[] (the upEdges, reversed, form a tree rooted at the leader, and its nodes are not neutral)."""
        parent = {p: self.Edges[u][0] for p, u in enumerate(s.upEdge) if u != NOT_AN_EDGE}
        for p in parent:
            q, seen = p, 0
            while q != self.Leader:  # every node reaches the root along parent edges
                if q not in parent or seen > len(self.Procs):
                    return False
                q, seen = parent[q], seen + 1
        nodes = set(parent) | set(parent.values())
        return all(not self.neutral(s, n) for n in nodes)

    @explains("DT1Inv")
    def why_dt1(self, s: State) -> str | None:
        busy = [self.names[p] for p in self.Procs if not self.neutral(s, p)]
        return f"the leader is neutral while {', '.join(busy)} is not" if busy else None

    @explains("TreeWithRoot")
    def why_tree(self, s: State) -> str | None:
        parent = {p: self.Edges[u][0] for p, u in enumerate(s.upEdge) if u != NOT_AN_EDGE}
        for p in parent:
            q, chain = p, [self.names[p]]
            while q != self.Leader:
                if q not in parent or len(chain) > len(self.Procs):
                    return f"{' -> '.join(chain)}: the parents of {self.names[p]} do not lead to the leader"
                q = parent[q]
                chain.append(self.names[q])
        neutral = [self.names[n] for n in sorted(set(parent) | set(parent.values())) if self.neutral(s, n)]
        return f"{', '.join(neutral)} in the tree but neutral" if neutral else None

    def terminated(self, s: State) -> bool:
        return not any(s.active) and not any(s.msgs)

    def fairness(self) -> list:
        """Spec == Init /\\ [][Next]_vars /\\ WF_vars(Next)."""
        return [WF("SendMsg", "SendAck", "RcvMsg", "RcvAck", "Idle", text="WF_vars(Next)")]

    def properties(self) -> dict:
        return {
            "DT2": LeadsTo(self.terminated, lambda s: self.neutral(s, self.Leader), "Terminated ~> neutral(Leader)")
        }

    # -- symmetry: the processes besides the leader, where the graph cannot tell them apart ------------------------
    def others(self) -> tuple[int, ...]:
        return tuple(p for p in self.Procs if p != self.Leader)

    def renamed(self, pi: tuple[int, ...]) -> tuple[int, ...]:
        """new[p]: the process p becomes when the others are renamed by pi (pi[j]: the new index of the j-th)."""
        new, others = list(self.Procs), self.others()
        for j, p in enumerate(others):
            new[p] = others[pi[j]]
        return tuple(new)

    def symmetric_sets(self) -> dict[str, int]:
        """The others are interchangeable only where every renaming maps Edges to itself (MCEWD687aPair's P1, P2;
        not MCEWD687a's chain L>P1>P2>P3, nor a ring, whose rotations alone keep it): a full symmetric group, as
        TLC's Permutations gives, is generated by swapping the first two and by the cycle of all of them."""
        k, edges = len(self.others()), set(self.Edges)
        if k < 2:
            return {}
        swap, cycle = (1, 0, *range(2, k)), tuple((j + 1) % k for j in range(k))
        for pi in (swap, cycle):
            new = self.renamed(pi)
            if {(new[a], new[b]) for a, b in edges} != edges:
                return {}
        return {"Others": k}

    def permute(self, s: State, perm: Any) -> State:
        new = self.renamed(tuple(perm["Others"]))
        edge = {e: self.Edges.index((new[a], new[b])) for e, (a, b) in enumerate(self.Edges)}
        active, up = [False] * len(self.Procs), [NOT_AN_EDGE] * len(self.Procs)
        for p in self.Procs:
            active[new[p]] = s.active[p]
            up[new[p]] = NOT_AN_EDGE if s.upEdge[p] == NOT_AN_EDGE else edge[s.upEdge[p]]

        def per_edge(xs: tuple[int, ...]) -> tuple[int, ...]:
            out = [0] * len(xs)
            for e, x in enumerate(xs):
                out[edge[e]] = x
            return tuple(out)

        return State(
            tuple(active),
            per_edge(s.sentUnacked),
            per_edge(s.rcvdUnacked),
            tuple(up),
            per_edge(s.msgs),
            per_edge(s.acks),
        )

    # -- refinement: the computation as it is, detection as the leader's neutrality -------------------------------
    @refines(TerminationDetection)
    def as_detection(self) -> tuple[TerminationDetection, Any]:
        """The same processes and edges; active and msgs as they are, detected is neutral(Leader)."""
        procs, edges, leader = self.graph
        abstract = TerminationDetection(procs, edges, leader, self.bound)
        return abstract, lambda s: TDState(s.active, s.msgs, self.neutral(s, self.Leader))

    # -- how states read ------------------------------------------------------------------------------------------
    def edge_name(self, e: int) -> str:
        p, q = self.Edges[e]
        return f"{self.names[p]}>{self.names[q]}"

    def show_state(self, s: State) -> dict[str, Any]:
        per_edge = {
            v: {self.edge_name(e): getattr(s, v)[e] for e in range(len(self.Edges))}
            for v in ("sentUnacked", "rcvdUnacked", "msgs", "acks")
        }
        return {
            "active": {self.names[p]: s.active[p] for p in self.Procs},
            "sentUnacked": per_edge["sentUnacked"],
            "rcvdUnacked": per_edge["rcvdUnacked"],
            "upEdge": {
                self.names[p]: () if u == NOT_AN_EDGE else self.edge_name(u)
                for p, u in enumerate(s.upEdge)
                if p != self.Leader
            },
            "msgs": per_edge["msgs"],
            "acks": per_edge["acks"],
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "p":
            return self.names[value]
        if param == "e":
            return self.edge_name(value)
        return HOW[value] if param == "how" else value

    def msc_nodes(self) -> list[str]:
        return list(self.names)

    def msc_event(self, prev: State, label: Label, nxt: State) -> MscEvent:
        p, name = label.params[0], label.name
        e = label.params[1] if len(label.params) > 1 else None
        node = self.names[p]
        if name == "SendMsg":
            return MscEvent(node, (), (f"msg {self.edge_name(e)}",))
        if name == "RcvMsg":
            return MscEvent(node, (f"msg {self.edge_name(e)}",), ())
        if name == "SendAck":
            return MscEvent(node, (), (f"ack {self.edge_name(e)}",))
        if name == "RcvAck":
            return MscEvent(node, (f"ack {self.edge_name(e)}",), ())
        return MscEvent(node, (), ())


# -- variants: each changes one rule of the text -----------------------------------------------------------------
class EagerLastAck(EWD687a):
    """A process sends the last ack to its parent while still busy: the leader turns neutral too early."""

    variant = "eager-last-ack"
    rule = "SendAck's condition 2b leaves out ~active[p]"
    breaks = "TreeWithRoot"  # a busy process out of the tree, then idle in it: 4 steps; DT1Inv (5 steps) after
    failing_bounds = {"bound": 2}
    trace_length = 4

    def neutral_but(self, s: State, p: int, e: int) -> bool:
        return all(s.rcvdUnacked[d] == 0 for d in self.InEdges[p] if d != e) and all(
            s.sentUnacked[d] == 0 for d in self.OutEdges[p]
        )


class WithheldLastAck(EWD687a):
    """A process never sends its parent the last ack: no wrong answer, but the leader waits for ever."""

    variant = "withheld-last-ack"
    rule = "SendAck to the parent only while another message from it is unacked (condition 2b left out)"
    breaks = "DT2"
    failing_bounds = {"bound": 2}
    trace_length = 4

    def neutral_but(self, s: State, p: int, e: int) -> bool:
        return False


class StableUpEdge(EWD687a):
    """EWD687a.tla's StableUpEdge, which its text says is no theorem: a process's parent can change."""

    variant = "stable-up-edge"
    rule = "adds the action property StableUpEdge: a process in the tree keeps its parent"
    breaks = "StableUpEdge"
    failing_bounds = {"bound": 2}
    trace_length = 4

    @action_invariant
    def StableUpEdge(self, s: State, t: State) -> bool:
        """[][\\A p \\in Procs \\ {Leader} : (upEdge[p] # NotAnEdge) => upEdge[p] = upEdge'[p]]_upEdge."""
        return all(u in (NOT_AN_EDGE, v) for u, v in zip(s.upEdge, t.upEdge))
