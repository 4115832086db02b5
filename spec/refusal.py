"""Where an action refused a step: the line of its code whose ``return None`` made it not enabled.

An action says "not enabled" by returning None, usually from one of several guards; a replayed trace, an explorer
path or an audited event that names a step the spec does not allow is then refused with "X is not enabled",
which leaves the user to find which guard said no. :func:`refusal` runs the step once more under a line tracer
on the action's frame and the frames of its file it calls (only then: nothing is traced while a search runs) and
names the guard.
"""

from __future__ import annotations

import ast
import linecache
import os
import re
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

from spec.userfiles import clip
from spec.why import evaluate, why

__all__ = ["refusal", "refused_by"]

_BARE_RETURNS = ("return", "return None")
#: Longest guard (and part that held) a message quotes: a condition of ten lines joined on one would bury the rest.
GUARD_CHARS = 200
_PRAGMA = re.compile(r"\s+#\s*(?:type:|noqa\b|pragma\b).*$")  # a linter's comment says nothing about the guard


def refusal(step: Any, state: Any, params: Sequence[Any]) -> str | None:
    """Where ``step(state, *params)`` (an action's step) returned None: ``"file.py:LINE: source"`` of the guard
    (the line its frame ran just before a bare ``return None``, else the return line itself; a helper's guard when
    the action returned the None a helper of its file, or the action it overrides (``super()``), gave it). None
    when the step does not return None, raises, or its code has no source file to quote (a step built at run
    time)."""
    code = getattr(getattr(step, "__func__", step), "__code__", None)
    if code is None:
        return None
    frames: dict[int, _Traced] = {}  # id(frame) -> what its run showed: the action's, and the helpers it called

    def in_frame(frame: FrameType, event: str, arg: Any) -> Any:
        rec = frames[id(frame)]
        if event == "line":
            rec.lines.append(frame.f_lineno)
        elif event == "return" and arg is None and rec.answer is None:
            rec.answer = frame.f_lineno
            rec.scope = (frame.f_globals, dict(frame.f_locals))
            caller = frames.get(id(frame.f_back))
            if caller is not None and caller.lines:
                caller.callees[caller.lines[-1]] = rec  # (the helper that answered None at that line of its caller)
        return in_frame

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code is code and not frames or id(frame.f_back) in frames and (
                frame.f_code.co_filename == code.co_filename or frame.f_code.co_name == code.co_name):
            # (the action, a helper of its file it calls, and the action it overrides: a variant's super() call
            # into the base spec, usually in another file, whose guard is then the one that said no)
            frames[id(frame)] = _Traced(frame.f_code)
            return in_frame
        return None

    before = sys.gettrace()
    sys.settrace(on_call)
    try:
        step(state, *params)
    except Exception:  # noqa: BLE001 (the caller reports the refusal itself; this only adds where)
        return None
    finally:
        sys.settrace(before)
    action = next(iter(frames.values()), None)
    return None if action is None else _explained(action)


class _Traced:
    """One traced frame's run: the lines it ran, the line it returned None at (with its names then), and the
    helpers that returned None to it, by the line of its that called them."""

    def __init__(self, code: Any) -> None:
        self.code = code
        self.lines: list[int] = []
        self.answer: int | None = None
        self.scope: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
        self.callees: dict[int, _Traced] = {}


def _explained(rec: _Traced, depth: int = 0) -> str | None:
    """``file:LINE: guard`` of a traced frame that returned None; a ``return self.helper(...)`` that passed on a
    helper's None is explained by the helper's guard, with where it was called from."""
    code, at = rec.code, rec.answer
    if at is None:
        return None
    helper = rec.callees.get(at)
    if helper is not None and depth < 8:
        inner = _explained(helper, depth + 1)
        if inner is not None:
            return f"{inner} (in {helper.code.co_name}, called at {_shown(code.co_filename)}:{at})"
    source = linecache.getline(code.co_filename, at).strip()
    if source.split("#")[0].strip() in _BARE_RETURNS:
        before_return = [n for n in rec.lines if n != at]
        if before_return:
            at = before_return[-1]
            source = linecache.getline(code.co_filename, at).strip()
    found = _if_statement(code.co_filename, at)
    held = ""
    if found is not None:
        cond, text = found
        if at != cond.lineno:  # (the tracer saw a later line of the condition: the part it evaluated last)
            at = cond.lineno
            source = linecache.getline(code.co_filename, at).strip()
    source = _PRAGMA.sub("", source)
    if not source:
        return None
    if found is not None:
        if cond.test.end_lineno != cond.lineno:  # (a condition over several lines: all of it, on one)
            segment = ast.get_source_segment(text, cond.test)
            keyword = "elif" if source.startswith("elif") else "if"
            source = source if segment is None else f"{keyword} {' '.join(segment.split())}:"
        held = _which_held(cond, text, *rec.scope)
    source = clip(source, GUARD_CHARS) + (f" ({held})" if held else "")
    return f"{_shown(code.co_filename)}:{at}: {source}"


def _if_statement(path: str, line: int) -> tuple[ast.If, str] | None:
    """The ``if`` (or ``elif``) statement whose condition covers ``line`` of the file, if one does (the innermost),
    and the file's text. A condition over several lines is traced line by line: the line the frame ran last
    before returning is then the part evaluated last (``or s.phase[c] == DONE``), not the guard's first."""
    text = "".join(linecache.getlines(path))
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    guards = [n for n in ast.walk(tree) if isinstance(n, ast.If) and n.lineno <= line <= (n.test.end_lineno or 0)]
    return None if not guards else (max(guards, key=lambda n: n.lineno), text)


def _which_held(guard: ast.If, text: str, global_names: dict[str, Any], local_names: dict[str, Any]) -> str:
    """What decided a guard, evaluated again in the frame's names as the step returned (guards are read as pure), as
    spec/why.py reads it (the reading an invariant's failing part shares): the values of the guard's comparison
    (``st[i] is 2, LEADER is 2``); for a guard of several parts the part that decided, with its truth and values
    (``true here: s.holder[lk] != c; s.holder[lk] is -1, c is 0``, ``false here, for m = ...: ...``). "" when it
    shows nothing, or when a part fails to evaluate."""
    names = {**global_names, **local_names}  # (one mapping: a comprehension in a part sees the frame's locals too)
    try:
        found = why(guard.test, names, bool(evaluate(guard.test, names)), text)
    except Exception:  # noqa: BLE001 (a part that needs more than the frame's names: say nothing)
        return ""
    values = found.said_values()
    if found.whole:
        return values
    under = f", for {found.said_binding()}" if found.binding else ""
    return f"{'true' if found.holds else 'false'} here{under}: {clip(found.part, GUARD_CHARS)}" + \
        (f"; {values}" if values else "")


def refused_by(step: Any, state: Any, params: Sequence[Any]) -> str:
    """`` (refused by file.py:LINE: source)`` to append to a "not enabled" message, or "" when not found."""
    where = refusal(step, state, params)
    return f" (refused by {where})" if where else ""


def _shown(path: str) -> str:
    """The file as the user would type it: relative to the working directory when inside it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel
