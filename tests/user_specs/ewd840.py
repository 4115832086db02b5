"""EWD840.tla (tlaplus/Examples, specifications/ewd840) as a paxraft spec, written by a new user.

Dijkstra, Feijen and van Gasteren's termination detection on a ring (EWD 840), in Stephan Merz's
TLA+ text: N nodes 0..N-1, a token travelling from node N-1 down to node 0, nodes and token
coloured white or black.  Node 0 starts a probe; the token comes back white to a white, passive
node 0 only if every node is passive.  Beside it, SyncTerminationDetection.tla, the abstract
spec EWD840 refines (``TD == INSTANCE SyncTerminationDetection``).

TLC 2.20 on EWD840 (CHECK_DEADLOCK FALSE; TypeOK, TerminationDetection, Inv; Liveness, TDSpec):
N = 3: 302 distinct, 2,001 generated, depth 9; N = 4: 1,566 / 15,986 / 12.  On
SyncTerminationDetection N = 3: 9 / 62 / 1.

    paxraft check tests/user_specs/ewd840.py:EWD840 --nodes 3
    paxraft refine tests/user_specs/ewd840.py:EWD840 SyncTerminationDetection
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import WF, Label, LeadsTo, MscEvent, Spec, action, invariant, refines

WHITE, BLACK = 0, 1
COLOR = ("white", "black")


class State(NamedTuple):
    active: tuple[bool, ...]  # active[i]
    color: tuple[int, ...]  # color[i]
    tpos: int  # the node holding the token
    tcolor: int  # the token's colour


class SyncState(NamedTuple):
    active: tuple[bool, ...]
    terminationDetected: bool


def all_tuples(n: int, values: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """[Node -> values]: every function over 0..n-1, as tuples."""
    out: list[tuple[Any, ...]] = [()]
    for _ in range(n):
        out = [t + (v,) for t in out for v in values]
    return out


def put(t: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    """[t EXCEPT ![i] = v]."""
    return t[:i] + (v,) + t[i + 1 :]


class SyncTerminationDetection(Spec):
    """Termination detection on a ring, synchronous and abstract (SyncTerminationDetection.tla)."""

    variables = ("active", "terminationDetected")

    def __init__(self, nodes: Annotated[int, "number of nodes (N; Node = 0..N-1)"] = 3) -> None:
        self.Node = tuple(range(nodes))
        super().__init__()

    @staticmethod
    def terminated(active: tuple[bool, ...]) -> bool:
        return not any(active)

    def init_states(self) -> list[SyncState]:
        """terminationDetected \\in {FALSE, terminated}."""
        out = []
        for active in all_tuples(len(self.Node), (False, True)):
            out.append(SyncState(active, False))
            if self.terminated(active):
                out.append(SyncState(active, True))
        return out

    # Terminate(i)'s terminationDetected' \in {terminationDetected, terminated'} is a choice, so a
    # parameter: the value chosen.  TLC takes each distinct element of the set once (when both
    # are equal, one successor), so the enumerator offers the set, not (False, True).
    def each_termination(self, s: SyncState) -> list[tuple[int, bool]]:
        return [
            (i, d)
            for i in self.Node
            if s.active[i]
            for d in sorted({s.terminationDetected, self.terminated(put(s.active, i, False))})
        ]

    @action(each_termination)
    def Terminate(self, s: SyncState, i: int, detected: bool) -> SyncState | None:
        if not s.active[i]:
            return None
        return SyncState(put(s.active, i, False), detected)

    @action(lambda self, s: [(i, j) for i in self.Node for j in self.Node])
    def Wakeup(self, s: SyncState, i: int, j: int) -> SyncState | None:
        if not s.active[i]:
            return None
        return s._replace(active=put(s.active, j, True))

    @action()
    def DetectTermination(self, s: SyncState) -> SyncState | None:
        if not self.terminated(s.active):
            return None
        return s._replace(terminationDetected=True)

    @invariant
    def TDCorrect(self, s: SyncState) -> bool:
        return not s.terminationDetected or self.terminated(s.active)

    def fairness(self) -> list:
        return [WF("DetectTermination")]

    def properties(self) -> dict:
        terminated = lambda s: self.terminated(s.active)  # noqa: E731 - the TLA+ text's name
        return {"Liveness": LeadsTo(terminated, lambda s: s.terminationDetected, "terminated ~> terminationDetected")}

    # The nodes are interchangeable here (not in EWD840, whose ring orders them).
    def symmetric_sets(self) -> dict[str, int]:
        return {"Node": len(self.Node)}

    def permute(self, s: SyncState, perm: Any) -> SyncState:
        pi, active = perm["Node"], [False] * len(self.Node)
        for i, a in enumerate(s.active):
            active[pi[i]] = a
        return SyncState(tuple(active), s.terminationDetected)

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return value if param == "detected" else f"n{value}"


class EWD840(Spec):
    """Dijkstra's termination detection on a ring (EWD 840): a token collects the nodes' colours."""

    variables = ("active", "color", "tpos", "tcolor")

    def __init__(self, nodes: Annotated[int, "number of nodes (N; Node = 0..N-1)"] = 3) -> None:
        self.Node = tuple(range(nodes))
        super().__init__()

    def init_states(self) -> list[State]:
        """Any activity and colours, the token anywhere, and black."""
        n = len(self.Node)
        return [
            State(active, color, tpos, BLACK)
            for active in all_tuples(n, (False, True))
            for color in all_tuples(n, (WHITE, BLACK))
            for tpos in self.Node
        ]

    # -- System: the token-passing actions of the detection algorithm ----------------------
    # A disjunction in an enabling condition is a parameter (which disjunct holds): TLC takes a
    # step once per disjunct that holds, even when they lead to the same state, and counts each
    # in its states generated.  Written as one `or`, the counts of distinct states and depth are
    # still TLC's but the states generated are not (20 instead of 28 InitiateProbe steps, N = 2).
    @action(lambda self, s: [("black token",), ("black node",)])
    def InitiateProbe(self, s: State, why: str) -> State | None:
        if s.tpos != 0:
            return None
        if not (s.tcolor == BLACK if why == "black token" else s.color[0] == BLACK):
            return None
        return State(s.active, put(s.color, 0, WHITE), len(self.Node) - 1, WHITE)

    @action(lambda self, s: [(i, why) for i in self.Node if i != 0 for why in ("passive", "black node", "black token")])
    def PassToken(self, s: State, i: int, why: str) -> State | None:
        if s.tpos != i:
            return None
        if why == "passive":
            enabled = not s.active[i]
        elif why == "black node":
            enabled = s.color[i] == BLACK
        else:
            enabled = s.tcolor == BLACK
        if not enabled:
            return None
        tcolor = BLACK if s.color[i] == BLACK else s.tcolor
        return State(s.active, put(s.color, i, WHITE), i - 1, tcolor)

    # -- Environment: the underlying computation --------------------------------------------
    @action(lambda self, s: [(i, j) for i in self.Node for j in self.Node if j != i])
    def SendMsg(self, s: State, i: int, j: int) -> State | None:
        if not s.active[i]:
            return None
        color = put(s.color, i, BLACK) if j > i else s.color
        return s._replace(active=put(s.active, j, True), color=color)

    @action(lambda self, s: [(i,) for i in self.Node])
    def Deactivate(self, s: State, i: int) -> State | None:
        if not s.active[i]:
            return None
        return s._replace(active=put(s.active, i, False))

    # -- properties ---------------------------------------------------------------------------
    @staticmethod
    def terminated(s: State) -> bool:
        return not any(s.active)

    @staticmethod
    def terminationDetected(s: State) -> bool:
        return s.tpos == 0 and s.tcolor == WHITE and s.color[0] == WHITE and not s.active[0]

    @invariant
    def TypeOK(self, s: State) -> bool:
        n = len(self.Node)
        return (
            len(s.active) == n
            and all(isinstance(a, bool) for a in s.active)
            and len(s.color) == n
            and all(c in (WHITE, BLACK) for c in s.color)
            and s.tpos in self.Node
            and s.tcolor in (WHITE, BLACK)
        )

    @invariant
    def TerminationDetection(self, s: State) -> bool:
        return not self.terminationDetected(s) or self.terminated(s)

    @invariant
    def Inv(self, s: State) -> bool:
        """Dijkstra's inductive invariant: P0 \\/ P1 \\/ P2."""
        return (
            all(not s.active[i] for i in self.Node if s.tpos < i)
            or any(s.color[j] == BLACK for j in range(s.tpos + 1))
            or s.tcolor == BLACK
        )

    def fairness(self) -> list:
        return [WF("InitiateProbe", "PassToken")]  # WF_vars(System)

    def properties(self) -> dict:
        return {
            "Liveness": LeadsTo(self.terminated, self.terminationDetected, "terminated ~> terminationDetected")
        }

    # -- refinement: TD == INSTANCE SyncTerminationDetection ----------------------------------
    @refines(SyncTerminationDetection)
    def as_sync(self) -> tuple[SyncTerminationDetection, Any]:
        """The same nodes; terminationDetected is EWD840's predicate of that name."""
        return SyncTerminationDetection(len(self.Node)), lambda s: SyncState(s.active, self.terminationDetected(s))

    # -- how states read ------------------------------------------------------------------------
    def show_state(self, s: State) -> dict[str, Any]:
        return {
            "active": {f"n{i}": a for i, a in enumerate(s.active)},
            "color": {f"n{i}": COLOR[c] for i, c in enumerate(s.color)},
            "tpos": f"n{s.tpos}",
            "tcolor": COLOR[s.tcolor],
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return value if param == "why" else f"n{value}"

    # -- the message-sequence chart (check --out): the node that acts.  Left to the default, the
    # lifelines would be the first parameters, and InitiateProbe's is `why`, not a node.
    def msc_nodes(self) -> list[str]:
        return [f"n{i}" for i in self.Node]

    def msc_event(self, prev: State, label: Label, nxt: State) -> MscEvent:
        return MscEvent(f"n{label.params[0] if label.params and label.name != 'InitiateProbe' else 0}", (), ())


class UnstainedToken(EWD840):
    """A black node passes the token on without staining it: termination is announced too early."""

    variant = "unstained-token"
    rule = "PassToken keeps the token's colour even when the node passing it is black"
    breaks = "Inv"
    failing_bounds = {"nodes": 3}
    trace_length = 2

    def PassToken(self, s: State, i: int, why: str) -> State | None:
        nxt = super().PassToken(s, i, why)
        return None if nxt is None else nxt._replace(tcolor=s.tcolor)
