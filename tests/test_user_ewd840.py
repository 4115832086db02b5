"""A fourth new user's spec written from README.md and docs/ only (issue 12, notes hnew): Dijkstra's
termination detection on a ring, EWD840.tla, and the abstract SyncTerminationDetection.tla it refines
(tests/user_specs/ewd840.py), run through every feature with TLC 2.20's exact figures.
Pinned here: replay numbered states from 0 where check numbers them from 1; "1 distinct states" and
"1 steps"; `check FILE.py` (no class) said "unknown spec"; `bmc FILE.py:Class` asked for --depth before
saying there is no Z3 encoding; `paxraft list` imported z3, asyncio and http.server; run_spec with a
user's settings ran Hypothesis's explain phase (minutes); an empty Init passed without a word."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from test_cli import check_report, run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck.engine.refinement import check_refinement
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from spec.core import SpecError
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "ewd840.py"
REF, SYNC = f"{FILE}:EWD840", f"{FILE}:SyncTerminationDetection"


def report(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> dict:
    return check_report(capsys, ref, *argv)


def figures(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> tuple[int, int, int]:
    obj = report(capsys, ref, *argv)
    return obj["distinct_states"], obj["states_generated"], obj["depth"]


def test_counts_and_coverage_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    # TLC 2.20, EWD840.cfg's invariants, CHECK_DEADLOCK FALSE: N=2 54/214/6, N=3 302/2,001/9, N=4 1,566/15,986/12
    assert figures(capsys, REF, "--nodes", "2") == (54, 214, 6)
    assert figures(capsys, REF) == (302, 2001, 9)
    assert figures(capsys, REF, "--nodes", "4") == (1566, 15986, 12)
    # TLC's -coverage on N=2, distinct:generated per action (Init 32:32): every disjunct that holds is a step
    coverage = report(capsys, REF, "--nodes", "2")["coverage"]
    assert {a: (c["new"], c["fired"]) for a, c in coverage.items()} == {
        "InitiateProbe": (8, 28), "PassToken": (2, 48), "SendMsg": (3, 53), "Deactivate": (9, 53),
    }
    one, two = report(capsys, REF), report(capsys, REF, "--workers", "2")
    assert (two["distinct_states"], two["states_generated"], two["depth"]) == (302, 2001, 9)
    assert two["coverage"] == one["coverage"]  # the `why` parameters are strings: sorted, not hashed
    assert figures(capsys, REF, "--mode", "dfs") == (302, 2001, 56)  # dfs: its longest path
    assert figures(capsys, REF, "--max-states", "250") == (250, 1604, 4)  # exactly N
    assert figures(capsys, REF, "--max-states", "250", "--workers", "2") == (250, 1604, 4)
    # SyncTerminationDetection, N=3: TLC 9/62/1 (x' \in {a, b} with a = b is one step); its nodes are symmetric
    assert figures(capsys, SYNC) == (9, 62, 1)
    assert figures(capsys, SYNC, "--symmetry")[0] == 5  # none active .. all active, and terminated+detected
    code, _, err = run(capsys, "check", REF, "--symmetry")  # a ring orders its nodes
    assert code == 2 and "the spec declares no symmetric set" in err


def test_plurals_of_one_and_a_model_without_initial_states(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", REF, "--nodes", "0")  # no node holds the token: Init is empty
    assert code == 0 and out.endswith("Warning: the model has no initial state (init_states() gave none): "
                                      "nothing was checked\n")  # TLC, too, says only "No error has been found"
    code, out, _ = run(capsys, "check", REF, "--nodes", "1", "--max-states", "1")
    assert code == 0 and "\n1 distinct state, 1 state generated, depth 1," in out  # was "1 distinct states"
    code, out, _ = run(capsys, "check", REF, "--reach", "tpos == 'n2' and tcolor == 'white'")
    assert code == 0 and "shortest behaviour, 1 step\n" in out  # was "1 steps"


def test_variant_liveness_and_refinement(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", REF, "--variant", "unstained-token")
    assert code == 1 and "invariant Inv is violated; shortest counterexample: 2 steps" in out  # TLC: 3 states
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "Inv, 2 steps                    Inv, 2 steps" in out
    code, out, _ = run(capsys, "variants", "--spec", str(FILE))  # the hint names the file's spec (was: SPEC)
    assert code == 0 and f"'paxraft check {FILE}:EWD840 --variant NAME' runs one variant" in out
    code, out, _ = run(capsys, "check", REF, "--liveness")
    assert code == 0 and "Property Liveness holds under this fairness.\n302 distinct states, 1,468 edges " \
        "(2,001 states generated, depth 9)" in out  # TLC's 302 / 2,001 / 9
    code, out, _ = run(capsys, "check", REF, "--liveness", "--no-fairness")
    assert code == 1 and "a fair behaviour of 0 steps that then stutters for ever" in out
    code, out, _ = run(capsys, "check", SYNC, "--liveness")
    assert code == 0 and "Fairness: WF(DetectTermination)" in out
    code, out, _ = run(capsys, "refine", REF, "SyncTerminationDetection")
    assert code == 0 and "302 distinct EWD840 states, 1,809 transitions checked (907 map to stutters), " \
        "9 distinct SyncTerminationDetection states reached" in out
    assert "PassToken -> DetectTermination            1" in out
    code, out, _ = run(capsys, "refine", REF, "--variant", "unstained-token", "SyncTerminationDetection")
    assert code == 1 and "refinement fails at state 4 (step 3): PassToken(i=n1, why=passive) maps to no step" in out


def test_a_mapping_returning_a_plain_tuple_is_named() -> None:
    """A NamedTuple equals the plain tuple of its fields, so such a mapping passed for an initial state and
    then failed inside the abstract spec's enumerator (exit 3, 'each_termination raised AttributeError')."""
    ewd840, sync = load_user_spec(REF)(nodes=2), load_user_spec(SYNC)(nodes=2)
    with pytest.raises(SpecError, match=r"the mapping from EWD840 to SyncTerminationDetection returned tuple "
                       r"\(\(False, False\), False\); expected a state of SyncTerminationDetection \(SyncState,"):
        check_refinement(ewd840, sync, lambda s: (s.active, False))


