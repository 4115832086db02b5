"""The catalog of protocol variants and known bugs; --check re-runs each and compares verdicts.

``paxraft variants`` prints one row per catalog entry (``spec/catalog.py``): the property
it breaks and the shortest counterexample's length, its smallest known failing bounds
(or, for a safe entry, the bounds tried) and the one rule changed.
``paxraft variants --check [NAME...]`` model-checks each entry at those bounds and
prints the expected and the found verdict side by side; exit status 1 if any disagree
(a different verdict, property or counterexample length, or no failing bounds recorded).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from dataclasses import dataclass
from typing import Any

from modelcheck import check
from modelcheck.engine.progress import Progress
from modelcheck.engine.refinement import check_refinement
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Result, count
from spec.catalog import Entry, select
from spec.core import Spec, SpecError
from spec.refinements import refinement
from spec.registry import entry_for_class, is_user_ref, ref_where, spec_class
from spec.suggest import did_you_mean, names_property


def configure(parser: argparse.ArgumentParser) -> None:
    """Entry names, spec filter, --check, --json, --long."""
    parser.add_argument("names", nargs="*", metavar="NAME", help="catalog entries, e.g. amnesia (default: all)")
    parser.add_argument("--spec", help="only this spec's entries")
    parser.add_argument("--check", action="store_true", help="model-check each entry and compare with the catalog")
    parser.add_argument("--long", action="store_true", help="also print each entry's source")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


@dataclass
class Outcome:
    """An entry checked: what the catalog says and what the checker found (``None``: not run)."""

    entry: Entry
    result: Result | None
    seconds: float = 0.0
    why: str | None = None  # a lasso's shape (a temporal property broken), or the step no abstract step explains

    @property
    def found_breaks(self) -> str | None:
        """The violated property, or None when the model is safe (or was not run)."""
        r = self.result
        return None if r is None or r.verdict == OK else (r.violated or r.verdict)

    @property
    def agrees(self) -> bool:
        """Same verdict, same property, and (when recorded) the same shortest counterexample length."""
        e, r = self.entry, self.result
        if r is None or not r.complete or self.found_breaks != e.breaks:
            return False
        return e.trace_length is None or e.trace_length == r.trace_length

    def found_text(self) -> str:
        """``Agreement, 12 steps`` / ``safe`` / why it was not run."""
        if self.result is None:
            return "not run"
        text = _verdict(self.found_breaks, self.result.trace_length)
        return text if self.result.complete else text + " (incomplete)"

    def to_json(self) -> dict[str, Any]:
        """Stable fields for scripts."""
        e, r = self.entry, self.result
        return {
            "spec": e.spec,
            "name": e.name,
            "variant": e.variant,
            "bounds": e.show_bounds(),
            "expected": e.expected,
            "breaks": e.breaks,
            "trace_length": e.trace_length,
            "found": None if r is None else r.verdict,
            "violated": None if r is None else r.violated,
            "explanation": None if r is None else self.why or r.explanation,
            "found_trace_length": None if r is None else r.trace_length,
            "distinct_states": None if r is None else r.distinct_states,
            "seconds": round(self.seconds, 3),
            "agrees": self.agrees,
        }


def check_entry(entry: Entry, progress: Progress | None = None, spec: Spec | None = None) -> Outcome:
    """Model-check one entry at its recorded bounds (an entry without them is not run); ``spec``: the entry's,
    built already."""
    if not entry.recorded:
        return Outcome(entry, None)
    spec = spec or _built(entry)
    started = time.perf_counter()
    if names_property(spec.properties(), entry.breaks) and entry.breaks not in _checked(spec) and not entry.symmetry:
        return _liveness_outcome(entry, spec, started, progress)
    if _breaks_a_refinement(entry, spec):
        return _refinement_outcome(entry, spec, started)
    # a deadlock is looked for only where the entry says it breaks that (as 'check --deadlock'): reported first,
    # it would cut short an invariant's counterexample; not looked for, a deadlocking variant read 'safe'
    result = check(spec, symmetry=entry.symmetry, check_deadlock=entry.breaks == DEADLOCK, progress=progress)
    return Outcome(entry, result, time.perf_counter() - started)


def _liveness_outcome(entry: Entry, spec: Spec, started: float, progress: Progress | None) -> Outcome:
    """An entry that breaks a temporal property: the invariants, then (when they hold) the property under the
    spec's fairness, from one exploration, as ``paxraft check --liveness NAME`` checks them; its length is
    the lasso's steps, prefix and loop."""
    from modelcheck.engine.liveness import check_liveness

    safe, results = check_liveness(spec, [entry.breaks], progress=progress)  # none: an invariant broken
    # a family's name (CarsEnterBridge for CarsEnterBridge(r1) ...) is broken by its first entry that is
    live = next((r for r in results if r.lasso is not None), None)
    if live is None or live.lasso is None:
        return Outcome(entry, safe, time.perf_counter() - started)
    lasso = live.lasso
    trace = lasso.prefix + lasso.loop
    result = Result(spec, verdict=VIOLATION, violated=entry.breaks, trace=trace,
                    distinct_states=live.distinct_states, complete=True)  # fmt: skip
    entry_of = "" if live.property == entry.breaks else f"{live.property}: "  # which entry of a family
    return Outcome(entry, result, time.perf_counter() - started, entry_of + live.violation())


