"""The `paxraft` command: counts, JSON fields, the default suite, listing and bad arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from modelcheck.cli import cmd_check, main
from spec.registry import SpecEntry, entry, entry_for_class, load_user_spec


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``paxraft ARGV`` in this process: exit status, stdout, stderr (the one helper of every CLI test)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def in_a_process(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``paxraft ARGV`` as a new process, as a user runs it (this checkout's code on its path; a hang fails the test
    after ``timeout`` seconds instead of holding the run)."""
    root = str(Path(__file__).resolve().parent.parent)
    return subprocess.run([sys.executable, "-m", "modelcheck.cli", *argv], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": root})


def check_report(capsys, *argv: str, codes: tuple[int, ...] = (0,)) -> dict:
    """``paxraft check ARGV --json --quiet``'s report; its exit status must be one of ``codes``."""
    code, out, _ = run(capsys, "check", *argv, "--json", "--quiet")
    assert code in codes, out
    return json.loads(out)


def figures(report: dict) -> tuple[int, int, int]:
    """A ``--json`` report's distinct states, states generated and depth: TLC's three figures."""
    return report["distinct_states"], report["states_generated"], report["depth"]


def one_error_line(err: str) -> str:
    """The one line an error must be (no traceback)."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_check_paxos_prints_tlc_figures(capsys) -> None:
    code, out, _ = run(capsys, "check", "paxos", "--acceptors", "3", "--values", "2", "--max-ballot", "1")
    assert code == 0
    assert "3,921 distinct states" in out and "depth 17" in out and "No error found." in out


def test_json_has_stable_fields(capsys) -> None:
    code, out, _ = run(capsys, "check", "paxos", "--variant", "ignore-votes", "--json")
    assert code == 1
    obj = json.loads(out)
    for key in (
        "spec",
        "params",
        "variant",
        "distinct_states",
        "states_generated",
        "depth",
        "seconds",
        "verdict",
        "violated",
        "trace_length",
        "trace",
    ):
        assert key in obj
    assert (obj["spec"], obj["variant"], obj["verdict"], obj["violated"]) == (
        "paxos",
        "ignore-votes",
        "violation",
        "Agreement",
    )
    assert obj["trace_length"] == 12 == len(obj["trace"]) - 1
    assert obj["trace"][0]["action"] == "Init"
    assert obj["trace"][1]["action"] == "Phase1a" and obj["trace"][1]["params"] == {"b": 0}
    assert obj["params"] == {"acceptors": 3, "values": 2, "max_ballot": 1}


def test_json_ok_has_null_trace(capsys) -> None:
    code, out, _ = run(capsys, "check", "paxos", "--acceptors", "1", "--values", "1", "--json")
    obj = json.loads(out)
    assert code == 0 and obj["verdict"] == "ok" and obj["trace"] is None and obj["trace_length"] is None
    assert (obj["distinct_states"], obj["depth"]) == (25, 9)


def test_symmetry_flag(capsys) -> None:
    code, out, _ = run(capsys, "check", "paxos", "--symmetry", "--json")
    assert code == 0 and json.loads(out)["distinct_states"] == 443


@pytest.mark.slow
def test_default_suite_table(capsys) -> None:
    code, out, _ = run(capsys, "check", "--quiet")
    assert code == 0
    assert "3,921" in out and "443" in out and "distinct" in out and "verdict" in out


# The whole default suite takes minutes (the slow test above); its default-run twins give `paxraft check`
# (no spec) only some specs: paxos's three suite models and two witnesses, and a spec written from scratch.
def _suite_of(monkeypatch, *specs: SpecEntry) -> None:
    monkeypatch.setattr(cmd_check, "entries", lambda: {e.name: e for e in specs})
    monkeypatch.setattr(cmd_check, "spec_class", lambda name: {e.name: e.cls for e in specs}[name])


def _table(capsys) -> tuple[int, list[list[str]]]:
    code, out, _ = run(capsys, "check", "--quiet")
    return code, [line.split() for line in out.splitlines()]


def test_suite_table_rows_and_witnesses(monkeypatch, capsys) -> None:
    _suite_of(monkeypatch, entry("paxos"))
    code, rows = _table(capsys)
    assert code == 0 and rows[0][:4] == ["Default", "suite:", "3", "models"]
    assert [(r[0], r[-4], r[-3], r[-1]) for r in rows[2:5]] == [
        ("paxos", "25", "9", "ok"), ("paxos", "3,921", "17", "ok"), ("paxos", "443", "17", "ok")]
    assert rows[4][-5] == "symmetry" and rows[5][0] == "Witnesses"
    assert [(r[1], r[-6], r[-3:]) for r in rows[6:8]] == [
        ("SomeValueChosen", "221", ["in", "6", "steps"]), ("ChosenAfterEarlierVote", "1,963", ["in", "11", "steps"])]
    assert rows[8][0] == "total:" and len(rows) == 9


def _two_counters(suite: tuple) -> SpecEntry:
    return replace(entry_for_class(load_user_spec("tests/user_specs/two_counters.py:TwoCounters")), suite=suite)


def test_suite_fails_on_a_violation(monkeypatch, capsys) -> None:
    user = _two_counters(({},))
    monkeypatch.setattr(user.cls, "witnesses_declared", classmethod(lambda cls: ["BothMoved"]))
    _suite_of(monkeypatch, user)
    code, rows = _table(capsys)
    assert code == 1
    assert [r for r in rows if r[0] == "two-counters"] == [
        ["two-counters", "9", "5", rows[2][3], "violation:", "NotBothDone"],
        ["two-counters", "BothMoved", "5", rows[4][3], "reached", "in", "2", "steps"]]


def test_suite_fails_on_a_witness_never_reached(monkeypatch, capsys) -> None:
    paxos = entry("paxos")
    _suite_of(monkeypatch, replace(paxos, suite=paxos.suite[:1]), _two_counters(()))
    code, rows = _table(capsys)
    assert code == 1 and rows[0][:4] == ["Default", "suite:", "1", "models"] and rows[2][-1] == "ok"
    assert [r[1] for r in rows if r[0] == "paxos" and r[-1] == "steps"] == ["SomeValueChosen", "ChosenAfterEarlierVote"]
    assert [r[1:3] + r[4:] for r in rows if r[0] == "two-counters"] == [
        ["BothMoved", "5", "reached", "in", "2", "steps"], ["Overflow", "9", "NOT", "REACHED", "(vacuity?)"]]


def test_list_shows_specs_and_variants(capsys) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0 and "paxos" in out and "ignore-votes" in out and "Agreement" in out
    code, out, _ = run(capsys, "list", "paxos")  # one registered spec, named as check names it (newuser4)
    assert code == 0 and out.startswith("paxos: ") and "ignore-votes" in out and "\nraft" not in out
    # a variant's class named alone was listed as its spec, with the variant's docstring as the spec's summary
    code, out, _ = run(capsys, "list", "tests/user_specs/kv_snapshot.py:BlindCommit")
    assert code == 0 and out.startswith("KVsnap[blind-commit] (tests/user_specs/kv_snapshot.py:BlindCommit): COMMIT "
                                        "skips the conflict check")
    assert "\n    breaks SnapshotIsolation: COMMIT commits even when" in out
    # a file of helpers (no Spec subclass) printed nothing, exit 0 (newuser8's bcast_common.py)
    code, out, err = run(capsys, "list", "tests/user_specs/bcast_common.py")
    assert (code, out) == (2, "") and one_error_line(err) == (
        "paxraft list: error: tests/user_specs/bcast_common.py defines no spec: a spec is a class deriving from "
        "spec.core.Spec (docs/writing-a-spec.md)")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "nosuch"], "unknown spec 'nosuch'"),
        (["check", "paxos", "--acceptors", "-1"], "--acceptors must not be negative"),
        (["check", "paxos", "--acceptors", "0"], "--acceptors must be an integer >= 1"),
        (["check", "paxos", "--variant", "nosuch"], "no variant 'nosuch'"),
        (["check", "paxos", "--acceptors", "x"], "invalid int value"),
        (["check", "nofile.py:Foo"], "no such file"),
        (["check", "paxos", "--no-fairness"], "--no-fairness goes with --liveness"),  # was ignored, exit 0
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv: list[str], needle: str) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_non_intersecting_quorums_refused() -> None:
    from spec.core import SpecError
    from spec.paxos import Paxos

    with pytest.raises(SpecError, match="do not intersect"):
        Paxos(acceptors=4, quorums=[[0, 1], [2, 3]])


def test_console_script_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "modelcheck.cli", "check", "paxos", "--acceptors", "1", "--values", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "25 distinct states" in proc.stdout


#: What other commands need and a small `paxraft check` must not load at its start (each tens of ms: z3 56 ms,
#: the cluster runner 68 ms, the audit 62 ms, the explorer's server 43 ms); tests run the program in ~120 processes.
OTHER_COMMANDS_MODULES = ("z3", "proofs.multipaxos.encoding", "impl.runtime.cluster", "modelcheck.audit",
                          "modelcheck.audit.msc", "modelcheck.output.explore.server", "http.server", "msgspec",
                          "asyncio")


@pytest.mark.parametrize("argv", [["--version"], ["check", "--help"]])
def test_the_program_loads_only_what_its_command_needs(argv: list[str]) -> None:
    """Each command imports its own modules when it runs (modelcheck.cli.main.build_parser): `--version` and
    `check --help` in a new process leave every other command's heavy modules unloaded."""
    code = ("import sys\nfrom modelcheck.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {OTHER_COMMANDS_MODULES!r} if m in sys.modules), file=sys.stderr)")
    root = str(Path(__file__).resolve().parent.parent)
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": root})
    assert proc.stderr.strip().splitlines()[-1] == "[]", proc.stderr
    assert ("paxraft " if argv == ["--version"] else "usage: paxraft check") in proc.stdout


def test_an_action_that_did_not_fire_before_a_violation_is_not_called_dead(capsys) -> None:
    """The search stops at the first violation, so an action it had not reached yet is not dead in the model:
    'ReceiveRelease never fired: dead in this model (a bug in the spec, or bounds too small)' printed under
    Lamport's mutex's no-ack-wait counterexample (4 steps), though ReceiveRelease fires in the full model."""
    spec = "tests/user_specs/lamport_mutex.py:LamportMutex"
    code, out, _ = run(capsys, "check", spec, "--variant", "no-ack-wait")
    assert code == 1 and "ReceiveRelease             0             0  <- never fired" in out
    assert "dead in this model" not in out
    code, out, _ = run(capsys, "check", spec, "--procs", "1")  # one process receives nothing: dead indeed
    assert code == 0 and out.endswith(
        "Warning: ReceiveRequest, ReceiveAck, ReceiveRelease never fired: dead in this model (a bug in the spec, "
        "or bounds too small)\n"
    )


def test_a_simulation_that_stops_in_its_first_walk_counts_one_walk(capsys) -> None:
    """'Simulation: 1 random walks of up to 30 states' headed Fast Paxos's small-fast-quorums run (newuser5)."""
    spec = "tests/user_specs/fast_paxos.py:SmallFastQuorums"
    code, out, _ = run(capsys, "check", spec, "--fast-ballots", "1", "--mode", "simulate", "--depth", "30")
    assert code == 1 and out.startswith("Simulation: 1 random walk of up to 30 states, seed 0; violation in walk 0;")
    code, out, _ = run(capsys, "check", spec, "--fast-ballots", "1", "--fast-quorum", "3", "--mode", "simulate",
                       "--walks", "3", "--depth", "4")  # fmt: skip
    assert code == 0 and out.startswith("Simulation: 3 random walks of up to 4 states, seed 0;")


def test_a_specs_help_gives_its_bounds_defaults_as_list_does(capsys) -> None:
    """`check FILE:Class --help` listed the bound flags without their defaults, and `list` printed
    '(default None)' after a help text that says what no value means ('default a majority'; newuser5)."""
    spec = "tests/user_specs/fast_paxos.py"
    with pytest.raises(SystemExit):
        main(["check", f"{spec}:FastPaxos", "--help"])
    out = capsys.readouterr().out
    assert "--replicas N          number of replicas (Replicas = r1..rN) (default 4)\n" in out
    assert "(default None)" not in out and "(FastBallots)\n                        (default 1,3)" in out
    code, out, _ = run(capsys, "list", spec)
    assert code == 0 and "(default None)" not in out
    assert "    --quorum         quorum size (Quorums = every K-subset; default a majority)\n" in out


def test_json_of_a_trace_holding_fractions_and_infinities_is_strict_json(capsys, tmp_path) -> None:
    """A state holding a Fraction (the default show_state): check --json printed half an object, then 'internal
    error: TypeError: Object of type Fraction is not JSON serializable', exit 4 (hostile5). A Fraction is written
    as ITF writes it, {num, den}; a float that is not finite as its text (JSON has no Infinity)."""
    f = tmp_path / "weights.py"
    f.write_text("from fractions import Fraction\nfrom typing import NamedTuple\n"
                 "from spec.core import Spec, action, invariant\n\n\n"
                 "class W(NamedTuple):\n    w: Fraction\n    top: float\n\n\n"
                 "class Halve(Spec):\n    variables = ('w', 'top')\n\n    def init_states(self):\n"
                 "        return [W(Fraction(1), float('inf'))]\n\n    @action()\n    def Half(self, s):\n"
                 "        return W(s.w / 2, s.top)\n\n    @invariant\n    def Big(self, s):\n"
                 "        return s.w > Fraction(1, 4)\n")
    for extra in ([], ["--counterexamples", "1"]):
        code, out, _ = run(capsys, "check", f"{f}:Halve", "--json", *extra)
        doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
        assert code == 1
        trace = doc["trace"] if not extra else doc["counterexamples"][0]["trace"]
        assert [st["state"] for st in trace] == [{"w": {"num": n, "den": d}, "top": "inf"}
                                                 for n, d in ((1, 1), (1, 2), (1, 4))]


def test_list_names_the_constructor_arguments_that_are_no_flags(capsys, tmp_path) -> None:
    """A Fraction, a tuple or an enum argument makes no flag, and paxraft list left it out without a word: a user
    looked for --w (hostile5)."""
    f = tmp_path / "odd.py"
    f.write_text("from fractions import Fraction\nfrom typing import NamedTuple\n"
                 "from spec.core import Spec, action\n\n\n"
                 "class S(NamedTuple):\n    x: int\n\n\n"
                 "class Odd(Spec):\n    '''Odd arguments.'''\n\n    variables = ('x',)\n\n"
                 "    def __init__(self, n: int = 3, w: Fraction = Fraction(1, 2),\n"
                 "                 ids: tuple[int, ...] = (1,)) -> None:\n"
                 "        self.n = n\n        super().__init__()\n\n"
                 "    def init_states(self):\n        return [S(0)]\n\n"
                 "    @action()\n    def Inc(self, s):\n        return S(s.x + 1) if s.x < self.n else None\n")
    assert main(["list", str(f)]) == 0
    assert capsys.readouterr().out.splitlines()[1:3] == [
        "    --n              n (default 3)",
        "    (no flag for w, ids: a flag is made of an int, bool, float, str or pathlib.Path argument)"]
    assert main(["list"]) == 0 and "no flag for" not in capsys.readouterr().out  # the shipped specs have flags
