"""The audit's verdict as a person reads it, and as JSON."""

from __future__ import annotations

import json
from typing import Any

from modelcheck.audit.mapping import Mapping
from modelcheck.audit.refine import AuditResult
from modelcheck.audit.tracefile import Event
from modelcheck.engine.result import json_safe


def _msg(m: dict[str, Any]) -> str:
    fields = ", ".join(f"{k}={v}" for k, v in m.items() if k not in ("id", "clock", "type", "msource", "mdest"))
    return f"{m.get('type', 'msg')} {m.get('msource')}->{m.get('mdest')} ({fields})"


def _shown(value: Any) -> str:
    """A value as JSON; what JSON has no word for (a set or bytes a user's mapping put in a line's data or view)
    as Python writes it, not an internal error."""
    return json.dumps(value, separators=(", ", ": "), default=repr)


def describe_event(e: Event) -> list[str]:
    """An event's message traffic and state, one line each."""
    lines = []
    if e.recv is not None:
        lines.append(f"received {_msg(e.recv)}")
    for m in e.sent:
        lines.append(f"sent     {_msg(m)}")
    if e.state or not e.extra:
        lines.append("state    " + _shown(e.state))
    else:  # a line of a user's own log format (modelcheck.audit.TraceMapping): as logged
        lines.append("logged   " + _shown(e.extra))
    return lines


def text_report(mapping: Mapping, result: AuditResult, files: int) -> str:
    """The verdict: a one-line pass, or the first unexplained event with what the spec allowed and the diff."""
    spec = mapping.spec
    head = f"Audit of {result.count:,} events from {files} file(s) against {spec.describe()}"
    stats = (
        f"{result.audited:,} events explained in {result.seconds:.2f}s ({result.events_per_second:,.0f} events/s); "
        f"at most {result.max_candidates} candidate spec state(s) at once"
    )
    lines = [head]
    lines.extend(f"warning: {w}" for w in result.warnings)
    notes = mapping.unobserved()
    if notes:
        lines.append("not observed (optional fields the trace left out, not checked): " + "; ".join(notes))
    f = result.failure
    if f is None:
        lines.append("OK: every event is explained by a behaviour of the spec.")
        lines.append(stats)
        return "\n".join(lines)
    e = f.event
    lines.append(f"FAILED at event {f.index + 1} of {result.count}: {e.where}: {e.describe()}")
    offset = e.header.get("term_offset", 0)
    lines.append(f"  the implementation (terms + {offset}, raft.tla's numbering: the header's term_offset; the file "
                 f"has them {offset} lower):" if offset else "  the implementation:")
    lines.extend(f"    {line}" for line in describe_event(e))
    lines.append(f"  the spec: {f.reason} ({f.candidates} candidate state(s) before this event)")
    whose = f" (node {e.node})" if mapping.steps_by_node else ""
    if f.allowed:
        lines.append(f"  the spec allowed there{whose}: " + ", ".join(f.allowed))
    else:
        lines.append(f"  the spec allowed no step{' of node ' + str(e.node) if whose else ''} there")
    if f.diff:
        width = max(len(str(k)) for k, _, _ in f.diff)
        lines.append("  state diff (field: implementation | spec):")
        for k, impl, sp in f.diff:
            lines.append(f"    {str(k).ljust(width)}: {_shown(impl)} | {_shown(sp)}")
    if result.explained:
        lines.append("  the events before it, as the spec explains them:")
        for i, labels in result.explained[-8:]:
            ev = result.event(i)
            shown = ", ".join(mapping.show_label(lb) for lb in labels) or "stutter"
            lines.append(f"    {i + 1:>5}. {ev.where}: {ev.describe()}  =  {shown}")
    lines.append(stats)
    return "\n".join(lines)


def json_report(mapping: Mapping, result: AuditResult) -> dict[str, Any]:
    """The verdict as one JSON object, in strict JSON (:func:`modelcheck.engine.result.json_safe`: a trace's NaN,
    which Python's JSON reader takes, was printed as ``NaN``, which no JSON reader need accept)."""
    f = result.failure
    out: dict[str, Any] = {
        "spec": mapping.spec.name,
        "params": mapping.spec.bounds(),
        "events": result.count,
        "audited": result.audited,
        "verdict": "ok" if f is None else "unexplained",
        "seconds": round(result.seconds, 3),
        "max_candidates": result.max_candidates,
        "warnings": result.warnings,
        "unobserved": mapping.unobserved(),
    }
    if f is not None:
        out["failure"] = {
            "index": f.index + 1,
            "where": f.event.where,
            "node": f.event.node,
            "action": f.event.action,
            "params": f.event.params,
            "reason": f.reason,
            "allowed": f.allowed,
            "diff": [{"field": k, "implementation": a, "spec": b} for k, a, b in f.diff],
        }
    return json_safe(out)
