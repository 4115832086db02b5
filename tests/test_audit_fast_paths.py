"""The audit's fast paths (docs/auditing.md, Speed) decide exactly as the slow ones: the JSON decoder
returns what ``json.loads`` returns or raises what it raises, a leader's maps seen before are still
checked against the log and for non-integers, and one write costs a bounded number of Python calls
(counted, not timed)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_audit_speed import _tail_work

from modelcheck.audit import fastjson
from modelcheck.audit.raft_sim import RaftOnlineAudit, RefinementViolation
from modelcheck.audit.raft_steady import steady_trace
from modelcheck.audit.tracefile import TraceError

_LINES = [
    '{"a": 1, "b": [true, false, null], "c": "x"}',
    '  {"x": [0.1, -0.0, 1E5, 5e-324, 1.7976931348623157e308]}  ',
    '[18446744073709551617, -9223372036854775809, 100000000000000000000000000000]',  # past 64 bits: exact ints
    '{"v": "c5471111220306201824.14", "id": [12345678901234567890123, 0, 1]}',
    '[1e400, -1e400]',  # json.loads: inf; msgspec refuses
    'NaN', '[Infinity, -Infinity]',
    '"\\ud800"',  # a lone surrogate
    '"\\u00e9\\n\\t"', '{"a": 1, "a": 2}',
    '[1, 2', '{"a" 1}', '', 'tru', '[1,]', '"\x01"', '{"a": 1} x',  # not JSON
    '[' * 3000 + ']' * 3000,  # nested too deeply
    '1' * 5000,  # more digits than int() converts
]


def _outcome(line: str, loads: Any) -> tuple:
    try:
        return ("ok", repr(loads(line)))  # (repr tells 1 from 1.0 and True, and shows nan)
    except RecursionError:
        return ("err", RecursionError)
    except ValueError as exc:
        return ("err", type(exc), str(exc))


@pytest.mark.parametrize("line", _LINES)
def test_the_fast_decoder_returns_or_raises_what_json_loads_does(line):
    assert _outcome(line, fastjson.loads) == _outcome(line, json.loads)


def test_trace_lines_take_the_fast_decoder_and_refusals_go_to_json_loads(monkeypatch):
    if fastjson.msgspec is None:  # a venv made before msgspec was a dependency: json.loads reads every line
        assert fastjson.loads is json.loads
        return
    head, tail = steady_trace(50, 10)
    lines = [json.dumps(r, separators=(",", ":")) for r in head + tail]
    slow: list[str] = []
    real = json.loads
    monkeypatch.setattr(fastjson.json, "loads", lambda s: slow.append(s) or real(s))
    assert [fastjson.loads(x) for x in lines] == [real(x) for x in lines]
    assert slow == []  # every trace line decoded without json.loads
    assert repr(fastjson.loads('{"t": NaN}')) == "{'t': nan}" and slow == ['{"t": NaN}']


def _audit(records: list[dict[str, Any]]) -> RaftOnlineAudit:
    audit = RaftOnlineAudit([1, 2, 3])
    for rec in records:
        audit.on_event(rec)
    return audit


def _leader_events(records: list[dict[str, Any]]) -> list[int]:
    return [k for k, r in enumerate(records) if "matchIndex" in r["state"]]


def test_a_leader_map_seen_before_is_still_refused_when_a_value_is_not_an_integer():
    records = [r for part in steady_trace(3, 2) for r in part]
    last = _leader_events(records)[-1]
    assert records[last]["state"]["matchIndex"] == records[last - 1]["state"]["matchIndex"]  # seen just before
    assert _audit(records).failure is None
    records[last]["state"]["matchIndex"]["3"] = False  # False == 0: the same dict key as the map seen before
    with pytest.raises(TraceError, match=r"matchIndex\[3\] must be an integer, got False"):
        _audit(records)


def test_a_leader_map_seen_before_is_still_checked_against_the_log():
    records = [r for part in steady_trace(3, 2) for r in part]
    last = _leader_events(records)[-1]
    st = records[last]["state"]
    assert st["matchIndex"] == records[last - 1]["state"]["matchIndex"] == {"2": 5, "3": 0}
    st["log"] = {"from": 1, "entries": [[2, "v-short"]]}  # the same maps beside a one-entry log
    with pytest.raises(TraceError, match=r"matchIndex\[2\] = 5, outside 0\.\.1 \(the leader's log has 1 entries\)"):
        _audit(records)


def test_a_write_costs_a_bounded_number_of_python_calls():
    # A write is five events (ClientRequest, AppendEntries, the follower's accept, the response,
    # AdvanceCommitIndex).  Measured: 370 Python calls per write before the fast paths (each leader map
    # decoded, a dict of one state, the action searched by name, ...), 289 with them; the bound leaves
    # a little room for changes elsewhere and fails on a return of what they removed.
    _, calls, audit = _tail_work(100, 40, kinds=("call",))  # (Python calls: C calls vary more between versions)
    assert audit.failure is None and audit.auditor.audited == audit.count == 116 + 200
    assert calls / 40 <= 330


def test_a_batch_is_decoded_once_for_the_request_and_the_log_that_took_it():
    head, tail = steady_trace(1_000, 3)
    audit = _audit(head)
    # 1,000 ClientRequests (one entry each), then one request of 1,000 entries to node 2 and node 2's
    # log delta of the same 1,000 entries: decoded once, not twice
    assert audit.mapping.entries_decoded == 2_000
    batch = next(r for r in head if r["action"] == "HandleAppendEntriesRequest")
    batch["state"]["log"]["entries"][999] = [2, "v-other"]  # a delta that differs from the request it took
    audit = RaftOnlineAudit([1, 2, 3])
    with pytest.raises(RefinementViolation) as caught:
        for rec in head:
            audit.on_event(rec)
    assert caught.value.failure.event.action == "HandleAppendEntriesRequest"
    assert [d[0] for d in caught.value.failure.diff] == ["log"]
