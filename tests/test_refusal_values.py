"""A refused step shows the values its guard read, as an invariant's failing part does (spec/why.py, the one
reading of both): on a shipped spec and on a user's, in the replay's and explorer's text, the audit's JSON and the
explorer's JSON; a large value (a long log, a set of messages) is cut, saying how much."""

from __future__ import annotations

import ast
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_cli import run

from modelcheck.output.explore.server import serve_in_thread
from modelcheck.output.explore.session import PathError, Session
from spec.paxos import M1A, Paxos
from spec.refusal import refusal
from spec.registry import load_user_spec
from spec.why import VALUE_WIDTH, shown, why

HERE = Path(__file__).resolve().parent
GROWING_LOG = "tests/user_specs/growing_log.py"  # (a guard's file is named from the working folder)
LOG = tuple(1 + k % 2 for k in range(500))  # 1, 2, 1, 2, ...: 500 entries
LOG_SHOWN = "<<1, 2, 1, 2, 1, 2, 1, 2, 1, ..., 1, 2, 1, 2, 1, 2, 1, 2>> (17 of 500 shown)"


def test_a_shipped_specs_guard_shows_its_values_and_cuts_a_set_of_messages() -> None:
    paxos = Paxos()
    s = next(iter(paxos.init_states()))._replace(msgs=frozenset((M1A, b) for b in range(300)))
    assert refusal(paxos.action("Phase2b").step, s, (0, 5, 1)) == (
        "spec/paxos.py:269: if (M2A, b, v) not in s.msgs or not b >= s.maxBal[a]: (true here: (M2A, b, v) not in "
        "s.msgs; (M2A, b, v) is <<2, 5, 1>>, s.msgs is {<<0, 0>>, <<0, 1>>, <<0, 2>>, <<0, 3>>, <<0, 4>>, ...} (5 of "
        "300 shown))")


def test_a_user_specs_guard_shows_its_values_and_cuts_a_long_log(monkeypatch) -> None:
    monkeypatch.chdir(HERE.parent)
    spec = load_user_spec(GROWING_LOG)()
    s = next(iter(spec.init_states()))._replace(log=(LOG, LOG, ()))
    assert refusal(spec.action("Replicate").step, s, (1,)) == (
        f"{GROWING_LOG}:61: if s.log[i] == s.log[0]: (s.log[i] is {LOG_SHOWN}, s.log[0] is {LOG_SHOWN})")
    assert refusal(spec.action("Write").step, s, (1,)) == (
        f"{GROWING_LOG}:55: if len(s.log[0]) >= self.L: (len(s.log[0]) is 500, s.log[0] is {LOG_SHOWN}, self.L is 2)")
    guide = " ".join((HERE.parent / "docs" / "writing-a-spec.md").read_text().split())  # (its example)
    assert f"`if s.log[i] == s.log[0]: (s.log[i] is {LOG_SHOWN}, ...`" in guide and "`... (1,204 characters)`" in guide


def test_a_value_is_cut_saying_how_much() -> None:
    assert shown(tuple(range(17))) == "<<" + ", ".join(map(str, range(17))) + ">>"  # 60 characters: whole
    assert shown(tuple(range(500))) == "<<0, 1, 2, 3, 4, 5, 6, ..., 494, 495, 496, 497, 498, 499>> (13 of 500 shown)"
    assert shown(frozenset(range(500))) == \
        "{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, ...} (16 of 500 shown)"
    assert shown(10**100) == "1" + "0" * 59 + "... (101 characters)"
    assert shown("x" * 1204) == "x" * VALUE_WIDTH + "... (1,204 characters)"
    # an element wider than the whole: its own start, cut the same way, inside
    assert shown((tuple(range(40)),) * 3) == \
        "<<<<0, 1, 2, 3, 4, 5, 6, 7, ..., 33, 34, 35, 36, 37, 38, 39>> (15 of 40 shown), ...>> (1 of 3 shown)"
    # a million entries are not written out to be cut: what is shown is bounded by the width, not the value
    assert len(shown(tuple(range(1_000_000)))) < 2 * VALUE_WIDTH


def test_a_failing_part_is_read_and_cut_the_same_way() -> None:
    """The invariant's side of the one reading (modelcheck/engine/failing.py): a set of 500 in a failing comparison."""
    node = ast.parse("len(s) <= 1", mode="eval").body
    assert why(node, {"s": frozenset(range(500))}, False).text() == (
        "len(s) <= 1 is false (len(s) is 500, s is {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, ...} "
        "(16 of 500 shown))")


def test_the_audits_json_and_the_explorers_show_the_values(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(HERE.parent)
    log = tmp_path / "node-0.jsonl"  # client 1 granted a lock it never asked for
    events = [{"format": "paxraft-trace", "version": 2, "node": 0},
              {"node": 0, "clock": 1, "action": "Request", "params": {"c": 0, "lk": 0}, "state": {}},
              {"node": 0, "clock": 2, "action": "Grant", "params": {"c": 1, "lk": 0}, "state": {}}]
    log.write_text("".join(json.dumps(e) + "\n" for e in events))
    code, out, _ = run(capsys, "audit", "--spec", "tests/user_specs/lock_manager.py", str(log), "--json")
    reason = json.loads(out)["failure"]["reason"]
    assert code == 1 and reason.endswith("(false here: (c, lk) in s.req; (c, lk) is <<1, 0>>, s.req is {<<0, 0>>})")

    session = Session(load_user_spec(GROWING_LOG)())
    with pytest.raises(PathError) as refused:
        session.view("Init(0)/Replicate(1)")
    said = f"(refused by {GROWING_LOG}:61: if s.log[i] == s.log[0]: (s.log[i] is <<>>, s.log[0] is <<>>))"
    assert str(refused.value) == f"step 2: Replicate(1) is not enabled in the state reached after step 1 {said}: " \
                                 "this path is not a behaviour of the spec"
    srv = serve_in_thread(session)
    try:
        with pytest.raises(urllib.error.HTTPError) as http:
            urllib.request.urlopen(srv.url + "api/state?path=Init(0)/Replicate(1)", timeout=30)  # noqa: S310 (ours)
        assert http.value.code == 400 and said in json.loads(http.value.read())["error"]
    finally:
        srv.shutdown()
        srv.server_close()
