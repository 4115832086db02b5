"""The critical-path timeline (impl/runtime/timeline.py, benchmarks/critical_path.py): stamps joined into steps."""

from __future__ import annotations

import asyncio

import pytest

from impl.runtime import cluster
from impl.runtime.timeline import STEPS, critical_path, read
from impl.trace import read_events

# one write, sent at 1000 and answered at 2000 (ns); leader 1, followers 2 (acks first) and 3; a heartbeat
# exchange with node 3 before the AppendEntries, and node 3's late fsync, must not be taken for the path
LEADER = [(1000, "recv_peer"), (1010, "recv_client"), (1020, "round"), (1100, "sent_peer"), (1101, "fsync"),
          (1300, "synced"), (1310, "round"), (1700, "recv_peer"), (1710, "round"), (1800, "sent_client"),
          (1850, "recv_peer")]
FOLLOWER_2 = [(1150, "recv_peer"), (1160, "round"), (1200, "fsync"), (1600, "synced"), (1650, "sent_peer")]
FOLLOWER_3 = [(1040, "recv_peer"), (1050, "round"), (1060, "sent_peer"), (1120, "recv_peer"), (1130, "round"),
              (1140, "fsync"), (1690, "synced"), (1760, "sent_peer")]
WRITE = [(1000, 2000)]


def test_the_stamps_of_a_write_join_into_its_steps_exactly():
    [step] = critical_path(WRITE, {1: LEADER, 2: FOLLOWER_2, 3: FOLLOWER_3})
    assert [step[k] for k in STEPS] == [10, 90, 50, 50, 400, 50, 50, 100, 200]
    assert step["total"] == 1000 == sum(step[k] for k in STEPS)
    assert step["leader fdatasync"] == 199


def test_the_follower_whose_ack_left_first_is_the_one_on_the_path():
    slow_2 = [(t + 200, m) if m in ("synced", "sent_peer") else (t, m) for t, m in FOLLOWER_2]  # acks at 1850
    leader = [*LEADER[:7], (1770, "recv_peer"), (1780, "round"), (1800, "sent_client"), (1860, "recv_peer")]
    [step] = critical_path(WRITE, {1: leader, 2: slow_2, 3: FOLLOWER_3})
    assert step["follower: received -> fsync"] == 20 and step["follower: WAL write + fdatasync"] == 550  # node 3


def test_a_retry_that_reached_another_node_does_not_hide_the_leader():
    """Under load a write unanswered for 1 s is sent again to the next node (the client's retry): the leader is
    the node that received the write first, not the lowest-numbered node that received it at all."""
    retried_at_1 = [*FOLLOWER_2, (1900, "recv_client")]
    [step] = critical_path(WRITE, {1: retried_at_1, 2: LEADER, 3: FOLLOWER_3})
    assert [step[k] for k in STEPS] == [10, 90, 50, 50, 400, 50, 50, 100, 200]


def test_a_leader_fsync_on_its_thread_that_starts_after_the_reply_is_still_its_own():
    """``leader_fsync_thread``: one sync in flight at a time, so under load a write that arrives during the
    previous write's sync is committed on two followers' acks and answered before its leader's own fsync starts."""
    late = [(t, m) for t, m in LEADER if m not in ("fsync", "synced")] + [(2100, "fsync"), (2350, "synced")]
    [step] = critical_path(WRITE, {1: late, 2: FOLLOWER_2, 3: FOLLOWER_3})
    assert [step[k] for k in STEPS] == [10, 90, 50, 50, 400, 50, 50, 100, 200] and step["leader fdatasync"] == 250


@pytest.mark.parametrize("drop", [(2, "fsync"), (1, "sent_client"), (1, "recv_client")])
def test_a_write_whose_path_is_not_whole_is_left_out(drop):
    nodes = {1: LEADER, 2: FOLLOWER_2, 3: []}
    j, mark = drop
    nodes[j] = [(t, m) for t, m in nodes[j] if m != mark]
    assert critical_path(WRITE, nodes) == []


def test_a_malformed_timeline_line_is_refused_naming_its_line(tmp_path):
    p = tmp_path / "timeline.txt"
    p.write_text("12 round\n13 rounds\n")
    with pytest.raises(ValueError, match=r"timeline.txt:2: not a timeline stamp"):
        read(p)


def test_a_cluster_with_timelines_on_shows_the_whole_path_of_each_sequential_write(tmp_path):
    """The nodes' stamps (and the leader's fsync on its thread: ``leader_fsync_thread``) on a real cluster."""
    from benchmarks.critical_path import writes

    # an election timeout of 1 s (not 0.2 s): on a busy machine a node starved of CPU for 0.2 s started elections,
    # and a write around an election misses stamps (">= 25 of 30" failed once at load ~14)
    cluster.start(tmp_path, 3, timeline=True, leader_fsync_thread=True, election_ticks=100)
    try:
        totals: list[float] = []
        w = asyncio.run(writes(tmp_path, 30, 10, totals))
    finally:
        cluster.stop(tmp_path)
    nodes = {j: read(tmp_path / f"node-{j}" / "timeline.txt") for j in (1, 2, 3)}
    steps = critical_path(w, nodes)
    elected = [ev for f in cluster.trace_files(tmp_path) for ev in read_events(f) if ev["action"] == "BecomeLeader"]
    # a write may miss a stamp only around an election or a retry
    assert len(steps) >= 25, f"{len(steps)} of 30 writes joined whole; {len(elected)} elections"
    for s in steps:
        assert all(s[k] >= 0 for k in STEPS) and s["total"] == sum(s[k] for k in STEPS) > 0
        assert s["follower: WAL write + fdatasync"] > 0 and s["leader fdatasync"] > 0
    cpu, segments = totals
    assert cpu > 0 and segments >= 4 * 30  # each write's request, AppendEntries, acknowledgement and reply


def test_the_tcp_segments_sent_are_read_from_proc_net_snmp():
    from benchmarks.critical_path import out_segments

    snmp = ("Ip: Forwarding DefaultTTL\nIp: 1 64\nTcp: RtoAlgorithm RtoMin ActiveOpens OutSegs RetransSegs\n"
            "Tcp: 1 200 35 123456 7\nUdp: InDatagrams OutSegs\nUdp: 5 9\n")
    assert out_segments(snmp) == 123456
    with pytest.raises(ValueError, match="no Tcp: OutSegs"):
        out_segments("Ip: Forwarding\nIp: 1\n")


def test_the_write_path_cost_benchmark_answers_every_write():
    """benchmarks/write_path_cost.py: three replicas in one process answer each sequential write (it raises
    otherwise), with compact trace files, JSON-lines ones and none."""
    from benchmarks.write_path_cost import run

    assert run(20, 10, "compact") > 0 and run(20, 10, "jsonl") > 0 and run(20, 10, None) > 0


def test_the_write_path_cost_benchmark_runs_the_default_quorum_first():
    """Its replicas run as the runtime's do by default (quorum_first): the held follower gets the writes at the
    leader's ticks (one sync per tick of 10 writes), the first follower each write; without ticks, both each
    write (what the benchmark measured until 2026-12-05)."""
    from benchmarks.write_path_cost import run

    syncs: dict[int, int] = {}
    run(60, 10, "compact", 10, syncs)
    assert syncs == {1: 60, 2: 60, 3: 6}
    run(60, 10, "compact", 0, syncs)
    assert syncs == {1: 60, 2: 60, 3: 60}
