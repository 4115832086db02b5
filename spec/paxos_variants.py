"""Paxos registered by name, with its variants: each the base spec with one rule changed.

Every variant carries its catalog fields (see ``spec/catalog.py`` and ``paxraft variants``):
the rule changed, the invariant it breaks (``None``: safe at the bounds tried), the
smallest bounds where the checker breaks it and the shortest counterexample's length
there.  The bounds come from ``benchmarks/variant_bounds.py``, which raises one bound
at a time from the smallest model.
"""

from __future__ import annotations

from spec.catalog import Entry
from spec.core import action
from spec.paxos import M1A, M1B, M2A, Paxos, PaxosState
from spec.registry import Option, SpecEntry, register, variant

register(
    SpecEntry(
        name="paxos",
        cls=Paxos,
        summary="Single-decree Paxos, as Lamport's Paxos.tla (tlaplus/Examples)",
        options=(
            Option("--acceptors", "acceptors", int, 3, "number of acceptors (Acceptor = a1..aN)"),
            Option("--values", "values", int, 2, "number of values (Value = v1..vK)"),
            Option("--max-ballot", "max_ballot", int, 1, "largest ballot (Ballot = 0..MAX)"),
            Option("--max-restarts", "max_restarts", int, 0, "acceptor crash-restarts allowed in a run, in total"),
            Option("--q1", "q1", int, "majorities", "phase-1 quorums: every K-subset of the acceptors"),
            Option("--q2", "q2", int, "majorities", "phase-2 quorums: every K-subset of the acceptors"),
            Option("--quorums", "quorum_file", str, "none", "file of quorums, one a line ('phase1: a1 a2')",
                   names_file=True),
        ),
        cases="spec.paxos_variants:QUORUM_CASES",
        audit="modelcheck.audit.paxos_map:PaxosMapping.from_events",
        bmc="proofs.paxos.cmd_bmc:run",
        proof="proofs.paxos.cmd_prove:run",
        refinements={"voting": "spec.voting:from_paxos"},  # and consensus through voting (spec.refinements)
        suite=(
            {"acceptors": 1, "values": 1, "max_ballot": 1},
            {"acceptors": 3, "values": 2, "max_ballot": 1},
            {"acceptors": 3, "values": 2, "max_ballot": 1, "symmetry": True},
        ),
    )
)

PMS = "Lamport, Paxos Made Simple (2001)"


@variant("paxos")
class IgnoreVotes(Paxos):
    """Phase2a proposes any value once a quorum has promised, ignoring the votes their 1b messages report."""

    variant = "ignore-votes"
    rule = "Phase2a(b, v) needs a quorum of 1b messages for b but not that v is their highest-ballot vote"
    breaks = "Agreement"
    failing_bounds = {"acceptors": 1, "values": 2, "max_ballot": 1}
    trace_length = 8  # 12 with three acceptors
    source = f"{PMS}, section 2.2: P2b is what the 1b votes enforce"

    def shows_safe(self, msgs: frozenset, b: int, v: int) -> bool:
        """Any value is 'safe' once some phase-1 quorum has promised ballot b."""
        promised = {m[1] for m in msgs if m[0] == M1B and m[2] == b}
        return any(q <= promised for q in self.Quorum1)


@variant("paxos")
class AnyVote(Paxos):
    """Phase2a may adopt any vote the quorum reports, not necessarily the one of the highest ballot."""

    variant = "any-vote"
    rule = "Phase2a(b, v) takes v from any vote reported in the quorum's 1b messages, not the highest-ballot one"
    breaks = "Agreement"
    failing_bounds = {"acceptors": 3, "values": 2, "max_ballot": 2}  # safe with max_ballot 1: one earlier ballot
    trace_length = 17
    source = f"{PMS}, section 2.2: the proposer must take the value of the highest-numbered proposal"

    def shows_safe(self, msgs: frozenset, b: int, v: int) -> bool:
        """Some phase-1 quorum promised b and either none of it voted or one of it voted for v."""
        reported = {m[1]: m for m in msgs if m[0] == M1B and m[2] == b}
        for q in self.Quorum1:
            if q <= reported.keys():
                votes = [reported[a][4] for a in q if reported[a][3] >= 0]
                if not votes or v in votes:
                    return True
        return False


