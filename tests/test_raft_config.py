"""Raft membership changes (spec/raft_config.py): the errata rule, joint consensus, and their catalog entries."""

from __future__ import annotations

import pytest

from modelcheck import OK, VIOLATION, check
from spec.raft_config import JointWithoutColdNew, RaftConfig, SingleServerNoErrata, disjoint_quorums
from spec.registry import entry

S = frozenset

# The shortest counterexample of the 2015 single-server bug, as the checker found it (6 steps).
BUG_2015 = [
    ("BecomeLeader", (0, S({0, 1, 2}), 2)),  # s1 leads term 2
    ("BecomeLeader", (1, S({1, 2, 3}), 3)),  # s2 leads term 3 (s1 has not heard of it)
    ("AddServer", (0, 4)),  # s1 adds s5: {s1..s5}, uncommitted, in s1's log only
    ("BecomeLeader", (0, S({0, 2, 4}), 4)),  # s1 leads term 4 under {s1..s5} with s3 and s5
    ("RemoveServer", (1, 0)),  # s2 removes s1: {s2, s3, s4}, uncommitted
    ("BecomeLeader", (1, S({1, 3}), 4)),  # s2 leads term 4 too, under {s2, s3, s4}, with s4
]


def _run(spec, steps):
    s = next(iter(spec.init_states()))
    for name, params in steps:
        nxt = spec.action(name).step(s, *params)
        if nxt is None:
            return s, name
        s = nxt
    return s, None


def test_the_2015_counterexample_breaks_one_leader_per_term_only_without_the_errata_rule():
    bug = SingleServerNoErrata(**SingleServerNoErrata.failing_bounds)
    end, stuck = _run(bug, BUG_2015)
    assert stuck is None and bug.violated(end) == "OneLeaderPerTerm"
    assert [bug.violated(_run(bug, BUG_2015[:k])[0]) for k in range(6)] == [None] * 6
    # with the errata rule s1 must first commit an entry of term 2: its AddServer is not enabled
    fixed = RaftConfig(**SingleServerNoErrata.failing_bounds)
    assert _run(fixed, BUG_2015)[1] == "AddServer"


@pytest.mark.slow
def test_the_2015_bug_is_found_with_its_shortest_counterexample():
    """109,635 states, about 2 CPU minutes: the checker's shortest counterexample is the 6 steps above."""
    res = check(SingleServerNoErrata(**SingleServerNoErrata.failing_bounds))
    assert (res.verdict, res.violated, res.trace_length, res.distinct_states) == (VIOLATION, "OneLeaderPerTerm",
                                                                                  6, 109_635)
    assert [(st.label.name, st.label.params) for st in res.trace[1:]] == BUG_2015


@pytest.mark.slow
def test_the_errata_rule_is_safe_where_it_allows_changes():
    """714,573 states, about 5 CPU minutes: five servers, four members, two entries: changes happen and
    every invariant holds."""
    res = check(RaftConfig(servers=5, members=4, max_term=3, max_log=2))
    assert (res.verdict, res.distinct_states, res.states_generated, res.depth) == (OK, 714_573, 3_712_945, 17)
    assert (res.coverage["AddServer"].new, res.coverage["RemoveServer"].new) == (8_188, 24_564)


def test_joint_consensus_is_safe_and_skipping_c_old_new_is_not():
    bounds = JointWithoutColdNew.failing_bounds
    bad = check(JointWithoutColdNew(**bounds))
    assert (bad.verdict, bad.violated, bad.trace_length, bad.distinct_states) == (VIOLATION, "NoDisjointQuorums", 2, 10)
    assert [st.label.name for st in bad.trace[1:]] == ["BecomeLeader", "BeginJoint"]
    good = check(RaftConfig(**dict(bounds, max_log=2)))
    assert (good.verdict, good.distinct_states, good.depth) == (OK, 1531, 9)
    assert good.coverage["EndJoint"].fired > 0 and good.coverage["AddServer"].fired == 0


def test_quorum_overlap_of_configurations():
    four, five, three = (S(range(4)),) * 2, (S(range(5)),) * 2, (S({1, 2, 3}),) * 2
    assert not disjoint_quorums(four, five) and not disjoint_quorums(four, three)  # one server apart
    assert disjoint_quorums(five, three)  # two apart: 3 of 5 and 2 of 3 can miss each other
    joint = (S(range(3)), S({0, 3, 4}))
    assert not disjoint_quorums((S(range(3)),) * 2, joint) and not disjoint_quorums(joint, (S({0, 3, 4}),) * 2)
    assert disjoint_quorums((S(range(3)),) * 2, (S({0, 3, 4}),) * 2)


def test_registered_with_its_variants_and_bad_bounds_are_refused():
    e = entry("raft-config")
    assert e.cls is RaftConfig and set(e.variants) == {"single-server-no-errata", "joint-without-cold-new"}
    with pytest.raises(ValueError, match="--members 6 is more than --servers 5"):
        RaftConfig(servers=5, members=6)
