"""TCP's connection state machine (RFC 9293's diagram): tlaplus/Examples' specifications/tcp/tcp.tla, checked
as MCtcp.cfg checks it. tests/user_specs/tcp/ holds the TLA+ text and the model TLC 2.20 ran:

    paxraft check tests/user_specs/tcp_connection.py:MCtcp              # 1,182 / 6,322 / 14, as TLC
    paxraft check tests/user_specs/tcp_connection.py:MCtcp --liveness   # Prop holds, as in TLC

Peers are 0 and 1 (TLC's A and B). MCtcp starts with one peer in SYN-SENT, its SYN on the way, and the other in
LISTEN; its ``ACTION_CONSTRAINT SingleActiveOpen`` forbids every further ACTIVE_OPEN, PASSIVE_OPEN and SEND. TLC
generates such a step, checks the invariants on its successor and discards it, as it does a successor outside the
``CONSTRAINT``; so MCtcp here keeps the three actions and marks their successors ``Discarded``, which its constraint
refuses: TLC's counts, TLC's deadlock check (none) and TLC's stops. MCtcpNoOpen leaves the three out of Next
instead (MCtcpNoOpen.tla: 1,182 / 3,858 / 14 under TLC and here).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from spec.core import WF, Label, LeadsTo, MscEvent, Spec, invariant
from spec.core import action as action_

STATES = ("LISTEN", "CLOSED", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSING",
          "CLOSE-WAIT", "LAST-ACK", "TIME-WAIT")
(LISTEN, CLOSED, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSING, CLOSE_WAIT, LAST_ACK,
 TIME_WAIT) = range(len(STATES))
MESSAGES = ("SYN", "SYN,ACK", "ACK", "RST", "FIN", "ACKofFIN")
SYN, SYN_ACK, ACK, RST, FIN, ACK_OF_FIN = range(len(MESSAGES))
PEERS = ("A", "B")


class TcpState(NamedTuple):
    tcb: tuple[bool, ...]  # tcb[p]
    connstate: tuple[int, ...]  # connstate[p], an index of STATES
    network: tuple[tuple[int, ...], ...]  # network[p]: the messages on their way to p, oldest first


def _set(t: tuple, i: int, x: Any) -> tuple:
    return t[:i] + (x,) + t[i + 1:]


def _pairs(self: Any, s: TcpState) -> list[tuple[int, int]]:
    """``\\E local, remote \\in Peers`` with ``local # remote`` (every action's first conjunct)."""
    return [(0, 1), (1, 0)]


def _goes(s: TcpState, local: int, remote: int, state: int, *, send: int | None = None, take: int = 0,
          tcb: bool | None = None) -> TcpState:
    """local moves to ``state``, appending ``send`` to remote's channel and taking ``take`` messages off its own."""
    net = s.network
    if send is not None:
        net = _set(net, remote, net[remote] + (send,))
    if take:
        net = _set(net, local, net[local][take:])
    return TcpState(s.tcb if tcb is None else _set(s.tcb, local, tcb), _set(s.connstate, local, state), net)


def _head(s: TcpState, p: int) -> int | None:
    return s.network[p][0] if s.network[p] else None


