"""Run every benchmark in this folder (``*_bench.py``), one after another."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each benchmark script with the same interpreter; report failures at the end."""
    from _args import chosen, parser

    ap = parser(__doc__)
    names = sorted(s.stem.removesuffix("_bench") for s in HERE.glob("*_bench.py"))
    ap.add_argument("only", nargs="*", metavar="NAME", help=f"only these: {', '.join(names)}")
    only = set(chosen(ap, ap.parse_args().only, names, "benchmark"))
    failed = []
    for script in sorted(HERE.glob("*_bench.py")):
        if only and script.stem not in only and script.stem.removesuffix("_bench") not in only:
            continue
        print(f"\n=== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
