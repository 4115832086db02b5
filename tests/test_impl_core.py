"""The sans-IO Raft core: elections, replication, backtracking, PreVote, CheckQuorum, reads, transfer, traces."""

from __future__ import annotations

import json
import marshal
import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from impl.kv.machine import CAS, DELETE, GET, PUT, Command, command_key, describe_command, encode_command
from impl.raft.core import CANDIDATE, FOLLOWER, LEADER, Config, HardState, RaftNode
from impl.raft.log import Entry
from impl.raft.membership import encode_config
from impl.raft.messages import (
    HEARTBEAT,
    SUCCESS,
    Message,
    MsgType,
    decode_message,
    describe_value,
    encode_message,
    message_json,
    message_line,
)
from impl.raft.rules import NONE, Rules, bug
from impl.raft.tracing import NO_TRACE, CompactTracer, JsonLinesTracer, LineFormatter
from impl.sim.cluster import Faults, SimCluster
from impl.trace import MARSHAL_VERSION, expand_logs

CFG = Config(election_ticks=10, heartbeat_ticks=1, trace=True)


def fixed(lo: int, hi: int) -> int:
    return lo  # no jitter: tests pick who times out first


class Net:
    """Nodes wired synchronously: every ready's messages are delivered at once, in order."""

    def __init__(self, n: int = 3, cfg: Config = CFG, logs: dict[int, list[Entry]] | None = None,
                 terms: dict[int, int] | None = None, rules: Rules = NONE,
                 lose: Callable[[Message], bool] = lambda m: False) -> None:
        ids = range(1, n + 1)
        self.nodes = {i: RaftNode(i, ids, cfg, rand=fixed, entries=(logs or {}).get(i, []), rules=rules,
                                  hard_state=HardState(terms[i], 0) if terms else None) for i in ids}
        self.lose = lose  # messages the network loses
        self.cut: set[int] = set()  # isolated nodes
        self.events: list[dict] = []
        self.sent: list = []

    def flush(self) -> None:
        busy = True
        while busy:
            busy = False
            for n in self.nodes.values():
                if n.has_ready():
                    busy = True
                    rd = n.ready()
                    self.events += rd.events(n.describe)
                    n.advance(rd)
                    for m in rd.messages:
                        self.sent.append(m)
                        if m.src not in self.cut and m.dst not in self.cut and not self.lose(m):
                            self.nodes[m.dst].step(m)

    def tick(self, i: int, k: int = 1) -> None:
        for _ in range(k):
            self.nodes[i].tick()
            self.flush()


def test_first_election_no_op_and_commit():
    net = Net()
    net.tick(1, 10)  # node 1 times out first (PreVote, then Timeout)
    n1 = net.nodes[1]
    assert n1.role == LEADER and n1.term == 2
    assert [e.data for e in n1.log.entries] == [b""]  # the no-op of term 2
    assert n1.commit == 1 and all(n.log.entries == [Entry(2, b"")] for n in net.nodes.values())
    acts = [e["action"] for e in net.events if e["node"] == 1]
    # PreVote wins with the first grant (2 of 3), then raft.tla's Timeout; the self-vote is
    # RequestVote(1,1) + HandleRequestVoteRequest(1,1) + HandleRequestVoteResponse(1,1)
    assert acts[:9] == ["Init", "PreVote", "HandlePreVoteResponse", "Timeout", "RequestVote",
                        "HandleRequestVoteRequest", "HandleRequestVoteResponse", "RequestVote", "RequestVote"]
    assert acts[9:13] == ["HandlePreVoteResponse", "HandleRequestVoteResponse", "BecomeLeader", "ClientRequest"]
    assert "AdvanceCommitIndex" in acts


