"""Reading what the checker finds: explanations, witnesses (--reach), --counterexamples, --fewest-switches, --lanes."""

from __future__ import annotations

import json
from typing import NamedTuple

import pytest

from modelcheck import check
from modelcheck.cli import main
from modelcheck.engine.lanes import format_lanes
from modelcheck.engine.reach import REACHED, UNREACHABLE, goal_predicate, reach
from modelcheck.engine.shortest import shortest_dag, switches
from modelcheck.output.itf import read_itf
from spec.catalog import select
from spec.core import Spec, SpecError, action, invariant
from spec.registry import build, load_user_spec

USER_FILE = "tests/user_specs/two_counters.py"
TwoCounters = load_user_spec(f"{USER_FILE}:TwoCounters")
SymmetricCounters = load_user_spec(f"{USER_FILE}:SymmetricCounters")
DoublingCounters = load_user_spec(f"{USER_FILE}:DoublingCounters")
SymmetricDoublingCounters = load_user_spec(f"{USER_FILE}:SymmetricDoublingCounters")


def test_user_spec_explanation_witnesses_and_fallback() -> None:
    spec = TwoCounters()
    r = check(spec)
    assert (r.violated, r.trace_length) == ("NotBothDone", 4)
    assert r.explanation == "p1 counted to 2 and p2 to 2"
    assert r.to_json()["explanation"] == "p1 counted to 2 and p2 to 2"
    # an invariant with no explanation falls back to its name (and docstring)
    assert build("paxos").explain("TypeOK", None) == (
        "TypeOK is false (Every variable holds a value of its type (Paxos.tla's TypeOK))"
    )
    got = reach(spec, "BothMoved", spec.witnesses["BothMoved"])
    assert (got.verdict, got.trace_length) == (REACHED, 2)
    never = reach(spec, "Overflow", spec.witnesses["Overflow"])
    assert (never.verdict, never.distinct_states, never.trace) == (UNREACHABLE, 9, None)


def test_user_spec_counterexamples_are_distinct_sets_of_steps_up_to_renaming() -> None:
    """Two counterexamples are one when they take the same steps in another order (or a renaming of such): the
    C(4,2) = 6 interleavings of two counters stepping to 2 were 6 counterexamples (3 up to renaming), and with
    Double (1 -> 2) --counterexamples 50 printed 6 of its orders, as many as distinct state sequences."""
    assert len(shortest_dag(TwoCounters()).diverse(10)) == 1  # the 6 interleavings
    assert len(shortest_dag(SymmetricCounters()).diverse(10)) == 1
    dag = shortest_dag(DoublingCounters())
    four = dag.diverse(50)
    assert dag.diverse_all and len(four) == 4
    kinds = {tuple(sorted(str(st.label) for st in t[1:])) for t, _ in four}
    assert kinds == {tuple(sorted(f"{a}({i})" for i, a in ((0, "Inc"), (0, x), (1, "Inc"), (1, y))))
                     for x in ("Inc", "Double") for y in ("Inc", "Double")}
    assert [st.label for st in four[0][0]] == [st.label for st in check(DoublingCounters()).trace]
    three = shortest_dag(SymmetricDoublingCounters()).diverse(50)  # renaming p1<->p2 pairs two of them
    doubles = sorted(sum(str(st.label).startswith("Double") for st in t) for t, _ in three)
    assert doubles == [0, 1, 2]
    trace, bad, cost = shortest_dag(TwoCounters(), with_actors=True).fewest_switches()
    assert (bad, cost, len(trace) - 1) == ("NotBothDone", 1, 4)


@pytest.mark.parametrize(("make", "n"), [(SymmetricDoublingCounters, 3), (lambda: load_user_spec(
    "tests/user_specs/kv_snapshot.py:ForgetMissed")(keys=1, vals=1, txs=2), 1)], ids=["counters", "kv_snapshot"])
def test_counterexamples_up_to_renaming_are_as_many_under_symmetry(make, n: int) -> None:
    """Under --symmetry the DAG's nodes are orbits, and traces through the same orbits need not be renamings of
    one another (KeyValueStore: t1 and t2 open in either order, then t1 writes and closes): it found 2 of the 3
    (newuser4; those 3 are one set of steps since 2026-12-06). The first is still plain check's."""
    plain = shortest_dag(make()).diverse(50)
    reduced = shortest_dag(make(), symmetry=True).diverse(50)
    assert len(reduced) == len(plain) == n
    first = check(make(), symmetry=True).trace
    assert [(st.label, st.state) for st in reduced[0][0]] == [(st.label, st.state) for st in first]


