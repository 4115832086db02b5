"""`paxraft audit --spec FILE:Class`: trace validation of a user's own protocol, no registration.

Two specs written as a user would: EWD840 (tests/user_specs/ewd840.py) audited through the default mapping
(paxraft-trace events in the spec's own names), and EWD998Chan (tests/user_specs/ewd998_chan.py) with the
trace mapping of tlaplus/Examples' EWD998ChanTrace.tla, which validates the Examples' own implementation log
tests/data/EWD998ChanTrace.ndjson (tlaplus/Examples, specifications/ewd998/EWD998ChanTrace.ndjson: 655 lines,
N = 5; the Examples' CI accepts it with TLC).
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any

import pytest
from test_cli import check_report, one_error_line, run

from spec.registry import load_user_spec

HERE = Path(__file__).resolve().parent
EWD998 = f"{HERE / 'user_specs' / 'ewd998_chan.py'}:EWD998Chan"
EWD840 = f"{HERE / 'user_specs' / 'ewd840.py'}:EWD840"
#: why node 4 may not pass the token: the spec's guard that refused the step (spec/refusal.py)
ACTIVE = f"refused by {os.path.relpath(HERE / 'user_specs' / 'ewd998_chan.py')}:113: if s.active[i]:"
LOG = HERE / "data" / "EWD998ChanTrace.ndjson"
LINES = LOG.read_text().splitlines()


def audit(capsys: pytest.CaptureFixture, spec: str, *files: Path | str, extra: tuple[str, ...] = ()) -> tuple[int, Any]:
    """``paxraft audit --spec SPEC FILES --json``: the exit status and the report (or the error line)."""
    code, out, err = run(capsys, "audit", "--spec", spec, *map(str, files), "--json", *extra)
    return code, json.loads(out) if code in (0, 1) else one_error_line(err)


def verdict(report: dict) -> tuple[int, str, str] | str:
    """"ok", or (failing event's number, its file:line's line, the reason)."""
    if report["verdict"] == "ok":
        return "ok"
    f = report["failure"]
    return f["index"], f["where"].rsplit(":", 1)[1], f["reason"]


def mutated(tmp_path: Path, lines: list[str], name: str = "m.ndjson") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def with_line(n: int, change: Any) -> list[str]:
    """The log with its line ``n`` (1-based) replaced by ``change(record)``'s, or dropped when it returns None."""
    out = list(LINES)
    rec = change(json.loads(out[n - 1]))
    out[n - 1 : n] = [] if rec is None else [json.dumps(rec)]
    return out


# -- EWD998Chan: the spec, against TLC ---------------------------------------------------------------------


def test_ewd998chan_counts_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    # TLC 2.20 on EWD998Chan.tla, CONSTRAINT StateConstraint, INVARIANT TypeOK, CHECK_DEADLOCK FALSE, -workers 1:
    # N = 2: 7,150 distinct, 40,186 generated, depth 27 (N = 3: 1,524,022 / 12,882,257 / 58, not run here).
    # Counters go below -1 after two receipts: before the fingerprint's sample walk went deep, -1 and -2 hashed
    # alike (Python's hash) and the check found 6,766 / 37,906 / 26 without a word.
    for workers in ("1", "2"):  # (each worker process decides the fingerprint by the same seeded walks)
        obj = check_report(capsys, EWD998, "--nodes", "2", "--workers", workers)
        assert (obj["distinct_states"], obj["states_generated"], obj["depth"]) == (7150, 40186, 27), workers


# -- EWD998ChanTrace: the Examples' implementation log ----------------------------------------------------


