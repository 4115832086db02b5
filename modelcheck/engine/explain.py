"""Human-readable reports: the numbered counterexample with only what changed, and the summary."""

from __future__ import annotations

from typing import Any

from modelcheck.engine.failing import failing_part, last_step
from modelcheck.engine.result import DEADLOCK, VIOLATION, Result, Step, count, shown_state
from spec.core import Spec, compact  # compact: re-exported, the one rendering of a shown value
from spec.suggest import names_property

#: The longest line a variable's changes take before they go one to a line (as the trace indents them, 7 columns).
WIDTH = 100


def diff_lines(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """The variables that changed, one line each; records and sets show only their changed parts. A variable
    whose parts make a line longer than :data:`WIDTH` gets one line a part, aligned under the first (a Raft
    step that receives one message and sends another read ``messages: + [...]; - [...]`` on 300 columns)."""
    lines = []
    for var, new in after.items():
        old = None if before is None else before.get(var)
        if before is not None and old == new:
            continue
        if before is None:
            lines.extend(_whole(var, new))
        elif isinstance(new, dict) and isinstance(old, dict) and set(new) == set(old):
            lines.extend(_one_or_many(var, _record_changes(old, new, "")))
        elif isinstance(new, list) and isinstance(old, list):
            added = [x for x in new if x not in old]
            gone = [x for x in old if x not in new]
            parts = [f"+ {compact(x)}" for x in added] + [f"- {compact(x)}" for x in gone]
            lines.extend(_one_or_many(var, parts or ["(reordered)"]))
        else:
            parts = _value_changes(old, new, var)  # each names its path from var: var[1].status: a -> b
            lines.extend(parts if len("; ".join(parts)) > WIDTH else ["; ".join(parts)])
    return lines


def _whole(var: str, value: Any) -> list[str]:
    """``var = value`` (the first state): a record longer than :data:`WIDTH` one key a line, aligned (Multi-Paxos's
    ``node`` took 700 columns)."""
    line = f"{var} = {compact(value)}"
    if len(line) <= WIDTH or not isinstance(value, dict) or len(value) < 2:
        return [line]
    pad = " " * (len(var) + 4)
    keys = [f"{k} |-> {compact(v)}" for k, v in value.items()]
    return [f"{var} = [{keys[0]},"] + [f"{pad}{k}," for k in keys[1:-1]] + [f"{pad}{keys[-1]}]"]


def _one_or_many(var: str, parts: list[str]) -> list[str]:
    """``var: a; b`` on one line when it fits in :data:`WIDTH`, else ``var: a`` then ``b`` under ``a``."""
    line = f"{var}: " + "; ".join(parts)
    if len(parts) == 1 or len(line) <= WIDTH:
        return [line]
    pad = " " * (len(var) + 2)
    return [f"{var}: {parts[0]}"] + [pad + p for p in parts[1:]]


def _record_changes(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    """``k: old -> new`` for each changed key of two records with the same keys, going down into a changed value
    that is itself such a record (``s1.balMaxKnown: 0 -> 1``, not the whole of s1's record twice) or a sequence
    of records (:func:`_value_changes`)."""
    out = []
    for k in new:
        if old[k] != new[k]:
            out.extend(_value_changes(old[k], new[k], f"{path}{k}"))
    return out


def _value_changes(a: Any, b: Any, path: str) -> list[str]:
    """How ``a`` became ``b`` at ``path``: a record's changed keys; a sequence of records of the same length, its
    changed elements, numbered from 1 as TLA+ numbers them (``s1.insts[1].status: Empty -> Accepting``: Multi-Paxos
    printed both whole sequences of slots for one slot's change); a sequence that grew at its end, what was
    appended; anything else whole, before and after."""
    if isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b):
        return _record_changes(a, b, f"{path}.")
    if isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) == len(b) and any(isinstance(x, dict) for x in a + b):
            return [part for i, (x, y) in enumerate(zip(a, b), 1) if x != y
                    for part in _value_changes(x, y, f"{path}[{i}]")]
        if len(a) < len(b) and b[:len(a)] == a:
            return [f"{path}: append {', '.join(compact(x) for x in b[len(a):])}"]
    return [f"{path}: {compact(a)} -> {compact(b)}"]


