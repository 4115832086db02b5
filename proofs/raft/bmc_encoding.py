"""raft.tla's next-state relation in Z3 on a finite instance, one unrolled step at a time.

The encoding is exact for ``spec/raft.py`` with ``history=False`` (no ``elections``,
``allLogs``, ``voterLog`` or ``mlog``). A state is a set of Z3 constants per step:

- per server i: ``currentTerm``, ``state``, ``votedFor`` (Nil is -1), ``commitIndex``, the log as its
  length and MaxLogLen + 1 slots of (term, value), slots past the length held at (0, 0) so that two
  equal logs have equal slots (one slot more than the bound: a state outside the bounds is reached,
  checked, and not extended, as the explicit checker does);
- per pair (i, j): ``votesResponded``/``votesGranted`` as Bools, ``nextIndex``/``matchIndex`` as Ints;
- the bag: one Int count per message of a finite universe (:class:`Universe`).

Each step chooses one action instance (an action with all its parameters, a message being
a parameter of the handlers) by an Int ``act@k``: its guard must hold, the variables it writes
take their new values and every other variable keeps its value (the frame, as one if-then-else
chain per variable over the instances that write it). The message sent and the message
consumed are step-local variables, so each count's update is small. A message a step would
send that is not in the universe is an *escape*: the BMC reports it as an encoding error
instead of losing the message, so a universe that is too small cannot hide behaviours.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from spec.core import Label
from spec.raft import (
    CANDIDATE,
    EMPTY,
    FOLLOWER,
    LEADER,
    NIL,
    AppendEntriesRequest,
    AppendEntriesResponse,
    Message,
    Raft,
    RaftState,
    RequestVoteRequest,
    RequestVoteResponse,
)

Key = tuple[Any, ...]
NONE = -1  # the kind of the sent message when a step sends none
OUT = ("kind", "src", "dst", "term", "a", "b", "c", "d")  # a message as 8 ints (see Universe.fields)
Expr = Any  # a Z3 expression or a Python int/bool that z3 coerces


@dataclass
class Instance:
    """One action with its parameters bound: the label it prints, its guard and the variables it writes."""

    label: Label
    guard: Expr
    writes: dict[Key, Expr] = field(default_factory=dict)


class Universe:
    """Every message a state within the bounds can send (history dropped: mlog is always empty).

    Fields of a sent message come from a state within the bounds: terms 1..MaxTerm, log indices
    0..MaxLogLen, a last/previous term 0 exactly when its index is 0, an entry only when one fits.
    """

    def __init__(self, spec: Raft) -> None:
        S, L, V = spec.Server, spec.MaxLogLen, len(spec.Value)
        terms = range(1, spec.MaxTerm + 1)
        self.values = V

        def last_terms(index: int) -> Iterable[int]:
            return (0,) if index == 0 else terms

        msgs: list[Message] = []
        for i in S:
            for j in S:  # a candidate sends RequestVote to itself too
                for t in terms:
                    msgs += [(RequestVoteRequest, i, j, t, lt, li) for li in range(L + 1) for lt in last_terms(li)]
                    msgs += [(RequestVoteResponse, i, j, t, g, ()) for g in (0, 1)]
        for i in S:
            for j in S:
                if i == j:
                    continue
                for t in terms:
                    for pi in range(L + 1):
                        entries: list[tuple] = [()]
                        if pi < L:
                            entries += [((et, v),) for et in terms for v in range(V)]
                        msgs += [
                            (AppendEntriesRequest, i, j, t, pi, pt, e, (), c)
                            for pt in last_terms(pi)
                            for e in entries
                            for c in range(L + 1)
                        ]
                    msgs += [(AppendEntriesResponse, i, j, t, 0, 0)]
                    msgs += [(AppendEntriesResponse, i, j, t, 1, mi) for mi in range(L + 1)]
        self.messages = msgs
        self.index = {m: u for u, m in enumerate(msgs)}
        self.fields = [self.fields_of(m) for m in msgs]
        self.by_fields = {f: m for f, m in zip(self.fields, msgs)}

    def __len__(self) -> int:
        return len(self.messages)

    def entry_code(self, entries: tuple) -> int:
        """0 for no entry, else 1 + (term - 1) * |Value| + value."""
        return 1 + (entries[0][0] - 1) * self.values + entries[0][1] if entries else 0

    def fields_of(self, m: Message) -> tuple[int, ...]:
        """The 8 ints (kind, src, dst, term, a, b, c, d) that stand for m."""
        kind = m[0]
        if kind == RequestVoteRequest:
            return (*m[:6], 0, 0)
        if kind == RequestVoteResponse:
            return (*m[:5], 0, 0, 0)
        if kind == AppendEntriesRequest:
            return (*m[:6], self.entry_code(m[6]), m[8])
        return (*m[:6], 0, 0)


class RaftBmcEncoding:
    """The Z3 transition relation of raft.tla (history dropped) for one finite instance of spec/raft.py.

    The methods named after spec hooks (``vote_log_ok``, ``commit_term_ok``, ...) are what a variant
    overrides, mirroring the one method its spec class overrides (the spec class names its encoding
    by ``bmc_encoding``).
    """

    symmetric = True  # no rule depends on a server's name (BMC may then fix who times out first)

    def __init__(self, spec: Raft) -> None:
        self.spec = spec
        self.n, self.L, self.T = len(spec.Server), spec.MaxLogLen, spec.MaxTerm
        self.universe = Universe(spec)
        self._labels: list[Label] | None = None
        # Numbers are signed bit-vectors (Z3 bit-blasts the unrolling to SAT: far faster here than
        # integer arithmetic): state values in `width` bits, with room for the largest value plus one
        # and twice the servers (a quorum count); instance and message indices in `iwidth` bits.
        most = max(self.T + 2, self.L + 2, spec.MaxCopies + 2, 2 * self.n + 1, self.T * len(spec.Value) + 2)
        self.width = most.bit_length() + 1
        instances = 5 * len(self.universe) + 2 * self.n * self.n + (len(spec.Value) + 5) * self.n  # at most
        self.iwidth = instances.bit_length() + 1
        self.one, self.zero = z3.BitVecVal(1, self.width), z3.BitVecVal(0, self.width)

    def lift(self, x: Expr, width: int | None = None) -> Any:
        """A Python bool or int as a Z3 value of the encoding's sorts."""
        if isinstance(x, bool):
            return z3.BoolVal(x)
        return z3.BitVecVal(x, width or self.width) if isinstance(x, int) else x

    def count(self, b: Expr) -> Any:
        """1 if b else 0."""
        return z3.If(b, self.one, self.zero)

    # -- state variables -----------------------------------------------------------------------
    def keys(self) -> list[Key]:
        """Every state variable's key, e.g. ``("ct", i)``, ``("lt", i, slot)``, ``("cnt", message index)``."""
        S, slots = range(self.n), range(self.L + 1)
        out: list[Key] = []
        for i in S:
            out += [("ct", i), ("st", i), ("vf", i), ("ci", i), ("len", i)]
            out += [(f, i, k) for k in slots for f in ("lt", "lv")]
            out += [(f, i, j) for j in S for f in ("vr", "vg", "ni", "mi")]
        return out + [("cnt", u) for u in range(len(self.universe))]

    def state(self, k: int) -> dict[Key, Any]:
        """Fresh Z3 constants for the state after k steps."""
        out: dict[Key, Any] = {}
        for key in self.keys():
            name = f"{key[0]}{list(key[1:])}@{k}"
            out[key] = z3.Bool(name) if key[0] in ("vr", "vg") else z3.BitVec(name, self.width)
        return out

    def init(self, s: dict[Key, Any]) -> z3.BoolRef:
        """Init: followers in term 1, no vote, empty logs, nextIndex 1, matchIndex 0, no messages."""
        start = {"ct": 1, "st": FOLLOWER, "vf": NIL, "ci": 0, "len": 0, "lt": 0, "lv": 0, "ni": 1, "mi": 0, "cnt": 0}
        return z3.And([v == False if k[0] in ("vr", "vg") else v == start[k[0]] for k, v in s.items()])  # noqa: E712

    def constraint(self, s: dict[Key, Any]) -> z3.BoolRef:
        """The spec's state constraint: MaxInFlight, MaxCopies, MaxTerm, MaxLogLen."""
        spec, S, cnt = self.spec, range(self.n), range(len(self.universe))
        return z3.And(
            # counted in the wide sort: a narrow sum of many messages could wrap around
            z3.Sum([z3.If(s["cnt", u] > 0, self.lift(1, self.iwidth), self.lift(0, self.iwidth)) for u in cnt])
            <= spec.MaxInFlight,
            *[s["cnt", u] <= spec.MaxCopies for u in cnt],
            *[s["ct", i] <= self.T for i in S],
            *[s["len", i] <= self.L for i in S],
        )

    # -- helpers ---------------------------------------------------------------------------------
    def entry(self, s: dict[Key, Any], i: int, index: Expr, f: str = "lt") -> Expr:
        """log[i][index].term (or .value with f="lv") for a 1-based index; 0 past the slots."""
        if isinstance(index, int):
            return s[f, i, index - 1] if 1 <= index <= self.L + 1 else 0
        out: Expr = self.zero
        for k in range(self.L, -1, -1):
            out = z3.If(index == k + 1, s[f, i, k], out)
        return out

    def last_term(self, s: dict[Key, Any], i: int) -> Expr:
        """LastTerm(log[i])."""
        return z3.If(s["len", i] == 0, 0, self.entry(s, i, s["len", i]))

    def append(self, s: dict[Key, Any], i: int, term: Expr, value: Expr, when: Expr = True) -> dict[Key, Expr]:
        """log[i] := Append(log[i], [term, value]) (when ``when`` holds)."""
        out: dict[Key, Expr] = {("len", i): z3.If(when, s["len", i] + 1, s["len", i])}
        for k in range(self.L + 1):
            at = z3.And(when, s["len", i] == k)
            out["lt", i, k] = z3.If(at, term, s["lt", i, k])
            out["lv", i, k] = z3.If(at, value, s["lv", i, k])
        return out

    def truncate(self, s: dict[Key, Any], i: int, length: Expr, when: Expr = True) -> dict[Key, Expr]:
        """log[i] := SubSeq(log[i], 1, length) for length <= Len(log[i]) (when ``when`` holds)."""
        out: dict[Key, Expr] = {("len", i): z3.If(when, length, s["len", i])}
        for k in range(self.L + 1):
            cut = z3.And(when, k >= length)
            out["lt", i, k] = z3.If(cut, 0, s["lt", i, k])
            out["lv", i, k] = z3.If(cut, 0, s["lv", i, k])
        return out

    def send(self, kind: int, i: int, j: int, term: Expr, *rest: Expr, when: Expr = True) -> dict[Key, Expr]:
        """The step sends message (kind, i, j, term, rest...) (when ``when`` holds)."""
        vals = (kind, i, j, term, *rest, *(0,) * (4 - len(rest)))
        out = {("out", f): v for f, v in zip(OUT, vals)}
        if when is not True:
            out["out", "kind"] = z3.If(when, self.lift(kind), NONE)
        return out

    def consume(self, m: Message, when: Expr = True) -> dict[Key, Expr]:
        """The step removes one copy of m (when ``when`` holds)."""
        u = self.universe.index[m]
        return {("in",): u if when is True else z3.If(when, self.lift(u, self.iwidth), -1)}

    def quorum(self, members: Sequence[Expr]) -> z3.BoolRef:
        """A strict majority of the servers are among ``members`` (Bool per server)."""
        return z3.Sum([self.count(b) for b in members]) * 2 > self.n

    # -- variant hooks (spec/raft.py's overridable rules) ------------------------------------------
    def vote_log_ok(self, s: dict[Key, Any], i: int, mlastLogTerm: int, mlastLogIndex: int) -> Expr:
        """The candidate's log is at least as up-to-date as i's."""
        last = self.last_term(s, i)
        return z3.Or(mlastLogTerm > last, z3.And(mlastLogTerm == last, mlastLogIndex >= s["len", i]))

    def vote_response_term_ok(self, mterm: int, ct: Expr) -> Expr:
        """Only votes of the current term count."""
        return ct == mterm

    def append_term_ok(self, mterm: int, ct: Expr) -> Expr:
        """A follower accepts requests of its current term only."""
        return ct == mterm

    def commit_term_ok(self, entry_term: Expr, ct: Expr) -> Expr:
        """Leaders count replicas only of their own term."""
        return entry_term == ct

    def leader_commit_for(self, ci: Expr, last_entry: Expr) -> Expr:
        """mcommitIndex = Min({commitIndex[i], lastEntry})."""
        return z3.If(ci < last_entry, ci, last_entry)

    def acked_index(self, s: dict[Key, Any], i: int, mmatchIndex: int) -> Expr:
        """matchIndex' of a successful response: m.mmatchIndex."""
        return mmatchIndex

    def matched_log(self, s: dict[Key, Any], i: int, last_index: int, when: Expr) -> dict[Key, Expr]:
        """The log after a request it already holds: unchanged."""
        return {}

    def restart_extra(self, s: dict[Key, Any], i: int) -> dict[Key, Expr]:
        """What Restart loses besides the volatile state: nothing (currentTerm, votedFor, log persist)."""
        return {}

    # -- the actions -------------------------------------------------------------------------------
    def instances(self, s: dict[Key, Any]) -> list[Instance]:
        """Every action instance of Next from state s, in a fixed order (the same labels for every step)."""
        S = range(self.n)
        out: list[Instance] = []
        for i in S:
            w: dict[Key, Expr] = {("st", i): FOLLOWER, ("ci", i): 0}
            for j in S:
                w |= {("vr", i, j): False, ("vg", i, j): False, ("ni", i, j): 1, ("mi", i, j): 0}
            out.append(Instance(Label("Restart", (i,)), True, w | self.restart_extra(s, i)))
        for i in S:
            w = {("st", i): CANDIDATE, ("ct", i): s["ct", i] + 1, ("vf", i): NIL}
            w |= {(f, i, j): False for j in S for f in ("vr", "vg")}
            out.append(Instance(Label("Timeout", (i,)), s["st", i] != LEADER, w))
        for i in S:
            for j in S:
                msg = self.send(RequestVoteRequest, i, j, s["ct", i], self.last_term(s, i), s["len", i])
                guard = z3.And(s["st", i] == CANDIDATE, z3.Not(s["vr", i, j]))
                out.append(Instance(Label("RequestVote", (i, j)), guard, msg))
        for i in S:
            guard = z3.And(s["st", i] == CANDIDATE, self.quorum([s["vg", i, j] for j in S]))
            w = {("st", i): LEADER}
            w |= {(f, i, j): v for j in S for f, v in (("ni", s["len", i] + 1), ("mi", 0))}
            out.append(Instance(Label("BecomeLeader", (i,)), guard, w))
        for i in S:
            for v in self.spec.Value:
                w = self.append(s, i, s["ct", i], v)
                out.append(Instance(Label("ClientRequest", (i, v)), s["st", i] == LEADER, w))
        for i in S:
            commit = {("ci", i): self._commit(s, i)}
            out.append(Instance(Label("AdvanceCommitIndex", (i,)), s["st", i] == LEADER, commit))
        for i in S:
            for j in S:
                if i != j:
                    out.append(self._append_entries(s, i, j))
        for m in self.universe.messages:
            out += self._handlers(s, m)
        for m in self.universe.messages:
            has = s["cnt", self.universe.index[m]] > 0
            kind, src, dst, term, *rest = self.universe.fields_of(m)
            out.append(Instance(Label("DuplicateMessage", (m,)), has, self.send(kind, src, dst, term, *rest)))
            out.append(Instance(Label("DropMessage", (m,)), has, self.consume(m)))
        if self._labels is None:
            self._labels = [x.label for x in out]
        return out

    def _commit(self, s: dict[Key, Any], i: int) -> Expr:
        """AdvanceCommitIndex's new commitIndex: the highest index a quorum stores, if of i's term."""
        new: Expr = s["ci", i]
        for index in range(1, self.L + 1):  # built bottom-up so the highest index is tested first
            agree = [True if k == i else s["mi", i, k] >= index for k in range(self.n)]
            ok = self.commit_term_ok(self.entry(s, i, index), s["ct", i])
            new = z3.If(z3.And(index <= s["len", i], self.quorum(agree)), z3.If(ok, index, s["ci", i]), new)
        return new

    def _append_entries(self, s: dict[Key, Any], i: int, j: int) -> Instance:
        """Leader i sends j an AppendEntries request with at most one entry."""
        nxt, ln = s["ni", i, j], s["len", i]
        prev = nxt - 1
        has_entry = nxt <= ln
        u = self.universe
        code = z3.If(has_entry, 1 + (self.entry(s, i, nxt) - 1) * u.values + self.entry(s, i, nxt, "lv"), 0)
        last_entry = z3.If(ln < nxt, ln, nxt)
        msg = self.send(
            AppendEntriesRequest,
            i,
            j,
            s["ct", i],
            prev,
            z3.If(prev > 0, self.entry(s, i, prev), 0),
            code,
            self.leader_commit_for(s["ci", i], last_entry),
        )
        # spec/raft.py reads log[i][prevLogIndex] and would fail past the log; nextIndex <= Len + 1 always.
        guard = z3.And(s["st", i] == LEADER, nxt <= ln + 1)
        return Instance(Label("AppendEntries", (i, j)), guard, msg)

    def _handlers(self, s: dict[Key, Any], m: Message) -> list[Instance]:
        """The message handlers (i = recipient, j = sender) that may take m."""
        kind, j, i, mterm = m[:4]
        ct = s["ct", i]
        has = s["cnt", self.universe.index[m]] > 0
        params = (i, j, m)
        out = [
            Instance(
                Label("UpdateTerm", params),
                z3.And(has, mterm > ct),
                {("ct", i): mterm, ("st", i): FOLLOWER, ("vf", i): NIL},
            )
        ]
        if kind in (RequestVoteResponse, AppendEntriesResponse):
            out.append(Instance(Label("DropStaleResponse", params), z3.And(has, mterm < ct), self.consume(m)))
        if kind == RequestVoteRequest:
            vf = s["vf", i]
            grant = z3.And(mterm == ct, self.vote_log_ok(s, i, m[4], m[5]), z3.Or(vf == NIL, vf == j))
            w: dict[Key, Expr] = {("vf", i): z3.If(grant, j, vf)}
            w |= self.send(RequestVoteResponse, i, j, ct, self.count(grant)) | self.consume(m)
            out.append(Instance(Label("HandleRequestVoteRequest", params), z3.And(has, mterm <= ct), w))
        elif kind == RequestVoteResponse:
            w = {("vr", i, j): True} | self.consume(m)
            if m[4]:
                w["vg", i, j] = True
            guard = z3.And(has, self.vote_response_term_ok(mterm, ct))
            out.append(Instance(Label("HandleRequestVoteResponse", params), guard, w))
        elif kind == AppendEntriesRequest:
            out.append(self._handle_append_entries_request(s, m))
        else:
            w = self.consume(m)
            if m[4]:
                w |= {("ni", i, j): m[5] + 1, ("mi", i, j): self.acked_index(s, i, m[5])}
            else:
                ni = s["ni", i, j]
                w["ni", i, j] = z3.If(ni - 1 > 1, ni - 1, 1)
            out.append(Instance(Label("HandleAppendEntriesResponse", params), z3.And(has, mterm == ct), w))
        return out

    def _handle_append_entries_request(self, s: dict[Key, Any], m: Message) -> Instance:
        """i handles j's AppendEntries request: reject, step down, or accept (done / conflict / append)."""
        _, j, i, mterm, prev_index, prev_term, entries, _, mcommit = m
        ct, st, ln = s["ct", i], s["st", i], s["len", i]
        log_ok = True if prev_index == 0 else z3.And(prev_index <= ln, self.entry(s, i, prev_index) == prev_term)
        reject = z3.Or(z3.Not(self.append_term_ok(mterm, ct)), z3.And(st == FOLLOWER, z3.Not(log_ok)))
        accept = z3.And(z3.Not(reject), st == FOLLOWER)
        index = prev_index + 1
        done = z3.And(accept, ln >= index, self.entry(s, i, index) == entries[0][0]) if entries else accept
        conflict = z3.And(accept, z3.Not(done), ln >= index)
        append = z3.And(accept, z3.Not(done), z3.Not(conflict))
        guard = z3.And(
            s["cnt", self.universe.index[m]] > 0,
            mterm <= ct,
            z3.Or(reject, st != LEADER),  # a leader never handles a request of its own term
            z3.Implies(append, ln == prev_index),
        )
        last = prev_index + len(entries)
        w: dict[Key, Expr] = {("st", i): z3.If(z3.And(z3.Not(reject), st == CANDIDATE), FOLLOWER, st)}
        w["ci", i] = z3.If(done, mcommit, s["ci", i])
        log = self.matched_log(s, i, last, done)
        if entries:
            grown = self.append(s, i, entries[0][0], entries[0][1], append)
            cut = self.truncate(s, i, ln - 1, conflict)
            for key in grown:
                # at most one of done / conflict / append holds
                w[key] = z3.If(conflict, cut[key], z3.If(append, grown[key], log.get(key, s[key])))
        else:
            w |= log
        reply = z3.Or(reject, done)
        success = self.count(z3.Not(reject))
        w |= self.send(AppendEntriesResponse, i, j, ct, success, z3.If(reject, self.zero, last), when=reply)
        w |= self.consume(m, reply)
        return Instance(Label("HandleAppendEntriesRequest", (i, j, m)), guard, w)

    # -- one step ----------------------------------------------------------------------------------
    def frame(self, key: Key, post: Any, value: Expr) -> z3.BoolRef:
        """post-state variable ``key`` equals ``value`` (its if-then-else chain over the writers)."""
        return post == value

    def step(self, s: dict[Key, Any], t: dict[Key, Any], k: int) -> tuple[z3.BoolRef, z3.BitVecRef, z3.BoolRef]:
        """Next from s to t as step k: (the formula, the Int choosing the instance, 'the sent message escaped')."""
        insts = self.instances(s)
        act = z3.BitVec(f"act@{k}", self.iwidth)
        assert len(insts) < 2 ** (self.iwidth - 1), "instance index would overflow its bit-vector"
        parts: list[z3.BoolRef] = [act >= 0, act < len(insts)]
        writers: dict[Key, list[tuple[int, Expr]]] = {}
        for a, inst in enumerate(insts):
            if inst.guard is not True:
                parts.append(z3.Implies(act == a, inst.guard))
            for key, val in inst.writes.items():
                writers.setdefault(key, []).append((a, val))

        def chain(key: Key, default: Expr) -> Expr:
            width = self.iwidth if key == ("in",) else self.width
            out = self.lift(default, width)
            for a, val in reversed(writers.get(key, [])):
                out = z3.If(act == a, self.lift(val, width), out)
            return out

        out = {f: z3.BitVec(f"out.{f}@{k}", self.width) for f in OUT}
        inn = z3.BitVec(f"in@{k}", self.iwidth)
        parts += [out[f] == chain(("out", f), NONE if f == "kind" else 0) for f in OUT]
        parts.append(inn == chain(("in",), -1))
        matches = []
        for key, post in t.items():
            if key[0] == "cnt":
                fs = self.universe.fields[key[1]]
                match = z3.And([out[f] == v for f, v in zip(OUT, fs)])
                matches.append(match)
                value = s[key] + self.count(match) - self.count(inn == key[1])
            else:
                value = chain(key, s[key])
            parts.append(self.frame(key, post, value))
        escape = z3.And(out["kind"] != NONE, z3.Not(z3.Or(matches)))
        return z3.And(parts), act, escape

    def labels(self) -> list[Label]:
        """The instance labels, indexed by the value of ``act@k``."""
        if self._labels is None:
            self.instances(self.state(-1))
        assert self._labels is not None
        return self._labels

    # -- invariants --------------------------------------------------------------------------------
    def violations(self, s: dict[Key, Any]) -> dict[str, z3.BoolRef]:
        """For each state invariant of spec/raft.py, 'state s violates it'."""
        S, slots = range(self.n), range(self.L + 1)

        def differ(a: int, b: int, p: int) -> z3.BoolRef:
            return z3.Or(s["lt", a, p] != s["lt", b, p], s["lv", a, p] != s["lv", b, p])

        def upto(limit: Expr, a: int, b: int) -> z3.BoolRef:  # log[a][..limit] # log[b][..limit]
            return z3.Or([z3.And(p < limit, differ(a, b, p)) for p in slots])

        def lo(x: Expr, y: Expr) -> Expr:
            return z3.If(x < y, x, y)

        pairs = [(a, b) for a in S for b in S if a < b]
        both_leaders = [z3.And(s["st", a] == LEADER, s["st", b] == LEADER, s["ct", a] == s["ct", b]) for a, b in pairs]
        matching = [
            z3.And(p + 1 <= s["len", a], p + 1 <= s["len", b], s["lt", a, p] == s["lt", b, p], upto(p + 1, a, b))
            for a, b in pairs
            for p in slots
        ]
        complete = []
        for i in S:
            for j in S:
                if i != j:
                    c = lo(s["ci", j], s["len", j])
                    complete.append(z3.And(s["st", i] == LEADER, c > 0, s["ct", j] <= s["ct", i], upto(c, i, j)))
        machine = [upto(lo(lo(s["ci", a], s["len", a]), lo(s["ci", b], s["len", b])), a, b) for a, b in pairs]
        return {
            "OneLeaderPerTerm": z3.Or(both_leaders),
            "LogMatching": z3.Or(matching),
            "LeaderCompleteness": z3.Or(complete),
            "StateMachineSafety": z3.Or(machine),
        }

    # -- reading a model back ----------------------------------------------------------------------
    def read(self, model: z3.ModelRef, s: dict[Key, Any]) -> RaftState:
        """The spec state (history-free) that the model gives s."""

        def val(key: Key) -> Any:
            v = model.eval(s[key], model_completion=True)
            return z3.is_true(v) if z3.is_bool(v) else v.as_signed_long()

        S = range(self.n)
        logs = tuple(tuple((val(("lt", i, k)), val(("lv", i, k))) for k in range(val(("len", i)))) for i in S)
        bag = frozenset((m, c) for u, m in enumerate(self.universe.messages) if (c := val(("cnt", u))) > 0)
        return RaftState(
            messages=bag,
            elections=EMPTY,
            allLogs=EMPTY,
            currentTerm=tuple(val(("ct", i)) for i in S),
            state=tuple(val(("st", i)) for i in S),
            votedFor=tuple(val(("vf", i)) for i in S),
            log=logs,
            commitIndex=tuple(val(("ci", i)) for i in S),
            votesResponded=tuple(frozenset(j for j in S if val(("vr", i, j))) for i in S),
            votesGranted=tuple(frozenset(j for j in S if val(("vg", i, j))) for i in S),
            voterLog=(EMPTY,) * self.n,
            nextIndex=tuple(tuple(val(("ni", i, j)) for j in S) for i in S),
            matchIndex=tuple(tuple(val(("mi", i, j)) for j in S) for i in S),
        )
