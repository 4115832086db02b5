"""A counterexample as a reader who never saw the spec reads it: step parameters in the trace's own notation,
sequences as sequences, only the parts that changed, and the part of an unexplained invariant that fails
(docs/reading-results.md, "Side by side with TLC")."""

from __future__ import annotations

import json
from typing import NamedTuple

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck.engine.failing import failing_part
from modelcheck.output.explore.session import Session
from spec.core import Spec, action, explains, invariant
from spec.registry import load_user_spec

LOCKS = "tests/user_specs/lock_manager.py:LockManager"


def test_a_user_specs_counterexample_word_for_word(capsys: pytest.CaptureFixture) -> None:
    """LockManager has no show_state and no explanation: the trace is its fields as they changed, and the last line
    says which lock's holder is not growing, read from the invariant's source (it said only the docstring)."""
    code, out, _ = run(capsys, "check", LOCKS)
    assert code == 1 and "Error: invariant OnlyGrowingHold is violated; shortest counterexample: 3 steps\n" in out
    assert (
        "  1. Initial state\n"
        "       holder = <<-1, -1>>\n"
        "       phase = <<0, 0>>\n"
        "       req = {}\n"
        "  2. Request(c=0, lk=0)\n"
        "       req: + <<0, 0>>\n"
        "  3. Grant(c=0, lk=0)\n"
        "       holder: <<-1, -1>> -> <<0, -1>>\n"
        "       req: - <<0, 0>>\n"
        "  4. Switch(c=0, mode=shrink)\n"
        "       phase: <<0, 0>> -> <<1, 0>>\n"
        "       --> OnlyGrowingHold is false in this state (Every lock held is held by a growing client: false (a "
        "shrinking client keeps the locks it has not released yet), so that `check` writes a counterexample to edit)\n"
        "           the part that fails: for h = 0: s.phase[h] == GROWING is false (s.phase[h] is 1, GROWING is 0)\n"
    ) in out
    code, out, _ = run(capsys, "check", LOCKS, "--json")
    j = json.loads(out)
    assert (code, j["trace_length"], j["explanation"][:24]) == (1, 3, "OnlyGrowingHold is false")
    assert j["failing_part"] == "for h = 0: s.phase[h] == GROWING is false (s.phase[h] is 1, GROWING is 0)"
    assert [(st["label"], st["changed"]) for st in j["trace"]] == [
        ("Initial state", ["holder", "phase", "req"]), ("Request(c=0, lk=0)", ["req"]),
        ("Grant(c=0, lk=0)", ["holder", "req"]), ("Switch(c=0, mode=shrink)", ["phase"]),
    ]
    assert j["trace"][3]["action"] == "Switch" and j["trace"][3]["params"] == {"c": 0, "mode": "shrink"}  # as before
    view = Session(load_user_spec(LOCKS)()).view("Request(0, 0)/Grant(0, 0)/Switch(0, 'shrink')")  # the explorer
    assert view["invariants"][0]["why"].endswith("; the part that fails: " + j["failing_part"])
    code, out, _ = run(capsys, "check", LOCKS, "--counterexamples", "2", "--json")
    first = json.loads(out)["counterexamples"][0]
    assert (code, first["failing_part"], first["trace"][3]["changed"]) == (1, j["failing_part"], ["phase"])


