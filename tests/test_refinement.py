"""Refinement: Paxos => Voting => Consensus under Paxos.tla's mappings; a broken variant fails at its step."""

from __future__ import annotations

import json
from pathlib import Path

from modelcheck import check
from modelcheck.cli import main
from modelcheck.engine.refinement import check_refinement, summary
from spec.consensus import Consensus
from spec.paxos import Paxos
from spec.refinements import refinement
from spec.registry import build, load_user_spec
from spec.voting import Voting

USER_SPECS = Path(__file__).resolve().parent / "user_specs"


def test_voting_and_consensus_counts_equal_tlc() -> None:
    # MCVoting.cfg (symmetry): 77 distinct states, depth 11; MCConsensus.cfg (ISpec): 4 distinct, 7 total, depth 1.
    r = check(Voting(), symmetry=True)
    assert (r.verdict, r.distinct_states, r.depth) == ("ok", 77, 11)
    assert check(Voting()).distinct_states == 599
    r = check(Consensus(3, inductive=True))
    assert (r.distinct_states, r.states_generated, r.depth) == (4, 7, 1)


def test_paxos_implements_voting_and_reaches_all_of_it() -> None:
    p = Paxos()
    res = check_refinement(p, *refinement(p, "voting"))
    assert res.holds and res.distinct_states == 3921 and res.transitions == 22994
    assert res.abstract_states == 599  # every reachable Voting state is the image of a Paxos state
    assert set(res.explained) == {"Phase1b -> IncreaseMaxBal", "Phase2b -> VoteFor"}
    assert res.stutters == 22994 - 2448 - 5856


def test_voting_implements_consensus_and_paxos_through_it() -> None:
    v = Voting()
    res = check_refinement(v, *refinement(v, "consensus"))
    assert res.holds and res.abstract_states == 3 and set(res.explained) == {"VoteFor -> Choose"}
    p = Paxos()
    assert check_refinement(p, *refinement(p, "consensus")).holds


def test_ignore_votes_breaks_voting_refinement_at_a_named_step() -> None:
    p = build("paxos", "ignore-votes")
    res = check_refinement(p, *refinement(p, "voting"))
    assert not res.holds and res.failing_step == 10
    # the figures at the failing step: the steps checked up to it, in check's order. The failing step's successor,
    # a new state, is stored before its step is judged, as TLC stores a state before it checks the step's action
    # properties (tests/test_user_growing_log.py: TLC's 61 distinct states at such a stop); refine's own search
    # before 4172cfb judged the step first and reported 1,423
    assert (res.distinct_states, res.transitions, res.stutters, res.abstract_states) == (1424, 5783, 3212, 274)
    assert res.explained == {"Phase1b -> IncreaseMaxBal": 1194, "Phase2b -> VoteFor": 1376}
    assert res.trace[-1].label.name == "Phase2b"
    assert res.reason.startswith("Phase2b(a=a1, b=1, v=v2) maps to no step of voting")
    # Consensus only notices two steps later, when the second value is chosen (Agreement's trace).
    res = check_refinement(p, *refinement(p, "consensus"))
    assert not res.holds and res.failing_step == 12


def test_cli_refine(capsys) -> None:
    assert main(["refine", "paxos", "voting", "--acceptors", "1", "--values", "1"]) == 0
    assert "paxos implements voting" in capsys.readouterr().out
    assert main(["refine", "paxos", "voting", "--variant", "ignore-votes"]) == 1
    assert "refinement fails at state 11 (step 10): Phase2b(a=a1, b=1, v=v2)" in capsys.readouterr().out
    assert main(["refine", "voting", "paxos"]) == 2
    assert "no refinement mapping from voting to paxos" in capsys.readouterr().err
    assert main(["refine", "paxos", "votng"]) == 2  # a typo is answered as every other name a user types
    assert "no refinement mapping from paxos to votng; did you mean 'voting'? (known from paxos: voting, consensus " \
        "(through voting))" in capsys.readouterr().err


