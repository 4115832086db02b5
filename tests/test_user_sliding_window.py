"""A new user's spec written from README.md, docs/writing-a-spec.md and docs/fast-specs.md only (notes
newuser, 2026-12-04 evening): a sliding-window protocol (tests/user_specs/sliding_window.py), plain and
with each speed hook (OUTSIDE, ``@counts_outside``/``Counted``, ``bundled``, ``keeps_constraint``), whose
counts, depth and coverage must be the plain spec's in every engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run  # the CLI run with its captured output

from modelcheck import OK, check
from modelcheck.engine.coordinator import search
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "sliding_window.py"
CLASSES = ("SlidingWindow", "Outside", "CountedSends", "Bundled", "Kept", "Fast")

# (bounds, (distinct, generated, depth)): exact, the plain spec's
FIGURES = [
    ({}, (722, 5992, 15)),
    ({"max_len": 1}, (80, 423, 13)),
    ({"packets": 4, "window": 3, "max_len": 3}, (24169, 310887, 19)),
]


def _spec(name: str, **bounds: int):  # noqa: ANN202 - a Spec of the user's file
    return load_user_spec(f"{FILE}:{name}")(**bounds)


def _figures(r):  # noqa: ANN001, ANN202 - a Result
    coverage = {k: (c.fired, c.new) for k, c in r.coverage.items()}
    return r.verdict, r.distinct_states, r.states_generated, r.depth, coverage


@pytest.mark.parametrize("bounds, counts", FIGURES[:2])
@pytest.mark.parametrize("name", CLASSES)
def test_every_hook_gives_the_plain_counts(name: str, bounds: dict, counts: tuple) -> None:
    plain = check(_spec("SlidingWindow", **bounds))
    assert (plain.verdict, plain.distinct_states, plain.states_generated, plain.depth) == (OK, *counts)
    assert _figures(check(_spec(name, **bounds))) == _figures(plain)
    assert _figures(search(_spec(name, **bounds), workers=2)) == _figures(plain)


@pytest.mark.parametrize("limit", [1, 100, 700])
def test_a_stop_counts_what_the_plain_spec_counts(limit: int) -> None:
    plain = check(_spec("SlidingWindow"), max_states=limit)
    assert _figures(check(_spec("Fast"), max_states=limit)) == _figures(plain)


def test_the_larger_model_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    bounds, counts = FIGURES[2]
    flags = ("--packets", "4", "--window", "3", "--max-len", "3")
    line = f"{counts[0]:,} distinct states, {counts[1]:,} states generated, depth {counts[2]}"
    for name, workers in (("SlidingWindow", ()), ("Fast", ()), ("Fast", ("--workers", "2"))):
        code, out, err = run(capsys, "check", f"{FILE}:{name}", *flags, *workers)
        assert code == 0 and line in out, (name, out, err)
