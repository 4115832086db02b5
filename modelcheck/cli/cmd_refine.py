"""Check that a spec implements another under its refinement mapping (Paxos => Voting => Consensus)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from modelcheck.cli.common import (
    add_bound_options,
    add_model_options,
    model_from_args,
    output_folder,
    workers_option,
)
from modelcheck.engine.faults import preflight, showing
from modelcheck.engine.progress import Progress
from modelcheck.engine.refinement import RefinementResult, as_json, check_refinement, summary
from modelcheck.engine.result import count
from spec.core import SpecError
from spec.refinements import refinement


def configure(parser: argparse.ArgumentParser) -> None:
    """Concrete spec (with variant and bounds) and the abstract spec's name."""
    parser.add_argument("spec", help="the concrete spec, e.g. paxos")
    parser.add_argument("abstract", help="the abstract spec it should implement, e.g. voting or consensus")
    parser.add_argument("--variant", help="a named variant of the concrete spec")
    add_bound_options(parser)
    add_model_options(parser)
    parser.add_argument("--max-states", type=int, default=None, metavar="N",
                        help="stop as the N-th distinct concrete state is stored: the steps taken until then are "
                             "checked (not every step from the last states), marked incomplete")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes (default 1); the figures and the failing step are one process's")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--out", metavar="DIR", help="write a failure's trace (ITF JSON, which 'paxraft replay' "
                        "checks again), its chart and table (DOT, SVG) here")
    parser.add_argument("--symmetry", action="store_true", help=f"refused: {NO_SYMMETRY}")
    parser.epilog = f"Symmetry: {NO_SYMMETRY}."


#: Why refine explores the unreduced model (said by --help, and when --symmetry is given anyway).
NO_SYMMETRY = ("refine explores every reachable concrete state, without symmetry reduction: the mapping "
               "need not commute with renaming (two symmetric concrete states may map to abstract states "
               "that are not), so a reduced search could miss a step that maps to no abstract step")


def run(args: argparse.Namespace) -> int:
    """0 when every reachable step maps to an abstract step or stutter, 1 at the first that does not."""
    if args.symmetry:
        raise SpecError(f"--symmetry is not offered: {NO_SYMMETRY}")
    if args.max_states is not None and args.max_states < 1:
        raise SpecError(f"--max-states must be at least 1, got {args.max_states}")
    args.workers = workers_option(args.workers, "refine")
    if args.out is not None:
        output_folder(args.out, "--out")
    concrete = model_from_args(args).build()
    preflight(concrete)
    abstract, mapping = refinement(concrete, args.abstract)
    progress = Progress(f"{concrete.describe()} => {abstract.name}", silent=args.quiet or args.json)
    res = check_refinement(concrete, abstract, mapping, max_states=args.max_states, progress=progress,
                           workers=args.workers)
    with showing(None if res.trace is None else f"{concrete.name} does not refine {abstract.name}, a "
                 f"counterexample of {count(res.failing_step or 0, 'step')}"):
        print(json.dumps(as_json(res), indent=1) if args.json else summary(res))
        if args.out is not None:
            _write_out(res, Path(args.out), args.json)
    return 0 if res.holds else 1


def _write_out(res: RefinementResult, out: Path, quiet: bool) -> None:
    """``--out DIR``: the failing behaviour as a check's counterexample is written, its last step marked."""
    if res.trace is None:  # say so: an empty folder after --out looks like a failure
        print(f"--out {out}: nothing written, no trace to draw (every step maps to a step of {res.abstract.name} "
              "or to a stutter)", file=sys.stderr)
        return
    from modelcheck.output.artifacts import write_trace_artifacts

    what = f"{res.concrete.name} => {res.abstract.name}"
    for path in write_trace_artifacts(res.concrete, res.trace, out, what, "refine", refines=res.abstract.name):
        print(f"wrote {path}", file=sys.stderr if quiet else sys.stdout)
