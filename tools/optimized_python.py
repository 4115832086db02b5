"""Print the Python interpreter `make setup` should build .venv with: an optimised build when one is here.

    python3 tools/optimized_python.py        # the path of the interpreter to use
    python3 tools/optimized_python.py -v     # each candidate and why it was taken or not (on stderr)

The checker is pure Python, so its speed is the interpreter's: a CPython built with
profile-guided optimisation and link-time optimisation (PGO+LTO) runs it about 1.35x faster
than the same version built without (benchmarks/raft_bench.py, docs/performance.md). Which
build ``python3`` is depends on the machine (pyenv, for one, builds without PGO by default).

A candidate counts as optimised only on evidence its build records, never on a speed guess:
- its ``sysconfig`` says so: ``CONFIG_ARGS`` has ``--enable-optimizations`` or ``--with-lto``,
  or its compile/link flags carry ``-fprofile-use`` or ``-flto`` (python.org, pyenv or Docker
  builds configured that way);
- or it is Debian's (or Ubuntu's) packaged interpreter and the package's own changelog records
  its PGO/LTO build: Debian builds with both but deliberately keeps the flags out of
  ``sysconfig`` (its changelog: "Don't propagate lto flags to the _sysconfigdata module").
The first optimised candidate of a supported version (>= 3.11) that can create a venv wins;
otherwise ``python3``, as before. Stdlib only: it runs before any venv exists.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

MIN_VERSION = (3, 11)  # pyproject.toml's requires-python

# Run inside each candidate: its version, whether it can build a venv with pip, and the evidence.
PROBE = r"""
import gzip, json, os, sys, sysconfig
cfg = sysconfig.get_config_var
why = None
args = cfg("CONFIG_ARGS") or ""
for opt in ("--enable-optimizations", "--with-lto"):
    if opt in args:
        why = "sysconfig CONFIG_ARGS has " + opt
        break
if why is None:
    flags = " ".join(cfg(k) or "" for k in ("PY_CFLAGS", "PY_CFLAGS_NODIST", "PY_LDFLAGS_NODIST", "OPT"))
    for flag in ("-fprofile-use", "-flto"):
        if flag in flags.split():
            why = "sysconfig compile flags have " + flag
            break
if why is None and os.path.realpath(sys.executable).startswith("/usr/bin/"):
    ver = "%d.%d" % sys.version_info[:2]
    log = "/usr/share/doc/python%s/changelog.Debian.gz" % ver
    try:
        with gzip.open(log, "rt", errors="replace") as f:
            text = f.read(1 << 22)
        if "PGO" in text and "LTO" in text:
            why = "Debian's package, built with PGO and LTO (" + log + ")"
    except OSError:
        pass
try:
    import ensurepip, venv  # noqa: F401 - Debian ships venv support separately (python3.X-venv)
    venv_ok = True
except ImportError:
    venv_ok = False
print(json.dumps({"version": list(sys.version_info[:2]), "venv": venv_ok, "why": why,
                  "path": os.path.realpath(sys.executable)}))
"""


def candidates() -> list[str]:
    """Interpreters to consider, in order of preference when several are optimised."""
    names = ["python3"] + [f"python3.{m}" for m in range(13, MIN_VERSION[1] - 1, -1)]
    found = [shutil.which(n) for n in names]
    found += [f"/usr/bin/{n}" for n in names] + [f"/usr/local/bin/{n}" for n in names]
    out, seen = [], set()
    for path in found:
        if path and os.path.exists(path):
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                out.append(path)
    return out


def probe(path: str) -> dict | None:
    """What ``path`` reports about itself, or ``None`` if it does not run the probe."""
    try:
        out = subprocess.run([path, "-c", PROBE], capture_output=True, text=True, timeout=30, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def pick(verbose: bool = False) -> str:
    """The first optimised, supported candidate able to create a venv; else ``python3``."""
    for path in candidates():
        info = probe(path)
        ok = bool(info and info["why"] and tuple(info["version"]) >= MIN_VERSION and info["venv"])
        if verbose:
            print(f"{path}: {info}{'  <- chosen' if ok else ''}", file=sys.stderr)
        if ok:
            return path
    return "python3"


if __name__ == "__main__":
    print(pick(verbose="-v" in sys.argv[1:]))
