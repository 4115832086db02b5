"""Paxos with crash-restart in the Z3 proof: what the spec persists is proved enough; the variants that keep less fail
at the Restart obligation with a counterexample drawn as Paxos states; the encoding conforms to the explicit spec."""

from __future__ import annotations

import re

import pytest

from modelcheck.cli import main
from proofs.paxos.conformance import check
from proofs.paxos.encoding import PaxosEncoding
from spec.paxos import Paxos


def test_paxos_with_restarts_is_proved(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "paxos", "--restarts"]) == 0
    out = capsys.readouterr().out
    assert "crash-restart keeping maxBal, maxVBal, maxVal" in out
    assert "Inv /\\ Restart => Inv'" in out and "8/8 obligations proved" in out


@pytest.mark.parametrize("variant", ["volatile-promise", "amnesia"])
def test_forgetting_across_restart_fails_at_the_restart_obligation(
    variant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prove", "paxos", "--variant", variant]) == 1
    out = capsys.readouterr().out
    assert "Inv /\\ Restart => Inv'     EPR       counterexample (VoteAtMostBal)" in out
    assert "7/8 obligations proved" in out
    # which acceptor Z3's model restarts depends on the solver's state: any one, and its promise is gone
    acc = re.search(r"step: Restart\(a=(a\d+)\)", out)
    assert acc and re.search(rf"maxBal .*{acc.group(1)} \|-> -1.*<- changed", out)


def test_restart_encoding_conforms_to_the_explicit_spec_with_restarts() -> None:
    rep = check(Paxos(acceptors=2, values=2, max_ballot=1, max_restarts=1), sample_every=29)
    assert rep.ok, rep.summary()
    assert (rep.states, rep.transitions) == (290, 1506)


def test_a_restart_variant_needs_its_persisted_variables() -> None:
    with pytest.raises(ValueError, match="changes what Restart keeps"):
        PaxosEncoding(variant="amnesia")
    with pytest.raises(ValueError, match="persists names no acceptor variable: msgs"):
        PaxosEncoding(persists=("msgs",))
