"""One rule for "did you mean": every name tied for closest, in the order the caller lists them, at every place a
user can misspell a name (specs, classes, variants, actions, flags, properties, witnesses, restrictions)."""

from __future__ import annotations

import pytest
from test_cli import one_error_line, run  # the CLI run with its captured output

from spec.suggest import closest, did_you_mean, hint

PETERSON = "tests/user_specs/peterson.py"


def test_closest_names_every_tie_in_the_callers_order() -> None:
    assert closest("Phase1A", ["Phase1a", "Phase1b", "Phase2a", "Phase2b"]) == ["Phase1a", "Phase1b"]
    assert closest("paxso", ["raft", "paxos", "multipaxos"]) == ["paxos"]
    assert closest("zzz", ["paxos", "raft"]) == []
    assert closest("x", []) == []
    assert did_you_mean("--acceptor", ["--acceptors", "--quorums"], quote=False) == "did you mean --acceptors?"
    assert hint("amnesai", ["amnesia", "dup-ballot"]) == "; did you mean 'amnesia'?"
    assert hint("zzz", ["amnesia"]) == ""
    # nothing close by similarity: the one name the typed word begins (newuser28's --variant eager), not two, nor
    # for a word of fewer than three characters
    assert closest("eager", ["eager-last-ack", "withheld-last-ack", "stable-up-edge"]) == ["eager-last-ack"]
    assert closest("stab", ["stable-up-edge", "stable-down-edge"]) == [] and closest("ea", ["eager-last-ack"]) == []


@pytest.mark.parametrize(("argv", "ends"), [
    (["check", "paxso"], "); did you mean 'paxos'?"),  # (known specs: ...) names those registered so far
    (["check", f"{PETERSON}:Petersen"], "no Spec subclass named 'Petersen'; did you mean 'Peterson'? "
                                        "(found: Peterson, TurnFirst)"),
    (["check", "paxos", "--variant", "amnesai"], "; did you mean 'amnesia'?"),
    (["check", "paxos", "--without", "Phase2B"], "--without names no action 'Phase2B'; did you mean 'Phase2a' or "
                                                 "'Phase2b'? (actions: Phase1a, Phase1b, Phase2a, Phase2b)"),
    (["check", "raft", "--liveness", "LeaderComits"], "; did you mean 'LeaderCommits'?"),
    (["check", "paxos", "--acceptor", "2"], "did you mean --acceptors? (see 'paxraft check --help')"),
])
def test_each_misspelt_name_gets_the_hint(capsys: pytest.CaptureFixture, argv: list[str], ends: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and one_error_line(err).endswith(ends), err


def test_a_name_close_to_nothing_gets_no_hint(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "check", "zzzz")
    assert code == 2 and "did you mean" not in one_error_line(err)