# -- catalog entries print explanations ----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("ignore-votes", "2 values are chosen: v1 in ballot 0 by quorum {a1}; v2 in ballot 1 by quorum {a1}"),
        ("dup-ballot", "2 values are chosen: v1 in ballot 0 by quorum {a1}; v2 in ballot 0 by quorum {a1}"),
        ("flexible", "2 values are chosen: v1 in ballot 0 by quorum {a2}; v2 in ballot 1 by quorum {a1}"),
        ("amnesia", "2 values are chosen: v2 in ballot 0 by quorum {a1}; v1 in ballot 1 by quorum {a1}"),
        ("volatile-term", "s1 and s2 are both leaders of term 2"),
    ],
)
def test_catalog_entry_explanation(name: str, text: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["variants", "--check", name, "--quiet"]) == 0
    assert f"why: {text}\n" in capsys.readouterr().out
    e = select([name])[0]
    if e.spec == "paxos":  # the same text through the API (the Raft run is the slow one: once is enough)
        assert check(e.build(), symmetry=e.symmetry).explanation == text


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (
            "tests/traces/raft_no_figure8_rule.itf.json",
            "leader s2 (term 5) lacks entry 1 [term 2, v1], which s1 (term 5, commitIndex 1) has committed; "
            "s2 has entry 1 [term 3, v1] there",
        ),
        (
            "tests/traces/raft_truncate_on_match.itf.json",
            "leader s2 (term 3) lacks entry 1 [term 2, v1], which s1 (term 2, commitIndex 1) has committed; "
            "s2 has no entry 1 (log length 0) there",
        ),
        (
            "tests/traces/ignore_votes_agreement.itf.json",
            "2 values are chosen: v1 in ballot 0 by quorum {a2,a3}; v2 in ballot 1 by quorum {a1,a2}",
        ),
    ],
)
def test_saved_catalog_counterexample_explained(path: str, text: str) -> None:
    spec, trace = read_itf(path)
    last = trace.steps[-1].state
    assert spec.explain(spec.violated(last), last) == text


def test_text_and_json_output_carry_the_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", "paxos", "--variant", "ignore-votes", "--acceptors", "1", "--quiet"]
    assert main(args) == 1
    assert (
        "--> Agreement is false in this state: 2 values are chosen: v1 in ballot 0 by quorum {a1}; "
        "v2 in ballot 1 by quorum {a1}\n" in capsys.readouterr().out
    )
    assert main([*args, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["explanation"].startswith("2 values are chosen: v1 in ballot 0")


# -- witnesses ----------------------------------------------------------------------------------
def test_reach_declared_witness_and_expression(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "paxos", "--reach", "SomeValueChosen", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Reached SomeValueChosen: shortest behaviour, 6 steps" in out
    assert "--> SomeValueChosen holds in this state" in out
    assert main(["check", "raft", "--servers", "2", "--reach", "'Leader' in state.values()", "--quiet", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert (j["verdict"], j["trace_length"], j["reach"]) == ("reached", 9, "'Leader' in state.values()")


def test_reach_unreachable_says_so_with_the_state_count(capsys: pytest.CaptureFixture[str]) -> None:
    # two values chosen (a quorum of two 2b votes each): exactly what Agreement rules out
    two = (
        "len({m['val'] for m in msgs if m['type'] == '2b' and sum(1 for x in msgs if x['type'] == '2b' "
        "and x['bal'] == m['bal'] and x['val'] == m['val']) >= 2}) >= 2"
    )
    assert main(["check", "paxos", "--reach", two, "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "within the bounds (3,921 distinct states, all explored)" in out  # the whole model, as plain check
    assert main(["check", "paxos", "--variant", "ignore-votes", "--reach", two, "--quiet"]) == 0


def test_reach_a_missing_key_names_the_keys(capsys: pytest.CaptureFixture[str]) -> None:
    """`--reach "len(votes[0]) == 2"` (the acceptor's number, as the spec holds it) said only 'evaluating it raised
    KeyError: 0' (newuser11): the expression sees per-process variables keyed by the names the trace prints."""
    assert main(["check", "voting", "--reach", "len(votes[0]) == 2"]) == 2
    assert capsys.readouterr().err == (
        "paxraft check: error: --reach 'len(votes[0]) == 2': no key 0 (the state's dicts are keyed: votes, maxBal by "
        "'a1', 'a2', 'a3'; e.g. votes['a1'])\n")
    assert main(["check", "voting", "--reach", "len(votes['a1']) == 2", "--quiet"]) == 0


def test_declared_witnesses_reachable_and_vacuity_caught() -> None:
    for name in ("paxos", "raft"):
        cls = build(name).__class__
        for w in cls.witnesses_declared():
            if w == "LeaderCommitsEarlierTermEntry":
                continue  # 26,345 states: run by the default suite (paxraft check) and the slow test below
            from modelcheck.engine.reach import witness_model

            spec = witness_model(cls, w)
            assert reach(spec, w, spec.witnesses[w]).verdict == REACHED, (name, w)
    # a spec whose witness can never hold: reported, exit status 1
    spec = TwoCounters()
    assert reach(spec, "Overflow", spec.witnesses["Overflow"]).verdict == UNREACHABLE


@pytest.mark.slow
def test_default_suite_passes_with_witnesses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "LeaderCommitsEarlierTermEntry" in out and "NOT REACHED" not in out


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("().__class__", ".__class__ is not allowed"),
        ("maxVal.values().__len__()", ".__len__ is not allowed"),
        ("__import__('os')", "only these functions may be called"),
        ("open('/etc/passwd')", "only these functions may be called"),
        ("2 ** 100", "only + - % // are allowed"),
        ("(1,) * 10", "only + - % // are allowed"),
        ("lambda: 1", "Lambda is not allowed"),
        ("[x := 1]", "NamedExpr is not allowed"),
        ("len(nope)", "unknown name 'nope'"),
        ("len(msgs", "not a Python expression"),
        ("max(maxBal, key=len)", "plain positional arguments"),
        ("NoSuchWitness", "declares no witness of that name"),
    ],
)
def test_reach_expression_refused(expr: str, why: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SpecError, match=None) as exc:
        goal_predicate(build("paxos"), expr)
    assert why in str(exc.value)
    assert main(["check", "paxos", "--reach", expr, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and why in err


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("msgs == {}", "msgs is a list and {} a dict, never equal in Python; here a set reads as a list"),
        ("msgs != set()", "msgs is a list and set() a set, never equal"),
        ("0 < 1 < 2 and [] == msgs == {}", "msgs is a list and {} a dict"),  # a chain: each pair checked
    ],
)
def test_reach_comparing_kinds_that_are_never_equal_is_refused(
    expr: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A trace prints a set as {} or {a1}, but an expression sees it as a list: ``msgs == {}`` was false in every
    state, so the search answered "No state satisfies msgs == {} ... all explored" (exit 1) of the initial state."""
    assert main(["check", "paxos", "--reach", expr, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--reach {expr!r}: " in err and why in err, err


def test_reach_comparing_kinds_never_equal_inside_a_value_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """One level down as at the top: ``ack == {'p1': {}, ...}`` compared each process's list with a dict."""
    spec = "tests/user_specs/lamport_mutex.py:LamportMutex"
    for expr, why in [
        ("ack == {'p1': {}, 'p2': {}, 'p3': {}}", "ack['p1'] is a list and {} a dict, never equal"),
        ("[{}] == [ack['p2']]", "{} is a dict and [] a list"),
    ]:
        assert main(["check", spec, "--max-clock", "2", "--reach", expr, "--quiet"]) == 2, expr
        assert why in capsys.readouterr().err, expr
    assert main(["check", spec, "--max-clock", "2", "--reach", "ack == {'p1': [], 'p2': [], 'p3': []}", "--quiet"]) == 0


def test_reach_equality_keeps_pythons_meaning(capsys: pytest.CaptureFixture[str]) -> None:
    for expr in ("msgs == []", "len(msgs) == 0 == 0", "maxBal != {} and 1 < 2", "not (msgs != [])"):
        assert main(["check", "paxos", "--reach", expr, "--quiet", "--json"]) == 0, expr
        assert json.loads(capsys.readouterr().out)["trace_length"] == 0, expr
    assert main(["check", "paxos", "--reach", "maxBal == {}", "--quiet"]) == 1  # two dicts: compared as Python does


class _Held(NamedTuple):
    held: frozenset[int]


class _Holders(Spec):
    """Processes 0 and 1 each take a token once; the default show_state: ``held`` is a frozenset."""

    variables = ("held",)

    def init_states(self) -> list[_Held]:
        return [_Held(frozenset())]

    @action(lambda self, s: [(0,), (1,)])
    def Take(self, s: _Held, p: int) -> _Held | None:
        return None if p in s.held else _Held(s.held | {p})


def test_reach_sees_a_frozenset_field_as_the_trace_prints_it() -> None:
    """The expression saw the default show_state's frozenset where the trace, the JSON and the explorer show a
    sorted list (and the docs say "sets as lists"): ``held == [0, 1]`` was never reached."""
    name, holds, _ = goal_predicate(_Holders(), "held == [0, 1]")
    assert (reach(_Holders(), name, holds).verdict, reach(_Holders(), name, holds).trace_length) == (REACHED, 2)
    name, holds, _ = goal_predicate(_Holders(), "held == {0, 1}")
    with pytest.raises(SpecError, match=r"held is a list and \{0, 1\} a set, never equal"):
        reach(_Holders(), name, holds)


def test_reading_options_refuse_workers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "paxos", "--reach", "SomeValueChosen", "--workers", "2"]) == 2
    assert "one process" in capsys.readouterr().err
    assert main(["check", "paxos", "--counterexamples", "0"]) == 2
    assert main(["check", "raft", "--reach", "'Leader' in state.values()", "--symmetry"]) == 2


# -- counterexamples, fewest switches, lanes --------------------------------------------------------
def test_counterexamples_differ_and_first_is_the_plain_one(capsys: pytest.CaptureFixture[str]) -> None:
    spec = build("paxos", "ignore-votes", acceptors=3, values=2, max_ballot=1)
    plain = check(spec)
    dag = shortest_dag(spec)
    assert (dag.depth - 1, len(dag.targets), dag.distinct_states) == (12, 162, 4381)
    five = dag.diverse(5)
    assert [st.label for st in five[0][0]] == [st.label for st in plain.trace]
    labels = {tuple(st.label for st in t[1:]) for t, _ in five}
    assert len(five) == 5 and len(labels) == 5 and all(len(t) == 13 for t, _ in five)
    assert main(["check", "paxos", "--variant", "ignore-votes", "--counterexamples", "5", "--quiet", "--json"]) == 1
    j = json.loads(capsys.readouterr().out)
    assert [c["trace_length"] for c in j["counterexamples"]] == [12] * 5
    assert j["counterexamples"][0]["explanation"].startswith("2 values are chosen")


def test_fewest_switches_is_optimal_and_reports_the_saving(capsys: pytest.CaptureFixture[str]) -> None:
    spec = build("paxos", "ignore-votes", acceptors=3, values=2, max_ballot=1)
    trace, bad, cost = shortest_dag(spec, with_actors=True).fewest_switches()
    assert (bad, cost, switches(spec, trace), len(trace) - 1) == ("Agreement", 8, 8, 12)
    assert switches(spec, check(spec).trace) == 10
    assert main(["check", "paxos", "--variant", "ignore-votes", "--fewest-switches", "--quiet"]) == 1
    assert "8 switches of acting process; the first shortest counterexample (as plain 'check' prints it) has 10: " \
           "2 saved" in capsys.readouterr().out
    # brute force on the small model: no shortest counterexample has fewer switches
    small = build("paxos", "ignore-votes", acceptors=1, values=2, max_ballot=1)
    dag = shortest_dag(small, with_actors=True)
    every = [switches(small, dag.trace(n, a)) for t, _ in dag.targets for n, a in dag.paths(t)]
    assert dag.fewest_switches()[2] == min(every) and len(every) > 1
    assert main(["check", "paxos", "--variant", "ignore-votes", "--fewest-switches", "--symmetry"]) == 2


def test_lanes_one_column_per_process(capsys: pytest.CaptureFixture[str]) -> None:
    spec = build("paxos", "ignore-votes", acceptors=1, values=2, max_ballot=1)
    r = check(spec)
    text = format_lanes(spec, r.trace)
    head = text.splitlines()[0].split("|")
    assert [h.strip() for h in head] == ["step                L0", "L1", "a1"]
    row = next(ln for ln in text.splitlines() if ln.startswith("  9."))
    assert row.split("|")[2].strip() == "Phase2b(b=1, v=v2)"  # in a1's column
    assert main(["check", "paxos", "--variant", "ignore-votes", "--acceptors", "1", "--lanes", "--quiet"]) == 1
    assert "-> 2b(a1, 1, v2)" in capsys.readouterr().out


def test_lanes_write_the_trace_out_as_the_plain_check_does(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    """--lanes --out on a violation was refused ("--out goes with a violation ...") though --reach X --lanes --out
    wrote its trace: --lanes changes how the one trace is printed, not which."""
    argv = ["check", "paxos", "--variant", "ignore-votes", "--acceptors", "1", "--quiet"]
    assert main([*argv, "--lanes", "--out", str(tmp_path / "lanes")]) == 1
    assert main([*argv, "--out", str(tmp_path / "plain")]) == 1
    capsys.readouterr()
    lanes, plain = (json.loads((tmp_path / d / "trace.itf.json").read_text()) for d in ("lanes", "plain"))
    assert lanes["states"] == plain["states"] and len(lanes["states"]) == 9
    assert main([*argv, "--counterexamples", "2", "--out", str(tmp_path / "two")]) == 2
    assert "not with --reach all/--counterexamples/--fewest-switches" in capsys.readouterr().err


# -- the same options on a user's file, through the command line -----------------------------------
def test_reading_options_on_a_user_file_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    spec = f"{USER_FILE}:TwoCounters"
    assert main(["check", spec, "--reach", "BothMoved", "--quiet"]) == 0
    assert "Reached BothMoved: shortest behaviour, 2 steps" in capsys.readouterr().out
    assert main(["check", spec, "--reach", "Overflow", "--quiet"]) == 1
    assert "No state satisfies Overflow within the bounds (9 distinct states, all explored)" in capsys.readouterr().out
    assert main(["check", spec, "--reach", "c[0] + c[1] == 3", "--quiet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["trace_length"] == 3
    assert main(["check", f"{USER_FILE}:DoublingCounters", "--counterexamples", "10", "--quiet", "--json"]) == 1
    got = json.loads(capsys.readouterr().out)
    assert (len(got["counterexamples"]), got["shortest_length"], got["counterexamples_complete"]) == (4, 4, True)
    assert {c["explanation"] for c in got["counterexamples"]} == {"p1 counted to 2 and p2 to 2"}
    assert main(["check", f"{USER_FILE}:SymmetricDoublingCounters", "--counterexamples", "10", "--quiet"]) == 1
    out = capsys.readouterr().out  # the spec's renaming pairs two of the 4
    assert "3 of them, no two the same steps in another order or a renaming (only 3 differ):" in out
    assert main(["check", spec, "--counterexamples", "2", "--quiet"]) == 1
    assert "1 of them, no two the same steps in another order (only 1 differ):" in capsys.readouterr().out
    assert main(["check", spec, "--fewest-switches", "--lanes", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "Fewest process switches: 1 switch of acting process" in out and "i=0" in out and "i=1" in out


def test_explore_serves_a_user_file_from_the_command_line() -> None:
    import subprocess
    import sys
    import urllib.request

    run_main = "import sys; from modelcheck.cli import main; sys.exit(main())"
    cmd = [sys.executable, "-c", run_main, "explore", f"{USER_FILE}:TwoCounters", "--for", "20"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        url = lines[1].split()[-1]
        assert lines[0].startswith("Exploring two-counters") and url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "api/state?path=Inc(0)/Inc(0)/Inc(1)/Inc(1)", timeout=30) as r:  # noqa: S310
            view = json.loads(r.read())
        proc.kill()
    assert "p1 counted to 2 and p2 to 2" in json.dumps(view)


def test_a_witness_telling_renamed_states_apart_is_refused_under_symmetry(capsys: pytest.CaptureFixture[str]) -> None:
    """A declared witness was trusted to be blind to renaming: one naming a replica ('r3 voted v1 alone', reached in
    2 steps) was reported 'No state satisfies ... (17 distinct states, all explored)' with --symmetry, exit 0
    (newuser5, Fast Paxos). Now the search compares the witness on each state's renamings and refuses it there."""
    from pathlib import Path

    fast = load_user_spec(f"{Path(__file__).parent / 'user_specs' / 'fast_paxos.py'}:FastPaxos")

    class Asym(fast):  # type: ignore[misc, valid-type]
        def OnlyR3VotedV1(self, s: NamedTuple) -> bool:
            return s.maxValue[2] == 0 and s.maxValue[0] == -1 and s.maxValue[1] == -1  # type: ignore[attr-defined]

    spec = Asym(replicas=3, values=2, ballots=2, fast_ballots="1")
    assert reach(spec, "OnlyR3VotedV1", spec.OnlyR3VotedV1).verdict == REACHED
    with pytest.raises(SpecError, match="the witness tells a state from its renaming .* apart, so --symmetry"):
        reach(spec, "OnlyR3VotedV1", spec.OnlyR3VotedV1, symmetry=True)
    decided = reach(spec, "DecidedFast", spec.DecidedFast, symmetry=True)  # a symmetric witness: as before
    assert (decided.verdict, decided.trace_length, decided.distinct_states) == (REACHED, 5, 8)


def test_one_switch_is_one_switch(capsys: pytest.CaptureFixture[str]) -> None:
    """Huang's lost weight (tests/user_specs/huang.py): 'Fewest process switches: 1 switches ...' (newuser6)."""
    from pathlib import Path

    huang = Path(__file__).resolve().parent / "user_specs" / "huang.py"
    assert main(["check", f"{huang}:Huang", "--procs", "2", "--variant", "lost-weight", "--fewest-switches",
                 "--quiet"]) == 1
    assert "Fewest process switches: 1 switch of acting process; the first shortest counterexample (as plain " \
           "'check' prints it) has 1: 0 saved" in capsys.readouterr().out


class Count(NamedTuple):
    x: int


class LongWay(Spec):
    """x steps up by 1 or 2 to 3,000; x = 2,999 breaks Below: its shortest counterexamples have 1,500 steps."""

    variables = ("x",)

    def init_states(self) -> list[Count]:
        return [Count(0)]

    @action(lambda self, s: [(1,), (2,)])
    def Inc(self, s: Count, d: int) -> Count | None:
        return Count(s.x + d) if s.x + d <= 3000 else None

    @invariant
    def Below(self, s: Count) -> bool:
        return s.x != 2999


def test_counterexamples_of_thousands_of_steps() -> None:
    """Every shortest path was listed by a recursion per step: --counterexamples and --fewest-switches on a
    1,500-step counterexample ended in 'internal error: RecursionError' (hostile5)."""
    dag = shortest_dag(LongWay())
    one = dag.diverse(2)  # the 1,500 orders of one Inc(1) and 1,499 Inc(2) are one counterexample
    assert [len(t) for t, _ in one] == [1501] and dag.diverse_all
    assert [st.label.params for st in one[0][0][1:]] == [(1,)] + [(2,)] * 1499  # the plain search's: d=1 first
    assert len(dag.diverse(2, paths=100)) == 1 and not dag.diverse_all  # stopped looking: said so
    trace, bad, cost = dag.fewest_switches()
    assert (len(trace), bad) == (1501, "Below")


def test_counterexamples_say_when_the_search_for_more_stopped(monkeypatch, capsys) -> None:
    monkeypatch.setattr("modelcheck.engine.shortest.DIVERSE_PATHS", 3)
    assert main(["check", f"{USER_FILE}:TwoCounters", "--counterexamples", "2", "--quiet"]) == 1
    assert ("1 of them, no two the same steps in another order (1 found: the search for more stopped at 3 shortest "
            "paths walked or 20,000 traces built):") in capsys.readouterr().out


@pytest.mark.parametrize(("expr", "gives"), [("maxBal", "dict {'a1': -1, 'a2': -1, 'a3': -1}"), ("len(msgs)", "int 0")])
def test_reach_an_expression_that_is_no_truth_value_is_refused(expr: str, gives: str, capsys) -> None:
    """Its truthiness was the verdict: '--reach maxBal' was 'Reached maxBal: shortest behaviour, 0 steps' (a dict
    is truthy), as an invariant returning one would be refused (hostile5)."""
    assert main(["check", "paxos", "--reach", expr]) == 2
    assert capsys.readouterr().err == (f"paxraft check: error: --reach {expr!r} gives {gives}, not True or False: "
                                       "compare it (e.g. len(msgs) > 0, maxBal['a1'] == 1)\n")
