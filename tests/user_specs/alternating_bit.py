"""The alternating-bit protocol, as Lamport's Specifying Systems gives it (chapter 14, "The TLC Model Checker").

A new user's spec (notes newuser3, 2026-12-04), written from README.md and docs/ only, beside the TLA+ text of
tlaplus/Examples, specifications/SpecifyingSystems/TLC: AlternatingBit.tla (the protocol), ABCorrectness.tla (what
it implements) and MCAlternatingBit.tla/.cfg (the model TLC checks). A sender passes data values to a receiver over
two lossy FIFO channels: msgQ carries <<bit, value>> messages, ackQ bits back. The sender flips sBit with each new
value and resends until an acknowledgement carrying sBit comes back (sAck); the receiver takes every message's bit
and value (rBit, rcvd) and sends its rBit back whenever it likes. The channels are unbounded; the model bounds
them with the state constraint SeqConstraint (--msg-q-len, --ack-q-len, msgQLen and ackQLen of MCAlternatingBit).

`ABCorrectness` is the abstract spec (no channels: the receiver reads sent directly); `AlternatingBit` refines it
with the identity on sBit, sAck, rBit, sent and rcvd (MCAlternatingBit's `INSTANCE ABCorrectness`).

tests/user_specs/MCAlternatingBit.tla (with AlternatingBit.tla and ABCorrectness.tla beside it, copied unchanged)
is the model TLC 2.20 ran; tests/test_user_alternating_bit.py holds its figures (MCAlternatingBit.cfg: 240
distinct states, 1,392 generated, depth 10) and asserts paxraft's equal. MCABVariants.tla holds the planted bugs
below in TLA+ and the runs' figures, MCABFairness.tla the 81 fairness conditions, MCABCorrectness.tla the abstract
spec's symmetry. Planted bugs: flip-by-adding (ABTypeInv, 1 step), no-ack-wait (SentLeadsToRcvd_d1, and the
refinement fails at state 3), and three weakened fairness conditions (SentLeadsToRcvd_d1).
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import SF, WF, Label, LeadsTo, MscEvent, Spec, SpecError, action, invariant, refines


def data_name(d: int) -> str:
    """Data = {d1, d2, ...}: model values, held as 0, 1, ..."""
    return f"d{d + 1}"


# ----------------------------------------------------------------------------------------------- ABCorrectness
class ABCState(NamedTuple):
    sBit: int
    sAck: int
    rBit: int
    sent: int
    rcvd: int


class ABCorrectness(Spec):
    """ABCorrectness (Specifying Systems 14.2): the alternating-bit protocol without its channels."""

    variables = ("sBit", "sAck", "rBit", "sent", "rcvd")

    def __init__(self, data: Annotated[int, "number of data values (Data = d1..dN)"] = 2) -> None:
        if not 1 <= data <= 20:
            raise SpecError(f"--data must be between 1 and 20, got {data}")
        self.Data = tuple(range(data))
        super().__init__()

    def init_states(self) -> list[ABCState]:
        """ABCInit: sBit \\in {0, 1}, sAck = rBit = sBit, sent and rcvd \\in Data."""
        return [ABCState(b, b, b, d, e) for b in (0, 1) for d in self.Data for e in self.Data]

    def each_data(self, s: Any) -> list[tuple[int]]:
        """\\E d \\in Data."""
        return [(d,) for d in self.Data]

    @action(each_data)
    def CSndNewValue(self, s: ABCState, d: int) -> ABCState | None:
        if s.sAck != s.sBit:
            return None
        return s._replace(sent=d, sBit=1 - s.sBit)

    @action()
    def CRcvMsg(self, s: ABCState) -> ABCState | None:
        if s.rBit == s.sBit:
            return None
        return s._replace(rBit=s.sBit, rcvd=s.sent)

    @action()
    def CRcvAck(self, s: ABCState) -> ABCState | None:
        if s.rBit == s.sAck:
            return None
        return s._replace(sAck=s.rBit)

    @invariant
    def TypeInv(self, s: ABCState) -> bool:
        bits = (0, 1)
        return s.sBit in bits and s.sAck in bits and s.rBit in bits and s.sent in self.Data and s.rcvd in self.Data

    def fairness(self) -> list:
        """ABCFairness == WF_cvars(CRcvMsg) /\\ WF_cvars(CRcvAck)."""
        return [WF("CRcvMsg"), WF("CRcvAck")]

    def properties(self) -> dict:
        return sent_leads_to_rcvd(self.Data)

    def symmetric_sets(self) -> dict[str, int]:
        """The data values are interchangeable (MCAlternatingBit's commented-out SYMMETRY DataPerm)."""
        return {"Data": len(self.Data)}

    def permute(self, s: ABCState, perm: Any) -> ABCState:
        pi = perm["Data"]
        return s._replace(sent=pi[s.sent], rcvd=pi[s.rcvd])

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return data_name(value)

    def show_state(self, s: ABCState) -> dict[str, Any]:
        return {"sBit": s.sBit, "sAck": s.sAck, "rBit": s.rBit, "sent": data_name(s.sent), "rcvd": data_name(s.rcvd)}


def sent_leads_to_rcvd(data: tuple[int, ...]) -> dict:
    """SentLeadsToRcvd == \\A d \\in Data : (sent = d) /\\ (sBit # sAck) ~> (rcvd = d), one property per d."""
    return {
        f"SentLeadsToRcvd_{data_name(d)}": LeadsTo(
            lambda s, d=d: s.sent == d and s.sBit != s.sAck,
            lambda s, d=d: s.rcvd == d,
            f"(sent = {data_name(d)}) /\\ (sBit # sAck) ~> (rcvd = {data_name(d)})",
        )
        for d in data
    }


# ----------------------------------------------------------------------------------------------- AlternatingBit
class ABState(NamedTuple):
    msgQ: tuple[tuple[int, int], ...]  # <<bit, value>> messages, oldest first
    ackQ: tuple[int, ...]  # acknowledged bits, oldest first
    sBit: int
    sAck: int
    rBit: int
    sent: int
    rcvd: int


class AlternatingBit(Spec):
    """The alternating-bit protocol (Specifying Systems 14.2) over two lossy FIFO channels."""

    variables = ("msgQ", "ackQ", "sBit", "sAck", "rBit", "sent", "rcvd")

    def __init__(
        self,
        data: Annotated[int, "number of data values (Data = d1..dN)"] = 2,
        msg_q_len: Annotated[int, "msgQLen: the state constraint's bound on Len(msgQ)"] = 2,
        ack_q_len: Annotated[int, "ackQLen: the state constraint's bound on Len(ackQ)"] = 2,
    ) -> None:
        if not 1 <= data <= 20:
            raise SpecError(f"--data must be between 1 and 20, got {data}")
        if msg_q_len < 0 or ack_q_len < 0:
            raise SpecError(f"--msg-q-len and --ack-q-len must be at least 0, got {msg_q_len} and {ack_q_len}")
        self.Data = tuple(range(data))
        self.msgQLen, self.ackQLen = msg_q_len, ack_q_len
        super().__init__()

    def init_states(self) -> list[ABState]:
        """ABInit: empty channels, sBit \\in {0, 1}, sAck = rBit = sBit, sent and rcvd \\in Data."""
        return [ABState((), (), b, b, b, d, e) for b in (0, 1) for d in self.Data for e in self.Data]

    def constraint(self, s: ABState) -> bool:
        """SeqConstraint of MCAlternatingBit."""
        return len(s.msgQ) <= self.msgQLen and len(s.ackQ) <= self.ackQLen

    # -- enumerators
    def each_data(self, s: ABState) -> list[tuple[int]]:
        """\\E d \\in Data."""
        return [(d,) for d in self.Data]

    def each_msg(self, s: ABState) -> list[tuple[int]]:
        """\\E i \\in 1..Len(msgQ) (0-based here)."""
        return [(i,) for i in range(len(s.msgQ))]

    def each_ack(self, s: ABState) -> list[tuple[int]]:
        """\\E i \\in 1..Len(ackQ) (0-based here)."""
        return [(i,) for i in range(len(s.ackQ))]

    # -- actions
    @action(each_data)
    def SndNewValue(self, s: ABState, d: int) -> ABState | None:
        if s.sAck != s.sBit:
            return None
        bit = 1 - s.sBit
        return s._replace(sent=d, sBit=bit, msgQ=s.msgQ + ((bit, d),))

    @action()
    def ReSndMsg(self, s: ABState) -> ABState | None:
        if s.sAck == s.sBit:
            return None
        return s._replace(msgQ=s.msgQ + ((s.sBit, s.sent),))

    @action()
    def RcvMsg(self, s: ABState) -> ABState | None:
        if not s.msgQ:
            return None
        bit, d = s.msgQ[0]
        return s._replace(msgQ=s.msgQ[1:], rBit=bit, rcvd=d)

    @action()
    def SndAck(self, s: ABState) -> ABState | None:
        return s._replace(ackQ=s.ackQ + (s.rBit,))

    @action()
    def RcvAck(self, s: ABState) -> ABState | None:
        if not s.ackQ:
            return None
        return s._replace(ackQ=s.ackQ[1:], sAck=s.ackQ[0])

    @action(each_msg)
    def LoseMsg(self, s: ABState, i: int) -> ABState | None:
        """Lose(msgQ): the i-th message vanishes."""
        if i >= len(s.msgQ):
            return None
        return s._replace(msgQ=s.msgQ[:i] + s.msgQ[i + 1 :])

    @action(each_ack)
    def LoseAck(self, s: ABState, i: int) -> ABState | None:
        """Lose(ackQ): the i-th acknowledgement vanishes."""
        if i >= len(s.ackQ):
            return None
        return s._replace(ackQ=s.ackQ[:i] + s.ackQ[i + 1 :])

    # -- safety
    @invariant
    def ABTypeInv(self, s: ABState) -> bool:
        bits = (0, 1)
        return (
            all(b in bits and d in self.Data for b, d in s.msgQ)
            and all(b in bits for b in s.ackQ)
            and s.sBit in bits
            and s.sAck in bits
            and s.rBit in bits
            and s.sent in self.Data
            and s.rcvd in self.Data
        )

    # -- liveness
    def fairness(self) -> list:
        """ABFairness == WF(ReSndMsg) /\\ WF(SndAck) /\\ SF(RcvMsg) /\\ SF(RcvAck)."""
        return [WF("ReSndMsg"), WF("SndAck"), SF("RcvMsg"), SF("RcvAck")]

    def properties(self) -> dict:
        """SentLeadsToRcvd, and ABCSpec's fairness through the mapping (refine compares steps only).

        WF_cvars(CRcvMsg): CRcvMsg is enabled while rBit # sBit, and only a CRcvMsg step ends that (the sender
        cannot flip sBit then: sAck # sBit), so it is (rBit # sBit) ~> (rBit = sBit); WF_cvars(CRcvAck) likewise.
        """
        return sent_leads_to_rcvd(self.Data) | {
            "ABCFairness_CRcvMsg": LeadsTo(lambda s: s.rBit != s.sBit, lambda s: s.rBit == s.sBit,
                                           "(rBit # sBit) ~> (rBit = sBit)"),
            "ABCFairness_CRcvAck": LeadsTo(lambda s: s.rBit != s.sAck, lambda s: s.rBit == s.sAck,
                                           "(rBit # sAck) ~> (rBit = sAck)"),
        }  # fmt: skip

    # -- refinement
    @refines(ABCorrectness)
    def as_abcorrectness(self) -> tuple[ABCorrectness, Any]:
        """INSTANCE ABCorrectness: the same Data; a state keeps its sender's and receiver's variables."""
        return ABCorrectness(len(self.Data)), lambda s: ABCState(s.sBit, s.sAck, s.rBit, s.sent, s.rcvd)

    # -- symmetry
    def symmetric_sets(self) -> dict[str, int]:
        """The data values are interchangeable (MCAlternatingBit's commented-out SYMMETRY DataPerm)."""
        return {"Data": len(self.Data)}

    def permute(self, s: ABState, perm: Any) -> ABState:
        pi = perm["Data"]
        return s._replace(msgQ=tuple((b, pi[d]) for b, d in s.msgQ), sent=pi[s.sent], rcvd=pi[s.rcvd])

    # -- reading
    def show_param(self, action: str, param: str, value: Any) -> Any:
        return data_name(value) if param == "d" else value + 1  # Lose's i counts from 1, as in the TLA+ text

    def show_state(self, s: ABState) -> dict[str, Any]:
        return {
            "msgQ": tuple(f"<<{b}, {data_name(d)}>>" for b, d in s.msgQ),
            "ackQ": s.ackQ,
            "sBit": s.sBit,
            "sAck": s.sAck,
            "rBit": s.rBit,
            "sent": data_name(s.sent),
            "rcvd": data_name(s.rcvd),
        }

    def msc_nodes(self) -> list[str]:
        return ["sender", "receiver", "lost"]

    def msc_event(self, prev: ABState, label: Label, nxt: ABState) -> MscEvent:
        """Messages are named by their content: the chart pairs each receipt with the oldest copy not yet
        received, as a FIFO channel delivers them; a lost message is drawn into the lifeline "lost"."""
        def msg(m: tuple[int, int]) -> str:
            return f"<<{m[0]}, {data_name(m[1])}>>"

        name = label.name
        if name in ("SndNewValue", "ReSndMsg"):
            return MscEvent("sender", (), (msg(nxt.msgQ[-1]),))
        if name == "RcvAck":
            return MscEvent("sender", (f"ack {prev.ackQ[0]}",), ())
        if name == "RcvMsg":
            return MscEvent("receiver", (msg(prev.msgQ[0]),), ())
        if name == "SndAck":
            return MscEvent("receiver", (), (f"ack {nxt.ackQ[-1]}",))
        i = label.params[0]
        return MscEvent("lost", (msg(prev.msgQ[i]) if name == "LoseMsg" else f"ack {prev.ackQ[i]}",), ())


# ----------------------------------------------------------------------------------------------- planted bugs
class FlipByAdding(AlternatingBit):
    """The sender "flips" its bit by adding one: sBit' = sBit + 1 instead of 1 - sBit."""

    variant = "flip-by-adding"
    rule = "SndNewValue sets sBit' = sBit + 1 (not 1 - sBit)"
    breaks = "ABTypeInv"
    failing_bounds = {"data": 1}
    trace_length = 1

    @action(AlternatingBit.each_data)
    def SndNewValue(self, s: ABState, d: int) -> ABState | None:
        if s.sAck != s.sBit:
            return None
        bit = s.sBit + 1
        return s._replace(sent=d, sBit=bit, msgQ=s.msgQ + ((bit, d),))


class NoAckWait(AlternatingBit):
    """The sender sends a new value without waiting for the previous one's acknowledgement."""

    variant = "no-ack-wait"
    rule = "SndNewValue is enabled whatever sAck is"
    breaks = "SentLeadsToRcvd_d1"  # and the refinement of ABCorrectness: paxraft refine fails at state 3
    failing_bounds = {"msg_q_len": 1, "ack_q_len": 1}
    trace_length = 7  # a 1-step prefix, a 6-step loop (20 before the loop became the shortest through its entry)

    @action(AlternatingBit.each_data)
    def SndNewValue(self, s: ABState, d: int) -> ABState | None:
        bit = 1 - s.sBit
        return s._replace(sent=d, sBit=bit, msgQ=s.msgQ + ((bit, d),))


class UnfairResend(AlternatingBit):
    """The sender need never resend: ABFairness without WF(ReSndMsg)."""

    variant = "unfair-resend"
    rule = "no fairness on ReSndMsg: a lost message may never be sent again"
    breaks = "SentLeadsToRcvd_d1"
    failing_bounds = {"msg_q_len": 1, "ack_q_len": 1}
    trace_length = 4  # SndNewValue, LoseMsg, then SndAck, RcvAck for ever

    def fairness(self) -> list:
        return [WF("SndAck"), SF("RcvMsg"), SF("RcvAck")]


class WeakReceive(AlternatingBit):
    """Receipt is only weakly fair: ABFairness with WF(RcvMsg) for SF(RcvMsg)."""

    variant = "weak-receive"
    rule = "WF(RcvMsg), not SF(RcvMsg): a message may be lost each time before it is received"
    breaks = "SentLeadsToRcvd_d1"
    failing_bounds = {"msg_q_len": 1, "ack_q_len": 1}
    trace_length = 5  # SndNewValue, then SndAck, RcvAck, LoseMsg, ReSndMsg for ever: each copy lost

    def fairness(self) -> list:
        return [WF("ReSndMsg"), WF("SndAck"), WF("RcvMsg"), SF("RcvAck")]


class ReceiptOnlyFair(AlternatingBit):
    """Only receipt is fair: ABFairness without WF(ReSndMsg) and WF(SndAck)."""

    variant = "receipt-only-fair"
    rule = "no fairness on ReSndMsg nor SndAck: only SF(RcvMsg) and SF(RcvAck)"
    breaks = "SentLeadsToRcvd_d1"
    failing_bounds = {"msg_q_len": 1, "ack_q_len": 0}
    trace_length = 2  # SndNewValue, LoseMsg, then stuttering

    def fairness(self) -> list:
        return [SF("RcvMsg"), SF("RcvAck")]
