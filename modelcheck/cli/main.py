"""The ``paxraft`` command: one sub-command per module, each with ``configure`` and ``run``."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from modelcheck.cli.common import StrictParser, UsageError, unrecognized
from modelcheck.cli.errors import run_command
from spec.core import SpecError
from spec.registry import entries, entry_for_class, is_user_ref, load_user_spec, ref_where

#: Sub-command name -> module providing ``configure(parser)`` and ``run(args) -> int``.
COMMANDS: dict[str, str] = {
    "check": "modelcheck.cli.cmd_check",
    "list": "modelcheck.cli.cmd_list",
    "variants": "modelcheck.cli.cmd_variants",
    "audit": "modelcheck.cli.cmd_audit",
    "replay": "modelcheck.cli.cmd_replay",
    "graph": "modelcheck.cli.cmd_graph",
    "refine": "modelcheck.cli.cmd_refine",
    "explore": "modelcheck.cli.cmd_explore",
    "cluster": "impl.cmd_cluster",
    "kv": "impl.cmd_kv",
    "wal": "impl.cmd_wal",
    "trace-json": "impl.cmd_trace",
    "prove": "proofs.cmd_prove",
    "bmc": "proofs.cmd_bmc",
    "infer": "proofs.infer.cmd_infer",
}


__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]


class _Parser(StrictParser):
    """argparse, but a usage error is one clear line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _Version(argparse.Action):
    """``paxraft --version``: one line, the building blocks' code included (spec.values.BACKEND)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        from importlib.metadata import PackageNotFoundError, version

        from spec import values as building_blocks

        try:
            ours = version("paxraft")
        except PackageNotFoundError:  # run from a source tree that was never installed
            ours = "(not installed)"
        print(f"paxraft {ours}; {sys.implementation.name} {sys.version.split()[0]}; "
              f"spec.values: {building_blocks.BACKEND}")
        parser.exit(0)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every sub-command configured, or only the one named ``only`` ("": none, for
    ``paxraft --version``): a command's module imports what it needs (z3, asyncio, http.server), so
    ``paxraft list`` need not load the others'."""
    parser = _Parser(prog="paxraft", description="Model-check, prove, run and audit Paxos and Raft.")
    parser.add_argument(
        "--debug", action="store_true", help="on an error, show the traceback too (anywhere on the line)"
    )
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="the version, the Python running it, and whether spec.values runs compiled")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, modname in COMMANDS.items():
        if only is not None and name != only:
            continue
        mod = importlib.import_module(modname)
        sub = subs.add_parser(name, help=mod.__doc__.strip().splitlines()[0] if mod.__doc__ else None)
        mod.configure(sub)
        sub.set_defaults(_run=mod.run, _parser=sub)
    return parser


