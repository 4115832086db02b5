"""Trace format v2 (docs/trace-format.md): the docs against spec/trace_format.py, every example in the docs,
the observation model, the term offset, v1 still read, and the tracer kit (impl.trace.Recorder)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from impl.trace import Recorder
from modelcheck.audit import TraceError, audit_events, mapping_for, read_trace, read_traces
from modelcheck.audit.raft_sim import write_traces
from modelcheck.cli import main
from modelcheck.harness import audit_raft_run
from spec.trace_format import (
    ACTION_PARAMS,
    EXTENSION_ACTIONS,
    HEADER_OPTIONAL,
    HEADER_REQUIRED,
    MESSAGE_FIELDS,
    RAFT_ACTIONS,
    REQUIRED_PARAMS,
    STATE_OPTIONAL,
    STATE_REQUIRED,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"
FORMAT_DOC = (DOCS / "trace-format.md").read_text()
GUIDE = (DOCS / "auditing-your-raft.md").read_text()


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def _table_names(text: str, heading: str) -> set[str]:
    """The backquoted names in the first column of the table that follows ``heading``."""
    part = text[text.index(heading):]
    rows = re.findall(r"^\| `([A-Za-z_-]+)` \|", part[: part.index("\n\n", part.index("|"))], re.M)
    return set(rows)


# -- the documentation says what the code defines ----------------------------------------------------------
def test_the_format_page_lists_the_actions_messages_and_fields_the_code_defines():
    assert _table_names(FORMAT_DOC, "raft.tla actions, with how") == set(RAFT_ACTIONS)
    assert _table_names(FORMAT_DOC, "Extensions (steps that raft.tla") == set(EXTENSION_ACTIONS)
    assert _table_names(FORMAT_DOC, "| `type` |") - {"type"} == set(MESSAGE_FIELDS)
    assert _table_names(FORMAT_DOC, "| header field |") == set(HEADER_REQUIRED) | set(HEADER_OPTIONAL)
    model = FORMAT_DOC[FORMAT_DOC.index("### Observation model"):]
    for f in STATE_REQUIRED + tuple(STATE_OPTIONAL):
        assert f"`{f}`" in model[: model.index("\n\n", model.index("|"))]
    for name, stutter in EXTENSION_ACTIONS.items():
        row = next(r for r in FORMAT_DOC.splitlines() if r.startswith(f"| `{name}` |"))
        assert ("*stutter*" in row) == stutter, name


def test_the_action_tables_params_are_those_the_audit_accepts():
    """Each action's params column is ACTION_PARAMS' entry (an event giving another is refused)."""
    shown = {}
    for heading in ("raft.tla actions, with how", "Extensions (steps that raft.tla"):
        part = FORMAT_DOC[FORMAT_DOC.index(heading):]
        table = part[: part.index("\n\n", part.index("|"))]
        for name, params in re.findall(r"^\| `([A-Za-z]+)` \|([^|]*)\|", table, re.M):
            shown[name] = tuple(re.findall(r"`(\w+)`", params))
    assert shown == ACTION_PARAMS
    assert all(set(need) <= set(ACTION_PARAMS[a]) for a, need in REQUIRED_PARAMS.items())


def test_every_json_example_in_the_docs_is_read_by_the_audit(tmp_path):
    blocks = _blocks(FORMAT_DOC, "json") + _blocks(GUIDE, "json")
    assert len(blocks) == 2
    header = json.loads(blocks[0])
    event = json.loads(blocks[1])
    path = tmp_path / "example.jsonl"
    path.write_text(json.dumps(header) + "\n" + json.dumps(event) + "\n")
    tf = read_trace(path)
    assert tf.headers == [header] and len(tf.events) == 1
    e = tf.events[0]
    assert (e.node, e.clock, e.action, e.recv["id"], e.sent[0]["mmatchIndex"]) == (2, 41, event["action"],
                                                                                   [1, 3, 17], 5)


def test_the_guide_s_code_writes_a_trace_the_audit_explains(tmp_path, monkeypatch, capsys):
    code = _blocks(GUIDE, "python")
    assert len(code) == 2
    monkeypatch.chdir(tmp_path)
    for block in code:
        exec(compile(block, "auditing-your-raft.md", "exec"), {})
    assert main(["audit", "node-1.jsonl"]) == 0
    out = capsys.readouterr().out
    (shown,) = _blocks(GUIDE, "console")
    for line in shown.splitlines()[1:]:  # the command's output as the guide shows it
        assert line.split("...")[0] in out, line
    events = read_trace(tmp_path / "node-1.jsonl").events
    assert [e.state["currentTerm"] for e in events] == [1, 2, 2, 2, 2, 2]  # term_offset 1 applied


# -- the observation model -------------------------------------------------------------------------------
def _guide_trace(path: Path, **changes) -> Path:
    """The guide's trace (one candidate giving up), with a changed final vote count or fields left out."""
    rec = Recorder(path, node=1, nodes=[1, 2, 3], spec="raft", term_offset=1)
    follower = {"currentTerm": 0, "state": "Follower", "votedFor": None, "log": [], "commitIndex": 0}
    rec.event("Init", state=follower)
    candidate = dict(follower, currentTerm=1, state="Candidate", **changes.get("candidate", {}))
    rec.event("Timeout", state=candidate)
    request = {"type": "RequestVoteRequest", "mdest": 1, "mlastLogTerm": 0, "mlastLogIndex": 0}
    rec.event("RequestVote", {"j": 1}, state=candidate, sent=[request])
    reply = {"type": "RequestVoteResponse", "mdest": 1, "mvoteGranted": True}
    voted = dict(candidate, votedFor=1)
    rec.event("HandleRequestVoteRequest", {"j": 1}, state=voted, recv=request, sent=[reply])
    rec.event("HandleRequestVoteResponse", {"j": 1}, state=dict(voted, **changes.get("counted", {})), recv=reply)
    rec.close()
    return path


