"""Paxos crash-restart: Restart(a) keeps what an acceptor persists, and the variants that persist less break."""

from __future__ import annotations

import pytest

from modelcheck import OK, VIOLATION, check
from modelcheck.cli import main
from spec.behaviour import validate_trace
from spec.core import SpecError
from spec.paxos import M1A, M2B, NONE, Paxos, PaxosRestartState, PaxosState
from spec.paxos_variants import Amnesia, VolatilePromise


def test_no_restarts_is_exactly_paxos_tla() -> None:
    spec = Paxos()
    assert "Restart" not in [a.name for a in spec.actions]
    assert type(next(iter(spec.init_states()))) is PaxosState
    assert spec.variables == ("maxBal", "maxVBal", "maxVal", "msgs")


@pytest.mark.parametrize("restarts", [1, 2])
def test_restarts_of_full_paxos_only_count(restarts: int) -> None:
    # Every field is persisted, so a restart changes only the counter: each Paxos.tla state
    # appears once per counter value, one level deeper per restart.
    r = check(Paxos(max_restarts=restarts))
    assert (r.verdict, r.distinct_states, r.depth) == (OK, 3921 * (restarts + 1), 17 + restarts)
    assert r.coverage["Restart"].fired > 0
    assert r.spec.variables[-1] == "restarts"


def test_restart_resets_only_what_is_not_persisted() -> None:
    s = PaxosRestartState((1, 0), (1, -1), (0, NONE), frozenset({(M1A, 1), (M2B, 0, 1, 0)}), 0)
    full = Paxos(acceptors=2, max_restarts=1).Restart(s, 0)
    assert full == s._replace(restarts=1)
    volatile = VolatilePromise(acceptors=2, max_restarts=1).Restart(s, 0)
    assert volatile == PaxosRestartState((-1, 0), (1, -1), (0, NONE), s.msgs, 1)  # the vote survives
    amnesia = Amnesia(acceptors=2, max_restarts=1).Restart(s, 0)
    assert amnesia == PaxosRestartState((-1, 0), (-1, -1), (NONE, NONE), s.msgs, 1)  # messages stay sent
    assert Paxos(acceptors=2, max_restarts=1).Restart(amnesia, 1) is None  # the bound is reached


@pytest.mark.parametrize("cls", [VolatilePromise, Amnesia])
def test_forgetful_acceptors_break_agreement_at_recorded_bounds(cls: type[Paxos]) -> None:
    assert cls.failing_bounds == {"acceptors": 1, "values": 2, "max_ballot": 1, "max_restarts": 1}
    r = check(cls(**cls.failing_bounds))
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, "Agreement", 9)
    assert cls.trace_length == 9
    validate_trace(r.spec, r.trace)
    assert [st.label.name for st in r.trace[1:]].count("Restart") == 1


@pytest.mark.parametrize("cls", [VolatilePromise, Amnesia])
def test_forgetful_acceptors_are_safe_without_a_restart_or_a_second_ballot(cls: type[Paxos]) -> None:
    assert check(cls(acceptors=1, max_restarts=0)).verdict == OK
    assert check(cls(acceptors=1, max_ballot=0, max_restarts=2)).verdict == OK


def test_volatile_promise_breaks_with_three_acceptors_too() -> None:
    r = check(VolatilePromise(acceptors=3, max_restarts=1), symmetry=True)
    assert (r.verdict, r.violated) == (VIOLATION, "Agreement")
    assert r.trace_length == 13


def test_type_ok_bounds_the_counter() -> None:
    spec = Paxos(acceptors=1, max_restarts=1)
    s = next(iter(spec.init_states()))
    assert spec.TypeOK(s) and not spec.TypeOK(s._replace(restarts=2))


def test_cli_max_restarts(capsys) -> None:
    code = main(["check", "paxos", "--variant", "amnesia", "--acceptors", "1", "--max-restarts", "1", "--json"])
    out = capsys.readouterr().out
    assert code == 1 and '"max_restarts": 1' in out and '"restarts": 1' in out
    assert main(["check", "paxos", "--max-restarts", "-1"]) == 2
    assert "--max-restarts must not be negative" in capsys.readouterr().err
    with pytest.raises(SpecError, match="max-restarts must be an integer >= 0"):
        Paxos(max_restarts=-1)
