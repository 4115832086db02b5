"""Online audit: check refinement while a simulation runs, so a failing seed stops at the first bad step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelcheck.audit.mapping import Mapping
from modelcheck.audit.refine import Failure, OnlineAuditor
from modelcheck.audit.tracefile import Event


def event_from_record(rec: dict[str, Any], header: dict[str, Any], where: tuple[str, int]) -> Event:
    """A trace event as the simulation emits it (a dict), as the audit reads it."""
    return Event(
        where[0],
        where[1],
        rec["node"],
        0,
        rec["clock"],
        rec["action"],
        rec.get("params", {}),
        rec.get("recv"),
        rec.get("sent", []),
        rec["state"],
        header,
    )


class OnlineHook:
    """A callback for a simulation's ``on_event``: audits each event, returns False at the first unexplained one."""

    def __init__(self, mapping: Mapping, header_of: Callable[[int], dict[str, Any]]) -> None:
        self.auditor = OnlineAuditor(mapping)
        self.header_of = header_of
        self.count = 0
        self.events: list[Event] = []

    def __call__(self, rec: dict[str, Any]) -> bool:
        """Audit one emitted event; False stops the simulation."""
        self.count += 1
        event = event_from_record(rec, self.header_of(rec["node"]), (f"<online node {rec['node']}>", self.count))
        self.events.append(event)
        return self.auditor.step(event) is None

    @property
    def failure(self) -> Failure | None:
        """The first unexplained event, if any."""
        return self.auditor.failure
