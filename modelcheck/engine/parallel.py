"""``--workers N``: the breadth-first engine of :mod:`modelcheck.engine.search` over forked worker processes.

The algorithm (ownership by fingerprint, keys that order successors as the one-process loop
does, chunked exchanges in flat arrays) lives in :mod:`modelcheck.engine.search`; the transports in
:mod:`modelcheck.engine.transport`. This name stays for the callers that ask for worker processes.
"""

from __future__ import annotations

from typing import Any

from modelcheck.engine.result import Result
from spec.core import Spec


def parallel_bfs(spec: Spec, *, workers: int = 2, **options: Any) -> Result:
    """Breadth-first search of ``spec`` with ``workers`` forked processes; the result equals :func:`check`'s."""
    from modelcheck.engine.coordinator import search

    return search(spec, workers=workers, **options)
