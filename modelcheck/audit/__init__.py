"""Auditing implementations: read and merge trace files, and search for a spec behaviour explaining them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from modelcheck.audit.mapping import ANY, Mapping, StepPattern
from modelcheck.audit.refine import AuditResult, Failure, OnlineAuditor, audit_events
from modelcheck.audit.tracefile import Event, TraceError, merge, read_trace, read_traces
from spec.core import SpecError


def _paxos(events: Sequence[Event], bounds: dict[str, Any]) -> Mapping:
    from modelcheck.audit.paxos_map import PaxosMapping

    return PaxosMapping.from_events(events, bounds)


def _raft(events: Sequence[Event], bounds: dict[str, Any]) -> Mapping:
    from modelcheck.audit.raft_map import RaftMapping

    return RaftMapping.from_events(events, bounds)


#: spec name -> builder of its mapping from the merged events and the bounds given
MAPPINGS: dict[str, Callable[[Sequence[Event], dict[str, Any]], Mapping]] = {"paxos": _paxos, "raft": _raft}


def mapping_for(spec: str, events: Sequence[Event], bounds: dict[str, Any] | None = None) -> Mapping:
    """The mapping of a spec by name, built for these events."""
    if spec not in MAPPINGS:
        raise SpecError(f"no audit mapping for spec {spec!r}; audits exist for: {', '.join(MAPPINGS)}")
    return MAPPINGS[spec](events, dict(bounds or {}))


__all__ = [
    "ANY",
    "MAPPINGS",
    "AuditResult",
    "Event",
    "Failure",
    "Mapping",
    "OnlineAuditor",
    "StepPattern",
    "TraceError",
    "audit_events",
    "mapping_for",
    "merge",
    "read_trace",
    "read_traces",
]