def test_batched_replication_commits_everything_in_one_round_trip():
    net = Net()
    net.tick(1, 10)
    n1 = net.nodes[1]
    before = len(net.sent)
    for k in range(50):
        assert n1.propose(f"cmd{k}".encode()) is not None
    net.flush()
    batch = [m for m in net.sent[before:] if m.type == MsgType.AppendEntriesRequest]
    assert [len(m.entries) for m in batch] == [50, 50]  # one AppendEntries of 50 entries per follower
    assert n1.commit == 51 and all(n.log.last_index() == 51 for n in net.nodes.values())


def test_a_leader_replicates_first_to_the_follower_that_completed_the_last_commit():
    """sync_peers: a quorum's worth of followers, the one whose acknowledgement last completed a commit first; a
    follower that stops answering gives way to the next one that completes a commit."""
    net = Net()
    net.tick(1, 10)
    n1 = net.nodes[1]
    assert n1.sync_peers() == (2,)  # node 2's acknowledgement arrived first (Net delivers in node order)
    assert net.nodes[2].sync_peers() is None  # (a follower: every peer)
    net.cut.add(2)
    n1.propose(b"x")
    net.flush()
    assert n1.commit == 2 and n1.sync_peers() == (3,) and n1.status()["quorum_peers"] == [3]
    five = Net(5)
    five.tick(1, 10)
    assert five.nodes[1].sync_peers() == (3, 2)  # two followers and the leader make a quorum of five; node 3's
    #                                              acknowledgement, after node 2's, completed it


def test_with_quorum_first_the_other_follower_gets_a_ticks_entries_in_one_appendentries():
    """Config.quorum_first: new entries go at once to sync_peers (node 2 here) and to node 3 only at the leader's
    next tick, all of them in one AppendEntries; node 3's acknowledgement sends nothing more before that tick."""
    net = Net(cfg=Config(election_ticks=10, heartbeat_ticks=5, trace=True, quorum_first=True))
    net.tick(1, 10)
    n1 = net.nodes[1]
    assert n1.sync_peers() == (2,) and net.nodes[3].log.last_index() == 0  # (the no-op: node 2 at once)
    net.tick(1)  # (not a heartbeat tick)
    assert net.nodes[3].log.last_index() == 1

    def appends_to(j: int, since: int) -> list[int]:
        return [len(m.entries) for m in net.sent[since:] if m.type == MsgType.AppendEntriesRequest and m.dst == j
                and not m.flags & HEARTBEAT]

    before = len(net.sent)
    for k in range(3):
        n1.propose(b"w%d" % k)
        net.flush()
    assert n1.commit == 4 and appends_to(2, before) == [1, 1, 1] and appends_to(3, before) == []
    assert net.nodes[3].log.last_index() == 1
    net.tick(1)
    assert appends_to(3, before) == [3] and net.nodes[3].log.last_index() == 4
    n1.transfer_leadership(3)  # a transfer's target is never held
    n1.propose(b"t")
    net.flush()
    assert net.nodes[3].log.last_index() == 5


def test_follower_rejects_proposals_and_candidate_cannot_commit():
    net = Net()
    assert net.nodes[2].propose(b"x") is None
    assert net.nodes[2].read_index("t") is False


def test_fast_backtracking_skips_a_whole_conflicting_term():
    # node 3 holds 30 stale entries of term 2 that the new leader (term 3 log) does not have
    stale = [Entry(1, b"a")] + [Entry(2, b"s%d" % k) for k in range(30)]
    good = [Entry(1, b"a")] + [Entry(3, b"g%d" % k) for k in range(5)]
    net = Net(logs={1: good, 2: good, 3: stale}, terms={1: 3, 2: 3, 3: 3})
    net.tick(1, 10)
    n1, n3 = net.nodes[1], net.nodes[3]
    assert n1.role == LEADER
    rejections = [m for m in net.sent if m.type == MsgType.AppendEntriesResponse and m.src == 3 and not m.success]
    assert len(rejections) == 1  # one hint (conflict term 2 starts at index 2) instead of ~30 probes
    assert n3.log.entries == n1.log.entries and n3.commit == n1.commit == 7


