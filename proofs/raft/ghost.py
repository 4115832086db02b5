"""History variables the LeaderCompleteness proof adds to raft.tla's state, recorded beside the spec's own steps.

raft.tla already keeps three history variables (``elections``, ``allLogs``, ``voterLog``); the
proof of :mod:`proofs.raft.complete` needs two more, which spec/raft.py does not keep (its
states, and so every TLC count, stay raft.tla's):

- ``acks``: every acknowledgement ever sent, as ``(k, t, x)``: server k, in term t, answered
  success for a request covering index x
  (raft.tla consumes the response and resets matchIndex; the proof needs that it happened);
- ``commits``: every entry a leader committed by the commit rule, as ``(t, xa, x, (term, value))``:
  the leader of term t's AdvanceCommitIndex chose index xa >= x, its entry x being that one.

They are recorded from the spec's own rule methods (``AlreadyDone``, ``AppendTermOk``,
``CommitTermOk``), so a catalog variant's history is the one its rules produce. The pair
(spec state, ghost) is explored breadth first like :func:`spec.behaviour.reachable`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from spec.behaviour import breadth_first, state_constraint
from spec.core import Label
from spec.raft import FOLLOWER, Raft, RaftState


class Ghost(NamedTuple):
    """The two history variables (empty at Init, never shrinking)."""

    acks: frozenset = frozenset()
    commits: frozenset = frozenset()


class Ghosted(NamedTuple):
    """A spec state with its history."""

    s: RaftState
    g: Ghost


def acked(spec: Raft, s: RaftState, label: Label) -> frozenset:
    """The acknowledgements a HandleAppendEntriesRequest step sends (empty unless it answers success)."""
    if label.name != "HandleAppendEntriesRequest":
        return frozenset()
    i, _, m = label.params
    term, lg = s.currentTerm[i], s.log[i]
    _, _, _, mterm, prev, pt, entries, _, _ = m
    log_ok = prev == 0 or (0 < prev <= len(lg) and pt == lg[prev - 1][0])
    if not (spec.AppendTermOk(mterm, term) and s.state[i] == FOLLOWER and log_ok):
        return frozenset()
    if not spec.AlreadyDone(lg, prev + 1, entries):
        return frozenset()
    last = prev + len(entries)
    return frozenset((i, term, x) for x in range(1, last + 1))


def committed(spec: Raft, s: RaftState, label: Label) -> frozenset:
    """The entries an AdvanceCommitIndex step commits by the rule (empty when the rule does not fire)."""
    if label.name != "AdvanceCommitIndex":
        return frozenset()
    (i,) = label.params
    lg, match = s.log[i], s.matchIndex[i]
    for index in range(len(lg), 0, -1):  # Max(agreeIndexes), as spec.AdvanceCommitIndex finds it
        if spec.IsQuorum({i} | {k for k in spec.Server if match[k] >= index}):
            if spec.CommitTermOk(lg[index - 1][0], s.currentTerm[i]):
                return frozenset((s.currentTerm[i], index, x, lg[x - 1]) for x in range(1, index + 1))
            return frozenset()
    return frozenset()


def step(spec: Raft, g: Ghost, s: RaftState, label: Label) -> Ghost:
    """The history after the spec step ``label`` from s."""
    new_acks, new_commits = acked(spec, s, label), committed(spec, s, label)
    if not new_acks and not new_commits:
        return g
    return Ghost(g.acks | new_acks, g.commits | new_commits)


def reachable(spec: Raft) -> Iterator[tuple[Ghosted, bool, list[tuple[int, Any, Ghosted]]]]:
    """Every reachable (state, history), breadth first, as :func:`spec.behaviour.reachable` yields states."""
    within = state_constraint(spec)
    names = [a.name for a in spec.actions]

    def successors(x: Ghosted) -> list[tuple[int, Any, Ghosted]]:
        return [(k, params, Ghosted(t, step(spec, x.g, x.s, Label(names[k], params))))
                for k, params, t in spec.successors(x.s)]

    return breadth_first((Ghosted(s, Ghost()) for s in spec.init_states()),
                         None if within is None else lambda x: within(x.s), successors)
