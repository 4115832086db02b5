"""Liveness under fairness: MCPaxos's MCLiveness holds, the duel is a lasso, WF/SF/stuttering as TLC."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pytest

from modelcheck.cli import main
from modelcheck.engine.liveness import check_property, tarjan
from spec.core import (
    SF,
    WF,
    Action,
    AlwaysEventually,
    Eventually,
    EventuallyAlways,
    LeadsTo,
    Spec,
    SpecError,
    action,
    declare,
)
from spec.dueling import DistinguishedLeader, Dueling
from spec.paxos import Paxos
from spec.registry import entries, load_user_spec
from tests.fair_lasso import loop_is_fair

entries()  # loads the declarations (spec.paxos_live)


def test_mcpaxos_liveness_holds_under_mclspec_fairness() -> None:
    for kw, states in (({"acceptors": 1, "values": 1}, 25), ({"acceptors": 3, "values": 2}, 3921)):
        r = check_property(Paxos(**kw), "Liveness")
        assert r.holds and r.lasso is None and r.distinct_states == states
    assert len(Paxos().fairness()) == 5  # Phase1a(1), Phase2a(1, v1/v2), a1 and a2


def test_paxos_without_fairness_stutters_in_the_initial_state() -> None:
    r = check_property(Paxos(), fairness=[])
    assert not r.holds and r.lasso.stutters and len(r.lasso.prefix) == 1


def test_paxos_missing_one_acceptor_fairness_is_violated_by_a_stutter() -> None:
    spec = Paxos()
    # Only a1 fair: no quorum can be relied on, so the run may stop after a1's steps.
    conds = [f for f in spec.fairness() if "a2" not in str(f)]
    r = check_property(spec, fairness=conds)
    assert not r.holds and r.lasso.stutters
    last = r.lasso.prefix[-1].state
    assert not spec.chosen(last)
    assert loop_is_fair(spec, r.lasso, conds)


def test_dueling_proposers_give_a_fair_lasso_with_its_loop() -> None:
    spec = Dueling()
    r = check_property(spec)
    assert not r.holds and not r.lasso.stutters
    assert (len(r.lasso.prefix), len(r.lasso.loop)) == (4, 6)
    loop = [str(st.label) for st in r.lasso.loop]
    assert loop == [
        "Promise(0, 1)",
        "Preempted(0, 0)",
        "Prepare(0)",
        "Promise(0, 0)",
        "Preempted(1, 0)",
        "Prepare(1)",
    ]
    assert r.lasso.loop[-1].state == r.lasso.prefix[-1].state  # the loop closes
    assert not any(st.state.decided for st in r.lasso.prefix + r.lasso.loop)
    assert loop_is_fair(spec, r.lasso, spec.fairness())


def test_distinguished_leader_decides() -> None:
    r = check_property(DistinguishedLeader())
    assert r.holds and r.distinct_states == 29


class Toggle(Spec):
    """x flips between 0 and 1; Set makes y = 1 but only while x = 1."""

    name = "toggle"
    variables = ("x", "y")

    def init_states(self):
        return [(0, 0)]

    @action()
    def Flip(self, s):
        return (1 - s[0], s[1])

    @action()
    def Set(self, s):
        return (s[0], 1) if s[0] == 1 else None


declare(Toggle, properties=lambda spec: {"SetsY": Eventually(lambda s: s[1] == 1, "<>(y = 1)")})


def test_weak_fairness_is_met_by_a_loop_that_disables_the_action() -> None:
    spec = Toggle()
    r = check_property(spec, fairness=[WF("Flip"), WF("Set")])
    assert not r.holds and [st.label.name for st in r.lasso.loop] == ["Flip", "Flip"]
    assert loop_is_fair(spec, r.lasso, [WF("Flip"), WF("Set")])


def test_strong_fairness_removes_that_loop() -> None:
    assert check_property(Toggle(), fairness=[WF("Flip"), SF("Set")]).holds
    # SF alone: the behaviour may stutter at x = 0, where Set is disabled.
    r = check_property(Toggle(), fairness=[SF("Set")])
    assert not r.holds and r.lasso.stutters and r.lasso.prefix[-1].state == (0, 0)


class Clock(Spec):
    """An hour hand over 0..3; Reset from 3 to 0. Bounded by a constraint when asked."""

    name = "clock"
    variables = ("h",)

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        super().__init__()

    def init_states(self):
        return [(0,)]

    @action()
    def Tick(self, s):
        return ((s[0] + 1) % 4,)

    def constraint(self, s):
        return self.limit is None or s[0] <= self.limit


declare(
    Clock,
    properties=lambda spec: {
        "Noon": AlwaysEventually(lambda s: s[0] == 0, "[]<>(h = 0)"),
        "OneThenThree": LeadsTo(lambda s: s[0] == 1, lambda s: s[0] == 3, "h = 1 ~> h = 3"),
        "Three": Eventually(lambda s: s[0] == 3, "<>(h = 3)"),
    },
    fairness=lambda spec: [WF("Tick")],
)


def test_always_eventually_and_leads_to() -> None:
    assert check_property(Clock(), "Noon").holds
    assert check_property(Clock(), "OneThenThree").holds
    r = check_property(Clock(), "OneThenThree", fairness=[])
    assert not r.holds and r.lasso.stutters
    assert [st.state for st in r.lasso.prefix] == [(0,), (1,)]  # reach the trigger, then stop


class TwoStarts(Spec):
    """Initial states 0 and 1; Go takes 0 to 1, where the behaviour can only stutter."""

    name = "two-starts"
    variables = ("at",)

    def init_states(self):
        return [(0,), (1,)]

    @action()
    def Go(self, s):
        return (1,) if s[0] == 0 else None


declare(TwoStarts, properties=lambda spec: {"Never": AlwaysEventually(lambda s: False, "[]<>FALSE")},
        fairness=lambda spec: [WF("Go")])


def test_the_lasso_prefix_is_the_shortest_from_any_initial_state() -> None:
    """Stuttering in initial state 1 violates []<>FALSE in 0 steps; the lasso was 0 -> 1, one step, because
    the path search reached (1, past the trigger) by Go before taking initial state 1's free phase switch."""
    r = check_property(TwoStarts(), "Never")
    assert not r.holds and r.lasso.stutters
    assert [st.state for st in r.lasso.prefix] == [(1,)]


