"""`paxraft audit --spec FILE:Class` attacked (hostile6): values Python finds equal that JSON does not, a trace
header naming a file, and a user's TraceMapping whose hooks return the wrong things or exit.

Each case was a silent wrong verdict, an internal error (exit 4) or code run from a trace before its fix.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_audit_user import EWD998, LINES, doc_files, mutated, verdict
from test_cli import one_error_line, run

HEADER = {"format": "paxraft-trace", "version": 2, "node": 0}


def pingpong(tmp_path: Path) -> dict[str, str]:
    """docs/auditing.md's example files, written to ``tmp_path``."""
    files = doc_files()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return files


def one_hit(tmp_path: Path, hits: object, header: dict | None = None) -> Path:
    """A trace of node 0's first hit reporting ``hits`` (the spec's is 1)."""
    p = tmp_path / "hit.jsonl"
    event = {"node": 0, "clock": 1, "action": "Hit", "params": {"i": 0}, "state": {"hits": hits}}
    p.write_text(json.dumps(header or HEADER) + "\n" + json.dumps(event) + "\n")
    return p


@pytest.mark.parametrize("hits", [True, 1.0, [True, False], [1.0, 0]])
def test_a_state_value_python_finds_equal_but_json_does_not_is_refused(capsys: pytest.CaptureFixture,
                                                                       tmp_path: Path, hits: object) -> None:
    pingpong(tmp_path)
    code, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'pingpong.py'}:PingPong", str(one_hit(tmp_path, hits)))
    assert code == 1 and "FAILED at event 1 of 1" in out  # (accepted before: True == 1 and 1.0 == 1 in Python)
    assert f"    hits: {json.dumps(hits, separators=(', ', ': '))} | " in out  # the diff shows the field


@pytest.mark.parametrize("hits", [1, [1, 0]])
def test_the_same_values_written_as_the_spec_has_them_are_accepted(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                                   hits: object) -> None:
    pingpong(tmp_path)
    code, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'pingpong.py'}:PingPong", str(one_hit(tmp_path, hits)))
    assert code == 0 and "OK: every event is explained" in out


@pytest.mark.parametrize("q", ["true", "1.0"])
def test_a_tokens_q_written_as_true_or_a_float_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                          q: str) -> None:
    """A TraceMapping's views are compared as JSON too: EWD998's first received token with q = 1 (line 9)."""
    assert '"q":1,' in LINES[8] and '"event":"<"' in LINES[8]
    lines = list(LINES)
    lines[8] = lines[8].replace('"q":1,', f'"q":{q},')
    code, out, _ = run(capsys, "audit", "--spec", EWD998, str(mutated(tmp_path, lines)), "--json")
    assert code == 1 and verdict(json.loads(out))[:2] == (630, "9")  # the line itself (accepted before)


