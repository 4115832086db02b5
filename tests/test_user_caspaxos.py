"""A protocol researcher's spec written from README.md and docs/ only (notes newuser18, 2026-12-06): CASPaxos from
tschottdorf/caspaxos-tla (tlaplus/Examples' specifications/CASPaxos; tests/user_specs/caspaxos.py, the TLA+ text and
the models TLC ran in tests/user_specs/CASPaxos/), through every feature: TLC 2.20's counts, symmetry, workers, dfs,
simulation, the text's own broken invariant, a planted bug, refinement of a register, liveness, pictures and replay,
graph, --invariants, Hypothesis and the explorer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import check_report, figures, run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "caspaxos.py"
CAS = f"{FILE}:CASPaxos"
SMALL = ("--max-ballot", "2")  # MCSmall.cfg: Model_1 with Nat <- 0..2
TWO = ("--acceptors", "2")  # MCTwo.cfg: two acceptors (one quorum, both), Nat <- 0..3

# TLC 2.20 (-workers 1; tests/user_specs/CASPaxos/README.md): (acceptors, values, max_ballot, symmetry) -> distinct,
# generated, depth. Symmetry is TLC's Permutations(Acceptors) over model values (MC*Sym.cfg).
TLC = {
    (3, 4, 2, False): (3554, 16714, 18),  # MCSmall.cfg
    (3, 4, 2, True): (786, 3850, 18),  # MCSmallSym.cfg
    (2, 4, 3, False): (1458, 4900, 20),  # MCTwo.cfg
}
TLC_SLOW = {
    (3, 4, 3, False): (156082, 791370, 26),  # MCSafe.cfg: Model_1 without MutationsLineUp (47 s in TLC)
    (3, 4, 3, True): (28574, 148086, 26),  # MCSafeSym.cfg
}


def build(acceptors: int = 3, values: int = 4, max_ballot: int = 3, cls: str = "CASPaxos") -> object:
    return load_user_spec(f"{FILE}:{cls}")(acceptors, values, max_ballot)


def assert_tlcs(key: tuple, expected: tuple[int, int, int]) -> None:
    *bounds, symmetry = key
    r = check(build(*bounds), symmetry=symmetry)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *expected)


@pytest.mark.parametrize("key", sorted(TLC))
def test_counts_are_tlcs(key: tuple) -> None:
    assert_tlcs(key, TLC[key])


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(TLC_SLOW))
def test_the_shipped_model_has_tlcs_counts(key: tuple) -> None:
    assert_tlcs(key, TLC_SLOW[key])


@pytest.mark.slow
def test_two_workers_on_the_shipped_model(capsys: pytest.CaptureFixture) -> None:
    obj = report(capsys, "--workers", "2", "--symmetry")
    assert (obj["verdict"], *figures(obj)) == ("ok", *TLC_SLOW[3, 4, 3, True])


def report(capsys: pytest.CaptureFixture, *argv: str, spec: str = CAS, codes: tuple[int, ...] = (0, 1)) -> dict:
    return check_report(capsys, spec, *argv, codes=codes)


def test_flags_and_list(capsys: pytest.CaptureFixture) -> None:
    obj = report(capsys, "--acceptors", "2", "--values", "4", "--max-ballot", "3")
    assert obj["params"] == {"acceptors": 2, "values": 4, "max_ballot": 3}
    assert figures(obj) == TLC[2, 4, 3, False]
    code, _, err = run(capsys, "check", CAS, "--acceptors", "0")
    assert code == 2 and err.strip().endswith("--acceptors must be between 1 and 9, got 0")
    code, out, _ = run(capsys, "list", str(FILE))
    assert code == 0 and "checks: invariants TypeOK, OnlyOneValuePerBallot, BasedOnLatestCommit" in out
    assert "checks: invariants TypeOK, OnlyOneValuePerBallot, MutationsLineUp" in out  # Model1
    assert f"refines CASRegister: paxraft refine {FILE}:CASPaxos CASRegister" in out
    assert "accept-ignores-promise  breaks BasedOnLatestCommit: AcceptRsp drops m.bal >= prepared[a]" in out


def test_witness(capsys: pytest.CaptureFixture) -> None:
    """Two ballots above 0 commit (BasedOnLatestCommit is not vacuous) in 12 steps: two prepares, a quorum's
    promises and accepts for each."""
    code, out, _ = run(capsys, "check", CAS, *TWO, "--reach", "TwoCommits")
    assert code == 0 and "Reached TwoCommits: shortest behaviour, 12 steps" in out


def test_deadlock_as_tlc(capsys: pytest.CaptureFixture) -> None:
    """MCNoBallot.cfg: with the one ballot 0, which no acceptor can promise, TLC deadlocks after PrepareReq(0)."""
    obj = report(capsys, "--max-ballot", "0", "--deadlock")
    assert (obj["verdict"], obj["trace_length"], *figures(obj)) == ("deadlock", 1, 2, 2, 2)
    assert report(capsys, *SMALL, "--deadlock")["verdict"] == "ok"  # AcceptRsp may always accept again


def test_engines_agree(capsys: pytest.CaptureFixture) -> None:
    one = report(capsys, *SMALL)
    assert figures(one) == TLC[3, 4, 2, False]
    two = report(capsys, *SMALL, "--workers", "2")
    assert figures(two) == figures(one) and two["coverage"] == one["coverage"]
    assert figures(report(capsys, *SMALL, "--symmetry", "--workers", "2")) == TLC[3, 4, 2, True]
    assert figures(report(capsys, *SMALL, "--mode", "dfs"))[:2] == (3554, 16714)
    sim = report(capsys, "--mode", "simulate", "--walks", "50", "--depth", "40", "--seed", "1")  # walk w: Random("1:w")
    assert (sim["verdict"], sim["distinct_states"], sim["states_generated"]) == ("ok", 571, 2000)
    sim = report(capsys, "--variant", "accept-ignores-promise", *TWO, "--mode", "simulate", "--depth", "40")
    assert (sim["verdict"], sim["violated"], sim["trace_length"]) == ("violation", "BasedOnLatestCommit", 24)


def test_the_texts_own_invariant_fails_as_in_tlc(capsys: pytest.CaptureFixture) -> None:
    """Model_1 checks DesiredProperties; TLC finds its MutationsLineUp broken in 12 states (Model_1.cfg, three
    acceptors; MCTwoLineUp.cfg, two), a proposer building on a value accepted at ballot 1 but never committed."""
    for bounds in ((), TWO):
        obj = report(capsys, *bounds, spec=f"{FILE}:Model1")
        assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("violation", "MutationsLineUp", 11)
    code, out, _ = run(capsys, "check", f"{FILE}:Model1", *TWO)
    assert code == 1 and ("MutationsLineUp is false in this state: ballot 2 committed value 3, but Mutator(2, 0) = 1 "
                          "for the value 0 committed at ballot 0, the latest commit below it") in out  # fmt: skip
    obj = report(capsys, *TWO, "--invariants", "TypeOK,OnlyOneValuePerBallot", spec=f"{FILE}:Model1")
    assert (obj["verdict"], *figures(obj)) == ("ok", *TLC[2, 4, 3, False])
    code, _, err = run(capsys, "check", f"{FILE}:Model1", "--variant", "accept-ignores-promise")
    assert code == 2 and err.strip().endswith(
        "'accept-ignores-promise' is a variant of CASPaxos, which Model1 extends: "
        f"--variant accept-ignores-promise goes with {FILE}:CASPaxos"
    )
    code, _, err = run(capsys, "check", f"{FILE}:Model1", "--invariants", "BasedOnLatestCommit")
    assert code == 2 and "--invariants names no invariant 'BasedOnLatestCommit'" in err
    assert err.strip().endswith("; Model1 sets BasedOnLatestCommit = None, leaving out its base's invariant")


# The planted bugs: TLC's verdict and length (a trace of N+1 states is N steps).
BUGS = {
    ("accept-ignores-promise", TWO): ("BasedOnLatestCommit", 12),  # MCTwoAcceptIgnoresPromise.cfg: 13 states
    ("lazy-proposer", ("--liveness", *SMALL)): ("Progress", 6),  # LiveLazy.cfg: 6 steps, then stuttering
}


@pytest.mark.parametrize("variant, bounds", sorted(BUGS))
def test_planted_bugs(capsys: pytest.CaptureFixture, variant: str, bounds: tuple[str, ...]) -> None:
    obj = report(capsys, "--variant", variant, *bounds)
    obj = obj[0] if isinstance(obj, list) else obj
    assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("violation", *BUGS[variant, bounds])
    if variant == "accept-ignores-promise":  # and TLC's figures at the stop: 1,814 distinct, 5,992 generated
        assert figures(obj)[:2] == (1814, 5992)


@pytest.mark.slow
def test_planted_bug_on_the_shipped_model(capsys: pytest.CaptureFixture) -> None:
    obj = report(capsys, "--variant", "accept-ignores-promise")  # MCAcceptIgnoresPromise.cfg: 13 states
    assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("violation", "BasedOnLatestCommit", 12)


def test_variants_check(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "2 entries checked" in out and "every entry agrees" in out
    assert "why: ballot 2 committed value 1, which is Mutator(2, v) for no value v written at ballots 1..1" in out


def test_refinement_of_a_register(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """TLC agrees (PROPERTY CRSpec, the INSTANCE of CASRegister.tla): Refine.cfg holds; on
    RefineAcceptIgnoresPromise.cfg the action property fails at state 11, the step AcceptReq(2,0)."""
    code, out, _ = run(capsys, "refine", CAS, "CASRegister", *SMALL)
    assert code == 0 and "CASPaxos implements CASRegister" in out
    assert "3,554 distinct CASPaxos states, 16,713 transitions checked (11,973 map to stutters)" in out
    assert "11 distinct CASRegister states reached" in out
    one = json.loads(run(capsys, "refine", CAS, "CASRegister", *SMALL, "--json")[1])
    two = json.loads(run(capsys, "refine", CAS, "CASRegister", *SMALL, "--workers", "2", "--json")[1])
    assert one == two and one["complete"] is True
    code, out, _ = run(capsys, "refine", CAS, "--variant", "accept-ignores-promise", "CASRegister", *TWO)
    assert code == 1 and ("refinement fails at state 11 (step 10): AcceptReq(b=2, v=0, Q={a1, a2}, m=a1) maps to no "
                          "step of CASRegister") in out  # fmt: skip
    assert (check(load_user_spec(f"{FILE}:CASRegister")(4, 2)).distinct_states) == 13
    out_dir = tmp_path / "rf"  # the failing step as a trace, which replay judges against CASRegister again
    run(capsys, "refine", CAS, "--variant", "accept-ignores-promise", "CASRegister", *TWO, "--out", str(out_dir))
    code, out, _ = run(capsys, "replay", str(out_dir / "trace.itf.json"), "--spec", f"{FILE}:AcceptIgnoresPromise")
    assert code == 0 and "its last step AcceptReq(b=2, v=0, Q={a1, a2}, m=a1) maps to no step of CASRegister" in out


def test_liveness(capsys: pytest.CaptureFixture) -> None:
    """TLC agrees: Progress holds under WF_vars(Next) (Live.cfg); without fairness it stutters at once."""
    code, out, _ = run(capsys, "check", CAS, *SMALL, "--liveness")
    assert code == 0 and "Property Progress holds under this fairness.\n3,554 distinct states, 11,625 edges" in out
    code, out, _ = run(capsys, "check", CAS, *SMALL, "--liveness", "--no-fairness")
    assert code == 1 and "a fair behaviour of 0 steps" in out
    obj = report(capsys, *SMALL, "--liveness", "Progress")  # one property named: one object, check's names too
    assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("ok", None, None)


def test_pictures_replay_graph(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    cex = tmp_path / "cex"
    code, out, _ = run(capsys, "check", CAS, "--variant", "accept-ignores-promise", *TWO, "--out", str(cex))
    assert code == 1 and (cex / "trace.itf.json").is_file() and (cex / "msc.dot").is_file()
    assert "accept-req(1, newVal 1)" in (cex / "msc.dot").read_text()  # the implicit proposer p1's send
    trace = json.loads((cex / "trace.itf.json").read_text())
    assert len(trace["states"]) == 13
    code, out, _ = run(capsys, "replay", str(cex / "trace.itf.json"), "--spec", f"{FILE}:AcceptIgnoresPromise")
    assert code == 0 and "the last state violates BasedOnLatestCommit" in out
    code, out, _ = run(capsys, "replay", str(cex / "trace.itf.json"), "--spec", CAS)
    assert code == 1 and "FAIL state 10: AcceptRsp(a=a1, b=1, v=1): not enabled in the previous state" in out
    lasso = tmp_path / "lasso"
    run(capsys, "check", CAS, "--variant", "lazy-proposer", *SMALL, "--liveness", "--out", str(lasso))
    code, out, _ = run(capsys, "replay", str(lasso / "trace.itf.json"), "--spec", f"{FILE}:LazyProposer")
    assert code == 0 and "the behaviour violates Progress under its fairness" in out
    code, out, _ = run(capsys, "graph", CAS, "--variant", "accept-ignores-promise", *TWO, "--max-ballot", "2",
                       "--out", str(tmp_path / "g"))  # fmt: skip
    assert code == 0 and "276 states, 738 edges" in out and "its shortest path (12 steps) is drawn in red" in out


def test_hypothesis_and_explorer() -> None:
    run_spec(build(max_ballot=2), settings(max_examples=10, derandomize=True))
    with pytest.raises(InvariantViolation) as found:
        run_spec(build(acceptors=2, cls="AcceptIgnoresPromise"), settings(max_examples=50, derandomize=True))
    assert found.value.invariant == "BasedOnLatestCommit"
    view = Session(build(acceptors=2)).view("PrepareReq(1)/PrepareRsp(0,1)/PrepareRsp(1,1)/AcceptReq(1,0,(0,1),0)")
    assert [i["name"] for i in view["invariants"] if not i["holds"]] == []
    assert "AcceptRsp(a=a2, b=1, v=1)" in [e["label"] for e in view["enabled"]]


def test_bmc_names_the_explicit_bounded_search(capsys: pytest.CaptureFixture) -> None:
    """A user's spec has no Z3 encoding: bmc says so and names the dfs bound that searches the same behaviours
    (a dfs depth counts states, bmc's steps), which finds the 12-step bug at 13 and not at 12."""
    bug = ("--variant", "accept-ignores-promise", *TWO)
    code, _, err = run(capsys, "bmc", CAS, *bug, "--depth", "12")
    assert code == 2 and err.strip().endswith(f"every behaviour of up to 12 steps, searched explicitly: paxraft check "
                                              f"{CAS} --variant accept-ignores-promise --mode dfs --depth 13 (and the "
                                              "bounds)")  # fmt: skip
    found = report(capsys, *bug, "--mode", "dfs", "--depth", "13")
    assert (found["verdict"], found["violated"]) == ("violation", "BasedOnLatestCommit")
    assert report(capsys, *bug, "--mode", "dfs", "--depth", "12")["verdict"] == "ok"


def test_resume_after_a_state_limit_goes_on_from_the_cut(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A --max-states cut wrote no checkpoint (--resume said there was none, naming the cut); it now writes the
    checkpoint of the chunk that reached the cap, and --resume alone goes on from there to TLC's figures."""
    ck = tmp_path / "ck"
    obj = report(capsys, *SMALL, "--checkpoint", str(ck), "--max-states", "1000")
    assert (obj["distinct_states"], obj["complete"]) == (1000, False)
    assert obj["checkpoint_at_cut"]["dir"] == str(ck) and obj["checkpoint_at_cut"]["states"] >= 1000
    done = json.loads(run(capsys, "check", "--resume", str(ck), "--json", "--quiet")[1])
    assert figures(done) == TLC[3, 4, 2, False] and done["complete"] is True
    code, _, err = run(capsys, "check", "--resume", str(tmp_path / "none"))
    assert code == 2 and "at a --max-states cut, or when interrupted (Ctrl-C, SIGTERM): one that ended sooner, " \
        "at its end or a violation, left none)" in err
