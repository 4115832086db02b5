"""Single-decree Paxos, as Lamport's ``Paxos.tla`` (tlaplus/Examples, specifications/Paxos).

Variables, actions and enabling conditions follow the TLA+ text one for one:
``maxBal``, ``maxVBal``, ``maxVal`` are functions of the acceptor (tuples indexed by
acceptor number) and ``msgs`` is the set of every message ever sent.  The
constants are ``Acceptor`` (0..n-1), ``Value`` (0..k-1), ``Ballot`` (0..MaxBallot)
and ``Quorum`` (majorities unless given).  ``None`` and "no ballot" are both -1,
as in the TLA+ text where ``maxVBal`` starts at -1.

Two extensions, both off by default so the model is exactly Paxos.tla's:
``Restart(a)`` (acceptor ``a`` crashes and recovers from stable storage, at most
``max_restarts`` times in a run, counted in the state's ``restarts`` field) and
separate phase-1/phase-2 quorum systems (Flexible Paxos: ``q1``/``q2`` sizes or a
quorum file, see :func:`read_quorum_file`).

Messages are tuples whose first field is the type:
``(M1A, bal)``, ``(M1B, acc, bal, mbal, mval)``, ``(M2A, bal, val)``, ``(M2B, acc, bal, val)``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from spec.core import Spec, SpecError, action, explains, invariant, witness
from spec.limits import bounded, enumerable, subsets
from spec.userfiles import MAX_SMALL_FILE_BYTES, clip, quote, read_text

NONE = -1
M1A, M1B, M2A, M2B = 0, 1, 2, 3
MSG_TYPES = ("1a", "1b", "2a", "2b")
MSG_FIELDS = {
    M1A: ("bal",),
    M1B: ("acc", "bal", "mbal", "mval"),
    M2A: ("bal", "val"),
    M2B: ("acc", "bal", "val"),
}


class PaxosState(NamedTuple):
    """One state of Paxos.tla."""

    maxBal: tuple[int, ...]
    maxVBal: tuple[int, ...]
    maxVal: tuple[int, ...]
    msgs: frozenset[tuple[int, ...]]


class PaxosRestartState(NamedTuple):
    """A state of Paxos with crash-restart: Paxos.tla's variables plus the number of restarts so far (in total)."""

    maxBal: tuple[int, ...]
    maxVBal: tuple[int, ...]
    maxVal: tuple[int, ...]
    msgs: frozenset[tuple[int, ...]]
    restarts: int


