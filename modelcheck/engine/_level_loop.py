"""The breadth-first engines' expansion loops, generated for one spec: its actions unrolled, each
with its own inner loop.

A loop written once for every spec pays, per state and action, for unpacking an
``(index, enumerator, step, arity)`` tuple and a per-action firing counter, and per successor for
choosing the call by arity and testing options (a constraint? invariants?) that never change during
a run. The generated loops decide those once: each action's parameters are unpacked in the ``for``
target and passed spread out (:mod:`modelcheck.engine.calls`: the specialised call), firings are
counted in one local per action (added to the totals at the end of the level or chunk, or at a
stop), and only the tests the spec needs are there. What a successor goes through is unchanged:
the same tests in the same order, so counts, coverage and counterexamples are the generic loop's.

Two loops share the per-action part (:func:`_action`): the one-process search's level
(:func:`level_loop`, :mod:`modelcheck.engine.bfs`; with ``graph``, the same level recording the state
graph, :mod:`modelcheck.engine.graph`) and a worker's chunk (:func:`chunk_loop`,
:mod:`modelcheck.engine.search`); they differ in what they do with a successor's fingerprint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelcheck.engine.calls import GENERIC
from spec.core import OUTSIDE, Counted, Spec, State

Actions = list[tuple[Callable[..., Any], Callable[..., Any], int]]  # (enumerator, step, arity) per action

_ARGS = ("p0", "p1", "p2")

# One action's successors of state ``s``; {count} counts a firing, {record} takes a successor's fingerprint.
_ACTION = """\
            for {target} in {params_of}:
                t = step_{i}(s, {args})
                if t is None:
                    continue
{count}                if {unchanged}:  # changed nothing (s is stored and checked){or_outside}
{on_unchanged}                    continue
{step}{cut}                fp = fingerprint(t)
{record}"""

# The same for an enumerator that may answer Counted (spec.core.counts_outside): its counted parameters
# come after the others, so they are counted after them ({counted} adds ``ps_{i}.outside`` firings).
_COUNTED = """\
            ps_{i} = {params_of}
{action}            if ps_{i}.__class__ is Counted:
{counted}"""

# a successor outside the constraint is checked, not stored nor expanded (TLC's rule)
_CUT = """\
                if not constraint(t):
{cut_check}{on_cut}{step}                    continue
"""

_CUT_CHECK = """\
                    bad = violated(t)
                    if bad:
                        {on_cut}
