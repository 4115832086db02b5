"""An event's parameters are part of the audit's vocabulary (docs/auditing.md): one the mapping does not know for
that action is refused with the other unknown names, in one line naming where it is first (exit 2), and one the
audit needs and cannot search over (nor read off the event's message) is refused where it is left out.

Before, unknown parameters were ignored: a Paxos ``Phase1b`` with an extra ``"x": 1`` was audited OK, and a
Raft ``HandleAppendEntriesRequest`` without its ``case`` was audited as whatever single step fitted (the branch
the case names was not checked), in JSON lines and in a node's compact trace.bin alike."""

from __future__ import annotations

import json
import marshal
from pathlib import Path
from typing import Any

import pytest
from test_cli import one_error_line, run
from test_trace_compact import traces  # noqa: F401  (the fixture: a simulated Raft run, compact and JSON lines)

from impl.storage.records import record
from impl.trace import COMPACT_MAGIC, RAFT_EVENTS, compact_records


def _paxos_run(tmp_path: Path) -> list[Path]:
    from impl.paxos.sim import simulate

    return sorted(Path(p) for p in simulate(3).write(tmp_path))


def _edit_first(files: list[Path], action: str, change: Any) -> tuple[Path, int]:
    """Apply ``change`` to the params of the first ``action`` event of the files (in order); its file and line."""
    for f in files:
        lines = f.read_text().splitlines()
        for n, line in enumerate(lines, 1):
            rec = json.loads(line)
            if rec.get("action") == action:
                change(rec["params"])
                lines[n - 1] = json.dumps(rec)
                f.write_text("\n".join(lines) + "\n")
                return f, n
    raise AssertionError(f"no {action} event")


def test_an_unknown_paxos_parameter_is_refused_in_one_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    files = _paxos_run(tmp_path)
    where, n = _edit_first(files, "Phase1b", lambda p: p.update(x=1))
    code, _, err = run(capsys, "audit", *map(str, files))
    assert code == 2 and one_error_line(err) == (
        "paxraft audit: error: the trace uses 1 name(s) the paxos spec does not know: "
        f"parameter(s) 'x' of Phase1b (first at {where}:{n}); Phase1b's are: b")


