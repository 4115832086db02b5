"""Fuzzing the command line's file readers: whatever a file holds, the exit status is 0, 1 or 2
(3 for a spec file whose code raises) and stderr never holds a traceback.

Inputs are valid files mutated by Hypothesis (a JSON node replaced, a key dropped, bytes
flipped, the text cut short) and text generated from scratch: ITF traces (``replay``),
JSON-lines implementation traces (``audit``), client histories (``audit --history``), quorum
files (``check paxos --quorums``) and variant files (``check FILE.py:Class``). The default run
tries a few dozen inputs per reader; ``-m slow`` tries many more.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelcheck.cli import main

HERE = Path(__file__).parent
ITF = (HERE / "traces" / "ignore_votes_agreement.itf.json").read_text()
VARIANT = (HERE.parent / "docs" / "examples" / "my_variant.py").read_text()
HEADER = {"format": "paxraft-trace", "version": 1, "node": 1, "nodes": [1, 2], "spec": "paxos", "acceptors": [1]}
HISTORY = [
    {"client": 1, "op": "put", "key": "x", "value": 1, "call": 1, "return": 3},
    {"client": 2, "op": "get", "key": "x", "output": 1, "call": 2, "return": 4},
    {"type": "invoke", "id": 7, "client": 3, "time": 5, "op": "cas", "key": "x", "expected": 1, "value": 2},
    {"type": "return", "id": 7, "time": 6, "output": True},
]

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
DEEP = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


def cli(argv: list[str], allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    """Run ``paxraft ARGV`` in this process; assert the exit status and a stderr free of tracebacks."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own exits
            code = int(exc.code or 0)
    text = err.getvalue()
    assert code in allowed, (argv, code, text[-2000:])
    assert "Traceback" not in text, text[-2000:]
    if code >= 2:
        assert len(text.strip().splitlines()) == 1, text[-2000:]
        assert len(text) < 1000, text[:2000]  # never echoes a huge token