@variant("paxos")
class AcceptBelowPromise(Paxos):
    """Phase2b votes in any ballot, even one below the acceptor's promise."""

    variant = "accept-below-promise"
    rule = "Phase2b(a) votes for a 2a message of any ballot: the guard b >= maxBal[a] is dropped"
    breaks = "Agreement"
    failing_bounds = {"acceptors": 1, "values": 2, "max_ballot": 1}
    trace_length = 8
    source = f"{PMS}, section 2.2, P1a: accept a proposal n unless it responded to a prepare request > n"

    @action(params=lambda self, s: ((a, m[1], m[2]) for a in self.Acceptor for m in s.msgs if m[0] == M2A))
    def Phase2b(self, s: PaxosState, a: int, b: int, v: int) -> PaxosState | None:
        """Paxos.tla's Phase2b without its guard on maxBal[a]."""
        if (M2A, b, v) not in s.msgs:
            return None
        return self.vote(s, a, b, v)


@variant("paxos")
class PromiseAny(Paxos):
    """Phase1b answers any 1a message, even one whose ballot is not above the acceptor's promise."""

    variant = "promise-any"
    rule = "Phase1b(a) answers a 1a message of any ballot: the guard b > maxBal[a] is dropped"
    breaks = "Agreement"
    failing_bounds = {"acceptors": 1, "values": 2, "max_ballot": 1}
    trace_length = 8
    source = f"{PMS}, section 2.2: an acceptor responds only to a prepare request above any it has answered"

    @action(params=lambda self, s: ((a, m[1]) for a in self.Acceptor for m in s.msgs if m[0] == M1A))
    def Phase1b(self, s: PaxosState, a: int, b: int) -> PaxosState | None:
        """Paxos.tla's Phase1b without its guard on maxBal[a]."""
        if (M1A, b) not in s.msgs:
            return None
        maxBal = s.maxBal[:a] + (b,) + s.maxBal[a + 1 :]
        return type(s)(maxBal, s.maxVBal, s.maxVal, s.msgs | {(M1B, a, b, s.maxVBal[a], s.maxVal[a])}, *s[4:])


@variant("paxos")
class DupBallot(Paxos):
    """Phase2a may send a second 2a message, for another value, in a ballot that already has one."""

    variant = "dup-ballot"
    rule = "Phase2a(b, v) no longer requires that no 2a message for ballot b has been sent"
    breaks = "Agreement"
    failing_bounds = {"acceptors": 1, "values": 2, "max_ballot": 0}
    trace_length = 6
    source = f"{PMS}, section 2.2: a proposer issues one proposal per proposal number; Paxos.tla's Phase2a"

    @action(params=lambda self, s: [(b, v) for b in {m[2] for m in s.msgs if m[0] == M1B} for v in self.Value])
    def Phase2a(self, s: PaxosState, b: int, v: int) -> PaxosState | None:
        """Paxos.tla's Phase2a without its first conjunct (no earlier 2a message for b)."""
        if not self.shows_safe(s.msgs, b, v):
            return None
        return type(s)(s.maxBal, s.maxVBal, s.maxVal, s.msgs | {(M2A, b, v)}, *s[4:])


@variant("paxos")
class NoPromiseOnAccept(Paxos):
    """Phase2b records the vote but leaves maxBal[a] where it was."""

    variant = "no-promise-on-accept"
    rule = "Phase2b(a) sets maxVBal[a] and maxVal[a] but not maxBal[a] := b"
    breaks = "Agreement"
    failing_bounds = {"acceptors": 3, "values": 2, "max_ballot": 2}  # a vote must be overwritten by a lower one
    trace_length = 17
    source = "Lamport, Paxos.tla (tlaplus/Examples): Phase2b sets maxBal' as well as maxVBal' and maxVal'"

    def Phase2b(self, s: PaxosState, a: int, b: int, v: int) -> PaxosState | None:
        """Paxos.tla's Phase2b, except that maxBal[a] is not raised to b."""
        t = super().Phase2b(s, a, b, v)
        return None if t is None else type(t)(s.maxBal, *t[1:])


@variant("paxos")
class VolatilePromise(Paxos):
    """An acceptor that restarts forgets its promise (maxBal) but keeps its vote."""

    variant = "volatile-promise"
    rule = "Restart(a) resets maxBal[a] to -1: only maxVBal[a] and maxVal[a] are on stable storage"
    breaks = "Agreement"
    persists = ("maxVBal", "maxVal")
    failing_bounds = {"acceptors": 1, "values": 2, "max_ballot": 1, "max_restarts": 1}
    trace_length = 9
    source = f"{PMS}, section 2.2: an acceptor must remember maxBal and its vote even if it fails and restarts"


