"""Infer an inductive invariant from the explored states and prove safety with it (no hand-written conjunct)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from modelcheck.cli.common import UsageError, add_bound_options, output_file, output_folder, positive, written_whole

if TYPE_CHECKING:  # the pipeline loads Z3 and numpy: only when infer runs, not for every paxraft command
    from collections.abc import Mapping, Sequence

    from proofs.infer.pipeline import Problem, Report
    from proofs.infer.templates import Template

#: Spec name -> ``module:function(variant) -> Problem``.
PROBLEMS = {"paxos": "proofs.infer.paxos:problem", "raft": "proofs.infer.raft:problem"}
#: The variants infer takes for each spec (each one breaks the safety property on an explored state).
VARIANTS = {"paxos": ("ignore-votes",), "raft": ("count-stale-votes", "volatile-term")}


def configure(parser: argparse.ArgumentParser) -> None:
    """Spec, variant, output file, Z3 limits."""
    parser.add_argument("spec", help=f"what to infer an invariant for: {', '.join(PROBLEMS)}, or FILE.py:Class with "
                        "its own encoding (docs/inference.md)")
    parser.add_argument(
        "--variant",
        help="a catalog variant: "
        + "; ".join(f"{spec}: {', '.join(vs)}" for spec, vs in VARIANTS.items())
        + " (each breaks the safety property on a reachable state, which infer shows)",
    )
    parser.add_argument(
        "--out", metavar="FILE", help="write the invariant there (read by 'paxraft prove SPEC --invariant')"
    )
    parser.add_argument(
        "--cti-dir",
        metavar="DIR",
        help="draw the counterexample to safety no candidate excludes (DOT/SVG) into DIR (a reachable state where "
        "safety fails is printed, not drawn)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S", help="seconds per Z3 query (default 60)")
    parser.add_argument("--progress", action="store_true", help="print each selection step on stderr")
    parser.add_argument("--max-steps", type=int, default=400, metavar="N", help="selection steps before giving up")
    add_bound_options(parser)  # (FILE.py:Class: the instance whose reachable states are the samples)


def run(args: argparse.Namespace) -> int:
    """Infer, print the stages and the invariant (or why none was found); 0 found, 1 not found."""
    from modelcheck.cli.errors import outside_finalizers
    from proofs.logic import hear_signals, z3_timeout  # (z3 loads only when a proof runs)

    hear_signals(outside_finalizers)  # (before any Z3 object is made: a Ctrl-C in one's finalizer was lost)
    from spec.registry import is_user_ref, lazy

    user = is_user_ref(args.spec)
    if not user and args.spec not in PROBLEMS:
        raise UsageError(
            f"no invariant inference for {args.spec!r}: infer needs a Z3 proof model (signature, actions, "
            f"state mapping), which only {', '.join(PROBLEMS)} have (see docs/inference.md)"
        )
    if not user and args.variant and args.variant not in VARIANTS[args.spec]:
        known = ", ".join(VARIANTS[args.spec])
        raise UsageError(f"--variant {args.variant}: infer {args.spec} takes only {known}")
    if not user and bounds_given(args):
        raise UsageError(f"bound flags go with a user's spec, FILE.py:Class: infer {args.spec} samples at its own")
    z3_timeout("--timeout", args.timeout)
    positive("--max-steps", args.max_steps)
    if args.cti_dir is not None:
        output_folder(args.cti_dir, "--cti-dir")
    if args.out is not None:
        output_file(args.out, "--out")
    from proofs.infer.language import write_invariant
    from proofs.infer.pipeline import infer

    problem = _user_problem(args) if user else lazy(PROBLEMS[args.spec])(args.variant)
    log = (lambda line: print(line, file=sys.stderr, flush=True)) if args.progress else None
    rep = infer(problem, z3_timeout("--timeout", args.timeout), args.max_steps, log)
    print(f"paxraft infer {problem.name}")
    print(rep.text())
    if rep.conjuncts is None:
        _failure(rep, problem, args)
        return 1
    print()
    header = (
        f"{problem.name}: inductive invariant inferred by 'paxraft infer' in {rep.seconds:.1f}s; "
        f"implies {', '.join(problem.system.safety)}"
    )
    text = write_invariant(rep.conjuncts, header)
    print(text, end="")
    for name, chain in rep.weakens.items():  # conjuncts no template gave: Houdini weakened a dropped clause
        print(f"{name} weakens {' <- '.join(c.text() for c in chain)}")
    print(
        f"inductive, implies {', '.join(problem.system.safety)}: {len(rep.conjuncts)} conjuncts in {rep.seconds:.1f}s"
    )
    if args.out:
        with written_whole(Path(args.out), "--out") as f:  # (a full disk cut it: fewer conjuncts, read as all)
            f.write(text)
        print(f"written: {args.out} (check it: paxraft prove {args.spec} --invariant {args.out})")
    return 0


def bounds_given(args: argparse.Namespace) -> bool:
    """Whether any bound flag was given (for a shipped spec, whose samples' bounds are infer's own)."""
    from modelcheck.cli.common import bounds_from_args
    from spec.registry import entries

    e = entries().get(args.spec)  # (a problem a test registers may name no spec)
    return e is not None and bool(bounds_from_args(e, args))


def _user_problem(args: argparse.Namespace) -> Problem:
    """The user's spec class (``--variant`` among its file's), its encoding, and the bounds given."""
    from proofs.infer.user import problem
    from proofs.user.cmd_user import user_model

    model = user_model(args)
    return problem(model.prep, model.cls, model.bounds, model.name)


def wider(templates: Sequence[Template], elements: Mapping[str, int] | None = None) -> str:
    """What a user's encoding can change when no candidate excludes a counterexample to safety: every candidate is
    a clause of its templates (Occupancy's OneDirection needs four literals, the defaults give three, and infer said
    only that no candidate excludes the state). ``elements``: how many elements of each sort the counterexample
    has; where no template has that many variables of a sort, one more variable of it is what is missing (two
    nodes own one key in ShardedKV's, and one literal more could not help a one-node template)."""
    first = templates[0]
    have = {s: max(len(t.sorts().get(s, ())) for t in templates) for s in (elements or {})}
    short = [s for s, n in (elements or {}).items() if n > have[s]]
    universal = list(first.universal)
    names = {v for v, _ in universal}
    for sort in short:
        prefix = next((v.rstrip("0123456789") for v, s in universal if s == sort), sort[0].upper())
        name = next(f"{prefix}{i}" for i in range(1, 99) if f"{prefix}{i}" not in names)
        names.add(name)
        at = max((i + 1 for i, (_, s) in enumerate(universal) if s == sort), default=len(universal))
        universal.insert(at, (name, sort))
    variables = " ".join(f"{v}:{s}" for v, s in universal)
    if short:
        what = f"one more {' and one more '.join(short)} variable: the counterexample has " + ", ".join(
            f"{elements[s]} {s}" for s in short  # type: ignore[index]
        )
        suggestion = f'template("{variables}")'
    else:
        what = "more literals or variables"
        suggestion = f'template("{variables}", literals={first.max_literals + 1})'
    return (f"Every candidate is a clause of the templates ({'; '.join(t.describe() for t in templates)}): one that "
            f"excludes this state may need {what}. Give the encoding its own, e.g. "
            f"infer_templates = ({suggestion},) (docs/inference.md).")


def _failure(rep: Report, problem: object, args: argparse.Namespace) -> None:
    """Why no invariant: the reachable state breaking safety, or the counterexample no candidate excludes."""
    print()
    print(f"no inductive invariant implies {', '.join(problem.system.safety)}: {rep.reason}")  # type: ignore[attr-defined]
    if rep.violation:
        print(rep.violation)
        variant = f" --variant {args.variant}" if args.variant else ""
        print(f"(paxraft check {args.spec}{variant} at the bounds above gives the shortest trace to such a state)")
        return
    sel = rep.selection
    if sel is not None and sel.cti is not None and problem.extract is not None:  # type: ignore[attr-defined]
        from proofs.infer.pipeline import safety_cti

        cti = safety_cti(problem, sel)  # type: ignore[arg-type]
        print(cti.text())
        from spec.registry import is_user_ref

        if is_user_ref(args.spec) and (sel.cti_reason or "").startswith("no candidate excludes"):
            sizes = {str(srt): len(sel.cti.get_universe(srt) or ()) for srt in problem.system.sorts}  # type: ignore
            print(wider(problem.templates, sizes))  # type: ignore[attr-defined]
        if args.cti_dir:
            Path(args.cti_dir).mkdir(parents=True, exist_ok=True)
            print("  drawn: " + ", ".join(map(str, cti.draw(Path(args.cti_dir) / "cti.dot"))))
