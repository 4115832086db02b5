"""The Disruptor ring buffer (tests/user_specs/disruptor.py), tlaplus/Examples' specifications/Disruptor written
from docs/writing-a-spec.md alone: TLC's counts on each model its manifest lists, Liveliness as TLC judges it, and
three planted bugs with TLC's counterexamples and TLC's counts at the stop."""

from __future__ import annotations

import json
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
# With the readers interchangeable (MCDisruptor_SPMC.tla / MCDisruptor_MPMC.tla: SYMMETRY Permutations(Readers),
# the invariants only): SPMC 2,003 / 6,669 / 82, MPMC 26,655 / 101,679 / 81.
# The planted bugs, each on Disruptor_SPMC.cfg's constants: Disruptor_SPMC_Overtake.tla (BeginRead's guard
# published + 1 >= next) "Invariant TypeOk is violated", BeginRead(r1), 3 generated / 3 distinct at the stop;
# Disruptor_SPMC_Lap.tla (BeginWrite's guard min_read >= next - Size - 1) "Invariant NoDataRaces is violated",
# four writes, a fifth begun, then BeginRead(r1): 10 steps, 443 generated / 181 distinct; Disruptor_SPMC.tla with
# Disruptor_SPMC_TwoWriters.cfg (w1, w2) NoDataRaces, BeginWrite(w1) then BeginWrite(w2), 4 / 4;
# Disruptor_SPMC_UnfairEnd.tla (no WF_vars(EndRead(r1)); Lazy = r1) "Temporal properties were violated", 14 steps
# then stuttering, found when its search had 1,201 distinct states (TLC's lasso is not a shortest one: paxraft's,
# for the entry Liveliness(r1,1), has 13 steps).


def counts(r: object) -> tuple:
    return (r.verdict, r.distinct_states, r.states_generated, r.depth)  # type: ignore[attr-defined]


def test_counts_are_tlcs() -> None:
    """Without symmetry, SPMC's are asserted by the liveness test below, whose exploration is check's search."""
    # trusted here (the search alone: 0.26 CPU s); the slow test below lets paxraft check the permute first (0.9)
    assert counts(check(SPMC(), symmetry=True, trust_symmetry=True)) == ("ok", 2_003, 6_669, 82)


@pytest.mark.slow
def test_mpmc_counts_are_tlcs() -> None:
    assert counts(check(MPMC())) == ("ok", 112_929, 422_781, 81)
    assert counts(check(MPMC(), symmetry=True)) == ("ok", 26_655, 101_679, 81)
    assert counts(check(SPMC(), symmetry=True)) == ("ok", 2_003, 6_669, 82)


def test_liveliness_holds_as_tlc_finds_it() -> None:
    """Disruptor_SPMC.cfg and Disruptor_MPMC_liveliness.cfg check Liveliness (one entry per reader and sequence);
    the invariants are checked in the same exploration, with TLC's counts."""
    for spec, want, entries in ((SPMC(), (8_496, 28_049, 82), 30), (MPMC(readers=2), (14_365, 44_581, 61), 20)):
        safety, verdicts = check_liveness(spec)
        assert counts(safety) == ("ok", *want) and len(verdicts) == entries and all(v.holds for v in verdicts)


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
    assert "Liveliness(r1,1), 13 steps      Liveliness(r1,1), 13 steps" in out
    code, out, _ = run(capsys, "list", str(FILE))
    assert code == 0 and "checks: invariants TypeOk, NoDataRaces" in out


