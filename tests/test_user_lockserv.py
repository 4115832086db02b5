"""mypyvy's lockserv written as a user's own file (tests/user_specs/lockserv.py), used through the CLI: the
checker's counts (TLC 2.20 finds the same), the variant's shortest counterexample, the proof with each of its
nine conjuncts needed, bmc as long as the checker, conformance, a certificate, the graph and a replayed trace."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from test_cli import in_a_process, run  # the CLI run with its captured output: one helper for every CLI test

from proofs.certificate import conformance_record, recheck
from proofs.user.conformance import check as conformance
from proofs.user.encoding import EncodingError, Prepared
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "lockserv.py"
REF = f"{FILE}:LockServ"
BUGGY = (REF, "--variant", "grant-twice")
LockServ = load_user_spec(REF)


def rows(out: str) -> dict[str, str]:
    """The proof table's rows: obligation -> result."""
    found = re.findall(r"^(Init => Inv|Inv /\\ \w+ => Inv'|Inv => \w+)\s+EPR\s+(.*?)\s+\d+\.\d+$", out, re.M)
    return dict(found)


@pytest.mark.parametrize(("nodes", "distinct", "generated"), [(1, 8, 12), (2, 28, 57), (3, 80, 205)])
def test_the_checkers_counts_are_tlcs(capsys, nodes: int, distinct: int, generated: int) -> None:
    """TLC 2.20 on the same protocol in TLA+ (lock_msg etc. as sets of nodes): 8/12, 28/57, 80/205 (and 208/641 at
    4 nodes); the count is 2^N lock requests times the lock's 1 + 3N places (server, or granted/held/unlocking)."""
    code, out, _ = run(capsys, "check", REF, "--nodes", str(nodes))
    assert code == 0 and f"{distinct} distinct states, {generated} states generated" in out


@pytest.mark.parametrize(("nodes", "distinct", "generated"), [(2, 15, 31), (3, 22, 58)])
def test_symmetry_counts_are_tlcs(capsys, nodes: int, distinct: int, generated: int) -> None:
    """TLC 2.20 with SYMMETRY Permutations(Node) finds the same: one state per orbit."""
    code, out, _ = run(capsys, "check", REF, "--nodes", str(nodes), "--symmetry")
    assert code == 0 and f"{distinct} distinct states, {generated} states generated" in out


def test_the_variants_shortest_counterexample(capsys) -> None:
    code, out, _ = run(capsys, "check", *BUGGY, "--mode", "bfs")
    assert code == 1 and "invariant Mutex is violated; shortest counterexample: 6 steps" in out
    assert [line.split("(")[0].split(". ")[1] for line in re.findall(r"^  \d+\. \S+", out, re.M)][1:] == [
        "SendLock", "SendLock", "RecvLock", "RecvLock", "RecvGrant", "RecvGrant"]


#: each conjunct of LockServProof, dropped: the obligations that then fail (and the conjunct each breaks)
NEEDED = {
    "Mutex": {"Unlock": "NoUnlockWhileHeld", "Mutex": ""},
    "OneGrant": {"RecvGrant": "NoGrantWhileHeld"},
    "OneUnlock": {"RecvUnlock": "ServerFreeOfUnlocks"},
    "NoGrantWhileHeld": {"RecvGrant": "Mutex", "Unlock": "NoGrantAndUnlock"},
    "NoUnlockWhileHeld": {"Unlock": "OneUnlock", "RecvUnlock": "ServerFreeOfHolders"},
    "NoGrantAndUnlock": {"RecvGrant": "NoUnlockWhileHeld", "RecvUnlock": "ServerFreeOfGrants"},
    "ServerFreeOfGrants": {"RecvLock": "OneGrant", "RecvGrant": "ServerFreeOfHolders"},
    "ServerFreeOfHolders": {"RecvLock": "NoGrantWhileHeld", "Unlock": "ServerFreeOfUnlocks"},
    "ServerFreeOfUnlocks": {"RecvLock": "NoGrantAndUnlock"},
}


def test_the_proof_and_each_conjunct_needed(capsys) -> None:
    code, out, _ = run(capsys, "prove", REF)
    assert code == 0 and "7/7 obligations proved" in out
    assert set(rows(out).values()) == {"proved"} and len(rows(out)) == 7
    code, out, _ = run(capsys, "prove", REF, "--list")
    assert out.split() == list(NEEDED)
    for name, fails in NEEDED.items():  # mypyvy's eight invariants and Mutex: without any one, induction fails
        code, out, _ = run(capsys, "prove", REF, "--drop", name)
        want = {("Inv => Mutex" if a == "Mutex" else f"Inv /\\ {a} => Inv'"):
                "counterexample" + (f" ({c})" if c else "") for a, c in fails.items()}
        assert code == 1 and {k: v for k, v in rows(out).items() if v != "proved"} == want, name


