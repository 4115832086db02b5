"""A spec file (or dotted module) named without ``:Class`` names the one spec it defines (spec.registry.file_spec):
every command that takes a spec, and the Python loader; several candidates, or none, is one line, exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_cli import run

from spec.core import SpecError
from spec.registry import file_spec, load_user_module, load_user_spec

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PETERSON = str(HERE / "user_specs" / "peterson.py")  # Peterson and its variant TurnFirst
LOCKSERV = str(HERE / "user_specs" / "lockserv.py")  # LockServ, its variant GrantTwice, a Z3 encoding
TWOPHASE = str(ROOT / "docs" / "examples" / "twophase.py")  # TwoPhase, EagerCommit; imports the spec TCommit


def test_check_graph_refine_simulate_and_explore_take_the_file(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "check", PETERSON)
    assert code == 0 and "Model: Peterson\nNo error found.\n26 distinct states, 46 states generated, depth 7" in out
    code, out, _ = run(capsys, "check", PETERSON, "--variant", "turn-first", "--out", str(tmp_path / "cex"))
    assert code == 1 and "invariant MutualExclusion is violated; shortest counterexample: 6 steps" in out
    code, out, _ = run(capsys, "check", PETERSON, "--mode", "simulate", "--depth", "5", "--walks", "3")
    assert code == 0 and "Model: Peterson" in out
    code, out, _ = run(capsys, "graph", PETERSON, "--out", str(tmp_path / "g"))
    assert code == 0 and "Peterson: 26 states, 44 edges" in out
    code, out, _ = run(capsys, "refine", PETERSON, "Lock")
    assert code == 0 and "Peterson implements Lock" in out
    code, out, _ = run(capsys, "explore", PETERSON, "--variant", "turn-first", "--for", "0")
    assert code == 0 and "Exploring Peterson[turn-first]" in out

    # replay: the trace's metadata names the variant's class and file; --spec FILE alone (+ --variant) replays it
    meta = json.loads((tmp_path / "cex" / "trace.itf.json").read_text())["#meta"]
    assert (meta["class"].rpartition(":")[2], meta["file"], meta["variant"]) == ("TurnFirst", PETERSON, "turn-first")
    trace = str(tmp_path / "cex" / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", PETERSON, "--variant", "turn-first")
    assert code == 0 and "Every state follows; the last state violates MutualExclusion." in out
    # the file alone names its spec, and the trace which of its variants made it (it ran Peterson, refused at the
    # swapped writes: newuser28's stumble); the spec's class named refuses them, saying which variant made the trace
    code, out, _ = run(capsys, "replay", trace, "--spec", PETERSON)
    assert code == 0 and "Peterson[turn-first]" in out and "the last state violates MutualExclusion." in out
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{PETERSON}:Peterson")
    assert code == 1 and "The trace was made by the variant turn-first" in out


def test_list_and_variants_take_the_file_as_before(capsys) -> None:
    """`list FILE.py` and `variants --spec FILE.py` show every spec of the file (they did before; a file of several
    specs is no error there)."""
    code, out, _ = run(capsys, "list", str(HERE / "user_specs" / "ewd840.py"))
    assert code == 0 and "SyncTerminationDetection" in out and "EWD840" in out
    code, out, _ = run(capsys, "variants", "--spec", PETERSON)
    assert code == 0 and re.search(r"^Peterson +turn-first +MutualExclusion, 6 steps", out, re.M)


def test_audit_prove_bmc_and_infer_take_the_file(capsys, tmp_path) -> None:
    log = tmp_path / "node-0.jsonl"
    events = [{"format": "paxraft-trace", "version": 2, "node": 0},
              {"node": 0, "clock": 1, "action": "Request", "params": {"c": 0, "lk": 0}, "state": {}}]
    log.write_text("".join(json.dumps(e) + "\n" for e in events))
    lock_manager = str(HERE / "user_specs" / "lock_manager.py")
    said = [run(capsys, "audit", "--spec", ref, str(log), "--json") for ref in
            (lock_manager, f"{lock_manager}:LockManager")]
    assert said[0] == said[1] and said[0][0] == 0
    # (prove FILE.py: test_user_lockserv)
    code, out, _ = run(capsys, "bmc", LOCKSERV, "--depth", "2")
    assert code == 0 and "LockServ" in out
    code, _, err = run(capsys, "infer", PETERSON)  # reaches the spec: Peterson has no encoding
    assert code == 2 and "no Z3 encoding declared for Peterson" in err


def test_a_file_of_several_specs_or_none_is_one_line(capsys, tmp_path) -> None:
    ewd840 = str(HERE / "user_specs" / "ewd840.py")
    several = (f"{ewd840} is a file of 2 specs: name one, e.g. {ewd840}:SyncTerminationDetection (its specs: "
               "SyncTerminationDetection, EWD840)")
    log = tmp_path / "node-0.jsonl"
    log.write_text(json.dumps({"node": 0, "clock": 1, "action": "InitiateProbe", "params": {}, "state": {}}) + "\n")
    for argv in (["check", ewd840], ["graph", ewd840], ["bmc", ewd840, "--depth", "2"],
                 ["audit", "--spec", ewd840, str(log)], ["explore", ewd840, "--for", "0"], ["prove", ewd840]):
        code, out, err = run(capsys, *argv)
        assert (code, out, err.count("\n")) == (2, "", 1) and several in err, argv
    with pytest.raises(SpecError, match=re.escape(several)):
        load_user_spec(ewd840)
    common = str(HERE / "user_specs" / "bcast_common.py")  # helpers only
    code, out, err = run(capsys, "check", common)
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert f"{common} defines no spec: a spec is a class deriving from spec.core.Spec with init_states" in err
    base = tmp_path / "base_only.py"
    base.write_text("from spec.core import Spec\n\nclass Shared(Spec):\n    N = 3\n")
    code, _, err = run(capsys, "check", str(base))
    assert code == 2 and err.rstrip().endswith("; its Spec subclasses without init_states: Shared")
    code, _, err = run(capsys, "check", "no_such_file.py")
    assert code == 2 and "no such file no_such_file.py" in err
    code, _, err = run(capsys, "check", "no_such_pkg.module")
    assert code == 2 and "cannot import no_such_pkg.module" in err


def test_a_spec_its_variants_and_an_imported_spec(tmp_path) -> None:
    """The file's own spec counts; its variants (of a spec of the file) and the specs it imports do not; a file whose
    only class is a variant of an imported spec names that variant (as FILE.py:Class would)."""
    assert load_user_spec(TWOPHASE).__name__ == "TwoPhase"  # EagerCommit its variant, TCommit imported
    mine = tmp_path / "mine.py"
    mine.write_text(f"import sys\nsys.path.insert(0, {str(HERE / 'user_specs')!r})\n"
                    "from peterson import Peterson, TurnFirst\n\n"
                    "class Mine(Peterson):\n    '''Peterson, extended.'''\n\n"
                    "class Loose(Mine):\n    variant = 'loose'\n\n"
                    "class Looser(Loose):\n    variant = 'looser'\n")
    cls = load_user_spec(str(mine))
    assert cls.__name__ == "Mine" and cls is load_user_spec(f"{mine}:Mine")
    only = tmp_path / "only_variant.py"
    only.write_text(f"import sys\nsys.path.insert(0, {str(HERE / 'user_specs')!r})\n"
                    "from peterson import Peterson\n\nclass Eager(Peterson):\n    variant = 'eager'\n")
    assert load_user_spec(str(only)).__name__ == "Eager"
    assert file_spec(load_user_module(str(mine)), str(mine)) is cls


def test_a_dotted_module_alone(capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert load_user_spec("tests.user_specs.lock_manager").__name__ == "LockManager"
    code, out, _ = run(capsys, "check", "tests.user_specs.lock_manager")
    assert code == 1 and "Model: LockManager clients=2 locks=2\nError: invariant OnlyGrowingHold is violated" in out
    code, _, err = run(capsys, "check", "paxso")  # one word is a spec's name, never a module: misspelt, it is said so
    assert code == 2 and "unknown spec 'paxso'" in err


def test_the_docs_say_the_rule(capsys, monkeypatch) -> None:
    cli = " ".join((ROOT / "docs" / "cli.md").read_text().split())
    guide = " ".join((ROOT / "docs" / "writing-a-spec.md").read_text().split())
    rule = "the one class it defines with `init_states` that is no variant of another class of the file"
    assert rule in cli and rule in guide
    monkeypatch.chdir(ROOT)  # (cli.md's example, as run from a clone's root; the guide's are run by its own test)
    code, _, err = run(capsys, "check", "tests/user_specs/ewd840.py")
    assert code == 2 and f"`{err.strip().split('error: ', 1)[1]}`" in cli
