"""Errors a user can act on: one line naming what was wrong and where, and an exit status that says which kind.

0 ok, 1 violation, 2 bad input (a file, a flag, a spec breaking the contract), 3 the user's spec code
raised, 130 interrupted (docs/cli.md). Each probe below was a traceback, a hang or a silent success.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from test_cli import one_error_line, run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.cli import errors
from modelcheck.cli.errors import interrupted_line, report
from modelcheck.engine.faults import SpecCodeError, SpecContractError, locate, preflight
from modelcheck.engine.progress import Progress
from spec.core import Spec, action, invariant

sys.path.insert(0, str(Path(__file__).parent / "user_specs"))
import faulty  # noqa: E402

TRACE = Path(__file__).parent / "traces" / "ignore_votes_agreement.itf.json"


def one_line(err: str, needle: str) -> None:
    assert needle in one_error_line(err), err


# -- mistakes in a spec file: the contract, checked before a run ------------------------------------


@pytest.mark.parametrize(
    ("cls", "needle"),
    [
        (faulty.OneInitState, "init_states() returned S(x=0); expected an iterable of states, e.g. [S(x=0)]"),
        (faulty.IntParams, "the parameter enumerator of Inc yielded 1 (an int); expected a tuple of 1 parameter (d)"),
        (faulty.OneArgParams, "the parameter enumerator of Inc cannot be called as params(self, state)"),
        (faulty.ListInState, "a state whose seen is a list ([]), which is not hashable"),
        (faulty.ReturnsBool, "action Inc(d=1) returned True (a bool); expected a state (S), or None"),
        (faulty.IdentityState, "states of type Box (from init_states()) compare by identity"),
        (faulty.NoReturnInvariant, "invariant Small returned None (a missing return?) on state x=0"),
        (faulty.MutatingAction, "action Inc(d=1) changed the state it was given (x=0 became x=1): the search keeps"),
        (faulty.StepReadsItsOwnCounter, "action Inc(d=1) gave two different outcomes from one state (x=2, then x=1; "
                                        "in state x=0): a step must be a function of the state and its parameters"),
        (faulty.HashLeavesOutAField, "action Inc(i=1) gives a state that hashes as a different one reached before "
                                     "(x=0, y=1; x=0, y=0): the checker takes a state's hash for its identity"),
        (faulty.MutatingInvariant, "invariant Small changed the state it was given (x=2 became x=0)"),
        (faulty.FairNoAction, 'fairness WF() names no action, so it covers no step and constrains nothing; name '
                              'the actions it makes fair: WF("A", "B")'),
        (faulty.FairAsText, "fairness() gave a str ('WF(Inc)'); expected fairness conditions: WF(\"A\", ...)"),
    ],
)
def test_contract_breach_named_before_the_run(cls: type, needle: str) -> None:
    with pytest.raises(SpecContractError) as info:
        preflight(cls())
    assert str(info.value).startswith("counter: ") and needle in str(info.value)


@pytest.mark.parametrize(
    ("cls", "needle"),
    [
        (faulty.RaisingAction, "action Inc(d=2) raised ZeroDivisionError: integer division or modulo by zero"),
        (faulty.RaisingInvariant, "invariant Small raised ZeroDivisionError: division by zero"),
    ],
)
def test_spec_code_exception_names_action_params_and_state(cls: type, needle: str) -> None:
    with pytest.raises(SpecCodeError) as info:
        preflight(cls())
    msg = str(info.value)
    assert needle in msg and "faulty.py:" in msg and "in state x=" in msg
    assert "ZeroDivisionError" in info.value.details  # the traceback kept for --debug


def test_exception_deep_in_a_run_is_located_from_the_engine() -> None:
    spec = faulty.LateRaisingAction()
    preflight(spec)  # the fault lies beyond the first states
    with pytest.raises(ZeroDivisionError) as info:
        check(spec)
    found = locate(info.value)
    assert isinstance(found, SpecCodeError)
    assert "counter: action Inc(d=2) raised ZeroDivisionError" in str(found) and "in state x=148" in str(found)


def test_contract_breach_deep_in_a_run_is_found_on_the_states_the_engine_held() -> None:
    with pytest.raises(TypeError, match="unhashable") as info:
        check(faulty.LateListInState())
    found = locate(info.value)
    assert isinstance(found, SpecContractError)
    assert "action Inc(d=2) gave a state whose x is a list ([150])" in str(found)


def test_parallel_worker_reports_the_located_exception() -> None:
    from modelcheck.engine.parallel import parallel_bfs

    with pytest.raises(ZeroDivisionError) as info:  # the same exception as in one process, located in the worker
        parallel_bfs(faulty.LateRaisingAction(), workers=2)
    found = locate(info.value)
    assert isinstance(found, SpecCodeError) and "action Inc(d=2) raised ZeroDivisionError" in str(found)
    assert "in state x=148" in str(found)


def test_shipped_specs_pass_the_preflight() -> None:
    from spec.paxos import Paxos
    from spec.raft import Raft

    preflight(Paxos(acceptors=2, values=2, max_ballot=1, max_restarts=1))
    preflight(Raft(servers=2, values=1, max_term=2, max_log=1))


# -- how the command line ends ---------------------------------------------------------------------


def test_report_exit_statuses(capsys) -> None:
    try:
        check(faulty.LateRaisingAction())
    except ZeroDivisionError as exc:
        assert report("check", exc) == 3
    err = capsys.readouterr().err
    assert err.startswith("paxraft check: error in the spec's code: counter: action Inc(d=2)")
    assert "Traceback" not in err
    try:
        check(faulty.LateRaisingAction())
    except ZeroDivisionError as exc:
        assert report("check", exc, debug=True) == 3
    assert "Traceback" in capsys.readouterr().err  # --debug
    try:
        check(faulty.LateListInState())
    except TypeError as exc:
        assert report("check", exc) == 2
    assert "not hashable" in capsys.readouterr().err
    assert report("check", RuntimeError("no spec here")) == 4
    assert "internal error: RuntimeError: no spec here" in capsys.readouterr().err


def test_interrupted_run_prints_its_figures(capsys) -> None:
    from spec.paxos import Paxos

    p = Progress("paxos", silent=True)
    check(Paxos(acceptors=2, values=1, max_ballot=1), progress=p)
    assert p.figures is not None and Progress.latest is p
    line = interrupted_line()
    assert line.startswith("interrupted after") and "distinct states" in line and "depth" in line
    assert report("check", KeyboardInterrupt()) == 130
    assert "interrupted after" in capsys.readouterr().err
    p.figures = (1, 1, 1, 1, 0.5)  # one of each reads in the singular (it said '1 states queued')
    assert ": 1 distinct state, 1 state generated, depth 1, 1 state queued (figures" in interrupted_line()
    p.start -= 100  # a run held since its last tick (a slow action invariant): its time, not the tick's (hostile8)
    line = interrupted_line()
    assert line.startswith("interrupted after 10") and "(figures as of the last progress tick, at 0.5s;" in line


def _cli(*argv: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "modelcheck.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
        **kw,
    )


def _hear_sigint() -> None:
    """In the child before it runs: SIGINT back to its default. A test run started in the background by a
    shell (``make test &``) inherits SIGINT ignored, and Python keeps an ignored SIGINT ignored, so the
    child would never hear it (both SIGINT tests timed out that way on 2026-12-04)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(proc: subprocess.Popen) -> str:
    """SIGINT to a running ``paxraft``; its stderr once it ended (on a time-out, the child's signal masks:
    whether it could hear SIGINT at all)."""
    masks = dict(line.split(":\t") for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                 if line.startswith(("SigIgn", "SigCgt", "SigBlk")))
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"no exit 60 s after SIGINT; masks before it {masks}; stderr ends {err[-1500:]!r}")