def test_a_dropped_conjunct_gives_a_cti_naming_the_action(tmp_path) -> None:
    """In a process of its own, as a user runs it: which counterexample Z3 gives depends on what the process asked it
    before (this failed after test_proof_paxos and test_infer_user had run in the same worker; hostile14)."""
    done = in_a_process("prove", REF, "--drop", "OneGrant", "--cti-dir", str(tmp_path))
    code, out = done.returncode, done.stdout
    assert code == 1 and rows(out)["Inv /\\ RecvGrant => Inv'"] == "counterexample (NoGrantWhileHeld)"
    assert "6/7 obligations proved" in out
    assert "    grant_msg         {node1, node2}\n" in out and "  step: RecvGrant(n=node2)\n" in out  # two grants out
    assert "violates: NoGrantWhileHeld" in out
    assert "RecvGrant(n=node2)" in (tmp_path / "cti1.dot").read_text()


def test_the_tables_seconds_stay_in_their_column(capsys) -> None:
    """A result naming the conjunct it breaks ("counterexample (NoUnlockWhileHeld)", 34 characters) was wider than
    the result column (14) and pushed its row's seconds 20 characters right of the others'."""
    code, out, _ = run(capsys, "prove", REF, "--drop", "Mutex")
    table = out.split("\n5/7 obligations proved", 1)[0].splitlines()[1:]
    assert code == 1 and len(table) == 8 and "counterexample (NoUnlockWhileHeld)" in out
    assert len({len(line) for line in table}) == 1  # the header's "seconds" and every row's end in one column


def test_the_variants_proof_fails_at_recvlock(capsys) -> None:
    code, out, _ = run(capsys, "prove", *BUGGY)
    assert code == 1 and rows(out)["Inv /\\ RecvLock => Inv'"] == "counterexample (OneGrant)"


def test_bmc_is_as_long_as_the_checker(capsys) -> None:
    code, out, _ = run(capsys, "bmc", *BUGGY, "--depth", "8")
    assert code == 1 and "Mutex is violated; shortest counterexample: 6 steps" in out
    assert "the same behaviour of GrantTwice:" in out  # the spec follows it: no drift
    code, out, _ = run(capsys, "bmc", REF, "--depth", "6")
    assert code == 0 and "No violation of Mutex within 6 steps" in out


def test_the_encoding_conforms(capsys) -> None:
    code, out, _ = run(capsys, "prove", REF, "--conformance")
    assert code == 0 and "the encoding conforms" in out
    assert "28 reachable states (28 abstract): 0 violate a Z3 invariant conjunct" in out
    assert "56 transitions (0 stutters): 0 not a step of the Z3 model" in out
    assert "abstract steps: RecvGrant 8, RecvLock 4, RecvUnlock 8, SendLock 28, Unlock 8" in out
    assert "28 sampled states: 0 Z3 successors the spec lacks" in out and "stopped" not in out


def test_a_conformance_walk_stopped_at_its_cap_says_so(capsys) -> None:
    """The variant's encoding is faithful, and its conjuncts are false on reachable states (the bug): the walk stops
    at 20 disagreements after 48 of the variant's 504 states, and used to print "48 reachable states" with no word
    that it had stopped."""
    code, out, _ = run(capsys, "prove", *BUGGY, "--conformance")
    assert code == 1 and "48 reachable states (48 abstract): 20 violate a Z3 invariant conjunct" in out
    assert "stopped at 20 disagreements: the counts above are of the states walked so far" in out
    assert "0 not a step of the Z3 model" in out and "0 Z3 successors the spec lacks" in out


def test_a_certificate_says_its_conformance_walk_stopped() -> None:
    """The manifest of the variant's certificate recorded "states": 48 with no word that the walk had stopped."""
    variant = load_user_spec(f"{FILE}:GrantTwice")
    record = conformance_record("GrantTwice", {"nodes": 2}, conformance(Prepared.of(variant), variant()))
    assert (record["ok"], record["states"], record["transitions"], record["stopped"]) == (False, 48, 160, True)


def test_a_proposition_given_as_a_function_is_refused() -> None:
    """A ``lambda: ...`` for the proposition server_holds_lock used to be read as True in every state (a function is
    truthy): conformance then blamed the encoding's RecvLock and conjuncts, and bmc said the encoding drifted."""

    base: Any = type(Prepared.of(LockServ).user)

    class AsFunction(base):
        def abstract(self, spec: Any, s: Any) -> dict[str, Any]:
            return {**super().abstract(spec, s), "server_holds_lock": lambda: s.server_holds_lock}

    with pytest.raises(EncodingError, match=r"abstract\(spec, s\)\['server_holds_lock'\] is a proposition: give "
                       r"its value \(True or False\), not a function"):
        conformance(Prepared.build(AsFunction, LockServ, "test"), LockServ())


