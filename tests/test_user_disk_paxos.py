"""tlaplus/Examples' Disk Paxos (specifications/diskpaxos: Synod.tla, HDiskSynod.tla) written from scratch as a user
would (tests/user_specs/synod.py, hdisk_synod.py; tests/user_specs/DiskPaxos/ holds the TLA+ and the cfgs TLC 2.20
ran): TLC's counts, the refinement HDiskSynod => Synod, and a planted bug's verdicts with TLC's figures at the stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import VIOLATION, check
from modelcheck.engine.faults import preflight
from modelcheck.engine.refinement import check_refinement
from spec.refinements import refinement
from spec.registry import load_user_module, load_user_spec

HERE = Path(__file__).resolve().parent / "user_specs"
Synod = load_user_spec(f"{HERE / 'synod.py'}:Synod")
HDiskSynod = load_user_spec(f"{HERE / 'hdisk_synod.py'}:HDiskSynod")
MinorityRead = load_user_spec(f"{HERE / 'hdisk_synod.py'}:MinorityRead")
MCHDiskSynod = load_user_spec(f"{HERE / 'hdisk_synod.py'}:MCHDiskSynod")
in_tlc_order = load_user_module(str(HERE / "tlc_order.py")).in_tlc_order


def tlc_order(spec: Any, s: Any) -> list[tuple[str, tuple]]:
    """HNext's disjuncts as TLC takes them: ``\\E p \\in Proc : StartBallot(p) \\/ \\E d \\in Disk : (Phase0Read(p, d)
    \\/ Phase1or2Write(p, d) \\/ \\E q \\in Proc \\ {p} : Phase1or2Read(p, d, q)) \\/ EndPhase1or2(p) \\/ Fail(p) \\/
    EndPhase0(p)``, each witness in its set's order."""
    out: list[tuple[str, tuple]] = []
    for p in spec.Proc:
        out += [("StartBallot", (p, b)) for b in spec.Ballot[p]]
        for d in spec.Disk:
            out += [("Phase0Read", (p, d)), ("Phase1or2Write", (p, d))]
            out += [("Phase1or2Read", (p, d, q, b)) for q in spec.Proc if q != p for b in (0, *spec.Ballot[p])]
        out.append(("EndPhase1or2", (p,)))
        out += [("Fail", (p, ip)) for ip in spec.Inputs]
        out += [("EndPhase0", (p, b)) for b in spec.Ballot[p]]
    return out


def counts(r: Any) -> tuple:
    return r.verdict, r.distinct_states, r.states_generated, r.depth


def test_synod_alone_has_tlcs_counts() -> None:
    # MC_Synod.cfg 46 / 248 / 4; MC_SynodSym.cfg (SYMMETRY Permutations(Inputs)) 23 / 126 / 4
    assert counts(check(Synod(procs=2, inputs=2))) == ("ok", 46, 248, 4)
    assert counts(check(Synod(procs=2, inputs=2), symmetry=True)) == ("ok", 23, 126, 4)


def test_hdisk_synod_has_tlcs_counts_on_one_process() -> None:
    # MC_N1B1D1.cfg 60 / 190 / 10, MC_N1B2D1.cfg 190 / 638 / 14: HInv1-HInv6 hold
    assert counts(check(HDiskSynod(procs=1, ballots=1, disks=1))) == ("ok", 60, 190, 10)
    assert counts(check(HDiskSynod(procs=1, ballots=2, disks=1))) == ("ok", 190, 638, 14)


