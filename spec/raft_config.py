"""Raft membership changes (Ongaro's dissertation, chapter 4), at the level of elections and whole-log replication.

The question a membership change raises is which quorums can be formed at once, so this spec
keeps what decides that and abstracts the message exchanges, as the Ivy/mypyvy Raft models do:

- ``BecomeLeader(i, Q, t)``: an election of term ``t > currentTerm[i]`` won in one step (after
  ``t - currentTerm[i] - 1`` lost ones): ``Q`` is a minimal quorum of i's configuration (the
  latest configuration entry in i's log, committed or not, as chapter 4 says), i is in it,
  every voter's term is below ``t`` and i's log is at least as up to date as each voter's
  (raft.tla's Timeout and RequestVote exchange, composed). The voters take the term.
- ``Replicate(i, j)``: leader i's AppendEntries succeeding on j (probes and retries composed):
  j takes i's term and log, and i's matchIndex for j becomes its log length.
- ``ClientRequest(i)``, ``AdvanceCommitIndex(i, n)``: raft.tla's, with the quorum taken in i's
  configuration (for a joint one: a majority of the old and of the new servers).
- Single-server changes (the default): ``AddServer(i, k)``/``RemoveServer(i, k)`` append a
  configuration one server larger or smaller, only when i's latest configuration is committed
  and, the dissertation's errata rule (raft-dev, 2015), once i has committed an entry of its
  own term.
- Joint consensus (``--joint``): ``BeginJoint(i, new)`` appends ``C_old,new`` when i's latest
  configuration is simple and committed; ``EndJoint(i)`` appends ``C_new`` once ``C_old,new``
  is committed.

Invariants: raft.tla's five (over the history variables ``elections`` and ``committed``) and
two about configurations: ``OneConfigPerTerm`` (the leaders of one term were elected under
one configuration) and ``NoDisjointQuorums`` (each configuration change, in every log, keeps
some server in every pair of quorums of the configurations before and after it).
Servers are s1..sN; the first ``members`` are the
initial configuration, the others are spares that may be added.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from itertools import combinations
from typing import Any, NamedTuple

from spec.core import Spec, SpecError, action, invariant
from spec.raft import logs_match
from spec.registry import Option, SpecEntry, register, variant

FOLLOWER, LEADER = 0, 1
VALUE, CONFIG = 0, 1
Config = tuple[frozenset[int], frozenset[int]]  # (old, new); a simple configuration has old == new
Entry = tuple[int, int, Any]  # (term, VALUE, 0) or (term, CONFIG, Config)
Log = tuple[Entry, ...]


class ConfigState(NamedTuple):
    """Per-server variables, the leaders' matchIndex, and two history variables (proof aids)."""

    currentTerm: tuple[int, ...]
    state: tuple[int, ...]
    log: tuple[Log, ...]
    commitIndex: tuple[int, ...]
    matchIndex: tuple[tuple[int, ...], ...]
    elections: frozenset[tuple[int, int, Config]]  # (term, leader, configuration it was elected under)
    committed: frozenset[tuple[int, Entry]]  # (index, entry) ever committed by a leader


def majority(servers: frozenset[int], voters: frozenset[int] | set[int]) -> bool:
    """A strict majority of ``servers`` is among ``voters`` (an empty configuration has none)."""
    return len(servers & voters) * 2 > len(servers)


def is_quorum(c: Config, voters: frozenset[int] | set[int]) -> bool:
    """A quorum of a configuration: a majority of the old servers and one of the new (the same set if simple)."""
    return majority(c[0], voters) and majority(c[1], voters)


@lru_cache(maxsize=4096)
def disjoint_quorums(a: Config, b: Config) -> bool:
    """Whether some quorum of ``a`` and some quorum of ``b`` share no server."""
    pool = sorted(a[0] | a[1] | b[0] | b[1])
    for r in range(len(pool) + 1):
        for qa in map(frozenset, combinations(pool, r)):
            if is_quorum(a, qa) and is_quorum(b, frozenset(pool) - qa):
                return True
    return False