def majorities(n: int) -> tuple[frozenset[int], ...]:
    """Every majority subset of acceptors 0..n-1 (the smallest ones suffice for Paxos.tla's counts)."""
    return tuple(frozenset(q) for q in itertools.combinations(range(n), n // 2 + 1))


def _all_subsets_of_size(system: Sequence[frozenset[int]], n: int) -> int:
    """``k`` when ``system`` is every ``k``-subset of the ``n`` acceptors (majorities, ``--q1 k``), else 0."""
    k = len(system[0]) if system else 0
    if not k or any(len(q) != k for q in system) or len(set(system)) != math.comb(n, k):
        return 0
    return k


def k_subsets(n: int, k: int) -> tuple[frozenset[int], ...]:
    """Every ``k``-subset of acceptors 0..n-1: a size-based quorum system."""
    return tuple(frozenset(q) for q in itertools.combinations(range(n), k))


class Paxos(Spec):
    """Lamport's single-decree Paxos without explicit leaders or learners."""

    canonical_order = False  # enumerators iterate tuples and ranges, or sets of small-int tuples built alike

    name = "paxos"
    variables: tuple[str, ...] = ("maxBal", "maxVBal", "maxVal", "msgs")
    #: Paxos.tla's QuorumAssumption, in the form Paxos needs (Flexible Paxos): every
    #: phase-1 quorum meets every phase-2 quorum.  The ``flexible`` variant drops it.
    assume_intersection = True
    #: What an acceptor keeps on stable storage across ``Restart`` (Paxos Made Simple, 2.2:
    #: "an acceptor must remember this information even if it fails and then restarts").
    persists: tuple[str, ...] = ("maxBal", "maxVBal", "maxVal")

    def __init__(
        self,
        acceptors: int = 3,
        values: int = 2,
        max_ballot: int = 1,
        quorums: Sequence[Iterable[int]] | None = None,
        phase1_quorums: Sequence[Iterable[int]] | None = None,
        phase2_quorums: Sequence[Iterable[int]] | None = None,
        max_restarts: int = 0,
        q1: int | None = None,
        q2: int | None = None,
        quorum_file: str | None = None,
    ) -> None:
        for what, val, low in (
            ("acceptors", acceptors, 1),
            ("values", values, 1),
            ("max-ballot", max_ballot, 0),
            ("max-restarts", max_restarts, 0),
        ):
            bounded("paxos", f"--{what}", val, low)
        self.MaxRestarts = max_restarts
        self.quorum_sizes = (q1, q2)
        self.quorum_file = quorum_file
        if quorum_file is not None:
            if q1 is not None or q2 is not None or phase1_quorums or phase2_quorums:
                raise SpecError("paxos: --quorums FILE cannot be combined with --q1/--q2")
            phase1_quorums, phase2_quorums = read_quorum_file(quorum_file, acceptors)
        for flag, k in (("--q1", q1), ("--q2", q2)):
            if k is not None and not (isinstance(k, int) and 1 <= k <= acceptors):
                raise SpecError(f"paxos: {flag} must be a quorum size in 1..{acceptors} (the acceptors), got {k!r}")
        if q1 is not None:
            subsets("paxos", acceptors, q1, f"--q1 {q1} with --acceptors {acceptors}")
            phase1_quorums = k_subsets(acceptors, q1)
        if q2 is not None:
            subsets("paxos", acceptors, q2, f"--q2 {q2} with --acceptors {acceptors}")
            phase2_quorums = k_subsets(acceptors, q2)
        if quorums is None and not (phase1_quorums and phase2_quorums):
            subsets("paxos", acceptors, acceptors // 2 + 1, f"--acceptors {acceptors} (majorities)")
        self.Acceptor = tuple(range(acceptors))
        self.Value = tuple(range(values))
        self.Ballot = tuple(range(max_ballot + 1))
        self.MaxBallot = max_ballot
        base = self._quorum_system("quorums", quorums) if quorums is not None else majorities(acceptors)
        self.Quorum1 = self._quorum_system("phase-1 quorums", phase1_quorums) if phase1_quorums else base
        self.Quorum2 = self._quorum_system("phase-2 quorums", phase2_quorums) if phase2_quorums else base
        self.custom_quorums = quorums is not None or bool(phase1_quorums) or bool(phase2_quorums)
        self._check_quorums()
        self._ballot_or_none = frozenset(range(-1, max_ballot + 1))
        self._value_or_none = frozenset(range(-1, values))
        self._messages: frozenset[tuple[int, ...]] | None = None
        self._min_q2 = min(len(q) for q in self.Quorum2)
        super().__init__()
        if max_restarts:
            self.variables = (*type(self).variables, "restarts")

    def _quorum_system(self, what: str, qs: Sequence[Iterable[int]]) -> tuple[frozenset[int], ...]:
        out = []
        for i, q in enumerate(qs):
            fq = frozenset(q)
            if not fq:
                raise SpecError(f"paxos: {what}: quorum #{i + 1} is empty")
            bad = sorted(a for a in fq if a not in self.Acceptor)
            if bad:
                raise SpecError(
                    f"paxos: {what}: quorum #{i + 1} names acceptor(s) {', '.join(map(str, bad))} "
                    f"outside 0..{len(self.Acceptor) - 1}"
                )
            out.append(fq)
        if not out:
            raise SpecError(f"paxos: {what}: no quorum given")
        return tuple(out)

    def _check_quorums(self) -> None:
        """Enforce the quorum assumption this spec relies on (QuorumAssumption of Paxos.tla)."""
        if not self.assume_intersection:
            return
        n = len(self.Acceptor)
        k1, k2 = _all_subsets_of_size(self.Quorum1, n), _all_subsets_of_size(self.Quorum2, n)
        if k1 and k2:  # every k1-subset meets every k2-subset exactly when k1 + k2 > n: no pairs to try
            if k1 + k2 > n:
                return
            q1, q2 = frozenset(range(k1)), frozenset(range(k1, k1 + k2))
            raise SpecError(
                f"paxos: quorums {self._show_set(q1)} and {self._show_set(q2)} do not intersect; "
                "Paxos needs every phase-1 quorum to meet every phase-2 quorum "
                "(use --variant flexible to study such systems)"
            )
        pairs_given = len(self.Quorum1) * len(self.Quorum2)
        enumerable("paxos", "pairs of quorums to check for intersection", pairs_given, "the quorum systems given")
        pairs = (itertools.combinations_with_replacement(self.Quorum1, 2) if self.Quorum1 == self.Quorum2
                 else itertools.product(self.Quorum1, self.Quorum2))
        for q1, q2 in pairs:
            if not q1 & q2:
                raise SpecError(
                    f"paxos: quorums {self._show_set(q1)} and {self._show_set(q2)} do not intersect; "
                    "Paxos needs every phase-1 quorum to meet every phase-2 quorum "
                    "(use --variant flexible to study such systems)"
                )

    def quorums_intersect(self) -> bool:
        """Every phase-1 quorum meets every phase-2 quorum (the condition Flexible Paxos proves sufficient)."""
        return all(q1 & q2 for q1 in self.Quorum1 for q2 in self.Quorum2)

    # -- TLA+ definitions --------------------------------------------------
    def init_states(self) -> Iterator[PaxosState | PaxosRestartState]:
        """Init: no acceptor has promised or voted, no message has been sent."""
        n = len(self.Acceptor)
        if self.MaxRestarts:
            yield PaxosRestartState((-1,) * n, (-1,) * n, (NONE,) * n, frozenset(), 0)
        else:
            yield PaxosState((-1,) * n, (-1,) * n, (NONE,) * n, frozenset())

    @action(params=lambda self, s: ((b,) for b in self.Ballot))
    def Phase1a(self, s: PaxosState, b: int) -> PaxosState | None:
        """The ballot-b leader sends a 1a message that begins ballot b."""
        m = (M1A, b)
        if m in s.msgs:  # resending changes nothing: a stuttering step, as in TLA+
            return s
        return type(s)(s.maxBal, s.maxVBal, s.maxVal, s.msgs | {m}, *s[4:])

    @action(
        params=lambda self, s: ((a, m[1]) for a in self.Acceptor for m in s.msgs if m[0] == M1A and m[1] > s.maxBal[a])
    )
    def Phase1b(self, s: PaxosState, a: int, b: int) -> PaxosState | None:
        """Acceptor a answers the 1a message of ballot b > maxBal[a]: promise, and report its vote."""
        if (M1A, b) not in s.msgs or not b > s.maxBal[a]:
            return None
        maxBal = s.maxBal[:a] + (b,) + s.maxBal[a + 1 :]
        return type(s)(maxBal, s.maxVBal, s.maxVal, s.msgs | {(M1B, a, b, s.maxVBal[a], s.maxVal[a])}, *s[4:])

    @action(params=lambda self, s: self._phase2a_candidates(s.msgs))
    def Phase2a(self, s: PaxosState, b: int, v: int) -> PaxosState | None:
        """The ballot-b leader asks for votes on v, once a quorum's 1b messages show v safe at b."""
        msgs = s.msgs
        for m in msgs:
            if m[0] == M2A and m[1] == b:
                return None
        if not self.shows_safe(msgs, b, v):
            return None
        return type(s)(s.maxBal, s.maxVBal, s.maxVal, msgs | {(M2A, b, v)}, *s[4:])

    def _phase1b_candidates(self, s: PaxosState) -> list[tuple[int, int]]:
        """(a, b) for each 1a message of ballot b above maxBal[a]."""
        ballots = [m[1] for m in s.msgs if m[0] == M1A]
        mb = s.maxBal
        return [(a, b) for a in self.Acceptor for b in ballots if b > mb[a]]

    def _phase2b_candidates(self, s: PaxosState) -> list[tuple[int, int, int]]:
        """(a, b, v) for each 2a message of ballot b at or above maxBal[a]."""
        proposals = [m for m in s.msgs if m[0] == M2A]
        mb = s.maxBal
        return [(a, m[1], m[2]) for a in self.Acceptor for m in proposals if m[1] >= mb[a]]

    def _phase2a_candidates(self, msgs: frozenset) -> list[tuple[int, int]]:
        """(b, v) pairs worth trying: ballots with no 2a yet and some 1b, every value."""
        started = {m[1] for m in msgs if m[0] == M2A}
        promised = {m[2] for m in msgs if m[0] == M1B}
        return [(b, v) for b in promised if b not in started for v in self.Value]

    def shows_safe(self, msgs: frozenset, b: int, v: int) -> bool:
        """Some phase-1 quorum sent 1b for b, and v is their highest-ballot vote (or none voted)."""
        reported = {m[1]: m for m in msgs if m[0] == M1B and m[2] == b}
        for q in self.Quorum1:
            if not q <= reported.keys():
                continue
            votes = [reported[a] for a in q if reported[a][3] >= 0]
            if not votes:
                return True
            top = max(m[3] for m in votes)
            if any(m[3] == top and m[4] == v for m in votes):
                return True
        return False

    @action(params=lambda self, s: self._phase2b_candidates(s))
    def Phase2b(self, s: PaxosState, a: int, b: int, v: int) -> PaxosState | None:
        """Acceptor a votes for v in ballot b >= maxBal[a], as the 2a message directs."""
        if (M2A, b, v) not in s.msgs or not b >= s.maxBal[a]:
            return None
        return self.vote(s, a, b, v)

    @staticmethod
    def vote(s: PaxosState, a: int, b: int, v: int) -> PaxosState:
        """Phase2b's effect: maxBal[a] = maxVBal[a] = b, maxVal[a] = v, and the 2b message sent."""
        return type(s)(
            s.maxBal[:a] + (b,) + s.maxBal[a + 1 :],
            s.maxVBal[:a] + (b,) + s.maxVBal[a + 1 :],
            s.maxVal[:a] + (v,) + s.maxVal[a + 1 :],
            s.msgs | {(M2B, a, b, v)},
            *s[4:],
        )

    # present only with restarts: without them, exactly Paxos.tla's next-state relation (and coverage table)
    @action(params=lambda self, s: ((a,) for a in self.Acceptor), present=lambda self: self.MaxRestarts > 0)
    def Restart(self, s: PaxosRestartState, a: int) -> PaxosRestartState | None:
        """Acceptor a crashes and recovers: what it persists survives, the rest is back to its initial value.

        Messages already sent stay in ``msgs`` (they are the network's, not the acceptor's).
        Bounded by ``max_restarts`` restarts in total; the action exists only when that bound is positive.
        """
        if s.restarts >= self.MaxRestarts:
            return None
        keep = self.persists
        return PaxosRestartState(
            s.maxBal if "maxBal" in keep else s.maxBal[:a] + (-1,) + s.maxBal[a + 1 :],
            s.maxVBal if "maxVBal" in keep else s.maxVBal[:a] + (-1,) + s.maxVBal[a + 1 :],
            s.maxVal if "maxVal" in keep else s.maxVal[:a] + (NONE,) + s.maxVal[a + 1 :],
            s.msgs,
            s.restarts + 1,
        )

    # -- derived notions and invariants ---------------------------------------
    def votes(self, s: PaxosState) -> dict[tuple[int, int], set[int]]:
        """(ballot, value) -> acceptors that voted for it (their 2b messages)."""
        out: dict[tuple[int, int], set[int]] = {}
        for m in s.msgs:
            if m[0] == M2B:
                out.setdefault((m[2], m[3]), set()).add(m[1])
        return out

    def chosen(self, s: PaxosState) -> set[int]:
        """Values v with ChosenIn(v, b) for some b: a phase-2 quorum voted for v in b."""
        return {bv[1] for bv, voters in self.votes(s).items() if any(q <= voters for q in self.Quorum2)}

    @invariant
    def TypeOK(self, s: PaxosState) -> bool:
        """Every variable holds a value of its type (Paxos.tla's TypeOK)."""
        n = len(self.Acceptor)
        return (
            len(s.maxBal) == len(s.maxVBal) == len(s.maxVal) == n
            and self._ballot_or_none.issuperset(s.maxBal)
            and self._ballot_or_none.issuperset(s.maxVBal)
            and self._value_or_none.issuperset(s.maxVal)
            and s.msgs <= self.Message
            and (len(s) == 4 or 0 <= s[4] <= self.MaxRestarts)
        )

    @property
    def Message(self) -> frozenset[tuple[int, ...]]:
        """Every well-typed message (Paxos.tla's ``Message``), finite under the model's bounds."""
        if self._messages is None:
            A, B, V = self.Acceptor, self.Ballot, self.Value
            mb, mv = tuple(self._ballot_or_none), tuple(self._value_or_none)
            self._messages = frozenset(
                [(M1A, b) for b in B]
                + [(M1B, a, b, x, y) for a in A for b in B for x in mb for y in mv]
                + [(M2A, b, v) for b in B for v in V]
                + [(M2B, a, b, v) for a in A for b in B for v in V]
            )
        return self._messages

    @invariant
    def Agreement(self, s: PaxosState) -> bool:
        """At most one value is chosen."""
        votes = [m for m in s.msgs if m[0] == M2B]
        if len(votes) < 2 * self._min_q2 or len({m[3] for m in votes}) < 2:
            return True  # too few votes, or all for one value: two values cannot both be chosen
        return len(self.chosen(s)) <= 1

    def chosen_by(self, s: PaxosState) -> dict[int, tuple[int, frozenset[int]]]:
        """Chosen value -> (the lowest ballot it was chosen in, the first phase-2 quorum that voted it there)."""
        out: dict[int, tuple[int, frozenset[int]]] = {}
        for (b, v), voters in sorted(self.votes(s).items()):
            q = next((q for q in self.Quorum2 if q <= voters), None)
            if q is not None and v not in out:
                out[v] = (b, q)
        return out

    @explains("Agreement")
    def why_not_Agreement(self, s: PaxosState) -> str | None:
        """The chosen values, each with the ballot and the quorum that chose it."""
        chosen = self.chosen_by(s)
        if len(chosen) < 2:
            return None
        parts = [f"{self.val_name(v)} in ballot {b} by quorum {self._show_set(q)}" for v, (b, q) in chosen.items()]
        return f"{len(chosen)} values are chosen: " + "; ".join(parts)

    # -- witnesses: states a behaviour must reach, or the invariants hold vacuously ---------------
    @witness
    def SomeValueChosen(self, s: PaxosState) -> bool:
        """A phase-2 quorum voted for one value in one ballot."""
        return bool(self.chosen(s))

    @witness
    def ChosenAfterEarlierVote(self, s: PaxosState) -> bool:
        """A value is chosen in a ballot above one where some acceptor had already voted (phase 1 had to
        find that vote: the case P2b exists for)."""
        votes = self.votes(s)
        return any(b > min(bv[0] for bv in votes) for b, _ in self.chosen_by(s).values())

    # -- symmetry ----------------------------------------------------------------
    def symmetric_sets(self) -> Mapping[str, int]:
        """Acceptors and values are interchangeable (MCPaxos's MCSymmetry), acceptors only if the quorums allow."""
        sets = {"Value": len(self.Value)}
        n = len(self.Acceptor)
        if not self.custom_quorums or all(_closed_under_renaming(qs, n) for qs in (self.Quorum1, self.Quorum2)):
            sets["Acceptor"] = len(self.Acceptor)
        return sets

    def permute(self, s: PaxosState, perm: Mapping[str, Sequence[int]]) -> PaxosState:
        """Rename acceptors and values throughout the state."""
        pa = perm.get("Acceptor", self.Acceptor)
        pv = tuple(perm.get("Value", self.Value)) + (NONE,)  # index -1 maps None to None
        n = len(pa)
        mb, mvb, mv = [0] * n, [0] * n, [0] * n
        for a in range(n):
            b = pa[a]
            mb[b], mvb[b], mv[b] = s.maxBal[a], s.maxVBal[a], pv[s.maxVal[a]]
        msgs = []
        for m in s.msgs:
            t = m[0]
            if t == M1A:
                msgs.append(m)
            elif t == M1B:
                msgs.append((M1B, pa[m[1]], m[2], m[3], pv[m[4]]))
            elif t == M2A:
                msgs.append((M2A, m[1], pv[m[2]]))
            else:
                msgs.append((M2B, pa[m[1]], m[2], pv[m[3]]))
        return type(s)(tuple(mb), tuple(mvb), tuple(mv), frozenset(msgs), *s[4:])

    # -- presentation ---------------------------------------------------------------
    def bounds(self) -> dict[str, Any]:
        """Acceptors, values, ballots and the quorum systems."""
        out: dict[str, Any] = {
            "acceptors": len(self.Acceptor),
            "values": len(self.Value),
            "max_ballot": self.MaxBallot,
        }
        if self.MaxRestarts:
            out["max_restarts"] = self.MaxRestarts
        if self.quorum_file is not None:
            out["quorums"] = self.quorum_file
        for key, size, system in zip(("q1", "q2"), self.quorum_sizes, (self.Quorum1, self.Quorum2)):
            if size is not None:
                out[key] = size
            elif self.custom_quorums:
                out[key] = [self._show_set(q) for q in system]
        return out

    @staticmethod
    def acc_name(a: int) -> str:
        """Acceptor 0 is ``a1``, as in MCPaxos."""
        return f"a{a + 1}"

    @staticmethod
    def val_name(v: int) -> str:
        """Value 0 is ``v1``; -1 is ``None``."""
        return "None" if v == NONE else f"v{v + 1}"

    def _show_set(self, q: frozenset[int]) -> str:
        return "{" + ",".join(self.acc_name(a) for a in sorted(q)) + "}"

    def show_message(self, m: tuple[int, ...]) -> dict[str, Any]:
        """A message as a TLA+ record."""
        rec: dict[str, Any] = {"type": MSG_TYPES[m[0]]}
        for f, x in zip(MSG_FIELDS[m[0]], m[1:]):
            rec[f] = self.acc_name(x) if f == "acc" else self.val_name(x) if f in ("val", "mval") else x
        return rec

    def show_state(self, s: PaxosState) -> dict[str, Any]:
        """Functions of the acceptor as records a1..an; msgs as a sorted list of records."""
        names = [self.acc_name(a) for a in self.Acceptor]
        return {
            "maxBal": dict(zip(names, s.maxBal)),
            "maxVBal": dict(zip(names, s.maxVBal)),
            "maxVal": dict(zip(names, map(self.val_name, s.maxVal))),
            "msgs": [self.show_message(m) for m in sorted(s.msgs)],
            **({"restarts": s[4]} if len(s) > 4 else {}),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """Acceptors as ``a1``, values as ``v1``."""
        if param == "a":
            return self.acc_name(value)
        if param == "v":
            return self.val_name(value)
        return value


def _closed_under_renaming(qs: Sequence[frozenset[int]], n: int) -> bool:
    """Whether renaming acceptors 0..n-1 maps the quorum system onto itself (true of every k-subset system)."""
    have = set(qs)
    return all(frozenset(c) in have for q in have for c in itertools.combinations(range(n), len(q)))


def read_quorum_file(path: str, acceptors: int) -> tuple[list[frozenset[int]], list[frozenset[int]]]:
    """Phase-1 and phase-2 quorums from a text file, one quorum per line.

    A line is ``phase1: a1 a2``, ``phase2: a1 a3`` or just ``a1 a2`` (a quorum of both
    phases); acceptors are ``a1``..``aN`` or ``1``..``N``, separated by spaces or commas;
    ``#`` starts a comment.  Errors name the file and line.
    """
    lines = read_text(path, "--quorums", MAX_SMALL_FILE_BYTES).splitlines()
    phase1: list[frozenset[int]] = []
    phase2: list[frozenset[int]] = []
    for lineno, raw in enumerate(lines, 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        where = f"{path}:{lineno}"
        head, sep, rest = text.partition(":")
        phases = {"phase1": (phase1,), "phase2": (phase2,)}.get(head.strip().lower()) if sep else (phase1, phase2)
        if phases is None:
            raise SpecError(f"{where}: unknown prefix {quote(head.strip())} (expected 'phase1:' or 'phase2:')")
        members = []
        for tok in (rest if sep else text).replace(",", " ").split():
            digits = tok[1:] if tok[:1] in ("a", "A") else tok
            if not (digits.isascii() and digits.isdigit()):  # '١' and '²' are digits to str.isdigit
                raise SpecError(f"{where}: {quote(tok)} is not an acceptor (write a1..a{acceptors} or 1..{acceptors})")
            if len(digits) > 6 or not 1 <= int(digits) <= acceptors:
                raise SpecError(f"{where}: acceptor {clip(tok)} is outside a1..a{acceptors} (--acceptors {acceptors})")
            members.append(int(digits) - 1)
        if not members:
            raise SpecError(f"{where}: empty quorum")
        for system in phases:
            system.append(frozenset(members))
    for name, system in (("phase-1", phase1), ("phase-2", phase2)):
        if not system:
            raise SpecError(f"{path}: no {name} quorum given")
    return phase1, phase2
