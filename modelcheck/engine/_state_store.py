"""The one-process seen-set and parent links: fingerprints and small ints, no states.

A stored state is its fingerprint (key of a dict to its index), its parent's
index and the index of the action that first reached it. The dict is filled in index
order (a new fingerprint's index is the dict's size), so its keys in order are the
fingerprints by index: no second copy of them is kept. A counterexample is
rebuilt by replaying those actions from an initial state and matching
fingerprints, so no full state is kept once its level has been expanded.
Plain Python only: the compact numpy store of the parallel engine is :mod:`modelcheck.engine._store`,
and ``import modelcheck`` (or ``paxraft list``) need not load numpy.
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable

from modelcheck.engine.result import Step
from spec.core import Label, Spec, State


class StateStore:
    """Fingerprint -> index, with parent and action arrays for rebuilding traces."""

    __slots__ = ("index", "parents", "via")

    def __init__(self) -> None:
        self.index: dict[int, int] = {}  # fingerprint -> index, inserted in index order
        self.parents = array("q")
        self.via = array("h")

    def __len__(self) -> int:
        return len(self.index)

    def add(self, fp: int, parent: int, action: int) -> int:
        """Record a new fingerprint; return its index."""
        i = len(self.index)
        self.index[fp] = i
        self.parents.append(parent)
        self.via.append(action)
        return i

    def new_per_action(self, k: int) -> list[int]:
        """How many stored states each of the ``k`` actions reached first (initial states aside)."""
        counts = Counter(self.via)
        return [counts[ai] for ai in range(k)]

    def path(self, i: int) -> list[int]:
        """Indices from an initial state to state ``i``."""
        out = [i]
        while self.parents[i] >= 0:
            i = self.parents[i]
            out.append(i)
        out.reverse()
        return out

    def nbytes(self) -> int:
        """Approximate bytes held: the dict, its int keys and values, and the arrays."""
        n = len(self.index)
        ints = 32 * n + 28 * n  # fingerprint and index int objects
        table = sys.getsizeof(self.index, 48 * n)  # PyPy gives no size: about CPython's 48 bytes an entry
        return table + ints + sum(a.itemsize * len(a) for a in (self.parents, self.via))

    def rebuild(
        self,
        spec: Spec,
        fingerprint: Callable[[State], int],
        inits: Iterable[State],
        i: int,
    ) -> list[Step]:
        """Replay the recorded actions from an initial state to state ``i``, matching fingerprints."""
        path = self.path(i)
        fps = list(self.index)  # by index (see the module's docstring); a trace is rebuilt once
        root_fp = fps[path[0]]
        state = next(s for s in inits if fingerprint(s) == root_fp)
        steps = [Step(None, state)]
        for j in path[1:]:
            act = spec.actions[self.via[j]]
            want = fps[j]
            for params, nxt in act.successors(state):
                if fingerprint(nxt) == want:
                    steps.append(Step(Label(act.name, params), nxt))
                    state = nxt
                    break
            else:  # pragma: no cover - means the spec is not deterministic
                raise RuntimeError(
                    f"trace rebuild: no {act.name} step reaches the recorded state; is the spec deterministic?"
                )
        return steps
