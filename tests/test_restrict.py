"""Model restrictions (--restrict): named extra enabling conditions a spec offers (guards, where TLC's
ACTION_CONSTRAINT generates, checks and drops a step: the last test). They must restrict exactly (same counts
as a hand-written override), show in the report, hide what they exclude, refuse symmetry when they single out
a server, and name bad input."""

from __future__ import annotations

import json
from typing import NamedTuple

import pytest

from modelcheck import DEADLOCK, OK, VIOLATION, check
from modelcheck.cli import main
from spec.behaviour import validate_trace
from spec.core import Counted, Spec, SpecError, action, counts_outside, restriction
from spec.raft import LEADER, Raft
from spec.registry import entry


class HandRestartLeaders(Raft):
    """restart-leaders written as an override (it singles out no server: symmetry stays allowed)."""

    def Restart(self, s, i):  # type: ignore[no-untyped-def]
        return super().Restart(s, i) if s.state[i] == LEADER else None


class HandRestricted(HandRestartLeaders):
    """The two Raft restrictions written as overrides, the way a user would without --restrict."""

    def Timeout(self, s, i):  # type: ignore[no-untyped-def]
        return super().Timeout(s, i) if i != 2 else None


BOUNDS = dict(servers=3, max_term=2, max_log=1, no_history=True)
#: the default run's bounds: the tests at BOUNDS take a minute or more each (they run under `slow`)
SMALL = dict(servers=3, max_term=2, max_log=0, no_history=True)


def test_restrictions_equal_the_hand_written_overrides_small() -> None:
    r = check(Raft(**SMALL).restrict(["restart-leaders", "passive-last"]))
    hand = check(HandRestricted(**SMALL))
    full = check(Raft(**SMALL), max_states=r.distinct_states + 1)
    assert (r.distinct_states, r.states_generated, r.depth) == (hand.distinct_states, hand.states_generated, hand.depth)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == (OK, 10_377, 85_763, 29)
    assert not full.complete  # the restriction really cut the model


@pytest.mark.slow
def test_restrictions_equal_the_hand_written_overrides() -> None:
    r = check(Raft(**BOUNDS).restrict(["restart-leaders", "passive-last"]))
    hand = check(HandRestricted(**BOUNDS))
    full = check(Raft(**BOUNDS), max_states=r.distinct_states + 1)
    assert (r.distinct_states, r.states_generated, r.depth) == (hand.distinct_states, hand.states_generated, hand.depth)
    assert r.verdict == OK and not full.complete  # the restriction really cut the model


def test_a_restriction_hides_the_bug_it_excludes() -> None:
    # volatile-term at 2 servers needs both to stand for election; with the last one passive it is safe.
    cls = entry("raft").variants["volatile-term"]
    assert check(cls(**cls.failing_bounds)).violated == "OneLeaderPerTerm"
    assert check(cls(**cls.failing_bounds).restrict(["passive-last"])).verdict == OK


def test_a_restricted_models_counterexample_is_a_behaviour_of_the_whole_spec() -> None:
    # volatile-vote still breaks when only leaders restart: a leader forgets its vote for itself and, a
    # follower now, elects a second leader of its term (so the history, not the current state, shows it).
    cls = entry("raft").variants["volatile-vote"]
    bounds = {k: v for k, v in cls.failing_bounds.items() if k != "symmetry"}
    r = check(cls(**bounds).restrict(["restart-leaders"]), symmetry=True)
    assert (r.verdict, r.violated) == (VIOLATION, "ElectionSafety")
    validate_trace(cls(**bounds), r.trace)
    restarts = [(prev, cur) for prev, cur in zip(r.trace, r.trace[1:]) if cur.label.name == "Restart"]
    assert restarts and all(prev.state.state[cur.label.params[0]] == LEADER for prev, cur in restarts)


