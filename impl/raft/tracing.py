"""Tracers for the Raft core: the no-op default, the compact tracer and the JSON-lines one (docs/trace-format.md).

The core (:mod:`impl.raft.core`) calls its injected tracer once per protocol step, after the
step, with the node itself: the tracer reads what it reports off the node. What the core
keeps for tracers: the Lamport clock (messages carry it), ``log.changed_from`` (the lowest log
index changed since the last event), ``prs_dirty`` (nextIndex/matchIndex may have changed) and
``snapshot_changed`` (the log now starts with a snapshot the trace has not shown).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from impl.raft.messages import ALL_INT, Message, decode_message, encode_message, message_line, message_record

if TYPE_CHECKING:
    from impl.raft.core import RaftNode

_json_str: Callable[[str], str] = json.encoder.encode_basestring_ascii  # the C one
ROLE_NAMES = ("Follower", "Candidate", "Leader")
LEADER, CANDIDATE = 2, 1
#: A message of at most this many bytes on the wire is traced as those bytes (``CompactTracer(wire=True)``): the
#: entries' data travel in the trace then, so a larger one (a batch, a large value, a snapshot) is traced by its fields
WIRE_TRACED = 512
KEPT_BYTES = 1 << 16  # (encodings kept for the sender: at most 256 of them between two takes, so at most 16 MiB)


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


class CompactTracer(Tracer):
    """Records each event as a tuple of plain values (the compact trace, docs/trace-format.md "Compact
    trace files"): what the JSON line is made of, read off the node while its state is at hand, and
    turned into that line later, off the write path (:class:`LineFormatter`). Formatting the text was
    ~40k instructions per event; taking the values costs about half of that, and marshal writes them in C.

    An event is ``(node, clock, action, params, recv, sent, term, role, vote, from, entries, snapshot,
    commit, extra)``: ``recv`` and each of ``sent`` a message's fields in :class:`Message`'s order (its
    entries as ``(term, value)`` pairs, the snapshot's bytes left out; :func:`message_line` formats both),
    ``entries`` the log delta from index ``from`` as ``(term, value)`` pairs, ``snapshot`` None or
    ``(index, term)``, ``extra`` a leader's ``((peer, nextIndex, matchIndex), ..)``, a candidate's
    ``(votesResponded, votesGranted)``, else None. Entry values are the node's ``describe`` of the
    command bytes, cached by those bytes.

    With ``wire`` (a node of the runtime), a message of at most :data:`WIRE_TRACED` bytes is its wire encoding
    (:func:`encode_message`) instead: a received one the bytes it arrived as (:meth:`received`), a sent one
    encoded here and handed to the sender (:meth:`encoding`), which would encode it anyway. Taking a message's
    values one by one, its entries described, and marshalling them was most of what tracing cost a write; bytes
    cost a reference and a copy. The reader decodes them (:class:`LineFormatter` with the node's ``describe``).

    With ``key`` too (a function of an entry's data that ``describe`` gives the same name as the data), an entry's
    value is kept as that key, bytes, and named by the reader: naming each entry on the write's path (a lookup that
    misses for every entry received, then ``describe``) was 12% of what the trace cost a write."""

    def __init__(self, wire: bool = False, key: Callable[[bytes], bytes] | None = None) -> None:
        self.events: list[tuple[Any, ...]] = []
        self._dcache: dict[bytes, str] = {}
        self._prs: tuple[tuple[int, int, int], ...] = ()
        self.describe: Callable[[bytes], str] = str
        self.wire = wire
        #: an entry's value as kept: its key (wire, with a key: the reader names it), else its name
        self.value: Callable[[bytes], Any] = key if wire and key is not None else self._desc
        self._in: tuple[Message | None, bytes] = (None, b"")  # (wire) the message being stepped, as it arrived
        self._encoded: dict[int, tuple[Message, bytes]] = {}  # (wire) id -> (sent message, its encoding)

    def bind(self, node: RaftNode) -> None:
        """Values are named by the node's ``describe``."""
        self.describe = node.describe

    def take(self) -> list[Any]:
        """The events recorded since the last call (tuples)."""
        out, self.events = self.events, []
        if len(self._encoded) > 256:  # (messages never sent: to the node itself, to a peer with no link)
            self._encoded.clear()
        return out

    def received(self, m: Message, payload: bytes) -> None:
        """(wire) ``m``, about to be stepped, arrived as ``payload`` (its trace value if the step receives it)."""
        self._in = (m, payload)

    def encoding(self, m: Message) -> bytes | None:
        """(wire) The encoding of ``m`` made when its step was traced, if it was (once: the sender's copy)."""
        hit = self._encoded.pop(id(m), None)
        return hit[1] if hit is not None and hit[0] is m else None

    def has_events(self) -> bool:
        """Whether events wait to be taken."""
        return bool(self.events)

    def _desc(self, data: bytes) -> str:
        """An entry's trace value, cached by the command bytes: a leader describes each entry for its
        ClientRequest, its log delta and every AppendEntries, a follower for the request it receives and
        its log delta."""
        s = self._dcache.get(data)
        if s is None:
            if len(self._dcache) >= 4096:
                self._dcache.clear()
            s = self._dcache[data] = self.describe(data)
        return s

    def _msg(self, m: Message) -> tuple[Any, ...]:
        """A message's values: its fields in order, its entries' data described, the snapshot's bytes left out."""
        if type(m[0]) is not int:  # a MsgType member (an int subclass marshal refuses; the core's are ints)
            m = (int(m[0]),) + m[1:]  # type: ignore[assignment]
        es = m[12]
        if not es:
            return tuple(m) if not m[13] else m[:13] + (b"",) + m[14:]
        if len(es) == 1:  # (one sequential write)
            e = es[0]
            return m[:12] + (((e[0], self.value(e[1])),), b"") + m[14:]
        d = self.value
        return m[:12] + (tuple([(e[0], d(e[1])) for e in es]), b"") + m[14:]

    def event(self, node: RaftNode, action: str, params: dict[str, Any], recv: Message | None,
              sent: Sequence[Message]) -> None:
        """Record the step's values."""
        log = node.log
        entries = log.entries
        offset = log.offset
        last = offset + len(entries)
        if node.snapshot_changed:
            frm = offset + 1
            sp: tuple[int, int] | None = (offset, log.offset_term)
            node.snapshot_changed = False
        else:
            frm = log.changed_from
            if frm > last:
                frm = last + 1
            if frm <= offset:
                frm = offset + 1
            sp = None
        if frm > last:  # no change to the log (most events)
            ents: tuple[tuple[int, str], ...] = ()
        elif frm == last:  # one new entry (a follower's accept of one write): no list to build
            e = entries[-1]
            ents = ((e[0], self.value(e[1])),)
        else:
            d = self.value
            ents = tuple([(e[0], d(e[1])) for e in entries[frm - offset - 1 :]])
        log.changed_from = last + 1
        role = node.role
        if role == LEADER:
            if node.prs_dirty:
                self._prs = tuple([(j, p.next, p.match) for j, p in node.prs.items()])
                node.prs_dirty = False
            extra: Any = self._prs
        elif role == CANDIDATE:
            extra = (tuple(sorted(node.votes_responded)), tuple(sorted(node.votes_granted)))
        else:
            extra = None
        if not self.wire:
            sent_values: tuple[Any, ...] = tuple([self._msg(m) for m in sent]) if sent else ()
            recv_value: Any = None if recv is None else self._msg(recv)
        else:
            if not sent:
                sent_values = ()
            elif len(sent) == 1:  # (most steps: no comprehension's frame)
                sent_values = (self._wire(sent[0]),)
            else:
                sent_values = tuple([self._wire(m) for m in sent])
            if recv is None:
                recv_value = None
            else:
                m, b = self._in
                recv_value = b if m is recv and len(b) <= WIRE_TRACED else self._msg(recv)
        self.events.append((node.id, node.clock, action, params, recv_value,
                            sent_values, node.term, role, node.vote, frm, ents, sp, node.commit, extra))

    def _wire(self, m: Message) -> Any:
        """A sent message's trace value (wire): its encoding, or its values when longer than WIRE_TRACED bytes. The
        encoding is kept for the sender up to KEPT_BYTES (a larger one is encoded again when sent: no large
        encoding waits here for a send that may never come, to a peer without a link)."""
        b = encode_message(m)
        if len(b) <= KEPT_BYTES:
            self._encoded[id(m)] = (m, b)
        return b if len(b) <= WIRE_TRACED else self._msg(m)

    def client_request(self, node: RaftNode, data: bytes) -> None:
        """The hot path (one event per proposal): the values :meth:`event` takes, without its general cases."""
        log = node.log
        index = log.last_index()
        if node.prs_dirty or log.changed_from != index or node.snapshot_changed:
            self.event(node, "ClientRequest", {"v": self.value(data)}, None, ())
            return
        log.changed_from = index + 1
        v = self.value(data)
        self.events.append((node.id, node.clock, "ClientRequest", {"v": v}, None, (), node.term, LEADER, node.vote,
                            index, ((node.term, v),), None, node.commit, self._prs))


class LineFormatter:
    """Turns :class:`CompactTracer` events into their JSON lines (docs/trace-format.md): the same text
    json's compact encoder makes of the event's dict. The ``action``/``params`` text is cached by action
    and parameters, the state's ``currentTerm/state/votedFor`` prefix by (term, role, vote). A message traced as
    its wire bytes (``CompactTracer(wire=True)``) is decoded, its entries named by ``describe`` (the writing
    node's: ValueError without it)."""

    def __init__(self, describe: Callable[[bytes], str] | None = None) -> None:
        self._heads: dict[tuple[Any, ...], str] = {}
        self._hs: tuple[int, int, int | None] = (-1, -1, -1)
        self._hs_text = ""
        self.describe = describe
        self._dcache: dict[bytes, str] = {}

    def name(self, data: bytes) -> str:
        """An entry's trace value: the node's ``describe`` of its data (or of the key the node kept of it)."""
        cache = self._dcache
        v = cache.get(data)
        if v is None:
            if self.describe is None:
                raise ValueError("a message traced as its wire bytes, or an entry's value kept as bytes, read "
                                 "without the node's describe")
            if len(cache) >= 4096:
                cache.clear()
            try:
                v = cache[data] = self.describe(data)
            except (ValueError, struct.error) as exc:  # (describe_command unpacks a command's header)
                raise ValueError(f"an entry's value of {len(data)} bytes that is not a command ({exc})") from None
        return v

    def entries(self, es: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """Entries ``(term, value)`` with each value named: a value kept as bytes is named by ``describe``."""
        if not es or not any(type(e[1]) is bytes for e in es):
            return es
        name = self.name
        return tuple([(e[0], name(e[1])) if type(e[1]) is bytes else e for e in es])

    def params(self, params: dict[str, Any]) -> dict[str, Any]:
        """An event's parameters, a value kept as bytes (a ClientRequest's ``v``) named by ``describe``."""
        if not any(type(v) is bytes for v in params.values()):
            return params
        return {k: self.name(v) if type(v) is bytes else v for k, v in params.items()}

    def values(self, m: Any) -> Any:
        """A traced message's values (:class:`CompactTracer`'s tuple form, its entries named), decoding its wire
        bytes if it is those."""
        if type(m) is not bytes:
            es = m[12]
            return m if not es or type(es) is not tuple else m[:12] + (self.entries(es),) + m[13:]
        if self.describe is None:
            raise ValueError("a message traced as its wire bytes, read without the node's describe")
        w = decode_message(m)
        return w[:12] + (self.entries(w[12]), b"") + w[14:]  # (its entries' data are bytes: each named, as a pair)

    def _head(self, action: str, params: dict[str, Any]) -> str:
        """``"action":"A","params":{..}`` of an event (a few dozen distinct ones: peers, cases; a ReadIndex's
        index keeps changing, hence the bound)."""
        try:
            key: tuple[Any, ...] = (action, *params.items())
            return self._heads[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable parameter value: not cached
            key = ()
        pj = ",".join([f'"{k}":{v}' if type(v) is int else f'"{k}":{_json_str(v)}' if type(v) is str
                       else f'"{k}":{json.dumps(v, separators=(",", ":"))}' for k, v in params.items()])  # (a list)
        text = f'"action":{_json_str(action)},"params":{{{pj}}}'
        if key and action != "ClientRequest":  # (its value differs every time)
            if len(self._heads) >= 4096:
                self._heads.clear()
            self._heads[key] = text
        return text

    def _state(self, term: int, role: int, vote: int | None, frm: int, ents: Sequence[Sequence[Any]],
               snap: Sequence[int] | None, commit: int, extra: Any) -> str:
        if len(ents) == 1:
            e = ents[0]
            text = f"[{e[0]},{_json_str(e[1])}]"
        else:
            text = ",".join([f"[{t},{_json_str(v)}]" for t, v in ents])
        if snap is not None:
            text += f'],"snapshot":[{snap[0]},{snap[1]}'
        hs = (term, role, vote)
        if hs != self._hs:
            self._hs = hs
            self._hs_text = (f'{{"currentTerm":{term},"state":"{ROLE_NAMES[role]}",'
                             f'"votedFor":{vote or "null"},"log":{{"from":')
        s = f'{self._hs_text}{frm},"entries":[{text}]}},"commitIndex":{commit}'
        if role == LEADER:
            nxt = ",".join([f'"{j}":{n}' for j, n, _ in extra])
            match = ",".join([f'"{j}":{m}' for j, _, m in extra])
            return f'{s},"nextIndex":{{{nxt}}},"matchIndex":{{{match}}}}}'
        if role == CANDIDATE:
            return (f'{s},"votesResponded":[{",".join(map(str, extra[0]))}],'
                    f'"votesGranted":[{",".join(map(str, extra[1]))}]}}')
        return s + "}"

    def line(self, ev: Sequence[Any]) -> str:
        """One event's JSON line (no newline)."""
        node, clock, action, params, recv, sent, term, role, vote, frm, ents, snap, commit, extra = ev
        ents = self.entries(ents)
        line = f'{{"node":{node},"clock":{clock},{self._head(action, self.params(params))}'
        values = self.values
        if recv is not None:
            line += ',"recv":' + message_line(values(recv), _json_str)
        sent_json = ",".join([message_line(values(m), _json_str) for m in sent])
        return f'{line},"sent":[{sent_json}],"state":{self._state(term, role, vote, frm, ents, snap, commit, extra)}}}'


    def record(self, ev: Sequence[Any]) -> dict[str, Any]:
        """What JSON reads of :meth:`line`'s text: the dict, built without the text (the audit reads compact
        traces so: formatting and reading back was most of their cost). TypeError where that text would not be
        JSON or would read otherwise (a field of another type than the format's): the reader reads the text."""
        node, clock, action, params, recv, sent, term, role, vote, frm, ents, snap, commit, extra = ev
        ents, params = self.entries(ents), self.params(params)
        if not (ALL_INT(map(type, (node, clock, term, role, frm, commit))) and type(action) is str
                and all(type(k) is str and (type(v) is int or type(v) is str) for k, v in params.items())
                and (vote is None or type(vote) is int) and 0 <= role < len(ROLE_NAMES)
                and all(type(e[1]) is str and type(e[0]) is int for e in ents)):
            raise TypeError("an event field of another type")
        log: dict[str, Any] = {"from": frm, "entries": [[e[0], e[1]] for e in ents]}
        if snap is not None:
            if not ALL_INT(map(type, snap[:2])):
                raise TypeError("a snapshot of another type")
            log["snapshot"] = [snap[0], snap[1]]
        state: dict[str, Any] = {"currentTerm": term, "state": ROLE_NAMES[role], "votedFor": vote or None,
                                 "log": log, "commitIndex": commit}
        if role == LEADER:
            if not all(ALL_INT(map(type, x)) for x in extra):
                raise TypeError("a leader's progress of another type")
            state["nextIndex"] = {str(j): n for j, n, _ in extra}
            state["matchIndex"] = {str(j): m for j, _, m in extra}
        elif role == CANDIDATE:
            if not (ALL_INT(map(type, extra[0])) and ALL_INT(map(type, extra[1]))):
                raise TypeError("a candidate's votes of another type")
            state["votesResponded"], state["votesGranted"] = list(extra[0]), list(extra[1])
        rec: dict[str, Any] = {"node": node, "clock": clock, "action": action, "params": params}
        values = self.values
        if recv is not None:
            rec["recv"] = message_record(values(recv))
        rec["sent"] = [message_record(values(m)) for m in sent]
        rec["state"] = state
        return rec


class JsonLinesTracer(CompactTracer):
    """Hands each event out as its JSON line (format: docs/trace-format.md): the compact events,
    formatted when taken (the simulator, the tests and ``"trace_format": "jsonl"`` nodes)."""

    def __init__(self, wire: bool = False, key: Callable[[bytes], bytes] | None = None) -> None:
        super().__init__(wire, key)
        self.formatter = LineFormatter()

    def bind(self, node: RaftNode) -> None:
        """Values are named by the node's ``describe``, its wire-traced messages' too."""
        super().bind(node)
        self.formatter.describe = node.describe

    def take(self) -> list[Any]:
        """The lines recorded since the last call."""
        fmt = self.formatter.line
        return [fmt(ev) for ev in super().take()]
