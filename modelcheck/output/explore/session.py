"""What the explorer shows, without HTTP: a path of steps from an initial state, its view, searches.

A path is text, so that it can live in a URL: steps separated by ``/``, each step the action
and its parameters as Python literals (``Phase1b(0,1)``), optionally opened by ``Init(k)``
when a spec has several initial states. Replaying it is the authority: a step is taken
only if its parameters are among those the action enumerates in that state and the step
is enabled, so a pasted link opens exactly the state it named or a page saying which
step is not a behaviour of the spec.
"""

from __future__ import annotations

import ast
import copy
import itertools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from modelcheck.engine.explain import compact
from modelcheck.engine.failing import failing_part
from modelcheck.engine.faults import locate
from modelcheck.engine.lanes import lane_order
from modelcheck.engine.reach import REACHED, goal_predicate, reach
from modelcheck.engine.result import VIOLATION, Result, Step, count, shown_state
from modelcheck.output.render import chart_arrows
from spec.behaviour import deadlock_in, initial_states, state_constraint
from spec.core import Label, Params, Spec, SpecError, State, strict
from spec.refusal import refused_by
from spec.suggest import hint
from spec.userfiles import clip, quote

LINKED = 200  # the last steps of a path the page lists as links (each link is a whole path: see view)
KEPT_JOBS = 100  # finished searches whose outcome /api/job still answers
SHOWN_INITS = 500  # initial states the page lists as links (a spec with more is still explored: Init(k))


class PathError(ValueError):
    """A path that is not a behaviour of the spec (or not a path at all); the message says which step."""


def literal(value: Any) -> str:
    """A parameter as a Python literal that :func:`ast.literal_eval` reads back (sets sorted, no spaces)."""
    if isinstance(value, (frozenset, set)):
        return "{" + ",".join(sorted(literal(x) for x in value)) + "}" if value else "set()"
    if isinstance(value, tuple):
        inner = ",".join(literal(x) for x in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, Fraction):
        return f"Fraction({value.numerator},{value.denominator})"
    return repr(value)


class _Calls(ast.NodeTransformer):
    """``Fraction(n,d)``, as :func:`literal` writes a fractions.Fraction, made a constant literal_eval takes; and
    ``frozenset()``/``frozenset({...})``/``frozenset((...))``, as Python prints a frozenset (the page writes
    ``set()`` and ``{...}``), made the set literal_eval takes: a user typing the repr was told "not Python literals"."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.func, ast.Name) or node.keywords:
            return node
        if node.func.id == "Fraction" and len(node.args) == 2:
            num, den = (ast.literal_eval(a) for a in node.args)
            if type(num) is int and type(den) is int and den != 0:
                return ast.copy_location(ast.Constant(Fraction(num, den)), node)  # type: ignore[arg-type]  # (evaluated, not compiled)
        if node.func.id == "frozenset" and not node.args:
            return ast.copy_location(ast.Call(ast.Name("set", ast.Load()), [], []), node)
        if node.func.id == "frozenset" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.Set):
                return arg
            if isinstance(arg, (ast.Tuple, ast.List)):
                elts = arg.elts
                return ast.copy_location(ast.Set(elts) if elts else ast.Call(ast.Name("set", ast.Load()), [], []), node)
        return node


def segment(label: Label) -> str:
    """One step of a path: ``Phase1b(0,1)``."""
    return f"{label.name}(" + ",".join(literal(p) for p in label.params) + ")"


def path_text(labels: list[Label], init: int = 0) -> str:
    """The path naming these steps from initial state ``init``."""
    return "/".join(([f"Init({init})"] if init else []) + [segment(lb) for lb in labels])


def split_path(text: str) -> list[str]:
    """The steps of a path: split at each ``/`` outside a parameter's quotes and brackets (a key ``'a/b'`` is one
    parameter: the page's own link ``Put('a/b')`` was cut in two and refused)."""
    parts, start, depth, quote, escaped = [], 0, 0, "", False
    for i, ch in enumerate(text):
        if quote:
            escaped, quote = (not escaped and ch == "\\"), ("" if ch == quote and not escaped else quote)
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "/" and depth <= 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _parse_segment(text: str, where: str) -> tuple[str, Params]:
    name, paren, rest = text.partition("(")
    if not paren or not rest.endswith(")") or not name.isidentifier():
        raise PathError(f"{where}: {quote(text, 200)} is not a step (write Action(param,...), e.g. Phase1a(0))")
    try:
        tree = _Calls().visit(ast.parse(f"({rest[:-1]},)", mode="eval")) if rest[:-1].strip() else None
        params = ast.literal_eval(tree) if tree is not None else ()
    except (ValueError, SyntaxError, TypeError):
        raise PathError(f"{where}: the parameters of {quote(text, 200)} are not Python literals") from None
    return name, tuple(params)