class Detour(Spec):
    """x = 0 (the start), 1 and 2: A goes 0 -> 1 -> 0, B goes 0 -> 2 -> 0, Settle takes 0 to 3 for good."""

    name = "detour"
    variables = ("x",)

    def init_states(self):
        return [(0,)]

    @action()
    def A(self, s):
        return {0: (1,), 1: (0,)}.get(s[0])

    @action()
    def B(self, s):
        return {0: (2,), 2: (0,)}.get(s[0])

    @action()
    def Settle(self, s):
        return (3,) if s[0] == 0 else None


declare(Detour, properties=lambda spec: {
    "NoDetour": EventuallyAlways(lambda s: s[0] != 2, "<>[](x # 2)"),
    "Settles": EventuallyAlways(lambda s: s[0] == 3, "<>[](x = 3)"),
}, fairness=lambda spec: [WF("A")])


def test_eventually_always_is_broken_where_the_goal_fails_for_ever_or_infinitely_often() -> None:
    """``<>[]P`` (stability): broken by a fair behaviour that fails P infinitely often. Under WF(A) alone the
    behaviour may go to 2 and stay (A is disabled there): the lasso ends in the state that fails the goal, not in
    the cycle 0 -> 1 -> 0 it passes first (a fair loop through 0 need not visit 2, so ending there would show a
    behaviour that keeps the goal). Settling needs fairness of Settle; with it, and of B's return, x = 3 is stable."""
    r = check_property(Detour(), "NoDetour")
    assert not r.holds and r.lasso.stutters
    assert [st.state for st in r.lasso.prefix] == [(0,), (2,)]
    r = check_property(Detour(), "Settles")
    assert not r.holds and not r.lasso.stutters  # the loop 0 -> 1 -> 0 is fair under WF(A) and never settles
    assert [st.state for st in r.lasso.prefix] == [(0,)] and [st.state for st in r.lasso.loop] == [(1,), (0,)]
    assert check_property(Detour(), "Settles", fairness=[WF("A"), WF("B"), SF("Settle")]).holds
    assert check_property(Detour(), "NoDetour", fairness=[WF("B"), SF("Settle")]).holds  # never stuck in 2


