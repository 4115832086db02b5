"""Test-only switches that plant known Raft bugs in the core and storage (all off in production).

Each switch is one rule of the protocol broken on purpose, so that the simulation, the
invariant checks and the trace audit can be shown to catch it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Mutations:
    """Which planted bugs are on; the default instance has none."""

    volatile_vote: bool = False  # the vote is not persisted: a restarted node may vote twice in a term
    commit_old_term: bool = False  # a leader commits a previous-term entry by counting replicas (Figure 8)
    truncate_on_match: bool = False  # a follower truncates its log after prevLogIndex even without a conflict
    vote_without_log_check: bool = False  # votes are granted without the up-to-date log check
    count_stale_votes: bool = False  # a candidate counts granted votes from an older term
    commit_no_min: bool = False  # a follower sets commitIndex to leaderCommit, not min(leaderCommit, last new)
    accept_stale_term: bool = False  # a follower accepts AppendEntries from an older term
    skip_fsync: bool = False  # entries and hard state are acknowledged before they are durable
    stale_reads: bool = False  # any node serves reads from its own state machine, without ReadIndex

    def active(self) -> list[str]:
        """Names of the switches that are on."""
        return [f.name for f in fields(self) if getattr(self, f.name)]


NONE = Mutations()
