"""Raft liveness (spec/raft_live.py): a leader's entry commits under fair delivery; weaker fairness loses it."""

from __future__ import annotations

import pytest

from modelcheck.cli import main
from modelcheck.engine.graph import StateGraph, explore
from modelcheck.engine.liveness import check_property
from spec.behaviour import validate_trace
from spec.core import SpecError
from spec.raft import CANDIDATE, LEADER, Raft
from spec.raft_live import committed_or_gone, pending_own_entry, raft_fairness, weak_delivery_fairness
from spec.registry import SPEC_MODULES
from tests.fair_lasso import loop_is_fair


def small() -> Raft:
    """Two servers, terms up to 2, one log entry, one message in flight: 1,760 states."""
    return Raft(servers=2, values=1, max_term=2, max_log=1)


def graph_for(spec: Raft, prop: str) -> StateGraph:
    p = spec.properties()[prop]
    return explore(spec, predicates={"goal": p.goal, "trigger": p.trigger})


def test_declarations_are_registered_and_named() -> None:
    assert "spec.raft_live" in SPEC_MODULES
    spec = small()
    assert set(spec.properties()) == {"LeaderCommits", "CandidateResolves"}
    fair = [str(f) for f in spec.fairness()]
    # 4 channels (SF), 2 AppendEntries pairs, 2 AdvanceCommitIndex, 2 BecomeLeader
    assert len(fair) == 10 and fair[0] == "SF(Receive at s1 from s1)" and "WF(AppendEntries(s1, s2))" in fair
    assert [f.kind for f in weak_delivery_fairness(spec)][:4] == ["WF"] * 4


def test_leader_commits_under_strong_delivery_fairness() -> None:
    spec = small()
    g = graph_for(spec, "LeaderCommits")
    assert len(g) == 1760
    assert sum(g.marks["trigger"]) > 0  # the trigger is reachable: the property is not vacuous
    r = check_property(spec, "LeaderCommits", graph=g)
    assert r.holds and r.lasso is None and r.warnings == []


def test_leader_commits_fails_under_weak_delivery_with_a_drop_loop() -> None:
    spec = small()
    conds = weak_delivery_fairness(spec)
    r = check_property(spec, "LeaderCommits", fairness=conds, graph=graph_for(spec, "LeaderCommits"))
    assert not r.holds
    lasso = r.lasso
    assert (len(lasso.prefix) - 1, len(lasso.loop)) == (11, 2)
    assert [st.label.name for st in lasso.loop] == ["AppendEntries", "DropMessage"]
    assert lasso.loop[-1].state == lasso.prefix[-1].state  # the loop closes
    validate_trace(spec, lasso.prefix + lasso.loop)
    for st in lasso.prefix[-1:] + lasso.loop:  # stuck with s1 leading and its entry uncommitted
        assert st.state.state[0] == LEADER and not committed_or_gone(0)(st.state)
    assert any(pending_own_entry(0)(st.state) for st in lasso.prefix)
    assert loop_is_fair(spec, lasso, conds)
    assert not loop_is_fair(spec, lasso, raft_fairness(spec))  # strong delivery rules that loop out


def test_leader_commits_fails_without_fairness_and_without_commit_fairness() -> None:
    spec = small()
    g = graph_for(spec, "LeaderCommits")
    r = check_property(spec, "LeaderCommits", fairness=[], graph=g)
    assert not r.holds and r.lasso.stutters and len(r.lasso.prefix) - 1 == 10
    last = r.lasso.prefix[-1]
    assert last.label.name == "ClientRequest" and pending_own_entry(0)(last.state)
    # Fair delivery and heartbeats replicate the entry, but nothing makes the leader commit it.
    conds = [f for f in raft_fairness(spec) if "AdvanceCommitIndex" not in f.actions]
    r = check_property(spec, "LeaderCommits", fairness=conds, graph=g)
    assert not r.holds and not r.lasso.stutters
    assert "AdvanceCommitIndex" not in {st.label.name for st in r.lasso.loop}
    s = r.lasso.prefix[-1].state
    assert s.matchIndex[0][1] == 1 and s.commitIndex[0] == 0  # replicated on s2, never committed
    assert loop_is_fair(spec, r.lasso, conds)


def test_candidate_resolves_needs_becomeleader_fairness() -> None:
    spec = small()
    g = graph_for(spec, "CandidateResolves")
    assert check_property(spec, "CandidateResolves", graph=g).holds
    conds = [f for f in raft_fairness(spec) if "BecomeLeader" not in f.actions]
    r = check_property(spec, "CandidateResolves", fairness=conds, graph=g)
    assert not r.holds and r.lasso.stutters and len(r.lasso.prefix) - 1 == 8
    s = r.lasso.prefix[-1].state
    assert s.state[0] == CANDIDATE and s.votesGranted[0] == frozenset({0, 1})


def test_leader_commits_with_three_terms() -> None:
    # Leaders of terms 2 and 3, conflicting logs, stale messages: 25,164 states, a few seconds.
    spec = Raft(servers=2, values=1, max_term=3, max_log=1)
    g = graph_for(spec, "LeaderCommits")
    assert len(g) == 25164
    assert check_property(spec, "LeaderCommits", graph=g).holds
    r = check_property(spec, "LeaderCommits", fairness=weak_delivery_fairness(spec), graph=g)
    assert not r.holds and [st.label.name for st in r.lasso.loop] == ["AppendEntries", "DropMessage"]


def test_raft_liveness_with_symmetry_is_refused() -> None:
    with pytest.raises(SpecError, match="symmetry"):
        check_property(small(), "LeaderCommits", symmetry=True)
    with pytest.raises(SpecError, match="several properties"):
        check_property(small())


def test_cli(capsys) -> None:
    bounds = ["check", "raft", "--servers", "2", "--max-term", "2", "--max-log", "1"]
    assert main([*bounds, "--liveness", "LeaderCommits"]) == 0
    assert "Property LeaderCommits holds under this fairness." in capsys.readouterr().out
    assert main([*bounds, "--liveness", "LeaderCommits", "--no-fairness"]) == 1
    out = capsys.readouterr().out
    assert "a fair behaviour of 10 steps that then stutters for ever" in out and " 11. ClientRequest(i=s1, v=v1)" in out
    assert main([*bounds, "--liveness"]) == 0  # two properties: each checked in turn, as TLC's PROPERTY lines
    out = capsys.readouterr().out
    assert "Property LeaderCommits holds under this fairness." in out
    assert "Property CandidateResolves holds under this fairness." in out