def test_sigint_exits_130_with_statistics() -> None:
    """SIGINT once the search is running (its first progress line is out; a fixed sleep raced a loaded machine)."""
    env = dict(os.environ, PAXRAFT_PROGRESS_SECONDS="0.2")
    proc = _cli("check", "paxos", "--acceptors", "3", "--values", "3", "--max-ballot", "3", env=env,
                preexec_fn=_hear_sigint)
    first = proc.stderr.readline()
    assert first.startswith("["), first
    err = _interrupt(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.splitlines()[-1].startswith("paxraft check: interrupted"), err


BLOCKS = str(Path(__file__).parent / "user_specs" / "ctrl_c.py") + ":Blocks"


@pytest.mark.parametrize(("argv", "figures"), [
    (["--mode", "simulate", "--walks", "1", "--depth", "400"],  # the action blocks in the first walk
     "201 distinct states, 201 states generated, depth 201, 0 of 1 walks done, walk 1 at depth 201 (figures"),
    (["--at", "3", "--slow", "step"],  # an action invariant blocks in the checks before the search
     "4 distinct states, 5 states generated, depth 4, 4 states walked by the checks before the search (figures"),
])
def test_sigint_inside_a_slow_step_prints_the_figures_so_far(tmp_path, argv, figures) -> None:
    """A real SIGINT while the spec waits inside a step (a pipe tells the test it waits: no sleep, no timing) in
    the simulation's first walk, and in the preflight: both said "interrupted" alone (hostile8); now exit 130 and
    the figures, as every other mode gives them."""
    os.mkfifo(tmp_path / "ready")
    os.mkfifo(tmp_path / "hold")
    ready = os.open(tmp_path / "ready", os.O_RDONLY | os.O_NONBLOCK)  # the spec's open for writing goes through
    try:
        proc = _cli("check", BLOCKS, "--pipes", str(tmp_path), *argv, preexec_fn=_hear_sigint)
        told, _, _ = select.select([ready], [], [], 300)  # a bound against a hang, not a timing: it waits on a pipe
        assert told and os.read(ready, 100) == b"waiting\n", proc.communicate(timeout=60)
    finally:
        os.close(ready)
    err = _interrupt(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.startswith("paxraft check: interrupted after "), err
    assert figures in err


def test_closed_pipe_ends_quietly() -> None:
    proc = _cli("variants", "--long")
    proc.stdout.close()  # the reader went away before the first line (as `| head -0`)
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141 and err == ""


def test_debug_shows_the_traceback(capsys, tmp_path) -> None:
    code, _, err = run(capsys, "--debug", "replay", str(tmp_path))
    assert code == 2 and "Traceback" in err and "is a directory" not in err.splitlines()[0]
    assert err.strip().splitlines()[-1].startswith("paxraft replay: error:")


# -- bad files and flags: one line, exit 2 -----------------------------------------------------------


def _itf(tmp_path: Path, edit) -> str:
    obj = json.loads(TRACE.read_text())
    edit(obj)
    p = tmp_path / "t.itf.json"
    p.write_text(json.dumps(obj))
    return str(p)


def _set(path: list, value) -> callable:
    def edit(obj):
        for k in path[:-1]:
            obj = obj[k]
        obj[path[-1]] = value

    return edit


def test_replay_bad_files(capsys, tmp_path) -> None:
    code, _, err = run(capsys, "replay", str(tmp_path))
    assert code == 2
    one_line(err, "cannot read: a directory, not a file")
    (tmp_path / "b.json").write_bytes(b"\xff\xfe{}")
    code, _, err = run(capsys, "replay", str(tmp_path / "b.json"))
    assert code == 2
    one_line(err, "b.json:1: not UTF-8 text (byte 0xff at offset 0)")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run(capsys, "replay", str(tmp_path / "deep.json"))
    assert code == 2
    one_line(err, "JSON nested too deeply")
    cases = [
        (["#meta"], [1], "#meta must be a JSON object, got list"),
        (["states", 1, "#meta", "params"], 5, "states[1]: #meta.params must be a JSON object, got int"),
        (["states", 1, "#meta"], "x", "states[1]: #meta must be a JSON object, got str"),
        (["states", 1, "#meta", "action"], [1], "#meta.action must be an action name, got list"),
        (["vars"], [[1]], "'vars' must list the variables by name"),
        (["#meta", "bounds"], 7, "#meta.bounds must be a JSON object, got int"),
        (["#meta", "bounds", "acceptors"], 40, "--acceptors 40 (majorities) gives 131,282,408,400"),
        (["#meta", "bounds", "max_ballot"], 10**9, "--max-ballot 1,000,000,000 is more than paxraft can hold"),
        (["states", 1, "maxBal"], {"#bigint": "9" * 1_000_001}, "#bigint of 1,000,001 characters, more than the "
                                                                  "1,000,000 digits replay reads"),
        (["states", 1, "maxBal"], {"#bigint": "9" * 5000 + "x"}, "(5,001 characters) is not a string of an "),
    ]
    for path, value, needle in cases:
        code, _, err = run(capsys, "replay", _itf(tmp_path, _set(path, value)))
        assert code == 2, (path, err)
        one_line(err, needle)


def test_replay_opens_no_path_named_in_the_trace(capsys, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("phase1: a1 a2\nphase2: a2 a3\n")
    trace = _itf(tmp_path, _set(["#meta", "bounds", "quorum_file"], str(secret)))
    code, _, err = run(capsys, "replay", trace)
    assert code == 2
    one_line(err, "#meta.bounds.quorum_file names a file")
    code, out, err = run(capsys, "replay", trace, "--bounds", f"quorum_file={secret}")
    assert code == 1 and "Replaying" in out  # given by the user: read, and the spec with those quorums differs


def test_audit_bad_files(capsys, tmp_path) -> None:
    (tmp_path / "deep.jsonl").write_text("[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = run(capsys, "audit", str(tmp_path / "deep.jsonl"))
    assert code == 2
    one_line(err, "deep.jsonl:1: JSON nested too deeply")
    (tmp_path / "h.bin").write_bytes(b"\x00\xff\x01")
    code, _, err = run(capsys, "audit", "--history", str(tmp_path / "h.bin"))
    assert code == 2
    one_line(err, "h.bin:1: not UTF-8 text")
    (tmp_path / "big.jsonl").write_text('{"client": 1, "call": ' + "9" * 5000 + "}\n")
    code, _, err = run(capsys, "audit", "--history", str(tmp_path / "big.jsonl"))
    assert code == 2
    one_line(err, "big.jsonl:1: unreadable JSON value")


def test_audit_refuses_headers_that_disagree(capsys, tmp_path) -> None:
    head = {"format": "paxraft-trace", "version": 1, "nodes": [1, 2]}
    for node, spec in ((1, "raft"), (2, "paxos")):
        (tmp_path / f"n{node}.jsonl").write_text(json.dumps({**head, "node": node, "spec": spec}) + "\n")
        with open(tmp_path / f"n{node}.jsonl", "a") as f:
            ev = {"node": node, "clock": node, "action": "Init", "params": {}, "sent": [], "state": {}}
            f.write(json.dumps(ev) + "\n")
    code, _, err = run(capsys, "audit", str(tmp_path / "n1.jsonl"), str(tmp_path / "n2.jsonl"))
    assert code == 2
    one_line(err, 'the trace headers disagree on "spec"')


def test_audit_refuses_headers_that_disagree_on_the_acceptors(capsys, tmp_path) -> None:
    """The first event's header named the acceptors for all: a proposer's file saying [1, 2, 3, 6, 7] had a run of
    three acceptors audited as five (quorums of three), silently (hostile7)."""
    from impl.paxos.sim import simulate

    simulate(3).write(tmp_path)
    proposer = tmp_path / "node-4.jsonl"
    head, *rest = proposer.read_text().splitlines()
    proposer.write_text("\n".join([head.replace('"acceptors":[1,2,3]', '"acceptors":[1,2,3,6,7]'), *rest]) + "\n")
    code, out, err = run(capsys, "audit", *map(str, sorted(tmp_path.glob("node-*.jsonl"))))
    assert code == 2 and out == ""
    one_line(err, 'the trace headers disagree on "acceptors"')
    assert "node-4.jsonl says '[1, 2, 3, 6, 7]'" in err and "says '[1, 2, 3]'" in err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("a\u0661 a2\n", "'a\u0661' is not an acceptor"),  # an Arabic-Indic digit one
        ("a" + "9" * 5000 + "\n", "(5,001 characters) is outside a1..a3"),
        ("x" * 100_000 + ": a1\n", "... (100,000 characters) (expected 'phase1:'"),
    ],
)
def test_quorum_file_tokens(capsys, tmp_path, content: str, needle: str) -> None:
    q = tmp_path / "q.txt"
    q.write_text(content)
    code, _, err = run(capsys, "check", "paxos", "--quorums", str(q))
    assert code == 2
    one_line(err, needle)
    assert len(err) < 400  # the huge token is never echoed


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "paxos", "--acceptor", "2"], "unrecognized arguments: --acceptor 2; did you mean --acceptors?"),
        (["check", "tests/user_specs/chain_replication.py:Chain", "--server", "2"],
         "unrecognized arguments: --server 2; did you mean --servers?"),
        (["graph", "paxos", "--max-state", "9"], "unrecognized arguments: --max-state 9; did you mean --max-states?"),
        (["prove", "paxos", "--cert", "d"], "unrecognized arguments: --cert d; did you mean --certificate?"),
    ],
)
def test_an_abbreviated_flag_is_refused_with_the_flag_meant(capsys, argv: list[str], needle: str) -> None:
    code, _, err = run(capsys, *argv)  # argparse would have taken each for the flag it abbreviates
    assert code == 2
    one_line(err, needle)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["check", "paxos", "--bogus", "1"], "unrecognized arguments: --bogus 1 (see"),  # was: did you mean --out?
        (["check", "paxos", "--simmetry"], "unrecognized arguments: --simmetry; did you mean --symmetry? (see"),
        (["check", "paxos", "--max-ballots", "2"],
         "unrecognized arguments: --max-ballots 2; did you mean --max-ballot?"),
    ],
)
def test_a_flag_is_hinted_by_its_name_not_by_the_dashes_every_flag_shares(capsys, argv: list[str], said: str) -> None:
    """'--bogus' was 'close' to '--out' (difflib 0.67 with the dashes, 0.5 without), so the hint sent a user there."""
    code, _, err = run(capsys, *argv)
    assert code == 2
    one_line(err, said)


