"""docs/examples/paxoscommit.py, a user's spec file: TLC 2.20's counts on PaxosCommit.tla's models."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from modelcheck import VIOLATION, check
from spec.core import action
from spec.registry import load_user_spec

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "paxoscommit.py"


@pytest.fixture(scope="module")
def PaxosCommit() -> type:
    return load_user_spec(f"{EXAMPLE}:PaxosCommit")


def test_one_acceptor_model_has_tlcs_counts_and_coverage(PaxosCommit: type) -> None:
    """RM = {r1, r2}, Acceptor = {a1}, Majority = {{a1}}, Ballot = {0, 1}: TLC 2.20 (-coverage 1)
    finds 1,425 distinct states, 9,961 generated, depth 16, and these states generated per action."""
    r = check(PaxosCommit(rms=2, acceptors=1, max_ballot=1))
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 1425, 9961, 16)
    assert {name: c.fired for name, c in r.coverage.items()} == {
        "RMPrepare": 410,
        "RMChooseToAbort": 410,
        "RMRcvCommitMsg": 200,
        "RMRcvAbortMsg": 1400,
        "Phase1a": 2850,
        "Phase2a": 510,
        "Decide": 1510,
        "Phase1b": 510,
        "Phase2b": 2160,
    }


def test_a_commit_on_one_prepared_instance_breaks_consistency(PaxosCommit: type) -> None:
    """The check must fail when Decide commits once any one instance (not every one) decided prepared."""
    pc = sys.modules[PaxosCommit.__module__]

    class CommitOnOne(PaxosCommit):  # type: ignore[misc, valid-type]
        @action(params=lambda self, s: [(pc.COMMIT, rm) for rm in self.RM] + [(pc.ABORT, rm) for rm in self.RM])
        def Decide(self, s, d, rm):  # type: ignore[no-untyped-def]
            v = pc.PREPARED if d == pc.COMMIT else pc.ABORTED
            return s._replace(msgs=s.msgs | {pc.Decision(d)}) if self.Decided(s, rm, v) else None

    r = check(CommitOnOne(rms=2, acceptors=1, max_ballot=0))
    assert r.verdict == VIOLATION and r.violated == "TCConsistent"


@pytest.mark.slow
def test_examples_model_has_tlcs_counts(PaxosCommit: type) -> None:
    """PaxosCommit.cfg (2 RMs, 3 acceptors, the 3 majorities, ballots {0, 1}): TLC 2.20 finds
    1,321,761 distinct states, 16,959,159 generated, depth 28."""
    r = check(PaxosCommit())
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 1321761, 16959159, 28)
