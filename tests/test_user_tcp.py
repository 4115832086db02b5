"""tlaplus/Examples' tcp (RFC 9293's connection state machine) written from scratch as a user would
(tests/user_specs/tcp_connection.py; tests/user_specs/tcp/ holds the TLA+ and the cfgs TLC ran): TLC's counts, the
liveness verdict of MCtcp.cfg's Prop, and a planted bug's violation on TLC's trace with TLC's counts at the stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import VIOLATION, check
from modelcheck.engine.coordinator import search
from modelcheck.engine.liveness import check_liveness
from spec.registry import load_user_module, load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "tcp_connection.py"
MCtcp = load_user_spec(f"{FILE}:MCtcp")
NoOpen = load_user_spec(f"{FILE}:MCtcpNoOpen")
NoAck = load_user_spec(f"{FILE}:SilentSynAck")
in_tlc_order = load_user_module(str(FILE.parent / "tlc_order.py")).in_tlc_order

# TLC 2.20 -workers 1 (tests/user_specs/tcp): MCtcp.cfg 1,182 distinct / 6,322 generated / depth 14, Prop holds, no
# deadlock; MCtcpSymmetry.cfg (MCtcp's SYMMETRY Symmetry, which MCtcp.cfg comments out for liveness, without Prop)
# 598 / 3,196 / 14. MCtcp's ACTION_CONSTRAINT SingleActiveOpen forbids ACTIVE_OPEN, PASSIVE_OPEN and SEND: TLC
# generates those steps, checks their successors' invariants and discards them, as it does a successor outside the
# CONSTRAINT, and so does paxraft's MCtcp (its successors are Discarded, which the constraint refuses).
# MCtcpNoOpen.cfg (Next without the three disjuncts) 1,182 / 3,858 / 14; MCtcpNoOpenDeadlock.cfg (the same checking
# deadlock): "Deadlock reached", CLOSE_LISTEN(B,A) then CLOSE_SYN_SENT(A,B), 65 distinct, 103 generated, depth 4 at
# the stop. MCtcpNoAck.cfg (the planted bug, as MCtcp.cfg checks MCtcp): "Invariant Inv is violated", Listen(B,A)
# then SynSentNoAck(A,B), 13 distinct and 15 generated at the stop. MCtcpSystemFair.cfg (MCtcp without the fairness
# of CLOSE_SYN_SENT): "Temporal properties were violated", CLOSE_LISTEN(B,A) then stuttering.


def test_counts_are_tlcs_with_its_action_constraint_and_without_those_actions() -> None:
    for spec, counts, reduced in ((MCtcp(), (1_182, 6_322, 14), (598, 3_196, 14)),
                                  (NoOpen(), (1_182, 3_858, 14), (598, 1_952, 14))):
        r = check(spec, check_deadlock=spec.name == "MCtcp")  # TLC counts a discarded step as a successor
        assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *counts)
        r = check(spec, symmetry=True, trust_symmetry=spec.name != "MCtcp")  # one permute, verified once
        assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *reduced)


def test_prop_holds_under_mctcps_fairness_and_not_without_close_syn_sents() -> None:
    _, results = check_liveness(MCtcp())
    assert {r.property: r.holds for r in results} == {"Prop(A)": True, "Prop(B)": True}
    _, results = check_liveness(load_user_spec(f"{FILE}:NoCloseFairness")())
    assert {r.property: r.holds for r in results} == {"Prop(A)": False, "Prop(B)": False}
    lasso = results[0].lasso  # TLC's: B closes its listen, then A waits in SYN-SENT for ever
    assert lasso is not None and lasso.stutters
    assert [(st.label.name, st.label.params) for st in lasso.prefix[1:]] == [("CLOSE_LISTEN", (1, 0))]


def tlc_order(spec: Any, s: Any) -> list[tuple[str, tuple]]:
    """MCtcp's Next as TLC tries it: System, Reset, then User, each ``\\E local, remote \\in Peers`` (local varies
    fastest) over its disjuncts in the text's order (for MCtcpNoOpen, User without its three opens)."""
    pairs = [(local, remote) for remote in (0, 1) for local in (0, 1) if local != remote]
    system = ("SynSent", "SynReceived", "Listen", "Established", "FinWait1", "FinWait2", "Closing", "LastAck",
              "TimeWait", "Note2")
    user = ("ACTIVE_OPEN", "PASSIVE_OPEN", "CLOSE_SYN_SENT", "CLOSE_SYN_RECEIVED", "CLOSE_LISTEN", "CLOSE_ESTABLISHED",
            "CLOSE_CLOSE_WAIT", "SEND")
    if not isinstance(spec, MCtcp):  # MCtcpNoOpen
        user = tuple(name for name in user if name not in ("ACTIVE_OPEN", "PASSIVE_OPEN", "SEND"))
    out = [(name, p) for p in pairs for name in system]
    out += [("Note3", (*p, how)) for p in pairs for how in range(3)]
    return out + [(name, p) for p in pairs for name in user]


