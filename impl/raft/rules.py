"""The protocol rules the Raft core asks about, as an injected object: raft.tla's by default, a planted bug in tests.

The core calls these small methods at the points where a known Raft bug changes one rule
(etcd-style: the core asks, the rules answer); it has no bug switches of its own. Each planted
bug is a subclass that overrides one method and carries a ``key``: for a bug that is a spec
variant, the key is the one the variant declares as its ``impl_bug`` (spec/raft_variants.py),
and a test checks that the two sets agree. ``bug(key)`` gives the rules with that bug planted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impl.raft.core import HardState
    from impl.raft.log import Entry, RaftLog
    from impl.raft.messages import Message


# the start of a configuration change's refusal that passes by itself: a new leader commits an entry of its term
# (its no-op) within a round trip (KVClient.change asks again)
NO_ENTRY_OF_TERM = "the leader has not yet committed an entry of its term"

class Rules:
    """raft.tla's rules (what production runs)."""

    key: str | None = None  #: the planted bug's key; None: no bug

    def vote_log_ok(self, log: RaftLog, m: Message) -> bool:
        """raft.tla's logOk for a vote: the candidate's log is at least as up to date as ours."""
        lt = log.last_term()
        return m.log_term > lt or (m.log_term == lt and m.index >= log.last_index())

    def append_term_ok(self, mterm: int, term: int) -> bool:
        """``m.mterm = currentTerm[i]``: AppendEntries of the current term only (asked for older terms)."""
        return mterm == term

    def vote_response_term_ok(self, mterm: int, term: int) -> bool:
        """``m.mterm = currentTerm[i]``: votes of the current term only (asked for older terms)."""
        return mterm == term

    def commit_term_ok(self, entry_term: int, term: int) -> bool:
        """A leader commits by counting replicas only an entry of its own term (Figure 8)."""
        return entry_term == term

    def store_entries(self, log: RaftLog, prev: int, entries: Sequence[Entry]) -> None:
        """A follower's accepted entries: truncate at the first conflict only, append what is missing."""
        last = log.last_index()
        for k, e in enumerate(entries):
            idx = prev + 1 + k
            if idx > last:
                log.append(list(entries[k:]))
                return
            if log.term(idx) != e.term:
                log.truncate_after(idx - 1)
                log.append(list(entries[k:]))
                return

    def follower_commit(self, leader_commit: int, last_new: int, last_index: int) -> int:
        """A follower's commit bound: ``min(leaderCommit, index of last new entry)``."""
        return min(leader_commit, last_new)

    def persisted(self, hs: HardState) -> HardState:
        """The hard state written to stable storage: all of it."""
        return hs

    def acks_before_fsync(self) -> bool:
        """Whether the store acknowledges entries before they are durable (never)."""
        return False

    def own_match(self, log: RaftLog) -> int:
        """The index up to which a leader counts its own copy towards a commit: its persisted index."""
        return log.stable

    def reads_anywhere(self) -> bool:
        """Whether any node serves reads from its own state machine, without ReadIndex (never)."""
        return False

    def snapshot_install(self, log: RaftLog, commit: int, index: int, term: int) -> str:
        """What a follower does with a leader's snapshot ending at (index, term), as etcd's ``restore``:
        ``"ignore"`` one not past commitIndex, ``"keep"`` the log when it holds the snapshot's last entry
        (compacting it), else ``"restore"`` (the log becomes the snapshot)."""
        if index <= commit:
            return "ignore"
        return "keep" if log.term(index) == term else "restore"

    def snapshot_commit(self, index: int, commit: int) -> int:
        """commitIndex after installing a snapshot ending at ``index``: the snapshot's entries are committed."""
        return max(index, commit)

    def snapshot_term_ok(self, mterm: int, term: int) -> bool:
        """An InstallSnapshot of the current term only (asked for older terms)."""
        return mterm == term

    def transfer_ready(self, match: int, last: int) -> bool:
        """A leader sends TimeoutNow only to a peer whose log matches all of its own."""
        return match == last

    def change_refusal(self, config_index: int, commit: int, commit_term: int, term: int) -> str | None:
        """Why a leader may not append a configuration entry now (None: it may): one change at a time (its
        latest configuration is committed) and, the dissertation's errata (raft-dev, 2015), not before it
        has committed an entry of its own term (spec/raft_config.py ``ChangeAllowed``)."""
        if config_index > commit:
            return f"the configuration change at index {config_index} is not committed yet"
        if commit_term != term:
            return f"{NO_ENTRY_OF_TERM} {term}"
        return None

    def counted(self, members: frozenset[int], learners: set[int]) -> frozenset[int]:
        """The servers whose acknowledgements a leader counts toward commitment and CheckQuorum: its
        configuration's members, never a learner (a server being added, in no configuration yet)."""
        return members


NONE = Rules()


class VolatileVote(Rules):
    """The vote is not persisted: a restarted node may vote twice in a term."""

    key = "volatile-vote"

    def persisted(self, hs: HardState) -> HardState:
        """The term only."""
        return type(hs)(hs.term, 0)


class CommitOldTerm(Rules):
    """A leader commits a previous-term entry by counting replicas (Figure 8)."""

    key = "no-figure8-rule"

    def commit_term_ok(self, entry_term: int, term: int) -> bool:
        """Any term."""
        return True


