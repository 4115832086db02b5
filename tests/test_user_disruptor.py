"""The Disruptor ring buffer (tests/user_specs/disruptor.py), tlaplus/Examples' specifications/Disruptor written
from docs/writing-a-spec.md alone: TLC's counts on each model its manifest lists, Liveliness as TLC judges it, and
three planted bugs with TLC's counterexamples and TLC's counts at the stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.engine.liveness import check_liveness
from modelcheck.engine.refinement import check_refinement
from spec.core import SpecError
from spec.refinements import refinement
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "disruptor.py"
SPMC = load_user_spec(f"{FILE}:SPMC")
MPMC = load_user_spec(f"{FILE}:MPMC")
ReaderOvertakes = load_user_spec(f"{FILE}:ReaderOvertakes")
WriterLaps = load_user_spec(f"{FILE}:WriterLaps")

# TLC 2.20 -workers 1 on tests/user_specs/Disruptor (tlaplus/Examples' specifications/Disruptor, unchanged):
# Disruptor_SPMC.cfg (w; r1..r3; Size 4; MaxPublished 10) 8,496 distinct / 28,049 generated / depth 82, TypeOk,
# NoDataRaces and Liveliness hold; Disruptor_MPMC.cfg (w1, w2; r1..r3) 112,929 / 422,781 / 81;
# Disruptor_MPMC_liveliness.cfg (w1, w2; r1, r2) 14,365 / 44,581 / 61, Liveliness holds. The manifest's figures.
# The planted bugs, each on Disruptor_SPMC.cfg's constants: Disruptor_SPMC_Overtake.tla (BeginRead's guard
# published + 1 >= next) "Invariant TypeOk is violated", BeginRead(r1), 3 generated / 3 distinct at the stop;
# Disruptor_SPMC_Lap.tla (BeginWrite's guard min_read >= next - Size - 1) "Invariant NoDataRaces is violated",
# four writes, a fifth begun, then BeginRead(r1): 10 steps, 443 generated / 181 distinct; Disruptor_SPMC.tla with
# Disruptor_SPMC_TwoWriters.cfg (w1, w2) NoDataRaces, BeginWrite(w1) then BeginWrite(w2), 4 / 4.


def counts(r: object) -> tuple:
    return (r.verdict, r.distinct_states, r.states_generated, r.depth)  # type: ignore[attr-defined]


def test_counts_are_tlcs() -> None:
    assert counts(check(SPMC())) == ("ok", 8_496, 28_049, 82)
    assert counts(check(MPMC(readers=2))) == ("ok", 14_365, 44_581, 61)


@pytest.mark.slow
def test_mpmc_counts_are_tlcs() -> None:
    assert counts(check(MPMC())) == ("ok", 112_929, 422_781, 81)


def test_liveliness_holds_as_tlc_finds_it() -> None:
    """Disruptor_SPMC.cfg and Disruptor_MPMC_liveliness.cfg check Liveliness; the safety part's counts are TLC's."""
    for spec, want in ((SPMC(), (8_496, 28_049, 82)), (MPMC(readers=2), (14_365, 44_581, 61))):
        safety, verdicts = check_liveness(spec, ["Liveliness(r1,0)", "Liveliness(r2,9)"])
        assert counts(safety) == ("ok", *want) and [v.holds for v in verdicts] == [True, True]


@pytest.mark.slow
def test_every_liveliness_entry_holds() -> None:
    for spec, n in ((SPMC(), 30), (MPMC(readers=2), 20)):
        _, verdicts = check_liveness(spec)
        assert len(verdicts) == n and all(v.holds for v in verdicts)


def test_the_planted_bugs_stop_where_tlc_stops() -> None:
    for spec, violated, trace, at_stop in (
        (ReaderOvertakes(), "TypeOk", ["BeginRead(r=r1)"], (3, 3)),
        (WriterLaps(), "NoDataRaces",
         ["BeginWrite(w=w)", "EndWrite(w=w)"] * 4 + ["BeginWrite(w=w)", "BeginRead(r=r1)"], (181, 443)),
        (SPMC(writers=2), "NoDataRaces", ["BeginWrite(w=w1)", "BeginWrite(w=w2)"], (4, 4)),
    ):
        r = check(spec)
        assert (r.violated, [spec.show_label(st.label) for st in r.trace[1:]]) == (violated, trace)
        assert (r.distinct_states, r.states_generated) == at_stop


def test_mpmc_with_one_writer_refines_spmc() -> None:
    """The write cursor is the sequence claimed, less one while it is being written."""
    one = MPMC(writers=1, readers=2, max_published=6)
    assert check_refinement(one, *refinement(one, "SPMC")).holds
    with pytest.raises(SpecError, match="one writer only"):
        refinement(MPMC(), "SPMC")


def test_variants_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "every entry agrees" in out and "NoDataRaces, 10 steps" in out
    code, out, _ = run(capsys, "list", str(FILE))
    assert code == 0 and "checks: invariants TypeOk, NoDataRaces" in out