def test_a_subclass_leaves_an_invariant_out_by_setting_it_to_none() -> None:
    """MC_HDiskSynod.cfg checks HInv1-HInv4 and HInv6: ``HInv5 = None`` leaves HInv5 out (it was 'invariant HInv5
    raised TypeError: 'NoneType' object is not callable', exit 3), and the @explains of an invariant left out is no
    slip (it was refused as naming no invariant)."""
    spec = MCHDiskSynod(procs=1, ballots=2, disks=1)
    assert list(spec.invariants) == ["HInv1", "HInv2", "HInv3", "HInv4", "HInv6"]
    assert counts(check(spec)) == ("ok", 190, 638, 14)
    no_hinv4 = type("NoHInv4", (HDiskSynod,), {"HInv4": None})(procs=1, ballots=2, disks=2)  # why_hinv4 stays
    # MC_N1B2D2NoHInv4.cfg: with majorities that do not meet, one process outputs two values: "Invariant HInv6 is
    # violated", 11 states; 1,375 distinct, 4,323 generated, depth 11 at the stop (one process: TLC's order is ours)
    preflight(no_hinv4)  # what `paxraft check` runs first: it refused why_hinv4's @explains("HInv4")
    r = check(no_hinv4)
    assert (r.violated, len(r.trace) - 1, r.distinct_states, r.states_generated, r.depth) == ("HInv6", 10, 1_375,
                                                                                               4_323, 11)


def test_majorities_that_do_not_intersect_break_hinv4_as_in_tlc() -> None:
    """MC_HDiskSynod's IsMajorityImpl counts disks against N: with one process each of two disks is a majority, and
    the transcribed ASSUME (``S \\cup T # {}`` for the paper's ``\\cap``) lets it be. A process that fails and reads
    the other disk starts a lower ballot: HInv4, 6 steps; TLC (MC_N1B2D2.cfg) 211 distinct, 486 generated, depth 7."""
    r = check(HDiskSynod(procs=1, ballots=2, disks=2))
    assert (r.verdict, r.violated, len(r.trace) - 1) == (VIOLATION, "HInv4", 6)
    assert counts(r)[1:] == (211, 486, 7)
    assert [st.label.name for st in r.trace[1:]] == ["Phase0Read", "EndPhase0", "Phase1or2Write", "Fail",
                                                     "Phase0Read", "EndPhase0"]


def test_minority_read_breaks_hinv4_with_tlcs_stop_in_tlcs_order() -> None:
    # MinorityRead/MC_N2B1D2.cfg: "Invariant HInv4 is violated", 7 states; 246 distinct, 1,172 generated, depth 7
    r = check(MinorityRead(procs=2, disks=2))
    assert (r.violated, len(r.trace) - 1, r.distinct_states, r.states_generated) == ("HInv4", 6, 268, 1_238)
    r = check(in_tlc_order(MinorityRead, tlc_order)(procs=2, disks=2))
    assert (r.violated, len(r.trace) - 1, r.distinct_states, r.states_generated, r.depth) == ("HInv4", 6, 246, 1_172, 7)


def test_the_catalog_entry_agrees(capsys: Any) -> None:
    code, out, _ = run(capsys, "variants", "--spec", str(HERE / "hdisk_synod.py"), "--check")
    assert code == 0 and "minority-read  HInv4, 6 steps" in out and "every entry agrees" in out


def test_variants_of_a_variant_class_is_that_variant(capsys: Any) -> None:
    """``--spec FILE.py:MinorityRead`` named a variant and was told "no variants of ...: a variant is a subclass of
    a spec that sets `variant = NAME`" (exit 2), of a class that is one."""
    code, out, err = run(capsys, "variants", "--spec", f"{HERE / 'hdisk_synod.py'}:MinorityRead", "--check")
    assert (code, err) == (0, "") and "HDiskSynod  minority-read  HInv4, 6 steps" in out and "agrees" in out


def test_variants_of_a_class_says_how_to_check_them_again(capsys: Any) -> None:
    """For ``--spec FILE.py:Class`` the table's last lines said ``paxraft variants --check``, which checks the
    registered specs' catalog, not this file's, and ``paxraft check SPEC``."""
    ref = f"{HERE / 'hdisk_synod.py'}:HDiskSynod"
    code, out, _ = run(capsys, "variants", "--spec", ref)
    assert code == 0 and f"'paxraft variants --spec {ref} --check [NAME...]' re-runs them" in out
    assert f"'paxraft check {ref} --variant NAME' runs one variant" in out


