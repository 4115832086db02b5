"""Print a trace file as JSON lines: a node's compact trace (trace.bin) as the documented format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from impl.trace import TraceFileError, is_compact, json_lines
from spec.userfiles import decode, load_json, read_bytes


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `paxraft trace-json`."""
    parser.add_argument("trace", type=Path, help="a node's trace file (D/node-1/trace.bin; a .jsonl is copied)")
    parser.add_argument("--out", "-o", type=Path, help="write the lines to this file (default: standard output)")


def run(args: argparse.Namespace) -> int:
    """Exit 0 (a last record cut short by a crash is left out, with a warning on stderr), 2 on a damaged file."""
    from modelcheck.cli.common import UsageError

    data = read_bytes(args.trace, "trace", error=UsageError)
    if is_compact(data):
        try:
            lines, cut = json_lines(data, str(args.trace))
        except TraceFileError as exc:
            raise UsageError(str(exc)) from None
        text = "".join(line + "\n" for line in lines)
        if cut is not None:
            print(f"warning: {args.trace}: the last record is cut short (byte offset {cut}, {len(data) - cut} "
                  "bytes): a node that crashed while writing; left out", file=sys.stderr)
    else:  # JSON lines, copied as they are: anything else is named (it was printed, replaced characters and all)
        name = f"trace {args.trace}"
        text = decode(data, name, UsageError)
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip() and not isinstance(load_json(line, f"{name}:{n}", UsageError), dict):
                raise UsageError(f"{name}:{n}: not a JSON object; a trace file is a compact trace (trace.bin) "
                                 "or JSON lines, one event object a line")
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.write_text(text)
        except OSError as exc:
            raise UsageError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    return 0
