"""A new user's spec written from README.md and docs/ only (notes newuser4, 2026-12-04 night): the snapshot-isolated
key-value store of tlaplus/Examples (KeyValueStore.tla, and KVsnap.tla, its PlusCal version with ClientCentric's
isolation check), tests/user_specs/kv_snapshot.py, against TLC 2.20's figures on the TLA+ files beside it
(tests/user_specs/KeyValueStore/: MCKVS_KVT[s].cfg is Key = k1..kK, Val = v1..vV, TxId = t1..tT, s with
TxIdSymmetric; MCKVsnap_KT[s].cfg the same for KVsnap), through every feature."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import check_report, figures, run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.engine.liveness import check_property
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from modelcheck.output.itf import assert_replays
from spec.core import SF, WF, AlwaysEventually, Eventually, LeadsTo
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "kv_snapshot.py"
KVS, SNAP = f"{FILE}:KeyValueStore", f"{FILE}:KVsnap"

# TLC 2.20, -workers 1 (java -XX:+UseParallelGC -cp tla2tools.jar tlc2.TLC -workers 1 -config CFG MCKVS):
# (keys, vals, txs, symmetry) -> distinct, generated, depth
TLC_KVS = {
    (1, 1, 2, False): (96, 481, 12),
    (2, 2, 2, False): (28305, 314965, 17),
    (2, 2, 2, True): (14229, 158356, 17),
    (1, 2, 3, True): (690, 7129, 15),
}
TLC_KVS_SLOW = {
    (2, 1, 3, False): (209440, 2209009, 24),
    (2, 1, 3, True): (36720, 387577, 24),
}
# MCKVSSafetySmall.cfg (2 keys, 2 values, 3 transactions, no symmetry): 3,409,605 distinct, 56,349,379 generated,
# depth 23 in TLC's 3 min 21 s with one worker (not yet run by paxraft); MCKVSSafetyMedium (3, 3, 2, TxIdSymmetric)
# and Large (3, 2, 3, TxIdSymmetric) are beyond a test (TLC: more than 10 minutes; the Examples' manifest gives
# Large 7 hours).

# KVsnap (MCKVsnap.tla, INVARIANTS TypeOK SnapshotIsolation): (keys, txs, symmetry) -> distinct, generated, depth
TLC_SNAP = {
    (1, 2, False): (34, 51, 9),
    (2, 2, False): (2098, 3475, 9),
    (1, 3, False): (334, 610, 13),
    (1, 3, True): (69, 138, 13),
}
TLC_SNAP_SLOW = {
    (2, 3, True): (32293, 63082, 13),  # MCKVsnap.cfg itself
    (2, 3, False): (189664, 365596, 13),  # the same without its symmetry: TLC 2 min 45 s (55 CPU s), paxraft 5 s
}


def report(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> dict:
    return check_report(capsys, ref, *argv, codes=(0, 1))


def kvs_counts(keys: int, vals: int, txs: int, symmetry: bool) -> tuple[int, int, int]:
    r = check(load_user_spec(KVS)(keys=keys, vals=vals, txs=txs), symmetry=symmetry)
    assert r.verdict == "ok"
    return r.distinct_states, r.states_generated, r.depth


def snap_counts(keys: int, txs: int, symmetry: bool) -> tuple[int, int, int]:
    r = check(load_user_spec(SNAP)(keys=keys, txs=txs), symmetry=symmetry)
    assert r.verdict == "ok"
    return r.distinct_states, r.states_generated, r.depth


@pytest.mark.parametrize("bounds", sorted(TLC_KVS))
def test_key_value_store_counts_are_tlcs(bounds: tuple[int, int, int, bool]) -> None:
    assert kvs_counts(*bounds) == TLC_KVS[bounds]


@pytest.mark.parametrize("bounds", sorted(TLC_SNAP))
def test_kvsnap_counts_are_tlcs(bounds: tuple[int, int, bool]) -> None:
    assert snap_counts(*bounds) == TLC_SNAP[bounds]


@pytest.mark.slow
@pytest.mark.parametrize("bounds", sorted(TLC_KVS_SLOW))
def test_key_value_store_bigger_counts_are_tlcs(bounds: tuple[int, int, int, bool]) -> None:
    assert kvs_counts(*bounds) == TLC_KVS_SLOW[bounds]


@pytest.mark.slow
def test_per_key_updates_at_mckvsnap_bounds() -> None:
    """MCKVsnapPerKey_23s.cfg: TLC's 44,517 / 97,363 / 16 under TxIdSymmetric; MCKVsnapPerKey_23.cfg: 261,556 /
    565,558 / 16 without it, KVS!Spec holding (TLC 16 min 54 s niced, with ClientCentric's invariant)."""
    r = check(load_user_spec(f"{FILE}:KVsnapPerKey")(keys=2, txs=3), symmetry=True)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 44517, 97363, 16)
    from modelcheck.engine.refinement import check_refinement

    spec = load_user_spec(f"{FILE}:KVsnapPerKey")(keys=2, txs=3)
    abstract, mapping = spec.as_key_value_store()
    res = check_refinement(spec, abstract, mapping)
    assert (res.holds, res.distinct_states, res.transitions) == (True, 261556, 565557)


