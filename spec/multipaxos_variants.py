"""Multi-Paxos registered by name, with its variants: each MultiPaxos.tla with one rule changed.

The variants are the mistakes Multi-Paxos implementations make: a leader that skips phase 1,
a commit without a majority, a read served locally without a lease, a gap filled without
looking at the votes, and votes forgotten across a restart.  Each records the smallest bounds
where the checker breaks it and the length of its shortest counterexample there.
"""

from __future__ import annotations

from spec.core import action
from spec.multipaxos import (
    ACK,
    BAL_MAX_KNOWN,
    EMPTY,
    KVALUE,
    LEADER,
    NIL,
    NULL_INST,
    REQ,
    MultiPaxos,
    MultiPaxosState,
)
from spec.registry import Option, SpecEntry, register, variant
from spec.values import EXCEPT

register(
    SpecEntry(
        name="multipaxos",
        cls=MultiPaxos,
        summary="Multi-Paxos state-machine replication, as MultiPaxos.tla (tlaplus/Examples, MultiPaxos-SMR)",
        refinements={"slot-consensus": "spec.slot_consensus:from_multipaxos"},
        audit="modelcheck.audit.multipaxos_map:MultiPaxosMapping.from_events",
        proof="proofs.multipaxos.cmd_prove:run",
        options=(
            Option("--replicas", "replicas", int, 3, "number of replicas (Replicas = s1..sN)"),
            Option("--writes", "writes", int, 1, "number of client write commands (w1..wW)"),
            Option("--reads", "reads", int, 1, "number of client read commands (r1..rR)"),
            Option("--max-ballot", "max_ballot", int, 2, "largest ballot (Ballots = 1..MAX, at least 2)"),
        ),
        suite=(
            {"replicas": 2, "writes": 1, "reads": 0, "max_ballot": 2},
            {"replicas": 3, "writes": 1, "reads": 0, "max_ballot": 2, "symmetry": True},
        ),
    )
)

SRC = "tlaplus/Examples MultiPaxos-SMR"
PMS = "Lamport, Paxos Made Simple (2001), section 3"


@variant("multipaxos")
class SkipPhase1(MultiPaxos):
    """A new leader proposes into the slots it believes empty before its ballot is prepared."""

    # Shortest failure: the leader's own vote post-dates its PrepareReply, so phase 1 ends with PeakVotedCmd = nil
    # in the slot it already filled, and it sends an Accept for no command (TypeOK's Messages).
    variant = "skip-phase1"
    impl_bug = "skip-phase1"  # its planted bug in impl.multipaxos.rules
    rule = "TakeNewRequest needs leadership but not a prepared ballot: it proposes at balMaxKnown at once"
    breaks = "TypeOK"
    failing_bounds = {"replicas": 1, "writes": 1, "reads": 0, "max_ballot": 2}
    trace_length = 3
    source = f"{PMS}: phase 1 covers every slot, the empty ones included"

    def _prepared(self, n: tuple) -> bool:
        return True

    def _proposal_ballot(self, n: tuple) -> int:
        return n[BAL_MAX_KNOWN]


@variant("multipaxos")
class CommitMinority(MultiPaxos):
    """The leader commits a slot with one AcceptReply fewer than a majority."""

    variant = "commit-minority"
    impl_bug = "commit-minority"  # its planted bug in impl.multipaxos.rules
    rule = "HandleAcceptReplies commits on MajorityNum - 1 AcceptReplies"
    breaks = "Linearizability"
    failing_bounds = {"replicas": 3, "writes": 1, "reads": 1, "max_ballot": 2, "symmetry": True}
    trace_length = 10
    source = f"{SRC}, README: change '>= MajorityNum' to '>= MajorityNum - 1'"

    def _commit_quorum(self) -> int:
        return self.MajorityNum - 1


