"""Print a trace file as JSON lines: a node's compact trace (trace.bin) as the documented format."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, NoReturn

from impl.trace import COMPACT_MAGIC, TraceFileError, is_compact, is_segment_name, segment_lines
from spec.trace_format import COMPRESSED_MAGIC, given_compressed
from spec.userfiles import decode, load_json, read_bytes


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `paxraft trace-json`."""
    parser.add_argument("trace", type=Path, help="a node's trace file (D/node-1/trace.bin, its first segment: the "
                        "segments after it are read in order; a .jsonl is copied)")
    parser.add_argument("--out", "-o", type=Path, help="write the lines to this file (default: standard output)")


def run(args: argparse.Namespace) -> int:
    """Exit 0 (a last record cut short by a crash is left out, with a warning on stderr), 2 on a damaged file
    or one without events (a segment found damaged after earlier ones were printed: those stay printed)."""
    from modelcheck.cli.common import UsageError

    _check_out(args.trace, args.out)
    data = read_bytes(args.trace, "trace", error=UsageError)
    if data.startswith(COMPRESSED_MAGIC):
        raise UsageError(given_compressed(f"trace {args.trace}"))
    if is_compact(data):  # a node's segments, in order (trace.bin, trace.000002.bin, ...), one in memory at a time
        return _compact(args, data)
    # JSON lines, copied as they are: anything else is named (it was printed, replaced characters and all)
    name = f"trace {args.trace}"
    text = decode(data, name, UsageError)
    events = False
    for n, line in enumerate(text.splitlines(), 1):
        obj = load_json(line, f"{name}:{n}", UsageError) if line.strip() else {"format": None}
        if not isinstance(obj, dict):
            raise UsageError(f"{name}:{n}: not a JSON object; a trace file is a compact trace (trace.bin) "
                             "or JSON lines, one event object a line")
        events = events or "format" not in obj
    if not events:
        _no_events(args, text)
    with _output(args) as out:
        try:
            out.write(text)
        except OSError as exc:
            _cannot_write(args.out, exc)
    return 0


def _check_out(trace: Path, out: Path | None) -> None:
    """UsageError for an --out that would destroy a trace: the file read, a compact trace file (a node's trace or
    segment: `--out D/node-1/trace.bin` replaced the node's first segment with its JSON lines, exit 0), or a
    name of the trace's own segments (a stray file the node's next start took for its last segment)."""
    from modelcheck.cli.common import UsageError, output_file

    if out is None:
        return
    output_file(str(out), "--out")
    try:  # (a regular file's head only: read from a FIFO, it waited for data, and took what its reader wanted)
        with open(out, "rb") if out.is_file() else contextlib.nullcontext(io.BytesIO()) as f:
            head = f.read(len(COMPACT_MAGIC))
        same = os.path.samefile(out, trace)
    except OSError:  # (missing: the usual case; unreadable: _output names it)
        head, same = b"", False
    why = ("the trace being read" if same else "a compact trace file (a node's trace or one of its segments)"
           if is_compact(head) else "the name of one of its segments" if is_segment_name(trace, out) else None)
    if why is not None:
        raise UsageError(f"--out {out}: {why}: trace-json does not write there (give another file)")


def _compact(args: argparse.Namespace, data: bytes) -> int:
    """A compact trace's lines, written segment by segment once the first event is seen (before: held, so that
    a trace of header lines only writes nothing)."""
    from modelcheck.cli.common import UsageError

    held: list[str] = []
    out: IO[str] | None = None
    with ExitStack() as stack:
        try:
            for lines, warning in segment_lines(args.trace, data):
                text = "".join(line + "\n" for line in lines)
                if out is None:
                    held.append(text)
                    if any("format" not in json.loads(line) for line in lines):
                        out = stack.enter_context(_output(args))
                        out.write("".join(held))
                        held = []
                else:
                    out.write(text)
                if warning is not None:
                    print(f"warning: {warning.replace('; ignored', '; left out')}", file=sys.stderr)
        except TraceFileError as exc:
            raise UsageError(str(exc)) from None
        except OSError as exc:
            _cannot_write(args.out, exc)
    if out is None:
        _no_events(args, "".join(held))
    return 0


def _cannot_write(out: Path | None, exc: OSError) -> NoReturn:
    """UsageError naming ``--out``; a closed pipe goes on as itself (`trace-json T | head`: the command ends quietly
    with exit 141, as every command does: it was "--out None: cannot write: Broken pipe", exit 2)."""
    from modelcheck.cli.common import UsageError

    if isinstance(exc, BrokenPipeError):
        raise exc
    raise UsageError(f"--out {out}: cannot write: {exc.strerror or exc}") from None


def _no_events(args: argparse.Namespace, text: str) -> NoReturn:
    """Said, as the audit says it: an empty output and exit 0 read as a trace that was converted."""
    from modelcheck.cli.common import UsageError

    raise UsageError(f"trace {args.trace}: no events ({'header lines only' if text.strip() else 'an empty file'})")


@contextmanager
def _output(args: argparse.Namespace) -> Iterator[IO[str]]:
    """Standard output, or ``--out``'s file, in place only when whole (a damaged segment leaves no file)."""
    from modelcheck.cli.common import written_whole

    if args.out is None:
        yield sys.stdout
        return
    with written_whole(args.out, "--out") as f:
        yield f