def test_prevote_keeps_an_isolated_node_from_inflating_terms():
    net = Net()
    net.tick(1, 10)
    net.cut = {3}
    net.tick(3, 100)  # many election timeouts while isolated
    assert net.nodes[3].term == 2 and net.nodes[3].role == FOLLOWER
    net.cut = set()
    net.tick(1, 2)
    assert net.nodes[1].role == LEADER and net.nodes[1].term == 2  # rejoining did not depose the leader


def test_a_candidate_that_wins_ignores_its_pre_campaigns_late_grants():
    """A candidate whose election timed out pre-campaigns for the next term, then wins its own term with a late
    vote: a pre-vote granted after that used to start an election from the leader state (a Timeout of a leader,
    which raft.tla's Timeout does not allow; the online audit of test_impl_sim's stalled-disk run refused it)."""
    n = RaftNode(1, [1, 2, 3], CFG, rand=fixed)

    def drain() -> list[Message]:
        out = []
        while n.has_ready():
            rd = n.ready()
            n.advance(rd)
            out += rd.messages
        return out

    for _ in range(10):
        n.tick()
    drain()
    n.step(Message(MsgType.PreVoteResponse, 2, 1, 2, flags=SUCCESS))  # pre-vote for term 2 granted: campaign
    assert (n.role, n.term) == (CANDIDATE, 2)
    drain()
    for _ in range(10):
        n.tick()  # no vote came: the candidate pre-campaigns for term 3
    assert [m.type for m in drain()] == [MsgType.PreVoteRequest] * 2
    n.step(Message(MsgType.RequestVoteResponse, 2, 1, 2, flags=SUCCESS))  # term 2's vote, late: it leads
    assert (n.role, n.term) == (LEADER, 2)
    drain()
    n.step(Message(MsgType.PreVoteResponse, 3, 1, 3, flags=SUCCESS))  # the pre-campaign's grant, later still
    assert (n.role, n.term) == (LEADER, 2)
    assert [m.type for m in drain() if m.type == MsgType.RequestVoteRequest] == []


def test_without_prevote_an_isolated_node_disrupts_on_return():
    net = Net(cfg=Config(election_ticks=10, heartbeat_ticks=1, pre_vote=False, check_quorum=False))
    net.tick(1, 10)
    net.cut = {3}
    net.tick(3, 100)
    assert net.nodes[3].term > 5 and net.nodes[3].role == CANDIDATE
    net.cut = set()
    net.tick(1, 1)
    assert net.nodes[1].term == net.nodes[3].term  # the leader had to step down to the inflated term


def test_check_quorum_leader_steps_down_when_cut_off():
    net = Net()
    net.tick(1, 10)
    net.cut = {1}
    net.tick(1, 25)
    assert net.nodes[1].role == FOLLOWER and net.nodes[1].term == 2
    assert any(e["action"] == "CheckQuorum" for e in net.events)


def test_read_index_confirms_leadership_with_a_quorum_before_answering():
    net = Net()
    net.tick(1, 10)
    n1 = net.nodes[1]
    net.cut = {2, 3}
    assert n1.read_index("r1")
    rd = n1.ready()
    n1.advance(rd)
    assert rd.reads == []  # no quorum heard yet
    net.cut = set()
    for m in rd.messages:
        net.nodes[m.dst].step(m)
    reads = []
    for _ in range(3):
        for n in net.nodes.values():
            rd = n.ready()
            reads += rd.reads if n is n1 else []
            n.advance(rd)
            for m in rd.messages:
                net.nodes[m.dst].step(m)
    assert reads == [("r1", 1)]


def test_leadership_transfer_hands_over_without_an_election_timeout():
    net = Net()
    net.tick(1, 10)
    assert net.nodes[1].transfer_leadership(3)
    net.flush()
    assert net.nodes[3].role == LEADER and net.nodes[3].term == 3 and net.nodes[1].role == FOLLOWER


