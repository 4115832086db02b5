"""Print a trace file as JSON lines: a node's compact trace (trace.bin) as the documented format."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from impl.trace import TraceFileError, is_compact, json_lines
from spec.userfiles import decode, load_json, read_bytes


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `paxraft trace-json`."""
    parser.add_argument("trace", type=Path, help="a node's trace file (D/node-1/trace.bin; a .jsonl is copied)")
    parser.add_argument("--out", "-o", type=Path, help="write the lines to this file (default: standard output)")


def run(args: argparse.Namespace) -> int:
    """Exit 0 (a last record cut short by a crash is left out, with a warning on stderr), 2 on a damaged file
    or one without events."""
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
        events = any("format" not in json.loads(line) for line in lines)
    else:  # JSON lines, copied as they are: anything else is named (it was printed, replaced characters and all)
        name = f"trace {args.trace}"
        text = decode(data, name, UsageError)
        events = False
        for n, line in enumerate(text.splitlines(), 1):
            obj = load_json(line, f"{name}:{n}", UsageError) if line.strip() else {"format": None}
            if not isinstance(obj, dict):
                raise UsageError(f"{name}:{n}: not a JSON object; a trace file is a compact trace (trace.bin) "
                                 "or JSON lines, one event object a line")
            events = events or "format" not in obj
    if not events:  # said, as the audit says it: an empty output and exit 0 read as a trace that was converted
        raise UsageError(f"trace {args.trace}: no events ({'header lines only' if text.strip() else 'an empty file'})")
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.write_text(text)
        except OSError as exc:
            raise UsageError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    return 0
