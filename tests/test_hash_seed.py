"""Fingerprints are Python hashes, and a str's hash is salted per process (PYTHONHASHSEED): runs whose
states cross processes (a checkpoint resumed, Ray's workers) must hash strings alike, or refuse (hostile5).
The model (tests/user_specs/string_sets.py) has 1,024 distinct states, 10,241 generated, depth 11."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelcheck.engine.checkpoint import CheckpointError, _digest
from modelcheck.engine.coordinator import search
from spec.paxos import Paxos
from spec.registry import load_user_spec

ROOT = Path(__file__).resolve().parent.parent
SUBSETS = f"{ROOT / 'tests' / 'user_specs' / 'string_sets.py'}:Subsets"
FIGURES = "1,024 distinct states, 10,241 states generated, depth 11"


def paxraft(*argv: str, seed: str | None) -> subprocess.CompletedProcess:
    """The program in a new process, under the string-hash seed given (None: random, as a user's shell)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    if seed is not None:
        env["PYTHONHASHSEED"] = seed
    return subprocess.run([sys.executable, "-m", "modelcheck.cli", *argv], env={**env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)


def test_a_checkpoint_of_states_holding_strings_resumes_in_another_process_to_the_same_counts(tmp_path: Path) -> None:
    """The resumed process hashed the stored states' strings otherwise: 1,199 states, 11,991 generated."""
    d = tmp_path / "ck"
    first = paxraft("check", SUBSETS, "--checkpoint", str(d), "--checkpoint-every", "0", "--max-states", "300",
                    seed=None)
    assert first.returncode == 0 and "300 distinct states" in first.stdout, first.stderr
    for seed in (None, "2"):
        again = paxraft("check", "--resume", str(d), "--max-states", "5000", seed=seed)
        assert again.returncode == 0 and FIGURES in again.stdout, again.stdout + again.stderr


def test_a_resume_where_strings_hash_otherwise_is_refused(tmp_path: Path) -> None:
    """The engine called in a process (no program to fix the seed): a checkpoint whose recorded string hash is
    not this process's is refused for a model holding strings, and taken for one holding none."""
    subsets = load_user_spec(SUBSETS)
    for spec, stop, figures in ((subsets(), 300, (1024, 10241, 11)), (Paxos(), 500, (3921, 22995, 17))):
        d = tmp_path / spec.name
        search(spec, checkpoint=d, checkpoint_every=0, max_states=stop)
        manifest = d / "current" / "manifest.json"
        m = json.loads(manifest.read_text())
        m["hashing"] = {"seed": None, "probe": m["hashing"]["probe"] + 1}  # another process's salt
        m["sha256"] = _digest(m)  # as that process would have written it
        manifest.write_text(json.dumps(m))
        if spec.name == "Subsets":
            with pytest.raises(CheckpointError, match="the checkpoint's states hold strings.*random PYTHONHASHSEED"):
                search(spec, checkpoint=d, resume=True)
        else:
            r = search(spec, checkpoint=d, resume=True)
            assert (r.distinct_states, r.states_generated, r.depth) == figures


def test_ray_workers_hash_strings_as_the_driver() -> None:
    """Two Ray actors, each with its own salt, counted each state twice: 2,047 states of 1,024."""
    out = paxraft("check", SUBSETS, "--ray", "--workers", "2", seed=None)
    assert out.returncode == 0 and FIGURES in out.stdout, out.stdout + out.stderr
