"""Dijkstra's self-stabilizing token ring (EWD426; tlaplus/Examples specifications/ewd426/TokenRing.tla) as a
user's file, tests/user_specs/token_ring.py: the first spec checked here with a property of the kind <>[]P
(``Stab == <>[]UniqueToken``), against TLC 2.20's figures on the same models (TokenRing.tla with its ASSUME
N <= M + 1 commented out for the broken models):

    model          distinct  generated  depth  Stab       TLC's lasso
    N=6 M=6 (cfg)    46,656    248,832      1  holds
    N=5 M=5           3,125     13,750      1  holds
    N=5 M=3             243        972      1  violated   from an initial state, a loop of 15 steps
    N=4 M=2              16         48      1  violated   from <<0,0,1,0>>, a loop of 8 steps (the same here)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck import check
from modelcheck.cli import main
from modelcheck.engine.liveness import check_property
from spec.core import SpecError
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "token_ring.py"
TokenRing = load_user_spec(f"{FILE}:TokenRing")
TooFewValues = load_user_spec(f"{FILE}:TooFewValues")


def counts(spec: object) -> tuple[int, int, int]:
    r = check(spec)
    assert r.verdict == "ok"
    return r.distinct_states, r.states_generated, r.depth


def test_the_counts_and_stabilization_are_tlcs() -> None:
    assert counts(TokenRing(5, 5)) == (3125, 13750, 1)
    assert check_property(TokenRing(5, 5), "Stab").holds


@pytest.mark.parametrize(("nodes", "values", "states", "generated", "loop"), [(4, 2, 16, 48, 8), (5, 3, 243, 972, 15)])
def test_too_few_values_never_stabilize_as_tlc_finds(nodes: int, values: int, states: int, generated: int,
                                                      loop: int) -> None:
    """With N > M + 1 a fair behaviour passes more than one token for ever: a lasso from an initial state (no
    prefix), its loop as long as TLC's, each of its states with two tokens or more."""
    spec = TooFewValues(nodes, values)
    assert counts(spec) == (states, generated, 1)
    r = check_property(spec, "Stab")
    assert not r.holds and r.distinct_states == states
    assert (len(r.lasso.prefix), len(r.lasso.loop)) == (1, loop)
    assert not any(spec.unique_token(st.state) for st in r.lasso.loop)
    if nodes == 4:  # TLC's own counterexample: the same initial state, the same loop
        assert r.lasso.prefix[0].state.c == (0, 0, 1, 0)
        assert [st.state.c for st in r.lasso.loop][:2] == [(1, 0, 1, 0), (1, 0, 1, 1)]


def test_the_assumption_is_the_specs_and_the_command_line_takes_the_bounds(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SpecError, match="assumes N <= M \\+ 1; got 4 nodes and 2 values"):
        TokenRing(4, 2)
    assert main(["check", f"{FILE}:TokenRing", "--nodes", "4", "--values", "2"]) == 2
    assert "assumes N <= M + 1" in capsys.readouterr().err
    assert main(["check", f"{FILE}:TooFewValues", "--nodes", "4", "--values", "2", "--liveness", "Stab"]) == 1
    out = capsys.readouterr().out
    assert "property Stab is violated: a fair behaviour of 0 steps that then loops (8 steps) through a state where " \
           "the goal fails" in out
    assert main(["variants", "--spec", str(FILE), "--check"]) == 0  # the catalog's entry: Stab, a loop of 8 steps
    assert "too-few-values  Stab, 8 steps" in capsys.readouterr().out


@pytest.mark.slow
def test_tokenring_cfg() -> None:
    """TokenRing.cfg itself: N = M = 6."""
    assert counts(TokenRing()) == (46656, 248832, 1)
    assert check_property(TokenRing(), "Stab").holds
