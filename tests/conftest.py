"""Shared test settings: a Hypothesis profile for CI and a deeper one for `slow` runs; on a failed test that ran a
local cluster, the last lines of each node's log in the failure report (CI shows the end of the output only)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("PAXRAFT_HYPOTHESIS_PROFILE", "ci"))

LOG_LINES = 12  # per node log, in a failed test's report


def _cluster_dirs(item: pytest.Item) -> Iterator[Path]:
    """The folders a test's fixtures hand it (``tmp_path``, or a module fixture's tuple that starts with one)."""
    for value in getattr(item, "funcargs", {}).values():
        first = value[0] if isinstance(value, tuple) and value else value
        if isinstance(first, Path) and first.is_dir():
            yield first


def node_log_tails(dirs: list[Path]) -> str:
    """The last LOG_LINES lines of every ``node-N/node.log`` under ``dirs`` (two levels down at most)."""
    out = []
    for d in dirs:
        for log in sorted({*d.glob("node-*/node.log"), *d.glob("*/node-*/node.log")}):
            try:
                lines = log.read_text(errors="replace").splitlines()[-LOG_LINES:]
            except OSError:
                continue
            out.append(f"--- {log} (last {len(lines)} lines)\n" + "\n".join(lines))
    return "\n".join(out)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.failed:
        tails = node_log_tails(list(_cluster_dirs(item)))
        if tails:
            report.sections.append(("node logs", tails))
    return report