def test_quorum_file_reads_are_bounded(capsys) -> None:
    code, _, err = run(capsys, "check", "paxos", "--quorums", "/dev/zero")
    assert code == 2
    one_line(err, "--quorums /dev/zero: larger than 1,048,576 bytes")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "paxos", "--acceptors", "40"], "--acceptors 40 (majorities) gives 131,282,408,400 21-element"),
        (["check", "paxos", "--max-ballot", str(10**9)], "--max-ballot 1,000,000,000 is more than paxraft can hold"),
        (["check", "raft", "--servers", "12", "--symmetry"], "gives 479,001,600 renamings"),
        (["check", "paxos", "--max-states", "0"], "--max-states must be at least 1, got 0"),
        (["check", "paxos", "--mode", "simulate", "--depth", str(10**9)], "--depth must be at most 1,000,000"),
        (["check", "paxos", "--q1", "20", "--acceptors", "40"], "--q1 20 with --acceptors 40 gives"),
        (["graph", "paxos", "--max-states", "0"], "--max-states must be at least 1"),
        (["bmc", "paxos", "--depth", str(10**9)], "--depth must be at most 1,000 (Z3 unrolls a copy of the state per"),
        (["bmc", "raft", "--depth", str(10**9)], "--depth must be at most 1,000 (Z3 unrolls a copy of the state per"),
    ],
)
def test_sizes_that_would_exhaust_memory_are_refused(capsys, argv: list[str], needle: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    one_line(err, needle)


@pytest.mark.parametrize("argv", [["check"], ["check", "--workers", "2"], ["check", "--mode", "dfs"], ["graph"],
                                  ["explore", "--for", "0"]])
def test_initial_states_without_end_are_refused_after_the_cap(capsys, argv: list[str]) -> None:
    """init_states() is taken lazily, at most MAX_ENUMERATED states (it was listed until memory ran out), by
    every command: the flag a user gave is named."""
    ref = f"{Path(faulty.__file__)}:EveryStart"
    code, _, err = run(capsys, argv[0], ref, "--limit", "5", *argv[1:])
    assert code == 2
    one_line(err, "counter: init_states() gives more than 100,000 initial states with --limit 5; paxraft takes at "
             "most 100,000 (lower the bounds)")


def test_a_spec_counts_its_initial_states_before_listing_them(capsys) -> None:
    """Chang-Roberts with --nodes 2000: 2**2000 initial states, refused at once by the spec's own count
    (spec.limits.enumerable, as docs/writing-a-spec.md teaches); it ran out of memory."""
    ref = str(Path(faulty.__file__).parent / "chang_roberts.py") + ":ChangRoberts"
    code, _, err = run(capsys, "check", ref, "--nodes", "2000")
    assert code == 2
    one_line(err, "chang_roberts: --nodes 2000 gives 1.15e+602 initial states; paxraft lists at most 100,000 of them")


def test_out_pointing_at_a_file(capsys, tmp_path) -> None:
    f = tmp_path / "afile"
    f.write_text("")
    code, _, err = run(capsys, "check", "paxos", "--variant", "ignore-votes", "--out", str(f))
    assert code == 2
    one_line(err, f"--out {f}: exists and is not a folder")
    code, _, err = run(capsys, "graph", "paxos", "--acceptors", "1", "--values", "1", "--out", str(f / "sub"))
    assert code == 2
    one_line(err, "is not a folder")
    for argv in (["check", "paxos", "--variant", "ignore-votes"], ["refine", "paxos", "voting", "--variant",
                                                                    "ignore-votes"]):  # it wrote into the cwd
        code, out, err = run(capsys, *argv, "--out", "")
        assert code == 2 and out == "", argv
        one_line(err, "--out: an empty path; name a folder (. for the current one)")


def test_workers_capped_with_a_message(capsys) -> None:
    code, out, err = run(capsys, "check", "paxos", "--acceptors", "1", "--values", "1", "--workers", "100")
    cap = 4 * (os.cpu_count() or 1)
    assert code == 0 and "25 distinct states" in out
    assert f"--workers 100 capped at {cap}" in err and "Traceback" not in err


def test_spec_file_calling_sys_exit_at_import(capsys, tmp_path) -> None:
    f = tmp_path / "quits.py"
    f.write_text("import sys\nsys.exit(0)\n")
    code, _, err = run(capsys, "check", f"{f}:Quits")
    assert code == 2
    one_line(err, "quits.py: the file called sys.exit(0) while being imported")


CTRL_C = str(Path(__file__).parent / "user_specs" / "ctrl_c.py") + ":Grid"


@pytest.mark.parametrize("mode", [(), ("--mode", "dfs"), ("--mode", "simulate", "--walks", "5000", "--depth", "400"),
                                  ("--memory", "1GiB"), ("--liveness",)])
def test_ctrl_c_prints_the_figures_so_far_in_every_mode(capsys, mode) -> None:
    """Ctrl-C (a KeyboardInterrupt at the 15,000th step of a user's spec) in plain BFS, DFS, simulation, the
    engine (the --workers/--memory path) and liveness: exit 130 and the run's figures, in one line."""
    Progress.latest = None  # no figures of an earlier test's run
    code, _, err = run(capsys, "check", CTRL_C, "--quiet", *mode)
    assert code == 130, err
    one_line(err, "paxraft check: interrupted after")
    counts = re.search(r"([\d,]+) distinct states, ([\d,]+) states generated", err)
    assert counts and int(counts[1].replace(",", "")) > 0 and 1_000 < int(counts[2].replace(",", "")) < 15_000
    if "simulate" in mode:
        assert "walks done" in err


def test_sigint_to_parallel_workers_exits_130_with_statistics() -> None:
    """A real SIGINT to `check --workers 2` once its first progress line is out."""
    env = dict(os.environ, PAXRAFT_PROGRESS_SECONDS="0.2")
    proc = _cli("check", CTRL_C, "--limit", "3000", "--stop-after", "0", "--workers", "2", env=env,
                preexec_fn=_hear_sigint)
    first = proc.stderr.readline()
    assert first.startswith("[grid"), first
    err = _interrupt(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "paxraft check: interrupted after" in err and "distinct states" in err


def _ignore_sigint() -> None:
    """In the child before it runs: SIGINT ignored, as a shell's background job (`cmd &`) has it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("sigint", [_hear_sigint, _ignore_sigint])
def test_sigterm_to_parallel_workers_exits_143_with_statistics_and_leaves_no_worker(sigint) -> None:
    """SIGTERM (what `timeout` sends) to `check --workers 2`: the program died of it, silent (exit -15: nothing of
    how far the search got), its workers left running until they noticed, up to a second later. Now as Ctrl-C:
    the figures so far, the workers ended before the exit, status 143. In a background job (SIGINT ignored) it
    still died silently until hostile12: the program was told from a caller of main() by its SIGINT handler."""
    env = dict(os.environ, PAXRAFT_PROGRESS_SECONDS="0.2")
    proc = _cli("check", CTRL_C, "--limit", "3000", "--stop-after", "0", "--workers", "2", env=env,
                preexec_fn=sigint)
    first = proc.stderr.readline()
    assert first.startswith("[grid"), first
    workers = [int(c) for t in Path(f"/proc/{proc.pid}/task").iterdir()
               for c in (t / "children").read_text().split()]
    assert len(workers) == 2, workers
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "paxraft check: terminated (SIGTERM) after" in err and "distinct states" in err
    assert not [w for w in workers if Path(f"/proc/{w}").exists()], "a worker outlived the program"


HALF_BUILT = """
import os
import signal
import time
from typing import NamedTuple

from spec.core import Spec, action


class S(NamedTuple):
    x: int


class Half:
    def __init__(self) -> None:  # (SIGTERM lands before its attribute is set, as in Z3's AstRef.__init__)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
        self.ctx = 1

    def __del__(self) -> None:
        self.ctx.ref()


class Stopped(Spec):
    variables = ("x",)

    def init_states(self):
        Half()
        return [S(0)]

    @action()
    def Inc(self, s):
        return None
"""


def test_sigterm_inside_a_constructor_is_one_line(tmp_path: Path) -> None:
    """A SIGTERM (or Ctrl-C) that lands inside a constructor whose object has a ``__del__`` (a Z3 term's, while
    `prove` builds a large invariant): after the one line came "Exception ignored in: <function AstRef.__del__>",
    a traceback and "AttributeError: 'BoolRef' object has no attribute 'ctx'", from the half-built object freed
    with the traceback."""
    (tmp_path / "half.py").write_text(HALF_BUILT)
    proc = _cli("check", f"{tmp_path / 'half.py'}:Stopped")
    err = proc.communicate(timeout=60)[1]
    assert (proc.returncode, err) == (143, "paxraft check: terminated (SIGTERM)\n")


# -- the other sub-commands: explore, infer, bmc, prove, wal, trace-json, kv, cluster -----------------------


def _private_dir(path: Path, cluster_json: str | None = None) -> Path:
    path.mkdir(mode=0o700)
    if cluster_json is not None:
        (path / "cluster.json").write_text(cluster_json)
        os.chmod(path / "cluster.json", 0o600)
    return path


@pytest.mark.parametrize(
    ("argv", "needle"),
    [  # each was a traceback (internal error, exit 4) or ran on with what it was given (exit 0 or 1)
        (["prove", "paxos", "--timeout", "nan"], "--timeout must be positive, got nan"),
        (["prove", "raft", "--timeout", "-1"], "--timeout must be positive, got -1.0"),
        (["prove", "multipaxos", "--timeout", "inf"], "--timeout must be finite, got inf"),
        (["bmc", "paxos", "--depth", "1", "--timeout", "0"], "--timeout must be positive, got 0.0"),
        (["bmc", "raft", "--depth", "1", "--timeout", "inf"], "--timeout must be finite, got inf"),
        (["infer", "paxos", "--timeout", "nan"], "--timeout must be positive, got nan"),
        (["explore", "paxos", "--for", "-1"], "--for must be 0 or more, got -1.0"),
        (["explore", "paxos", "--for", "nan"], "--for must be 0 or more, got nan"),
        (["explore", "paxos", "--for", "inf"], "--for must be finite, got inf"),
        (["kv", "get", "k", "--dir", "/nonexistent", "--timeout", "-1"], "--timeout must be positive, got -1.0"),
        (["cluster", "add", "--dir", "/nonexistent", "--wait", "-1"], "--wait must be positive, got -1.0"),
        (["cluster", "transfer", "--dir", "/nonexistent", "--wait", "nan"], "--wait must be positive, got nan"),
    ],
)
def test_time_limits_of_zero_or_less_nan_or_infinite_are_refused(capsys, argv: list[str], needle: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    one_line(err, needle)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"nodes": ', "cluster.json: not a usable cluster description (Expecting value"),
        ("[]", "cluster.json: not a usable cluster description (list indices"),
        ('{"nodes": {"1": 1}, "secret": "zz"}', "cluster.json: not a usable cluster description (non-hexadecimal"),
    ],
)
def test_kv_reads_cluster_json_as_the_cluster_commands_do(capsys, tmp_path, content: str, needle: str) -> None:
    d = _private_dir(tmp_path / "c", content)
    code, _, err = run(capsys, "kv", "get", "k", "--dir", str(d))  # was: internal error, exit 4
    assert code == 2
    one_line(err, needle)
    code, _, err = run(capsys, "cluster", "status", "--dir", str(d))
    assert code == 2
    one_line(err, needle)


def test_trace_json_names_a_file_that_is_no_trace(capsys, tmp_path) -> None:
    binary, text, array = tmp_path / "junk.bin", tmp_path / "notes.jsonl", tmp_path / "list.jsonl"
    binary.write_bytes(bytes(range(128, 256)))
    text.write_text('{"clock": 1}\nnot json\n')
    array.write_text("[1, 2]\n")
    for path, needle in [(binary, f"trace {binary}:1: not UTF-8 text (byte 0x80 at offset 0)"),
                         (text, f"trace {text}:2: not valid JSON"),
                         (array, f"trace {array}:1: not a JSON object")]:
        code, out, err = run(capsys, "trace-json", str(path))  # were copied to the output, exit 0
        assert code == 2 and out == ""
        one_line(err, needle)
    text.write_text('{"clock": 1}\n\n{"clock": 2}\n')
    assert run(capsys, "trace-json", str(text)) == (0, text.read_text(), "")  # JSON lines are copied as they are


def test_trace_json_of_a_trace_without_events_says_so(capsys, tmp_path) -> None:
    """An empty file, blank lines, a header alone (JSON lines or compact: a node stopped before its first
    step): no events, said in one line, exit 2, as the audit says it (it printed nothing and exit 0)."""
    from impl.trace import TraceWriter

    empty, blank, header, compact = (tmp_path / n for n in ("e.jsonl", "b.jsonl", "h.jsonl", "h.bin"))
    empty.write_bytes(b"")
    blank.write_text("\n\n")
    for path, is_compact in ((header, False), (compact, True)):
        w = TraceWriter(path, 1, (1, 2, 3), compact=is_compact)
        w.flush()
        w.close()
    for path, why in ((empty, "an empty file"), (blank, "an empty file"), (header, "header lines only"),
                      (compact, "header lines only")):
        code, out, err = run(capsys, "trace-json", str(path))
        assert code == 2 and out == ""
        one_line(err, f"trace {path}: no events ({why})")
    code, _, err = run(capsys, "audit", str(header), "--spec", "raft")
    assert code == 2 and "the trace has no events" in err
    code, out, err = run(capsys, "audit", "--history", str(empty), str(blank))  # it said '0 operations: ok'
    assert code == 2 and out == ""
    one_line(err, f"{empty}, {blank}: no operations (an empty history)")


def test_wal_check_of_a_folder_holding_no_log(capsys, tmp_path) -> None:
    empty = _private_dir(tmp_path / "empty")
    code, out, err = run(capsys, "wal", "check", str(empty))  # was: "REFUSED ... wal.log: missing", exit 1
    assert code == 2 and out == ""
    one_line(err, f"{empty}: no wal.log here nor in {empty / 'wal'} (not a node's folder, nor its wal/ folder)")
    (empty / "wal").mkdir()
    (empty / "wal" / "wal.log").mkdir()
    code, out, _ = run(capsys, "wal", "check", str(empty))  # was: "[Errno 21] Is a directory"
    assert code == 1 and f"error: {empty / 'wal' / 'wal.log'}: not a file" in out


def test_wal_check_of_a_node_folder_whose_log_is_gone_is_refused(capsys, tmp_path) -> None:
    """A node's folder (its wal/ is there) whose log was deleted, or is a link to nothing, is storage the node
    refuses: exit 1 (it was exit 2, 'not a node's folder', as for a wrong folder); a snapshot.bin that is a
    folder is named (it was '[Errno 21] Is a directory')."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.create(d, 1)
    cluster.release_ports(d)
    wal = d / "node-1" / "wal"
    (wal / "wal.log").unlink()
    for args in ((str(d / "node-1"),), (str(wal),)):
        code, out, _ = run(capsys, "wal", "check", *args)
        assert code == 1 and f"error: {wal / 'wal.log'}: missing" in out
    (wal / "wal.log").symlink_to(tmp_path / "nothing")
    code, out, _ = run(capsys, "wal", "check", str(d / "node-1"))
    assert code == 1 and f"error: {wal / 'wal.log'}: not a file (a symbolic link to nothing)" in out
    (wal / "wal.log").unlink()
    cluster.init_node(d, 1)
    (wal / "snapshot.bin").mkdir()
    code, out, _ = run(capsys, "wal", "check", str(d / "node-1"))
    assert code == 1 and f"error: {wal / 'snapshot.bin'}: not a file" in out


@pytest.mark.parametrize(("setting", "why"), [
    ({"wal_prealloc": 10**12}, "wal_prealloc must be an integer 0..1,073,741,824, got 1000000000000"),
    ({"wal_prealloc": "abc"}, "wal_prealloc must be an integer 0..1,073,741,824, got 'abc'"),
    ({"tick_ms": 0}, "tick_ms must be an integer 1..60,000, got 0"),
    ({"election_ticks": -1}, "election_ticks must be an integer 2..100,000, got -1"),
    ({"heartbeat_ticks": 20}, "heartbeat_ticks must be below election_ticks"),
    ({"max_connections": "x"}, "max_connections must be an integer 1..1,000,000, got 'x'"),
    ({"max_command_bytes": 70 << 20}, "max_command_bytes must be an integer 1,024..67,108,795, got 73400320"),
    ({"max_command_bytes": 32 << 20}, "max_command_bytes 33,554,432 needs an election timeout of 320 ms or more "
     "(10 ms per MiB), not 200 ms (election_ticks 20 x tick_ms 10): raise election_ticks to 32"),
    ({"election_ticks": 3}, "max_command_bytes 4,194,304 needs an election timeout of 40 ms or more (10 ms per MiB), "
     "not 30 ms (election_ticks 3 x tick_ms 10): raise election_ticks to 4"),
    ({"nodes": {"1": 70000}}, "nodes: node 1's port must be an integer 1..65535, got 70000"),
    # each below: a traceback of the node, an internal error (exit 4) or "coroutine raised StopIteration" of a
    # command, or `cluster start` waiting 20 s for a leader no node could elect
    ({"nodes": {}}, "nodes: names no node"),
    ({"members": [9]}, 'members must be a list of distinct nodes of "nodes", got [9]'),
    ({"members": [1, 1]}, 'members must be a list of distinct nodes of "nodes", got [1, 1]'),
    ({"removed": "x"}, "removed must be a list of distinct nodes of \"nodes\", got 'x'"),
    ({"removed": [1]}, "removed: every node is removed"),
    ({"trace_format": 5}, '"trace_format" must be one of compact, jsonl, got 5'),
    ({"quorum_first": "x"}, "quorum_first must be true or false, got 'x'"),
    ({"bug": "nonsense"}, "bug (a test hook) names no planted bug of raft: 'nonsense'"),
    ({"crash_at": {"at": "written"}}, 'crash_at (a test hook) must be {"at": one of written, sent, replied, eio, '
                                      "chunk, installed, \"index\": an integer}, got {'at': 'written'}"),
    ({"secret": ""}, "secret: must be at least 16 bytes (32 hex digits)"),
    ({"fsync": "no"}, "fsync must be true or false, got 'no'"),
    ({"idle_timeout_s": float("nan")}, "idle_timeout_s must be a number of seconds above 0, got nan"),
])
def test_a_cluster_json_setting_out_of_range_is_one_line(capsys, tmp_path, setting, why) -> None:
    """A node read cluster.json's settings unchecked: "wal_prealloc": 10**12 ended it in a MemoryError traceback
    (a smaller huge one fills the disk with zeros), "election_ticks": -1 and "max_connections": "x" in tracebacks,
    "tick_ms": 0 ran its timer in a busy loop, a port above 65535 was an internal error (exit 4) of `cluster
    start`. Each command that reads cluster.json names the setting, exit 2."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.create(d, 1)
    cluster.release_ports(d)
    desc = json.loads((d / "cluster.json").read_text())
    cluster.save(d, {**desc, **setting})
    for cmd in (["cluster", "status"], ["cluster", "start"], ["kv", "get", "k"]):
        code, out, err = run(capsys, *cmd, "--dir", str(d))
        assert (code, out) == (2, "")
        one_line(err, f"{d / 'cluster.json'}: not a usable cluster description ({why})")


def test_a_large_max_command_bytes_is_taken_with_an_election_timeout_to_match(tmp_path) -> None:
    """The pair refused above (32 MiB with the default 200 ms: its puts took 8-42 s and up to 35 elections) is taken
    with the timeout the line asks for, and 16 MiB (160 ms by the rule, fine with 200 ms) with the default."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.create(d, 1)
    cluster.release_ports(d)
    desc = cluster.load(d)
    for setting in ({"max_command_bytes": 32 << 20, "election_ticks": 32}, {"max_command_bytes": 16 << 20},
                    {"max_command_bytes": 32 << 20, "tick_ms": 20, "election_ticks": 16}):
        cluster.save(d, {**desc, **setting})
        assert cluster.load(d)["max_command_bytes"] == setting["max_command_bytes"]


def test_recover_node_of_a_running_multipaxos_node_says_stop_it(capsys, tmp_path) -> None:
    """recover-node rebuilds a Multi-Paxos node too (it said that it rebuilds Raft nodes only, exit 2): a running one
    is refused as a running Raft node is, in one line (a cluster command's failure, on stdout), exit 1."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.create(d, 3, protocol="multipaxos")
    cluster.release_ports(d)
    cluster.write_pid(d / "node-2" / "pid", os.getpid())  # a running process stands for the node
    code, out, err = run(capsys, "cluster", "recover-node", "--dir", str(d), "--node", "2")
    assert (code, err, out) == (1, "", "paxraft cluster: node 2 is running; stop it (or kill it) before recovering "
                                       "its storage\n")
    # docs/multipaxos.md: no membership changes, no leadership transfer, each refused in one line, exit 2
    for argv, says in ((["add"], "membership changes are made in a Raft cluster only"),
                       (["remove", "--node", "2"], "membership changes are made in a Raft cluster only"),
                       (["transfer"], "leadership transfer is for a Raft cluster only"),
                       (["transfer", "--to", "1"], "leadership transfer is for a Raft cluster only")):
        code, out, err = run(capsys, "cluster", *argv, "--dir", str(d))
        assert (code, out) == (2, ""), argv
        one_line(err, says)


def test_cluster_start_does_not_report_a_removed_node_as_down(capsys, tmp_path) -> None:
    """After `cluster remove`, `cluster start` printed the removed node as 'down: not running' and exited 1
    ('cluster is up, but not every node is'), though every member was up."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.create(d, 3)
    cluster.release_ports(d)
    desc = cluster.load(d)
    cluster.save(d, {**desc, "members": [1, 2, 3], "removed": [3]})
    try:
        code, out, err = run(capsys, "cluster", "start", "--dir", str(d))
        assert (code, err) == (0, "") and "node 3" not in out and out.endswith("cluster is up\n"), out
    finally:
        cluster.stop(d)


def test_kv_takes_and_gives_back_the_bytes_of_arguments_that_are_not_utf8(tmp_path) -> None:
    """A key or value that is not UTF-8 (a shell passes bytes) was an internal error, exit 4; `kv get` printed a
    stored value decoded with replacement characters. Both are the bytes given now."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.start(d, 1)
    try:
        kv = [sys.executable, "-m", "modelcheck.cli", "kv"]

        def call(*args: bytes) -> subprocess.CompletedProcess[bytes]:
            return subprocess.run([*kv, *args, b"--dir", os.fsencode(d)], capture_output=True, timeout=60,
                                  cwd=cluster.ROOT)

        put = call(b"put", b"k\xff\xfe", b"v\xff\x01x\xc3")
        assert (put.returncode, put.stdout, put.stderr) == (0, b"ok\n", b"")
        get = call(b"get", b"k\xff\xfe")
        assert (get.returncode, get.stdout) == (0, b"v\xff\x01x\xc3\n")
        assert call(b"get", b"k").stdout == b"not found\n"
    finally:
        cluster.stop(d)


def test_kv_value_from_a_file_or_stdin_any_size_a_request_holds(tmp_path) -> None:
    """A value could only be an argument: one longer than the OS takes for an argument (128 KiB on Linux) could not
    be stored from the command line at all, and `kv get` added a newline to the bytes it printed. --value-file (or
    '-', standard input) gives its bytes exactly, --raw prints them back exactly; one larger than a request can
    carry is one line, exit 2, read no further than that (/dev/zero)."""
    from impl.kv.protocol import MAX_COMMAND_BYTES
    from impl.runtime import cluster

    d = tmp_path / "c"
    value = bytes(range(256)) * 1200 + b"\n"  # 300 KiB and a byte, not text, ending in a newline
    (tmp_path / "v.bin").write_bytes(value)
    cluster.start(d, 1)
    try:
        def call(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
            return subprocess.run([sys.executable, "-m", "modelcheck.cli", "kv", *args, "--dir", str(d)],
                                  input=stdin, capture_output=True, timeout=120, cwd=cluster.ROOT)

        put = call("put", "big", "--value-file", str(tmp_path / "v.bin"))
        assert (put.returncode, put.stdout, put.stderr) == (0, b"ok\n", b"")
        get = call("get", "big", "--raw")
        assert (get.returncode, get.stdout) == (0, value)
        assert call("get", "big").stdout == value + b"\n"  # (as before: a line)
        cas = call("cas", "big", "-", "--value-file", "-", stdin=b"new")  # EXPECTED absent: fails, shows it
        assert (cas.returncode, cas.stdout) == (1, b"cas failed: current value is 307,201 bytes, not shown (not a "
                                                  b"short line of text): kv get big --raw prints them\n")
        assert call("put", "e", "").returncode == 0
        assert call("cas", "e", "x", "y").stdout == b"cas failed: current value is empty (0 bytes)\n"
        (tmp_path / "old").write_bytes(value)
        assert call("cas", "big", "x", "--value-file", "-", stdin=b"\x00new").returncode == 1
        assert call("put", "small", "--value-file", "-", stdin=b"\x00\xff").returncode == 0
        assert call("get", "small", "--raw").stdout == b"\x00\xff"
        for argv, needle in (
            (("put", "k", "--value-file", "/dev/zero"),
             f"--value-file /dev/zero: longer than this cluster's max_command_bytes ({MAX_COMMAND_BYTES:,})"),
            (("put", "k", "--value-file", str(tmp_path)), f"--value-file {tmp_path}: Is a directory"),
            (("put", "k", "--value-file", str(tmp_path / "none")), f"--value-file {tmp_path / 'none'}: No such file"),
            (("put", "k", "v", "--value-file", "-"), "kv put takes 0 value argument(s) after the key besides "
                                                     "--value-file, got 1"),
            (("get", "k", "--value-file", "-"), "--value-file gives put's value or cas's NEW; kv get takes none"),
            (("put", "k", "v", "--raw"), "--raw prints what kv get reads; kv put prints no value"),
            (("put", "k" * 70_000, "v"), "kv put: a key of 70,000 bytes is longer than the 65,535 a command can hold"),
        ):
            r = call(*argv)
            assert (r.returncode, r.stdout) == (2, b""), argv
            one_line(r.stderr.decode(), needle)
        fifo = tmp_path / "fifo"  # a FIFO is read to its writer's end (`--value-file <(cmd)` is a pipe too)
        os.mkfifo(fifo)
        p = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "kv", "put", "piped", "--value-file", str(fifo),
                              "--dir", str(d)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cluster.ROOT)
        with open(fifo, "wb") as w:  # (waits for the reader's open: it opened without waiting for us)
            w.write(value)
        assert p.communicate(timeout=120) == (b"ok\n", b"")
        assert call("get", "piped", "--raw").stdout == value
    finally:
        cluster.stop(d)


def test_kv_value_file_that_never_ends_is_given_up_after_timeout(tmp_path) -> None:
    """`kv put --value-file FIFO` with no writer waited for ever (its open() waited for a writer) and --timeout did
    not cover reading the value; nor did it a standard input left open. Each is one line, exit 2, after --timeout."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.create(d, 1)  # (no node runs: the value is read before the cluster is asked)
    cluster.release_ports(d)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for name, stdin in ((str(fifo), subprocess.DEVNULL), ("-", subprocess.PIPE)):
        p = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "kv", "put", "k", "--value-file", name,
                              "--timeout", "0.5", "--dir", str(d)], stdin=stdin, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=cluster.ROOT)
        try:
            if p.stdin is not None:
                p.stdin.write(b"part of a value, and the pipe left open")
                p.stdin.flush()
            p.wait(timeout=60)  # (not communicate(): it would close standard input)
            assert p.stdout is not None and p.stderr is not None
            out, err = p.stdout.read(), p.stderr.read()
        finally:
            p.kill()
            p.wait()
            if p.stdin is not None:
                p.stdin.close()
        assert (p.returncode, out) == (2, b"")
        one_line(err.decode(), f"--value-file {name}: still not read to its end after --timeout 0.5 s (a FIFO "
                               "without a writer, or a pipe or terminal left open?)")


def test_a_command_above_the_clusters_max_command_bytes_is_refused_by_the_nodes_and_the_clients(tmp_path) -> None:
    """Any command up to 64 MiB was taken: a 32 MiB put on a loaded 2-core machine set off an election every second
    or two while the nodes hashed, copied and wrote it, and never committed (benchmarks/large_values.py), so one
    client could keep the cluster from serving anyone. A node refuses a command larger than the cluster's
    "max_command_bytes" (4 MiB by default) in its answer; a client built from the cluster's folder, and `kv`,
    refuse it before sending."""
    from impl.kv.client import ClientError, KVClient
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.start(d, 3, max_command_bytes=65_536)
    try:
        desc = cluster.load(d)

        async def go() -> None:
            raw = KVClient({int(k): v for k, v in desc["nodes"].items()}, bytes.fromhex(desc["secret"]), timeout=30)
            with pytest.raises(ClientError, match=r"node \d refused the command: a command of 65,537 bytes is larger "
                                                  r"than this cluster's max_command_bytes \(65,536\)$"):
                await raw.put(b"k", b"v" * 65_536)
            assert (await raw.put(b"k", b"v" * 65_535)).status == 0  # (the key's byte counts)
            await raw.close()
            known = KVClient.from_dir(d, timeout=30)
            with pytest.raises(ValueError, match="a command of 65,537 bytes .* larger than the 65,536 this cluster's "
                                                 "max_command_bytes"):
                known.put(b"k", b"v" * 65_536)
            assert (await known.get(b"k")).value == b"v" * 65_535
            await known.close()

        asyncio.run(go())
        (tmp_path / "big").write_bytes(b"x" * 70_000)
        r = subprocess.run([sys.executable, "-m", "modelcheck.cli", "kv", "put", "k", "--value-file",
                            str(tmp_path / "big"), "--dir", str(d)], capture_output=True, text=True, timeout=60,
                           cwd=cluster.ROOT)
        assert (r.returncode, r.stdout) == (2, "")
        one_line(r.stderr, f"--value-file {tmp_path / 'big'}: longer than this cluster's max_command_bytes (65,536)")
    finally:
        cluster.stop(d)


def test_a_command_too_large_for_a_request_is_refused_at_once_not_retried_until_the_timeout() -> None:
    """A 70 MiB put was sent, the node closed the connection on its frame, and the client retried it until its
    timeout: "no answer from the cluster within 10 s", of a cluster that was up. Refused before it is sent now."""
    from impl.kv.client import KVClient
    from impl.kv.protocol import MAX_COMMAND_DATA

    c = KVClient({1: 9}, b"s" * 32, timeout=600)  # (no node listens: nothing may be sent)
    with pytest.raises(ValueError, match=f"a command of {MAX_COMMAND_DATA + 1:,} bytes .* is larger than the "
                                         f"{MAX_COMMAND_DATA:,} one request can carry"):
        c.put(b"k", b"v" * (MAX_COMMAND_DATA))
    with pytest.raises(ValueError, match="a key of 65,536 bytes"):
        c.get(b"k" * 65_536)
    with pytest.raises(ValueError, match="is larger than"):
        c.cas(b"k", b"e" * (MAX_COMMAND_DATA // 2), b"n" * (MAX_COMMAND_DATA // 2 + 1))
    assert c.default.seq == 0  # no sequence number spent on them


def test_cluster_add_without_a_leader_is_one_line_and_stops_the_node_it_started(capsys, tmp_path) -> None:
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.create(d, 1)
    cluster.release_ports(d)  # node 1 is never started: no leader can answer
    code, out, err = run(capsys, "cluster", "add", "--dir", str(d), "--wait", "1")  # was: internal error, exit 4
    assert (code, err) == (1, "")
    assert out.strip() == "paxraft cluster: no answer from the cluster within 1.0 s (nodes [1, 2])"
    assert cluster.pid_of(d, 2) is None  # node 2 was left running


def test_output_folders_that_are_files_are_refused_before_any_work(capsys, tmp_path) -> None:
    """--checkpoint FILE ran the whole check (exit 0) and wrote no checkpoint; prove and infer --cti-dir FILE
    said "FILE: File exists" only after the proof had run; --checkpoint-every -1 was taken."""
    f = tmp_path / "afile"
    f.write_text("x")
    for argv in (["check", "paxos", "--checkpoint", str(f)],
                 ["prove", "paxos", "--variant", "ignore-votes", "--cti-dir", str(f)],
                 ["prove", "raft", "--certificate", str(f)],
                 ["infer", "paxos", "--cti-dir", str(f / "sub")]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "", argv
        one_line(err, f"{argv[-2]} {argv[-1]}: ")
        assert "exists and is not a folder" in err or f"{f} is not a folder" in err
    code, _, err = run(capsys, "check", "paxos", "--checkpoint", str(tmp_path / "ck"), "--checkpoint-every", "-1")
    assert code == 2
    one_line(err, "--checkpoint-every must be 0 or more, got -1.0")


def test_replay_of_a_spec_without_end_of_initial_states(capsys, tmp_path) -> None:
    """replay took init_states() whole (a set of them): a spec yielding without end never answered."""
    ref = f"{Path(faulty.__file__)}:EveryStart"
    trace = tmp_path / "t.itf.json"
    trace.write_text(json.dumps({"#meta": {"spec": "counter", "bounds": {"limit": 5}},
                                 "vars": ["x"], "states": [{"#meta": {"index": 0}, "x": 0}]}))
    code, _, err = run(capsys, "replay", str(trace), "--spec", ref)
    assert code == 2
    one_line(err, "counter: init_states() gives more than 100,000 initial states with --limit 5")


def test_the_program_exits_with_its_status_its_output_whole_and_the_exit_handlers_run(tmp_path) -> None:
    """``paxraft`` skips freeing what the run built (modelcheck.cli.run), not the rest of an exit."""
    marker = tmp_path / "handler-ran"
    spec = tmp_path / "counter.py"
    spec.write_text(
        "import atexit\n"
        "from typing import NamedTuple\n"
        "from spec.core import Spec, action, invariant\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').close())\n"
        "class C(NamedTuple):\n"
        "    n: int\n"
        "class Counter(Spec):\n"
        "    name = 'counter'\n"
        "    def init_states(self):\n"
        "        yield C(0)\n"
        "    @action(params=lambda self, s: [()])\n"
        "    def Up(self, s):\n"
        "        return C(s.n + 1) if s.n < 5 else None\n"
        "    @invariant\n"
        "    def Small(self, s):\n"
        "        return s.n < 4\n"
    )
    proc = _cli("check", f"{spec}:Counter")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "Small" in out and out.endswith("\n") and marker.exists(), (out, err)


def test_a_variant_class_given_another_variant_names_the_spec_class(capsys) -> None:
    """``check lamport_mutex.py:NoAckWait --variant stale-clock`` said 'LamportMutex has no variant
    'stale-clock'; its variants: none', though LamportMutex has two: the class named is itself a variant."""
    ref = "tests/user_specs/lamport_mutex.py"
    code, _, err = run(capsys, "check", f"{ref}:NoAckWait", "--variant", "stale-clock")
    assert code == 2 and one_error_line(err) == (
        "paxraft check: error: NoAckWait is itself the variant 'no-ack-wait' of LamportMutex: name the spec's class "
        f"for --variant stale-clock ({ref}:LamportMutex)"
    )
    code, out, _ = run(capsys, "check", f"{ref}:LamportMutex", "--variant", "stale-clock", "--max-clock", "2")
    assert code == 1 and "invariant ClockCondition is violated" in out


class _Up(NamedTuple):
    x: int


class _Climb(Spec):
    """x climbs from 0 to 10,000; Small breaks at x = 3. Counts the invariant's calls."""

    variables = ("x",)

    def __init__(self) -> None:
        self.calls = 0
        super().__init__()

    def init_states(self) -> list[_Up]:
        return [_Up(0)]

    @action()
    def Inc(self, s: _Up) -> _Up | None:
        return _Up(s.x + 1) if s.x < 10_000 else None

    @invariant
    def Small(self, s: _Up) -> bool:
        self.calls += 1
        return s.x < 3


def test_the_check_hooks_walk_ends_where_the_search_would_stop(capsys) -> None:
    """``check --check-hooks`` walked the whole plain model before the search: Lamport's mutex's no-ack-wait
    (Mutex broken after 4 steps, millions of states behind it) ran for minutes without a line. The walk ends at
    the first state breaking an invariant (the search expands nothing past it) and prints progress while long."""
    spec = _Climb()
    preflight(spec, every=True)
    assert spec.calls == 4  # x = 0, 1, 2, then 3 breaks Small (was 10,001: every state)
    ref = "tests/user_specs/lamport_mutex.py:LamportMutex"
    bug = ("--variant", "no-ack-wait", "--procs", "2", "--max-clock", "1")
    code, out, _ = run(capsys, "check", ref, *bug, "--check-hooks")
    assert code == 1 and "invariant Mutex is violated; shortest counterexample: 4 steps" in out
    assert "23 distinct states, 31 states generated, depth 5" in out  # as without --check-hooks


def test_a_state_in_an_error_line_reads_as_traces_print_it(capsys, tmp_path) -> None:
    """The alternating-bit protocol's empty channels read "msgQ=()" in an error line and "<<>>" in every trace."""
    f = tmp_path / "raises.py"
    f.write_text(
        "from spec.core import action\n"
        "from alternating_bit import AlternatingBit\n\n\n"
        "class Raises(AlternatingBit):\n"
        "    @action()\n"
        "    def RcvAck(self, s):  # no guard: the empty queue raises\n"
        "        return s._replace(ackQ=s.ackQ[1:], sAck=s.ackQ[0])\n"
    )
    sys.path.insert(0, str(Path(__file__).parent / "user_specs"))
    code, _, err = run(capsys, "check", f"{f}:Raises")
    assert code == 3
    one_line(err, "action RcvAck() raised IndexError: tuple index out of range (raises.py:8), in state msgQ=<<>>, "
                  "ackQ=<<>>, sBit=0, sAck=0, rBit=0, sent=d1, rcvd=d1")


def test_a_constructor_without_super_init_and_a_dict_state_are_one_line(capsys, tmp_path) -> None:
    """A spec whose constructor forgets super().__init__() was 'internal error: AttributeError ... _actions (a bug
    in paxraft)', exit 4; a state that is a dict read 'a state whose the state is a dict' (newuser4)."""
    from modelcheck.cli import main

    f = tmp_path / "slips.py"
    f.write_text(
        "from typing import NamedTuple\nfrom spec.core import Spec, action\n\n\n"
        "class S(NamedTuple):\n    x: int\n\n\n"
        "class NoSuper(Spec):\n    variables = ('x',)\n\n"
        "    def __init__(self, limit: int = 3) -> None:\n        self.limit = limit\n\n"
        "    def init_states(self):\n        return [S(0)]\n\n"
        "    @action(lambda self, s: [(1,)])\n    def Inc(self, s, d):\n        return None\n\n\n"
        "class DictState(Spec):\n    variables = ('x',)\n\n"
        "    def init_states(self):\n        return [{'x': 0}]\n\n"
        "    @action(lambda self, s: [(1,)])\n    def Inc(self, s, d):\n        return None\n"
    )
    assert main(["check", f"{f}:NoSuper"]) == 2
    assert capsys.readouterr().err == ("paxraft check: error: NoSuper.__init__ does not call super().__init__(), "
                                       "which binds the spec's actions and invariants: end the constructor with "
                                       "super().__init__()\n")
    assert main(["check", f"{f}:DictState"]) == 2
    assert "init_states() gave a state that is a dict ({'x': 0}), which is not hashable" in capsys.readouterr().err


def test_a_property_that_raises_and_symmetric_sets_as_a_list(capsys, tmp_path) -> None:
    """A property's predicate raising under --liveness, and symmetric_sets() returning a list of names, were both
    'internal error ... a bug in paxraft', exit 4 (newuser4): the preflight never calls a property's predicates,
    and the list reached spec.permutations. Now the spec's code, exit 3, and one line, exit 2."""
    from modelcheck.cli import main

    f = tmp_path / "slips2.py"
    f.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent / 'user_specs')!r})\n"
        "from kv_snapshot import KeyValueStore\nfrom spec.core import Eventually\n\n\n"
        "class PropRaises(KeyValueStore):\n    def properties(self):\n"
        "        return {'P': Eventually(lambda s: s.nope)}\n\n\n"
        "class SymList(KeyValueStore):\n    def symmetric_sets(self):\n        return ['TxId']\n"
    )
    assert main(["check", f"{f}:PropRaises", "--keys", "1", "--vals", "1", "--liveness"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("paxraft check: error in the spec's code: PropRaises: property P raised AttributeError: "
                          "'KVState' object has no attribute 'nope' (slips2.py:")
    assert main(["check", f"{f}:SymList", "--symmetry"]) == 2
    assert capsys.readouterr().err == ("paxraft check: error: SymList: symmetric_sets() returned ['TxId'] (a list); "
                                       "expected a dict of set name -> size, e.g. {'Proc': 3}\n")


def test_a_helper_method_called_name_is_one_line(capsys, tmp_path) -> None:
    """A spec with a helper `def name(self, p)` (a process's name: Huang's first draft, newuser6) ran with
    'Model: <bound method Huang.name of <paxraft_user_... object at 0x...>>' as its name, exit 0."""
    from modelcheck.cli import main

    f = tmp_path / "named.py"
    f.write_text(
        "from typing import NamedTuple\nfrom spec.core import Spec, action\n\n\n"
        "class S(NamedTuple):\n    x: int\n\n\n"
        "class Named(Spec):\n    variables = ('x',)\n\n"
        "    def name(self, p: int) -> str:\n        return f'p{p}'\n\n"
        "    def init_states(self):\n        return [S(0)]\n\n"
        "    @action(lambda self, s: [(1,)])\n    def Inc(self, s, d):\n        return None\n"
    )
    with pytest.raises(SystemExit) as done:  # the file's import fails: argparse's error exit
        main(["check", f"{f}:Named"])
    assert done.value.code == 2
    assert capsys.readouterr().err == ("paxraft check: error: Named.name is a function, not a str: paxraft prints a "
                                       "spec's name attribute as its name (the class name when there is none); "
                                       "rename that method\n")


def test_a_bool_and_a_number_in_one_place_are_refused_not_merged(capsys, tmp_path) -> None:
    """A leader False for 'none' beside nodes 0..1: Python takes False == 0, so electing node 0 gave a state the
    search took for the initial one, never checked: 'No error found' though the invariant fails in 1 step
    (newuser6). Numbers of different types (1 and Fraction(1)) are one value and pass."""
    from modelcheck.cli import main

    f = tmp_path / "boolint.py"
    f.write_text(
        "from fractions import Fraction\nfrom typing import NamedTuple\nfrom spec.core import Spec, action, invariant\n"
        "\n\nclass S(NamedTuple):\n    leader: object\n\n\n"
        "class Elect(Spec):\n    variables = ('leader',)\n\n"
        "    def init_states(self):\n        return [S(False)]\n\n"
        "    @action(lambda self, s: [(n,) for n in range(2)])\n"
        "    def Elect(self, s, n):\n        return S(n) if s.leader is False else None\n\n"
        "    @invariant\n    def NeverNodeZero(self, s):\n        return s.leader is False or s.leader != 0\n\n\n"
        "class Weight(Spec):\n    variables = ('leader',)\n\n"
        "    def init_states(self):\n        return [S(1)]\n\n"
        "    @action()\n    def Same(self, s):\n        return S(Fraction(1))\n"
    )
    assert main(["check", f"{f}:Elect"]) == 2
    assert one_error_line(capsys.readouterr().err) == (
        "paxraft check: error: Elect: action Elect(n=0) gives a state equal to one reached before only as Python "
        "compares: leader is 0 in it and False in the earlier one (False == 0 in Python), so the search would take "
        "them for one state; give the two meanings values that are never equal (e.g. None or -1 for 'none' beside "
        "0..N-1)")
    assert main(["check", f"{f}:Weight"]) == 0


def test_states_that_cannot_be_pickled_are_named_where_states_are_moved(capsys, tmp_path) -> None:
    """A state class made inside the constructor: one process checks it, but --workers, --checkpoint and --memory
    move or store states as pickles, and each ended in 'internal error: AttributeError: Can't pickle local object',
    exit 4 (hostile5)."""
    f = tmp_path / "local.py"
    f.write_text("from typing import NamedTuple\nfrom spec.core import Spec, action\n\n\n"
                 "class Local(Spec):\n    variables = ('x',)\n\n    def __init__(self) -> None:\n"
                 "        class S(NamedTuple):\n            x: int\n        self.S = S\n        super().__init__()\n\n"
                 "    def init_states(self):\n        return [self.S(0)]\n\n    @action()\n    def Inc(self, s):\n"
                 "        return self.S(s.x + 1) if s.x < 5 else None\n")
    assert run(capsys, "check", f"{f}:Local", "--quiet")[0] == 0
    for flags in (["--workers", "2"], ["--checkpoint", str(tmp_path / "ck")], ["--memory", "1MiB"]):
        code, _, err = run(capsys, "check", f"{f}:Local", *flags)
        assert code == 2
        one_line(err, f"Local: a state of type Local.__init__.<locals>.S cannot be pickled (Can't pickle local "
                      f"object 'Local.__init__.<locals>.S'), and {flags[0]} moves or stores states as pickles")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sys_exit_in_the_spec_s_code_is_its_failure(capsys, workers: str) -> None:
    """sys.exit(0) in an invariant deep in the run: the check exited 0 and said nothing (locating it ran the
    invariant again, which exited again); a forked worker died and the run said 'internal error: EOFError'."""
    code, out, err = run(capsys, "check", f"{Path(faulty.__file__)}:LateExitingInvariant", "--workers", workers)
    assert code == 3 and "No error found" not in out
    one_line(err, "paxraft check: error in the spec's code: counter: invariant Small raised SystemExit: 0 (faulty.py:")
    assert err.rstrip().endswith("in state x=150")


def test_an_enumerator_that_never_names_its_state_and_raises_is_the_spec_s_code(capsys, tmp_path) -> None:
    """An enumerator that reads no state (taken once) and raises was 'internal error: TypeError ... (a bug in
    paxraft)', exit 4 (newuser11: BPConProof's fake acceptor, super() in a comprehension's second `for` under Python
    3.11): the preflight called it for its "same as once" check before the call that names the spec's code."""
    from modelcheck.cli import main

    f = tmp_path / "oncefails.py"
    f.write_text(
        "from typing import NamedTuple\nfrom spec.core import Spec, action\n\n\n"
        "class S(NamedTuple):\n    x: int\n\n\n"
        "class OnceFails(Spec):\n    variables = ('x',)\n\n"
        "    def init_states(self):\n        return [S(0)]\n\n"
        "    @action(lambda self, s: [(1 // 0,)])\n    def Inc(self, s, d):\n        return None\n"
    )
    assert main(["check", f"{f}:OnceFails"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("paxraft check: error in the spec's code: OnceFails: the parameter enumerator of Inc raised "
                          "ZeroDivisionError: integer division or modulo by zero (oncefails.py:")


def test_an_output_place_that_cannot_be_made_is_refused_before_any_work(capsys, tmp_path) -> None:
    """--out /proc/self/x (a folder no one can create) failed only after the whole run, with '/proc/self/x: No such
    file or directory' and without the flag's name, and the run's result was lost (hostile8): every flag naming
    an output place is tried before the run (output_folder, output_file), one line naming it, exit 2."""
    bad = "/proc/self/x"
    said = f"cannot create the folder {bad} (No such file or directory)"
    (tmp_path / "h.jsonl").write_text('{"client": 1, "op": "put", "key": "x", "value": 1, "call": 0, "return": 1}\n')
    (tmp_path / "t.jsonl").write_text('{"clock": 1}\n')
    for argv in (["check", "paxos", "--variant", "ignore-votes", "--out", bad],
                 ["check", "paxos", "--checkpoint", bad],
                 ["refine", "paxos", "voting", "--variant", "ignore-votes", "--out", bad],
                 ["graph", "paxos", "--acceptors", "1", "--values", "1", "--out", f"{bad}/g"],
                 ["prove", "paxos", "--variant", "ignore-votes", "--cti-dir", bad],
                 ["infer", "paxos", "--variant", "ignore-votes", "--out", f"{bad}/inv.txt"],
                 ["audit", "--history", str(tmp_path / "h.jsonl"), "--html", f"{bad}/h.html"],
                 ["audit", "--spec", "raft", str(tmp_path / "t.jsonl"), "--msc", f"{bad}/chart"],
                 ["trace-json", str(tmp_path / "t.jsonl"), "--out", f"{bad}/t.jsonl"]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        one_line(err, f"paxraft {argv[0]}: error: {argv[-2]} {argv[-1]}: {said}")
    made = tmp_path / "new" / "deeper" / "t.jsonl"  # a file's missing folders are made, as a folder's are
    assert run(capsys, "trace-json", str(tmp_path / "t.jsonl"), "--out", str(made))[0] == 0
    assert made.read_text() == '{"clock": 1}\n'
    assert run(capsys, "check", "paxos", "--acceptors", "1", "--out", str(tmp_path / "o"))[0] == 0
    assert not (tmp_path / "o").exists()  # the folder tried and nothing written: not left behind


def test_a_cluster_dir_that_is_a_file_is_named_as_the_argument(capsys, tmp_path) -> None:
    """`cluster start --dir FILE` said only "FILE: File exists" (the mkdir's OSError) and `--dir FILE/sub` "Not a
    directory"; status and kv said "no cluster.json". Now one line naming --dir and what is there, exit 2."""
    f = tmp_path / "afile"
    f.write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    for argv, said in ((["cluster", "start", "--dir", str(f)], f"--dir {f}: a file, not a folder"),
                       (["cluster", "status", "--dir", str(f)], f"--dir {f}: a file, not a folder"),
                       (["cluster", "start", "--dir", str(f / "sub" / "d")],
                        f"--dir {f / 'sub' / 'd'}: {f} is a file, not a folder"),
                       (["cluster", "start", "--dir", str(tmp_path / "dangling")],
                        f"--dir {tmp_path / 'dangling'}: a symbolic link to nothing, not a folder"),
                       (["kv", "get", "k", "--dir", str(f)], f"--dir {f}: a file, not a folder")):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        one_line(err, said)
    assert f.read_text() == "x"


def _entry_point() -> str:
    """Python code that runs ``paxraft`` as its console script does: the entry point pyproject.toml names."""
    import tomllib

    ref = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]["scripts"]["paxraft"]
    module, _, func = ref.partition(":")
    return f"from {module} import {func}\n{func}()\n"


def test_ctrl_c_while_the_modules_load_is_one_line_and_130() -> None:
    """A Ctrl-C in the program's first ~0.15 s, while the command line's modules loaded, printed a KeyboardInterrupt
    traceback and exited 1: the handler that reports it came with those modules. The SIGINT arrives during the import
    of modelcheck.cli.main (an audit hook sends it: no timing)."""
    hook = ("import os, signal, sys\n"
            "def hook(event, args):\n"
            "    if event == 'import' and args[0] == 'modelcheck.cli.main':\n"
            "        os.kill(os.getpid(), signal.SIGINT)\n"
            "sys.addaudithook(hook)\n"
            "sys.argv = ['paxraft', 'list']\n")
    proc = subprocess.run([sys.executable, "-c", hook + _entry_point()], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parent.parent, preexec_fn=_hear_sigint)
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, "", "paxraft: interrupted\n"), proc.stderr[-2000:]


def test_ctrl_c_during_a_command_run_by_the_entry_point_prints_the_figures() -> None:
    """The entry point's early handler gives way to the report with the figures while the command runs."""
    env = dict(os.environ, PAXRAFT_PROGRESS_SECONDS="0.2")
    argv = ("import sys\n"
            "sys.argv = ['paxraft', 'check', 'paxos', '--acceptors', '3', '--values', '3', '--max-ballot', '3']\n")
    proc = subprocess.Popen([sys.executable, "-c", argv + _entry_point()],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=Path(__file__).parent.parent, preexec_fn=_hear_sigint)
    first = proc.stderr.readline()
    assert first.startswith("["), first
    err = _interrupt(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.splitlines()[-1].startswith("paxraft check: interrupted after "), err


def test_wal_check_names_the_log_a_read_error_came_from(capsys, tmp_path) -> None:
    """A wal.log the OS cannot read (here a link to /proc/self/mem: EIO) said 'error: [Errno 5] Input/output error'."""
    (tmp_path / "wal").mkdir()
    (tmp_path / "wal" / "wal.log").symlink_to("/proc/self/mem")
    code, out, _ = run(capsys, "wal", "check", str(tmp_path))
    assert code == 1
    assert f"error: [Errno 5] Input/output error: '{tmp_path / 'wal' / 'wal.log'}'" in out.splitlines(), out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_explore_for_seconds_stops_at_once_on_ctrl_c_or_sigterm(sig) -> None:
    """`explore --for 300` stopped by Ctrl-C (or SIGTERM, which test_explore_browser sends) waited for its --for
    timer, a thread the exit waited on: 300 s."""
    proc = _cli("explore", "paxos", "--for", "300", preexec_fn=_hear_sigint)
    assert proc.stdout.readline().startswith("Exploring")
    assert proc.stdout.readline().startswith("Open http://127.0.0.1:")
    proc.send_signal(sig)
    try:
        err = proc.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("explore still serving 60 s after the signal")
    # (0: the signal came while it served, which it stops, as `explore` says; 130 or 143: while it did anything else)
    assert proc.returncode in ((0, 130) if sig == signal.SIGINT else (0, 143)), err
    assert "Traceback" not in err


# -- Ctrl-C where Python would lose it (hostile12) -----------------------------------------------------------
def test_a_ctrl_c_inside_ctypes_argument_conversion_is_an_interrupt(capsys) -> None:
    """ctypes turns a KeyboardInterrupt raised while it converts a call's arguments (Z3's from_param runs for every
    argument of every Z3 call) into ArgumentError('argument 12: KeyboardInterrupt: '): it was an internal error,
    exit 4."""
    import ctypes

    assert report("prove", ctypes.ArgumentError("argument 12: KeyboardInterrupt: ")) == 130
    assert report("prove", ctypes.ArgumentError("argument 1: Terminated: ")) == 143
    assert capsys.readouterr().err == "paxraft prove: interrupted\npaxraft prove: terminated (SIGTERM)\n"
    assert report("prove", ctypes.ArgumentError("argument 1: wrong type")) == 4


class _Finalized:
    """An object whose finalizer is where a Ctrl-C arrives."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # (the handler runs inside this finalizer)


def test_a_ctrl_c_inside_a_finalizer_is_raised_once_it_returned() -> None:
    """Python ignores an exception raised in a finalizer ("Exception ignored in ...", a traceback on stderr): a Ctrl-C
    that came while one of Z3's ran was lost, and `prove raft --complete` ran on to exit 0 (1 Ctrl-C in 14 at
    0.3-2.5 s). errors.outside_finalizers sends the signal again once the finalizer has returned."""
    old = signal.signal(signal.SIGINT, errors.outside_finalizers(signal.default_int_handler))
    try:
        with pytest.raises(KeyboardInterrupt):
            _Finalized()  # (made and dropped at once: its finalizer runs here)
            time.sleep(30)  # a bound: the signal, sent again 10 ms later, ends it
    finally:
        signal.signal(signal.SIGINT, old)