def test_one_snapshot_in_flight_per_follower_and_a_lost_one_is_sent_again():
    """Stale acknowledgements (a heartbeat's, or ones a link queued while the leader was down) that arrive while a
    snapshot is in flight do not send it again (etcd's StateSnapshot); a lost one is re-sent after an election
    timeout without its acknowledgement, then installed."""
    snap_req = MsgType.InstallSnapshotRequest
    net = Net(cfg=Config(election_ticks=10, heartbeat_ticks=2, trace=True))
    net.cut = {3}
    net.tick(1, 10)
    n1, n3 = net.nodes[1], net.nodes[3]
    for k in range(10):
        n1.propose(b"x%d" % k)
        net.flush()
    n1.compact(n1.applied, b"state")
    net.cut = set()
    net.lose = lambda m: m.type == snap_req  # in flight: never delivered

    def sends() -> int:
        return sum(m.type == snap_req for m in net.sent)

    def ticks_until(n: int) -> int:
        for t in range(1, 50):
            net.tick(1)
            if sends() == n:
                return t
        raise AssertionError(f"{sends()} snapshots sent, not {n}")

    ticks_until(1)
    assert n1.prs[3].match == 0
    for k in range(50):  # stale successes, as a follower's link delivers after a leader restarts
        n1.step(Message(MsgType.AppendEntriesResponse, 3, 1, n1.term, index=0, flags=SUCCESS, seq=10_000 + k))
        net.flush()
    assert sends() == 1
    assert ticks_until(2) == 10  # an election timeout without its acknowledgement: lost, sent again
    net.lose = lambda m: False
    net.tick(1, 10)
    assert sends() == 3 and n3.log.offset == 11 and n1.prs[3].match == 11 and n3.commit == 11


def test_trace_clocks_message_ids_and_log_deltas():
    c = SimCluster(3, seed=4, faults=Faults(drop=0.1, duplicate=0.1, max_delay=9),
                   config=Config(election_ticks=10, heartbeat_ticks=2, max_batch_entries=4, trace=True))
    for k in range(40):
        c.write(1 + k % 3)
        c.run(9)
    c.crash(c.leader())
    c.run(300)
    for k in range(10):
        c.write(1 + k % 3)
        c.run(9)
    c.recover()
    sent_at: dict[tuple, int] = {}
    for node, events in c.trace.items():
        clocks = [e["clock"] for e in events]
        assert clocks == sorted(clocks) and len(set(clocks)) == len(clocks)  # strictly increasing, across restarts
        for e in events:
            for m in e["sent"]:
                assert m["clock"] == e["clock"] and m["msource"] == node
                sent_at[tuple(m["id"])] = e["clock"]
    for events in c.trace.values():
        for e in events:
            if "recv" in e:
                assert sent_at[tuple(e["recv"]["id"])] < e["clock"]  # happens-before
    merged = sorted((e for ev in c.trace.values() for e in ev), key=lambda e: (e["clock"], e["node"]))
    final: dict[int, list] = {}
    for ev, full in expand_logs(merged):
        final[ev["node"]] = full
    for i in c.ids:
        assert final[i] == [[e.term, describe_command(e.data)] for e in c.node(i).log.entries]
    names = {e["action"] for ev in c.trace.values() for e in ev}
    assert {"Timeout", "RequestVote", "BecomeLeader", "ClientRequest", "AppendEntries", "HandleAppendEntriesRequest",
            "HandleAppendEntriesResponse", "AdvanceCommitIndex", "Restart"} <= names


