"""The audit engine: trace files and their errors, merging, and Paxos traces against spec/paxos.py."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from impl.paxos.core import BUGS
from impl.paxos.sim import simulate
from modelcheck.audit import TraceError, audit_events, mapping_for, read_trace, read_traces
from modelcheck.audit.msc import msc_dot
from modelcheck.audit.paxos_map import PaxosMapping
from modelcheck.audit.report import text_report
from modelcheck.cli import main
from modelcheck.harness import audit_paxos_run
from spec import paxos as spec_paxos

HEADER = {"format": "paxraft-trace", "version": 1, "node": 1, "nodes": [1, 2], "spec": "paxos", "acceptors": [1]}


def write(path, *records, raw_tail: str = ""):
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + raw_tail)
    return path


def ev(clock, action="DropMessage", node=1, **extra):
    return {"node": node, "clock": clock, "action": action, "params": {}, "sent": [], "state": {}, **extra}


def run_trace(tmp_path, seed, bugs=()):
    files = simulate(seed, bugs=frozenset(bugs)).write(tmp_path / f"s{seed}")
    events, warnings = read_traces(files)
    return audit_events(PaxosMapping.from_events(events), events), files


# -- reading and merging ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([ev(1)], "t.jsonl:1: an event before the file's header line"),
        ([HEADER, ev(2), ev(2)], "t.jsonl:3: out of order: clock 2 does not exceed 2 (line 2)"),
        ([HEADER, ev(1), "{oops", ev(3)], "t.jsonl:3: not valid JSON"),
        ([HEADER, ev(1, clock_missing=1) | {"clock": "x"}], "t.jsonl:2: \"clock\" must be an integer, got 'x'"),
        ([HEADER, ev(1, node=2)], "t.jsonl:2: event of node 2 in node 1's file"),
        ([HEADER | {"version": 7}], "t.jsonl:1: unsupported version 7"),
        ([HEADER, ev(1) | {"state": None}], 't.jsonl:2: "state" must be an object'),
        ([HEADER, ev(1, recv={"type": "1a"})], 't.jsonl:2: a message needs an "id" list of integers'),
        ([], "t.jsonl:1: empty trace file"),
    ],
)
def test_malformed_trace_files_name_file_line_and_problem(tmp_path, lines, message):
    path = tmp_path / "t.jsonl"
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    with pytest.raises(TraceError) as err:
        read_trace(path)
    assert str(err.value).startswith(str(tmp_path / message.split(":", 1)[0]) + ":" + message.split(":", 1)[1])


def test_partial_last_line_is_a_warning_not_an_error(tmp_path):
    path = write(tmp_path / "t.jsonl", HEADER, ev(1), raw_tail='{"node": 1, "clock": 2, "act')
    tf = read_trace(path)
    assert len(tf.events) == 1
    assert tf.warnings == [
        f"{path}:3: the last line is cut short (28 bytes, no newline): a node that crashed while writing; ignored"
    ]
    # the same bytes followed by a newline are a malformed line, not a crash
    path.write_text(path.read_text() + "\n")
    with pytest.raises(TraceError, match=r"t.jsonl:3: not valid JSON"):
        read_trace(path)


def test_merge_orders_by_clock_and_checks_happens_before(tmp_path):
    msg = {"id": [1, 0, 0], "clock": 5, "type": "1a", "bal": 0}
    a = write(tmp_path / "a.jsonl", HEADER, ev(5, "Phase1a", sent=[msg]))
    b = write(tmp_path / "b.jsonl", HEADER | {"node": 2}, ev(3, node=2), ev(6, node=2, recv=msg))
    events, _ = read_traces([a, b])
    assert [(e.node, e.clock) for e in events] == [(2, 3), (1, 5), (2, 6)]
    bad = write(tmp_path / "c.jsonl", HEADER | {"node": 2}, ev(4, node=2, recv=msg))
    with pytest.raises(TraceError, match=r"c.jsonl:2: receives message \[1, 0, 0\] before it is sent \(.*a.jsonl:2"):
        read_traces([a, bad])
    with pytest.raises(TraceError, match=r"receives message \[1, 0, 0\] from node 1, whose trace was not given"):
        read_traces([b])


def test_unknown_actions_and_fields_are_refused_with_the_list(tmp_path):
    path = write(
        tmp_path / "t.jsonl",
        HEADER,
        ev(1, "Frobnicate"),
        ev(2, state={"maxBal": -1, "colour": 3}),
        ev(3, "Frobnicate"),
        ev(4, "Teleport"),
    )
    events, _ = read_traces([path])
    with pytest.raises(TraceError) as err:
        audit_events(mapping_for("paxos", events), events)
    assert str(err.value) == (
        "the trace uses 3 name(s) the paxos spec does not know: "
        f"action 'Frobnicate' (first at {path}:2); state field 'colour' (first at {path}:3); "
        f"action 'Teleport' (first at {path}:5)"
    )


def test_a_node_given_twice_is_refused_not_judged(tmp_path, capsys):
    """The same node's trace given twice (a file named twice, or a copy beside the original) was merged as one
    history and judged a violation, exit 1, at the copy's first receipt: a verdict on the files, not the run."""
    files = [str(p) for p in simulate(0, proposers=2, rounds=2).write(tmp_path / "run")]
    assert main(["audit", *files]) == 0
    capsys.readouterr()
    assert main(["audit", *files, files[0]]) == 2
    assert f"{files[0]}: a second trace of node " in capsys.readouterr().err