def test_properties_judged_on_one_graph_share_its_fair_components(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``<>[]`` entry searches the whole graph: its fair components are computed once, not once per entry
    (30 Liveliness entries took 2.8 CPU s on Disruptor_SPMC.cfg, where the exploration took 0.2)."""
    import modelcheck.engine.liveness as liveness

    calls = []
    real = liveness._fair_components
    monkeypatch.setattr(liveness, "_fair_components", lambda *a, **k: calls.append(1) or real(*a, **k))
    _, verdicts = check_liveness(SPMC(readers=2, max_published=3))
    assert [v.holds for v in verdicts] == [True] * 6 and len(calls) == 1
    _, [broken, *_] = check_liveness(SPMC(readers=2, max_published=3), fairness=[])
    assert not broken.holds and broken.lasso is not None and broken.lasso.stutters


def test_a_family_of_properties_is_named_as_tlc_names_its_property(capsys: pytest.CaptureFixture[str]) -> None:
    """``--liveness Liveliness`` checks its 30 entries (it was refused, in a line cut before it said why); the model,
    fairness and figures are printed once (they were printed 30 times), and a name typed wrong is hinted whole."""
    small = [f"{FILE}:SPMC", "--readers", "2", "--max-published", "3"]
    code, out, _ = run(capsys, "check", *small, "--liveness", "Liveliness")
    assert code == 0 and out.count("holds under this fairness.") == 6 and out.count("Model: ") == 1
    assert out.count("Fairness: ") == 1 and out.count(" distinct states, ") == 1
    assert out.splitlines()[-2] == "All 6 properties checked hold under this fairness."
    code, out, _ = run(capsys, "check", f"{FILE}:LazyReader", *small[1:], "--liveness", "Liveliness")
    assert code == 1 and out.splitlines()[-2] == "Violated: 2 of the 6 properties checked: Liveliness(r1,1), " \
        "Liveliness(r1,2)"  # (after them, four entries that hold: the output ended 'holds')
    code, out, _ = run(capsys, "check", *small, "--liveness", "Liveliness", "--json")
    assert code == 0 and [p["property"] for p in json.loads(out)][-1] == "Liveliness(r2,2)"
    code, out, _ = run(capsys, "check", *small, "--liveness", "Liveliness(r2,2)", "--json")
    assert code == 0 and json.loads(out)["verdict"] == "ok"  # one entry named: one object, as before
    code, _, err = run(capsys, "check", f"{FILE}:SPMC", "--liveness", "Livelines")
    assert code == 2 and err.strip() == "paxraft check: error: SPMC: no temporal property 'Livelines' (declared: " \
        "Liveliness(r1,0) .. Liveliness(r3,9) (30 entries of Liveliness)); did you mean 'Liveliness'?"
    code, out, _ = run(capsys, "list", f"{FILE}:SPMC")
    assert "properties Liveliness(r1,0) .. Liveliness(r3,9) (30 entries of Liveliness) (--liveness)" in out


def test_failing_bounds_left_empty_says_what_to_write(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A variant failing at the defaults, recorded as ``failing_bounds = {}``, was 'no failing bounds recorded':
    its author had recorded them, as they thought."""
    f = tmp_path / "at_defaults.py"
    f.write_text(f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\nfrom disruptor import ReaderOvertakes\n\n\n"
                 "class AtDefaults(ReaderOvertakes):\n    variant = 'at-defaults'\n    failing_bounds = {}\n")
    code, out, _ = run(capsys, "variants", "--spec", str(f), "--check", "at-defaults")
    assert code == 1 and "DIFFERS: failing_bounds = {} names no bound of a spec that has some (writers, readers, " \
        "size, max_published): at the defaults, write them (failing_bounds = {'writers': 1, 'readers': 3, 'size': 4, " \
        "'max_published': 10})" in out


def test_a_variants_trace_replayed_on_its_spec_says_which_variant_made_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Replayed with ``--spec FILE:SPMC``, writer-laps's trace fails at the step the variant changed, 'not enabled':
    the report now names the variant and the class the trace records."""
    code, _, _ = run(capsys, "check", f"{FILE}:SPMC", "--variant", "writer-laps", "--out", str(tmp_path))
    assert code == 1
    code, out, _ = run(capsys, "replay", str(tmp_path / "trace.itf.json"), "--spec", f"{FILE}:SPMC")
    assert code == 1 and "FAIL state 10: BeginWrite(w=w): not enabled in the previous state" in out
    assert f"(The trace was made by the variant writer-laps, {FILE}:WriterLaps; this replay ran SPMC writers=1 " \
        "readers=3 size=4 max_published=10.)" in out
    code, out, _ = run(capsys, "replay", str(tmp_path / "trace.itf.json"), "--spec", f"{FILE}:WriterLaps")
    assert code == 0 and "the last state violates NoDataRaces" in out