def test_refine_stops_at_max_states_without_a_verdict(capsys) -> None:
    """--max-states N: exactly N concrete states, the steps checked up to there, marked incomplete (exit 0); on a
    user's spec file too. Before, refine had no such flag (an unrecognized argument) and no progress lines."""
    user = str(USER_SPECS / "lamport_paxos.py") + ":Paxos"
    for spec, abstract, n in (("paxos", "voting", 500), (user, "Voting", 10)):
        assert main(["refine", spec, abstract, "--max-states", str(n), "--json", "--quiet"]) == 0
        obj = json.loads(capsys.readouterr().out)
        assert (obj["verdict"], obj["complete"], obj["distinct_states"]) == ("ok", False, n)
        assert obj["reason"] == f"stopped at {n} states (incomplete)" and obj["transitions"] > 0
    assert main(["refine", "paxos", "voting", "--max-states", "1", "--json", "--quiet"]) == 0  # was "1 states"
    assert json.loads(capsys.readouterr().out)["reason"] == "stopped at 1 state (incomplete)"
    assert main(["refine", "paxos", "voting", "--max-states", "500", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Every step checked maps to a step of voting or to a stutter; stopped at 500 states (incomplete): no " \
        "verdict beyond them." in out and "implements" not in out
    assert main(["refine", "paxos", "voting", "--max-states", "0"]) == 2
    assert "--max-states must be at least 1, got 0" in capsys.readouterr().err
    # a failure before the cap is still the failure, complete
    assert main(["refine", "paxos", "voting", "--variant", "ignore-votes", "--max-states", "5000", "--json"]) == 1
    obj = json.loads(capsys.readouterr().out)
    assert (obj["verdict"], obj["complete"], obj["failing_step"], obj["transitions"]) == ("violation", True, 10, 5783)


def test_a_refinement_failing_at_the_initial_state_counts_in_the_singular() -> None:
    """'1 distinct BadInit states, 0 transitions checked ..., 1 distinct AbstractMutex states reached'."""
    spec = load_user_spec("tests/user_specs/lamport_mutex.py:LamportMutex")(procs=2, max_clock=1)
    abstract = load_user_spec("tests/user_specs/lamport_mutex.py:AbstractMutex")(procs=2)
    waiting = type(abstract.init_states()[0])((1, 1))  # every process waiting: not AbstractMutex's Init
    res = check_refinement(spec, abstract, lambda s: waiting)
    assert not res.holds and res.failing_step == 0
    assert "\n1 distinct LamportMutex state, 0 transitions checked (0 map to stutters), 1 distinct AbstractMutex " \
        "state reached, " in summary(res)


def test_refine_says_it_compares_steps_only_when_the_abstract_spec_has_fairness(capsys) -> None:
    """'LamportMutex implements AbstractMutex' read as TLA+'s Impl => AbstractSpec, whose fairness (SF on Enter)
    and starvation properties refine never compares: it now says so (Voting declares none: no note)."""
    assert main(["refine", "tests/user_specs/lamport_mutex.py:LamportMutex", "AbstractMutex", "--max-clock", "2"]) == 0
    assert capsys.readouterr().out.endswith(
        "Steps only: AbstractMutex's fairness and temporal properties are not compared; state them for "
        "LamportMutex and check them with paxraft check --liveness.\n"
    )
    assert main(["refine", "voting", "consensus"]) == 0
    assert "Steps only" not in capsys.readouterr().out


def test_a_mapping_failing_past_the_initial_states_is_named(capsys, tmp_path) -> None:
    """A mapping that raises, or returns None or a plain tuple, in a state past the initial ones (newuser4): it was
    reported as paxraft's own failure (exit 4), or blamed on the abstract spec's code or its show_state (exit 3)."""
    user_specs = str(__import__("pathlib").Path(__file__).parent / "user_specs")
    (tmp_path / "maps.py").write_text(f'''import sys
sys.path.insert(0, {user_specs!r})
from lamport_mutex import AbstractMutex, LamportMutex
from spec.core import refines


def broken(spec, how):
    abstract, m = LamportMutex.as_abstract(spec)
    return abstract, lambda s: how(m(s)) if s.crit else m(s)


class Raises(LamportMutex):
    @refines(AbstractMutex)
    def as_abstract(self):
        return broken(self, lambda a: 1 // 0)


class GivesNone(LamportMutex):
    @refines(AbstractMutex)
    def as_abstract(self):
        return broken(self, lambda a: None)


class GivesTuple(LamportMutex):
    @refines(AbstractMutex)
    def as_abstract(self):
        return broken(self, tuple)
''')
    ref = str(tmp_path / "maps.py")
    argv = ["AbstractMutex", "--procs", "2", "--max-clock", "1"]
    assert main(["refine", f"{ref}:Raises", *argv]) == 3
    err = capsys.readouterr().err
    assert err.startswith("paxraft refine: error in the spec's code: Raises: the refinement mapping to AbstractMutex "
                          "raised ZeroDivisionError: integer division or modulo by zero (maps.py:")
    assert err.endswith("crit={p1}\n")  # the state it raised in
    assert main(["refine", f"{ref}:GivesNone", *argv]) == 2
    assert capsys.readouterr().err == ("paxraft refine: error: the mapping from GivesNone to AbstractMutex returned "
                                       "None (a missing return?); expected a state of AbstractMutex (AMState, as "
                                       "its init_states() give)\n")
    assert main(["refine", f"{ref}:GivesTuple", *argv]) == 2
    assert "the mapping from GivesTuple to AbstractMutex returned tuple ((2, 0)" in capsys.readouterr().err


def test_a_mapping_to_numbers_where_the_abstract_spec_holds_bools_is_refused(capsys) -> None:
    """done = n maps 0 and 1 onto FALSE and TRUE only as Python compares: 'Count implements Once', exit 0 (hostile5).
    TLC refuses to compare 1 with TRUE; refine now says where, exit 2; mapped to bools it holds."""
    ref = str(__import__("pathlib").Path(__file__).parent / "user_specs" / "refine_to_a_flag.py")
    assert main(["refine", f"{ref}:Count", "Once"]) == 2
    assert capsys.readouterr().err == (
        "paxraft refine: error: the mapping from Count to Once gives done = 0 where Once's own state holds False "
        "(0 == False only as Python compares): map to the abstract spec's values\n")
    assert main(["refine", f"{ref}:CountAsBool", "Once"]) == 0
    assert "2 distinct CountAsBool states, 1 transition checked (0 map to stutters), 2 distinct Once states" in \
        capsys.readouterr().out


def test_refine_out_writes_the_failure_and_replay_checks_it_again(capsys, tmp_path) -> None:
    """`refine` had no --out (newuser11): a refinement failure could be read in the terminal only, not drawn, saved
    or replayed. Now it is written as check's counterexample is, with the abstract spec it breaks, which replay
    checks again on the trace's last step."""
    twophase = "docs/examples/twophase.py"
    out = tmp_path / "cex"
    assert main(["refine", f"{twophase}:TwoPhase", "--variant", "eager-commit", "TCommit", "--rms", "2",
                 "--out", str(out)]) == 1  # fmt: skip
    assert "wrote " + str(out / "trace.itf.json") in capsys.readouterr().out
    assert (out / "msc.dot").exists() and (out / "table.dot").exists()
    meta = json.loads((out / "trace.itf.json").read_text())["#meta"]
    assert (meta["refines"], meta["violated"], meta["mode"]) == ("TCommit", "TwoPhase => TCommit", "refine")
    assert main(["replay", str(out / "trace.itf.json"), "--spec", f"{twophase}:EagerCommit"]) == 0
    said = capsys.readouterr().out
    assert "Every state follows; its last step RMRcvCommitMsg(rm=r1) maps to no step of TCommit: " in said
    assert main(["refine", f"{twophase}:TwoPhase", "TCommit", "--rms", "2", "--out", str(tmp_path / "none")]) == 0
    assert "--out " + str(tmp_path / "none") + ": nothing written" in capsys.readouterr().err


def test_a_replayed_step_that_refines_is_not_a_failure() -> None:
    """The replay's rule is the search's: every step but the failing one maps to an abstract step or a stutter."""
    from modelcheck.engine.refinement import last_step_unexplained

    e = load_user_spec("docs/examples/twophase.py:EagerCommit")(rms=2)
    res = check_refinement(e, *refinement(e, "TCommit"))
    assert res.trace is not None and len(res.trace) == 5  # state 5 (step 4), as docs/writing-a-spec.md shows
    assert last_step_unexplained(e, "TCommit", res.trace).startswith("RMRcvCommitMsg(rm=r1) maps to no step")
    assert all(last_step_unexplained(e, "TCommit", res.trace[:k]) is None for k in range(1, 5))


SELF_AND_CYCLE = """
from typing import NamedTuple

from spec.core import Spec, action, refines


class S(NamedTuple):
    x: int


class Counter(Spec):
    variables = ("x",)

    def init_states(self):
        return [S(0)]

    @action(lambda self, s: [()])
    def Inc(self, s):
        return S(s.x + 1) if s.x < 2 else None

    @refines("Mirror")
    def as_mirror(self):
        return Mirror(), lambda s: s

    @refines("Counter")
    def as_itself(self):  # x -> 2 - x: the initial state maps to no initial state, so this one fails
        return Counter(), lambda s: S(2 - s.x)


class Mirror(Counter):
    @refines("Counter")
    def as_counter(self):  # a cycle back: Counter => Mirror => Counter
        return Counter(), lambda s: s
"""


def test_a_refinement_a_spec_declares_to_itself_is_checked(capsys, tmp_path) -> None:
    """A declared mapping of a spec to itself was passed over, as a spec already met ("no refinement mapping from
    Counter to Counter"): now it is the one checked (and this one fails); the cycle through Mirror stays finite."""
    (tmp_path / "selfref.py").write_text(SELF_AND_CYCLE)
    assert main(["refine", f"{tmp_path / 'selfref.py'}:Counter", "Counter"]) == 1
    out = capsys.readouterr().out
    assert "initial state maps to x = 2, not an initial state of Counter" in out
    assert main(["refine", f"{tmp_path / 'selfref.py'}:Counter", "Mirror"]) == 0
    assert main(["refine", f"{tmp_path / 'selfref.py'}:Mirror", "Mirror"]) == 0  # (through Counter, declared)


def test_a_refines_method_must_build_the_spec_it_declares(capsys, tmp_path) -> None:
    """@refines("Boom") building another spec (hostile7): 'refine A Boom' printed 'A implements C', exit 0, which a
    script reads as 'A refines Boom'. Now one line, exit 2; by class the same (an instance of the class named)."""
    user_specs = str(USER_SPECS)
    (tmp_path / "wrong.py").write_text(f'''import sys
sys.path.insert(0, {user_specs!r})
from lamport_mutex import AbstractMutex, LamportMutex
from two_counters import TwoCounters
from spec.core import refines


class ByName(LamportMutex):
    @refines("Boom")
    def as_boom(self):
        return LamportMutex.as_abstract(self)


class ByClass(LamportMutex):
    @refines(TwoCounters)
    def as_counters(self):
        return LamportMutex.as_abstract(self)
''')
    assert main(["refine", f"{tmp_path}/wrong.py:ByName", "Boom"]) == 2
    err = capsys.readouterr().err
    assert "@refines('Boom') method as_boom built AbstractMutex (named 'AbstractMutex'), not the Boom it declares" \
        in err and len(err.strip().splitlines()) == 1
    assert main(["refine", f"{tmp_path}/wrong.py:ByClass", "two-counters"]) == 2
    assert "@refines('two-counters') method as_counters built AbstractMutex" in capsys.readouterr().err


def _figures(res) -> tuple:
    """Everything a refinement run reports but its seconds: the JSON's figures and the failing behaviour."""
    from modelcheck.engine.refinement import as_json

    return as_json(res), [(s.label, s.state) for s in res.trace or []]


def test_refine_with_workers_reports_the_one_process_figures() -> None:
    """`refine --workers N` (none before): each worker checks the steps of the states it expands. A stop inside a
    chunk (a failure, --max-states) rolls each worker's counts back to the chunk's start and replays the steps
    before the stop, so the explained steps, the stutters and the abstract states reached are one process's
    at any chunk size (64 gids a chunk here: many chunks, every stop inside one); a user's file too."""
    runs = [
        (lambda: Paxos(), "voting", None),
        (lambda: build("paxos", "ignore-votes"), "voting", None),  # fails at step 10
        (lambda: build("paxos", "ignore-votes"), "consensus", None),  # fails at step 12
        (lambda: Paxos(), "voting", 1000),  # stops at 1,000 states, no verdict
        (lambda: load_user_spec("docs/examples/twophase.py:TwoPhase")(rms=3), "TCommit", None),
        (lambda: load_user_spec("docs/examples/twophase.py:EagerCommit")(rms=3), "TCommit", None),
    ]
    for make, abstract, cap in runs:
        one = make()
        want = _figures(check_refinement(one, *refinement(one, abstract), max_states=cap))
        for chunk in (64, None):
            two = make()
            got = _figures(check_refinement(two, *refinement(two, abstract), max_states=cap, workers=2, chunk=chunk))
            assert got == want, (two.name, abstract, chunk)
    assert want[0]["verdict"] == "violation" and want[0]["failing_step"] == 4  # EagerCommit, rms=3


def test_cli_refine_workers(capsys) -> None:
    """The command line's --workers: the report of one process (but its seconds); 0 refused like check's."""
    def said(*extra: str) -> str:
        assert main(["refine", "paxos", "voting", "--variant", "ignore-votes", "--quiet", *extra]) == 1
        return "\n".join(line.rsplit(",", 1)[0] for line in capsys.readouterr().out.splitlines())

    assert said("--workers", "2") == said()
    assert main(["refine", "paxos", "voting", "--workers", "0"]) == 2
    assert "--workers must be at least 1, got 0" in capsys.readouterr().err