# -- Paxos: the implementation refines the spec; planted bugs are caught ---------------------


def test_unmutated_paxos_passes_many_seeded_runs(tmp_path):
    total = 0
    for seed in range(150):
        res = simulate(seed, proposers=2 + seed % 2, rounds=2)
        events, _ = read_traces(res.write(tmp_path / f"s{seed}"))
        result = audit_events(PaxosMapping.from_events(events), events)
        assert result.ok, text_report(PaxosMapping.from_events(events), result, 5)
        assert result.audited == len(events) == res.events
        assert len(set(res.chosen.values())) <= 1
        total += result.audited
    assert total > 3000


AUDITING_MD = Path(__file__).resolve().parent.parent / "docs" / "auditing.md"
PAXOS = os.path.relpath(spec_paxos.__file__)  # the guard that refused a step is named (spec/refusal.py)
SAFE = f"is not enabled: refused by {PAXOS}:230: if not self.shows_safe(msgs, b, v):"

#: bug -> (seed, 1-based index of the unexplained event, its file and line, action, reason)
CAUGHT = {
    "accept-below-promise": (3, 12, "node-2.jsonl:4", "Phase2b", "Phase2b(a=node 2, b=0, v='v4') is not enabled: "
                             f"refused by {PAXOS}:269: if (M2A, b, v) not in s.msgs or not b >= s.maxBal[a]: "
                             "(false here: b >= s.maxBal[a]; b is 0, s.maxBal[a] is 2)"),
    "forget-vote": (0, 15, "node-1.jsonl:4", "Phase1b", "Phase1b(a=node 1, b=3) leads to a different state"),
    "promise-not-raised": (0, 3, "node-2.jsonl:2", "Phase1b", "Phase1b(a=node 2, b=1) leads to a different state"),
    "promise-equal-ballot": (0, 6, "node-2.jsonl:3", "Phase1b", "Phase1b(a=node 2, b=1) is not enabled: refused by "
                             f"{PAXOS}:218: if (M1A, b) not in s.msgs or not b > s.maxBal[a]: (false here: b > "
                             "s.maxBal[a]; b is 1, s.maxBal[a] is 1)"),
    "ignore-reported-votes": (1, 14, "node-5.jsonl:3", "Phase2a", f"Phase2a(b=1, v='v5') {SAFE}"),
    "minority-quorum": (1, 4, "node-4.jsonl:3", "Phase2a", f"Phase2a(b=0, v='v4') {SAFE}"),
}


def test_every_planted_bug_has_a_case():
    assert set(CAUGHT) == set(BUGS)


@pytest.mark.parametrize("bug", sorted(CAUGHT))
def test_planted_paxos_bug_is_caught_at_the_right_event(tmp_path, bug):
    seed, index, where, action, reason = CAUGHT[bug]
    result, files = run_trace(tmp_path, seed, [bug])
    f = result.failure
    assert f is not None
    assert (f.index + 1, f.event.action) == (index, action)
    assert f.event.where == str(tmp_path / f"s{seed}" / where)
    assert f.reason == reason
    if bug == "accept-below-promise":  # docs/auditing.md's example, as a clone's root names the guard's file
        shown = reason.replace(PAXOS, "spec/paxos.py")
        assert f"  the spec: {shown} (1 candidate state(s) before this event)\n" in AUDITING_MD.read_text()
    assert result.audited == index - 1
    clean, _ = run_trace(tmp_path / "clean", seed)
    assert clean.ok  # the same seed without the bug is explained


def test_failure_report_shows_allowed_steps_and_diff(tmp_path):
    result, _ = run_trace(tmp_path, 0, ["promise-not-raised"])
    f = result.failure
    assert f.diff == [("maxBal", -1, 1)]
    assert f.allowed == ["Phase1b(a=node 2, b=0)", "Phase1b(a=node 2, b=1)"]  # 1a messages of ballots 0 and 1 are out
    assert f.reason == "Phase1b(a=node 2, b=1) leads to a different state"
    report = text_report(mapping_for("paxos", result.events), result, 5)
    assert "FAILED at event 3 of" in report
    assert "state diff (field: implementation | spec):\n    maxBal: -1 | 1" in report
    assert "the spec allowed there (node 2): Phase1b(a=node 2, b=0), Phase1b(a=node 2, b=1)" in report


