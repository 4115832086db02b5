"""EWD998Chan.tla (tlaplus/Examples, specifications/ewd998) as a paxraft spec, written as a user would.

Shmuel Safra's termination detection on a ring (EWD 998) with its messages in FIFO inboxes: N nodes
0..N-1, each with a counter of payload messages sent minus received, a colour and an inbox holding
payload messages ("pl") and, at exactly one node, the token ("tok", with its sum q and its colour).
Node 0 initiates a probe; a passive node i > 0 passes the token to i-1, adding its counter and
staining it if the node is black.  Sending and receiving payloads is the Environment.

TLC 2.20 on EWD998Chan (CONSTRAINT StateConstraint, INVARIANT TypeOK, CHECK_DEADLOCK FALSE, -workers 1):
N = 2: 7,150 distinct, 40,186 generated, depth 27; N = 3: 1,524,022 / 12,882,257 / 58 (paxraft's are the same).

    paxraft check tests/user_specs/ewd998_chan.py:EWD998Chan --nodes 2

Beside it, ``EWD998ChanTrace``: the trace mapping of EWD998ChanTrace.tla, which validates the log of
the Examples' Java implementation (EWD998ChanTrace.ndjson; one JSON object per line, in no particular
order, each with the vector clock of its node):

    paxraft audit --spec tests/user_specs/ewd998_chan.py:EWD998Chan tests/data/EWD998ChanTrace.ndjson
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, NamedTuple

from modelcheck.audit import ANY, Event, StepPattern, TraceError, TraceMapping, causal_order, log_line
from spec.core import Spec, action, invariant

WHITE, BLACK = "white", "black"
PL = ("pl",)  # a payload message; the token is ("tok", q, color)


class State(NamedTuple):
    active: tuple[bool, ...]  # active[i]
    color: tuple[str, ...]  # color[i]
    counter: tuple[int, ...]  # counter[i]: payloads sent minus received
    inbox: tuple[tuple[tuple, ...], ...]  # inbox[i]: a sequence of messages


def functions(n: int, values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """[0..n-1 -> values], as tuples."""
    out: list[tuple[Any, ...]] = [()]
    for _ in range(n):
        out = [t + (v,) for t in out for v in values]
    return out


def put(t: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    """[t EXCEPT ![i] = v]."""
    return t[:i] + (v,) + t[i + 1 :]


def remove_at(s: tuple, j: int) -> tuple:
    """SequencesExt's RemoveAt(s, j), with j counted from 0."""
    return s[:j] + s[j + 1 :]


