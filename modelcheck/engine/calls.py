"""How the search loops call an action's step: with its parameters as separate arguments when it can.

``step(s, *params)`` is CPython's generic call (CALL_FUNCTION_EX): a new argument tuple and no
inlined frame. ``p0, p1 = params; step(s, p0, p1)`` is the specialised call of CPython 3.11: on
the 705,532-state Raft model the search loop ran 5-12% faster that way (docs/performance-log.md). It
is the same call when the step takes exactly that many positional parameters: the unpacking fails
where ``*params`` would (a parameter tuple of another length), so a spec mistake still stops the run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

GENERIC = -1  # call with *params
SPREAD = 3  # steps with 1..SPREAD parameters are called with them spread out


def step_arity(step: Callable[..., Any]) -> int:
    """How many parameters follow the state in ``step``'s signature when that number is fixed
    (positional, no defaults, no ``*args``) and at most :data:`SPREAD`; else :data:`GENERIC`."""
    try:
        params = list(inspect.signature(step).parameters.values())[1:]  # past the state
    except (TypeError, ValueError):  # no signature (a builtin, a C callable)
        return GENERIC
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for p in params:
        if p.kind == inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty:
            continue
        if p.kind not in positional or p.default is not inspect.Parameter.empty:
            return GENERIC
    n = sum(1 for p in params if p.kind in positional)
    return n if 1 <= n <= SPREAD else GENERIC
