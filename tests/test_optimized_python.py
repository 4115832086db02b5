"""tools/optimized_python.py: `make setup` takes an optimised CPython only on evidence its build records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
optimized_python = load_script("tools/optimized_python.py", "optimized_python")
evidence = optimized_python.evidence

# pyenv's default build (this machine's python3): nothing says PGO or LTO.
PLAIN = {
    "CONFIG_ARGS": "'--prefix=/root/.pyenv/versions/3.11.7' '--enable-shared'",
    "PY_CFLAGS": "-Wsign-compare -DNDEBUG -g -fwrapv -O3 -Wall",
    "PGO_PROF_USE_FLAG": "-fprofile-use -fprofile-correction",  # set by configure in every build: no evidence
}


def test_a_plain_build_is_not_taken_for_an_optimised_one() -> None:
    assert evidence(PLAIN, "/root/.pyenv/versions/3.11.7/bin/python3.11", None) is None
    # a changelog mentioning PGO/LTO counts only for the distribution's own /usr/bin interpreter
    assert evidence(PLAIN, "/root/.pyenv/versions/3.11.7/bin/python3.11", "Enable LTO/PGO builds") is None
    assert evidence(PLAIN, "/usr/bin/python3.11", "* Fix a crash.") is None


def test_what_a_build_records_makes_it_optimised() -> None:
    pgo = {**PLAIN, "CONFIG_ARGS": PLAIN["CONFIG_ARGS"] + " '--enable-optimizations'"}
    assert evidence(pgo, "/usr/local/bin/python3.11", None) == "sysconfig CONFIG_ARGS has --enable-optimizations"
    lto = {**PLAIN, "CONFIG_ARGS": PLAIN["CONFIG_ARGS"] + " '--with-lto'"}
    assert evidence(lto, "/opt/py/bin/python3", None) == "sysconfig CONFIG_ARGS has --with-lto"
    flags = {**PLAIN, "PY_CFLAGS_NODIST": "-std=c11 -flto=auto -fprofile-use"}
    assert evidence(flags, "/opt/py/bin/python3", None) == "sysconfig compile flags have -fprofile-use"
    debian = evidence(PLAIN, "/usr/bin/python3.11", "  * Enable LTO/PGO builds on some architectures.")
    assert debian is not None and debian.startswith("Debian's package")


def test_the_script_names_a_runnable_interpreter() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "optimized_python.py")], capture_output=True,
                         text=True, timeout=120, check=True)
    chosen = out.stdout.strip()
    ran = subprocess.run([chosen, "-c", "import sys; print(sys.version_info >= (3, 11))"], capture_output=True,
                         text=True, timeout=60, check=True)
    assert ran.stdout.strip() == "True"
