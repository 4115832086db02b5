"""raft.tla + a server rebuilt from empty storage (spec/raft_rebuild.py): counts, and each part of the rejoin rule
(the vote floor, the gate, the target's term) found necessary by a variant that removes it."""

from __future__ import annotations

import pytest

from modelcheck import OK, VIOLATION, check
from modelcheck.cli import main
from spec.behaviour import ReplayError, validate_trace
from spec.catalog import constructor_bounds, model
from spec.raft import Raft
from spec.raft_rebuild import RaftRebuild, RebuildState
from spec.registry import entry

EXTENSION = ["Rebuild", "CaughtUp"]
SMALL = {"servers": 2, "max_term": 2, "max_log": 1}
VARIANTS = entry("raft-rebuild").variants


def test_without_its_actions_it_is_raft_tla_and_with_them_it_keeps_every_invariant():
    assert check(Raft(**SMALL)).distinct_states == check(RaftRebuild(**SMALL).without(EXTENSION)).distinct_states \
        == 1760
    res = check(RaftRebuild(**SMALL))
    assert (res.verdict, res.distinct_states, res.depth) == (OK, 3248, 28)
    assert (res.coverage["Rebuild"].new, res.coverage["CaughtUp"].new) == (658, 50)
    assert set(RaftRebuild(**SMALL).invariants) == set(Raft.INVARIANTS)


def test_three_servers_one_rebuild_keep_every_invariant():
    """Three servers, terms up to 2, one entry, one rebuild: the rebuilt server catches up and votes again."""
    bounds = {"servers": 3, "max_term": 2, "max_log": 1, "no_history": True}
    res = check(RaftRebuild(**bounds).without(["DuplicateMessage", "DropMessage"]), symmetry=True)
    assert (res.verdict, res.distinct_states, res.depth) == (OK, 317743, 49)
    assert (res.coverage["Rebuild"].new, res.coverage["CaughtUp"].new) == (49413, 15296)


@pytest.mark.slow
def test_at_the_variants_bounds_the_whole_rule_keeps_every_invariant():
    """Where each variant below fails (terms up to 3; 3m20s CPU): 2,662,234 states, depth 66, no violation."""
    cls = VARIANTS["rebuild-without-gate"]
    r = check(model(RaftRebuild, cls.failing_bounds), symmetry=True)
    assert (r.verdict, r.distinct_states, r.depth) == (OK, 2662234, 66)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_part_of_the_rejoin_rule_is_needed(name: str) -> None:
    cls = VARIANTS[name]
    r = check(model(cls, cls.failing_bounds), symmetry=bool(cls.failing_bounds.get("symmetry")))
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, cls.breaks, cls.trace_length)
    validate_trace(cls(**constructor_bounds(cls.failing_bounds)), r.trace)  # a behaviour of the variant's full Next
    assert [s.label.name for s in r.trace[1:]].count("Rebuild") == 1
    # the same run is no behaviour of the spec with the rule whole
    with pytest.raises(ReplayError):  # at the step the rule forbids
        validate_trace(RaftRebuild(**constructor_bounds(cls.failing_bounds)), r.trace)


def test_max_rebuilds_is_a_bound_and_a_bad_one_is_refused(capsys):
    assert check(RaftRebuild(**SMALL, max_rebuilds=0)).distinct_states == 1760 * 1  # nobody rejoins: raft.tla
    assert main(["check", "raft-rebuild", "--max-rebuilds", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--max-rebuilds" in err[0]


def test_an_extension_of_raft_tla_replaces_its_variables_by_name_in_one_place():
    """RebuildState and SnapshotState share one ``but`` (ExtendedRaftState's): raft.tla's variables and the
    extension's by name, a misspelt one refused by name."""
    from spec.raft import ExtendedRaftState
    from spec.raft_snapshot import SnapshotState

    assert RebuildState.but is SnapshotState.but is ExtendedRaftState.but
    s = next(RaftRebuild(**SMALL).init_states())
    t = s.but(currentTerm=(2, 1), rejoining=(1, 0), rebuilds=1)
    assert type(t) is RebuildState and (t.currentTerm, t.rejoining, t.rebuilds, t.log) == ((2, 1), (1, 0), 1, s.log)
    with pytest.raises(TypeError, match="'rejoin'"):
        s.but(rejoin=(1, 0))
