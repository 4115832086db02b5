"""How a ``paxraft`` command ends: its exit status, and one line for any failure (docs/cli.md).

This is the one place the rule lives; commands raise, and :func:`run_command` decides:

====  =======================================================================================
0     success (no violation found; the trace or history is explained)
1     a violation found (or a trace/history the spec does not explain)
2     bad input: an argument, a file, or a spec file that breaks the spec contract
3     the user's spec code raised an exception (which action, parameters and state are named)
4     paxraft's own failure (a bug: ``--debug`` shows the traceback to report)
130   interrupted (Ctrl-C): the statistics so far are printed first
143   terminated (SIGTERM, as `timeout` sends it): the same statistics first
141   stdout was a pipe its reader closed (``| head``): output ends quietly
====  =======================================================================================

Every failure is one line on stderr, ``paxraft CMD: error: ...``, cut to a bounded length so a
huge token in a file is never echoed; ``--debug`` adds the traceback. Output into a pipe that
was closed (``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from modelcheck.cli.common import UsageError
from modelcheck.engine.faults import SpecCodeError, locate, shorten
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import count
from spec.core import SpecError

OK, VIOLATION, BAD_INPUT, SPEC_CODE, INTERNAL, INTERRUPTED, TERMINATED = 0, 1, 2, 3, 4, 130, 143


class Terminated(KeyboardInterrupt):
    """SIGTERM while a command runs: a KeyboardInterrupt, so that every search stops as Ctrl-C stops it (its workers
    ended, the figures so far), reported as 'terminated' with exit 143. It ended the program silently: `timeout 60
    paxraft check ...` said nothing of how far the search got."""


def in_finalizer(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside a finalizer (``__del__``), where Python ignores any exception (it prints
    "Exception ignored in ..." and a traceback, and goes on)."""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def outside_finalizers(handler: Callable[[int, Any], Any]) -> Callable[[int, Any], Any]:
    """``handler``, run where what it raises is not lost: inside a finalizer the signal is sent again 10 ms later,
    from a thread, by when the finalizer has returned (``raise_signal`` here would run this handler again at once,
    inside itself). Z3's objects have finalizers: a Ctrl-C raised in one was ignored, `prove raft --complete` ran on
    84 s to exit 0 (1 Ctrl-C in 14)."""

    def deferred(signum: int, frame: Any) -> Any:
        if in_finalizer(frame):
            threading.Timer(0.01, os.kill, (os.getpid(), signum)).start()
            return None
        return handler(signum, frame)

    return deferred


def terminate(signum: int, frame: object) -> None:
    """The SIGTERM handler while a command runs (a search that checkpoints puts its own in place meanwhile)."""
    raise Terminated
#: A closed pipe: the status of a program killed by SIGPIPE (a shell ignores it inside a pipeline).
PIPE_CLOSED = 141
#: A write the disk refused: the machine's state, not a paxraft bug (one line, as for a file that cannot be read).
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO})
#: Longest error line (a message quoting a file's content is cut to this).
LINE_CHARS = 600


#: Exceptions that mean "the input was wrong": one line, exit 2.  The last three, by module and name:
#: one can only be raised once its module is loaded, and loading audit, linearizability and output
#: for every command cost ~0.2 s of CPU (``paxraft list`` needs none of them).
BAD_INPUT_ERRORS: tuple[type[BaseException], ...] = (SpecError, UsageError)
_LAZY_BAD_INPUT = (
    ("modelcheck.audit.tracefile", "TraceError"),
    ("modelcheck.linearizability.history", "HistoryError"),
    ("modelcheck.output.dot", "DotError"),
)


def is_bad_input(exc: BaseException) -> bool:
    """Whether ``exc`` is one of the bad-input errors (those of modules not loaded cannot be it)."""
    lazy = tuple(getattr(sys.modules[m], n) for m, n in _LAZY_BAD_INPUT if m in sys.modules)
    return isinstance(exc, BAD_INPUT_ERRORS + lazy)


