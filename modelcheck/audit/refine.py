"""The refinement search: does some behaviour of the spec explain the trace, event by event?

The audit keeps the set of spec states consistent with the trace so far (as etcd's trace
validation does with TLC).  For each event it tries each explanation the mapping offers:
from every candidate state, breadth-first through the explanation's steps, trying every
value the spec offers for a parameter the trace left open; a state reached at the end that
agrees with the event's reported fields is a candidate for the next event.  The first event
that leaves no candidate is the verdict: what the implementation did, what the spec allowed
there, and the difference between the two states.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from modelcheck.audit.mapping import ANY, Explanation, Mapping, StepPattern, kinds_agree, names
from modelcheck.audit.tracefile import Event, TraceError, TraceStream
from modelcheck.engine.gcpause import gc_paused
from spec.core import Action, Label, State


@dataclass
class Failure:
    """The first event no spec behaviour explains."""

    index: int  # 0-based position in the merged trace
    event: Event
    allowed: list[str]  # labels the spec had enabled for that node, in the candidate states
    diff: list[tuple[str, Any, Any]]  # (field, implementation, spec) where they differ
    reason: str  # why the closest explanation failed
    candidates: int  # how many spec states were possible before the event


@dataclass
class AuditResult:
    """The outcome of auditing one merged trace."""

    #: the events: all of them, or (a streamed audit) the last ones audited, ``events[0]`` being event ``first``
    events: list[Event]
    audited: int = 0
    failure: Failure | None = None
    seconds: float = 0.0
    max_candidates: int = 0
    warnings: list[str] = field(default_factory=list)
    #: for each audited event, the spec labels of one explanation (kept for the last few events)
    explained: list[tuple[int, list[Label]]] = field(default_factory=list)
    total: int | None = None  # the trace's events (None: all are in ``events``)
    first: int = 0  # the index in the trace of ``events[0]``

    @property
    def ok(self) -> bool:
        """Every event is explained."""
        return self.failure is None

    @property
    def count(self) -> int:
        """The events of the trace."""
        return len(self.events) if self.total is None else self.total

    def event(self, index: int) -> Event:
        """Event ``index`` of the trace (one of those kept)."""
        return self.events[index - self.first]

    @property
    def events_per_second(self) -> float:
        """Audited events per second."""
        return self.audited / self.seconds if self.seconds > 0 else 0.0


def _offered(params: tuple, offered: Iterable[tuple]) -> tuple | None:
    """The enumerator's own tuple among ``offered`` that ``params`` names, each value of the same kind at any depth
    (JSON's ``true`` is not the node ``1``, nor ``1.0`` the number ``1``, though Python finds them equal; nor is
    ``[true]`` the pair ``(1,)``: only the outer types were compared, and the step ran with the trace's ``True``)."""
    sets_may_hide = any(isinstance(x, tuple) for x in params)  # a JSON list may stand for a set (names)
    for p in offered:
        if (p == params and kinds_agree(p, params)) or (sets_may_hide and names(p, params)):
            return tuple(p)
    return None


def _successors(mapping: Mapping, state: State, pat: StepPattern) -> Iterator[tuple[Label, State]]:
    act = mapping.spec.action(pat.name)
    if pat.concrete:
        params = pat.params
        if mapping.enumerated_only:  # the step runs with the spec's own values, the ones the search would use
            own = _offered(params, act.enumerate(state))
            if own is None:
                return
            params = own
        nxt = act.step(state, *params)
        if nxt is not None:
            yield Label(pat.name, params), nxt
        return
    for params in act.enumerate(state):
        if pat.matches(params):
            nxt = act.step(state, *params)
            if nxt is not None:
                yield Label(pat.name, params), nxt


def _walk(
    mapping: Mapping, start: State, expl: Explanation
) -> tuple[list[tuple[State, list[Label]]], int, StepPattern | None]:
    """States reachable from ``start`` through ``expl``; also how far it got and the step that was not enabled."""
    frontier: list[tuple[State, list[Label]]] = [(start, [])]
    for depth, pat in enumerate(expl):
        nxt = [(t, labels + [label]) for s, labels in frontier for label, t in _successors(mapping, s, pat)]
        if not nxt:
            return frontier, depth, pat
        if len(nxt) > 1:  # each state once, with the first labels that reached it (one state: no hashing)
            first: dict[State, list[Label]] = {}
            for t, labels in nxt:
                first.setdefault(t, labels)
            nxt = list(first.items())
        frontier = nxt
    return frontier, len(expl), None


def _enabled(mapping: Mapping, event: Event, state: State, limit: int = 40) -> list[str]:
    """The node's enabled spec steps in ``state``, sorted, at most ``limit`` of them."""
    out = sorted(
        {
            mapping.show_label(mapping.spec.label(i, params))
            for i, params, _ in mapping.spec.successors(state)
            if mapping.involves(event, mapping.spec.label(i, params))
        }
    )
    return out[:limit] + (["..."] if len(out) > limit else [])


def _show(mapping: Mapping, pat: StepPattern) -> str:
    return mapping.show_label(Label(pat.name, pat.params)) if pat.concrete else str(pat)


def _diagnose(mapping: Mapping, index: int, event: Event, cands: Sequence[State]) -> Failure:
    """Explain why no candidate works: the closest attempt, what the spec allowed, the field diff."""
    # (steps done, -fields differing, state, reason, the step not enabled or None)
    best: tuple[int, int, State, str, StepPattern | None] | None = None
    want = mapping.event_view(event)
    for s in cands[:50]:
        for expl in mapping.explanations(event):
            reached, depth, stuck = _walk(mapping, s, expl)
            for t, _ in reached[:20]:
                have = mapping.node_view(event, t)
                ndiff = sum(1 for k in set(want) | set(have) if not mapping.same(want.get(k), have.get(k)))
                if stuck is not None:
                    why = mapping.why_not_enabled(event, t, stuck) if stuck.concrete else None
                    reason = f"{_show(mapping, stuck)} is not enabled" + (
                        f" after {', '.join(_show(mapping, p) for p in expl[:depth])}" if depth else ""
                    ) + (f": {why}" if why else "")
                elif not expl:
                    reason = mapping.stutter_reason
                elif ndiff:
                    reason = f"{' then '.join(_show(mapping, p) for p in expl)} leads to a different state"
                else:
                    reason = f"{' then '.join(_show(mapping, p) for p in expl)} does not produce what the event reports"
                key = (depth, -ndiff)
                if best is None or key > best[:2]:
                    best = (depth, -ndiff, t, reason, stuck)
    if best is None:  # the mapping offers no steps at all (Mapping.explanations returned none)
        return Failure(index, event, _enabled(mapping, event, cands[0]), [], mapping.refusal(event), len(cands))
    _, _, state, reason, stuck = best
    have = mapping.node_view(event, state)
    diff = [(k, want.get(k), have.get(k)) for k in sorted(set(want) | set(have), key=str)
            if not mapping.same(want.get(k), have.get(k))]
    allowed = _enabled(mapping, event, cands[0])
    if stuck is not None and _show(mapping, stuck) in allowed:  # 'Hit(i=0) is not enabled ... allowed: Hit(i=0)'
        reason += f" (the step's parameters are {stuck.params!r}: another type than the spec's, which read alike)"
    return Failure(index, event, allowed, diff, reason, len(cands))


def _not_as_sent(index: int, event: Event, candidates: int) -> Failure:
    """The failure of an event whose ``recv`` is not the message sent under its id (``Event.sent_as``)."""
    where, sent = event.sent_as  # type: ignore[misc]
    recv = event.recv or {}
    fields = [k for k in sorted(recv.keys() | sent.keys()) if recv.get(k) != sent.get(k)]
    def shown(m: dict[str, Any], k: str) -> str:  # (a field left out is not a null one)
        return json.dumps(m[k]) if k in m else "absent"

    reason = f"receives message {recv.get('id')} other than it was sent ({where}: " + ", ".join(
        f"{k} {shown(recv, k)} here, {shown(sent, k)} sent" for k in fields) + ")"
    return Failure(index, event, [], [(f"recv.{k}", recv.get(k), sent.get(k)) for k in fields], reason, candidates)


def audit_events(
    mapping: Mapping,
    events: Sequence[Event] | TraceStream,
    *,
    keep_explained: int = 30,
    on_step: Callable[[int, Event, int], None] | None = None,
) -> AuditResult:
    """Audit a merged trace; the verdict is its first unexplained event. A :class:`TraceStream` is read as the
    audit goes (after its survey, if no pass has made one): the result keeps the last ``keep_explained`` + 1 events,
    what the report shows of them.

    The events are read to the end whatever the audit finds, for what outranks its verdict, as when the whole
    trace was read and checked before the audit began: what the reading refuses (raised as it is met), then the
    names the spec does not know (all of them, each where it is first), then an event the mapping cannot decode
    (the first); events are audited up to the first of these or the first unexplained event, decoded up to the
    first of those."""
    streamed = isinstance(events, TraceStream)
    if streamed:
        events.survey()  # type: ignore[union-attr]  # (no-op when a pass has: this one marks sent_as)
    total = len(events)
    see, unknown = mapping.vocabulary_check()
    started = time.perf_counter()
    kept: deque[Event] | None = deque(maxlen=keep_explained + 1) if streamed else None
    result = AuditResult(list(events) if kept is None else [])
    auditor = OnlineAuditor(mapping, keep_explained=keep_explained)
    k, event = 0, None
    auditing, decoding = True, True  # (each stops at its first trouble; the reading goes on)
    undecodable: TraceError | None = None  # the first event the mapping cannot decode
    refused: TraceError | None = None  # what the audit refused (too many spec states, a value the spec lacks)
    prepare, step = mapping.prepare, auditor.step
    required, missing_params = mapping.required_params, mapping.missing_params
    base = 0
    try:
        with gc_paused(promote=True):  # the audit's events: no cycles, tens of thousands alive
            # A chunk at a time: its names checked and its events decoded, then audited (decoding each event
            # between the steps of the one before costs a third more: the two work sets evict each other).
            for chunk in _chunks(events, _CHUNK):
                ready = len(chunk)  # the events of the chunk before an unknown name or an undecodable event
                for j, event in enumerate(chunk):
                    if see(event) and decoding:
                        ready, decoding = min(ready, j), False
                    if decoding:
                        try:
                            missing = required and missing_params(event)
                            if missing:
                                raise missing
                            prepare(event)
                        except TraceError as exc:
                            undecodable, decoding, ready = exc, False, min(ready, j)
                for j in range(ready if auditing else 0):
                    k, event = base + j, chunk[j]
                    if kept is not None:
                        kept.append(event)
                    try:
                        failure = step(event)
                    except TraceError as exc:
                        refused, auditing = exc, False
                        break
                    if on_step:
                        on_step(k, event, len(auditor.candidates))
                    if failure is not None:
                        result.failure, auditing = failure, False
                        break
                auditing = auditing and ready == len(chunk)
                base += len(chunk)
    except KeyboardInterrupt as exc:  # Ctrl-C (or SIGTERM): say how far the audit got (it said "interrupted" alone)
        at = f"{k + 1} ({event.where})" if event is not None else "1"
        raise type(exc)(
            f"after {time.perf_counter() - started:.1f}s: {auditor.audited:,} of {total:,} events explained, "
            f"at event {at} with {len(auditor.candidates):,} candidate spec state(s) (the audit is incomplete)"
        ) from None
    names = unknown()
    if names:
        raise TraceError(
            f"the trace uses {len(names)} name(s) the {mapping.spec.name} spec does not know: " + "; ".join(names)
            + mapping.vocabulary_hint()
        )
    if undecodable is not None or refused is not None:
        raise undecodable or refused  # type: ignore[misc]
    if kept is not None:
        result.events, result.total = list(kept), total
        result.first = (result.failure.index if result.failure else total - 1) + 1 - len(kept)
    result.audited = auditor.audited
    result.max_candidates = auditor.max_seen
    result.explained = auditor.explained
    result.seconds = time.perf_counter() - started
    return result


_CHUNK = 256


def _chunks(events: Iterable[Event], size: int) -> Iterator[list[Event]]:
    """``events`` in lists of ``size`` (the last shorter)."""
    it = iter(events)
    while chunk := list(islice(it, size)):
        yield chunk


class OnlineAuditor:
    """The audit one event at a time, for a running simulation: ``step`` returns the failure, if any."""

    def __init__(self, mapping: Mapping, keep_explained: int = 30) -> None:
        self.mapping = mapping
        self.candidates: list[State] = list(dict.fromkeys(mapping.init_states()))  # distinct states
        self.audited = 0
        self.max_seen = len(self.candidates)
        self.keep = keep_explained
        self.explained: list[tuple[int, list[Label]]] = []
        self.failure: Failure | None = None
        self._actions: dict[str, Action] = {}

    def step(self, event: Event) -> Failure | None:
        """Advance the candidate states over ``event``; returns a :class:`Failure` if nothing explains it."""
        if self.failure is not None:
            return self.failure
        if event.sent_as is not None:  # no spec step receives a message other than the one sent
            self.failure = _not_as_sent(self.audited, event, len(self.candidates))
            return self.failure
        mapping = self.mapping
        expls = mapping.explanations(event)
        if (len(expls) == 1 and len(expls[0]) == 1 and len(self.candidates) == 1 and ANY not in expls[0][0].params
                and not mapping.enumerated_only):
            # The common case (one spec state, one concrete step): the general loop below, without its
            # machinery (one state needs no dict, hence no state hash).  When the step fails, that loop
            # runs and finds nothing either; it diagnoses.
            pat = expls[0][0]
            act = self._actions.get(pat.name)
            if act is None:  # (Spec.action searches the action list: once per name)
                act = self._actions[pat.name] = mapping.spec.action(pat.name)
            s = self.candidates[0]
            t = act.step(s, *pat.params)
            if t is not None and mapping.agrees(event, t) and (
                    not (event.sent or event.recv or mapping.sends_always) or mapping.sends(event, s, t)):
                return self._advance(event, [t], [Label(pat.name, pat.params)])  # type: ignore[func-returns-value]
        found: list[tuple[State, list[Label]]] = []  # (a state that agrees, the steps that reached it)
        for expl in expls:
            for s in self.candidates:
                if not expl:
                    if mapping.agrees(event, s) and (
                            not (event.sent or event.recv or mapping.sends_always) or mapping.sends(event, s, s)):
                        found.append((s, []))
                    continue
                reached, _, stuck = _walk(mapping, s, expl)
                if stuck is not None:
                    continue
                found.extend((t, labels) for t, labels in reached
                             if mapping.agrees(event, t) and (
                                 not (event.sent or event.recv or mapping.sends_always) or mapping.sends(event, s, t)))
        if not found:
            self.failure = _diagnose(mapping, self.audited, event, self.candidates)
            return self.failure
        # each state once (hashing the states only when there are several), with the first labels found
        nxt = [found[0][0]] if len(found) == 1 else list(dict.fromkeys(t for t, _ in found))
        return self._advance(event, nxt, found[0][1])  # type: ignore[func-returns-value]  # (None: no failure)

    def _advance(self, event: Event, nxt: list[State], labels: list[Label]) -> None:
        """The spec states after ``event`` (distinct) become the candidates; ``labels``: one explanation's steps."""
        most = self.mapping.max_candidates
        if len(nxt) > most:
            raise TraceError(
                f"{event.where}: {len(nxt)} spec states fit the trace so far (more than {most}); "
                "the events leave too many choices open to audit"
            )
        self.candidates = nxt
        self.max_seen = max(self.max_seen, len(nxt))
        self.explained.append((self.audited, labels))
        if len(self.explained) > self.keep:
            del self.explained[0]
        self.audited += 1
        return None
