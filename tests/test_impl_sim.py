"""The implementation under the deterministic simulation: Hypothesis-driven faults, seeded runs, planted bugs."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from impl.raft.rules import bug
from impl.sim.cluster import Faults, SimCluster
from impl.sim.invariants import InvariantViolation
from impl.sim.scenario import random_run

NODES = st.integers(1, 5)


class ClusterMachine(RuleBasedStateMachine):
    """Faults as rules; after every step the safety properties hold on the whole cluster."""

    @initialize(seed=st.integers(0, 2**16), snapshot_every=st.sampled_from([0, 5]))
    def start(self, seed, snapshot_every):
        self.c = SimCluster(5, seed, faults=Faults(max_delay=8), snapshot_every=snapshot_every)

    @rule(units=st.integers(1, 60))
    def run(self, units):
        self.c.run(units)

    @rule(client=st.integers(1, 3))
    def write(self, client):
        self.c.write(client)

    @rule(client=st.integers(1, 3), data=st.data())
    def read(self, client, data):
        if self.c.acked:
            self.c.read(client, data.draw(st.sampled_from(sorted(self.c.acked))))

    @rule(node=NODES)
    def crash(self, node):
        self.c.crash(node)

    @rule()
    def crash_leader(self):
        lead = self.c.leader()
        if lead is not None:
            self.c.crash(lead)

    @rule(node=NODES)
    def restart(self, node):
        self.c.restart(node)

    @rule(group=st.sets(NODES, min_size=1, max_size=4))
    def partition(self, group):
        self.c.partition(tuple(group))

    @rule()
    def heal(self):
        self.c.heal()

    @rule(drop=st.sampled_from([0.0, 0.1, 0.3]), dup=st.sampled_from([0.0, 0.1]), delay=st.integers(1, 30))
    def network(self, drop, dup, delay):
        self.c.faults = Faults(drop=drop, duplicate=dup, max_delay=delay)

    @precondition(lambda self: hasattr(self, "c"))
    @invariant()
    def safe(self):
        self.c.history.check(self.c.views())  # spec/raft.py's five invariants, then the history properties
        assert not self.c.read_errors, self.c.read_errors

    def teardown(self):
        if hasattr(self, "c"):
            self.c.faults = Faults(max_delay=8)
            self.c.recover()  # every acknowledged write is on every node after recovery


TestClusterStateful = ClusterMachine.TestCase
TestClusterStateful.settings = settings(max_examples=60, stateful_step_count=50, deadline=None)


def test_hundred_seeded_hostile_runs_stay_safe_and_keep_acked_writes():
    acked = 0
    for seed in range(100):
        c = random_run(seed, steps=150, snapshot_every=(seed % 3) * 6)
        assert not c.read_errors
        acked += len(c.acked)
    assert acked > 2000  # the runs do make progress under faults


def test_a_run_is_reproduced_exactly_by_its_seed():
    a, b = random_run(7, steps=100), random_run(7, steps=100)
    assert a.stats == b.stats and a.acked == b.acked and a.now == b.now
    assert [v.entries for v in a.views()] == [v.entries for v in b.views()]


def test_crash_loses_only_unsynced_writes():
    c = SimCluster(3, 1)
    c.run(300)
    for k in range(10):
        c.write(1 + k % 3)
        c.run(10)
    lead = c.leader()
    durable = list(c.disks[lead].entries)
    c.crash(lead)
    c.restart(lead)
    assert c.node(lead).log.entries == durable and len(durable) >= 10


@pytest.mark.parametrize("key, seed, invariant_name", [
    ("vote-without-log-check", 0, "LeaderCompleteness"),  # spec/raft.py's invariant, on the abstract state
    ("vote-without-log-check", 5, "LeaderCompleteness[history]"),  # the committer crashed: only the history knows
    ("skip-fsync", 2, "ElectionSafety"),  # a lost vote: two leaders of one term, in the elections history
    ("skip-fsync", 0, "StateMachineSafety[history]"),  # a lost entry re-filled differently after it was applied
])
def test_planted_bug_is_caught_by_the_simulation(key, seed, invariant_name):
    with pytest.raises(InvariantViolation) as err:
        random_run(seed, rules=bug(key))
    assert err.value.name == invariant_name


def test_unmutated_seeds_of_the_planted_bug_runs_are_safe():
    for seed in (0, 2, 5):
        random_run(seed, recover=False)  # the same schedules without the bug: no violation


def test_stale_follower_reads_are_caught():
    for seed in range(20):
        c = random_run(seed, rules=bug("stale-reads"))
        if c.read_errors:
            break
    assert c.read_errors and "was acknowledged before the read started" in c.read_errors[0]
