"""Where an action refused a step: the line of its code whose ``return None`` made it not enabled.

An action says "not enabled" by returning None, usually from one of several guards; a replayed trace, an explorer
path or an audited event that names a step the spec does not allow is then refused with "X is not enabled",
which leaves the user to find which guard said no. :func:`refusal` runs the step once more under a line tracer
on the action's own frame (only then: nothing is traced while a search runs) and names the guard.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

__all__ = ["refusal", "refused_by"]

_BARE_RETURNS = ("return", "return None")
_PRAGMA = re.compile(r"\s+#\s*(?:type:|noqa\b|pragma\b).*$")  # a linter's comment says nothing about the guard


def refusal(step: Any, state: Any, params: Sequence[Any]) -> str | None:
    """Where ``step(state, *params)`` (an action's step) returned None: ``"file.py:LINE: source"`` of the guard
    (the line its frame ran just before a bare ``return None``, else the return line itself). None when the step
    does not return None, raises, or its code has no source file to quote (a step built at run time)."""
    code = getattr(getattr(step, "__func__", step), "__code__", None)
    if code is None:
        return None
    lines: list[int] = []
    answer: list[int] = []

    def in_frame(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            lines.append(frame.f_lineno)
        elif event == "return" and arg is None:
            answer.append(frame.f_lineno)
        return in_frame

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        return in_frame if frame.f_code is code and not answer else None

    before = sys.gettrace()
    sys.settrace(on_call)
    try:
        step(state, *params)
    except Exception:  # noqa: BLE001 (the caller reports the refusal itself; this only adds where)
        return None
    finally:
        sys.settrace(before)
    if not answer:
        return None
    at = answer[0]
    source = linecache.getline(code.co_filename, at).strip()
    if source.split("#")[0].strip() in _BARE_RETURNS:
        guard = [n for n in lines if n != at]
        if guard:
            at = guard[-1]
            source = linecache.getline(code.co_filename, at).strip()
    source = _PRAGMA.sub("", source)
    if not source:
        return None
    return f"{_shown(code.co_filename)}:{at}: {source}"


def refused_by(step: Any, state: Any, params: Sequence[Any]) -> str:
    """`` (refused by file.py:LINE: source)`` to append to a "not enabled" message, or "" when not found."""
    where = refusal(step, state, params)
    return f" (refused by {where})" if where else ""


def _shown(path: str) -> str:
    """The file as the user would type it: relative to the working directory when inside it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel
