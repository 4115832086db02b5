"""What every ``paxraft`` sub-command shares, wherever it lives (modelcheck, impl, proofs).

``UsageError``, and the one place where a command's arguments become a model: the bound flags
of every spec (:func:`add_bound_options`), ``--without``/``--restrict`` (:func:`add_model_options`),
the spec and variant named (:func:`resolve`), the bounds given (:func:`bounds_from_args`) and the
model they make (:func:`model_from_args`).  This module is the one piece of the command-line layer
that lower layers may import: it imports nothing of ours beyond ``spec``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import math
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NoReturn

from spec.core import Spec, SpecError
from spec.model import Model
from spec.registry import (
    SpecEntry,
    entries,
    entry,
    entry_for_class,
    is_user_ref,
    load_user_module,
    load_user_spec,
    no_variant,
    spec_class,
    user_classes,
    varied_spec,
)
from spec.suggest import flag_hint


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


@contextlib.contextmanager
def spec_ints() -> Any:
    """Ints of any length turned into text while a spec's states are checked and shown. Python (3.11) refuses to
    print an int of more than 4,300 digits, a guard against slow parsing of untrusted text: a spec holding
    2**100_000 found its violation, then ended in 'internal error: ValueError: Exceeds the limit (4300 digits)'
    (a half-written --json). A spec's values are the user's own code's; the files paxraft reads keep the guard."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(old)


def positive(flag: str, value: float | None, *, zero: bool = False) -> None:
    """Refuse a time limit or a count of 0 or less (below 0 with ``zero``), NaN or infinity (``None``: not
    given): a UsageError naming the flag. ``int(nan * 1000)`` and ``int(inf * 1000)`` raised inside Z3's
    callers, and a wait of 0 or less gave up at once, as if the cluster had not answered."""
    if value is None:
        return
    if zero and not value >= 0:
        raise UsageError(f"{flag} must be 0 or more, got {value}")
    if not zero and not value > 0:
        raise UsageError(f"{flag} must be positive, got {value}")
    if not math.isfinite(value):
        raise UsageError(f"{flag} must be finite, got {value}")


def within(flag: str, value: int, low: int, high: int, why: str) -> None:
    """Refuse an integer outside ``low..high``: a UsageError naming the flag (and, past ``high``, ``why``
    the limit is there: ``--depth 1000000000`` was taken, and ran until memory or patience ran out)."""
    if value < low:
        raise UsageError(f"{flag} must be at least {low:,}, got {value:,}")
    if value > high:
        raise UsageError(f"{flag} must be at most {high:,} ({why}), got {value:,}")


#: Worker processes per core: beyond a few they only compete for the cores (and exhaust threads: --workers 100
#: failed to start them).
WORKERS_PER_CORE = 4


def workers_option(workers: int, command: str) -> int:
    """``--workers``: at least 1 (a UsageError otherwise), capped at :data:`WORKERS_PER_CORE` per core with a
    note on stderr saying so."""
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    cores = os.cpu_count() or 1
    cap = WORKERS_PER_CORE * cores
    if workers > cap:
        print(f"paxraft {command}: note: --workers {workers:,} capped at {cap} ({WORKERS_PER_CORE} per core on "
              f"this machine's {cores})", file=sys.stderr)
        return cap
    return workers


def output_folder(path: str, flag: str) -> Path:
    """``path`` as a folder to write into (``--out``, ``--checkpoint``, ``--cti-dir``, ``--certificate``): it may
    not exist yet, but it may not be a file, and it must be a place that can be written: refused before any work,
    not after a run when writing (``--out /proc/self/x`` failed after the whole run, without the flag's name, and
    the run's result was lost). An empty path is refused too (``--out ''`` wrote into the current folder)."""
    if not path.strip():
        raise SpecError(f"{flag}: an empty path; name a folder (. for the current one)")
    return _writable_folder(Path(path), flag, path)


_HELD: list[int] = []  # FIFOs named as output files, open for writing until the process ends (output_file)


def output_file(path: str, flag: str) -> Path:
    """``path`` as a file to write (``infer --out``, ``audit --msc``/``--html``, ``trace-json --out``): not a
    folder, in a folder that can be written, by the rule of :func:`output_folder`, before any work."""
    if not str(path).strip():
        raise SpecError(f"{flag}: an empty path; name a file")
    p = Path(path)
    if p.is_dir():
        raise SpecError(f"{flag} {path}: is a folder; name a file")
    if p.is_fifo():  # (its open waited for ever for a reader: `trace-json --out FIFO` hung)
        try:  # held open to the end: closed now, it would end the reader's input before the output came
            _HELD.append(os.open(p, os.O_WRONLY | os.O_NONBLOCK))
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                raise SpecError(f"{flag} {path}: a FIFO that no process reads (writing would wait for one)") from None
    _writable_folder(p.parent, flag, str(path))
    return p


@contextlib.contextmanager
def written_whole(path: Path, flag: str) -> Iterator[IO[str]]:
    """``path`` (``flag``'s file, checked by :func:`output_file`) open for writing text, put in place only once
    whole: written as ``path.tmp`` and renamed (a disk filling up, or a failure part way, leaves the file as it
    was, never a part of the output that reads as all of it). A FIFO, a device or a symbolic link is written into,
    not replaced (`--out /dev/stdout` replaced the link in /dev with a file). UsageError naming the file when it
    cannot be written; a closed pipe goes on as itself (every command ends quietly on one)."""
    def cannot(exc: OSError) -> NoReturn:
        if isinstance(exc, BrokenPipeError):
            raise exc
        raise UsageError(f"{flag} {path}: cannot write: {exc.strerror or exc}") from None

    if path.is_symlink() or (path.exists() and not path.is_file()):
        try:  # (a FIFO's reader is there: output_file checked, and holds it open)
            with open(path, "w") as f:
                yield f
        except OSError as exc:
            cannot(exc)
        return
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(tmp, "w")  # noqa: SIM115 (closed below; an error opening it is named)
    except OSError as exc:
        cannot(exc)
    try:
        with f:
            yield f
        os.replace(tmp, path)
    except OSError as exc:
        cannot(exc)
    finally:
        tmp.unlink(missing_ok=True)


def _writable_folder(p: Path, flag: str, shown: str) -> Path:
    if p.exists() and not p.is_dir():
        raise SpecError(f"{flag} {shown}: exists and is not a folder" if str(p) == shown else
                        f"{flag} {shown}: {p} is not a folder")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise SpecError(f"{flag} {shown}: {parent} is not a folder")
            break
    _try_writing(p, flag, shown)
    return p


