"""Depth-first and random-simulation modes: planted bugs found, seeds reproducible, bounds honoured."""

from __future__ import annotations

from modelcheck import OK, VIOLATION, check
from modelcheck.cli import main
from modelcheck.engine.dfs import dfs
from modelcheck.engine.graph import explore
from modelcheck.engine.simulate import simulate
from spec.behaviour import validate_trace
from spec.core import Spec, action, invariant
from spec.paxos import Paxos
from spec.registry import build


def test_dfs_explores_everything_and_finds_the_planted_bug() -> None:
    r = dfs(Paxos())
    assert (r.verdict, r.distinct_states, r.states_generated) == (OK, 3921, 22995)
    bad = dfs(build("paxos", "ignore-votes"))
    assert (bad.verdict, bad.violated, bad.trace_length) == (VIOLATION, "Agreement", 12)
    validate_trace(bad.spec, bad.trace)


def test_dfs_depth_bound_explores_exactly_the_states_within_it() -> None:
    g = explore(Paxos())
    for bound in (4, 10):
        r = dfs(Paxos(), depth_bound=bound)
        assert r.distinct_states == sum(1 for d in g.depth_of if d <= bound)
        assert not r.complete
    # ignore-votes needs 13 states: a bound of 12 misses it, 13 finds it.
    assert dfs(build("paxos", "ignore-votes"), depth_bound=12).verdict == OK
    assert dfs(build("paxos", "ignore-votes"), depth_bound=13).trace_length == 12


class Chain(Spec):
    """Initial states 0 and 1; Next goes 0 -> 1 -> 2; state 2 is bad."""

    variables = ("x",)

    def init_states(self):
        return [(0,), (1,)]

    @action()
    def Next(self, s):
        return (s[0] + 1,) if s[0] < 2 else None

    @invariant
    def NotTwo(self, s):
        return s[0] != 2


def test_dfs_depth_bound_expands_an_initial_state_already_reached_deeper() -> None:
    """Within two states of initial state 1 lies the bad state 2. Initial state 0 reached 1 first, at depth 2
    (not expanded under the bound), and the search then skipped initial state 1 as seen: ok, 2 states."""
    r = dfs(Chain(), depth_bound=2)
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, "NotTwo", 1)
    assert [st.state for st in r.trace] == [(1,), (2,)]


def test_simulation_finds_the_planted_bug_from_a_fixed_seed() -> None:
    r = simulate(build("paxos", "ignore-votes"), walks=100, depth=30, seed=0)
    assert (r.verdict, r.violated, r.extra["walk"], r.trace_length) == (VIOLATION, "Agreement", 7, 16)
    validate_trace(r.spec, r.trace)
    again = simulate(build("paxos", "ignore-votes"), walks=1, depth=30, seed=0, first_walk=7)
    assert [st.label for st in again.trace] == [st.label for st in r.trace]  # one walk re-runs alone


def test_simulation_is_reproducible_and_reports_the_deepest_walk() -> None:
    a = simulate(Paxos(), walks=50, depth=20, seed=3)
    b = simulate(Paxos(), walks=50, depth=20, seed=3)
    assert a.verdict == OK and a.trace is None
    assert (a.distinct_states, a.states_generated) == (b.distinct_states, b.states_generated)
    assert [s.label for s in a.deepest_trace] == [s.label for s in b.deepest_trace]
    assert a.depth == len(a.deepest_trace) == 20
    assert simulate(Paxos(), walks=50, depth=20, seed=4).distinct_states != a.distinct_states


def test_cli_modes(capsys) -> None:
    assert (
        main(
            [
                "check",
                "paxos",
                "--variant",
                "ignore-votes",
                "--mode",
                "simulate",
                "--seed",
                "0",
                "--depth",
                "30",
                "--quiet",
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "violation in walk 7" in out and "counterexample: 16 steps" in out and "shortest" not in out
    assert main(["check", "paxos", "--mode", "dfs", "--depth", "10", "--quiet"]) == 0
    assert "depth bound 10 (the bound cut some paths" in capsys.readouterr().out
    assert main(["check", "paxos", "--mode", "dfs", "--depth", "0"]) == 2
    assert "--depth must be at least 1" in capsys.readouterr().err


def test_bfs_is_still_the_default_and_shortest() -> None:
    assert check(build("paxos", "ignore-votes")).trace_length == 12