def test_list_names_the_refinements_with_the_command(capsys: Any) -> None:
    """``list`` said nothing of ``@refines``: a user learnt what ``refine`` takes only from its error."""
    code, out, _ = run(capsys, "list", str(HERE / "hdisk_synod.py"))
    ref = f"{HERE / 'hdisk_synod.py'}:HDiskSynod"
    assert code == 0 and f"    refines Synod, SynodAsTranscribed: paxraft refine {ref} Synod\n" in out
    code, out, _ = run(capsys, "list", "paxos")
    assert "    refines voting: paxraft refine paxos voting\n" in out


def refine(spec: Any, abstract: str) -> Any:
    return check_refinement(spec, *refinement(spec, abstract))


def test_hdisk_synod_refines_synod_and_not_synod_as_transcribed() -> None:
    res = refine(HDiskSynod(procs=1, ballots=2, disks=1), "Synod")
    assert (res.holds, res.distinct_states, res.transitions, res.stutters, res.abstract_states) == (True, 190, 636,
                                                                                                     420, 16)
    # AsTranscribed/MC_RefinesN2B1D2.cfg: "Action property ... of module Synod is violated", 2 states
    res = refine(HDiskSynod(procs=2, disks=2), "SynodAsTranscribed")
    assert (res.holds, res.failing_step, res.trace[-1].label.name) == (False, 1, "Fail")


@pytest.mark.slow
def test_two_processes_have_tlcs_counts() -> None:
    # MC_N2B1D2.cfg 27,178 / 239,642 / 30 (TLC 5 s); MC_SymN2B1D2.cfg (SYMMETRY Sym, disks as model values) 7,270 /
    # 64,178 / 30; MC_RefinesN2B1D2.cfg: the refinement holds on the same 27,178 states
    assert counts(check(HDiskSynod(procs=2, disks=2))) == ("ok", 27_178, 239_642, 30)
    assert counts(check(HDiskSynod(procs=2, disks=2), symmetry=True)) == ("ok", 7_270, 64_178, 30)
    res = refine(HDiskSynod(procs=2, disks=2), "Synod")
    assert (res.holds, res.distinct_states, res.transitions + 4) == (True, 27_178, 239_642)


@pytest.mark.slow
def test_minority_read_breaks_the_refinement_with_tlcs_stop() -> None:
    # MinorityRead/MC_RefinesN2B1D2.cfg: the action property fails at state 19; 45,841 distinct, 313,504 generated
    res = refine(MinorityRead(procs=2, disks=2), "Synod")
    assert (res.holds, res.failing_step, res.trace[-1].label.name) == (False, 18, "EndPhase1or2")
    res = refine(in_tlc_order(MinorityRead, tlc_order)(procs=2, disks=2), "Synod")
    assert (res.holds, res.failing_step, res.distinct_states, res.transitions + 4) == (False, 18, 45_841, 313_504)


@pytest.mark.slow
def test_two_ballots_each_have_tlcs_counts() -> None:
    # MC_N2B2D2.cfg: 616,064 / 5,835,800 / 48 (TLC 78 s; paxraft 77 CPU s at load 5-7, 2026-12-05)
    assert counts(check(HDiskSynod(procs=2, ballots=2, disks=2))) == ("ok", 616_064, 5_835_800, 48)


def test_explore_says_a_trace_was_made_by_a_variant(capsys: Any, tmp_path: Path) -> None:
    """A variant's counterexample opened on its base class: replay said who made it, explore only 'step 6:
    EndPhase1or2(0) is not enabled ...'."""
    code, _, _ = run(capsys, "check", f"{HERE / 'hdisk_synod.py'}:HDiskSynod", "--variant", "minority-read",
                     "--out", str(tmp_path / "cex"), "--quiet")
    assert code == 1
    code, out, err = run(capsys, "explore", f"{HERE / 'hdisk_synod.py'}:HDiskSynod", "--trace",
                         str(tmp_path / "cex" / "trace.itf.json"), "--for", "0")
    assert (code, out) == (2, "") and len(err.strip().splitlines()) == 1
    assert "step 6: EndPhase1or2(0) is not enabled" in err
    assert f"(The trace was made by the variant minority-read, {HERE / 'hdisk_synod.py'}:MinorityRead; this ran " \
           "HDiskSynod procs=2 inputs=2 ballots=1 disks=2)" in err
