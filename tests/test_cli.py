"""The `paxraft` command: counts, JSON fields, the default suite, listing and bad arguments."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from modelcheck.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


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


def test_default_suite_table(capsys) -> None:
    code, out, _ = run(capsys, "check", "--quiet")
    assert code == 0
    assert "3,921" in out and "443" in out and "distinct" in out and "verdict" in out


def test_list_shows_specs_and_variants(capsys) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0 and "paxos" in out and "ignore-votes" in out and "Agreement" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "nosuch"], "unknown spec 'nosuch'"),
        (["check", "paxos", "--acceptors", "-1"], "--acceptors must not be negative"),
        (["check", "paxos", "--acceptors", "0"], "--acceptors must be an integer >= 1"),
        (["check", "paxos", "--variant", "nosuch"], "no variant 'nosuch'"),
        (["check", "paxos", "--acceptors", "x"], "invalid int value"),
        (["check", "nofile.py:Foo"], "no such file"),
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
