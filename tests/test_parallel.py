"""Two worker processes: the same counts, depth and counterexample length as one process."""

from __future__ import annotations

from modelcheck import DEADLOCK, OK, VIOLATION, check
from modelcheck.cli import main
from modelcheck.parallel import parallel_bfs
from modelcheck.replay import validate_trace
from spec.core import Spec, action
from spec.paxos import Paxos
from spec.registry import build


def test_parallel_counts_equal_sequential() -> None:
    for spec, sym in ((Paxos(), False), (Paxos(), True), (build("dueling"), False)):
        a = check(spec, symmetry=sym)
        b = parallel_bfs(spec, workers=2, symmetry=sym)
        assert (b.verdict, b.distinct_states, b.states_generated, b.depth) == (
            OK,
            a.distinct_states,
            a.states_generated,
            a.depth,
        )
        # Which action is credited with a new state depends on which worker saw it first; the totals do not.
        assert {k: c.fired for k, c in b.coverage.items()} == {k: c.fired for k, c in a.coverage.items()}
        assert sum(c.new for c in b.coverage.values()) == sum(c.new for c in a.coverage.values())
    assert parallel_bfs(Paxos(), workers=3).distinct_states == 3921


def test_parallel_counterexample_is_as_short_and_replays() -> None:
    spec = build("paxos", "ignore-votes")
    b = parallel_bfs(spec, workers=2)
    assert (b.verdict, b.violated, b.trace_length, b.depth) == (VIOLATION, "Agreement", 12, 13)
    validate_trace(spec, b.trace)
    assert not spec.invariants["Agreement"](b.trace[-1].state)


class Ladder(Spec):
    """Two counters, each up to 3; the state (3, 3) has no successor."""

    name = "ladder"

    def init_states(self):
        return [(0, 0)]

    @action(params=lambda self, s: ((0,), (1,)))
    def Up(self, s, i):
        return s[:i] + (s[i] + 1,) + s[i + 1 :] if s[i] < 3 else None


def test_parallel_deadlock_at_the_same_depth() -> None:
    spec = Ladder()
    a = check(spec, check_deadlock=True)
    b = parallel_bfs(spec, workers=2, check_deadlock=True)
    assert (a.verdict, b.verdict) == (DEADLOCK, DEADLOCK)
    assert a.trace_length == b.trace_length == 6 and b.trace[-1].state == (3, 3)


def test_cli_workers(capsys) -> None:
    assert main(["check", "paxos", "--workers", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "with 2 worker processes" in out and "3,921 distinct states, 22,995 states generated, depth 17" in out
    assert main(["check", "paxos", "--workers", "0"]) == 2
