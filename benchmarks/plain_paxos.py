"""The reference point of issue 2: a plain breadth-first loop over Paxos.tla, no framework.

Tuples and frozensets, a set of full states, Agreement checked on every new state, no
parent links, traces, coverage or progress. Our checker is measured against it.
"""

from __future__ import annotations

import itertools
from collections import deque


def plain_paxos(n_acc: int, n_val: int, max_ballot: int) -> tuple[int, int]:
    """Distinct states and depth of Paxos.tla with majority quorums, exhaustively."""
    acc, vals, bals = range(n_acc), range(n_val), range(max_ballot + 1)
    quorums = [frozenset(q) for q in itertools.combinations(acc, n_acc // 2 + 1)]

    def successors(s):
        mb, mvb, mv, msgs = s
        for b in bals:
            yield (mb, mvb, mv, msgs | {("1a", b)})
            if any(m[0] == "2a" and m[1] == b for m in msgs):
                continue
            reported = {m[1]: m for m in msgs if m[0] == "1b" and m[2] == b}
            for v in vals:
                for q in quorums:
                    if not q <= reported.keys():
                        continue
                    votes = [reported[a] for a in q if reported[a][3] >= 0]
                    if not votes or any(m[4] == v and m[3] == max(x[3] for x in votes) for m in votes):
                        yield (mb, mvb, mv, msgs | {("2a", b, v)})
                        break
        for a in acc:
            for m in msgs:
                if m[0] == "1a" and m[1] > mb[a]:
                    yield (mb[:a] + (m[1],) + mb[a + 1 :], mvb, mv, msgs | {("1b", a, m[1], mvb[a], mv[a])})
                elif m[0] == "2a" and m[1] >= mb[a]:
                    yield (
                        mb[:a] + (m[1],) + mb[a + 1 :],
                        mvb[:a] + (m[1],) + mvb[a + 1 :],
                        mv[:a] + (m[2],) + mv[a + 1 :],
                        msgs | {("2b", a, m[1], m[2])},
                    )

    def agreement(s):
        voters: dict[tuple, set] = {}
        for m in s[3]:
            if m[0] == "2b":
                voters.setdefault((m[2], m[3]), set()).add(m[1])
        chosen = {bv[1] for bv, who in voters.items() if any(q <= who for q in quorums)}
        return len(chosen) <= 1

    init = ((-1,) * n_acc, (-1,) * n_acc, (-1,) * n_acc, frozenset())
    seen = {init}
    queue = deque([(init, 1)])
    depth = 1
    while queue:
        s, d = queue.popleft()
        depth = max(depth, d)
        for t in successors(s):
            if t not in seen:
                seen.add(t)
                assert agreement(t)
                queue.append((t, d + 1))
    return len(seen), depth


if __name__ == "__main__":
    from _args import helper_module

    helper_module(__doc__, "paxos_bench.py")