def test_the_planted_bug_breaks_inv_where_tlc_finds_it() -> None:
    r = check(NoAck())
    assert (r.verdict, r.violated, len(r.trace) - 1) == (VIOLATION, "Inv", 2)
    assert [(st.label.name, st.label.params) for st in r.trace[1:]] == [("Listen", (1, 0)), ("SynSent", (0, 1))]
    r = check(in_tlc_order(NoAck, tlc_order)())
    assert (r.violated, r.distinct_states, r.states_generated, r.depth) == ("Inv", 13, 15, 3)


def test_the_planted_bug_as_a_catalogued_variant(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "variants", "--check", "--spec", str(FILE))
    assert code == 0 and "no-ack" in out and "Inv, 2 steps" in out and "every entry agrees" in out
    assert "no-close-fairness" in out and "Prop(A), 1 step" in out


def test_list_names_what_liveness_checks_and_symmetry_renames(capsys: pytest.CaptureFixture[str]) -> None:
    """``list`` named the invariants only: a user never learnt from it that MCtcp declares Prop, nor the Peers."""
    code, out, _ = run(capsys, "list", f"{FILE}:MCtcp")
    assert code == 0 and "    checks: invariants TypeOK, Inv\n    at the default bounds: properties Prop(A), Prop(B) " \
        "(--liveness); symmetric sets Peers (--symmetry)\n" in out


@pytest.mark.parametrize("workers", [1, 2])
def test_a_deadlock_stops_where_tlcs_does_with_tlcs_depth(workers: int) -> None:
    """MCtcpNoOpen, without SingleActiveOpen's steps, deadlocks once both peers are CLOSED. TLC finds it on expanding
    that state of level 3, after the level's earlier states have stored states of level 4: its depth is 4, the deepest
    level stored so far, as at any other stop (paxraft said 3, the deadlocked state's level)."""
    spec = in_tlc_order(NoOpen, tlc_order)()
    r = check(spec, check_deadlock=True) if workers == 1 else search(spec, workers=2, check_deadlock=True)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("deadlock", 65, 103, 4)
    assert [(st.label.params[0], st.label.params[1]) for st in r.trace[1:]] == [
        ("CLOSE_LISTEN", (1, 0)), ("CLOSE_SYN_SENT", (0, 1))]


def test_a_spec_in_tlcs_order_runs_from_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """MCtcp declares fairness naming its actions, which in_tlc_order leaves out of Next: the command line refused
    the class ("names unknown action(s) SynSent, ...") where Python's check ran it."""
    f = tmp_path / "tcp_tlc.py"
    f.write_text(f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                 "from test_user_tcp import NoAck, in_tlc_order, tlc_order\n"
                 "NoAckTLC = in_tlc_order(NoAck, tlc_order)\n")
    code, out, _ = run(capsys, "check", f"{f}:NoAckTLC")
    assert code == 1 and "13 distinct states, 15 states generated, depth 3" in out
