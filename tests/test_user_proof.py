"""A user's own protocol proved from their own file (tests/user_specs/one_ballot.py: OneBallot and its encoding
OneBallotProof): the obligation table, a needed conjunct dropped, the buggy variant's CTI and BMC trace (as long
as the checker's), conformance with planted drift caught, and each mistake's one line with exit 2."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import z3
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from proofs.certificate import recheck
from proofs.logic import z3_timeout
from proofs.user.bmc import bmc
from proofs.user.conformance import check as conformance
from proofs.user.encoding import Prepared
from spec.registry import load_user_spec

HERE = Path(__file__).resolve().parent
FILE = HERE / "user_specs" / "one_ballot.py"
REF = f"{FILE}:OneBallot"
MISTAKES = HERE / "user_specs" / "one_ballot_mistakes.py"
CONF = ("--conformance",)


def rows(out: str) -> dict[str, tuple[str, str]]:
    """The table's rows: obligation -> (fragment, result)."""
    found = {}
    for line in out.splitlines():
        m = re.match(r"^(Init => Inv|Inv /\\ \w+ => Inv'|Inv => \w+)\s+(EPR|FOL)\s+(.*?)\s+\d+\.\d+$", line)
        if m:
            found[m[1]] = (m[2], m[3])
    return found


def test_the_proof_table(capsys) -> None:
    code, out, _ = run(capsys, "prove", REF)
    assert code == 0
    assert rows(out) == {
        "Init => Inv": ("EPR", "proved"),
        "Inv /\\ Vote => Inv'": ("EPR", "proved"),
        "Inv /\\ Decide => Inv'": ("EPR", "proved"),
        "Inv => Agreement": ("EPR", "proved"),
    }
    assert "4/4 obligations proved" in out and "encoding OneBallotProof (any number of Node, Value, Quorum)" in out


def test_list_and_a_needed_conjunct_dropped(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "prove", REF, "--list")
    assert code == 0 and out.split() == ["VotesAreVoted", "OneVoteEach", "DecidedByQuorum"]
    code, out, _ = run(capsys, "prove", REF, "--drop", "VotesAreVoted", "--cti-dir", str(tmp_path))
    assert code == 1
    assert rows(out)["Inv /\\ Vote => Inv'"] == ("EPR", "counterexample (OneVoteEach)")
    assert [r for _, r in rows(out).values()].count("proved") == 3
    cti = out.split("Counterexample to ", 1)[1]
    assert cti.startswith("Inv /\\ Vote => Inv'")
    assert "step: Vote(n=node1, v=value2)" in cti and "violates: OneVoteEach" in cti
    assert "votes      {(node1, value1), (node1, value2)}    <- changed" in cti
    assert "Vote(n=node1, v=value2)" in (tmp_path / "cti1.dot").read_text()


def test_the_buggy_variant_has_a_cti_at_vote(capsys) -> None:
    code, out, _ = run(capsys, "prove", REF, "--variant", "vote-twice")
    assert code == 1
    assert rows(out)["Inv /\\ Vote => Inv'"] == ("EPR", "counterexample (DecidedByQuorum)")
    assert "violates: DecidedByQuorum" in out and "step: Vote(" in out


def test_bmc_finds_the_checkers_shortest_counterexample(capsys) -> None:
    code, out, _ = run(capsys, "check", REF, "--variant", "vote-twice", "--mode", "bfs")
    assert code == 1 and "invariant Agreement is violated; shortest counterexample: 6 steps" in out
    variant = load_user_spec(f"{FILE}:VoteTwice")
    res = bmc(Prepared.of(variant), variant(), 8)
    assert res.length == 6 and res.violated == ["Agreement"]
    assert [s.action for s in res.trace[1:]].count("Decide") == 2
    assert res.spec_trace is not None and len(res.spec_trace) == 7  # the spec follows the Z3 trace
    code, out, _ = run(capsys, "bmc", REF, "--variant", "vote-twice", "--depth", "8")
    assert code == 1 and "Agreement is violated; shortest counterexample: 6 steps" in out
    assert "the same behaviour of VoteTwice:" in out
    code, out, _ = run(capsys, "bmc", REF, "--depth", "6", "--nodes", "2")
    assert code == 0 and "No violation of Agreement within 6 steps" in out