def _audit(paths):
    events, _ = read_traces(paths)
    mapping = mapping_for("raft", events)
    return mapping, audit_events(mapping, events)


@pytest.mark.parametrize("candidate, counted", [
    ({"votesResponded": [], "votesGranted": []}, {"votesResponded": [1], "votesGranted": [1]}),  # sets
    ({"votesGranted": 0}, {"votesGranted": 1}),  # a count
    ({}, {}),  # not observed
])
def test_votes_as_sets_counts_or_not_at_all_are_explained(tmp_path, candidate, counted):
    mapping, res = _audit([_guide_trace(tmp_path / "n1.jsonl", candidate=candidate, counted=counted)])
    assert res.ok and res.audited == 5
    assert [n.split(" (")[0] for n in mapping.unobserved()] == [
        f for f in ("votesResponded", "votesGranted") if f not in candidate]


def test_a_wrong_vote_count_is_caught_and_a_field_never_written_is_never_in_the_diff(tmp_path):
    mapping, res = _audit([_guide_trace(tmp_path / "n1.jsonl", candidate={"votesGranted": 0},
                                        counted={"votesGranted": 2})])
    f = res.failure
    assert f is not None and f.index == 4 and f.event.action == "HandleRequestVoteResponse"
    assert f.diff == [("votesGranted", 2, 1)]  # votesResponded was not written: not compared, not shown


@pytest.mark.parametrize("field, value, message", [
    ("nextIndex", {"2": 2, "3": 4}, "nextIndex[3] = 4, outside 1..3"),  # (at or below matchIndex is raft.tla's:
    # tests/test_audit_your_raft.py)
    ("nextIndex", {"2": 0, "3": 2}, "nextIndex[2] = 0, outside 1..3"),
    ("matchIndex", {"2": 5, "3": 0}, "matchIndex[2] = 5, outside 0..2"),
    ("matchIndex", {"1": 0, "2": 0}, "matchIndex[1]: a leader's matchIndex names its peers"),
])
def test_nonsense_leader_fields_are_refused_with_file_and_line(tmp_path, field, value, message):
    files = [str(p) for p in write_traces(audit_raft_run(2, 40, online=False)[0].trace, tmp_path)]
    for path in files:  # the first leader event with one entry gets the nonsense value
        lines = Path(path).read_text().splitlines()
        for k, line in enumerate(lines):
            ev = json.loads(line)
            if ev.get("state", {}).get("state") == "Leader" and ev["state"]["log"]["from"] == 2 and \
                    len(ev["state"]["log"]["entries"]) == 1:
                ev["state"]["matchIndex"] = {"2": 1, "3": 0}
                ev["state"]["nextIndex"] = {"2": 2, "3": 1}
                ev["state"][field] = value
                lines[k] = json.dumps(ev)
                Path(path).write_text("\n".join(lines) + "\n")
                with pytest.raises(TraceError, match=rf"{re.escape(os.path.basename(path))}:{k + 1}: "
                                                     rf"{re.escape(message)}"):
                    _audit(files)
                return
    raise AssertionError("no leader event with a one-entry log in this run")