@pytest.mark.slow
@pytest.mark.parametrize("bounds", sorted(TLC_SNAP_SLOW))
def test_mckvsnap_cfg_counts_are_tlcs(bounds: tuple[int, int, bool]) -> None:
    assert snap_counts(*bounds) == TLC_SNAP_SLOW[bounds]


def test_engines_agree(capsys: pytest.CaptureFixture) -> None:
    bounds = ("--keys", "2", "--vals", "2", "--txs", "2")
    one = report(capsys, KVS, *bounds)
    assert figures(one) == TLC_KVS[2, 2, 2, False]
    # TLC's -coverage, distinct:total per disjunct of Next (Next is written action by action, so even the new
    # states' column is TLC's)
    tlc = {"OpenTx": (1539, 1818), "Add": (2832, 73056), "Update": (10128, 73056), "Remove": (12285, 73056),
           "RollbackTx": (0, 54792), "CloseTx": (1520, 39186)}  # fmt: skip
    assert {a: (c["new"], c["fired"]) for a, c in one["coverage"].items()} == tlc
    two = report(capsys, KVS, *bounds, "--workers", "2")
    assert figures(two) == figures(one) and two["coverage"] == one["coverage"]
    assert figures(report(capsys, KVS, *bounds, "--symmetry", "--workers", "2")) == TLC_KVS[2, 2, 2, True]
    dfs = report(capsys, SNAP, "--keys", "2", "--txs", "2", "--mode", "dfs")
    assert figures(dfs)[:2] == TLC_SNAP[2, 2, False][:2]
    sim = report(capsys, KVS, *bounds, "--mode", "simulate", "--walks", "20", "--depth", "30", "--seed", "1")
    assert sim["verdict"] == "ok" and sim["distinct_states"] <= TLC_KVS[2, 2, 2, False][0]


def test_left_out_and_restricted_rollback(capsys: pytest.CaptureFixture) -> None:
    """MCKVSNoRollback.tla: TLC's Next without RollbackTx is --without RollbackTx exactly (96 / 321 / 12); its
    ACTION_CONSTRAINT counts the discarded steps as generated (28,305 / 314,965 / 17), --restrict does not."""
    assert figures(report(capsys, KVS, "--keys", "1", "--vals", "1", "--without", "RollbackTx")) == (96, 321, 12)
    assert figures(report(capsys, KVS, "--restrict", "no-rollback")) == (28305, 314965 - 54792, 17)


def test_planted_bugs(capsys: pytest.CaptureFixture) -> None:
    obj = report(capsys, KVS, "--variant", "forget-missed", "--keys", "1", "--vals", "1", "--txs", "2")
    assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("violation", "TxLifecycle", 4)
    assert [s["action"] for s in obj["trace"]] == ["Init", "OpenTx", "OpenTx", "Add", "CloseTx"]
    obj = report(capsys, SNAP, "--variant", "blind-commit", "--keys", "1", "--txs", "2")
    assert (obj["violated"], obj["trace_length"]) == ("SnapshotIsolation", 8)
    obj = report(capsys, SNAP, "--variant", "serializable", "--txs", "2")  # write skew: MCKVsnap's Serialization
    assert (obj["violated"], obj["trace_length"]) == ("Serialization", 8)
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "every entry agrees" in out
    code, out, _ = run(capsys, "check", KVS, "--variant", "forget-missed", "--keys", "1", "--vals", "1")
    assert code == 1 and "--> TxLifecycle is false in this state: t2 is open and sees k1 = NoVal while the store " \
        "has v1, yet k1 is in neither written[t2] nor missed" in out  # fmt: skip
    code, out, _ = run(capsys, "check", KVS, "--reach", "WriteConflict", "--keys", "1", "--vals", "1")
    assert code == 0 and "Reached WriteConflict: shortest behaviour, 5 steps" in out
    code, out, _ = run(capsys, "check", KVS, "--reach", "snapshotStore['t2']['k1'] == 'v1' and store['k1'] == 'v1'",
                       "--keys", "1", "--vals", "1")  # fmt: skip
    assert code == 0 and "shortest behaviour, 4 steps" in out  # t1 closes, then t2 opens on its write