class EWD998Chan(Spec):
    """Safra's termination detection (EWD 998) with messages in per-node inboxes."""

    variables = ("active", "color", "counter", "inbox")

    def __init__(self, nodes: Annotated[int, "number of nodes (N; Node = 0..N-1)"] = 3) -> None:
        self.N = nodes
        self.Node = tuple(range(nodes))
        super().__init__()

    def init_states(self) -> list[State]:
        """Counters 0, the black token (q 0) in one node's inbox, any activity and colours."""
        n = self.N
        tok = ("tok", 0, BLACK)
        return [
            State(active, color, (0,) * n, tuple((tok,) if i == t else () for i in self.Node))
            for t in self.Node
            for active in functions(n, (False, True))
            for color in functions(n, (WHITE, BLACK))
        ]

    @staticmethod
    def token_at(inbox: tuple) -> int | None:
        """The index of the token in one inbox (None: not there)."""
        for j, m in enumerate(inbox):
            if m[0] == "tok":
                return j
        return None

    # -- System ----------------------------------------------------------------------------
    # InitiateProbe's enabling condition is a disjunction of three; TLC takes the step once per
    # disjunct that holds (and counts each in its states generated): a parameter, as in ewd840.py.
    @action(lambda self, s: [(why,) for why in ("black token", "black node", "nonzero sum")])
    def InitiateProbe(self, s: State, why: str) -> State | None:
        j = self.token_at(s.inbox[0])
        if j is None:
            return None
        tok = s.inbox[0][j]
        if why == "black token":
            holds = tok[2] == BLACK
        elif why == "black node":
            holds = s.color[0] == BLACK
        else:
            holds = s.counter[0] + tok[1] != 0
        if not holds:
            return None
        last = self.N - 1
        inbox = put(s.inbox, 0, remove_at(s.inbox[0], j))
        inbox = put(inbox, last, inbox[last] + (("tok", 0, WHITE),))
        return State(s.active, put(s.color, 0, WHITE), s.counter, inbox)

    @action(lambda self, s: [(i,) for i in self.Node if i != 0])
    def PassToken(self, s: State, i: int) -> State | None:
        if s.active[i]:
            return None
        j = self.token_at(s.inbox[i])
        if j is None:
            return None
        _, q, color = s.inbox[i][j]
        passed = ("tok", q + s.counter[i], BLACK if s.color[i] == BLACK else color)
        inbox = put(s.inbox, i, remove_at(s.inbox[i], j))
        inbox = put(inbox, i - 1, inbox[i - 1] + (passed,))
        return State(s.active, put(s.color, i, WHITE), s.counter, inbox)

    # -- Environment ----------------------------------------------------------------------------
    @action(lambda self, s: [(i, j) for i in self.Node for j in self.Node if j != i])
    def SendMsg(self, s: State, i: int, j: int) -> State | None:
        if not s.active[i]:
            return None
        return s._replace(counter=put(s.counter, i, s.counter[i] + 1), inbox=put(s.inbox, j, s.inbox[j] + (PL,)))

    # j: which payload of the inbox is consumed (TLC takes each; removing the payload before or after
    # the token leaves different inboxes).
    @action(lambda self, s: [(i, j) for i in self.Node for j, m in enumerate(s.inbox[i]) if m == PL])
    def RecvMsg(self, s: State, i: int, j: int) -> State | None:
        if s.inbox[i][j] != PL:
            return None
        return State(
            put(s.active, i, True),
            put(s.color, i, BLACK),
            put(s.counter, i, s.counter[i] - 1),
            put(s.inbox, i, remove_at(s.inbox[i], j)),
        )

    @action(lambda self, s: [(i,) for i in self.Node])
    def Deactivate(self, s: State, i: int) -> State | None:
        if not s.active[i]:
            return None
        return s._replace(active=put(s.active, i, False))

    # -- the model's bounds and properties -----------------------------------------------------------
    def constraint(self, s: State) -> bool:
        """StateConstraint: fewer than 3 payloads in each inbox, each counter at most 3."""
        return all(sum(1 for m in box if m == PL) < 3 for box in s.inbox) and all(c <= 3 for c in s.counter)

    @invariant
    def TypeOK(self, s: State) -> bool:
        """The types, and exactly one token."""
        tokens = [m for box in s.inbox for m in box if m[0] == "tok"]
        return (
            len(tokens) == 1
            and all(isinstance(a, bool) for a in s.active)
            and all(c in (WHITE, BLACK) for c in s.color)
            and all(m == PL or (m[0] == "tok" and isinstance(m[1], int) and m[2] in (WHITE, BLACK))
                    for box in s.inbox for m in box)
        )

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """Nodes as n0, n1, ...; InitiateProbe's disjunct and RecvMsg's inbox position as they are."""
        return f"n{value}" if param == "i" or (action, param) == ("SendMsg", "j") else value


# -- trace validation: EWD998ChanTrace.tla ----------------------------------------------------------


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


#: The most nodes a log may declare (a spec of a billion nodes is no state this machine holds).
MAX_NODES = 1000


