"""How fast pure CPython can check PaxosCommit at all: a breadth-first search written by hand for this one model.

    .venv/bin/python benchmarks/paxoscommit_ceiling.py                 # distinct / generated / depth, CPU s
    .venv/bin/python benchmarks/paxoscommit_ceiling.py --build-every   # the same, every successor built

Issue 12 asks for PaxosCommit written plainly (docs/examples/paxoscommit.py) checked >= 5x faster than TLC
2.20 on one core. This script is not a checker: it is the ceiling any checker written in CPython 3.11 could
reach on that model, against which ``benchmarks/txcommit_bench.py paxoscommit`` (the real engine running the
user's text) is read. Everything a general engine must do and this does not is left out:

- the steps are specialised by hand for the Examples' model (two RMs, three acceptors, ballots {0, 1}), with the
  message indexes built in one pass per state;
- a successor is fingerprinted from its parent's fingerprint and the step's writes (a sum of one random word per
  variable's component, Zobrist's hashing), and built only when that fingerprint is new, so 92% of the
  16,959,159 successors are never made;
- no parent links, traces, coverage, progress, constraint or type invariant; only TCConsistent is checked.

It must reach TLC's figures (1,321,761 distinct states, 16,959,159 generated, depth 28), else it exits 1.
docs/performance-log.md gives the figures measured and what follows from them.
"""

from __future__ import annotations

import itertools
import random
import sys
import time
from typing import Any

RMS, ACCS, BALS = (0, 1), (0, 1, 2), (0, 1)
WORKING, PREPARED, COMMITTED, ABORTED, NONE = 0, 1, 2, 3, -1
P1A, P1B, P2A, P2B, DEC = range(5)
COMMIT, ABORT = 0, 1
MAJORITIES = tuple(frozenset(q) for q in itertools.combinations(ACCS, 2))
MASK = (1 << 64) - 1
TLC = (1_321_761, 16_959_159, 28)


def _decided(votes: dict[tuple, set], r: int, v: int) -> int:
    """How many witnesses (b, MS) ``Decided(r, v)`` has: majorities MS that voted v in a ballot b of instance r."""
    n = 0
    for b in BALS:
        voters = votes.get((r, b, v))
        if voters is not None and len(voters) > 1:
            n += sum(ms <= voters for ms in MAJORITIES)
    return n


