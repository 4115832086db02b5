"""List the specs paxraft knows (or those of a file), their bounds and their variants."""

from __future__ import annotations

import argparse
import sys

from spec.core import Spec, SpecError, checked_names, summary
from spec.refinements import refinements_of
from spec.registry import (
    SpecEntry,
    entries,
    entry_for_class,
    load_user_module,
    load_user_spec,
    load_where,
    names_class,
    names_file,
    unflagged,
    user_classes,
)
from spec.suggest import shown_names


def configure(parser: argparse.ArgumentParser) -> None:
    """An optional file or class to list instead of the registered specs."""
    parser.add_argument(
        "source",
        nargs="?",
        help="list this registered spec (paxos), the specs of this file (path/to/file.py) or this class "
        "(file.py:Class, package.module:Class)",
    )


def _listed(source: str | None) -> list[SpecEntry]:
    """The registered entries, or the entries of the spec classes a file defines (variants
    listed under their spec, not on their own)."""
    if source is None:
        return list(entries().values())
    if source in entries():  # 'paxraft list paxos': one registered spec (it said "no such file paxos")
        return [entries()[source]]
    if names_class(source):  # (a file alone: all its specs, not its one spec)
        return [entry_for_class(load_user_spec(source))]
    classes = user_classes(load_where(source) if names_file(source) else load_user_module(source))
    if not classes:  # it printed nothing, exit 0, as if the file were a spec with nothing to say
        raise SpecError(f"{source} defines no spec: a spec is a class deriving from spec.core.Spec "
                        "(docs/writing-a-spec.md)")
    bases = [c for c in classes if not c.variant or not any(b in classes for b in c.__mro__[1:])]
    return [entry_for_class(c) for c in bases]


def _at_defaults(cls: type[Spec]) -> str:
    """What ``--liveness`` checks and ``--symmetry`` reduces by, at the default bounds: the temporal properties and
    the symmetric sets are a spec instance's (``list`` said only the invariants, so a user never learnt of either
    from it). A constructor that refuses its own defaults, or any of these failing, says nothing here (``check`` at
    those bounds says why)."""
    try:
        spec = cls()
        properties, sets = list(spec.properties()), dict(spec.symmetric_sets())
    except Exception:  # the spec's own code failing (exit 3 in check): list is not where to say so
        return ""
    said = [f"properties {shown_names(properties)} (--liveness)"] if properties else []
    said += [f"symmetric sets {', '.join(sets)} (--symmetry)"] if sets else []
    return f"at the default bounds: {'; '.join(said)}" if said else ""


def _encoded(cls: type[Spec]) -> str:
    """"Z3 encoding NAME" when the spec's file declares a proofs.user Encoding of this very class, else "". A file
    that declares one has imported proofs.user.encoding, so a file that has not is not searched (and list does
    not load Z3 for it)."""
    loaded = sys.modules.get("proofs.user.encoding")
    if loaded is None:
        return ""
    found = [c for c in loaded.declared_encodings(cls) if c.spec is cls]
    return f"Z3 encoding {found[0].__name__}" if len(found) == 1 else ""


def run(args: argparse.Namespace) -> int:
    """Print each spec with its bounds, then its variants with the rule each one changes."""
    for e in _listed(args.source):
        # a subclass of a registered spec (paxos) keeps its name: say which class to name on the command line
        handle = e.cls.__name__
        by_file = args.source and args.source not in entries()
        ref = f" ({args.source.rpartition(':')[0] or args.source}:{handle})" if by_file and handle != e.name else ""
        variant = e.cls.variant  # a variant whose spec lives in another file is listed as that variant
        shown = f"{e.name}[{variant}]" if variant else e.name
        print(f"{shown}{ref}: {e.summary}")
        if variant:
            print(f"    breaks {e.cls.breaks or 'nothing (safe)'}: {e.cls.rule}")
        for opt in e.all_options:
            print(f"    {opt.flag:<16} {opt.help}{opt.default_note()}")
        invariants, of_steps = checked_names(e.cls)
        if invariants or of_steps:  # what a plain check judges (a variant may change a rule, never these)
            said = [f"invariants {', '.join(invariants)}"] if invariants else []
            said += [f"action invariants {', '.join(of_steps)}"] if of_steps else []
            print(f"    checks: {'; '.join(said)}")
        at_defaults = _at_defaults(e.cls)
        if at_defaults:
            print(f"    {at_defaults}")
        named = f"{args.source.rpartition(':')[0] or args.source}:{handle}" if by_file else e.name  # (in a command)
        refined = list(refinements_of(e.cls))  # what `refine` takes: a user learnt it only from refine's error
        if refined and not variant:
            print(f"    refines {', '.join(refined)}: paxraft refine {named} {refined[0]}")
        proof = _encoded(e.cls)
        if proof and not variant:
            print(f"    {proof}: paxraft prove {named} (and bmc, infer, prove --conformance; docs/proofs.md)")
        if e.cls.view is not Spec.view:  # a class's, so not has_view (an instance's)
            doc = summary(e.cls.view.__doc__)
            print(f"    states told apart by view() (TLC's VIEW){': ' + doc if doc else ''}")
        others = unflagged(e.cls)
        if others:
            print(f"    (no flag for {', '.join(others)}: a flag is made of an int, bool, float, str or "
                  "pathlib.Path argument)")
        offered = e.cls.restrictions()
        if offered:
            print("  restrictions (--restrict NAME, a model option):")
            width = max(map(len, offered))
            for rname, (act, symmetric, doc) in offered.items():
                note = "" if symmetric else " (singles out a server: not with --symmetry)"  # (doc: may be none)
                print(f"    {rname.ljust(width)}  on {act}{': ' + doc if doc else ''}{note}")
        if e.variants:
            print("  variants:")
            width = max(len(v) for v in e.variants)
            for vname, cls in e.variants.items():
                encoded = " (Z3: prove, bmc --variant)" if proof and _encoded(cls) else ""
                print(f"    {vname.ljust(width)}  breaks {cls.breaks or 'nothing (safe)'}: {cls.rule}{encoded}")
        print()
    return 0


