r"""ParallelRaftSE.tla (Gu, Wei, Huang; HappyCS-Gu/Parallel-Raft-tla, listed in tlaplus/Examples) as a paxraft spec.

A new user's spec (notes newuser19, 2026-12-06), written from README.md and docs/ only, beside the TLA+ TLC ran
(tests/user_specs/ParallelRaft/: the spec and MultiPaxos.tla unmodified, MCParallelRaftSE.tla and its cfgs).
ParallelRaft-SE is the sequential-execution ParallelRaft of PolarFS: a candidate's vote requests (round 1) carry
back every voter's whole log, the new leader merges them per index (a committed entry wins, else the one with the
highest term), then syncs (round 2) and commits (round 3) entries index by index. Messages are sets that only
grow; a server may restart (back to Follower, keeping everything) at any time.

The TLA+ has Term == Nat and Index == 0..6; the model here is MCParallelRaftSE's: terms 0..MAX (`--max-term`;
Timeout may still step to MAX + 1, a state TLC's CONSTRAINT TermBound counts but does not expand, as
`constraint` here), indexes 0..MAX (`--max-index`), servers s1..sN (`--servers`), values v1..vK (`--values`).

    paxraft check tests/user_specs/parallel_raft.py:ParallelRaftSE                # MCParallelRaftSE.cfg 1,411/22,420/19
    paxraft check tests/user_specs/parallel_raft.py:ParallelRaftSE --max-index 1  # 65,359 / 1,811,212 / 29
    paxraft refine tests/user_specs/parallel_raft.py:ParallelRaftSE MultiPaxos    # A == INSTANCE MultiPaxos

The spec's own `Inv` is its TypeInv, whose `SUBSET logEntries` TLC cannot enumerate at any useful size; the
invariants are MCParallelRaftSE's Consistency (committed entries agree) and OneLeaderPerTerm. Its theorem
`Spec => A!Spec`, A the MultiPaxos.tla beside it, is the `@refines(MultiPaxos)` below (TLC: MCParallelRaftSERefine.cfg,
PROPERTY A!Spec holds). The variant `own-term-vote`
lets a server grant a vote request of its own term and record nothing (Raft without votedFor): two leaders in
term 1, TLC's 10 steps (MCParallelRaftSEOwnTermVote.cfg).
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any, NamedTuple

from spec.core import Label, MscEvent, Spec, SpecError, action, invariant, refines, restriction

NIL = -1  # the model value Nil (and a log entry's term -1)
FOLLOWER, CANDIDATE, LEADER_CANDIDATE, LEADER = range(4)
STATE_NAMES = ("Follower", "Candidate", "LeaderCandidate", "Leader")
Entry = tuple[int, int, bool]  # <<term, value, committed>>
EMPTY: Entry = (-1, NIL, False)  # <<-1, Nil, FALSE>>
Log = tuple[Entry, ...]  # log[i] \in [Index -> allEntries]


def at(t: tuple, k: int, x: Any) -> tuple:
    """[t EXCEPT ![k] = x] for a tuple indexed from 0."""
    return t[:k] + (x,) + t[k + 1 :]


def server_name(i: int) -> str:
    return f"s{i + 1}"


def value_name(v: int) -> str:
    return "Nil" if v == NIL else f"v{v + 1}"


def show_entry(e: Entry) -> str:
    return f"<<{e[0]}, {value_name(e[1])}, {'TRUE' if e[2] else 'FALSE'}>>"


def majorities(n: int) -> tuple[tuple[int, ...], ...]:
    """Quorums == {i \\in SUBSET(Server) : Cardinality(i)*2 > Cardinality(Server)}"""
    return tuple(q for k in range(n + 1) if 2 * k > n for q in combinations(range(n), k))


class PRState(NamedTuple):
    r1amsgs: frozenset[tuple[int, int]]  # <<term, candidate>>
    r1bmsgs: frozenset[tuple[int, Log, int, int]]  # <<term, {<<n, log[i][n]>> : n \in Index}, voter, candidate>>
    r2amsgs: frozenset[tuple[int, int, Entry, int]]  # <<term, index, entry, leader>>
    r2bmsgs: frozenset[tuple[int, int, int, int]]  # <<term, index, follower, leader>>
    r3amsgs: frozenset[tuple[int, int, int]]  # <<term, index, leader>>
    negMsgs: frozenset[tuple[int, int]]  # <<currentTerm of the refuser, the refused>>
    currentTerm: tuple[int, ...]
    currentState: tuple[int, ...]
    vote: tuple[tuple[tuple[int, ...], ...], ...]  # vote[i][n][t]: the value i accepted at index n in term t
    leaderLog: tuple[Log, ...]  # leaderLog[t]: the log of term t's leader
    log: tuple[Log, ...]


class ParallelRaftSE(Spec):
    """ParallelRaft-SE (PolarFS's ParallelRaft without out-of-order execution); refines MultiPaxos."""

    variables = PRState._fields

    def __init__(
        self,
        servers: Annotated[int, "number of servers (Server = s1..sN)"] = 3,
        values: Annotated[int, "number of values (Value = v1..vK)"] = 1,
        max_term: Annotated[int, "largest term expanded (Term = 0..MAX, CONSTRAINT TermBound)"] = 1,
        max_index: Annotated[int, "largest log index (Index = 0..MAX)"] = 0,
    ) -> None:
        if servers < 1 or values < 1:
            raise SpecError("--servers and --values must be at least 1")
        self.Server = tuple(range(servers))
        self.Value = tuple(range(values))
        self.Term = tuple(range(max_term + 1))
        self.Index = tuple(range(max_index + 1))
        self.Quorums = majorities(servers)
        super().__init__()

    def init_states(self) -> list[PRState]:
        n, empty_log = len(self.Server), (EMPTY,) * len(self.Index)
        no_votes = tuple((NIL,) * len(self.Term) for _ in self.Index)
        return [
            PRState(
                frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), frozenset(),
                (0,) * n, (FOLLOWER,) * n, (no_votes,) * n,
                (empty_log,) * len(self.Term), (empty_log,) * n,
            )
        ]  # fmt: skip

    def constraint(self, s: PRState) -> bool:
        """TermBound == \\A i \\in Server : currentTerm[i] <= MaxTerm"""
        return all(t <= self.Term[-1] for t in s.currentTerm)

    def each_server(self, s: PRState) -> list[tuple[int]]:
        return [(i,) for i in self.Server]

    @staticmethod
    def update_term(s: PRState, i: int, b: int) -> PRState | None:
        """UpdateTerm(i, b): currentTerm[i] < b, and i becomes a Follower of term b."""
        if not s.currentTerm[i] < b:
            return None
        return s._replace(currentTerm=at(s.currentTerm, i, b), currentState=at(s.currentState, i, FOLLOWER))

    @action(each_server)
    def Restart(self, s: PRState, i: int) -> PRState | None:
        return s._replace(currentState=at(s.currentState, i, FOLLOWER))

    @restriction("restart-leaders", action="Restart")
    def only_leaders_restart(self, s: PRState, i: int) -> bool:
        """Only a LeaderCandidate or Leader restarts (a Follower's Restart is a stutter)."""
        return s.currentState[i] in (LEADER_CANDIDATE, LEADER)

    @action(each_server)
    def Timeout(self, s: PRState, i: int) -> PRState | None:
        if s.currentState[i] not in (FOLLOWER, CANDIDATE):
            return None
        return s._replace(
            currentTerm=at(s.currentTerm, i, s.currentTerm[i] + 1), currentState=at(s.currentState, i, CANDIDATE)
        )

    # -- \E m \in negMsgs : m[1] > currentTerm[i] /\ m[2] = i /\ UpdateTerm(i, m[1]); t is m[1]
    @action(lambda self, s: [(i, t) for t, i in s.negMsgs])
    def ReceiveHighTerm(self, s: PRState, i: int, t: int) -> PRState | None:
        if (t, i) not in s.negMsgs or not t > s.currentTerm[i]:
            return None
        return self.update_term(s, i, t)

    @action(each_server)
    def RequestVote(self, s: PRState, i: int) -> PRState | None:
        if s.currentState[i] != CANDIDATE:
            return None
        return s._replace(r1amsgs=s.r1amsgs | {(s.currentTerm[i], i)})

    def grants_vote(self, s: PRState, i: int, t: int) -> bool:
        """grant == m[1] > currentTerm[i]"""
        return t > s.currentTerm[i]

    def vote_term(self, s: PRState, i: int, t: int) -> PRState | None:
        """The grant disjunct's UpdateTerm(i, m[1])."""
        return self.update_term(s, i, t)

    # -- i is the recipient of m = <<t, j>> \in r1amsgs
    @action(lambda self, s: [(i, t, j) for i in self.Server for t, j in s.r1amsgs])
    def HandleRequestVoteRequest(self, s: PRState, i: int, t: int, j: int) -> PRState | None:
        if (t, j) not in s.r1amsgs:
            return None
        if self.grants_vote(s, i, t):
            u = self.vote_term(s, i, t)
            return None if u is None else u._replace(r1bmsgs=s.r1bmsgs | {(t, s.log[i], i, j)})
        return s._replace(negMsgs=s.negMsgs | {(s.currentTerm[i], j)})

    @staticmethod
    def merge(entries: set[Entry], term: int, v: int) -> Entry:
        """Merge(entries, term, v): a committed entry if any, else one of the highest term; its value, or v.

        CHOOSE takes the first in TLC's order of values (a tuple's by its elements), so min() here; every entry
        this picks among agrees on the value in this spec (one leader per term), which is all Merge keeps."""
        committed = [e for e in entries if e[2]]
        if committed:
            chosen = min(committed)
        else:
            top = max(e[0] for e in entries)
            chosen = min(e for e in entries if e[0] == top)
        return (term, v if chosen[1] == NIL else chosen[1], chosen[2])

    # -- one step per witness Q of \E Q \in Quorums and v of \E v \in Value
    @action(lambda self, s: [(i, Q, v) for i in self.Server for Q in self.Quorums for v in self.Value])
    def BecomeLeaderCandidate(self, s: PRState, i: int, Q: tuple[int, ...], v: int) -> PRState | None:
        if s.currentState[i] != CANDIDATE:
            return None
        t = s.currentTerm[i]
        granted = [m for m in s.r1bmsgs if m[3] == i and m[2] in Q and m[0] == t]
        if {m[2] for m in granted} != set(Q):
            return None
        valid = [n for m in granted for n in self.Index if m[1][n][0] != -1]
        end = max(valid, default=-1)
        merged = tuple(self.merge({m[1][n] for m in granted}, t, v) if n <= end else EMPTY for n in self.Index)
        return s._replace(leaderLog=at(s.leaderLog, t, merged), currentState=at(s.currentState, i, LEADER_CANDIDATE))

    # -- \E i, j \in Server : RequestSync(i): j is unused, and TLC takes the step once per j
    @action(lambda self, s: [(i, j, n) for i in self.Server for j in self.Server for n in self.Index])
    def RequestSync(self, s: PRState, i: int, j: int, n: int) -> PRState | None:
        if s.currentState[i] not in (LEADER_CANDIDATE, LEADER):
            return None
        t = s.currentTerm[i]
        e = s.leaderLog[t][n]
        if e[0] == -1:
            return None
        return s._replace(r2amsgs=s.r2amsgs | {(t, n, e, i)})

    @action(lambda self, s: [(i,) + m for i in self.Server for m in s.r2amsgs])
    def HandleRequestSyncRequest(self, s: PRState, i: int, t: int, n: int, e: Entry, j: int) -> PRState | None:
        if (t, n, e, j) not in s.r2amsgs:
            return None
        if t >= s.currentTerm[i]:  # grant
            u = self.update_term(s, i, t) or s
            votes = at(s.vote[i], n, at(s.vote[i][n], t, e[1]))
            return u._replace(
                log=at(s.log, i, at(s.log[i], n, e)), vote=at(s.vote, i, votes), r2bmsgs=s.r2bmsgs | {(t, n, i, j)}
            )
        return s._replace(negMsgs=s.negMsgs | {(s.currentTerm[i], j)})

    # -- one step per witness of \E index \in Index, Q \in Quorums
    @action(lambda self, s: [(i, n, Q) for i in self.Server for n in self.Index for Q in self.Quorums])
    def CommitEntry(self, s: PRState, i: int, n: int, Q: tuple[int, ...]) -> PRState | None:
        if s.currentState[i] not in (LEADER, LEADER_CANDIDATE):
            return None
        t = s.currentTerm[i]
        if not all((t, n, q, i) in s.r2bmsgs for q in Q):
            return None
        e = s.leaderLog[t][n]
        return s._replace(leaderLog=at(s.leaderLog, t, at(s.leaderLog[t], n, (e[0], e[1], True))))

    @action(lambda self, s: [(i, j, n) for i in self.Server for j in self.Server for n in self.Index])
    def RequestCommit(self, s: PRState, i: int, j: int, n: int) -> PRState | None:
        if s.currentState[i] not in (LEADER, LEADER_CANDIDATE):
            return None
        t = s.currentTerm[i]
        if not s.leaderLog[t][n][2]:
            return None
        return s._replace(r3amsgs=s.r3amsgs | {(t, n, i)})

    # -- its UpdateTerm disjunct contradicts the action's UNCHANGED serverVars: only m[1] <= currentTerm[i] steps
    @action(lambda self, s: [(i,) + m for i in self.Server for m in s.r3amsgs])
    def HandleRequestCommitRequest(self, s: PRState, i: int, t: int, n: int, j: int) -> PRState | None:
        if (t, n, j) not in s.r3amsgs or t > s.currentTerm[i]:
            return None
        if t == s.currentTerm[i]:  # grant
            e = s.log[i][n]
            if e[0] != t:
                return None
            return s._replace(log=at(s.log, i, at(s.log[i], n, (e[0], e[1], True))))
        return s._replace(negMsgs=s.negMsgs | {(s.currentTerm[i], j)})

    @action(each_server)
    def BecomeLeader(self, s: PRState, i: int) -> PRState | None:
        if s.currentState[i] != LEADER_CANDIDATE:
            return None
        return s._replace(currentState=at(s.currentState, i, LEADER))

    @action(lambda self, s: [(i, v) for i in self.Server for v in self.Value])
    def ClientRequest(self, s: PRState, i: int, v: int) -> PRState | None:
        if s.currentState[i] != LEADER:
            return None
        t = s.currentTerm[i]
        nxt = max((n for n in self.Index if s.leaderLog[t][n][0] != -1), default=-1) + 1
        if nxt not in self.Index:
            return None
        return s._replace(leaderLog=at(s.leaderLog, t, at(s.leaderLog[t], nxt, (t, v, False))))

    # -- MCParallelRaftSE's invariants
    @invariant
    def Consistency(self, s: PRState) -> bool:
        """\\A i, j \\in Server, n \\in Index : log[i][n][3] /\\ log[j][n][3] => log[i][n][2] = log[j][n][2]"""
        for n in self.Index:
            committed = {log[n][1] for log in s.log if log[n][2]}
            if len(committed) > 1:
                return False
        return True

    @invariant
    def OneLeaderPerTerm(self, s: PRState) -> bool:
        """No two servers are LeaderCandidate or Leader in one term."""
        terms = [t for t, st in zip(s.currentTerm, s.currentState) if st in (LEADER, LEADER_CANDIDATE)]
        return len(terms) == len(set(terms))

    # -- the refinement mapping of ParallelRaftSE.tla's last section, to A == INSTANCE MultiPaxos
    @refines("MultiPaxos")
    def as_multipaxos(self) -> tuple[MultiPaxos, Any]:
        """MultiPaxos over Acceptors == Server and Instances == Index; its ballots go one term further (0..MAX+1),
        as Timeout may step there (a step `refine` checks, into a state it does not expand)."""
        mp = MultiPaxos(len(self.Server), len(self.Value), len(self.Term), len(self.Index) - 1)
        no_vote, no_entry = (NIL,), ((-1, NIL),) * len(self.Index)

        def mapping(s: PRState) -> MPState:
            return MPState(
                ballot=s.currentTerm,
                vote=tuple(tuple(votes + no_vote for votes in per_index) for per_index in s.vote),
                leaderVote=tuple(tuple((e[0], e[1]) for e in log) for log in s.leaderLog) + (no_entry,),
                m1a=frozenset(m[0] for m in s.r1amsgs),
                m1b=frozenset((m[0], tuple((e[0], e[1]) for e in m[1]), m[2]) for m in s.r1bmsgs),
                m2a=frozenset((m[0], m[1], (m[2][0], m[2][1])) for m in s.r2amsgs),
            )

        return mp, mapping

    # -- symmetry: the servers are interchangeable (MCParallelRaftSESym.cfg: SYMMETRY Permutations(Server))
    def symmetric_sets(self) -> dict[str, int]:
        return {"Server": len(self.Server)}

    def permute(self, s: PRState, perm: Any) -> PRState:
        p = perm["Server"]

        def per_server(xs: tuple) -> tuple:
            out: list[Any] = [None] * len(xs)
            for i, x in enumerate(xs):
                out[p[i]] = x
            return tuple(out)

        return PRState(
            frozenset((t, p[i]) for t, i in s.r1amsgs),
            frozenset((t, log, p[i], p[j]) for t, log, i, j in s.r1bmsgs),
            frozenset((t, n, e, p[i]) for t, n, e, i in s.r2amsgs),
            frozenset((t, n, p[i], p[j]) for t, n, i, j in s.r2bmsgs),
            frozenset((t, n, p[i]) for t, n, i in s.r3amsgs),
            frozenset((t, p[i]) for t, i in s.negMsgs),
            per_server(s.currentTerm),
            per_server(s.currentState),
            per_server(s.vote),
            s.leaderLog,
            per_server(s.log),
        )

    # -- reading
    def show_state(self, s: PRState) -> dict[str, Any]:
        def by_server(xs: tuple, f: Any = str) -> dict[str, Any]:
            return {server_name(i): f(x) for i, x in enumerate(xs)}

        def show_log(log: Log) -> str:
            return "<<" + ", ".join(show_entry(e) for e in log) + ">>"

        return {
            "r1amsgs": sorted(f"<<{t}, {server_name(i)}>>" for t, i in s.r1amsgs),
            "r1bmsgs": sorted(
                f"<<{t}, {show_log(log)}, {server_name(i)}, {server_name(j)}>>" for t, log, i, j in s.r1bmsgs
            ),
            "r2amsgs": sorted(f"<<{t}, {n}, {show_entry(e)}, {server_name(i)}>>" for t, n, e, i in s.r2amsgs),
            "r2bmsgs": sorted(f"<<{t}, {n}, {server_name(i)}, {server_name(j)}>>" for t, n, i, j in s.r2bmsgs),
            "r3amsgs": sorted(f"<<{t}, {n}, {server_name(i)}>>" for t, n, i in s.r3amsgs),
            "negMsgs": sorted(f"<<{t}, {server_name(i)}>>" for t, i in s.negMsgs),
            "currentTerm": by_server(s.currentTerm),
            "currentState": by_server(s.currentState, lambda x: STATE_NAMES[x]),
            "vote": by_server(s.vote, lambda per: {n: tuple(value_name(v) for v in ts) for n, ts in enumerate(per)}),
            "leaderLog": {t: show_log(log) for t, log in enumerate(s.leaderLog)},
            "log": by_server(s.log, show_log),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param in ("i", "j"):
            return server_name(value)
        if param == "Q":
            return "{" + ", ".join(server_name(q) for q in value) + "}"
        if param == "v":
            return value_name(value)
        if param == "e":
            return show_entry(value)
        return value

    # -- the message-sequence chart: every action is the step of its first parameter, a server
    def msc_nodes(self) -> list[str]:
        return [server_name(i) for i in self.Server]

    def msc_event(self, prev: PRState, label: Label, nxt: PRState) -> MscEvent:
        p, name = label.params, label.name
        got: tuple[str, ...] = ()
        if name == "HandleRequestVoteRequest":
            got = (f"1a(term {p[1]}) from {server_name(p[2])}",)
        elif name == "HandleRequestSyncRequest":
            got = (f"2a(term {p[1]}, index {p[2]})",)
        elif name == "HandleRequestCommitRequest":
            got = (f"3a(term {p[1]}, index {p[2]})",)
        elif name == "ReceiveHighTerm":
            got = (f"neg(term {p[1]})",)
        elif name == "BecomeLeaderCandidate":
            got = tuple(f"1b(term {nxt.currentTerm[p[0]]}) {server_name(q)} to {server_name(p[0])}" for q in p[1])
        sent: list[str] = []
        sent += [f"1a(term {t}) from {server_name(i)}" for t, i in sorted(nxt.r1amsgs - prev.r1amsgs)]
        sent += [
            f"1b(term {m[0]}) {server_name(m[2])} to {server_name(m[3])}" for m in sorted(nxt.r1bmsgs - prev.r1bmsgs)
        ]
        sent += [f"2a(term {m[0]}, index {m[1]})" for m in sorted(nxt.r2amsgs - prev.r2amsgs)]
        sent += [f"2b(term {m[0]}, index {m[1]})" for m in sorted(nxt.r2bmsgs - prev.r2bmsgs)]
        sent += [f"3a(term {m[0]}, index {m[1]})" for m in sorted(nxt.r3amsgs - prev.r3amsgs)]
        sent += [f"neg(term {m[0]})" for m in sorted(nxt.negMsgs - prev.negMsgs)]
        return MscEvent(server_name(p[0]), got, tuple(sent))


class OwnTermVote(ParallelRaftSE):
    """A server grants a vote request of its own term too and records nothing: two leaders in one term."""

    variant = "own-term-vote"
    rule = "HandleRequestVoteRequest grants m[1] >= currentTerm[i]; at its own term the voter stays what it was"
    breaks = "OneLeaderPerTerm"
    failing_bounds = {"servers": 3, "max_term": 1}
    trace_length = 10

    def grants_vote(self, s: PRState, i: int, t: int) -> bool:
        return t >= s.currentTerm[i]

    def vote_term(self, s: PRState, i: int, t: int) -> PRState | None:
        return self.update_term(s, i, t) if t > s.currentTerm[i] else s


# ---------------------------------------------------------------------------------------------------------------
# MultiPaxos.tla (the same repository): the abstract spec ParallelRaftSE refines.

MPEntry = tuple[int, int]  # <<ballot, value>>


class MPState(NamedTuple):
    ballot: tuple[int, ...]
    vote: tuple[tuple[tuple[int, ...], ...], ...]  # vote[a][i][b]
    leaderVote: tuple[tuple[MPEntry, ...], ...]  # leaderVote[b][i]
    m1a: frozenset[int]  # 1amsgs: <<b>>
    m1b: frozenset[tuple[int, tuple[MPEntry, ...], int]]  # 1bmsgs: <<b, {<<i, MaxAcceptorVote(a, i)>>}, a>>
    m2a: frozenset[tuple[int, int, MPEntry]]  # 2amsgs: <<b, i, <<bb, v>>>>


class MultiPaxos(Spec):
    """MultiPaxos.tla of Parallel-Raft-tla: Paxos per instance, with a leader's vote array per ballot."""

    variables = MPState._fields  # 1amsgs, 1bmsgs, 2amsgs are m1a, m1b, m2a

    def __init__(
        self,
        acceptors: Annotated[int, "number of acceptors (Acceptors = a1..aN)"] = 3,
        values: Annotated[int, "number of values (Value = v1..vK)"] = 1,
        max_ballot: Annotated[int, "largest ballot (Ballots = 0..MAX)"] = 1,
        max_instance: Annotated[int, "largest instance (Instances = 0..MAX)"] = 0,
    ) -> None:
        self.Acceptors = tuple(range(acceptors))
        self.Value = tuple(range(values))
        self.Ballots = tuple(range(max_ballot + 1))
        self.Instances = tuple(range(max_instance + 1))
        self.Quorums = majorities(acceptors)
        super().__init__()

    def init_states(self) -> list[MPState]:
        no_votes = tuple((NIL,) * len(self.Ballots) for _ in self.Instances)
        no_entry = ((-1, NIL),) * len(self.Instances)
        return [
            MPState(
                (0,) * len(self.Acceptors), (no_votes,) * len(self.Acceptors), (no_entry,) * len(self.Ballots),
                frozenset(), frozenset(), frozenset(),
            )
        ]  # fmt: skip

    @action(lambda self, s: [(a, b) for a in self.Acceptors for b in self.Ballots])
    def IncreaseBallot(self, s: MPState, a: int, b: int) -> MPState | None:
        if not s.ballot[a] < b:
            return None
        return s._replace(ballot=at(s.ballot, a, b))

    @action(lambda self, s: [(b,) for b in self.Ballots])
    def Phase1a(self, s: MPState, b: int) -> MPState | None:
        return s._replace(m1a=s.m1a | {b})

    def max_acceptor_vote(self, s: MPState, a: int, i: int) -> MPEntry:
        top = max([b for b in self.Ballots if s.vote[a][i][b] != NIL], default=-1)
        return (top, s.vote[a][i][top] if top > -1 else NIL)

    @action(lambda self, s: [(a, b) for a in self.Acceptors for b in self.Ballots])
    def Phase1b(self, s: MPState, a: int, b: int) -> MPState | None:
        if not s.ballot[a] < b or b not in s.m1a:
            return None
        report = tuple(self.max_acceptor_vote(s, a, i) for i in self.Instances)
        return s._replace(ballot=at(s.ballot, a, b), m1b=s.m1b | {(b, report, a)})

    def quorum_reports(self, s: MPState, b: int, Q: tuple[int, ...]) -> list[tuple[MPEntry, ...]] | None:
        """1bMsgs(b, Q)'s reports, or None unless \\A a \\in Q : \\E m \\in 1bMsgs(b, Q) : m[3] = a."""
        msgs = [m for m in s.m1b if m[0] == b and m[2] in Q]
        if {m[2] for m in msgs} != set(Q):
            return None
        return [m[1] for m in msgs]

    @staticmethod
    def max_vote(reports: list[tuple[MPEntry, ...]], i: int) -> int:
        """MaxVote(b, i, Q): the value of a highest-ballot report at i (CHOOSE: the first in TLC's order)."""
        top = max(r[i][0] for r in reports)
        return min(r[i][1] for r in reports if r[i][0] == top)

    @action(lambda self, s: [(b, Q, v) for b in self.Ballots for Q in self.Quorums for v in self.Value])
    def Merge(self, s: MPState, b: int, Q: tuple[int, ...], v: int) -> MPState | None:
        reports = self.quorum_reports(s, b, Q)
        if reports is None:
            return None
        last = max([i for r in reports for i in self.Instances if r[i][0] != -1], default=-1)

        def entry(i: int) -> MPEntry:
            old = s.leaderVote[b][i]
            if i > last or old[0] != -1:
                return old
            w = self.max_vote(reports, i)
            return (b, v if w == NIL else w)

        return s._replace(leaderVote=at(s.leaderVote, b, tuple(entry(i) for i in self.Instances)))

    @action(
        lambda self, s: [
            (b, i, Q, v) for b in self.Ballots for i in self.Instances for Q in self.Quorums for v in self.Value
        ]
    )
    def Propose(self, s: MPState, b: int, i: int, Q: tuple[int, ...], v: int) -> MPState | None:
        if s.leaderVote[b][i][0] != -1:
            return None
        reports = self.quorum_reports(s, b, Q)
        if reports is None:
            return None
        w = self.max_vote(reports, i)
        return s._replace(leaderVote=at(s.leaderVote, b, at(s.leaderVote[b], i, (b, v if w == NIL else w))))

    @action(lambda self, s: [(b, i) for b in self.Ballots for i in self.Instances])
    def Phase2a(self, s: MPState, b: int, i: int) -> MPState | None:
        if s.leaderVote[b][i][0] != b:
            return None
        return s._replace(m2a=s.m2a | {(b, i, s.leaderVote[b][i])})

    @action(lambda self, s: [(a,) + m for a in self.Acceptors for m in s.m2a])
    def Vote(self, s: MPState, a: int, b: int, i: int, e: MPEntry) -> MPState | None:
        if (b, i, e) not in s.m2a or not s.ballot[a] <= b:
            return None
        votes = at(s.vote[a], i, at(s.vote[a][i], b, e[1]))
        return s._replace(ballot=at(s.ballot, a, b), vote=at(s.vote, a, votes))

    def show_state(self, s: MPState) -> dict[str, Any]:
        """The TLA+ names (1amsgs, ...), acceptors as a1..aN and Nil by name: how a failed refine prints a state."""

        def acc(a: int) -> str:
            return f"a{a + 1}"

        def entry(e: MPEntry) -> str:
            return f"<<{e[0]}, {value_name(e[1])}>>"

        return {
            "ballot": {acc(a): b for a, b in enumerate(s.ballot)},
            "vote": {
                acc(a): {i: tuple(value_name(v) for v in bs) for i, bs in enumerate(per)}
                for a, per in enumerate(s.vote)
            },
            "leaderVote": {b: "<<" + ", ".join(entry(e) for e in es) + ">>" for b, es in enumerate(s.leaderVote)},
            "1amsgs": sorted(f"<<{b}>>" for b in s.m1a),
            "1bmsgs": sorted(f"<<{b}, <<{', '.join(entry(e) for e in r)}>>, {acc(a)}>>" for b, r, a in s.m1b),
            "2amsgs": sorted(f"<<{b}, {i}, {entry(e)}>>" for b, i, e in s.m2a),
        }

    @invariant
    def Correctness(self, s: MPState) -> bool:
        """\\A i \\in Instances : \\A v1, v2 \\in Value : Chosen(i, v1) /\\ Chosen(i, v2) => v1 = v2"""
        for i in self.Instances:
            chosen = {
                v
                for b in self.Ballots
                for Q in self.Quorums
                for v in {s.vote[a][i][b] for a in Q}
                if v != NIL and all(s.vote[a][i][b] == v for a in Q)
            }
            if len(chosen) > 1:
                return False
        return True
