"""Specs whose hooks misbehave (hostile6): each was a hang or a wrong answer before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import one_error_line, run
from test_cli_errors import _hear_sigint, _interrupt

ENDLESS = '''
import itertools
from typing import NamedTuple

from spec.core import Spec, action, invariant


class S(NamedTuple):
    x: int


class Endless(Spec):
    variables = ("x",)

    def init_states(self):
        return [S(0)]

    @action(lambda self, s: ((i,) for i in itertools.islice(itertools.count(), {count})))
    def Set(self, s, i):
        return S(i) if i < 3 else None

    @invariant
    def Small(self, s):
        return s.x < 10
'''


def test_an_enumerator_yielding_for_ever_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """``itertools.count()`` as an enumerator: `check` printed nothing for ever, its memory growing (the spec layer
    takes an enumerator's parameters into a tuple). The limit is a million per state: here one more than that (an
    endless one would hang the old code)."""
    (tmp_path / "endless.py").write_text(ENDLESS.format(count=1_000_001))
    code, out, err = run(capsys, "check", f"{tmp_path / 'endless.py'}:Endless")
    assert code == 2 and out == "" and one_error_line(err) == (
        "paxraft check: error: Endless: the parameter enumerator of Set yields more than 1,000,000 parameter tuples "
        "in one state (an endless generator, such as itertools.count()?); a parameter ranges over a finite set, as "
        "TLA+'s \\E does; state: x=0")


DEEPER = '''
import itertools
from typing import NamedTuple

from spec.core import Spec, action


class S(NamedTuple):
    x: int


class Deeper(Spec):
    variables = ("x",)

    def init_states(self):
        return [S(0)]

    @action(lambda self, s: [(1,)])
    def Inc(self, s, d):
        return S(s.x + d) if s.x < 3 else None

    @action(lambda self, s: ((k,) for k in itertools.count()) if s.x >= 2 else [])
    def Jump(self, s, k):
        return S(3)
'''


def test_an_enumerator_endless_only_in_a_later_state_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """Endless from x = 2 on, two steps from the initial state, which the preflight's check of the initial state
    does not see: the fingerprint's sample walk took its parameters into a tuple, and `check` hung before printing
    anything, its memory growing (hostile6's open repro). The sample's walks ask each state's enumerators first."""
    (tmp_path / "deeper.py").write_text(DEEPER)
    code, out, err = run(capsys, "check", f"{tmp_path / 'deeper.py'}:Deeper")
    assert code == 2 and out == "" and one_error_line(err) == (
        "paxraft check: error: Deeper: the parameter enumerator of Jump yields more than 1,000,000 parameter tuples "
        "in one state (an endless generator, such as itertools.count()?); a parameter ranges over a finite set, as "
        "TLA+'s \\E does; state: x=2")


def test_an_enumerator_within_the_limit_is_checked(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    (tmp_path / "finite.py").write_text(ENDLESS.format(count=10))
    code, out, _ = run(capsys, "check", f"{tmp_path / 'finite.py'}:Endless")
    assert code == 0 and "3 distinct states" in out


def test_the_explorer_quotes_a_huge_step_cut_short() -> None:
    """A pasted step of 5,000 digits was echoed whole in the 400 answer (5 KB, as each error of the path)."""
    from modelcheck.output.explore.session import PathError, Session
    from spec.registry import build

    s = Session(build("paxos"))
    for bad in (f"Phase1a({'9' * 5000})", f"Phase1a({'(' * 300}0{')' * 300})", f"Phase1a(0{'x' * 5000}"):
        with pytest.raises(PathError) as err:
            s.view(bad)
        assert len(str(err.value)) < 400 and "characters)" in str(err.value), str(err.value)[:300]


CONS = '''
from typing import NamedTuple

from spec.core import Spec, action, invariant


class S(NamedTuple):
    log: tuple
    n: int


class Cons(Spec):
    variables = ("log", "n")

    def init_states(self):
        return [S((), 0)]

    @action(lambda self, s: [()])
    def Append(self, s):
        return S((s.n, s.log), s.n + 1) if s.n < 1500 else None

    @invariant
    def Ok(self, s):
        return True
'''


@pytest.mark.parametrize("mode", ["", "--workers 2", "--checkpoint"])
def test_a_state_nested_too_deep_to_pickle_is_one_line(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                        mode: str) -> None:
    """A log held as nested pairs, 1,500 deep: one process checks it exactly; --workers ended in a worker's
    RecursionError traceback and 'internal error: EOFError' (exit 4), --checkpoint in 'internal error:
    RecursionError' (pickle stops at about 1,000 levels). Now one line, exit 2, saying what to do."""
    (tmp_path / "cons.py").write_text(CONS)
    extra = {"": [], "--workers 2": ["--workers", "2"],
             "--checkpoint": ["--checkpoint", str(tmp_path / "ck"), "--max-states", "1200"]}[mode]  # (saved when cut)
    code, out, err = run(capsys, "check", f"{tmp_path / 'cons.py'}:Cons", "--quiet", *extra)
    if not mode:
        assert code == 0 and "1,501 distinct states" in out, out
        return
    assert code == 2 and "Traceback" not in err and one_error_line(err).startswith(
        "paxraft check: error: a state is nested too deeply to be pickled, as --workers, --ray and --checkpoint "
        "do"), err


BIG = '''
from typing import NamedTuple

from spec.core import Spec, action, invariant


class S(NamedTuple):
    x: int
    n: int


class Big(Spec):
    variables = ("x", "n")

    def init_states(self):
        return [S(2 ** 20_000, 0)]

    @action(lambda self, s: [(0,), (1,)])
    def Mul(self, s, k):
        return S(s.x * 3 + k, s.n + 1) if s.n < 4 else None

    @invariant
    def Small(self, s):
        return s.n < 2
'''


def test_a_state_with_an_int_of_thousands_of_digits_is_shown_and_replayed(capsys: pytest.CaptureFixture,
                                                                          tmp_path: Path) -> None:
    """An int of 6,000 digits in a state: the violation was found, then printing it ended in 'internal error:
    ValueError: Exceeds the limit (4300 digits) for integer string conversion' (exit 4; --json cut off mid-state),
    and replay refused the ITF check wrote ('not a string of an integer's digits'). Printed and replayed exactly."""
    import json
    import sys

    (tmp_path / "big.py").write_text(BIG)
    ref = f"{tmp_path / 'big.py'}:Big"
    want = 2 ** 20_000 * 3 * 3
    code, out, err = run(capsys, "check", ref, "--quiet")
    assert code == 1 and "Small" in out and "Traceback" not in err, err
    code, out, _ = run(capsys, "check", ref, "--json", "--quiet")
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # (this process's own json.loads has the guard too)
    try:
        assert code == 1 and want in [s["state"]["x"] for s in json.loads(out)["trace"]]
    finally:
        sys.set_int_max_str_digits(old)
    code, out, err = run(capsys, "check", ref, "--quiet", "--out", str(tmp_path / "o"))
    assert code == 1, err
    code, out, err = run(capsys, "replay", str(tmp_path / "o" / "trace.itf.json"), "--spec", ref)
    assert code == 0 and "the last state violates Small" in out, err


NAN = '''
from typing import NamedTuple

from spec.core import Spec, action, invariant


class S(NamedTuple):
    x: float
    n: int


class NaN(Spec):
    variables = ("x", "n")

    def init_states(self):
        return [S(0.0, 0)]

    @action(lambda self, s: [()])
    def Step(self, s):
        return S(float("nan"), (s.n + 1) % 3)

    @invariant
    def Ok(self, s):
        return True
'''


@pytest.mark.parametrize("mode", [[], ["--workers", "2"], ["--mode", "simulate"]])
def test_a_nan_in_a_state_is_named_as_such(capsys: pytest.CaptureFixture, tmp_path: Path, mode: list[str]) -> None:
    """A step giving a state with a float NaN: refused, but blamed on 'a random number, clock, id() or attribute
    that changes', none of which it read. It is named for what it is."""
    (tmp_path / "nan.py").write_text(NAN)
    code, out, err = run(capsys, "check", f"{tmp_path / 'nan.py'}:NaN", "--quiet", *mode)
    assert code == 2 and one_error_line(err) == (
        "paxraft check: error: NaN: action Step() gave a state unequal to a copy of itself (x=nan, n=1; in state "
        "x=0.0, n=0): a float NaN (nan != nan), or an __eq__ that is not reflexive; the search would take each such "
        "state for a new one: hold it as another value (an int)"), err


def test_the_explorer_shows_a_state_with_an_int_of_thousands_of_digits(tmp_path: Path) -> None:
    """`explore` answered every state of such a spec with `{"error": "ValueError: Exceeds the limit (4300 digits)
    ..."}`: it shows the int whole, as `check` does."""
    import subprocess
    import sys
    import urllib.request

    (tmp_path / "big.py").write_text(BIG)
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "explore", f"{tmp_path / 'big.py'}:Big", "--port",
                             "0", "--for", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).parent.parent, preexec_fn=_hear_sigint)
    try:
        url = next(line.split()[-1] for line in proc.stdout if line.startswith("Open "))  # (bounded: --for 60)
        with urllib.request.urlopen(url + "api/state?path=", timeout=30) as r:  # noqa: S310 - our own, 127.0.0.1
            body = r.read().decode()
        old = sys.get_int_max_str_digits()
        sys.set_int_max_str_digits(0)
        try:
            digits = str(2 ** 20_000)
        finally:
            sys.set_int_max_str_digits(old)
        assert digits[:40] in body and digits[-40:] in body and "Exceeds the limit" not in body, body[:300]
    finally:  # (a time-out fails with the child's signal masks and stderr, the child killed; seen once, 17:49 on
        _interrupt(proc)  # 2026-12-06, in a full suite, not reproduced in 10 runs alone, loaded or with SIGINT ignored)


