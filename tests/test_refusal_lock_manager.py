"""Which guard refused a step, for a protocol written from scratch (tests/user_specs/lock_manager.py): every guard
shape a user writes, and the three ways a refused step is met: a replayed counterexample whose step was edited,
an explorer path, an audited event in the spec's own names."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from modelcheck.cli import main
from modelcheck.output.explore.session import PathError, Session
from spec.refusal import refusal
from tests.user_specs.lock_manager import DONE, FREE, GROWING, SHRINKING, LMState, LockManager

FILE = os.path.relpath(Path(__file__).parent / "user_specs" / "lock_manager.py")
SPEC = f"{FILE}:LockManager"
LINE = {n: i for i, n in enumerate(Path(FILE).read_text().splitlines(), 1)}
RELEASE_AT = f"{FILE}:{LINE['        if (s.holder[lk] != c']}"
RELEASE = "if s.holder[lk] != c or s.phase[c] == DONE or any(r == c for r, _ in s.req):"


def at(text: str) -> str:
    """``file:LINE: text`` for the (stripped) line of the spec that reads ``text``."""
    line = next(n for s, n in LINE.items() if s.strip() == text)
    return f"{FILE}:{line}: {text}"


GRANT = at("if not (s.holder[lk] == FREE and (c, lk) in s.req):")


def st(holder=(FREE, FREE), phase=(GROWING, GROWING), req=()) -> LMState:
    return LMState(holder, phase, frozenset(req))


@pytest.mark.parametrize("name, state, params, said", [
    # early returns, one after the other, and a guard reading a bound of the spec (self.L): with the values of the
    # comparison's sides that are not literals (spec/why.py)
    ("Request", st(), (0, 5), f"{at('if lk >= self.L:')} (lk is 5, self.L is 2)"),
    ("Request", st(phase=(SHRINKING, GROWING)), (0, 0),
     f"{at('if s.phase[c] != GROWING:')} (s.phase[c] is 1, GROWING is 0)"),
    ("Request", st(req={(0, 0)}), (0, 0), f"{at('if (c, lk) in s.req:')} ((c, lk) is <<0, 0>>, s.req is {{<<0, 0>>}})"),
    ("Request", st(holder=(0, FREE)), (0, 0), f"{at('if s.holder[lk] == c:')} (s.holder[lk] is 0, c is 0)"),
    # if not (A and B): the part that did not hold (it was said of 'A or B' only)
    ("Grant", st(holder=(1, FREE), req={(0, 0)}), (0, 0),
     f"{GRANT} (false here: s.holder[lk] == FREE; s.holder[lk] is 1, FREE is -1)"),
    ("Grant", st(), (0, 0), f"{GRANT} (false here: (c, lk) in s.req; (c, lk) is <<0, 0>>, s.req is {{}})"),
    # if A or B over three lines: named at the if's line, whole, with the part that held; on Python 3.11 the tracer
    # saw the line of the part evaluated last, and the message was 'lock_manager.py:63: or s.phase[c] == DONE'
    ("Release", st(), (0, 0), f"{RELEASE_AT}: {RELEASE} (true here: s.holder[lk] != c; s.holder[lk] is -1, c is 0)"),
    ("Release", st(holder=(0, FREE), phase=(DONE, GROWING)), (0, 0),
     f"{RELEASE_AT}: {RELEASE} (true here: s.phase[c] == DONE; s.phase[c] is 2, DONE is 2)"),
    # any(...): the first binding of its variables for which its condition held (r's value said once, in it)
    ("Release", st(holder=(0, FREE), req={(0, 1)}), (0, 0),
     f"{RELEASE_AT}: {RELEASE} (true here, for r = 0: r == c; c is 0)"),
    # a guard inside a helper: the helper's guard, and the action's line that called it
    ("Withdraw", st(), (0,),
     f"{at('if not mine:')} (mine is {{}}) (in drop_requests, called at "
     f"{at('return self.drop_requests(s, c)').split(': ')[0]})"),
    # a guard in a for loop; a conditional expression
    ("Finish", st(holder=(0, FREE)), (0,), f"{at('if h == c:')} (h is 0, c is 0)"),
    ("Finish", st(), (0,),
     at("return None if s.phase[c] != SHRINKING else s._replace(phase=self.set_phase(s, c, DONE))")),
    # match: the case that matched, its own guard included
    ("Switch", st(), (0, "grow"), at('case ("grow", _):')),
    ("Switch", st(phase=(SHRINKING, GROWING)), (0, "shrink"), at("case (_, p) if p != GROWING:")),
    # try/except: the except clause that caught
    ("Steal", st(), (0, 0), at("except IndexError:")),
    # a comprehension in the guard; an action that falls off its end: the last condition that did not hold
    ("Reset", st(holder=(0, FREE)), (0,), f"{at('if any(h == c for h in s.holder):')} (true here, for h = 0: h == c; "
     "c is 0)"),
    # (``not s.req`` did not hold: s.req did, and its value is said, being no bool)
    ("Reset", st(phase=(DONE, GROWING), req={(1, 0)}), (0,),
     f"{at('if s.phase[c] == DONE and not s.req:')} (true here: s.req; s.req is {{<<1, 0>>}})"),
])
def test_each_guard_shape_is_named(name: str, state: LMState, params: tuple, said: str) -> None:
    assert refusal(LockManager().action(name).step, state, params) == said


def test_replay_explorer_and_audit_name_the_guard(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["check", SPEC, "--out", str(tmp_path)]) == 1  # OnlyGrowingHold, by Switch after a Grant
    trace = json.loads((tmp_path / "trace.itf.json").read_text())
    trace["states"][2]["#meta"].update(action="Grant", label="Grant(c=1, lk=0)",
                                       params={"c": {"#bigint": "1"}, "lk": {"#bigint": "0"}})
    (tmp_path / "bad.itf.json").write_text(json.dumps(trace))
    capsys.readouterr()
    assert main(["replay", str(tmp_path / "bad.itf.json"), "--spec", SPEC]) == 1
    grant = f"{GRANT} (false here: (c, lk) in s.req; (c, lk) is <<1, 0>>, s.req is {{<<0, 0>>}})"
    assert f"FAIL state 3: Grant(c=1, lk=0): not enabled in the previous state (refused by {grant})" \
        in capsys.readouterr().out

    with pytest.raises(PathError) as refused:
        Session(LockManager()).replay("Init(0)/Request(0, 0)/Request(0, 1)/Grant(0, 0)/Release(0, 0)")
    release = f"{RELEASE_AT}: {RELEASE} (true here, for r = 0: r == c; c is 0)"
    assert str(refused.value) == (f"step 5: Release(0, 0) is not enabled in the state reached after step 4 (refused "
                                  f"by {release}): this path is not a behaviour of the spec")

    log = tmp_path / "node-0.jsonl"
    events = [{"format": "paxraft-trace", "version": 2, "node": 0},
              {"node": 0, "clock": 1, "action": "Request", "params": {"c": 0, "lk": 0}, "state": {}},
              {"node": 0, "clock": 2, "action": "Grant", "params": {"c": 0, "lk": 0}, "state": {"phase": GROWING}},
              {"node": 0, "clock": 3, "action": "Switch", "params": {"c": 0, "mode": "grow"}, "state": {}}]
    log.write_text("".join(json.dumps(e) + "\n" for e in events))
    assert main(["audit", "--spec", SPEC, str(log)]) == 1
    switch = at('case ("grow", _):')
    assert f"the spec: Switch(c=0, mode=grow) is not enabled: refused by {switch} " in capsys.readouterr().out
    assert f"refused by {switch}`" in (Path(__file__).parents[1] / "docs" / "auditing.md").read_text()  # (its example)