class Tcp(Spec):
    """TCP's connection states between two peers: user commands, the system's answers to segments, and resets."""

    name = "tcp"
    variables = TcpState._fields
    canonical_order = False  # the enumerators give fixed tuples

    def init_states(self) -> list[TcpState]:
        """tcp.tla's Init: both peers CLOSED, no TCB, nothing sent."""
        return [TcpState((False, False), (CLOSED, CLOSED), ((), ()))]

    # User commands (tcp.tla's User, in its order)

    @action_(_pairs)
    def ACTIVE_OPEN(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _goes(s, local, remote, SYN_SENT, send=SYN, tcb=True) if s.connstate[local] == CLOSED else None

    @action_(_pairs)
    def PASSIVE_OPEN(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _goes(s, local, remote, LISTEN, tcb=True) if s.connstate[local] == CLOSED else None

    @action_(_pairs)
    def CLOSE_SYN_SENT(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _goes(s, local, remote, CLOSED, tcb=False) if s.connstate[local] == SYN_SENT else None

    @action_(_pairs)
    def CLOSE_SYN_RECEIVED(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _goes(s, local, remote, FIN_WAIT_1, send=FIN) if s.connstate[local] == SYN_RECEIVED else None

    @action_(_pairs)
    def CLOSE_LISTEN(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _goes(s, local, remote, CLOSED, tcb=False) if s.connstate[local] == LISTEN else None

    @action_(_pairs)
    def CLOSE_ESTABLISHED(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _goes(s, local, remote, FIN_WAIT_1, send=FIN) if s.connstate[local] == ESTABLISHED else None

    @action_(_pairs)
    def CLOSE_CLOSE_WAIT(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _goes(s, local, remote, LAST_ACK, send=FIN) if s.connstate[local] == CLOSE_WAIT else None

    @action_(_pairs)
    def SEND(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _goes(s, local, remote, SYN_SENT, send=SYN) if s.connstate[local] == LISTEN else None

    # The system's answers (tcp.tla's System); a disjunction on the channel's head has one disjunct enabled at most

    @action_(_pairs)
    def SynSent(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] != SYN_SENT:
            return None
        head = _head(s, local)
        if head == SYN:
            return _goes(s, local, remote, SYN_RECEIVED, send=SYN_ACK, take=1)
        if head == SYN_ACK:
            return _goes(s, local, remote, ESTABLISHED, send=ACK, take=1)
        return None

    @action_(_pairs)
    def SynReceived(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] != SYN_RECEIVED:
            return None
        head = _head(s, local)
        if head == RST:
            return _goes(s, local, remote, LISTEN, take=1)
        if head == ACK:
            return _goes(s, local, remote, ESTABLISHED, take=1)
        return None

    @action_(_pairs)
    def Listen(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] != LISTEN or _head(s, local) != SYN:
            return None
        return _goes(s, local, remote, SYN_RECEIVED, send=SYN_ACK, take=1)

    @action_(_pairs)
    def Established(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] != ESTABLISHED or _head(s, local) != FIN:
            return None
        return _goes(s, local, remote, CLOSE_WAIT, send=ACK_OF_FIN, take=1)

    @action_(_pairs)
    def FinWait1(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] != FIN_WAIT_1:
            return None
        head = _head(s, local)
        if head == FIN:
            return _goes(s, local, remote, CLOSING, send=ACK_OF_FIN, take=1)
        if head == ACK_OF_FIN:
            return _goes(s, local, remote, FIN_WAIT_2, take=1)
        return None

    @action_(_pairs)
    def FinWait2(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] != FIN_WAIT_2 or _head(s, local) != FIN:
            return None
        return _goes(s, local, remote, TIME_WAIT, send=ACK_OF_FIN, take=1)

    @action_(_pairs)
    def Closing(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] != CLOSING or _head(s, local) != ACK_OF_FIN:
            return None
        return _goes(s, local, remote, TIME_WAIT, take=1)

    @action_(_pairs)
    def LastAck(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] != LAST_ACK or _head(s, local) != ACK_OF_FIN:
            return None
        return _goes(s, local, remote, CLOSED, take=1)

    @action_(_pairs)
    def TimeWait(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] != TIME_WAIT or not s.tcb[local]:
            return None
        return _goes(s, local, remote, CLOSED, tcb=False)

    @action_(_pairs)
    def Note2(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        """FIN-WAIT-1 to TIME-WAIT when a FIN arrives and the local FIN is acknowledged too."""
        if s.connstate[local] != FIN_WAIT_1 or s.network[local][:2] != (FIN, ACK_OF_FIN):
            return None
        return _goes(s, local, remote, TIME_WAIT, send=ACK_OF_FIN, take=2)

    # Reset: Note3's three disjuncts can hold together, so the disjunct is a parameter (one step each, as TLC)

    @action_(lambda self, s: [(local, remote, how) for local, remote in _pairs(self, s) for how in range(3)])
    def Note3(self, s: TcpState, local: int, remote: int, how: int) -> TcpState | None:
        """how 0: a peer with a TCB sends RST and goes to TIME-WAIT; 1 or 2: a peer receives RST and goes to LISTEN
        or to CLOSED."""
        if how == 0:
            return _goes(s, local, remote, TIME_WAIT, send=RST) if s.tcb[local] else None
        if _head(s, local) != RST:
            return None
        return _goes(s, local, remote, LISTEN if how == 1 else CLOSED, take=1)

    # Properties

    @invariant
    def TypeOK(self, s: TcpState) -> bool:
        return (all(isinstance(b, bool) for b in s.tcb) and all(0 <= c < len(STATES) for c in s.connstate)
                and all(0 <= m < len(MESSAGES) for ch in s.network for m in ch))

    @invariant
    def Inv(self, s: TcpState) -> bool:
        """With no message in flight to either, one peer is ESTABLISHED exactly when the other is."""
        quiet = [p for p in range(2) if not s.network[p]]
        return all((s.connstate[a] == ESTABLISHED) == (s.connstate[b] == ESTABLISHED) for a in quiet for b in quiet)

    def fairness(self) -> list:
        """``WF_vars(System) /\\ WF_vars(\\E local, remote \\in Peers : CLOSE_SYN_SENT(local, remote))``"""
        return [WF("SynSent", "SynReceived", "Listen", "Established", "FinWait1", "FinWait2", "Closing", "LastAck",
                   "TimeWait", "Note2"), WF("CLOSE_SYN_SENT")]

    def properties(self) -> dict:
        """Prop: a peer in SYN-SENT ends up ESTABLISHED, LISTEN or CLOSED (one entry per peer)."""
        done = (ESTABLISHED, LISTEN, CLOSED)
        return {f"Prop({PEERS[p]})": LeadsTo(lambda s, p=p: s.connstate[p] == SYN_SENT,
                                             lambda s, p=p: s.connstate[p] in done,
                                             f"connstate[{PEERS[p]}] = SYN-SENT ~> ESTABLISHED, LISTEN or CLOSED")
                for p in range(2)}

    def symmetric_sets(self) -> dict[str, int]:
        return {"Peers": 2}

    def permute(self, s: TcpState, perm: Any) -> TcpState:
        if tuple(perm["Peers"]) == (0, 1):
            return s
        return type(s)(s.tcb[::-1], s.connstate[::-1], s.network[::-1])  # a Discarded successor stays one

    def show_state(self, s: TcpState) -> dict[str, Any]:
        return {
            "tcb": {PEERS[p]: s.tcb[p] for p in range(2)},
            "connstate": {PEERS[p]: STATES[s.connstate[p]] for p in range(2)},
            "network": {PEERS[p]: tuple(MESSAGES[m] for m in s.network[p]) for p in range(2)},
        }

    def msc_nodes(self) -> list[str]:
        return list(PEERS)

    def msc_event(self, prev: TcpState, label: Label, nxt: TcpState) -> MscEvent:
        """``local`` acts: it takes the head of its own channel and appends to its peer's (at most one of each)."""
        local, remote = label.params[0], label.params[1]
        taken = len(prev.network[local]) - len(nxt.network[local])
        got = tuple(f"{MESSAGES[m]} to {PEERS[local]}" for m in prev.network[local][:taken])
        sent = tuple(f"{MESSAGES[m]} to {PEERS[remote]}" for m in nxt.network[remote][len(prev.network[remote]):])
        return MscEvent(PEERS[local], got, sent)

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param in ("local", "remote"):
            return PEERS[value]
        if param == "how":
            return ("send RST", "rcv RST to LISTEN", "rcv RST to CLOSED")[value]
        return value


class MCtcpNoOpen(Tcp):
    """MCtcp with SingleActiveOpen's three actions left out of Next (MCtcpNoOpen.tla): no further open or send."""

    name = "MCtcpNoOpen"

    def init_states(self) -> list[TcpState]:
        """MCInit: ``\\E node \\in Peers``: node in SYN-SENT, its SYN in the other's channel, the other in LISTEN."""
        return [TcpState((True, True), tuple(SYN_SENT if p == node else LISTEN for p in range(2)),
                         tuple(() if p == node else (SYN,) for p in range(2))) for node in range(2)]

    def constraint(self, s: TcpState) -> bool:
        """NoRetransmission: no channel holds the same message twice in a row."""
        return all(ch[i] != ch[i + 1] for ch in s.network for i in range(len(ch) - 1))

    @action_(_pairs, present=lambda self: False)
    def ACTIVE_OPEN(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return Tcp.ACTIVE_OPEN(self, s, local, remote)

    @action_(_pairs, present=lambda self: False)
    def PASSIVE_OPEN(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return Tcp.PASSIVE_OPEN(self, s, local, remote)

    @action_(_pairs, present=lambda self: False)
    def SEND(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return Tcp.SEND(self, s, local, remote)


class Discarded(TcpState):
    """A successor that MCtcp's ACTION_CONSTRAINT discards: the same state, marked by its type for the constraint."""

    __slots__ = ()


def _discarded(t: TcpState | None) -> Discarded | None:
    return None if t is None else Discarded(*t)


class MCtcp(MCtcpNoOpen):
    """MCtcp.cfg: one peer has sent its SYN, the other listens; no further open or send, no repeated message."""

    name = "MCtcp"

    def constraint(self, s: TcpState) -> bool:
        """NoRetransmission, and SingleActiveOpen: a step of ACTIVE_OPEN, PASSIVE_OPEN or SEND is discarded."""
        return type(s) is not Discarded and super().constraint(s)

    # SingleActiveOpen: ~ \E local, remote \in Peers : ACTIVE_OPEN(..) \/ PASSIVE_OPEN(..) \/ SEND(..). TLC
    # generates such a step, checks its successor's invariants and discards it: a successor outside the constraint.

    @action_(_pairs)
    def ACTIVE_OPEN(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _discarded(Tcp.ACTIVE_OPEN(self, s, local, remote))

    @action_(_pairs)
    def PASSIVE_OPEN(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _discarded(Tcp.PASSIVE_OPEN(self, s, local, remote))

    @action_(_pairs)
    def SEND(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        return _discarded(Tcp.SEND(self, s, local, remote))


class SilentSynAck(MCtcp):
    """A planted bug: the SYN-SENT peer that receives SYN,ACK becomes ESTABLISHED without sending its ACK."""

    variant = "no-ack"
    rule = "SynSent answers SYN,ACK without sending ACK"
    breaks = "Inv"
    failing_bounds: dict = {}
    trace_length = 2

    @action_(_pairs)
    def SynSent(self, s: TcpState, local: int, remote: int) -> TcpState | None:
        if s.connstate[local] == SYN_SENT and _head(s, local) == SYN_ACK:
            return _goes(s, local, remote, ESTABLISHED, take=1)
        return MCtcp.SynSent(self, s, local, remote)


class NoCloseFairness(MCtcp):
    """MCtcp's Spec without ``WF_vars(\\E local, remote \\in Peers : CLOSE_SYN_SENT(local, remote))``
    (MCtcpSystemFair.tla)."""

    variant = "no-close-fairness"
    rule = "only the system's answers are fair, no user command: a peer may stay in SYN-SENT for ever"
    breaks = "Prop(A)"
    failing_bounds: dict = {}
    trace_length = 1  # CLOSE_LISTEN(B, A), then stuttering: TLC's counterexample

    def fairness(self) -> list:
        return [WF("SynSent", "SynReceived", "Listen", "Established", "FinWait1", "FinWait2", "Closing", "LastAck",
                   "TimeWait", "Note2")]
