"""Write the whole state graph of a small model as DOT/SVG, a counterexample path in red."""

from __future__ import annotations

import argparse
from pathlib import Path

from modelcheck.cli.common import add_bound_options, add_model_options, model_from_args, output_folder
from modelcheck.engine.faults import preflight
from modelcheck.engine.graph import GraphTooLargeError, explore, first_broken_step
from modelcheck.engine.result import count
from modelcheck.output.dot import write_dot
from modelcheck.output.render import graph_dot
from spec.core import SpecError

DEFAULT_LIMIT = 300


def configure(parser: argparse.ArgumentParser) -> None:
    """Spec, variant, bounds, size guard and output folder."""
    parser.add_argument("spec", help="spec name (see 'paxraft list') or path/to/file.py:ClassName")
    parser.add_argument("--variant", help="a named variant of the spec")
    add_bound_options(parser)
    add_model_options(parser)
    parser.add_argument("--out", default="graph-out", metavar="DIR", help="output folder (default graph-out)")
    parser.add_argument(
        "--max-states",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"refuse models with more states (default {DEFAULT_LIMIT}; graphs beyond that are unreadable)",
    )
    parser.add_argument("--format", default="svg", help="picture format for dot (svg, png, pdf; default svg)")
    parser.add_argument("--symmetry", action="store_true", help="one state per renaming, as check --symmetry")


def run(args: argparse.Namespace) -> int:
    """Explore, find the shortest path to an invariant violation (if any), write the picture."""
    if args.max_states < 1:
        raise SpecError(f"--max-states must be at least 1, got {args.max_states}")
    output_folder(args.out, "--out")
    model = model_from_args(args)
    spec = model.build()
    preflight(spec, symmetry=model.symmetry)  # permute checked as check --symmetry checks it
    try:
        g = explore(spec, symmetry=model.symmetry, keep_states=True, max_states=args.max_states)
    except GraphTooLargeError:  # say which flag raises the limit
        raise GraphTooLargeError(
            f"{spec.describe()}: more than {count(args.max_states, 'state')}; raise --max-states or shrink the model"
        ) from None
    assert g.states is not None
    bad = next((i for i, s in enumerate(g.states) if spec.violated(s)), None)  # True or False only, as check
    path = [i for i, _ in g.path_to(bad)] if bad is not None else []
    step = first_broken_step(g)
    written = write_dot(graph_dot(g, path, bad, step), Path(args.out) / "states.dot", (args.format,))
    reduced = " (symmetry: one state per renaming)" if model.symmetry else ""
    print(f"{spec.describe()}: {len(g):,} states{reduced}, {g.edge_count():,} edges (self-loops omitted)")
    if bad is not None:
        broken = spec.violated(g.states[bad])
        steps = count(len(path) - 1, "step")
        print(f"{broken} is violated in state #{bad}; its shortest path ({steps}) is drawn in red")
    if step is not None:
        steps = count(len(g.path_to(step.source)), "step")
        to = f"state #{step.target}" if step.target >= 0 else "a state outside the constraint"
        print(f"action invariant {step.invariant} is violated by the step {spec.show_label(step.label)} from state "
              f"#{step.source} to {to}; its shortest path ({steps}) is drawn in red, the step marked")
    for p in written:
        print(f"wrote {p}")
    return 0