@variant("paxos")
class Amnesia(Paxos):
    """An acceptor that restarts forgets everything: its promise and its vote."""

    variant = "amnesia"
    rule = "Restart(a) resets maxBal[a], maxVBal[a] and maxVal[a]: nothing is on stable storage"
    breaks = "Agreement"
    persists = ()
    failing_bounds = {"acceptors": 1, "values": 2, "max_ballot": 1, "max_restarts": 1}
    trace_length = 9
    source = f"{PMS}, section 2.2: an acceptor must remember maxBal and its vote even if it fails and restarts"


@variant("paxos")
class Flexible(Paxos):
    """Flexible Paxos: the phase-1 and phase-2 quorum systems are taken as given, intersecting or not."""

    variant = "flexible"
    rule = "the quorum assumption is dropped: phase-1 and phase-2 quorums (--q1/--q2/--quorums) need not meet"
    breaks = "Agreement"
    assume_intersection = False
    failing_bounds = {"acceptors": 2, "values": 2, "max_ballot": 1, "q1": 1, "q2": 1}
    trace_length = 8
    source = "Howard, Malkhi, Spiegelman, Flexible Paxos (2016): safe iff every Q1 meets every Q2"


def _quorum_case(n: int, q1: int, q2: int, trace_length: int | None) -> Entry:
    safe = q1 + q2 > n
    return Entry(
        spec="paxos",
        name=f"flexible-n{n}-q{q1}-q{q2}",
        variant="flexible",
        rule=f"every {q1}-subset of {n} acceptors is a phase-1 quorum, every {q2}-subset a phase-2 quorum"
        + (f" ({q1}+{q2} > {n}: they intersect)" if safe else f" ({q1}+{q2} <= {n}: two may miss each other)"),
        breaks=None if safe else "Agreement",
        bounds={"acceptors": n, "values": 2, "max_ballot": 1, "q1": q1, "q2": q2},
        trace_length=trace_length,
        source="Howard, Malkhi, Spiegelman, Flexible Paxos (2016): |Q1| + |Q2| > N suffices",
    )


ROWS, COLUMNS = ([0, 1], [2, 3]), ([0, 2], [1, 3])  # four acceptors as a 2x2 grid: a1 a2 / a3 a4

#: Quorum systems, as catalog rows: the Flexible Paxos rule on small models (tests/test_quorums.py
#: checks every K1, K2 for three and four acceptors), and a grid where the size rule does not apply.
QUORUM_CASES: tuple[Entry, ...] = (
    _quorum_case(3, 1, 2, 10),
    _quorum_case(3, 2, 1, 10),
    _quorum_case(3, 3, 1, None),
    _quorum_case(3, 1, 3, None),
    _quorum_case(4, 2, 2, 12),
    _quorum_case(4, 1, 3, 12),
    _quorum_case(4, 3, 2, None),
    Entry(
        spec="paxos",
        name="flexible-grid-rows-columns",
        variant="flexible",
        rule="a 2x2 grid: phase-1 quorums are its rows, phase-2 quorums its columns (|Q1|+|Q2| = N, yet each meets)",
        breaks=None,
        bounds={"acceptors": 4, "values": 2, "max_ballot": 1, "phase1_quorums": ROWS, "phase2_quorums": COLUMNS},
        shown_bounds="acceptors=4 values=2 max_ballot=1 q1=rows q2=columns",
        source="Howard, Malkhi, Spiegelman, Flexible Paxos (2016): grid quorums; intersection is what counts",
    ),
    Entry(
        spec="paxos",
        name="flexible-grid-rows-rows",
        variant="flexible",
        rule="a 2x2 grid with rows as the quorums of both phases: two rows do not meet",
        breaks="Agreement",
        bounds={"acceptors": 4, "values": 2, "max_ballot": 1, "phase1_quorums": ROWS, "phase2_quorums": ROWS},
        shown_bounds="acceptors=4 values=2 max_ballot=1 q1=rows q2=rows",
        trace_length=12,
        source="Howard, Malkhi, Spiegelman, Flexible Paxos (2016): some Q1 misses some Q2, so Agreement fails",
    ),
)
