"""A leader's linearizable reads (ReadIndex, Raft thesis 6.4), kept alike by the Raft and Multi-Paxos cores.

A read's token waits for the next heartbeat round; the round's index (a Raft commit index, a
Multi-Paxos slot) is fixed when it starts, and once enough replicas acknowledged the round (or a
later one) its tokens go out with that index, which the state machine must reach before answering.
What "enough" is and what a round's index is stay each core's (Raft counts the current members).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any


class ReadRounds:
    """Tokens waiting for a round, the rounds in flight, and the answered reads (index -1: failed)."""

    __slots__ = ("ctx", "new", "rounds", "done")

    def __init__(self) -> None:
        self.ctx = 0  # the last round's context, carried by its heartbeats
        self.new: list[Any] = []  # tokens waiting for the next round
        self.rounds: deque[tuple[int, int, list[Any], set[int]]] = deque()  # (ctx, index, tokens, acks)
        self.done: list[tuple[Any, int]] = []

    def answer_now(self, index: int) -> None:
        """The waiting tokens need no round (the leader alone is a quorum): answer them at ``index``."""
        self.done.extend((t, index) for t in self.new)
        self.new = []

    def start(self, index: int, me: int) -> int:
        """A round at ``index`` for the waiting tokens, acknowledged by ``me``; returns its context."""
        self.ctx += 1
        self.rounds.append((self.ctx, index, self.new, {me}))
        self.new = []
        return self.ctx

    def ack(self, j: int, ctx: int, enough: Callable[[set[int]], bool]) -> list[set[int]]:
        """``j`` acknowledged round ``ctx`` (so every earlier one too); the rounds now confirmed, oldest first,
        are answered, and their acknowledgement sets returned."""
        for c, _, _, acks in self.rounds:
            if c <= ctx:
                acks.add(j)
        confirmed = []
        while self.rounds and enough(self.rounds[0][3]):
            _, index, tokens, acks = self.rounds.popleft()
            self.done.extend((t, index) for t in tokens)
            confirmed.append(acks)
        return confirmed

    def fail(self, *waiting: list[Any]) -> None:
        """Leadership is lost: every read in a round, waiting for one, or in ``waiting`` fails."""
        for _, _, tokens, _ in self.rounds:
            self.done.extend((t, -1) for t in tokens)
        self.done.extend((t, -1) for t in self.new)
        for tokens in waiting:
            self.done.extend((t, -1) for t in tokens)
        self.rounds.clear()
        self.new = []

    def take(self) -> list[tuple[Any, int]]:
        """The answered reads since the last call."""
        out, self.done = self.done, []
        return out
