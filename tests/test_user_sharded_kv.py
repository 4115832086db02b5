"""A sharded key-value store (tests/user_specs/sharded_kv.py, mypyvy's sharded_kv): checked, its invariant
inferred by ``paxraft infer`` with the default templates and proved, and its variant's bug found by each tool."""

from __future__ import annotations

import re
from pathlib import Path

from test_cli import check_report, run
from test_infer_user import conjuncts, infer_fresh, with_templates

SPEC = f"{Path(__file__).resolve().parent / 'user_specs' / 'sharded_kv.py'}:ShardedKV"


def test_check_counts(capsys) -> None:
    report = check_report(capsys, SPEC)
    assert (report["distinct_states"], report["states_generated"], report["depth"]) == (121, 537, 5)


def test_infer_with_the_default_templates_finds_what_prove_proves(capsys, tmp_path) -> None:
    inv = tmp_path / "sharded_kv.inv"
    code, out, err = infer_fresh(SPEC, "--out", str(inv))
    assert code == 0, out + err
    assert "121 distinct abstract states of ShardedKV (nodes=2 keys=2 values=2)" in out
    found = conjuncts(out)
    assert len(found) == 7 and "inductive, implies KeysUnique: 7 conjuncts" in out
    # the key fact: a key in flight is owned by no node (its instance N2 := N1, which a core named too, is dropped)
    assert "forall N1:Node N2:Node K1:Key V1:Value. ~owner(N1,K1) | ~transfer_msg(N2,K1,V1)" in found.values()
    code, out, _ = run(capsys, "prove", SPEC, "--invariant", str(inv))
    assert code == 0 and "5/5 obligations proved" in out


def test_the_hand_written_invariant_is_the_inferred_one(capsys) -> None:
    code, out, _ = run(capsys, "prove", SPEC)
    assert code == 0
    assert re.findall(r"^(Init|Inv) .*?(EPR)\s+proved", out, re.M) == [("Init", "EPR")] + [("Inv", "EPR")] * 4
    code, out, _ = run(capsys, "prove", SPEC, "--list")
    assert len(out.split()) == 7


def test_too_few_templates_show_two_owners_and_ask_for_a_node(capsys, tmp_path) -> None:
    """With one node in each clause, nothing says a key has one owner: the counterexample shows two."""
    ref = with_templates(tmp_path, "sharded_kv", "ShardedKV", '(template("N1:Node K1:Key V1:Value V2:Value"),)')
    code, out, _ = infer_fresh(ref)
    assert code == 1 and "no candidate excludes a state where KeysUnique fails" in out
    assert re.search(r"^    owner\s+\{\(node1, key1\), \(node2, key1\)\}$", out, re.M)
    # the hint names the missing variable (it said 'literals=4', which finds nothing more), and it is enough
    hint = 'template("N1:Node N2:Node K1:Key V1:Value V2:Value")'
    assert "may need one more Node variable: the counterexample has 2 Node." in out and hint in out
    code, out, _ = infer_fresh(with_templates(tmp_path, "sharded_kv", "ShardedKV", f"({hint},)"))
    assert code == 0 and "inductive, implies KeysUnique: 7 conjuncts" in out


def test_keep_owner_is_caught_by_check_infer_and_prove(capsys) -> None:
    report = check_report(capsys, SPEC, "--variant", "keep-owner", codes=(1,))
    assert (report["violated"], report["trace_length"], report["distinct_states"]) == ("KeysUnique", 4, 285)
    assert [step["action"] for step in report["trace"]] == ["Init", "Put", "Reshard", "Put", "RecvTransfer"]
    code, out, _ = run(capsys, "infer", SPEC, "--variant", "keep-owner")
    assert code == 1 and "KeysUnique fails on a reachable state of ShardedKV[keep-owner]" in out
    code, out, _ = run(capsys, "prove", SPEC, "--variant", "keep-owner")
    assert code == 1 and "Inv /\\ Reshard => Inv'       EPR       counterexample (NoTransferWhileOwned)" in out


def test_a_clause_an_instance_of_another_implies_is_dropped() -> None:
    """minimise kept ``~owner(N1,K1) | ~transfer_msg(N1,K1,V1)`` beside the same with two nodes (8 conjuncts)."""
    from proofs.infer.language import drop_subsumed, parse_clause, subsumes
    from proofs.infer.user import signature
    from proofs.user.encoding import Prepared
    from spec.registry import load_user_module

    module = load_user_module(SPEC.rpartition(":")[0])
    sig = signature(Prepared.of(module.ShardedKV, module))

    def c(text: str):
        return parse_clause(text, sig)

    general = c("forall N1:Node N2:Node K1:Key V1:Value. ~owner(N1,K1) | ~transfer_msg(N2,K1,V1)")
    instance = c("forall N1:Node K1:Key V1:Value. ~owner(N1,K1) | ~transfer_msg(N1,K1,V1)")
    assert subsumes(general, instance) and not subsumes(instance, general)
    assert drop_subsumed([instance, general]) == [general]
    # N2 := N1 makes 'N1 = N2' true: that instance proves nothing, so OneOwner does not give the N1-only clause
    one_owner = c("forall N1:Node N2:Node K1:Key. ~owner(N1,K1) | ~owner(N2,K1) | N1 = N2")
    assert not subsumes(one_owner, c("forall N1:Node K1:Key. ~owner(N1,K1)"))
    # ... while 'N1 != N2' becomes false and drops out; equal clauses up to renaming: the first stays
    distinct = c("forall N1:Node N2:Node K1:Key. ~owner(N1,K1) | N1 != N2")
    assert subsumes(distinct, c("forall N1:Node K1:Key. ~owner(N1,K1) | owner(N1,K1)"))
    renamed = c("forall N2:Node N1:Node K1:Key. ~owner(N2,K1) | ~owner(N1,K1) | N2 = N1")
    assert drop_subsumed([one_owner, renamed]) == [one_owner]