# -- term offset and versions ----------------------------------------------------------------------------
def _shift(files: list[str], out: Path, version: int, offset: int | None) -> list[str]:
    """Copies of trace files written with terms lowered by 1 (``offset`` declared) or as version 1."""
    out.mkdir()
    res = []
    for p in files:
        lines = []
        for line in Path(p).read_text().splitlines():
            rec = json.loads(line)
            if "format" in rec:
                rec["version"] = version
                if offset is not None:
                    rec["term_offset"] = offset
            elif offset:
                st = rec["state"]
                st["currentTerm"] -= offset
                st["log"]["entries"] = [[t - offset, v] for t, v in st["log"]["entries"]]
                for m in ([rec["recv"]] if "recv" in rec else []) + rec["sent"]:
                    m["mterm"] -= offset
                    for f, guard in (("mprevLogTerm", "mprevLogIndex"), ("mlastLogTerm", "mlastLogIndex"),
                                     ("mhintTerm", "mhintTerm")):
                        if m.get(guard):
                            m[f] -= offset
                    if "mentries" in m:
                        m["mentries"] = [[t - offset, v] for t, v in m["mentries"]]
            lines.append(json.dumps(rec))
        q = out / Path(p).name
        q.write_text("\n".join(lines) + "\n")
        res.append(str(q))
    return res


def test_term_offset_in_the_header_and_version_1_files_give_the_same_audit(tmp_path):
    files = [str(p) for p in write_traces(audit_raft_run(4, 60, online=False)[0].trace, tmp_path / "v2")]
    assert json.loads(Path(files[0]).read_text().splitlines()[0])["version"] == 2
    base = _audit(files)[1]
    shifted = _audit(_shift(files, tmp_path / "zero", 2, 1))[1]
    v1 = _audit(_shift(files, tmp_path / "v1", 1, None))[1]
    assert base.ok and base.audited > 100
    assert (shifted.ok, shifted.audited) == (v1.ok, v1.audited) == (True, base.audited)
    # the same zero-based terms without the declaration are caught at the first event: Init's term differs
    undeclared = _audit(_shift(files, tmp_path / "undeclared", 2, 0))[1]
    assert undeclared.ok  # (offset 0: unchanged files) -- and now with terms lowered but nothing declared:
    for p in (tmp_path / "zero").iterdir():
        p.write_text(p.read_text().replace(', "term_offset": 1', ""))
    bare = _audit(sorted(str(p) for p in (tmp_path / "zero").iterdir()))[1]
    assert bare.failure is not None and bare.failure.index == 0 and bare.failure.diff[0][0] == "currentTerm"


def test_term_offset_needs_version_2_and_an_integer(tmp_path):
    head = {"format": "paxraft-trace", "version": 1, "node": 1, "nodes": [1], "term_offset": 1}
    (tmp_path / "a.jsonl").write_text(json.dumps(head) + "\n")
    with pytest.raises(TraceError, match=r"a.jsonl:1: \"term_offset\" needs version 2"):
        read_trace(tmp_path / "a.jsonl")
    (tmp_path / "b.jsonl").write_text(json.dumps(head | {"version": 2, "term_offset": "1"}) + "\n")
    with pytest.raises(TraceError, match=r"b.jsonl:1: the header's \"term_offset\" must be an integer"):
        read_trace(tmp_path / "b.jsonl")


# -- the tracer kit --------------------------------------------------------------------------------------
def test_recorder_keeps_the_clock_ids_and_log_deltas_across_a_restart(tmp_path):
    path = tmp_path / "n.jsonl"
    st = {"currentTerm": 1, "state": "Follower", "votedFor": None, "commitIndex": 0}
    rec = Recorder(path, 1, [1, 2])
    rec.event("Init", state=dict(st, log=[]))
    m = {"type": "RequestVoteResponse", "mdest": 2, "mvoteGranted": True}
    ev = rec.event("X", state=dict(st, log=[[1, "a"], [1, "b"]]), recv={"id": [2, 0, 1], "clock": 9}, sent=[m])
    assert ev["clock"] == 10 and m["id"] == [1, 0, 1] and m["clock"] == 10 and m["msource"] == 1
    assert ev["state"]["log"] == {"from": 1, "entries": [[1, "a"], [1, "b"]]}
    assert rec.event("Y", state=dict(st, log=[[1, "a"], [2, "c"]]))["state"]["log"] == {"from": 2,
                                                                                        "entries": [[2, "c"]]}
    rec.close()
    again = Recorder(path, 1, [1, 2], boot=1)  # a restart: new header, the clock goes on, a whole log first
    ev = again.event("Restart", state=dict(st, log=[[1, "a"]]), sent=[dict(m)])
    assert ev["clock"] == 12 and ev["sent"][0]["id"] == [1, 1, 1] and ev["state"]["log"]["from"] == 1
    again.close()
    tf = read_trace(path)
    assert len(tf.headers) == 2 and [e.clock for e in tf.events] == [1, 10, 11, 12]
