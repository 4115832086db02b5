"""Raft registered by name, with its variants: each raft.tla with one rule changed.

Each variant overrides one small method of :class:`spec.raft.Raft` (a rule such as
"a vote needs an up-to-date log", or what survives a restart).  Its declaration names its twins
in the other layers, each by one key: ``bmc_encoding``, the Z3 encoding class that overrides the
same rule (``proofs.raft.bmc_variants``), and, for a rule the implementation can break too,
``impl_bug``, the planted bug's key in ``impl.raft.rules.BUGS``; tests/test_architecture.py checks
that the variants, the encodings and the planted bugs agree.  Its catalog fields
record the invariant it breaks, the smallest bounds where the checker found that,
and the length of the shortest counterexample there (benchmarks/raft_bench.py
``variants`` re-measures them; tests/test_raft_variants.py asserts them).
"""

from __future__ import annotations

from typing import Any

from spec.raft import EXCEPT, NIL, NO_HISTORY, Log, Message, Raft, RaftState, raft_options
from spec.registry import SpecEntry, register, variant

register(
    SpecEntry(
        name="raft",
        cls=Raft,
        summary="Raft, as Ongaro's raft.tla (github.com/ongardie/raft.tla), bounds as a TLC state constraint",
        audit="modelcheck.audit.raft_map:RaftMapping.from_events",
        bmc="proofs.raft.cmd_bmc:run_raft",
        proof="proofs.raft.cmd_prove:run",
        options=raft_options(max_log=0),
        flags=(NO_HISTORY,),
        suite=(
            # TLC 2.20's model of issue 3 (705,532 states), then with symmetry, then one that commits.
            {"servers": 3, "values": 1, "max_term": 2, "max_log": 0, "max_copies": 1, "max_in_flight": 1},
            {
                "servers": 3,
                "values": 1,
                "max_term": 2,
                "max_log": 0,
                "max_copies": 1,
                "max_in_flight": 1,
                "symmetry": True,
            },
            {"servers": 2, "values": 1, "max_term": 3, "max_log": 1, "max_copies": 1, "max_in_flight": 1},
        ),
    )
)

_RAFT_PAPER = "Ongaro and Ousterhout, In Search of an Understandable Consensus Algorithm (2014)"
_NO_LOSS_NOR_CRASH = ("DuplicateMessage", "DropMessage", "Restart")  # actions a deep search leaves out


def _model(servers: int, max_term: int, max_log: int = 0, max_in_flight: int = 1, **options: Any) -> dict[str, Any]:
    """A catalog model: the bounds (one value, one copy per message), then the model options given
    (no_history, symmetry, without, restrict), in the order printed."""
    return {"servers": servers, "values": 1, "max_term": max_term, "max_log": max_log, "max_copies": 1,
            "max_in_flight": max_in_flight, **options}


# -- the five of issue 3 -------------------------------------------------------------------
@variant("raft")
class NoFigure8Rule(Raft):
    """A leader commits an index once a quorum stores it, whatever the entry's term."""

    variant = "no-figure8-rule"
    bmc_encoding = "proofs.raft.bmc_variants:NoFigure8Rule"  # its Z3 encoding (paxraft bmc)
    impl_bug = "no-figure8-rule"  # its planted bug in impl.raft.rules
    rule = "AdvanceCommitIndex commits Max(agreeIndexes) without requiring log[i][index].term = currentTerm[i]"
    breaks = "LeaderCompleteness"
    # Figure 8 needs leaders in four terms (2-5), each elected through raft.tla's message-per-vote steps
    # (a candidate votes for itself by message too): 50 steps. The whole model at MaxTerm 5 is far too
    # large, so the search is steered by two model restrictions (see Raft's @restriction guards): only
    # a leader crashes, and s3 never stands for election. The trace replays against the full spec.
    failing_bounds = _model(3, 5, 1, no_history=True, without=("DuplicateMessage", "DropMessage", "DropStaleResponse"),
                            restrict=("passive-last", "restart-leaders"))
    trace_length = 50
    bounds_tried = (
        "servers=2 max_term=3 max_log=1: safe (12,743 states)",
        "servers=2 max_term=4 max_log=1: safe (105,242 states)",
        "servers=3 max_term=5 max_log=1 no_history symmetry without=DuplicateMessage,DropMessage,DropStaleResponse:"
        " about 1.35x more states per level, depth 23 at 1.9M states; the 51-state trace is out of reach",
        "servers=3 max_term=5 max_log=1 no_history, those three left out, restrict=passive-last,restart-leaders:"
        " LeaderCompleteness in 50 steps (13,704,561 states, 844 CPU s)",
    )
    source = f"{_RAFT_PAPER}, section 5.4.2 and Figure 8"

    def CommitTermOk(self, entryTerm: int, currentTerm: int) -> bool:
        """Any term will do."""
        return True


