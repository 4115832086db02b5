"""The key-value state machine, the client protocol and the client: applying, deduplication, malformed
commands, batched requests and replies, timeouts."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from impl.kv.client import ClientError, KVClient, _Conn, _Deadlines
from impl.kv.machine import CAS, CAS_FAILED, DELETE, GET, NOT_FOUND, OK, PUT, Command, KVMachine, Result, encode_command
from impl.kv.protocol import (
    NOT_LEADER,
    REFUSED,
    RETRY,
    STATUS,
    Response,
    batches,
    decode_request,
    decode_response,
    decode_responses,
    encode_reply,
    encode_request,
    encode_response,
    split_requests,
)
from impl.kv.protocol import OK as ANSWERED
from impl.raft.messages import FrameDecoder, frame_with_key
from impl.raft.rules import NO_ENTRY_OF_TERM

KEYS = st.sampled_from([b"a", b"b", b""])
VALS = st.binary(max_size=6)
commands = st.builds(Command, st.sampled_from([PUT, DELETE, CAS]), st.integers(1, 3), st.integers(1, 6), KEYS, VALS,
                     st.one_of(st.none(), VALS))


def reference(cmds: list[Command]) -> tuple[list[Result | None], dict[bytes, bytes]]:
    """What applying the commands in order must give: each client's command applies once per sequence number."""
    data: dict[bytes, bytes] = {}
    last: dict[int, tuple[int, Result]] = {}
    out: list[Result | None] = []
    for c in cmds:
        if c.client in last and c.seq <= last[c.client][0]:
            out.append(last[c.client][1])
            continue
        cur = data.get(c.key)
        if c.op == PUT:
            data[c.key] = c.value
            res = Result(OK)
        elif c.op == DELETE:
            res = Result(NOT_FOUND) if cur is None else Result(OK, data.pop(c.key))
        elif cur != c.expected:
            res = Result(CAS_FAILED, cur)
        else:
            data[c.key] = c.value
            res = Result(OK, cur)
        last[c.client] = (c.seq, res)
        out.append(res)
    return out, data


@given(st.lists(commands, max_size=30))
def test_apply_matches_the_reference_semantics_with_deduplication(cmds):
    m = KVMachine()
    got = [m.apply(i + 1, encode_command(c)) for i, c in enumerate(cmds)]
    want, data = reference(cmds)
    assert got == want and m.data == data and m.applied == len(cmds)
    assert m.apply(len(cmds) + 1, b"") is None and m.applied == len(cmds) + 1  # the leader's no-op


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:20], "shorter than its header"),
    (lambda b: b + b"x", "malformed command"),
    (lambda b: b[:-1], "malformed command"),
    (lambda b: bytes([9]) + b[1:], "malformed command"),
])
def test_a_malformed_command_is_refused_even_when_its_sequence_number_was_applied(damage, message):
    m = KVMachine()
    good = encode_command(Command(PUT, 7, 5, b"k", b"v"))
    assert m.apply(1, good) == Result(OK)
    with pytest.raises(ValueError, match=message):
        m.apply(2, damage(good))  # seq 5 was applied: deduplication must not hide the damage
    assert m.data == {b"k": b"v"}


@given(st.integers(0, 2**64 - 1), st.sampled_from([0, NOT_LEADER, RETRY]), st.integers(0, 255),
       st.integers(0, 65535), st.one_of(st.none(), st.binary(max_size=20)))
def test_encode_reply_is_encode_response(req_id, kind, status, leader, value):
    r = Response(req_id, kind, status, leader, value)
    assert encode_reply(req_id, kind, status, leader, value) == encode_response(r)
    assert decode_response(encode_reply(req_id, kind, status, leader, value)) == r


