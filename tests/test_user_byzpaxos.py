"""A distributed-systems researcher's specs written from README.md and docs/ only (notes newuser11, 2026-12-05):
Lamport's "Byzantizing Paxos by Refinement" chain BPConProof => PConProof => VoteProof => Consensus from
tlaplus/Examples' specifications/byzpaxos (tests/user_specs/byz_vote.py, byz_pcon.py, byz_bpcon.py; the TLA+ text and
the models TLC ran in tests/user_specs/byzpaxos/): TLC 2.20's counts (states generated included), the refinements
the text states, and two planted bugs with TLC's verdicts and lengths."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run  # the CLI run with its captured output

from modelcheck import check
from modelcheck.engine.refinement import check_refinement
from spec.refinements import refinement
from spec.registry import load_user_spec

HERE = Path(__file__).resolve().parent / "user_specs"
VOTE = f"{HERE / 'byz_vote.py'}:VoteProof"
PCON = f"{HERE / 'byz_pcon.py'}:PConProof"
BPCON = f"{HERE / 'byz_bpcon.py'}:BPConProof"
NO_FAKE = {"fake": 0, "values": 1, "max_ballot": 0}  # byzpaxos/BPConProofF0V1.cfg

# TLC 2.20, -workers 1 (tests/user_specs/byzpaxos/README.md has the commands): (spec, bounds) -> (distinct,
# generated, depth); every model's invariants hold
TLC = {
    (VOTE, (("max_ballot", 0),)): (46, 295, 4),  # VoteProofB0.cfg
    (VOTE, (("max_ballot", 1),)): (611, 9460, 9),  # VoteProofB1.cfg
    (VOTE, (("values", 1), ("max_ballot", 1))): (289, 4339, 9),  # VoteProofV1B1.cfg
    (PCON, (("max_ballot", 0),)): (149, 3631, 10),  # PConProofB0.cfg
    (PCON, (("values", 1), ("max_ballot", 1))): (2025, 30516, 19),  # PConProofV1B1.cfg
    (BPCON, tuple(NO_FAKE.items())): (6268, 173887, 15),  # BPConProofF0V1.cfg
}
TLC_SLOW = {
    (VOTE, ()): (6962, 318877, 14),  # VoteProof.cfg as shipped (6 s)
    (PCON, (("max_ballot", 1),)): (13049, 780208, 19),  # PConProofB1.cfg (7 s)
    (BPCON, (("fake", 0), ("values", 2), ("max_ballot", 0))): (26208, 801553, 15),  # BPConProofF0.cfg (6 s)
}


def build(target: str, **bounds: object) -> object:
    return load_user_spec(target)(**bounds)


def assert_tlcs(key: tuple, expected: tuple[int, int, int]) -> None:
    target, bounds = key
    r = check(build(target, **dict(bounds)))
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *expected)


@pytest.mark.parametrize("key", sorted(TLC, key=repr))
def test_counts_are_tlcs(key: tuple) -> None:
    assert_tlcs(key, TLC[key])


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(TLC_SLOW, key=repr))
def test_the_bigger_models_have_tlcs_counts(key: tuple) -> None:
    assert_tlcs(key, TLC_SLOW[key])


def test_the_refinements_the_text_state_hold(capsys: pytest.CaptureFixture) -> None:
    """PConProof => VoteProof (V == INSTANCE VoteProof) => Consensus (C == INSTANCE Consensus), on the CLI;
    BPConProof => PConProof (P == INSTANCE PConProof WITH maxBal <- PmaxBal), whose LearnsSent steps are PCon's
    Phase1c (a 1c message becomes legal when an acceptor learns the 1b messages that show it safe)."""
    code, out, _ = run(capsys, "refine", PCON, "VoteProof", "--values", "1", "--max-ballot", "1")
    assert code == 0 and "2,025 distinct PConProof states, 30,515 transitions checked" in out
    assert "Phase2b -> VoteFor" in out
    code, out, _ = run(capsys, "refine", VOTE, "Consensus", "--max-ballot", "1")
    assert code == 0 and "611 distinct VoteProof states" in out
    b = build(BPCON, acceptors=2, **NO_FAKE)
    r = check_refinement(b, *refinement(b, "PConProof"))
    assert r.holds and (r.distinct_states, r.abstract_states) == (64, 10)
    assert r.explained["LearnsSent -> Phase1c"] > 0


@pytest.mark.slow
def test_bpcon_refines_pcon_on_three_good_acceptors() -> None:
    """BPConProofF0V1.cfg's model (3.5 s of CPU)."""
    b = build(BPCON, **NO_FAKE)
    r = check_refinement(b, *refinement(b, "PConProof"))
    assert r.holds and (r.distinct_states, r.transitions, r.stutters, r.abstract_states) == (6268, 173886, 164550, 45)


def test_an_impersonating_fake_acceptor_breaks_inv_in_one_step_as_in_tlc() -> None:
    """BPConImpersonate.cfg: TLC's Inv is violated in state 2 by facceptor(fa1), a message in a good acceptor's
    name; paxraft's shortest counterexample is that one step."""
    r = check(build(f"{HERE / 'byz_bpcon.py'}:Impersonate", values=1, max_ballot=0))
    assert (r.verdict, r.violated, r.trace_length) == ("violation", "Inv", 1)
    assert r.trace[1].label.name == "FakeSend"


def test_byz_quorums_meeting_in_no_good_acceptor_break_the_refinement_where_tlc_does() -> None:
    """BPConNoGoodMeet.cfg: TLC's PROPERTY P!Spec is violated in state 8, the second acceptor's 2av for another
    value (a second 2a in ballot 0 in PCon's terms); Inv holds (the variant breaks only the refinement)."""
    b = build(f"{HERE / 'byz_bpcon.py'}:NoGoodMeet", fake=0, values=2, max_ballot=0)
    r = check_refinement(b, *refinement(b, "PConProof"))
    steps = [step.label.name for step in r.trace[1:]]
    assert not r.holds and steps == [
        "Phase1a", "Phase1b", "LearnsSent", "LearnsSent", "Phase1c", "Phase2av", "Phase2av"
    ]  # fmt: skip