def one_line(text: str) -> str:
    """``text`` on one line, cut to :data:`LINE_CHARS`."""
    return shorten(" ".join(str(text).split()), LINE_CHARS)


def _say(command: str, kind: str, message: str) -> None:
    print(f"{_prog(command)}: {kind}: {one_line(message)}", file=sys.stderr, flush=True)


def _prog(command: str) -> str:
    return f"paxraft {command}" if command else "paxraft"


def _debug_trace(exc: BaseException) -> None:
    import traceback

    details = getattr(exc, "details", "")
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    if details:
        print("the spec's exception:\n" + details, file=sys.stderr, end="")


def _quiet_pipe() -> None:
    """stdout's reader went away: point stdout at /dev/null so the interpreter's last flush is silent."""
    if sys.stdout is not sys.__stdout__:  # stdout replaced (captured): the process's own fd 1 is not ours to move
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # type: ignore[union-attr]  # (its reader went away: it exists)
    except (OSError, ValueError):  # stdout is not a real file: nothing to redirect
        pass


def interrupted_line() -> str:
    """The statistics of the run under way when Ctrl-C came, as its last progress tick recorded them, and how long
    it had run: the tick's time said 'interrupted after 0.0s' of a run held 5 s in a slow action invariant."""
    p = Progress.latest
    if p is None or p.figures is None:
        return "interrupted"
    distinct, generated, depth, queued, seconds = p.figures
    where = p.where or f"{count(queued, 'state')} queued"
    return (
        f"interrupted after {time.monotonic() - p.start:.1f}s ({p.label}): {count(distinct, 'distinct state')}, "
        f"{count(generated, 'state generated', 'states generated')}, depth {depth:,}, {where} (figures as of the last "
        f"progress tick, at {seconds:.1f}s; the search is incomplete)"
    )


def _disguised_interrupt(exc: BaseException) -> BaseException:
    """``exc``, or the Ctrl-C (SIGTERM) it stands for: ctypes turns a KeyboardInterrupt raised while it converts a
    call's arguments (Z3's ``from_param``, Python code run for every argument of every Z3 call) into an
    ``ArgumentError('argument 12: KeyboardInterrupt: ')``, chained to nothing: a Ctrl-C there was an internal error,
    exit 4."""
    if type(exc).__name__ == "ArgumentError" and type(exc).__module__ == "ctypes":
        m = re.match(r"argument \d+: (KeyboardInterrupt|Terminated): ", str(exc))
        if m:
            return Terminated() if m[1] == "Terminated" else KeyboardInterrupt()
    return exc


def _unraisable_after_interrupt(unraisable: Any) -> None:
    """Silent: an exception in a destructor once a Ctrl-C (SIGTERM) is reported. The interrupt can land inside a
    constructor (a Z3 term's: ``AstRef.__init__``), and that object's ``__del__``, run when the traceback is freed,
    failed on the attribute it never got: "Exception ignored in ... Traceback ... AttributeError" after the one
    line."""


