"""Raft, as Diego Ongaro's ``raft.tla`` (github.com/ongardie/raft.tla).

Variables, actions and enabling conditions follow the TLA+ text one for one.
Per-server variables are tuples indexed by server number (``Server`` is 0..n-1,
shown as s1..sN); ``messages`` is the bag of raft.tla, a function from message
to count, held as a frozenset of ``(message, count)`` pairs (DOMAIN messages is
the set of first components, and a count is never 0).  The history variables
``elections``, ``allLogs`` and ``voterLog`` and the messages' ``mlog`` fields are
kept, since they are part of the state TLC counts; ``history=False`` drops them.

Encodings, all small ints so that ``hash(state)`` is the same in every run:

- server state: ``FOLLOWER, CANDIDATE, LEADER = 0, 1, 2``; ``Nil`` is -1;
- a log entry ``[term |-> t, value |-> v]`` is ``(t, v)``; a log is a tuple of entries;
- messages are tuples ``(mtype, msource, mdest, mterm, ...)``, by type:
  ``(RequestVoteRequest, src, dest, mterm, mlastLogTerm, mlastLogIndex)``,
  ``(RequestVoteResponse, src, dest, mterm, mvoteGranted, mlog)``,
  ``(AppendEntriesRequest, src, dest, mterm, mprevLogIndex, mprevLogTerm, mentries, mlog, mcommitIndex)``,
  ``(AppendEntriesResponse, src, dest, mterm, msuccess, mmatchIndex)``;
- an election record ``[eterm, eleader, elog, evotes, evoterLog]`` is that tuple;
- ``voterLog[i]`` (a function voter -> log) is a frozenset of ``(voter, log)`` pairs.

The message handlers (UpdateTerm, HandleRequestVoteRequest, ...) are the actions the
checker enumerates, each taking ``(i, j, m)`` as in raft.tla, so that a trace and the
coverage table name the handler that fired; :meth:`Raft.Receive` is their disjunction.
raft.tla states no invariants; the five here are the standard Raft safety properties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, ClassVar, NamedTuple, Self

from spec.core import (
    OUTSIDE,
    Counted,
    Option,
    Spec,
    action,
    bundled,
    counts_outside,
    explains,
    invariant,
    restriction,
    witness,
)
from spec.limits import MAX_ELEMENTS, bounded
from spec.values import EXCEPT, except_at, setter

FOLLOWER, CANDIDATE, LEADER = 0, 1, 2
NIL = -1
RequestVoteRequest, RequestVoteResponse, AppendEntriesRequest, AppendEntriesResponse = 0, 1, 2, 3
STATE_NAMES = ("Follower", "Candidate", "Leader")
MTYPE_NAMES = ("RequestVoteRequest", "RequestVoteResponse", "AppendEntriesRequest", "AppendEntriesResponse")
MSG_FIELDS = (
    ("mtype", "msource", "mdest", "mterm", "mlastLogTerm", "mlastLogIndex"),
    ("mtype", "msource", "mdest", "mterm", "mvoteGranted", "mlog"),
    ("mtype", "msource", "mdest", "mterm", "mprevLogIndex", "mprevLogTerm", "mentries", "mlog", "mcommitIndex"),
    ("mtype", "msource", "mdest", "mterm", "msuccess", "mmatchIndex"),
)

Entry = tuple[int, int]
Log = tuple[Entry, ...]
Message = tuple[Any, ...]
Bag = frozenset[tuple[Message, int]]

MEMO_LIMIT = 1 << 16
"""Values kept per memo of this module before it starts over (bounds its memory on large models)."""
_SAME: Any = object()  # "this variable is UNCHANGED" in RaftState.but
_new = tuple.__new__
EMPTY: frozenset = frozenset()


class RaftState(NamedTuple):
    """One state of raft.tla, its variables in the order the module declares them."""

    messages: Bag
    elections: frozenset[tuple[Any, ...]]
    allLogs: frozenset[Log]
    currentTerm: tuple[int, ...]
    state: tuple[int, ...]
    votedFor: tuple[int, ...]
    log: tuple[Log, ...]
    commitIndex: tuple[int, ...]
    votesResponded: tuple[frozenset[int], ...]
    votesGranted: tuple[frozenset[int], ...]
    voterLog: tuple[frozenset[tuple[int, Log]], ...]
    nextIndex: tuple[tuple[int, ...], ...]
    matchIndex: tuple[tuple[int, ...], ...]

    def but(
        self,
        *,
        messages: Any = _SAME,
        elections: Any = _SAME,
        allLogs: Any = _SAME,
        currentTerm: Any = _SAME,
        state: Any = _SAME,
        votedFor: Any = _SAME,
        log: Any = _SAME,
        commitIndex: Any = _SAME,
        votesResponded: Any = _SAME,
        votesGranted: Any = _SAME,
        voterLog: Any = _SAME,
        nextIndex: Any = _SAME,
        matchIndex: Any = _SAME,
    ) -> RaftState:
        """This state with the named variables replaced; every other variable is UNCHANGED."""
        # Hand-written rather than NamedTuple._replace: this runs once per generated state.
        return _new(
            RaftState,
            (
                self[0] if messages is _SAME else messages,
                self[1] if elections is _SAME else elections,
                self[2] if allLogs is _SAME else allLogs,
                self[3] if currentTerm is _SAME else currentTerm,
                self[4] if state is _SAME else state,
                self[5] if votedFor is _SAME else votedFor,
                self[6] if log is _SAME else log,
                self[7] if commitIndex is _SAME else commitIndex,
                self[8] if votesResponded is _SAME else votesResponded,
                self[9] if votesGranted is _SAME else votesGranted,
                self[10] if voterLog is _SAME else voterLog,
                self[11] if nextIndex is _SAME else nextIndex,
                self[12] if matchIndex is _SAME else matchIndex,
            ),
        )



class ExtendedRaftState(RaftState):
    """raft.tla's variables followed by an extension's (a subclass sets ``_fields``): ``but`` by name for all.

    One tuple built per call, not RaftState.but's then the extension's: every audited event and every step of an
    extension's model check runs this."""

    __slots__ = ()
    _fields: tuple[str, ...]  # type: ignore[assignment]  # raft.tla's and then the extension's
    _index: ClassVar[dict[str, int]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._index = {name: k for k, name in enumerate(cls._fields)}

    def __new__(cls, *values: Any) -> ExtendedRaftState:  # noqa: D102 (every value: pickling passes them so)
        return tuple.__new__(cls, values)

    def but(self, **changed: Any) -> Self:
        """This state with the named variables replaced; every other variable is UNCHANGED."""
        values = list(self)
        index = self._index
        for name, v in changed.items():
            k = index.get(name)
            if k is None:
                raise TypeError(f"but() got an unexpected keyword argument {name!r}")
            if v is not _SAME:
                values[k] = v
        return _new(type(self), values)


# Positional updates for the steps taken most often (spec.values.setter: a keyword call to ``but``
# costs about twice as much); each names the variables its action changes, the rest are UNCHANGED.
_put_restart = setter(
    RaftState, "allLogs", "state", "votesResponded", "votesGranted", "voterLog", "nextIndex", "matchIndex",
    "commitIndex",
)
_put_all_logs = setter(RaftState, "allLogs")
_put_timeout = setter(
    RaftState, "allLogs", "state", "currentTerm", "votedFor", "votesResponded", "votesGranted", "voterLog"
)
_put_messages = setter(RaftState, "allLogs", "messages")
_put_vote = setter(RaftState, "allLogs", "votedFor", "messages")
_put_tally = setter(RaftState, "allLogs", "votesResponded", "votesGranted", "voterLog", "messages")


# -- helpers of raft.tla ---------------------------------------------------------
def LastTerm(xlog: Log) -> int:
    """The term of the last entry in a log, or 0 if the log is empty."""
    return xlog[-1][0] if xlog else 0


def Count(msgs: Bag, m: Message) -> int:
    """``msgs[m]``, or 0 when m is not in DOMAIN msgs."""
    if (m, 1) in msgs:  # one copy (every copy, under MaxCopies 1): a C lookup instead of the scan
        return 1
    for mc in msgs:
        if mc[0] == m:
            return mc[1]
    return 0


_ALONE: dict[Message, Bag] = {}  # m -> the bag holding one copy of m alone (see WithMessage)


def WithMessage(m: Message, msgs: Bag) -> Bag:
    """The bag with one more copy of m."""
    if not msgs:  # one shared bag per message: its hash is computed once, and it is found again by identity
        bag = _ALONE.get(m)
        if bag is None:
            if len(_ALONE) >= MEMO_LIMIT:
                _ALONE.clear()
            bag = _ALONE[m] = frozenset(((m, 1),))
        return bag
    for mc in msgs:
        if mc[0] == m:
            return (msgs - {mc}) | {(m, mc[1] + 1)}
    return msgs.union(((m, 1),))


def forget_bags(keep: int) -> None:
    """Empty :func:`WithMessage`'s one-message bags once they are more than ``keep``: an audit meets most messages
    once, and kept one bag for each up to MEMO_LIMIT (about 470 bytes a message on a leader's trace: some 31 MB)."""
    if len(_ALONE) > keep:
        _ALONE.clear()


def WithoutMessage(m: Message, msgs: Bag) -> Bag:
    """The bag with one copy fewer of m (m leaves DOMAIN msgs with its last copy)."""
    one = (m, 1)
    if one in msgs:  # a single copy (every copy, under MaxCopies 1): one C lookup instead of the scan
        return EMPTY if len(msgs) == 1 else msgs - {one}
    for mc in msgs:
        if mc[0] == m:
            if mc[1] <= 1:
                return msgs - {mc}
            return (msgs - {mc}) | {(m, mc[1] - 1)}
    return msgs


def Reply(response: Message, request: Message, msgs: Bag) -> Bag:
    """Send the response and discard the request (a response is never its own request: the order of
    the two does not matter, and the request leaves first, from the smaller bag)."""
    return WithMessage(response, WithoutMessage(request, msgs))


# -- parameter enumerators (precise where it is cheap; the step is the authority) --------------
# Fourteen enumerators read the state (Restart's servers do not), mostly the same few facts: their parameters
# are worked out together, once per state, by _state_params (spec.core.bundled: the engines' loops call it once
# per state and take each action's item, instead of fourteen enumerator calls). It reads two bundles of
# parameter tuples, each kept per value of what it depends on, where most states find them: a model has far
# fewer bags and role vectors than states. One is a function of the roles, votes and volatile indexes, and
# holds Restart's resets too; the other, of the bag and the terms.

# The role bundle: Timeout, RequestVote, BecomeLeader, AdvanceCommitIndex (the leaders) and AppendEntries, then
# the same five counted whole (bundle[k + _COUNTED], see _state_params), ClientRequest's pairs, Restart's resets.
_TIMEOUT, _REQUEST_VOTE, _ELECTED, _LEADERS, _APPEND = range(5)
_COUNTED = 5
_CLIENT, _RESETS = 10, 11
# The message bundle: the (i, j, m) of UpdateTerm, HandleRequestVoteRequest, DropStaleResponse,
# HandleRequestVoteResponse, HandleAppendEntriesRequest and HandleAppendEntriesResponse, then every (m,).
_NEWER, _RV_REQUESTS, _STALE, _RV_RESPONSES, _AE_REQUESTS, _AE_RESPONSES, _EACH = range(7)
_EACH_ONCE = 7  # every (m,), all counted, when each message has one copy (else None): DuplicateMessage's
# The items of _state_params: the actions' parameters in the order of the actions (Restart's aside).
(_P_TIMEOUT, _P_REQUEST_VOTE, _P_ELECTED, _P_CLIENT, _P_LEADERS, _P_APPEND, _P_NEWER, _P_RV_REQUESTS, _P_STALE,
 _P_RV_RESPONSES, _P_AE_REQUESTS, _P_AE_RESPONSES, _P_DUPLICATE, _P_EACH) = range(14)


def _all_outside(n: int) -> Counted:
    """n parameters, every one answering OUTSIDE (one shared object per n)."""
    out = _OUTSIDE_ONLY.get(n)
    if out is None:
        out = _OUTSIDE_ONLY[n] = Counted((), n)
    return out


_OUTSIDE_ONLY: dict[int, Counted] = {}
_NO_MESSAGES: tuple[tuple, ...] = ((),) * 7 + (_all_outside(0),)


def _each_server(self: Raft, s: RaftState) -> tuple[tuple[int], ...]:
    return self._servers1


def _state_params(self: Raft, s: RaftState) -> tuple[tuple, ...]:
    """Every state-reading enumerator's parameters in state s, by _P_ index (remembered for the last state).

    While a search counts successors outside the constraint (Raft.count_outside), where every call of a step
    would answer OUTSIDE its parameters are counted whole (spec.core.Counted), for this class's own steps:
    Timeout when every server not leading is at MaxTerm, RequestVote and AppendEntries into a full bag under
    MaxCopies 1, DuplicateMessage when every message has its one copy (half of the 705k model's successors).
    BecomeLeader's candidates are those a quorum granted votes (QuorumOf asked here when it reads the state).
    """
    ps = self._ps
    if ps[0] is s:
        return ps[1]
    rq = self._rq
    b = rq[1] if rq[0] is s else self._role_params(s)
    msgs = s.messages
    m = self._message_params(msgs, s.currentTerm) if msgs else _NO_MESSAGES
    count = self._count
    timeouts = b[_TIMEOUT]
    if count[_TIMEOUT] and timeouts:
        ct, top = s.currentTerm, self.MaxTerm
        for (i,) in timeouts:
            if ct[i] < top:
                break
        else:
            timeouts = b[_TIMEOUT + _COUNTED]
    full = len(msgs) >= self.MaxInFlight
    cands = b[_ELECTED]
    if cands and not self._votes_decide:
        vg = s.votesGranted
        cands = tuple([c for c in cands if self.QuorumOf(s, c[0], vg[c[0]])])
    out = (
        timeouts,
        b[_REQUEST_VOTE + _COUNTED] if full and count[_REQUEST_VOTE] else b[_REQUEST_VOTE],
        cands,
        b[_CLIENT],
        b[_LEADERS],
        b[_APPEND + _COUNTED] if full and count[_APPEND] else b[_APPEND],
        m[_NEWER], m[_RV_REQUESTS], m[_STALE], m[_RV_RESPONSES], m[_AE_REQUESTS], m[_AE_RESPONSES],
        m[_EACH_ONCE] if self._count_duplicates and m[_EACH_ONCE] is not None else m[_EACH],
        m[_EACH],
    )
    self._ps = (s, out)
    return out


(_not_leaders, _request_vote_params, _elected, _client_request_params, _leaders, _append_entries_params,
 _newer_term, _rv_requests, _stale_responses, _rv_responses, _ae_requests, _ae_responses, _duplicate_params,
 _each_message) = (bundled(_state_params, k) for k in range(14))
_not_leaders, _request_vote_params, _append_entries_params, _duplicate_params = map(
    counts_outside, (_not_leaders, _request_vote_params, _append_entries_params, _duplicate_params)
)


class _Renaming:
    """One permutation of the servers, applied fast: C-level reordering, and each renamed value
    memoised (a bounded model has few distinct values per variable; symmetry asks for them often)."""

    def __init__(self, p: tuple[int, ...]) -> None:
        inverse = [0] * len(p)
        for i, k in enumerate(p):
            inverse[k] = i
        # order(f)[k] = f[inverse[k]]: the value server i had is now server p[i]'s.
        self.order: Callable[[tuple], tuple] = itemgetter(*inverse) if len(p) > 1 else tuple
        self.pid = p + (NIL,)  # pid[NIL] is NIL: index -1 is the last element
        self.memo: dict[str, dict[Any, Any]] = {v: {} for v in RaftState._fields}

    def rename(self, var: str, value: Any) -> Any:
        """``value`` of variable ``var`` with servers renamed (memoised)."""
        memo = self.memo[var]
        out = memo.get(value)
        if out is None:
            out = memo[value] = getattr(self, "_" + var)(value)
        return out

    def ids(self, xs: frozenset[int]) -> frozenset[int]:
        return frozenset([self.pid[x] for x in xs])

    def voters(self, vl: frozenset[tuple[int, Log]]) -> frozenset[tuple[int, Log]]:
        return frozenset([(self.pid[v], lg) for v, lg in vl])

    def rename_messages(self, bag: Bag) -> Bag:
        """The bag with every message's source and destination renamed."""
        pid = self.pid
        return frozenset([((m[0], pid[m[1]], pid[m[2]]) + m[3:], c) for m, c in bag])

    def _elections(self, es: frozenset) -> frozenset:
        return frozenset([(e[0], self.pid[e[1]], e[2], self.ids(e[3]), self.voters(e[4])) for e in es])

    def _votedFor(self, f: tuple[int, ...]) -> tuple[int, ...]:
        return self.order(tuple([self.pid[v] for v in f]))

    def _votesResponded(self, f: tuple[frozenset[int], ...]) -> tuple[frozenset[int], ...]:
        return self.order(tuple(map(self.ids, f)))

    _votesGranted = _votesResponded

    def _voterLog(self, f: tuple[frozenset, ...]) -> tuple[frozenset, ...]:
        return self.order(tuple(map(self.voters, f)))

    def _nextIndex(self, f: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
        return self.order(tuple(map(self.order, f)))

    _matchIndex = _nextIndex


def unmatched_logs(logs: Sequence[Log]) -> tuple[int, int, int] | None:
    """raft.tla's LogMatching broken: (a, b, k), logs a < b share index k's term but differ below it; None if none."""
    for a in range(len(logs)):
        for b in range(a + 1, len(logs)):
            x, y = logs[a], logs[b]
            for k in range(min(len(x), len(y)), 0, -1):  # the highest shared index decides
                if x[k - 1][0] == y[k - 1][0]:
                    if x[:k] != y[:k]:
                        return a, b, k
                    break
    return None


def logs_match(logs: Sequence[Log]) -> bool:
    """raft.tla's LogMatching over these logs: two with an entry of the same index and term agree up to it."""
    return unmatched_logs(logs) is None


def raft_options(max_log: int) -> tuple[Option, ...]:
    """The command line's bounds of raft.tla's model (``max_log``: the default of --max-log), for the specs that
    extend it: raft (spec/raft_variants.py) and raft-snapshot."""
    return (
        Option("--servers", "servers", int, 3, "number of servers (Server = s1..sN)"),
        Option("--values", "values", int, 1, "number of client values (Value = v1..vK)"),
        Option("--max-term", "max_term", int, 2, "constraint: currentTerm <= MAX (terms start at 1)"),
        Option("--max-log", "max_log", int, max_log, "constraint: every log's length <= MAX"),
        Option("--max-copies", "max_copies", int, 1, "constraint: no message has more than MAX copies"),
        Option("--max-in-flight", "max_in_flight", int, 1, "constraint: at most MAX distinct messages in flight"),
    )


NO_HISTORY = Option("--no-history", "no_history", bool, False,
                    "drop the history variables elections, allLogs, voterLog and mlog (fewer states)")
"""raft.tla's model without its history variables (raft and raft-snapshot)."""


class Raft(Spec):
    """Raft's consensus core (elections, log replication, commitment) as raft.tla specifies it."""

    canonical_order = False  # enumerators iterate tuples and ranges, or sets of small-int tuples built alike

    name = "raft"
    variables: tuple[str, ...] = RaftState._fields
    #: this class's Z3 encoding for ``paxraft bmc``, a lazy ``"module:Class"``; each variant declares its own
    #: (a variant without one has no encoding; a subclass that is no new variant keeps its parent's)
    bmc_encoding: ClassVar[str | None] = "proofs.raft.bmc_encoding:RaftBmcEncoding"
    #: a variant's planted twin in the implementation: its key in ``impl.raft.rules.BUGS`` (None: no twin)
    impl_bug: ClassVar[str | None] = None
    INVARIANTS = ("OneLeaderPerTerm", "ElectionSafety", "LogMatching", "LeaderCompleteness", "StateMachineSafety")

    def __init__(
        self,
        servers: int = 3,
        values: int = 1,
        max_term: int = 2,
        max_log: int = 0,
        max_copies: int = 1,
        max_in_flight: int = 1,
        no_history: bool = False,
    ) -> None:
        for what, val, low, high in (
            ("servers", servers, 1, MAX_ELEMENTS),
            ("values", values, 1, MAX_ELEMENTS),
            # Terms, log lengths and message counts are limits the constraint compares with, never sets the
            # spec lists: the audit's spec sets them to 2**30 to mean "unbounded".
            ("max-term", max_term, 1, 1 << 30),
            ("max-log", max_log, 0, 1 << 30),
            ("max-copies", max_copies, 1, 1 << 30),
            ("max-in-flight", max_in_flight, 0, 1 << 30),
        ):
            bounded("raft", f"--{what}", val, low, high)
        self.Server = tuple(range(servers))
        self.Value = tuple(range(values))
        self.MaxTerm, self.MaxLogLen = max_term, max_log
        self.MaxCopies, self.MaxInFlight = max_copies, max_in_flight
        self.history = not no_history
        self._servers1 = tuple((i,) for i in self.Server)
        self._within: list[Any] = [None, None]  # terms, logs last found within the bounds
        self._bags_within: set[Bag] = set()  # bags found within the bounds
        self._n = servers
        # One shared object per reset row, so that EXCEPT sees 'already so' by identity.
        self._ones, self._zeros = (1,) * servers, (0,) * servers
        self._except = except_at(servers)  # _except[i](f, v): [f EXCEPT ![i] = v], unchecked
        self._memo: tuple[RaftState | None, frozenset] = (None, EMPTY)
        self._renamings: dict[tuple[int, ...], _Renaming] = {}
        # The enumerators' parameters and their bundles (see _state_params): the last state's, and those kept
        # by value.
        self._ps: tuple[Any, tuple] = (None, ())
        self._rq: tuple[Any, tuple] = (None, ())
        self._roles_memo: dict[tuple, tuple] = {}
        # The values ClientRequest offers: the model's (an audit's spec then widens Value, which its guard
        # reads, to every value a trace may name, 2**30 of them: never enumerated).
        self._client_values = self.Value
        self._messages_memo: dict[tuple, tuple] = {}
        # raft.tla's Quorum is a function of the votes alone: then BecomeLeader's guard is in the role bundle
        # (and AdvanceCommitIndex asks IsQuorum itself).
        self._votes_decide = type(self).QuorumOf is Raft.QuorumOf
        self._verdicts: dict[Any, bool] = {}  # see violated
        super().__init__()
        self._invariants_changed()

    def _invariants_changed(self) -> None:
        # The shortcut in `violated` covers exactly these five; a subclass that adds or
        # redefines an invariant (or a model that checks fewer) gets the full check on every state.
        self._fast_invariants = set(self.invariants) == set(self.INVARIANTS) and all(
            getattr(type(self), n) is getattr(Raft, n) for n in self.INVARIANTS
        )
        # A step may answer OUTSIDE (spec.core) for a successor these bounds cut whose invariants hold
        # because its parent's do: only with the five invariants and the constraint of this class.
        self._may_cut = self._fast_invariants and type(self).constraint is Raft.constraint

    # The steps read one flag, ``_cut`` (count_outside and _may_cut), set when a search sets count_outside;
    # ``_cut_full``: moreover any message sent into a full bag is cut (MaxCopies 1: a new message finds no
    # room, one already there no second copy).
    _counting = _cut = _cut_full = False
    # Which parameters are counted whole (see _state_params): by role bundle index, and DuplicateMessage's; only
    # for this class's own steps (the enumerators know when those answer OUTSIDE, not when an override does).
    _count: tuple[bool, ...] = (False,) * 5
    _count_duplicates = False

    @property
    def count_outside(self) -> bool:  # noqa: D102 - spec.core.Spec.count_outside
        return self._counting

    @count_outside.setter
    def count_outside(self, on: bool) -> None:
        self._counting = on
        self._cut = on and self._may_cut
        self._cut_full = self._cut and self.MaxCopies == 1
        count = [False] * 5
        count[_TIMEOUT] = self._cut and self._runs_own("Timeout")
        count[_REQUEST_VOTE] = self._cut_full and self._runs_own("RequestVote")
        count[_APPEND] = self._cut_full and self._runs_own("AppendEntries")
        self._count = tuple(count)
        self._count_duplicates = self._cut_full and self._runs_own("DuplicateMessage")
        self._ps = (None, ())  # the last state's parameters were for the flags before

    def _runs_own(self, name: str) -> bool:
        """The search calls this spec's own step ``name``, as this class defines it (not an override, nor a
        restriction's guard around it): then its enumerator knows where it answers OUTSIDE."""
        step = next((a.step for a in self.actions if a.name == name), None)
        return getattr(step, "__func__", None) is getattr(Raft, name) and getattr(step, "__self__", None) is self

    def IsQuorum(self, servers: frozenset[int] | set[int]) -> bool:
        """``servers \\in Quorum``: a strict majority of Server."""
        return len(servers) * 2 > self._n

    def QuorumOf(self, s: RaftState, i: int, servers: frozenset[int] | set[int]) -> bool:
        """``servers`` are a quorum for server i in state s: raft.tla's fixed ``Quorum`` (an extension with
        membership changes takes i's configuration)."""
        return self.IsQuorum(servers)

    # -- the enumerators' bundles --------------------------------------------------------
    def _role_params(self, s: RaftState) -> tuple[Any, ...]:
        """The role bundle (_TIMEOUT, ...): the parameters of the actions of servers in some role, and Restart's
        resets; a function of roles, votes, volatile indexes and commitIndex (its key)."""
        key = (s.state, s.votesResponded, s.votesGranted, s.voterLog, s.nextIndex, s.matchIndex, s.commitIndex)
        out = self._roles_memo.get(key)
        if out is None:
            st, vr, vg = key[0], key[1], key[2]
            S = self.Server
            cands = [(i,) for i in S if st[i] == CANDIDATE]
            leaders = [i for i in S if st[i] == LEADER]
            lists = (
                tuple([(i,) for i in S if st[i] != LEADER]),
                tuple([(i, j) for (i,) in cands for j in S if j not in vr[i]]),
                tuple([c for c in cands if self.IsQuorum(vg[c[0]])] if self._votes_decide else cands),
                tuple([(i,) for i in leaders]),
                tuple([(i, j) for i in leaders for j in S if j != i]),
            )
            client = tuple([(i, v) for i in leaders for v in self._client_values])
            out = lists + tuple([_all_outside(len(x)) for x in lists]) + (client, self._restarts(key))
            if len(self._roles_memo) >= MEMO_LIMIT:
                self._roles_memo.clear()
            self._roles_memo[key] = out
        self._rq = (s, out)
        return out

    def _message_params(self, msgs: Bag, ct: tuple[int, ...]) -> tuple[Any, ...]:
        """The parameters of the message actions, in the message bundle's order (_NEWER, ...), for a bag that
        is not empty: a function of the bag and the terms. Each list keeps the bag's order, as one scan per
        action would."""
        key = (msgs, ct)
        out = self._messages_memo.get(key)
        if out is None:
            newer: list = []
            stale: list = []
            handled: tuple[list, ...] = ([], [], [], [])  # by mtype: (i, j, m) its handler may take
            ok = self.VoteResponseTermOk
            once = True  # every message has one copy
            for m, c in msgs:
                if c != 1:
                    once = False
                mtype, mterm = m[0], m[3]
                term = ct[m[2]]
                params = (m[2], m[1], m)
                if mterm > term:
                    newer.append(params)
                if mtype & 1 and mterm < term:  # odd types are responses
                    stale.append(params)
                if mtype == RequestVoteResponse:
                    took = ok(mterm, term)
                elif mtype == AppendEntriesResponse:
                    took = mterm == term
                else:  # requests, of a term not newer than the recipient's
                    took = mterm <= term
                if took and mtype <= AppendEntriesResponse:  # not an extension's type
                    handled[mtype].append(params)
            rvq, rvp, aeq, aep = handled
            out = (
                tuple(newer), tuple(rvq), tuple(stale), tuple(rvp), tuple(aeq), tuple(aep),
                tuple([(m,) for m, _ in msgs]),
                _all_outside(len(msgs)) if once else None,
            )
            if len(self._messages_memo) >= MEMO_LIMIT:
                self._messages_memo.clear()
            self._messages_memo[key] = out
        return out

    # -- the bounds: a TLC state constraint -------------------------------------
    def constraint(self, s: RaftState) -> bool:
        """MaxInFlight, MaxCopies, MaxTerm and MaxLogLen, as a TLC CONSTRAINT."""
        # Successors of one state mostly share its bag, terms and logs (the same objects): the last terms
        # and logs found within bounds are remembered by identity and not checked again, the bags by value
        # (a frozenset keeps its hash: one set lookup; a model has few bags).
        ok = self._within
        msgs = s.messages
        if msgs and msgs not in self._bags_within:
            if len(msgs) > self.MaxInFlight:
                return False
            copies = self.MaxCopies
            for mc in msgs:
                if mc[1] > copies:
                    return False
            if len(self._bags_within) >= MEMO_LIMIT:
                self._bags_within.clear()
            self._bags_within.add(msgs)
        terms = s.currentTerm
        if terms is not ok[0]:
            if max(terms) > self.MaxTerm:
                return False
            ok[0] = terms
        logs = s.log
        if logs is not ok[1]:
            if max(map(len, logs)) > self.MaxLogLen:
                return False
            ok[1] = logs
        return True

    #: The actions that keep the constraint: they change none of messages, currentTerm and log, or only take a
    #: message out of the bag (fewer messages, fewer copies).
    KEEP_CONSTRAINT = ("Restart", "BecomeLeader", "AdvanceCommitIndex", "DropStaleResponse",
                       "HandleRequestVoteResponse", "HandleAppendEntriesResponse", "DropMessage")

    def keeps_constraint(self) -> tuple[str, ...]:
        """KEEP_CONSTRAINT, for this class's constraint and those of the actions this class defines (an override
        may change what they change)."""
        cls = type(self)
        if cls.constraint is not Raft.constraint:
            return ()
        return tuple(n for n in self.KEEP_CONSTRAINT if getattr(cls, n) is getattr(Raft, n))

    # -- Init ----------------------------------------------------------------------
    def init_states(self) -> Iterator[RaftState]:
        """Init: every server a follower in term 1 with an empty log; no messages; empty histories."""
        n = self._n
        yield RaftState(
            messages=frozenset(),
            elections=frozenset(),
            allLogs=frozenset(),
            currentTerm=(1,) * n,
            state=(FOLLOWER,) * n,
            votedFor=(NIL,) * n,
            log=((),) * n,
            commitIndex=(0,) * n,
            votesResponded=(EMPTY,) * n,
            votesGranted=(EMPTY,) * n,
            voterLog=(EMPTY,) * n,
            nextIndex=(self._ones,) * n,
            matchIndex=(self._zeros,) * n,
        )

    def _send_is_cut(self, msgs: Bag, m: Message | None) -> bool:
        """Sending m breaks MaxCopies or MaxInFlight, while the search only counts such successors
        (``count_outside``); m None: any message would (a full bag). The step changes only ``messages``
        and ``allLogs``, which no invariant reads, so the successor satisfies them as its parent
        (already checked) does."""
        if not self._cut:
            return False
        full = len(msgs) >= self.MaxInFlight
        if full and self._cut_full:
            return True
        if m is None:
            return False
        c = Count(msgs, m)
        return c >= self.MaxCopies if c else full

    def NextAllLogs(self, s: RaftState) -> frozenset[Log]:
        """``allLogs' = allLogs \\cup {log[i] : i \\in Server}``: Next conjoins it to every action."""
        memo = self._memo
        if memo[0] is s:  # every action of one state asks: compute it once per state
            return memo[1]
        out = s.allLogs
        if self.history:
            logs = frozenset(s.log)
            if not logs <= out:  # the same object when no log is new: steps that change nothing stay s
                out = out | logs
        self._memo = (s, out)
        return out

    # -- state transitions ------------------------------------------------------------
    @action(params=_each_server)
    def Restart(self, s: RaftState, i: int) -> RaftState | None:
        """Server i restarts from stable storage: it keeps only currentTerm, votedFor and log."""
        rq = self._rq
        reset = (rq[1] if rq[0] is s else self._role_params(s))[_RESETS][i]
        memo = self._memo
        allLogs = memo[1] if memo[0] is s else self.NextAllLogs(s)
        if reset is None:  # i holds nothing volatile
            return s if allLogs is s.allLogs else _put_all_logs(s, allLogs)
        return _put_restart(s, allLogs, reset[0], reset[1], reset[2], reset[3], reset[4], reset[5], reset[6])

    def _restarts(self, key: tuple) -> tuple[tuple[tuple, ...] | None, ...]:
        """Per server i, the volatile variables after Restart(i) (state, votesResponded, votesGranted, voterLog,
        nextIndex, matchIndex, commitIndex), or None when i holds nothing volatile: a function of those
        variables (``key``, in that order), kept in the role bundle."""
        st, vr, vg, vl, ni, mi, ci = key
        ones, zeros = self._ones, self._zeros
        resets: list[tuple[tuple, ...] | None] = []
        for i in self.Server:
            if st[i] == FOLLOWER and not (vr[i] or vg[i] or vl[i] or ci[i]) and ni[i] == ones and mi[i] == zeros:
                resets.append(None)
                continue
            put = self._except[i]  # EXCEPT at i without its checks: "x if x[i] is v" is its 'already so'
            resets.append((
                st if st[i] == FOLLOWER else put(st, FOLLOWER),
                vr if vr[i] is EMPTY else put(vr, EMPTY),
                vg if vg[i] is EMPTY else put(vg, EMPTY),
                vl if vl[i] is EMPTY else put(vl, EMPTY),
                ni if ni[i] is ones else put(ni, ones),
                mi if mi[i] is zeros else put(mi, zeros),
                ci if ci[i] == 0 else put(ci, 0),
            ))
        return tuple(resets)

    @action(params=_not_leaders)
    def Timeout(self, s: RaftState, i: int) -> RaftState | None:
        """Server i times out and starts a new election (it does not vote for itself yet)."""
        st, ct = s.state, s.currentTerm
        if st[i] == LEADER:
            return None
        if self._cut and ct[i] >= self.MaxTerm:
            # past MaxTerm, so only counted; the invariants hold as in s: i is no leader before or after,
            # no leader's term, log, commitIndex or election changes, and i's term only grows
            return OUTSIDE
        vr, vg, vl, vf = s.votesResponded, s.votesGranted, s.voterLog, s.votedFor
        memo = self._memo
        put = self._except[i]  # EXCEPT at i without its checks: "x if x[i] is v" is its 'already so'
        return _put_timeout(
            s,
            memo[1] if memo[0] is s else self.NextAllLogs(s),
            put(st, CANDIDATE),
            put(ct, ct[i] + 1),
            vf if vf[i] == NIL else put(vf, NIL),
            vr if vr[i] is EMPTY else put(vr, EMPTY),
            vg if vg[i] is EMPTY else put(vg, EMPTY),
            vl if vl[i] is EMPTY else put(vl, EMPTY),
        )

    @action(params=_request_vote_params)
    def RequestVote(self, s: RaftState, i: int, j: int) -> RaftState | None:
        """Candidate i sends j (possibly itself) a RequestVote request."""
        if s.state[i] != CANDIDATE or j in s.votesResponded[i]:
            return None
        msgs = s.messages
        if self._cut_full and len(msgs) >= self.MaxInFlight:  # a full bag: whatever the message, only counted
            return OUTSIDE
        lg = s.log[i]
        m = (RequestVoteRequest, i, j, s.currentTerm[i], lg[-1][0] if lg else 0, len(lg))
        if self._cut and self._send_is_cut(msgs, m):
            return OUTSIDE
        memo = self._memo
        return _put_messages(s, memo[1] if memo[0] is s else self.NextAllLogs(s), WithMessage(m, msgs))

    @action(params=_elected)
    def BecomeLeader(self, s: RaftState, i: int) -> RaftState | None:
        """Candidate i becomes leader once a quorum granted it votes; the election is recorded."""
        if s.state[i] != CANDIDATE or not self.QuorumOf(s, i, s.votesGranted[i]):
            return None
        n = self._n
        lg = s.log[i]
        elections = s.elections
        if self.history:
            elections = elections | {(s.currentTerm[i], i, lg, s.votesGranted[i], s.voterLog[i])}
        return s.but(
            allLogs=self.NextAllLogs(s),
            state=EXCEPT(s.state, i, LEADER),
            nextIndex=EXCEPT(s.nextIndex, i, (len(lg) + 1,) * n if lg else self._ones),  # one shared row
            matchIndex=EXCEPT(s.matchIndex, i, self._zeros),
            elections=elections,
        )

    @action(params=_client_request_params)
    def ClientRequest(self, s: RaftState, i: int, v: int) -> RaftState | None:
        """Leader i appends a client's value v to its log, in its current term."""
        if s.state[i] != LEADER or v not in self.Value:
            return None
        lg = s.log[i]
        if self._cut and len(lg) >= self.MaxLogLen and s.commitIndex[i] <= len(lg):
            # past MaxLogLen, so only counted. Only log[i] grows, and every other log is no longer (s is within
            # MaxLogLen): the entries two logs share, and the committed prefixes any invariant compares
            # (commitIndex[i] is within log[i]), are those of s, whose invariants hold.
            return OUTSIDE
        return s.but(allLogs=self.NextAllLogs(s), log=EXCEPT(s.log, i, s.log[i] + ((s.currentTerm[i], v),)))

    @action(params=_leaders)
    def AdvanceCommitIndex(self, s: RaftState, i: int) -> RaftState | None:
        """Leader i commits up to the highest index a quorum stores, if that entry is from its own term."""
        if s.state[i] != LEADER:
            return None
        lg = s.log[i]
        newCommitIndex = s.commitIndex[i]
        if lg:
            match = s.matchIndex[i]
            fixed = self._votes_decide  # raft.tla's Quorum; else the extension's (a configuration's majority)
            for index in range(len(lg), 0, -1):  # Max(agreeIndexes): the first index from the top
                agree = {i} | {k for k in self.Server if match[k] >= index}
                if self.IsQuorum(agree) if fixed else self.QuorumOf(s, i, agree):
                    if self.CommitTermOk(lg[index - 1][0], s.currentTerm[i]):
                        newCommitIndex = index
                    break
        allLogs, ci = self.NextAllLogs(s), s.commitIndex
        if ci[i] == newCommitIndex and allLogs is s.allLogs:
            return s  # nothing to commit: the step changes nothing
        return s.but(allLogs=allLogs, commitIndex=EXCEPT(ci, i, newCommitIndex))

    def CommitTermOk(self, entryTerm: int, currentTerm: int) -> bool:
        """``log[i][Max(agreeIndexes)].term = currentTerm[i]``: leaders count replicas only of their own term."""
        return entryTerm == currentTerm

    @action(params=_append_entries_params)
    def AppendEntries(self, s: RaftState, i: int, j: int) -> RaftState | None:
        """Leader i sends j an AppendEntries request with at most one entry."""
        if i == j or s.state[i] != LEADER:
            return None
        lg = s.log[i]
        nxt = s.nextIndex[i][j]
        prevLogIndex = nxt - 1
        prevLogTerm = lg[prevLogIndex - 1][0] if prevLogIndex > 0 else 0
        lastEntry = min(len(lg), nxt)
        entries = lg[nxt - 1 : lastEntry]  # SubSeq(log[i], nextIndex[i][j], lastEntry)
        m = (
            AppendEntriesRequest,
            i,
            j,
            s.currentTerm[i],
            prevLogIndex,
            prevLogTerm,
            entries,
            lg if self.history else (),  # mlog: a history field
            self.LeaderCommitFor(s.commitIndex[i], lastEntry),
        )
        if self._send_is_cut(s.messages, m):
            return OUTSIDE
        return _put_messages(s, self.NextAllLogs(s), WithMessage(m, s.messages))

    def LeaderCommitFor(self, commitIndex: int, lastEntry: int) -> int:
        """mcommitIndex: ``Min({commitIndex[i], lastEntry})``, never past the entries the request covers."""
        return commitIndex if commitIndex < lastEntry else lastEntry

    # -- message handlers: i = recipient, j = sender, m = message ----------------------------
    def _is_receivable(self, s: RaftState, i: int, j: int, m: Message, mtype: int | None) -> bool:
        """m is in the bag, from j to i, and (when given) of type mtype."""
        msgs = s.messages  # (m, 1) in msgs: Count's own first test, without its call
        return (mtype is None or m[0] == mtype) and m[2] == i and m[1] == j and ((m, 1) in msgs or Count(msgs, m) > 0)

    @action(params=_newer_term)
    def UpdateTerm(self, s: RaftState, i: int, j: int, m: Message) -> RaftState | None:
        """Any message with a newer term makes i a follower in that term first (m stays to be handled)."""
        if not (m[3] > s.currentTerm[i] and self._is_receivable(s, i, j, m, None)):
            return None
        return s.but(
            allLogs=self.NextAllLogs(s),
            currentTerm=EXCEPT(s.currentTerm, i, m[3]),
            state=EXCEPT(s.state, i, FOLLOWER),
            votedFor=EXCEPT(s.votedFor, i, NIL),
        )

    @action(params=_rv_requests)
    def HandleRequestVoteRequest(self, s: RaftState, i: int, j: int, m: Message) -> RaftState | None:
        """i answers j's vote request of a term not newer than its own, granting it if it can."""
        term = s.currentTerm[i]
        if not (m[3] <= term and self._is_receivable(s, i, j, m, RequestVoteRequest)):
            return None
        lg = s.log[i]
        grant = m[3] == term and self.VoteLogOk(m[4], m[5], lg) and s.votedFor[i] in (NIL, j)
        response = (RequestVoteResponse, i, j, term, int(grant), lg if self.history else ())
        memo = self._memo
        return _put_vote(
            s,
            memo[1] if memo[0] is s else self.NextAllLogs(s),
            EXCEPT(s.votedFor, i, j) if grant else s.votedFor,
            Reply(response, m, s.messages),
        )

    def VoteLogOk(self, mlastLogTerm: int, mlastLogIndex: int, xlog: Log) -> bool:
        """logOk of a vote: the candidate's log is at least as up-to-date as the voter's."""
        last = LastTerm(xlog)
        return mlastLogTerm > last or (mlastLogTerm == last and mlastLogIndex >= len(xlog))

    @action(params=_stale_responses)
    def DropStaleResponse(self, s: RaftState, i: int, j: int, m: Message) -> RaftState | None:
        """A response from an older term is discarded."""
        if not (m[0] & 1 and m[3] < s.currentTerm[i] and self._is_receivable(s, i, j, m, None)):
            return None
        return _put_messages(s, self.NextAllLogs(s), WithoutMessage(m, s.messages))

    @action(params=_rv_responses)
    def HandleRequestVoteResponse(self, s: RaftState, i: int, j: int, m: Message) -> RaftState | None:
        """i tallies j's vote response of its current term (even when no longer a candidate, as raft.tla)."""
        if not (
            self.VoteResponseTermOk(m[3], s.currentTerm[i]) and self._is_receivable(s, i, j, m, RequestVoteResponse)
        ):
            return None
        votesGranted, voterLog = s.votesGranted, s.voterLog
        if m[4]:
            votesGranted = EXCEPT(votesGranted, i, votesGranted[i] | {j})
            if self.history:  # voterLog[i] @@ (j :> m.mlog): j's entry, unless it has one
                for v, _ in voterLog[i]:
                    if v == j:
                        break
                else:
                    voterLog = EXCEPT(voterLog, i, voterLog[i] | {(j, m[5])})
        memo = self._memo
        return _put_tally(
            s,
            memo[1] if memo[0] is s else self.NextAllLogs(s),
            EXCEPT(s.votesResponded, i, s.votesResponded[i] | {j}),
            votesGranted,
            voterLog,
            WithoutMessage(m, s.messages),
        )

    def VoteResponseTermOk(self, mterm: int, currentTerm: int) -> bool:
        """``m.mterm = currentTerm[i]``: only votes of the current term count."""
        return mterm == currentTerm

    @action(params=_ae_requests)
    def HandleAppendEntriesRequest(self, s: RaftState, i: int, j: int, m: Message) -> RaftState | None:
        """i handles an AppendEntries request: reject, step down, or accept (done / conflict / append)."""
        term = s.currentTerm[i]
        mterm = m[3]
        if not (mterm <= term and self._is_receivable(s, i, j, m, AppendEntriesRequest)):
            return None
        _, _, _, _, mprevLogIndex, mprevLogTerm, mentries, _, mcommitIndex = m
        lg = s.log[i]
        st = s.state[i]
        logOk = mprevLogIndex == 0 or (0 < mprevLogIndex <= len(lg) and mprevLogTerm == lg[mprevLogIndex - 1][0])
        current = self.AppendTermOk(mterm, term)  # raft.tla: m.mterm = currentTerm[i]
        if not current or (st == FOLLOWER and not logOk):  # reject request
            response = (AppendEntriesResponse, i, j, term, 0, 0)
            return s.but(allLogs=self.NextAllLogs(s), messages=Reply(response, m, s.messages))
        if st == CANDIDATE:  # return to follower state
            return s.but(allLogs=self.NextAllLogs(s), state=EXCEPT(s.state, i, FOLLOWER))
        if st != FOLLOWER:  # a leader never receives a request of its own term
            return None
        index = mprevLogIndex + 1  # accept request
        if self.AlreadyDone(lg, index, mentries):  # already done with request
            # This can lower commitIndex (an old, duplicated request); raft.tla allows it.
            lastIndex = mprevLogIndex + len(mentries)
            response = (AppendEntriesResponse, i, j, term, 1, lastIndex)
            newLog: Log | None = self.MatchedLog(lg, lastIndex)
            commit = self.AcceptedCommitIndex(s.commitIndex[i], mcommitIndex, lastIndex)
            return s.but(
                allLogs=self.NextAllLogs(s),
                commitIndex=EXCEPT(s.commitIndex, i, commit),
                log=s.log if newLog is lg else EXCEPT(s.log, i, newLog),
                messages=Reply(response, m, s.messages),
            )
        if self.Conflicts(lg, index, mentries):  # conflict: remove 1 entry (the last one)
            return s.but(allLogs=self.NextAllLogs(s), log=EXCEPT(s.log, i, lg[:-1]))
        newLog = self.AppendedLog(lg, index, mentries)  # no conflict: append entry
        return None if newLog is None else s.but(allLogs=self.NextAllLogs(s), log=EXCEPT(s.log, i, newLog))

    # The branches of raft.tla's AcceptAppendEntriesRequest, one predicate each (an extension overrides them)
    def AlreadyDone(self, xlog: Log, index: int, entries: Log) -> bool:
        r"""``\/ m.mentries = << >> \/ (Len(log[i]) >= index /\ log[i][index].term = m.mentries[1].term)``."""
        return not entries or (len(xlog) >= index and xlog[index - 1][0] == entries[0][0])

    def Conflicts(self, xlog: Log, index: int, entries: Log) -> bool:
        """(not already done) ``Len(log[i]) >= index``: the entry at index has another term."""
        return len(xlog) >= index

    def AppendedLog(self, xlog: Log, index: int, entries: Log) -> Log | None:
        """(no conflict) ``Len(log[i]) = m.mprevLogIndex``: the log with the request's entry appended, else None."""
        return xlog + (entries[0],) if len(xlog) == index - 1 else None

    def AcceptedCommitIndex(self, commitIndex: int, mcommitIndex: int, lastIndex: int) -> int:
        """commitIndex' of an accepted request: ``m.mcommitIndex``."""
        return mcommitIndex

    def AppendTermOk(self, mterm: int, currentTerm: int) -> bool:
        """``m.mterm = currentTerm[i]``: a follower accepts requests of its current term only."""
        return mterm == currentTerm

    def MatchedLog(self, xlog: Log, lastIndex: int) -> Log:
        """The log after a request whose entries it already holds (through lastIndex): unchanged."""
        return xlog

    @action(params=_ae_responses)
    def HandleAppendEntriesResponse(self, s: RaftState, i: int, j: int, m: Message) -> RaftState | None:
        """i learns from j's response of its current term how far j's log matches its own."""
        if not (m[3] == s.currentTerm[i] and self._is_receivable(s, i, j, m, AppendEntriesResponse)):
            return None
        ni = s.nextIndex[i]
        if m[4]:  # successful
            nextIndex = EXCEPT(s.nextIndex, i, EXCEPT(ni, j, m[5] + 1))
            matchIndex = EXCEPT(s.matchIndex, i, EXCEPT(s.matchIndex[i], j, self.AckedIndex(s, i, m)))
        else:
            nextIndex = EXCEPT(s.nextIndex, i, EXCEPT(ni, j, max(ni[j] - 1, 1)))
            matchIndex = s.matchIndex
        return s.but(
            allLogs=self.NextAllLogs(s),
            nextIndex=nextIndex,
            matchIndex=matchIndex,
            messages=WithoutMessage(m, s.messages),
        )

    def AckedIndex(self, s: RaftState, i: int, m: Message) -> int:
        """matchIndex' of a success: ``m.mmatchIndex``, the last index the request covered."""
        return m[5]

    def Receive(self, s: RaftState, m: Message) -> list[tuple[str, RaftState]]:
        """Receive(m): the handler disjunction of raft.tla, as (handler name, successor) pairs."""
        i, j, t = m[2], m[1], m[0]
        handlers = [self.UpdateTerm]
        handlers += {
            RequestVoteRequest: [self.HandleRequestVoteRequest],
            RequestVoteResponse: [self.DropStaleResponse, self.HandleRequestVoteResponse],
            AppendEntriesRequest: [self.HandleAppendEntriesRequest],
            AppendEntriesResponse: [self.DropStaleResponse, self.HandleAppendEntriesResponse],
        }[t]
        out = []
        for h in handlers:
            nxt = h(s, i, j, m)
            if nxt is not None:
                out.append((h.__name__, nxt))
        return out

    # -- network --------------------------------------------------------------------------
    @action(params=_duplicate_params)
    def DuplicateMessage(self, s: RaftState, m: Message) -> RaftState | None:
        """The network duplicates a message."""
        msgs = s.messages
        if self._cut_full and (m, 1) in msgs:  # a second copy past MaxCopies 1 (the bag holds at most one)
            return OUTSIDE
        if (m, 1) not in msgs and Count(msgs, m) == 0:  # Count's own first test, without its call
            return None
        if self._cut and self._send_is_cut(msgs, m):
            return OUTSIDE
        return _put_messages(s, self.NextAllLogs(s), WithMessage(m, msgs))

    @action(params=_each_message)
    def DropMessage(self, s: RaftState, m: Message) -> RaftState | None:
        """The network drops a message."""
        msgs = s.messages
        if (m, 1) not in msgs and Count(msgs, m) == 0:  # Count's own first test, without its call
            return None
        memo = self._memo
        return _put_messages(s, memo[1] if memo[0] is s else self.NextAllLogs(s), WithoutMessage(m, msgs))

    # -- invariants (raft.tla states none; these are the standard safety properties) ----------
    def violated(self, s: RaftState) -> str | None:
        """The first invariant s violates. With this class's five, each is asked only where it can fail
        (two leaders; two elections; a log entry; a commitIndex), and the verdicts that read one variable
        (ElectionSafety, LogMatching) are remembered by its value: under small bounds most states pass on
        the first tests, and a model has far fewer election histories and log vectors than states (tests
        check this against the full check)."""
        if not self._fast_invariants:
            return super().violated(s)
        if s.state.count(LEADER) > 1 and not self.OneLeaderPerTerm(s):
            return "OneLeaderPerTerm"
        elections = s.elections
        if len(elections) > 1:
            ok = self._verdicts.get(elections)
            if ok is None:
                ok = self._remember(elections, self.ElectionSafety(s))
            if not ok:
                return "ElectionSafety"
        logs = s.log
        if any(logs):  # every log empty: the last three hold (no entry to differ, nothing committed to lack)
            ok = self._verdicts.get(logs)
            if ok is None:
                ok = self._remember(logs, self.LogMatching(s))
            if not ok:
                return "LogMatching"
            if any(s.commitIndex):  # nothing committed: the last two hold
                if not self.LeaderCompleteness(s):
                    return "LeaderCompleteness"
                if not self.StateMachineSafety(s):
                    return "StateMachineSafety"
        return None

    def _remember(self, value: Any, verdict: bool) -> bool:
        """Keep a verdict on one variable's value (an election history, a log vector: never equal to each other)."""
        if len(self._verdicts) >= MEMO_LIMIT:
            self._verdicts.clear()
        self._verdicts[value] = verdict
        return verdict

    @invariant
    def OneLeaderPerTerm(self, s: RaftState) -> bool:
        """No two servers are leaders of the same term at once."""
        st = s.state
        if st.count(LEADER) < 2:
            return True
        terms = [s.currentTerm[i] for i in self.Server if st[i] == LEADER]
        return len(terms) == len(set(terms))

    @invariant
    def ElectionSafety(self, s: RaftState) -> bool:
        """Every election ever won (the elections history) in one term was won by the same server."""
        if len(s.elections) < 2:
            return True
        leader: dict[int, int] = {}
        return all(leader.setdefault(e[0], e[1]) == e[1] for e in s.elections)

    @invariant
    def LogMatching(self, s: RaftState) -> bool:
        """Two logs with an entry of the same index and term are identical up to that index."""
        return not any(s.log) or unmatched_logs(s.log) is None  # every log empty: the common case

    @invariant
    def LeaderCompleteness(self, s: RaftState) -> bool:
        """A leader holds every entry another server committed in a term not after the leader's."""
        return LEADER not in s.state or not any(s.commitIndex) or self._incomplete_leader(s) is None

    def _incomplete_leader(self, s: RaftState) -> tuple[int, int, int] | None:
        """(i, j, c): leader i lacks part of the first c entries server j committed; None if no such pair."""
        st, ci, ct, logs = s.state, s.commitIndex, s.currentTerm, s.log
        for i in self.Server:
            if st[i] != LEADER:
                continue
            for j in self.Server:
                # j's commitIndex stems from a commit in a term <= currentTerm[j]: if that is not
                # after i's term, i (elected later, or the very leader that committed) must hold it.
                c = min(ci[j], len(logs[j]))
                if c and ct[j] <= ct[i] and logs[i][:c] != logs[j][:c]:
                    return i, j, c
        return None

    @invariant
    def StateMachineSafety(self, s: RaftState) -> bool:
        """Committed prefixes never conflict: of two, one extends the other."""
        return not any(s.commitIndex) or self._conflicting_commits(s) is None

    def _conflicting_commits(self, s: RaftState) -> tuple[int, int, int] | None:
        """(a, b, k): servers a < b whose committed prefixes differ within their common length k."""
        ci, logs = s.commitIndex, s.log
        for a in self.Server:
            for b in range(a + 1, self._n):
                if ci[a] and ci[b]:
                    k = min(ci[a], ci[b], len(logs[a]), len(logs[b]))
                    if logs[a][:k] != logs[b][:k]:
                        return a, b, k
        return None

    # -- explanations: which servers, terms and entries make an invariant false ------------------
    def _entry_text(self, xlog: Log, k: int) -> str:
        """Entry ``k`` (1-based) of a log as ``entry 2 [term 1, v1]``, or that the log stops before it."""
        if k > len(xlog):
            return f"no entry {k} (log length {len(xlog)})"
        t, v = xlog[k - 1]
        return f"entry {k} [term {t}, {self.value_name(v)}]"

    @explains("OneLeaderPerTerm")
    def why_not_OneLeaderPerTerm(self, s: RaftState) -> str | None:
        """The two leaders and their common term."""
        leaders = [i for i in self.Server if s.state[i] == LEADER]
        for a in leaders:
            for b in leaders:
                if a < b and s.currentTerm[a] == s.currentTerm[b]:
                    a_, b_ = self.server_name(a), self.server_name(b)
                    return f"{a_} and {b_} are both leaders of term {s.currentTerm[a]}"
        return None

    @explains("ElectionSafety")
    def why_not_ElectionSafety(self, s: RaftState) -> str | None:
        """The term won twice and its two winners."""
        won: dict[int, int] = {}
        for e in sorted(s.elections, key=repr):
            if won.setdefault(e[0], e[1]) != e[1]:
                a, b = sorted((won[e[0]], e[1]))
                return f"term {e[0]} was won by {self.server_name(a)} and by {self.server_name(b)}"
        return None

    @explains("LogMatching")
    def why_not_LogMatching(self, s: RaftState) -> str | None:
        """Two logs with a common (index, term) that differ below it."""
        found = unmatched_logs(s.log)
        if found is None:
            return None
        a, b, k = found
        x, y, sa, sb = s.log[a], s.log[b], self.server_name(a), self.server_name(b)
        d = next(n for n in range(1, k + 1) if x[n - 1] != y[n - 1])
        return (f"{sa} and {sb} both have an entry of term {x[k - 1][0]} at index {k} but differ at index {d}: "
                f"{sa} has {self._entry_text(x, d)}, {sb} has {self._entry_text(y, d)}")

    @explains("LeaderCompleteness")
    def why_not_LeaderCompleteness(self, s: RaftState) -> str | None:
        """The committed entry, the server that committed it, and the leader that lacks it."""
        found = self._incomplete_leader(s)
        if found is None:
            return None
        i, j, c = found
        logs, ct = s.log, s.currentTerm
        k = next(n for n in range(1, c + 1) if logs[i][n - 1 : n] != logs[j][n - 1 : n])
        leader, other = self.server_name(i), self.server_name(j)
        return (
            f"leader {leader} (term {ct[i]}) lacks {self._entry_text(logs[j], k)}, which {other} "
            f"(term {ct[j]}, commitIndex {s.commitIndex[j]}) has committed; {leader} has "
            f"{self._entry_text(logs[i], k)} there"
        )

    @explains("StateMachineSafety")
    def why_not_StateMachineSafety(self, s: RaftState) -> str | None:
        """Two servers that committed different entries at one index."""
        found = self._conflicting_commits(s)
        if found is None:
            return None
        a, b, k = found
        x, y = s.log[a], s.log[b]
        d = next(n for n in range(1, k + 1) if x[n - 1] != y[n - 1])
        return (f"{self.server_name(a)} and {self.server_name(b)} committed different entries at index {d}: "
                f"{self._entry_text(x, d)} and {self._entry_text(y, d)}")

    # -- witnesses: states a behaviour must reach, or the invariants hold vacuously -------------
    @witness
    def LeaderElected(self, s: RaftState) -> bool:
        """Some server is a leader."""
        return LEADER in s.state

    @witness(servers=2, max_term=2, max_log=1)
    def EntryCommitted(self, s: RaftState) -> bool:
        """Some server has committed a log entry."""
        return any(s.commitIndex)

    @witness(servers=2, max_term=3, max_log=2, no_history=True)
    def LeaderCommitsEarlierTermEntry(self, s: RaftState) -> bool:
        """A leader's commitIndex covers an entry of an earlier term than its own (committed through a
        later entry of its own term, as Figure 8's rule requires)."""
        return any(
            s.state[i] == LEADER and any(t < s.currentTerm[i] for t, _ in s.log[i][: s.commitIndex[i]])
            for i in self.Server
        )

    # -- model restrictions (--restrict): steer a deep search; not part of raft.tla -----------
    @restriction("restart-leaders", action="Restart")
    def OnlyLeadersRestart(self, s: RaftState, i: int) -> bool:
        """Restart(i) only when i is a leader (the crash that makes a leader step down)."""
        return s.state[i] == LEADER

    @restriction("passive-last", action="Timeout", symmetric=False)
    def LastServerNeverStands(self, s: RaftState, i: int) -> bool:
        """The last server never times out: it only votes and stores entries."""
        return i != self._n - 1

    # -- symmetry ------------------------------------------------------------------------------
    def symmetric_sets(self) -> Mapping[str, int]:
        """Servers are interchangeable."""
        return {"Server": self._n}

    def symmetry_keys(self, s: RaftState) -> Mapping[str, Sequence[Any]]:
        """A server's own term, role, commitIndex, log, whether it voted (for itself or another)
        and how many votes it holds: nothing in them names another server, so renaming carries them."""
        kinds = [0 if v == NIL else 1 if v == i else 2 for i, v in enumerate(s.votedFor)]
        granted = [len(g) for g in s.votesGranted]
        return {"Server": list(zip(s.currentTerm, s.state, s.commitIndex, s.log, kinds, granted))}

    def permute(self, s: RaftState, perm: Mapping[str, Sequence[int]]) -> RaftState:
        """Rename servers throughout the state: server i becomes ``perm['Server'][i]``."""
        key = tuple(perm.get("Server", self.Server))
        r = self._renamings.get(key)
        if r is None:
            r = self._renamings[key] = _Renaming(key)
        order, memo, rename = r.order, r.memo, r.rename
        return _new(
            RaftState,
            (
                r.rename_messages(s.messages) if s.messages else s.messages,  # not memoised: bags are many
                (memo["elections"].get(s.elections) or rename("elections", s.elections)) if s.elections else EMPTY,
                s.allLogs,
                order(s.currentTerm),
                order(s.state),
                memo["votedFor"].get(s.votedFor) or rename("votedFor", s.votedFor),
                order(s.log),
                order(s.commitIndex),
                memo["votesResponded"].get(s.votesResponded) or rename("votesResponded", s.votesResponded),
                memo["votesGranted"].get(s.votesGranted) or rename("votesGranted", s.votesGranted),
                memo["voterLog"].get(s.voterLog) or rename("voterLog", s.voterLog),
                memo["nextIndex"].get(s.nextIndex) or rename("nextIndex", s.nextIndex),
                memo["matchIndex"].get(s.matchIndex) or rename("matchIndex", s.matchIndex),
            ),
        )

    # -- presentation --------------------------------------------------------------------------
    def bounds(self) -> dict[str, Any]:
        """Servers, values and the four TLC constraint bounds (and the history option when off)."""
        out: dict[str, Any] = {
            "servers": self._n,
            "values": len(self.Value),
            "max_term": self.MaxTerm,
            "max_log": self.MaxLogLen,
            "max_copies": self.MaxCopies,
            "max_in_flight": self.MaxInFlight,
        }
        if not self.history:
            out["no_history"] = True
        return out

    @staticmethod
    def server_name(i: int) -> str:
        """Server 0 is ``s1``; Nil is ``Nil``."""
        return "Nil" if i == NIL else f"s{i + 1}"

    @staticmethod
    def value_name(v: int) -> str:
        """Value 0 is ``v1``."""
        return f"v{v + 1}"

    def show_log(self, xlog: Log) -> tuple[dict[str, Any], ...]:
        """A log as a sequence (a tuple, which a trace prints ``<<...>>``; a list reads as a set) of
        ``[term, value]`` records."""
        return tuple({"term": t, "value": self.value_name(v)} for t, v in xlog)

    def show_message(self, m: Message) -> dict[str, Any]:
        """A message as a TLA+ record with raft.tla's field names."""
        rec: dict[str, Any] = {}
        for f, x in zip(MSG_FIELDS[m[0]], m):
            if f == "mtype":
                rec[f] = MTYPE_NAMES[x]
            elif f in ("msource", "mdest"):
                rec[f] = self.server_name(x)
            elif f in ("mlog", "mentries"):
                rec[f] = self.show_log(x)
            elif f in ("mvoteGranted", "msuccess"):
                rec[f] = bool(x)
            else:
                rec[f] = x
        return rec

    def show_state(self, s: RaftState) -> dict[str, Any]:
        """Functions of the server as records s1..sN; the bag as records with a count."""
        names = [self.server_name(i) for i in self.Server]

        def per_server(f: Sequence[Any], show: Any = lambda x: x) -> dict[str, Any]:
            return dict(zip(names, map(show, f)))

        def id_set(xs: frozenset[int]) -> list[str]:
            return [self.server_name(x) for x in sorted(xs)]

        def voter_logs(vl: frozenset[tuple[int, Log]]) -> dict[str, Any]:
            return {self.server_name(v): self.show_log(lg) for v, lg in sorted(vl)}

        return {
            "messages": [{**self.show_message(m), "count": c} for m, c in sorted(s.messages)],
            "elections": [
                {
                    "eterm": e[0],
                    "eleader": self.server_name(e[1]),
                    "elog": self.show_log(e[2]),
                    "evotes": id_set(e[3]),
                    "evoterLog": voter_logs(e[4]),
                }
                for e in sorted(s.elections, key=repr)
            ],
            "allLogs": [self.show_log(lg) for lg in sorted(s.allLogs)],
            "currentTerm": per_server(s.currentTerm),
            "state": per_server(s.state, STATE_NAMES.__getitem__),
            "votedFor": per_server(s.votedFor, self.server_name),
            "log": per_server(s.log, self.show_log),
            "commitIndex": per_server(s.commitIndex),
            "votesResponded": per_server(s.votesResponded, id_set),
            "votesGranted": per_server(s.votesGranted, id_set),
            "voterLog": per_server(s.voterLog, voter_logs),
            "nextIndex": per_server(s.nextIndex, lambda row: per_server(row)),
            "matchIndex": per_server(s.matchIndex, lambda row: per_server(row)),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """Servers as ``s1``, values as ``v1``, messages as records."""
        if param in ("i", "j"):
            return self.server_name(value)
        if param == "v":
            return self.value_name(value)
        if param == "m":
            return self.show_message(value)
        return value