def test_a_forgotten_vote_shows_the_message_the_spec_expected(tmp_path):
    result, _ = run_trace(tmp_path, 0, ["forget-vote"])
    ((field, impl, spec),) = result.failure.diff
    assert field == "sent"
    assert impl == [{"type": "1b", "acc": 1, "bal": 3, "mbal": -1, "mval": None}]
    assert spec == [{"type": "1b", "acc": 1, "bal": 3, "mbal": 1, "mval": "v5"}]


def test_values_left_out_of_the_trace_are_searched(tmp_path):
    files = simulate(5).write(tmp_path)
    for path in files:  # drop "v" from every Phase2a event: the audit must find it among the spec's choices
        lines = [json.loads(x) for x in path.read_text().splitlines()]
        for rec in lines:
            if rec.get("action") == "Phase2a":
                del rec["params"]["v"]
        path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    events, _ = read_traces(files)
    assert sum(e.action == "Phase2a" for e in events) >= 1
    assert audit_events(mapping_for("paxos", events), events).ok


def test_online_audit_stops_the_simulation_at_the_first_bad_step():
    run, hook = audit_paxos_run(3, bugs=frozenset(["accept-below-promise"]))
    assert run.stopped
    assert hook.failure.event.describe() == "node 2 Phase2b(b=0, v=v4)"
    assert run.events == hook.failure.index + 1 == 10
    run, hook = audit_paxos_run(3)
    assert not run.stopped and hook.failure is None and run.events == 24


def test_msc_draws_messages_between_events_and_marks_the_failure(tmp_path):
    result, _ = run_trace(tmp_path, 3, ["accept-below-promise"])
    dot = msc_dot(result.events, result.failure.index)
    assert dot.count("penwidth=2") == 1
    assert "e0 -> " in dot and 'label="1a"' in dot
    assert dot.count("[shape=point") == 12 * 4  # 12 rows (events 1..12), 5 nodes: one event, four points a row


def test_msc_arrows_keep_clear_of_the_events_they_do_not_join(tmp_path):
    """As the checker's chart (test_render): an arrow's straight line could run across the box of an event between
    its two ends, which then read as that event's message. Each arrow keeps 2 points clear of every other box."""
    from test_render import _bezier

    from modelcheck.audit.msc import CHAR, HALF_H

    result, _ = run_trace(tmp_path, 3, ["accept-below-promise"])
    dot = msc_dot(result.events, result.failure.index)
    found = re.findall(r'\be(\d+) \[label="([^"]*)", tooltip="[^"]*"[^]]*pos="([-\d.]+),([-\d.]+)"', dot)
    boxes = {f"e{r}": (float(x), float(y), len(label) * CHAR / 2 + 8) for r, label, x, y in found}
    arrows = re.findall(r'(e\d+) -> (e\d+) \[[^]]*pos="e,[-\d.,]+ ([^"]+)"', dot)
    assert len(boxes) == 12 and len(arrows) >= 8
    for a, b, pos in arrows:
        ps = [tuple(map(float, p.split(","))) for p in pos.split()]
        for k in range(1, 40):
            x, y = _bezier(ps, k / 40)
            for n, (bx, by, half) in boxes.items():
                if n not in (a, b):
                    assert max(0.0, abs(x - bx) - half) ** 2 + (y - by) ** 2 >= (HALF_H + 2) ** 2, (a, b, n)


# -- the command ------------------------------------------------------------------------------


def test_cli_exit_codes_and_outputs(tmp_path, capsys):
    ok = simulate(3).write(tmp_path / "ok")
    assert main(["audit", *map(str, ok)]) == 0
    assert "OK: every event is explained" in capsys.readouterr().out
    bad = simulate(3, bugs=frozenset(["accept-below-promise"])).write(tmp_path / "bad")
    assert main(["audit", *map(str, bad), "--json", "--msc", str(tmp_path / "m.dot")]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "unexplained" and out["failure"]["index"] == 12
    assert out["failure"]["where"].endswith("node-2.jsonl:4")
    assert (tmp_path / "m.dot").exists()
    assert main(["audit", str(bad[0]), "--bounds", "acceptors"]) == 2
    assert "--bounds: expected NAME=VALUE, got 'acceptors'" in capsys.readouterr().err
    assert main(["audit", *map(str, ok), "--spec", "zab"]) == 2
    assert "no audit mapping for spec 'zab'" in capsys.readouterr().err
    (tmp_path / "junk.jsonl").write_text("nope\n")
    assert main(["audit", str(tmp_path / "junk.jsonl")]) == 2
    assert f"{tmp_path / 'junk.jsonl'}:1: not valid JSON" in capsys.readouterr().err


def test_cli_history_mode(tmp_path, capsys):
    h = tmp_path / "h.jsonl"
    h.write_text(
        '{"client": 1, "op": "put", "key": "x", "value": 1, "call": 0, "return": 1}\n'
        '{"client": 2, "op": "get", "key": "x", "output": null, "call": 2, "return": 3}\n'
    )
    assert main(["audit", "--history", str(h), "--html", str(tmp_path / "t.html")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("2 operations, 1 keys: illegal")
    assert "NOT linearizable" in (tmp_path / "t.html").read_text()
