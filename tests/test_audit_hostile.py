"""`paxraft audit --spec FILE:Class` attacked (hostile6): values Python finds equal that JSON does not, a trace
header naming a file, and a user's TraceMapping whose hooks return the wrong things or exit.

Each case was a silent wrong verdict, an internal error (exit 4) or code run from a trace before its fix.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_audit_user import EWD998, LINES, doc_files, mutated, verdict
from test_cli import in_a_process, one_error_line, run

HEADER = {"format": "paxraft-trace", "version": 2, "node": 0}


def pingpong(tmp_path: Path) -> dict[str, str]:
    """docs/auditing.md's example files, written to ``tmp_path``."""
    files = doc_files()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return files


def a_trace(tmp_path: Path, *events: dict, header: dict | None = None) -> Path:
    """A paxraft-trace file of node 0 holding ``events``."""
    p = tmp_path / "t.jsonl"
    p.write_text("".join(json.dumps(x) + "\n" for x in (header or HEADER, *events)))
    return p


def one_hit(tmp_path: Path, hits: object, header: dict | None = None) -> Path:
    """A trace of node 0's first hit reporting ``hits`` (the spec's is 1)."""
    return a_trace(tmp_path, {"node": 0, "clock": 1, "action": "Hit", "params": {"i": 0}, "state": {"hits": hits}},
                   header=header)


@pytest.mark.parametrize("hits", [True, 1.0, [True, False], [1.0, 0]])
def test_a_state_value_python_finds_equal_but_json_does_not_is_refused(capsys: pytest.CaptureFixture,
                                                                       tmp_path: Path, hits: object) -> None:
    pingpong(tmp_path)
    code, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'pingpong.py'}:PingPong", str(one_hit(tmp_path, hits)))
    assert code == 1 and "FAILED at event 1 of 1" in out  # (accepted before: True == 1 and 1.0 == 1 in Python)
    assert f"    hits: {json.dumps(hits, separators=(', ', ': '))} | " in out  # the diff shows the field


def test_a_nan_in_a_trace_is_refused_and_the_json_report_stays_json(capsys: pytest.CaptureFixture,
                                                                       tmp_path: Path) -> None:
    """Python's JSON reader takes NaN; the event is refused, and --json printed the value as NaN, which is no JSON
    (hostile6's open item): a strict reader failed on the report."""
    pingpong(tmp_path)
    trace = tmp_path / "nan.jsonl"
    trace.write_text(json.dumps(HEADER) + '\n{"node": 0, "clock": 1, "action": "Hit", "params": {"i": 0}, '
                     '"state": {"hits": NaN}}\n')
    code, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'pingpong.py'}:PingPong", str(trace), "--json")

    def refuse(word: str) -> None:
        raise ValueError(f"{word} is not JSON")

    report = json.loads(out, parse_constant=refuse)
    assert code == 1 and report["verdict"] == "unexplained"
    assert report["failure"]["diff"] == [{"field": "hits", "implementation": "nan", "spec": 1}]  # as check --json


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


def test_a_step_whose_parameters_read_like_the_specs_says_their_type(capsys: pytest.CaptureFixture,
                                                                       tmp_path: Path) -> None:
    """A mapping giving the node as a string: 'Hit(i=0) is not enabled ... the spec allowed: Hit(i=0)' read as a
    contradiction (hostile6's open item); the verdict was right, the words hid the type."""
    files = pingpong(tmp_path)
    (tmp_path / "strs.py").write_text(with_method(files, 'StepPattern("Hit", (event.node,))',
                                                  'StepPattern("Hit", (str(event.node),))'))
    code, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'strs.py'}:PingPong", str(tmp_path / "p0.log"),
                       str(tmp_path / "p1.log"))
    assert code == 1
    assert ("Hit(i=0) is not enabled: refused by " in out and "pingpong.py:25: if s.holder != i or s.hits[i] == "
            "self.rallies: (true here: s.holder != i; s.holder is 0, i is 0) (the step's parameters are ('0',): "
            "another type than the spec's"
            in out)  # (the holder 0 is not the parameter '0')


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


