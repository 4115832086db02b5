"""MultiPaxos.tla + a replica rebuilt from empty storage (spec/multipaxos_rebuild.py): counts, the rule's invariants,
and each part of the rejoin rule found necessary, by the checker or by a run replayed (written by hand where a search
to its depth is out of reach, as tests/test_raft_rebuild.py does for Raft)."""

from __future__ import annotations

import pytest

from modelcheck import OK, VIOLATION, check
from modelcheck.cli import main
from spec.behaviour import validate_trace
from spec.catalog import constructor_bounds, model
from spec.multipaxos import MultiPaxos
from spec.multipaxos_rebuild import MultiPaxosRebuild, RebuildState
from spec.registry import entry

VARIANTS = entry("multipaxos-rebuild").variants
SMALL = {"replicas": 3, "writes": 1, "reads": 0, "max_ballot": 2}
ACCEPT, PREPARE = 2, 0  # spec.multipaxos's message types
W1, R1 = 0, 1  # the write and the read


def _reachable(spec: MultiPaxos) -> set:
    seen, frontier = set(spec.init_states()), list(spec.init_states())
    while frontier:
        frontier = [t for s in frontier for _, _, t in spec.successors(s) if t not in seen and not seen.add(t)]
    return seen


def test_without_a_rebuild_it_is_multipaxos_tla() -> None:
    """Its states, less the extension's variables, are MultiPaxos.tla's (two replicas: 139; with three and symmetry
    2,712, not 2,628: two states alike but for a leader's horizon are two)."""
    two = {"replicas": 2, "writes": 1, "reads": 0, "max_ballot": 2}
    base, ext = _reachable(MultiPaxos(**two)), _reachable(MultiPaxosRebuild(**two, max_rebuilds=0))
    assert {RebuildState._make(s)[:5] for s in ext} == base and (len(base), len(ext)) == (139, 139)
    assert set(MultiPaxosRebuild(**SMALL).invariants) == {"TypeOK", "Linearizability", "Agreement"}


@pytest.mark.slow  # (11 s on a loaded host)
def test_three_replicas_one_rebuild_keep_every_invariant() -> None:
    res = check(MultiPaxosRebuild(**SMALL), symmetry=True)
    assert (res.verdict, res.distinct_states, res.depth) == (OK, 17723, 21)
    assert {a: res.coverage[a].new for a in ("Rebuild", "Learn", "Resume")} == \
        {"Rebuild": 1388, "Learn": 1234, "Resume": 151}


def test_max_rebuilds_is_a_bound_and_a_bad_one_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "multipaxos-rebuild", "--max-rebuilds", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--max-rebuilds" in err[0]


# -- runs replayed ----------------------------------------------------------------------------------

def _replay(spec: MultiPaxosRebuild, steps: list[tuple]) -> tuple[list[RebuildState], int | None]:
    """The states of ``steps`` from Init, and the index of the first step not enabled (None: all were)."""
    states = [next(iter(spec.init_states()))]
    for k, (name, *args) in enumerate(steps):
        t = getattr(spec, name)(states[-1], *args)
        if t is None:
            return states, k
        assert type(t) is RebuildState, (k, name)
        states.append(t)
    return states, None


def _broken(spec: MultiPaxosRebuild, states: list[RebuildState]) -> list[str]:
    """The invariants the last state breaks, after none broken before it."""
    assert all(inv(s) for s in states[:-1] for inv in spec.invariants.values())
    return [name for name, inv in spec.invariants.items() if not inv(states[-1])]


# s1 leads ballot 1 and chooses w1 in slot 1 with s2's vote, and acknowledges it
W1_CHOSEN_BY_S1_S2 = [("BecomeLeader", 0, 1), ("HandlePrepare", 1, (PREPARE, 0, 1)), ("HandlePrepareReplies", 0),
                      ("TakeNewRequest", 0), ("HandleAccept", 1, (ACCEPT, 0, 1, 1, W1)), ("HandleAcceptReplies", 0)]