@pytest.mark.parametrize("planted", [False, True])
def test_figure8_a_previous_term_entry_is_not_committed_by_counting_replicas(planted):
    """Raft paper, Figure 8: S1 (term 4) replicates x (term 2) to a majority; only the bug commits it,
    and then S5 (whose log ends in term 3) is elected and overwrites the 'committed' entry."""
    cfg = Config(election_ticks=10, heartbeat_ticks=1, pre_vote=False, check_quorum=False, max_batch_entries=1)
    a, x, y = Entry(1, b"a"), Entry(2, b"x"), Entry(3, b"y")
    net = Net(5, cfg, logs={1: [a, x], 2: [a, x], 3: [a], 4: [a], 5: [a, y]}, terms=dict.fromkeys(range(1, 6), 3),
              rules=bug("no-figure8-rule") if planted else NONE,
              lose=lambda m: any(e.term == 4 for e in m.entries))  # S1's term-4 no-op never gets through
    net.cut = {5}
    net.tick(1, 12)  # elected at tick 10; heartbeats then find each follower's match and send x alone
    s1 = net.nodes[1]
    assert s1.role == LEADER and s1.term == 4
    assert all(net.nodes[i].log.entries[:2] == [a, x] for i in (1, 2, 3, 4))  # x is on a majority
    assert s1.commit == (2 if planted else 0)
    net.cut = {1}  # S1 crashes; S5 comes back and wins with votes of S2, S3, S4 (their last term 2 < 3)
    net.lose = lambda m: False
    net.tick(5, 20)  # its term-4 campaign loses (S2..S4 voted for S1 in term 4); the term-5 one wins
    s5 = net.nodes[5]
    assert s5.role == LEADER and s5.term == 5
    assert all(net.nodes[i].log.entries[1] == y for i in (2, 3, 4, 5)) and s5.commit >= 2
    # with the bug, index 2 was committed as x by S1 and is now committed as y: StateMachineSafety is broken


# -- trace lines: formatted directly, they must be the text the standard encoder makes of the event ---------
_STD = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def _escaping_describe(data: bytes) -> str:
    """A trace value that needs JSON escaping (quote, backslash, control and non-ASCII characters)."""
    return 'v"\\\n\u00e9' + data.hex() if data else "noop"


def traced_as_on_the_wire(mp: pytest.MonkeyPatch, key: Callable[[bytes], bytes] = command_key) -> None:
    """Simulated nodes trace as the store's do (``CompactTracer(wire=True, key=command_key)``): every message goes
    through the codec, a node's tracer is told the bytes each arrived as, and entries are kept as ``key`` gives
    them (the node's describe names them when read)."""
    mp.setattr("impl.raft.core.JsonLinesTracer", lambda: JsonLinesTracer(wire=True, key=key))
    step = RaftNode.step

    def arrived(self: RaftNode, m: Message):
        payload = encode_message(m)
        m = decode_message(payload)
        self.tracer.received(m, payload)
        return step(self, m)

    mp.setattr(RaftNode, "step", arrived)


@pytest.mark.parametrize(("describe", "wire"), [(describe_command, False), (_escaping_describe, False),
                                                 (describe_command, True), (_escaping_describe, True)])
