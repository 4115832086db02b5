"""A sliding-window protocol over two lossy, reordering channels, written by a user from the docs alone.

The sender may (re)send any of the ``window`` packets from ``base`` on; the receiver delivers the packet
it expects, drops any other, and (separately) acknowledges with how many it has delivered; an ack moves
``base`` up. Both channels may lose a message. The channels are sequences (a message is taken from any
position: reordering) bounded by the state constraint ``--max-len``.

``SlidingWindow`` is written plainly. Its subclasses use the speed hooks of docs/fast-specs.md one at a
time (``Outside``: steps answer OUTSIDE; ``CountedSends``: ``@counts_outside`` enumerators give
``Counted``; ``Bundled``: one ``bundled`` call per state; ``Kept``: ``keeps_constraint``) and all together
(``Fast``); every one has the plain spec's counts (tests/test_user_sliding_window.py).
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from spec.core import OUTSIDE, Counted, Spec, action, bundled, counts_outside, invariant


class SWState(NamedTuple):
    base: int  # the sender's first packet not acknowledged
    data: tuple[int, ...]  # packets in flight to the receiver (their numbers)
    acks: tuple[int, ...]  # acks in flight to the sender (packets delivered so far)
    out: tuple[int, ...]  # the packets the receiver has delivered, in order


def _drop(chan: tuple[int, ...], p: int) -> tuple[int, ...]:
    return chan[:p] + chan[p + 1:]


class SlidingWindow(Spec):
    """Sliding-window protocol over lossy, reordering channels: packets are delivered in order, once."""

    variables = ("base", "data", "acks", "out")

    def __init__(
        self,
        packets: Annotated[int, "packets to transfer"] = 3,
        window: Annotated[int, "packets the sender may have unacknowledged"] = 2,
        max_len: Annotated[int, "messages a channel may hold (state constraint)"] = 2,
    ) -> None:
        self.packets, self.window, self.max_len = packets, window, max_len
        super().__init__()

    def init_states(self) -> list[SWState]:
        return [SWState(0, (), (), ())]

    def constraint(self, s: SWState) -> bool:
        return len(s.data) <= self.max_len and len(s.acks) <= self.max_len

    # -- enumerators ------------------------------------------------------------------------------
    def in_window(self, s: SWState) -> list[tuple[int]]:
        return [(i,) for i in range(s.base, min(s.base + self.window, self.packets))]

    def each_data(self, s: SWState) -> list[tuple[int]]:
        return [(p,) for p in range(len(s.data))]

    def each_ack(self, s: SWState) -> list[tuple[int]]:
        return [(p,) for p in range(len(s.acks))]

    def one(self, s: SWState) -> list[tuple]:
        return [()]

    # -- actions ----------------------------------------------------------------------------------
    @action(in_window)
    def Send(self, s: SWState, i: int) -> SWState | None:
        return s._replace(data=s.data + (i,))

    @action(each_data)
    def Receive(self, s: SWState, p: int) -> SWState | None:
        i = s.data[p]
        out = s.out + (i,) if i == len(s.out) else s.out
        return s._replace(data=_drop(s.data, p), out=out)

    @action(each_data)
    def LoseData(self, s: SWState, p: int) -> SWState | None:
        return s._replace(data=_drop(s.data, p))

    @action(one)
    def Ack(self, s: SWState) -> SWState | None:
        return s._replace(acks=s.acks + (len(s.out),))

    @action(each_ack)
    def ReceiveAck(self, s: SWState, p: int) -> SWState | None:
        return s._replace(base=max(s.base, s.acks[p]), acks=_drop(s.acks, p))

    @action(each_ack)
    def LoseAck(self, s: SWState, p: int) -> SWState | None:
        return s._replace(acks=_drop(s.acks, p))

    # -- invariants (neither reads a channel: Send and Ack change only a channel) ------------------
    @invariant
    def InOrder(self, s: SWState) -> bool:
        return s.out == tuple(range(len(s.out)))

    @invariant
    def AckedDelivered(self, s: SWState) -> bool:
        return s.base <= len(s.out) <= self.packets


class Outside(SlidingWindow):
    """The plain spec whose Send and Ack answer OUTSIDE past ``--max-len`` (only a channel changes, and no
    invariant reads one)."""

    canonical_order = False  # the enumerators give ranges, in order

    @action(SlidingWindow.in_window)
    def Send(self, s: SWState, i: int) -> SWState | None:
        if self.count_outside and len(s.data) >= self.max_len:
            return OUTSIDE
        return s._replace(data=s.data + (i,))

    @action(SlidingWindow.one)
    def Ack(self, s: SWState) -> SWState | None:
        if self.count_outside and len(s.acks) >= self.max_len:
            return OUTSIDE
        return s._replace(acks=s.acks + (len(s.out),))


class CountedSends(Outside):
    """Outside, whose Send and Ack enumerators count a full channel's steps without calling them."""

    @counts_outside
    def sends(self, s: SWState) -> list[tuple[int]] | Counted:
        params = self.in_window(s)
        if self.count_outside and len(s.data) >= self.max_len:
            return Counted((), len(params))
        return params

    @counts_outside
    def acks_sent(self, s: SWState) -> list[tuple] | Counted:
        if self.count_outside and len(s.acks) >= self.max_len:
            return Counted((), 1)
        return [()]

    @action(sends)
    def Send(self, s: SWState, i: int) -> SWState | None:
        return Outside.Send(self, s, i)

    @action(acks_sent)
    def Ack(self, s: SWState) -> SWState | None:
        return Outside.Ack(self, s)