def _resume_line(extra: dict[str, Any]) -> list[str]:
    """Where a run cut by ``--max-states`` with ``--checkpoint`` goes on from, or why it cannot."""
    at = extra.get("checkpoint_at_cut")
    if at:
        return [f"Checkpoint written to {at['dir']} at the cut: continue with 'paxraft check --resume {at['dir']}' "
                f"(no state limit) or with --max-states above {at['states']:,}"]
    if extra.get("no_checkpoint"):
        return [f"No checkpoint written at the cut: {extra['no_checkpoint']} (start again with a higher --max-states)"]
    return []


def format_trace(spec: Spec, trace: list[Step]) -> str:
    """The trace as numbered steps: step 1 the initial state in full, later ones only what changed."""
    out = []
    prev = None
    for n, step in enumerate(trace, 1):
        shown = shown_state(spec, step.state)
        head = "Initial state" if step.label is None else spec.show_label(step.label)
        out.append(f"{n:>3}. {head}")
        if step.label is not None and prev == shown:
            out.append("       (no variable changed: a stuttering step)")
        out.extend(f"       {line}" for line in diff_lines(prev, shown))
        prev = shown
    return "\n".join(out)


def what_is_violated(spec: Spec, name: str) -> str:
    """``invariant X`` or, for an invariant of steps (:func:`spec.core.action_invariant`), ``action invariant X``."""
    return f"action invariant {name}" if name in spec.action_invariants else f"invariant {name}"


def violation_line(spec: Spec, invariant: str, state: Any, prev: Any = None) -> str:
    """The line closing a counterexample: which invariant is false, and why (the spec's explanation); for an
    invariant the spec does not explain, a second line with the part of it that fails, read from its source
    (:func:`modelcheck.engine.failing.failing_part`; for an action invariant, of the step from ``prev``)."""
    why = spec.explain(invariant, state)
    part = failing_part(spec, invariant, state, prev)
    more = "" if part is None else f"\n           the part that fails: {part}"
    if invariant in spec.action_invariants:
        return f"       --> {why}{more}"
    if why.startswith(f"{invariant} is false"):  # no explanation but the docstring: say the name once
        return f"       --> {invariant} is false in this state{why[len(invariant) + 9:]}{more}"
    return f"       --> {invariant} is false in this state: {why}{more}"


def found_line(result: Result) -> str | None:
    """What a run found, for a line that cannot show it (:func:`modelcheck.engine.faults.showing`); None when it
    found neither a violation nor a deadlock."""
    if result.trace is None or result.trace_length is None:
        return None
    if result.verdict == VIOLATION and result.violated is not None:
        what = f"{what_is_violated(result.spec, result.violated)} is violated"
    elif result.verdict == DEADLOCK:
        what = "a deadlock"
    else:
        return None
    return f"{what}, a counterexample of {count(result.trace_length, 'step')}"


def _not_judged(spec: Spec, mode: str) -> list[str]:
    """After "No error found." (or a simulation's "No error found in these random walks"), for a variant whose
    ``breaks`` is a temporal property or a spec it refines, which a plain check does not judge: the command that
    does (unfair-entry's run said only "No error found."); after a run of ``mode`` other than one process's
    breadth-first search, that --liveness refuses that mode (a simulation said nothing, --workers 2 to add only
    --liveness, which it then refused)."""
    breaks = spec.breaks if spec.variant else None
    if breaks is None or breaks == DEADLOCK or breaks in spec.invariants or breaks in spec.action_invariants:
        return []
    if names_property(spec.properties(), breaks):
        alone = "" if mode == "bfs" else ", in one process without --mode or --workers, which --liveness refuses"
        return [f"(The variant {spec.variant} breaks {breaks}, a temporal property, which a plain check does not "
                f"judge: add --liveness {breaks}{alone}.)"]
    return [f"(The variant {spec.variant} breaks {breaks}, a spec it refines, which a plain check does not judge: "
            f"paxraft refine SPEC --variant {spec.variant} {breaks} checks it.)"]


