"""The Z3 proof of Paxos agreement: proved in EPR, CTIs for weakened invariants and broken variants."""

from __future__ import annotations

import shutil

import pytest

from modelcheck.cli import main
from proofs.logic import COUNTEREXAMPLE, PROVED, discharge, fragment
from proofs.paxos.cti import extract
from proofs.paxos.encoding import ANY_TWO, IGNORE_VOTES, PHASE1_PHASE2, PHASE2_ONLY, PaxosEncoding

TIMEOUT_MS = 60_000


def first_failure(enc: PaxosEncoding, drop: tuple[str, ...] = ()):
    """The first obligation not proved (stopping there), or None when all are proved.

    The fragment is classified once per obligation (``one_classification``): these tests assert verdicts and
    CTIs, not fragments (test_agreement_is_proved_with_every_query_in_epr does), and it saves a fifth of the time.
    """
    for ob in enc.obligations(drop):
        out = discharge(ob, TIMEOUT_MS, one_classification=True)
        assert out.result in (PROVED, COUNTEREXAMPLE), f"{ob.name}: {out.result} {out.reason}"
        if out.result != PROVED:
            return out
    return None


@pytest.mark.parametrize("axiom", [ANY_TWO, PHASE1_PHASE2])
def test_agreement_is_proved_with_every_query_in_epr(axiom):
    outcomes = [discharge(ob, TIMEOUT_MS) for ob in PaxosEncoding(axiom).obligations()]
    assert [o.name for o in outcomes] == [
        "Init => Inv",
        "Phase2a => QuorumReported",
        "Inv /\\ Phase1a => Inv'",
        "Inv /\\ Phase1b => Inv'",
        "Inv /\\ Phase2a => Inv'",
        "Inv /\\ Phase2b => Inv'",
        "Inv => Agreement",
    ]
    assert all(o.result == PROVED for o in outcomes)
    assert all(o.fragment.epr for o in outcomes)


def test_the_spec_guard_of_phase2a_is_outside_epr_and_the_classifier_says_why():
    enc = PaxosEncoding()
    pre, post = enc.state(""), enc.state("'")
    faithful = enc.phase2a(pre, post)
    hyps = [(f"Inv.{k}", f) for k, f in enc.invariant(pre).items()] + [("Phase2a", faithful.formula)]
    frag = fragment(hyps)
    assert not frag.epr
    assert ("Acc", "Bal", "witness in Phase2a") in frag.cycle
    assert ("Bal", "Acc", "witness in Inv.Msg2aSafe") in frag.cycle
    lemma_form = enc.phase2a(pre, post, quorum_meets=True)
    assert fragment(hyps[:-1] + [("Phase2a", lemma_form.formula)]).epr


# Dropping any one conjunct breaks the proof; the first obligation that fails, and the conjunct it breaks.
NEEDED = {
    "LeftMeansBelowMaxBal": ("Inv /\\ Phase1b => Inv'", "Msg1bLeftBelow"),
    "Msg2aTyped": ("Inv => Agreement", "Agreement"),
    "VotedForMaxVal": ("Inv /\\ Phase1b => Inv'", "Msg1bReportsVote"),
    "VoteAtMostBal": ("Inv /\\ Phase2b => Inv'", "NoVoteAboveVBal"),
    "NoVoteAboveVBal": ("Inv /\\ Phase1b => Inv'", "Msg1bNoVoteBetween"),
    "Msg1bLeftBelow": ("Inv /\\ Phase2a => Inv'", "Msg2aSafe"),
    "Msg1bReportsVote": ("Inv /\\ Phase2a => Inv'", "Msg2aSafe"),
    "Msg1bNoVoteBetween": ("Inv /\\ Phase2a => Inv'", "Msg2aSafe"),
    "Msg2aUnique": ("Inv /\\ Phase2a => Inv'", "Msg2aSafe"),
    "Msg2aSafe": ("Inv => Agreement", "Agreement"),
    "Msg2bHas2a": ("Inv /\\ Phase2a => Inv'", "Msg2aSafe"),
}


def test_every_conjunct_is_listed():
    assert list(PaxosEncoding().invariant(PaxosEncoding().state(""))) == list(NEEDED)


@pytest.mark.parametrize("conjunct", list(NEEDED))
def test_dropping_a_needed_conjunct_gives_a_cti(conjunct):
    out = first_failure(PaxosEncoding(), (conjunct,))
    assert out is not None
    obligation, goal = NEEDED[conjunct]
    assert (out.name, out.failed_goal) == (obligation, goal)
    cti = extract(out)
    assert goal in cti.broken
    assert (cti.after is not None) == ("=>" in obligation and "Inv'" in obligation)


def test_ignore_votes_breaks_the_inductive_step_of_phase2a_with_a_readable_cti(tmp_path):
    out = first_failure(PaxosEncoding(ANY_TWO, IGNORE_VOTES))
    assert (out.name, out.failed_goal) == ("Inv /\\ Phase2a => Inv'", "Msg2aSafe")
    cti = extract(out)
    assert cti.broken == ["Msg2aSafe"]
    assert cti.action.startswith("Phase2a(b=")
    # Minimised and read back as a real state: one value per acceptor variable, the new 2a shown.
    assert all(len(v) == 1 for v in cti.before.maxBal.values())
    new = set(cti.after.msgs) - set(cti.before.msgs)
    assert len(new) == 1 and new.pop().startswith("2a(")
    text = cti.text()
    assert "violates: Msg2aSafe" in text and "<- changed" in text
    files = cti.draw(tmp_path / "cti.dot")
    dot = (tmp_path / "cti.dot").read_text()
    assert "Msg2aSafe" in dot and "Phase2a(b=" in dot and "#ffd0d0" in dot
    if shutil.which("dot"):
        assert files[1].suffix == ".svg" and "<svg" in files[1].read_text()


def test_flexible_quorums_need_phase1_to_meet_phase2():
    out = first_failure(PaxosEncoding(PHASE2_ONLY))
    assert (out.name, out.failed_goal) == ("Phase2a => QuorumReported", "QuorumReported")
    cti = extract(out)
    phase1 = {q: set(m) for q, m in cti.quorums.items() if q.startswith("P")}
    phase2 = {q: set(m) for q, m in cti.quorums.items() if q.startswith("Q")}
    assert any(not (p & q) for p in phase1.values() for q in phase2.values())


def test_prove_command_prints_the_table(capsys):
    assert main(["prove", "paxos"]) == 0
    out = capsys.readouterr().out
    assert "7/7 obligations proved" in out
    assert "Inv /\\ Phase2a => Inv'     EPR       proved" in out


def test_prove_command_prints_and_draws_the_cti(capsys, tmp_path):
    assert main(["prove", "paxos", "--drop", "Msg2aSafe", "--cti-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "6/7 obligations proved" in out
    assert "Counterexample to Inv => Agreement" in out and "violates: Agreement" in out
    assert (tmp_path / "cti1.dot").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["prove", "paxos", "--drop", "Nope"], "--drop Nope: no such conjunct"),
        (["prove", "voting"], "no proof of 'voting'"),
        (["prove", "paxos", "--timeout", "0"], "--timeout must be positive"),
    ],
)
def test_prove_command_bad_input(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
