"""Worker processes report exactly what one process reports: counts, depth, coverage and the trace itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from modelcheck import DEADLOCK, OK, VIOLATION, Result, check
from modelcheck.cli import main
from modelcheck.engine.parallel import parallel_bfs
from spec.behaviour import validate_trace
from spec.core import Spec, action, invariant
from spec.paxos import Paxos
from spec.raft import Raft
from spec.registry import build


def summary(r: Result) -> tuple:
    """Everything a run reports that must not depend on the engine or the number of workers."""
    trace = None if r.trace is None else [(None if st.label is None else str(st.label), st.state) for st in r.trace]
    coverage = {k: (c.fired, c.new) for k, c in r.coverage.items()}
    return r.verdict, r.violated, r.distinct_states, r.states_generated, r.depth, r.complete, coverage, trace


def assert_same(spec: Spec, workers: tuple[int, ...] = (2,), **kw: object) -> Result:
    one = check(spec, **kw)
    for n in workers:
        assert summary(parallel_bfs(spec, workers=n, **kw)) == summary(one), f"{n} workers, {kw}"
    return one


def test_complete_runs_equal_one_process() -> None:
    assert assert_same(Paxos(), (2, 3)).distinct_states == 3921
    assert assert_same(Paxos(), symmetry=True).distinct_states == 443
    assert assert_same(build("dueling")).verdict == OK
    r = assert_same(Raft(servers=2, max_term=2, max_log=1))
    assert (r.distinct_states, r.states_generated, r.depth) == (1760, 13797, 28)


def test_violations_stop_where_one_process_stops() -> None:
    # A violation found mid-level: the parallel run finishes the level, then recounts up to that state.
    for variant in ("ignore-votes", "dup-ballot", "accept-below-promise"):
        spec = build("paxos", variant)
        one = assert_same(spec, (2, 3))
        assert one.verdict == VIOLATION and one.violated == "Agreement"
    spec = build("paxos", "ignore-votes")
    b = parallel_bfs(spec, workers=2)
    assert (b.violated, b.trace_length, b.depth, b.distinct_states, b.states_generated) == (
        "Agreement",
        12,
        13,
        check(spec).distinct_states,
        check(spec).states_generated,
    )
    validate_trace(spec, b.trace)
    assert_same(spec, symmetry=True)


class Ladder(Spec):
    """Two counters, each up to 3; the state (3, 3) has no successor; a constraint keeps the sum below 7."""

    name = "ladder"

    def __init__(self, limit: int = 7, bad: tuple[int, int] | None = None, inits: int = 1) -> None:
        self.limit, self.bad, self.inits = limit, bad, inits
        super().__init__()

    def init_states(self):
        return [(0, k) for k in range(self.inits)]

    @action(params=lambda self, s: ((0,), (1,)))
    def Up(self, s, i):
        return s[:i] + (s[i] + 1,) + s[i + 1 :] if s[i] < 3 else None

    def constraint(self, s) -> bool:
        return sum(s) < self.limit

    @invariant
    def NotBad(self, s) -> bool:
        return s != self.bad


def test_deadlock_at_the_same_state_and_counts() -> None:
    r = assert_same(Ladder(limit=6), check_deadlock=True)
    assert r.verdict == OK  # (3, 3) is cut away, so Up stays enabled in (3, 2) and (2, 3)
    r = assert_same(Ladder(limit=9), (2, 3), check_deadlock=True)
    assert r.verdict == DEADLOCK and r.trace_length == 6 and r.trace[-1].state == (3, 3)


def test_violation_in_a_state_the_constraint_cuts() -> None:
    r = assert_same(Ladder(limit=5, bad=(3, 2)), (2, 3))
    assert r.verdict == VIOLATION and r.violated == "NotBad" and r.trace[-1].state == (3, 2)
    r = assert_same(Ladder(bad=(0, 1), inits=3))  # an initial state violates
    assert r.trace_length == 0


@pytest.mark.parametrize("max_states", [0, 1, 2, 3, 50, 1000, 3920, 3921, 5000])
def test_max_states_cuts_at_the_same_point(max_states: int) -> None:
    r = assert_same(Paxos(), max_states=max_states)
    assert r.complete == (max_states > 3921)


def test_more_workers_than_states() -> None:
    assert assert_same(Ladder(limit=9, inits=2), (5,), check_deadlock=True).verdict == DEADLOCK


def test_cli_workers(capsys) -> None:
    assert main(["check", "paxos", "--workers", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "with 2 worker processes" in out and "3,921 distinct states, 22,995 states generated, depth 17" in out
    assert main(["check", "paxos", "--workers", "0"]) == 2


class Broken(Ladder):
    """A spec whose step raises in one state: the worker expanding it fails, the others wait on it."""

    @action(params=lambda self, s: ((0,), (1,)))
    def Up(self, s, i):
        if s == (2, 1):
            raise ValueError("step failed in state (2, 1)")
        return super().Up(s, i)


def test_a_failing_worker_fails_the_run_without_hanging() -> None:
    with pytest.raises(ValueError, match=r"state \(2, 1\)"):
        check(Broken(limit=9))
    for n in (2, 3):
        with pytest.raises(ValueError, match=r"state \(2, 1\)"):
            parallel_bfs(Broken(limit=9), workers=n)


def test_a_failing_worker_ends_the_run_when_the_parent_handles_sigterm() -> None:
    """The workers are forked, so they inherited the parent's SIGTERM handler (an application's, or a test's
    left behind: the default test run hung here for good); the failed run's close sent them SIGTERM, they ran
    the handler and went on, one of them waiting for ever to flush its queue to a peer that no longer read it.
    Workers now ignore SIGTERM (the coordinator's to handle, as Ctrl-C) and close ends them with SIGKILL."""
    code = ("import signal, sys\n"
            "signal.signal(signal.SIGTERM, lambda *a: None)\n"
            "from modelcheck.engine.parallel import parallel_bfs\n"
            "from tests.test_parallel import Broken\n"
            "try:\n"
            "    parallel_bfs(Broken(limit=9), workers=2)\n"
            "except ValueError as exc:\n"
            "    print('raised', exc)\n")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "raised" in out.stdout and "state (2, 1)" in out.stdout, out.stderr[-2000:]


class _Waiter:
    """A stand-in partition whose one call waits in an exchange for every peer."""

    def __init__(self, w: int, n: int) -> None:
        self.w, self.n, self.bytes_sent, self.messages_sent = w, n, 0, 0

    def meet(self) -> list:
        return self.exchange("ask", [self.w] * self.n)  # type: ignore[attr-defined]


def test_close_ends_a_worker_left_in_an_exchange_by_a_call_sent_to_only_some() -> None:
    """Ctrl-C between the sends of one call: worker 1 got the call and waits on worker 0, which is told
    to stop. close() used to join it for ever (seen as a hung `check --workers 2` after SIGINT)."""
    import threading
    import time

    from modelcheck.engine import transport

    t = transport.LocalProcesses(_Waiter, 2)
    t.conns[1].send(("meet", ()))  # the interrupted call reached worker 1 only
    time.sleep(0.3)
    assert t.procs[1].is_alive()
    closer = threading.Thread(target=t.close, daemon=True)
    closer.start()
    closer.join(transport.CLOSE_GRACE + 10)
    hung = closer.is_alive()
    for p in t.procs:
        p.kill()  # a hung close (the old code) must not leave the worker behind
    assert not hung, "close() still joining a worker blocked in an exchange"
