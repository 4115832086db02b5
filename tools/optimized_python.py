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

def evidence(config: dict, executable: str, changelog: str | None) -> str | None:
    """Why a build counts as optimised (PGO or LTO), from what it records; ``None`` when it records nothing.

    ``config`` is its ``sysconfig.get_config_vars()``, ``executable`` its real path, ``changelog``
    the text of its Debian package changelog if there is one.
    """
    args = config.get("CONFIG_ARGS") or ""
    for opt in ("--enable-optimizations", "--with-lto"):
        if opt in args:
            return f"sysconfig CONFIG_ARGS has {opt}"
    flags = " ".join(config.get(k) or "" for k in ("PY_CFLAGS", "PY_CFLAGS_NODIST", "PY_LDFLAGS_NODIST", "OPT")).split()
    for flag in ("-fprofile-use", "-flto"):
        if flag in flags or any(f.startswith(flag + "=") for f in flags):
            return f"sysconfig compile flags have {flag}"
    if executable.startswith("/usr/bin/") and changelog and "PGO" in changelog and "LTO" in changelog:
        return "Debian's package, built with PGO and LTO (its changelog says so; sysconfig does not)"
    return None


def describe_self() -> dict:
    """What this interpreter reports about itself (run inside each candidate, ``--probe``)."""
    import gzip
    import sysconfig

    executable = os.path.realpath(sys.executable)
    changelog = None
    try:
        name = "/usr/share/doc/python{}.{}/changelog.Debian.gz".format(*sys.version_info[:2])
        with gzip.open(name, "rt", errors="replace") as f:
            changelog = f.read(1 << 22)
    except OSError:
        pass
    try:
        import ensurepip  # noqa: F401 - Debian ships venv support separately (python3.X-venv)
        import venv  # noqa: F401

        venv_ok = True
    except ImportError:
        venv_ok = False
    why = evidence(sysconfig.get_config_vars(), executable, changelog)
    return {"version": list(sys.version_info[:2]), "venv": venv_ok, "why": why, "path": executable}


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
        out = subprocess.run([path, __file__, "--probe"], capture_output=True, text=True, timeout=30, check=True)
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
    if "--probe" in sys.argv[1:]:
        print(json.dumps(describe_self()))
    else:
        print(pick(verbose="-v" in sys.argv[1:]))
