"""The one DOT writer: write a Graphviz file and, where ``dot`` is installed, render it beside.

A shared leaf (it imports nothing of ours), so the proofs' CTI pictures, the audit's chart and
the checker's pictures all write through it (tests/test_architecture.py allows it everywhere).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def write_dot(text: str, path: str | Path, formats: Sequence[str] = ("svg",)) -> list[Path]:
    """Write ``path`` (.dot) and, when ``dot`` is installed, the same picture in each format; the files written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    written = [path]
    if dot_available():
        for fmt in formats:
            target = path.with_suffix(f".{fmt}")
            cmd = ["dot", f"-T{fmt}", str(path), "-o", str(target)]
            subprocess.run(cmd, check=True, capture_output=True, timeout=120)
            written.append(target)
    return written