@contextlib.contextmanager
def _untyped_bounds(parser: argparse.ArgumentParser) -> Iterator[None]:
    """While the first phase finds the spec: bound flags take any text, since a user's spec may give a flag
    another spec's type (its --q1 a str, Paxos's an int); the second phase converts by the spec named."""
    from modelcheck.cli.common import BOUNDS_TITLE

    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    bounds = [act for s in subs for sub in s.choices.values() for g in sub._action_groups
              if g.title == BOUNDS_TITLE for act in g._group_actions]
    saved = [act.type for act in bounds]
    for act in bounds:
        act.type = None
    try:
        yield
    finally:
        for act, typ in zip(bounds, saved):
            act.type = typ


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse in two phases: a user's spec (``file.py:Class``) is only known once its file is
    loaded, so its own bound flags (``--rms 4``) are added to the sub-command then, and the
    arguments parsed again.  ``--help`` waits for the second phase, so it lists the bound flags
    of the spec named (and only those)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    helped = [a for a in argv if a not in ("-h", "--help")]
    with _untyped_bounds(parser):
        args, extra = parser.parse_known_args(helped) if len(helped) > 1 else (None, [])
    sub = getattr(args, "_parser", None)
    named = getattr(args, "spec", None)
    refs = [r for r in [named, *extra] if isinstance(r, str) and is_user_ref(r)]
    from modelcheck.cli.common import BOUNDS_TITLE, add_bound_options, show_bounds_of

    if sub is not None and any(g.title == BOUNDS_TITLE for g in sub._action_groups):
        try:
            if refs:
                own = entry_for_class(load_user_spec(refs[0]))
                add_bound_options(sub, own)
                show_bounds_of(sub, own, ref_where(refs[0]))
            elif isinstance(named, str) and named in entries():
                show_bounds_of(sub, entries()[named], named)
        except SpecError as exc:
            parser.exit(2, f"paxraft {args.command}: error: {exc}\n")  # type: ignore[union-attr]
    args, extra = parser.parse_known_args(argv)
    if extra:  # said by the sub-command, so the hint names its --help
        said = getattr(args, "_parser", None) or parser
        said.error(unrecognized(said, extra, args))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse and dispatch; every failure ends as modelcheck.cli.errors says (one line, a status)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    command = next((a for a in argv if a in COMMANDS), "")

    def dispatch() -> int:
        # inside: Ctrl-C or a failure while the commands load is reported too.  When the line starts
        # with a command, only that command is configured; --version alone, none (it loaded z3, asyncio and
        # the explorer's server: 0.7 s); paxraft --help, or a misspelt command, get all
        only = argv[0] if argv and argv[0] in COMMANDS else "" if argv == ["--version"] else None
        parser = build_parser(only)
        args = _parse(parser, argv)
        if not getattr(args, "_run", None):
            parser.print_help()
            return 2
        return int(args._run(args) or 0)

    return run_command(command or "", dispatch, debug)


def _hash_seed_for(argv: Sequence[str]) -> str | None:
    """The PYTHONHASHSEED a ``check`` whose states cross processes must run under, or None for any.

    A fingerprint is a Python hash, and a str's hash is salted per process: a run resumed from a checkpoint
    in another process, or Ray's workers, hashed the states holding strings otherwise than the run did and
    counted them again (1,199 states of 1,024; Ray's two workers 2,047). So a run that writes checkpoints or
    uses Ray has a fixed seed (the one set, else 0), and a resume takes the one its checkpoint recorded.
    Forked workers share their parent's salt. Tokens are looked at loosely: a seed fixed needlessly is
    harmless (only a spec depending on the order of a set of strings sees it, and then the run repeats)."""
    args = [a for a in argv if a != "--debug"]
    if next((a for a in args if not a.startswith("-")), None) != "check":
        return None
    for i, a in enumerate(args):
        if a == "--resume" and i + 1 < len(args) or a.startswith("--resume="):
            from modelcheck.engine.checkpoint import recorded_seed

            return recorded_seed(Path(a.partition("=")[2] or args[i + 1]))
    if any(a in ("--ray", "--checkpoint") or a.startswith(("--ray=", "--checkpoint=")) for a in args):
        seed = os.environ.get("PYTHONHASHSEED", "")
        return seed if seed.isdigit() else "0"
    return None


def run() -> NoReturn:
    """The ``paxraft`` program: :func:`main`, then an exit that does not free what the run built.

    A ``check`` that writes checkpoints, resumes one or uses Ray starts again at once under the string-hash
    seed it needs (:func:`_hash_seed_for`); only this program does, never :func:`main` called in a process.

    A search leaves millions of objects behind (the 705,532-state Raft model: 0.6 s of the interpreter's
    finalization, 6% of the command's wall clock); the operating system takes them back at once. The
    exit handlers still run and the output is flushed; while a thread other than the main one is alive
    (a server being stopped) the exit is the usual one, which waits for it."""
    seed = _hash_seed_for(sys.argv[1:])
    if seed is not None and os.environ.get("PYTHONHASHSEED") != seed:
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], {**os.environ, "PYTHONHASHSEED": seed})
    code = main()
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()  # what the interpreter would run at exit (temporary files, Ray, logging)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (``| head``): nothing more to say there
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
