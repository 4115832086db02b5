"""Single-server membership changes in the Raft store (docs/membership.md): the core's rules, the snapshot's
configuration, a simulated cluster that adds and removes servers audited step by step, and the 2015 bug
(a change before the leader committed an entry of its term) caught by the audit at its event."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from impl.raft.core import Ready, Snapshot
from impl.raft.log import Entry
from impl.raft.membership import decode_config, encode_config, pack_snapshot, unpack_snapshot
from impl.raft.rules import bug
from impl.sim.cluster import DEFAULT_CONFIG, SimCluster
from impl.sim.scenario import membership_run
from impl.storage.wal import WAL
from modelcheck.audit import raft_spec
from modelcheck.audit.raft_sim import RaftOnlineAudit, RefinementViolation, write_traces
from modelcheck.cli import main

TRACED = replace(DEFAULT_CONFIG, trace=True)
CHANGES = ("AddServer", "RemoveServer", "StepDownRemoved")


def _elect(c: SimCluster) -> int:
    for _ in range(100):
        c.run(20)
        if (lead := c.leader()) is not None and c.knows_all_committed(c.node(lead)):
            return lead
    raise AssertionError("no leader")


def test_the_leader_refuses_bad_changes_by_name_and_applies_one_at_a_time():
    c = SimCluster(5, seed=3, members=(1, 2, 3))
    lead = _elect(c)
    n = c.node(lead)
    assert n.members == {1, 2, 3} and c.node(4).members == {1, 2, 3}
    assert n.config_refusal("add", 9) == "node 9 is not one of the cluster's nodes [1, 2, 3, 4, 5]"
    assert n.config_refusal("add", 2) == "node 2 is already a member of [1, 2, 3]"
    assert n.config_refusal("remove", 4) == "node 4 is not a member of [1, 2, 3]"
    assert c.node(1 + lead % 3).config_refusal("add", 4) == "not the leader"
    assert n.add_learner(4)
    c.run(200)
    assert n.caught_up(4) and 4 not in n.members  # replicated to, not counted
    index, _ = n.change_config("add", 4)
    assert n.members == {1, 2, 3, 4} and n.config_index == index  # in effect on the leader when appended
    assert n.change_config("remove", 1) == f"the configuration change at index {index} is not committed yet"
    c.run(200)
    assert all(c.node(i).members == {1, 2, 3, 4} for i in (1, 2, 3, 4)) and c.node(5).members == {1, 2, 3}
    for _ in range(3):
        n = c.node(_elect(c))
        if len(n.members) > 1:
            n.change_config("remove", n.id)  # the leader removes itself: it steps down once that commits
            c.run(300)
    last = c.node(_elect(c))
    assert len(last.members) == 1 and last.config_refusal("remove", last.id) == f"node {last.id} is the last member"


def test_the_errata_rule_waits_for_an_entry_of_the_leaders_term():
    c = SimCluster(5, seed=1, members=(1, 2, 3))
    lead = _elect(c)
    c.crash(lead)
    for _ in range(2000):
        c.run(1)
        if (new := c.leader()) not in (None, lead):
            break
    n = c.node(new)
    assert n.log.term(n.commit) != n.term  # its no-op is not committed yet
    assert n.config_refusal("add", 4) == f"the leader has not yet committed an entry of its term {n.term}"
    assert bug("single-server-no-errata").change_refusal(n.config_index, n.commit, n.log.term(n.commit), n.term) \
        is None


def test_snapshots_carry_the_configuration(tmp_path):
    cfg = encode_config({2, 3, 5})
    assert decode_config(cfg) == {2, 3, 5} and unpack_snapshot(pack_snapshot(cfg, b"kv")) == (cfg, b"kv")
    with pytest.raises(ValueError, match="names a 9-byte configuration"):
        unpack_snapshot(b"\0\0\0\x09abc")
    w = WAL(tmp_path, create=True)
    w.load()
    w.save_snapshot(Snapshot(0, 0, b"", b""))  # the initial configuration: the old file format
    assert (tmp_path / "snapshot.bin").read_bytes()[:8] == b"PXRSNAP1"
    w.close()
    w = WAL(tmp_path)
    w.load()
    w.save(Ready(entries_from=1, entries=[Entry(1, b""), Entry(1, cfg)]))
    w.sync()
    w.save_snapshot(Snapshot(2, 1, b"state", cfg))
    w.close()
    assert WAL(tmp_path).load()[1] == Snapshot(2, 1, b"state", cfg)
    # a node compacting past its configuration entry keeps the configuration through a restart
    c = SimCluster(5, seed=3, members=(1, 2, 3), snapshot_every=3)
    n = c.node(_elect(c))
    n.add_learner(5)
    c.run(100)
    n.change_config("add", 5)
    for k in range(12):
        c.write(1 + k % 3)
        c.run(30)
    assert c.node(2).log.offset > c.node(2).config_index and c.node(2).snapshot.config == encode_config({1, 2, 3, 5})
    c.crash(2)
    c.restart(2)
    assert c.node(2).members == {1, 2, 3, 5}


def _membership_audit(seed: int, **kw):
    audit = RaftOnlineAudit([1, 2, 3, 4, 5], members=[1, 2, 3])
    c = membership_run(seed, config=TRACED, snapshot_every=5, on_event=audit.on_event, on_network=audit.on_network,
                       **kw)
    return c, audit


def test_a_cluster_that_adds_and_removes_servers_is_explained_online_and_offline(tmp_path, capsys):
    c, audit = _membership_audit(8)
    acts = Counter(e["action"] for evs in c.trace.values() for e in evs)
    assert audit.count == 896 and audit.failure is None
    assert {a: acts[a] for a in (*CHANGES, "CompactLog", "HandleInstallSnapshotRequest")} == {
        "AddServer": 2, "RemoveServer": 1, "StepDownRemoved": 0, "CompactLog": 23, "HandleInstallSnapshotRequest": 6}
    files = [str(p) for p in write_traces(c.trace, tmp_path, members=[1, 2, 3])]
    assert main(["audit", *files, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "ok" and out["audited"] == out["events"] == 896
    c, audit = _membership_audit(17)  # a leader removes itself and steps down
    acts = Counter(e["action"] for evs in c.trace.values() for e in evs)
    assert audit.count == 268 and {a: acts[a] for a in CHANGES} == {"AddServer": 0, "RemoveServer": 1,
                                                                    "StepDownRemoved": 1}


def test_the_2015_bug_planted_in_the_store_is_caught_at_its_change():
    with pytest.raises(RefinementViolation) as exc:
        _membership_audit(0, rules=bug("single-server-no-errata"))
    # (the duplicate a network made of an acknowledgement is a step before the next event: the simulation hands a
    # ready's events on before its messages leave, as the runtime writes its trace lines)
    guard = "if s.state[i] != LEADER or k not in c or len(c) == 1 or not self.ChangeAllowed(s, i):"
    lines = Path(raft_spec.__file__).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if guard in text)
    assert str(exc.value) == ("event 29: node 2 RemoveServer(j=3): RemoveServer(i=node 2, k=node 3) is not enabled "
                              "after DuplicateMessage(m=AppendEntriesResponse 3->2 term 2 ok match 1): "
                              f"refused by {os.path.relpath(raft_spec.__file__)}:{line}: if s.state[i] != LEADER or k "
                              "not in c or len(c) == 1 or not self.ChangeAllowed(s, i): (false here: "
                              "self.ChangeAllowed(s, i))")
    with pytest.raises(RefinementViolation) as exc:
        _membership_audit(3, rules=bug("single-server-no-errata"))
    assert str(exc.value).startswith("event 97: node 2 AddServer(j=4): AddServer(i=node 2, k=node 4) is not enabled")


@pytest.mark.slow
def test_many_seeded_membership_runs_are_explained_and_the_2015_bug_is_caught_in_some():
    changes: Counter[str] = Counter()
    caught, events = [], 0
    for seed in range(30):
        c, audit = _membership_audit(seed)
        assert audit.failure is None
        events += audit.count
        changes.update(e["action"] for evs in c.trace.values() for e in evs if e["action"] in CHANGES)
        try:
            _membership_audit(seed, rules=bug("single-server-no-errata"))
        except RefinementViolation as exc:
            caught.append((seed, exc.failure.event.action))
    assert events == 10254 and changes == {"AddServer": 9, "RemoveServer": 19, "StepDownRemoved": 3}
    # the bug shows only where a new leader took a change before its no-op committed: 14 of the 30 runs
    assert [s for s, _ in caught] == [0, 3, 5, 6, 8, 9, 10, 13, 14, 17, 18, 20, 21, 28]
    assert Counter(a for _, a in caught) == {"AddServer": 10, "RemoveServer": 4}


def test_the_audits_spec_with_membership_actions_model_checks_clean():
    """The audit's spec (`RaftImpl`) with its membership actions, model-checked at the smallest bounds where a
    change happens: 2 servers, one member (so the other can be added), 2 log entries (an entry of the leader's
    term committed first, the errata, then the configuration entry); snapshots, transfer, network faults,
    candidate step-down and CheckQuorum left out. Every invariant holds; AddServer and StepDownRemoved (the
    spare, outside the configuration, elected by the member's vote, steps down once it commits) reach new states.
    RemoveServer reaches none here: the only member is the last one, and after an add the log is full.
    (15,847 states before raft.tla's AdvanceCommitIndex counted the configuration's quorum: with all servers'
    majority it moved a commitIndex that AdvanceCommitIndexTo had raised on the member alone back down, 2 -> 1;
    15,529 -> 17,515 when AppendEntriesRange could start at raft.tla's own nextIndex below the matched entry, as
    raft.tla's AppendEntries does after a stale success: the 1,986 states hold such resent requests.)"""
    from modelcheck import check
    from modelcheck.audit.raft_spec import RaftImpl

    r = check(RaftImpl(servers=2, members=[0], values=1, max_term=2, max_log=2, max_in_flight=1)
              .without(MEMBERSHIP_CHECK_WITHOUT))
    assert (r.verdict, r.distinct_states, r.depth) == ("ok", 17515, 34)
    assert {a: r.coverage[a].new for a in CHANGES} == {"AddServer": 546, "RemoveServer": 0, "StepDownRemoved": 2981}


def test_raft_tlas_advance_commit_index_counts_the_configurations_quorum():
    """The audit's spec keeps raft.tla's AdvanceCommitIndex, which asked raft.tla's fixed quorum (a majority of
    every server) where the membership extension's AdvanceCommitIndexTo asks the leader's configuration: leader
    s1, whose configuration is {s1, s2}, committed entry 2 on its own copy and removed s3's; and it set
    commitIndex to what it found, lower after a configuration entry (found by tests/test_spec_walk_traces.py:
    the audit refused the traces of such steps, as it should)."""
    from modelcheck.audit.raft_spec import RaftImpl, config_value
    from spec.raft import EXCEPT, LEADER

    spec = RaftImpl(servers=3, values=1)
    spec.note_configs()
    s = next(iter(spec.init_states()))
    s = s.but(currentTerm=(2, 2, 2), state=EXCEPT(s.state, 0, LEADER),
              log=EXCEPT(s.log, 0, ((2, 0), (2, config_value({0, 1})))), matchIndex=EXCEPT(s.matchIndex, 0, (0, 0, 2)))
    assert spec.AdvanceCommitIndexTo(s, 0, 2) is None
    assert spec.AdvanceCommitIndex(s, 0).commitIndex == (0, 0, 0)
    # nor does it lower a commitIndex that the configuration before the last entry's allowed: s1 committed 2
    # with s2 (all three members), then appended {s1, s3}, whose majority stores only entry 1
    s = s.but(log=EXCEPT(s.log, 0, ((2, 0), (2, 0), (2, config_value({0, 2})))), commitIndex=(2, 0, 0),
              matchIndex=EXCEPT(s.matchIndex, 0, (0, 2, 1)))
    assert spec.AdvanceCommitIndex(s, 0).commitIndex == (2, 0, 0)


MEMBERSHIP_CHECK_WITHOUT = ["CompactLog", "InstallSnapshot", "HandleInstallSnapshotRequest", "TransferLeadership",
                            "HandleTimeoutNow", "RestartFromOlderSnapshot", "DuplicateMessage", "DropMessage",
                            "CandidateStepDown", "CheckQuorum"]


def test_the_membership_check_fails_at_the_same_bounds_when_votes_from_outside_the_configuration_count():
    """The must-fail twin of the check above, at its bounds (2 servers, one member): a planted rule counts a vote
    whoever cast it, in the candidate's configuration or not (a spare, a server being caught up, a removed one).
    The spare then elects itself in the term the member leads: OneLeaderPerTerm, 10 steps, 984 states.
    (Breaking the change actions' guard instead fails nowhere at 2 servers: with one server added or removed at
    a time, every quorum of one configuration over 2 servers meets every quorum of the next; the 2015 bug needs
    4 members, spec/raft_config.py's ``SingleServerNoErrata``.)"""
    from modelcheck import check
    from modelcheck.audit.raft_spec import RaftImpl

    class OutsideVotesCount(RaftImpl):
        def QuorumOf(self, s, i, servers):
            """A majority of i's configuration's size, counting every server (the planted bug)."""
            return len(servers) * 2 > len(self.ConfigOf(s.log[i])[0])

    spec = OutsideVotesCount(servers=2, members=[0], values=1, max_term=2, max_log=2, max_in_flight=1)
    r = check(spec.without(MEMBERSHIP_CHECK_WITHOUT))
    assert (r.verdict, r.violated, r.trace_length, r.distinct_states) == ("violation", "OneLeaderPerTerm", 10, 984)
    steps = [(st.label.name, st.label.params[0]) for st in r.trace[1:]]
    assert steps[-1] == ("BecomeLeader", 1) and ("BecomeLeader", 0) in steps  # the spare, elected by itself
    assert ("RequestVote", (1, 0)) not in [(st.label.name, st.label.params[:2]) for st in r.trace[1:]]


def test_removing_a_live_member_while_another_is_down_is_refused(tmp_path, capsys):
    """With node A down, `cluster remove` of the live node B left a configuration of two whose quorum needs A:
    the change could not commit, CheckQuorum deposed the leader, the command waited out --wait (exit 1) and the
    cluster had no leader until A came back (by hand: status 'Follower ... -' on every node). The leader now
    refuses a change whose quorum includes members it has not heard from (etcd's strict reconfiguration check),
    and the cluster keeps serving."""
    import asyncio
    import os
    import signal
    import time

    from impl.kv.client import KVClient
    from impl.runtime import cluster
    from modelcheck.cli import main

    d = tmp_path / "c"
    cluster.start(d, 3)
    try:
        lead = asyncio.run(cluster.wait_for_leader(d, 30))
        a, b = [i for i in (1, 2, 3) if i != lead]
        os.kill(cluster.pid_of(d, a), signal.SIGKILL)
        time.sleep(1.0)  # (over two election timeouts of 0.2 s: the leader has stopped hearing from it)
        capsys.readouterr()
        assert main(["cluster", "remove", "--dir", str(d), "--node", str(b), "--wait", "10"]) == 2
        err = capsys.readouterr().err
        assert f"node {b} was not removed: after it the members [{min(a, lead)}, {max(a, lead)}] need 2 up, and " \
               f"node(s) [{a}] have not answered this leader" in err and "\n" not in err.strip()

        async def put() -> int:
            c = KVClient.from_dir(d, timeout=10)
            try:
                return (await c.put(b"k", b"v")).status
            finally:
                await c.close()

        assert asyncio.run(put()) == 0  # still a leader, still a majority
        cluster.start(d)  # A back: now B may go, once the leader has heard from A
        # (a leader with the lower id redials A with a backoff of up to 1 s: a fixed 1 s sleep here could end
        # before A's first answer reached it; the refusal is asked again until then)
        deadline = time.monotonic() + 30
        while main(["cluster", "remove", "--dir", str(d), "--node", str(b), "--wait", "20"]) != 0:
            err = capsys.readouterr().err
            assert f"node(s) [{a}] have not answered this leader" in err and time.monotonic() < deadline, err
            time.sleep(0.05)
    finally:
        cluster.stop(d)


def test_two_cluster_adds_at_once_give_two_nodes(tmp_path, monkeypatch):
    """Two `cluster add` at once each read cluster.json's highest id and gave it to their own new node: the second
    write of cluster.json replaced the first's port, one folder served two processes' claims. The second now
    waits for the first (a lock on cluster.json's edits). Here the first add holds on after choosing its id
    until the second has chosen one too (or 2 s have passed, as they do when it waits for the lock)."""
    import threading

    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.start(d, 3)
    chosen: list[int] = []
    both = threading.Event()
    init = cluster.init_node

    def slow_init(directory, node, hard_state=None, desc=None):
        chosen.append(node)
        if len(chosen) == 2:
            both.set()
        both.wait(2.0)
        return init(directory, node, hard_state, desc)

    monkeypatch.setattr(cluster, "init_node", slow_init)
    added: list[int] = []
    try:
        threads = [threading.Thread(target=lambda: added.append(cluster.add_node(d, wait=30)[0])) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        assert sorted(added) == [4, 5] and sorted(chosen) == [4, 5]
        assert sorted(cluster.load(d)["nodes"]) == ["1", "2", "3", "4", "5"]
    finally:
        cluster.stop(d)