@variant("raft")
class VoteWithoutLogCheck(Raft):
    """A server grants its vote without comparing logs."""

    variant = "vote-without-log-check"
    bmc_encoding = "proofs.raft.bmc_variants:VoteWithoutLogCheck"  # its Z3 encoding (paxraft bmc)
    impl_bug = "vote-without-log-check"  # its planted bug in impl.raft.rules
    rule = "HandleRequestVoteRequest grants without logOk (the candidate's log need not be up to date)"
    breaks = "LeaderCompleteness"
    failing_bounds = _model(3, 3, 1, no_history=True, symmetry=True)
    trace_length = 25
    source = f"{_RAFT_PAPER}, section 5.4.1 (election restriction)"

    def VoteLogOk(self, mlastLogTerm: int, mlastLogIndex: int, xlog: Log) -> bool:
        """Every candidate's log is good enough."""
        return True


@variant("raft")
class VolatileVote(Raft):
    """votedFor is not on stable storage: Restart forgets it."""

    variant = "volatile-vote"
    bmc_encoding = "proofs.raft.bmc_variants:VolatileVote"  # its Z3 encoding (paxraft bmc)
    impl_bug = "volatile-vote"  # its planted bug in impl.raft.rules
    rule = "Restart(i) also sets votedFor[i] to Nil"
    breaks = "OneLeaderPerTerm"
    failing_bounds = _model(3, 2, symmetry=True)
    trace_length = 18
    source = f"{_RAFT_PAPER}, Figure 2 (persistent state: currentTerm, votedFor, log)"

    def Restart(self, s: RaftState, i: int) -> RaftState | None:
        """raft.tla's Restart, then the vote is lost."""
        t = super().Restart(s, i)
        return t.but(votedFor=EXCEPT(t.votedFor, i, NIL))


@variant("raft")
class TruncateOnMatch(Raft):
    """A follower drops the entries after a request it already holds, though nothing conflicts."""

    variant = "truncate-on-match"
    bmc_encoding = "proofs.raft.bmc_variants:TruncateOnMatch"  # its Z3 encoding (paxraft bmc)
    impl_bug = "truncate-on-match"  # its planted bug in impl.raft.rules
    rule = "HandleAppendEntriesRequest, 'already done': log[i] is cut to mprevLogIndex + Len(mentries)"
    breaks = "LeaderCompleteness"
    # s1's empty heartbeat to s2, sent before its entry, arrives after s2 stored the entry: s2 cuts its log
    # back to empty while s1 commits the entry with s2's earlier acknowledgement; s3 then elects s2.
    # Two messages in flight at once are needed (MaxInFlight 2); one log entry is enough.
    failing_bounds = _model(3, 3, 1, max_in_flight=2, no_history=True, symmetry=True,
                            without=(*_NO_LOSS_NOR_CRASH, "DropStaleResponse"))
    trace_length = 26
    bounds_tried = (
        "servers=2 max_term=3 max_log=2: safe (29,818 states)",
        "servers=3 max_term=3 max_log=2 max_in_flight=2 no_history symmetry, those four left out: LeaderCompleteness"
        " in 26 steps (6,900,581 states); the same with max_log=1: 26 steps, 5,152,878 states, 424 CPU s",
    )
    source = f"{_RAFT_PAPER}, Figure 2, AppendEntries receiver step 3 (truncate only on conflict)"

    def MatchedLog(self, xlog: Log, lastIndex: int) -> Log:
        """Everything after the request's last entry goes."""
        return xlog[:lastIndex]


