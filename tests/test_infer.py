"""``paxraft infer``: clauses enumerated from explored states, chosen by Z3 counterexamples, checked by the prover."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck.cli import main
from proofs.infer import paxos as pax
from proofs.infer.enumerate import universal_clauses
from proofs.infer.language import InvariantSyntaxError, parse_clause, read_invariant
from proofs.infer.samples import rows
from proofs.infer.select import Pool, select
from proofs.infer.templates import Template, atoms
from proofs.paxos.encoding import PaxosEncoding
from spec.paxos import Paxos

HERE = Path(__file__).parent
HAND = HERE / "invariants" / "paxos_hand.inv"
INFERRED = HERE.parent / "docs" / "examples" / "paxos-inferred.inv"


def sig():
    return pax.signature(PaxosEncoding())


def small_samples():
    """Every reachable state of Paxos with 2 acceptors, 1 value, ballots 0..1, as the proof model sees it."""
    s = sig()
    bounds = [{"acceptors": 2, "values": 1, "max_ballot": 1}]
    return [pax.sample_table(inst, states, s) for inst, states in pax.explored(Paxos, bounds)]


def test_every_clause_reads_back_as_written():
    conj = read_invariant(HAND.read_text(), sig())
    assert len(conj) == 13
    for c in conj.values():
        assert parse_clause(c.text(), sig()) == c
    assert conj["Msg2aSafe"].exists is not None and conj["Msg2aSafe"].exists.var == "y"


@pytest.mark.parametrize(
    "line, error",
    [
        ("X: forall A:Acc. ~nosuch(A)", "unknown relation 'nosuch'"),
        ("X: forall A:Acc. ~maxBal(A)", "maxBal takes 2 arguments, got 1"),
        ("X: forall A:Acc B:Bal. ~maxBal(B,A)", "argument B is not of sort Acc"),
        ("X: forall A:Acc. A = NoBal", "different sorts"),
        ("X: forall A:Horse. A = A", "unknown sort"),
        ("no colon here", "expected 'Name: forall ...'"),
        # a typo or a line cut short was read as a shorter (stronger) clause, or as false
        ("X: forall A:Acc B:Bal. ~maxBal(A,B) |", r"'\|' with no literal on one side"),
        ("X: forall A:Acc B:Bal. ~maxBal(A,B) || A = A", r"'\|' with no literal on one side"),
        ("X: forall A:Acc B:Bal. ~maxBal(A,B,)", "an empty argument in '~maxBal"),
        ("X: forall A:Acc B:Bal.", "no literal"),
        ("X: forall A:Acc A:Bal. ~maxBal(A,A)", "variable A declared twice"),
        ("X: forall A:Acc. ~maxBal(A,B)", r"'B' is neither a bound variable \(A\) nor a constant \(NoBal, NoVal\)"),
    ],
)
def test_a_malformed_invariant_line_is_named(line, error):
    with pytest.raises(InvariantSyntaxError, match=error):
        read_invariant(line, sig(), "f.inv")


def test_enumeration_keeps_exactly_the_minimal_clauses_true_on_every_explored_state():
    s = sig()
    tpl = Template((("A", "Acc"), ("B1", "Bal"), ("V1", "Val")), 2, rigid_last=False)
    at = atoms(s, tpl)
    r = rows(small_samples(), tpl, at, [])
    found = universal_clauses(s, tpl, at, r)
    found_lits = {frozenset(lit.text() for lit in c.lits) for c in found.clauses}
    assert {"~msg2b(A,B1,V1)", "msg2a(B1,V1)"} in found_lits  # a vote follows a proposal
    assert {"~msg2a(B1,V1)", "B1 != NoBal"} in found_lits
    assert {"msg2b(A,B1,V1)", "~msg2a(B1,V1)"} not in found_lits  # false: not everyone votes
    assert (len(found.clauses), r.count) == (EXPECTED_SMALL_CLAUSES, EXPECTED_SMALL_ROWS)


EXPECTED_SMALL_CLAUSES, EXPECTED_SMALL_ROWS = 10, 35


def test_prove_reads_an_invariant_file_and_a_missing_conjunct_fails_it(capsys):
    assert main(["prove", "paxos", "--invariant", str(HAND)]) == 0
    assert "7/7 obligations proved" in capsys.readouterr().out
    assert main(["prove", "paxos", "--invariant", str(HAND), "--drop", "Msg2aSafe"]) == 1
    out = capsys.readouterr().out
    assert "Inv => Agreement" in out and "counterexample" in out


def test_selection_without_forall_exists_candidates_cannot_exclude_a_safety_cti():
    """Paxos needs a forall-exists conjunct in this vocabulary: with the universal ones only, the CTI is shown."""
    s = sig()
    conj = read_invariant(HAND.read_text(), s)
    tpl = pax.TEMPLATES[0]
    pool = Pool([tpl], [atoms(s, tpl)], [[]])
    pool.add(0, [c for name, c in conj.items() if c.exists is None])
    res = select(pax.system(PaxosEncoding()), pool, max_steps=60)
    assert res.invariant is None and res.cti is not None
    assert "no candidate excludes a state where Agreement fails" in res.cti_reason


def test_infer_on_a_variant_whose_agreement_fails_shows_the_reachable_state(capsys):
    assert main(["infer", "paxos", "--variant", "ignore-votes"]) == 1
    out = capsys.readouterr().out
    assert "no inductive invariant implies Agreement" in out
    assert "Agreement fails on a reachable state of paxos[ignore-votes] (acceptors=3" in out


@pytest.mark.parametrize(
    "argv, error",
    [
        (["infer", "paxos-commit"], "no invariant inference for 'paxos-commit'"),
        (["infer", "paxos", "--variant", "flexible"], "--variant flexible"),
        (["infer", "paxos", "--timeout", "0"], "--timeout must be positive"),
        (["prove", "raft", "--invariant", "x.inv"], "--invariant x.inv: cannot read: no such file"),
        (["prove", "multipaxos", "--invariant", "x.inv"], "only the paxos and raft proofs and a user's FILE"),
        (["prove", "paxos", "--invariant", "/nonexistent.inv"], "--invariant /nonexistent.inv"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, error, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert error in err and len(err.splitlines()) == 1


def test_a_malformed_invariant_file_is_one_line_naming_the_line(tmp_path, capsys):
    bad = tmp_path / "bad.inv"
    bad.write_text("# comment\nInv1: forall A:Acc. ~maxBal(A,A)\n")
    assert main(["prove", "paxos", "--invariant", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{bad}:2:" in err and "not of sort Bal" in err


def test_the_committed_inferred_invariant_is_proved_independently(capsys):
    """docs/examples/paxos-inferred.inv is 'paxraft infer paxos --out' output, unedited; the prover re-checks it."""
    text = INFERRED.read_text()
    assert text.startswith("# paxos: inductive invariant inferred by 'paxraft infer'")
    assert main(["prove", "paxos", "--invariant", str(INFERRED)]) == 0
    assert "7/7 obligations proved" in capsys.readouterr().out


@pytest.mark.slow
def test_infer_paxos_finds_an_invariant_the_prover_proves(tmp_path, capsys):
    out_file = tmp_path / "paxos.inv"
    assert main(["infer", "paxos", "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert "inductive, implies Agreement" in out
    assert main(["prove", "paxos", "--invariant", str(out_file)]) == 0
    assert "7/7 obligations proved" in capsys.readouterr().out