def test_vacuity_warning_when_the_constraint_cuts_every_path_to_the_goal() -> None:
    # The only fair continuation from h = 2 leaves the model, so "holds" is vacuous: warned.
    r = check_property(Clock(limit=2), "Three")
    assert r.holds
    assert len(r.warnings) == 1 and "constraint cut every path" in r.warnings[0]
    assert check_property(Clock(), "Three").warnings == []


def test_symmetry_with_liveness_is_refused() -> None:
    with pytest.raises(SpecError, match="tlaplus/tlaplus#59"):
        check_property(Paxos(), symmetry=True)


def test_tarjan_components() -> None:
    succ = {0: [1], 1: [2], 2: [0, 3], 3: [4], 4: [3], 5: []}
    comps = sorted(sorted(c) for c in tarjan(range(6), succ))
    assert comps == [[0, 1, 2], [3, 4], [5]]


def test_cli_liveness(capsys) -> None:
    assert main(["check", "paxos", "--liveness", "--quiet"]) == 0
    assert "Property Liveness holds" in capsys.readouterr().out
    assert main(["check", "dueling", "--liveness", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "loop begins: from state 4" in out and "loop ends: back to state 4" in out
    assert main(["check", "paxos", "--liveness", "--symmetry"]) == 2
    assert "tlaplus/tlaplus#59" in capsys.readouterr().err


def test_liveness_checks_the_invariants_first_as_tlc_does(capsys) -> None:
    """TLC checks a model's INVARIANTs with its PROPERTYs. --liveness checked the properties alone: Lamport's
    mutex without waiting for acknowledgements (two processes in the critical section after 4 steps) printed
    'Property Starvation1 holds ... Starvation2 holds' and exited 0."""
    spec = "tests/user_specs/lamport_mutex.py:LamportMutex"
    bug = ("--variant", "no-ack-wait", "--procs", "2", "--max-clock", "2")
    assert main(["check", spec, *bug, "--liveness"]) == 1
    out = capsys.readouterr().out
    assert "Error: invariant Mutex is violated; shortest counterexample: 4 steps" in out and "holds" not in out
    assert main(["check", spec, *bug, "--liveness", "--no-invariants"]) == 0  # asked for: the properties alone
    assert capsys.readouterr().out.count("holds under this fairness") == 2
    assert main(["check", spec, "--max-clock", "2", "--liveness", "Starvation1", "--deadlock"]) == 1
    assert "Error: deadlock reached after 18 steps" in capsys.readouterr().out  # the protocol ends: TLC agrees
    # --deadlock asked for with --no-invariants: a plain check reports the deadlock, and --liveness skipped it
    duel = ("dueling", "--variant", "distinguished-leader", "--no-invariants", "--deadlock")
    assert main(["check", *duel]) == 1
    assert "Error: deadlock reached after 7 steps" in capsys.readouterr().out
    assert main(["check", *duel, "--liveness"]) == 1
    out = capsys.readouterr().out
    assert "Error: deadlock reached after 7 steps" in out and "holds" not in out


def _counting_steps(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Count every call of every spec's action steps from now on, by action name; the calls the fingerprint's
    sample makes (its walks looking for numbers below -1, modelcheck.engine._fingerprint, once per spec) are
    counted apart, under the key ``"(sample)"``, so that the figures are the search's own whatever the sample
    takes."""
    from modelcheck.engine import _fingerprint

    calls: Counter = Counter()
    bind = Spec._bind_action
    sampling = [False]

    def counted(self: Spec, name: str, *args: object) -> Action:
        act = bind(self, name, *args)
        step = act.step

        def counting(*args: object) -> object:
            calls["(sample)" if sampling[0] else name] += 1
            return step(*args)

        return dataclasses.replace(act, step=counting)

    sample = _fingerprint._sample

    def flagged(spec: Spec) -> tuple[bool, bool]:
        sampling[0] = True
        try:
            return sample(spec)
        finally:
            sampling[0] = False

    monkeypatch.setattr(Spec, "_bind_action", counted)
    monkeypatch.setattr(_fingerprint, "_sample", flagged)
    return calls


def searched(calls: Counter) -> int:
    """The step calls of the search itself (the fingerprint's sample left out)."""
    return sum(n for name, n in calls.items() if name != "(sample)")


def test_liveness_explores_the_model_once(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """`check --liveness` of Lamport's mutex (3 processes, MaxClock 2: 865 states, 2 invariants, 3 properties)
    calls each step as often as the plain check does: one exploration for the invariants and every property
    (it was a plain check, then one exploration per property: 4 times the steps)."""
    calls = _counting_steps(monkeypatch)
    spec = ["tests/user_specs/lamport_mutex.py:LamportMutex", "--max-clock", "2", "--quiet"]
    assert main(["check", *spec]) == 0
    plain, sampled = searched(calls), calls["(sample)"]
    calls.clear()
    assert main(["check", *spec, "--liveness"]) == 0
    out = capsys.readouterr().out
    assert out.count("holds under this fairness.") == 3 and "\n865 distinct states, 2,390 edges (" in out
    # 16,689 (58,734 before: 3.5 times; 15,543 before the preflight called each step of its first states a
    # second time, on an equal copy, to refuse steps that are no function of their state), and the
    # fingerprint's sample once per run, as in the plain check
    assert searched(calls) == plain == 16_689 and calls["(sample)"] == sampled > 0


def test_an_invariant_violated_in_a_liveness_run_is_reported_as_check_reports_it(capsys) -> None:
    """The one exploration finds an invariant's violation as the plain check does: the same shortest
    counterexample, counts, depth and coverage, breadth-first (two leaders in one term, a violation of one
    leader per term: Raft whose Restart forgets the current term, 20 steps; its state constraint and steps that
    count the successors outside it, which the exploration builds, leave the counts alone)."""
    model = ["raft", "--variant", "volatile-term", "--servers", "2", "--max-term", "2", "--max-log", "0", "--json",
             "--quiet"]
    assert main(["check", *model]) == 1
    plain = json.loads(capsys.readouterr().out)
    assert main(["check", *model, "--liveness"]) == 1
    live = json.loads(capsys.readouterr().out)
    keys = ("verdict", "violated", "trace", "trace_length", "distinct_states", "states_generated", "depth",
            "coverage", "complete")
    assert {k: live[k] for k in keys} == {k: plain[k] for k in keys}
    assert (plain["violated"], plain["trace_length"]) == ("OneLeaderPerTerm", 20)  # the catalogue's shortest
    assert (plain["distinct_states"], plain["states_generated"], plain["depth"]) == (7_310, 50_308, 21)


def test_variants_check_of_a_liveness_entry_explores_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`variants --check` of an entry that breaks a temporal property (the alternating-bit protocol's
    unfair-resend) checks the invariants and the property from one exploration, as `check --liveness` does:
    as many step calls as a plain check and the lasso's (it was a plain check, then one more exploration)."""
    from modelcheck import check
    from modelcheck.cli.cmd_variants import check_entry
    from spec.catalog import select

    calls = _counting_steps(monkeypatch)
    entry = select(["unfair-resend"], "tests/user_specs/alternating_bit.py")[0]
    outcome = check_entry(entry)
    assert outcome.agrees and outcome.result.trace_length == 4
    liveness = searched(calls)
    calls.clear()
    assert check(entry.build()).verdict == "ok"
    assert liveness == searched(calls) + 4 > 4  # one exploration, then the lasso's 4 steps replayed


def test_a_vacuous_verdict_says_so() -> None:
    """The alternating-bit protocol (tests/user_specs/alternating_bit.py) at bounds where the state constraint
    empties a property: "holds", silently, in TLC as here. With ackQLen = 0 every SndAck step leaves the
    constraint, so WF(SndAck) holds no behaviour fair: even the planted no-ack-wait bug, which violates
    SentLeadsToRcvd_d1 at ackQLen = 1, "held". With msgQLen = 0 no SndNewValue step stays within it, so the
    leads-to's trigger (sBit # sAck) holds in no explored state."""
    ref = "tests/user_specs/alternating_bit.py"
    r = check_property(load_user_spec(f"{ref}:NoAckWait")(ack_q_len=0), "SentLeadsToRcvd_d1")
    assert r.holds and r.warnings == [
        "no behaviour of this model is fair, so the property holds vacuously: every step of WF(SndAck) leaves the "
        "state constraint, and a fair behaviour would have to take one (raise the constraint's bounds)"]
    assert not check_property(load_user_spec(f"{ref}:NoAckWait")(ack_q_len=1), "SentLeadsToRcvd_d1").holds
    r = check_property(load_user_spec(f"{ref}:AlternatingBit")(msg_q_len=0), "SentLeadsToRcvd_d1")
    assert r.holds and r.warnings == [
        "the state constraint cut every state where the trigger of (sent = d1) /\\ (sBit # sAck) ~> (rcvd = d1) "
        "holds (56 successors cut), so the property holds vacuously"]
    r = check_property(load_user_spec(f"{ref}:AlternatingBit")(), "SentLeadsToRcvd_d1")
    assert r.holds and r.warnings == []


def test_a_misspelt_property_names_every_closest_one() -> None:
    """"SentLeadsToRcvd" is as close to SentLeadsToRcvd_d1 as to _d2: only the second was suggested."""
    spec = load_user_spec("tests/user_specs/alternating_bit.py:AlternatingBit")()
    with pytest.raises(SpecError, match="did you mean 'SentLeadsToRcvd_d1' or 'SentLeadsToRcvd_d2'[?]$"):
        check_property(spec, "SentLeadsToRcvd")
    with pytest.raises(SpecError, match="did you mean 'ABCFairness_CRcvAck'[?]$"):
        check_property(spec, "ABCFairness_CRcvAk")


def test_the_loop_is_the_shortest_fair_one_through_its_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The alternating-bit protocol's no-ack-wait bug: a walk to each obligation in turn made a 20-step loop at
    msgQLen = ackQLen = 1 (TLC's loop there has 2 steps, after a 5-step prefix); the loop is now the shortest
    fair one back to the prefix's end (6 steps at the default bounds, 18 by the walk, which a search past
    MAX_LOOP_SEARCH pairs falls back to). Each loop is fair, read from the spec's successors."""
    import modelcheck.engine.liveness as live

    spec = load_user_spec("tests/user_specs/alternating_bit.py:NoAckWait")()
    r = check_property(spec, "SentLeadsToRcvd_d1")
    assert (len(r.lasso.prefix) - 1, len(r.lasso.loop)) == (1, 6) and loop_is_fair(spec, r.lasso, spec.fairness())
    small = load_user_spec("tests/user_specs/alternating_bit.py:NoAckWait")(msg_q_len=1, ack_q_len=1)
    r = check_property(small, "SentLeadsToRcvd_d1")
    assert (len(r.lasso.prefix) - 1, len(r.lasso.loop)) == (1, 6) and loop_is_fair(small, r.lasso, small.fairness())
    monkeypatch.setattr(live, "MAX_LOOP_SEARCH", 3)
    r = check_property(spec, "SentLeadsToRcvd_d1")
    assert (len(r.lasso.prefix) - 1, len(r.lasso.loop)) == (1, 18) and loop_is_fair(spec, r.lasso, spec.fairness())


def test_liveness_json_without_a_name_is_a_list_even_of_one(capsys) -> None:
    """docs/checker-features.md: without a name every declared property is checked and --json prints a list; a
    spec declaring one property (Fast Paxos's Decided) got one object, so a script could not know the shape."""
    fast = ["tests/user_specs/fast_paxos.py:FastPaxos", "--replicas", "3", "--values", "2", "--ballots", "2",
            "--fast-ballots", "1", "--json", "--quiet"]  # fmt: skip
    assert main(["check", *fast, "--liveness"]) == 0
    assert [r["property"] for r in json.loads(capsys.readouterr().out)] == ["Decided"]
    assert main(["check", *fast, "--liveness", "Decided"]) == 0  # one named: that one object
    assert json.loads(capsys.readouterr().out)["verdict"] == "ok"


def test_fairness_on_an_action_left_out_or_restricted_says_tlc_may_differ(capsys) -> None:
    """--without and --restrict change the actions themselves: a step left out neither exists nor enables a
    fairness condition. TLA+'s ENABLED reads the action, so TLC (MCKVSNoRollback.tla: Next without RollbackTx,
    or an ACTION_CONSTRAINT forbidding it, under WF(RollbackTx(t) \\/ CloseTx(t))) finds Ends holding where
    paxraft finds a transaction stuck in a conflict (newuser4). The verdict stays paxraft's; it now says so."""
    ref = "tests/user_specs/kv_snapshot.py:KeyValueStore"
    for narrowing in (["--restrict", "no-rollback"], ["--without", "RollbackTx"]):
        assert main(["check", ref, "--keys", "1", "--vals", "1", *narrowing, "--liveness", "Ends1"]) == 1
        out = capsys.readouterr().out
        assert out.count("Warning: fairness WF(RollbackTx \\/ CloseTx with t=") == 2
        assert "so the verdict can differ from TLC's" in out
    assert main(["check", ref, "--keys", "1", "--vals", "1", "--liveness", "Ends1"]) == 0
    assert "Warning" not in capsys.readouterr().out


class Relay(Spec):
    """A token passed from node 0 to node 1 to node 2, each pass an action of the node holding it."""

    name = "relay"
    variables = ("at",)

    def init_states(self):
        return [(0,)]

    @action(lambda spec, s: [(s[0],)] if s[0] < 2 else [])
    def Pass(self, s, i):
        return (i + 1,)


declare(Relay, properties=lambda spec: {"Arrives": Eventually(lambda s: s[0] == 2, "<>(at = 2)")})


def test_a_fairness_filter_no_step_passes_is_a_warning() -> None:
    """WF("Pass", i=5) with nodes 0..2 constrains nothing (TLA+ agrees: WF of an action never enabled holds):
    the lasso that stutters at node 0 is then fair, and nothing said that the filter named a node the model
    does not have. Now a warning says so; a filter some step passes, or no filter, says nothing."""
    r = check_property(Relay(), fairness=[WF("Pass", i=5)])
    assert not r.holds and r.lasso.stutters and r.warnings == [
        "fairness WF(Pass with i=5) is enabled in no state of this model: steps of Pass change the state, but none "
        "passes its filter, so it constrains nothing (is the filter a value the model offers?)"]
    r = check_property(Relay(), fairness=[WF("Pass", i=0)])
    assert not r.holds and r.lasso.prefix[-1].state == (1,) and r.warnings == []
    assert check_property(Relay(), fairness=[WF("Pass")]).warnings == []
    r = check_property(Relay(), fairness=[WF("Pass", test=lambda label: label.params == ("x",))])
    assert not r.holds and len(r.warnings) == 1


DETOUR_FILE = '''\
from typing import NamedTuple

from spec.core import WF, EventuallyAlways, Spec, action


class S(NamedTuple):
    x: int


class Detour(Spec):
    """x = 0, 1, 2: A goes 0 -> 1 -> 0, B goes 0 -> 2 -> 0."""

    variables = ("x",)

    def init_states(self):
        return [S(0)]

    @action()
    def A(self, s):
        return {0: S(1), 1: S(0)}.get(s.x)

    @action()
    def B(self, s):
        return {0: S(2), 2: S(0)}.get(s.x)

    def properties(self):
        return {"NoDetour": EventuallyAlways(lambda s: s.x != 2, "<>[](x # 2)")}

    def fairness(self):
        return [WF("A")]


class Other(Detour):
    """The same model; the goal of its property holds where Detour's fails."""

    def properties(self):
        return {"NoDetour": EventuallyAlways(lambda s: s.x != 3, "<>[](x # 3)")}
'''


def test_an_eventually_always_lasso_is_written_and_judged_again_by_replay(tmp_path, capsys) -> None:
    """A user's file: `check --liveness --out` prints and writes the <>[] lasso, `replay` judges it by the same rule
    (violated where a state visited for ever fails the goal; not, against a goal that holds there)."""
    f = tmp_path / "detour.py"
    f.write_text(DETOUR_FILE)
    out = tmp_path / "out"
    assert main(["check", f"{f}:Detour", "--liveness", "--out", str(out)]) == 1
    assert "a fair behaviour of 1 step that then stutters for ever in a state where the goal fails" in (
        capsys.readouterr().out)
    trace = str(out / "trace.itf.json")
    assert main(["replay", trace, "--spec", f"{f}:Detour"]) == 0
    assert "the behaviour violates NoDetour" in capsys.readouterr().out
    assert main(["replay", trace, "--spec", f"{f}:Other"]) == 1
    assert "no longer violates NoDetour: every state visited for ever satisfies its goal" in capsys.readouterr().out