@variant("raft")
class CountStaleVotes(Raft):
    """A candidate counts vote responses from an earlier term."""

    variant = "count-stale-votes"
    bmc_encoding = "proofs.raft.bmc_variants:CountStaleVotes"  # its Z3 encoding (paxraft bmc)
    impl_bug = "count-stale-votes"  # its planted bug in impl.raft.rules
    rule = "HandleRequestVoteResponse accepts m.mterm <= currentTerm[i] (raft.tla: m.mterm = currentTerm[i])"
    breaks = "OneLeaderPerTerm"
    failing_bounds = _model(2, 3)
    trace_length = 18
    source = f"{_RAFT_PAPER}, Figure 2 (votes of the current term only)"

    def VoteResponseTermOk(self, mterm: int, currentTerm: int) -> bool:
        """Old votes count too."""
        return mterm <= currentTerm


# -- six more for the variant catalog ------------------------------------------------------
@variant("raft")
class VolatileTerm(Raft):
    """currentTerm is not on stable storage: Restart returns it to the initial term 1."""

    variant = "volatile-term"
    bmc_encoding = "proofs.raft.bmc_variants:VolatileTerm"  # its Z3 encoding (paxraft bmc)
    rule = "Restart(i) also sets currentTerm[i] to 1"
    breaks = "OneLeaderPerTerm"
    failing_bounds = _model(2, 2)
    trace_length = 20
    source = f"{_RAFT_PAPER}, Figure 2 (persistent state: currentTerm, votedFor, log)"

    def Restart(self, s: RaftState, i: int) -> RaftState | None:
        """raft.tla's Restart, then the term is lost."""
        t = super().Restart(s, i)
        return t.but(currentTerm=EXCEPT(t.currentTerm, i, 1))


@variant("raft")
class VolatileLog(Raft):
    """The log is not on stable storage: Restart empties it."""

    variant = "volatile-log"
    bmc_encoding = "proofs.raft.bmc_variants:VolatileLog"  # its Z3 encoding (paxraft bmc)
    rule = "Restart(i) also sets log[i] to << >>"
    breaks = "LeaderCompleteness"
    failing_bounds = _model(3, 3, 1, no_history=True, symmetry=True)
    trace_length = 25
    source = f"{_RAFT_PAPER}, Figure 2 (persistent state: currentTerm, votedFor, log)"

    def Restart(self, s: RaftState, i: int) -> RaftState | None:
        """raft.tla's Restart, then the log is lost."""
        t = super().Restart(s, i)
        return t.but(log=EXCEPT(t.log, i, ()))


@variant("raft")
class MatchLen(Raft):
    """On a successful response the leader takes its own log length as the follower's match."""

    variant = "match-len"
    bmc_encoding = "proofs.raft.bmc_variants:MatchLen"  # its Z3 encoding (paxraft bmc)
    rule = "HandleAppendEntriesResponse sets matchIndex[i][j] to Len(log[i]), not m.mmatchIndex"
    breaks = "LeaderCompleteness"
    failing_bounds = _model(3, 3, 1, no_history=True, symmetry=True)
    trace_length = 23
    source = f"{_RAFT_PAPER}, Figure 2, rules for leaders (matchIndex from the request that succeeded)"

    def AckedIndex(self, s: RaftState, i: int, m: Message) -> int:
        """The leader's whole log, whatever the request covered."""
        return len(s.log[i])


