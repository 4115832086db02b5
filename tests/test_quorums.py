"""Quorum systems: Flexible Paxos's rule confirmed on small models, quorum files and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck import OK, VIOLATION, check
from modelcheck.cli import main
from spec.behaviour import validate_trace
from spec.core import SpecError
from spec.paxos import Paxos, read_quorum_file
from spec.paxos_variants import Flexible

# Models whose safe verdict needs more than ~50,000 states (seconds each): run with -m slow.
EXPENSIVE = {(4, 1, 4), (4, 2, 3), (4, 2, 4), (4, 1, 3), (4, 2, 2)}


def shortest(k1: int, k2: int) -> int:
    """Two ballots that each choose a value unseen: 1a, k1 promises, 2a, k2 votes, twice."""
    return 2 * (2 + k1 + k2)


def grid(n: int) -> list[tuple[int, int, int]]:
    return [(n, k1, k2) for k1 in range(1, n + 1) for k2 in range(1, n + 1)]


def confirm_rule(n: int, k1: int, k2: int) -> None:
    """Safe exactly when every phase-1 quorum meets every phase-2 quorum, i.e. k1 + k2 > n."""
    spec = Flexible(acceptors=n, q1=k1, q2=k2)
    r = check(spec)
    assert spec.quorums_intersect() == (k1 + k2 > n)
    if k1 + k2 > n:
        assert r.verdict == OK and r.complete
    else:
        assert (r.verdict, r.violated) == (VIOLATION, "Agreement")
        assert r.trace_length == shortest(k1, k2)
        validate_trace(r.spec, r.trace)
        chosen_in = [b for (b, v), voters in spec.votes(r.trace[-1].state).items() if len(voters) >= k2]
        assert len(set(chosen_in)) == 2


@pytest.mark.parametrize(("n", "k1", "k2"), grid(3) + [c for c in grid(4) if c not in EXPENSIVE])
def test_flexible_paxos_rule(n: int, k1: int, k2: int) -> None:
    confirm_rule(n, k1, k2)


@pytest.mark.slow
@pytest.mark.parametrize(("n", "k1", "k2"), sorted(EXPENSIVE))
def test_flexible_paxos_rule_larger_models(n: int, k1: int, k2: int) -> None:
    confirm_rule(n, k1, k2)


@pytest.mark.slow
@pytest.mark.parametrize(("n", "k1", "k2"), [(5, k, 5 - k) for k in range(1, 5)] + [(5, k, 6 - k) for k in range(2, 5)])
def test_flexible_paxos_rule_five_acceptors_at_the_boundary(n: int, k1: int, k2: int) -> None:
    confirm_rule(n, k1, k2)  # |Q1| + |Q2| = N (unsafe) and N + 1 (safe): minutes in all


def test_base_paxos_refuses_non_intersecting_quorums_and_points_to_the_variant() -> None:
    with pytest.raises(SpecError, match="do not intersect.*--variant flexible"):
        Paxos(acceptors=4, q1=2, q2=2)
    spec = Paxos(acceptors=4, q1=3, q2=2)  # Flexible Paxos's favourite: fewer acceptors in phase 2
    assert spec.bounds() == {"acceptors": 4, "values": 2, "max_ballot": 1, "q1": 3, "q2": 2}
    assert check(spec).distinct_states == check(Flexible(acceptors=4, q1=3, q2=2)).distinct_states == 20609


def test_size_quorums_keep_acceptor_symmetry_and_lists_lose_it() -> None:
    sym = check(Flexible(acceptors=3, q1=1, q2=3), symmetry=True)
    plain = check(Flexible(acceptors=3, q1=1, q2=3))
    assert sym.verdict == plain.verdict == OK and sym.distinct_states < plain.distinct_states
    assert "Acceptor" in Flexible(acceptors=3, q1=1, q2=3).symmetric_sets()
    assert "Acceptor" not in Flexible(acceptors=4, phase1_quorums=[[0, 1], [2, 3]]).symmetric_sets()


def test_grid_quorums_are_safe_when_rows_meet_columns(tmp_path: Path) -> None:
    f = tmp_path / "grid.txt"
    f.write_text("# a 2x2 grid: a1 a2 / a3 a4\nphase1: a1 a2\nphase1: a3, a4\nphase2: 1 3\nphase2: a2 a4\n")
    p1, p2 = read_quorum_file(str(f), 4)
    assert (p1, p2) == ([{0, 1}, {2, 3}], [{0, 2}, {1, 3}])
    assert main(["check", "paxos", "--acceptors", "4", "--quorums", str(f), "--quiet"]) == 0
    rows = tmp_path / "rows.txt"
    rows.write_text("a1 a2\na3 a4   # a quorum of both phases\n")
    assert main(["check", "paxos", "--acceptors", "4", "--quorums", str(rows)]) == 2  # base refuses
    assert main(["check", "paxos", "--variant", "flexible", "--acceptors", "4", "--quorums", str(rows)]) == 1


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("phase1: a1 a2\nphase3: a1\n", ":2: unknown prefix 'phase3'"),
        ("a1 a2\na1 x7\n", ":2: 'x7' is not an acceptor"),
        ("\n\na1 a5\n", ":3: acceptor a5 is outside a1..a3"),
        ("a1 a2\nphase2:   # nothing\n", ":2: empty quorum"),
        ("phase1: a1 a2\n", "no phase-2 quorum given"),
        ("", "no phase-1 quorum given"),
    ],
)
def test_malformed_quorum_file_is_one_line_naming_file_and_line(tmp_path: Path, capsys, text: str, needle: str) -> None:
    f = tmp_path / "q.txt"
    f.write_text(text)
    assert main(["check", "paxos", "--quorums", str(f)]) == 2
    err = capsys.readouterr().err
    assert needle in err and str(f) in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--quorums", "/nonexistent/q.txt"], "cannot read"),
        (["--q1", "4"], "--q1 must be a quorum size in 1..3"),
        (["--q2", "0"], "--q2 must be a quorum size in 1..3"),
        (["--q1", "1"], "do not intersect"),  # q2 stays majorities: 1 + 2 <= 3
    ],
)
def test_bad_quorum_options(capsys, argv: list[str], needle: str) -> None:
    assert main(["check", "paxos", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_quorum_file_and_sizes_do_not_mix(tmp_path: Path) -> None:
    f = tmp_path / "q.txt"
    f.write_text("a1 a2\n")
    with pytest.raises(SpecError, match="cannot be combined"):
        Paxos(quorum_file=str(f), q1=2)
