"""A spec written from scratch in its own file (tests/user_specs/mutex.py), never registered,
gets every feature through the command line: its own bound flags, list, variants, pictures,
replay of its trace, refinement declared in the file, --workers, liveness and Hypothesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck.cli import main
from modelcheck.engine.stateful import InvariantViolation, run_spec
from spec.registry import entries, load_user_spec

MUTEX = Path(__file__).resolve().parent / "user_specs" / "mutex.py"
REF = f"{MUTEX}:Mutex"



def test_the_file_is_not_registered_and_imports_no_shipped_spec() -> None:
    text = MUTEX.read_text()
    assert not any(word in text for word in ("register(", "spec.registry", "spec.paxos", "spec.raft"))
    assert "Mutex" not in entries()


def test_check_with_its_own_bound_flag(capsys) -> None:
    code, out, _ = run(capsys, "check", REF, "--procs", "3", "--json", "--quiet")
    assert code == 0
    obj = json.loads(out)
    assert (obj["distinct_states"], obj["states_generated"], obj["depth"]) == (44, 109, 7)
    assert obj["spec"] == "Mutex" and obj["params"] == {"procs": 3}
    code, out, _ = run(capsys, "check", "--procs", "2", REF, "--json", "--quiet")  # flag before the file
    assert code == 0 and json.loads(out)["distinct_states"] == 16


def test_a_bound_of_another_spec_is_refused_naming_its_own(capsys) -> None:
    code, _, err = run(capsys, "check", REF, "--acceptors", "4")
    assert code == 2 and "--acceptors is not a bound of Mutex (its bounds: --procs)" in err


def test_module_path_works_too(capsys, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(MUTEX.parent))
    code, out, _ = run(capsys, "check", "mutex:Mutex", "--procs", "2", "--json", "--quiet")
    assert code == 0 and json.loads(out)["distinct_states"] == 16


def test_symmetry_and_workers_give_the_single_process_figures(capsys) -> None:
    _, one, _ = run(capsys, "check", REF, "--symmetry", "--json", "--quiet")
    _, two, _ = run(capsys, "check", REF, "--symmetry", "--workers", "2", "--json", "--quiet")
    a, b = json.loads(one), json.loads(two)
    assert (a["distinct_states"], a["states_generated"], a["depth"]) == (13, 34, 7)
    assert (b["distinct_states"], b["states_generated"], b["depth"]) == (13, 34, 7)
    assert a["coverage"] == b["coverage"]


def test_list_shows_the_files_specs_bounds_and_variants(capsys) -> None:
    code, out, _ = run(capsys, "list", str(MUTEX))
    assert code == 0
    assert "Mutex: N processes, one lock" in out
    assert "--procs          number of processes (p1..pN) (default 3)" in out
    assert "early-unlock  breaks LockHeld: Unlock() is enabled whenever the lock is held" in out
    assert "Lock: The abstract lock" in out


def test_variants_of_the_file_are_checked(capsys) -> None:
    code, out, _ = run(capsys, "variants", "--spec", str(MUTEX), "--check", "--quiet")
    assert code == 0 and "LockHeld, 3 steps" in out and "every entry agrees" in out


def test_variants_check_of_a_file_without_variants_is_refused_not_passed(capsys) -> None:
    # checking nothing must not print "every entry agrees" and exit 0
    clocks = MUTEX.parent / "three_clocks.py"
    code, out, err = run(capsys, "variants", "--spec", f"{clocks}:ThreeClocks", "--check", "--quiet")
    assert code == 2 and "every entry agrees" not in out
    assert "no variants of" in err and "sets `variant = NAME`" in err and len(err.strip().splitlines()) == 1


def test_out_writes_pictures_and_replay_reads_the_trace_back(capsys, tmp_path) -> None:
    out_dir = tmp_path / "cex"
    code, out, _ = run(capsys, "check", REF, "--variant", "early-unlock", "--procs", "2", "--out", str(out_dir))
    assert code == 1 and "invariant LockHeld is violated; shortest counterexample: 3 steps" in out
    assert (out_dir / "msc.dot").is_file() and (out_dir / "table.dot").is_file()
    meta = json.loads((out_dir / "trace.itf.json").read_text())["#meta"]
    assert meta["file"] == str(MUTEX) and meta["class"].endswith(":EarlyUnlock") and meta["bounds"] == {"procs": 2}
    assert "Unlock()" in (out_dir / "msc.dot").read_text()  # an action without parameters is drawn
    # the trace names the file, but replay runs no code a trace names: it says which --spec to pass
    code, _, err = run(capsys, "replay", str(out_dir / "trace.itf.json"))
    assert code == 2 and err.count("\n") == 1 and "paxraft runs no code a trace names: pass --spec" in err
    assert f"{MUTEX}:EarlyUnlock" in err
    code, out, _ = run(capsys, "replay", str(out_dir / "trace.itf.json"), "--spec", f"{MUTEX}:EarlyUnlock")
    assert code == 0 and "Every state follows; the last state violates LockHeld." in out


def test_graph_draws_the_state_graph(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "graph", REF, "--variant", "early-unlock", "--procs", "2", "--out", str(tmp_path))
    assert code == 0 and "27 states, 60 edges" in out and "LockHeld is violated" in out
    assert (tmp_path / "states.dot").is_file()


def test_refinement_declared_in_the_file(capsys) -> None:
    code, out, _ = run(capsys, "refine", REF, "Lock")
    assert code == 0 and "Mutex implements Lock" in out and "44 distinct Mutex states" in out
    code, out, _ = run(capsys, "refine", REF, "--variant", "early-unlock", "Lock", "--procs", "2")
    assert code == 1 and "refinement fails at state 6 (step 5): Enter(p=p2) maps to no step of Lock" in out


def test_liveness_holds_under_fairness_and_fails_without(capsys) -> None:
    code, out, _ = run(capsys, "check", REF, "--liveness")
    assert code == 0 and "Property LockFreed holds under this fairness." in out
    code, out, _ = run(capsys, "check", REF, "--liveness", "--no-fairness")
    assert code == 1 and "stutters for ever" in out


def test_hypothesis_adapter_runs_the_spec_and_finds_the_variants_violation() -> None:
    run_spec(load_user_spec(REF)(procs=3))
    with pytest.raises(InvariantViolation) as caught:
        run_spec(load_user_spec(f"{MUTEX}:EarlyUnlock")(procs=2))
    assert caught.value.invariant in ("LockHeld", "MutualExclusion")


def test_a_bound_named_like_a_checker_option_is_refused(capsys, tmp_path) -> None:
    spec = tmp_path / "clash.py"
    spec.write_text(
        "from spec.core import Spec, action\n"
        "class Clash(Spec):\n"
        "    def __init__(self, depth: int = 2) -> None:\n"
        "        self.d = depth\n"
        "        super().__init__()\n"
        "    def init_states(self):\n"
        "        return [0]\n"
        "    @action()\n"
        "    def Inc(self, s):\n"
        "        return s + 1 if s < self.d else None\n"
    )
    with pytest.raises(SystemExit) as stop:
        main(["check", f"{spec}:Clash", "--depth", "3"])
    assert stop.value.code == 2
    assert "Clash: the bound --depth has the name of an option of this command" in capsys.readouterr().err