def test_a_shipped_specs_steps_in_its_notation(capsys: pytest.CaptureFixture) -> None:
    """Multi-Paxos commit-minority: a received message was a Python dict in the step's name, the slots of a replica
    a set ({...}) printed whole twice for one slot's change, and an event appended both whole sequences."""
    code, out, _ = run(capsys, "check", "multipaxos", "--variant", "commit-minority")
    assert code == 1 and "Error: invariant Linearizability is violated; shortest counterexample: 10 steps\n" in out
    assert (
        "  4. HandlePrepare(r=s3, m=[type |-> Prepare, src |-> s1, bal |-> 1])\n"
        "       msgs: + [type |-> PrepareReply, src |-> s3, bal |-> 1, votes |-> <<[bal |-> 0, cmd |-> nil], "
        "[bal |-> 0, cmd |-> nil]>>]\n"
        "       node: s3.leader: none -> s1; s3.balMaxKnown: 0 -> 1\n"
    ) in out
    assert (
        "  8. TakeNewRequest(r=s1)\n"
        "       msgs: + [type |-> Accept, src |-> s1, bal |-> 1, slot |-> 1, cmd |-> w1]\n"
        "             + [type |-> AcceptReply, src |-> s1, bal |-> 1, slot |-> 1]\n"
        "       node: s1.insts[1].status: Empty -> Accepting\n"
        "             s1.insts[1].cmd: nil -> w1\n"
        "             s1.insts[1].voted.bal: 0 -> 1\n"
        "             s1.insts[1].voted.cmd: nil -> w1\n"
        "       observed: append [type |-> Req, cmd |-> w1]\n"
        "  9. HandleAcceptReplies(r=s1)\n"
        "       msgs: + [type |-> CommitNotice, upto |-> 1]\n"
        "       node: s1.kvalue: nil -> w1; s1.commitUpTo: 0 -> 1; s1.insts[1].status: Accepting -> Committed\n"
        "       pending: <<w1, r1>> -> <<r1>>\n"
        "       observed: append [type |-> Ack, cmd |-> w1, val |-> nil]\n"
    ) in out
    assert "       pending = <<w1, r1>>\n       observed = <<>>\n" in out  # sequences, not sets
    assert "               s2 |-> [leader |-> none, kvalue |-> nil," in out  # the first state's node: a replica a line
    assert "the part that fails" not in out  # the spec explains Linearizability itself


class _S(NamedTuple):
    x: int
    ys: tuple[int, ...]


class _Parts(Spec):
    """Invariants of each shape the reading goes into, all false in _S(1, (1, 2))."""

    variables = _S._fields

    def init_states(self) -> list[_S]:
        return [_S(1, (1, 2))]

    @action(lambda self, s: [])
    def Stay(self, s: _S) -> _S | None:
        return None

    @invariant
    def Conjunction(self, s: _S) -> bool:
        """x is small and no y is 2."""
        return s.x < 3 and all(y != 2 for y in s.ys)

    @invariant
    def NoPair(self, s: _S) -> bool:
        return not any(a + b == 3 for a in s.ys for b in s.ys if a < b)

    @invariant
    def AtMostOne(self, s: _S) -> bool:
        return len(s.ys) <= 1

    @invariant
    def EachHasABigger(self, s: _S) -> bool:
        return all(any(b > a for b in s.ys) for a in s.ys)

    @invariant
    def TwoStatements(self, s: _S) -> bool:
        first = s.ys[0]
        return first > s.x

    @invariant
    def Explained(self, s: _S) -> bool:
        return s.x == 0

    @explains("Explained")
    def why(self, s: _S) -> str:
        return f"x is {s.x}"


def test_the_part_that_fails_is_read_from_the_source() -> None:
    spec, s = _Parts(), _S(1, (1, 2))
    # (y's value is said once, in the binding: spec/why.py's rule, which refusals share)
    assert failing_part(spec, "Conjunction", s) == "for y = 2: y != 2 is false"
    assert failing_part(spec, "NoPair", s) == "for a = 1, b = 2: a + b == 3 holds (a + b is 3)"
    assert failing_part(spec, "AtMostOne", s) == "len(s.ys) <= 1 is false (len(s.ys) is 2, s.ys is <<1, 2>>)"
    assert failing_part(spec, "EachHasABigger", s) == "for a = 2: any(b > a for b in s.ys) is false"  # not any((
    assert failing_part(spec, "TwoStatements", s) is None  # not one expression: nothing guessed
    assert failing_part(spec, "Explained", s) is None  # the spec's own words stand alone
    assert failing_part(spec, "Conjunction", _S(1, (1,))) is None  # holds: nothing to tell