# s3 leads ballot 2 with s2 (rebuilt) and fills slot 1 with r1, which s2 accepts: slot 1 has chosen w1 and r1
S3_FILLS_SLOT_1 = [("BecomeLeader", 2, 2), ("HandlePrepare", 1, (PREPARE, 2, 2)), ("HandlePrepareReplies", 2),
                   ("TakeNewRequest", 2), ("HandleAccept", 1, (ACCEPT, 2, 2, 1, R1))]
HAND_RUNS = {
    # no gate: s2, rebuilt, promises ballot 2 with no vote to report
    "rebuild-without-gate": ([*W1_CHOSEN_BY_S1_S2, ("Rebuild", 1, (0, 2)), *S3_FILLS_SLOT_1], 8),
    # s2's floor is 1 (s1's promise); it resumes after s1, leader of ballot 1 whose phase 1 predates slot 1
    "resume-after-stale-leader": ([*W1_CHOSEN_BY_S1_S2, ("Rebuild", 1, (0, 2)), ("Resume", 1, 0),
                                   *S3_FILLS_SLOT_1], 7),
    # the same: s1's ballot 1 is s2's floor, not above it
    "resume-at-the-floor": ([*W1_CHOSEN_BY_S1_S2, ("Rebuild", 1, (0, 2)), ("Resume", 1, 0), *S3_FILLS_SLOT_1], 7),
    # s2 reads s3's promise only (0): s1's ballot 1 is above it
    "rebuild-floor-from-too-few-peers": ([*W1_CHOSEN_BY_S1_S2, ("Rebuild", 1, (2,)), ("Resume", 1, 0),
                                          *S3_FILLS_SLOT_1], 6),
}


@pytest.mark.parametrize("name", sorted(HAND_RUNS))
def test_each_part_of_the_rejoin_rule_is_needed_in_a_run(name: str) -> None:
    """The variant's run breaks Agreement (w1 and r1 both chosen in slot 1); the whole rule refuses one of its steps."""
    steps, refused_at = HAND_RUNS[name]
    cls = VARIANTS[name]
    bounds = constructor_bounds(cls.failing_bounds)
    states, refused = _replay(cls(**bounds), steps)
    assert refused is None
    assert _broken(cls(**bounds), states) == ["Agreement"]
    assert states[-1].node[0][5][0][:2] == (3, W1) and states[-1].node[2][5][0][1] == R1  # (3: Committed)
    _, refused = _replay(MultiPaxosRebuild(**bounds), steps)
    assert refused == refused_at


# s2 rebuilt (floor 1); s3 leads ballot 2 with s1, whose vote puts w1 in slot 1 (s3's horizon is 1); s2 resumes
# after s3 without learning slot 1, leads ballot 3 with s3 (which never voted) and fills slot 1 with r1
BEFORE_HORIZON_RUN = [
    *W1_CHOSEN_BY_S1_S2, ("Rebuild", 1, (0, 2)),
    ("BecomeLeader", 2, 2), ("HandlePrepare", 0, (PREPARE, 2, 2)), ("HandlePrepareReplies", 2),
    ("Resume", 1, 2),
    ("BecomeLeader", 1, 3), ("HandlePrepare", 2, (PREPARE, 1, 3)), ("HandlePrepareReplies", 1),
    ("TakeNewRequest", 1), ("HandleAccept", 2, (ACCEPT, 1, 3, 1, R1)),
]


class _ResumeBeforeHorizon(MultiPaxosRebuild):
    """resume-before-horizon (not registered: its counterexample needs ballots up to 3 and two commands, past a
    breadth-first search here): a rejoining replica resumes after a leader above its floor, learning nothing."""

    def LearnedEnough(self, s: RebuildState, ld: int) -> int:
        return 0


