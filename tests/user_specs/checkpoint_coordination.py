"""Checkpoint coordination over a Paxos-replicated log (Azure RingMaster): tlaplus/Examples'
specifications/CheckpointCoordination, written from CheckpointCoordination.tla. tests/user_specs/CheckpointCoordination/
holds the TLA+ text and the models TLC 2.20 ran:

    paxraft check tests/user_specs/checkpoint_coordination.py:CheckpointCoordination --symmetry
    paxraft check tests/user_specs/checkpoint_coordination.py:CheckpointCoordination --variant \\
        incorrectly-optimized --symmetry     # SafetyInvariant, TLC's 12 states and TLC's counts at the stop

Nodes are 0..N-1 (TLC's n1, n2, ...); NoNode is -1 and NoCheckpointLease the pair (-1, 0). A log is a tuple of
MaxLog entries (every log in the model has LogIndex = 1..MaxLog for its domain: BlankLog, WriteLog and MergeLogs
build one, and NodeRecovery glues the checkpoint's prefix to the rest), the checkpoint a pair (log, counter) whose
log is as long as the checkpoint made it (Init's is BlankLog with counter 1, FinishCheckpoint at counter 1 an empty
one: two states). The actions are Next's disjuncts in the text's order and each enumerator gives its parameters in
TLC's order (``\\E src, dst \\in Node``: src varies fastest), so a violation stops where TLC's does.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import Label, MscEvent, Spec, SpecError, action, invariant

NO = -1  # NoNode
NO_LEASE = (NO, 0)  # NoCheckpointLease; a lease is (node, counter)
MIN_LOG_INDEX = 1


class CCState(NamedTuple):
    IsNodeUp: tuple[bool, ...]
    NetworkPath: tuple[bool, ...]  # NetworkPath[src, dst] at src * N + dst
    Leader: int
    ReplicatedLog: tuple[tuple[int, ...], ...]  # ReplicatedLog[n][i - 1]
    ExecutionCounter: tuple[int, ...]
    LastVotePayload: tuple[int, ...]
    CurrentLease: tuple[tuple[int, int], ...]
    CanTakeCheckpoint: tuple[bool, ...]
    IsTakingCheckpoint: tuple[bool, ...]
    TimeoutCounter: int
    LatestCheckpoint: tuple[tuple[int, ...], int]  # (log, counter)


def _set(t: tuple, i: int, x: Any) -> tuple:
    return t[:i] + (x,) + t[i + 1:]


class CheckpointCoordination(Spec):
    """The Paxos leader hands a checkpoint lease to one follower at a time through the replicated log; a lease times
    out as the log moves on."""

    name = "CheckpointCoordination"
    variables = CCState._fields
    canonical_order = False  # the enumerators give TLC's order

    def __init__(
        self,
        nodes: Annotated[int, "number of nodes (Node = n1..nN)"] = 3,
        majority: Annotated[int, "the number of nodes constituting a majority"] = 2,
        max_log: Annotated[int, "log indices 1..MaxLog (MCLogIndex)"] = 3,
    ) -> None:
        if not isinstance(nodes, int) or not 1 <= nodes <= 5:
            raise SpecError(f"CheckpointCoordination: --nodes must be an integer from 1 to 5, got {nodes!r}")
        if not isinstance(majority, int) or not 1 <= majority <= nodes:
            raise SpecError(f"CheckpointCoordination: --majority must be from 1 to --nodes ({nodes}), got {majority!r}")
        if not isinstance(max_log, int) or not 1 <= max_log <= 6:
            raise SpecError(f"CheckpointCoordination: --max-log must be an integer from 1 to 6, got {max_log!r}")
        self.N, self.Majority, self.MaxLog = nodes, majority, max_log
        self.Node = tuple(range(nodes))
        self.LogIndex = range(1, max_log + 1)
        self.BlankLog = (NO,) * max_log
        super().__init__()

    def init_states(self) -> list[CCState]:
        n = self.N
        return [CCState((True,) * n, (True,) * (n * n), NO, (self.BlankLog,) * n, (MIN_LOG_INDEX,) * n,
                        (MIN_LOG_INDEX,) * n, (NO_LEASE,) * n, (False,) * n, (False,) * n, MIN_LOG_INDEX,
                        (self.BlankLog, MIN_LOG_INDEX))]

    def constraint(self, s: CCState) -> bool:
        """StateConstraint: OpenIndices /= {} (some index no node has written)."""
        return bool(self.open_indices(s))

    # Helpers, as the TLA+ text names them

    def read_log(self, s: CCState, node: int, index: int) -> int:
        log = s.ReplicatedLog[node]
        return log[index - 1] if 1 <= index <= len(log) else NO

    def open_indices(self, s: CCState) -> list[int]:
        return [i for i in self.LogIndex if all(self.read_log(s, n, i) == NO for n in self.Node)]

    def connected_one_way(self, s: CCState, src: int, dst: int) -> bool:
        return s.IsNodeUp[src] and s.IsNodeUp[dst] and s.NetworkPath[src * self.N + dst]

    def connected(self, s: CCState, a: int, b: int) -> bool:
        return self.connected_one_way(s, a, b) and self.connected_one_way(s, b, a)

    def have_quorum_from(self, s: CCState, leader: int) -> bool:
        return s.IsNodeUp[leader] and sum(self.connected(s, leader, n) for n in self.Node) >= self.Majority

    def each_node(self, s: CCState) -> list[tuple[int]]:
        return [(n,) for n in self.Node]

    def each_pair(self, s: CCState) -> list[tuple[int, int]]:
        """``\\E src, dst \\in Node`` in TLC's order: src varies fastest."""
        return [(src, dst) for dst in self.Node for src in self.Node]

    # Next, in the text's order

    @staticmethod
    def _volatile(s: CCState, n: int, up: bool, counter: int, **others: Any) -> CCState:
        """Node n goes down or comes up: its volatile state reset (what NodeFailure and NodeRecovery both set)."""
        return s._replace(IsNodeUp=_set(s.IsNodeUp, n, up), ExecutionCounter=_set(s.ExecutionCounter, n, counter),
                          LastVotePayload=_set(s.LastVotePayload, n, MIN_LOG_INDEX),
                          CurrentLease=_set(s.CurrentLease, n, NO_LEASE),
                          CanTakeCheckpoint=_set(s.CanTakeCheckpoint, n, False),
                          IsTakingCheckpoint=_set(s.IsTakingCheckpoint, n, False), **others)

    @action(each_node)
    def NodeFailure(self, s: CCState, n: int) -> CCState:
        """A node fails, losing its volatile state (enabled whether it is up or not, as in the text)."""
        return self._volatile(s, n, False, MIN_LOG_INDEX, Leader=NO if n == s.Leader else s.Leader)

    @action(each_node)
    def NodeRecovery(self, s: CCState, n: int) -> CCState | None:
        """A node recovers from the last checkpoint, its own log filling in what follows it."""
        if s.IsNodeUp[n]:
            return None
        ckpt_log, counter = s.LatestCheckpoint
        log = ckpt_log[: counter - 1] + s.ReplicatedLog[n][counter - 1:]
        return self._volatile(s, n, True, counter, ReplicatedLog=_set(s.ReplicatedLog, n, log))

    @action(each_pair)
    def NetworkFailure(self, s: CCState, src: int, dst: int) -> CCState | None:
        if src == dst:
            return None
        return s._replace(NetworkPath=_set(s.NetworkPath, src * self.N + dst, False))

    @action(each_pair)
    def NetworkRecovery(self, s: CCState, src: int, dst: int) -> CCState:
        return s._replace(NetworkPath=_set(s.NetworkPath, src * self.N + dst, True))

    @action(each_node)
    def ElectLeader(self, s: CCState, n: int) -> CCState | None:
        if s.Leader != NO or not s.IsNodeUp[n] or s.IsTakingCheckpoint[n] or not self.have_quorum_from(s, n):
            return None
        if s.ExecutionCounter[n] != min(self.open_indices(s)):  # FirstOpenIndex
            return None
        return s._replace(Leader=n, CanTakeCheckpoint=_set(s.CanTakeCheckpoint, n, False))

    def replace_reasons(self, s: CCState, lease: tuple[int, int]) -> list[int]:
        """The disjuncts of ShouldReplaceLease that hold: 1, the lease timed out; 2, its node completed and
        reported its checkpoint."""
        node, counter = lease
        out = [1] if counter < s.TimeoutCounter else []
        if self.connected(s, s.Leader, node) and counter < s.LastVotePayload[node]:
            out.append(2)
        return out

    def _requests(self, s: CCState) -> list[tuple[int, int]]:
        """``\\E prospect \\in Node`` and, within, why the lease may be replaced: 0, there is none; else each
        ShouldReplaceLease disjunct that holds (the right of an ``=>`` whose left holds: one step each, as TLC)."""
        if s.Leader == NO:
            return []
        lease = s.CurrentLease[s.Leader]
        reasons = [0] if lease == NO_LEASE else self.replace_reasons(s, lease)
        return [(p, why) for p in self.Node for why in reasons]

    @action(_requests)
    def SendReplicatedRequest(self, s: CCState, prospect: int, why: int) -> CCState | None:
        """The leader writes ``prospect`` at the first open index of every node it reaches, and records the lease."""
        leader = s.Leader
        if leader in (NO, prospect) or not self.have_quorum_from(s, leader):
            return None
        if not self.connected(s, leader, prospect):
            return None
        lease = s.CurrentLease[leader]
        if (why == 0) != (lease == NO_LEASE) or (why and why not in self.replace_reasons(s, lease)):
            return None
        index = min(self.open_indices(s))
        logs = tuple(_set(s.ReplicatedLog[n], index - 1, prospect) if self.connected_one_way(s, leader, n)
                     else s.ReplicatedLog[n] for n in self.Node)
        return s._replace(ReplicatedLog=logs, CurrentLease=_set(s.CurrentLease, leader, (prospect, index)))

    @action(each_pair)
    def PropagateReplicatedRequest(self, s: CCState, src: int, dst: int) -> CCState | None:
        if not self.connected_one_way(s, src, dst):
            return None
        a, b = s.ReplicatedLog[src], s.ReplicatedLog[dst]
        merged = tuple(y if y != NO else x for x, y in zip(a, b))
        return s._replace(ReplicatedLog=_set(s.ReplicatedLog, dst, merged))

    @action(each_node)
    def ProcessReplicatedRequest(self, s: CCState, n: int) -> CCState | None:
        ec = s.ExecutionCounter[n]
        request = self.read_log(s, n, ec)
        if not s.IsNodeUp[n] or s.IsTakingCheckpoint[n] or request == NO:
            return None
        timed_out = ec < s.TimeoutCounter
        can = s.Leader != n and n == request and not timed_out
        lease = s.CurrentLease if n == s.Leader else _set(s.CurrentLease, n, NO_LEASE if timed_out else (request, ec))
        return s._replace(CanTakeCheckpoint=_set(s.CanTakeCheckpoint, n, can), CurrentLease=lease,
                          ExecutionCounter=_set(s.ExecutionCounter, n, ec + 1))

    @action(each_node)
    def StartCheckpoint(self, s: CCState, n: int) -> CCState | None:
        if not s.CanTakeCheckpoint[n]:
            return None
        return s._replace(IsTakingCheckpoint=_set(s.IsTakingCheckpoint, n, True))

    @action(each_node)
    def FinishCheckpoint(self, s: CCState, n: int) -> CCState | None:
        if not s.IsTakingCheckpoint[n]:
            return None
        ec = s.ExecutionCounter[n]
        return s._replace(LastVotePayload=_set(s.LastVotePayload, n, ec),
                          CurrentLease=_set(s.CurrentLease, n, NO_LEASE),
                          CanTakeCheckpoint=_set(s.CanTakeCheckpoint, n, False),
                          IsTakingCheckpoint=_set(s.IsTakingCheckpoint, n, False),
                          LatestCheckpoint=(s.ReplicatedLog[n][: ec - 1], ec))

    @action(lambda self, s: [(w,) for w in self.Node if self.read_log(s, w, s.TimeoutCounter) != NO])
    def TriggerTimeout(self, s: CCState, witness: int) -> CCState | None:
        """``\\E n \\in Node : ReadLog(n, TimeoutCounter) /= NoNode``: one step per witness, as TLC takes it."""
        tc = s.TimeoutCounter
        if self.read_log(s, witness, tc) == NO:
            return None
        lasting = tuple(s.CurrentLease[n][1] > tc for n in self.Node)  # read only where the flag is set, as TLC
        return s._replace(TimeoutCounter=tc + 1,
                          CanTakeCheckpoint=tuple(c and ok for c, ok in zip(s.CanTakeCheckpoint, lasting)),
                          IsTakingCheckpoint=tuple(c and ok for c, ok in zip(s.IsTakingCheckpoint, lasting)))

    # Invariants

    @invariant
    def TypeInvariant(self, s: CCState) -> bool:
        """Every counter within LogIndex (MCLogIndex = 1..MaxLog), every node a node, every lease one or none."""
        nodes, idx = set(self.Node), self.LogIndex
        entries = nodes | {NO}
        return (s.Leader in entries
                and all(set(log) <= entries for log in s.ReplicatedLog)
                and all(c in idx for c in s.ExecutionCounter) and all(c in idx for c in s.LastVotePayload)
                and all(lease == NO_LEASE or (lease[0] in nodes and lease[1] in idx) for lease in s.CurrentLease)
                and s.TimeoutCounter in idx
                and set(s.LatestCheckpoint[0]) <= entries and s.LatestCheckpoint[1] in idx)

    @invariant
    def SafetyInvariant(self, s: CCState) -> bool:
        """Only the node the leader's lease names may checkpoint, never the leader, never two nodes at once, never
        under a lease timed out; and no two logs conflict."""
        nodes = self.Node
        can, taking, lease = s.CanTakeCheckpoint, s.IsTakingCheckpoint, s.CurrentLease
        if s.Leader != NO:
            ld = s.Leader
            if can[ld] or taking[ld]:
                return False  # the leader cannot take a checkpoint
            if lease[ld] == NO_LEASE and any(can[n] or taking[n] for n in nodes):
                return False  # if the leader knows of no lease, no node does
            if lease[ld] != NO_LEASE and any((can[n] or taking[n]) and lease[ld][0] != n for n in nodes):
                return False  # if it knows of one, only that node may checkpoint
        if sum(can) > 1 or sum(taking) > 1:
            return False  # two nodes cannot checkpoint at once
        for n in nodes:
            if taking[n] and not can[n]:
                return False
            if can[n] and (lease[n] == NO_LEASE or lease[n][0] != n or lease[n][1] < s.TimeoutCounter):
                return False
        # replicated logs never conflict
        return all(len({x for x in column if x != NO}) <= 1 for column in zip(*s.ReplicatedLog))

    # Symmetry: NodeSymmetry == Permutations(Node)

    def symmetric_sets(self) -> dict[str, int]:
        return {"Node": self.N}

    def permute(self, s: CCState, perm: Any) -> CCState:
        pi = perm["Node"]

        def node(x: int) -> int:
            return x if x == NO else pi[x]

        def moved(t: tuple) -> tuple:
            out: list[Any] = [None] * len(t)
            for i, x in enumerate(t):
                out[pi[i]] = x
            return tuple(out)

        n = self.N
        path: list[bool] = [False] * (n * n)
        for src in range(n):
            for dst in range(n):
                path[pi[src] * n + pi[dst]] = s.NetworkPath[src * n + dst]
        return CCState(moved(s.IsNodeUp), tuple(path), node(s.Leader),
                       moved(tuple(tuple(node(x) for x in log) for log in s.ReplicatedLog)),
                       moved(s.ExecutionCounter), moved(s.LastVotePayload),
                       moved(tuple(le if le == NO_LEASE else (pi[le[0]], le[1]) for le in s.CurrentLease)),
                       moved(s.CanTakeCheckpoint), moved(s.IsTakingCheckpoint), s.TimeoutCounter,
                       (tuple(node(x) for x in s.LatestCheckpoint[0]), s.LatestCheckpoint[1]))

    def show_state(self, s: CCState) -> dict[str, Any]:
        def nm(x: int) -> str:
            return "NoNode" if x == NO else f"n{x + 1}"

        def per(t: tuple, f: Any = lambda x: x) -> dict[str, Any]:
            return {nm(n): f(t[n]) for n in self.Node}

        n = self.N
        return {
            "IsNodeUp": per(s.IsNodeUp),
            "NetworkPath": sorted(f"{nm(a)}->{nm(b)}" for a in range(n) for b in range(n)
                                  if not s.NetworkPath[a * n + b]),
            "Leader": nm(s.Leader),
            "ReplicatedLog": per(s.ReplicatedLog, lambda log: tuple(nm(x) for x in log)),
            "ExecutionCounter": per(s.ExecutionCounter),
            "LastVotePayload": per(s.LastVotePayload),
            "CurrentLease": per(s.CurrentLease, lambda le: "NoCheckpointLease" if le == NO_LEASE
                                else f"[node |-> {nm(le[0])}, counter |-> {le[1]}]"),
            "CanTakeCheckpoint": per(s.CanTakeCheckpoint),
            "IsTakingCheckpoint": per(s.IsTakingCheckpoint),
            "TimeoutCounter": s.TimeoutCounter,
            "LatestCheckpoint": f"[log |-> <<{', '.join(nm(x) for x in s.LatestCheckpoint[0])}>>, "
                                f"counter |-> {s.LatestCheckpoint[1]}]",
        }

    def msc_nodes(self) -> list[str]:
        return [f"n{n + 1}" for n in self.Node]

    def msc_event(self, prev: CCState, label: Label, nxt: CCState) -> MscEvent:
        """Who acts, and the replicated requests: the leader sends ``n2 at 1`` (log index 1 names n2), which each
        node receives as it processes that index; the environment fails and mends links, and times leases out."""
        name, p = label.name, label.params
        if name == "SendReplicatedRequest":
            index = min(self.open_indices(prev))  # FirstOpenIndex, where the request is written
            return MscEvent(f"n{prev.Leader + 1}", (), (f"n{p[0] + 1} at {index}",))
        if name == "ProcessReplicatedRequest":
            ec = prev.ExecutionCounter[p[0]]
            return MscEvent(f"n{p[0] + 1}", (f"n{self.read_log(prev, p[0], ec) + 1} at {ec}",), ())
        if name == "PropagateReplicatedRequest":
            return MscEvent(f"n{p[1] + 1}")
        if name.startswith("Network") or name == "TriggerTimeout":
            return MscEvent("environment")
        return MscEvent(f"n{p[0] + 1}")

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param in ("n", "src", "dst", "prospect", "witness"):
            return f"n{value + 1}"
        return value


class IncorrectlyOptimized(CheckpointCoordination):
    """MCCheckpointCoordinationFailure.cfg: ShouldReplaceLease <- IncorrectlyOptimizedShouldReplaceLease."""

    variant = "incorrectly-optimized"
    rule = "the leader also replaces a lease held by the current leader"
    breaks = "SafetyInvariant"
    failing_bounds = {"nodes": 2}  # MCCheckpointCoordinationFailure.cfg with Node = {n1, n2}
    trace_length = 12

    def replace_reasons(self, s: CCState, lease: tuple[int, int]) -> list[int]:
        """``CC!ShouldReplaceLease(currentLease) \\/ currentLease.node = Leader``: a third disjunct."""
        return super().replace_reasons(s, lease) + ([3] if lease[0] == s.Leader else [])