class Bundled(SlidingWindow):
    """The plain spec with every action's parameters from one bundle per state."""

    canonical_order = False

    def params(self, s: SWState) -> tuple[list[tuple], ...]:
        """Send, Receive, LoseData, Ack, ReceiveAck, LoseAck: in the order the actions are declared."""
        data, acks = self.each_data(s), self.each_ack(s)
        return (self.in_window(s), data, data, [()], acks, acks)

    @action(bundled(params, 0))
    def Send(self, s: SWState, i: int) -> SWState | None:
        return SlidingWindow.Send(self, s, i)

    @action(bundled(params, 1))
    def Receive(self, s: SWState, p: int) -> SWState | None:
        return SlidingWindow.Receive(self, s, p)

    @action(bundled(params, 2))
    def LoseData(self, s: SWState, p: int) -> SWState | None:
        return SlidingWindow.LoseData(self, s, p)

    @action(bundled(params, 3))
    def Ack(self, s: SWState) -> SWState | None:
        return SlidingWindow.Ack(self, s)

    @action(bundled(params, 4))
    def ReceiveAck(self, s: SWState, p: int) -> SWState | None:
        return SlidingWindow.ReceiveAck(self, s, p)

    @action(bundled(params, 5))
    def LoseAck(self, s: SWState, p: int) -> SWState | None:
        return SlidingWindow.LoseAck(self, s, p)


class Kept(SlidingWindow):
    """The plain spec naming the actions that only shrink a channel or change no channel."""

    def keeps_constraint(self) -> tuple[str, ...]:
        return ("Receive", "LoseData", "ReceiveAck", "LoseAck")


class Fast(CountedSends):
    """All three hooks together: Counted sends and acks, from one bundle, and keeps_constraint."""

    def params(self, s: SWState) -> tuple:
        """Send, Receive, LoseData, Ack, ReceiveAck, LoseAck, a full channel's sends and acks Counted."""
        data, acks = self.each_data(s), self.each_ack(s)
        return (self.sends(s), data, data, self.acks_sent(s), acks, acks)

    @action(counts_outside(bundled(params, 0)))
    def Send(self, s: SWState, i: int) -> SWState | None:
        return Outside.Send(self, s, i)

    @action(bundled(params, 1))
    def Receive(self, s: SWState, p: int) -> SWState | None:
        return SlidingWindow.Receive(self, s, p)

    @action(bundled(params, 2))
    def LoseData(self, s: SWState, p: int) -> SWState | None:
        return SlidingWindow.LoseData(self, s, p)

    @action(counts_outside(bundled(params, 3)))
    def Ack(self, s: SWState) -> SWState | None:
        return Outside.Ack(self, s)

    @action(bundled(params, 4))
    def ReceiveAck(self, s: SWState, p: int) -> SWState | None:
        return SlidingWindow.ReceiveAck(self, s, p)

    @action(bundled(params, 5))
    def LoseAck(self, s: SWState, p: int) -> SWState | None:
        return SlidingWindow.LoseAck(self, s, p)

    def keeps_constraint(self) -> tuple[str, ...]:
        return ("Receive", "LoseData", "ReceiveAck", "LoseAck")


class DeliverAny(SlidingWindow):
    """The receiver delivers whatever packet arrives."""

    variant = "deliver-any"
    rule = "Receive delivers any packet, not only the one it expects"
    breaks = "InOrder"
    failing_bounds = {"packets": 2}
    trace_length = 2

    @action(SlidingWindow.each_data)
    def Receive(self, s: SWState, p: int) -> SWState | None:
        return s._replace(data=_drop(s.data, p), out=s.out + (s.data[p],))


class FastDeliverAny(Fast):
    """deliver-any with every hook (a variant name of its own: SlidingWindow --variant deliver-any would
    otherwise find either class)."""

    variant = "deliver-any-fast"
    rule = DeliverAny.rule
    breaks = "InOrder"
    failing_bounds = {"packets": 2}
    trace_length = 2

    @action(bundled(Fast.params, 1))
    def Receive(self, s: SWState, p: int) -> SWState | None:
        return DeliverAny.Receive(self, s, p)
