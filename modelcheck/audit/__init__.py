"""Auditing implementations: read and merge trace files, and search for a spec behaviour explaining them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from modelcheck.audit.mapping import ANY, Mapping, StepPattern
from modelcheck.audit.refine import AuditResult, Failure, OnlineAuditor, audit_events
from modelcheck.audit.tracefile import Event, TraceError, TraceStream, merge, read_trace, read_traces
from modelcheck.audit.user import DefaultMapping, TraceMapping, causal_order, log_line, user_audit
from spec.core import SpecError
from spec.registry import entries, lazy


def audit_of(spec: str) -> str:
    """The reference of the audit mapping of a spec by name (its registry entry names it), or one line why none."""
    found = entries().get(spec)
    if found is None or not found.audit:
        audited = ", ".join(name for name, e in entries().items() if e.audit)
        raise SpecError(f"no audit mapping for spec {spec!r}; audits exist for: {audited}; any spec class is "
                        "audited in its own names as --spec FILE.py:Class (docs/auditing.md)")
    return found.audit


def mapping_for(spec: str, events: Iterable[Event], bounds: dict[str, Any] | None = None) -> Mapping:
    """The audit mapping of a spec by name, built for these events (read once: a stream's survey)."""
    return lazy(audit_of(spec))(events, dict(bounds or {}))


__all__ = [
    "ANY",
    "AuditResult",
    "DefaultMapping",
    "Event",
    "Failure",
    "Mapping",
    "OnlineAuditor",
    "StepPattern",
    "TraceError",
    "TraceMapping",
    "TraceStream",
    "audit_events",
    "audit_of",
    "causal_order",
    "log_line",
    "mapping_for",
    "merge",
    "read_trace",
    "read_traces",
    "user_audit",
]
