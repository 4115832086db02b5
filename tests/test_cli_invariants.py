"""``paxraft check --invariants I,J``: only the named invariants and action invariants are checked, as a TLC cfg
checks the INVARIANTS it names (newuser17's open item: a one-off subset needed a subclass). Counts are TLC's on
the cfgs in tests/user_specs/DiskPaxos/; the Raft fast path, which assumes its five invariants, steps aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelcheck.cli import main
from spec.model import Model
from spec.raft import Raft

USER = Path(__file__).resolve().parent / "user_specs"
HDISK = f"{USER / 'hdisk_synod.py'}:HDiskSynod"
N1B2D2 = ["--procs", "1", "--ballots", "2", "--disks", "2"]
COFFEE = f"{USER / 'coffee_can.py'}:CoffeeCan"


def _check(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["check", *argv, "--json", "--quiet"])
    return code, json.loads(capsys.readouterr().out)


def test_a_cfgs_invariants_give_tlcs_verdict_and_counts(capsys):
    # MC_N1B2D2.cfg (HInv1-HInv6): HInv4 first, 211 / 486 / 7 at TLC's stop (in TLC's order; ours 6 steps)
    code, full = _check(capsys, HDISK, *N1B2D2)
    assert (code, full["violated"], len(full["trace"]) - 1) == (1, "HInv4", 6)
    # MC_N1B2D2NoHInv4.cfg (INVARIANTS HInv1 HInv2 HInv3 HInv5 HInv6): TLC "Invariant HInv6 is violated",
    # 11 states, 1,375 distinct / 4,323 generated / depth 11
    for extra in ([], ["--workers", "2"]):
        code, out = _check(capsys, HDISK, *N1B2D2, "--invariants", "HInv1,HInv2,HInv3,HInv5,HInv6", *extra)
        assert (code, out["violated"], len(out["trace"]) - 1) == (1, "HInv6", 10)
        assert (out["distinct_states"], out["states_generated"], out["depth"]) == (1_375, 4_323, 11)


def test_an_action_invariant_is_chosen_or_left_out_by_name(capsys):
    code, out = _check(capsys, COFFEE, "--variant", "white-out")
    assert (code, out["violated"]) == (1, "LoopInvariant")
    code, out = _check(capsys, COFFEE, "--variant", "white-out", "--invariants", "TypeInvariant,MonotonicDecrease")
    assert (code, out["violated"], out["distinct_states"], out["states_generated"]) == (0, None, 65, 202)
    code, out = _check(capsys, COFFEE, "--variant", "white-out", "--invariants", "LoopInvariant")
    assert (code, out["violated"]) == (1, "LoopInvariant")


def test_the_trace_records_the_invariants_checked_and_replays(tmp_path, capsys):
    out = tmp_path / "cex"
    assert main(["check", HDISK, *N1B2D2, "--invariants", "HInv6", "--quiet", "--out", str(out)]) == 1
    text = capsys.readouterr().out
    assert "invariants=HInv6" in text.splitlines()[0] and "HInv6 is violated" in text
    meta = json.loads((out / "trace.itf.json").read_text())["#meta"]
    assert meta["model"]["invariants"] == ["HInv6"]
    assert main(["replay", str(out / "trace.itf.json"), "--spec", HDISK]) == 0
    assert "the last state violates HInv6" in capsys.readouterr().out


def test_rafts_fast_path_steps_aside_for_fewer_invariants(capsys):
    bounds = {"servers": 2, "values": 1, "max_term": 2, "max_log": 1}
    full, one = Model(Raft, bounds).build(), Model(Raft, bounds, invariants=("LogMatching",)).build()
    assert full._fast_invariants and full._may_cut and not one._fast_invariants and not one._may_cut
    assert list(one.invariants) == ["LogMatching"] and len(full.invariants) == 5
    argv = ["raft", "--servers", "2", "--values", "1", "--max-term", "2", "--max-log", "1"]
    for extra in ([], ["--invariants", "LogMatching"]):
        code, out = _check(capsys, *argv, *extra)
        assert (code, out["distinct_states"], out["states_generated"], out["depth"]) == (0, 1_760, 13_797, 28)


@pytest.mark.parametrize(("argv", "said"), [
    ([HDISK, "--invariants", "HInv7"], "HDiskSynod: --invariants names no invariant 'HInv7'; did you mean"),
    ([HDISK, "--invariants", "HInv1", "--no-invariants"], "--invariants names the invariants to check, "
                                                          "--no-invariants checks none"),
    ([HDISK, "--invariants", " , "], "--invariants names no invariant (give I,J"),
    ([COFFEE, "--invariants", "Nope"], "action invariants: MonotonicDecrease, LoopInvariant)"),
])
def test_a_wrong_invariants_flag_is_one_line(argv, said, capsys):
    assert main(["check", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert said in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_liveness_name_is_refused_not_taken_for_every_property(name, capsys):
    """``--liveness ""`` checked every property, as ``--liveness`` alone does (hostile9): a name given empty is a
    slip, one line, exit 2; ``--liveness`` alone still checks them all."""
    with pytest.raises(SystemExit) as exc:
        main(["check", COFFEE, "--liveness", name])
    assert exc.value.code == 2
    assert "argument --liveness: an empty name" in capsys.readouterr().err
    assert main(["check", COFFEE, "--liveness", "--quiet"]) == 0
    assert "All 2 properties checked hold under this fairness." in capsys.readouterr().out