def _try_writing(folder: Path, flag: str, path: str) -> None:
    """Make ``folder`` (and its missing parents) and a file in it, then remove what was made: whether the run can
    write there, asked of the file system itself (a permission check says yes to root under /proc)."""
    made: list[Path] = []
    try:
        for d in [*reversed(folder.parents), folder]:
            if not d.exists():
                try:
                    d.mkdir()
                except OSError as exc:
                    raise SpecError(f"{flag} {path}: cannot create the folder {d} ({exc.strerror or exc})") from None
                made.append(d)
        try:
            fd, probe = tempfile.mkstemp(prefix=".paxraft-", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise SpecError(f"{flag} {path}: cannot write into {folder} ({exc.strerror or exc})") from None
    finally:
        for d in reversed(made):
            with contextlib.suppress(OSError):
                d.rmdir()


class StrictParser(argparse.ArgumentParser):
    """argparse that takes flags as spelt only: ``--server 2`` is not quietly ``--servers 2``
    (abbreviations change meaning when a flag is added, and a spec's own bound flags come and go)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            self.error(unrecognized(self, extra))
        return parsed


def unrecognized(parser: argparse.ArgumentParser, extra: list[str], args: argparse.Namespace | None = None) -> str:
    """The error for arguments ``parser`` does not take, with the closest flag it does take (``args``: what
    was parsed; ``check --resume DIR`` names no spec, so a spec's bound flag there is no typo of another flag,
    and the value after it was taken as the spec)."""
    flags = [f for f in parser._option_string_actions if f.startswith("--")]
    own = getattr(parser, "paxraft_own_bounds", None)  # a spec is named: not another spec's bound flags
    if own is not None:
        # (every group paxraft's parsers have is titled)
        group = next((g for g in parser._action_groups if g.title.startswith(BOUNDS_TITLE)), None)  # type: ignore[union-attr]
        others = {f for a in (group._group_actions if group else ()) for f in a.option_strings} - own
        flags = [f for f in flags if f not in others]
    hints = (flag_hint(a.split("=")[0], flags) for a in extra if a.startswith("--"))
    hint = next((h for h in hints if h), "")  # the first flag typed that is close to one taken
    if args is not None and getattr(args, "resume", None):
        hint += ("; --resume takes the spec and its bounds from the checkpoint, so a spec's bound flag is "
                 "taken only with the spec named")
    return f"unrecognized arguments: {' '.join(extra)}{hint}"


def add_bound_options(parser: argparse.ArgumentParser, extra: SpecEntry | None = None) -> None:
    """Every registered spec's bounds (a flag shared by two specs is added once), and those of
    ``extra`` (a user's spec, known once its file is loaded: see :func:`modelcheck.cli.main`).
    They all parse, but ``--help`` lists none until a spec is named (:func:`show_bounds_of`):
    each spec takes its own, and a list of every spec's is noise."""
    seen = set(parser._option_string_actions)
    group = next((g for g in parser._action_groups if g.title == BOUNDS_TITLE), None)
    group = group or parser.add_argument_group(BOUNDS_TITLE, BOUNDS_HELP)
    bounds = {flag for a in group._group_actions for flag in a.option_strings}
    clash = [o.flag for o in (extra.all_options if extra else ()) if o.flag in seen and o.flag not in bounds]
    if clash:
        raise SpecError(f"{extra.name}: the bound {clash[0]} has the name of an option of this command; "  # type: ignore[union-attr]
                        "rename the constructor argument or declare bound_options with another flag")
    for opt in extra.all_options if extra else ():  # the spec named parses its own flags, not a namesake's
        if opt.flag in bounds:  # (Paxos's --q1 is an int; a user's --q1 may be a str)
            _drop_option(parser, group, opt.flag)
            seen.discard(opt.flag)
    for e in [*([extra] if extra else []), *entries().values()]:
        for opt in e.all_options:
            if opt.flag in seen:
                continue
            seen.add(opt.flag)
            if opt.type is bool:
                group.add_argument(opt.flag, dest=opt.dest, action="store_true", default=None, help=argparse.SUPPRESS)
            else:
                shape = "PATH" if opt.names_file else "TEXT" if opt.type is str else "N"
                group.add_argument(opt.flag, dest=opt.dest, type=opt.type, default=None, metavar=shape,
                                   help=argparse.SUPPRESS)


def _drop_option(parser: argparse.ArgumentParser, group: Any, flag: str) -> None:
    """Remove the bound flag ``flag`` from ``parser`` (argparse has no public way)."""
    act = parser._option_string_actions[flag]
    for s in act.option_strings:
        parser._option_string_actions.pop(s, None)
    parser._actions.remove(act)
    group._group_actions.remove(act)


def show_bounds_of(parser: argparse.ArgumentParser, e: SpecEntry, named: str) -> None:
    """Make ``--help`` list the bound flags of the spec named on the command line (``named``: its
    name, or the file a user's spec is in), in its order, and only those."""
    group = next((g for g in parser._action_groups if g.title == BOUNDS_TITLE), None)
    if group is None:
        return
    group.title, group.description = f"bounds of {e.name} (as 'paxraft list {named}' shows them)", None
    parser.paxraft_own_bounds = {o.flag for o in e.all_options}  # type: ignore[attr-defined]
    own = [parser._option_string_actions[o.flag] for o in e.all_options if o.flag in parser._option_string_actions]
    for opt, action in zip(e.all_options, own):
        action.help = (opt.help + opt.default_note()).replace("%", "%%")  # argparse formats help with %
    group._group_actions[:] = own + [a for a in group._group_actions if a not in own]


BOUNDS_TITLE = "bounds"
BOUNDS_HELP = ("each spec takes its own bound flags: 'paxraft list SPEC' shows them, "
               "as does this command's --help with the spec named (paxraft check SPEC --help)")


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """``--without`` and ``--restrict``: the model options every command that builds a model takes."""
    parser.add_argument(
        "--without",
        default=None,
        metavar="A,B",
        help="leave these actions out of Next (a model restriction, e.g. DuplicateMessage,DropMessage,Restart)",
    )
    parser.add_argument(
        "--restrict",
        default=None,
        metavar="R,S",
        help="model restrictions the spec offers (extra enabling conditions, e.g. restart-leaders; "
        "a wrong name lists them)",
    )


def refuse_model_options(args: argparse.Namespace, command: str) -> None:
    """For a consumer that explores the whole spec (a Z3 encoding mirrors every action): a
    SpecError (exit 2) when actions were left out or restricted."""
    given = [f"--{name}" for name in ("without", "restrict") if getattr(args, name, None)]
    if given:
        raise SpecError(f"{command} checks the whole spec: {' and '.join(given)} cannot be applied here")


def model_from_args(args: argparse.Namespace) -> Model:
    """The model the arguments name: spec (or variant, or a user's class), bounds, left-out
    actions, restrictions and symmetry; what a command does not offer is absent."""

    def names(text: str | None) -> tuple[str, ...]:
        return tuple(n.strip() for n in (text or "").split(",") if n.strip())

    e, cls = resolve(args)
    return Model(
        cls,
        bounds_from_args(e, args),
        names(getattr(args, "without", None)),
        names(getattr(args, "restrict", None)),
        bool(getattr(args, "symmetry", False)),
        names(getattr(args, "invariants", None)),
    )


def resolve(args: argparse.Namespace) -> tuple[SpecEntry, type[Spec]]:
    """The spec entry and class the arguments name: a registered name, or a class in a user's
    file (``path/to/file.py:Class``) or module (``package.module:Class``), with its ``--variant``
    found among the variant classes beside it."""
    e = spec_entry(args.spec)
    if not is_user_ref(args.spec):
        return e, spec_class(args.spec, getattr(args, "variant", None))
    cls = load_user_spec(args.spec)
    if getattr(args, "variant", None):
        if e.registered:
            raise SpecError("--variant goes with a spec name, not with a file")
        if getattr(cls, "variant", None) and args.variant not in e.variants:  # a variant's class, named as the spec
            base = next(k for k in cls.__mro__ if getattr(k, "variant", None) is None)
            raise SpecError(f"{cls.__name__} is itself the variant {cls.variant!r} of {e.name}: name the spec's class "
                            f"for --variant {args.variant} ({args.spec.rsplit(':', 1)[0]}:{base.__name__})")
        if args.variant not in e.variants:
            raise _not_its_variant(e, args.variant, args.spec.rsplit(":", 1)[0])
        cls = e.variants[args.variant]
    return e, cls


def _not_its_variant(e: SpecEntry, name: str, where: str) -> SpecError:
    """A variant ``e``'s spec does not have, naming the spec of the file that has one of that name: a spec offers its
    own variants only (registry.varied_spec), and ran a spec's below it under the name of the one above; one above
    it (Model1 extends CASPaxos, whose variant it is) or beside it was only "its variants: none"."""
    found = [v for v in user_classes(load_user_module(where)) if v.variant == name] if where.endswith(".py") else []
    below = [v for v in found if issubclass(v, e.cls)]  # the nearest first: a variant below, then any of the file
    err = no_variant(e.name, name, e.variants)
    if below or found:
        spec = varied_spec((below or found)[0])
        how = (f"which extends {e.cls.__name__}" if issubclass(spec, e.cls)
               else f"which {e.cls.__name__} extends" if issubclass(e.cls, spec) else "another spec of the file")
        err = SpecError(f"{err}; {name!r} is a variant of {spec.__name__}, {how}: "
                        f"--variant {name} goes with {where}:{spec.__name__}")
    return err


def spec_entry(ref: str) -> SpecEntry:
    """The registry entry a spec argument names: a registered name, or a user's ``file.py:Class`` / ``module:Class``."""
    return entry_for_class(load_user_spec(ref)) if is_user_ref(ref) else entry(ref)


def bounds_from_args(e: SpecEntry, args: argparse.Namespace) -> dict[str, Any]:
    """The bounds given for this spec; a bound of another spec is an error naming it."""
    own = {o.dest for o in e.all_options}
    out: dict[str, Any] = {}
    for opt in [o for other in [e, *entries().values()] for o in other.all_options]:
        val = getattr(args, opt.dest, None)
        if val is None or opt.dest in out:
            continue
        if opt.dest not in own:
            theirs = ", ".join(o.flag for o in e.all_options) or "none"
            raise SpecError(f"{opt.flag} is not a bound of {e.name} (its bounds: {theirs})")
        if opt.type is int and val < 0:
            raise SpecError(f"{opt.flag} must not be negative, got {val}")
        out[opt.dest] = val
    return out
