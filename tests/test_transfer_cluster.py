"""Leadership transfer in a real cluster (`paxraft cluster transfer`): bad input, a target that lags (paused
with SIGSTOP) is brought up to date before it gets TimeoutNow (the planted bug that does not wait is caught by
`paxraft audit` at its TransferLeadership event), and kill -9 of the old leader or of the target while the
transfer is in flight under writes: no acknowledged write is lost, one leader per term, every event explained."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from pathlib import Path

import pytest
from test_impl_cluster import Load, kill

from impl.kv.client import KVClient
from impl.runtime import cluster
from modelcheck.cli import main
from modelcheck.harness import read_node_traces as read_traces


def _traces(d: Path) -> list[str]:
    return [str(p) for p in cluster.trace_files(d)]


def _audit(d: Path, capsys) -> dict:
    capsys.readouterr()
    rc = main(["audit", "--spec", "raft", *_traces(d), "--json"])
    cap = capsys.readouterr()
    assert cap.out, f"audit exit {rc}: {cap.err}"
    out = json.loads(cap.out)
    assert rc == (0 if out["verdict"] == "ok" else 1)
    return out


def leaders_by_term(files: list[str]) -> dict[int, set[int]]:
    """For each term, the nodes that became its leader, read off the traces (BecomeLeader events)."""
    events, _ = read_traces(files)
    out: dict[int, set[int]] = {}
    for e in events:
        if e.action == "BecomeLeader":
            out.setdefault(e.state["currentTerm"], set()).add(e.node)
    return out


def _counts(files: list[str]) -> dict[str, int]:
    events, _ = read_traces(files)
    out: dict[str, int] = {}
    for e in events:
        key = "HandleTimeoutNow" if e.action == "Timeout" and e.recv is not None else e.action
        out[key] = out.get(key, 0) + 1
    return out


def _try_transfer(d: Path, target: int | None) -> str:
    """`cluster.transfer`'s outcome as text: 'moved A->B', or the RuntimeError's message."""
    try:
        old, _, new, _ = cluster.transfer(d, target, wait=10.0)
    except RuntimeError as exc:
        return str(exc)
    except cluster.ClusterError as exc:
        return f"refused: {exc}"
    return f"moved {old}->{new}"


async def _in_thread(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def _pause(d: Path, node: int, sig: int) -> None:
    pid = cluster.pid_of(d, node)
    assert pid is not None
    os.kill(pid, sig)


async def _writes(d: Path, n: int, tag: bytes) -> None:
    client = KVClient.from_dir(d, timeout=10)
    try:
        for k in range(n):
            await client.put(b"%s%d" % (tag, k), b"v")
    finally:
        await client.close()


def test_bad_transfers_are_one_line_exit_2(tmp_path, capsys):
    cluster.start(tmp_path, 1)
    try:
        for argv, err in ((["--to", "7"], "--to 7 is not a node of this cluster (its nodes: 1)"),
                          (["--to", "1"], "node 1 is the leader already"),
                          ([], "node 1 refused the transfer: no other member to hand over to")):
            assert main(["cluster", "transfer", "--dir", str(tmp_path), *argv]) == 2
            out = capsys.readouterr().err.strip()
            assert out.endswith(err) and len(out.splitlines()) == 1, out
    finally:
        cluster.stop(tmp_path)
    assert main(["cluster", "transfer", "--dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().endswith("no leader to transfer from (see `paxraft cluster status`)")


def _transfer_to_a_paused_target(d: Path, capsys, bug: str | None) -> tuple[str, dict]:
    """Node `target` is paused (SIGSTOP) while 5 writes commit without it, then asked to take over and
    resumed once the leader has started the transfer: the transfer's outcome and the audit's verdict."""
    # transfers abandoned after 1.5 s: with 0.5 s the resumed target, starved of CPU, did not catch up in time at
    # load ~15 ('transfer abandoned' instead of 'moved')
    cluster.start(d, 3, election_ticks=150, **({"bug": bug} if bug else {}))
    try:
        lead = asyncio.run(cluster.wait_for_leader(d, 30))
        assert lead is not None, "no leader within 30 s"
        target = 1 + lead % 3
        _pause(d, target, signal.SIGSTOP)
        try:
            asyncio.run(_writes(d, 5, b"k"))

            async def go() -> str:
                # resumed once the leader reports the transfer: after a fixed 0.1 s the request could reach the
                # leader after the target had caught up (under load), and the planted bug went unseen
                moving = asyncio.ensure_future(_in_thread(_try_transfer, d, target))
                await _transfer_in_flight(d, target, moving)
                _pause(d, target, signal.SIGCONT)
                return await moving

            outcome = asyncio.run(go())
        finally:
            _pause(d, target, signal.SIGCONT)
        if bug is None:
            assert outcome == f"moved {lead}->{target}"
            asyncio.run(_writes(d, 5, b"after"))  # the new leader takes writes
    finally:
        cluster.stop(d)
    return outcome, _audit(d, capsys)


def test_a_lagging_target_is_brought_up_to_date_before_timeout_now(tmp_path, capsys):
    _, out = _transfer_to_a_paused_target(tmp_path, capsys, None)
    assert out["verdict"] == "ok" and out["audited"] == out["events"]
    counts = _counts(_traces(tmp_path))
    # TimeoutNow goes with each acknowledgement that finds the target up to date while the transfer runs (as in
    # etcd); the first makes it campaign, a later one finds it a candidate or leader already
    assert counts["TransferLeadership"] >= 1 and counts["HandleTimeoutNow"] == 1, counts


def test_timeout_now_to_a_lagging_target_is_caught_at_transfer_leadership(tmp_path, capsys):
    """The planted bug `transfer-to-lagging` (TimeoutNow at once): not a step the spec allows."""
    _, out = _transfer_to_a_paused_target(tmp_path, capsys, "transfer-to-lagging")
    f = out["failure"]
    assert out["verdict"] == "unexplained" and f["action"] == "TransferLeadership", f
    assert "is not enabled" in f["reason"]


class Writes(Load):
    """``sessions`` writers, one write outstanding each, until told to stop (after at least ``writes``)."""

    stop = False

    async def writer(self, w: int) -> None:
        s = self.client.session()
        k = 0
        while not self.stop or len(self.acked) < self.writes:
            key, val = b"w%d.%d" % (w, k), b"v%d" % k
            assert (await self.client.put(key, val, session=s)).status == 0
            self.acked[key] = val
            self.progress.set()
            k += 1

    def writing(self) -> bool:
        """Until told to stop, past ``writes`` too."""
        return not self.stop or len(self.acked) < self.writes


async def _transfer_in_flight(d: Path, target: int, moving: asyncio.Future[str], wait: float = 20.0) -> int | None:
    """Poll (``wait`` s at most) until a leader reports its transfer to ``target`` in flight (its ``transferee``):
    that leader's id; None when the transfer ended first (refused at once, e.g. no leader found under load)."""
    client = KVClient.from_dir(d)

    async def ask(i: int) -> dict | None:
        try:
            return await client.status(i, 1.0)
        except (TimeoutError, OSError, ConnectionError):
            return None

    others = [i for i in client.ports if i != target]  # the target is paused: it would not answer
    deadline = time.monotonic() + wait
    try:
        while not moving.done():
            for i, st in zip(others, await asyncio.gather(*(ask(i) for i in others))):
                if st and st["role"] == "Leader" and st.get("transferee") == target and not moving.done():
                    return i
            assert time.monotonic() < deadline, f"no leader reported a transfer to node {target} within {wait} s"
            await asyncio.sleep(0.01)
        return None
    finally:
        await client.close()


