"""spec/_native.c, the compiled building blocks: the same values, hashes, identities, errors, counts,
coverage and traces as the pure-Python code of spec/values.py (the fallback: PyPy, a failed build,
PAXRAFT_NATIVE=0).

This process runs whichever code ``make setup`` built (compiled where a C compiler was found); the
pure-Python side runs in a child process with PAXRAFT_NATIVE=0."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modelcheck.cli.main import main
from spec import values

ROOT = Path(__file__).resolve().parents[1]
PURE = {**os.environ, "PAXRAFT_NATIVE": "0"}
NATIVE = {**os.environ, "PAXRAFT_NATIVE": "1"}


def run(code_or_file: list[str], env: dict) -> str:
    return subprocess.run([sys.executable, *code_or_file], capture_output=True, text=True, check=True, env=env,
                          cwd=ROOT).stdout


def test_built_here_and_said_by_version(capsys: pytest.CaptureFixture) -> None:
    # where a C compiler is found, make setup built the module (a failed build leaves the Python code, silently
    # slower: this test is where that shows)
    if sys.implementation.name == "cpython" and (shutil.which("gcc") or shutil.which("cc")):
        assert values.NATIVE, values.BACKEND
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert f"spec.values: {values.BACKEND}" in capsys.readouterr().out
    assert values.BACKEND.startswith("compiled" if values.NATIVE else "pure Python")


LOAD = "import sys; {before}; from spec import values; print(values.NATIVE, values.BACKEND)"


@pytest.mark.parametrize("before, env, expected", [
    ("pass", PURE, "False pure Python (PAXRAFT_NATIVE=0)"),
    ("sys.modules['spec._native'] = None", NATIVE, "False pure Python (spec._native not built: import of spec._native "
                                                   "halted; None in sys.modules; make setup builds it)"),
    ("import types; sys.modules['spec._native'] = types.ModuleType('spec._native', 'a build of an older API')",
     NATIVE, "False pure Python (spec._native is out of date: make setup rebuilds it)"),
])
def test_the_python_code_is_used_when_asked_or_when_the_build_is_missing_or_stale(before: str, env: dict,
                                                                                 expected: str) -> None:
    assert run(["-c", LOAD.format(before=before)], env).strip() == expected


def test_each_compiled_function_writes_the_python_codes_transcript() -> None:
    # tests/native_transcript.py: EXCEPT on every kind of argument, _replace by keyword and position with its
    # errors, MsgSet lineages made by | (subclass instances, a message added twice, empty and unchanged sets, a
    # caller's set changed afterwards, reflected |, other operands), where and all on them, pickles
    script = ["tests/native_transcript.py", str(ROOT)]
    compiled, pure = run(script, NATIVE).splitlines(), run(script, PURE).splitlines()
    assert pure[0] == "'pure'" and compiled[0] == ("'compiled'" if values.NATIVE else "'pure'")
    assert len(compiled) == len(pure) > 2000
    assert compiled[1:] == pure[1:]


SPECS = [  # (reference, bounds, max states): the shipped examples, two user specs, the shipped Raft and Multi-Paxos
    ("docs/examples/paxoscommit.py:PaxosCommit", {"rms": 2, "acceptors": 1, "max_ballot": 1}, None),
    ("docs/examples/paxoscommit.py:PaxosCommit", {}, 4000),
    ("docs/examples/twophase.py:TwoPhase", {"rms": 3}, None),
    ("tests/user_specs/fast_paxos.py:FastPaxosIndexed", {}, 3000),
    ("tests/user_specs/multipaxos_smr_fast.py:FastMultiPaxosSMR", {"replicas": 2, "writes": 1, "reads": 1}, None),
    ("raft", {"servers": 2, "max_term": 2, "max_log": 1}, 3000),
    ("multipaxos", {"replicas": 2, "writes": 1, "reads": 1}, 3000),
]

OUTCOMES = """
import json, sys
from modelcheck import check
from spec.registry import entry, load_user_spec
from spec import values
out = []
for ref, bounds, cap in json.loads(sys.argv[1]):
    r = check((load_user_spec(ref) if ":" in ref else entry(ref).cls)(**bounds), max_states=cap)
    out.append([r.verdict, r.distinct_states, r.states_generated, r.depth, r.violated,
                sorted((k, c.fired, c.new) for k, c in r.coverage.items()), [repr(s.state) for s in r.trace or []]])
print(json.dumps([values.NATIVE, out]))
"""


def test_the_same_counts_coverage_and_traces_compiled_and_not() -> None:
    both = [subprocess.Popen([sys.executable, "-c", OUTCOMES, json.dumps(SPECS)], stdout=subprocess.PIPE, text=True,
                             env=env, cwd=ROOT) for env in (NATIVE, PURE)]  # side by side: 2 s, not 4
    compiled, pure = (json.loads(p.communicate(timeout=300)[0]) for p in both)
    assert [p.returncode for p in both] == [0, 0]
    assert compiled[0] == values.NATIVE and pure[0] is False
    assert compiled[1] == pure[1]
    assert [x[1:4] for x in pure[1][:1]] == [[1425, 9961, 16]]  # (tests/test_reads.py's figures)


def test_a_plain_namedtuple_of_a_spec_module_is_built_without_its_python_new() -> None:
    # fast_records: the class called with every field by position never runs its Python __new__ (here made to
    # fail), while keywords, defaults and errors still go through it; classes with their own constructor are
    # left alone. (That the objects are the same ones is the transcript's part, above.)
    from typing import NamedTuple

    class Msg(NamedTuple):
        type: int
        bal: int

    class Custom(NamedTuple):
        a: int

    class WithInit(Msg):
        def __init__(self, *args: object) -> None:
            pass

    assert values._plain_namedtuple(Msg) and values._plain_namedtuple(Custom)
    assert not values._plain_namedtuple(WithInit) and not values._plain_namedtuple(tuple)
    mod = type(sys)("paxraft_fast_records_probe")
    mod.Msg, mod.Custom, mod.WithInit = Msg, Custom, WithInit
    sys.modules[mod.__name__] = mod
    try:
        values.fast_records(mod.__name__)
    finally:
        del sys.modules[mod.__name__]

    def refuse(*args: object, **kw: object) -> float:
        return 1 / 0  # (the generated __new__ sees no builtins: no exception class can be named)

    Msg.__new__.__code__ = refuse.__code__  # the same staticmethod object: fast_new still trusts it
    if values.NATIVE:
        assert Msg(1, 2) == (1, 2) and type(Msg(1, 2)) is Msg
    with pytest.raises(ZeroDivisionError):
        Msg(1, bal=2)
    Custom.__new__ = lambda cls, a: tuple.__new__(cls, (a + 1,))  # type: ignore[method-assign,assignment]
    assert Custom(1) == (2,)  # a __new__ set afterwards is obeyed
