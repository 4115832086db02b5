"""An eighth new user's specs, written from README.md and docs/ only (notes newuser8): the threshold-guarded
broadcast algorithms of the ByMC benchmarks in tlaplus/Examples, run through every feature with TLC 2.20's
exact figures. bcastByz (tests/user_specs/bcast_byz.py): Srikanth and Toueg's reliable broadcast with
Byzantine processes. The TLA+ and .cfg files TLC ran are in tests/user_specs/bcast/ (bcastByz.tla is the
Examples' file without its TLAPS proofs, whose modules TLC lacks; the variants' files change one line each).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import check_report, one_error_line, run
from test_explore import _get  # an HTTP GET that returns error statuses too

from modelcheck.engine.faults import SpecContractError, preflight
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.server import serve_in_thread
from modelcheck.output.explore.session import Session
from spec.registry import load_user_spec

USER = Path(__file__).resolve().parent / "user_specs"
BYZ = USER / "bcast_byz.py"
SPEC = f"{BYZ}:BcastByz"
NOBCAST = f"{BYZ}:BcastByzNoBcast"


def figures(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> tuple[int, int, int]:
    obj = check_report(capsys, ref, *argv, codes=(0, 1))
    return obj["distinct_states"], obj["states_generated"], obj["depth"]


# -- bcastByz --------------------------------------------------------------------------------------------


def test_bcast_byz_counts_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    """TLC 2.20 -workers 1 (tests/user_specs/bcast/): bcastByz.cfg (N=4, T=1, F=1; the manifest's figures)
    14,424 / 227,344 / 7; byz_410.cfg 17,080 / 325,268 / 9; byz_300.cfg 112 / 495 / 7; byz_200.cfg 16 / 42 / 5;
    bcastByzNoBcast.cfg (N=10, T=3, F=2, SpecNoBcast) 45 / 90 / 1. TLC counts each newMessages \\in SUBSET
    (sent \\cup ByzMsgs) as a step, and Next's UNCHANGED vars once per state: so does the spec."""
    obj = check_report(capsys, SPEC)
    assert (obj["distinct_states"], obj["states_generated"], obj["depth"]) == (14424, 227344, 7)
    assert {a: (c["fired"], c["new"]) for a, c in obj["coverage"].items()} == {
        "UponV1": (4992, 1360), "UponNonFaulty": (3408, 1008), "UponAcceptNotSentBefore": (1008, 288),
        "UponAcceptSentBefore": (203448, 11704), "Unchanged": (14424, 0)}
    # TLC -coverage (bcastByzSafety.cfg) counts Next's two disjuncts: \E self : Step(self) 212,856 generated,
    # 14,360 new; UNCHANGED vars 14,424 and 0
    steps = [c for a, c in obj["coverage"].items() if a != "Unchanged"]
    assert (sum(c["fired"] for c in steps), sum(c["new"] for c in steps)) == (212856, 14360)
    assert figures(capsys, SPEC, "--n", "3", "--t", "0", "--f", "0") == (112, 495, 7)
    assert figures(capsys, SPEC, "--n", "2", "--t", "0", "--f", "0") == (16, 42, 5)
    assert figures(capsys, NOBCAST, "--n", "10", "--t", "3", "--f", "2") == (45, 90, 1)


@pytest.mark.slow
def test_bcast_byz_cfg_whole_on_two_workers_liveness_and_refinement(capsys: pytest.CaptureFixture) -> None:
    assert figures(capsys, SPEC, "--n", "4", "--t", "1", "--f", "0") == (17080, 325268, 9)
    one, two = check_report(capsys, SPEC), check_report(capsys, SPEC, "--workers", "2")
    assert (two["distinct_states"], two["states_generated"], two["depth"], two["coverage"]) == (
        14424, 227344, 7, one["coverage"])
    assert figures(capsys, SPEC, "--symmetry", "--workers", "2") == (680, 10434, 7)
    code, out, _ = run(capsys, "check", SPEC, "--liveness")  # bcastByz.cfg: TLC's CorrLtl and RelayLtl hold
    assert code == 0 and out.count("holds under this fairness.") == 2, out
    assert "14,424 distinct states, 212,856 edges" in out
    code, out, _ = run(capsys, "refine", SPEC, "EchoQuorum")
    assert code == 0 and "BcastByz implements EchoQuorum." in out
    assert "14,424 distinct BcastByz states, 227,280 transitions checked (14,424 map to stutters), 96 distinct" in out


def test_bcast_byz_on_two_workers_and_depth_first(capsys: pytest.CaptureFixture) -> None:
    small = ("--n", "3", "--t", "0", "--f", "0")
    one, two = check_report(capsys, SPEC, *small), check_report(capsys, SPEC, *small, "--workers", "2")
    assert (two["distinct_states"], two["states_generated"], two["depth"], two["coverage"]) == (
        112, 495, 7, one["coverage"])
    dfs = check_report(capsys, SPEC, *small, "--mode", "dfs")
    # a dfs's depth counts the deepest state's UNCHANGED self-loop one deeper (docs/checker-features.md)
    assert (dfs["distinct_states"], dfs["states_generated"], dfs["depth"]) == (112, 495, 8)
    code, out, _ = run(capsys, "check", SPEC, "--mode", "simulate", "--walks", "20", "--depth", "10")
    assert code == 0 and "No error found in these random walks" in out


def test_bcast_byz_symmetry_is_tlcs(capsys: pytest.CaptureFixture) -> None:
    """Corr and Faulty are variables, so renaming all N processes (Corr and Faulty with them) is a symmetry:
    TLC 2.20 on MCbcastByzSym.cfg (the processes as model values, SYMMETRY Permutations) 680 / 10,434 / 7,
    and 14,424 / 227,344 / 7 without it."""
    assert figures(capsys, SPEC, "--symmetry") == (680, 10434, 7)


def test_a_renaming_that_keeps_the_roles_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A permute that renames pc, rcvd and sent but leaves Corr and Faulty as they are moves a correct
    process's history onto a faulty one: refused before the search, in one line."""
    user = tmp_path / "keeps_roles.py"
    user.write_text(f"import sys\nsys.path.insert(0, {str(USER)!r})\nfrom bcast_byz import BcastByz  # noqa: E402\n\n\n"
                    "class KeepsRoles(BcastByz):\n    def permute(self, s, perm):\n"
                    "        return super().permute(s, perm)._replace(Corr=s.Corr, Faulty=s.Faulty)\n")
    code, out, err = run(capsys, "check", f"{user}:KeepsRoles", "--symmetry")
    assert code == 2 and out == ""
    assert one_error_line(err).startswith("paxraft check: error: KeepsRoles: permute is not a symmetry of the model")


def test_bcast_byz_liveness_under_the_correct_processes_fairness(capsys: pytest.CaptureFixture) -> None:
    """CorrLtl and RelayLtl hold under WF over the correct processes' steps that receive nothing from a faulty
    one, as TLC says (byz_300.cfg; bcastByz.cfg in the slow test); without fairness CorrLtl fails by stuttering
    in the first state."""
    code, out, _ = run(capsys, "check", SPEC, "--liveness", "--n", "3", "--t", "0", "--f", "0")
    assert code == 0 and out.count("holds under this fairness.") == 2, out
    assert "Fairness: WF(\\E self \\in Corr : ReceiveFromCorrectSender(self) /\\ Upon...)" in out
    assert "112 distinct states, 375 edges" in out
    code, out, _ = run(capsys, "check", SPEC, "--liveness", "CorrLtl", "--no-fairness", "--n", "2", "--t", "0",
                       "--f", "0")
    assert code == 1 and "property CorrLtl is violated: a fair behaviour of 0 steps" in out


def test_bcast_byz_planted_bugs(capsys: pytest.CaptureFixture) -> None:
    """TLC 2.20 on the variants' files: echo-threshold-low (EchoOnFewer.cfg) Unforg in 3 steps, faulty-beyond-t
    (TooManyFaulty.cfg, N=4 T=1 F=2) in 2, accept-threshold-high (AcceptOnMore_*.cfg): CorrLtl and RelayLtl
    violated, a prefix then stuttering, on 3,784 / 30,032 / 7."""
    code, out, _ = run(capsys, "check", NOBCAST, "--variant", "echo-threshold-low")
    assert code == 1 and "invariant Unforg is violated; shortest counterexample: 3 steps" in out
    assert "UponNonFaulty(p=p1, good={}, bad={p4})" in out  # the faulty process's ECHO starts it
    code, out, _ = run(capsys, "check", NOBCAST, "--variant", "faulty-beyond-t", "--f", "2")
    assert code == 1 and "invariant Unforg is violated; shortest counterexample: 2 steps" in out
    code, _, err = run(capsys, "check", NOBCAST, "--f", "2")
    assert code == 2 and one_error_line(err) == "paxraft check: error: bcast_byz assumes T >= F, got --t 1 --f 2"
    assert figures(capsys, f"{BYZ}:AcceptOnMore") == (3784, 30032, 7)
    code, out, _ = run(capsys, "check", f"{BYZ}:AcceptOnMore", "--liveness")
    assert code == 1
    assert "property CorrLtl is violated: a fair behaviour of 3 steps that then stutters for ever" in out
    assert "property RelayLtl is violated: a fair behaviour of 4 steps that then stutters for ever" in out
    code, out, _ = run(capsys, "variants", "--spec", str(BYZ), "--check")
    assert code == 0 and "every entry agrees" in out


def test_bcast_byz_lasso_out_and_replay(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, _, _ = run(capsys, "check", SPEC, "--variant", "accept-threshold-high", "--liveness", "CorrLtl",
                     "--out", str(tmp_path / "lasso"))
    assert code == 1 and {p.name for p in (tmp_path / "lasso").iterdir()} >= {"trace.itf.json", "msc.dot"}
    trace = tmp_path / "lasso" / "trace.itf.json"
    meta = json.loads(trace.read_text())["#meta"]
    assert (meta["loop"], meta["property"], meta["fairness"]) == (3, "CorrLtl", "declared")
    code, out, _ = run(capsys, "replay", str(trace), "--spec", f"{BYZ}:AcceptOnMore")
    assert code == 0 and "the behaviour violates CorrLtl under its fairness" in out
    code, out, _ = run(capsys, "replay", str(trace), "--spec", SPEC)  # with N - T the correct ECHOs suffice
    assert code == 1 and "never taken: not a fair behaviour" in out
    code, out, _ = run(capsys, "check", NOBCAST, "--variant", "echo-threshold-low", "--out", str(tmp_path / "cex"))
    code, out, _ = run(capsys, "replay", str(tmp_path / "cex" / "trace.itf.json"), "--spec", f"{BYZ}:EchoOnFewer")
    assert code == 0 and "the last state violates Unforg" in out


def test_bcast_byz_graph_list_and_hypothesis(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "graph", SPEC, "--n", "1", "--t", "0", "--f", "0", "--out", str(tmp_path / "g"))
    assert code == 0 and "BcastByz n=1 t=0 f=0: 4 states, 2 edges (self-loops omitted)" in out
    code, out, _ = run(capsys, "list", str(BYZ))
    assert code == 0 and "--t              the resilience: at most T faulty processes, N > 3T (T) (default 1)" in out
    fast = settings(max_examples=30, stateful_step_count=10, derandomize=True, database=None, deadline=None)
    run_spec(load_user_spec(SPEC)(), settings=fast)
    with pytest.raises(InvariantViolation) as found:
        run_spec(load_user_spec(f"{BYZ}:TooManyFaulty")(n=4, t=1, f=2), settings=fast)
    assert found.value.invariant == "Unforg"


# -- bosco -----------------------------------------------------------------------------------------------

BOSCO = USER / "bosco.py"
BSPEC = f"{BOSCO}:Bosco"


def test_bosco_counts_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    """TLC 2.20 on bosco.tla (TypeOK, Lemma3_0 .. Lemma4_1; bosco_*.cfg): N=2 118 / 588 / 5, N=1 8 / 18 / 3
    (N=3 T=0 F=0 7,568 / 85,304 / 7 in the slow test). One step per r and per disjunct that holds, as TLC."""
    assert figures(capsys, BSPEC, "--n", "2", "--t", "0", "--f", "0") == (118, 588, 5)
    assert figures(capsys, BSPEC, "--n", "1", "--t", "0", "--f", "0") == (8, 18, 3)


@pytest.mark.slow
def test_bosco_three_correct_processes(capsys: pytest.CaptureFixture) -> None:
    obj = check_report(capsys, BSPEC, "--n", "3", "--t", "0", "--f", "0")
    assert (obj["verdict"], obj["distinct_states"], obj["states_generated"], obj["depth"]) == ("ok", 7568, 85304, 7)


@pytest.mark.slow
def test_bosco_cfg_under_symmetry(capsys: pytest.CaptureFixture) -> None:
    """bosco.cfg's bounds (N=4, T=1, F=1) with TLC's SYMMETRY Permutations(Corr) \\cup Permutations(Faulty)
    (MCbosco411Sym.cfg, 4 min in TLC): 181,640 / 4,949,906 / 10. Minutes here (429 s at load 6)."""
    assert figures(capsys, BSPEC, "--symmetry") == (181640, 4949906, 10)


def test_bosco_symmetry_over_the_correct_and_the_faulty_processes_apart(capsys: pytest.CaptureFixture) -> None:
    """TLC 2.20 with SYMMETRY Permutations(Corr) \\cup Permutations(Faulty) over model values (MCboscoSym.tla,
    MCboscoTooManyFaultySym.tla): N=3 T=0 F=0 1,384 / 15,604 / 7; the faulty-beyond-t model N=3 T=0 F=1 (two
    correct processes, one faulty; TypeOK only) 1,072 / 13,040 / 5, and 2,098 / 25,532 / 5 without symmetry."""
    assert figures(capsys, BSPEC, "--n", "3", "--t", "0", "--f", "0", "--symmetry") == (1384, 15604, 7)
    tmf = ("--variant", "faulty-beyond-t", "--n", "3", "--t", "0", "--f", "1", "--no-invariants")
    assert figures(capsys, BSPEC, *tmf) == (2098, 25532, 5)
    assert figures(capsys, BSPEC, *tmf, "--symmetry") == (1072, 13040, 5)


def test_a_symmetry_across_correct_and_faulty_processes_is_refused(capsys: pytest.CaptureFixture) -> None:
    """Renaming over all of P (AcrossRoles) would merge a correct process with a faulty one: one line, exit 2. The
    same on any machine: the preflight walked its states for half a CPU second, and a loaded one passed it."""
    code, out, err = run(capsys, "check", f"{BOSCO}:AcrossRoles", "--symmetry")  # N=4 T=1 F=1
    assert code == 2 and out == ""
    assert one_error_line(err).startswith("paxraft check: error: AcrossRoles: permute is not a symmetry of the model")
    with pytest.raises(SpecContractError, match="^AcrossRoles: permute is not a symmetry of the model"):
        preflight(load_user_spec(f"{BOSCO}:AcrossRoles")(), symmetry=True, seconds=0.0)


def test_bosco_planted_bugs(capsys: pytest.CaptureFixture) -> None:
    """TLC 2.20: one-step-threshold-low (boscoOneStepOnFewer.tla, OneStep200.cfg) and faulty-beyond-t
    (MCboscoTMF301Lemma.cfg) both break Lemma3_0 in 4 steps: two correct processes decide 0 and 1."""
    low = ("--variant", "one-step-threshold-low", "--n", "2", "--t", "0", "--f", "0")
    code, out, _ = run(capsys, "check", BSPEC, *low)
    assert code == 1 and "invariant Lemma3_0 is violated; shortest counterexample: 4 steps" in out
    code, out, _ = run(capsys, "check", BSPEC, "--variant", "faulty-beyond-t", "--n", "3", "--t", "0", "--f", "1")
    assert code == 1 and "invariant Lemma3_0 is violated; shortest counterexample: 4 steps" in out
    code, _, err = run(capsys, "check", BSPEC, "--n", "3", "--t", "0", "--f", "1")
    assert code == 2 and one_error_line(err) == "paxraft check: error: bosco assumes T >= F, got --t 0 --f 1"
    code, out, _ = run(capsys, "variants", "--spec", str(BOSCO), "--check")
    assert code == 0 and "every entry agrees" in out


def test_bosco_one_step_needs_more_than_seven_t_processes(capsys: pytest.CaptureFixture) -> None:
    """OneStep0 (a property of the initial states proposing 0 only: the invariant of BoscoAllZero; TLC,
    MCboscoOneStep.tla: the text's PROPERTY OneStep0 holds on Spec at N=3 T=0, and the invariant form there is
    946 / 10,663 / 7) holds with more than 7T processes and, as bosco.tla's comment says, not with N = 4, T = 1:
    violated in 3 steps (F=1) and 4 (F=0), as TLC's OneStep0Inv_411/410.cfg."""
    zero = f"{BOSCO}:BoscoAllZero"
    assert figures(capsys, zero, "--n", "3", "--t", "0", "--f", "0") == (946, 10663, 7)
    for f, steps in (("1", 3), ("0", 4)):
        code, out, _ = run(capsys, "check", zero, "--f", f)
        assert code == 1 and f"invariant OneStep0 is violated; shortest counterexample: {steps} steps" in out


# -- bcastFolklore ---------------------------------------------------------------------------------------

FOLK = USER / "bcast_folklore.py"
FSPEC = f"{FOLK}:BcastFolklore"


def test_folklore_counts_and_liveness_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    """TLC 2.20, N=3 T=1 F=1 (bcastFolklore3.cfg: TypeOK, UnforgLtl CorrLtl RelayLtl ReliableChan; Folk3All.cfg:
    ReliableChanAll, every sender): 3,700 / 36,224 / 7, every property holds; with SYMMETRY Permutations(Proc)
    (MCbcastFolkloreSym.cfg, the processes as model values) 675 / 6,797 / 7. SpecNoBcast with Unforg
    (Folk3NoBcast.cfg): 4 / 13 / 2. bcastFolklore.cfg itself (N=4) takes TLC 30 minutes: not run."""
    assert figures(capsys, FSPEC) == (3700, 36224, 7)
    assert figures(capsys, FSPEC, "--symmetry") == (675, 6797, 7)  # MCbcastFolkloreSym.cfg: Corr renamed too
    assert figures(capsys, f"{FOLK}:FolkloreNoBcast") == (4, 13, 2)
    code, out, _ = run(capsys, "check", FSPEC, "--liveness")
    assert code == 0 and out.count("holds under this fairness.") == 5, out
    assert "Fairness: WF(UponV1 \\/ UponAccept \\/ Receive)" in out


def test_folklore_planted_bugs(capsys: pytest.CaptureFixture) -> None:
    """TLC 2.20 on the variants' files: accept-without-echo (Folk1Nothing.cfg) Unforg in 1 step; accept-threshold-
    high (Folk3Two_*.cfg) 3,700 / 34,592 / 7, RelayLtl violated (a prefix then stuttering), CorrLtl and
    ReliableChanAll hold; crash-unsends (Folk3Unsends_*.cfg) deadlocks after 4 steps, and with -deadlock
    3,400 / 23,444 / 7, CorrLtl holds, RelayLtl and ReliableChanAll violated."""
    code, out, _ = run(capsys, "check", f"{FOLK}:FolkloreNoBcast", "--variant", "accept-without-echo", "--n", "1",
                       "--t", "0", "--f", "0")
    assert code == 1 and "invariant Unforg is violated; shortest counterexample: 1 step" in out
    assert figures(capsys, FSPEC, "--variant", "accept-threshold-high") == (3700, 34592, 7)
    code, out, _ = run(capsys, "check", FSPEC, "--variant", "accept-threshold-high", "--liveness", "RelayLtl")
    assert code == 1 and "property RelayLtl is violated: a fair behaviour of 4 steps that then stutters for ever" in out
    assert figures(capsys, FSPEC, "--variant", "crash-unsends") == (3400, 23444, 7)
    code, out, _ = run(capsys, "check", FSPEC, "--variant", "crash-unsends", "--deadlock")
    assert code == 1 and "deadlock reached after 4 steps" in out
    code, out, _ = run(capsys, "check", FSPEC, "--variant", "crash-unsends", "--liveness")
    assert code == 1 and "Property CorrLtl holds under this fairness." in out
    assert "property RelayLtl is violated: a fair behaviour of 2 steps that then stutters for ever" in out
    assert out.count("property ReliableChan_p") == 3
    code, out, _ = run(capsys, "variants", "--spec", str(FOLK), "--check")
    assert code == 0 and "every entry agrees" in out


def test_folklore_with_one_process_fair(capsys: pytest.CaptureFixture) -> None:
    """fair-p1-only, WF over p1's steps alone (TLC: MCbcastFolkloreP1.tla, FolkP1_*.cfg): CorrLtl violated by
    p1 crashing and the rest stopping (1 step, as TLC's), RelayLtl and ReliableChanAll violated too."""
    code, out, _ = run(capsys, "check", f"{FOLK}:FairP1Only", "--liveness")
    assert code == 1 and "Fairness: WF(UponV1 \\/ UponAccept \\/ Receive with p=p1)" in out
    assert "property CorrLtl is violated: a fair behaviour of 1 step that then stutters for ever" in out
    assert "\n  2. UponCrash(p=p1, msgs={})\n" in out
    assert "property RelayLtl is violated: a fair behaviour of 2 steps" in out and "holds" not in out


# -- refinement, the explorer, the proof commands ------------------------------------------------------


def test_bcast_byz_refines_a_plain_broadcast(capsys: pytest.CaptureFixture) -> None:
    """EchoQuorum (in bcast_byz.py): a correct process accepts only after N - 2T correct ones echoed. bcastByz
    implements it (N=3 T=0: 487 transitions, TLC's 495 generated less the 8 initial states; bcastByz.cfg in the
    slow test); with F = T + 1 faulty processes the second step already accepts on one correct ECHO."""
    code, out, _ = run(capsys, "refine", SPEC, "EchoQuorum", "--n", "3", "--t", "0", "--f", "0")
    assert code == 0 and "BcastByz implements EchoQuorum." in out
    assert "112 distinct BcastByz states, 487 transitions checked (112 map to stutters), 15 distinct" in out
    code, out, _ = run(capsys, "refine", NOBCAST, "--variant", "faulty-beyond-t", "EchoQuorum", "--f", "2")
    assert code == 1 and "refinement fails at state 3 (step 2): UponAcceptNotSentBefore(p=p2, good={p1}, " \
                         "bad={p3, p4}) maps to no step of EchoQuorum: Corr = {p1, p2}; echoed = {p1}" in out


def test_the_explorer_steps_with_set_parameters(capsys: pytest.CaptureFixture) -> None:
    """bosco's r and bcastByz's good/bad are sets: each step's URL writes them as Python literals."""
    session = Session(load_user_spec(BSPEC)(n=2, t=0, f=0))
    view = session.view("Init(2)/UponV1(0,set())/Receive(1,{(0,1)})")
    assert view["path"] == "Init(2)/UponV1(0,set())/Receive(1,{(0,1)})" and view["inits"]["count"] == 4
    assert [e["label"] for e in view["enabled"]][-1] == "Receive(p=p2, r={ECHO1(p1)})"
    server = serve_in_thread(Session(load_user_spec(SPEC)()))
    try:
        status, body = _get(server.url + "api/state?path=Init(63)/UponV1(2,set(),{0})")  # p1 is faulty there
        inits = json.loads(body)["inits"]
        assert status == 200 and (inits["count"], inits["current"]) == (64, 63)
        status, body = _get(server.url + "api/state?path=Init(3)/UponV1(2,frozenset(),set())")
        assert status == 200  # a frozenset as Python prints it is the set the link writes set() (newuser11)
        status, body = _get(server.url + "api/state?path=Init(3)/UponV1(2,frozenset(x),set())")
        assert status == 400 and "are not Python literals" in json.loads(body)["error"]
    finally:
        server.shutdown()
        server.server_close()


def test_the_proof_commands_refuse_in_one_line(capsys: pytest.CaptureFixture) -> None:
    for cmd, needle in [("infer", "no Z3 encoding declared for BcastByz"), ("bmc", "no Z3 encoding of spec 'BcastByz'"),
                        ("prove", "no Z3 encoding declared for BcastByz")]:
        code, out, err = run(capsys, cmd, SPEC, *(["--depth", "5"] if cmd == "bmc" else []))
        assert code == 2 and out == "" and needle in one_error_line(err), (cmd, err)


def test_folklore_a_lasso_with_a_real_loop_replays_and_its_fairness_is_judged(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    """receive-forgets (Receive may drop what was received; TLC: bcastFolkloreReceiveForgets.tla, FolkForgets_*.cfg,
    3,700 / 74,792 / 7, CorrLtl holds, RelayLtl and ReliableChanAll violated by a loop, not by stuttering): under
    the text's one WF over every process, one process receiving and forgetting for ever is fair; under a WF per
    process (ForgetsFairEach, FolkForgetsEach_*.cfg: the same verdicts) the loop must let each process step."""
    assert figures(capsys, f"{FOLK}:ReceiveForgets") == (3700, 74792, 7)
    forgets = f"{FOLK}:ReceiveForgets"
    code, out, _ = run(capsys, "check", forgets, "--liveness", "RelayLtl", "--out", str(tmp_path / "l"))
    assert code == 1 and "a fair behaviour of 1 step that then loops (2 steps) without reaching the goal" in out
    trace = str(tmp_path / "l" / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FOLK}:ReceiveForgets")
    assert code == 0 and "the loop closes: the last state is state 2 again; the behaviour violates RelayLtl" in out
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FOLK}:ForgetsFairEach")
    assert code == 1 and "WF(UponV1 \\/ UponAccept \\/ Receive with p=p2) is enabled throughout the loop but never " \
                         "taken: not a fair behaviour" in out
    code, out, _ = run(capsys, "replay", trace, "--spec", FSPEC)  # forgetting is no step of the text
    assert code == 1 and "FAIL state 4: Receive(p=p1, msgs={}): not a step of the model" in out
    code, out, _ = run(capsys, "check", f"{FOLK}:ForgetsFairEach", "--liveness")
    assert code == 1 and "Property CorrLtl holds under this fairness." in out
    assert "property RelayLtl is violated: a fair behaviour of 1 step that then loops (6 steps)" in out
