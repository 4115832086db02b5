"""The Multi-Paxos rules the core asks about, as an injected object: Paxos's by default, a planted bug in tests.

As for Raft (impl/raft/rules.py), the core has no bug switches of its own: at each point where a
known Multi-Paxos mistake changes one rule, it asks its rules object. A planted bug is a subclass
overriding one method; its ``key`` is the ``impl_bug`` that the matching variant of
spec/multipaxos_variants.py declares (one key ties the two, and a test checks both sets agree).
The storage and key-value layer rules (``acks_before_fsync``, ``reads_anywhere``) are Raft's own
(:class:`impl.raft.rules.Rules`), shared by the replica code that both protocols run under.
"""

from __future__ import annotations

from impl.raft.log import Entry
from impl.raft.rules import Rules as StoreRules


class Rules(StoreRules):
    """Multi-Paxos's rules (what production runs)."""

    def needs_phase1(self) -> bool:
        """A new leader runs phase 1 before proposing anything (Paxos Made Simple, section 3)."""
        return True

    def commit_quorum(self, majority: int) -> int:
        """How many AcceptReplies (the leader's own included) choose a slot: a majority."""
        return majority

    def local_reads(self) -> bool:
        """Whether a leader answers reads from its own state without a quorum round (never)."""
        return False

    def adopt(self, own: Entry, peak: Entry | None) -> Entry | None:
        """The value a new leader re-proposes in a slot: the highest-ballot vote phase 1 reported (None: a gap,
        filled with a no-op)."""
        return peak

    def restored_votes(self, votes: list[Entry]) -> list[Entry]:
        """The votes a restarted acceptor keeps: all that its storage holds."""
        return votes

    def reported(self, votes: list[Entry]) -> list[Entry]:
        """The votes an acceptor's promise reports: all it cast from the slot asked for on."""
        return votes

    def rejoin_gate(self) -> bool:
        """Whether a replica rebuilt from empty storage stays silent until it resumes (spec/multipaxos_rebuild.py)."""
        return True


NONE = Rules()


class SkipPhase1(Rules):
    """A new leader proposes into the slots it believes empty before its ballot is prepared."""

    key = "skip-phase1"

    def needs_phase1(self) -> bool:
        """No."""
        return False


class CommitMinority(Rules):
    """The leader chooses a slot with one AcceptReply fewer than a majority."""

    key = "commit-minority"

    def commit_quorum(self, majority: int) -> int:
        """A majority minus one (at least one: the leader itself)."""
        return max(1, majority - 1)


class StaleLocalRead(Rules):
    """A self-believed leader answers reads from its own copy: no lease, no quorum round."""

    key = "stale-local-read"

    def local_reads(self) -> bool:
        """Yes."""
        return True


class GapFillIgnoresVotes(Rules):
    """A new leader fills the slots empty in its own log with no-ops, ignoring the votes phase 1 reported."""

    key = "gap-fill-ignores-votes"

    def adopt(self, own: Entry, peak: Entry | None) -> Entry | None:
        """Only slots the leader itself voted in adopt the reported vote."""
        return peak if own.term else None


class ForgetVotesOnRestart(Rules):
    """A restarted acceptor keeps its promise but forgets the votes it cast."""

    key = "forget-votes-on-restart"

    def restored_votes(self, votes: list[Entry]) -> list[Entry]:
        """None of them."""
        return []


class PromiseOmitsVotes(Rules):
    """An acceptor's promise does not report the votes it cast (Paxos.tla's Phase1b without maxVBal/maxVal)."""

    key = "promise-omits-votes"

    def reported(self, votes: list[Entry]) -> list[Entry]:
        """None of them."""
        return []


class RebuildWithoutGate(Rules):
    """A replica rebuilt from empty storage promises and votes at once, its old promises and votes forgotten."""

    key = "rebuild-without-gate"

    def rejoin_gate(self) -> bool:
        """No gate."""
        return False


#: every planted bug by key
BUGS: dict[str, type[Rules]] = {c.key: c for c in (SkipPhase1, CommitMinority, StaleLocalRead,
                                                  GapFillIgnoresVotes, ForgetVotesOnRestart, PromiseOmitsVotes,
                                                  RebuildWithoutGate)}


def bug(key: str) -> Rules:
    """The rules with the bug ``key`` planted."""
    if key not in BUGS:
        raise ValueError(f"no planted Multi-Paxos bug {key!r}; bugs: {', '.join(sorted(BUGS))}")
    return BUGS[key]()
