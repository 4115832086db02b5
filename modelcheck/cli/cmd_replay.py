"""Re-run a saved ITF trace against its spec and say, step by step, whether each state follows."""

from __future__ import annotations

import argparse

from modelcheck.cli.cmd_audit import parse_bounds
from modelcheck.cli.common import UsageError, resolve
from modelcheck.engine.result import count
from modelcheck.output.itf import made_by_another_variant, read_itf, recorded_violation, replay_steps


def configure(parser: argparse.ArgumentParser) -> None:
    """The trace file, and --quiet for the verdict line only."""
    parser.add_argument("trace", help="an ITF trace (.itf.json) written by 'paxraft check --out' or by hand")
    parser.add_argument("--quiet", action="store_true", help="print only the verdict")
    parser.add_argument(
        "--spec",
        metavar="FILE.py:Class",
        help="the spec of a trace made from a user's file or module (the trace names it; replay runs no code a "
        "trace names by itself)",
    )
    parser.add_argument(
        "--variant",
        metavar="V",
        help="with --spec: a variant of that spec, as check --variant takes it (or name the variant's class)",
    )
    parser.add_argument(
        "--bounds",
        default="",
        metavar="K=V,...",
        help="spec constants overriding the trace's; a file the spec reads (quorum_file=PATH) is taken only from "
        "here: replay opens no path named inside a trace",
    )


def run(args: argparse.Namespace) -> int:
    """0 when every state follows from the one before by its recorded action, 1 otherwise."""
    spec, trace = read_itf(args.trace, given=parse_bounds(args.bounds, strings=True), spec_ref=_spec_ref(args))
    print(f"Replaying {args.trace}: {spec.describe()}, {count(len(trace.steps), 'state')}")
    ok = True
    for v in replay_steps(spec, trace.steps):
        if not args.quiet or not v.ok:
            mark = "ok  " if v.ok else "FAIL"
            # numbered from 1, as check's trace and table number them (v.index is the ITF array's)
            print(f"  {mark} state {v.index + 1}: {v.label}" + (f": {v.reason}" if v.reason else ""))
        ok = ok and v.ok
    if not ok:
        print("The trace is not a behaviour of the spec.")
        why = made_by_another_variant(trace.meta, spec)  # --spec FILE:SPMC for WriterLaps's trace
        if why:
            print(f"({why.replace('this ran', 'this replay ran')})")
        return 1
    verdict = recorded_violation(spec, trace)
    loop = trace.meta.get("loop")
    if loop is not None:  # read_itf refused a lasso that does not close
        last, entry = trace.steps[-1].state, trace.steps[loop].state
        ends = ("it ends stuttering for ever in its last state" if loop == len(trace.steps) - 1
                else f"the loop closes: the last state is state {loop + 1} again" if last == entry
                else f"the loop closes by the spec's view: the last state has the view of state {loop + 1}")
        print(f"Every state follows from the one before, and {ends}" + (f"; {verdict[1]}." if verdict else "."))
    elif verdict is not None:
        print(f"Every state follows; {verdict[1]}.")
    else:
        print("Every state follows from the one before.")
    return 0 if verdict is None or verdict[0] else 1


def _spec_ref(args: argparse.Namespace) -> str | None:
    """``--spec``, or with ``--variant`` the variant's class in the same file (found as check finds it)."""
    if not args.variant:
        return args.spec
    if not args.spec:
        raise UsageError("--variant goes with --spec FILE.py:Class (a shipped spec's trace names its own variant)")
    _, cls = resolve(argparse.Namespace(spec=args.spec, variant=args.variant))
    return f"{args.spec.rsplit(':', 1)[0]}:{cls.__name__}"

