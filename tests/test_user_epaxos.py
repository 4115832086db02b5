"""A protocol researcher's spec written from README.md and docs/ only (notes newuser27, 2026-12-07): Egalitarian
Paxos from efficient/epaxos (tlaplus/Examples' specifications/egalitarian-paxos; tests/user_specs/epaxos.py, the
TLA+ text and the models TLC ran in tests/user_specs/EPaxos/): TLC 2.20's counts, the text's own broken invariant,
a planted bug with TLC's trace, and the features a user tries on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import check_report, figures

from modelcheck import check
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "epaxos.py"
EP = f"{FILE}:EPaxos"

# TLC 2.20 (-workers 1, tests/user_specs/EPaxos/README.md): (replicas, commands, max_ballot) -> distinct, generated,
# depth.
TLC = {(3, 1, 1): (2302, 4351, 13)}  # MCEPaxos.cfg
TLC_SLOW = {(3, 1, 2): (74410, 153277, 19)}  # MCEPaxosB2.cfg (16 CPU s in TLC)
# SYMMETRY Permutations(Replicas): MCEPaxosSym.cfg, MCEPaxosSymB2.cfg
TLC_SYM = {(3, 1, 1): (385, 731, 13), (3, 1, 2): (12403, 25552, 19)}


def build(replicas: int = 3, commands: int = 1, max_ballot: int = 1, cls: str = "EPaxos") -> object:
    return load_user_spec(f"{FILE}:{cls}")(replicas, commands, max_ballot)


@pytest.mark.parametrize("bounds", sorted(TLC))
def test_counts_are_tlcs(bounds: tuple[int, int, int]) -> None:
    r = check(build(*bounds))
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *TLC[bounds])


@pytest.mark.slow
@pytest.mark.parametrize("bounds", sorted(TLC_SLOW))
def test_counts_are_tlcs_with_two_recovery_ballots(bounds: tuple[int, int, int]) -> None:
    r = check(build(*bounds))
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *TLC_SLOW[bounds])


def test_symmetry_as_tlc() -> None:
    """Renaming replicas renames instances, ballots and every message: TLC's SYMMETRY counts. The preflight that
    compares renamings (1.6 of 1.7 CPU s here) runs in the slow test below; trusted here, the counts still tell."""
    r = check(build(), symmetry=True, trust_symmetry=True)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *TLC_SYM[3, 1, 1])


@pytest.mark.slow
def test_symmetry_and_two_workers_with_two_recovery_ballots(capsys: pytest.CaptureFixture) -> None:
    """--workers 2 gives one process's counts and coverage, with and without symmetry."""
    r = check(build(max_ballot=2), symmetry=True)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *TLC_SYM[3, 1, 2])
    bounds = ("--max-ballot", "2")
    one, two = check_report(capsys, EP, *bounds), check_report(capsys, EP, *bounds, "--workers", "2")
    assert figures(two) == figures(one) == TLC_SLOW[3, 1, 2] and two["coverage"] == one["coverage"]
    sym = check_report(capsys, EP, *bounds, "--workers", "2", "--symmetry")
    assert figures(sym) == TLC_SYM[3, 1, 2]


@pytest.mark.slow
def test_five_replicas_reach_try_pre_accept_as_in_tlc() -> None:
    """MCEPaxos5.cfg (five replicas, at most 4 messages in flight): the try-pre-accept round, which three replicas
    never reach, fires, and TLC's counts (and its per-action steps: tests/user_specs/EPaxos/README.md) are ours."""
    r = check(load_user_spec(f"{FILE}:FewMessages")())
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 206546, 721261, 18)
    fired = {name: c.fired for name, c in r.coverage.items()}
    try_round = ("PrepareFinalizeTry", "ReplyTryPreacceptOK", "FinalizeTryPreAcceptOK")
    assert [fired[a] for a in try_round] == [360, 3960, 120]


def test_the_texts_nontriviality_fails_as_in_tlc(capsys: pytest.CaptureFixture) -> None:
    """MCAsWritten.cfg: the text's Nontriviality compares a committed triple with the proposed commands; TLC finds
    it false after the first fast commit, 4 states, 38 distinct and 38 generated at the stop."""
    obj = check_report(capsys, f"{FILE}:AsWritten", codes=(1,))
    assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("violation", "NontrivialityAsWritten", 3)
    assert figures(obj) == (38, 38, 4)


def test_planted_bug_as_in_tlc(capsys: pytest.CaptureFixture) -> None:
    """MCStaleAccept.cfg: Phase2Reply without its ballot check lets a replica's commit go back to accepted; TLC's
    StabilityStep fails with the same 10 steps (its counts at the stop, 2,282 distinct and 4,193 generated, are one
    more than ours: it tries Next's disjuncts replica by replica)."""
    obj = check_report(capsys, EP, "--variant", "stale-accept", codes=(1,))
    assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("violation", "Stability", 10)
    steps = [step["action"] for step in obj["trace"][1:]]
    assert steps == ["Propose", "Phase1Reply", "Phase1Slow", "SendPrepare", "ReplyPrepare", "ReplyPrepare",
                     "PrepareFinalizeAccepted", "Phase2Reply", "Phase2Finalize", "Phase2Reply"]  # fmt: skip
    assert figures(obj) == (2281, 4192, 11)
    assert obj["failing_part"].startswith("for r = 1, log = ")  # r2's committed record went back to accepted


def test_each_way_a_forall_holds_is_a_step() -> None:
    """PrepareFinalize's ``\\A msg \\in replies \\ {acc} : prev_ballot <= ... \\/ status # "accepted"`` is one TLC
    step per disjunct each reply meets (docs/writing-a-spec.md, section 3): with one step per acc, 84 fewer."""
    base = load_user_spec(EP)

    class OneWay(base):  # type: ignore[misc, valid-type]
        def accepted_replies(self, replies: list, i: tuple, Q: tuple) -> list:
            return list({acc: (acc, how) for acc, how in base.accepted_replies(replies, i, Q)}.values())

    r = check(OneWay(3, 1, 1))
    assert (r.distinct_states, r.states_generated, r.depth) == (2302, 4267, 13)