def test_a_paxos_parameter_left_out_is_still_searched(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """docs/auditing.md: the value of a Phase2a left out is searched over the spec's choices (not refused)."""
    files = _paxos_run(tmp_path)
    _edit_first(files, "Phase2a", lambda p: p.pop("v"))
    code, out, _ = run(capsys, "audit", *map(str, files))
    assert code == 0 and "OK: every event is explained" in out


def _rewrite_compact(path: Path, out: Path, action: str, change: Any) -> int:
    """``path``'s compact trace with ``change`` applied to the params of its first ``action`` event, written to
    ``out``; that event's line number (as `paxraft trace-json` numbers the file's JSON lines)."""
    data = path.read_bytes()
    records, _ = compact_records(data, str(path))
    parts, line, found = [COMPACT_MAGIC], 0, 0
    for _, typ, payload in records:
        if typ != RAFT_EVENTS:
            line += 1  # (a header line)
            parts.append(record(typ, bytes(payload)))
            continue
        events = marshal.loads(payload)
        for k, ev in enumerate(events):
            line += 1
            if not found and ev[2] == action:
                params = dict(ev[3])
                change(params)
                events[k] = (*ev[:3], params, *ev[4:])
                found = line
        parts.append(record(typ, marshal.dumps(events, 2)))
    assert found, f"no {action} event"
    out.write_bytes(b"".join(parts))
    return found


@pytest.mark.parametrize("change, said", [
    (lambda p: p.update(x=1), "the trace uses 1 name(s) the raft spec does not know: parameter(s) 'x' of "
                              "HandleAppendEntriesRequest (first at {where}); HandleAppendEntriesRequest's are: "
                              "case, j"),
    (lambda p: p.pop("case"), "{where}: HandleAppendEntriesRequest needs the parameter(s) case"),
])
def test_raft_parameters_are_checked_in_compact_and_json_lines_traces(
        traces, capsys: pytest.CaptureFixture, tmp_path: Path, change: Any, said: str) -> None:  # noqa: F811
    d, bins, jsons = traces
    for i in (1, 2, 3):  # (each node's own: the edit is in node 2's)
        (tmp_path / f"node-{i}.bin").write_bytes(bins[i].read_bytes())
        (tmp_path / f"node-{i}.jsonl").write_bytes(jsons[i].read_bytes())
    n = _rewrite_compact(bins[2], tmp_path / "node-2.bin", "HandleAppendEntriesRequest", change)
    where, m = _edit_first([tmp_path / "node-2.jsonl"], "HandleAppendEntriesRequest", change)
    assert m == n  # (the compact file's line N is the Nth of its JSON lines)
    for ext in ("bin", "jsonl"):
        files = [str(tmp_path / f"node-{i}.{ext}") for i in (1, 2, 3)]
        code, _, err = run(capsys, "audit", *files, "--spec", "raft")
        assert code == 2 and one_error_line(err) == "paxraft audit: error: " + said.format(
            where=f"{tmp_path / f'node-2.{ext}'}:{n}"), ext


def test_a_multipaxos_event_without_a_parameter_its_steps_are_made_of_is_refused(
        capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A TakeNewRequest without ``v`` proposed a command named 'None@<slot>'."""
    from dataclasses import replace

    from impl.sim.multipaxos import DEFAULT_CONFIG, MultiPaxosSimCluster
    from modelcheck.harness import KVHistoryRun, write_traces

    run_ = KVHistoryRun(2, cluster_class=MultiPaxosSimCluster, config=replace(DEFAULT_CONFIG, trace=True))
    run_.run(40)
    files = [Path(f) for f in write_traces(run_.c, tmp_path)]
    code, _, _ = run(capsys, "audit", *map(str, files))
    assert code == 0
    where, n = _edit_first(files, "TakeNewRequest", lambda p: p.pop("v"))
    code, _, err = run(capsys, "audit", *map(str, files))
    assert code == 2 and one_error_line(err) == (
        f"paxraft audit: error: {where}:{n}: TakeNewRequest needs the parameter(s) v")
    where, n = _edit_first(files, "TakeNewRequest", lambda p: p.update(v="c1.1", w=0))
    code, _, err = run(capsys, "audit", *map(str, files))
    assert code == 2 and "parameter(s) 'w' of TakeNewRequest (first at " in one_error_line(err)


PINGPONG_LOG = '''
import re
from pingpong import PingPong
from modelcheck.audit import StepPattern, TraceMapping, log_line

class PingPongLog(TraceMapping):
    spec_class = PingPong
    known_actions = frozenset({"Hit"})
    action_params = {"Hit": frozenset({"count"})}
    required_params = {"Hit": frozenset({"count"})}

    @classmethod
    def read(cls, paths):
        events = []
        for path in paths:
            for n, text in enumerate(open(path).read().splitlines(), 1):
                player, *fields = text.split()
                events.append(log_line(path, n, int(player), "Hit", dict(f.split("=") for f in fields)))
        return events

    def explanations(self, event):
        return [[StepPattern("Hit", (event.node,))]]
'''


def test_a_trace_mapping_that_declares_its_parameters_has_them_checked(
        capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    from test_audit_user import doc_files

    (tmp_path / "pingpong.py").write_text(doc_files()["pingpong.py"])
    (tmp_path / "pingpong_log.py").write_text(PINGPONG_LOG)
    spec = f"{tmp_path / 'pingpong_log.py'}:PingPong"
    log = tmp_path / "p.log"
    for lines, said in [
        (["0 count=1", "1 count=1 colour=red"],
         f"the trace uses 1 name(s) the PingPong spec does not know: parameter(s) 'colour' of Hit (first at "
         f"{log}:2); Hit's are: count; its line kinds: Hit"),
        (["0 count=1", "1"], f"{log}:2: Hit needs the parameter(s) count"),
    ]:
        log.write_text("\n".join(lines) + "\n")
        code, _, err = run(capsys, "audit", "--spec", spec, str(log))
        assert code == 2 and one_error_line(err) == f"paxraft audit: error: {said}"
    log.write_text("0 count=1\n1 count=1\n")
    code, out, _ = run(capsys, "audit", "--spec", spec, str(log))
    assert code == 0, out
