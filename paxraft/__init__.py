"""The ``paxraft`` program's first code (pyproject's entry point): Ctrl-C is one line and exit 130 from here on.

Python's own SIGINT handler raises KeyboardInterrupt wherever the program is, and ``modelcheck.cli``'s report of it
(the figures so far, exit 130) takes over only once the command runs: a Ctrl-C in the first ~0.15 s, while the
modules load, printed a KeyboardInterrupt traceback. So this module loads nothing the interpreter has not (but
signal: 0.6 ms in ``-X importtime``, which the command spends anyway) and puts in a handler that ends the program
with one line; ``modelcheck.cli.errors.run_command`` trades it for KeyboardInterrupt while the command runs and
puts it back after. Before this runs is the interpreter's own start (its site packages: ~30 ms), out of our reach.
"""

from __future__ import annotations

import contextlib
import os
import signal  # (0.6 ms, the one module the interpreter has not loaded yet; the command loads it anyway)
import sys


def interrupted(signum: int, frame: object) -> None:
    """SIGINT while no command runs (loading, or ending): what was printed is flushed, one line, exit 130."""
    with contextlib.suppress(Exception):  # a closed pipe, a flush already under way: nothing more to say there
        sys.stdout.flush()
    os.write(2, b"paxraft: interrupted\n")
    os._exit(130)


interrupted.paxraft_early = True  # type: ignore[attr-defined]  # (how run_command tells it from a user's handler)


#: Set by :func:`run`: the process is the ``paxraft`` program, whose commands own SIGINT and SIGTERM (modelcheck.cli's
#: ``run_command``), not a caller of ``main()`` (a test) whose handlers are left alone. (It was told by the early
#: handler alone, which an ignored SIGINT does not get: in a background job SIGTERM then killed a command silently.)
running = False


def run() -> None:
    """The program: the handler first, then the command line (``modelcheck.cli.main.run``)."""
    global running
    running = True
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # (ignored, as in a background job: stay so)
        signal.signal(signal.SIGINT, interrupted)
    from modelcheck.cli.main import run as program

    program()
