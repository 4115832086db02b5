"""The audit's cost per event does not grow with the log's length (counted, not timed), and the log
structure that makes it so (modelcheck/audit/shared_log.py) is the tuple it stands for."""

from __future__ import annotations

import random
import sys
from collections import Counter
from typing import Any

import pytest

from modelcheck.audit.raft_sim import RaftOnlineAudit, RefinementViolation
from modelcheck.audit.raft_steady import steady_trace
from modelcheck.audit.shared_log import WORK, SharedLog, of


def _tail_work(bulk: int, writes: int, kinds: tuple[str, ...] = ("call", "c_call")
               ) -> tuple[Counter[str], int, RaftOnlineAudit]:
    """Audit online a leader's log of ``bulk`` entries, then count what the next ``writes`` writes cost:
    log entries touched (SharedLog's WORK) and function calls of these ``kinds`` (a profile hook)."""
    head, tail = steady_trace(bulk, writes)
    audit = RaftOnlineAudit([1, 2, 3])
    for rec in head:
        audit.on_event(rec)
    before = Counter(WORK)
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in kinds:
            calls += 1

    sys.setprofile(count)
    try:
        for rec in tail:
            audit.on_event(rec)
    finally:
        sys.setprofile(None)
    work = Counter(WORK)
    work.subtract(before)
    return +work, calls, audit


def test_the_cost_of_an_event_does_not_grow_with_the_log() -> None:
    short, short_calls, _ = _tail_work(100, 40)
    long, long_calls, audit = _tail_work(10_000, 40)
    assert audit.auditor.audited == audit.count == 10_016 + 200  # every event explained
    state = next(iter(audit.auditor.candidates))
    assert len(state.log[0]) == 10_040 and all(isinstance(lg, SharedLog) for lg in state.log)
    # Per write: the leader's new entry stored (and hashed) once, read once into its AppendEntries
    # request; no log copied or compared entry by entry, at 100 entries as at 10,000.
    assert short == long == Counter({"appended": 40, "read": 40})
    assert 0 < long_calls <= short_calls * 1.01  # no Python-level loop over the log either


def test_a_wrong_entry_deep_in_a_long_log_is_still_caught() -> None:
    head, tail = steady_trace(2_000, 3)
    batch = next(r for r in head if r["action"] == "HandleAppendEntriesRequest")
    batch["state"]["log"]["entries"][1234] = [2, "v-other"]  # node 2 reports one entry it was not sent
    audit = RaftOnlineAudit([1, 2, 3])
    with pytest.raises(RefinementViolation) as caught:
        for rec in head + tail:
            audit.on_event(rec)
    f = caught.value.failure
    assert f.event.action == "HandleAppendEntriesRequest" and f.event.node == 2
    assert [d[0] for d in f.diff] == ["log"]


def test_a_shared_log_is_the_tuple_it_stands_for() -> None:
    rng = random.Random(7)
    logs: list[tuple[SharedLog, tuple]] = [(SharedLog.empty(), ())]
    for _ in range(2_000):
        lg, tup = rng.choice(logs)
        op = rng.random()
        if op < 0.6:
            extra = tuple((rng.randrange(3), rng.randrange(3)) for _ in range(rng.randrange(4)))
            lg, tup = lg + extra, tup + extra
        elif op < 0.8:
            k = rng.randrange(-2, len(tup) + 2)
            lg, tup = lg[:k], tup[:k]
        else:
            a, b = rng.randrange(-3, len(tup) + 2), rng.randrange(-3, len(tup) + 2)
            assert lg[a:b] == tup[a:b] and tuple(lg[a:b]) == tup[a:b]
            continue
        assert isinstance(lg, SharedLog)
        assert lg == tup and tup == lg and (lg != tup) is False and hash(lg) == hash(tup)
        assert len(lg) == len(tup) and tuple(lg) == tup and (not tup or (lg[-1], lg[0]) == (tup[-1], tup[0]))
        logs.append((lg, tup))
    for (x, tx), (y, ty) in zip(rng.sample(logs, 300), rng.sample(logs, 300)):
        assert (x == y) == (tx == ty) and (x != y) == (tx != ty)
    with pytest.raises(IndexError):
        of([(1, 1)])[1]


def test_logs_that_diverge_alike_share_one_fork() -> None:
    base = SharedLog.empty() + tuple((1, v) for v in range(1_000))
    before = Counter(WORK)
    old_leader = base + ((1, 5000),)  # the buffer's own continuation
    new_leader = base + ((2, 7),)  # differs at 1,000: a fork copies the prefix once
    follower = old_leader[:1_000] + ((2, 7), (2, 8))  # the same divergence: the same fork
    assert follower[:1_001] == new_leader and follower[1_000] == (2, 7) and old_leader[1_000] == (1, 5000)
    assert WORK["copied"] - before["copied"] == 1_000
    assert WORK["compared"] == before["compared"]  # equal logs on one buffer: compared without a loop