def test_trace_lines_are_the_standard_json_of_their_events(monkeypatch, describe, wire):
    """Every event the core records (all actions of a hostile run with snapshots, reads and a transfer)
    is one line equal to what json's encoder writes for the parsed event: the format did not change;
    and a leader's nextIndex/matchIndex in it (cached between changes) are the current ones. With ``wire``
    (a runtime node's tracer), messages up to WIRE_TRACED bytes are traced as their wire bytes, received ones
    as they arrived: the lines read back from them are the same."""
    if wire:  # (the entries kept as the key the describe names alike: command_key's for the store's)
        traced_as_on_the_wire(monkeypatch, command_key if describe is describe_command else bytes)
        monkeypatch.setattr("impl.raft.tracing.WIRE_TRACED", 130)  # (the sim's values are small: its AppendEntries
        # with entries are traced by their values, its other messages as bytes)
    lines: list[str] = []
    ready = RaftNode.ready

    def recording(self: RaftNode):
        rd = ready(self)
        lines.extend(rd.trace)
        return rd

    event = CompactTracer.event
    compact: list[tuple] = []  # every event as the compact tracer took it, marshalled and read back

    def fresh(self: CompactTracer, node: RaftNode, *args) -> None:  # the leader's cached prs: never stale
        event(self, node, *args)
        ev = self.events[-1]
        if node.role == LEADER:
            assert ev[13] == tuple((j, p.next, p.match) for j, p in node.prs.items())

    propose = RaftNode.propose
    proposed = [0]

    def fresh_proposal(self: RaftNode, data: bytes):  # its own path: checked the same way
        placed = propose(self, data)
        if placed is not None:
            st = json.loads(LineFormatter(describe).line(self.tracer.events[-1]))["state"]
            assert st["nextIndex"] == {str(j): p.next for j, p in self.prs.items()}
            assert st["matchIndex"] == {str(j): p.match for j, p in self.prs.items()}
            assert st["log"] == {"from": placed[0], "entries": [[placed[1], describe(data)]]}
            proposed[0] += 1
        return placed

    take = CompactTracer.take

    def taken(self: CompactTracer) -> list:
        out = take(self)
        compact.extend(marshal.loads(marshal.dumps(out, MARSHAL_VERSION)))
        return out

    monkeypatch.setattr(CompactTracer, "take", taken)
    monkeypatch.setattr(RaftNode, "ready", recording)
    monkeypatch.setattr(CompactTracer, "event", fresh)
    monkeypatch.setattr(RaftNode, "propose", fresh_proposal)
    monkeypatch.setattr("impl.sim.cluster.describe_command", describe)
    c = SimCluster(3, seed=3, faults=Faults(drop=0.1, duplicate=0.1, max_delay=9), snapshot_every=7,
                   config=Config(election_ticks=10, heartbeat_ticks=2, max_batch_entries=4, max_inflight=3, trace=True))
    for k in range(40):
        c.write(1 + k % 3)
        if k % 5 == 0:
            c.read(1 + k % 3, b"k1")
        if k == 20 and c.leader():
            lead = c.leader()
            c.node(lead).transfer_leadership(1 + lead % 3)
            c._process(lead)
        c.run(9)
    c.crash(c.leader())
    c.run(300)
    c.recover()
    assert proposed[0] >= 20  # 20 in this seeded run
    actions = set()
    for line in lines:
        ev = json.loads(line)
        assert _STD(ev) == line
        actions.add(ev["action"])
    fmt = LineFormatter(describe)  # a compact trace file's events, read back, are the same lines
    assert [fmt.line(ev) for ev in compact] == lines
    traced = [m for ev in compact for m in ([ev[4]] if ev[4] is not None else []) + list(ev[5])]
    as_bytes = [m for m in traced if type(m) is bytes]
    if wire:  # both forms were read back: the bytes of the many, the values of the larger
        assert len(as_bytes) > len(traced) // 2 and len(as_bytes) < len(traced)
        kept = [e[1] for ev in compact for e in ev[10]]  # the log's entries kept as their keys, named when read
        assert kept and all(type(v) is bytes for v in kept)
        assert any(type(ev[4]) is bytes for ev in compact) and any(type(m) is bytes for ev in compact for m in ev[5])
        with pytest.raises(ValueError, match="without the node's describe"):
            LineFormatter().line(next(ev for ev in compact if type(ev[4]) is bytes))
    else:
        assert not as_bytes
    assert {"ClientRequest", "AppendEntries", "HandleAppendEntriesRequest", "HandleAppendEntriesResponse",
            "CompactLog", "InstallSnapshot", "HandleInstallSnapshotRequest", "ReadIndex", "TransferLeadership",
            "RequestVote", "HandleRequestVoteResponse", "PreVote", "Timeout", "UpdateTerm"} <= actions
    if describe is _escaping_describe:  # the values were escaped as json escapes them (and the check saw them)
        assert sum(r'v\"\\\n\u00e9' in line for line in lines) > 100


