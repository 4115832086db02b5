"""The deadlock verdict is one rule in every mode, TLC 2.20's: a state outside the state constraint is never
expanded, so never a deadlock, and any enabled step is a step, one that changes nothing or leaves the constraint
too (tests/user_specs/capped_counter.py, its TLA+ twin in tests/user_specs/CappedCounter/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelcheck import DEADLOCK, OK, check
from modelcheck.cli import main
from modelcheck.engine.dfs import dfs
from modelcheck.engine.simulate import simulate
from modelcheck.output.explore.session import Session
from spec.registry import load_user_spec

FILE = "tests/user_specs/capped_counter.py"
CappedCounter = load_user_spec(f"{FILE}:CappedCounter")


@pytest.mark.parametrize(("side", "stay", "verdict", "distinct", "generated"), [
    (0, 0, OK, 3, 4),  # x = 2's only step leaves the constraint: TLC, no error, 4 generated, 3 distinct, depth 3
    (1, 0, DEADLOCK, 4, 5),  # y = 1 has no step: TLC, Deadlock reached, 5 generated, 4 distinct
    (1, 1, OK, 4, 6),  # Stay changes nothing, a step all the same: TLC, no error, 6 generated, 4 distinct
])
def test_the_deadlock_verdict_is_tlcs_in_every_mode(side, stay, verdict, distinct, generated) -> None:
    """The breadth-first search (which counts a step outside the constraint as OUTSIDE), the depth-first one (which
    builds it) and the random walks agree with TLC; the deadlock's trace is Init, Inc, Side in each."""
    spec = CappedCounter(side=side, stay=stay)
    bfs = check(spec, check_deadlock=True)
    assert (bfs.verdict, bfs.distinct_states, bfs.states_generated, bfs.depth) == (verdict, distinct, generated, 3)
    deep = dfs(spec, check_deadlock=True)
    assert (deep.verdict, deep.distinct_states, deep.states_generated) == (verdict, distinct, generated)
    walks = simulate(spec, walks=20, depth=10, check_deadlock=True)
    assert walks.verdict == verdict
    for result in (bfs, deep, walks) if verdict == DEADLOCK else ():
        assert [str(st.label) for st in result.trace[1:]] == ["Inc()", "Side()"]


def test_replay_and_the_explorer_call_no_state_outside_the_constraint_a_deadlock(tmp_path: Path, capsys) -> None:
    """x = 4 has no step, but no search reaches it: x = 3 before it is outside the constraint, never expanded.
    Replay confirmed a recorded deadlock there ("the last state has no successor: a deadlock", exit 0) and the
    explorer's page said "none: a deadlock"; both ask spec.behaviour.deadlock_in now, the searches' rule."""
    out = tmp_path / "out"
    assert main(["check", f"{FILE}:CappedCounter", "--side", "1", "--deadlock", "--workers", "2", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["verdict"] == DEADLOCK  # (the workers' loop: the same rule)
    assert main(["check", f"{FILE}:CappedCounter", "--side", "1", "--deadlock", "--out", str(out)]) == 1
    trace = json.loads((out / "trace.itf.json").read_text())
    assert [s["#meta"]["action"] for s in trace["states"]] == ["Init", "Inc", "Side"]
    capsys.readouterr()
    assert main(["replay", str(out / "trace.itf.json"), "--spec", f"{FILE}:CappedCounter"]) == 0
    assert "the last state has no successor: a deadlock." in capsys.readouterr().out
    first = trace["states"][0]
    trace["states"] = [first] + [{**first, "#meta": {"index": i, "action": "Inc", "label": "Inc()", "params": {}},
                                  "x": {"#bigint": str(i)}} for i in range(1, 5)]
    beyond = tmp_path / "beyond.itf.json"
    beyond.write_text(json.dumps(trace))
    assert main(["replay", str(beyond), "--spec", f"{FILE}:CappedCounter"]) == 1
    assert ("Every state follows; the last state is outside the state constraint, which no search expands: "
            "no deadlock.") in capsys.readouterr().out
    session = Session(CappedCounter(side=1))
    assert session.view("Inc()/Side()")["deadlock"] is True
    assert [(e["label"], e["outside"]) for e in session.view("Inc()/Inc()")["enabled"]] == [("Inc()", True)]
    far = session.view("Inc()/Inc()/Inc()/Inc()")
    assert far["outside"] and far["enabled"] == [] and far["deadlock"] is False
