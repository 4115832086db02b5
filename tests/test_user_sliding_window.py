"""A new user's spec written from README.md, docs/writing-a-spec.md and docs/fast-specs.md only (notes
newuser, 2026-12-04 evening): a sliding-window protocol (tests/user_specs/sliding_window.py), plain and
with each speed hook (OUTSIDE, ``@counts_outside``/``Counted``, ``bundled``, ``keeps_constraint``), whose
counts, depth and coverage must be the plain spec's in every engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import run  # the CLI run with its captured output

from modelcheck import OK, check
from modelcheck.engine.coordinator import search
from modelcheck.engine.stateful import run_spec
from spec.core import SpecError
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "sliding_window.py"
CLASSES = ("SlidingWindow", "Outside", "CountedSends", "Bundled", "Kept", "Fast")

# (bounds, (distinct, generated, depth)): exact, the plain spec's
FIGURES = [
    ({}, (722, 5992, 15)),
    ({"max_len": 1}, (80, 423, 13)),
    ({"packets": 4, "window": 3, "max_len": 3}, (24169, 310887, 19)),
]


def _spec(name: str, **bounds: int):  # noqa: ANN202 - a Spec of the user's file
    return load_user_spec(f"{FILE}:{name}")(**bounds)


def _figures(r):  # noqa: ANN001, ANN202 - a Result
    coverage = {k: (c.fired, c.new) for k, c in r.coverage.items()}
    return r.verdict, r.distinct_states, r.states_generated, r.depth, coverage


@pytest.mark.parametrize("bounds, counts", FIGURES[:2])
@pytest.mark.parametrize("name", CLASSES)
def test_every_hook_gives_the_plain_counts(name: str, bounds: dict, counts: tuple) -> None:
    plain = check(_spec("SlidingWindow", **bounds))
    assert (plain.verdict, plain.distinct_states, plain.states_generated, plain.depth) == (OK, *counts)
    assert _figures(check(_spec(name, **bounds))) == _figures(plain)
    assert _figures(search(_spec(name, **bounds), workers=2)) == _figures(plain)


@pytest.mark.parametrize("limit", [1, 100, 700])
def test_a_stop_counts_what_the_plain_spec_counts(limit: int) -> None:
    plain = check(_spec("SlidingWindow"), max_states=limit)
    assert _figures(check(_spec("Fast"), max_states=limit)) == _figures(plain)


def test_the_larger_model_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    bounds, counts = FIGURES[2]
    flags = ("--packets", "4", "--window", "3", "--max-len", "3")
    line = f"{counts[0]:,} distinct states, {counts[1]:,} states generated, depth {counts[2]}"
    for name, workers in (("SlidingWindow", ()), ("Fast", ()), ("Fast", ("--workers", "2"))):
        code, out, err = run(capsys, "check", f"{FILE}:{name}", *flags, *workers)
        assert code == 0 and line in out, (name, out, err)


# -- the mistakes a user makes with the hooks: each one line naming the spec and the mistake, exit 2 ----------

MISTAKES = '''
import sys
sys.path.insert(0, {folder!r})
from sliding_window import *  # noqa: E402, F403
from spec.core import OUTSIDE, Counted, action, bundled, counts_outside, invariant  # noqa: E402


class CountedSorted(CountedSends):
    canonical_order = True


class BundledSorted(Bundled):
    canonical_order = True


def _five(self, s):
    data, acks = self.each_data(s), self.each_ack(s)
    return (self.in_window(s), data, data, [()], acks)


class ShortBundle(Bundled):
    @action(bundled(_five, 4))
    def ReceiveAck(self, s, p):
        return SlidingWindow.ReceiveAck(self, s, p)

    @action(bundled(_five, 5))
    def LoseAck(self, s, p):
        return SlidingWindow.LoseAck(self, s, p)


class Unmarked(Outside):
    def sends(self, s):
        params = self.in_window(s)
        return Counted((), len(params)) if self.count_outside and len(s.data) >= self.max_len else params

    @action(sends)
    def Send(self, s, i):
        return Outside.Send(self, s, i)


class WrongCount(CountedSends):
    @counts_outside
    def sends(self, s):
        params = self.in_window(s)
        return Counted((), 1) if self.count_outside and len(s.data) >= self.max_len else params

    @action(sends)
    def Send(self, s, i):
        return Outside.Send(self, s, i)


class LyingKeeps(SlidingWindow):
    def keeps_constraint(self):
        return ("Send", "Receive", "LoseData", "ReceiveAck", "LoseAck")


class Misspelt(SlidingWindow):
    def keeps_constraint(self):
        return ("Recieve",)


class LyingOutside(Outside):
    @action(SlidingWindow.in_window)
    def Send(self, s, i):
        return OUTSIDE if self.count_outside and len(s.data) >= self.max_len - 1 else s._replace(data=s.data + (i,))


class ReadsTheChannel(Outside):
    @invariant
    def Short(self, s):
        return len(s.data) <= self.max_len


class BundleOverridden(Bundled):
    def params(self, s):
        return super().params(s)


class LiesLate(Outside):
    """OUTSIDE for a successor within the constraint, but only once every packet is delivered."""

    @action(SlidingWindow.in_window)
    def Send(self, s, i):
        if self.count_outside and len(s.out) >= 3 and s.data:
            return OUTSIDE
        return Outside.Send(self, s, i)
'''


@pytest.fixture
def mistakes(tmp_path: Path) -> Path:
    path = tmp_path / "mistakes.py"
    path.write_text(MISTAKES.format(folder=str(FILE.parent)))
    return path


@pytest.mark.parametrize("name, says", [
    ("CountedSorted", "CountedSorted: Send's enumerator may return Counted, whose counted parameters come last "
                      "in the order it gives: set canonical_order = False"),
    ("BundledSorted", "BundledSorted: Send's enumerator is bundled, but sorted enumerators are called one by one "
                      "(the bundle once per action): set canonical_order = False"),
    ("ShortBundle", "ShortBundle: _five gave 5 items; bundled(_five, 5) takes item 5"),
    ("Unmarked", "Unmarked: Send's enumerator returned Counted((), outside=2) but is not marked @counts_outside: "
                 "the searches would count none of its 2 counted parameters (in state base=0, data=<<0, 0>>"),
    ("WrongCount", "WrongCount: Send's enumerator returned Counted((), outside=1) when count_outside is true, "
                   "where 2 are enabled when it is false"),
    ("LyingKeeps", "LyingKeeps: keeps_constraint() names Send, but Send(i=0) leaves the constraint (in state "
                   "base=0, data=<<0, 0>>"),
    ("Misspelt", "Misspelt: keeps_constraint() names no action 'Recieve'"),
    ("BundleOverridden", "BundleOverridden: Send's enumerator is Bundled.params, which BundleOverridden overrides, "
                         "but @action was given the one in Bundled: declare Send again in BundleOverridden "
                         "(@action(bundled(params, 0)))"),
    ("LyingOutside", "LyingOutside: Send(i=0) answers OUTSIDE but its successor is within the constraint"),
    ("ReadsTheChannel", "ReadsTheChannel: Send(i=0) answers OUTSIDE but its successor violates Short"),
])
def test_a_mistake_is_one_line_naming_the_spec(capsys: pytest.CaptureFixture[str], mistakes: Path, name: str,
                                               says: str) -> None:
    for extra in ((), ("--workers", "2")):
        code, out, err = run(capsys, "check", f"{mistakes}:{name}", *extra)
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, (code, err)
        assert err.strip().startswith(f"paxraft check: error: {says}"), err


def test_a_lie_past_the_first_states_is_found_with_check_hooks(capsys: pytest.CaptureFixture[str],
                                                               mistakes: Path) -> None:
    code, out, err = run(capsys, "check", f"{mistakes}:LiesLate")  # the preflight's 64 states do not reach it
    assert code == 0 and "5,992 states generated" not in out  # so the counts change: what --check-hooks is for
    code, out, err = run(capsys, "check", f"{mistakes}:LiesLate", "--check-hooks")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "LiesLate: Send(i=2) answers OUTSIDE but its successor is within the constraint" in err, err


def test_the_excerpts_in_fast_specs_are_in_this_spec() -> None:
    text = (FILE.parents[2] / "docs" / "fast-specs.md").read_text()
    excerpts = re.findall(r"<!-- excerpt: tests/user_specs/sliding_window.py -->\n```python\n(.*?)```", text, re.S)
    assert len(excerpts) == 2
    for body in excerpts:
        assert body in FILE.read_text(), body


def test_a_variant_name_used_twice_is_the_nearest_class(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "twice.py"  # a variant of Plain, and one of Sub (a spec of its own below Plain), one name
    path.write_text(f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\n"
                    "from sliding_window import SlidingWindow  # noqa: E402\n\n\n"
                    "class Plain(SlidingWindow):\n    pass\n\n\n"
                    "class PlainTwo(Plain):\n    variant = 'two'\n\n\n"
                    "class Sub(Plain):\n    pass\n\n\n"
                    "class SubTwo(Sub):\n    variant = 'two'\n")
    for name in ("Plain", "Sub"):  # Plain's used to be SubTwo: the class defined last
        code, out, err = run(capsys, "check", f"{path}:{name}", "--variant", "two")
        assert code == 0 and out.startswith(f"Model: {name}[two]"), (name, out, err)


def test_the_hypothesis_adapter_finds_a_lie_deep_in_the_model(mistakes: Path) -> None:
    lies_late = load_user_spec(f"{mistakes}:LiesLate")()
    with pytest.raises(SpecError, match="LiesLate: Send.* answers OUTSIDE but its successor is within the constraint"):
        run_spec(lies_late, settings(max_examples=200, stateful_step_count=30, derandomize=True))
    run_spec(_spec("Fast"), settings(max_examples=20, stateful_step_count=30, derandomize=True))  # no lie: quiet


def test_a_generator_enumerator_is_compared_whole(capsys: pytest.CaptureFixture[str]) -> None:
    """The hook check once read a generator enumerator's parameters after the steps had used them up,
    and refused raft-config (BecomeLeader's enumerator yields): 0 parameters against 12."""
    code, out, err = run(capsys, "check", "raft-config", "--max-states", "100")
    assert code == 0 and "100 distinct states" in out, err