class TruncateOnMatch(Rules):
    """A follower truncates its log after prevLogIndex even without a conflict."""

    key = "truncate-on-match"

    def store_entries(self, log: RaftLog, prev: int, entries: Sequence[Entry]) -> None:
        """Everything after prevLogIndex goes, then the request's entries."""
        log.truncate_after(prev)
        log.append(list(entries))


class VoteWithoutLogCheck(Rules):
    """Votes are granted without the up-to-date log check."""

    key = "vote-without-log-check"

    def vote_log_ok(self, log: RaftLog, m: Message) -> bool:
        """Any log."""
        return True


class CountStaleVotes(Rules):
    """A candidate counts granted votes from an older term."""

    key = "count-stale-votes"

    def vote_response_term_ok(self, mterm: int, term: int) -> bool:
        """Older terms too."""
        return mterm <= term


class CommitNoMin(Rules):
    """A follower sets commitIndex to leaderCommit (capped at its log), not min(leaderCommit, last new)."""

    key = "commit-no-min"

    def follower_commit(self, leader_commit: int, last_new: int, last_index: int) -> int:
        """The leader's commit index, as far as the log goes."""
        return min(leader_commit, last_index)


class AcceptStaleTerm(Rules):
    """A follower accepts AppendEntries from an older term."""

    key = "accept-stale-term"

    def append_term_ok(self, mterm: int, term: int) -> bool:
        """Older terms too."""
        return mterm <= term


class SkipFsync(Rules):
    """Entries and hard state are acknowledged before they are durable (a storage bug: no raft.tla variant)."""

    key = "skip-fsync"

    def acks_before_fsync(self) -> bool:
        """Yes."""
        return True


class LeaderCountsUnsynced(Rules):
    """A leader counts its own log towards a commit before its fsync completed (a storage-pipeline bug)."""

    key = "leader-counts-unsynced"

    def own_match(self, log: RaftLog) -> int:
        """Everything it holds in memory."""
        return log.last_index()


class StaleReads(Rules):
    """Any node serves reads from its own state machine (a KV-layer bug: linearizability, no raft.tla variant)."""

    key = "stale-reads"

    def reads_anywhere(self) -> bool:
        """Yes."""
        return True


class InstallMovesCommitBack(Rules):
    """A follower restores every snapshot it is sent, even one its commitIndex has reached."""

    key = "install-moves-commit-back"

    def snapshot_install(self, log: RaftLog, commit: int, index: int, term: int) -> str:
        """Always restore."""
        return "restore"


class InstallSkipsCommit(Rules):
    """A follower installs a snapshot but leaves commitIndex where it was (below the state machine)."""

    key = "install-skips-commit"

    def snapshot_commit(self, index: int, commit: int) -> int:
        """Unchanged."""
        return commit


class InstallStaleTerm(Rules):
    """A follower installs a snapshot from an older term's leader."""

    key = "install-stale-term"

    def snapshot_term_ok(self, mterm: int, term: int) -> bool:
        """Older terms too."""
        return mterm <= term


class TransferToLagging(Rules):
    """A leader sends TimeoutNow at once, before the target's log has caught up."""

    key = "transfer-to-lagging"

    def transfer_ready(self, match: int, last: int) -> bool:
        """Any log."""
        return True


class SingleServerNoErrata(Rules):
    """A leader changes the configuration before committing an entry of its own term (the 2015 bug)."""

    key = "single-server-no-errata"

    def change_refusal(self, config_index: int, commit: int, commit_term: int, term: int) -> str | None:
        """One change at a time only."""
        return super().change_refusal(config_index, commit, term, term)


class CountLearners(Rules):
    """A leader counts a server it is adding (a learner catching up, in no configuration of any log) in its
    quorums, with its configuration's quorum size: a configuration used before it is even appended."""

    key = "count-learners"

    def counted(self, members: frozenset[int], learners: set[int]) -> frozenset[int]:
        """The members and the learners."""
        return members | learners


#: every planted bug by key
BUGS: dict[str, type[Rules]] = {c.key: c for c in (VolatileVote, CommitOldTerm, TruncateOnMatch,
                                                  VoteWithoutLogCheck, CountStaleVotes, CommitNoMin, AcceptStaleTerm,
                                                  SkipFsync, LeaderCountsUnsynced, StaleReads, InstallMovesCommitBack,
                                                  InstallSkipsCommit, InstallStaleTerm, TransferToLagging,
                                                  SingleServerNoErrata, CountLearners)}
#: planted bugs below raft.tla's level of detail (storage, the key-value layer): no spec variant has them
NOT_IN_SPEC = frozenset({"skip-fsync", "leader-counts-unsynced", "stale-reads"})
#: planted bugs of raft-snapshot's rules with no catalog variant (yet): the audit catches each as a step
#: the extension does not allow (tests/test_audit_raft.py), the checker has not been run on them
NO_VARIANT_YET = frozenset({"install-skips-commit", "install-stale-term", "transfer-to-lagging", "count-learners"})


def bug(key: str) -> Rules:
    """The rules with the bug ``key`` planted."""
    if key not in BUGS:
        raise ValueError(f"no planted bug {key!r}; bugs: {', '.join(sorted(BUGS))}")
    return BUGS[key]()