@variant("multipaxos")
class StaleLocalRead(MultiPaxos):
    """A replica that believes it leads answers a read from its own copy, with no lease and no quorum round."""

    variant = "stale-local-read"
    impl_bug = "stale-local-read"  # its planted bug in impl.multipaxos.rules
    rule = "new action LocalRead(r): a self-believed leader acknowledges the next pending read with its kvalue"
    breaks = "Linearizability"
    failing_bounds = {"replicas": 2, "writes": 1, "reads": 1, "max_ballot": 2}
    trace_length = 8
    source = "Chandra, Griesemer, Redstone, Paxos Made Live (2007), section 5.2: reads need a master lease"

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def LocalRead(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """Replica r, leader in its own view, serves the first pending read from its local value."""
        n = s.node[r]
        if not self._running(s, r) or n[LEADER] != r:
            return None
        reads = [c for c in s.pending if c in self.Reads]
        if not reads:
            return None
        c = reads[0]
        observed = self._observe(self._observe(s.observed, (REQ, c)), (ACK, c, n[KVALUE]))
        pending = tuple(x for x in s.pending if x != c)
        return MultiPaxosState(s.msgs, s.node, pending, observed, s.pc)


@variant("multipaxos")
class GapFillIgnoresVotes(MultiPaxos):
    """A new leader treats the slots empty in its own log as gaps to fill, ignoring the votes reported for them."""

    variant = "gap-fill-ignores-votes"
    impl_bug = "gap-fill-ignores-votes"  # its planted bug in impl.multipaxos.rules
    rule = "HandlePrepareReplies adopts PeakVotedCmd only for slots the leader itself has a command in"
    breaks = "Linearizability"
    failing_bounds = {"replicas": 3, "writes": 1, "reads": 1, "max_ballot": 2, "symmetry": True}
    trace_length = 12
    source = f"{PMS}: a gap is filled with a no-op only when phase 1 shows no value accepted there"

    def _adopt(self, own: tuple, peak: int) -> tuple[int, int]:
        if own[0] == EMPTY:
            return EMPTY, own[1]  # left as a gap: TakeNewRequest fills it with a new command
        return super()._adopt(own, peak)


@variant("multipaxos")
class ForgetVotesOnRestart(MultiPaxos):
    """A replica restarts keeping its promise (balMaxKnown) but not the votes it cast."""

    # Shortest failure: after the restart r takes its own old Accept, believes itself leader again with an
    # unprepared ballot, and phase 1 over its pre-vote PrepareReply sends an Accept for nil (TypeOK's Messages).
    variant = "forget-votes-on-restart"
    impl_bug = "forget-votes-on-restart"  # its planted bug in impl.multipaxos.rules
    rule = "new action Restart(r): r's instances are back to NullInst, its ballot promise kept (at most once a run)"
    breaks = "TypeOK"
    failing_bounds = {"replicas": 1, "writes": 1, "reads": 0, "max_ballot": 2}
    trace_length = 6
    source = f"{PMS}, section 2.2: an acceptor must remember what it accepted across a restart"

    @action(params=lambda self, s: ((r,) for r in self.Replicas))
    def Restart(self, s: MultiPaxosState, r: int) -> MultiPaxosState | None:
        """Replica r crashes and recovers knowing only its ballot promise: no leader, no log, no value."""
        n = s.node[r]
        if not self._running(s, r):
            return None
        reset = (NIL, NIL, 0, 0, n[BAL_MAX_KNOWN], (NULL_INST,) * self.NumCommands)
        if reset == n:
            return None
        return MultiPaxosState(s.msgs, EXCEPT(s.node, r, reset), s.pending, s.observed, s.pc)


@variant("multipaxos")
class PromiseOmitsVotes(MultiPaxos):
    """An acceptor's PrepareReply reports no votes, as if it had never accepted anything."""

    variant = "promise-omits-votes"
    impl_bug = "promise-omits-votes"  # its planted bug in impl.multipaxos.rules
    rule = "HandlePrepare replies with VotesByNode of NullInst in every slot"
    breaks = "Linearizability"
    failing_bounds = {"replicas": 3, "writes": 1, "reads": 1, "max_ballot": 2, "symmetry": True}
    trace_length = 12
    source = f"{PMS}: a promise carries the highest-numbered proposal the acceptor accepted (Paxos.tla's Phase1b)"

    def _reported(self, insts: tuple) -> tuple:
        return tuple((0, NIL) for _ in insts)
