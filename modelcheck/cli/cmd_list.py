"""List the specs paxraft knows, their bounds and their variants."""

from __future__ import annotations

import argparse

from spec.registry import entries


def configure(parser: argparse.ArgumentParser) -> None:
    """No options."""


def run(args: argparse.Namespace) -> int:
    """Print each spec with its bounds, then its variants with the rule each one changes."""
    for e in entries().values():
        print(f"{e.name}: {e.summary}")
        for opt in e.options + e.flags:
            default = "" if opt.type is bool else f" (default {opt.default})"
            print(f"    {opt.flag:<16} {opt.help}{default}")
        offered = e.cls.restrictions()
        if offered:
            print("  restrictions (--restrict NAME, a model option):")
            width = max(map(len, offered))
            for rname, (act, symmetric, doc) in offered.items():
                note = "" if symmetric else " (singles out a server: not with --symmetry)"
                print(f"    {rname.ljust(width)}  on {act}: {doc}{note}")
        if e.variants:
            print("  variants:")
            width = max(len(v) for v in e.variants)
            for vname, cls in e.variants.items():
                print(f"    {vname.ljust(width)}  breaks {cls.breaks or 'nothing (safe)'}: {cls.rule}")
        print()
    return 0
