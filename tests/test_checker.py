"""Checker behaviour: traces replay, symmetry preserves verdicts, deadlock detection, limits."""

from __future__ import annotations

import pytest

from modelcheck import DEADLOCK, OK, VIOLATION, check
from modelcheck.engine.dfs import dfs
from modelcheck.engine.result import Step
from spec.behaviour import ReplayError, validate_trace
from spec.core import Label, Spec, action, invariant
from spec.paxos import Paxos
from spec.registry import build


class Counter(Spec):
    """x counts up to 3 and then has nowhere to go; Small says x < 3."""

    name = "counter"
    variables = ("x",)

    def init_states(self):
        yield (0,)

    @action()
    def Inc(self, s):
        return (s[0] + 1,) if s[0] < 3 else None

    @invariant
    def Small(self, s):
        return s[0] < 3

    def show_state(self, s):
        return {"x": s[0]}


def test_invariant_violation_names_invariant_and_gives_shortest_trace() -> None:
    r = check(Counter())
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, "Small", 3)
    assert [st.state for st in r.trace] == [(0,), (1,), (2,), (3,)]


def test_deadlock_detected_only_when_asked() -> None:
    r = check(Counter(), check_invariants=False, check_deadlock=True)
    assert (r.verdict, r.trace_length) == (DEADLOCK, 3)
    assert check(Counter(), check_invariants=False).verdict == OK


def test_symmetry_gives_same_verdicts() -> None:
    for variant in (None, "ignore-votes"):
        plain = check(build("paxos", variant))
        sym = check(build("paxos", variant), symmetry=True)
        assert (plain.verdict, plain.violated, plain.trace_length) == (sym.verdict, sym.violated, sym.trace_length)
        assert sym.distinct_states < plain.distinct_states


def test_every_reported_trace_replays_and_tampering_is_caught() -> None:
    r = check(build("paxos", "ignore-votes"))
    validate_trace(r.spec, r.trace)
    bad = list(r.trace)
    bad[5] = Step(bad[5].label, bad[4].state)  # a step that changes nothing it claims to
    with pytest.raises(ReplayError) as exc:
        validate_trace(r.spec, bad)
    assert exc.value.index == 6
    wrong_label = list(r.trace)
    wrong_label[3] = Step(Label("Phase2b", (0, 1, 0)), wrong_label[3].state)
    with pytest.raises(ReplayError, match="step 4"):
        validate_trace(r.spec, wrong_label)


def test_max_states_stops_early_and_says_incomplete() -> None:
    for n in (1, 100, 300, 3920):  # exactly N distinct states: stored and checked, then the stop
        r = check(Paxos(), max_states=n)
        assert not r.complete and r.distinct_states == n
        r = dfs(Paxos(), max_states=n)
        assert not r.complete and r.distinct_states == n


def test_fingerprint_store_holds_no_states() -> None:
    r = check(Paxos())
    assert 0 < r.bytes_per_state < 300


def test_progress_lines_on_stderr() -> None:
    import io

    from modelcheck.engine.progress import Progress

    stream = io.StringIO()
    check(Paxos(), progress=Progress("paxos", every=0.0, stream=stream))
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 2 and "distinct" in lines[0] and "states/s" in lines[0]
    assert lines[-1].startswith("[paxos] done: 3,921 distinct states")


def test_type_invariant_catches_ill_typed_state() -> None:
    class WildBallot(Paxos):
        def Phase1b(self, s, a, b):  # promises a ballot that does not exist; stays an action undecorated
            nxt = super().Phase1b(s, a, b)
            return None if nxt is None else nxt._replace(maxBal=nxt.maxBal[:a] + (b + 7,) + nxt.maxBal[a + 1 :])

    r = check(WildBallot(acceptors=1, values=1))
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, "TypeOK", 2)


from fractions import Fraction  # noqa: E402 - this test's own imports
from typing import NamedTuple  # noqa: E402

from modelcheck.engine.parallel import parallel_bfs  # noqa: E402
from modelcheck.engine.refinement import check_refinement  # noqa: E402
from modelcheck.engine.simulate import simulate  # noqa: E402


class _Down(NamedTuple):
    x: int
    w: Fraction


class CountDown(Spec):
    """A counter going down from 0 to -3, a weight halving from 1 and then subtracted (newuser6)."""

    variables = ("x", "w")

    def init_states(self) -> list[_Down]:
        return [_Down(0, Fraction(0))]

    @action()
    def Dec(self, s: _Down) -> _Down | None:
        return _Down(s.x - 1, s.w - 1) if s.x > -3 else None

    @invariant
    def NotMinusTwo(self, s: _Down) -> bool:
        return s.x != -2


def test_minus_one_and_minus_two_are_two_states() -> None:
    """Python hashes -1 as -2, and a state's fingerprint was its hash: the state x = -2 was taken for x = -1,
    already seen, so the counter stopped there: '2 distinct states ... No error found' for a model of 4 states
    whose invariant fails in 2 steps (a silent wrong result)."""
    spec = CountDown()
    assert check(spec, check_invariants=False).distinct_states == 4
    r = check(spec)
    assert r.verdict == VIOLATION and r.violated == "NotMinusTwo" and len(r.trace) == 3
    assert parallel_bfs(spec, workers=2, check_invariants=False).distinct_states == 4
    assert dfs(spec, check_invariants=False).distinct_states == 4
    assert check_refinement(spec, spec, lambda s: s).distinct_states == 4
    assert simulate(spec, walks=2, depth=10, check_invariants=False).distinct_states == 4  # its statistic too