def test_resuming_before_the_leaders_horizon_breaks_agreement_and_the_rule_forbids_it() -> None:
    """resume-before-horizon's counterexample, by hand: 16 steps; the whole rule refuses its Resume (slot 1 not
    learned)."""
    bounds = {"replicas": 3, "writes": 1, "reads": 1, "max_ballot": 3}
    cls = _ResumeBeforeHorizon
    states, refused = _replay(cls(**bounds), BEFORE_HORIZON_RUN)
    assert refused is None and len(BEFORE_HORIZON_RUN) == 16
    assert states[10].horizon == (0, 0, 1)
    assert _broken(cls(**bounds), states) == ["Agreement"]
    _, refused = _replay(MultiPaxosRebuild(**bounds), BEFORE_HORIZON_RUN)
    assert refused is not None and BEFORE_HORIZON_RUN[refused] == ("Resume", 1, 2)


class _MajorityFloor(MultiPaxosRebuild):
    """The brief's first candidate: the floor read from a majority of the whole cluster, the rebuilt replica not
    counted (for 3 replicas, both others: the rule; for 5, three of the four)."""

    def floor_peers(self, need: int) -> int:
        return len(self.Replicas) // 2 + 1


# Five replicas. s1 prepares ballot 2; s2 promises it and is rebuilt, reading s3, s4, s5 (floor 0). s4 leads ballot 1
# with s3 and s5; s2 resumes after s4 (1 > 0) and votes w1 in slot 1 with s4 and s5: chosen. Then s3 promises 2: s1
# counts s1, s2's promise from before the rebuild, and s3, none of which reports w1, and chooses r1 in slot 1.
MAJORITY_FLOOR_RUN = [
    ("BecomeLeader", 0, 2), ("HandlePrepare", 1, (PREPARE, 0, 2)), ("Rebuild", 1, (2, 3, 4)),
    ("BecomeLeader", 3, 1), ("HandlePrepare", 4, (PREPARE, 3, 1)), ("HandlePrepare", 2, (PREPARE, 3, 1)),
    ("HandlePrepareReplies", 3), ("Resume", 1, 3),
    ("TakeNewRequest", 3), ("HandleAccept", 4, (ACCEPT, 3, 1, 1, W1)), ("HandleAccept", 1, (ACCEPT, 3, 1, 1, W1)),
    ("HandleAcceptReplies", 3),
    ("HandlePrepare", 2, (PREPARE, 0, 2)), ("HandlePrepareReplies", 0), ("TakeNewRequest", 0),
    ("HandleAccept", 1, (ACCEPT, 0, 2, 1, R1)), ("HandleAccept", 2, (ACCEPT, 0, 2, 1, R1)),
]


def test_with_five_replicas_a_floor_from_a_majority_of_the_others_breaks_agreement() -> None:
    """The hole in the first candidate rule: a promise the lost storage held, to a proposer outside the majority read,
    is above the floor; the rule reads every other replica and refuses the run's Resume (floor 2, not below 1)."""
    bounds = {"replicas": 5, "writes": 1, "reads": 1, "max_ballot": 2}
    states, refused = _replay(_MajorityFloor(**bounds), MAJORITY_FLOOR_RUN)
    assert refused is None and len(MAJORITY_FLOOR_RUN) == 17
    assert states[3].floor[1] == 0
    assert _broken(_MajorityFloor(**bounds), states) == ["Agreement"]
    whole = MultiPaxosRebuild(**bounds)
    _, refused = _replay(whole, MAJORITY_FLOOR_RUN)
    assert refused == 2  # the rule reads four peers, not three
    every_peer = [("Rebuild", 1, (0, 2, 3, 4)) if s[0] == "Rebuild" else s for s in MAJORITY_FLOOR_RUN]
    states, refused = _replay(whole, every_peer)
    assert refused == 7 and states[-1].floor[1] == 2  # Resume after ballot 1: not above s1's promise of 2


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_checker_finds_each_registered_variant(name: str) -> None:
    cls = VARIANTS[name]
    r = check(model(cls, cls.failing_bounds), symmetry=True)
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, cls.breaks, cls.trace_length)
    validate_trace(cls(**constructor_bounds(cls.failing_bounds)), r.trace)
    assert [s.label.name for s in r.trace[1:]].count("Rebuild") == 1