def change_allowed(config_index: int, commit_index: int, commit_term: int, current_term: int) -> bool:
    """A leader may append a configuration entry: its latest one is committed (one change at a time), and
    (the errata) it has committed an entry of its own term. Used by ``RaftConfig`` and the audit's spec."""
    return config_index <= commit_index and commit_index > 0 and commit_term == current_term


def last_term(xlog: Log) -> int:
    """The term of the last entry (0 for an empty log)."""
    return xlog[-1][0] if xlog else 0


class RaftConfig(Spec):
    """Raft with single-server membership changes and the errata rule, or joint consensus (``joint``)."""

    canonical_order = False  # enumerators iterate tuples and ranges, or sets of small-int tuples built alike

    name = "raft-config"
    variables = ConfigState._fields
    INVARIANTS = ("OneLeaderPerTerm", "ElectionSafety", "LogMatching", "LeaderCompleteness", "StateMachineSafety",
                  "OneConfigPerTerm", "NoDisjointQuorums")

    def __init__(self, servers: int = 4, members: int = 3, max_term: int = 3, max_log: int = 2,
                 joint: bool = False) -> None:
        for what, val, low in (("servers", servers, 1), ("members", members, 1), ("max-term", max_term, 1),
                               ("max-log", max_log, 0)):
            if not isinstance(val, int) or isinstance(val, bool) or val < low:
                raise SpecError(f"raft-config: --{what} must be an integer >= {low}, got {val!r}")
        if members > servers:
            raise SpecError(f"raft-config: --members {members} is more than --servers {servers}")
        self.Server = tuple(range(servers))
        self.initial: Config = (frozenset(range(members)),) * 2
        self.MaxTerm, self.MaxLogLen, self.joint = max_term, max_log, joint
        super().__init__()

    def bounds(self) -> dict[str, Any]:
        """The constructor's bounds."""
        return {"servers": len(self.Server), "members": len(self.initial[0]), "max_term": self.MaxTerm,
                "max_log": self.MaxLogLen, "joint": self.joint}

    def init_states(self) -> Iterator[ConfigState]:
        """Every server a follower in term 1 with an empty log; the first ``members`` form the configuration."""
        n = len(self.Server)
        yield ConfigState((1,) * n, (FOLLOWER,) * n, ((),) * n, (0,) * n, ((0,) * n,) * n, frozenset(), frozenset())

    def constraint(self, s: ConfigState) -> bool:
        """Terms up to MaxTerm, logs up to MaxLogLen (a TLC state constraint)."""
        return max(s.currentTerm) <= self.MaxTerm and max(map(len, s.log)) <= self.MaxLogLen

    # -- definitions ---------------------------------------------------------------------------
    def config_index(self, xlog: Log) -> int:
        """The index of the latest configuration entry (0: none, the initial configuration holds)."""
        for k in range(len(xlog), 0, -1):
            if xlog[k - 1][1] == CONFIG:
                return k
        return 0

    def config(self, xlog: Log) -> Config:
        """The configuration a server uses: its log's latest, committed or not."""
        k = self.config_index(xlog)
        return xlog[k - 1][2] if k else self.initial

    def ChangeAllowed(self, s: ConfigState, i: int) -> bool:
        """A leader may append a configuration entry: its latest one is committed, and (errata) it has
        committed an entry of its own term."""
        xlog, ci = s.log[i], s.commitIndex[i]
        return change_allowed(self.config_index(xlog), ci, xlog[ci - 1][0] if ci else 0, s.currentTerm[i])

    def _append(self, s: ConfigState, i: int, kind: int, payload: Any) -> ConfigState:
        xlog = s.log[i] + ((s.currentTerm[i], kind, payload),)
        return s._replace(log=s.log[:i] + (xlog,) + s.log[i + 1:])

    def _leaders(self, s: ConfigState) -> Iterator[tuple[int]]:
        return ((i,) for i in self.Server if s.state[i] == LEADER)

    # -- actions -----------------------------------------------------------------------------------
    def _elections(self, s: ConfigState) -> Iterator[tuple[int, frozenset[int], int]]:
        for i in self.Server:
            c = self.config(s.log[i])
            members = sorted(c[0] | c[1])
            if i not in members:
                continue
            others = [k for k in members if k != i]
            for r in range(len(others) + 1):
                for rest in combinations(others, r):
                    q = frozenset((i, *rest))
                    if is_quorum(c, q) and all(not is_quorum(c, q - {k}) for k in rest):
                        for t in range(s.currentTerm[i] + 1, self.MaxTerm + 1):  # a minimal quorum: more voters
                            yield i, q, t  # would only move more terms forward

    @action(params=_elections)
    def BecomeLeader(self, s: ConfigState, i: int, q: frozenset[int], t: int) -> ConfigState | None:
        """i wins the election of term t > currentTerm[i] with the votes of the quorum q of its configuration."""
        c = self.config(s.log[i])
        if i not in q or not is_quorum(c, q) or t <= s.currentTerm[i]:
            return None
        li = s.log[i]
        for k in q:
            lk = s.log[k]
            if s.currentTerm[k] >= t or (last_term(li), len(li)) < (last_term(lk), len(lk)):
                return None
        term = tuple(t if k in q else x for k, x in enumerate(s.currentTerm))
        state = tuple(LEADER if k == i else FOLLOWER if k in q else x for k, x in enumerate(s.state))
        match = s.matchIndex[:i] + ((0,) * len(self.Server),) + s.matchIndex[i + 1:]
        return s._replace(currentTerm=term, state=state, matchIndex=match, elections=s.elections | {(t, i, c)})

    def _pairs(self, s: ConfigState) -> Iterator[tuple[int, int]]:
        return ((i, j) for i in self.Server if s.state[i] == LEADER for j in self.Server if j != i)

    @action(params=_pairs)
    def Replicate(self, s: ConfigState, i: int, j: int) -> ConfigState | None:
        """Leader i's AppendEntries succeed on j: j takes i's term and whole log, i learns j's match."""
        if s.state[i] != LEADER or s.currentTerm[j] > s.currentTerm[i] or i == j:
            return None
        if s.log[j] == s.log[i] and s.matchIndex[i][j] == len(s.log[i]) and s.currentTerm[j] == s.currentTerm[i]:
            return None  # nothing new: a stuttering step
        row = s.matchIndex[i][:j] + (len(s.log[i]),) + s.matchIndex[i][j + 1:]
        return s._replace(
            currentTerm=s.currentTerm[:j] + (s.currentTerm[i],) + s.currentTerm[j + 1:],
            state=s.state[:j] + (FOLLOWER,) + s.state[j + 1:],
            log=s.log[:j] + (s.log[i],) + s.log[j + 1:],
            commitIndex=s.commitIndex[:j] + (min(s.commitIndex[i], len(s.log[i])),) + s.commitIndex[j + 1:],
            matchIndex=s.matchIndex[:i] + (row,) + s.matchIndex[i + 1:],
        )

    @action(params=_leaders)
    def ClientRequest(self, s: ConfigState, i: int) -> ConfigState | None:
        """Leader i appends a value (one value: what matters here is the entry's term)."""
        return self._append(s, i, VALUE, 0) if s.state[i] == LEADER else None

    def _commit_targets(self, s: ConfigState) -> Iterator[tuple[int, int]]:
        return ((i, n) for i in self.Server if s.state[i] == LEADER
                for n in range(s.commitIndex[i] + 1, len(s.log[i]) + 1))

    @action(params=_commit_targets)
    def AdvanceCommitIndex(self, s: ConfigState, i: int, n: int) -> ConfigState | None:
        """Leader i commits up to n: an entry of its term that a quorum of its configuration stores."""
        xlog = s.log[i]
        if s.state[i] != LEADER or not s.commitIndex[i] < n <= len(xlog) or xlog[n - 1][0] != s.currentTerm[i]:
            return None
        stored = {i} | {k for k in self.Server if s.matchIndex[i][k] >= n}
        if not is_quorum(self.config(xlog), stored):
            return None
        return s._replace(commitIndex=s.commitIndex[:i] + (n,) + s.commitIndex[i + 1:],
                          committed=s.committed | {(k, xlog[k - 1]) for k in range(1, n + 1)})

    def _changes(self, s: ConfigState) -> Iterator[tuple[int, int]]:
        if self.joint:
            return iter(())
        return ((i, k) for i in self.Server if s.state[i] == LEADER for k in self.Server if k != i)

    @action(params=_changes)
    def AddServer(self, s: ConfigState, i: int, k: int) -> ConfigState | None:
        """Leader i adds server k (caught up: k's log is no concern of safety) to its configuration."""
        c = self.config(s.log[i])[1]
        if self.joint or s.state[i] != LEADER or k in c or not self.ChangeAllowed(s, i):
            return None
        return self._append(s, i, CONFIG, (c | {k},) * 2)

    @action(params=_changes)
    def RemoveServer(self, s: ConfigState, i: int, k: int) -> ConfigState | None:
        """Leader i removes server k (not itself) from its configuration."""
        c = self.config(s.log[i])[1]
        if self.joint or s.state[i] != LEADER or k not in c or k == i or not self.ChangeAllowed(s, i):
            return None
        return self._append(s, i, CONFIG, (c - {k},) * 2)

    def _joint_targets(self, s: ConfigState) -> Iterator[tuple[int, frozenset[int]]]:
        if not self.joint:
            return
        for i in self.Server:
            if s.state[i] == LEADER:
                for r in range(1, len(self.Server) + 1):
                    for new in combinations(self.Server, r):
                        if i in new:
                            yield i, frozenset(new)

    @action(params=_joint_targets)
    def BeginJoint(self, s: ConfigState, i: int, new: frozenset[int]) -> ConfigState | None:
        """Leader i, its simple configuration C_old committed, appends C_old,new."""
        c = self.config(s.log[i])
        if not self.joint or s.state[i] != LEADER or c[0] != c[1] or new == c[0] or i not in new:
            return None
        if self.config_index(s.log[i]) > s.commitIndex[i]:
            return None
        return self._append(s, i, CONFIG, self.JointConfig(c[0], new))

    def JointConfig(self, old: frozenset[int], new: frozenset[int]) -> Config:
        """The configuration appended to start a change: ``C_old,new``."""
        return (old, new)

    @action(params=_leaders)
    def EndJoint(self, s: ConfigState, i: int) -> ConfigState | None:
        """Leader i, its C_old,new committed, appends C_new."""
        c = self.config(s.log[i])
        if not self.joint or s.state[i] != LEADER or c[0] == c[1] or self.config_index(s.log[i]) > s.commitIndex[i]:
            return None
        return self._append(s, i, CONFIG, (c[1], c[1]))

    # -- invariants ----------------------------------------------------------------------------------
    @invariant
    def OneLeaderPerTerm(self, s: ConfigState) -> bool:
        """No two servers are leaders of the same term at once."""
        terms = [s.currentTerm[i] for i in self.Server if s.state[i] == LEADER]
        return len(terms) == len(set(terms))

    @invariant
    def ElectionSafety(self, s: ConfigState) -> bool:
        """Every election won in one term was won by the same server."""
        leader: dict[int, int] = {}
        return all(leader.setdefault(t, i) == i for t, i, _ in s.elections)

    @invariant
    def LogMatching(self, s: ConfigState) -> bool:
        """Two logs with an entry of the same index and term are identical up to it."""
        return logs_match(s.log)  # type: ignore[arg-type]

    @invariant
    def LeaderCompleteness(self, s: ConfigState) -> bool:
        """A leader's log holds every committed entry of a term not after its own."""
        return all(s.log[i][k - 1:k] == (e,) for i in self.Server if s.state[i] == LEADER
                   for k, e in s.committed if e[0] <= s.currentTerm[i])

    @invariant
    def StateMachineSafety(self, s: ConfigState) -> bool:
        """No two different entries were ever committed at one index."""
        seen: dict[int, Entry] = {}
        return all(seen.setdefault(k, e) == e for k, e in s.committed)

    @invariant
    def OneConfigPerTerm(self, s: ConfigState) -> bool:
        """The leaders of one term were elected under one configuration."""
        used: dict[int, Config] = {}
        return all(used.setdefault(t, c) == c for t, _, c in s.elections)

    @invariant
    def NoDisjointQuorums(self, s: ConfigState) -> bool:
        """Every configuration in a log and the one before it (in that log) have no two disjoint quorums."""
        for xlog in s.log:
            prev = self.initial
            for e in xlog:
                if e[1] == CONFIG:
                    if disjoint_quorums(prev, e[2]):
                        return False
                    prev = e[2]
        return True

    # -- display ------------------------------------------------------------------------------------
    def show_state(self, s: ConfigState) -> dict[str, Any]:
        """Servers as s1..sN, configurations as sorted lists."""
        def show_entry(e: Entry) -> Any:
            if e[1] == VALUE:
                return [e[0], "v"]
            old, new = e[2]
            cfg = sorted(f"s{k + 1}" for k in new) if old == new else {
                "old": sorted(f"s{k + 1}" for k in old), "new": sorted(f"s{k + 1}" for k in new)}
            return [e[0], cfg]

        def per(f: Any, show: Any = lambda x: x) -> dict[str, Any]:
            return {f"s{k + 1}": show(x) for k, x in enumerate(f)}

        return {"currentTerm": per(s.currentTerm), "state": per(s.state, lambda x: ("Follower", "Leader")[x]),
                "log": per(s.log, lambda x: [show_entry(e) for e in x]), "commitIndex": per(s.commitIndex),
                "matchIndex": per(s.matchIndex, lambda row: per(row))}

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """Servers as s1..sN, sets of servers as sorted lists."""
        if isinstance(value, frozenset):
            return sorted(f"s{k + 1}" for k in value)
        if param in ("i", "j", "k"):
            return f"s{value + 1}"
        return value


