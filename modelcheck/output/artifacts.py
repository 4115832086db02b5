"""Everything written for a trace into an output folder: the ITF trace, the chart and the table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from modelcheck.engine.result import Step
from modelcheck.output.dot import write_dot
from modelcheck.output.itf import write_itf
from modelcheck.output.render import msc_dot, table_dot
from spec.core import Spec


def write_trace_artifacts(
    spec: Spec,
    trace: Sequence[Step],
    out: Path,
    violated: str | None,
    mode: str,
    loop_start: int | None = None,
    liveness: dict[str, str] | None = None,
    refines: str | None = None,
    deadlock: bool = False,
) -> list[Path]:
    """Write ``trace.itf.json``, ``msc.dot``/``.svg`` and ``table.dot``/``.svg`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    steps = list(trace)
    written = [write_itf(out / "trace.itf.json", spec, steps, violated=violated, mode=mode, loop_start=loop_start,
                         liveness=liveness, refines=refines, deadlock=deadlock)]  # fmt: skip
    written += write_dot(msc_dot(spec, steps, violated, loop_start, deadlock), out / "msc.dot")
    written += write_dot(table_dot(spec, steps, violated, loop_start, deadlock), out / "table.dot")
    return written