def _breaks_a_refinement(entry: Entry, spec: Spec) -> bool:
    """Whether ``breaks`` names a spec this one refines (through its declared mappings) rather than an invariant,
    a temporal property or a deadlock: a bug only ``paxraft refine`` sees, as Voting's with quorums that need not
    meet (its Inv holds; Spec => C!Spec does not)."""
    if entry.breaks is None or entry.breaks == DEADLOCK or entry.breaks in _checked(spec) \
            or names_property(spec.properties(), entry.breaks):
        return False
    try:
        refinement(spec, entry.breaks)
    except SpecError:
        return False
    return True


def _refinement_outcome(entry: Entry, spec: Spec, started: float) -> Outcome:
    """An entry that breaks a refinement: what ``paxraft refine SPEC ABSTRACT`` finds (steps only, no invariant),
    its length the failing step's number."""
    res = check_refinement(spec, *refinement(spec, entry.breaks))  # type: ignore[arg-type]  # (it breaks one)
    result = Result(spec, verdict=OK if res.holds else VIOLATION, violated=None if res.holds else entry.breaks,
                    trace=res.trace, distinct_states=res.distinct_states, complete=True)  # fmt: skip
    return Outcome(entry, result, time.perf_counter() - started, res.reason)


def _built(entry: Entry) -> Spec:
    """The entry's spec, once its catalog fields name what the spec has (a variant's author may
    misspell a bound in ``failing_bounds`` or the invariant in ``breaks``): else one line, exit 2."""
    cls = entry.cls or spec_class(entry.spec, entry.variant)
    own = [o.dest for o in entry_for_class(cls).all_options]
    takes = set(inspect.signature(cls.__init__).parameters) | {"without", "restrict", "symmetry"}
    unknown = [k for k in entry.bounds if k not in own and k not in takes]
    if unknown:
        raise SpecError(f"{entry.spec} variant {entry.name}: failing_bounds names {unknown[0]!r}, not a bound of "
                        f"{entry.spec}{_aside(unknown[0], own)} (its bounds: {', '.join(own) or 'none'})")
    spec = entry.build()
    props = list(spec.properties())
    if entry.breaks is not None and entry.breaks not in _checked(spec) and not names_property(props, entry.breaks) \
            and entry.breaks != DEADLOCK and not _breaks_a_refinement(entry, spec):
        raise SpecError(f"{entry.spec} variant {entry.name}: breaks = {entry.breaks!r} names no invariant of "
                        f"{entry.spec}{_aside(entry.breaks, [*_checked(spec), *props])} "
                        f"(its invariants: {', '.join(_checked(spec)) or 'none'}"
                        f"{'; its temporal properties: ' + ', '.join(props) if props else ''}; nor a spec it refines)")
    return spec


def _checked(spec: Spec) -> list[str]:
    """The names a plain check judges: the state invariants, then the action invariants."""
    return [*spec.invariants, *spec.action_invariants]


def _aside(word: str, known: list[str]) -> str:
    text = did_you_mean(word, known)
    return f" ({text})" if text else ""


def _verdict(breaks: str | None, length: int | None) -> str:
    if breaks is None:
        return "safe"
    return f"{breaks}, {count(length, 'step')}" if length is not None else f"{breaks}, length ?"


def _expected(e: Entry) -> str:
    return _verdict(e.breaks, e.trace_length) if e.recorded else f"{e.breaks}, bounds ?"


WHAT_A_VARIANT_IS = "a variant is a subclass of a spec that sets `variant = NAME` (in the spec's file or another)"

#: Why an entry without failing bounds DIFFERS, and what to add: a new variant's author sees this first.
NOT_RECORDED = ("no failing bounds recorded: once 'paxraft check SPEC --variant NAME' breaks the property, "
                "set failing_bounds = {bound: value, ...} (the smallest bounds) and trace_length = STEPS in the class")


def not_recorded(e: Entry) -> str:
    """:data:`NOT_RECORDED`, or for a class that sets ``failing_bounds = {}`` (meaning "at the defaults") on a spec
    with bounds, why that is no record and what to write: told only that none was recorded, its author looked
    in vain for what was missing."""
    if e.cls is None or e.cls.failing_bounds != {}:
        return NOT_RECORDED
    defaults = {o.dest: o.default for o in entry_for_class(e.cls).options if o.default is not None}
    return (f"failing_bounds = {{}} names no bound of a spec that has some ({', '.join(defaults)}): at the defaults, "
            f"write them (failing_bounds = {defaults}); {NOT_RECORDED}")