def search(build_every: bool = False) -> tuple[int, int, int]:
    """(distinct, generated, depth) of PaxosCommit's model; stops with exit 1 if TCConsistent breaks.

    ``build_every``: make every successor and fingerprint it whole (Python's hash of the state) instead of from
    the parent's sum, to measure what building only the new ones saves."""
    words: dict[Any, int] = {}
    rnd = random.Random(1)

    def word(key: Any) -> int:  # the random word of one component (a message, an RM's or an acceptor's state)
        w = words.get(key)
        if w is None:
            w = words[key] = rnd.getrandbits(64)
        return w

    rm0, acc0 = (WORKING,) * len(RMS), ((0, -1, NONE),) * (len(RMS) * len(ACCS))
    h0 = (sum(word(("r", r, WORKING)) for r in RMS) + sum(word(("a", k, acc0[k])) for k in range(len(acc0)))) & MASK
    known = words.__getitem__  # the word of a component the state holds: made when the state was
    seen = {hash((rm0, acc0, frozenset())) if build_every else h0}
    frontier, generated, depth = [(h0, rm0, acc0, frozenset())], 1, 1
    while frontier:
        nxt: list[tuple[int, tuple, tuple, frozenset]] = []
        push = nxt.append
        for h, rm, acc, msgs in frontier:
            m1a, m2a, m1b, votes, has2a = [], [], {}, {}, set()  # the ``where`` lookups, one pass
            for m in msgs:
                t = m[0]
                if t == P1A:
                    m1a.append(m)
                elif t == P1B:  # (no setdefault: it would make a list per message)
                    key = m[1:3]
                    got = m1b.get(key)
                    if got is None:
                        m1b[key] = [m]
                    else:
                        got.append(m)
                elif t == P2A:
                    m2a.append(m)
                    has2a.add(m[1:3])
                elif t == P2B:
                    key = m[2:]
                    got = votes.get(key)
                    if got is None:
                        votes[key] = {m[1]}
                    else:
                        got.add(m[1])
            succ: list[tuple[int, int, Any, Any, Any]] = []  # (fingerprint, kind of write, where, what, message)
            add = succ.append
            for r in RMS:  # RMPrepare, RMChooseToAbort
                if rm[r] == WORKING:
                    base = h - known(("r", r, WORKING))
                    for v in (PREPARED, ABORTED):
                        m = (P2A, r, 0, v)
                        add(((base + word(("r", r, v)) + (0 if m in msgs else word(m))) & MASK, 0, r, v, m))
            for d, v in ((COMMIT, COMMITTED), (ABORT, ABORTED)):  # RMRcvCommitMsg, RMRcvAbortMsg
                if (DEC, d) in msgs:
                    for r in RMS:
                        add(((h - known(("r", r, rm[r])) + word(("r", r, v))) & MASK, 1, r, v, None))
            for b in BALS[1:]:  # Phase1a
                for r in RMS:
                    m = (P1A, r, b)
                    add((h if m in msgs else (h + word(m)) & MASK, 2, None, None, m))
            for b in BALS[1:]:  # Phase2a
                for r in RMS:
                    promised = m1b.get((r, b), ())
                    if (r, b) in has2a or len(promised) < 2:
                        continue
                    for ms in MAJORITIES:
                        mset = [m for m in promised if m[5] in ms]
                        if {m[5] for m in mset} != ms:
                            continue
                        maxbal = max(m[3] for m in mset)
                        v = ABORTED if maxbal == -1 else next(m[4] for m in mset if m[3] == maxbal)
                        m = (P2A, r, b, v)
                        add((h if m in msgs else (h + word(m)) & MASK, 2, None, None, m))
            if votes:  # Decide, once per combination of witnesses
                n_commit = _decided(votes, 0, PREPARED) * _decided(votes, 1, PREPARED)
                n_abort = _decided(votes, 0, ABORTED) + _decided(votes, 1, ABORTED)
            else:
                n_commit = n_abort = 0
            for d, n in ((COMMIT, n_commit), (ABORT, n_abort)):
                m = (DEC, d)
                hm = h if m in msgs else (h + word(m)) & MASK
                for _ in range(n):
                    add((hm, 2, None, None, m))
            for a in ACCS:  # Phase1b
                for m in m1a:
                    k = m[1] * len(ACCS) + a
                    x = acc[k]
                    if x[0] < m[2]:
                        nx, mb = (m[2], x[1], x[2]), (P1B, m[1], m[2], x[1], x[2], a)
                        hh = h - known(("a", k, x)) + word(("a", k, nx)) + (0 if mb in msgs else word(mb))
                        add((hh & MASK, 3, k, nx, mb))
            for a in ACCS:  # Phase2b
                for m in m2a:
                    k = m[1] * len(ACCS) + a
                    x = acc[k]
                    if x[0] <= m[2]:
                        nx, mb = (m[2], m[2], m[3]), (P2B, a, m[1], m[2], m[3])
                        hh = h - known(("a", k, x)) + word(("a", k, nx)) + (0 if mb in msgs else word(mb))
                        add((hh & MASK, 3, k, nx, mb))
            generated += len(succ)
            if build_every:
                for _, kind, i, v, m in succ:  # build every successor and hash it whole, as a general engine does
                    if kind <= 1:
                        st = (rm[:i] + (v,) + rm[i + 1:], acc, msgs | {m} if kind == 0 else msgs)
                    elif kind == 2:
                        st = (rm, acc, msgs | {m})
                    else:
                        st = (rm, acc[:i] + (v,) + acc[i + 1:], msgs | {m})
                    fp = hash(st)
                    if fp not in seen:
                        seen.add(fp)
                        if COMMITTED in st[0] and ABORTED in st[0]:
                            sys.exit(f"TCConsistent violated at depth {depth + 1}")
                        push((0, *st))
                continue
            for hh, kind, i, v, m in succ:  # build only the new ones
                if hh in seen:
                    continue
                seen.add(hh)
                if kind <= 1:
                    nrm = rm[:i] + (v,) + rm[i + 1:]
                    if COMMITTED in nrm and ABORTED in nrm:
                        sys.exit(f"TCConsistent violated at depth {depth + 1}")
                    push((hh, nrm, acc, msgs | {m} if kind == 0 else msgs))
                elif kind == 2:
                    push((hh, rm, acc, msgs | {m}))
                else:
                    push((hh, rm, acc[:i] + (v,) + acc[i + 1:], msgs | {m}))
        frontier = nxt
        depth += bool(frontier)
    return len(seen), generated, depth


def main() -> int:
    from _args import parser

    ap = parser(__doc__)
    ap.add_argument("--build-every", action="store_true",
                    help="make every successor and hash it whole, as a general engine must")
    build_every = ap.parse_args().build_every
    t0 = time.process_time()
    found = search(build_every)
    cpu = time.process_time() - t0
    how = "every successor built" if build_every else "only new successors built"
    figures = f"{found[0]:,} distinct, {found[1]:,} generated, depth {found[2]}"
    print(f"hand-written ceiling ({how}): {figures}, {cpu:.1f} CPU s")
    if found != TLC:
        print(f"expected TLC's {TLC[0]:,} / {TLC[1]:,} / {TLC[2]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