def test_pictures_replay_and_graph_number_states_alike(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "check", REF, "--variant", "unstained-token", "--out", str(tmp_path / "cex"))
    assert code == 1 and "  3. PassToken(i=n2, why=black node)" in out
    assert {p.name for p in (tmp_path / "cex").iterdir()} >= {"trace.itf.json", "msc.dot", "table.dot"}
    trace = str(tmp_path / "cex" / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FILE}:UnstainedToken")
    assert code == 0 and "  ok   state 1: Init\n" in out  # numbered as check numbers them (was state 0, 2)
    assert "  ok   state 3: PassToken(i=n2, why=black node)\n" in out and "last state violates Inv" in out
    code, out, _ = run(capsys, "replay", trace, "--spec", REF)  # the fixed spec stains the token
    assert code == 1 and "FAIL state 3: PassToken(i=n2, why=black node): leads to a different state" in out
    code, out, _ = run(capsys, "graph", REF, "--nodes", "2", "--out", str(tmp_path / "g"))
    assert code == 0 and "EWD840 nodes=2: 54 states, 162 edges" in out
    code, _, err = run(capsys, "graph", REF, "--max-states", "1")
    assert code == 2 and "more than 1 state;" in err


def test_checkpoint_resume_hypothesis_and_explorer(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    ck = str(tmp_path / "ck")
    assert figures(capsys, REF, "--checkpoint", ck, "--checkpoint-every", "0") == (302, 2001, 9)
    code, out, _ = run(capsys, "check", "--resume", ck, "--json", "--quiet")
    assert code == 0 and json.loads(out)["distinct_states"] == 302
    ewd840 = load_user_spec(REF)
    fast = settings(max_examples=30, stateful_step_count=20, derandomize=True, database=None, deadline=None)
    run_spec(ewd840(nodes=4), settings=fast)
    # two steps from a few of the 192 initial states: 30 random runs miss it one time in ten (it failed once in a
    # full run, though derandomized), 200 about once in 5 million; the search stops at the first violation
    with pytest.raises(InvariantViolation) as found:
        run_spec(load_user_spec(f"{FILE}:UnstainedToken")(nodes=3), settings=settings(fast, max_examples=200))
    assert found.value.invariant in ("Inv", "TerminationDetection")
    spec = load_user_spec(f"{FILE}:UnstainedToken")(nodes=3)
    k = spec.init_states().index(((False, False, True), (0, 0, 1), 0, 1))
    view = Session(spec).view(f"Init({k})/InitiateProbe('black token')/PassToken(2, 'black node')")
    assert [i["name"] for i in view["invariants"] if not i["holds"]] == ["Inv"]


def test_run_spec_drops_the_explain_phase_from_given_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's own settings (and any spec_machine(...).TestCase) brought back Hypothesis's explain phase,
    which re-ran the shrunk 2-step violation under line tracing for minutes (this file's Hypothesis test
    took 3.5 min under pytest)."""
    import modelcheck.engine.stateful as stateful

    seen: list = []
    monkeypatch.setattr(stateful, "run_state_machine_as_test", lambda machine, settings: seen.append(settings))
    run_spec(load_user_spec(REF)(nodes=2), settings=settings(max_examples=5))
    run_spec(load_user_spec(REF)(nodes=2))
    case = stateful.spec_machine(load_user_spec(REF)(nodes=2)).TestCase  # the test case pytest collects
    case.settings = settings(max_examples=7)  # a user's own, as Hypothesis's docs say to set them
    case().runTest()  # it took 7.7 s of CPU on the 2-step variant, 0.35 s without the explain phase
    assert [Phase.explain in s.phases for s in seen] == [False, False, False]
    assert (seen[0].max_examples, seen[2].max_examples) == (5, 7)


def test_one_line_errors_on_a_users_file(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "check", str(FILE))  # the file without its class, of two specs (was: "unknown spec")
    assert code == 2 and f"{FILE} is a file of 2 specs: name one, e.g. {FILE}:SyncTerminationDetection" in err
    code, _, err = run(capsys, "bmc", REF)  # the encoding first: no --depth would help (was: "--depth required")
    assert code == 2 and "bmc: no Z3 encoding of spec 'EWD840'" in err
    code, _, err = run(capsys, "bmc", "paxos")
    assert code == 2 and "bmc needs --depth K" in err
    code, _, err = run(capsys, "infer", REF)
    assert code == 2 and "no Z3 encoding declared for EWD840" in err


def test_list_names_the_class_of_a_subclass_that_keeps_its_bases_name(capsys: pytest.CaptureFixture,
                                                                       tmp_path: Path) -> None:
    """Two subclasses of EWD840 without a variant name were both listed as "EWD840: ..." (then as
    "EWD840 (mine.py:Fair)"; now each is a spec of its own name)."""
    (tmp_path / "mine.py").write_text(
        f"import sys; sys.path.insert(0, {str(FILE.parent)!r})\nfrom ewd840 import EWD840\n\n\n"
        "class Fair(EWD840):\n    \"\"\"One.\"\"\"\n\n\nclass Unfair(EWD840):\n    \"\"\"Two.\"\"\"\n"
    )
    code, out, _ = run(capsys, "list", str(tmp_path / "mine.py"))
    assert code == 0 and out.startswith("Fair: One.\n") and "\nUnfair: Two.\n" in out


def test_list_loads_no_other_command() -> None:
    probe = (
        "import sys; from modelcheck.cli.main import main; main(['list', sys.argv[1]]); "
        "print(sorted(m for m in ('z3', 'asyncio', 'http.server', 'proofs.cmd_prove', 'modelcheck.audit', "
        "'modelcheck.linearizability') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(FILE)], capture_output=True, text=True, check=True).stdout
    assert "EWD840: Dijkstra's termination detection" in out and out.strip().endswith("[]")
