"""Audit traced PySyncObj 0.3.17 clusters against raft.tla (+ etcdraft extensions), several runs per setting.

For each setting, runs a 3-process cluster (``impl.pysyncobj_trace.cluster``) and audits its traces,
printing per run: events, verdict, and for a failure the event, its file:line and whether the
follower's log lost a suffix it had (the entries of the request all matching).

    .venv/bin/python benchmarks/pysyncobj_audit.py [--runs 3]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from impl.pysyncobj_trace.cluster import Options, run  # noqa: E402
from modelcheck.audit import audit_events, mapping_for, read_traces  # noqa: E402

SETTINGS = {
    "default (batch, 64 KiB), leader killed": Options(writes=60, kill_leader=True),
    "appendEntriesUseBatch=False": Options(writes=60, batch=False),
    "appendEntriesBatchSizeBytes=100": Options(writes=60, batch_bytes=100),
    "both (no batch, 100 B batches)": Options(writes=60, batch=False, batch_bytes=100),
}


def audit(traces: list[str]) -> tuple[int, str]:
    """(events, one-line verdict) of a run's traces."""
    events, _ = read_traces(traces)
    mapping = mapping_for("raft", events)
    res = audit_events(mapping, events)
    if res.ok:
        return len(events), f"OK, {res.audited} events explained"
    f = res.failure
    assert f is not None
    e = f.event
    shortened = e.action == "HandleAppendEntriesRequest" and e.state["log"]["entries"] == [] and \
        e.state["log"]["from"] <= len(mapping.prepare(e).old_log)
    return len(events), (f"FAILED at event {f.index + 1}: {Path(e.where).name} {e.describe()}"
                         + (f" (log cut to its first {e.state['log']['from'] - 1} entries)" if shortened else ""))


def main() -> int:
    """Run every setting ``--runs`` times and print the verdicts."""
    from _args import Parser

    ap = Parser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out = []
    for name, opts in SETTINGS.items():
        for k in range(a.runs):
            with tempfile.TemporaryDirectory(prefix="pso-audit-") as d:
                t = time.monotonic()
                r = run(Path(d), opts)
                n, verdict = audit(r["traces"])
                out.append({"setting": name, "run": k, "events": n, "verdict": verdict,
                            "seconds": round(time.monotonic() - t, 1)})
                if not a.json:
                    print(f"{name:42} run {k}: {n:5} events, {verdict} ({out[-1]['seconds']} s)", flush=True)
    if a.json:
        print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
