"""The command line of every script in this folder: ``--help`` prints its usage, a wrong argument is one line.

A script runs as ``python benchmarks/NAME.py``, so this folder is first on ``sys.path`` and the
script imports this module as ``_args`` from its ``__main__`` block.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from modelcheck.cli.common import StrictParser


class Parser(StrictParser):
    """argparse, but a wrong argument is one line on stderr (what was wrong) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser(doc: str | None) -> Parser:
    """A parser whose ``--help`` shows the script's docstring as it is written."""
    return Parser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def helper_module(doc: str | None, used_by: str) -> None:
    """The command line of a module other scripts import: ``--help``, otherwise a note saying so."""
    parser(doc).parse_args()
    print(f"a helper of benchmarks/{used_by}, not a benchmark on its own: run benchmarks/{used_by}")


def chosen(ap: argparse.ArgumentParser, given: list[str], allowed: list[str], what: str) -> list[str]:
    """``given`` if each is one of ``allowed``; else a one-line error (``nargs="*"`` with ``choices``
    is broken in Python 3.11: it rejects an empty list)."""
    for g in given:
        if g not in allowed:
            ap.error(f"unknown {what} {g!r} (choose from {', '.join(allowed)})")
    return given


def run_main(main: Callable[[], int | None]) -> NoReturn:
    """``sys.exit(main() or 0)``, but output into a pipe its reader closed (``| head``) ends quietly, status 141, and
    Ctrl-C is one line, ``NAME.py: interrupted``, status 130, as ``paxraft``'s are (each was a traceback)."""
    try:
        code = main() or 0
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (the interpreter's last flush: silent)
        code = 141
    except KeyboardInterrupt:  # (a script's own cleanup, its clusters stopped, ran in its finally blocks)
        print(f"{os.path.basename(sys.argv[0])}: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


NATIVE_AB = (("compiled", {"PAXRAFT_NATIVE": "1"}), ("pure Python", {"PAXRAFT_NATIVE": "0"}))
"""``--native-ab``: a row run twice in a row, spec.values compiled then pure Python (spec/_native.c)."""


def native_envs(ab: bool) -> tuple[tuple[str, dict[str, str] | None], ...]:
    """(label, environment) per run of a row: both of NATIVE_AB, or one run as the caller's environment is."""
    import os

    return tuple((label, {**os.environ, **extra}) for label, extra in NATIVE_AB) if ab else (("", None),)