def _on_file(data: bytes | str, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(suffix=suffix)
    with open(fd, "wb") as f:
        f.write(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    return Path(name)


# -- mutations ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _nodes(obj: Any, path: tuple = ()) -> list[tuple]:
    """Every path into a JSON value."""
    out = [path]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _nodes(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _nodes(v, (*path, i))
    return out


@st.composite
def mutated_json(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with one to three nodes replaced by random JSON or removed."""
    obj = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _nodes(obj) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = obj
        for k in path[:-1]:
            parent = parent[k]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return obj


@st.composite
def mutated_bytes(draw: st.DrawFn, text: str) -> bytes:
    """``text`` with bytes flipped, a slice deleted or duplicated, or cut short."""
    data = bytearray(text.encode())
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "delete", "duplicate", "cut", "insert"]))
        if kind == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "delete":
            del data[i : i + draw(st.integers(1, 40))]
        elif kind == "duplicate":
            data[i:i] = data[i : i + draw(st.integers(1, 40))]
        elif kind == "cut":
            del data[i:]
        else:
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


# -- the readers ----------------------------------------------------------------------------------


def _itf_case(data: st.DataObject) -> None:
    if data.draw(st.booleans()):
        f = _on_file(json.dumps(data.draw(mutated_json(json.loads(ITF)))), ".itf.json")
    else:
        f = _on_file(data.draw(mutated_bytes(ITF)), ".itf.json")
    cli(["replay", str(f), "--quiet"])


def _trace_lines() -> list[dict[str, Any]]:
    ev = {"node": 1, "clock": 1, "action": "DropMessage", "params": {}, "sent": [], "state": {}}
    return [HEADER, ev, {**ev, "clock": 2}]


def _mutated_jsonl(data: st.DataObject, lines: list) -> Path:
    """A JSON-lines file of ``lines``, mutated as JSON (records changed) or as bytes."""
    if data.draw(st.booleans()):
        lines = data.draw(mutated_json(lines))
        text = "".join(json.dumps(x) + "\n" for x in lines) if isinstance(lines, list) else json.dumps(lines)
        return _on_file(text, ".jsonl")
    return _on_file(data.draw(mutated_bytes("".join(json.dumps(x) + "\n" for x in lines))), ".jsonl")


def _trace_case(data: st.DataObject) -> None:
    cli(["audit", str(_mutated_jsonl(data, _trace_lines()))])


def _history_case(data: st.DataObject) -> None:
    cli(["audit", "--history", str(_mutated_jsonl(data, HISTORY))])


quorum_text = st.lists(
    st.sampled_from([*"aA0123456789 ,:#\n\t", "phase1", "phase2", "\u0661", "\u00b2", "\u00e9", "9" * 50]), max_size=30
).map("".join)


def _quorum_case(data: st.DataObject) -> None:
    base = "phase1: a1 a2\nphase2: a2 a3\n# comment\n"
    raw = data.draw(mutated_bytes(base)) if data.draw(st.booleans()) else data.draw(quorum_text)
    f = _on_file(raw, ".txt")
    cli(["check", "paxos", "--quorums", str(f), "--max-states", "50", "--quiet"])


def _variant_case(data: st.DataObject) -> None:
    lines = VARIANT.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        kind = data.draw(st.sampled_from(["delete", "duplicate", "swap", "char"]))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif lines[i]:
            k = data.draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:k] + data.draw(st.sampled_from(list("()[]:.,=+-*/ 0123abc\"'\\"))) + lines[i][k + 1 :]
        if not lines:
            break
    f = _on_file("".join(lines), ".py")
    cls = data.draw(st.sampled_from(["SilentVotes", "ForgetVote"]))
    cli(["check", f"{f}:{cls}", "--acceptors", "1", "--max-states", "200", "--quiet"], allowed=(0, 1, 2, 3))


CASES = {
    "itf": _itf_case,
    "trace": _trace_case,
    "history": _history_case,
    "quorums": _quorum_case,
    "variant": _variant_case,
}


@pytest.mark.parametrize("reader", list(CASES))
@FAST
@given(data=st.data())
def test_fuzzed_files_end_in_0_1_or_2_without_a_traceback(reader: str, data: st.DataObject) -> None:
    CASES[reader](data)


@pytest.mark.slow
@pytest.mark.parametrize("reader", list(CASES))
@DEEP
@given(data=st.data())
def test_fuzzed_files_deep(reader: str, data: st.DataObject) -> None:
    CASES[reader](data)


def test_the_seeds_are_valid_inputs() -> None:
    """The unmutated inputs pass, so the fuzz starts from files the readers accept."""
    cli(["replay", str(_on_file(ITF, ".itf.json")), "--quiet"], allowed=(0,))
    cli(["audit", "--history", str(_on_file("".join(json.dumps(x) + "\n" for x in HISTORY), ".jsonl"))], allowed=(0,))
    cli(
        ["check", "paxos", "--quorums", str(_on_file("phase1: a1 a2\nphase2: a2 a3\n", ".txt")), "--quiet"],
        allowed=(0,),
    )
    cli(["check", f"{_on_file(VARIANT, '.py')}:SilentVotes", "--acceptors", "1", "--quiet"], allowed=(1,))


def _history_file(*recs: dict[str, Any]) -> Path:
    return _on_file("".join(json.dumps(r) + "\n" for r in recs), ".jsonl")


def test_json_objects_and_lists_in_a_history_are_values_or_one_line() -> None:
    """Found by the fuzz (CI, stop 20): an object as a key crashed the checker with "unhashable type".

    A key must be a string, a number or a list: anything else is one line and exit 2. Values and
    outputs may be any JSON (objects and lists compare by value), so a history with them is checked.
    """
    bad_key = {"client": 2, "op": "get", "key": {}, "output": 1, "call": 2, "return": 4}
    cli(["audit", "--history", str(_history_file(HISTORY[0], bad_key))], allowed=(2,))
    bad_client = {"type": "invoke", "id": 1, "client": {"a": 1}, "time": 1, "op": "get", "key": "x"}
    cli(["audit", "--history", str(_history_file(bad_client))], allowed=(2,))
    nested = [
        {"client": 1, "op": "put", "key": ["x", 1], "value": {"a": [1, 2]}, "call": 1, "return": 2},
        {"client": 2, "op": "get", "key": ["x", 1], "output": {"a": [1, 2]}, "call": 3, "return": 4},
    ]
    cli(["audit", "--history", str(_history_file(*nested))], allowed=(0,))
    stale = [nested[0], {**nested[1], "output": {"a": [2, 1]}}]
    cli(["audit", "--history", str(_history_file(*stale))], allowed=(1,))