def test_a_certificate_of_the_users_proof_rechecks(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "prove", REF, "--certificate", str(tmp_path), "--nodes", "2")
    assert code == 0 and "certificate: 10 SMT-LIB 2 queries" in out
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["conformance"]["ok"] and manifest["conformance"]["bounds"] == {"nodes": 2, "values": 2}
    assert manifest["invariant"] == ["VotesAreVoted", "OneVoteEach", "DecidedByQuorum"]
    answers = recheck(tmp_path)
    assert len(answers) == 10 and all(a.ok and a.answer == "unsat" for a in answers)


def test_a_module_path_names_the_spec_too(capsys) -> None:
    code, out, _ = run(capsys, "prove", "tests.user_specs.one_ballot:OneBallot")
    assert code == 0 and "4/4 obligations proved" in out


CLOCK = f"{HERE}/user_specs/logical_clock.py:Clock"


def test_an_ordered_sort_and_a_function(capsys) -> None:
    code, out, _ = run(capsys, "prove", CLOCK)
    assert code == 0 and set(rows(out).values()) == {("EPR", "proved")} and "3/3 obligations proved" in out
    code, out, _ = run(capsys, "prove", CLOCK, "--variant", "time-travel")
    assert code == 1 and rows(out)["Inv /\\ Tick => Inv'"] == ("EPR", "counterexample")
    assert "  rigid: zero = round1\n" in out  # the order is not listed: the rounds are numbered by it
    assert "time       node1 |-> round2\n" in out and "step: Tick(n=node1, r=round1)" in out
    assert "time       node1 |-> round1    <- changed" in out and "violates: SeenNotAfterTime" in out
    code, out, _ = run(capsys, "check", CLOCK, "--variant", "time-travel", "--mode", "bfs", "--nodes", "1")
    assert code == 1 and "shortest counterexample: 2 steps" in out
    code, out, _ = run(capsys, "bmc", CLOCK, "--variant", "time-travel", "--depth", "3", "--nodes", "1")
    assert code == 1 and "NoGoingBack is violated; shortest counterexample: 2 steps" in out
    code, out, _ = run(capsys, "prove", CLOCK, "--conformance")
    assert code == 0 and "16 reachable states (16 abstract): 0 violate" in out
    code, out, _ = run(capsys, "prove", CLOCK, "--conformance", "--variant", "time-travel", "--nodes", "1")
    assert code == 1 and "the encoding does NOT conform to the spec" in out
    # (the variant breaks it: a real bug, shown as the spec shows its states)
    assert "conjunct SeenNotAfterTime is false on the reachable state [time = (0,), seen = [(0, 0), (0, 1)]]" in out


TWOPHASE = f"{HERE.parent}/docs/examples/twophase.py:TwoPhase"
#: TwoPhaseProof's conjuncts, each with an obligation that fails without it (and the conjunct it then breaks)
TWOPHASE_NEEDED = {
    "OneTMState": ("Inv /\\ TMCommit => Inv'", "counterexample (AbortSentByTM)"),
    "CommitSentByTM": ("Inv => TCConsistent", "counterexample"),
    "AbortSentByTM": ("Inv => TCConsistent", "counterexample"),
    "CommittedAllPrepared": ("Inv => TCConsistent", "counterexample"),
    "TMPreparedWasSent": ("Inv => TCConsistent", "counterexample"),
    "SentPreparedNotWorking": ("Inv /\\ RMChooseToAbort => Inv'", "counterexample (PreparedAbortsOnAbortMsg)"),
    "PreparedAbortsOnAbortMsg": ("Inv => TCConsistent", "counterexample"),
    "CommittedOnCommitMsg": ("Inv => TCConsistent", "counterexample"),
}