def test_ewd998s_trace_init_is_built_without_enumerating_init(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The example mapping filtered Init's 4^N states for TraceInit's N: a log whose first line says {"N": 50}
    was audited for ever. Now it is a verdict at the token's first send (to node 4, not 49); and N above 1,000 is
    refused from the first line (N = 10^9 was killed for its memory)."""
    from spec.registry import load_user_spec

    cls = load_user_spec(EWD998)
    monkeypatch.setattr(cls, "init_states", lambda self: pytest.fail("Init enumerated"))
    code, rep = run_json(capsys, mutated(tmp_path, ['{"N":50}', *LINES[1:]]))
    assert code == 1 and verdict(rep) == (2, "399", "the token goes from node 0 to node 49, not to node 4")
    code, _, err = run(capsys, "audit", "--spec", EWD998, str(mutated(tmp_path, ['{"N":1001}', *LINES[1:]])))
    assert code == 2 and one_error_line(err).endswith(
        'm.ndjson:1: the log\'s first line must be {"N": <number of nodes, 1..1000>}')


def run_json(capsys: pytest.CaptureFixture, log: Path) -> tuple[int, dict]:
    code, out, _ = run(capsys, "audit", "--spec", EWD998, str(log), "--json")
    return code, json.loads(out)


def test_a_bound_given_twice_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    pingpong(tmp_path)
    code, out, err = run(capsys, "audit", "--spec", f"{tmp_path / 'pingpong.py'}:PingPong", "--bounds",
                         "rallies=1,rallies=3", str(tmp_path / "node-0.jsonl"), str(tmp_path / "node-1.jsonl"))
    assert code == 2 and out == ""  # (audited with rallies=3, the last, before)
    assert one_error_line(err) == "paxraft audit: error: --bounds: 'rallies' given twice"


def test_naming_the_mapping_class_instead_of_the_spec_says_which_to_name(capsys: pytest.CaptureFixture,
                                                                          tmp_path: Path) -> None:
    pingpong(tmp_path)
    where = tmp_path / "pingpong_log.py"
    code, _, err = run(capsys, "audit", "--spec", f"{where}:PingPongLog", str(tmp_path / "p0.log"))
    assert code == 2 and one_error_line(err) == (  # ("no Spec subclass named 'PingPongLog' (found: none)" before)
        f"paxraft audit: error: {where}: PingPongLog is the trace mapping of PingPong: name the spec, "
        f"--spec {where}:PingPong (its mapping is found through it)")


def test_a_chart_named_as_its_picture_is_drawn(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """`--msc chart.svg` wrote the DOT to chart.svg, then had dot draw into the file it was reading: "dot -Tsvg
    chart.svg: Error: chart.svg: syntax error in line 20", exit 2, no picture. Now the DOT goes beside it."""
    from modelcheck.output.dot import dot_available

    files = pingpong(tmp_path)
    (tmp_path / "p1.log").write_text(files["p1.log"].replace("#2 vc=2,2", "#3 vc=2,2"))
    chart = tmp_path / "chart.svg"
    code, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'pingpong_log.py'}:PingPong", str(tmp_path / "p0.log"),
                       str(tmp_path / "p1.log"), "--msc", str(chart))
    drawn = [str(tmp_path / "chart.dot")] + ([str(chart)] if dot_available() else [])
    assert code == 1 and out.rstrip().endswith("message-sequence chart: " + ", ".join(drawn))
    assert (tmp_path / "chart.dot").read_text().startswith("digraph")
    assert not dot_available() or "<svg" in chart.read_text()


SETS = '''
from typing import NamedTuple

from spec.core import Spec, action


class S(NamedTuple):
    got: frozenset  # every number sent
    sent: tuple  # sent[i]: the numbers node i sent


class Sets(Spec):
    variables = ("got", "sent")

    def init_states(self):
        return [S(frozenset(), (frozenset(), frozenset()))]

    @action(lambda self, s: [(i, v) for i in (0, 1) for v in (9, 10)])
    def Send(self, s, i, v):
        if v in s.sent[i]:
            return None
        return S(s.got | {v}, tuple(x | {v} if j == i else x for j, x in enumerate(s.sent)))
'''


@pytest.mark.parametrize(("listed", "code"), [([9, 10], 0), ([10, 9], 0), ([9, 9], 1), ([9, 10, 11], 1), ([9], 1)])
def test_a_set_is_reported_as_its_elements_in_any_order(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                        listed: list[int], code: int) -> None:
    """A set's JSON list was sorted by repr ([10, 9]), and only that order was accepted: [9, 10] was refused."""
    (tmp_path / "sets.py").write_text(SETS)
    first = {"node": 0, "clock": 1, "action": "Send", "params": {"i": 0, "v": 9}, "state": {"got": [9]}}
    second = {"node": 0, "clock": 2, "action": "Send", "params": {"i": 0, "v": 10},
              "state": {"got": listed, "sent": listed}}  # (sent: node 0's entry)
    got, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'sets.py'}:Sets", str(a_trace(tmp_path, first, second)))
    assert got == code and ("OK: every event is explained" in out if code == 0 else "FAILED at event 2 of 2" in out)


PAIRS = '''
from typing import NamedTuple

from spec.core import Spec, action


class S(NamedTuple):
    last: tuple


class Pairs(Spec):
    variables = ("last",)

    def init_states(self):
        return [S(())]

    @action(lambda self, s: [((a, b),) for a in (0, 1) for b in (0, 1)])
    def Put(self, s, pair):
        return S(pair) if pair != s.last else None
'''


@pytest.mark.parametrize(("pair", "code"), [([True, 0], 1), ([1.0, 0], 1), ([1, 0], 0)])
def test_a_parameter_holding_true_for_1_is_not_offered(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                       pair: list, code: int) -> None:
    """Only a parameter's outer type was compared with the enumerator's: the pair [true, 0] was taken for (1, 0)
    and the step ran with the trace's True."""
    (tmp_path / "pairs.py").write_text(PAIRS)
    trace = a_trace(tmp_path, {"node": 0, "clock": 1, "action": "Put", "params": {"pair": pair}, "state": {}})
    got, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'pairs.py'}:Pairs", str(trace))
    assert got == code and ("OK: every event" in out if code == 0 else "is not enabled" in out)


