"""The variant catalog: every entry's verdict, property and counterexample length, and `paxraft variants`."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelcheck import OK, VIOLATION, check
from modelcheck.cli import main
from modelcheck.cli.cmd_variants import check_entry
from spec.behaviour import ReplayError, Step, validate_trace
from spec.catalog import Entry, catalog, select
from spec.core import Label, SpecError
from spec.paxos import Paxos
from spec.registry import entries, variant

PAXOS = catalog("paxos")
PAXOS_VARIANTS = [
    "ignore-votes",
    "any-vote",
    "accept-below-promise",
    "promise-any",
    "dup-ballot",
    "no-promise-on-accept",
    "volatile-promise",
    "amnesia",
    "flexible",
]


def test_catalog_has_the_paxos_variants_and_quorum_cases() -> None:
    names = [e.name for e in PAXOS]
    assert names[: len(PAXOS_VARIANTS)] == PAXOS_VARIANTS
    cases = [e for e in PAXOS if e.name.startswith("flexible-")]
    assert len(cases) == 9 and {e.expected for e in cases} == {"ok", "violation"}
    for e in PAXOS:
        assert e.rule and e.source and e.recorded, e.name


def test_catalog_gathers_every_registered_variant_of_every_spec() -> None:
    listed = {(e.spec, e.variant) for e in catalog()}
    for spec_entry in entries().values():  # Raft's variants too, once spec/raft_variants.py registers them
        for name in spec_entry.variants:
            assert (spec_entry.name, name) in listed


def test_a_newly_registered_variant_appears_without_touching_the_catalog() -> None:
    @variant("paxos")
    class Late(Paxos):
        variant = "late-test-variant"
        rule = "nothing changed"
        failing_bounds = {"acceptors": 1, "values": 1}

    try:
        (row,) = select(["late-test-variant"])
        assert (row.spec, row.breaks, row.expected, row.show_bounds()) == ("paxos", None, "ok", "acceptors=1 values=1")
        assert check_entry(row).agrees
    finally:
        del entries()["paxos"].variants["late-test-variant"]


# The two 17-step rows at max_ballot 2 (311,040 and 127,554 states, ~15 s and ~7 s) run under `slow`; their
# default twin is test_a_deep_entry_breaks_agreement_from_a_state_paxos_keeps_safe below.
_SLOW_ENTRIES = {"no-promise-on-accept", "any-vote"}


@pytest.mark.parametrize(
    "entry", [pytest.param(e, marks=pytest.mark.slow) if e.name in _SLOW_ENTRIES else e for e in PAXOS],
    ids=[e.name for e in PAXOS],
)
def test_each_paxos_entry_is_found_as_recorded(entry: Entry) -> None:
    o = check_entry(entry)
    r = o.result
    assert r is not None and r.complete
    if entry.breaks is None:
        assert r.verdict == OK
    else:
        assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, entry.breaks, entry.trace_length)
        validate_trace(r.spec, r.trace)
    assert o.agrees


# Each slow row: the first 9 steps of its shortest counterexample (what the slow search finds; ballots 0, 1
# and 2 begun, the same steps Paxos takes), then the states the checker explores from there: the variant's
# (it breaks Agreement in exactly 8 more steps) and Paxos's (complete and safe).
_FROM_STEP_9 = {
    "no-promise-on-accept": (
        [("Phase1a", (0,)), ("Phase1a", (1,)), ("Phase1a", (2,)), ("Phase1b", (0, 1)), ("Phase1b", (0, 2)),
         ("Phase1b", (1, 0)), ("Phase1b", (1, 1)), ("Phase1b", (2, 0)), ("Phase2a", (0, 0))],
        2746, 1456,
    ),
    "any-vote": (
        [("Phase1a", (0,)), ("Phase1a", (1,)), ("Phase1a", (2,)), ("Phase1b", (0, 1)), ("Phase1b", (1, 0)),
         ("Phase1b", (1, 1)), ("Phase1b", (2, 0)), ("Phase2a", (0, 0)), ("Phase2a", (1, 1))],
        1312, 1536,
    ),
}  # fmt: skip


def _from(cls: type[Paxos], bounds: dict, start: object) -> Paxos:
    """``cls`` at ``bounds``, started in ``start`` instead of Init."""

    class From(cls):
        def init_states(self) -> Iterator[object]:
            yield start

    return From(**bounds)


@pytest.mark.parametrize("name", sorted(_SLOW_ENTRIES))
def test_a_deep_entry_breaks_agreement_from_a_state_paxos_keeps_safe(name: str) -> None:
    """Default twin of a slow exhaustive row: the same rule caught by the same checker, from a mid-trace state."""
    (e,) = select([name])
    labels, variant_states, paxos_states = _FROM_STEP_9[name]
    variant_spec, paxos = e.build(), Paxos(**e.bounds)
    prefix = [Step(None, next(iter(variant_spec.init_states())))]
    for label, params in labels:
        state = variant_spec.action(label).step(prefix[-1].state, *params)
        assert state is not None, (label, params)
        prefix.append(Step(Label(label, params), state))
    validate_trace(paxos, prefix)  # Paxos reaches this state too
    broken = check(_from(type(variant_spec), e.bounds, prefix[-1].state))
    assert (broken.verdict, broken.violated, broken.trace_length, broken.distinct_states) == (
        VIOLATION, "Agreement", 8, variant_states)
    whole = prefix + broken.trace[1:]  # a behaviour of the variant from Init, of the catalog's recorded length
    validate_trace(variant_spec, whole)
    assert len(whole) - 1 == e.trace_length == 17
    with pytest.raises(ReplayError):  # that Paxos cannot take: the changed rule is used
        validate_trace(paxos, whole)
    safe = check(_from(Paxos, e.bounds, prefix[-1].state))  # Paxos's rule from the same state: no violation
    assert (safe.verdict, safe.complete, safe.distinct_states) == (OK, True, paxos_states)


@pytest.mark.parametrize("name", PAXOS_VARIANTS)
def test_recorded_bounds_are_locally_smallest(name: str) -> None:
    """Lowering any one bound (acceptors, ballots, restarts, quorum sizes) makes the variant safe."""
    (e,) = select([name])
    cls = type(e.build())
    for key, val in e.bounds.items():
        if key == "values":  # two values are the least that can break Agreement
            continue
        lower = {**e.bounds, key: val - 1}
        try:
            spec = cls(**lower)
        except SpecError:  # e.g. no acceptor, or a quorum of size 0
            continue
        assert check(spec).verdict == OK, f"{name} still fails with {key}={val - 1}"


def test_variants_are_one_rule_each() -> None:
    base = set(vars(Paxos))
    for name in PAXOS_VARIANTS:
        cls = entries()["paxos"].variants[name]
        # dunders are the class's own bookkeeping (Python 3.13 adds __firstlineno__ and __static_attributes__)
        changed = {k for k in vars(cls) if k in base and not (k.startswith("__") and k.endswith("__"))}
        catalog_fields = {"variant", "rule", "breaks", "failing_bounds", "trace_length", "source"}
        assert len(changed - catalog_fields) == 1, (name, changed - catalog_fields)
        for member in changed - catalog_fields:
            value = vars(cls)[member]
            if callable(value):
                assert len(inspect.getsource(value).splitlines()) <= 14, name


def test_a_wrong_recorded_length_or_verdict_is_reported() -> None:
    (good,) = select(["dup-ballot"])
    assert check_entry(good).agrees
    wrong_length = Entry(**{**good.__dict__, "trace_length": 5})
    assert not check_entry(wrong_length).agrees
    wrong_verdict = Entry(**{**good.__dict__, "breaks": None})
    assert not check_entry(wrong_verdict).agrees
    unrecorded = Entry(**{**good.__dict__, "bounds": {}, "recorded": False})
    o = check_entry(unrecorded)
    assert o.result is None and not o.agrees


def test_variants_command_prints_the_table(capsys) -> None:
    assert main(["variants", "--spec", "paxos", "--long"]) == 0
    out = capsys.readouterr().out
    assert "smallest failing bounds" in out and "rule changed" in out
    assert "dup-ballot" in out and "Agreement, 6 steps" in out and "acceptors=1 values=2 max_ballot=0" in out
    assert "tried acceptors=4 values=2 max_ballot=1 q1=rows q2=columns" in out
    assert "source: Lamport, Paxos Made Simple" in out


def test_the_table_of_a_users_file_says_how_to_re_run_it(capsys) -> None:
    """The hint said 'paxraft variants --check [NAME...]', which knows only the shipped catalog: for a user's
    file it answered "no catalog entry 'one-step-threshold-low'" (newuser8)."""
    bosco = str(Path(__file__).resolve().parent / "user_specs" / "bosco.py")
    assert main(["variants", "--spec", bosco]) == 0
    out = capsys.readouterr().out
    assert f"\n2 entries. 'paxraft variants --spec {bosco} --check [NAME...]' re-runs them;\n" in out
    assert f"'paxraft check {bosco}:Bosco --variant NAME' runs one variant at any bounds." in out
    assert main(["variants", "--spec", bosco, "--check", "one-step-threshold-low"]) == 0
    assert "1 entry checked" in capsys.readouterr().out
    assert main(["variants", "--spec", "paxos"]) == 0
    assert "'paxraft variants --check [NAME...]' re-runs them;" in capsys.readouterr().out


def test_variants_check_agrees_and_exits_0(capsys) -> None:
    argv = ["variants", "--check", "--quiet", "dup-ballot", "amnesia", "flexible-n3-q1-q2", "flexible-n3-q3-q1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("  agrees") == 4 and "4 entries checked" in out and "every entry agrees" in out
    assert "Agreement, 9 steps" in out and "safe" in out


def test_variants_check_json(capsys) -> None:
    assert main(["variants", "--check", "--json", "promise-any"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["found"] == "violation" and row["violated"] == "Agreement" and row["found_trace_length"] == 8
    assert row["agrees"] is True and row["bounds"] == "acceptors=1 values=2 max_ballot=1"


def test_variants_check_exits_1_on_disagreement(capsys, monkeypatch) -> None:
    from spec.paxos_variants import DupBallot

    monkeypatch.setattr(DupBallot, "trace_length", 7)  # a catalog that records the wrong length
    assert main(["variants", "--check", "--quiet", "dup-ballot"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS" in out and "1 disagree: dup-ballot" in out


def test_unknown_entry_is_one_line_exit_2(capsys) -> None:
    assert main(["variants", "no-such-variant"]) == 2
    err = capsys.readouterr().err
    assert "no catalog entry 'no-such-variant'" in err and len(err.strip().splitlines()) == 1


EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "my_variant.py"


def test_users_file_variant_through_the_command_line() -> None:
    def paxraft(*argv: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "modelcheck.cli", *argv]
        return subprocess.run(cmd, capture_output=True, text=True, check=False)

    silent = paxraft("check", f"{EXAMPLE}:SilentVotes", "--acceptors", "1", "--json")
    obj = json.loads(silent.stdout)
    assert silent.returncode == 1
    assert (obj["variant"], obj["violated"], obj["trace_length"]) == ("silent-votes", "Agreement", 8)
    forget = paxraft("check", f"{EXAMPLE}:ForgetVote", "--acceptors", "1", "--max-restarts", "1")
    assert forget.returncode == 1
    assert "Model: paxos[forget-vote] acceptors=1 values=2 max_ballot=1 max_restarts=1" in forget.stdout
    assert "invariant Agreement is violated; shortest counterexample: 9 steps" in forget.stdout
    assert " Restart(a=a1)" in forget.stdout
    assert paxraft("check", f"{EXAMPLE}:ForgetVote", "--acceptors", "1").returncode == 0  # no restart, no harm
    missing = paxraft("check", f"{EXAMPLE}:NoSuchClass")
    assert missing.returncode == 2 and "no Spec subclass named 'NoSuchClass'" in missing.stderr