def failure_text(exc: BaseException) -> str:
    """What the page says of an exception: located as the command line locates it (the spec's action, its
    parameters, the file and line that raised, the state) when the spec's code raised it, else its type and text.
    ("IndexError: tuple index out of range" named none of them.)"""
    fault = locate(exc)
    return str(fault) if fault is not None else f"{type(exc).__name__}: {exc}"


def _why(spec: Spec, name: str, state: Any, prev: Any = None) -> str:
    """Why invariant ``name`` is false in ``state`` (an action invariant: of the step from ``prev``), as check's trace
    ends: the spec's explanation, then the part that fails when the spec does not explain it
    (:func:`modelcheck.engine.failing.failing_part`)."""
    said = f"the step to this state breaks {name}" if prev is not None else spec.explain(name, state)
    part = failing_part(spec, name, state, prev)
    return said + ("" if part is None else f"; the part that fails: {part}")


@dataclass
class Session:
    """One spec being explored: paths replayed (with a small cache) and searches run in threads."""

    spec: Spec
    cache: OrderedDict[str, list[Step]] = field(default_factory=OrderedDict)
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.inits = initial_states(self.spec)  # Init(k) is the checker's k-th initial state
        self.constraint = state_constraint(self.spec)
        self.processes = self._process_names(shown_state(self.spec, self.inits[0]))

    # -- paths ------------------------------------------------------------------------------
    def replay(self, text: str) -> list[Step]:
        """The steps a path names, each checked against the spec; PathError names the first bad one.

        From the longest prefix in the cache, step by step (it recursed once per step, so a pasted path of
        1,500 steps ended in 'RecursionError', status 500, where 10,000 are allowed). The path and its parent
        are cached (a click extends the one, Back goes to the other), and every 256th prefix of a long path."""
        parts = split_path(text.strip())
        if len(parts) > 10_000:
            raise PathError("the path has more than 10,000 steps")
        ends = list(itertools.accumulate(len(p) + 1 for p in parts))  # prefix k is norm[:ends[k - 1] - 1]
        norm = "/".join(parts)

        def prefix(k: int) -> str:
            return norm[: ends[k - 1] - 1] if k else ""

        kept = {len(parts), len(parts) - 1}
        steps: list[Step] = []
        k = 0
        with self.lock:
            for j in sorted(kept | set(range(256, len(parts), 256)), reverse=True):
                hit = self.cache.get(prefix(j)) if j > 0 else None
                if hit is not None:
                    self.cache.move_to_end(prefix(j))
                    steps, k = list(hit), j
                    break
        if not k:
            steps = self._start(parts[:1])
            k = 1 if parts and parts[0].startswith("Init(") else 0
        for n in range(k + 1, len(parts) + 1):
            steps.append(self._step(steps[-1].state, parts[n - 1], n))
            if n in kept or not n % 256:
                self._remember(prefix(n), list(steps))
        if not parts:
            self._remember("", steps)
        return steps

    def _remember(self, text: str, steps: list[Step]) -> None:
        with self.lock:
            self.cache[text] = steps
            while len(self.cache) > 2000:
                self.cache.popitem(last=False)

    def _start(self, first: list[str]) -> list[Step]:
        k = 0
        if first and first[0].startswith("Init("):
            _, params = _parse_segment(first[0], "step 0")
            if len(params) != 1 or not isinstance(params[0], int) or not 0 <= params[0] < len(self.inits):
                n = len(self.inits)  # numbered from 0, as every search takes them; the checker's state 1 is Init(0)
                which = "Init(0)" if n == 1 else f"Init(0) to Init({n - 1})"
                raise PathError(f"step 0: {first[0]} names no initial state (there are {n}, numbered from 0: {which})")
            k = params[0]
        return [Step(None, self.inits[k])]

    def _step(self, state: State, text: str, n: int) -> Step:
        where = f"step {n}"
        name, params = _parse_segment(text, where)
        try:
            act = self.spec.action(name)
        except SpecError:
            known = [a.name for a in self.spec.actions]
            raise PathError(f"{where}: {self.spec.name} has no action {name!r}{hint(name, known)} "
                            f"(actions: {', '.join(known)})") from None
        if len(params) != len(act.param_names):
            raise PathError(f"{where}: {name} takes {len(act.param_names)} parameter(s) "
                            f"({', '.join(act.param_names)}), got {len(params)}")
        offered = []
        why = ""
        for cand in act.enumerate(state):
            if tuple(cand) == params:
                nxt = act.step(state, *cand)
                if nxt is None:
                    why = refused_by(act.step, state, cand)
                    break
                return Step(Label(name, tuple(cand)), nxt)
            offered.append(tuple(cand))
        else:  # not among the parameters the action enumerates there: not a step it would even try
            some = ", ".join(segment(Label(name, p)) for p in offered[:3]) + (", ..." if len(offered) > 3 else "")
            raise PathError(f"{where}: {clip(text, 200)} is not among {name}'s parameters in {_state_before(n)} "
                            f"({f'it offers {some}' if some else 'it offers none'}): this path is not a behaviour of "
                            "the spec")
        raise PathError(f"{where}: {clip(text, 200)} is not enabled in {_state_before(n)}{why}: "
                        "this path is not a behaviour of the spec")

    # -- the page's data ----------------------------------------------------------------------
    @staticmethod
    def _process_names(shown: dict[str, Any]) -> list[str]:
        """The columns: the keys most variables that map names to values share (the first such variable's on a
        tie). A spec mapping keys to values in one variable and transactions to values in three (KeyValueStore's
        store, then snapshotStore, written and missed) gets a column per transaction, not per key."""
        shared: dict[tuple[str, ...], int] = {}
        for value in shown.values():
            if isinstance(value, dict) and value and "type" not in value:
                shared[tuple(value)] = shared.get(tuple(value), 0) + 1
        return list(max(shared, key=shared.__getitem__)) if shared else []  # type: ignore[arg-type]  # max: first of equals

    def _layout(self, shown: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
        procs = self.processes
        rows, others = [], []
        for var, value in shown.items():
            old = None if before is None else before.get(var)
            if isinstance(value, dict) and procs and list(value) == procs:
                cells = [{"text": compact(value[p]), "changed": before is not None
                          and (not isinstance(old, dict) or old.get(p) != value[p])} for p in procs]
                rows.append({"var": var, "cells": cells})
            elif isinstance(value, list):
                items = [{"text": compact(x), "added": before is not None and x not in (old or [])} for x in value]
                others.append({"var": var, "items": items, "changed": before is not None and value != old})
            else:
                others.append({"var": var, "text": compact(value), "changed": before is not None and value != old})
        return {"processes": procs, "rows": rows, "others": others}

    def _breaks(self, nxt: State, broken: set[str]) -> str | None:
        """The first invariant a step breaks: false after it and true before. One already false in the state shown
        is not the step's doing (every step from a violating state, a resend that changes nothing included, would
        otherwise be marked as breaking it)."""
        name = self.spec.violated(nxt)
        if name is None or name not in broken:
            return name
        rest = (n for n, inv in self.spec.invariants.items() if n not in broken
                and not strict(self.spec, "invariant", n, inv(nxt)))
        return next(rest, None)

    def view(self, text: str) -> dict[str, Any]:
        """Everything the page shows for the state a path reaches."""
        spec = self.spec
        steps = self.replay(text)
        state = steps[-1].state
        shown = shown_state(spec, state)
        before = shown_state(spec, steps[-2].state) if len(steps) > 1 else None
        labels: list[Label] = [st.label for st in steps[1:]]  # type: ignore[misc]  # (after the first: labelled)
        init = self.inits.index(steps[0].state) if len(self.inits) > 1 else 0
        base = path_text(labels, init)
        invariants: list[dict[str, Any]] = []
        for name, inv in spec.invariants.items():  # True or False only, as check judges them
            ok = strict(spec, "invariant", name, inv(state))
            invariants.append({"name": name, "holds": ok, "why": None if ok else _why(spec, name, state)})
        if len(steps) > 1:  # the step that reached the state, judged by the action invariants (none: it holds)
            prev = steps[-2].state
            for name in spec.action_invariants:
                ok = spec.step_holds(name, prev, state)
                invariants.append({"name": name, "holds": ok, "why": None if ok else _why(spec, name, state, prev)})
        broken = {inv["name"] for inv in invariants if not inv["holds"]}
        enabled = []
        for act in spec.actions:
            for params, nxt in act.successors(state):
                label = Label(act.name, params)
                enabled.append({
                    "label": spec.show_label(label),
                    "path": f"{base}/{segment(label)}" if base else segment(label),
                    "violates": self._breaks(nxt, broken) or spec.step_violated(state, nxt),
                    "stutter": nxt == state,
                    "outside": not self.within(nxt),
                })
        events = [spec.msc_event(steps[i - 1].state, lb, steps[i].state) for i, lb in enumerate(labels, 1)]
        # each step's link is its whole path: for the last LINKED steps only, or a path of 10,000 steps answered
        # 300 MB (and took minutes: every prefix written anew); the ones before are listed by label
        segs = ([f"Init({init})"] if init else []) + [segment(lb) for lb in labels]
        own = len(segs) - len(labels)
        history = [{"label": "Initial state", "path": path_text([], init)}] + [
            {"label": spec.show_label(lb), "path": "/".join(segs[: own + k + 1]) if k >= len(labels) - LINKED else None}
            for k, lb in enumerate(labels)
        ]
        return {
            "spec": spec.describe(),
            "path": base,
            "inits": self._inits(init),
            "depth": len(steps) - 1,
            "outside": not self.within(state),  # the page says the checker never expands it
            "state": self._layout(shown, before),
            "invariants": invariants,
            "enabled": enabled,
            "deadlock": not enabled and deadlock_in(spec, state) is None,  # (outside the constraint: none)
            "history": history,
            "lanes": lane_order(spec, events),
            "events": [{"node": e.node, "received": list(e.received), "sent": list(e.sent)} for e in events],
            "arrows": chart_arrows(spec, events),
            "witnesses": list(spec.witnesses),
        }

    def within(self, state: State) -> bool:
        """Whether ``state`` is within the spec's state constraint: a state outside it is part of no model the
        checker explores (checked, never expanded), though the spec's steps lead there and on."""
        return self.constraint is None or bool(self.constraint(state))

    def _inits(self, current: int) -> dict[str, Any]:
        """The initial states to start from (a spec may have many: EWD840 has 192), each a link; the first
        ``SHOWN_INITS`` listed, the others reached by typing ``Init(k)``. Each is shown by the variables in
        which the listed ones differ (Peterson's by ``turn = p1``): a whole state did not fit the line."""
        shown = [shown_state(self.spec, st) for st in self.inits[:SHOWN_INITS]]
        differ = [var for var in shown[0] if any(sh.get(var) != shown[0][var] for sh in shown)] or list(shown[0])
        listed = []
        for k, sh in enumerate(shown):
            text = "; ".join(f"{var} = {compact(sh[var])}" for var in differ)
            text = text if len(text) <= 160 else text[:159] + "\u2026"
            listed.append({"label": f"Init({k})", "text": text, "path": path_text([], k)})
        return {"count": len(self.inits), "current": current, "listed": listed}

    # -- "run the checker from here" ------------------------------------------------------------
    _ids = itertools.count(1)

    def start_search(self, text: str, goal: str, max_states: int = 2_000_000) -> int:
        """Start a breadth-first search from the state ``text`` reaches: for a violation (goal
        ``invariants``) or a witness/expression; returns a job id whose progress :meth:`job` reports."""
        steps = self.replay(text)
        base = copy.copy(self.spec)  # the same model, started from this state
        here = steps[-1].state
        base.init_states = lambda: iter([here])  # type: ignore[method-assign]
        if goal != "invariants":
            name, holds, _ = goal_predicate(self.spec, goal)  # bad input raises here, before the thread
        job_id = next(self._ids)
        job: dict[str, Any] = {"status": "running", "distinct": 0, "depth": 0, "goal": goal, "started": time.time()}
        with self.lock:
            # one search at a time: the one running stops at its next progress tick (each holds up to
            # max_states states: a script or impatient clicks ran any number at once, memory unbounded)
            for old in self.jobs.values():
                old["_stop"] = True
            self.jobs[job_id] = job
            for done in [j for j, rec in self.jobs.items() if rec["status"] != "running"][:-KEPT_JOBS]:
                del self.jobs[done]
        prefix = text.strip().strip("/")

        def work() -> None:
            try:
                if goal == "invariants":
                    from modelcheck.engine.bfs import bfs

                    res = bfs(base, max_states=max_states, progress=_JobProgress(job))  # type: ignore[arg-type]
                else:  # (a _JobProgress does what a Progress does)
                    res = reach(base, name, holds, max_states=max_states, progress=_JobProgress(job))  # type: ignore[arg-type]
                job.update(self._finish(res, prefix, outside=not self.within(here)))
            except _SupersededError:
                job.update({"status": "stopped", "text": f"stopped after {job['distinct']:,} states: another "
                                                         "search was started"})
            except Exception as exc:  # the spec's or the user's expression: shown on the page
                job.update({"status": "error", "error": failure_text(exc)})

        threading.Thread(target=work, daemon=True, name=f"explore-search-{job_id}").start()
        return job_id

    def _finish(self, res: Result, prefix: str, outside: bool = False) -> dict[str, Any]:
        found = res.verdict in (VIOLATION, REACHED) and res.trace is not None
        out: dict[str, Any] = {"status": "done", "distinct": res.distinct_states, "depth": res.depth,
                               "seconds": round(res.seconds, 2), "complete": res.complete}
        if found:
            extra = path_text([st.label for st in res.trace[1:]])  # type: ignore[index, misc]
            out["path"] = "/".join(p for p in (prefix, extra) if p)
            out["text"] = (f"{res.violated} violated" if res.violated else f"{res.extra['reach']} reached") + \
                f" {count(res.trace_length, 'step')} from here ({count(res.distinct_states, 'state')} explored)"  # type: ignore[arg-type]
        elif outside:  # checked, never expanded: "all 0 states reachable from here explored" misled
            out["text"] = ("nothing found here; this state is outside the state constraint, which the checker "
                           "never expands: search from a state within it")
        elif res.complete:
            out["text"] = f"nothing found: all {res.distinct_states:,} states reachable from here explored"
        else:
            out["text"] = f"nothing found in the first {res.distinct_states:,} states (stopped at the limit)"
        return out

    def job(self, job_id: int) -> dict[str, Any]:
        """A search's progress or outcome."""
        if job_id not in self.jobs:
            raise PathError(f"no search job {job_id}")
        return {k: v for k, v in self.jobs[job_id].items() if not k.startswith("_")}

    def load_trace(self, steps: list[Step]) -> str:
        """The path of a loaded trace (ITF): each step must be one of the spec's from the state before."""
        from modelcheck.output.itf import unlike

        init = next((s for s in self.inits if s == steps[0].state), None)
        if init is None or unlike(init, steps[0].state):
            why = unlike(init, steps[0].state) if init is not None else ""
            raise PathError(f"the trace's first state is not an initial state of this spec{why or ' (other bounds?)'}")
        labels = []
        state = steps[0].state
        for n, st in enumerate(steps[1:], 1):
            if st.label is None or not st.label.params and self.spec.action(st.label.name).param_names:
                raise PathError(f"trace step {n}: no action with parameters recorded")
            nxt = self._step(state, segment(st.label), n)
            if nxt.state != st.state or unlike(nxt.state, st.state):
                raise PathError(f"trace step {n}: {segment(st.label)} does not lead to the recorded state"
                                f"{unlike(nxt.state, st.state)}")
            labels.append(st.label)
            state = nxt.state
        return path_text(labels, self.inits.index(init) if len(self.inits) > 1 else 0)


class _JobProgress:
    """The checker's progress hook, written into a job record the page polls."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job

    def tick(self, distinct: int, generated: int, depth: int, queue: int) -> None:
        self.job.update({"distinct": distinct, "depth": depth, "queue": queue})
        if self.job.get("_stop"):
            raise _SupersededError

    def done(self, result: Result) -> None:
        self.job.update({"distinct": result.distinct_states, "depth": result.depth})


class _SupersededError(Exception):
    """A search stopped because another was started (:meth:`Session.start_search`)."""


def _state_before(n: int) -> str:
    """The state step ``n`` (from 1) of a path starts from, in words: the initial state for the first step (it
    read "the state reached after step 0")."""
    return "the initial state" if n == 1 else f"the state reached after step {n - 1}"