SHOWN_BUT_ONE = '''
from typing import NamedTuple

from spec.core import WF, Eventually, Spec, action, invariant


class S(NamedTuple):
    x: int


class Counter(Spec):
    variables = ("x",)

    def init_states(self):
        return [S(0)]

    @action()
    def Inc(self, s):
        return S(s.x + 1) if s.x < 3 else None

    @invariant
    def Small(self, s):
        return s.x < 3

    def fairness(self):
        return [WF("Inc")]

    def properties(self):
        return {"Ten": Eventually(lambda s: s.x == 10, "<>(x = 10)")}

    def show_state(self, s):
        if s.x == 3:
            raise RuntimeError("cannot show 3")
        return {"x": s.x}
'''


@pytest.mark.parametrize("mode, found", [
    ([], "invariant Small is violated, a counterexample of 3 steps"),
    (["--json", "--mode", "dfs"], "invariant Small is violated, a counterexample of 3 steps"),
    (["--no-invariants", "--deadlock"], "a deadlock, a counterexample of 3 steps"),
    (["--no-invariants", "--liveness", "Ten"], "property Ten is violated, a lasso"),
])
def test_show_state_failing_on_what_was_found_names_it(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                       mode: list[str], found: str) -> None:
    """A show_state that raises only on the state a run found (the violating one, a deadlock, a lasso's): the one
    line named show_state and the state, not what the run found there (hostile13 left it: which invariant?)."""
    (tmp_path / "shown.py").write_text(SHOWN_BUT_ONE)
    code, out, err = run(capsys, "check", f"{tmp_path / 'shown.py'}:Counter", *mode)
    assert code == 3 and out == "" and one_error_line(err) == (
        "paxraft check: error in the spec's code: Counter: show_state raised RuntimeError: cannot show 3 "
        f"(shown.py:33), in state S(x=3), while showing what the run found: {found} (not shown)")


