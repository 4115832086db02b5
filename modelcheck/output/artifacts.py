"""Everything written for a trace into an output folder: the ITF trace, the chart and the table."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from modelcheck.engine.result import Step
from modelcheck.output.dot import DotError, write_dot
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
    """Write ``trace.itf.json``, ``msc.dot``/``.svg`` and ``table.dot``/``.svg`` under ``out``. A picture ``dot``
    refuses (a label over its 16 KiB limit) is said in one line on stderr: the verdict's exit status 1 stands (it was
    a usage error's 2, the violation found and lost)."""
    out.mkdir(parents=True, exist_ok=True)
    steps = list(trace)
    written = [write_itf(out / "trace.itf.json", spec, steps, violated=violated, mode=mode, loop_start=loop_start,
                         liveness=liveness, refines=refines, deadlock=deadlock)]  # fmt: skip
    for text, name in ((msc_dot(spec, steps, violated, loop_start, deadlock), "msc.dot"),
                       (table_dot(spec, steps, violated, loop_start, deadlock), "table.dot")):
        try:
            written += write_dot(text, out / name)
        except DotError as exc:  # the DOT file stands; the verdict's exit status must not become a usage error's
            print(f"{exc}: its picture is not drawn ({out / name} is written)", file=sys.stderr)
            written.append(out / name)
    return written