def test_symmetry_is_refused_when_a_restriction_singles_out_a_server_small() -> None:
    # 2 servers: the smallest model where symmetry reduces and restart-leaders is reachable
    small = dict(servers=2, max_term=2, max_log=1, no_history=True)
    with pytest.raises(SpecError, match="passive-last"):
        check(Raft(**small).restrict(["passive-last"]), symmetry=True)
    r = check(Raft(**small).restrict(["restart-leaders"]), symmetry=True)
    hand = check(HandRestartLeaders(**small), symmetry=True)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == (OK, 464, 2_994, 28)
    assert (hand.distinct_states, hand.states_generated, hand.depth) == (464, 2_994, 28)
    assert check(Raft(**small).restrict(["restart-leaders"])).distinct_states > 464  # symmetry did reduce


@pytest.mark.slow
def test_symmetry_is_refused_when_a_restriction_singles_out_a_server() -> None:
    with pytest.raises(SpecError, match="passive-last"):
        check(Raft(**BOUNDS).restrict(["passive-last"]), symmetry=True)
    assert check(Raft(**BOUNDS).restrict(["restart-leaders"]), symmetry=True).verdict == OK


def test_cli_reports_the_restriction_and_names_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "raft", "--servers", "2", "--max-term", "2", "--restrict", "restart-leaders"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "restrict=restart-leaders" in out and "<- restricted (restart-leaders)" in out
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]["restrict"] == ["restart-leaders"]
    assert main(["check", "raft", "--servers", "2", "--restrict", "restart-leader"]) == 2
    err = capsys.readouterr().err
    assert "no restriction 'restart-leader'" in err and "restart-leaders: Restart(i) only when i is a leader" in err
    assert main(["check", "raft", "--servers", "3", "--restrict", "passive-last", "--symmetry"]) == 2
    assert "singles out a server" in capsys.readouterr().err


def test_list_shows_the_restrictions_a_spec_offers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "restart-leaders  on Restart: Restart(i) only when i is a leader" in out
    assert "passive-last     on Timeout: The last server never times out" in out
    assert "(singles out a server: not with --symmetry)" in out
    assert Raft.restrictions()["passive-last"][:2] == ("Timeout", False)


def test_a_restriction_without_a_docstring_is_listed_by_its_name(capsys: pytest.CaptureFixture[str]) -> None:
    """A guard's docstring is optional (action_constraint.py's no-jump has none): list printed "no-jump  on Jump: "
    and a misspelt --restrict offered "no-jump: ", each with a colon before nothing."""
    where = "tests/user_specs/action_constraint.py"
    assert main(["list", f"{where}:JumpingCounter"]) == 0
    assert "\n    no-jump  on Jump\n" in capsys.readouterr().out
    assert main(["check", f"{where}:JumpingCounter", "--restrict", "no-jmp"]) == 2
    assert capsys.readouterr().err.rstrip().endswith("(this spec offers: no-jump)")


def test_a_restricted_or_reduced_model_keeps_the_speed_hooks_of_the_actions_it_does_not_restrict() -> None:
    """``without`` and ``restrict`` return a copy; its actions were bound to the original spec, whose
    ``count_outside`` no search sets, so no step answered OUTSIDE and no enumerator Counted (the 705k model
    with --without of an action that never fires: 14.8-15.5 CPU s against 7.8-8.2). The copy's own actions
    are bound to it now; a restricted action stays bound to a spec no search runs (a Counted answer would
    count parameters the guard refuses), and an action left out stays out. Counts and coverage unchanged."""
    model = dict(servers=2, max_term=3, max_log=1, no_history=True)  # 11,173 states (SMALL's 327,896 took 9 s)
    base = Raft(**model)
    out = base.restrict(["restart-leaders"]).without(["DropStaleResponse"])
    for a in out.actions:
        owner = getattr(a.step, "__self__", None)
        if a.name == "DropStaleResponse":
            assert a.enumerate(None) == ()  # left out: never enabled
        elif a.name == "Restart":
            assert owner is None  # the restriction's guard around the step of a spec no search runs
        else:
            assert owner is out, a.name
    out.count_outside = True
    assert out._runs_own("Timeout") and not out._runs_own("Restart")
    out.count_outside = False
    hand = HandRestartLeaders(**model).without(["DropStaleResponse"])
    r, h = check(out), check(hand)
    assert (r.distinct_states, r.states_generated) == (11_173, 72_819)
    assert (r.distinct_states, r.states_generated, r.depth) == (h.distinct_states, h.states_generated, h.depth)
    assert {k: (c.fired, c.new) for k, c in r.coverage.items()} == {k: (c.fired, c.new) for k, c in h.coverage.items()}