"""


def _action(i: int, enum: Callable[..., Any], arity: int, count: str, record: str, constraint: bool,
            cut_check: str | None, counted: str, bundled: dict[int, str], kept: frozenset[int],
            on_unchanged: str = "", on_cut: str = "", step: str = "") -> str:
    """The code of action ``i``: ``cut_check`` runs on a cut successor that violates an invariant
    (``bad``: its name; ``params``: the parameters), or None when cut successors are not checked;
    ``on_unchanged`` and ``on_cut`` run on a successor that changed nothing and on one the constraint cuts
    (the graph's loop records their labels there);
    ``counted`` adds ``n`` firings at once (an enumerator's :class:`spec.core.Counted` parameters);
    ``step`` runs on every successor that is not the state itself (a step check's stop): where the loop's
    ``record`` places it (``{step}`` for a stored successor, ``{step_seen}`` for one seen before: after the
    invariants, TLC's order, so a state that breaks an invariant is reported as such) and after a cut
    successor's check, else first of all;
    an action in ``kept`` keeps the constraint (:func:`spec.behaviour.constraint_keepers`): not asked.
    An enumerator that reads no state (:func:`spec.core._once`) is asked once, before the loop; one
    that takes an item of a bundle (``bundled[i]``, see :func:`_bundles`) reads the state's bundle."""
    if arity == GENERIC:
        target, args, params = "params", "*params", "params"
    else:
        args = ", ".join(_ARGS[:arity])
        target, params = args + ",", f"({args},)"
    params_of = f"params_{i}" if _state_free(enum) else bundled.get(i, f"enum_{i}(s)")
    if getattr(enum, "counts_outside", False) is True:
        code = _action_code(i, f"ps_{i}", target, args, params, count, record, constraint, i in kept, cut_check,
                            on_unchanged, on_cut, step)
        return _COUNTED.format(i=i, params_of=params_of, action=code, counted=counted.format(i=i, n=f"ps_{i}.outside"))
    return _action_code(i, params_of, target, args, params, count, record, constraint, i in kept, cut_check,
                        on_unchanged, on_cut, step)


def _action_code(i: int, params_of: str, target: str, args: str, params: str, count: str, record: str,
                 constraint: bool, kept: bool, cut_check: str | None, on_unchanged: str, on_cut: str,
                 step: str) -> str:
    """The loop over action ``i``'s parameters ``params_of`` (see :func:`_action`)."""
    step_code = step.format(i=i, params=params)
    deeper = "".join("    " + line for line in step_code.splitlines(True))
    in_record = "{step}" in record
    cut = ""
    if constraint and not kept:
        bad = cut_check.format(i=i, params=params) if cut_check is not None else None
        cut = _CUT.format(cut_check=_CUT_CHECK.format(on_cut=bad) if bad else "", on_cut=on_cut,
                          step=deeper if in_record else "")
    return _ACTION.format(
        i=i,
        params_of=params_of,
        target=target,
        args=args,
        count=count.format(i=i, params=params),
        unchanged="t is s or t is outside" if constraint else "t is s",
        or_outside=", or counted only" if constraint else "",
        on_unchanged=on_unchanged,
        step="" if in_record else step_code,
        cut=cut,
        record=record.format(i=i, step=step_code, step_seen=deeper),
    )


def _state_free(enum: Callable[..., Any]) -> bool:
    return getattr(enum, "state_free", False) is True


def _ask_once(actions: Actions, indent: str) -> str:
    """The code that takes the parameters of the state-free enumerators from state ``s``."""
    return "".join(f"{indent}params_{i} = enum_{i}(s)\n" for i, (e, _, _) in enumerate(actions) if _state_free(e))


def _bundles(actions: Actions) -> tuple[list[Callable[..., Any]], dict[int, str]]:
    """The per-state bundles that the actions' enumerators take an item of (:func:`spec.core.bundled`),
    bound to their spec, and for each such action ``i`` its parameters' expression (``b0[3]``)."""
    found: list[tuple[Any, Any]] = []  # (bundle function, spec)
    bound: list[Callable[..., Any]] = []
    of: dict[int, str] = {}
    for i, (e, _, _) in enumerate(actions):
        mark, owner = getattr(e, "bundle", None), getattr(e, "__self__", None)
        if mark is None or owner is None or _state_free(e):  # a wrapper (canonical order, ...) is called as is
            continue
        fn, k = mark
        if not any(f is fn and o is owner for f, o in found):
            found.append((fn, owner))
            bound.append(fn.__get__(owner))
        j = next(j for j, (f, o) in enumerate(found) if f is fn and o is owner)
        of[i] = f"b{j}[{k}]"
    return bound, of


def _shared(actions: Actions, bundled: dict[int, str]) -> dict[int, str]:
    """``bundled`` with, for each enumerator object that several actions hold (spec.core gives actions declared
    with one enumerator function one object), its parameters' expression: the first of those actions asks it
    (``(pe_3 := enum_3(s))``), the later ones read what it gave (``pe_3``), so it runs once per state instead of
    once per action. Enumerators are functions of the state (the checker's contract), so the parameters, and
    every count, are the same; a state-free, bundled or Counted-giving enumerator keeps its own way. What it
    gives is kept as a tuple: an enumerator may return a generator, which the first action would use up (the
    shipped RaftConfig's AddServer and RemoveServer share one: 1,306 states instead of 1,531)."""
    users: dict[int, list[int]] = {}
    for i, (e, _, _) in enumerate(actions):
        if i not in bundled and not _state_free(e) and getattr(e, "counts_outside", False) is not True:
            users.setdefault(id(e), []).append(i)
    out = dict(bundled)
    for first, *later in users.values():
        if later:
            out[first] = f"(pe_{first} := tuple(enum_{first}(s)))"
            out.update((i, f"pe_{first}") for i in later)
    return out


def _ask_bundles(bundles: list[Callable[..., Any]]) -> str:
    """The code that takes each bundle of state ``s`` (once per state, before its actions)."""
    return "".join(f"            b{j} = bundle_{j}(s)\n" for j in range(len(bundles)))


def _compile(spec: Spec, what: str, source: str, actions: Actions, bundles: list[Callable[..., Any]],
             **names: Any) -> Callable[..., Any]:
    """The function ``what`` defined by ``source``, with the actions' enumerators and steps and the
    enumerators' bundles at hand."""
    namespace: dict[str, Any] = {
        "OUTSIDE": OUTSIDE,
        "Counted": Counted,
        "search_enums": tuple(e for e, _, _ in actions),
        "search_steps": tuple(st for _, st, _ in actions),
        "search_bundles": tuple(bundles),
        **names,
    }
    exec(compile(source, f"<{what} of {spec.name}>", "exec"), namespace)  # noqa: S102 - our template, names only
    return namespace[what]


def _names(k: int, bundles: int) -> dict[str, str]:
    """The template fields that name the actions' (and their bundles') locals."""
    counters = "".join(f"f{i}, " for i in range(k))
    bundle_names = "".join(f"bundle_{j}, " for j in range(bundles))
    return {
        "unpack_bundles": f"    ({bundle_names}) = search_bundles\n" if bundles else "",
        "enums": "".join(f"enum_{i}, " for i in range(k)),
        "steps": "".join(f"step_{i}, " for i in range(k)),
        "counters": counters,
        "zero": counters or "_",
        "zeros": f"(0,) * {k}",
        "fired_total": " + ".join(f"f{i}" for i in range(k)) or "0",
    }


# -- the one-process level ------------------------------------------------------------------------------

_LEVEL = """\
def expand_level(search, frontier):
    ({enums}) = search_enums
    ({steps}) = search_steps
{unpack_bundles}    fingerprint, constraint, violated = search.fingerprint, search.constraint, search.violated
{step_locals}    store = search.store
    seen = store.index.setdefault  # one dict operation per successor: a new fingerprint gets index n
    n = len(store.index)
    parents_append, via_append = store.parents.append, store.via.append
    limit, progress, depth = search.limit, search.progress, search.depth
{graph_locals}    outside = OUTSIDE
    next_frontier = []
    append = next_frontier.append
    first = n - len(frontier)  # store index of the level's first state
    s = frontier[0]
{ask_once}    {zero} = {zeros}  # firings per action in this level
    try:
        for si, s in enumerate(frontier, first):
            if progress and not (si - first) & 255:
                queued = len(frontier) - (si - first) + len(next_frontier)
                progress.tick(n, search.generated() + {fired_total}, depth, queued)
{ask_bundles}{before}{actions}{deadlock}{state_end}    except Stop:
        search.add_fired(({counters}))
        raise
    search.add_fired(({counters}))
    return next_frontier
"""

_LEVEL_COUNT = """\
                f{i} += 1
"""

_LEVEL_COUNTED = """\
                f{i} += {n}
"""

_LEVEL_RECORD = """\
                if seen(fp, n) != n:
{step_seen}                    continue
                n += 1
                parents_append(si)
                via_append({i})
{check}{step}                if n >= limit:  # the N-th distinct state: stored and checked, then the search stops
                    search.stop_full(depth + 1)
                append(t)
"""

_LEVEL_CHECK = """\
                bad = violated(t)
                if bad:
                    search.stop_violation(bad, n - 1)
"""

# a step check (``search.step_bad(s, t, action index)``: refinement) fails on the step from s to t: the
# search stops there (the trace ends with the step; the depth is the deepest level stored, as TLC reports it)
_LEVEL_STEP = """\
                bad = step_bad(s, t, {i})
                if bad:
                    search.stop_step(bad, si, {i}, {params}, t)
"""

_LEVEL_DEADLOCK = """\
            if {fired_total} == before:
                search.stop_deadlock(si)
"""


# -- the graph's level (modelcheck.engine.graph) ------------------------------------------------------------

# the graph's locals, and where a state's edges end
_GRAPH_LOCALS = """\
    g, record, label_id = search.g, search.record, search.label_id
    ({ids}) = search.label_ids
    dst, self_loops, cut_from = g.dst, g.self_loops, g.cut_from
    dst_append, lab_append, self_append, cut_append = dst.append, g.lab.append, self_loops.append, cut_from.append
    start_append, self_start_append, cut_start_append = g.start.append, g.self_start.append, g.cut_start.append
"""

_GRAPH_STATE_END = """\
            start_append(len(dst))
            self_start_append(len(self_loops))
            cut_start_append(len(cut_from))
"""

# a firing, and its label's id (interned on first sight)
_GRAPH_COUNT = """\
                f{i} += 1
                lid = ids_{i}.get({params})
                if lid is None:
                    lid = label_id({i}, {params})
"""

_GRAPH_UNCHANGED = """\
                    self_append(lid)
"""

_GRAPH_CUT = """\
                    g.cut += 1
                    if search.cut_pending:
                        search.cut_predicates(t)
                    cut_append(lid)
"""

# a new state is stored, recorded (the size guard may refuse the model there) and checked; an edge to
# the state itself (equal up to symmetry) is a stutter, as the unchanged successor above
_GRAPH_RECORD = """\
                ti = seen(fp, n)
                if ti == n:
                    n += 1
                    parents_append(si)
                    via_append({i})
                    record(t, fp, lid, depth + 1)
{check}                    append(t)
                elif ti == si:
                    self_append(lid)
                    continue
{step}                dst_append(ti)
                lab_append(lid)
"""

_GRAPH_CHECK = """\
                    bad = violated(t)
                    if bad:
                        search.stop_violation(bad, ti)
"""


def level_loop(
    spec: Spec, actions: Actions, *, constraint: bool, invariants: bool, deadlock: bool, stop: type[Exception],
    kept: frozenset[int] = frozenset(), graph: bool = False, step_check: bool = False,
) -> Callable[[Any, list[State]], list[State]]:
    """The level loop of :mod:`modelcheck.engine.bfs` for ``actions`` (in the spec's order).

    ``constraint``: the spec has one (a successor may be cut, or be :data:`OUTSIDE`); ``invariants``:
    new and cut states are checked; ``deadlock``: a state without successors stops the search; ``kept``: the
    actions whose successors are not asked the constraint (:func:`spec.behaviour.constraint_keepers`). The
    returned function takes the search (its ``fingerprint``, ``constraint``, ``violated``, ``store``,
    ``limit``, ``progress``, ``depth``, ``generated``, ``add_fired``, and the stops ``stop_cut``, ``stop_step``,
    ``stop_violation``, ``stop_full``, ``stop_deadlock``, which raise ``stop``) and the level's
    states, and returns the next level's.

    ``graph``: the loop of :mod:`modelcheck.engine.graph`'s search, successor by successor the same tests in
    the same order and the same stops (but the state cap: the graph's size guard raises in ``record``),
    recording the graph as it goes: each successor's label id, a stutter's, a cut one's, an edge per
    state-changing successor kept, and where each state's edges end. Its search also gives ``g``,
    ``label_ids`` (per action, parameters -> label id), ``label_id``, ``record``, ``cut_pending`` and
    ``cut_predicates``.

    ``step_check``: every successor that is not the state itself is passed to ``search.step_bad(s, t, action
    index)`` first, whatever becomes of it; a name it returns stops the search at that step (``stop_step``).
    """
    bundles, bundled = _bundles(actions)
    bundled = _shared(actions, bundled)
    names = _names(len(actions), len(bundles))
    count, record, check, on_unchanged, on_cut, graph_locals, state_end = (
        (_GRAPH_COUNT, _GRAPH_RECORD, _GRAPH_CHECK, _GRAPH_UNCHANGED, _GRAPH_CUT, _GRAPH_LOCALS, _GRAPH_STATE_END)
        if graph else (_LEVEL_COUNT, _LEVEL_RECORD, _LEVEL_CHECK, "", "", "", ""))
    record = record.replace("{check}", check if invariants else "")
    cut = "search.stop_cut(bad, si, {i}, {params}, t)" if invariants else None
    step = _LEVEL_STEP if step_check else ""
    code = "".join(_action(i, e, a, count, record, constraint, cut, _LEVEL_COUNTED, bundled, kept, on_unchanged, on_cut,
                           step) for i, (e, _, a) in enumerate(actions))
    source = _LEVEL.format(
        actions=code,
        ask_once=_ask_once(actions, "    "),
        ask_bundles=_ask_bundles(bundles),
        before=f"            before = {names['fired_total']}\n" if deadlock else "",
        deadlock=_LEVEL_DEADLOCK.format(**names) if deadlock else "",
        graph_locals=graph_locals.replace("{ids}", "".join(f"ids_{i}, " for i in range(len(actions)))),
        step_locals="    step_bad = search.step_bad\n" if step_check else "",
        state_end=state_end,
        **names,
    )
    return _compile(spec, "expand_level", source, actions, bundles, Stop=stop)


# -- a worker's chunk ------------------------------------------------------------------------------------

_CHUNK = """\
def expand_chunk(part, chunk_states, asked, before, fa, ka, aa, ta, events):
    ({enums}) = search_enums
    ({steps}) = search_steps
{unpack_bundles}    fingerprint, constraint, violated = part.fingerprint, part.constraint, part.violated
    cut_event, step_event, step_bad = part.cut_event, part.step_event, part.step_bad
    outside = OUTSIDE
    asked_add = asked.add
    if chunk_states:
        s = chunk_states[0][0][0]
{ask_once}    {zero} = {zeros}  # firings per action in this chunk
    gid = -1
    for states, gids in chunk_states:
        for s, gid in zip(states, gids.tolist()):
            base = gid << KEY_BITS  # a successor's key: base + its position among the successors of s
            # the position of the last successor: a small int, so counting allocates nothing (a key is
            # a 2-digit int past gid 1023, and adding 1 to it built a new one per successor)
            pos = -1
{ask_bundles}{actions}            if pos >= POS_LIMIT:
                part.too_many_successors()
{deadlock}            if events:  # later successors have larger keys: the search stops before them
                break
        if events:
            break
    return gid, ({counters})
"""

_CHUNK_COUNT = """\
                pos += 1
                f{i} += 1
"""

_CHUNK_COUNTED = """\
                pos += {n}
                f{i} += {n}
"""

# a step check fails on the step from s to t: an event at the successor's key (after its state's invariants there)
_CHUNK_STEP = """\
                bad = step_bad(s, t, {i})
                if bad:
                    events.append(step_event(base + pos, bad, gid, {i}, {params}, t))
"""

_CHUNK_DEADLOCK = """\
            if pos < 0:
                events.append((base | DEADLOCK_POS, DEAD, None, gid))
"""

_CHUNK_RECORD = """\
                if fp in asked or fp in before:  # asked before, with a smaller key: not new
                    continue
                asked_add(fp)
                fa(fp)
                ka(base + pos)
                aa({i})
                ta(t)
"""


def chunk_loop(spec: Spec, actions: Actions, *, constraint: bool, deadlock: bool, kept: frozenset[int] = frozenset(),
               step_check: bool = False, **names: Any) -> Callable[..., Any]:
    """The chunk loop of :mod:`modelcheck.engine.search` for ``actions`` (in the spec's order).

    The returned function takes the worker (its ``fingerprint``, ``constraint``, ``violated``,
    ``cut_event``, ``too_many_successors``), the chunk's ``(states, gids)`` segments, the
    fingerprints asked about (this generation's set and the one before), the appends of the
    fingerprints, keys, action indices and states to ask about, and the chunk's events; it returns
    the gid of the last state it expanded (-1: none) and the firings per action. ``deadlock``: a
    state without successors is an event; ``kept``: as in :func:`level_loop`; ``step_check``: every successor
    that is not the state itself is passed to ``part.step_bad(s, t, action index)``, a name it returns an
    event at the successor's key (``part.step_event``). ``names``: the key's layout
    and the event kinds (``KEY_BITS``, ``POS_LIMIT``, ``DEADLOCK_POS``, ``DEAD``).
    """
    bundles, bundled = _bundles(actions)
    bundled = _shared(actions, bundled)
    fields = _names(len(actions), len(bundles))
    cut = "events.append(cut_event(base + pos, bad, gid, {i}, {params}, t))"
    step = _CHUNK_STEP if step_check else ""
    code = "".join(_action(i, e, a, _CHUNK_COUNT, _CHUNK_RECORD, constraint, cut, _CHUNK_COUNTED, bundled, kept,
                           step=step) for i, (e, _, a) in enumerate(actions))
    source = _CHUNK.format(actions=code, ask_once=_ask_once(actions, "        "), ask_bundles=_ask_bundles(bundles),
                           deadlock=_CHUNK_DEADLOCK if deadlock else "", **fields)
    return _compile(spec, "expand_chunk", source, actions, bundles, **names)