@given(st.builds(Message, st.sampled_from(list(MsgType)), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**40),
                 index=st.integers(0, 2**40), log_term=st.integers(0, 99), commit=st.integers(0, 2**40),
                 flags=st.integers(0, 7), hint_index=st.integers(0, 99), hint_term=st.integers(0, 99),
                 reject=st.integers(0, 99), context=st.integers(0, 3), boot=st.integers(0, 9),
                 seq=st.integers(0, 2**40), clock=st.integers(0, 2**40),
                 entries=st.lists(st.builds(Entry, st.integers(0, 9), st.binary(max_size=40)), max_size=3).map(tuple)))
def test_message_line_is_the_standard_json_of_message_json(m):
    """The directly formatted message text equals json's encoding of the reference dict form."""
    assert message_line(m, lambda d: json.dumps(describe_command(d) if len(d) >= 17 else describe_value(d))) == \
        _STD(message_json(m, lambda d: describe_command(d) if len(d) >= 17 else describe_value(d)))


def test_the_core_traces_nothing_by_default_and_through_an_injected_tracer():
    """Tracing is not the core's business: no tracer given, nothing is recorded; a tracer gets every step."""
    quiet = RaftNode(1, (1,), Config(), rand=lambda a, b: a)
    assert quiet.tracer is NO_TRACE
    for _ in range(30):
        quiet.tick()
    assert quiet.role == LEADER and quiet.propose(b"x") is not None and quiet.ready().trace == []

    class Names(NO_TRACE.__class__):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def event(self, node, action, params, recv, sent) -> None:
            self.seen.append(action)

        def client_request(self, node, data) -> None:
            self.seen.append(f"ClientRequest {data!r}")

    names = Names()
    node = RaftNode(1, (1,), Config(), rand=lambda a, b: a, tracer=names)
    for _ in range(30):
        node.tick()
    node.propose(b"x")
    assert names.seen[:2] == ["Init", "PreVote"] and names.seen[-1] == "ClientRequest b'x'"
    assert "BecomeLeader" in names.seen and "ClientRequest b''" in names.seen


@given(st.one_of(
    st.builds(Command, st.sampled_from([PUT, GET, DELETE, CAS]), st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1),
              st.binary(max_size=20), st.binary(max_size=40), st.none() | st.binary(max_size=10)).map(encode_command),
    st.frozensets(st.integers(1, 9), min_size=1).map(encode_config),
    st.just(b"")))
def test_an_entry_kept_by_its_command_key_is_named_as_its_data(data: bytes) -> None:
    """A store node's trace keeps an entry's value as ``command_key(data)`` and its reader names that key: the name
    must be the data's (a command, a configuration entry, the no-op)."""
    assert describe_command(command_key(data)) == describe_command(data)
    assert len(command_key(data)) <= max(17, len(data) if data[:1] == b"\xc0" else 17)