class _T(NamedTuple):
    x: int
    z: int


class CountedTicks(Spec):
    """Tick(p) raises z; from z = 1 on every Tick lands outside the constraint and is counted whole."""

    canonical_order = False

    def init_states(self) -> list[_T]:
        return [_T(0, 0)]

    @counts_outside
    def ticks(self, s: _T) -> list[tuple[int]] | Counted:
        if self.count_outside and s.z >= 1:
            return Counted((), 2)  # both Ticks enabled, both outside; no invariant reads z
        return [(0,), (1,)]

    @action(ticks)
    def Tick(self, s: _T, p: int) -> _T | None:
        return s._replace(z=s.z + 1)

    @action(lambda self, s: [()])
    def Inc(self, s: _T) -> _T | None:
        return s._replace(x=s.x + 1) if s.x < 2 else None

    def constraint(self, s: _T) -> bool:
        return s.z <= 1

    @restriction("early", action="Tick")
    def early(self, s: _T, p: int) -> bool:
        """Tick only while x is 0."""
        return s.x == 0


class HandEarly(CountedTicks):
    @action(lambda self, s: [(0,), (1,)])
    def Tick(self, s: _T, p: int) -> _T | None:
        return s._replace(z=s.z + 1) if s.x == 0 else None


def test_a_restricted_action_whose_enumerator_counts_outside_is_asked_its_guard() -> None:
    """Found by tests/test_differential.py's slow run (a restricted Tick whose enumerator gives Counted): 2530318
    rebound the restricted action's enumerator to the copy the search runs, so its Counted parameters were
    counted without the restriction's guard (753 generated instead of 721 there; 13 instead of 9 here)."""
    r, hand = check(CountedTicks().restrict(["early"])), check(HandEarly())
    assert (r.distinct_states, r.states_generated, r.depth) == (hand.distinct_states, hand.states_generated,
                                                                 hand.depth) == (6, 9, 4)
    assert {k: (c.fired, c.new) for k, c in r.coverage.items()} == {
        k: (c.fired, c.new) for k, c in hand.coverage.items()}


def test_restrict_is_a_guard_where_tlcs_action_constraint_generates_checks_and_drops() -> None:
    """--restrict against TLC 2.20's ACTION_CONSTRAINT on one model (tests/user_specs/action_constraint.py, its
    .tla beside): TLC generates a discarded step, checks the invariants on its successor (NotTen violated by
    Init, Jump: 3 generated, 2 distinct) and counts it (6 generated without the invariant), and a state whose only
    step it discards is no deadlock. --restrict generates none of them (4 / 4 / 4, no violation, a deadlock at
    x = 3), as docs/variants.md says; DiscardedJump, the model written as TLC reads it, gives TLC's figures."""
    from spec.registry import load_user_spec

    where = "tests/user_specs/action_constraint.py"
    jumping, discarded = load_user_spec(f"{where}:JumpingCounter"), load_user_spec(f"{where}:DiscardedJump")

    def figures(r):  # type: ignore[no-untyped-def]
        return r.verdict, r.violated, r.trace_length, r.distinct_states, r.states_generated, r.depth

    assert figures(check(discarded())) == (VIOLATION, "NotTen", 1, 2, 3, 2)  # TLC's, with INVARIANT NotTen
    assert figures(check(discarded(), check_invariants=False, check_deadlock=True)) == (OK, None, None, 4, 6, 4)
    restricted = jumping().restrict(["no-jump"])
    assert figures(check(restricted)) == (OK, None, None, 4, 4, 4)  # the jump to 10 is never generated
    dead = check(restricted, check_invariants=False, check_deadlock=True)
    assert (dead.verdict, dead.trace[-1].state.x) == (DEADLOCK, 3)  # its one step is restricted away
