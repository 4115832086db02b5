"""The abstraction function from ``spec/raft.py`` states to the Z3 model of :mod:`proofs.raft.encoding`, on an instance.

A raft.tla state is mapped to the model's relations (:meth:`RaftInstance.abstract`),
and each spec step to the abstract action that should explain it, with every
parameter bound (:func:`abstract_steps`); the finite instance is also a
:class:`~proofs.evaluate.Structure`, so the very formulas handed to Z3 are evaluated
on the spec's states. Servers, values, terms and indices are the spec's ints (terms
and indices one past the bounds, so that a step leaving the state constraint is
covered too); a quorum is a majority of servers, numbered in a fixed order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from proofs.evaluate import Structure
from proofs.raft.encoding import RaftZ3State
from spec.behaviour import reachable
from spec.core import Label
from spec.raft import CANDIDATE, LEADER, NIL, AppendEntriesRequest, Raft, RaftState, RequestVoteResponse

#: An abstract state: one frozenset of argument tuples per relation, in RaftZ3State.SIGNATURE order.
Abstract = tuple[frozenset, ...]
RELATIONS = tuple(RaftZ3State.SIGNATURE)


class RaftInstance:
    """The finite domains of one spec instance, the abstraction function and the rigid symbols."""

    def __init__(self, spec: Raft) -> None:
        if not spec.history:
            raise ValueError("the Raft proof's abstraction reads the elections history: use a spec with history")
        self.spec = spec
        n = len(spec.Server)
        self.quorums = [
            frozenset(c) for k in range(n + 1) for c in itertools.combinations(spec.Server, k) if spec.IsQuorum(set(c))
        ]
        self.quorum_index = {q: k for k, q in enumerate(self.quorums)}
        self.domains: dict[str, list[int]] = {
            "Node": list(spec.Server),
            "Term": list(range(spec.MaxTerm + 2)),
            "Index": list(range(spec.MaxLogLen + 2)),
            "Value": list(spec.Value),
            "Quorum": list(range(len(self.quorums))),
        }
        quorums = self.quorums
        self.fixed: dict[str, Any] = {
            "leT": lambda x, y: x <= y,
            "leI": lambda x, y: x <= y,
            "succ": lambda x, y: y == x + 1,
            "member": lambda a, q: a in quorums[q],
            "TermZero": 0,
            "IndexZero": 0,
        }

    #: The relations of the model this instance abstracts to, in order.
    relations: tuple[str, ...] = RELATIONS

    def reachable(self) -> Iterator[tuple[Any, bool, list]]:
        """The states the conformance check walks (:func:`spec.behaviour.reachable`; a model with history adds it)."""
        return reachable(self.spec)

    def abstract(self, s: RaftState) -> Abstract:
        """The model's relations in state s."""
        rel = self.relation_values(s)
        return tuple(rel[name] for name in self.relations)

    def steps(self, s: RaftState, label: Label) -> list[tuple[str, dict[str, Any]]]:
        """The abstract actions (every parameter bound) that may explain the spec step; [] means a stutter."""
        return abstract_steps(self.spec, self, s, label)

    def relation_values(self, s: RaftState) -> dict[str, frozenset]:
        """Each relation of the model in state s, by name."""
        S = self.spec.Server
        vote_resp, append_req = set(), set()
        for m, _count in s.messages:
            if m[0] == RequestVoteResponse and m[4]:
                vote_resp.add((m[1], m[2], m[3]))
            elif m[0] == AppendEntriesRequest and m[6]:
                (et, ev), p = m[6][0], m[4]
                append_req.add((p, m[5], p + 1, et, ev))
        rel = {
            "currentTerm": frozenset((i, s.currentTerm[i]) for i in S),
            "leader": frozenset((i,) for i in S if s.state[i] == LEADER),
            "candidate": frozenset((i,) for i in S if s.state[i] == CANDIDATE),
            "votedFor": frozenset((i, s.votedFor[i]) for i in S if s.votedFor[i] != NIL),
            "votesGranted": frozenset((i, j) for i in S for j in s.votesGranted[i]),
            "voteResp": frozenset(vote_resp),
            "elected": frozenset((e[0], e[1]) for e in s.elections),
            "electionVote": frozenset((e[0], j) for e in s.elections for j in e[3]),
            "log": frozenset((i, x, t, v) for i in S for x, (t, v) in enumerate(s.log[i], 1)),
            "appendReq": frozenset(append_req),
        }
        return rel

    def structure(self, states: dict[str, Abstract], params: dict[str, Any] | None = None) -> Structure:
        """The rigid symbols, each abstract state's relations (by tag) and the free parameters."""
        symbols = dict(self.fixed)
        for tag, a in states.items():
            for name, tuples in zip(self.relations, a):
                symbols[name + tag] = _membership(tuples)
        symbols.update(params or {})
        return Structure(self.domains, symbols)

    def show(self, a: Abstract) -> dict[str, list[tuple]]:
        """An abstract state, relation by relation, for a failure report."""
        return {name: sorted(tuples) for name, tuples in zip(self.relations, a)}


