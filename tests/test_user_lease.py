"""A new user's spec, written from scratch (tests/user_specs/lease_lock.py): the features that broke
on it, with exact figures. Found by trying every README command on it (issue 12, notes hU):
`--resume` of a spec file in a new process, a bad `graph --format`, `--reach` naming an
invariant or misspelling a name, an enumerator yielding sets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import one_error_line, run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck.output.dot import dot_available

ROOT = Path(__file__).resolve().parent.parent
LEASE = ROOT / "tests" / "user_specs" / "lease_lock.py"
REF = f"{LEASE}:Lease"



def test_counts_symmetry_variant_liveness_and_refinement(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", REF, "--json", "--quiet")
    obj = json.loads(out)
    assert code == 0 and (obj["distinct_states"], obj["states_generated"], obj["depth"]) == (200, 527, 10)
    code, out, _ = run(capsys, "check", REF, "--symmetry", "--json", "--quiet")
    obj = json.loads(out)
    assert code == 0 and (obj["distinct_states"], obj["states_generated"]) == (110, 291)
    code, out, _ = run(capsys, "check", REF, "--variant", "local-lease", "--max-time", "2")
    assert code == 1 and "invariant LeaseMutex is violated; shortest counterexample: 6 steps" in out
    code, out, _ = run(capsys, "check", REF, "--liveness", "ClockRuns")
    assert code == 0 and "Property ClockRuns holds under this fairness." in out
    code, out, _ = run(capsys, "check", REF, "--liveness", "GrantsArrive")
    assert code == 1 and "property GrantsArrive is violated" in out
    code, out, _ = run(capsys, "refine", REF, "Lock")
    assert code == 0 and "200 distinct Lease states, 526 transitions checked (392 map to stutters)" in out
    code, out, _ = run(capsys, "refine", REF, "--variant", "local-lease", "Lock")
    assert code == 1 and "refinement fails at state 7 (step 6): Receive(c=0, until=2) maps to no step of Lock" in out


def test_resume_of_a_spec_file_in_a_new_process_from_another_folder(tmp_path: Path) -> None:
    """The checkpoint pickles the user's states, whose class lives in a module paxraft names; that
    name was hash()-based, so a new process (another PYTHONHASHSEED) could not unpickle it."""
    d = tmp_path / "ck"
    paxraft = [sys.executable, "-m", "modelcheck.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run(
        [*paxraft, "check", "lease_lock.py:Lease", "--checkpoint", str(d), "--checkpoint-every", "0",
         "--max-states", "100"],
        cwd=LEASE.parent, env={**env, "PYTHONHASHSEED": "1"}, capture_output=True, text=True, timeout=120,
    )
    assert first.returncode == 0 and "100 distinct states, 156 states generated, depth 7" in first.stdout
    manifest = json.loads((d / "current" / "manifest.json").read_text())
    assert manifest["cli"]["spec"] == REF  # recorded absolute: --resume works from any folder
    again = subprocess.run(
        [*paxraft, "check", "--resume", str(d)],
        cwd=tmp_path, env={**env, "PYTHONHASHSEED": "2"}, capture_output=True, text=True, timeout=120,
    )
    assert again.returncode == 0, again.stderr
    # the checkpoint of the cut: --resume alone goes on without the spent cap, to the whole model's figures
    assert "200 distinct states, 527 states generated, depth 10" in again.stdout


def test_graph_names_the_limit_flag_and_a_bad_format(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "graph", REF, "--variant", "local-lease", "--out", str(tmp_path / "g"))
    assert code == 2 and "more than 300 states; raise --max-states" in one_error_line(err)
    if not dot_available():
        pytest.skip("Graphviz's dot is not installed: the --format check needs it")
    code, _, err = run(capsys, "graph", REF, "--clients", "1", "--out", str(tmp_path / "g"), "--format", "foo")
    assert code == 2 and 'dot -Tfoo' in one_error_line(err) and '"foo" not recognized' in err


def test_reach_hints_an_invariant_or_a_misspelling(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "check", REF, "--reach", "LeaseMutex")
    assert code == 2 and "LeaseMutex is an invariant" in one_error_line(err)
    code, _, err = run(capsys, "check", REF, "--reach", "LeaseMutx")
    assert code == 2 and "did you mean 'LeaseMutex'" in one_error_line(err)
    code, out, _ = run(capsys, "check", REF, "--reach", "sum(h != 0 for h in held) == 1 and len(grants) == 1")
    assert code == 0 and "shortest behaviour, 5 steps" in out


BAD = '''
from typing import NamedTuple
from spec.core import Spec, action

class S(NamedTuple):
    n: int

class SetParams(Spec):
    """An enumerator yielding sets, not tuples."""
    variables = ("n",)
    def init_states(self): return [S(0)]
    @action(lambda self, s: [{0}, {1}])
    def Add(self, s, k): return S(s.n + 1) if s.n < 2 else None
'''


def test_an_enumerator_yielding_sets_is_named_not_misreported(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    f = tmp_path / "bad_params.py"
    f.write_text(BAD)
    code, _, err = run(capsys, "check", f"{f}:SetParams")
    line = one_error_line(err)
    assert code == 2 and "the parameter enumerator of Add yielded {0} (a set); expected a tuple" in line
    assert line.endswith("such as (frozenset({0}),)")  # a parameter is hashed: the example must be hashable


def test_a_simulation_does_not_claim_a_state_limit(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", REF, "--mode", "simulate")
    assert code == 0 and "No error found in these random walks" in out and "state limit" not in out
    code, out, _ = run(capsys, "check", REF, "--variant", "local-lease", "--mode", "simulate")
    assert code == 1 and "invariant LeaseMutex is violated; counterexample:" in out


@pytest.mark.parametrize("command", [["prove"], ["infer"], ["bmc", "--depth", "3"]])
def test_z3_commands_refuse_it_in_one_line(command: list[str], capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, command[0], REF, *command[1:])
    assert code == 2 and "Lease" in one_error_line(err)


def test_audit_reads_its_traces_as_paxraft_trace_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A user's spec with no trace mapping of its own is audited with the default one (docs/auditing.md): an
    event that names no node is refused in one line naming the file and line, and why the format is ours."""
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"format": "paxraft-trace", "version": 2, "node": 1, "nodes": [1, 2]}\n{"event": "Grant"}\n')
    code, _, err = run(capsys, "audit", str(trace), "--spec", REF)
    line = one_error_line(err)
    assert code == 2 and f'{trace}:2: "node" must be an integer, got None' in line
    assert "Lease declares no trace mapping of its own" in line
