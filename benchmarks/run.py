"""Run every benchmark in this folder (``*_bench.py``), one after another."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each benchmark script with the same interpreter; report failures at the end."""
    only = set(sys.argv[1:])
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
    sys.exit(main())
