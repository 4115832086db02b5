"""A sharded key-value store (tests/user_specs/sharded_kv.py, mypyvy's sharded_kv): checked, its invariant
inferred by ``paxraft infer`` with the default templates and proved, and its variant's bug found by each tool."""

from __future__ import annotations

import re
from pathlib import Path

from test_cli import check_report, run
from test_infer_user import conjuncts, with_templates

SPEC = f"{Path(__file__).resolve().parent / 'user_specs' / 'sharded_kv.py'}:ShardedKV"


def test_check_counts(capsys) -> None:
    report = check_report(capsys, SPEC)
    assert (report["distinct_states"], report["states_generated"], report["depth"]) == (121, 537, 5)


def test_infer_with_the_default_templates_finds_what_prove_proves(capsys, tmp_path) -> None:
    inv = tmp_path / "sharded_kv.inv"
    code, out, err = run(capsys, "infer", SPEC, "--out", str(inv))
    assert code == 0, out + err
    assert "121 distinct abstract states of ShardedKV (nodes=2 keys=2 values=2)" in out
    found = conjuncts(out)
    assert len(found) == 8 and "inductive, implies KeysUnique: 8 conjuncts" in out
    # the key fact: a key in flight is owned by no node
    assert "forall N1:Node N2:Node K1:Key V1:Value. ~owner(N1,K1) | ~transfer_msg(N2,K1,V1)" in found.values()
    code, out, _ = run(capsys, "prove", SPEC, "--invariant", str(inv))
    assert code == 0 and "5/5 obligations proved" in out


def test_the_hand_written_invariant_is_the_inferred_one(capsys) -> None:
    code, out, _ = run(capsys, "prove", SPEC)
    assert code == 0
    assert re.findall(r"^(Init|Inv) .*?(EPR)\s+proved", out, re.M) == [("Init", "EPR")] + [("Inv", "EPR")] * 4
    code, out, _ = run(capsys, "prove", SPEC, "--list")
    assert len(out.split()) == 7


def test_too_few_templates_show_two_owners(capsys, tmp_path) -> None:
    """With one node in each clause, nothing says a key has one owner: the counterexample shows two."""
    ref = with_templates(tmp_path, "sharded_kv", "ShardedKV", '(template("N1:Node K1:Key V1:Value V2:Value"),)')
    code, out, _ = run(capsys, "infer", ref)
    assert code == 1 and "no candidate excludes a state where KeysUnique fails" in out
    assert re.search(r"^    owner\s+\{\(node1, key1\), \(node2, key1\)\}$", out, re.M)


def test_keep_owner_is_caught_by_check_infer_and_prove(capsys) -> None:
    report = check_report(capsys, SPEC, "--variant", "keep-owner", codes=(1,))
    assert (report["violated"], report["trace_length"], report["distinct_states"]) == ("KeysUnique", 4, 285)
    assert [step["action"] for step in report["trace"]] == ["Init", "Put", "Reshard", "Put", "RecvTransfer"]
    code, out, _ = run(capsys, "infer", SPEC, "--variant", "keep-owner")
    assert code == 1 and "KeysUnique fails on a reachable state of KeepOwner" in out
    code, out, _ = run(capsys, "prove", SPEC, "--variant", "keep-owner")
    assert code == 1 and "Inv /\\ Reshard => Inv'       EPR       counterexample (NoTransferWhileOwned)" in out
