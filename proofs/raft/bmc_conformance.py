"""One-step conformance of the Raft BMC encoding with spec/raft.py, on every reachable state of a small model.

For each state the explicit search reaches within the bounds, the encoding's action instances are
evaluated on that state's values: an instance's guard must hold exactly when the spec's action with
the same label is enabled, and its writes must give exactly the spec's successor. This ties each
variant's encoding to its spec class before any unrolling (the BMC itself replays every trace it finds).
"""

from __future__ import annotations

from typing import Any

import z3

from proofs.raft.bmc import EncodingError, history_free
from proofs.raft.bmc_encoding import OUT, Key, RaftBmcEncoding
from proofs.raft.bmc_variants import encoding_class
from spec.behaviour import reachable
from spec.raft import Raft, RaftState


def concrete(enc: RaftBmcEncoding, s: RaftState) -> dict[Key, Any]:
    """The encoding's variables given the values of s (slots past a log's end are 0)."""
    out: dict[Key, Any] = {}
    counts = dict(s.messages)
    for i in range(enc.n):
        out["ct", i], out["st", i], out["vf", i] = s.currentTerm[i], s.state[i], s.votedFor[i]
        out["ci", i], out["len", i] = s.commitIndex[i], len(s.log[i])
        for k in range(enc.L + 1):
            out["lt", i, k], out["lv", i, k] = s.log[i][k] if k < len(s.log[i]) else (0, 0)
        for j in range(enc.n):
            out["vr", i, j], out["vg", i, j] = j in s.votesResponded[i], j in s.votesGranted[i]
            out["ni", i, j], out["mi", i, j] = s.nextIndex[i][j], s.matchIndex[i][j]
    for u, m in enumerate(enc.universe.messages):
        out["cnt", u] = counts.pop(m, 0)
    if counts:
        raise EncodingError(f"reachable messages outside the universe: {sorted(counts)}")
    return {k: enc.lift(v) for k, v in out.items()}


def evaluate(x: Any) -> Any:
    """A closed Z3 term (or Python value) as a Python int or bool."""
    v = z3.simplify(x) if z3.is_expr(x) else x
    if z3.is_expr(v):
        return z3.is_true(v) if z3.is_bool(v) else v.as_signed_long()
    return v


def successors(enc: RaftBmcEncoding, s: RaftState) -> dict[Any, RaftState]:
    """Label -> successor of every instance whose guard holds in s, computed from the encoding alone."""
    pre = concrete(enc, s)
    values = {k: evaluate(v) for k, v in pre.items()}
    out = {}
    for inst in enc.instances(pre):
        if not evaluate(inst.guard):
            continue
        post = dict(values)
        post.update({k: evaluate(v) for k, v in inst.writes.items() if k[0] not in ("out", "in")})
        sent = tuple(evaluate(inst.writes.get(("out", f), -1 if f == "kind" else 0)) for f in OUT)
        if sent[0] != -1:
            if sent not in enc.universe.by_fields:
                raise EncodingError(f"{inst.label} sends {sent}, outside the universe")
            u = enc.universe.index[enc.universe.by_fields[sent]]
            post["cnt", u] += 1
        gone = evaluate(inst.writes.get(("in",), -1))
        if gone != -1:
            post["cnt", gone] -= 1
        out[inst.label] = state_of(enc, post)
    return out


def state_of(enc: RaftBmcEncoding, v: dict[Key, Any]) -> RaftState:
    """The history-free spec state of concrete variable values."""
    S = range(enc.n)
    return RaftState(
        messages=frozenset((m, c) for u, m in enumerate(enc.universe.messages) if (c := v["cnt", u]) > 0),
        elections=frozenset(),
        allLogs=frozenset(),
        currentTerm=tuple(v["ct", i] for i in S),
        state=tuple(v["st", i] for i in S),
        votedFor=tuple(v["vf", i] for i in S),
        log=tuple(tuple((v["lt", i, k], v["lv", i, k]) for k in range(v["len", i])) for i in S),
        commitIndex=tuple(v["ci", i] for i in S),
        votesResponded=tuple(frozenset(j for j in S if v["vr", i, j]) for i in S),
        votesGranted=tuple(frozenset(j for j in S if v["vg", i, j]) for i in S),
        voterLog=(frozenset(),) * enc.n,
        nextIndex=tuple(tuple(v["ni", i, j] for j in S) for i in S),
        matchIndex=tuple(tuple(v["mi", i, j] for j in S) for i in S),
    )


def check_steps(spec: Raft, encoding: type[RaftBmcEncoding] | None = None, every: int = 1) -> tuple[int, int]:
    """Compare the encoding's successors with the spec's on every ``every``-th reachable state within the bounds.

    Returns (states compared, transitions compared); raises EncodingError at the first difference.
    """
    spec = history_free(spec)
    enc = (encoding or encoding_class(spec))(spec)
    names = [a.name for a in spec.actions]
    expanded, compared, transitions = 0, 0, 0
    for s, inside, succ in reachable(spec):
        if not inside:
            continue
        expanded += 1
        if (expanded - 1) % every:
            continue
        theirs = {(names[ai], params): t for ai, params, t in succ}
        ours = {(lab.name, lab.params): t for lab, t in successors(enc, s).items()}
        if ours != theirs:
            diff = sorted(set(ours.items()) ^ set(theirs.items()), key=repr)[:1]
            raise EncodingError(f"from {s}: encoding and spec differ at {diff}")
        compared += 1
        transitions += len(theirs)
    return compared, transitions
