"""The search engine: it explores a spec's states and returns results; it imports only ``spec``.

Public modules: ``bfs`` (exhaustive breadth-first, shortest counterexamples), ``parallel``
(the same search over worker processes), ``dfs`` and ``simulate`` (depth-first and random
walks), ``graph`` (the explored state graph), ``liveness`` (temporal properties on that graph),
``refinement`` (spec-to-spec refinement), ``stateful`` (the Hypothesis adapter), ``replay``
(validate a trace against a spec), ``explain`` (the text reports) and ``result``/``progress``.
Private: ``_fingerprint`` (64-bit state hashes) and ``_store`` (the seen-set and parent links).
The light core is re-exported here; the heavier modules (multiprocessing, Hypothesis) are
imported from their own module by whoever needs them.
"""

from __future__ import annotations

from modelcheck.engine.bfs import bfs
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Coverage, Result, Step

__all__ = ["bfs", "Progress", "Result", "Step", "Coverage", "OK", "VIOLATION", "DEADLOCK"]
