"""Model-check a spec or variant exhaustively; with no spec, run the default suite."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from modelcheck import check
from modelcheck.cli import _check_modes as check_modes
from modelcheck.cli import _check_reading as check_reading
from modelcheck.engine.explain import summary
from modelcheck.engine.faults import preflight
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import OK, Result
from spec.core import Spec, SpecError
from spec.model import Model
from spec.registry import SpecEntry, entries, entry, entry_for_class, is_user_ref, load_user_spec, spec_class


def add_bound_options(parser: argparse.ArgumentParser, extra: SpecEntry | None = None) -> None:
    """Every registered spec's bounds (a flag shared by two specs is added once), and those of
    ``extra`` (a user's spec, known once its file is loaded: see :func:`modelcheck.cli.main`)."""
    seen = set(parser._option_string_actions)
    group = next((g for g in parser._action_groups if g.title == BOUNDS_TITLE), None)
    group = group or parser.add_argument_group(BOUNDS_TITLE)
    bounds = {flag for a in group._group_actions for flag in a.option_strings}
    clash = [o.flag for o in (extra.all_options if extra else ()) if o.flag in seen and o.flag not in bounds]
    if clash:
        raise SpecError(f"{extra.name}: the bound {clash[0]} has the name of an option of this command; "  # type: ignore[union-attr]
                        "rename the constructor argument or declare bound_options with another flag")
    for e in [*entries().values(), *([extra] if extra else [])]:
        for opt in e.all_options:
            if opt.flag in seen:
                continue
            seen.add(opt.flag)
            if opt.type is bool:
                group.add_argument(opt.flag, dest=opt.dest, action="store_true", default=None, help=opt.help)
            else:
                group.add_argument(opt.flag, dest=opt.dest, type=opt.type, default=None, metavar="N", help=opt.help)


BOUNDS_TITLE = "bounds (each spec takes its own; see 'paxraft list')"


def configure(parser: argparse.ArgumentParser) -> None:
    """Spec, variant, bounds and checker options."""
    parser.add_argument("spec", nargs="?", help="spec name (see 'paxraft list') or path/to/file.py:ClassName")
    parser.add_argument("--variant", help="run a named variant of the spec")
    add_bound_options(parser)
    parser.add_argument("--symmetry", action="store_true", help="reduce by the spec's symmetric sets")
    add_model_options(parser)
    parser.add_argument("--deadlock", action="store_true", help="report states with no successor")
    parser.add_argument("--no-invariants", action="store_true", help="explore only (count states)")
    parser.add_argument("--max-states", type=int, default=None, metavar="N", help="stop after N distinct states")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    check_modes.configure(parser)
    check_reading.configure(parser)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """``--without`` and ``--restrict``: the model options every command that builds a model takes."""
    parser.add_argument(
        "--without",
        default=None,
        metavar="A,B",
        help="leave these actions out of Next (a model restriction, e.g. DuplicateMessage,DropMessage,Restart)",
    )
    parser.add_argument(
        "--restrict",
        default=None,
        metavar="R,S",
        help="model restrictions the spec offers (extra enabling conditions, e.g. restart-leaders; "
        "a wrong name lists them)",
    )


def refuse_model_options(args: argparse.Namespace, command: str) -> None:
    """For a consumer that explores the whole spec (a Z3 encoding mirrors every action): a
    SpecError (exit 2) when actions were left out or restricted."""
    given = [f"--{name}" for name in ("without", "restrict") if getattr(args, name, None)]
    if given:
        raise SpecError(f"{command} checks the whole spec: {' and '.join(given)} cannot be applied here")


def model_from_args(args: argparse.Namespace) -> Model:
    """The model the arguments name: spec (or variant, or a user's class), bounds, left-out
    actions, restrictions and symmetry; what a command does not offer is absent."""

    def names(text: str | None) -> tuple[str, ...]:
        return tuple(n.strip() for n in (text or "").split(",") if n.strip())

    e, cls = resolve(args)
    return Model(
        cls,
        bounds_from_args(e, args),
        names(getattr(args, "without", None)),
        names(getattr(args, "restrict", None)),
        bool(getattr(args, "symmetry", False)),
    )


def resolve(args: argparse.Namespace) -> tuple[SpecEntry, type[Spec]]:
    """The spec entry and class the arguments name: a registered name, or a class in a user's
    file (``path/to/file.py:Class``) or module (``package.module:Class``), with its ``--variant``
    found among the variant classes beside it."""
    if is_user_ref(args.spec):
        cls = load_user_spec(args.spec)
        e = entry_for_class(cls)
        if getattr(args, "variant", None):
            if e.registered:
                raise SpecError("--variant goes with a spec name, not with a file")
            cls = _variant_of(e, args.variant)
        return e, cls
    e = entry(args.spec)
    return e, spec_class(args.spec, getattr(args, "variant", None))


def _variant_of(e: SpecEntry, name: str) -> type[Spec]:
    if name not in e.variants:
        raise SpecError(f"{e.name} has no variant {name!r}; its variants: {', '.join(sorted(e.variants)) or 'none'}")
    return e.variants[name]


def bounds_from_args(e: SpecEntry, args: argparse.Namespace) -> dict[str, Any]:
    """The bounds given for this spec; a bound of another spec is an error naming it."""
    own = {o.dest for o in e.all_options}
    out: dict[str, Any] = {}
    for opt in [o for other in [e, *entries().values()] for o in other.all_options]:
        val = getattr(args, opt.dest, None)
        if val is None or opt.dest in out:
            continue
        if opt.dest not in own:
            theirs = ", ".join(o.flag for o in e.all_options) or "none"
            raise SpecError(f"{opt.flag} is not a bound of {e.name} (its bounds: {theirs})")
        if opt.type is int and val < 0:
            raise SpecError(f"{opt.flag} must not be negative, got {val}")
        out[opt.dest] = val
    return out


def run(args: argparse.Namespace) -> int:
    """Check one model, or the default suite when no spec is named."""
    if getattr(args, "resume", None):
        check_modes.apply_resume(args)
    if args.spec is None:
        if args.variant:
            raise SpecError("--variant needs a spec name")
        return run_suite(args)
    check_modes.validate(args)
    model = model_from_args(args)
    spec = model.build()
    check_modes.record(args, dict(model.bounds))
    preflight(spec, invariants=not args.no_invariants)
    if check_reading.wants(args):
        return check_reading.run(args, spec)
    if check_modes.wants(args):
        return check_modes.run(args, spec)
    progress = check_modes.progress_for(args, spec)
    result = check(
        spec,
        symmetry=model.symmetry,
        check_invariants=not args.no_invariants,
        check_deadlock=args.deadlock,
        max_states=args.max_states,
        progress=progress,
    )
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=1)
        print()
    else:
        print(summary(result))
    return 0 if result.verdict == OK else 1


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
        verdict = f"reached in {res.trace_length} steps" if res.verdict == REACHED else "NOT REACHED (vacuity?)"
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