def test_a_sent_message_traced_as_bytes_is_encoded_once_and_a_large_one_is_not_kept() -> None:
    """CompactTracer(wire=True) encodes a sent message at its step and hands that encoding to the sender (once); one
    longer than WIRE_TRACED bytes is traced by its values, and one longer than KEPT_BYTES is not kept: no large
    encoding waits for a send that may never come (a peer without a link)."""
    from impl.raft.tracing import KEPT_BYTES, WIRE_TRACED

    tracer = CompactTracer(wire=True, key=command_key)
    node = RaftNode(1, (1, 2, 3), Config(trace=True), rand=random.Random(0).randint, tracer=tracer)
    command = b"\x01" + bytes(16)  # (a PUT's header: client 0, sequence 0)
    small = Message(MsgType.AppendEntriesRequest, 1, 2, 1, entries=(Entry(1, command + b"v" * 50),))
    medium = Message(MsgType.AppendEntriesRequest, 1, 3, 1, entries=(Entry(1, command + b"v" * WIRE_TRACED),))
    large = Message(MsgType.AppendEntriesRequest, 1, 3, 1, entries=(Entry(1, command + b"v" * KEPT_BYTES),))
    tracer.event(node, "AppendEntries", {"j": 2}, None, [small, medium, large])
    sent = tracer.events[-1][5]
    assert sent[0] == encode_message(small)
    assert [type(v) for v in sent[1:]] == [tuple, tuple] and sent[2][12][0][1] == command_key(large.entries[0].data)
    assert tracer.encoding(small) == encode_message(small) and tracer.encoding(small) is None  # (handed out once)
    assert tracer.encoding(medium) == encode_message(medium) and tracer.encoding(large) is None


def test_a_compact_tracers_events_are_handed_on_as_the_json_tracers(monkeypatch):
    """Ready.events parses a CompactTracer's events with the node's describe: one tracing as the runtime's nodes do
    (messages as their wire bytes, entries kept as command_key's bytes) gave events a LineFormatter without describe
    cannot name (ValueError). A simulated run whose nodes trace that way hands on_event the same events as one whose
    nodes trace JSON lines."""
    def run(tracer: Callable[[], object] | None) -> dict[int, list[dict]]:
        with monkeypatch.context() as mp:
            if tracer is not None:
                traced_as_on_the_wire(mp)
                mp.setattr(SimCluster, "node_class", staticmethod(lambda *a, **k: RaftNode(*a, tracer=tracer(), **k)))
            c = SimCluster(3, seed=11, config=Config(election_ticks=10, heartbeat_ticks=2, trace=True),
                           on_event=lambda ev: None)
            c.run(300)
            for k in range(6):
                c.write(1 + k % 3)
                c.run(5)
            c.run(100)
            return c.trace

    compact = run(lambda: CompactTracer(wire=True, key=command_key))
    assert sum(map(len, compact.values())) > 50 and compact == run(None)


def test_a_leader_counts_no_acknowledgement_of_an_incarnation_that_lost_its_storage():
    """Once a rejection from a follower's new boot shows its storage was lost (its log ends before the old boot's
    match), a late success of the old boot is not evidence of what it holds. The leader took it: matchIndex went
    back up to what the lost storage had, and the entry committed on the leader's copy and a log that no longer
    exists (seed 2079 with compaction every 5: leader 3 raised node 2's matchIndex from 0 to 2 on two of them,
    events 120 and 127, after node 2's rebuild). A leader that commits so can lose the entry: the rebuilt node
    catches up to an earlier commit index, votes, and elects a node without it."""
    net = Net()
    net.tick(1, 10)
    n1 = net.nodes[1]
    assert (n1.role, n1.term, n1.commit, n1.prs[2].match, n1.prs[2].boot) == (LEADER, 2, 1, 1, 0)
    net.cut |= {2, 3}
    n1.propose(b"x")
    net.flush()
    assert (n1.log.last_index(), n1.commit) == (2, 1)
    n1.step(Message(MsgType.AppendEntriesResponse, 2, 1, 2, reject=1, hint_index=1, boot=1))  # rebuilt, empty
    net.flush()
    assert n1.prs[2].match == 0
    n1.step(Message(MsgType.AppendEntriesResponse, 2, 1, 2, index=2, flags=SUCCESS, boot=0))  # the old boot's, late
    net.flush()
    assert (n1.prs[2].match, n1.commit) == (0, 1)
    assert net.events[-1]["action"] == "DropMessage"
    n1.step(Message(MsgType.AppendEntriesResponse, 2, 1, 2, index=2, flags=SUCCESS, boot=1))  # the new one's
    net.flush()
    assert (n1.prs[2].match, n1.commit) == (2, 2)
