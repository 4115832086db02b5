"""The abstraction function from ``spec/raft.py`` states to :mod:`proofs.raft.commit`'s model, and its step map.

Beside the coarse model's relations (:mod:`proofs.raft.instance`): entry requests with
their term, every AppendEntries request as (term, last entry, its term, mcommitIndex),
RequestVote requests, commitIndex, the successful responses and a leader's matchIndex
as the indices they reach (1..m). Each spec step is mapped to the abstract actions that
may explain it through the spec's own rule methods (``LeaderCommitFor``, ``AckedIndex``,
``MatchedLog``...), so a variant's spec is abstracted by the rule it really runs.
"""

from __future__ import annotations

from typing import Any

from proofs.raft.commit import CommitState
from proofs.raft.instance import RaftInstance, abstract_steps
from spec.core import Label
from spec.raft import LEADER, AppendEntriesRequest, AppendEntriesResponse, LastTerm, RaftState, RequestVoteRequest


class CommitInstance(RaftInstance):
    """The commit model's relations of a spec state, and the abstract steps of a spec step."""

    relations = tuple(CommitState.SIGNATURE)

    def relation_values(self, s: RaftState) -> dict[str, frozenset]:
        """The coarse model's relations, entry requests with their term, and the commit machinery's."""
        rel = super().relation_values(s)
        append_req: set[tuple[int, ...]] = set()
        req_commit: set[tuple[int, ...]] = set()
        rv_req: set[tuple[int, ...]] = set()
        resp: set[tuple[int, ...]] = set()
        for m, _count in s.messages:
            kind = m[0]
            if kind == AppendEntriesRequest:
                _, _, _, t, p, pt, entries, _, c = m
                if entries:
                    (et, ev) = entries[0]
                    append_req.add((t, p, pt, p + 1, et, ev))
                    req_commit.add((t, p + 1, et, c))
                else:
                    req_commit.add((t, p, pt, c))
            elif kind == RequestVoteRequest:
                rv_req.add((m[1], m[3], m[5], m[4]))
            elif kind == AppendEntriesResponse and m[4]:
                resp.update((m[1], m[3], x) for x in range(1, m[5] + 1))
        S = self.spec.Server
        rel["appendReq"] = frozenset(append_req)
        rel["reqCommit"] = frozenset(req_commit)
        rel["rvReq"] = frozenset(rv_req)
        rel["respGe"] = frozenset(resp)
        rel["commitIdx"] = frozenset((i, s.commitIndex[i]) for i in S)
        rel["matchGe"] = frozenset(
            (k, s.currentTerm[i], x)
            for i in S
            if s.state[i] == LEADER
            for k in S
            for x in range(1, s.matchIndex[i][k] + 1)
        )
        return rel

    def steps(self, s: RaftState, label: Label) -> list[tuple[str, dict[str, Any]]]:
        """The abstract actions (every parameter bound) that may explain the spec step; [] means a stutter."""
        spec, name, p = self.spec, label.name, label.params
        ct, log = s.currentTerm, s.log

        def last(i: int) -> dict[str, int]:
            lg = log[i]
            return {"k": len(lg), "kt": LastTerm(lg), "kv": lg[-1][1] if lg else 0}

        def entry(i: int, x: int) -> tuple[int, int]:
            return log[i][x - 1] if 0 < x <= len(log[i]) else (0, 0)

        drop: list[tuple[str, dict[str, Any]]] = [("DropMessages", {})]
        if name == "RequestVote":
            i = p[0]
            return [("RequestVote", {"i": i, "t": ct[i], **last(i)})]
        if name == "HandleRequestVoteRequest":
            i, j, m = p
            return [("GrantVote", {"i": i, "j": j, "t": ct[i], "li": m[5], "lt": m[4], **last(i)}), *drop]
        if name in ("DropMessage", "DropStaleResponse"):
            return drop
        if name == "AdvanceCommitIndex":
            (i,) = p
            after = spec.AdvanceCommitIndex(s, i)
            x = after.commitIndex[i] if after is not None else 0
            agree = frozenset({i} | {k for k in spec.Server if s.matchIndex[i][k] >= x})
            if not x or agree not in self.quorum_index:
                return []
            xt, xv = entry(i, x)
            q = self.quorum_index[agree]
            return [("AdvanceCommitIndex", {"i": i, "t": ct[i], "x": x, "xt": xt, "xv": xv, "q": q})]
        if name == "AppendEntries":
            i, j = p
            prev = s.nextIndex[i][j] - 1
            pt, pv = entry(i, prev)
            lg = log[i]
            common = {"i": i, "t": ct[i], "p": prev, "pt": pt, "pv": pv, "ci": s.commitIndex[i]}
            if prev >= len(lg):  # a heartbeat
                return [("Heartbeat", {**common, "c": spec.LeaderCommitFor(s.commitIndex[i], prev)})]
            (et, ev) = lg[prev]
            c = spec.LeaderCommitFor(s.commitIndex[i], prev + 1)
            return [("AppendEntries", {**common, "e": prev + 1, "et": et, "ev": ev, "c": c})]
        if name == "HandleAppendEntriesRequest":
            i, _, m = p
            _, _, _, t, prev, pt, entries, _, c = m
            k = last(i)
            out: list[tuple[str, dict[str, Any]]] = [("ReturnToFollower", {"i": i})]
            lst, lt = (prev + 1, entries[0][0]) if entries else (prev, pt)
            held = entry(i, lst)
            out.append(("AcceptCommit", {"i": i, "t": t, "l": lst, "lt": lt, "lv": held[1], "c": c}))
            if entries:
                (et, ev) = entries[0]
                req = {"t": t, "p": prev, "pt": pt, "e": prev + 1, "et": et, "ev": ev}
                out.append(("AcceptEntry", {"i": i, **req, "pv": entry(i, prev)[1]}))
                eu, euv = entry(i, prev + 1)
                out.append(("RemoveLastEntry", {"i": i, "x": k["k"], "xt": k["kt"], "xv": k["kv"], **req,
                                                "eu": eu, "euv": euv}))  # fmt: skip
            return [*out, *drop]
        if name == "HandleAppendEntriesResponse":
            i, j, m = p
            if not m[4] or s.state[i] != LEADER:
                return drop
            return [("HandleAppendEntriesResponse", {"i": i, "j": j, "t": m[3], "m": spec.AckedIndex(s, i, m)}), *drop]
        if name == "HandleRequestVoteResponse":
            return [*abstract_steps(spec, self, s, label), *drop]
        return abstract_steps(spec, self, s, label)