def _membership(tuples: frozenset) -> Callable[..., bool]:
    return lambda *args: args in tuples


def abstract_steps(spec: Raft, inst: RaftInstance, s: RaftState, label: Label) -> list[tuple[str, dict[str, Any]]]:
    """The abstract actions (with every parameter bound) that may explain the spec step; [] means a stutter."""
    name, p = label.name, label.params
    ct, log = s.currentTerm, s.log

    def last(i: int) -> tuple[int, int, int]:
        lg = log[i]
        return (len(lg), *lg[-1]) if lg else (0, 0, 0)

    def entry(i: int, x: int) -> tuple[int, int]:
        return log[i][x - 1] if 0 < x <= len(log[i]) else (0, 0)

    def request(m: tuple) -> dict[str, int] | None:
        if m[0] != AppendEntriesRequest or not m[6]:
            return None
        (et, ev), q = m[6][0], m[4]
        return {"p": q, "pt": m[5], "e": q + 1, "et": et, "ev": ev}

    def granted_response(m: tuple) -> dict[str, int] | None:
        return {"j": m[1], "i": m[2], "t": m[3]} if m[0] == RequestVoteResponse and m[4] else None

    if name == "Restart":
        return [("Restart", {"i": p[0]})]
    if name == "Timeout":
        (i,) = p
        return [("Timeout", {"i": i, "t": ct[i], "t2": ct[i] + 1})]
    if name == "UpdateTerm":
        i, _, m = p
        return [("UpdateTerm", {"i": i, "t": ct[i], "t2": m[3]})]
    if name == "HandleRequestVoteRequest":
        i, j, _ = p
        return [("GrantVote", {"i": i, "j": j, "t": ct[i]})]
    if name == "HandleRequestVoteResponse":
        i, j, m = p
        if not granted_response(m):
            return []
        return [("HandleRequestVoteResponse", {"i": i, "j": j, "t": m[3], "keep": keep}) for keep in (False, True)]
    if name == "BecomeLeader":
        (i,) = p
        return [("BecomeLeader", {"i": i, "t": ct[i], "q": inst.quorum_index[s.votesGranted[i]]})]
    if name == "ClientRequest":
        i, v = p
        k, kt, kv = last(i)
        return [("ClientRequest", {"i": i, "v": v, "t": ct[i], "k": k, "e": k + 1, "kt": kt, "kv": kv})]
    if name == "AppendEntries":
        i, j = p
        prev = s.nextIndex[i][j] - 1
        if prev >= len(log[i]):
            return []  # a heartbeat: no entry
        (pt, pv), (et, ev) = entry(i, prev), log[i][prev]
        return [
            ("AppendEntries", {"i": i, "p": prev, "pt": pt, "e": prev + 1, "et": et, "ev": ev, "t": ct[i], "pv": pv})
        ]
    if name == "HandleAppendEntriesRequest":
        i, _, m = p
        x, xt, xv = last(i)
        out: list[tuple[str, dict[str, Any]]] = [
            ("RemoveLastEntry", {"i": i, "x": x, "xt": xt, "xv": xv}),
            ("ReturnToFollower", {"i": i}),
        ]
        req = request(m)
        if req:
            out.append(("AcceptEntry", {"i": i, **req, "pv": entry(i, req["p"])[1]}))
            out.append(("DropAppendRequest", req))
        return out
    if name in ("DropMessage", "DropStaleResponse"):
        m = p[-1]
        req, resp = request(m), granted_response(m)
        return [("DropAppendRequest", req)] if req else [("DropVoteResponse", resp)] if resp else []
    # RequestVote, AdvanceCommitIndex, HandleAppendEntriesResponse, DuplicateMessage: the model does not see them.
    return []
