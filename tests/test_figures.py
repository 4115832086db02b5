"""Same figures before and after: tests/data/figures.json records, for every default-suite model and every fast
catalog entry, the verdict, distinct states, states generated, depth, counterexample length and digests of the
counterexample and the coverage (benchmarks/figures.py measures them).  The default run re-measures the small
rows; ``make test-slow`` all of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
BASELINE = json.loads((ROOT / "tests/data/figures.json").read_text())
SMALL = 8_000  # distinct states: rows at most this big are re-measured in the default run (about 3 CPU s in all)


FIGURES = load_script("benchmarks/figures.py", "figures_bench")


def _measure(small_only: bool) -> tuple[dict[str, dict], dict[str, dict]]:
    want = {k for k, v in BASELINE.items() if not small_only or v["distinct_states"] <= SMALL}
    measured = {name: FIGURES.figures(spec, sym) for name, spec, sym in FIGURES.models() if name in want}
    return {k: BASELINE[k] for k in want}, measured


def test_the_baseline_covers_the_suite_and_every_fast_catalog_entry() -> None:
    names = [name for name, _, _ in FIGURES.models()]
    assert sorted(names) == sorted(BASELINE)
    assert sum(n.startswith("suite/") for n in names) == 8 and sum(n.startswith("catalog/") for n in names) == 29


def test_small_rows_give_the_recorded_figures() -> None:
    baseline, measured = _measure(small_only=True)
    assert len(measured) == 24
    assert FIGURES.compare(baseline, measured) == []


@pytest.mark.slow
def test_every_row_gives_the_recorded_figures() -> None:
    baseline, measured = _measure(small_only=False)
    assert FIGURES.compare(baseline, measured) == []


def test_a_changed_figure_is_reported() -> None:
    row = dict(BASELINE["catalog/paxos/dup-ballot"])
    changed = {**row, "distinct_states": row["distinct_states"] + 1, "trace": "0" * 16, "cpu_seconds": 99.0}
    assert FIGURES.compare({"catalog/paxos/dup-ballot": row}, {"catalog/paxos/dup-ballot": changed}) == [
        "catalog/paxos/dup-ballot: distinct_states 11 -> 12",
        f"catalog/paxos/dup-ballot: trace {row['trace']!r} -> '0000000000000000'",
    ]  # cpu_seconds is not a figure
    assert FIGURES.compare({"a": row}, {}) == ["a: only before"]
