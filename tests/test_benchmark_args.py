"""Every script in benchmarks/ parses its command line: ``--help`` prints usage and runs nothing; a wrong
argument is one line naming it, exit status 2 (no traceback, no benchmark started)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if p.name != "_args.py")
# Scripts that once ran the whole benchmark whatever the arguments (and start fast): the default run's twins.
QUICK = ["paxos_bench.py", "raft_bench.py", "run.py", "scale_bench.py", "txcommit_bench.py"]


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=60)


def _check(script: str) -> None:
    shown = _run(script, "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: " + script), shown.stdout[:200]
    wrong = _run(script, "--no-such-option")
    assert wrong.returncode == 2
    assert wrong.stdout == ""  # nothing started
    lines = wrong.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(script + ": "), wrong.stderr


@pytest.mark.parametrize("script", QUICK)
def test_quick_scripts_parse_their_arguments(script: str) -> None:
    _check(script)


def test_a_wrong_model_name_is_one_line() -> None:
    wrong = _run("scale_bench.py", "5m")
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.splitlines() == ["scale_bench.py: unknown model '5m' (choose from 705k, 2m) "
                                         "(see scale_bench.py --help)"]


def test_an_abbreviated_flag_is_refused_with_the_flag_meant() -> None:
    wrong = _run("txcommit_bench.py", "--no-tl")  # argparse would take it for --no-tlc and run
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.splitlines() == ["txcommit_bench.py: unrecognized arguments: --no-tl; did you mean --no-tlc? "
                                         "(see txcommit_bench.py --help)"]


@pytest.mark.slow
@pytest.mark.parametrize("script", [s for s in SCRIPTS if s not in QUICK])
def test_every_script_parses_its_arguments(script: str) -> None:
    _check(script)


def test_every_script_ends_quietly_on_a_closed_pipe() -> None:
    """Output into a pipe its reader closed (``| head``) ends a script with status 141 and nothing on stderr, as it
    does ``paxraft``: every script's ``__main__`` goes through ``_args.run_main`` (or is a helper module, which
    prints one line); the others printed a BrokenPipeError traceback, exit 1."""
    bare = [s for s in SCRIPTS if '__name__ == "__main__"' in (text := (BENCH / s).read_text())
            and "run_main(" not in text and "helper_module(" not in text]
    assert bare == []
    for script in ("run.py", "kv_paired.py"):  # their usage, printed into a pipe closed before they start
        proc = subprocess.Popen([sys.executable, str(BENCH / script), "--help"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(60) == 141 and err == b"", err[-300:]


def _wait_for_a_busy_child(pid: int) -> None:
    """Until a child of ``pid`` has run 0.5 CPU s (its imports done, the search started; at most 120 s)."""
    for _ in range(1200):
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for kid in kids:
            try:
                fields = Path(f"/proc/{kid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            if int(fields[11]) >= os.sysconf("SC_CLK_TCK") // 2:  # (utime, in clock ticks)
                return
        time.sleep(0.1)
    pytest.fail(f"no child of {pid} got busy")


def test_ctrl_c_ends_a_script_in_one_line() -> None:
    """Ctrl-C during a benchmark (SIGINT to its process group, as a terminal sends it: here during the
    705,532-state search its child process runs, once the script's first line is out) is one line on stderr, exit
    130, as it is for ``paxraft``; the script and its child each printed a KeyboardInterrupt traceback (docscheck2
    and docscheck3 saw it in scale_bench, kv_paired, kv_bench, txcommit_bench, write_path_cost, audit_bench)."""
    proc = subprocess.Popen([sys.executable, "-u", str(BENCH / "scale_bench.py"), "705k", "--no-ray", "--no-tlc"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # (heard in a
    try:  # background run too)
        assert proc.stdout is not None and proc.stdout.readline().startswith("cores: ")
        assert proc.stdout.readline() == "\n"
        assert proc.stdout.readline().startswith("raft.tla ")
        _wait_for_a_busy_child(proc.pid)  # (its handler set: a SIGINT in its first ms is the interpreter's)
        os.killpg(proc.pid, signal.SIGINT)
        err = proc.communicate(timeout=60)[1]
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert (proc.returncode, err) == (130, "scale_bench.py: interrupted\n")