def test_liveness(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """TLC agrees (MCKVSLive_*.cfg, MCKVsnapLive.cfg): Ends holds under LiveSpec, fails under CloseOnlySpec;
    Termination holds (also at MCKVsnap.cfg's 3 transactions, MCKVsnapLive23.cfg: 189,664 states, 348,624 edges)."""
    bounds = ("--keys", "1", "--vals", "1", "--txs", "2")
    code, out, _ = run(capsys, "check", KVS, *bounds, "--liveness")
    assert code == 0 and out.count("holds under this fairness.") == 2 and "\n96 distinct states, 480 edges (" in out
    code, out, _ = run(capsys, "check", SNAP, "--keys", "2", "--txs", "2", "--liveness")
    assert code == 0 and "Property Termination holds under this fairness.\n2,098 distinct states, 3,150 edges" in out
    lasso = tmp_path / "lasso"
    code, out, _ = run(capsys, "check", KVS, *bounds, "--variant", "close-only-fair", "--liveness", "Ends1",
                       "--out", str(lasso))  # fmt: skip
    assert code == 1 and "property Ends1 is violated: a fair behaviour of 5 steps that then stutters for ever" in out
    code, out, _ = run(capsys, "replay", str(lasso / "trace.itf.json"), "--spec", f"{FILE}:CloseOnlyFair")
    assert code == 0, out
    code, out, _ = run(capsys, "replay", str(lasso / "trace.itf.json"), "--spec", KVS)  # RollbackTx is fair there
    assert code == 1, out
    spec = load_user_spec(KVS)(keys=1, vals=1, txs=2)
    r = check_property(
        spec, "Ends2", fairness=load_user_spec(f"{FILE}:CloseOnlyFair")(keys=1, vals=1, txs=2).fairness()
    )
    assert not r.holds and r.lasso is not None and (len(r.lasso.prefix), len(r.lasso.loop)) == (6, 0)


# MCKVSLive2.tla, MCKVSLive2_SPEC_PROPERTY.cfg (1 key, 1 value, 2 transactions): TLC's verdict for each fairness
# (a conjunction over t \in TxId) and property; Lands is (t \in tx /\ k \in written[t]) ~> (store[k] =
# snapshotStore[t][k] \/ t \notin tx), Quiesce []<>(tx = {}), SomeWrite <>(\E k : store[k] # NoVal)
TLC_LIVENESS = {
    "RollbackOnly": {"Ends": True, "Lands": True, "Quiesce": False, "SomeWrite": False},
    "SFClose": {"Ends": False, "Lands": False, "Quiesce": False, "SomeWrite": False},
    "LiveSpec": {"Ends": True, "Lands": True, "Quiesce": False, "SomeWrite": False},
    "SFCloseWFRollback": {"Ends": True, "Lands": True, "Quiesce": False, "SomeWrite": False},
    "AllFair": {"Ends": False, "Lands": False, "Quiesce": False, "SomeWrite": False},
}


def test_liveness_verdicts_are_tlcs() -> None:
    cls = load_user_spec(KVS)
    key, txs = (0,), (0, 1)
    props = {
        "Ends": [LeadsTo(lambda s, t=t: t in s.tx, lambda s, t=t: t not in s.tx) for t in txs],
        "Lands": [LeadsTo(lambda s, t=t, k=k: t in s.tx and k in s.written[t],
                          lambda s, t=t, k=k: s.store[k] == s.snapshotStore[t][k] or t not in s.tx)
                  for t in txs for k in key],
        "Quiesce": [AlwaysEventually(lambda s: not s.tx)],
        "SomeWrite": [Eventually(lambda s: any(x != -1 for x in s.store))],
    }  # fmt: skip

    class Props(cls):  # type: ignore[misc, valid-type]
        def properties(self) -> dict:
            return {f"{n}{i}": p for n, ps in props.items() for i, p in enumerate(ps)}

    spec = Props(keys=1, vals=1, txs=2)
    everything = ("OpenTx", "Add", "Update", "Remove", "RollbackTx", "CloseTx")
    fairness = {
        "RollbackOnly": [WF("RollbackTx", t=t) for t in txs],
        "SFClose": [SF("CloseTx", t=t) for t in txs],
        "LiveSpec": spec.fairness(),
        "SFCloseWFRollback": [f for t in txs for f in (SF("CloseTx", t=t), WF("RollbackTx", t=t))],
        "AllFair": [WF(*everything)],
    }
    got = {
        f: {n: all(check_property(spec, f"{n}{i}", fairness=fair).holds for i in range(len(props[n]))) for n in props}
        for f, fair in fairness.items()
    }
    assert got == TLC_LIVENESS


def test_per_key_updates_refine_at_two_keys(capsys: pytest.CaptureFixture) -> None:
    """KVsnapPerKey.tla (UPDATE one key per step; MCKVsnapPerKey_22.cfg checks KVS!Spec too): TLC's 2,686 / 4,843
    / 11 and the refinement holding, as here."""
    assert figures(report(capsys, f"{FILE}:KVsnapPerKey", "--txs", "2")) == (2686, 4843, 11)
    code, out, _ = run(capsys, "refine", f"{FILE}:KVsnapPerKey", "KeyValueStore", "--txs", "2")
    assert code == 0 and "KVsnapPerKey implements KeyValueStore" in out


def test_refinement(capsys: pytest.CaptureFixture) -> None:
    """TLC agrees (KVsnapKVS.tla: KVS!Spec under the same mapping): it holds with one key (KVsnapKVS_12.cfg,
    KVsnapKVS_13.cfg) and fails at state 4, UPDATE(t1), with two (KVsnapKVS_22.cfg)."""
    code, out, _ = run(capsys, "refine", SNAP, "KeyValueStore", "--keys", "1")
    assert code == 0 and "334 distinct KVsnap states, 609 transitions checked (183 map to stutters), 108 " \
        "distinct KeyValueStore states reached" in out  # fmt: skip
    code, out, _ = run(
        capsys, "refine", SNAP, "--variant", "blind-commit", "KeyValueStore", "--keys", "1", "--txs", "2"
    )
    assert code == 1 and "refinement fails at state 9 (step 8): COMMIT(t=t2) maps to no step of KeyValueStore" in out
    # with two keys KVsnap's UPDATE writes both at once, two steps of KeyValueStore: TLA+ says the same
    code, out, _ = run(capsys, "refine", SNAP, "KeyValueStore", "--keys", "2", "--txs", "2")
    assert code == 1 and "refinement fails at state 4 (step 3): UPDATE(t=t1) maps to no step of KeyValueStore" in out


def test_pictures_replay_graph_hypothesis_and_explorer(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    cex = tmp_path / "cex"
    code, out, _ = run(capsys, "check", KVS, "--variant", "forget-missed", "--keys", "1", "--vals", "1", "--txs", "2",
                       "--out", str(cex))  # fmt: skip
    assert code == 1 and {p.name for p in cex.iterdir()} >= {"trace.itf.json", "msc.dot", "table.dot"}
    trace = str(cex / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FILE}:ForgetMissed")
    assert code == 0 and "Every state follows; the last state violates TxLifecycle." in out
    code, out, _ = run(capsys, "replay", trace, "--spec", KVS)
    assert code == 1, out
    assert_replays(trace, spec_ref=f"{FILE}:ForgetMissed")
    code, out, _ = run(capsys, "graph", SNAP, "--keys", "1", "--txs", "2", "--out", str(tmp_path / "g"))
    assert code == 0 and "KVsnap keys=1 txs=2: 34 states" in out  # (dot takes 16 CPU s on KeyValueStore's 96)
    fast = settings(max_examples=20, stateful_step_count=20, derandomize=True, database=None, deadline=None)
    run_spec(load_user_spec(KVS)(), settings=fast)
    with pytest.raises(InvariantViolation) as found:
        run_spec(load_user_spec(f"{FILE}:ForgetMissed")(keys=1, vals=1, txs=2), settings=fast)
    assert found.value.invariant == "TxLifecycle"
    view = Session(load_user_spec(f"{FILE}:ForgetMissed")(keys=1, vals=1, txs=2)).view("OpenTx(0)/OpenTx(1)/Add(0,0,0)")
    assert [(e["label"], e["violates"]) for e in view["enabled"] if e["violates"]] == [("CloseTx(t=t1)", "TxLifecycle")]
