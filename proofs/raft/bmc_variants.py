"""The Raft variants of spec/raft_variants.py in the BMC encoding: each overrides the hook its spec class does."""

from __future__ import annotations

from typing import Any

import z3

from proofs.raft.bmc_encoding import Expr, Key, RaftBmcEncoding
from spec.raft import NIL, Raft


class NoFigure8Rule(RaftBmcEncoding):
    """no-figure8-rule: a leader commits an index a quorum stores, whatever its term."""

    variant = "no-figure8-rule"

    def commit_term_ok(self, entry_term: Expr, ct: Expr) -> Expr:
        return True


class VoteWithoutLogCheck(RaftBmcEncoding):
    """vote-without-log-check: votes are granted without comparing logs."""

    variant = "vote-without-log-check"

    def vote_log_ok(self, s: dict[Key, Any], i: int, mlastLogTerm: int, mlastLogIndex: int) -> Expr:
        return True


class VoteLenOnly(RaftBmcEncoding):
    """vote-len-only: the up-to-date check compares log lengths only."""

    variant = "vote-len-only"

    def vote_log_ok(self, s: dict[Key, Any], i: int, mlastLogTerm: int, mlastLogIndex: int) -> Expr:
        return mlastLogIndex >= s["len", i]


class CountStaleVotes(RaftBmcEncoding):
    """count-stale-votes: vote responses of earlier terms count."""

    variant = "count-stale-votes"

    def vote_response_term_ok(self, mterm: int, ct: Expr) -> Expr:
        return mterm <= ct


class AcceptStaleTerm(RaftBmcEncoding):
    """accept-stale-term: a follower accepts AppendEntries of older terms."""

    variant = "accept-stale-term"

    def append_term_ok(self, mterm: int, ct: Expr) -> Expr:
        return mterm <= ct


class CommitNoMin(RaftBmcEncoding):
    """commit-no-min: mcommitIndex is the leader's commitIndex, uncapped."""

    variant = "commit-no-min"

    def leader_commit_for(self, ci: Expr, last_entry: Expr) -> Expr:
        return ci


class MatchLen(RaftBmcEncoding):
    """match-len: a success sets matchIndex to the leader's log length."""

    variant = "match-len"

    def acked_index(self, s: dict[Key, Any], i: int, mmatchIndex: int) -> Expr:
        return s["len", i]


class TruncateOnMatch(RaftBmcEncoding):
    """truncate-on-match: 'already done' cuts the log after the request's last entry."""

    variant = "truncate-on-match"

    def matched_log(self, s: dict[Key, Any], i: int, last_index: int, when: Expr) -> dict[Key, Expr]:
        # log[i][:last_index] is the whole log when it is no longer than last_index
        return self.truncate(s, i, z3.If(s["len", i] < last_index, s["len", i], last_index), when)


class VolatileVote(RaftBmcEncoding):
    """volatile-vote: Restart forgets votedFor."""

    variant = "volatile-vote"

    def restart_extra(self, s: dict[Key, Any], i: int) -> dict[Key, Expr]:
        return {("vf", i): NIL}


class VolatileTerm(RaftBmcEncoding):
    """volatile-term: Restart sets currentTerm back to 1."""

    variant = "volatile-term"

    def restart_extra(self, s: dict[Key, Any], i: int) -> dict[Key, Expr]:
        return {("ct", i): 1}


class VolatileLog(RaftBmcEncoding):
    """volatile-log: Restart empties the log."""

    variant = "volatile-log"

    def restart_extra(self, s: dict[Key, Any], i: int) -> dict[Key, Expr]:
        return self.truncate(s, i, 0)


def encodings() -> dict[str | None, type[RaftBmcEncoding]]:
    """Variant name (None: raft.tla itself) -> its encoding: every encoding class names its variant."""
    out: dict[str | None, type[RaftBmcEncoding]] = {}
    todo: list[type[RaftBmcEncoding]] = [RaftBmcEncoding]
    while todo:
        cls = todo.pop(0)
        out.setdefault(cls.variant, cls)
        todo += cls.__subclasses__()
    return out


def encoding_class(spec: Raft) -> type[RaftBmcEncoding]:
    """The encoding of the spec's variant (raft.tla itself when it is none); KeyError names an unencoded one."""
    name = type(spec).variant
    known = encodings()
    if name not in known:
        raise KeyError(name)
    return known[name]
