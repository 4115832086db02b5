"""Which guard refused a step (spec/refusal.py): named in the replay, explorer and audit messages that say an
action is not enabled, for a spec written from scratch as a user would."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from spec.core import Spec, action
from spec.refusal import refusal, refused_by

HERE = os.path.relpath(Path(__file__))


class Door(NamedTuple):
    open: bool
    locked: bool
    inside: int


class Room(Spec):
    """A door that must be unlocked to open and open to enter: each action has guards of its own shape."""

    name = "room"
    variables = Door._fields

    def init_states(self):
        yield Door(False, True, 0)

    @action(params=lambda self, s: ((),))
    def Unlock(self, s: Door) -> Door | None:
        if not s.locked: return None  # noqa: E701 (a guard and its return on one line)
        return s._replace(locked=False)

    @action(params=lambda self, s: ((),))
    def Open(self, s: Door) -> Door | None:
        if s.open:
            return None
        if s.locked:
            return None  # (a comment after the return)
        return s._replace(open=True)

    @action(params=lambda self, s: ((1,), (2,)))
    def Enter(self, s: Door, k: int) -> Door | None:
        total = s.inside + k
        if not s.open or total > 2:
            return
        return s._replace(inside=total)

    @action(params=lambda self, s: ((),))
    def Leave(self, s: Door) -> Door | None:
        return self._out(s)

    @action(params=lambda self, s: ((),))
    def Lock(self, s: Door) -> Door | None:
        if (s.open
                or s.locked
                or any(k > 0 for k in range(s.inside))):
            return None
        return s._replace(locked=True)

    @action(params=lambda self, s: ((0,), (1,)))
    def Knock(self, s: Door, k: int) -> Door | None:
        if k == 1 and (s.inside == 111111111111111111111111 or s.inside == 222222222222222222222222222222
                       or s.inside == 333333333333333333333333333333 or s.inside == 44444444444444444444444444444
                       or s.inside == 555555555555555555555555555555 or s.inside == 0):
            return None
        elif (s.locked or
              s.open):
            return
        return s

    def _out(self, s: Door) -> Door | None:
        return s._replace(inside=s.inside - 1) if s.inside else None


def test_the_guard_that_said_no_is_named() -> None:
    spec = Room()
    shut = Door(False, True, 0)
    unlocked, opened, full = Door(False, False, 0), Door(True, False, 0), Door(True, False, 2)
    line = {n: i for i, n in enumerate(Path(__file__).read_text().splitlines(), 1)}

    def at(text: str) -> str:
        return f"{HERE}:{line[text]}: {text.strip()}"

    assert refusal(spec.action("Open").step, shut, ()) == at("        if s.locked:")
    assert refusal(spec.action("Open").step, opened, ()) == at("        if s.open:")
    one_line = "        if not s.locked: return None  # noqa: E701 (a guard and its return on one line)"
    assert refusal(spec.action("Unlock").step, unlocked, ()) == f"{HERE}:{line[one_line]}: if not s.locked: return None"
    # (a linter's comment is left out; another comment is kept: it may say what the guard means)
    # an ``or`` of conditions: the first that held is said, gone into (``not s.open`` held: ``s.open`` is false),
    # with the values of its comparison (spec/why.py, the reading of an invariant's failing part)
    enter = at("        if not s.open or total > 2:")
    assert refusal(spec.action("Enter").step, shut, (1,)) == f"{enter} (false here: s.open)"
    assert refusal(spec.action("Enter").step, full, (1,)) == f"{enter} (true here: total > 2; total is 3)"
    # a condition over several lines: all of it on one, and which part held (a comprehension's part too)
    lock = f"{HERE}:{line['        if (s.open']}: if s.open or s.locked or any(k > 0 for k in range(s.inside)):"
    assert refusal(spec.action("Lock").step, opened, ()) == f"{lock} (true here: s.open)"
    assert refusal(spec.action("Lock").step, Door(False, False, 2), ()) == \
        f"{lock} (true here, for k = 1: k > 0)"  # (k's value is said in the binding, not again)
    # a refusal passed on from a helper of the spec's file: the helper's line, and where the action called it
    called = at("        return self._out(s)").split(": ")[0]
    assert refusal(spec.action("Leave").step, opened, ()) == \
        f"{at('        return s._replace(inside=s.inside - 1) if s.inside else None')} (in _out, called at {called})"
    assert refused_by(spec.action("Open").step, shut, ()) == f" (refused by {at('        if s.locked:')})"


def test_a_guard_is_named_at_its_first_line_clipped_and_an_elif_stays_one() -> None:
    """Python 3.11 traces a condition over several lines line by line: the guard was named at the line of the part
    evaluated last ('or s.locked' alone); an elif over two lines read 'if ...'; a long condition was quoted whole."""
    line = {n: i for i, n in enumerate(Path(__file__).read_text().splitlines(), 1)}
    lock = f"{HERE}:{line['        if (s.open']}: if s.open or s.locked or any(k > 0 for k in range(s.inside)):"
    assert refusal(Room().action("Lock").step, Door(False, True, 0), ()) == f"{lock} (true here: s.locked)"
    knock = Room().action("Knock").step
    elif_at = f"{HERE}:{line['        elif (s.locked or']}"
    assert refusal(knock, Door(False, True, 0), (0,)) == f"{elif_at}: elif s.locked or s.open: (true here: s.locked)"
    assert refusal(knock, Door(True, False, 0), (0,)) == f"{elif_at}: elif s.locked or s.open: (true here: s.open)"
    long = refusal(knock, Door(False, True, 0), (1,))
    first = next(n for n in line if "if k == 1 and" in n)
    assert long is not None and long.startswith(f"{HERE}:{line[first]}: if k == 1 and (s.inside == 1111")
    assert long.endswith(" or s.inside... (253 characters)")  # (GUARD_CHARS = 200 of them quoted)


def test_an_enabled_step_or_one_that_raises_has_no_refusal() -> None:
    spec = Room()
    assert refusal(spec.action("Unlock").step, Door(False, True, 0), ()) is None
    assert refused_by(spec.action("Unlock").step, Door(False, True, 0), ()) == ""
    assert refusal(spec.action("Enter").step, Door(True, False, "x"), (1,)) is None  # type: ignore[arg-type]
    assert refusal(lambda s: None, Door(False, True, 0), ()) is not None  # (a lambda has a file and a line)
    assert refusal(print, Door(False, True, 0), ()) is None  # (no Python code to trace)


def test_the_tracer_in_place_is_kept() -> None:
    import sys

    seen: list[str] = []

    def mine(frame, event, arg):  # a coverage tool's, a debugger's
        seen.append(event)
        return None

    sys.settrace(mine)
    try:
        refusal(Room().action("Open").step, Door(False, True, 0), ())
        after = sys.gettrace()
    finally:
        sys.settrace(None)
    assert after is mine


def test_replay_of_an_edited_counterexample_names_the_guard(tmp_path: Path, capsys) -> None:
    """docs/writing-a-spec.md's example: a counterexample of the guide's spec whose third state claims a commit
    message received; `paxraft replay` names the guard that refused it."""
    import json

    from modelcheck.cli import main

    twophase = "docs/examples/twophase.py"
    assert main(["check", f"{twophase}:TwoPhase", "--variant", "eager-commit", "--rms", "2",
                 "--out", str(tmp_path)]) == 1
    trace = json.loads((tmp_path / "trace.itf.json").read_text())
    trace["states"][2]["#meta"].update(action="RMRcvCommitMsg", label="RMRcvCommitMsg(rm=r2)",
                                       params={"rm": {"#bigint": "1"}})
    (tmp_path / "bad.itf.json").write_text(json.dumps(trace))
    capsys.readouterr()
    assert main(["replay", str(tmp_path / "bad.itf.json"), "--spec", f"{twophase}:EagerCommit"]) == 1
    guard = f"{os.path.relpath(twophase)}:93: if (MSG_COMMIT,) not in s.msgs: ((MSG_COMMIT,) is <<1>>, s.msgs is " \
            "{<<0, 0>>})"
    assert (f"FAIL state 3: RMRcvCommitMsg(rm=r2): not enabled in the previous state (refused by {guard})"
            in capsys.readouterr().out)


def test_a_none_from_the_overridden_action_is_followed_into_the_base_spec() -> None:
    """A variant's action that returns ``super().Action(...)`` passes on the base spec's None, from another file:
    the refusal named the variant's return line (the audit's `Timeout` of a leader read "refused by
    spec/raft_rebuild.py:140: return None if s.rejoining[i] else super().Timeout(s, i)" with nobody rejoining). It
    names raft.tla's guard now, and where the variant called it."""
    import inspect

    import spec.raft
    from modelcheck.audit.raft_spec import RaftImpl
    from spec.raft import FOLLOWER, LEADER

    impl = RaftImpl(servers=3, values=1)
    s = next(iter(impl.init_states())).but(state=(LEADER, FOLLOWER, FOLLOWER))
    src, first = inspect.getsourcelines(spec.raft.Raft.Timeout)
    guard = first + next(k for k, line in enumerate(src) if line.strip() == "if st[i] == LEADER:")
    called = inspect.getsourcelines(type(impl).Timeout)
    at = called[1] + next(k for k, line in enumerate(called[0]) if "super().Timeout(s, i)" in line)
    shown = os.path.relpath(inspect.getsourcefile(type(impl).Timeout))  # type: ignore[arg-type]
    assert refusal(impl.action("Timeout").step, s, (0,)) == (
        f"spec/raft.py:{guard}: if st[i] == LEADER: (st[i] is 2, LEADER is 2) (in Timeout, called at {shown}:{at})")
