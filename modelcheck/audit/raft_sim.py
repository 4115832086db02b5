"""The Raft implementation audited online as it runs (the callbacks), or offline from the trace files it wrote.

Online, every trace event is audited the moment the core emits it and the simulation's
network reports each duplicated or lost copy (``SimCluster(on_network=...)``); the first
event no spec behaviour explains raises :class:`RefinementViolation`, which stops the run
right there (the runner is :func:`modelcheck.harness.audit_raft_run`).  Offline,
:func:`write_traces` writes the run's events as trace files (docs/trace-format.md) for
``paxraft audit``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from modelcheck.audit.online import event_from_record
from modelcheck.audit.raft_map import RaftMapping, ReportedFate
from modelcheck.audit.refine import AuditResult, Failure, OnlineAuditor
from modelcheck.audit.report import text_report
from modelcheck.audit.tracefile import Event, TraceError
from spec.trace_format import BOOT_ACTIONS, FORMAT, VERSION


class RefinementViolation(AssertionError):  # noqa: N818 (named like the simulation's InvariantViolation)
    """The simulation did something no behaviour of the spec explains; ``failure`` says which event and why."""

    def __init__(self, auditor: RaftOnlineAudit) -> None:
        self.auditor = auditor
        self.failure: Failure = auditor.failure  # type: ignore[assignment]
        f = self.failure
        super().__init__(f"event {f.index + 1}: {f.event.describe()}: {f.reason}")

    def report(self) -> str:
        """The full verdict, as ``paxraft audit`` prints it."""
        return self.auditor.report()


class RaftOnlineAudit:
    """Callbacks for ``SimCluster(on_event=..., on_network=...)``: audits each event as it happens."""

    def __init__(self, nodes: Sequence[int], keep_events: int | None = None,
                 members: Sequence[int] | None = None) -> None:
        self.fate = ReportedFate()
        self.mapping = RaftMapping(nodes, self.fate, members)
        self.auditor = OnlineAuditor(self.mapping)
        self.header: dict[str, Any] = {"format": FORMAT, "version": VERSION, "spec": "raft", "nodes": sorted(nodes)}
        if members is not None:
            self.header["members"] = sorted(members)
        self._headers: dict[Any, dict[str, Any]] = {}
        self.count = 0
        self.seconds = 0.0
        self.keep = keep_events
        self.events: list[Event] = []

    def on_network(self, kind: str, m: Any) -> None:
        """The simulated network made (``duplicate``) or lost (``drop``) one copy of message ``m``."""
        self.fate.report(kind, (m.src, m.boot, m.seq))

    def on_event(self, rec: dict[str, Any]) -> None:
        """Audit one event; raises :class:`RefinementViolation` at the first unexplained one."""
        started = time.perf_counter()
        self.count += 1
        node = rec["node"]
        header = self._headers.get(node)
        if header is None:  # (one header per node, shared by its events, as a trace file's boot shares one)
            header = self._headers[node] = {**self.header, "node": node}
        event = event_from_record(rec, header, (f"<sim node {node}>", self.count))
        if event.action not in self.mapping.known_actions:
            raise TraceError(f"{event.where}: the raft audit does not map the action {event.action!r}")
        self.events.append(event)
        if self.keep is not None and len(self.events) > 2 * self.keep:
            del self.events[: -self.keep]
        self.mapping.prepare(event)
        failure = self.auditor.step(event)
        self.seconds += time.perf_counter() - started
        if failure is not None:
            raise RefinementViolation(self)

    @property
    def failure(self) -> Failure | None:
        """The first unexplained event, if any."""
        return self.auditor.failure

    def result(self) -> AuditResult:
        """The audit so far as an :class:`AuditResult` (events: those kept)."""
        res = AuditResult(list(self.events), self.auditor.audited, self.auditor.failure, self.seconds,
                          self.auditor.max_seen)
        res.explained = self.auditor.explained
        if res.failure is not None and self.keep is not None:  # indices relative to the kept events
            shift = self.count - len(self.events)
            res.explained = [(k - shift, labels) for k, labels in res.explained if k >= shift]
            res.failure = replace(res.failure, index=res.failure.index - shift)
        return res

    def report(self) -> str:
        """The verdict as ``paxraft audit`` prints it."""
        return text_report(self.mapping, self.result(), len(self.header["nodes"]))


def write_traces(trace: Mapping[int, Sequence[dict[str, Any]]], directory: str | Path,
                 members: Sequence[int] | None = None) -> list[Path]:
    """Write each node's events (``SimCluster.trace``) as its trace file, a header per boot; returns the paths.
    ``members``: the initial configuration, when not every node (``SimCluster(members=...)``)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    nodes = sorted(trace)
    for n in nodes:
        path = out / f"node-{n}.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            for ev in trace[n]:
                if ev["action"] in BOOT_ACTIONS:
                    head = {"format": FORMAT, "version": VERSION, "node": n, "nodes": nodes, "spec": "raft"}
                    if members is not None:
                        head["members"] = sorted(members)
                    f.write(json.dumps(head) + "\n")
                f.write(json.dumps(ev, separators=(",", ":")) + "\n")
        paths.append(path)
    return paths