register(
    SpecEntry(
        name="raft-config",
        cls=RaftConfig,
        summary="Raft membership changes (dissertation ch. 4): single-server with the errata rule, or joint consensus",
        options=(
            Option("--servers", "servers", int, 4, "number of servers (s1..sN), spares included"),
            Option("--members", "members", int, 3, "the initial configuration: s1..sM"),
            Option("--max-term", "max_term", int, 3, "constraint: currentTerm <= MAX (terms start at 1)"),
            Option("--max-log", "max_log", int, 2, "constraint: every log's length <= MAX"),
        ),
        flags=(Option("--joint", "joint", bool, False,
                      "joint consensus (C_old,new) instead of single-server changes"),),
        suite=(),
    )
)


_DISSERTATION = "Ongaro, Consensus: Bridging Theory and Practice (2014), chapter 4"


@variant("raft-config")
class SingleServerNoErrata(RaftConfig):
    """Single-server changes as first published: no entry of the leader's own term need be committed first."""

    variant = "single-server-no-errata"
    impl_bug = "single-server-no-errata"  # its planted bug in impl.raft.rules (caught by the audit's AddServer)
    rule = "AddServer/RemoveServer need only the leader's latest configuration committed (the 2015 bug)"
    breaks = "OneLeaderPerTerm"
    # four members are needed (an even count: a configuration one larger and one one smaller then have
    # disjoint majorities, 3 of 5 and 2 of 3) and three terms of elections: 109,635 states
    failing_bounds = {"servers": 5, "members": 4, "max_term": 4, "max_log": 1}
    trace_length = 6
    source = ("Ongaro, raft-dev, 'bug in single-server membership changes' (July 2015); "
              f"{_DISSERTATION}, errata: a leader changes the configuration only after committing an entry of its term")

    def ChangeAllowed(self, s: ConfigState, i: int) -> bool:
        """Only the latest configuration must be committed."""
        return self.config_index(s.log[i]) <= s.commitIndex[i]


@variant("raft-config")
class JointWithoutColdNew(RaftConfig):
    """A multi-server change made in one step, without the joint configuration C_old,new."""

    variant = "joint-without-cold-new"
    rule = "BeginJoint appends C_new directly (no C_old,new stage)"
    breaks = "NoDisjointQuorums"
    failing_bounds = {"servers": 3, "members": 3, "max_term": 2, "max_log": 1, "joint": True}
    trace_length = 2
    source = f"{_DISSERTATION}, section 4.3 (arbitrary configuration changes using joint consensus)"

    def JointConfig(self, old: frozenset[int], new: frozenset[int]) -> Config:
        """Straight to the new configuration."""
        return (new, new)