def summary(result: Result, lanes: bool = False) -> str:
    """Verdict, statistics and per-action coverage, as a person reads them."""
    spec = result.spec
    lines = [f"Model: {spec.describe()}{'  (symmetry)' if result.symmetry else ''}"]
    if result.verdict == VIOLATION:
        lines.append(
            f"Error: {what_is_violated(spec, result.violated)} is violated; "  # type: ignore[arg-type]
            f"{'shortest ' if result.mode in ('bfs', 'parallel') else ''}counterexample: "  # (a violation has both)
            f"{count(result.trace_length, 'step')}"  # type: ignore[arg-type]
        )
    elif result.mode == "reach":
        from modelcheck.engine.reach import reach_text

        lines.append(reach_text(result))
    elif result.verdict == DEADLOCK:
        lines.append(f"Error: deadlock reached after {count(result.trace_length, 'step')}")  # type: ignore[arg-type]
    elif not result.complete and result.mode == "simulate":  # random walks never cover a model: no limit hit
        lines.append("No error found in these random walks (a simulation explores part of the model)")
        lines.extend(_not_judged(spec, result.mode))
    elif not result.complete and result.extra.get("cut_by_bound") and not result.extra.get("state_limit"):
        lines.append(f"No error found on paths of up to {result.extra['depth_bound']:,} states "
                     "(the depth bound cut the search: incomplete)")
    elif not result.complete:
        lines.append("Stopped at the state limit: no error found so far (search incomplete)")
        lines.extend(_resume_line(result.extra))
    else:
        lines.append("No error found.")
        lines.extend(_not_judged(spec, result.mode))
    if result.trace is not None:
        lines.append("")
        if lanes:
            from modelcheck.engine.lanes import format_lanes

            lines.append(format_lanes(spec, result.trace))
        else:
            lines.append(format_trace(spec, result.trace))
        if result.violated:
            lines.append(violation_line(spec, result.violated, *last_step(result.trace)))
        elif result.mode == "reach":
            lines.append(f"       --> {result.extra['reach']} holds in this state")
        lines.append("")
    lines.append(
        f"{count(result.distinct_states, 'distinct state')}, "
        f"{count(result.states_generated, 'state generated', 'states generated')}, "
        f"depth {result.depth:,}, {result.seconds:.2f}s ({result.states_per_second:,.0f} distinct states/s)"
    )
    store = f"; store {result.bytes_per_state:.0f} bytes/state" if result.mode != "simulate" else ""  # walks keep none
    lines.append(
        f"Fingerprint collision probability (optimistic, as TLC computes it): {result.collision_probability:.1e}"
        + store
    )
    if result.coverage:
        width = max(len("action"), *(len(a) for a in result.coverage))  # the header's own word, for n0 and n1
        lines.append(f"{'action'.ljust(width)}  {'fired':>12}  {'new states':>12}")
        left_out = set(spec.excluded)
        restricted: dict[str, list[str]] = {}
        offered = spec.restrictions()
        for r in spec.restricted:
            restricted.setdefault(offered[r][0], []).append(r)
        for name, cov in result.coverage.items():
            note = "  <- never fired" if cov.fired == 0 else ""
            if name in left_out:
                note = "  <- left out of Next (--without)"
            elif name in restricted:
                note += f"  <- restricted ({', '.join(restricted[name])})"
            lines.append(f"{name.ljust(width)}  {cov.fired:>12,}  {cov.new:>12,}{note}")
        dead = [name for name, cov in result.coverage.items() if cov.fired == 0 and name not in left_out]
        if result.complete and result.distinct_states == 0 and result.states_generated:  # TLC: 0 distinct, N generated
            lines.append(f"Warning: every initial state lies outside the state constraint (constraint() is false on "
                         f"{'it' if result.states_generated == 1 else f'all {result.states_generated:,}'}): "
                         "nothing was explored")
        elif result.complete and result.distinct_states == 0:  # TLC says no more, but nothing was checked
            lines.append("Warning: the model has no initial state (init_states() gave none): nothing was checked")
        elif dead and result.complete and result.verdict not in (VIOLATION, DEADLOCK):  # not cut short either
            lines.append(
                f"Warning: {', '.join(dead)} never fired: dead in this model (a bug in the spec, or bounds too small)"
            )
    return "\n".join(lines)