def test_a_bare_action_decorator_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """``@action`` without parentheses made the method ``action()``'s marker, no action: the model checked without
    it, 1 state and "No error found." (exit 0) where Inc breaks Small."""
    (tmp_path / "bare.py").write_text(SHOWN_BUT_ONE.replace("@action()", "@action"))
    code, out, err = run(capsys, "check", f"{tmp_path / 'bare.py'}:Counter")
    assert code == 2 and out == "" and one_error_line(err) == (
        "paxraft check: error: Counter.Inc: @action without parentheses, which makes no action of it: write "
        "@action() (no parameters) or @action(enumerator)")


def test_invariants_defined_as_a_method_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """``def invariants(self): return {...}`` hid the property listing the @invariant methods: "internal error:
    'function' object has no attribute 'items'" (exit 4)."""
    marked = "    @invariant\n    def Small(self, s):\n        return s.x < 3"
    assert marked in SHOWN_BUT_ONE
    (tmp_path / "inv.py").write_text(SHOWN_BUT_ONE.replace(marked, "    def invariants(self):\n        return {}"))
    code, out, err = run(capsys, "check", f"{tmp_path / 'inv.py'}:Counter")
    assert code == 2 and out == "" and one_error_line(err) == (
        "paxraft check: error: Counter.invariants is defined as a function: it is the property that lists the spec's "
        "@invariant methods; mark each invariant's method @invariant instead")
