"""Invariants, witnesses and temporal properties return True or False: any other result (None from a
forgotten ``return``, a set, a number) is the spec's mistake, one line naming the spec and the
predicate, exit 2, not a verdict taken from the value's truthiness (None quietly broke an
invariant, an empty set quietly failed one, a non-empty one quietly passed)."""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pytest

from modelcheck import check
from modelcheck.engine.liveness import check_property
from modelcheck.engine.reach import reach
from spec.core import WF, LeadsTo, Spec, SpecError, action, invariant, witness
from tests.test_cli import run


class At(NamedTuple):
    x: int


class Count(Spec):
    """A counter from 0 to ``top``: past the first 64 states the pre-run walk looks at."""

    name = "count"
    variables = ("x",)

    def __init__(self, top: int = 200) -> None:
        self.top = top
        super().__init__()

    def init_states(self) -> list[At]:
        return [At(0)]

    @action(lambda self, s: [()])
    def Inc(self, s: At) -> At | None:
        return At(s.x + 1) if s.x < self.top else None

    @invariant
    def Below(self, s: At) -> bool:
        return s.x <= self.top


class LateNone(Count):
    @invariant
    def Forgot(self, s: At) -> bool:
        if s.x < 150:  # the missing return shows only deep in the search
            return True
        return None  # type: ignore[return-value]


class LateSet(Count):
    @invariant
    def Owners(self, s: At) -> bool:
        return True if s.x < 150 else {s.x}  # type: ignore[return-value]


class EarlySet(Count):
    name = "EarlySet"

    @invariant
    def Nobody(self, s: At) -> bool:
        return frozenset()  # type: ignore[return-value]


class NumberWitness(Count):
    @witness
    def Top(self, s: At) -> bool:
        return self.top - s.x  # type: ignore[return-value]


class SetProperty(Count):
    def fairness(self) -> list:
        return [WF("Inc")]

    def properties(self) -> dict:
        return {"Grows": LeadsTo(lambda s: s.x == 0, lambda s: {s.x} & {self.top})}


class NumpyVerdict(Count):
    @invariant
    def Small(self, s: At) -> bool:
        return np.bool_(s.x < 1_000)  # type: ignore[return-value]


def test_a_numpy_bool_is_named_by_its_own_type() -> None:
    """numpy's bool is no Python bool: the message said 'returned bool np.True_', as if it were one."""
    said = f"{type(np.True_).__module__}.{type(np.True_).__qualname__} {np.True_!r}"  # numpy.bool np.True_ (2.x)
    assert said.startswith("numpy.")
    with pytest.raises(SpecError, match=f"^count: invariant Small returned {re.escape(said)}, not True or False"):
        check(NumpyVerdict())


def test_an_invariant_returning_none_or_a_set_deep_in_the_search_is_an_error() -> None:
    with pytest.raises(SpecError, match=r"^count: invariant Forgot returned None \(a missing return\?\), not True"):
        check(LateNone())
    with pytest.raises(SpecError, match=r"^count: invariant Owners returned set \{150\}, not True or False"):
        check(LateSet())
    assert check(Count()).distinct_states == 201  # a bool-valued spec runs as before


def test_a_witness_or_a_property_returning_a_non_bool_is_an_error() -> None:
    spec = NumberWitness()
    with pytest.raises(SpecError, match=r"^count: witness Top returned int 200, not True or False"):
        reach(spec, "Top", spec.witnesses["Top"])
    with pytest.raises(SpecError, match=r"^count: property Grows returned set set\(\), not True or False"):
        check_property(SetProperty(top=3))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_cli_says_it_in_one_line_exit_2(capsys, workers: str) -> None:
    code, out, err = run(capsys, "check", f"{__file__}:LateSet", "--workers", workers)
    assert code == 2
    assert err.splitlines() == ["paxraft check: error: count: invariant Owners returned set {150}, not True or False "
                                "(return a bool: e.g. bool(...), len(...) > 0)"]
    code, out, err = run(capsys, "check", f"{__file__}:EarlySet")  # found by the walk before the run
    assert code == 2
    assert err.splitlines() == ["paxraft check: error: EarlySet: invariant Nobody returned frozenset frozenset() "
                                "on state x=0; expected True or False"]