def test_the_guides_twophase_is_proved_and_its_variant_refuted(capsys) -> None:
    """docs/examples/twophase.py, the guide's running example, ends with its encoding: propositions for the TM's
    state and the messages, four relations for rmState."""
    code, out, _ = run(capsys, "prove", TWOPHASE)
    assert code == 0 and "9/9 obligations proved" in out and set(rows(out).values()) == {("EPR", "proved")}
    code, out, _ = run(capsys, "prove", TWOPHASE, "--list")
    assert out.split() == list(TWOPHASE_NEEDED)
    code, out, _ = run(capsys, "prove", TWOPHASE, "--variant", "eager-commit")
    assert code == 1 and [o for o, (_, r) in rows(out).items() if r != "proved"] == ["Inv /\\ TMCommit => Inv'"]
    assert "step: TMCommit()" in out and "violates: CommittedAllPrepared" in out
    assert "    tmCommitted true    <- changed" in out  # a proposition, in a column that fits every name
    code, out, _ = run(capsys, "check", TWOPHASE, "--variant", "eager-commit", "--rms", "2", "--mode", "bfs")
    assert code == 1 and "shortest counterexample: 5 steps" in out
    code, out, _ = run(capsys, "bmc", TWOPHASE, "--variant", "eager-commit", "--rms", "2", "--depth", "6")
    assert code == 1 and "TCConsistent is violated; shortest counterexample: 5 steps" in out
    code, out, _ = run(capsys, "prove", TWOPHASE, "--conformance", "--rms", "2")
    assert code == 0 and "56 reachable states (56 abstract): 0 violate" in out and "153 transitions (0 stutters)" in out


@pytest.mark.parametrize("conjunct", ["SentPreparedNotWorking"])
def test_a_twophase_conjunct_is_needed(capsys, conjunct: str) -> None:
    code, out, _ = run(capsys, "prove", TWOPHASE, "--drop", conjunct)
    obligation, result = TWOPHASE_NEEDED[conjunct]
    assert code == 1 and rows(out)[obligation] == ("EPR", result)


@pytest.mark.slow
@pytest.mark.parametrize("conjunct", list(TWOPHASE_NEEDED))
def test_every_twophase_conjunct_is_needed(capsys, conjunct: str) -> None:
    test_a_twophase_conjunct_is_needed(capsys, conjunct)


# -- conformance, and planted drift ------------------------------------------------------------------
OneBallot = load_user_spec(REF)
Proof: Any = type(Prepared.of(OneBallot).user)


