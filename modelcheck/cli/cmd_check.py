"""Model-check a spec or variant exhaustively; with no spec, run the default suite."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from modelcheck import check
from modelcheck.cli import _check_modes as check_modes
from modelcheck.cli import _check_reading as check_reading
from modelcheck.cli.common import add_bound_options, add_model_options, model_from_args, spec_ints
from modelcheck.engine.faults import check_picklable, initial_states, preflight
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import OK, Result, Step, count
from spec.core import Spec, SpecError
from spec.model import Model
from spec.registry import entries, spec_class


def configure(parser: argparse.ArgumentParser) -> None:
    """Spec, variant, bounds and checker options."""
    parser.add_argument("spec", nargs="?", help="spec name (see 'paxraft list') or path/to/file.py:ClassName")
    parser.add_argument("--variant", help="run a named variant of the spec")
    add_bound_options(parser)
    parser.add_argument("--symmetry", action="store_true", help="reduce by the spec's symmetric sets")
    add_model_options(parser)
    parser.add_argument("--deadlock", action="store_true", help="report states with no successor")
    parser.add_argument("--no-invariants", action="store_true", help="explore only (count states)")
    parser.add_argument("--invariants", default=None, metavar="I,J",
                        help="check only these invariants and action invariants (a TLC cfg's INVARIANTS); "
                             "a wrong name lists them")
    parser.add_argument("--max-states", type=int, default=None, metavar="N",
                        help="stop once N distinct states are stored (and checked): exactly N, marked incomplete")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument("--check-hooks", action="store_true",
                        help="first compare the speed hooks (OUTSIDE, Counted, keeps_constraint) with the plain "
                             "steps on every state, not only on the first 64 (docs/fast-specs.md)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    check_modes.configure(parser)
    check_reading.configure(parser)


def run(args: argparse.Namespace) -> int:
    """Check one model, or the default suite when no spec is named."""
    if getattr(args, "resume", None):
        check_modes.apply_resume(args)
    if args.spec is None:
        if args.variant:
            raise SpecError("--variant needs a spec name")
        return run_suite(args)
    check_modes.validate(args)
    with spec_ints():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    model = model_from_args(args)
    spec = model.build()
    check_modes.record(args, dict(model.bounds))
    hooks_progress = (Progress(f"--check-hooks walk of {spec.describe()}", silent=args.quiet or args.json)
                      if args.check_hooks else None)  # fmt: skip
    preflight(spec, invariants=not args.no_invariants, symmetry=model.symmetry, every=args.check_hooks,
              progress=hooks_progress)
    if args.out:
        _writable_as_itf(spec)
    if check_reading.wants(args):
        return check_reading.run(args, spec)
    moved = [f for f, on in (("--workers", args.workers > 1), ("--checkpoint", args.checkpoint),
                             ("--memory", args.memory), ("--ray", args.ray is not None)) if on]
    if moved:
        check_picklable(spec, "/".join(moved))
    return check_modes.run(args, spec)


def _writable_as_itf(spec: Spec) -> None:
    """--out writes an ITF trace: the initial states and their successors must be values ITF can hold, or the run
    ends in the error only after the whole search (None in a state: 'cannot write a NoneType')."""
    from modelcheck.output.itf import trace_to_itf  # only with --out

    init = initial_states(spec)[:8]
    for s in init + [t for i in init[:2] for _a, _p, t in spec.successors(i)]:
        try:
            trace_to_itf(spec, [Step(None, s)])
        except SpecError as exc:
            raise SpecError(f"--out writes the trace as ITF, which cannot hold this spec's states: {exc}") from None


def run_witnesses(args: argparse.Namespace, rows: list[Result]) -> bool:
    """Search for every witness each registered spec declares (at its declared bounds); one row each.
    A witness never reached means the spec's invariants may hold vacuously: the suite fails."""
    from modelcheck.engine.reach import REACHED, reach, witness_model

    found = [(e, w) for e in entries().values() for w in e.cls.witnesses_declared()]
    if not found:
        return True
    print("Witnesses (each must be reachable, or the invariants above may hold only vacuously):")
    ok = True
    for e, name in found:
        spec = witness_model(e.cls, name)
        res = reach(spec, name, spec.witnesses[name], progress=Progress(f"{e.name} {name}", silent=args.quiet))
        rows.append(res)
        ok &= res.verdict == REACHED
        reached = res.verdict == REACHED
        verdict = f"reached in {count(res.trace_length, 'step')}" if reached else "NOT REACHED (vacuity?)"  # type: ignore[arg-type]
        shown = " ".join(f"{k}={v}" for k, v in spec.bounds().items())
        print(f"{e.name:<8} {name:<30} {shown:<50} {res.distinct_states:>10,} {res.seconds:>8.2f}  {verdict}",
              flush=True)
    return ok


def suite_models() -> list[tuple[str, dict[str, Any]]]:
    """The default suite: (spec name, bounds including 'symmetry') for every registered spec."""
    return [(e.name, dict(m)) for e in entries().values() for m in e.suite]


def run_suite(args: argparse.Namespace) -> int:
    """Run the embedded default models and print one row each, then the total time."""
    rows: list[Result] = []
    models = []
    for name, bounds in suite_models():
        model = Model.recorded(spec_class(name), bounds)
        spec, sym = model.build(), model.symmetry
        shown = " ".join(f"{k}={v}" for k, v in spec.bounds().items()) + (" symmetry" if sym else "")
        models.append((name, spec, sym, shown))
    width = max(len(m[3]) for m in models)
    print(f"Default suite: {len(models)} models (about a minute in all on one core)")
    print(f"{'spec':<8} {'bounds':<{width}} {'distinct':>10} {'depth':>6} {'seconds':>8}  verdict")
    failed = False
    for name, spec, sym, shown in models:
        res = check(spec, symmetry=sym, progress=Progress(spec.describe(), silent=args.quiet))
        rows.append(res)
        verdict = res.verdict if res.verdict == OK else f"{res.verdict}: {res.violated}"
        failed |= res.verdict != OK
        print(
            f"{name:<8} {shown:<{width}} {res.distinct_states:>10,} {res.depth:>6} {res.seconds:>8.2f}  {verdict}",
            flush=True,
        )
    failed |= not run_witnesses(args, rows)
    print(f"total: {sum(r.seconds for r in rows):.1f} s of checking")
    if args.json:
        json.dump([r.to_json() for r in rows], sys.stdout, indent=1)
        print()
    return 1 if failed else 0
