"""TLC's VIEW (:meth:`spec.core.Spec.view`) on a user's spec: tlaplus/Examples' FiniteMonotonic/
DistributedReplicatedLog.tla written from scratch (tests/user_specs/replicated_log.py), whose logs grow for ever and
whose model MCDistributedReplicatedLog.cfg makes finite with ``VIEW DropCommonPrefix``. TLC's counts and verdicts
in every engine; the mistakes a view can hold, each one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.engine.coordinator import search
from modelcheck.engine.dfs import dfs
from modelcheck.engine.liveness import check_liveness
from modelcheck.engine.simulate import simulate
from spec.core import Spec
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "replicated_log.py"
REF = f"{FILE}:ReplicatedLog"
ReplicatedLog = load_user_spec(REF)

# TLC 2.20 -workers 1, CommunityModules' SequencesExt and FiniteSetsExt on its library path
# (tests/user_specs/ReplicatedLog): MCDistributedReplicatedLog.cfg (3 servers, Values = {v}, Lag = 3) 37 distinct
# states, 271 generated, depth 4; MCReplicatedLogTwoValues.cfg (3 servers, {v, w}, Lag 2) 61 / 424 / 3;
# MCReplicatedLogTwoServers.cfg (2 servers, {v, w}, Lag 3) 29 / 155 / 2. Each: "Temporal properties were violated"
# (InSync), every invariant holds.
TLC = {(3, 1, 3): (37, 271, 4), (3, 2, 2): (61, 424, 3), (2, 2, 3): (29, 155, 2)}


class NoView(ReplicatedLog):
    """The same spec told apart by the whole state: the logs grow without end."""

    view = Spec.view


def test_the_view_gives_tlcs_counts_in_every_engine() -> None:
    for (servers, values, lag), want in TLC.items():
        spec = ReplicatedLog(servers=servers, values=values, lag=lag)
        for r in (check(spec), search(spec, workers=2)):
            assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *want)
    assert dfs(ReplicatedLog()).distinct_states == 37  # the same states, whatever the order they are met in
    # a simulation counts the states the search would store: by the view (until 2026-12-06 it hashed whole states
    # and reported 739 distinct states of this 37-state model after 100 walks)
    walked = simulate(ReplicatedLog(), walks=100, depth=50, seed=0)
    assert (walked.distinct_states, walked.states_generated) == (37, 5000)
    assert simulate(NoView(), walks=100, depth=50, seed=0).distinct_states == 739
    r = check(NoView(), max_states=1000)  # without the view the model has no end
    assert not r.complete and r.distinct_states == 1000
    assert check(NoView(), max_states=1000, symmetry=True).distinct_states == 1000  # a symmetry of the spec


def test_insync_is_violated_as_tlc_finds_it_and_the_loop_closes_on_a_view() -> None:
    safety, [first, *_] = check_liveness(ReplicatedLog())
    assert (safety.verdict, safety.distinct_states, safety.states_generated, safety.depth) == ("ok", 37, 271, 4)
    assert not first.holds and first.property == "InSync(n1,n2)"
    spec = ReplicatedLog()
    entry, last = first.lasso.prefix[-1].state, first.lasso.loop[-1].state
    assert last != entry and spec.view(last) == spec.view(entry)  # a real behaviour whose logs keep growing


def test_cli(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "check", REF, "--servers", "2", "--values", "2")
    assert code == 0 and "29 distinct states, 155 states generated, depth 2" in out
    code, out, _ = run(capsys, "check", REF, "--liveness", "InSync(n1,n2)", "--out", str(tmp_path))
    assert code == 1 and "back to a state with the view of state 2" in out
    code, out, _ = run(capsys, "replay", str(tmp_path / "trace.itf.json"), "--spec", REF)
    assert code == 0 and "the loop closes by the spec's view: the last state has the view of state 2; the " \
        "behaviour violates InSync(n1,n2) under its fairness" in out
    code, out, _ = run(capsys, "check", REF, "--liveness", "InSync(n1,n2)", "--no-fairness")
    assert code == 1 and "InSync(n1,n2) is violated" in out
    code, out, _ = run(capsys, "list", REF)
    assert "states told apart by view() (TLC's VIEW): MCDistributedReplicatedLog's ``VIEW DropCommonPrefix``" in out
    code, _, err = run(capsys, "check", REF, "--symmetry")
    assert code == 2 and "--symmetry is not offered with a view" in err


BROKEN = '''
from replicated_log import ReplicatedLog


class Listed(ReplicatedLog):
    def view(self, s):
        return [len(log) for log in s.cLogs]


class Raising(ReplicatedLog):
    def view(self, s):
        return s.cLogs[7]


class ByIdentity(ReplicatedLog):
    def view(self, s):
        return id(s)


class Constant(ReplicatedLog):
    def view(self, s):
        return 0
'''


def test_a_view_that_cannot_serve_is_one_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    f = tmp_path / "broken_views.py"
    f.write_text(f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\n" + BROKEN)
    code, _, err = run(capsys, "check", f"{f}:Listed")
    assert code == 2 and err.strip().splitlines()[-1].endswith(
        "view of a state from init_states() gave a value that is a list ([0, 0, 0]), which is not hashable; a view "
        "returns ints, bools, strings, tuples and frozensets (the search hashes it)")
    code, _, err = run(capsys, "check", f"{f}:Raising")
    assert code == 3 and "view of a state from init_states() raised IndexError: tuple index out of range" in err
    code, _, err = run(capsys, "check", f"{f}:ByIdentity")
    assert code == 2 and "view is not a function of the state (an equal copy of a state from init_states() has " \
        "another view)" in err
    # a view merging every state: one state for the invariants (as TLC), but refused by --liveness, whose graph of
    # one node would judge another spec
    code, out, _ = run(capsys, "check", f"{f}:Constant")
    assert code == 0 and "1 distinct state, 13 states generated, depth 1" in out
    said = "paxraft check: error: ReplicatedLog: --liveness on its view's graph would not judge the spec: two " \
        "states with one view differ (cLogs = <<<<0>>, <<>>, <<>>>> against cLogs = <<<<>>, <<>>, <<>>>>): "
    code, _, err = run(capsys, "check", f"{f}:Constant", "--liveness")
    assert code == 2 and err.strip().splitlines()[-1] == said + "the goal of InSync(n1,n2) answers False in the " \
        "first, True in the second; make the view keep what tells them apart"
    code, _, err = run(capsys, "check", f"{f}:Constant", "--liveness", "InSync(n2,n3)")  # its goal holds in both
    assert code == 2 and err.strip().splitlines()[-1] == said + "only the first has a step Copy(i=1, j=0, n=0) " \
        "into a state with that view; make the view keep what tells them apart"