def test_the_examples_log_is_accepted(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, rep = audit(capsys, EWD998, LOG)
    assert code == 0 and verdict(rep) == "ok"
    assert (rep["events"], rep["audited"], rep["max_candidates"], rep["params"]) == (654, 654, 5, {"nodes": 5})
    code, out, _ = run(capsys, "audit", "--spec", EWD998, str(LOG))
    assert code == 0 and out.splitlines()[:2] == [
        "Audit of 654 events from 1 file(s) against EWD998Chan nodes=5",
        "OK: every event is explained by a behaviour of the spec.",
    ]
    # the spec named by module (tests/ is on the path) finds the mapping beside it too
    code, rep = audit(capsys, "user_specs.ewd998_chan:EWD998Chan", LOG)
    assert code == 0 and rep["audited"] == 654
    # the lines are in no order in the file (gathered from five nodes): any order of them is the same log
    shuffled = LINES[:1] + random.Random(3).sample(LINES[1:], len(LINES) - 1)
    assert audit(capsys, EWD998, mutated(tmp_path, shuffled))[0] == 0


def tok(q: int | None = None, color: str | None = None):  # noqa: ANN201 - a record editor
    def change(rec: dict) -> dict:
        msg = rec["pkt"]["msg"]
        assert msg["type"] == "tok"
        if q is not None:
            msg["q"] = q
        if color is not None:
            msg["color"] = color
        return rec

    return change


def test_a_tokens_q_or_colour_changed_is_refused_at_its_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    # line 4: node 1 receives the token from node 2 (q 10, black), the 95th event in causal order
    code, rep = audit(capsys, EWD998, mutated(tmp_path, with_line(4, tok(q=11))))
    assert code == 1 and verdict(rep) == (95, "4", "as a stutter (no spec step), the state is not what the line says")
    assert rep["failure"]["diff"] == [{"field": "token", "implementation": {"at": 1, "q": 11, "color": "black"},
                                       "spec": {"at": 1, "q": 10, "color": "black"}}]
    # line 78: node 3 receives the token from node 4 (q 4, black): event 29
    code, rep = audit(capsys, EWD998, mutated(tmp_path, with_line(78, tok(color="white"))))
    assert code == 1 and verdict(rep)[:2] == (29, "78")
    assert rep["failure"]["diff"][0]["implementation"]["color"] == "white"
    # line 138: node 4 passes that token (event 26): refused where it is sent (EWD998ChanTrace.tla itself checks
    # a token's q and colour only where it is received, line 78)
    code, rep = audit(capsys, EWD998, mutated(tmp_path, with_line(138, tok(color="white"))))
    assert code == 1 and verdict(rep) == (26, "138", "PassToken(i=n4) leads to a different state")
    assert "PassToken(i=n4)" in rep["failure"]["allowed"]


def test_two_causally_ordered_lines_swapped_are_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    # node 4 deactivates (line 578, its clock 14) then passes the token (line 138, its clock 15): swap their
    # vector clocks, and it passes the token while active
    lines = list(LINES)
    a, b = json.loads(lines[577]), json.loads(lines[137])
    a["pkt"]["vc"], b["pkt"]["vc"] = b["pkt"]["vc"], a["pkt"]["vc"]
    lines[577], lines[137] = json.dumps(a), json.dumps(b)
    code, rep = audit(capsys, EWD998, mutated(tmp_path, lines))
    assert code == 1 and verdict(rep) == (24, "138", f"PassToken(i=n4) is not enabled: {ACTIVE}")


def test_a_payload_receipt_without_its_send_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    # line 152: node 4 sends a payload to node 0 (event 4); node 0 receives it at line 423 (event 5), which is
    # line 422 of the file without line 152
    code, rep = audit(capsys, EWD998, mutated(tmp_path, with_line(152, lambda r: None)))
    assert code == 1 and verdict(rep) == (4, "422", "RecvMsg(0, _) is not enabled")


def test_which_dropped_lines_the_spec_still_accepts(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """Every line dropped once (654 audits, tallied offline: /work/notes/audituser.md): every payload send and
    receipt dropped is refused; a receipt of the token or a trm line only checks, so dropping one is accepted;
    a token send dropped is accepted when the token step explains its receipt (a white sender: EWD998ChanTrace's
    IsRecvToken allows any step that keeps the other variables); a deactivation dropped is accepted when the
    node is activated again by a receipt before any line needs it passive. One of each here."""
    cases = {
        74: "ok",  # node 4 receives the token (event 3)
        72: "ok",  # node 0 sends trm to node 3
        578: (25, "138", f"PassToken(i=n4) is not enabled: {ACTIVE}"),  # node 4's deactivation: it passes the token
        # while active
        # node 0's receipt of a payload (event 5): node 0's counter is never logged; the payload is still in flight
        # at the first trm line (427, now 426), which means termination
        423: (644, "426", "as a stutter (no spec step), the state is not what the line says"),
    }
    for n, want in cases.items():
        code, rep = audit(capsys, EWD998, mutated(tmp_path, with_line(n, lambda r: None)))
        assert (code, verdict(rep)) == ((0 if want == "ok" else 1), want), n
    assert rep["failure"]["diff"] == [{"field": "payloads in flight", "implementation": 0, "spec": 1}]


def test_a_failure_line_and_a_short_log(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    def fail(rec: dict) -> dict:
        rec["failure"] = "assertion failed"
        return rec

    code, rep = audit(capsys, EWD998, mutated(tmp_path, with_line(152, fail)))
    assert code == 1 and verdict(rep) == (4, "152", "the implementation logged a failure: 'assertion failed'")
    # the lines of the log's first 300 events in causal order: a prefix of a behaviour
    first = {e.line for e in load_user_spec(EWD998) and mapping_of_ewd998().read([str(LOG)])[:300]}
    assert audit(capsys, EWD998, mutated(tmp_path, [x for n, x in enumerate(LINES, 1) if n == 1 or n in first]))[0] == 0


def mapping_of_ewd998():  # noqa: ANN201 - the user's TraceMapping class
    from modelcheck.audit.user import mapping_class

    return mapping_class(load_user_spec(EWD998))


def test_clocks_that_give_no_order_are_refused_in_one_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    def clock(vc: Any):  # noqa: ANN202
        def change(rec: dict) -> dict:
            rec["pkt"]["vc"] = vc
            return rec

        return change

    same = json.loads(LINES[1])["pkt"]["vc"]
    cases = {
        3: (clock(same), "m.ndjson:3: the same vector clock as "),
        5: (clock({"1": "x"}), "m.ndjson:5: no vector clock (expected an object node -> count), got {'1': 'x'}"),
        # node 1's own clock unchanged, another node's raised past a later line of node 1: concurrent
        4: (clock({"0": 12, "1": 15, "2": 17, "3": 24, "4": 99}), "are concurrent by their vector clocks"),
    }
    for n, (change, want) in cases.items():
        code, err = audit(capsys, EWD998, mutated(tmp_path, with_line(n, change)))
        assert code == 2 and want in err, (n, err)
    code, err = audit(capsys, EWD998, mutated(tmp_path, ['{"n": 5}'] + LINES[1:]))
    assert code == 2 and err.endswith('m.ndjson:1: the log\'s first line must be {"N": <number of nodes, 1..1000>}')
    code, err = audit(capsys, EWD998, mutated(tmp_path, LINES[:2] + ['{"event": "?", "node": 1, "pkt": '
                                                                         '{"snd": 1, "rcv": 0, "msg": {"type": "pl"}, '
                                                                         '"vc": {"1": 1}}}']))
    assert code == 2 and err.endswith("m.ndjson:3: no sub-action of EWD998ChanTrace is a '?' line of a 'pl' message")
    code, err = audit(capsys, EWD998, LOG, LOG)
    assert code == 2 and "EWD998ChanTrace reads one log" in err


def test_msc_of_a_user_log(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "audit", "--spec", EWD998, str(LOG), "--msc", str(tmp_path / "c.dot"))
    assert code == 0 and "message-sequence chart: " in out
    dot = (tmp_path / "c.dot").read_text()
    assert dot.count("[label=\"node ") == 5 and "RecvToken" in dot


# -- the default mapping: EWD840 traces in the spec's own names --------------------------------------------


def walk(seed: int, steps: int, nodes: int = 3) -> list[dict]:
    """A seeded random walk of EWD840 as the events its nodes would log: each step by the node it names (node 0
    for InitiateProbe), its parameters but ``why`` (left to the audit to search), the node's own active and color
    and the token's place."""
    cls = load_user_spec(EWD840)
    sp, rng = cls(nodes), random.Random(seed)
    s = rng.choice(list(sp.init_states()))
    out = []
    for clock in range(1, steps + 1):
        succ = [(sp.label(i, p), t) for i, p, t in sp.successors(s)]
        if not succ:
            break
        label, s = succ[rng.randrange(len(succ))]
        names = sp.action(label.name).param_names
        params = {n: v for n, v in zip(names, label.params) if n != "why"}
        node = params.get("i", 0)
        out.append({"node": node, "clock": clock, "action": label.name, "params": params,
                    "state": {"active": s.active[node], "color": s.color[node], "tpos": s.tpos}})
    return out


def write(tmp_path: Path, events: list[dict], nodes: int = 3) -> list[Path]:
    paths = []
    for n in range(nodes):
        p = tmp_path / f"node-{n}.jsonl"
        header = {"format": "paxraft-trace", "version": 2, "node": n}
        p.write_text("".join(json.dumps(x) + "\n" for x in [header] + [e for e in events if e["node"] == n]))
        paths.append(p)
    return paths


def test_default_mapping_accepts_walks_of_the_spec(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    for seed in range(5):
        events = walk(seed, 40)
        code, rep = audit(capsys, EWD840, *write(tmp_path, events))
        assert (code, verdict(rep), rep["events"]) == (0, "ok", len(events)), seed
    # a variable reported whole (every node's `active`, as a list) rather than at the node: compared whole
    events, sp, rng = walk(0, 40), load_user_spec(EWD840)(3), random.Random(0)
    s = rng.choice(list(sp.init_states()))
    for e in events:  # the walk again, to know every node's activity after each step
        s = next(t for i, p, t in sp.successors(s) if sp.label(i, p).name == e["action"]
                 and all(dict(zip(sp.action(e["action"]).param_names, p)).get(k) == v for k, v in e["params"].items())
                 and t.active[e["node"]] == e["state"]["active"] and t.color[e["node"]] == e["state"]["color"]
                 and t.tpos == e["state"]["tpos"])
        e["state"]["active"] = list(s.active)
    code, rep = audit(capsys, EWD840, *write(tmp_path, events))
    assert (code, verdict(rep)) == (0, "ok")
    events[7]["state"]["active"][events[7]["node"]] ^= True
    code, rep = audit(capsys, EWD840, *write(tmp_path, events))
    assert (code, rep["failure"]["index"], rep["failure"]["diff"][0]["field"]) == (1, 8, "active")


def test_default_mapping_refuses_mutants_at_their_event(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    events = walk(1, 40)
    sends = [k for k, e in enumerate(events) if e["action"] == "SendMsg"]
    # a node reports a colour the spec does not give it (at its second event: its first pins its colour)
    bad = json.loads(json.dumps(events))
    k = next(k for k in sends if any(e["node"] == events[k]["node"] for e in events[:k]))
    bad[k]["state"]["color"] = 1 - bad[k]["state"]["color"]
    code, rep = audit(capsys, EWD840, *write(tmp_path, bad))
    f = rep["failure"]
    assert (code, f["index"], f["action"], f["reason"]) == (1, k + 1, "SendMsg", f"SendMsg(i=n{bad[k]['node']}, "
                                                          f"j=n{bad[k]['params']['j']}) leads to a different state")
    assert [d["field"] for d in f["diff"]] == ["color"]
    # a passive node sends: node 1's SendMsg to node 0 (event 9, its colour unchanged) and its next event, a
    # Deactivate (event 13), exchanged
    send, deact = 8, 12
    assert (events[send]["action"], events[send]["node"], events[deact]["action"]) == ("SendMsg", 1, "Deactivate")
    assert all(e["node"] != 1 for e in events[send + 1 : deact]) and events[send]["params"]["j"] == 0
    moved = json.loads(json.dumps(events))
    moved[deact], moved[send] = moved[send], moved[deact]  # each keeps its place's clock
    moved[deact]["clock"], moved[send]["clock"] = moved[send]["clock"], moved[deact]["clock"]
    moved[deact]["state"]["active"] = False
    for k in (send, deact):  # the token's place is the system's, reported as it was at the other's time: left out
        del moved[k]["state"]["tpos"]
    code, rep = audit(capsys, EWD840, *write(tmp_path, moved))
    assert code == 1 and (rep["failure"]["index"], rep["failure"]["action"]) == (deact + 1, "SendMsg")
    # (node 2 sent node 1 a message in between, which activated it: so the send is enabled, but it leaves node 1
    # active, where the event says passive)
    assert (rep["failure"]["reason"], rep["failure"]["diff"]) == (
        "SendMsg(i=n1, j=n0) leads to a different state", [{"field": "active", "implementation": False, "spec": True}])
    # a parameter the spec never offers (no node 7), or of another type (JSON's true for node 1, which Python
    # finds equal to 1)
    for j in (7, True):
        bad = json.loads(json.dumps(events))
        k = next(k for k in sends if events[k]["params"]["j"] == 1) if j is True else sends[0]
        bad[k]["params"]["j"] = j
        code, rep = audit(capsys, EWD840, *write(tmp_path, bad))
        assert (code, rep["failure"]["index"], rep["failure"]["reason"]) == (
            1, k + 1, f"SendMsg(i=n{bad[k]['node']}, j=n{j}) is not enabled"), j


def test_default_mapping_refusals_are_one_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    events = walk(2, 10)
    events[3]["action"] = "Ping"
    code, err = audit(capsys, EWD840, *write(tmp_path, events))
    assert code == 2 and err.endswith(
        "its actions: Deactivate, InitiateProbe, PassToken, SendMsg; its variables: active, color, tpos, tcolor")
    assert "action 'Ping' (first at " in err
    events = walk(2, 10)
    events[0]["params"]["k"] = 1
    code, err = audit(capsys, EWD840, *write(tmp_path, events))
    assert code == 2 and f"parameter(s) 'k' of {events[0]['action']}" in err
    code, err = audit(capsys, EWD840, *write(tmp_path, walk(2, 10)), extra=("--bounds", "rings=2"))
    assert code == 2 and err.endswith("EWD840 has no constant 'rings' (its constants: nodes)")
    # the Examples' log given to a spec without a mapping of its own
    code, err = audit(capsys, EWD840, LOG)
    assert code == 2 and "EWD840 declares no trace mapping" in err
    # --bounds reaches the spec: a walk of 4 nodes
    code, rep = audit(capsys, EWD840, *write(tmp_path, walk(2, 10, 4), 4), extra=("--bounds", "nodes=4"))
    assert code == 0 and rep["params"] == {"nodes": 4}


def test_default_mapping_header_names_the_spec_and_stutters(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    events = walk(4, 20)
    events.insert(5, {"node": events[4]["node"], "clock": events[4]["clock"] + 0, "action": "Heartbeat",
                      "params": {}, "state": {}})
    for e in events[5:]:
        e["clock"] += 1
    events[5]["clock"] = events[4]["clock"] + 1
    paths = write(tmp_path, events)
    for p in paths:  # the header names the spec's file: audit imports no file a trace names (--spec does)
        lines = p.read_text().splitlines()
        lines[0] = json.dumps({**json.loads(lines[0]), "spec": EWD840})
        p.write_text("\n".join(lines) + "\n")
    code, out, err = run(capsys, "audit", *map(str, paths))
    assert code == 2 and f"give --spec {EWD840!r} to audit them" in one_error_line(err)
    code, out, err = run(capsys, "audit", "--spec", EWD840, *map(str, paths))
    assert code == 2 and "action 'Heartbeat'" in one_error_line(err)
    cls = load_user_spec(EWD840)
    cls.audit_stutter = ("Heartbeat",)
    try:
        code, out, err = run(capsys, "audit", "--spec", EWD840, *map(str, paths))
    finally:
        del cls.audit_stutter
    assert code == 0 and "OK: every event is explained" in out


# -- docs/auditing.md's example, run as written -------------------------------------------------------------


def doc_files() -> dict[str, str]:
    """The files of docs/auditing.md's "Auditing your own protocol's implementation": each a fenced block
    right after a line naming it (`` `pingpong.py`: ``)."""
    page = (HERE.parent / "docs" / "auditing.md").read_text()
    section = page.split("## Auditing your own protocol's implementation", 1)[1].split("\n# ", 1)[0]
    return dict(re.findall(r"^`([\w.-]+)`:\n\n```\w*\n(.*?)^```", section, re.M | re.S))


def test_the_docs_example_runs_as_written(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    files = doc_files()
    assert sorted(files) == ["node-0.jsonl", "node-1.jsonl", "p0.log", "p1.log", "pingpong.py", "pingpong_log.py"]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    spec, logged = f"{tmp_path / 'pingpong.py'}:PingPong", f"{tmp_path / 'pingpong_log.py'}:PingPong"
    nodes = [str(tmp_path / f"node-{n}.jsonl") for n in (0, 1)]
    logs = [str(tmp_path / f"p{n}.log") for n in (0, 1)]
    for argv in ([spec, *nodes], [logged, *logs]):
        code, out, _ = run(capsys, "audit", "--spec", *argv)
        assert code == 0 and "OK: every event is explained by a behaviour of the spec." in out
    # the page's failing run, as it shows it
    (tmp_path / "p1.log").write_text(files["p1.log"].replace("#2 vc=2,2", "#3 vc=2,2"))
    code, out, _ = run(capsys, "audit", "--spec", logged, *logs)
    shown = (HERE.parent / "docs" / "auditing.md").read_text().split("With p1.log's last line saying `#3`", 1)[1]
    want = shown.split("```text\n", 1)[1].split("```", 1)[0].replace("p1.log", str(tmp_path / "p1.log"))
    assert code == 1 and out.startswith(want)
    # the page's one-line refusals
    (tmp_path / "node-0.jsonl").write_text(files["node-0.jsonl"].replace('"Hit", "params": {"i": 0}, "state": '
                                                                           '{"hits": 1', '"Serve", "params": {}, '
                                                                           '"state": {"hits": 1', 1))
    code, _, err = run(capsys, "audit", "--spec", spec, *nodes)
    assert code == 2 and one_error_line(err).endswith(
        f"the trace uses 1 name(s) the PingPong spec does not know: action 'Serve' (first at {nodes[0]}:2); "
        "its actions: Hit; its variables: holder, hits")
    code, _, err = run(capsys, "audit", "--spec", spec, logs[0])
    assert code == 2 and f"{logs[0]}:1: not valid JSON (Expecting value at column 1) (PingPong declares no " \
        "trace mapping of its own, so its traces are read as paxraft-trace files: " in one_error_line(err)


def test_an_exception_in_the_users_mapping_is_named_in_one_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    files = doc_files()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    broken = files["pingpong_log.py"].replace('        return {"hits": event.params["count"]}',
                                              '        return {"hits": event.params["rally"]}')
    (tmp_path / "broken_log.py").write_text(broken)
    line = broken[: broken.index('event.params["rally"]')].count("\n") + 1
    code, _, err = run(capsys, "audit", "--spec", f"{tmp_path / 'broken_log.py'}:PingPong",
                       str(tmp_path / "p0.log"), str(tmp_path / "p1.log"))
    assert code == 3 and one_error_line(err) == (
        "paxraft audit: error in the spec's code: in the trace mapping's code: "
        f"PingPongLog.event_view (broken_log.py:{line}) raised KeyError: 'rally'")


def test_default_mapping_audit_view_and_empty_traces(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    # a spec that says how a node sees its state: the walk's events report the token as "has_token"
    events = walk(3, 30)
    for e in events:
        e["state"] = {"active": e["state"]["active"], "has_token": e["state"]["tpos"] == e["node"]}
    cls = load_user_spec(EWD840)
    cls.audit_view = lambda self, s, node: {"active": s.active[node], "has_token": s.tpos == node}
    try:
        code, rep = audit(capsys, EWD840, *write(tmp_path, events))
        assert (code, rep["verdict"]) == (0, "ok")
        k = next(k for k, e in enumerate(events) if e["action"] == "PassToken")
        events[k]["state"]["has_token"] = not events[k]["state"]["has_token"]
        code, rep = audit(capsys, EWD840, *write(tmp_path, events))
        assert (code, rep["failure"]["index"], rep["failure"]["diff"][0]["field"]) == (1, k + 1, "has_token")
        cls.audit_view = lambda self, s, node: [s.active[node]]
        code, err = audit(capsys, EWD840, *write(tmp_path, events))
        assert code == 2 and err.endswith("EWD840.audit_view returned a list: expected a dict of the node's fields "
                                          "(field name -> JSON value)")
    finally:
        del cls.audit_view
    paths = write(tmp_path, [])
    code, err = audit(capsys, EWD840, *paths)
    assert code == 2 and err.endswith("no events to audit (the files hold headers only)")


def test_logs_of_the_examples_implementation_run_here(capsys: pytest.CaptureFixture) -> None:
    """Logs written here by tlaplus/Examples' Java implementation (specifications/ewd998/impl, `EWD998App 1 3`,
    its server sockets bound to 127.0.0.1): one as it is, accepted (as all 18 runs of 1 to 9 nodes were:
    /work/notes/audituser.md), and one of it with a bug planted, a payload's receipt that does not blacken the
    node (`color = Color.black;` removed from RecvMsg): refused where that node passes the token white."""
    code, rep = audit(capsys, EWD998, HERE / "data" / "ewd998-java-n3.ndjson")
    assert (code, verdict(rep), rep["events"], rep["params"]) == (0, "ok", 150, {"nodes": 3})
    code, rep = audit(capsys, EWD998, HERE / "data" / "ewd998-java-unblackened-n3.ndjson")
    assert code == 1 and verdict(rep) == (28, "28", "PassToken(i=n2) leads to a different state")
    assert rep["failure"]["diff"] == [{"field": "token", "implementation": {"at": 1, "q": 1, "color": "white"},
                                       "spec": {"at": 1, "q": 1, "color": "black"}}]


def test_as_the_tla_says_the_verdicts_are_tlcs(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """EWD998ChanTraceAsTLA is EWD998ChanTrace.tla to the letter (without the two checks beyond it). TLC 2.20
    ran the .tla on each of these logs, put in paxraft's causal order and inlined as a TLA+ sequence (TLC cannot
    read the .ndjson here: tests/user_specs/ewd998/): the first line it could not match (the number of the
    event in that order, the file's line), or acceptance. paxraft's verdicts are the same."""
    as_tla = f"{HERE / 'user_specs' / 'ewd998_chan.py'}:EWD998ChanAsTLA"
    lines = list(LINES)
    a, b = json.loads(lines[577]), json.loads(lines[137])
    a["pkt"]["vc"], b["pkt"]["vc"] = b["pkt"]["vc"], a["pkt"]["vc"]
    lines[577], lines[137] = json.dumps(a), json.dumps(b)
    tlc = {  # log: TLC's verdict
        "as is": (LINES, "ok"),
        "line 4 q 11": (with_line(4, tok(q=11)), (95, "4")),
        "line 78 white": (with_line(78, tok(color="white")), (29, "78")),
        "line 138 white": (with_line(138, tok(color="white")), "ok"),  # a sent token's colour: not checked
        "clocks of 578 and 138 swapped": (lines, (24, "138")),
        "line 152 dropped": (with_line(152, lambda r: None), (4, "422")),
        "line 152 failure": (with_line(152, lambda r: {**r, "failure": "x"}), (4, "152")),
        "line 74 dropped": (with_line(74, lambda r: None), "ok"),
        "line 578 dropped": (with_line(578, lambda r: None), (25, "138")),
        "line 423 dropped": (with_line(423, lambda r: None), "ok"),  # node 0's receipt: unseen by the .tla
        "line 139 dropped": (with_line(139, lambda r: None), (240, "423")),  # paxraft's own: event 239, the send
    }
    for name, (log, want) in tlc.items():
        code, rep = audit(capsys, as_tla, mutated(tmp_path, log))
        got = verdict(rep)
        assert (code, got if got == "ok" else got[:2]) == (0 if want == "ok" else 1, want), name


def test_a_mapping_returning_the_wrong_shapes_is_told_in_one_line(capsys: pytest.CaptureFixture,
                                                                  tmp_path: Path) -> None:
    files = doc_files()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    logs = [str(tmp_path / "p0.log"), str(tmp_path / "p1.log")]
    good = '        return [[StepPattern("Hit", (event.node,))]]'
    cases = {
        "flat.py": (good, '        return [StepPattern("Hit", (event.node,))]',
                    "p0.log:1: PingPongLog.explanations returned [StepPattern(name='Hit', params=(0,))]: expected a "
                    "list of alternatives, each a list of StepPattern(action, params) with one parameter (or ANY) per "
                    "parameter of the action (Hit: 1)"),
        "arity.py": (good, '        return [[StepPattern("Hit", (event.node, 1))]]', "params=(0, 1))]]: expected"),
        "records.py": ('        return causal_order(events, lambda e: e.extra["vc"])',
                       '        return [e.extra for e in events]',
                       "PingPongLog.read returned a list of dict: expected a list of events "
                       "(modelcheck.audit.log_line)"),
    }
    for name, (old, new, want) in cases.items():
        assert old in files["pingpong_log.py"]
        (tmp_path / name).write_text(files["pingpong_log.py"].replace(old, new))
        code, _, err = run(capsys, "audit", "--spec", f"{tmp_path / name}:PingPong", *logs)
        assert code == 2 and want in one_error_line(err), name


def test_a_spec_whose_constants_have_no_defaults(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    files = doc_files()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    default = 'rallies: Annotated[int, "hits per player"] = 3'
    assert default in files["pingpong.py"]
    (tmp_path / "bare.py").write_text(files["pingpong.py"].replace(default, default.removesuffix(" = 3")))
    nodes = [str(tmp_path / f"node-{n}.jsonl") for n in (0, 1)]
    code, _, err = run(capsys, "audit", "--spec", f"{tmp_path / 'bare.py'}:PingPong", *nodes)
    assert code == 2 and one_error_line(err) == "paxraft audit: error: PingPong needs rallies: give it with --bounds " \
        "rallies=..."
    code, out, _ = run(capsys, "audit", "--spec", f"{tmp_path / 'bare.py'}:PingPong", *nodes, "--bounds", "rallies=2")
    assert code == 0 and out.startswith("Audit of 4 events from 2 file(s) against PingPong rallies=2\nOK")


def test_a_variant_named_on_the_command_line_is_audited_with_the_mapping_of_its_spec(
        capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    # a variant in a file of its own: a node passes the token without adding its counter
    (tmp_path / "forgetful.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(HERE / 'user_specs')!r})\n"
        "from ewd998_chan import EWD998Chan\n\n\n"
        "class ForgetfulPass(EWD998Chan):\n"
        "    variant = 'forgetful-pass'\n\n"
        "    def PassToken(self, s, i):\n"
        "        nxt = super().PassToken(s, i)\n"
        "        if nxt is None:\n"
        "            return None\n"
        "        box = nxt.inbox[i - 1]\n"
        "        _, q, color = box[-1]\n"
        "        return nxt._replace(inbox=nxt.inbox[: i - 1] + (box[:-1] + (('tok', q - s.counter[i], color),),)"
        " + nxt.inbox[i:])\n")
    code, rep = audit(capsys, f"{tmp_path / 'forgetful.py'}:ForgetfulPass", LOG)
    # node 4 passes the token (line 138) with its counter 4 added: the variant cannot
    assert code == 1 and verdict(rep) == (26, "138", "PassToken(i=n4) leads to a different state")
    assert rep["spec"] == "EWD998Chan" and rep["failure"]["diff"][0]["spec"]["q"] == 0


SETS_SPEC = '''from typing import NamedTuple
from spec.core import Spec, action


class K(NamedTuple):
    known: tuple


class Learn(Spec):
    """Each node learns a set of messages, each a (sender, set of values) pair."""

    variables = ("known",)

    def init_states(self):
        return [K((frozenset(), frozenset()))]

    @action(lambda self, s: [(n, S) for n in (0, 1) for S in (frozenset(), frozenset({(0, frozenset({1, 2}))}),
                                                               frozenset({(0, frozenset()), (1, frozenset({3}))}))])
    def Learns(self, s, n, S):
        return K(s.known[:n] + (s.known[n] | S,) + s.known[n + 1:])
'''


def test_a_set_parameter_is_a_json_list_in_any_order(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A parameter that is a frozenset (BPConProof's LearnsSent(a, b, S) of 1b messages, each holding a frozenset:
    newuser11) could not be written in a trace at all: a JSON list was read as a tuple, 'another type than the
    spec's'. Now a list names a set the enumerator offers, its elements in any order, at any depth."""
    spec = tmp_path / "learn.py"
    spec.write_text(SETS_SPEC)

    def trace(S: Any) -> Path:
        events = [{"node": 0, "clock": 1, "action": "Learns", "params": {"n": 0, "S": S}, "state": {}}]
        return write(tmp_path, events, nodes=1)[0]

    assert verdict(audit(capsys, f"{spec}:Learn", trace([[0, [2, 1]]]))[1]) == "ok"
    assert verdict(audit(capsys, f"{spec}:Learn", trace([[1, [3]], [0, []]]))[1]) == "ok"
    assert verdict(audit(capsys, f"{spec}:Learn", trace([]))[1]) == "ok"
    for wrong in ([[0, [1]]], [[0, [1, 2]], [0, [1, 2]]], [[0, [1, 2, 2]]], [[0, [True, 2]]]):
        code, report = audit(capsys, f"{spec}:Learn", trace(wrong))
        assert code == 1 and "is not enabled" in verdict(report)[2], wrong
