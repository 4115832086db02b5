"""The audit of Multi-Paxos traces with snapshots: compaction, snapshot install and restart from a snapshot are
mapped to MultiPaxos.tla (CompactLog, InstallSnapshot), so a cluster that compacts is fully explained, and a
snapshot install that loses votes is stopped at its HandleSnapshot event."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from impl.multipaxos.core import LEADER, MultiPaxosNode
from impl.multipaxos.votes import Votes
from impl.raft.core import Snapshot
from impl.sim.multipaxos import DEFAULT_CONFIG, MultiPaxosSimCluster
from modelcheck.audit.tracefile import TraceError
from modelcheck.cli import main
from modelcheck.harness import AuditStop, KVHistoryRun, MultiPaxosOnlineAudit, write_traces
from spec.multipaxos import ACCEPT, ACCEPT_REPLY, INSTS

TRACED = replace(DEFAULT_CONFIG, trace=True)


class DropsVotesOnInstall(MultiPaxosNode):
    """Planted bug: installing a snapshot replaces the whole vote log, the votes cast above the snapshot too
    (an acceptor that forgets a vote lets a later phase 1 miss a chosen command)."""

    def _install(self, snap: Snapshot) -> None:
        if snap.index <= self.commit:
            return
        super()._install(snap)
        self.log = Votes([], snap.index, snap.term)
        self.log.dirty_from = snap.index + 1


class BuggyCluster(MultiPaxosSimCluster):
    node_class = DropsVotesOnInstall


def _audited_run(seed: int, cluster_class: type = MultiPaxosSimCluster, steps: int = 150, every: int = 5
                 ) -> tuple[Any, Counter]:
    """A client run with a snapshot every ``every`` applied slots, audited online; the events' actions counted."""
    audit = MultiPaxosOnlineAudit([1, 2, 3])
    seen: Counter = Counter()

    def on_event(rec: dict[str, Any]) -> None:
        seen[rec["action"]] += 1
        if rec["action"] == "Restart" and rec["state"].get("commitUpTo"):
            seen["Restart from a snapshot"] += 1
        if rec["action"] == "HandlePrepareReply" and (rec.get("recv") or {}).get("context"):
            seen["PrepareReply with a snapshot"] += 1
        audit(rec)

    run = KVHistoryRun(seed, cluster_class=cluster_class, on_event=on_event, config=TRACED, snapshot_every=every)
    run.run(steps)
    return run, seen


def test_a_compacting_cluster_is_fully_explained_online():
    _, seen = _audited_run(0)
    assert seen["CompactLog"] == 9 and seen["HandleSnapshot"] == 3 and seen["Restart from a snapshot"] == 1
    assert sum(seen.values()) == 731


def test_a_leader_that_hears_a_snapshot_in_phase_1_installs_it_and_is_explained():
    _, seen = _audited_run(10, steps=200, every=3)
    assert seen["PrepareReply with a snapshot"] == 1 and seen["HandlePrepareReplies"] > 0


@pytest.mark.slow
def test_ten_compacting_runs_are_fully_explained():
    total: Counter = Counter()
    for seed in range(10):
        total += _audited_run(seed)[1]
    assert total["CompactLog"] > 50 and total["HandleSnapshot"] > 30 and total["Restart from a snapshot"] > 5


def test_a_snapshot_install_that_drops_later_votes_is_stopped_at_handle_snapshot():
    with pytest.raises(AuditStop) as stop:
        _audited_run(1, BuggyCluster)
    f = stop.value.failure
    assert f.event.action == "HandleSnapshot" and f.index + 1 == 195
    assert "InstallSnapshot(r=node 1, n=5) leads to a different state" in str(stop.value)