async def start_a_transfer_to_a_paused_target(d: Path, members: list[int], rng: random.Random
                                              ) -> tuple[int, int, asyncio.Future[str]]:
    """Pause (SIGSTOP) a member other than the leader and ask the leader to hand over to it: (the leader, the
    target, the transfer's outcome to come), the transfer seen in flight (the leader reports it: it refuses
    writes, waiting for the target to catch up). The caller resumes the target (SIGCONT)."""
    refusals = []
    for _attempt in range(5):
        await cluster.settle(d, members, 20)  # a node restarted in the phase before is up again
        lead = await cluster.wait_for_leader(d, 20)
        assert lead is not None, "no leader within 20 s"
        target = rng.choice([i for i in members if i != lead])
        _pause(d, target, signal.SIGSTOP)
        moving = asyncio.ensure_future(_in_thread(_try_transfer, d, target))
        await asyncio.sleep(rng.uniform(0.02, 0.08))
        # a fixed look after the sleep took a transfer that had not yet found its leader (under load) for one in
        # flight, and the leader was killed before it was asked: wait until the leader says it is transferring
        leader = await _transfer_in_flight(d, target, moving)
        if leader is not None:
            return leader, target, moving
        _pause(d, target, signal.SIGCONT)  # refused at once (the leader changed meanwhile, under load): again
        refusals.append(await moving)
    raise AssertionError(f"no transfer started: {refusals}")