def _silent_node() -> tuple[socket.socket, int]:
    """A listening socket that accepts connections (the kernel does) and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    return s, s.getsockname()[1]


def test_client_gives_up_after_its_timeout_on_a_node_that_never_answers():
    srv, port = _silent_node()
    c = KVClient({1: port}, b"s" * 32, timeout=0.3)

    async def put() -> float:
        t = time.monotonic()
        with pytest.raises(ClientError, match="within 0.3 s"):
            await c.put(b"k", b"v")
        await c.close()
        return time.monotonic() - t

    try:
        took = asyncio.run(put())
    finally:
        srv.close()
    assert took >= 0.3 and c.retries >= 1  # (not late either: test_a_request_expires_at_the_first_sweep_past_it)


def test_a_request_expires_at_the_first_sweep_past_its_deadline():
    """The deadline sweep, on a loop whose clock the test sets: a request expires at the first sweep at or
    past its deadline, never later (asserted on wall time, 'within a second' failed on a loaded machine)."""
    loop = asyncio.new_event_loop()
    now = [100.0]
    loop.time = lambda: now[0]  # type: ignore[method-assign]
    try:
        sweeps, early, late = _Deadlines(), loop.create_future(), loop.create_future()
        sweeps.add(loop, 100.3, early)
        sweeps.add(loop, 105.0, late)
        for t in (100.01, 100.29):
            now[0] = t
            sweeps._sweep(loop)
            assert not early.done() and sweeps.timer is not None
        now[0] = 100.3
        sweeps._sweep(loop)
        assert isinstance(early.exception(), TimeoutError) and not late.done()
        late.cancel()  # a request answered or abandoned is dropped at the next sweep, which then stops
        sweeps._sweep(loop)
        assert sweeps.items == [] and sweeps.timer is None
    finally:
        loop.close()


def test_client_timeouts_still_fire_in_a_second_event_loop():
    """A run that ends with a request abandoned leaves the first loop's sweep behind; the next loop arms its own."""
    srv, port = _silent_node()
    c = KVClient({1: port}, b"s" * 32, timeout=0.2)

    async def abandon() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(c.put(b"k", b"v"), 0.05)
        await c.close()

    async def again() -> None:
        with pytest.raises(ClientError):
            await asyncio.wait_for(c.put(b"k", b"v"), 3.0)  # a hang would end in TimeoutError here instead
        await c.close()

    try:
        asyncio.run(abandon())
        asyncio.run(again())
    finally:
        srv.close()



def test_a_sequential_request_leaves_at_once_and_concurrent_ones_share_one_frame():
    """A request that is the only one outstanding, after replies that answered one, is written before the loop
    turns; requests sent while another is outstanding, or after a frame of replies that answered several
    (sessions running concurrently), wait for the turn and leave together in one frame, in order."""
    secret = b"s" * 32

    class Wire:  # the connection's transport: what was written to it
        def __init__(self) -> None:
            self.writes: list[bytes] = []

        def write(self, data: bytes) -> None:
            self.writes.append(data)

        def is_closing(self) -> bool:
            return False

    async def go() -> list[list[int]]:
        loop = asyncio.get_running_loop()
        c = _Conn(secret)
        c.transport = wire = Wire()  # type: ignore[assignment]

        def send(k: int) -> None:
            c.waiting[k] = loop.create_future()
            c.send(encode_request(k, Command(PUT, 7, k, b"k%d" % k, b"v")))

        def replies(*ids: int) -> None:
            c.data_received(frame_with_key(b"".join(encode_reply(k, ANSWERED) for k in ids), c.key))

        send(1)
        assert len(wire.writes) == 1  # at once
        send(2)
        send(3)
        assert len(wire.writes) == 1  # queued behind the outstanding one
        await asyncio.sleep(0)  # one turn of the loop: 2 and 3 in one frame
        replies(1, 2, 3)  # one frame answered three: sessions run concurrently
        send(4)
        assert len(wire.writes) == 2
        await asyncio.sleep(0)
        replies(4)
        send(5)
        assert len(wire.writes) == 4  # sequential again: at once
        dec = FrameDecoder(secret)
        return [[req_id for req_id, _, _ in split_requests(p)] for w in wire.writes for p in dec.feed(w)]

    assert asyncio.run(go()) == [[1], [2, 3], [4], [5]]

requests = st.one_of(st.builds(Command, st.sampled_from([PUT, DELETE, CAS, GET]), st.integers(0, 2**63),
                               st.integers(0, 2**63), st.binary(max_size=9), VALS, st.one_of(st.none(), VALS)),
                     st.none())  # None: a status request


