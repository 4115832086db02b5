"""One registry: a small spec defined in this file and registered by one call is checked by
name, listed, catalogued with its variants, run under Hypothesis and replayed, with no
other change anywhere."""

from __future__ import annotations

import json
from typing import NamedTuple

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck.engine.stateful import InvariantViolation, run_spec
from spec.core import Spec, action, invariant
from spec.registry import _REGISTRY, register, spec_class


class Counters(NamedTuple):
    x: tuple[int, ...]


class Bump(Spec):
    """Counters that each count up to a limit; the total never exceeds counters * limit."""

    name = "bump"
    variables = ("x",)

    def __init__(self, counters: int = 2, limit: int = 2) -> None:
        self.N, self.limit = counters, limit
        super().__init__()

    def init_states(self) -> list[Counters]:
        return [Counters((0,) * self.N)]

    @action(lambda self, s: [(i,) for i in range(self.N)])
    def Inc(self, s: Counters, i: int) -> Counters | None:
        if s.x[i] >= self.limit:
            return None
        return Counters(s.x[:i] + (s.x[i] + 1,) + s.x[i + 1 :])

    @invariant
    def Bounded(self, s: Counters) -> bool:
        return sum(s.x) <= self.N * self.limit


class Overshoot(Bump):
    """Inc ignores the limit of counter 0."""

    variant = "overshoot"
    rule = "Inc(i) for i = 0 has no limit"
    breaks = "Bounded"
    failing_bounds = {"counters": 1, "limit": 1}
    trace_length = 2

    def Inc(self, s: Counters, i: int) -> Counters | None:
        return Counters(s.x[:i] + (s.x[i] + 1,) + s.x[i + 1 :]) if i == 0 and s.x[0] <= self.limit else None


@pytest.fixture
def registered():
    register(Bump)
    yield
    del _REGISTRY["bump"]



def test_check_list_variants_hypothesis_and_replay_by_name(registered, capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "check", "bump", "--counters", "2", "--limit", "2", "--json", "--quiet")
    assert code == 0 and json.loads(out)["distinct_states"] == 9
    code, out, _ = run(capsys, "list")
    assert "bump: Counters that each count up to a limit" in out and "--limit" in out and "overshoot" in out
    code, out, _ = run(capsys, "variants", "--spec", "bump", "--check", "--quiet")
    assert code == 0 and "Bounded, 2 steps" in out and "every entry agrees" in out
    run_spec(spec_class("bump")(counters=2, limit=1))
    with pytest.raises(InvariantViolation):
        run_spec(spec_class("bump", "overshoot")(counters=1, limit=1))
    code, out, _ = run(capsys, "check", "bump", "--variant", "overshoot", "--counters", "1", "--limit", "1",
                       "--out", str(tmp_path))
    assert code == 1
    assert json.loads((tmp_path / "trace.itf.json").read_text())["#meta"]["spec"] == "bump"
    code, out, _ = run(capsys, "replay", str(tmp_path / "trace.itf.json"))
    assert code == 0 and "the last state violates Bounded" in out