async def _transfers_under_kills(d: Path, writes: int, rng: random.Random, target_back_in_flight: bool
                                 ) -> tuple[dict[bytes, bytes], list[str]]:
    """Writes throughout; three transfers, each to a target paused (SIGSTOP) so that the transfer is still in
    flight (the leader refuses writes, waiting for the target to catch up): the old leader is killed (-9); the
    target is killed; nothing is killed (the transfer completes). Victims come back with their data: the killed
    target after its transfer ended (it must be abandoned), or, with `target_back_in_flight`, while it may still
    run (then the target may catch up in time and take over: either ending is correct)."""
    load = Writes(d, writes)
    writers = asyncio.gather(*(load.writer(w) for w in range(load.sessions)))
    outcomes = []
    for n, victim in enumerate(("leader", "target", None)):
        await load.reached(writes * (n + 1) // 4)
        lead, target, moving = await start_a_transfer_to_a_paused_target(d, [1, 2, 3], rng)
        assert not writers.done()
        if victim == "leader":
            kill(d, lead)
            _pause(d, target, signal.SIGCONT)
            await asyncio.sleep(rng.uniform(0.05, 0.3))
            cluster.start_node(d, lead)
        elif victim == "target":
            kill(d, target)  # a stopped process dies on SIGKILL
            if not target_back_in_flight:
                outcomes.append(await moving)
            await asyncio.sleep(rng.uniform(0.05, 0.3))
            cluster.start_node(d, target)
            if not target_back_in_flight:
                continue
        else:
            _pause(d, target, signal.SIGCONT)
        outcomes.append(await moving)
    for _attempt in range(2):  # a node restarted just before may still be reconnecting to the leader (under load)
        if outcomes[-1].startswith("moved "):
            break
        await cluster.settle(d, [1, 2, 3], 20)
        outcomes[-1] = await _in_thread(_try_transfer, d, None)
    load.stop = True
    await writers
    await load.check_acked()
    return load.acked, outcomes


def _run(d: Path, writes: int, seed: int, capsys, target_back_in_flight: bool = False) -> list[str]:
    cluster.start(d, 3, snapshot_every=60, election_ticks=50)
    try:
        acked, outcomes = asyncio.run(_transfers_under_kills(d, writes, random.Random(seed), target_back_in_flight))
        assert len(acked) >= writes
    finally:
        cluster.stop(d)
    out = _audit(d, capsys)
    assert out["verdict"] == "ok" and out["audited"] == out["events"]
    files = _traces(d)
    assert all(len(nodes) == 1 for nodes in leaders_by_term(files).values()), leaders_by_term(files)
    counts = _counts(files)
    assert counts["TransferLeadership"] >= 1 and counts["HandleTimeoutNow"] >= 1, counts
    # the old leader and the target, each killed once and started again: two restarts. A boot's Restart event
    # waits in memory for the node's first round that writes or sends (97e560e); a boot killed -9 before then
    # leaves none, rightly (nothing outside saw it), as under load when a node restarted as the leader's victim
    # was chosen as the next target (seen: 1). The last boot is stopped with SIGTERM: its event is written.
    boots = sum((d / f"node-{i}" / "node.log").read_text().count(" listening on ") for i in (1, 2, 3))
    assert boots == 3 + 2 and 1 <= counts["Restart"] <= 2, (boots, counts)
    return outcomes


def test_transfers_while_the_old_leader_and_the_target_are_killed(tmp_path, capsys):
    outcomes = _run(tmp_path, writes=120, seed=1, capsys=capsys)
    assert outcomes[0].startswith("no answer from the leader")  # killed before it could answer
    # the target stays dead until the transfer ends (started again at once, on a fast machine it caught up within
    # the election timeout and took over: CI 2026-12-04): the old leader leads on and takes writes
    assert outcomes[1].startswith("transfer abandoned: node ")
    assert outcomes[2].startswith("moved ")


def test_the_killed_target_comes_back_while_its_transfer_may_still_run(tmp_path, capsys):
    outcomes = _run(tmp_path, writes=120, seed=1, capsys=capsys, target_back_in_flight=True)
    assert outcomes[1].startswith(("transfer abandoned: node ", "moved ")), outcomes


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2, 3, 4, 5, 6, 7])
def test_transfers_under_kills_many_seeds(tmp_path, capsys, seed):
    _run(tmp_path, writes=600, seed=seed, capsys=capsys, target_back_in_flight=seed % 2 == 0)


def test_a_transfer_stops_writes_and_is_abandoned_after_an_election_timeout():
    """The core: no proposals while a transfer runs, a second transfer refused by name, proposals again once
    an election timeout passes without the target taking over."""
    from test_impl_core import Net

    from impl.raft.core import LEADER

    net = Net()
    net.tick(1, 10)
    n1 = net.nodes[1]
    assert n1.role == LEADER and n1.transfer_target() == 2
    net.cut = {3}
    assert n1.transfer_leadership(3) and n1.transferee == 3
    assert n1.propose(b"x") is None
    assert n1.transfer_refusal(2) == "a transfer to node 3 is running" and not n1.transfer_leadership(2)
    for _ in range(n1.cfg.election_ticks):
        n1.tick()
    assert n1.role == LEADER and n1.transferee == 0 and n1.propose(b"x") is not None
    assert n1.transfer_refusal(1) == "node 1 is the leader already"
    assert n1.transfer_refusal(9) == "node 9 is not a member of the configuration [1, 2, 3]"
