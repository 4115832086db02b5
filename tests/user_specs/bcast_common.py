"""What the threshold-guarded broadcast specs (bcast_byz.py, bcast_folklore.py, bosco.py) share: TLA+'s
SUBSET and EXCEPT on tuples, a renaming of per-process tuples, and how a process is named."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from itertools import chain, combinations
from typing import Any, TypeVar

X = TypeVar("X", bound=Hashable)


def subsets(xs: frozenset[X]) -> Iterator[frozenset[X]]:
    """SUBSET xs, each once, in a fixed order (sorted elements, smaller sets first)."""
    items = sorted(xs)
    return (frozenset(c) for c in chain.from_iterable(combinations(items, k) for k in range(len(items) + 1)))


def at(t: tuple, i: int, x: Any) -> tuple:
    """[t EXCEPT ![i] = x]"""
    return t[:i] + (x,) + t[i + 1 :]


def moved(values: Sequence[Any], pi: Sequence[int]) -> tuple:
    """A per-process tuple renamed by pi: process p's value becomes process pi[p]'s."""
    out = list(values)
    for p, x in enumerate(values):
        out[pi[p]] = x
    return tuple(out)


def name_of(p: int) -> str:
    """Process p (0-based) as the TLA+ text's 1-based p1..pN."""
    return f"p{p + 1}"


def names(xs: frozenset[int]) -> list[str]:
    return [name_of(p) for p in sorted(xs)]