class ForgetsVoted(Proof):
    """Planted drift: Vote does not record that the node voted (t.voted unmentioned, so unchanged)."""

    def Vote(self, s: Any, t: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return z3.And(self.vote_guard(s, n, v), self.vote_update(s, t, n, v))


class WeakGuard(Proof):
    """Planted drift: Vote's guard is too weak (a node may vote again)."""

    def vote_guard(self, s: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return z3.BoolVal(True)


class NothingDecided(Proof):
    """Planted drift: a conjunct false on a reachable state."""

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        v = z3.Const("V", self.Value)
        return {**super().invariant(s), "NothingDecided": z3.ForAll([v], z3.Not(s.decided(v)))}


class InitTooStrong(Proof):
    """Planted drift: an Init no initial state of the spec satisfies (the proof would be about no behaviour)."""

    def init(self, s: Any) -> z3.BoolRef:
        v = z3.Const("V", self.Value)
        return z3.And(super().init(s), z3.ForAll([v], s.decided(v)))


class InitTooWeak(Proof):
    """Planted drift: an Init that leaves decided free."""

    def init(self, s: Any) -> z3.BoolRef:
        n, v = z3.Const("N", self.Node), z3.Const("V", self.Value)
        return z3.And(z3.ForAll([n], z3.Not(s.voted(n))), z3.ForAll([n, v], z3.Not(s.votes(n, v))))


def prepared(enc: type) -> Prepared:
    return Prepared.build(enc, OneBallot, "test")


def test_the_encoding_conforms(capsys) -> None:
    rep = conformance(Prepared.of(OneBallot), OneBallot())
    assert rep.ok and (rep.states, rep.transitions, rep.sampled) == (41, 84, 41)
    assert dict(rep.by_action) == {"Vote": 66, "Decide": 18}
    code, out, _ = run(capsys, "prove", REF, "--conformance", "--nodes", "2")
    assert code == 0 and "the encoding conforms" in out


def test_each_planted_drift_is_caught(capsys) -> None:
    rep = conformance(prepared(ForgetsVoted), OneBallot(nodes=2, values=2))
    assert {label.name for _, label, _ in rep.transition_failures} == {"Vote"} and not rep.invariant_failures
    rep = conformance(prepared(WeakGuard), OneBallot(nodes=2, values=2))
    assert rep.extra_successors and not rep.transition_failures and not rep.invariant_failures
    rep = conformance(prepared(NothingDecided), OneBallot(nodes=2, values=2))
    assert {name for _, name in rep.invariant_failures} == {"NothingDecided"}
    rep = conformance(prepared(InitTooStrong), OneBallot(nodes=2, values=2))
    assert [name for _, name in rep.invariant_failures] == ["Init"] and not rep.extra_successors
    rep = conformance(prepared(InitTooWeak), OneBallot(nodes=2, values=2))
    assert [s for s, _ in rep.extra_successors] == [None] and not rep.invariant_failures  # an initial state too many


def test_label_maps_the_specs_parameters_to_elements() -> None:
    spec_cls = load_user_spec(f"{MISTAKES}:QuorumByIndex")
    base: Any = type(Prepared.of(spec_cls).user)

    class Mapped(base):
        def label(self, spec: Any, action: str, params: tuple) -> tuple:
            return (params[0], spec.Quorum.index(params[1])) if action == "Decide" else params

    rep = conformance(Prepared.build(Mapped, spec_cls, "test"), spec_cls())
    assert rep.ok and (rep.states, rep.transitions) == (41, 84)


def test_bmc_says_when_the_spec_cannot_follow_its_trace() -> None:
    res = bmc(prepared(WeakGuard), OneBallot(), 6)  # the drifted encoding lets a node vote twice; the spec does not
    assert res.length == 6 and res.violated == ["Agreement"] and res.spec_trace is None


# -- mistakes: one line, exit 2 ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cls", "extra", "said"),
    [
        ("NoEncoding", (), "one_ballot_mistakes.py: NoEncoding: no Z3 encoding declared for NoEncoding"),
        ("ExtraAction", (), "ExtraActionProof: @transition Retract: ExtraAction has no action Retract"),
        ("NotAFormula", (), "NotAFormulaProof: invariant(s) 'SomeNode' is a term of sort Node, not a formula"),
        ("WrongArguments", (), "WrongArgumentsProof: init(s): z3 error:"),
        ("UnknownSort", (), "UnknownSortProof: variables['round'] = 'Node, Round' names sort 'Round'"),
        ("MissingAction", (), "MissingActionProof: no @transition for the spec's action Decide"),
        ("CapturedParameter", (), "CapturedParameterProof: Vote(s, t, n, v): a quantifier binds a variable named 'v'"),
        ("PreStateUpdate", (), "PreStateUpdateProof: Vote(s, t, n, v): votes.add: only the next state's symbols"),
        ("AbstractFormula", CONF, "AbstractFormulaProof: abstract(spec, s)['voted'](0,) = voted0 is no truth value"),
        ("AbstractList", CONF, "AbstractListProof: abstract(spec, s) must return a dict of variable -> value, not a "
         "list"),
        ("UnhashableDomain", CONF, "UnhashableDomainProof: domains(spec)['Quorum']: the element [0, 1] is not "
         "hashable (a list)"),
        ("CountedDomain", CONF, "CountedDomainProof: domains(spec)['Node'] must list the elements of Node, not be 3"),
        ("InterpretList", CONF, "InterpretListProof: interpret(spec) must return a dict of rigid symbol -> value"),
        ("LabelNumber", CONF, "LabelNumberProof: label(spec, 'Vote', (0, 0)) must return a sequence of the "
         "encoding's parameters, not 2"),
        ("ConstantParameter", (), "ConstantParameterProof: @transition Vote: parameter 'n' has the name of the state "
         "variable n, and z3 takes the two for one constant"),
        ("ConstantBound", (), "ConstantBoundProof: invariant(s) 'LeaderVoted': a quantifier binds a variable named "
         "'leader', the name of the state variable leader"),
        ("StateAttribute", (), "StateAttributeProof: variables: 'tag' is a name the state itself uses (s.tag)"),
        ("FreeConstant", (), "FreeConstantProof: invariant(s) 'SomeVoted': uses 'somebody', a z3 constant or "
         "function that is none of the encoding's rigid symbols or state variables, nor bound by a quantifier"),
        ("QuorumByIndex", ("--conformance", "--nodes", "2", "--values", "1"), "QuorumByIndexProof: the spec's step "
         "Decide(0, (0, 1)): parameter q = (0, 1) is no element of sort Quorum in domains(spec) (map the spec's "
         "parameters in label())"),
        ("NoDomains", CONF, "NoDomainsProof: domains(spec) must give the elements of each sort"),
        ("OneBallot", ("--drop", "Nope"), "--drop Nope: no such conjunct"),
        ("OneBallot", ("--variant", "nope"), "OneBallot has no variant 'nope'"),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(capsys, cls: str, extra: tuple, said: str) -> None:
    where = MISTAKES if cls != "OneBallot" else FILE
    code, out, err = run(capsys, "prove", f"{where}:{cls}", *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and said in err, err


def test_bmc_mistakes_are_one_line_and_exit_2(capsys) -> None:
    code, _, err = run(capsys, "bmc", f"{MISTAKES}:NoDomains", "--depth", "2")
    assert code == 2 and "NoDomainsProof: domains(spec) must give the elements of each sort" in err
    code, _, err = run(capsys, "bmc", f"{MISTAKES}:NoEncoding", "--depth", "2")
    assert code == 2 and "NoEncoding: no Z3 encoding declared for NoEncoding" in err
    assert "OneBallotProof encodes OneBallot, which NoEncoding extends" in err
    code, _, err = run(capsys, "bmc", f"{HERE}/user_specs/mutex.py:Mutex", "--depth", "2")  # a file without any
    assert code == 2 and "bmc: no Z3 encoding of spec 'Mutex'" in err


def test_debug_shows_the_traceback(capsys) -> None:
    code, _, err = run(capsys, "prove", f"{MISTAKES}:WrongArguments", "--debug")
    assert code == 2 and "Traceback" in err


# -- the guide: docs/proofs.md, "Proving your own protocol", cannot go stale --------------------------
GUIDE = HERE.parent / "docs" / "proofs.md"
BLOCK = re.compile(r"(?:<!-- excerpt: (?P<file>\S+) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)


def section() -> str:
    return GUIDE.read_text().split("\n## Proving your own protocol\n", 1)[1].split("\n## ", 1)[0]


def test_the_guides_excerpts_are_in_the_example_file() -> None:
    excerpts = [(m["file"], m["body"]) for m in BLOCK.finditer(section()) if m["lang"] == "python"]
    files = [f.rsplit("/", 1)[1] for f, _ in excerpts]
    assert files == ["one_ballot.py", "one_ballot.py", "logical_clock.py", "one_ballot.py", "one_ballot.py"]
    for file, body in excerpts:
        assert body in (HERE.parent / file).read_text(), f"excerpt no longer in {file}:\n{body}"


def test_the_guides_commands_print_what_it_says(capsys, monkeypatch) -> None:
    monkeypatch.chdir(HERE.parent)
    runs = 0
    for m in BLOCK.finditer(section()):
        if m["lang"] != "console":
            continue
        for command in re.split(r"^\$ ", m["body"], flags=re.M)[1:]:
            line, *expected = command.splitlines()
            argv = line.split()
            assert argv[0] == "paxraft"
            _, out, err = run(capsys, *argv[1:])
            for want in expected:
                got = re.sub(r"\s+\d+\.\d+$", "", want.strip())  # (a row's seconds are left out of the guide)
                assert got in out + err, f"$ {line}\nexpected: {want}\ngot:\n{out}{err}"
            runs += 1
    assert runs == 8


# -- Ctrl-C and time limits (hostile12) ---------------------------------------------------------------
def test_ctrl_c_while_z3_searches_stops_the_command(tmp_path) -> None:
    """Z3 takes SIGINT for itself while it searches and only cancels that query: `prove` went on to the next ones
    and ended `unknown (interrupted from keyboard)`, exit 1 (a proof of the raft model ran 25 s on). Now it stops:
    exit 130, one line. The encoding's axioms() says on stderr when the hard query is about to start. (Z3's own
    handler is off now, proofs.logic.hear_signals: Python hears the signal, a thread interrupts Z3.)"""
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "prove", f"{HERE}/user_specs/hard_query.py:Lamp",
                             "--timeout", "3600"],  # (a query not stopped at once would run on past the bound below)
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stderr.readline() == "axioms\n"
        time.sleep(1)  # into Z3's search (sent sooner, Python's own handler stops it: the same outcome)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130 and err == "paxraft prove: interrupted\n", (out, err)
    assert "obligations proved" not in out


LOST_FIRST = """
import sys
import z3

real = z3.Context.interrupt
calls = []


def interrupt(self):  # the first interrupt lost, as Z3 loses one that comes before its query starts
    calls.append(1)
    if len(calls) > 1:
        real(self)


z3.Context.interrupt = interrupt
sys.argv = ["paxraft", "prove", sys.argv[1], "--timeout", "3600"]
from paxraft import run

run()
"""


def test_ctrl_c_whose_z3_interrupt_is_lost_still_stops_the_command(tmp_path) -> None:
    """Z3 forgets an interrupt that comes before its query starts: a Ctrl-C in the last bytecodes before `check`
    (the signal heard, Z3 interrupted, Python's handler not yet run) left the query to run to its time limit, the
    KeyboardInterrupt waiting for it (the test above timed out once under load). The thread interrupts Z3 again
    until the handler has run; here its first interrupt is dropped."""
    proc = subprocess.Popen([sys.executable, "-c", LOST_FIRST, f"{HERE}/user_specs/hard_query.py:Lamp"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE.parent,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stderr.readline() == "axioms\n"
        time.sleep(1)  # into Z3's search
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and err == "paxraft prove: interrupted\n", (out, err)


def test_z3_time_limits_are_checked_where_given(capsys) -> None:
    """Z3 counts milliseconds in 32 bits: --timeout 4294967.297 wrapped to 1 ms (unknown (timeout)); 0 ms is no
    limit at all, which --timeout 0.0001 gave."""
    code, _, err = run(capsys, "prove", REF, "--timeout", "4294967.297")
    assert code == 2 and "--timeout must be at most 4,294,967 seconds (Z3 counts milliseconds in 32 bits)" in err
    code, _, err = run(capsys, "bmc", REF, "--depth", "2", "--timeout", "1e10")
    assert code == 2 and "--timeout must be at most 4,294,967 seconds" in err
    assert z3_timeout("--timeout", 0.0001) == 1 and z3_timeout("--timeout", 4_294_967) == 4_294_967_000


def test_bmc_follows_every_spec_state_of_an_abstract_state(capsys) -> None:
    """The encoding abstracts a hidden flag away; the spec's first initial state (flag off) cannot step, its second
    can. bmc followed the first alone and said the spec had no behaviour through its counterexample (exit 3,
    'drifted'); it is the spec's behaviour from the second (hostile12)."""
    code, out, _ = run(capsys, "bmc", f"{HERE}/user_specs/hidden_flag.py:HiddenFlag", "--depth", "3")
    assert code == 1 and "StaysZero is violated; shortest counterexample: 1 step (" in out
    assert out.split("the same behaviour of HiddenFlag:\n", 1)[1].split() == \
        ["1.", "Initial", "state", "x", "=", "0", "flag", "=", "True", "2.", "Step()", "x:", "0", "->", "1"]


def test_the_encoding_of_the_file_named_comes_first(capsys, tmp_path) -> None:
    """A file that imports a spec class from another file and declares its own encoding of it: `prove FILE.py:Class`
    proved the encoding of the spec's own file instead, silently (another invariant than the user's); now the one
    defined in the file named, and its errors name that file (hostile12)."""
    mine = tmp_path / "mine.py"
    mine.write_text(f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\nimport z3\n"
                    "from one_ballot import OneBallot, OneBallotProof\n\n\n"
                    "class MyProof(OneBallotProof):\n    spec = OneBallot\n\n"
                    "    def invariant(self, s):\n        n = z3.Const('N', self.Node)\n"
                    "        return {**super().invariant(s), 'NobodyVotes': z3.ForAll([n], z3.Not(s.voted(n)))}\n")
    code, out, _ = run(capsys, "prove", f"{mine}:OneBallot", "--list")
    assert code == 0 and out.split() == ["VotesAreVoted", "OneVoteEach", "DecidedByQuorum", "NobodyVotes"]
    code, out, _ = run(capsys, "prove", f"{mine}:OneBallot")
    assert code == 1 and "encoding MyProof" in out and rows(out)["Inv /\\ Vote => Inv'"][1] == \
        "counterexample (NobodyVotes)"
    code, out, _ = run(capsys, "prove", REF, "--list")  # the spec's own file: its own encoding, as before
    assert code == 0 and out.split() == ["VotesAreVoted", "OneVoteEach", "DecidedByQuorum"]