def test_a_proposition_called_says_how_to_read_it() -> None:
    """``s.server_holds_lock()`` (as ``s.holds_lock(n)`` is read) was "TypeError: 'BoolRef' object is not callable"
    with no word of what to write instead."""
    base: Any = type(Prepared.of(LockServ).user)

    class Called(base):
        def grant_guard(self, s: Any) -> Any:
            return s.server_holds_lock()

    with pytest.raises(EncodingError, match=r"RecvLock.*'BoolRef' object is not callable \(a constant or proposition "
                       r"is a term: s\.x, not s\.x\(\)\)$"):
        prep = Prepared.build(Called, LockServ, "test")
        prep.actions(prep.state(""), prep.state("'"))


def test_a_certificate_rechecks(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "prove", REF, "--certificate", str(tmp_path))
    assert code == 0 and "certificate: 55 SMT-LIB 2 queries" in out  # 9 conjuncts x (Init + 5 actions) + Mutex
    assert "; conformance at nodes=2: 28 states, 56 transitions, ok\n" in out  # (it was in the manifest only)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    conformed = manifest["conformance"]
    assert conformed["ok"] and (conformed["states"], conformed["transitions"], conformed["stopped"]) == (28, 56, False)
    answers = recheck(tmp_path)
    assert len(answers) == 55 and all(a.ok and a.answer == "unsat" for a in answers)


def test_graph_out_and_replay(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "graph", REF, "--out", str(tmp_path / "g"))
    assert code == 0 and "LockServ nodes=2: 28 states, 56 edges" in out
    code, out, _ = run(capsys, "check", *BUGGY, "--mode", "bfs", "--out", str(tmp_path / "cex"))
    trace = tmp_path / "cex" / "trace.itf.json"
    assert code == 1 and trace.exists()
    code, out, _ = run(capsys, "replay", str(trace), "--spec", f"{FILE}:GrantTwice")
    assert code == 0 and "Every state follows; the last state violates Mutex." in out
    code, out, _ = run(capsys, "replay", str(trace), "--spec", REF)  # the fixed spec refuses the second grant
    assert code == 1 and "FAIL state 5: RecvLock(n=n2): not enabled in the previous state" in out
    code, out, _ = run(capsys, "replay", str(trace), "--spec", REF, "--variant", "grant-twice")  # as check takes it
    assert code == 0 and "Every state follows; the last state violates Mutex." in out
    code, _, err = run(capsys, "replay", str(trace), "--variant", "grant-twice")
    assert code == 2 and "--variant goes with --spec FILE.py:Class" in err


def test_prove_of_a_file_proves_its_spec(capsys) -> None:
    """`prove FILE.py` said "no proof of 'FILE.py'; proofs: paxos, raft, multipaxos, or FILE.py:Class", then named
    the file's spec classes; the file's one spec is LockServ (GrantTwice is its variant), so it is proved."""
    code, out, _ = run(capsys, "prove", str(FILE))
    assert code == 0 and out.startswith("LockServ (") and "\n7/7 obligations proved in " in out


def test_list_names_the_encoding_and_the_variants_it_covers(capsys) -> None:
    """`paxraft list FILE.py` says which spec has a Z3 encoding in the file (a user learnt it only from docs/proofs.md)
    and which variants have one of their own; a file without one gets no such line."""
    code, out, _ = run(capsys, "list", str(FILE))
    assert code == 0
    commands = "(and bmc, infer, prove --conformance; docs/proofs.md)"
    assert f"    Z3 encoding LockServProof: paxraft prove {REF} {commands}" in out
    assert re.search(r"grant-twice +breaks Mutex: .*\(Z3: prove, bmc --variant\)$", out, re.M)
    code, out, _ = run(capsys, "list", "docs/examples/tcommit.py")
    assert code == 0 and "TCommit" in out and "Z3" not in out


def test_a_picture_dot_refuses_keeps_the_violations_exit_status(capsys, tmp_path, monkeypatch) -> None:
    """dot refuses a label over 16 KiB (a state shown long): check --out ended with exit 2, a usage error's, with the
    violation found and its trace written (hostile13). A stand-in dot that refuses every picture shows it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text("#!/bin/sh\necho 'Error: label too long' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    code, out, err = run(capsys, "check", *BUGGY, "--out", str(tmp_path / "cex"))
    assert code == 1 and "Mutex is violated" in out
    assert (tmp_path / "cex" / "trace.itf.json").exists() and (tmp_path / "cex" / "msc.dot").exists()
    assert "Error: label too long: its picture is not drawn" in err and not (tmp_path / "cex" / "msc.svg").exists()

