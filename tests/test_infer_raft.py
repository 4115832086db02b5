"""``paxraft infer raft``: election safety inferred from explored states, proved by ``prove raft --invariant``."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest
import z3

from modelcheck.cli import main
from proofs.infer import raft as rft
from proofs.infer.enumerate import merges_variables, universal_clauses
from proofs.infer.houdini import footprints
from proofs.infer.language import parse_clause, read_invariant
from proofs.infer.pipeline import infer, safety_cti
from proofs.infer.samples import rows
from proofs.infer.templates import Template, atoms
from proofs.raft.encoding import RaftEncoding
from proofs.raft.instance import RaftInstance
from spec.raft import CANDIDATE, Raft

HERE = Path(__file__).parent
HAND = HERE / "invariants" / "raft_election_hand.inv"
SMALL = ({"servers": 2, "values": 1, "max_term": 2, "max_log": 0}, (), 1)


def sig():
    return rft.signature(RaftEncoding())


@functools.cache
def small_samples():
    """Every reachable state of Raft with 2 servers and terms up to 2, as the coarse proof model sees it."""
    spec, states, violation = rft.explored(Raft, *SMALL, "raft")
    assert violation == ""
    return spec, states, rft.sample_table(RaftInstance(spec), states, sig())


def test_derived_relations_are_their_definitions_on_every_explored_state():
    spec, states, table = small_samples()
    assert len(states) == 3922
    inst = RaftInstance(spec)
    tally, started = table.tables["tally"], table.tables["started"]
    for k in range(0, len(states), 7):
        s = states[k]
        rel = inst.relation_values(s)
        for n in spec.Server:
            for j in spec.Server:
                for t in inst.domains["Term"]:
                    want = s.state[n] == CANDIDATE and s.currentTerm[n] == t and j in s.votesGranted[n]
                    assert tally[k, n, j, t] == want
        assert [bool(started[k, t]) for t in inst.domains["Term"]] == [
            any((t, c) in rel["elected"] for c in spec.Server) for t in inst.domains["Term"]
        ]
    assert np.any(tally) and np.any(started)


def test_a_clause_with_an_existential_derived_relation_stays_in_epr():
    """``started(t)`` under ``forall n`` is miniscoped: the witness of started depends on t alone."""
    s = sig()
    c = parse_clause("forall N1:Node T1:Term. ~electionVote(T1,N1) | started(T1)", s)
    f = c.z3(s, RaftEncoding().state(""))
    text = " ".join(str(f).split())
    assert text.startswith("ForAll(T1, Or(ForAll(N1, Not(electionVote(T1, N1))), Exists(C!started")
    hand = read_invariant(HAND.read_text(), s)
    assert len(hand) == 19 and hand["EVStarted"] == c
    for clause in hand.values():
        assert parse_clause(clause.text(), s) == clause
    assert z3.is_quantifier(f)


def test_enumeration_keeps_exactly_the_minimal_clauses_true_on_every_explored_state():
    s = sig()
    _spec, _states, table = small_samples()
    tpl = Template((("N1", "Node"), ("N2", "Node"), ("T1", "Term")), 2, rigid_last=False)
    at = atoms(s, tpl)
    r = rows([table], tpl, at, [])
    found = universal_clauses(s, tpl, at, r)
    texts = {frozenset(lit.text() for lit in c.lits) for c in found.clauses}
    assert {"~leader(N1)", "~candidate(N1)"} in texts  # a server has one role
    assert {"~tally(N1,N2,T1)", "~elected(T1,N1)"} in texts  # an elected server tallies no more (as candidate)
    assert {"~elected(T1,N1)", "leader(N1)"} not in texts  # false: a leader of an old term has stepped down
    assert (len(found.clauses), r.count) == (EXPECTED_SMALL_CLAUSES, EXPECTED_SMALL_ROWS)


EXPECTED_SMALL_CLAUSES, EXPECTED_SMALL_ROWS = 33, 255


def test_prove_raft_reads_an_invariant_file_in_the_infer_vocabulary(capsys):
    """The clause language with tally and started states election safety inductively (16/16, every query EPR)."""
    assert main(["prove", "raft", "--invariant", str(HAND)]) == 0
    out = capsys.readouterr().out
    assert "16/16 obligations proved" in out and "(safety: ElectionSafety, OneLeaderPerTerm)" in out
    assert "not EPR" not in out


def test_infer_on_a_variant_whose_election_safety_fails_shows_the_reachable_state(capsys):
    assert main(["infer", "raft", "--variant", "count-stale-votes"]) == 1
    out = capsys.readouterr().out
    assert "no inductive invariant implies ElectionSafety, OneLeaderPerTerm" in out
    assert "ElectionSafety fails on a reachable state of raft[count-stale-votes] (servers=2 values=1 max_term=3" in out
    assert "state = {'s1': 'Leader', 's2': 'Leader'}" in out


@pytest.mark.parametrize(
    "argv, error",
    [
        (["infer", "tests/user_specs/mutex.py:Mutex"], "no Z3 encoding declared for Mutex"),
        (["infer", "paxos-commit"], "no invariant inference for 'paxos-commit'"),
        (["infer", "raft", "--variant", "no-figure8-rule"], "--variant no-figure8-rule: infer raft takes only"),
        (["prove", "raft", "--invariant", str(HAND), "--commit"], "not --commit"),
        (["prove", "raft", "--invariant", "/nonexistent.inv"], "--invariant /nonexistent.inv"),
        (["prove", "raft", "--invariant", str(HERE / "invariants" / "paxos_hand.inv")], "unknown sort"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, error, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert error in err and len(err.splitlines()) == 1


def test_footprints_read_what_each_action_reads_and_writes_off_its_formula():
    """Frame conjuncts (r' = r) are neither: GrantVote reads the voter's term but changes only votes and replies."""
    steps = footprints(rft.system(RaftEncoding()))
    assert steps["GrantVote"].reads == {"currentTerm", "voteResp", "votedFor"}
    assert steps["GrantVote"].writes == {"voteResp", "votedFor"}
    assert steps["BecomeLeader"].writes == {"candidate", "elected", "electionVote", "leader"}
    assert steps["DropVoteResponse"].reads == steps["DropVoteResponse"].writes == {"voteResp"}


def test_a_clause_with_a_variable_disequality_is_left_to_its_merged_form():
    s = sig()
    assert merges_variables(parse_clause("forall N1:Node N2:Node. ~leader(N1) | leader(N2) | N1 != N2", s))
    assert not merges_variables(parse_clause("forall N1:Node N2:Node. ~votedFor(N1,N2) | N1 = N2", s))
    assert not merges_variables(parse_clause("forall T1:Term. ~started(T1) | T1 != TermZero", s))


#: The small twin of ``infer raft``: two servers, terms up to 2, clauses of up to 3 literals over two
#: servers and a term, all of them in Houdini from the start (no supports), each dropped clause weakened up
#: to 3 literals. Houdini keeps an inductive subset, which does not imply election safety: the template has
#: no third server, which TallyResp, EVTally and EVResp need. (tests/test_infer_weaken.py has weakenings
#: that the proof uses.)
TWIN = (Template((("N1", "Node"), ("N2", "Node"), ("T1", "Term")), 3, rigid_last=False),)


@pytest.mark.slow  # (45 s at load 8, the default run's longest infer test: its twins are named below)
def test_houdini_weakens_what_it_drops_keeps_an_inductive_subset_and_fails_on_safety_with_a_raft_state(
    tmp_path, capsys
):
    """Houdini with weakening on Raft's encoding. The default run covers each part in small: weakening that joins,
    breaks and is kept, and a safety failure although weakening tries (tests/test_infer_weaken.py on a user's
    mutex); `infer raft` failing on ElectionSafety (test_infer_on_a_variant_whose_election_safety_fails_shows_the_
    reachable_state); `prove raft --invariant` (test_prove_raft_reads_an_invariant_file_in_the_infer_vocabulary)
    and its counterexample on a Raft state (tests/test_proof_raft.py)."""
    problem = rft.problem(bounds=(SMALL,), templates=TWIN, weaken_literals=3)
    rep = infer(problem)
    stages = {s.what: s.detail for s in rep.stages}
    assert "156 hold, 135 kept" in stages["candidates 1"]  # 21 of the 156 say X != Y: a smaller clause says it
    # about 220 weakenings of dropped clauses join (how many depends on the counterexamples Z3 picks, which
    # depend on what ran before in the process) and every one breaks: the 13 are the largest inductive subset
    # of the 135, as without weakening (135 -> 13, 122 dropped)
    m = re.match(r"135 candidates \+ (\d+) weakenings -> 13 inductive \((\d+) dropped\)", stages["houdini"])
    assert m is not None and int(m.group(1)) >= 100 and int(m.group(2)) == 122 + int(m.group(1))
    assert rep.conjuncts is None and rep.reason.endswith("does not imply ElectionSafety")
    assert rep.inductive is not None and len(rep.inductive) == 13
    cti = safety_cti(problem, rep.selection).text()
    assert cti.startswith("Counterexample to Inv => ElectionSafety") and "elections  {term 1:" in cti
    assert cti.rstrip().endswith("violates: ElectionSafety")
    # the prover agrees: Init and all 13 actions preserve the 13 clauses, the safety properties do not follow
    path = tmp_path / "twin.inv"
    path.write_text("".join(f"C{i}: {c.text()}\n" for i, c in enumerate(rep.inductive, 1)))
    capsys.readouterr()
    assert main(["prove", "raft", "--invariant", str(path)]) == 1
    out = capsys.readouterr().out
    assert "14/16 obligations proved" in out and "counterexample" in out


def test_a_check_can_narrow_the_supports_to_clauses_given_by_hand():
    """``proofs_bench.py --infer raft --given-support EVRecorded``: only that clause (up to renaming) may join."""
    s = sig()
    hand = read_invariant(HAND.read_text(), s)
    problem = rft.problem(given_supports=[hand["EVRecorded"]])
    assert problem.may_support is not None
    unaided = rft.problem().may_support  # every footprint support joining reached no fixpoint: none joins
    assert unaided is not None and not unaided(hand["EVRecorded"])
    text = "~electionVote(T1,N3) | ~elected(T1,N2) | ~currentTerm(N3,T1) | votedFor(N3,N2)"
    renamed = parse_clause(f"forall N2:Node N3:Node T1:Term. {text}", s)
    assert problem.may_support(renamed)
    assert not problem.may_support(hand["EVResp"]) and not problem.may_support(hand["TallyResp"])