def test_paxraft_audit_explains_recorded_traces_with_snapshots(tmp_path, capsys):
    run = KVHistoryRun(2, cluster_class=MultiPaxosSimCluster, config=TRACED, snapshot_every=5)
    run.run(150)
    files = write_traces(run.c, tmp_path)
    actions = Counter(json.loads(line).get("action") for f in files for line in Path(f).read_text().splitlines())
    assert actions["CompactLog"] > 0 and actions["HandleSnapshot"] > 0
    assert main(["audit", *files, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "ok" and out["audited"] == out["events"]


def test_a_snapshot_of_a_slot_past_the_bound_is_named():
    from modelcheck.audit.multipaxos_map import MultiPaxosMapping
    from modelcheck.audit.tracefile import Event

    m = MultiPaxosMapping([1, 2, 3], 4)
    e = Event(file="t", line=7, node=1, boot=0, clock=1, action="CompactLog", params={"slot": 9}, recv=None,
              sent=[], state={})
    with pytest.raises(TraceError, match="t:7: slot 9 is not one of 1..4"):
        m.explanations(e)


@pytest.mark.slow
def test_a_real_compacting_cluster_killed_under_load_is_fully_explained(tmp_path, capsys):
    """Three node processes, a snapshot every 50 slots, the leader then a follower killed (kill -9) under 400
    writes: every event of the three trace files is explained offline."""
    import asyncio
    import random

    from test_impl_cluster import _kill_under_load

    from impl.runtime import cluster
    from impl.trace import read_events

    cluster.start(tmp_path, 3, protocol="multipaxos", snapshot_every=50)
    try:
        acked = asyncio.run(_kill_under_load(tmp_path, ["leader", "follower"], 400, random.Random(3)))
    finally:
        cluster.stop(tmp_path)
    assert len(acked) == 400
    files = [str(p) for p in cluster.trace_files(tmp_path)]
    actions = Counter(e["action"] for f in files for e in read_events(f))
    assert actions["CompactLog"] >= 3 and actions["Restart"] >= 1
    assert main(["audit", *files, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "ok" and out["audited"] == out["events"] > 1000


def test_an_acceptor_that_acknowledges_slots_it_has_compacted_is_explained():
    """A follower that compacts at every applied slot, then a new leader whose phase 1 heard only the old
    leader (which never compacts): the new leader's Accepts re-propose slots the follower has already folded
    into its snapshot, and the follower's reply covers them without a vote in its log. The audit explains that
    by ``AckAccept`` (a vote for the command where the spec enables one); before it, the run was refused at
    that HandleAccept (seen in a real cluster's trace, test_impl_chunks, 2026-12-05)."""
    audit = MultiPaxosOnlineAudit([1, 2, 3])
    acks: list[tuple[int, int, int]] = []

    def on_event(rec: dict[str, Any]) -> None:
        audit(rec)
        for m in rec.get("sent", []):
            if rec["action"] == "HandleAccept" and m.get("type") == "AcceptReply" and m.get("slot"):
                acks.append((rec["node"], m["slot"], m.get("last", m["slot"]), m.get("bal")))

    c = MultiPaxosSimCluster(3, 0, config=TRACED, on_event=on_event)
    c.run(300)
    lead = c.leader()
    assert lead is not None
    follower, other = [i for i in c.ids if i != lead]
    c.replicas[follower].snapshot_every = 1
    c.partition((lead, follower), (other,))
    for k in range(6):
        c.write(1 + k % 3)
        c.run(20)
    offset = c.node(follower).log.offset
    assert offset >= 5 and c.node(lead).log.offset == 0
    acks.clear()
    c.partition((lead, other), (follower,))
    c.crash(lead)  # (a live leader keeps its lease: it would not promise)
    c.restart(lead)
    c.node(other)._campaign()  # a higher ballot, promised by the old leader alone
    c._process(other)
    while c.node(other).role != LEADER:
        c.run(1)
    c.crash(lead)  # before its vote: the new leader's Accepts need the compacting follower
    c.heal()
    c.run(300)
    below = [(lo, hi) for n, lo, hi, _ in acks if n == follower and lo <= offset]
    assert (lead, follower, other, offset, below) == (3, 1, 2, 7, [(2, 8)])  # slots 2..7 compacted, 8 a vote
    c.recover()  # every event explained: a refused one raises AuditStop

    # AckAccept is no licence: a vote it cannot be, or a reply never sent, is refused
    spec, (state,) = audit.mapping.spec, audit.hook.auditor.candidates
    r = audit.mapping.index[follower]
    slot = 8
    _, _, bal, cmd = state.node[r][INSTS][slot - 1]
    ballots = sorted({m[2] for m in state.msgs if m[0] == ACCEPT})
    same, other_cmd = (ACCEPT, audit.mapping.index[other], bal, slot, cmd), (ACCEPT, audit.mapping.index[other], bal,
                                                                             slot, cmd + 1)
    assert spec.AckAccept(state, r, same) is state  # voted so, and its reply is sent: nothing new
    assert spec.AckAccept(state._replace(msgs=state.msgs | {other_cmd}), r, other_cmd) is None  # voted otherwise
    assert spec.AckAccept(state._replace(msgs=state.msgs - {(ACCEPT_REPLY, r, bal, slot)}), r, same) is None
    lower = [b for b in ballots if b < bal]
    assert lower and all(spec.AckAccept(state, r, m) is None for m in state.msgs
                         if m[0] == ACCEPT and m[3] == slot and m[2] in lower)