@given(st.lists(st.tuples(st.integers(0, 2**64 - 1), requests), min_size=1, max_size=8))
def test_a_frame_of_requests_splits_into_exactly_those_requests(reqs):
    payload = b"".join(encode_request(rid, cmd) for rid, cmd in reqs)
    got = list(split_requests(payload))
    assert [rid for rid, _, _ in got] == [rid for rid, _ in reqs]
    for (rid, op, data), (_, cmd) in zip(got, reqs, strict=True):
        assert (op, data) == ((STATUS, b"") if cmd is None else (cmd.op, encode_command(cmd)))
        assert decode_request(encode_request(rid, cmd)) == (rid, cmd)


@pytest.mark.parametrize("cut, message", [(-1, "malformed command"), (3, "too short"), (30, "shorter than its header")])
def test_a_damaged_request_in_a_frame_is_refused(cut, message):
    good = encode_request(1, Command(PUT, 7, 5, b"k", b"v")) + encode_request(2, Command(PUT, 7, 6, b"k", b"w"))
    with pytest.raises(ValueError, match=message):
        list(split_requests(good[: len(good) // 2 + cut] if cut > 0 else good[:cut]))


@given(st.lists(st.tuples(st.integers(0, 2**64 - 1), st.sampled_from([0, NOT_LEADER, RETRY]), st.integers(0, 255),
                          st.integers(0, 65535), st.one_of(st.none(), st.binary(max_size=20))), min_size=1, max_size=8))
def test_a_frame_of_responses_decodes_into_exactly_those_responses(rs):
    payload = b"".join(encode_reply(*r) for r in rs)
    assert decode_responses(payload) == [Response(*r) for r in rs]
    with pytest.raises(ValueError):
        decode_responses(payload[:-1] if rs[-1][4] else payload + b"\x00")


def test_batches_keep_order_and_stay_under_the_limit_unless_one_item_is_bigger():
    items = [b"a" * n for n in (3, 4, 2, 9, 1, 1)]
    assert list(batches(items, 6)) == [[b"aaa"], [b"aaaa", b"aa"], [b"a" * 9], [b"a", b"a"]]
    assert list(batches(items)) == [items] and list(batches([])) == []



def test_a_change_refused_by_a_leader_without_an_entry_of_its_term_is_asked_again():
    """A leader just elected refuses a membership change until it has committed an entry of its term (its no-op,
    within a round trip): the client asks again rather than report that refusal; other refusals are final, and
    when the leader never gets there the refusal is what the client reports at its timeout."""
    not_yet = Response(1, REFUSED, value=f"{NO_ENTRY_OF_TERM} 3".encode())
    final = Response(2, REFUSED, value=b"node 4 is already a member of [1, 2, 3, 4]")

    def client(answers: list[Response]) -> tuple[KVClient, list[Response]]:
        c = KVClient({1: 7001}, b"s" * 32, timeout=0.2)
        asked: list[Response] = []

        async def ask(node: int, cmd: object, wait: float, change: object = None) -> Response:
            asked.append(answers[min(len(asked), len(answers) - 1)])
            return asked[-1]

        c._ask = ask  # type: ignore[method-assign]
        return c, asked

    c, asked = client([not_yet, not_yet, Response(3, OK)])
    assert asyncio.run(c.change("add", 4)).kind == OK and len(asked) == 3
    c, asked = client([final, Response(3, OK)])
    assert asyncio.run(c.change("add", 4)) == final and len(asked) == 1
    c, asked = client([not_yet])
    assert asyncio.run(c.change("add", 4)) == not_yet and len(asked) > 1

def test_a_hint_naming_a_server_added_later_is_followed_once_cluster_json_names_it(tmp_path):
    """A client started before ``cluster add`` was hinted to the new leader (node 4) and died on its port
    (KeyError: 4, seen in test_membership_cluster): it now reads the port from cluster.json; a client built
    from ports alone asks the next node it knows instead."""
    desc = {"nodes": {"1": 7001, "2": 7002, "3": 7003}, "secret": "ab" * 32}
    (tmp_path / "cluster.json").write_text(json.dumps(desc))
    c = KVClient.from_dir(tmp_path)
    hint = Response(1, NOT_LEADER, leader=4)
    assert c._redirect(2, hint) == (3, False)  # node 4 unknown yet: not a KeyError
    desc["nodes"]["4"] = 7004
    (tmp_path / "cluster.json").write_text(json.dumps(desc))
    assert c._redirect(2, hint) == (4, True) and c.ports[4] == 7004
    bare = KVClient({1: 7001, 2: 7002}, b"s" * 32)
    assert bare._redirect(2, hint) == (1, False)


class _NoDisk:
    """Synchronous storage for replicas in one process: nothing to write, the sync is immediate."""

    def save(self, rd) -> None:
        pass

    def sync(self) -> None:
        pass


def _three_replicas_led_by_1(wire, make):
    """Replicas 1-3, ``make(j, node, reps)`` each, their messages through ``wire`` (a deque) and ``deliver()``,
    stepped until node 1 (the shortest election timeout) leads: (reps, deliver)."""
    from impl.raft.core import LEADER, Config, RaftNode

    reps = {}
    for j in (1, 2, 3):
        node = RaftNode(j, (1, 2, 3), Config(election_ticks=10), rand=lambda lo, hi, j=j: lo if j == 1 else hi)
        reps[j] = make(j, node, reps)

    def deliver() -> None:
        while wire:
            m = wire.popleft()
            reps[m.dst].node.step(m)
            reps[m.dst].process()

    for _ in range(10):
        reps[1].node.tick()
        reps[1].process()
        deliver()
    assert reps[1].node.role == LEADER
    return reps, deliver


def test_a_followers_ack_leaves_before_it_applies_and_a_leaders_replies_before_the_rest_of_its_round():
    """``Replica(write_out=)`` (the runtime's flush): a follower's acknowledgement is written right after its sync,
    before the core hears that the sync completed (``advance``) and before it applies the entries the AppendEntries
    reported committed; a leader's replies are written as soon as its acknowledgement round made them."""
    from collections import deque

    from impl.kv.replica import Replica
    from impl.raft.core import RaftNode
    from impl.raft.messages import MsgType

    wire: deque = deque()
    seen: list[tuple] = []  # (node, what its write_out saw: applied index, frames it had sent, clients answered,
    #                         the core's persisted index)
    answered: list[int] = []

    def make(j: int, node: RaftNode, reps: dict[int, Replica]) -> Replica:
        sent: list = []
        return Replica(node, _NoDisk(), lambda m: (sent.append(m), wire.append(m)),
                       write_out=lambda: seen.append((j, reps[j].machine.applied, [m.type for m in sent],
                                                      len(answered), reps[j].node.log.stable)))

    reps, deliver = _three_replicas_led_by_1(wire, make)
    for k in range(2):
        reps[1].submit(Command(PUT, 7, k + 1, b"k%d" % k, b"v"), lambda kind, res: answered.append(1))
        reps[1].process()
        seen.clear()
        deliver()
        follower = [s for s in seen if s[0] == 2]
        assert follower and follower[0][2][-1] == MsgType.AppendEntriesResponse  # the ack was out at its write
        assert follower[0][1] == reps[1].node.commit - 2  # ...with the entry it reported committed not yet applied
        assert reps[2].machine.applied == reps[1].node.commit - 1  # (applied once the round went on)
        assert follower[0][4] == reps[2].node.log.stable - 1  # ...and the core not yet told its entry is durable
        leader = [s for s in seen if s[0] == 1]
        assert leader and leader[0][3] == k + 1  # the leader's write_out came with this write's reply made


def test_a_retried_write_still_waiting_is_answered_by_its_first_copy_not_appended_again():
    """A client whose wait for a write runs out asks again with the same sequence number. The leader appended each
    retry as a new entry: a 16 MiB put retried every second added 16 MiB to the log each time while the followers
    were still writing the last copy, their stalls deposed leader after leader, and the put never finished (a real
    3-node cluster, 100 s). A retry of a write still waiting on this leader now waits for the first copy's outcome."""
    from collections import deque

    from impl.kv.replica import Replica
    from impl.raft.core import LEADER

    wire: deque = deque()
    reps, deliver = _three_replicas_led_by_1(wire, lambda j, node, reps: Replica(node, _NoDisk(), wire.append,
                                                                                 merge_retries=True))
    lead = reps[1]
    assert lead.node.role == LEADER
    answers: list[tuple[str, object]] = []
    before = lead.node.log.last_index()
    cmd = Command(PUT, 7, 1, b"k", b"v" * 1000)
    lead.submit(cmd, lambda kind, res: answers.append(("first", kind)))
    lead.submit(cmd, lambda kind, res: answers.append(("retry", kind)))  # before any follower answered
    lead.submit(cmd, lambda kind, res: answers.append(("again", kind)))
    assert lead.node.log.last_index() == before + 1  # one entry for the three
    lead.process()
    deliver()
    assert answers == [("first", "ok"), ("retry", "ok"), ("again", "ok")]
    lead.submit(cmd, lambda kind, res: answers.append(("late", kind)))  # after it was applied: a new entry, which
    lead.process()  # the state machine recognises as the same write
    deliver()
    assert lead.node.log.last_index() == before + 2 and answers[-1] == ("late", "ok")
    other = Command(PUT, 7, 2, b"k", b"w")  # the same client's next write is its own entry
    lead.submit(other, lambda kind, res: answers.append(("next", kind)))
    assert lead.node.log.last_index() == before + 3


def test_a_retry_is_not_merged_into_another_clients_write_placed_where_its_first_copy_was():
    """The merge found a retry's first copy by its log index alone. Leader 1 placed writes X, Y, A at 5-7 in term 2;
    a leader of term 3 cut them (its no-op at 5); node 1, leading again in term 4, put its no-op at 6 and client
    B's write at 7. A's retry then found index 7 waiting and was answered with B's outcome: "ok" for a write that
    was never in the log (a cas told it succeeded). A first copy is its index and term (Log Matching)."""
    from types import SimpleNamespace

    from impl.kv.replica import Replica
    from impl.raft.core import LEADER
    from impl.raft.log import Entry

    placed = iter([(7, 2), (7, 4), (8, 4)])  # what the core answers: A in term 2, B in term 4, A again
    node = SimpleNamespace(snapshot=None, role=LEADER, leader=1, propose=lambda data: next(placed))
    rep = Replica(node, _NoDisk(), lambda m: None, merge_retries=True)  # type: ignore[arg-type]
    answers: list[tuple[str, str]] = []
    a, b = Command(PUT, 7, 1, b"a", b"1"), Command(PUT, 9, 1, b"b", b"2")
    rep.submit(a, lambda kind, res: answers.append(("A", kind)))
    rep.submit(b, lambda kind, res: answers.append(("B", kind)))  # (A's first copy was cut: it is never answered)
    rep.submit(a, lambda kind, res: answers.append(("A again", kind)))  # its retry: appended, at 8
    rep._apply(SimpleNamespace(snapshot=None, committed=[(7, Entry(4, encode_command(b)))], reads=[]))
    assert answers == [("B", "ok")]
    rep._apply(SimpleNamespace(snapshot=None, committed=[(8, Entry(4, encode_command(a)))], reads=[]))
    assert answers == [("B", "ok"), ("A again", "ok")] and rep.machine.read(b"a").value == b"1"


def test_a_large_command_waits_longer_per_attempt_before_it_is_sent_again():
    """Each attempt waited one second whatever the command's size: a 16 MiB put was sent again every second, to the
    next node (a follower, which refused it) and back, while the cluster was still writing its first copy."""
    from impl.kv.client import attempt_wait

    assert attempt_wait(Command(PUT, 1, 1, b"k", b"v")) == pytest.approx(1.0, abs=1e-5)
    assert attempt_wait(Command(PUT, 1, 1, b"", b"v" * (16 << 20))) == 5.0
    assert attempt_wait(Command(CAS, 1, 1, b"", b"n" * (2 << 20), b"e" * (2 << 20))) == 2.0
