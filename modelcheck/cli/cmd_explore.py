"""Explore a model in the browser: click through states, see invariants, charts, run searches.

``paxraft explore SPEC [bounds] [--variant V] [--trace FILE.itf.json]`` serves a page on
127.0.0.1 (a free port unless --port) and prints its URL. Each state has its own URL (the
path from the initial state), so a link pasted in a bug report reopens the same state.
"""

from __future__ import annotations

import argparse
import sys
import threading
from urllib.parse import quote

from modelcheck.cli.common import (
    add_bound_options,
    add_model_options,
    model_from_args,
    positive,
    resolve,
    spec_ints,
)
from modelcheck.output.explore.server import ExplorerServer, lasso
from modelcheck.output.explore.session import PathError, Session
from spec.core import Spec, SpecError


def configure(parser: argparse.ArgumentParser) -> None:
    """Spec, variant, bounds, a trace to step through, the port."""
    parser.add_argument("spec", nargs="?", help="spec name or path/to/file.py:ClassName (default: the trace's)")
    parser.add_argument("--variant", help="explore a named variant of the spec")
    add_bound_options(parser)
    add_model_options(parser)
    parser.add_argument("--trace", metavar="FILE.itf.json", help="a counterexample (ITF JSON) to step through")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--for", dest="seconds", type=float, default=None, metavar="S",
                        help="stop serving after S seconds (default: until Ctrl-C)")


def build_spec(args: argparse.Namespace) -> Spec:
    """The model the arguments name, as `paxraft check` builds it; with only --trace, the trace's."""
    if args.spec is None:
        if not args.trace:
            raise SpecError("name a spec (see 'paxraft list') or give --trace FILE.itf.json")
        from modelcheck.output.itf import read_itf

        return read_itf(args.trace, naming="name it before --trace: paxraft explore {ref} --trace {trace}")[0]
    if args.trace:  # the bounds not given come from the trace, as replay --spec takes them
        from modelcheck.output.itf import trace_bounds

        recorded = trace_bounds(args.trace)
        for opt in resolve(args)[0].all_options:
            if getattr(args, opt.dest, None) is None and opt.dest in recorded and not opt.names_file:
                setattr(args, opt.dest, recorded[opt.dest])
    return model_from_args(args).build()


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted (or --for seconds), printing the URL first."""
    if not 0 <= args.port <= 65535:
        raise SpecError(f"--port must be in 0..65535, got {args.port}")
    positive("--for", args.seconds, zero=True)  # 0: build the model, serve nothing
    with spec_ints():  # (a state holding 2**100_000 answered every page with 'ValueError: Exceeds the limit')
        return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    session = Session(build_spec(args))
    trail, loop = "", ""
    if args.trace:
        from modelcheck.output.itf import made_by_another_variant, read_itf

        _, trace = read_itf(args.trace, session.spec)
        if (closes := lasso(trace.meta)):
            loop = f"&loop={closes['loop']}"
        try:
            trail = session.load_trace(trace.steps)
        except PathError as exc:  # a variant's trace on its base: say so, as replay does
            why = made_by_another_variant(trace.meta, session.spec)
            raise SpecError(f"--trace {args.trace}: {exc}" + (f" ({why.rstrip('.')})" if why else "")) from None
    try:
        server = ExplorerServer(session, args.port)
    except OSError as exc:
        raise SpecError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from None
    print(f"Exploring {session.spec.describe()}")
    print(f"Open {server.url}", flush=True)
    if trail:
        print(f"The trace, step by step (Forward): {server.url}?trail={quote(trail, safe='/(),')}{loop}", flush=True)
    print("Ctrl-C stops the server.", file=sys.stderr, flush=True)
    timer = None
    if args.seconds is not None:  # (a daemon, cancelled at the end: a Ctrl-C or SIGTERM waited for it, --for seconds)
        timer = threading.Timer(args.seconds, server.shutdown)
        timer.daemon = True
        timer.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if timer is not None:
            timer.cancel()
        server.server_close()
    return 0
