"""The one DOT writer: write a Graphviz file and, where ``dot`` is installed, render it beside.

A shared leaf (it imports nothing of ours), so the proofs' CTI pictures, the audit's chart and
the checker's pictures all write through it (tests/test_architecture.py allows it everywhere).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

DOT_SECONDS = 120
"""How long ``dot`` may draw one picture (a graph of thousands of states can take minutes)."""


def quoted(text: str) -> str:
    """A DOT double-quoted string (a newline as DOT's line break)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


#: What XML 1.0 cannot hold, nor UTF-8 write: C0 controls but tab, newline and return; lone surrogates; U+FFFE/FFFF.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _shown(m: re.Match[str]) -> str:
    c = ord(m.group())
    return chr(0x2400 + c) if c < 0x20 else "\ufffd"  # (a C0 control as its Control Pictures sign: BEL as U+2407)


def writable(text: str) -> str:
    """``text`` with what no SVG may hold made visible: a label from a trace or a spec's value with a BEL, an ESC
    or a lone surrogate (JSON's "\\ud800") made an SVG no browser shows, or no file at all (UnicodeEncodeError)."""
    return _UNWRITABLE.sub(_shown, text)


_BITMAP_SCALED = re.compile(r"too large for \S+ bitmaps\. Scaling by ([0-9.]+)")
"""What ``dot`` says when a picture is wider or taller than a bitmap may be (a PNG of a 1,681-state graph: 0.26)."""


class DotError(ValueError):
    """``dot`` refused to draw (an unknown ``--format``): bad input, reported in one line."""


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def write_dot(text: str, path: str | Path, formats: Sequence[str] = ("svg",)) -> list[Path]:
    """Write ``path`` (.dot) and, when ``dot`` is installed, the same picture in each format; the files written.
    A ``path`` named as a picture (``chart.svg``) gets the DOT beside it (``chart.dot``): the DOT was written there
    and ``dot`` then drew into the file it read, "syntax error in line 20", the picture lost."""
    path = Path(path)
    if path.suffix[1:] in formats:
        path = path.with_suffix(".dot")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(writable(text), encoding="utf-8")
    written = [path]
    if dot_available():
        for fmt in formats:
            target = path.with_suffix(f".{fmt}")
            if target == path:  # --format dot: the file written is that picture; dot would draw into what it reads
                continue
            cmd = ["dot", f"-T{fmt}", str(path), "-o", str(target)]
            try:
                done = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=DOT_SECONDS)
            except subprocess.CalledProcessError as exc:
                why = next((line for line in exc.stderr.splitlines() if line.strip()), f"exit status {exc.returncode}")
                raise DotError(f"dot -T{fmt} {path}: {why}") from None
            except subprocess.TimeoutExpired:  # the DOT file stands; the picture is only skipped
                print(f"dot took more than {DOT_SECONDS} s to draw {target}; skipped it ({path} is written)",
                      file=sys.stderr)
                continue
            scaled = _BITMAP_SCALED.search(done.stderr)
            if scaled:  # (dot says it on its stderr, which was kept: a squashed picture came with no word)
                print(f"dot scaled {target} by {float(scaled[1]):.2g} to fit a bitmap's largest size (32,767 pixels "
                      "a side): its text is too small to read; an SVG (--format svg) keeps the full size",
                      file=sys.stderr)
            written.append(target)
    return written