@variant("raft")
class AcceptStaleTerm(Raft):
    """A follower accepts AppendEntries from a leader of an older term."""

    variant = "accept-stale-term"
    bmc_encoding = "proofs.raft.bmc_variants:AcceptStaleTerm"  # its Z3 encoding (paxraft bmc)
    impl_bug = "accept-stale-term"  # its planted bug in impl.raft.rules
    rule = "HandleAppendEntriesRequest treats m.mterm < currentTerm[i] as the current term (no reject)"
    breaks = "LeaderCompleteness"
    # Found with the network's loss/duplication and Restart left out of Next (366,861 states): a
    # term-2 leader's stale request overwrites the term-3 entry its follower had been told is committed.
    failing_bounds = _model(3, 3, 1, no_history=True, symmetry=True, without=_NO_LOSS_NOR_CRASH)
    trace_length = 31
    bounds_tried = (
        "servers=2 max_term=3 max_log=1: safe (12,581 states)",
        "servers=2 max_term=3 max_log=1 max_in_flight=2: safe (350,123 states)",
        "servers=2 max_term=3 max_log=2: safe (29,764 states)",
        "servers=3 max_term=3 max_log=1 no_history (full Next): none in the first 1,500,000 states",
    )
    source = f"{_RAFT_PAPER}, Figure 2, AppendEntries receiver step 1 (reply false if term < currentTerm)"

    def AppendTermOk(self, mterm: int, currentTerm: int) -> bool:
        """Older terms are fine too."""
        return mterm <= currentTerm


@variant("raft")
class CommitNoMin(Raft):
    """The follower's commitIndex becomes the leader's, not capped at the last entry the request covers.

    Safe for raft.tla's five invariants, at every bound: the cap matters only for a request that ends
    below the leader's commitIndex, i.e. sent while nextIndex[i][j] <= commitIndex[i] - 1. In raft.tla
    nextIndex only falls when j rejects a request of the leader's term, after which j's log changes
    only by this leader's requests (a conflict pops entries from the end), so whatever j holds past the
    request's last entry is the leader's own (committed) entries or nothing. What the rule does break is
    'commitIndex[i] <= Len(log[i])': a follower then claims entries it does not hold (24 steps, term 2,
    see tests/test_raft_variants.py); an implementation would apply entries it has not got.
    """

    variant = "commit-no-min"
    bmc_encoding = "proofs.raft.bmc_variants:CommitNoMin"  # its Z3 encoding (paxraft bmc)
    impl_bug = "commit-no-min"  # its planted bug in impl.raft.rules
    rule = "AppendEntries sends mcommitIndex = commitIndex[i] without Min({commitIndex[i], lastEntry})"
    breaks = None  # safe for the five invariants (argued above, checked at bounds_tried)
    failing_bounds = None
    trace_length = None
    # Checked safe there: 7,847,504 states, depth 76 (about 11 CPU minutes); the rule's effect, a
    # commitIndex past the log, is reachable in it from 24 steps on.
    bounds_tried = _model(3, 3, 2, no_history=True, symmetry=True, without=_NO_LOSS_NOR_CRASH)
    source = f"{_RAFT_PAPER}, Figure 2, AppendEntries receiver step 5 (min(leaderCommit, index of last new entry))"

    def LeaderCommitFor(self, commitIndex: int, lastEntry: int) -> int:
        """The leader's commitIndex as it is."""
        return commitIndex


@variant("raft")
class VoteLenOnly(Raft):
    """The up-to-date check compares log lengths only, not last terms."""

    variant = "vote-len-only"
    bmc_encoding = "proofs.raft.bmc_variants:VoteLenOnly"  # its Z3 encoding (paxraft bmc)
    rule = "HandleRequestVoteRequest's logOk is m.mlastLogIndex >= Len(log[i]) (terms ignored)"
    breaks = "LeaderCompleteness"
    # Found with the network's loss/duplication and Restart left out of Next (3,882,301 states): a
    # term-4 candidate whose one entry is of term 2 wins the vote of a server holding the committed term-3 entry.
    failing_bounds = _model(3, 4, 1, no_history=True, symmetry=True, without=_NO_LOSS_NOR_CRASH)
    trace_length = 38
    bounds_tried = (
        "servers=2 max_term=3 max_log=1: safe (12,600 states)",
        "servers=2 max_term=4 max_log=1: safe (100,596 states)",
    )
    source = f"{_RAFT_PAPER}, section 5.4.1 (compare last terms first)"

    def VoteLogOk(self, mlastLogTerm: int, mlastLogIndex: int, xlog: Log) -> bool:
        """The longer log wins, whatever its terms."""
        return mlastLogIndex >= len(xlog)
