"""Audit an implementation: check trace files against a spec, or client histories for linearizability."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from impl.trace import decode_compact, survey_compact
from modelcheck.audit import TraceError, TraceStream, audit_events, audit_of, mapping_for, user_audit
from modelcheck.audit.msc import write_msc
from modelcheck.audit.report import json_report, text_report
from modelcheck.audit.user import mapping_fault
from modelcheck.cli.common import UsageError, output_file, resolve
from modelcheck.engine.faults import SpecCodeError
from modelcheck.linearizability import HistoryError, check_operations, kv_model, read_history, write_html
from spec.core import SpecError
from spec.registry import is_user_ref
from spec.userfiles import quote


def configure(parser: argparse.ArgumentParser) -> None:
    """Trace files, the spec, bounds and outputs."""
    parser.add_argument("files", nargs="+", metavar="TRACE", help="JSON-lines trace files (one per node is fine)")
    parser.add_argument("--spec", help="the spec to audit against: a name, or your own FILE.py:Class or module:Class "
                        "(default: the traces' header field 'spec')")
    parser.add_argument("--variant", help="with --spec FILE.py:Class: audit against that spec's variant, as "
                        "'check --variant' names it")
    parser.add_argument(
        "--bounds", default="", metavar="K=V,...", help="spec constants overriding those read off the trace"
    )
    parser.add_argument("--msc", metavar="PATH", help="write the message-sequence chart of the prefix (DOT, and SVG)")
    parser.add_argument("--msc-window", type=int, default=40, metavar="N",
                        help="with --msc: draw N events (default 40): the last N up to the failing event or the end")
    parser.add_argument("--msc-from", type=int, metavar="EVENT",
                        help="with --msc: start the chart at event number EVENT (as the report numbers them)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument(
        "--history", action="store_true", help="the files are client histories: check linearizability (KV model)"
    )
    parser.add_argument("--html", metavar="PATH", help="with --history: write the time line page")


def parse_bounds(text: str, strings: bool = False) -> dict[str, Any]:
    """``acceptors=3,max_ballot=4`` -> a dict of ints (a name may use dashes); with ``strings``, a value
    that is not an integer (a file name) stays a string."""
    out: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, eq, val = part.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"--bounds: expected NAME=VALUE, got {quote(part)}")
        name = key.strip().replace("-", "_")
        if name in out:  # (the last one was taken, silently)
            raise UsageError(f"--bounds: {quote(key.strip())} given twice")
        if val.strip().isascii() and val.strip().lstrip("-").isdigit() and len(val.strip()) <= 18:
            out[name] = int(val)
        elif strings:
            out[name] = val.strip()
        else:
            raise UsageError(f"--bounds: {key.strip()} must be an integer, got {quote(val)}")
    return out


def run(args: argparse.Namespace) -> int:
    """Audit and print the verdict; exit 0 if explained, 1 if not, 2 on bad input."""
    for flag, path in (("--msc", args.msc), ("--html", args.html)):
        if path is not None:
            output_file(path, flag)
    if args.history:
        return run_history(args)
    bounds = parse_bounds(args.bounds)
    if args.msc_window < 1:
        raise UsageError(f"--msc-window must be at least 1, got {args.msc_window}")
    if (args.msc_from is not None or args.msc_window != 40) and not args.msc:
        raise UsageError("--msc-window and --msc-from need --msc PATH (where to write the chart)")
    if args.variant and not is_user_ref(args.spec):  # (--variant was no flag: it took the first trace's place)
        raise UsageError("--variant goes with --spec FILE.py:Class (a variant of your own spec); the shipped specs' "
                         "audits check against the spec itself")
    # a user's class, no registration; its --variant found beside it as for 'check'
    user = resolve(args)[1] if is_user_ref(args.spec) else None
    if args.spec and user is None:
        audit_of(args.spec)  # a spec with no audit is refused before its traces are read
    try:
        if user is not None:
            mapping, events = user_audit(user, args.files, bounds, decode_compact, survey_compact)
        else:  # (our nodes' trace.bin too), read as the audit goes
            events = TraceStream(args.files, decode_compact, survey_compact)
            mapping = mapping_for(_spec_of(args.spec, events), events, bounds)  # (its pass is the survey)
        result = audit_events(mapping, events)
    except (Exception, SystemExit) as exc:  # (sys.exit() in a mapping's code is its failure too, not ours)
        fault = None if isinstance(exc, (TraceError, HistoryError)) else mapping_fault(exc)
        if fault is not None:  # the user's own mapping code: exit 3, as for an exception in a spec's code
            raise SpecCodeError(f"in the trace mapping's code: {fault}") from exc
        if isinstance(exc, SystemExit):
            raise
        if isinstance(exc, (TraceError, HistoryError, TypeError)):
            raise UsageError(str(exc)) from exc
        raise
    warnings = events.warnings if isinstance(events, TraceStream) else []
    result.warnings = warnings
    if args.msc:
        if args.msc_from is not None and not 1 <= args.msc_from <= result.count:
            raise UsageError(f"--msc-from {args.msc_from}: the trace has events 1..{result.count}")
        first = None if args.msc_from is None else args.msc_from - 1
        failing = None if result.ok else result.failure.index  # type: ignore[union-attr]
        written = write_msc(events, args.msc, failing, args.msc_window, first, result.count)
    if args.json:
        json.dump(json_report(mapping, result), sys.stdout, indent=1)  # (strict JSON: json_report's)
        print()
    else:
        print(text_report(mapping, result, len(args.files)))
        if args.msc:
            print("message-sequence chart: " + ", ".join(map(str, written)))
    for w in warnings:
        print(f"paxraft audit: warning: {w}", file=sys.stderr)
    return 0 if result.ok else 1


def _spec_of(given: str | None, stream: TraceStream) -> str:
    """The spec to audit against: the one given, else the first event's header's. Its mapping's pass over the
    stream is the survey, at whose end the headers are checked to agree; when there is no mapping to make (the
    traces name none, or one with no audit), the survey reads them through first, so that what the files hold
    wrong is said first, as when they were read whole before anything else."""
    stream.after_survey.append(_headers_agree)
    named = next((e.header.get("spec") for e in stream), None)
    spec = given or named
    try:
        if not spec:
            raise UsageError("the traces do not name their spec: give --spec (paxos or raft, or FILE.py:Class)")
        if given and named and given != named and _audited(named):
            # (a shipped spec's traces against another's: each name of the trace refused, some 1,500 characters;
            # a header naming a spec of its own, a user's Raft, is audited against the one given)
            raise UsageError(f"the traces were written for the {quote(named, 200)} spec (their headers' \"spec\"), "
                             f"not {given}: leave --spec out, or give --spec {quote(named, 200)}")
        if is_user_ref(spec):  # a trace header naming a file made audit import it: a trace ran code of its own
            raise UsageError(f"the traces name the spec {quote(spec, 200)}, a user's file: give --spec "
                             f"{quote(spec, 200)} to audit them against it (audit runs no code a trace names)")
        audit_of(spec)
    except (UsageError, SpecError):
        stream.read_through()
        raise
    return spec


def _audited(name: str) -> bool:
    """Whether ``name`` is a shipped spec with an audit (a trace header naming it was written for it)."""
    try:
        audit_of(name)
    except SpecError:
        return False
    return True


def _headers_agree(stream: TraceStream) -> None:
    """Files of one run: their headers must name the same spec and the same Paxos acceptors (else the first
    event's header decided it: a proposer's file naming five acceptors where three voted audited the run as five
    acceptors' whose quorum is three, refusing a good trace; one naming fewer, a smaller quorum)."""
    for key in ("spec", "acceptors"):
        first: dict[str, str] = {}
        for header, file in stream.boots:
            first.setdefault(json.dumps(header.get(key), sort_keys=True), file)
        if len(first) > 1:
            (v1, f1), (v2, f2) = list(first.items())[:2]
            raise UsageError(
                f'the trace headers disagree on "{key}": {f1} says {quote(v1)}, {f2} says {quote(v2)} '
                "(audit the files of one run together)"
            )


def run_history(args: argparse.Namespace) -> int:
    """Linearizability of the operations in the history files (together), against the KV model."""
    try:
        ops = [op for f in args.files for op in read_history(f)]
    except HistoryError as exc:
        raise UsageError(str(exc)) from exc
    if not ops:  # '0 operations, 0 keys: ok', exit 0, read as a history that was checked
        raise UsageError(f"{', '.join(map(str, args.files))}: no operations (an empty history)")
    result = check_operations(kv_model(), ops)
    if args.html:
        write_html(result, args.html)
    if args.json:
        json.dump(
            {
                "operations": len(ops),
                "verdict": result.verdict,
                "seconds": round(result.seconds, 3),
                "partitions": len(result.partitions),
                "failing": [
                    {"name": p.name, "prefix": len(p.linearization), "ops": len(p.ops)} for p in result.failing()
                ],
            },
            sys.stdout,
            indent=1,
        )
        print()
    else:
        print(f"{len(ops):,} operations, {len(result.partitions):,} keys: {result.verdict} ({result.seconds:.2f}s)")
        if not result.ok:
            print(result.explain())
        if args.html:
            print(f"time line: {args.html}")
    return 0 if result.ok else 1
