"""ITF traces: written generically, read back exactly, replayed step by step, tampering caught where it is."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from modelcheck import check
from modelcheck.cli import main
from modelcheck.output.itf import (
    ItfError,
    assert_replays,
    from_itf,
    read_itf,
    record_types,
    replay_steps,
    to_itf,
    write_itf,
)
from spec import paxos
from spec.behaviour import ReplayError, validate_trace
from spec.paxos import Paxos, PaxosState
from spec.registry import build, load_user_spec

SAVED = "tests/traces/ignore_votes_agreement.itf.json"


def test_saved_counterexample_is_a_one_line_regression() -> None:
    assert_replays(SAVED)


def test_saved_lasso_replays() -> None:
    assert_replays("tests/traces/dueling_lasso.itf.json")


def test_values_round_trip_through_itf_encoding() -> None:
    s = PaxosState((1, -1), (0, -1), (1, -1), frozenset({(0, 1), (1, 0, 1, -1, -1)}))
    enc = to_itf(s)
    assert enc["maxBal"] == {"#tup": [{"#bigint": "1"}, {"#bigint": "-1"}]}
    assert enc["msgs"]["#set"][0] == {"#tup": [{"#bigint": "0"}, {"#bigint": "1"}]}
    assert from_itf(json.loads(json.dumps(enc)), record_types(Paxos())) == s


def test_counterexample_written_and_read_back_equal(tmp_path) -> None:
    r = check(build("paxos", "ignore-votes"))
    path = write_itf(tmp_path / "t.itf.json", r.spec, r.trace, violated=r.violated)
    spec, trace = read_itf(path)
    assert spec.variant == "ignore-votes" and trace.meta["violated"] == "Agreement"
    assert [st.state for st in trace.steps] == [st.state for st in r.trace]
    assert [st.label for st in trace.steps] == [st.label for st in r.trace]
    assert all(v.ok for v in replay_steps(spec, trace.steps))


def _tampered(tmp_path, edit) -> str:
    with open(SAVED) as f:
        obj = json.load(f)
    edit(obj)
    p = tmp_path / "bad.itf.json"
    p.write_text(json.dumps(obj))
    return str(p)


def test_tampered_state_is_rejected_at_that_step(tmp_path, capsys) -> None:
    def edit(obj):  # state 7 (Phase2b(a2, 0, v1)): claim a2 voted for v2 instead
        obj["states"][7]["maxVal"]["#tup"][1] = {"#bigint": "1"}

    path = _tampered(tmp_path, edit)
    spec, trace = read_itf(path)
    verdicts = list(replay_steps(spec, trace.steps))
    assert [v.ok for v in verdicts] == [True] * 7 + [False]
    assert verdicts[-1].index == 7 and "variable maxVal differs" in verdicts[-1].reason
    assert main(["replay", path]) == 1
    out = capsys.readouterr().out
    assert "FAIL state 8: Phase2b(a=a2, b=0, v=v1)" in out
    with pytest.raises(AssertionError, match="state 8 "):
        assert_replays(path)


def test_tampered_label_is_rejected_as_not_enabled(tmp_path) -> None:
    def edit(obj):  # state 3 claims a Phase1b answering a ballot-1 message to an acceptor that promised 1
        obj["states"][4]["#meta"]["params"]["b"] = {"#bigint": "1"}
        obj["states"][4]["#meta"]["params"]["a"] = {"#bigint": "0"}

    spec, trace = read_itf(_tampered(tmp_path, edit))
    last = list(replay_steps(spec, trace.steps))[-1]
    guard = (f"{os.path.relpath(paxos.__file__)}:218: if (M1A, b) not in s.msgs or not b > s.maxBal[a]: (false here: "
             "b > s.maxBal[a]; b is 1, s.maxBal[a] is 1)")
    assert (last.index, last.ok, last.reason) == (4, False, f"not enabled in the previous state (refused by {guard})")


def test_a_step_whose_parameters_the_model_does_not_offer_is_no_step(tmp_path, capsys) -> None:
    """A step method need not test what its enumerator gives (\\E v \\in Values), so replaying a trace on other
    bounds ran ClassicAccept(v=v4) on a model with three values and said 'Every state follows', exit 0 (newuser5:
    Fast Paxos's any-recovery counterexample, its #meta.bounds.values lowered from 4 to 3)."""
    ref = "tests/user_specs/fast_paxos.py:AnyRecovery"
    bounds = ["--replicas", "3", "--ballots", "2", "--fast-ballots", "1"]
    assert main(["check", ref, "--values", "4", *bounds, "--out", str(tmp_path / "cex"), "--quiet"]) == 1
    capsys.readouterr()
    obj = json.loads((tmp_path / "cex" / "trace.itf.json").read_text())
    assert main(["replay", str(tmp_path / "cex" / "trace.itf.json"), "--spec", ref]) == 0
    obj["#meta"]["bounds"]["values"] = 3
    fewer = tmp_path / "fewer.itf.json"
    fewer.write_text(json.dumps(obj))
    capsys.readouterr()
    assert main(["replay", str(fewer), "--spec", ref]) == 1
    out = capsys.readouterr().out
    assert "FAIL state 6: ClassicAccept(b=2, f=1, q={r1, r2, r3}, v=v4): not a step of the model: its action does " \
        "not take these parameters in the previous state (other bounds?)" in out
    spec, trace = read_itf(fewer, spec_ref=ref)
    with pytest.raises(ReplayError, match="step 6: ClassicAccept.*not a step of the model"):
        validate_trace(spec, trace.steps)  # the bounded model checker's replay: the same rule


def test_malformed_files_get_one_clear_error(tmp_path, capsys) -> None:
    p = tmp_path / "x.itf.json"
    p.write_text("{not json")
    assert main(["replay", str(p)]) == 2
    assert "not valid JSON (line 1" in capsys.readouterr().err
    bad = _tampered(tmp_path, lambda o: o["states"][2].pop("msgs"))
    with pytest.raises(ItfError, match=r"states\[2\]: missing variable"):
        read_itf(bad)
    bad = _tampered(tmp_path, lambda o: o["states"][3]["#meta"].update(action="Phase9"))
    with pytest.raises(ItfError, match="'Phase9' is not an action of paxos"):
        read_itf(bad)
    # {"#bigint": 1e400} (read as inf; found by tests/test_cli_fuzz.py) was an internal error: OverflowError
    for digits, shown in ((float("inf"), "Infinity"), (1.5, "1.5"), ("1x", "1x")):
        bad = _tampered(tmp_path, lambda o, d=digits: o["states"][2].update(maxVal={"#tup": [{"#bigint": d}]}))
        assert main(["replay", str(bad), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err.endswith(f"states[2].maxVal[0]: #bigint '{shown}' is not a string of an integer's digits\n"), err
        assert err.startswith(f"paxraft replay: error: {bad}: ") and err.count("\n") == 1
    # {"#tup": null} (found by tests/test_cli_fuzz.py) was an internal error: 'NoneType' object is not iterable
    for tag in ("#tup", "#set"):
        bad = _tampered(tmp_path, lambda o, tag=tag: o["states"][2].update(maxVal={tag: None}))
        assert main(["replay", str(bad), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err == f"paxraft replay: error: {bad}: states[2].maxVal: {tag} holds 'null', not a JSON list\n"


def test_simulation_run_saved_as_itf_replays(tmp_path, capsys) -> None:
    out = tmp_path / "sim"
    assert main(["check", "paxos", "--mode", "simulate", "--walks", "5", "--depth", "12", "--out", str(out)]) == 0
    spec, trace = read_itf(out / "trace.itf.json")
    assert trace.meta["mode"] == "simulate" and len(trace.steps) == 12
    assert all(v.ok for v in replay_steps(spec, trace.steps))


def test_a_trace_given_another_users_spec_names_the_spec_given(tmp_path, capsys) -> None:
    """``replay T --spec lamport_mutex.py:AbstractMutex`` of a LamportMutex trace said "#meta.bounds has
    'max_clock', not bounds of LamportMutex": the spec the user gave was AbstractMutex."""
    ref = "tests/user_specs/lamport_mutex.py"
    assert main(["check", f"{ref}:LamportMutex", "--variant", "no-ack-wait", "--procs", "2", "--out", str(tmp_path),
                 "--quiet"]) == 1  # fmt: skip
    capsys.readouterr()
    trace = str(tmp_path / "trace.itf.json")
    assert main(["replay", trace, "--spec", f"{ref}:AbstractMutex"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith(
        "#meta.bounds has 'max_clock', not bounds of AbstractMutex (the trace is of LamportMutex)\n"
    ), err
    assert main(["replay", trace, "--spec", f"{ref}:NoAckWait"]) == 0


LASSO_SPECS = '''
import sys
sys.path.insert(0, {folder!r})
from lamport_mutex import LamportMutex


class NoExitFair(LamportMutex):
    """Exit is not fair: a process may stay in the critical section for ever (Starvation2 breaks)."""

    def fairness(self):
        return [f for f in super().fairness() if "Exit" not in f.actions]


class GoalReached(NoExitFair):
    """Starvation2 now asks only that p2 requests: the saved lasso reaches that goal."""

    def properties(self):
        return {{**super().properties(), "Starvation2": type(super().properties()["Starvation2"])(
            "leads-to", lambda s: s.req[1][1] != 0, lambda s: s.req[1][1] != 0, "p2 requests ~> p2 requests")}}
'''


def test_a_saved_lasso_replays_only_while_it_still_violates_its_property(tmp_path, capsys) -> None:
    """A lasso's replay (and assert_replays, "a recorded violation still happens") checked only that its steps
    follow: a starvation lasso found without WF(Exit) still passed against the spec with WF(Exit), where the
    property holds (stuttering with Exit enabled is not fair), and against a spec whose property it satisfies."""
    specs = tmp_path / "lasso_specs.py"
    specs.write_text(LASSO_SPECS.format(folder=str(Path("tests/user_specs").resolve())))
    fixed = "tests/user_specs/lamport_mutex.py:LamportMutex"
    out = tmp_path / "lasso"
    assert main(["check", f"{specs}:NoExitFair", "--liveness", "Starvation2", "--out", str(out), "--quiet"]) == 1
    trace = str(out / "trace.itf.json")
    capsys.readouterr()
    assert main(["replay", trace, "--spec", f"{specs}:NoExitFair", "--quiet"]) == 0
    assert "the behaviour violates Starvation2 under its fairness." in capsys.readouterr().out
    assert_replays(trace, spec_ref=f"{specs}:NoExitFair")
    assert main(["replay", trace, "--spec", fixed, "--quiet"]) == 1
    assert "no longer violates Starvation2: WF(Exit with p=p1) is enabled in the last state, where it stutters " \
        "for ever, but never taken: not a fair behaviour." in capsys.readouterr().out
    with pytest.raises(AssertionError, match="no longer violates Starvation2"):
        assert_replays(trace, spec_ref=fixed)
    assert main(["replay", trace, "--spec", f"{specs}:GoalReached", "--quiet"]) == 1
    assert "no longer violates Starvation2: state 12, visited for ever, satisfies its goal" in capsys.readouterr().out
    # found with --no-fairness: a violation under no fairness, whatever fairness the spec declares
    assert main(["check", fixed, "--liveness", "Starvation2", "--no-fairness", "--out", str(out), "--quiet"]) == 1
    capsys.readouterr()
    assert main(["replay", trace, "--spec", fixed, "--quiet"]) == 0
    assert "the behaviour violates Starvation2 under no fairness." in capsys.readouterr().out


EXIT_SPECS = '''
from typing import NamedTuple

from spec.core import WF, Eventually, Spec, action, declare


class At(NamedTuple):
    x: int


class Swing(Spec):
    """x swings between 0 and 1; Leave goes to 2, which the state constraint keeps out of the model."""

    variables = ("x",)
    canonical_order = False

    def init_states(self):
        return [At(0)]

    @action()
    def Swap(self, s):
        return At(1 - s.x) if s.x < 2 else None

    @action()
    def Leave(self, s):
        return At(2) if s.x < 2 else None

    def constraint(self, s):
        return s.x < 2


class LeaveFair(Swing):
    """Leaving is weakly fair too: it is enabled in every state of the swing (TLC's ENABLED), never taken."""


declare(Swing, properties=lambda spec: {{"Out": Eventually(lambda s: s.x == 2, "<>(x = 2)")}},
        fairness=lambda spec: [WF("Swap")])
declare(LeaveFair, fairness=lambda spec: [WF("Swap"), WF("Leave")])
'''


def test_a_lasso_replays_under_the_checkers_fairness_rule(tmp_path, capsys) -> None:
    """A step into a state the constraint keeps out still enables its action (the checker's rule, TLC's
    ENABLED): the replay of a lasso judged Leave disabled there, so a swing that the checker finds unfair
    under WF(Leave) (the property holds) still passed as a violation."""
    specs = tmp_path / "exit_specs.py"
    specs.write_text(EXIT_SPECS.format())
    out = tmp_path / "lasso"
    assert main(["check", f"{specs}:Swing", "--liveness", "--out", str(out), "--quiet"]) == 1
    trace = str(out / "trace.itf.json")
    assert main(["check", f"{specs}:LeaveFair", "--liveness", "--quiet"]) == 0
    assert "Property Out holds under this fairness." in capsys.readouterr().out
    assert main(["replay", trace, "--spec", f"{specs}:Swing", "--quiet"]) == 0
    assert "the behaviour violates Out under its fairness." in capsys.readouterr().out
    assert main(["replay", trace, "--spec", f"{specs}:LeaveFair", "--quiet"]) == 1
    assert "no longer violates Out: WF(Leave) is enabled throughout the loop but never taken: not a fair " \
        "behaviour." in capsys.readouterr().out


def test_a_lasso_s_fairness_word_is_one_of_two(tmp_path, capsys) -> None:
    """#meta.fairness other than "declared" or "none" was read as "declared": a hand-edited "weak" (or a typo of
    "none") replayed the alternating-bit protocol's lasso under the declared fairness, exit 0."""
    ref = "tests/user_specs/alternating_bit.py:UnfairResend"
    assert main(["check", ref, "--liveness", "SentLeadsToRcvd_d1", "--out", str(tmp_path), "--quiet"]) == 1
    trace = tmp_path / "trace.itf.json"
    obj = json.loads(trace.read_text())
    assert obj["#meta"]["fairness"] == "declared"
    obj["#meta"]["fairness"] = "nnone"
    trace.write_text(json.dumps(obj))
    capsys.readouterr()
    assert main(["replay", str(trace), "--spec", ref]) == 2
    assert '#meta.fairness must be "declared" or "none", got \'"nnone"\'' in capsys.readouterr().err


def test_a_bound_of_the_wrong_type_is_named(tmp_path, capsys) -> None:
    """replay --bounds keys=x gave the spec's constructor the string 'x' (its TypeError read as the spec's code
    failing, exit 3), --bounds ids=3 gave ChangRoberts the int 3, and a trace's own #meta.bounds of the wrong type
    went the same way (newuser4). Each is now converted as its flag would take it, or refused in one line."""
    user = str(Path(__file__).parent / "user_specs")
    kvs, cr = f"{user}/kv_snapshot.py", f"{user}/chang_roberts.py"
    out = tmp_path / "cex"
    assert main(["check", f"{kvs}:KeyValueStore", "--variant", "forget-missed", "--keys", "1", "--vals", "1",
                 "--out", str(out), "--quiet"]) == 1  # fmt: skip
    trace = str(out / "trace.itf.json")
    capsys.readouterr()
    assert main(["replay", trace, "--spec", f"{kvs}:ForgetMissed", "--bounds", "keys=x"]) == 2
    assert capsys.readouterr().err == "paxraft replay: error: --bounds keys=x: --keys takes an integer\n"
    assert main(["replay", trace, "--spec", f"{kvs}:ForgetMissed", "--bounds", "keys=1", "--quiet"]) == 0
    obj = json.loads(Path(trace).read_text())
    obj["#meta"]["bounds"]["vals"] = "1"
    bad = tmp_path / "bad.itf.json"
    bad.write_text(json.dumps(obj))
    capsys.readouterr()
    assert main(["replay", str(bad), "--spec", f"{kvs}:ForgetMissed"]) == 2
    assert capsys.readouterr().err.endswith(': #meta.bounds.vals is "1": --vals takes an integer\n')
    ring = tmp_path / "ring"
    assert main(["check", f"{cr}:ChangRoberts", "--nodes", "3", "--ids", "3,1,2", "--deadlock", "--out", str(ring),
                 "--quiet"]) == 1  # fmt: skip
    capsys.readouterr()
    argv = ["replay", str(ring / "trace.itf.json"), "--spec", f"{cr}:ChangRoberts", "--quiet"]
    assert main([*argv, "--bounds", "nodes=1,ids=3"]) == 1  # a str bound given as digits stays a str
    assert "error" not in capsys.readouterr().err


def test_a_lasso_s_property_is_judged_as_the_checker_judges_it(tmp_path, capsys) -> None:
    """replay of a lasso judged the property's goal by truthiness (None read as False: 'violates') and an
    exception in it was paxraft's own failure, exit 4 (newuser4); now as check: True or False only, exit 2, and
    an exception is the spec's code, exit 3."""
    user = str(Path(__file__).parent / "user_specs")
    lasso = tmp_path / "lasso"
    assert main(["check", f"{user}/kv_snapshot.py:KeyValueStore", "--variant", "close-only-fair", "--keys", "1",
                 "--vals", "1", "--liveness", "Ends1", "--out", str(lasso), "--quiet"]) == 1  # fmt: skip
    f = tmp_path / "props.py"
    f.write_text(
        f"import sys\nsys.path.insert(0, {user!r})\n"
        "from kv_snapshot import CloseOnlyFair\nfrom spec.core import LeadsTo\n\n\n"
        "class Raises(CloseOnlyFair):\n    def properties(self):\n"
        "        return {'Ends1': LeadsTo(lambda s: 0 in s.tx, lambda s: s.nope)}\n\n\n"
        "class GivesNone(CloseOnlyFair):\n    def properties(self):\n"
        "        return {'Ends1': LeadsTo(lambda s: 0 in s.tx, lambda s: None)}\n"
    )
    trace = str(lasso / "trace.itf.json")
    capsys.readouterr()
    assert main(["replay", trace, "--spec", f"{f}:Raises", "--quiet"]) == 3
    assert "error in the spec's code: KeyValueStore: property Ends1 raised AttributeError" in capsys.readouterr().err
    assert main(["replay", trace, "--spec", f"{f}:GivesNone", "--quiet"]) == 2
    assert "property Ends1 returned None (a missing return?), not True or False" in capsys.readouterr().err
    assert main(["replay", trace, "--spec", f"{user}/kv_snapshot.py:CloseOnlyFair", "--quiet"]) == 0


from fractions import Fraction  # noqa: E402 - this test's own imports
from typing import NamedTuple  # noqa: E402

from spec.core import SpecError  # noqa: E402


class Weights(NamedTuple):
    weight: tuple[Fraction, ...]
    msgs: frozenset[Fraction]


def test_a_fraction_is_written_as_a_rational_record_and_read_back(tmp_path, capsys) -> None:
    # Huang's weights (tests/user_specs/huang.py) are Fractions: `check --out` was 'internal error: TypeError:
    # cannot write Fraction as ITF', exit 4, and wrote no trace
    s = Weights((Fraction(1, 2), Fraction(0)), frozenset({Fraction(1, 4), Fraction(3, 8)}))
    enc = to_itf(s)
    assert enc["weight"]["#tup"][0] == {"num": {"#bigint": "1"}, "den": {"#bigint": "2"}}  # DyadicRationals' record
    assert from_itf(json.loads(json.dumps(enc)), {frozenset(Weights._fields): Weights}) == s
    with pytest.raises(ItfError, match="a rational needs an integer num and a positive integer den"):
        from_itf({"num": {"#bigint": "1"}, "den": {"#bigint": "0"}}, {})
    with pytest.raises(SpecError, match=r"cannot write a float \(0\.5\) as ITF"):  # one line, not exit 4
        to_itf((0.5,))
    huang = Path(__file__).resolve().parent / "user_specs" / "huang.py"
    out = tmp_path / "cex"
    assert main(["check", f"{huang}:Huang", "--procs", "1", "--variant", "lost-weight", "--out", str(out)]) == 1
    capsys.readouterr()
    assert main(["replay", str(out / "trace.itf.json"), "--spec", f"{huang}:LostWeight"]) == 0
    assert capsys.readouterr().out.endswith("Every state follows; the last state violates TypeOK.\n")


def test_a_trace_whose_bool_was_edited_to_a_number_is_no_behaviour(tmp_path: Path, capsys) -> None:
    """`false` edited to `0` (hostile5): Python takes False == 0, so the trace replayed 'ok' and the invariant was
    judged on its last state, which the spec never reaches ('the last state violates OnIsBool', exit 0)."""
    from modelcheck.output.explore.session import PathError, Session

    ref = str(Path(__file__).parent / "user_specs" / "flag_counter.py") + ":Flag"
    assert main(["check", ref, "--out", str(tmp_path / "out"), "--quiet"]) == 1
    trace = json.loads((tmp_path / "out" / "trace.itf.json").read_text())
    for first, last in ((0, 3), (2, 3)):  # every state edited, then the last only
        for st in trace["states"][first:last]:
            st["on"] = {"#bigint": "0"}
        trace["#meta"]["violated"] = "OnIsBool"
        edited = tmp_path / f"edited{first}.itf.json"
        edited.write_text(json.dumps(trace))
        capsys.readouterr()
        assert main(["replay", str(edited), "--spec", ref]) == 1
        out = capsys.readouterr().out
        why = "on is 0 in the trace, False in the spec's state"
        assert (f"FAIL state 1: Init: not an initial state of the spec ({why})" if first == 0 else
                f"FAIL state 3: Count(): leads to a different state than the one recorded ({why})") in out
        assert "violates OnIsBool" not in out
        session = Session(load_user_spec(ref)())
        with pytest.raises(PathError, match=f"\\({why}\\)"):
            session.load_trace(read_itf(edited, spec_ref=ref)[1].steps)
        trace = json.loads((tmp_path / "out" / "trace.itf.json").read_text())


def test_out_of_states_itf_cannot_hold_is_refused_before_the_search(tmp_path: Path, capsys) -> None:
    """None in a state: check --out ran the whole search, printed the counterexample, then 'cannot write a NoneType
    as ITF', exit 2 (hostile5); now refused before the search, one line."""
    f = tmp_path / "nones.py"
    f.write_text("from typing import NamedTuple\nfrom spec.core import Spec, action, invariant\n\n\n"
                 "class S(NamedTuple):\n    owner: object\n    x: int\n\n\n"
                 "class Nones(Spec):\n    variables = ('owner', 'x')\n\n    def init_states(self):\n"
                 "        return [S(None, 0)]\n\n    @action()\n    def Inc(self, s):\n"
                 "        return S(s.owner, s.x + 1) if s.x < 3 else None\n\n    @invariant\n    def Small(self, s):\n"
                 "        return s.x < 3\n")
    assert main(["check", f"{f}:Nones", "--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == ("paxraft check: error: --out writes the trace as ITF, which cannot hold this spec's "
                                 "states: cannot write a NoneType (None) as ITF: a state holds ints, bools, strings, "
                                 "Fractions, tuples, frozensets and NamedTuples\n")