def print_table(rows: list[Entry], long: bool, source: str | None = None) -> None:
    """The catalog as a table: one line per entry (and its source with --long)."""
    sw = max([len(r.spec) for r in rows] + [4])
    nw = max([len(r.name) for r in rows] + [5])
    bw = max([len(r.show_bounds()) + 6 for r in rows] + [23])
    print(f"{'spec':<{sw}}  {'entry':<{nw}}  {'breaks':<30}  {'smallest failing bounds':<{bw}}  rule changed")
    for r in rows:
        bounds = "not recorded" if not r.recorded else r.show_bounds() if r.breaks else f"tried {r.show_bounds()}"
        print(f"{r.spec:<{sw}}  {r.name:<{nw}}  {_expected(r):<30}  {bounds:<{bw}}  {r.rule}")
        if long and r.source:
            print(f"{'':<{sw}}  {'':<{nw}}  source: {r.source}")
    many = "entry" if len(rows) == 1 else "entries"
    # a user's file's entries are found only through --spec FILE (or FILE:Class), so the command to re-run them names
    # it too (for FILE:Class it said 'paxraft variants --check', which checks the registered specs' catalog instead)
    file = ref_where(source) if source and is_user_ref(source) else source
    user = bool(file and file.endswith(".py"))
    again = f"--spec {source} --check" if user else "--check"
    print(f"\n{len(rows)} {many}. 'paxraft variants {again} [NAME...]' re-runs them;")
    # a user's file: its spec is named by file and class, which the table's spec name is not
    bases = sorted({c.__mro__[1].__name__ for r in rows if (c := r.cls) is not None and r.variant
                    and c.__mro__[1].__module__ == c.__module__})  # a spec of that file, not one it imports
    spec = f"{file}:{bases[0]}" if user and len(bases) == 1 else "SPEC"
    print(f"'paxraft check {spec} --variant NAME' runs one variant at any bounds.")


def run(args: argparse.Namespace) -> int:
    """Print the catalog, or check it."""
    rows = select(list(args.names), args.spec)
    if not args.check and not rows and args.spec and not args.json:  # not an empty table: say what a variant is
        print(f"{args.spec} has no variants: {WHAT_A_VARIANT_IS}")
        return 0
    if not args.check:
        if args.json:
            json.dump([_entry_json(r) for r in rows], sys.stdout, indent=1)
            print()
        else:
            print_table(rows, args.long, args.spec)
        return 0
    if not rows:  # checking nothing must not pass: a file whose variants were not found is a mistake
        where = f" of {args.spec}" if args.spec else ""
        raise SpecError(f"no variants{where} to check: {WHAT_A_VARIANT_IS}")
    # every entry's fields checked before the table starts (a bad 'breaks' was one line under its header)
    built = [_built(r) if r.recorded else None for r in rows]
    sw = max([len(r.spec) for r in rows] + [4])
    nw = max([len(r.name) for r in rows] + [5])
    if not args.json:
        head = f"{'spec':<{sw}}  {'entry':<{nw}}  {'expected':<30}  {'found':<30}  {'states':>10}"
        print(f"{head}  {'seconds':>8}  result", flush=True)
    outcomes = []
    for r, spec in zip(rows, built):
        progress = None if args.quiet or args.json else Progress(f"{r.spec}/{r.name}")
        o = check_entry(r, progress, spec)
        outcomes.append(o)
        if not args.json:
            states = "" if o.result is None else f"{o.result.distinct_states:,}"
            result = "agrees" if o.agrees else "DIFFERS" + ("" if r.recorded else f": {not_recorded(r)}")
            print(
                f"{r.spec:<{sw}}  {r.name:<{nw}}  {_expected(r):<30}  {o.found_text():<30}  {states:>10}  "
                f"{o.seconds:>8.2f}  {result}",
                flush=True,
            )
            why = None if o.result is None else o.why or o.result.explanation
            if why:
                print(f"{'':<{sw}}  {'':<{nw}}  why: {why}", flush=True)
    bad = [o for o in outcomes if not o.agrees]
    if args.json:
        json.dump([o.to_json() for o in outcomes], sys.stdout, indent=1)
        print()
    else:
        total = sum(o.seconds for o in outcomes)
        verdict = "every entry agrees" if not bad else f"{len(bad)} disagree: {', '.join(o.entry.name for o in bad)}"
        print(f"\n{len(outcomes)} {'entry' if len(outcomes) == 1 else 'entries'} checked in {total:.1f}s: {verdict}")
    return 1 if bad else 0


def _entry_json(r: Entry) -> dict[str, Any]:
    return {
        "spec": r.spec,
        "name": r.name,
        "variant": r.variant,
        "rule": r.rule,
        "breaks": r.breaks,
        "bounds": r.show_bounds() if r.recorded else None,
        "trace_length": r.trace_length,
        "source": r.source,
    }
