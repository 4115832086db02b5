"""The Multi-Paxos implementation: the sans-IO core step by step, its storage in the shared WAL, the simulation
under faults, linearizability of its client histories, and the planted bugs the simulation catches."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from impl.kv.machine import PUT, Command, encode_command
from impl.multipaxos.core import LEADER, MultiPaxosNode
from impl.multipaxos.rules import BUGS, bug
from impl.raft.core import Config
from impl.raft.messages import Message, MsgType
from impl.sim.disk import SimDisk
from impl.sim.invariants import InvariantViolation
from impl.sim.multipaxos import DEFAULT_CONFIG, MultiPaxosSimCluster
from impl.sim.scenario import random_run
from impl.storage.wal import RECOVER, WAL
from modelcheck.harness import AuditStop, KVHistoryRun, audit_multipaxos_run, write_traces
from modelcheck.linearizability import check_operations, kv_model

IDS = (1, 2, 3)


def _node(i: int, disk: SimDisk | None = None, config: Config = DEFAULT_CONFIG) -> MultiPaxosNode:
    hs, snap, entries = disk.load() if disk else (None, None, [])
    return MultiPaxosNode(i, IDS, config, rand=lambda a, b: a, hard_state=hs, snapshot=snap, entries=entries)


class Net:
    """Three cores, their disks, and a network that delivers every message unless ``drop`` says not; with
    ``config.trace``, each node's trace lines in ``traces``."""

    def __init__(self, config: Config = DEFAULT_CONFIG) -> None:
        self.config = config
        self.disks = {i: SimDisk() for i in IDS}
        self.nodes: dict[int, MultiPaxosNode | None] = {i: _node(i, config=config) for i in IDS}
        self.applied: dict[int, list[bytes]] = {i: [] for i in IDS}
        self.sent: list[Message] = []
        self.traces: dict[int, list[str]] = {i: [] for i in IDS}

    def settle(self, drop: Callable[[Message], bool] = lambda m: False) -> None:
        busy = True
        while busy:
            busy = False
            for i, n in self.nodes.items():
                if n is None or not n.has_ready():
                    continue
                busy = True
                rd = n.ready()
                self.traces[i] += rd.trace
                self.disks[i].save(rd)
                self.disks[i].sync()  # durable before any message leaves
                self.applied[i].extend(e.data for _, e in rd.committed)
                n.advance(rd)
                for m in rd.messages:
                    self.sent.append(m)
                    if self.nodes.get(m.dst) is not None and not drop(m):
                        self.nodes[m.dst].step(m)  # type: ignore[union-attr]

    def elect(self, i: int) -> MultiPaxosNode:
        n = self.nodes[i]
        assert n is not None
        for j, other in self.nodes.items():  # the others stop hearing from any leader: no longer in its lease
            for _ in range(DEFAULT_CONFIG.election_ticks // 2 if j != i and other is not None else 0):
                other.tick()
        for _ in range(DEFAULT_CONFIG.election_ticks):
            n.tick()
        self.settle()
        assert n.role == LEADER
        return n

    def crash(self, i: int) -> None:
        self.disks[i].crash()
        self.nodes[i] = None

    def restart(self, i: int) -> MultiPaxosNode:
        n = self.nodes[i] = _node(i, self.disks[i], self.config)
        self.applied[i] = []
        return n


def _cmd(k: int) -> bytes:
    return encode_command(Command(PUT, 1, k, b"k%d" % k, b"v%d" % k))


def test_one_phase1_for_all_slots_then_pipelined_batched_phase2():
    net = Net()
    lead = net.elect(1)
    prepares = [m for m in net.sent if m.type == MsgType.Prepare]
    assert len(prepares) == 2 and {m.index for m in prepares} == {1}  # one Prepare per peer, from slot 1 on
    assert lead.commit == 1 and net.applied[1] == [b""]  # the new leader's own no-op
    for k in range(2, 7):
        assert lead.propose(_cmd(k)) == (k, lead.ballot)
    net.settle()
    accepts = [m for m in net.sent if m.type == MsgType.Accept and m.entries]
    assert [len(m.entries) for m in accepts] == [1, 1, 5, 5]  # the no-op, then five slots in one Accept
    assert sum(m.type == MsgType.Prepare for m in net.sent) == 2  # no further phase 1
    assert lead.commit == 6 and net.applied[1] == [b""] + [_cmd(k) for k in range(2, 7)]


def test_a_new_leader_adopts_the_highest_vote_fills_gaps_with_noops_and_a_restarted_replica_catches_up():
    net = Net()
    lead = net.elect(1)  # slot 1: its no-op
    lead.propose(_cmd(2))
    net.settle()
    lead.propose(_cmd(3))  # slot 3: only the leader votes (its Accepts are lost)
    net.settle(drop=lambda m: m.type == MsgType.Accept and m.src == 1)
    lead.propose(_cmd(4))  # slot 4 reaches node 2 only
    net.settle(drop=lambda m: m.src == 1 and (m.dst == 3 or m.type != MsgType.Accept))
    assert net.nodes[2].log.get(4).data == _cmd(4) and net.nodes[2].log.get(3).term == 0  # type: ignore[union-attr]
    net.crash(1)
    new = net.elect(2)
    assert new.ballot > lead.ballot
    want = [b"", _cmd(2), b"", _cmd(4), b""]  # chosen, chosen, gap filled with a no-op, adopted, its own no-op
    assert [new.log.get(s).data for s in range(1, 6)] == want
    assert new.commit == 5 and net.applied[2] == want
    old = net.restart(1)
    assert old.promised == lead.ballot and old.log.get(3).data == _cmd(3)  # its durable promise and vote
    for _ in range(DEFAULT_CONFIG.heartbeat_ticks):
        new.tick()
    net.settle()
    assert old.commit == 5 and net.applied[1] == want  # learned: its own slot-3 vote was never chosen
    assert old.log.get(3) == new.log.get(3)


def test_a_leader_rejected_by_a_restarted_replica_prepares_again_at_once_and_keeps_leading():
    """A restarted replica whose links are not up yet campaigns unheard and promises a ballot above the leader's;
    the leader's Prepare, queued while the replica was down, reaches it then and is rejected naming that ballot.
    The leader used to step down without preparing again: leaderless for an election timeout, which the
    restarted replica often won (a working leader deposed, as a real cluster showed on each restart)."""
    net = Net()
    lead = net.elect(1)
    stale = next(m for m in net.sent if m.type == MsgType.Prepare and m.dst == 2)
    net.crash(2)
    back = net.restart(2)
    for _ in range(DEFAULT_CONFIG.election_ticks):  # it hears no one: it campaigns
        back.tick()
    net.settle(drop=lambda m: m.src == 2 or m.dst == 2)
    high = back.promised
    assert high > lead.ballot and lead.role == LEADER
    back.step(stale)  # rejected, naming its higher ballot; the reply reaches the leader
    net.settle()
    assert lead.role == LEADER and lead.ballot > high and back.promised == lead.ballot
    assert net.nodes[3].leader == 1 and back.leader == 1  # type: ignore[union-attr]


def _chosen_behind_a_gap() -> tuple[Net, MultiPaxosNode, MultiPaxosNode]:
    """Three traced nodes, node 1 leading: node 3 missed slot 2, voted in slot 3 and heard it chosen (a heartbeat's
    commit point, its Learn lost), so it knows slot 3 chosen behind a gap it cannot commit past."""
    net = Net(replace(DEFAULT_CONFIG, trace=True))
    lead = net.elect(1)
    lead.propose(_cmd(2))
    net.settle(drop=lambda m: m.dst == 3)  # slot 2 chosen by nodes 1 and 2
    lead.propose(_cmd(3))
    net.settle()  # node 3 votes in slot 3
    for _ in range(DEFAULT_CONFIG.heartbeat_ticks):
        lead.tick()
    net.settle(drop=lambda m: m.type == MsgType.Learn)  # the heartbeat says slot 3 is chosen; the Learn is lost
    three = net.nodes[3]
    assert three is not None and three.commit == 1 and 3 in three._chosen
    return net, lead, three


def _audited(net: Net, tmp_path: Path) -> int:
    """``paxraft audit``'s exit status on the nodes' traces, written as the store writes them."""
    from impl.trace import TraceWriter
    from modelcheck.cli import main

    files = []
    for i, lines in net.traces.items():
        w = TraceWriter(tmp_path / f"node-{i}.jsonl", i, IDS, spec="multipaxos")
        w.write_lines(lines)
        w.close()
        files.append(str(w.path))
    return main(["audit", *files])


def test_a_follower_that_knew_a_slot_chosen_behind_a_gap_and_then_promised_a_new_ballot_is_explained(tmp_path,
                                                                                                    capsys):
    """Node 3 misses slot 2, votes in slot 3 and hears it chosen (a heartbeat's commit point), but cannot commit
    past the gap; then it promises its leader's next ballot, and a Learn of slots 2.. fills the gap. Its
    HandleLearn reported slot 2 only (slot 3 was no news), so the audit, whose promise had sent slot 3 back to
    Preparing, refused the commit through slot 3 (a real 5-node cluster's trace under kill -9 and SIGSTOP): the audit
    spec's HandleCommitNotice now commits a Preparing slot whose vote is the command chosen there."""
    net, lead, three = _chosen_behind_a_gap()
    lead._campaign()  # node 3 promises the next ballot, then learns slots 2.. from the new phase 1's leader
    net.settle()
    for _ in range(DEFAULT_CONFIG.heartbeat_ticks):
        lead.tick()
    net.settle()
    assert three.commit == lead.commit == 4 and net.applied[3] == net.applied[1]
    assert _audited(net, tmp_path) == 0, capsys.readouterr().out


def test_a_follower_that_knew_a_slot_chosen_behind_a_gap_and_then_promised_a_new_ballot_is_explained_through_a_snapshot(
        tmp_path, capsys):
    """As above, but the leader has compacted the gap away, so a snapshot through slot 2 fills it: node 3 commits
    through slot 3, known chosen from before its promise. The audit spec's promise had sent slot 3 back to
    Preparing, and it refused HandleCommitNotice(upto=4): a slot whose vote is chosen stays committable."""
    net, lead, three = _chosen_behind_a_gap()
    lead.compact(2, b"")
    lead._campaign()
    net.settle()
    for _ in range(DEFAULT_CONFIG.heartbeat_ticks):
        lead.tick()
    net.settle()
    assert three.commit == lead.commit == 4 and three.snapshot is not None and three.snapshot.index == 2
    assert net.applied[3] == [net.applied[1][0], *net.applied[1][2:]]  # slot 2 came in the snapshot
    assert _audited(net, tmp_path) == 0, capsys.readouterr().out


def test_the_audit_commits_a_preparing_slot_only_if_its_vote_is_the_command_chosen_there():
    """The audit spec's HandleCommitNotice past a promise: a vote sent back to Preparing commits only if a majority
    accepted that command in one ballot (the two tests above need it; anything else stays refused)."""
    from modelcheck.audit.multipaxos_spec import MultiPaxosImpl
    from spec.multipaxos import ACCEPT, ACCEPT_REPLY, COMMIT_NOTICE, COMMIT_UP_TO, COMMITTED, INSTS, PREPARING
    from spec.values import EXCEPT

    spec = MultiPaxosImpl(3, 2, ["a@1", "b@1"])
    s = next(iter(spec.init_states()))
    b, b2 = 1 << 16 | 1, 2 << 16 | 1
    node = s.node[2][:INSTS] + (EXCEPT(s.node[2][INSTS], 0, (PREPARING, 0, b, 0)),)  # r voted a@1 in b, promised b2
    s = s._replace(node=EXCEPT(s.node, 2, node[:4] + (b2,) + node[5:]), msgs=frozenset({(COMMIT_NOTICE, 1)}))
    assert spec.HandleCommitNotice(s, 2) is None  # nothing is chosen in slot 1
    chosen_a = frozenset({(ACCEPT, 0, b, 1, 0), (ACCEPT_REPLY, 0, b, 1), (ACCEPT_REPLY, 1, b, 1)})
    chosen_b = frozenset({(ACCEPT, 1, b2, 1, 1), (ACCEPT_REPLY, 0, b2, 1), (ACCEPT_REPLY, 1, b2, 1)})
    assert spec.HandleCommitNotice(s._replace(msgs=s.msgs | chosen_b), 2) is None  # its vote is not the chosen one
    t = spec.HandleCommitNotice(s._replace(msgs=s.msgs | chosen_a), 2)
    assert t is not None and t.node[2][COMMIT_UP_TO] == 1 and t.node[2][INSTS][0] == (COMMITTED, 0, b, 0)
    assert spec.HandleCommitNotice(s._replace(msgs=chosen_a), 2) is None  # no commit notice for it


def test_votes_with_gaps_and_the_promise_survive_the_shared_write_ahead_log(tmp_path):
    wal = WAL(tmp_path, create=True)
    wal.load()
    n = MultiPaxosNode(2, IDS, DEFAULT_CONFIG, rand=lambda a, b: a)
    ballot = 5 << 16 | 1
    m = Message(MsgType.Accept, 1, 2, ballot, index=3, entries=(), commit=0)
    n.step(m._replace(entries=(n.log.get(1)._replace(term=ballot, data=_cmd(3)),)))  # slot 3: slots 1-2 are gaps
    n.step(m._replace(index=1, entries=(n.log.get(1)._replace(term=ballot, data=_cmd(1)),)))
    for _ in range(2):
        rd = n.ready()
        wal.save(rd)
        wal.sync()
        n.advance(rd)
    wal.close()
    hs, snap, entries = WAL(tmp_path).load()
    back = MultiPaxosNode(2, IDS, DEFAULT_CONFIG, rand=lambda a, b: a, hard_state=hs, snapshot=snap, entries=entries)
    assert back.promised == ballot
    assert [(back.log.get(s).term, back.log.get(s).data) for s in (1, 2, 3)] == [
        (ballot, _cmd(1)), (0, b""), (ballot, _cmd(3))]


def test_replies_leave_only_after_the_promise_and_vote_are_in_the_same_ready_to_persist():
    n = MultiPaxosNode(2, IDS, DEFAULT_CONFIG, rand=lambda a, b: a)
    b = 1 << 16 | 1
    n.step(Message(MsgType.Accept, 1, 2, b, index=1, entries=(n.log.get(1)._replace(term=b, data=_cmd(1)),)))
    rd = n.ready()
    assert rd.hard_state == (b, 0) and rd.entries_from == 1 and rd.entries[0].data == _cmd(1)
    assert [m.type for m in rd.messages] == [MsgType.AcceptReply]  # the runtime sends them after the fsync


@pytest.mark.parametrize("snapshot_every", [0, 5])
def test_seeded_hostile_runs_stay_safe_and_keep_every_acknowledged_write(snapshot_every):
    acked = 0
    for seed in range(8):
        c = random_run(seed, 150, cluster_class=MultiPaxosSimCluster, snapshot_every=snapshot_every)
        acked += len(c.acked)
        if snapshot_every:
            assert all(c.node(i).log.offset > 0 for i in c.ids)
    assert acked > 150


def test_client_histories_under_faults_are_linearizable():
    answered = 0
    for seed in range(6):
        ops = KVHistoryRun(seed, cluster_class=MultiPaxosSimCluster).run(300)
        result = check_operations(kv_model(), ops)
        assert result.ok, result.explain()
        answered += sum(o.ret is not None for o in ops)
    assert answered > 400


#: what each planted bug breaks in the seeded client runs (KVHistoryRun, 300 steps): a safety check of the
#: simulation by name, or the history's linearizability
CAUGHT = {
    "skip-phase1": "ChosenStable",
    "commit-minority": "Agreement[history]",
    "stale-local-read": "illegal",
    "gap-fill-ignores-votes": "ChosenStable",
    "forget-votes-on-restart": "ChosenStable",
    "promise-omits-votes": "ChosenStable",
    "rebuild-without-gate": "ChosenStable",  # (in runs that rebuild a replica: RUNS)
}
#: the runs a planted bug needs beyond the default (a rebuilt replica's: storage damaged and rebuilt)
RUNS: dict[str, dict] = {"rebuild-without-gate": {"disk_faults": True}}


def _verdict(seed: int, **kw) -> str:
    try:
        ops = KVHistoryRun(seed, cluster_class=MultiPaxosSimCluster, **kw).run(300)
    except InvariantViolation as exc:
        return exc.name
    return check_operations(kv_model(), ops).verdict


def test_every_planted_bug_is_listed():
    assert set(CAUGHT) == set(BUGS)


@pytest.mark.parametrize("key", sorted(CAUGHT))
def test_the_simulation_catches_each_planted_bug_and_the_same_run_without_it_is_safe(key):
    runs = RUNS.get(key, {})
    seed = next((s for s in range(12) if _verdict(s, rules=bug(key), **runs) != "ok"), None)
    assert seed is not None, f"{key}: no seed of 0..11 shows it"
    assert _verdict(seed, rules=bug(key), **runs) == CAUGHT[key]
    assert _verdict(seed, **runs) == "ok"


def test_trace_events_name_the_spec_actions():
    c = MultiPaxosSimCluster(3, 0, config=replace(DEFAULT_CONFIG, trace=True))
    c.run(300)
    c.write(1)
    c.run(100)
    actions = {ev["action"] for evs in c.trace.values() for ev in evs}
    assert {"Init", "BecomeLeader", "HandlePrepare", "HandlePrepareReplies", "TakeNewRequest", "HandleAccept",
            "HandleAcceptReplies", "HandleCommitNotice"} <= actions
    lead = c.leader()
    take = [ev for ev in c.trace[lead] if ev["action"] == "TakeNewRequest"]  # type: ignore[index]
    assert take[0]["state"]["votes"] == [[take[0]["params"]["slot"], c.node(lead).ballot, "c1.1"]]  # type: ignore[arg-type]


def test_cluster_start_names_a_protocol_that_does_not_fit_the_existing_cluster(tmp_path, capsys):
    from impl.runtime import cluster
    from modelcheck.cli import main

    cluster.create(tmp_path, 3)  # a Raft cluster (the default), not started
    cluster.release_ports(tmp_path)
    assert main(["cluster", "start", "--dir", str(tmp_path), "--protocol", "multipaxos"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "an existing raft cluster; --protocol multipaxos applies to a new one" in err[0]
    with pytest.raises(SystemExit) as exc:
        main(["cluster", "start", "--dir", str(tmp_path), "--protocol", "paxos"])
    assert exc.value.code == 2


def test_a_multipaxos_node_whose_log_is_gone_is_told_to_recover_from_its_peers(tmp_path, capsys):
    """The start's refusal names recover-node, which rebuilds a Multi-Paxos node (impl/multipaxos/rejoin.py; it said
    "cannot be rebuilt" before; tests/test_multipaxos_rejoin.py rebuilds one); `wal check` says the same."""
    import subprocess
    import sys

    from impl.runtime import cluster
    from modelcheck.cli import main

    cluster.create(tmp_path, 3, protocol="multipaxos")
    cluster.release_ports(tmp_path)
    (tmp_path / "node-2" / "wal" / "wal.log").unlink()
    run = subprocess.run([sys.executable, "-m", "impl.runtime.server", "--dir", str(tmp_path), "--id", "2"],
                         capture_output=True, text=True, timeout=120)
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1, run.stderr
    assert lines[0].endswith("wal.log: missing (this node's log is gone; recover the node from its peers "
                             "(paxraft cluster recover-node))")
    assert main(["wal", "check", str(tmp_path / "node-2"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"] and report["errors"] == [
        f"{tmp_path / 'node-2' / 'wal' / 'wal.log'}: missing (this node's log is gone; {RECOVER})"]


def test_each_planted_bug_is_declared_by_its_catalog_variant():
    from spec.registry import entries

    declared = {cls.variant: cls.impl_bug for spec in ("multipaxos", "multipaxos-rebuild")
                for cls in entries()[spec].variants.values() if getattr(cls, "impl_bug", None)}
    assert set(declared.values()) == set(BUGS)
    assert all(variant == key for variant, key in declared.items())  # the same name on both sides


# -- the audit: trace events against MultiPaxos.tla (modelcheck/audit/multipaxos_map.py) ------------------------
def test_the_online_audit_explains_every_event_of_a_faulty_run():
    run, audit = audit_multipaxos_run(0, 150)
    assert audit.hook.failure is None and audit.hook.count > 500
    assert check_operations(kv_model(), run.history()).ok


@pytest.mark.slow
def test_the_online_audit_explains_twenty_faulty_runs():
    for seed in range(20):
        _, audit = audit_multipaxos_run(seed, 150)
        assert audit.hook.failure is None, seed


#: the event at which the audit stops each planted bug: the first seed (of 0..9, 300 client steps at most) whose
#: run shows it, and the trace event no MultiPaxos.tla step explains
AUDITED = {
    "skip-phase1": "HandlePrepareReplies",  # phase 1 "finished" with its own reply only
    "commit-minority": "HandleAcceptReplies",  # a slot committed without a majority of AcceptReplies
    "stale-local-read": "ConfirmRead",  # a read answered with no majority confirming the ballot
    "forget-votes-on-restart": "Restart",  # the votes are not what the node had cast
    "gap-fill-ignores-votes": "HandlePrepareReplies",  # a no-op where a vote was reported
    "promise-omits-votes": "HandlePrepare",  # the PrepareReply does not report the votes
    "rebuild-without-gate": "HandlePrepare",  # a rebuilt replica promises before its Resume
}
FAST = ("skip-phase1", "commit-minority", "stale-local-read", "forget-votes-on-restart")


def _audit_stop(key: str, steps: int) -> AuditStop:
    for seed in range(10):
        try:
            audit_multipaxos_run(seed, steps, rules=bug(key), **RUNS.get(key, {}))
        except AuditStop as exc:
            return exc
    raise AssertionError(f"{key}: the audit passed seeds 0..9")


@pytest.mark.parametrize("key", FAST)
def test_the_audit_stops_each_planted_bug_at_its_event(key):
    stop = _audit_stop(key, 150)
    assert stop.failure.event.action == AUDITED[key]  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(set(AUDITED) - set(FAST)))
def test_the_audit_stops_the_slower_planted_bugs_at_their_event(key):
    stop = _audit_stop(key, 300)
    assert stop.failure.event.action == AUDITED[key]  # type: ignore[union-attr]


def test_every_planted_bug_has_its_audit_event():
    assert set(AUDITED) == set(BUGS)


def test_the_online_audit_explains_runs_with_rebuilt_replicas():
    """Rebuild, the rejoining replica's answers and Learns, and Resume are the audit's extension steps
    (modelcheck/audit/multipaxos_spec.py): seed 0 rebuilds a replica three times and resumes twice."""
    run, audit = audit_multipaxos_run(0, 300, disk_faults=True)
    assert audit.hook.failure is None and audit.hook.count == 880
    actions = [e["action"] for i in run.c.ids for e in run.c.trace[i]]
    assert (actions.count("Rebuild"), actions.count("Resume")) == (3, 2)


def test_paxraft_audit_explains_a_recorded_multipaxos_trace_and_stops_a_buggy_one(tmp_path, capsys):
    import json

    from modelcheck.cli import main

    run = KVHistoryRun(1, cluster_class=MultiPaxosSimCluster, config=replace(DEFAULT_CONFIG, trace=True))
    run.run(120)
    traces = write_traces(run.c, tmp_path)
    assert main(["audit", *traces, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "ok" and out["audited"] == out["events"] > 300 and out["max_candidates"] == 1
    assert main(["audit", *traces, "--spec", "raft"]) == 2  # README's example, on a Multi-Paxos cluster's traces
    assert capsys.readouterr().err.splitlines() == [  # (each of its names was refused: some 1,500 characters)
        "paxraft audit: error: the traces were written for the 'multipaxos' spec (their headers' \"spec\"), not raft: "
        "leave --spec out, or give --spec 'multipaxos'"]
    bad = KVHistoryRun(0, cluster_class=MultiPaxosSimCluster, config=replace(DEFAULT_CONFIG, trace=True),
                       rules=bug("forget-votes-on-restart"), check=False)
    bad.run(150)
    (tmp_path / "bad").mkdir()
    assert main(["audit", *write_traces(bad.c, tmp_path / "bad"), "--json"]) == 1
    f = json.loads(capsys.readouterr().out)["failure"]
    assert (f["action"], f["reason"]) == ("Restart", f"Restart(r=node {f['node']}) leads to a different state")
    assert [d["field"] for d in f["diff"]] == ["votes"]