def report(command: str, exc: BaseException, debug: bool = False) -> int:
    """Print ``exc`` as one line (the traceback too with ``debug``) and return the exit status it means."""
    exc = _disguised_interrupt(exc)
    if isinstance(exc, BrokenPipeError):
        _quiet_pipe()
        return PIPE_CLOSED
    if isinstance(exc, KeyboardInterrupt):  # (one that says how far the command got: the audit's)
        line = f"interrupted {exc}" if str(exc) else interrupted_line()
        if isinstance(exc, Terminated):
            line = line.replace("interrupted", "terminated (SIGTERM)", 1)
        print(f"{_prog(command)}: {line}", file=sys.stderr, flush=True)
        if getattr(sys.modules.get("paxraft"), "running", False):  # (the program, which ends now; not a test's
            sys.unraisablehook = _unraisable_after_interrupt  # main() call)
        return TERMINATED if isinstance(exc, Terminated) else INTERRUPTED
    if debug:
        _debug_trace(exc)
    if is_bad_input(exc):
        _say(command, "error", str(exc))
        return BAD_INPUT
    try:
        found = locate(exc)
    except KeyboardInterrupt:  # Ctrl-C while locating (or the spec's code raising it again)
        print(f"{_prog(command)}: {interrupted_line()}", file=sys.stderr, flush=True)
        return INTERRUPTED
    except (Exception, SystemExit):  # locating must never hide the failure it is asked about (nor exit instead)
        found = None
    if isinstance(found, SpecCodeError):
        if debug and found is not exc:
            print("the spec's exception:\n" + found.details, file=sys.stderr, end="")
        _say(command, "error in the spec's code", str(found))
        return SPEC_CODE
    if found is not None:  # a breach of the spec contract
        _say(command, "error", str(found))
        return BAD_INPUT
    if isinstance(exc, MemoryError):
        _say(command, "error", "out of memory: the model is too large for this machine (lower its bounds)")
        return BAD_INPUT
    if isinstance(exc, ValueError) and str(exc).startswith("Exceeds the limit ("):  # (sys.int_info)
        _say(command, "error", f"an int of more than {sys.get_int_max_str_digits():,} digits, which Python reads "
             "and prints only up to that length (a guard against slow parsing): `check` prints a spec's ints of any "
             "length; a file with one is not read")
        return BAD_INPUT
    if isinstance(exc, OSError) and exc.filename is not None:
        _say(command, "error", f"{exc.filename}: {exc.strerror or exc}")
        return BAD_INPUT
    if isinstance(exc, OSError) and exc.errno in DISK_ERRORS:  # (a write names no file: --msc /dev/full was exit 4)
        _say(command, "error", f"{exc.strerror or exc} (while writing the output)")
        return BAD_INPUT
    _say(
        command,
        "internal error",
        f"{type(exc).__name__}: {exc} (a bug in paxraft; rerun with --debug and report the traceback)",
    )
    return INTERNAL


def run_command(command: str, fn: Callable[[], int | None], debug: bool = False) -> int:
    """Run one command; whatever it raises becomes one line and the exit status of :func:`report`."""
    Progress.latest = None  # an interrupted command reports its own figures, never an earlier run's
    early = None
    try:
        early = _raise_on_ctrl_c()
        code = int(fn() or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except SystemExit as exc:
        if _from_parser(exc):  # argparse's own exit (usage error, --help): it printed what it had to say
            raise
        return report(command, exc, debug)  # sys.exit() in a spec's code: report it, never end silently
    except BaseException as exc:  # noqa: BLE001 - the one place every failure is turned into an exit status
        return report(command, exc, debug)
    finally:
        if early is not None:  # the report is out: a Ctrl-C from here to the exit is the program's one line again
            signal.signal(signal.SIGINT, early[0])
            signal.signal(signal.SIGTERM, early[1])


def _raise_on_ctrl_c() -> tuple[Any, Any] | None:
    """While the command runs, SIGINT raises KeyboardInterrupt (reported above with the figures so far) in place
    of the ``paxraft`` program's early handler (paxraft.interrupted: one line, exit 130, while the modules load),
    and SIGTERM, when not ignored, :class:`Terminated`; the SIGINT and SIGTERM handlers to put back (an ignored
    SIGTERM stays ignored, and so does an ignored SIGINT: a background job's), or None (main() called otherwise: its
    caller's handlers are left alone)."""
    handler = signal.getsignal(signal.SIGINT)
    early = getattr(handler, "paxraft_early", False)
    if not early and not getattr(sys.modules.get("paxraft"), "running", False):
        return None
    term = signal.getsignal(signal.SIGTERM)
    if early:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if term == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, terminate)
    return handler, term


def _from_parser(exc: SystemExit) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if isinstance(tb.tb_frame.f_locals.get("self"), argparse.ArgumentParser):
            return True
        tb = tb.tb_next
    return False
