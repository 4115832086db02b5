"""The node's event loop: uvloop by default, asyncio's own when told (or when uvloop is missing)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys

import pytest

from impl.runtime.cluster import ClusterError
from impl.runtime.server import use_event_loop


@pytest.fixture
def policy():
    old = asyncio.get_event_loop_policy()
    yield
    asyncio.set_event_loop_policy(old)


def loop_module() -> str:
    loop = asyncio.new_event_loop()
    try:
        return type(loop).__module__.split(".")[0]
    finally:
        loop.close()


def test_uvloop_is_the_default_and_false_keeps_asyncios_loop(policy):
    use_event_loop({"uvloop": False})
    assert loop_module() == "asyncio"
    use_event_loop({})  # (`make setup` installs uvloop; a venv made before it came runs asyncio's loop)
    assert loop_module() == ("uvloop" if importlib.util.find_spec("uvloop") else "asyncio")


def test_a_missing_uvloop_falls_back_unless_asked_for(policy, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    use_event_loop({})
    assert loop_module() == "asyncio"
    with pytest.raises(ClusterError, match='"uvloop": true, but uvloop is not installed'):
        use_event_loop({"uvloop": True})


def test_the_busy_poll_keeps_the_loop_turning_only_within_its_window_and_while_wanted():
    """impl/runtime/busypoll.py: turns while armed and wanted; none once the window ended or nothing is wanted."""
    import time

    from impl.runtime.busypoll import BusyPoll

    async def go() -> tuple[int, bool, int, int]:
        loop = asyncio.get_running_loop()
        wanted = [True]
        p = BusyPoll(loop, 20_000, lambda: wanted[0])
        p.arm()
        deadline = time.monotonic() + 10
        while p.polling and time.monotonic() < deadline:  # (a yield that let another process run ends it early)
            await asyncio.sleep(0)
        ended, turns = not p.polling, p.turns
        await asyncio.sleep(0.05)
        after_window = p.turns
        wanted[0] = False
        p.arm()
        for _ in range(10):
            await asyncio.sleep(0)
        return turns, ended, after_window, p.turns

    turns, ended, after_window, unwanted = asyncio.run(go())
    assert turns >= 1 and ended
    assert after_window == turns  # nothing after the window (or the cut)
    assert unwanted == turns  # armed, but nothing wanted: no turn


def test_a_node_runs_with_the_scheduler_slice_cluster_json_names(tmp_path):
    """impl/runtime/slice.py: ``sched_slice_us`` (100 by default) is the nodes' EEVDF slice; on a kernel without
    custom slices (before 6.12, where sched_getattr reports none for this process either) it stays unset."""
    from impl.runtime import cluster
    from impl.runtime.slice import get_slice

    kernel_has_slices = get_slice() > 0
    cluster.start(tmp_path / "a", 3)
    cluster.start(tmp_path / "b", 3, sched_slice_us=300)
    try:
        a = [get_slice(cluster.pid_of(tmp_path / "a", i)) for i in (1, 2, 3)]
        b = [get_slice(cluster.pid_of(tmp_path / "b", i)) for i in (1, 2, 3)]
    finally:
        cluster.stop(tmp_path / "a")
        cluster.stop(tmp_path / "b")
    assert (a, b) == (([100] * 3, [300] * 3) if kernel_has_slices else ([0] * 3, [0] * 3))


def test_the_slice_keeps_the_policy_and_leaves_real_time_priority_alone():
    """set_slice must not turn a SCHED_BATCH process into SCHED_OTHER, nor a real-time one (``kv_bench.py
    --realtime``) into an ordinary one: it did, and a node then ran at ordinary priority beside a real-time etcd."""
    import subprocess

    code = """
import os
from impl.runtime.slice import get_slice, set_slice
os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
has = get_slice() > 0
print(set_slice(200), os.sched_getscheduler(0) == os.SCHED_BATCH, get_slice() == (200 if has else 0))
try:
    os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(1))
except PermissionError:
    print("True True")  # (not privileged: a real-time process cannot occur here)
else:
    print(set_slice(200) is False, os.sched_getscheduler(0) == os.SCHED_RR)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True"] * 5, out


def test_spread_followers_gives_each_follower_its_own_cpu_and_the_leader_all_of_them(tmp_path):
    """``"spread_followers"``: a follower runs on one CPU by its rank among the followers, the leader (and a node
    that knows no leader) on every CPU it was allowed; off by default."""
    import os
    import time

    from impl.runtime import cluster
    from impl.runtime.server import follower_cpu

    assert follower_cpu(1, 1, [1, 2, 3], {0, 1}) == {0, 1}  # the leader
    assert [follower_cpu(j, 1, [1, 2, 3], {0, 1}) for j in (2, 3)] == [{0}, {1}]
    assert [follower_cpu(j, 2, [1, 2, 3, 4], {2, 5}) for j in (1, 3, 4)] == [{2}, {5}, {2}]
    assert follower_cpu(2, 0, [1, 2, 3], {0, 1}) == {0, 1}  # no leader known
    assert follower_cpu(2, 1, [1, 2, 3], {3}) == {3}

    allowed = os.sched_getaffinity(0)
    cluster.start(tmp_path, 3, spread_followers=True)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # each node places itself in its first round that knows the leader
            lead = asyncio.run(cluster.wait_for_leader(tmp_path, 30))  # (read again: a starved node may have
            assert lead is not None  # campaigned since, with the default election timeout of 0.2 s)
            want = {j: follower_cpu(j, lead, [1, 2, 3], allowed) for j in (1, 2, 3)}
            got = {j: os.sched_getaffinity(cluster.pid_of(tmp_path, j)) for j in (1, 2, 3)}
            if got == want:
                break
            time.sleep(0.05)
    finally:
        cluster.stop(tmp_path)
    assert got == want
    cluster.start(tmp_path / "off", 3)
    try:
        assert all(os.sched_getaffinity(cluster.pid_of(tmp_path / "off", j)) == allowed for j in (1, 2, 3))
    finally:
        cluster.stop(tmp_path / "off")
