"""The check path under PyPy (Debian's pypy3, Python 3.9): the engine, the building blocks and a user's
spec file load and give CPython's counts (docs/performance-log.md, "2026-12-06: PyPy on PaxosCommit")."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from modelcheck import check
from spec.registry import load_user_spec

ROOT = Path(__file__).resolve().parent.parent
PYPY = shutil.which("pypy3")

pytestmark = pytest.mark.skipif(not PYPY, reason="no pypy3 (apt-get install pypy3)")

# PaxosCommit.tla's one-acceptor model (tests/test_paxoscommit.py: TLC 2.20's counts), from its file
CHILD = """
import json, sys
sys.path.insert(0, {root!r})
from modelcheck import check
from spec.registry import load_user_spec
r = check(load_user_spec({ref!r})(rms=2, acceptors=1, max_ballot=1))
print(json.dumps([sys.implementation.name, r.verdict, r.distinct_states, r.states_generated, r.depth,
                  {{n: c.fired for n, c in r.coverage.items()}}]))
"""


def test_paxoscommit_under_pypy_has_cpythons_counts_and_coverage() -> None:
    ref = f"{ROOT / 'docs' / 'examples' / 'paxoscommit.py'}:PaxosCommit"
    out = subprocess.run([PYPY, "-c", CHILD.format(root=str(ROOT), ref=ref)],  # type: ignore[list-item]
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    impl, *got = json.loads(out.stdout.strip().splitlines()[-1])
    r = check(load_user_spec(ref)(rms=2, acceptors=1, max_ballot=1))
    assert impl == "pypy"
    assert got == [r.verdict, r.distinct_states, r.states_generated, r.depth,
                   {n: c.fired for n, c in r.coverage.items()}]
    assert got[:4] == ["ok", 1425, 9961, 16]


# MsgSet's hash kept incrementally on PyPy (spec.values._pypy_set_hash) against frozenset's own, on sets made by
# MsgSet(...), by | (and its reflection) with new, old and repeated messages; and gc_paused leaving PyPy's collector on
SETS = """
import gc, json, random, sys
sys.path.insert(0, {root!r})
from typing import NamedTuple
from modelcheck.engine.gcpause import gc_paused
from spec.values import MsgSet
class M(NamedTuple):
    a: int
    b: int
    c: str
rng, wrong, made = random.Random(12), 0, 0
for _ in range(500):
    items = [M(rng.randrange(-5, 5), rng.randrange(-2**63, 2**63), rng.choice("xyz")) for _ in range(rng.randrange(25))]
    s = MsgSet(items[: len(items) // 2])
    for m in items[len(items) // 2 :]:
        s = s | {{m}} if rng.random() < 0.5 else s.__ror__({{m, items[0]}})
    for t in (s, s | set(items[:3]) | {{M(1, 2, "q")}}, s | set(items), MsgSet(), MsgSet() | {{M(0, -1, "")}}):
        made += 1
        wrong += hash(t) != hash(frozenset(t)) or t != frozenset(t) or t.__class__ is not MsgSet
with gc_paused():
    running = gc.isenabled()
print(json.dumps([sys.implementation.name, made, wrong, running]))
"""


def test_message_sets_hash_as_frozensets_under_pypy_and_its_collector_runs() -> None:
    out = subprocess.run([PYPY, "-c", SETS.format(root=str(ROOT))],  # type: ignore[list-item]
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["pypy", 2500, 0, True]
