"""Proof certificates: every query as SMT-LIB 2, re-checked by z3 and cvc5 in fresh processes; tampering caught."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelcheck.cli import main


def _recheck(directory: Path, solver: str = "z3") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "proofs.certificate", str(directory), "--solver", solver],
        capture_output=True, text=True, timeout=900,
    )


@pytest.fixture(scope="module")
def paxos_certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cert") / "paxos"
    assert main(["prove", "paxos", "--certificate", str(out)]) == 0
    return out


def test_manifest_names_spec_invariant_conformance_and_versions(paxos_certificate: Path) -> None:
    m = json.loads((paxos_certificate / "manifest.json").read_text())
    assert (m["spec"], m["proved"], len(m["queries"])) == ("paxos", True, 57)
    assert "Msg2aSafe" in m["invariant"] and all(q["expected"] == "unsat" for q in m["queries"])
    c = m["conformance"]
    assert (c["ok"], c["bounds"], c["states"], c["transitions"]) == (
        True, {"acceptors": 2, "values": 2, "max_ballot": 1}, 145, 608)
    assert m["versions"]["z3"] and len(list(paxos_certificate.glob("*.smt2"))) == 57


def test_z3_binary_rechecks_every_query_in_a_fresh_process(paxos_certificate: Path) -> None:
    proc = _recheck(paxos_certificate)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "57/57 queries: z3 answers unsat" in proc.stdout


def test_cvc5_rechecks_every_query(paxos_certificate: Path) -> None:
    pytest.importorskip("cvc5", reason="cvc5 (a dev dependency) is not installed")
    proc = _recheck(paxos_certificate, "cvc5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "57/57 queries: cvc5 answers unsat" in proc.stdout


def test_an_edited_query_is_refused_not_reproved(paxos_certificate: Path, tmp_path: Path) -> None:
    copy = tmp_path / "edited"
    copy.mkdir()
    for f in paxos_certificate.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    victim = sorted(copy.glob("*Agreement*.smt2"))[0]
    victim.write_text(victim.read_text().replace("(check-sat)", "(assert false)\n(check-sat)"))
    proc = _recheck(copy)
    assert proc.returncode == 1
    assert f"digest differs from the manifest {victim.name}" in proc.stdout
    assert "56/57 queries" in proc.stdout


def test_a_broken_variants_certificate_does_not_recheck(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "ignore-votes"
    assert main(["prove", "paxos", "--variant", "ignore-votes", "--certificate", str(out)]) == 1
    # the conformance verdict is printed (a failed check was in the manifest only, unseen)
    assert ("; conformance at acceptors=2 values=2 max_ballot=1: 169 states, 710 transitions, the encoding does NOT "
            "conform (see the manifest's summary)\n") in capsys.readouterr().out
    m = json.loads((out / "manifest.json").read_text())
    assert m["proved"] is False and m["conformance"]["spec"] == "paxos[ignore-votes]"
    # the variant's encoding steps as the variant does; its reachable states break the invariant, as they must
    summary = m["conformance"]["summary"]
    assert not m["conformance"]["ok"] and ": 0 not allowed by the Z3 action" in summary[1]
    assert not summary[0].endswith(": 0 violate a Z3 invariant conjunct")
    failing = [q for q in m["queries"] if q["z3_here"] == "sat"]
    assert len(failing) == 1 and failing[0]["obligation"] == "Inv /\\ Phase2a => Inv'"
    proc = _recheck(out)
    assert proc.returncode == 1 and f"sat        {failing[0]['file']}" in proc.stdout


def test_not_a_certificate_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"format": "something else"}')
    proc = _recheck(tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "not a paxraft proof certificate" in proc.stderr


@pytest.mark.slow
def test_raft_certificate_rechecks(tmp_path: Path) -> None:
    out = tmp_path / "raft"
    assert main(["prove", "raft", "--certificate", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert (m["spec"], m["proved"], len(m["queries"]), m["conformance"]["ok"]) == ("raft", True, 297, True)
    proc = _recheck(out)
    assert proc.returncode == 0 and "297/297 queries: z3 answers unsat" in proc.stdout
