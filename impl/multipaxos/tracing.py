"""Trace events of the Multi-Paxos core, one JSON line per protocol step (docs/multipaxos.md, "Trace").

An event is ``{"node", "clock", "action", "params", "recv", "sent", "state"}`` as for Raft
(docs/trace-format.md). ``state`` holds MultiPaxos.tla's per-node fields after the step
(``balMaxKnown``, ``balPrepared``, ``leader``, ``commitUpTo``) and ``votes``: ``[slot, ballot,
value]`` for each slot the step changed (a ballot of 0: no vote). A message is named by its type
and MultiPaxos.tla's fields (``bal``, ``slot`` the first slot, ``cmds`` one ``[ballot, value]``
per slot, ``commit``), with ``id`` ``[src, boot, seq]`` and the Lamport ``clock``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from impl.raft.messages import SUCCESS, Message, MsgType

if TYPE_CHECKING:
    from impl.multipaxos.core import MultiPaxosNode

_NAMES = {int(t): t.name for t in MsgType}
_dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def message_record(m: Message, describe: Any) -> dict[str, Any]:
    """A Multi-Paxos message as the trace shows it."""
    rec: dict[str, Any] = {"id": [m.src, m.boot, m.seq], "clock": m.clock, "type": _NAMES[m.type],
                           "src": m.src, "dst": m.dst, "bal": m.term, "ok": bool(m.flags & SUCCESS)}
    if m.index:
        rec["slot"] = m.index
    if m.entries:
        rec["cmds"] = [[e.term, describe(e.data) if e.term else None] for e in m.entries]
    if m.hint_index:
        rec["last"] = m.hint_index
    if m.type != MsgType.Prepare:
        rec["commit"] = m.commit
    if m.context:
        rec["context"] = m.context
    return rec


def event_line(node: MultiPaxosNode, action: str, params: dict[str, Any], recv: Message | None,
               sent: Sequence[Message], slots: Iterable[int]) -> str:
    """One step of ``node`` as its JSON line."""
    d = node.describe
    state = node.trace_state()
    log = node.log
    votes = []
    for s in slots:
        if s > log.offset:
            e = log.get(s)
            votes.append([s, e.term, d(e.data) if e.term else None])
    state["votes"] = votes
    ev: dict[str, Any] = {"node": node.id, "clock": node.clock, "action": action, "params": params}
    if recv is not None:
        ev["recv"] = message_record(recv, d)
    ev["sent"] = [message_record(m, d) for m in sent]
    ev["state"] = state
    return _dumps(ev)


_json_str = json.encoder.encode_basestring_ascii  # the C one


def proposal_line(node: MultiPaxosNode, slot: int, ballot: int, data: bytes) -> str:
    """:func:`event_line` of a ``TakeNewRequest`` (one per client write on a busy leader) as one f-string:
    the same JSON that encoding its dict makes, at a fraction of the cost."""
    v = _json_str(node.describe(data))
    return (f'{{"node":{node.id},"clock":{node.clock},"action":"TakeNewRequest","params":{{"slot":{slot},"v":{v}}},'
            f'"sent":[],"state":{{"balMaxKnown":{node.promised},"balPrepared":{node.prepared},"leader":{node.id},'
            f'"commitUpTo":{node.commit},"votes":[[{slot},{ballot},{v}]]}}}}')