def test_ctrl_c_during_an_audit_says_how_far_it_got(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """It said 'paxraft audit: interrupted' alone. (Ctrl-C is raised here by the mapping at the third event.)"""
    files = pingpong(tmp_path)
    (tmp_path / "ctrl_c.py").write_text(with_method(
        files, GOOD_NODE_VIEW, "        if event.line == 2 and event.node == 0:\n            raise KeyboardInterrupt\n"
        + GOOD_NODE_VIEW))
    code, out, err = run(capsys, "audit", "--spec", f"{tmp_path / 'ctrl_c.py'}:PingPong", str(tmp_path / "p0.log"),
                         str(tmp_path / "p1.log"))
    line = one_error_line(err)
    assert code == 130 and out == "" and line.startswith("paxraft audit: interrupted after ")
    assert line.endswith(f"s: 2 of 4 events explained, at event 3 ({tmp_path / 'p0.log'}:2) with 1 candidate spec "
                         "state(s) (the audit is incomplete)")


# -- files that are not regular files, and lines without end (hostile7) ----------------------------------------------

@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_trace_that_is_no_regular_file_is_one_line(tmp_path: Path, kind: str) -> None:
    """The streamed audit reads its traces twice: a FIFO with no writer was opened for ever, /dev/zero read for
    ever, its memory growing (both exit 124 under `timeout`); now refused before they are read."""
    if kind == "fifo":
        path = tmp_path / "trace.jsonl"
        os.mkfifo(path)
        what = "a pipe (FIFO)"
    else:
        path, what = Path("/dev/zero"), "a character device"
    good = a_trace(tmp_path, {"node": 0, "clock": 1, "action": "Hit", "params": {"i": 0}, "state": {}})
    proc = in_a_process("audit", str(good), str(path))
    assert proc.returncode == 2 and proc.stdout == "" and one_error_line(proc.stderr) == (
        f"paxraft audit: error: {path}: cannot read: {what}, not a regular file (it is read twice: save it to a "
        "file first)")


def test_a_fifo_read_once_without_a_writer_ends(tmp_path: Path) -> None:
    """A file read once (a history, a quorum file, a replayed trace) may be a pipe; one with no writer waited for
    ever in `open`; now it reads as empty."""
    path = tmp_path / "history.jsonl"
    os.mkfifo(path)
    proc = in_a_process("audit", "--history", str(path))
    assert proc.returncode == 2 and one_error_line(proc.stderr) == (
        f"paxraft audit: error: {path}: no operations (an empty history)")


def test_a_line_longer_than_the_bound_is_refused_where_it_starts(tmp_path: Path) -> None:
    """A line with no end held every block read so far, copied again at each block (quadratic: 30 MB of one line
    took 6 s; /dev/zero grew for ever). The bound is 1 GiB; here a small one, on a line of a megabyte."""
    from modelcheck.audit.tracefile import TraceError, _file_lines

    path = tmp_path / "t.jsonl"
    path.write_bytes(json.dumps(HEADER).encode() + b"\n" + b"0" * (1 << 20) + b"\n")
    with path.open("rb") as fh, pytest.raises(TraceError, match=r"^t.jsonl:2: a line longer than 200,000 bytes"):
        list(_file_lines(fh, "t.jsonl", limit=200_000))
    with path.open("rb") as fh:  # (within the bound: the lines as they are)
        assert [len(x) for x in _file_lines(fh, "t.jsonl", limit=2 << 20)] == [len(json.dumps(HEADER)), 1 << 20]


def test_a_chart_of_labels_with_control_characters_and_lone_surrogates_is_written(
        capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A parameter holding a BEL, an ESC, a NUL or JSON's lone surrogate "\\ud800" (json.loads takes it) reached the
    chart as it was: the surrogate ended `--msc` in a UnicodeEncodeError (exit 4), the controls made an SVG that is
    no XML (no browser shows it). Now each is shown (Control Pictures, U+FFFD); HTML in a label stays text."""
    import xml.dom.minidom

    from impl.paxos.sim import simulate
    from modelcheck.output.dot import dot_available

    simulate(3).write(tmp_path)
    for f in tmp_path.glob("node-*.jsonl"):  # (the value, in every file: values are what the implementation writes)
        f.write_text(f.read_text().replace('"v4"', '"\\u0000\\u0007\\u001b<script>\\ud800"'))
    code, out, _ = run(capsys, "audit", *map(str, sorted(tmp_path.glob("node-*.jsonl"))), "--msc",
                       str(tmp_path / "chart.dot"))
    assert code == 0 and "message-sequence chart" in out
    dot = (tmp_path / "chart.dot").read_text(encoding="utf-8")
    assert "v=\u2400\u2407\u241b<script>\ufffd" in dot
    if dot_available():
        xml.dom.minidom.parse(str(tmp_path / "chart.svg"))  # (raised ExpatError: not well-formed)
