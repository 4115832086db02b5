"""Upper limits on a model's constants: beyond them a model would exhaust memory before a search begins.

A spec checks its bounds with :func:`bounded` and the sets it enumerates up front (quorums, the
symmetry group) with :func:`enumerable`, so ``--acceptors 40`` or ``--max-ballot 1000000000`` is
one line naming the flag and the limit, not minutes of swapping ending in a MemoryError.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, TypeVar

from spec.core import SpecError

#: Largest count of atoms of one kind (acceptors, servers, values, ballots, terms, log entries).
MAX_ELEMENTS = 1_000
#: Largest family a spec enumerates when it is built (quorum systems, symmetry permutations).
MAX_ENUMERATED = 100_000


def bounded(spec: str, flag: str, value: Any, low: int, high: int = MAX_ELEMENTS) -> int:
    """``value`` when it is an integer in ``low..high``; otherwise a SpecError naming ``flag``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise SpecError(f"{spec}: {flag} must be an integer >= {low}, got {value!r}")
    if value > high:
        raise SpecError(f"{spec}: {flag} {value:,} is more than paxraft can hold (at most {high:,})")
    return value


# a Decimal: a magnitude too large to compute (core.renamings); quoted for Python 3.9 (PyPy)
Count = TypeVar("Count", bound="int | Decimal")


def enumerable(spec: str, what: str, count: Count, because: str) -> Count:
    """``count`` when a family of that size can be listed; otherwise a SpecError saying which flag made it big."""
    if count > MAX_ENUMERATED:
        shown = f"{count:,}" if count < 10**15 else f"{Decimal(count):.2e}"  # 2**2000 in 603 digits is no message
        raise SpecError(f"{spec}: {because} gives {shown} {what}; paxraft lists at most {MAX_ENUMERATED:,} of them")
    return count


def subsets(spec: str, n: int, k: int, because: str) -> int:
    """The number of ``k``-subsets of ``n`` elements, when it is enumerable."""
    return enumerable(spec, f"{k}-element quorums", math.comb(n, k), because)
