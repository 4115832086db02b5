"""Tracers for the Raft core: the no-op default and the JSON-lines tracer (docs/trace-format.md).

The core (:mod:`impl.raft.core`) calls its injected tracer once per protocol step, after the
step, with the node itself: the tracer reads what it reports off the node. What the core
keeps for tracers: the Lamport clock (messages carry it), ``log.changed_from`` (the lowest log
index changed since the last event), ``prs_dirty`` (nextIndex/matchIndex may have changed) and
``snapshot_changed`` (the log now starts with a snapshot the trace has not shown).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from impl.raft.messages import Message, message_line

if TYPE_CHECKING:
    from impl.raft.core import RaftNode

_json_str: Callable[[str], str] = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]  # the C one
ROLE_NAMES = ("Follower", "Candidate", "Leader")
LEADER, CANDIDATE = 2, 1


class Tracer:
    """A tracer that records nothing (the core's default): every call is a no-op."""

    def bind(self, node: RaftNode) -> None:
        """The node this tracer records (called once, by the node's constructor)."""

    def event(self, node: RaftNode, action: str, params: dict[str, Any], recv: Message | None,
              sent: Sequence[Message]) -> None:
        """One step of ``node`` happened: ``action(params)``, having received ``recv`` and sent ``sent``."""

    def client_request(self, node: RaftNode, data: bytes) -> None:
        """The leader appended ``data`` as its last entry (``ClientRequest``, the hot path of a busy leader)."""

    def take(self) -> list[str]:
        """The events recorded since the last call, as JSON lines (none here)."""
        return []

    def has_events(self) -> bool:
        """Whether :meth:`take` has something to hand out."""
        return False


NO_TRACE = Tracer()


class JsonLinesTracer(Tracer):
    """Formats each event as its JSON line (format: docs/trace-format.md) while the node's state is at hand.

    Tracing every step must be cheap: the line is written directly as text (the same text the
    standard encoder makes of the event's dict), entry values are cached, and a leader's
    nextIndex/matchIndex object is reused until the core marks it dirty.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._jcache: dict[bytes, str] = {}
        self._prs_json = ""
        self.describe: Callable[[bytes], str] = str
        self._heads: dict[tuple[Any, ...], str] = {}  # (action, *params) -> its ``"action":..,"params":{..}`` text
        self._hs: tuple[int, int, int] = (-1, -1, -1)  # (term, role, vote) of the cached state prefix
        self._hs_text = ""

    def bind(self, node: RaftNode) -> None:
        """Values are named by the node's ``describe``."""
        self.describe = node.describe

    def take(self) -> list[str]:
        """The lines recorded since the last call."""
        out, self.lines = self.lines, []
        return out

    def has_events(self) -> bool:
        """Whether lines wait to be taken."""
        return bool(self.lines)

    def _jdesc(self, data: bytes) -> str:
        """An entry's trace value as a JSON string literal. Cached by the command bytes: a leader
        describes each entry for its ClientRequest, its log delta and every AppendEntries, a
        follower for the request it receives and its log delta."""
        s = self._jcache.get(data)
        if s is None:
            if len(self._jcache) >= 4096:
                self._jcache.clear()
            s = self._jcache[data] = _json_str(self.describe(data))
        return s

    def _prs(self, node: RaftNode) -> str:
        """The leader's nextIndex and matchIndex as JSON members, recomputed only after the core marked them dirty."""
        if node.prs_dirty:
            nxt, match = [], []
            for j, p in node.prs.items():
                nxt.append(f'"{j}":{p.next}')
                match.append(f'"{j}":{p.match}')
            self._prs_json = f',"nextIndex":{{{",".join(nxt)}}},"matchIndex":{{{",".join(match)}}}}}'
            node.prs_dirty = False
        return self._prs_json

    def _state_line(self, node: RaftNode) -> str:
        """The node's abstract state (the trace's ``state``) as compact JSON; consumes the log delta."""
        log = node.log
        last = log.last_index()
        snap = node.snapshot_changed
        frm = log.offset + 1 if snap else max(min(log.changed_from, last + 1), log.offset + 1)
        jd = self._jdesc
        if frm == last:  # one new entry (a follower's accept of one write): no list to build
            e = log.entry(last)
            ents = f"[{e.term},{jd(e.data)}]"
        else:
            ents = ",".join([f"[{e.term},{jd(e.data)}]" for e in log.slice(frm, last)]) if frm <= last else ""
        if snap:
            ents += f'],"snapshot":[{log.offset},{log.offset_term}'
            node.snapshot_changed = False
        log.changed_from = last + 1
        hs = (node.term, node.role, node.vote)
        if hs != self._hs:  # the same for most events: the prefix is formatted once per term, role and vote
            self._hs = hs
            self._hs_text = (f'{{"currentTerm":{node.term},"state":"{ROLE_NAMES[node.role]}",'
                             f'"votedFor":{node.vote or "null"},"log":{{"from":')
        s = f'{self._hs_text}{frm},"entries":[{ents}]}},"commitIndex":{node.commit}'
        if node.role == LEADER:
            return s + self._prs(node)
        if node.role == CANDIDATE:
            return (f'{s},"votesResponded":[{",".join(map(str, sorted(node.votes_responded)))}],'
                    f'"votesGranted":[{",".join(map(str, sorted(node.votes_granted)))}]}}')
        return s + "}"

    def _head(self, action: str, params: dict[str, Any]) -> str:
        """``"action":"A","params":{..}`` of an event, cached by action and parameters (a few dozen distinct
        ones: peers, cases; a ReadIndex's index keeps changing, hence the bound)."""
        try:
            key: tuple[Any, ...] = (action, *params.items())
            return self._heads[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable parameter value: not cached
            key = ()
        pj = ",".join([f'"{k}":{v}' if type(v) is int else f'"{k}":{_json_str(v)}' for k, v in params.items()])
        text = f'"action":"{action}","params":{{{pj}}}'
        if key and action != "ClientRequest":  # (its value differs every time)
            if len(self._heads) >= 4096:
                self._heads.clear()
            self._heads[key] = text
        return text

    def event(self, node: RaftNode, action: str, params: dict[str, Any], recv: Message | None,
              sent: Sequence[Message]) -> None:
        """Record the step as one JSON line."""
        jd = self._jdesc
        line = f'{{"node":{node.id},"clock":{node.clock},{self._head(action, params)}'
        if recv is not None:
            line += ',"recv":' + message_line(recv, jd)
        if not sent:
            sent_json = ""
        elif len(sent) == 1:
            sent_json = message_line(sent[0], jd)
        else:
            sent_json = ",".join([message_line(m, jd) for m in sent])
        self.lines.append(f'{line},"sent":[{sent_json}],"state":{self._state_line(node)}}}')

    def client_request(self, node: RaftNode, data: bytes) -> None:
        """The hot path (one event per proposal): the same text as :meth:`event`, in one f-string."""
        log = node.log
        index = log.last_index()
        if node.prs_dirty or log.changed_from != index or node.snapshot_changed:
            self.event(node, "ClientRequest", {"v": self.describe(data)}, None, ())
            return
        log.changed_from = index + 1
        v = self._jdesc(data)
        self.lines.append(
            f'{{"node":{node.id},"clock":{node.clock},"action":"ClientRequest","params":{{"v":{v}}},"sent":[],'
            f'"state":{{"currentTerm":{node.term},"state":"Leader","votedFor":{node.vote or "null"},'
            f'"log":{{"from":{index},"entries":[[{node.term},{v}]]}},"commitIndex":{node.commit}{self._prs_json}}}')
