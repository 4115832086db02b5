"""The Raft variants of spec/raft_variants.py in the BMC encoding: each overrides the hook its spec class does.

Which encoding is a variant's is declared once, by the variant (its ``bmc_encoding``), not here.
"""

from __future__ import annotations

from typing import Any

import z3

from proofs.raft.bmc_encoding import Expr, Key, RaftBmcEncoding
from spec.raft import NIL, Raft
from spec.registry import entry, lazy


class NoFigure8Rule(RaftBmcEncoding):
    """no-figure8-rule: a leader commits an index a quorum stores, whatever its term."""

    def commit_term_ok(self, entry_term: Expr, ct: Expr) -> Expr:
        return True


class VoteWithoutLogCheck(RaftBmcEncoding):
    """vote-without-log-check: votes are granted without comparing logs."""

    def vote_log_ok(self, s: dict[Key, Any], i: int, mlastLogTerm: int, mlastLogIndex: int) -> Expr:
        return True


class VoteLenOnly(RaftBmcEncoding):
    """vote-len-only: the up-to-date check compares log lengths only."""

    def vote_log_ok(self, s: dict[Key, Any], i: int, mlastLogTerm: int, mlastLogIndex: int) -> Expr:
        return mlastLogIndex >= s["len", i]


class CountStaleVotes(RaftBmcEncoding):
    """count-stale-votes: vote responses of earlier terms count."""

    def vote_response_term_ok(self, mterm: int, ct: Expr) -> Expr:
        return mterm <= ct


class AcceptStaleTerm(RaftBmcEncoding):
    """accept-stale-term: a follower accepts AppendEntries of older terms."""

    def append_term_ok(self, mterm: int, ct: Expr) -> Expr:
        return mterm <= ct


class CommitNoMin(RaftBmcEncoding):
    """commit-no-min: mcommitIndex is the leader's commitIndex, uncapped."""

    def leader_commit_for(self, ci: Expr, last_entry: Expr) -> Expr:
        return ci


class MatchLen(RaftBmcEncoding):
    """match-len: a success sets matchIndex to the leader's log length."""

    def acked_index(self, s: dict[Key, Any], i: int, mmatchIndex: int) -> Expr:
        return s["len", i]


class TruncateOnMatch(RaftBmcEncoding):
    """truncate-on-match: 'already done' cuts the log after the request's last entry."""

    def matched_log(self, s: dict[Key, Any], i: int, last_index: int, when: Expr) -> dict[Key, Expr]:
        # log[i][:last_index] is the whole log when it is no longer than last_index
        return self.truncate(s, i, z3.If(s["len", i] < last_index, s["len", i], last_index), when)


class VolatileVote(RaftBmcEncoding):
    """volatile-vote: Restart forgets votedFor."""

    def restart_extra(self, s: dict[Key, Any], i: int) -> dict[Key, Expr]:
        return {("vf", i): NIL}


class VolatileTerm(RaftBmcEncoding):
    """volatile-term: Restart sets currentTerm back to 1."""

    def restart_extra(self, s: dict[Key, Any], i: int) -> dict[Key, Expr]:
        return {("ct", i): 1}


class VolatileLog(RaftBmcEncoding):
    """volatile-log: Restart empties the log."""

    def restart_extra(self, s: dict[Key, Any], i: int) -> dict[Key, Expr]:
        return self.truncate(s, i, 0)


def encoding_class(spec: Raft | type[Raft]) -> type[RaftBmcEncoding]:
    """The encoding a Raft class declares (``bmc_encoding``): its own, or, for a subclass that is no variant
    of its own (it adds an invariant, say), its parent's; a variant that declares none has none (KeyError)."""
    cls = spec if isinstance(spec, type) else type(spec)
    for c in cls.__mro__ if issubclass(cls, Raft) else ():
        if "bmc_encoding" in vars(c):
            return lazy(vars(c)["bmc_encoding"])
        if vars(c).get("variant"):
            break
    raise KeyError(cls.variant or cls.__name__)


def encoded() -> list[str]:
    """The Raft variants that declare an encoding, by name."""
    return [name for name, cls in entry("raft").variants.items() if vars(cls).get("bmc_encoding")]
