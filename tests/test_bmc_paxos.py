"""Z3 bounded model checking gives the explicit checker's verdicts and shortest counterexample lengths."""

from __future__ import annotations

import pytest

from modelcheck import check
from modelcheck.cli import main
from proofs.paxos.bmc import bmc
from spec.registry import build


# One acceptor (8 steps, ~1 s) in the default run; two and three (12 steps, ~8 s and more) under `slow`.
@pytest.mark.parametrize(
    ("acceptors", "length"),
    [(1, 8), pytest.param(2, 12, marks=pytest.mark.slow), pytest.param(3, 12, marks=pytest.mark.slow)],
)
def test_ignore_votes_shortest_violation_matches_the_explicit_checker(acceptors, length):
    spec = build("paxos", "ignore-votes", acceptors=acceptors, values=2, max_ballot=1)
    explicit = check(spec)
    res = bmc(spec, explicit.trace_length)
    assert (res.violated, res.length) == (explicit.violated, explicit.trace_length)
    assert res.length == length
    # The Z3 trace is a trace of the spec: each step is an enabled action's successor, ending where Agreement fails.
    assert res.trace[0] == (None, next(iter(spec.init_states())))
    assert not spec.invariants["Agreement"](res.trace[-1][1])
    assert all(spec.invariants["Agreement"](s) for _, s in res.trace[:-1])


def test_too_shallow_a_bound_finds_nothing_like_the_explicit_checker():
    spec = build("paxos", "ignore-votes", acceptors=1, values=2, max_ballot=1)
    assert check(spec).trace_length == 8
    res = bmc(spec, 7)
    assert res.length is None and res.unknown is None and len(res.seconds_per_depth) == 8


def test_paxos_has_no_violation_within_the_bound():
    spec = build("paxos", acceptors=2, values=2, max_ballot=1)
    assert check(spec).violated is None
    res = bmc(spec, 8)
    assert res.length is None and res.unknown is None


def test_bmc_command_reports_the_shortest_trace(capsys):
    argv = ["bmc", "paxos", "--variant", "ignore-votes", "--acceptors", "1", "--values", "2", "--max-ballot", "1"]
    explicit = check(build("paxos", "ignore-votes", acceptors=1, values=2, max_ballot=1))
    assert explicit.trace_length == 8
    assert main([*argv, "--depth", "10"]) == 1
    out = capsys.readouterr().out
    assert "Agreement is violated; shortest counterexample: 8 steps" in out
    assert "  9. Phase2b(" in out
    assert main([*argv, "--depth", "3"]) == 0
    assert "No violation of Agreement within 3 steps" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bmc", "paxos", "--depth", "-1"], "--depth must be at least 0, got -1"),
        (["bmc", "paxos", "--depth", "2", "--variant", "nope"], "no Z3 encoding of variant 'nope'"),
        (["bmc", "voting", "--depth", "2"], "no Z3 encoding of spec 'voting'"),
    ],
)
def test_bmc_command_bad_input(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