class EWD998ChanTrace(TraceMapping):
    """EWD998ChanTrace.tla: which line of the implementation's log is which sub-action of EWD998Chan.

    The log (EWD998ChanTrace.ndjson) is one JSON object per line: first ``{"N": 5}``, then lines
    ``{"event": "<" | ">" | "d", "node": n, "pkt": {"snd", "rcv", "msg": {"type": "tok" | "pl" | "trm",
    "q", "color"}, "vc": {"0": 3, ...}}}`` gathered from the nodes' logs in no order; they are put in
    causal order by their vector clocks (VectorClocks.tla's CausalOrder).

    | line | EWD998ChanTrace.tla | here |
    |---|---|---|
    | ``>`` tok from 0 to N-1 | IsInitiateToken: ``<<InitiateProbe>>_vars`` | InitiateProbe |
    | ``>`` tok from snd > 0 | IsPassToken: ``<<PassToken(snd)>>_vars`` | PassToken(snd) |
    | ``<`` tok at rcv | IsRecvToken: the token in inbox'[rcv], all else but the token kept | a stutter or token step |
    | ``>`` pl | IsSendMsg: ``<<SendMsg(snd)>>_vars``, one more payload at rcv | SendMsg(snd, rcv) |
    | ``<`` pl | IsRecvMsg: ``<<RecvMsg(rcv)>>_vars`` | RecvMsg(rcv, any payload) |
    | ``d`` | IsDeactivate: ``<<Deactivate(node)>>_vars`` | Deactivate(node) |
    | ``<`` or ``>`` trm | IsTrm: every node passive, UNCHANGED vars | a stutter; also no payload in flight |

    TraceInit: Init with every node active and white.  A line with a ``failure`` field fails.  Two checks
    more than the .tla, both implied by EWD998Chan for a correct implementation: a token's q and colour as
    sent (``>``) must be the token's after the step (the .tla checks them only where the token is received),
    and a trm line means termination, EWD998's ``Termination``: every node passive and no payload in flight
    (the .tla checks only that every node is passive; a payload receipt at node 0 dropped from the log then
    went unseen, as node 0's counter is never logged).
    """

    spec_class = EWD998Chan
    #: only what EWD998ChanTrace.tla checks (EWD998ChanTraceAsTLA), not the two checks beyond it
    as_tla: ClassVar[bool] = False
    known_actions = frozenset({"InitiateToken", "PassToken", "RecvToken", "SendMsg", "RecvMsg", "Deactivate",
                               "Trm"})

    @classmethod
    def read(cls, paths: Sequence[str]) -> list[Event]:
        """The log's lines as events, in causal order; the first line ``{"N": n}`` is every event's header."""
        if len(paths) != 1:
            raise TraceError(f"EWD998ChanTrace reads one log (the nodes' logs gathered), got {len(paths)} files")
        path = str(paths[0])
        header: dict[str, Any] | None = None
        events: list[Event] = []
        for n, text in enumerate(Path(path).read_text().splitlines(), 1):
            if not text.strip():
                continue
            where = f"{path}:{n}"
            try:
                line = json.loads(text)
            except json.JSONDecodeError as exc:
                raise TraceError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if header is None:
                if not (isinstance(line, dict) and _is_int(line.get("N")) and 0 < line["N"] <= MAX_NODES):
                    raise TraceError(f'{where}: the log\'s first line must be '
                                     f'{{"N": <number of nodes, 1..{MAX_NODES}>}}')
                header = line
                continue
            events.append(cls.event(line, header, path, n))
        if header is None:
            raise TraceError(f"{path}: empty log")
        return causal_order(events, lambda e: e.extra["pkt"]["vc"])

    @staticmethod
    def event(line: Any, header: dict[str, Any], path: str, n: int) -> Event:
        """One line as an event: its kind (the .tla's sub-action) and the packet's fields as parameters."""
        where = f"{path}:{n}"
        pkt = line.get("pkt") if isinstance(line, dict) else None
        if not (isinstance(pkt, dict) and isinstance(pkt.get("vc"), dict)):
            raise TraceError(f'{where}: expected {{"event", "node", "pkt": {{..., "vc": {{...}}}}}}')
        kind, node = line.get("event"), line.get("node")
        if not _is_int(node):
            raise TraceError(f'{where}: "node" must be a node number, got {node!r}')
        params: dict[str, Any] = {}
        if kind == "d":
            action = "Deactivate"
        else:
            msg = pkt.get("msg")
            if not (isinstance(msg, dict) and _is_int(pkt.get("snd")) and _is_int(pkt.get("rcv"))):
                raise TraceError(f'{where}: a "{kind}" line needs "pkt": {{"snd", "rcv", "msg", "vc"}}')
            mtype = msg.get("type")
            params = {"snd": pkt["snd"], "rcv": pkt["rcv"]}
            if mtype == "tok":
                params.update(q=msg.get("q"), color=msg.get("color"))
            if kind in ("<", ">") and mtype == "trm":
                action = "Trm"
            elif kind == ">" and mtype == "tok":
                action = "InitiateToken" if pkt["snd"] == 0 else "PassToken"
            elif (kind, mtype) in ((">", "pl"), ("<", "pl"), ("<", "tok")):
                action = {">": "SendMsg", "<": "RecvMsg"}[kind] if mtype == "pl" else "RecvToken"
            else:
                raise TraceError(f"{where}: no sub-action of EWD998ChanTrace is a {kind!r} line of a {mtype!r} "
                                 "message")
        return log_line(path, n, node, action, params, line, header)

    def make_spec(self, events: Sequence[Event], bounds: dict[str, Any]) -> EWD998Chan:
        """N from the log's first line (``--bounds nodes=`` overrides it); the class named (a subclass too)."""
        return self.spec_class(**{"nodes": events[0].header["N"] if events else 1, **bounds})

    def init_states(self) -> list[State]:
        """TraceInit: the implementation starts every node active and white (Init's states that are so, made
        directly: Init has 4^N states, and filtering them held a log of {"N": 50} for ever)."""
        n, tok = self.spec.N, ("tok", 0, BLACK)
        return [State((True,) * n, (WHITE,) * n, (0,) * n, tuple((tok,) if i == t else () for i in range(n)))
                for t in range(n)]

    def explanations(self, event: Event) -> list[list[StepPattern]]:
        """Each line's sub-action; a receipt of the token and a trm line constrain a step or a stutter."""
        p, a = event.params, event.action
        if "failure" in event.extra:  # (refusal says so)
            return []
        if a == "InitiateToken":
            return [[StepPattern("InitiateProbe", (ANY,))]] if p["rcv"] == self.spec.N - 1 else []
        if a == "PassToken":
            return [[StepPattern("PassToken", (p["snd"],))]]
        if a == "SendMsg":
            return [[StepPattern("SendMsg", (p["snd"], p["rcv"]))]]
        if a == "RecvMsg":
            return [[StepPattern("RecvMsg", (p["rcv"], ANY))]]
        if a == "Deactivate":
            return [[StepPattern("Deactivate", (event.node,))]]
        if a == "RecvToken":  # [Next \/ UNCHANGED vars] constrained: only a stutter or a token step can keep the rest
            return [[], [StepPattern("InitiateProbe", (ANY,))], [StepPattern("PassToken", (ANY,))]]
        return [[]]  # Trm

    def refusal(self, event: Event) -> str:
        """A line no step explains: the implementation's own failure, or a token sent to the wrong node."""
        if "failure" in event.extra:
            return f"the implementation logged a failure: {event.extra['failure']!r}"
        return f"the token goes from node 0 to node {self.spec.N - 1}, not to node {event.params['rcv']}"

    def check(self, event: Event, before: State, after: State) -> bool:
        """IsRecvToken's frame: payloads, activity, counters and colours unchanged (a token step may move
        the token, which :meth:`event_view` then finds at the receiver)."""
        if event.action != "RecvToken":
            return True
        return (
            before.active == after.active
            and before.counter == after.counter
            and before.color == after.color
            and all([m for m in b if m == PL] == [m for m in x if m == PL] for b, x in zip(before.inbox, after.inbox))
        )

    def event_view(self, event: Event) -> dict[str, Any]:
        """What a line says of the state after it: where the token is, with its q and colour (a received
        token; a sent one too unless :attr:`as_tla`); for trm, that every node is passive (and, unless
        :attr:`as_tla`, that no payload is in flight)."""
        p = event.params
        if event.action == "RecvToken" or event.action in ("InitiateToken", "PassToken") and not self.as_tla:
            return {"token": {"at": p["rcv"], "q": p["q"], "color": p["color"]}}
        if event.action == "Trm":
            return {"active": [False] * self.spec.N, **({} if self.as_tla else {"payloads in flight": 0})}
        return {}

    def node_view(self, event: Event, state: State) -> dict[str, Any]:
        """The same fields in a spec state."""
        shown = self.event_view(event)
        if "token" in shown:
            at = next(i for i, box in enumerate(state.inbox) if self.spec.token_at(box) is not None)
            _, q, color = state.inbox[at][self.spec.token_at(state.inbox[at])]  # type: ignore[index]
            return {"token": {"at": at, "q": q, "color": color}}
        if event.action == "Trm":
            return {"active": list(state.active),
                    **({} if self.as_tla else {"payloads in flight": sum(box.count(PL) for box in state.inbox)})}
        return {}


class EWD998ChanAsTLA(EWD998Chan):
    """EWD998Chan under another name, whose logs are audited by :class:`EWD998ChanTraceAsTLA`."""


class EWD998ChanTraceAsTLA(EWD998ChanTrace):
    """EWD998ChanTrace.tla to the letter, without the two checks beyond it: its verdicts are TLC's on the same
    causal order (tests/test_audit_user.py compares them on mutants; TLC ran the .tla with the log inlined)."""

    spec_class = EWD998ChanAsTLA
    as_tla = True