def test_a_trace_header_naming_a_file_runs_nothing(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    pingpong(tmp_path)
    ran = tmp_path / "ran"
    spec_text = (tmp_path / "pingpong.py").read_text()
    (tmp_path / "evil.py").write_text(f"open({str(ran)!r}, 'w').write('ran')\n" + spec_text)
    named = f"{tmp_path / 'evil.py'}:PingPong"
    trace = one_hit(tmp_path, 1, {**HEADER, "spec": named})
    code, _, err = run(capsys, "audit", str(trace))
    assert code == 2 and one_error_line(err) == (
        f"paxraft audit: error: the traces name the spec {named!r}, a user's file: give --spec {named!r} to audit "
        "them against it (audit runs no code a trace names)")
    assert not ran.exists()  # (imported, so run, before)
    code, out, _ = run(capsys, "audit", "--spec", named, str(trace))  # named on the command line: the user's choice
    assert code == 0 and ran.exists()


GOOD_NODE_VIEW = '        return {"hits": state.hits[event.node]}'
GOOD_EVENT_VIEW = '        return {"hits": event.params["count"]}'
GOOD_READ = '        return causal_order(events, lambda e: e.extra["vc"])'


def with_method(files: dict[str, str], old: str, new: str) -> str:
    assert old in files["pingpong_log.py"]
    return files["pingpong_log.py"].replace(old, new)


WRONG_HOOKS = {  # name: (the line replaced, its replacement, the one line wanted)
    "event_view_none": (GOOD_EVENT_VIEW, "        return None",
                        "p0.log:1: PingPongLog.event_view returned None (NoneType); expected a dict of the fields the "
                        "line reports (field name -> JSON value)"),
    "node_view_list": (GOOD_NODE_VIEW, "        return [state.hits[event.node]]",
                       "p0.log:1: PingPongLog.node_view returned [1] (list); expected a dict"),
    "check_none": (GOOD_NODE_VIEW, GOOD_NODE_VIEW + "\n\n    def check(self, event, before, after):\n        pass",
                   "p0.log:1: PingPongLog.check returned None (NoneType); expected True or False"),
    "check_string": (GOOD_NODE_VIEW, GOOD_NODE_VIEW + "\n\n    def check(self, event, before, after):\n"
                                                      "        return 'no'",
                     "p0.log:1: PingPongLog.check returned 'no' (str); expected True or False"),
    "init_states_empty": (GOOD_NODE_VIEW, GOOD_NODE_VIEW + "\n\n    def init_states(self):\n        return []",
                          "PingPongLog.init_states returned [] (list); expected at least one state"),
    "init_states_none": (GOOD_NODE_VIEW, GOOD_NODE_VIEW + "\n\n    def init_states(self):\n        return None",
                         "PingPongLog.init_states returned None (NoneType); expected a list of the spec's states"),
    "make_spec_none": (GOOD_NODE_VIEW, GOOD_NODE_VIEW + "\n\n    def make_spec(self, events, bounds):\n"
                                                        "        return None",
                       "PingPongLog.make_spec returned None (NoneType); expected a PingPong"),
    "node_a_string": ("events.append(log_line(path, n, player,", "events.append(log_line(path, n, str(player),",
                      "p0.log:1: log_line's node must be an integer, got '0'"),
}


@pytest.mark.parametrize("case", sorted(WRONG_HOOKS))
def test_a_mapping_hook_returning_the_wrong_thing_is_one_line(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                              case: str) -> None:
    """Before: exit 4 ("internal error: AttributeError"), exit 2 with "'NoneType' object is not iterable" naming
    nothing, or a wrong verdict (check returning None refused the good log, returning 'no' accepted any)."""
    files = pingpong(tmp_path)
    old, new, want = WRONG_HOOKS[case]
    (tmp_path / f"{case}.py").write_text(with_method(files, old, new))
    code, _, err = run(capsys, "audit", "--spec", f"{tmp_path / case}.py:PingPong", str(tmp_path / "p0.log"),
                       str(tmp_path / "p1.log"))
    assert code == 2 and want in one_error_line(err)


def test_sys_exit_in_a_mapping_is_the_mappings_failure(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    files = pingpong(tmp_path)
    (tmp_path / "exits.py").write_text("import sys\n" + with_method(files, GOOD_NODE_VIEW, "        sys.exit(0)"))
    code, _, err = run(capsys, "audit", "--spec", f"{tmp_path / 'exits.py'}:PingPong", str(tmp_path / "p0.log"),
                       str(tmp_path / "p1.log"))
    assert code == 3 and "PingPongLog.node_view (exits.py:" in one_error_line(err)  # (exit 4, "internal error")


def test_a_line_whose_data_json_cannot_write_is_reported(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    files = pingpong(tmp_path)
    (tmp_path / "sets.py").write_text(with_method(files, 'data = {"line": text, "vc": {"0": a, "1": b}}',
                                                  'data = {"line": text, "vc": {"0": a, "1": b}, "seen": {a}}'))
    (tmp_path / "p1.log").write_text(files["p1.log"].replace("#2 vc=2,2", "#3 vc=2,2"))
    code, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'sets.py'}:PingPong", str(tmp_path / "p0.log"),
                       str(tmp_path / "p1.log"))
    assert code == 1 and '"seen": "{2}"' in out  # (exit 4: "Object of type set is not JSON serializable")
