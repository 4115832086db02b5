"""One JSON line decoded as ``json.loads`` decodes it, in about half the time when msgspec is installed.

The audit reads every trace line, and ``json.loads`` was the largest single cost of reading.
msgspec's decoder keeps integers exact at any size (orjson turns those past 64 bits into
floats), and returns the same dicts, lists, strings and numbers as ``json.loads``.  Where the two
differ, msgspec refuses: ``NaN``/``Infinity``, numbers beyond a float's range, lone surrogates,
integers of thousands of digits.  Any refusal hands the line to ``json.loads``, so what is
accepted, the values and every error (type and message) are ``json.loads``'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

try:
    import msgspec
except ImportError:  # (a declared dependency; without it, the standard library)
    msgspec = None  # type: ignore[assignment]


def _with_fallback(fast: Callable[[str], Any]) -> Callable[[str], Any]:
    def loads(line: str) -> Any:
        try:
            return fast(line)
        except Exception:  # noqa: BLE001 (any refusal: json.loads decides, with its own errors)
            return json.loads(line)

    return loads


#: ``json.loads`` for one line: the same results and the same errors
loads: Callable[[str], Any] = _with_fallback(msgspec.json.Decoder().decode) if msgspec is not None else json.loads
