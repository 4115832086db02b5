"""A protocol-variant researcher's spec written from README.md and docs/ only (notes newuser5, 2026-12-04 night):
Paxos and simplified Fast Paxos from tlaplus/Examples' SimplifiedFastPaxos (tests/user_specs/fast_paxos.py, the
TLA+ text and the models TLC ran in tests/user_specs/SimplifiedFastPaxos/), through every feature: check with
TLC 2.20's counts, symmetry, workers, dfs, simulation, the planted bugs, refinement both ways, liveness and a lasso,
pictures and replay, graph, the Hypothesis adapter, the explorer."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import check_report, figures, run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.cli import main as run_cli
from modelcheck.engine.liveness import check_property
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.server import serve_in_thread
from modelcheck.output.explore.session import Session
from modelcheck.output.itf import assert_replays
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "fast_paxos.py"
PAXOS, FAST = f"{FILE}:Paxos", f"{FILE}:FastPaxos"

# TLC 2.20 (-workers 1), tests/user_specs/SimplifiedFastPaxos: (spec, replicas, values, ballots, fast ballots,
# symmetry) -> distinct, generated, depth. Quorums are majorities, fast quorums the smallest FastAssume allows.
TLC = {
    ("Paxos", 3, 2, 2, "", False): (6353, 55079, 18),  # P_r3v2b2.cfg
    ("Paxos", 3, 2, 2, "", True): (701, 6167, 18),  # P_r3v2b2.cfg + SYMMETRY PaxosSymmetry
    ("FastPaxos", 3, 2, 2, "1", False): (102, 535, 10),  # FP_r3v2b2.cfg
    ("FastPaxos", 3, 2, 2, "1", True): (17, 86, 10),
    ("FastPaxos", 4, 2, 2, "1", False): (1112, 8945, 12),  # FP_r4v2b2.cfg
    ("FastPaxos", 4, 2, 3, "1,3", True): (804, 7898, 17),  # FP_r4v2b3.cfg + SYMMETRY
}
TLC_SLOW = {
    ("Paxos", 4, 3, 2, "", True): (1207, 13290, 22),  # the Examples' Paxos.cfg
    ("Paxos", 4, 3, 2, "", False): (48514, 491173, 22),  # Paxos.cfg without its SYMMETRY
    ("FastPaxos", 4, 3, 4, "1,3", True): (25617, 320053, 22),  # the Examples' FastPaxos.cfg (44 s in TLC)
    ("FastPaxos", 4, 2, 3, "1,3", False): (23254, 214597, 17),  # FP_r4v2b3.cfg
}
SMALL = ("--replicas", "3", "--values", "2", "--ballots", "2", "--fast-ballots", "1")


def build(spec: str, replicas: int, values: int, ballots: int, fast: str) -> object:
    bounds = {"replicas": replicas, "values": values, "ballots": ballots}
    return load_user_spec(f"{FILE}:{spec}")(**bounds, **({"fast_ballots": fast} if fast else {}))


def report(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> dict:
    return check_report(capsys, ref, *argv, codes=(0, 1))


def assert_tlcs(key: tuple, expected: tuple[int, int, int]) -> None:
    spec, replicas, values, ballots, fast, symmetry = key
    r = check(build(spec, replicas, values, ballots, fast), symmetry=symmetry)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *expected)


@pytest.mark.parametrize("key", sorted(TLC))
def test_counts_are_tlcs(key: tuple) -> None:
    assert_tlcs(key, TLC[key])


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(TLC_SLOW))
def test_the_examples_models_counts_are_tlcs(key: tuple) -> None:
    assert_tlcs(key, TLC_SLOW[key])


@pytest.mark.slow
def test_the_indexed_spec_has_tlcs_counts_on_the_examples_model() -> None:
    spec = load_user_spec(f"{FILE}:FastPaxosIndexed")()
    r = check(spec, symmetry=True)
    assert (r.distinct_states, r.states_generated, r.depth) == TLC_SLOW["FastPaxos", 4, 3, 4, "1,3", True]
    r = check(load_user_spec(f"{FILE}:FastPaxosIndexed")(values=2, ballots=3))
    assert (r.distinct_states, r.states_generated, r.depth) == TLC_SLOW["FastPaxos", 4, 2, 3, "1,3", False]


def test_the_indexed_spec_is_the_same_model(capsys: pytest.CaptureFixture) -> None:
    """FastPaxosIndexed (a MsgSet and `where` guards, docs/fast-specs.md): the same counts and coverage (4/2/0..3,
    fast 1 and 3: 1.88 against 2.23 CPU s, two alternated runs each, load 4.5)."""
    args = ("--replicas", "4", "--values", "2", "--ballots", "2", "--fast-ballots", "1")
    plain, indexed = report(capsys, FAST, *args), report(capsys, f"{FILE}:FastPaxosIndexed", *args)
    assert figures(indexed) == figures(plain) == (1112, 8945, 12) and indexed["coverage"] == plain["coverage"]
    sym = report(capsys, f"{FILE}:FastPaxosIndexed", "--replicas", "4", "--values", "2", "--ballots", "3", "--symmetry")
    assert figures(sym) == TLC["FastPaxos", 4, 2, 3, "1,3", True]


def test_engines_agree(capsys: pytest.CaptureFixture) -> None:
    args = ("--replicas", "4", "--values", "2", "--ballots", "2", "--fast-ballots", "1")
    one = report(capsys, FAST, *args)
    assert figures(one) == (1112, 8945, 12)
    two = report(capsys, FAST, *args, "--workers", "2")
    assert figures(two) == figures(one) and two["coverage"] == one["coverage"]
    assert figures(report(capsys, FAST, *args, "--mode", "dfs"))[:2] == (1112, 8945)
    sim = report(capsys, FAST, *args, "--mode", "simulate", "--walks", "20", "--seed", "3")
    assert sim["verdict"] == "ok" and sim["distinct_states"] <= 1112
    assert figures(report(capsys, FAST, *args, "--symmetry")) == figures(report(capsys, FAST, *args, "--symmetry",
                                                                                "--workers", "2"))  # fmt: skip


def test_planted_bugs(capsys: pytest.CaptureFixture) -> None:
    obj = report(capsys, FAST, "--variant", "small-fast-quorums", "--replicas", "4", "--values", "2", "--ballots",
                 "1", "--fast-ballots", "1", "--fast-quorum", "2")  # fmt: skip
    assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("violation", "Agreement", 5)
    assert [s["action"] for s in obj["trace"]] == ["Init", "FastAny"] + ["FastPropose"] * 4  # TLC's 6 states too
    whole = load_user_spec(f"{FILE}:SmallFastQuorums")(4, 2, 1, "1", fast_quorum=2)  # SmallFQ_r4v2b1_whole.cfg
    r = check(whole, check_invariants=False)
    assert (r.distinct_states, r.states_generated, r.depth) == (148, 933, 7)
    obj = report(capsys, FAST, "--variant", "any-recovery", "--replicas", "3", "--values", "4", *SMALL[4:])
    assert (obj["violated"], obj["trace_length"]) == ("FastNontriviality", 8)
    obj = report(capsys, PAXOS, "--variant", "ignore-votes", "--replicas", "1", "--values", "2", "--ballots", "2")
    assert (obj["violated"], obj["trace_length"]) == ("Agreement", 8)
    obj = report(capsys, PAXOS, "--variant", "blank-report", "--replicas", "1", "--values", "1", "--ballots", "2")
    assert (obj["violated"], obj["trace_length"]) == ("PaxosNontriviality", 6)
    code, _, err = run(capsys, "check", FAST, "--fast-quorum", "2")  # the base spec keeps FastAssume
    assert code == 2 and "--fast-quorum 2 breaks FastAssume with 4 replicas and quorums of 3" in err
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "5 entries checked" in out and "every entry agrees" in out


# The fast quorum varied (SmallFastQuorums takes any size; values 2, ballots 0..2, fast ballot 1, majority quorums):
# (replicas, fast quorum) -> Agreement's shortest counterexample, or None when safe (distinct states then). Safe
# exactly where FastAssume holds: 3 of 3, 3 of 4, 4 of 5 and above.
FAST_QUORUMS = {(3, 1): 3, (3, 2): 7, (3, 3): None, (4, 1): 3, (4, 2): 5, (4, 3): None, (4, 4): None,
                (5, 1): 3, (5, 2): 5, (5, 3): 10, (5, 4): None}  # fmt: skip
# the safe ones are TLC's models FP_r3v2b2, FP_r4v2b2, FP_r4v2b2_fq4 and FP_r5v2b2: distinct, generated, depth
SAFE_STATES = {(3, 3): (102, 535, 10), (4, 3): (1112, 8945, 12), (4, 4): (504, 3397, 12), (5, 4): (7626, 88597, 14)}


@pytest.mark.parametrize("replicas, fast_quorum", sorted(FAST_QUORUMS))
def test_fast_quorums_are_safe_exactly_where_fast_assume_says(replicas: int, fast_quorum: int) -> None:
    spec = load_user_spec(f"{FILE}:SmallFastQuorums")(replicas, 2, 2, "1", fast_quorum=fast_quorum)
    r, steps = check(spec), FAST_QUORUMS[replicas, fast_quorum]
    if steps is None:
        got = (r.verdict, r.distinct_states, r.states_generated, r.depth)
        assert got == ("ok", *SAFE_STATES[replicas, fast_quorum])
    else:
        assert (r.verdict, r.violated, r.trace_length) == ("violation", "Agreement", steps)


def test_both_ways_to_a_decision_are_reachable(capsys: pytest.CaptureFixture) -> None:
    """The witnesses: a fast quorum decides (5 steps), or a collision is recovered in a classic ballot (8)."""
    code, out, _ = run(capsys, "check", FAST, *SMALL, "--reach", "all")
    assert code == 0 and out == ("Reached DecidedFast: shortest behaviour, 5 steps\n"
                                 "Reached DecidedInClassic: shortest behaviour, 8 steps\n")  # fmt: skip


def test_refinement_both_ways(capsys: pytest.CaptureFixture) -> None:
    """PaxosConsistency as a refinement of Consensus holds for both; FastPaxos is no step-by-step Paxos."""
    code, out, _ = run(capsys, "refine", FAST, "Consensus", *SMALL)
    assert code == 0 and "102 distinct FastPaxos states, 534 transitions checked (456 map to stutters)" in out
    code, out, _ = run(capsys, "refine", PAXOS, "Consensus", "--replicas", "3", "--values", "2")
    assert code == 0 and "6,353 distinct Paxos states, 55,078 transitions checked" in out
    code, out, _ = run(capsys, "refine", FAST, "Paxos", *SMALL)
    assert code == 1 and "refinement fails at state 3 (step 2): FastPropose(a=r1, b=1, v=v1) maps to no step" in out
    code, out, _ = run(capsys, "refine", FAST, "--variant", "small-fast-quorums", "Consensus", "--replicas", "4",
                       "--values", "2", "--ballots", "1", "--fast-ballots", "1", "--fast-quorum", "2")  # fmt: skip
    assert code == 1 and "refinement fails at state 8 (step 7): FastDecide(b=1, q={r3, r4}, a=r3, v=v2)" in out


def test_liveness(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """TLC agrees on every verdict (MCFastPaxosLive.tla, L_*.cfg and Lazy_r3v2b2.cfg)."""
    code, out, _ = run(capsys, "check", FAST, *SMALL, "--liveness")
    assert code == 0 and "Property Decided holds under this fairness.\n102 distinct states, 229 edges" in out
    cex = tmp_path / "lasso"
    code, out, _ = run(capsys, "check", f"{FILE}:LazyCoordinator", *SMALL, "--liveness", "--out", str(cex))
    assert code == 1 and "a fair behaviour of 4 steps that then stutters for ever without reaching the goal" in out
    code, out, _ = run(capsys, "replay", str(cex / "trace.itf.json"), "--spec", f"{FILE}:LazyCoordinator")
    assert code == 0, out
    code, out, _ = run(capsys, "replay", str(cex / "trace.itf.json"), "--spec", FAST)  # the fair coordinator
    assert code == 1 and "WF(ClassicAccept)" in out
    spec = build("FastPaxos", 3, 2, 2, "1")
    unfair = [f for f in spec.fairness() if "FastDecide" not in f.actions]  # learners that need not learn
    r = check_property(spec, "Decided", fairness=unfair)
    assert not r.holds and r.lasso is not None and (len(r.lasso.prefix), len(r.lasso.loop)) == (5, 0)


@pytest.mark.slow  # (30 s of the default run's 10 minutes; test_liveness keeps a holding and a violated property)
def test_liveness_with_four_replicas(capsys: pytest.CaptureFixture) -> None:
    """TLC agrees (MCFastPaxosLive.tla, L_*.cfg): Decided holds with one fast ballot of two; with ballots 0..3,
    three of them fast, a collision in the last ballot is never recovered (TLC: violated too)."""
    code, out, _ = run(capsys, "check", FAST, "--replicas", "4", "--values", "2", "--ballots", "2", "--fast-ballots",
                       "1", "--liveness")  # fmt: skip
    assert code == 0 and "1,112 distinct states, 4,081 edges" in out
    code, out, _ = run(capsys, "check", FAST, "--replicas", "4", "--values", "2", "--ballots", "3", "--liveness")
    assert code == 1 and "a fair behaviour of 6 steps that then stutters for ever" in out


def test_pictures_replay_graph_hypothesis_and_explorer(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    cex = tmp_path / "cex"
    small = ("--replicas", "4", "--values", "2", "--ballots", "1", "--fast-ballots", "1", "--fast-quorum", "2")
    code, out, _ = run(capsys, "check", FAST, "--variant", "small-fast-quorums", *small, "--out", str(cex))
    assert code == 1 and "--> Agreement is false in this state: v1 and v2 are both chosen" in out
    assert {p.name for p in cex.iterdir()} >= {"trace.itf.json", "msc.dot", "table.dot"}
    assert "FastPropose(a=r4, b=1, v=v2)" in (cex / "msc.dot").read_text()
    trace = str(cex / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FILE}:SmallFastQuorums")
    assert code == 0 and "Every state follows; the last state violates Agreement." in out
    assert_replays(trace, spec_ref=f"{FILE}:SmallFastQuorums")
    code, out, _ = run(capsys, "graph", FAST, *SMALL, "--out", str(tmp_path / "g"))
    assert code == 0 and "102 states" in out
    fast = settings(max_examples=20, stateful_step_count=30, derandomize=True, database=None, deadline=None)
    run_spec(build("FastPaxos", 3, 2, 2, "1"), settings=fast)
    with pytest.raises(InvariantViolation) as found:
        run_spec(load_user_spec(f"{FILE}:SmallFastQuorums")(replicas=4, values=2, ballots=1, fast_ballots="1",
                                                            fast_quorum=2), settings=fast)  # fmt: skip
    assert found.value.invariant == "Agreement"
    view = Session(build("FastPaxos", 3, 2, 2, "1")).view("Init(0)/FastAny(1)")
    assert [e["label"] for e in view["enabled"]][:2] == ["FastAny(f=1)", "FastPropose(a=r1, b=1, v=v1)"]


def _api(url: str, body: bytes | None = None) -> dict:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


def test_the_explorers_json_as_docs_explorer_md_lists_it(tmp_path: Path) -> None:
    """Every request of docs/explorer.md's 'From a script', on the small-fast-quorums variant."""
    spec = load_user_spec(f"{FILE}:SmallFastQuorums")(replicas=4, values=2, ballots=1, fast_ballots="1")
    server = serve_in_thread(Session(spec))
    try:
        view = _api(server.url + "api/state?path=FastAny(1)/FastPropose(0,1,0)")
        assert view["path"] == "FastAny(1)/FastPropose(0,1,0)" and view["depth"] == 2
        job = _api(server.url + "api/search?path=FastAny(1)")["job"]
        for _ in range(600):  # at most 60 s
            done = _api(server.url + f"api/job?id={job}")
            if done["status"] != "running":
                break
            time.sleep(0.1)
        assert done["status"] == "done" and done["text"].startswith("Agreement violated 4 steps from here")
        assert done["path"].startswith("FastAny(1)/FastPropose(")
        found = _api(server.url + "api/search?path=&goal=decision%20%3D%3D%20%27v2%27")
        assert set(found) == {"job"}
        cex = tmp_path / "cex"
        assert run_cli(["check", f"{FILE}:SmallFastQuorums", "--replicas", "4", "--values", "2", "--ballots", "1",
                        "--fast-ballots", "1", "--out", str(cex), "--quiet"]) == 1  # fmt: skip
        loaded = _api(server.url + "api/load", (cex / "trace.itf.json").read_bytes())
        assert loaded["path"].count("/") == 4 and loaded["path"].startswith("FastAny(1)/")
        assert "names no initial state" in _api(server.url + "api/state?path=Init(1)")["error"]
    finally:
        server.shutdown()
