"""The `paxraft check` of one model: search modes, workers, liveness and --out, and the plain breadth-first run.

``cmd_check`` hands every run of one model here (but those of the reading options, ``_check_reading``);
:func:`run` picks the engine and :func:`report` prints its result, the one place for both.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from modelcheck import check
from modelcheck.cli.common import output_folder, positive, within, workers_option
from modelcheck.engine.explain import found_line, summary
from modelcheck.engine.faults import showing
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, Result, count
from spec.core import Spec, SpecError

_EVERY = object()  # --liveness without a name


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the search-mode, worker, liveness and output options."""
    g = parser.add_argument_group("search modes, liveness and outputs")
    g.add_argument("--mode", choices=("bfs", "dfs", "simulate"), default="bfs", help="search strategy (default bfs)")
    g.add_argument("--depth", type=int, default=None, metavar="K", help="dfs: depth bound; simulate: walk length")
    g.add_argument("--walks", type=int, default=100, metavar="N", help="simulate: number of random walks (100)")
    g.add_argument("--seed", type=int, default=0, metavar="S", help="simulate: random seed (0)")
    g.add_argument("--workers", type=int, default=1, metavar="N", help="bfs: worker processes (default 1)")
    g.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="bfs: run the workers as Ray actors on the cluster at ADDRESS (or $RAY_ADDRESS); "
        "a local Ray runtime when neither is given",
    )
    g.add_argument(
        "--memory",
        default=None,
        metavar="SIZE",
        help="bfs: memory for the store and the frontier (e.g. 4GiB); past it they spill to disk",
    )
    g.add_argument("--checkpoint", metavar="DIR", help="bfs: write checkpoints here (level ends, SIGINT/SIGTERM)")
    g.add_argument(
        "--checkpoint-every",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="bfs: at most one level-end checkpoint per this many seconds (default 60; 0: every level)",
    )
    g.add_argument("--resume", metavar="DIR", help="continue the run checkpointed in DIR (spec and options from it)")
    g.add_argument(
        "--liveness",
        nargs="?",
        const=_EVERY,  # (no name: every property; not a str, which argparse would pass through _property_name)
        default=None,
        type=_property_name,
        action=_Properties,
        metavar="PROPERTY[,PROPERTY...]",
        help="check temporal properties under the spec's fairness, as a TLC cfg's PROPERTY line names them "
             "(default: every one declared, in turn)",
    )
    g.add_argument("--no-fairness", action="store_true", help="liveness: assume no fairness at all")
    g.add_argument("--out", metavar="DIR", help="write the trace (ITF JSON), its chart and table (DOT, SVG) here")


def property_names(text: str) -> list[str]:
    """``A,B`` -> ``["A", "B"]``, split at the commas outside parentheses: an entry's own name has some
    (Disruptor's ``Liveliness(r2,2)``)."""
    names, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            names.append(text[start:i].strip())
            start = i + 1
    return [*names, text[start:].strip()]


def _property_name(text: str) -> str:
    """Property names as given, comma-separated: an empty one was taken for no name, every property checked."""
    if not all(property_names(text)):
        raise argparse.ArgumentTypeError("an empty name: give a property's name, or --liveness alone for every one")
    return text


class _Properties(argparse.Action):
    """``--liveness`` given again adds its names to the first's (``--liveness A --liveness B`` checked B alone,
    saying nothing of A); a bare ``--liveness`` among them still means every property."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        before = getattr(namespace, self.dest)
        if before is None or values is _EVERY or before is _EVERY:
            setattr(namespace, self.dest, before if before is _EVERY else values)
        else:
            setattr(namespace, self.dest, f"{before},{values}")


def _scaled(args: argparse.Namespace) -> bool:
    """Whether the run needs the chunked engine: Ray, a memory budget or checkpoints."""
    return args.ray is not None or args.memory is not None or args.checkpoint is not None or args.resume is not None


_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "kib": 2**10, "m": 1e6, "mb": 1e6, "mib": 2**20,
          "g": 1e9, "gb": 1e9, "gib": 2**30, "t": 1e12, "tb": 1e12, "tib": 2**40}


def parse_size(text: str) -> int:
    """``4GiB``, ``512MB``, ``100000`` (bytes) -> bytes; anything else is a one-line error."""
    import re

    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", text)
    unit = m.group(2).lower() if m else None
    if m is None or unit not in _UNITS:
        raise SpecError(f"--memory {text!r}: expected a size such as 4GiB, 512MB or a number of bytes")
    return int(float(m.group(1)) * _UNITS[unit])


#: Longest walk or depth bound: a walk's states are all kept (for its trace).
MAX_DEPTH = 1_000_000

def validate(args: argparse.Namespace) -> None:
    """Refuse out-of-range numbers and an unusable --out before any work starts; cap --workers (saying so)."""
    if args.liveness is _EVERY:
        args.liveness = ""  # every property declared
    if args.max_states is not None and args.max_states < 1:
        raise SpecError(f"--max-states must be at least 1, got {args.max_states}")
    if args.invariants is not None and args.no_invariants:
        raise SpecError("--invariants names the invariants to check, --no-invariants checks none: give one")
    if args.invariants is not None and not args.invariants.strip(" ,"):
        raise SpecError("--invariants names no invariant (give I,J; --no-invariants checks none)")
    if args.depth is not None:
        within("--depth", args.depth, 1, MAX_DEPTH, "a walk keeps its states")
    if args.depth is not None and args.mode == "bfs":  # it was ignored: the search went as deep as the model
        raise SpecError("--depth bounds --mode dfs or is --mode simulate's walk length; a breadth-first search "
                        "stops at --max-states")
    if args.walks < 1:
        raise SpecError(f"--walks must be at least 1, got {args.walks}")
    if args.no_fairness and args.liveness is None:  # it was ignored: a plain check judges no property
        raise SpecError("--no-fairness goes with --liveness (it checks the properties under no fairness); add "
                        "--liveness, or drop it")
    args.workers = workers_option(args.workers, "check")
    positive("--checkpoint-every", args.checkpoint_every, zero=True)
    for flag, path in (("--out", args.out), ("--checkpoint", args.checkpoint)):
        if path is not None:
            output_folder(path, flag)


def run(args: argparse.Namespace, spec: Spec) -> int:
    """Run the requested mode on ``spec``; print the report; write artefacts to ``--out``."""
    if args.liveness is not None:
        if _scaled(args):
            raise SpecError("--liveness explores the whole graph itself; drop --ray/--memory/--checkpoint")
        return _run_liveness(args, spec)
    if (args.workers > 1 or _scaled(args)) and args.mode != "bfs":
        raise SpecError("--workers/--ray/--memory/--checkpoint go with --mode bfs (the engine is breadth-first)")
    try:
        result = _search(args, spec)
    except Exception as exc:
        from modelcheck.engine.coordinator import StoppedError

        if not isinstance(exc, StoppedError):
            raise
        from modelcheck.cli.errors import INTERRUPTED, interrupted_line

        print(f"paxraft check: {interrupted_line()}\n{exc}", file=sys.stderr)
        return INTERRUPTED
    with showing(found_line(result)):
        report(args, result, _header(result))
        _write_out(args, result)
    return 0 if result.verdict == OK else 1


def _write_out(args: argparse.Namespace, result: Result) -> None:
    """``--out DIR``: the result's trace (a violation's, or a simulation's deepest walk) as ITF and pictures."""
    if not args.out:
        return
    trace = result.trace if result.trace is not None else getattr(result, "deepest_trace", None)
    if trace:
        from modelcheck.output.artifacts import write_trace_artifacts

        for path in write_trace_artifacts(result.spec, trace, Path(args.out), result.violated, result.mode,
                                          deadlock=result.verdict == DEADLOCK and result.trace is not None):
            print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)
    else:  # say so: an empty folder after --out looks like a failure
        print(f"--out {args.out}: nothing written, no trace to draw (no violation found; --reach EXPR "
              "gives a trace to a state you choose)", file=sys.stderr)


def report(args: argparse.Namespace, result: Result, head: str = "") -> None:
    """The result on stdout: JSON with --json, else ``head`` and the summary (traces as lanes with --lanes)."""
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=1)
        print()
    else:
        print(head + summary(result, lanes=getattr(args, "lanes", False)))


def progress_for(args: argparse.Namespace, spec: Spec) -> Progress:
    """The progress line on stderr (silent with --quiet or --json: its figures still serve Ctrl-C)."""
    return Progress(spec.describe(), silent=args.quiet or args.json)


def _search(args: argparse.Namespace, spec: Spec) -> Result:
    common = {"symmetry": args.symmetry, "check_invariants": not args.no_invariants, "check_deadlock": args.deadlock}
    if args.mode == "dfs":
        from modelcheck.engine.dfs import dfs

        return dfs(spec, depth_bound=args.depth, max_states=args.max_states, progress=progress_for(args, spec),
                   **common)
    if args.mode == "simulate":
        from modelcheck.engine.simulate import simulate

        if args.symmetry:
            raise SpecError("--symmetry has no effect on --mode simulate; drop it")
        return simulate(
            spec,
            walks=args.walks,
            depth=args.depth or 50,
            seed=args.seed,
            check_invariants=common["check_invariants"],
            check_deadlock=common["check_deadlock"],
            progress=progress_for(args, spec),
        )
    if args.workers > 1 or _scaled(args):
        from modelcheck.engine.coordinator import search

        return search(
            spec,
            workers=args.workers,
            ray=args.ray is not None,
            ray_address=args.ray or None,
            max_states=args.max_states,
            progress=progress_for(args, spec),
            memory=None if args.memory is None else parse_size(args.memory),
            checkpoint=args.resume or args.checkpoint,
            checkpoint_every=args.checkpoint_every,
            resume=args.resume is not None,
            cli=getattr(args, "_cli_record", None),
            **common,
        )
    return check(spec, max_states=args.max_states, progress=progress_for(args, spec), **common)


def _header(result: Result) -> str:
    x = result.extra
    if result.mode == "simulate":
        where = f"; violation in walk {x['walk']}" if x.get("walk") is not None else ""
        return (
            f"Simulation: {count(x['walks'], 'random walk')} of up to {x['walk_depth']} states, seed {x['seed']}"
            f"{where}; deepest walk {result.depth} states\n"
        )
    if result.mode == "dfs":
        bound = x.get("depth_bound")
        cut = " (the bound cut some paths: not exhaustive)" if x.get("cut_by_bound") else ""
        return f"Depth-first search{f', depth bound {bound}' if bound else ''}{cut}\n"
    if result.mode == "parallel":
        kind = "Ray actors" if x.get("transport") == "ray" else "worker processes"
        return f"Breadth-first search with {x['workers']} {kind}\n"
    return ""


def _run_liveness(args: argparse.Namespace, spec: Spec) -> int:
    """``--liveness NAME``, or every declared property in turn (TLC's PROPERTY lines, all checked: a
    property per process, as ``\\A p : P(p) ~> Q(p)``, was refused with 'several properties; name one')."""
    from modelcheck.engine.liveness import check_liveness, format_results

    if args.mode != "bfs" or args.workers != 1:
        raise SpecError("--liveness explores the whole graph itself; drop --mode/--workers")
    # TLC checks a model's INVARIANTs (and deadlock) with its PROPERTYs: a property holding in a model whose
    # invariant breaks was reported alone, exit 0 (Lamport's mutex's no-ack-wait: two processes in crit). The
    # one exploration checks them as `check` does, and a violation is reported as `check` reports it.
    started = time.perf_counter()
    safety, results = check_liveness(
        spec,
        property_names(args.liveness) if args.liveness else None,
        fairness=[] if args.no_fairness else None,
        symmetry=args.symmetry,
        max_states=args.max_states,
        progress=progress_for(args, spec),
        check_invariants=not args.no_invariants,
        check_deadlock=args.deadlock,  # as a plain check: --no-invariants leaves out the invariants, not --deadlock
    )
    if safety.verdict != OK:
        with showing(found_line(safety)):
            report(args, safety)
            _write_out(args, safety)
        return 1
    res = next((r for r in results if r.lasso is not None), None)  # the first property violated
    with showing(None if res is None else f"property {res.property} is violated, a lasso"):
        if args.json:
            shown = [r.to_json() for r in results]  # every property declared, or a family's entries: a list,
            one = args.liveness in spec.properties()  # even of one (a script reads one shape); one named: it
            json.dump(shown[0] if one else shown, sys.stdout, indent=1)
            print()
        else:
            print(format_results(spec, results, time.perf_counter() - started))
        if args.out and res is not None:
            from modelcheck.output.artifacts import write_trace_artifacts

            # (res.lasso is not None: res was chosen so) the loop leaves and returns there
            trace, loop = res.lasso.prefix + res.lasso.loop, len(res.lasso.prefix) - 1  # type: ignore[union-attr]
            what = f"{res.property} ({res.text})"
            found = {"property": res.property, "fairness": "none" if args.no_fairness else "declared"}
            for path in write_trace_artifacts(spec, trace, Path(args.out), what, "liveness", loop, found):
                print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)
        elif args.out:  # as a plain check says it: an empty folder after --out looks like a failure
            print(f"--out {args.out}: nothing written, no lasso to draw (every property checked holds)",
                  file=sys.stderr)
    return 0 if res is None else 1


_RECORDED = ("spec", "variant", "without", "restrict", "symmetry", "no_invariants", "invariants", "deadlock",
             "max_states", "workers")


def record(args: argparse.Namespace, bounds: dict) -> None:
    """Remember what the run was asked for, so that ``--resume DIR`` alone can rebuild it."""
    args._cli_record = {**{k: getattr(args, k) for k in _RECORDED}, "bounds": bounds}
    spec = args._cli_record["spec"]
    if isinstance(spec, str) and spec.count(":") == 1 and spec.split(":")[0].endswith(".py"):
        where, cls = spec.split(":")  # a user's file: absolute, so --resume works from any folder
        args._cli_record["spec"] = f"{Path(where).resolve()}:{cls}"


def apply_resume(args: argparse.Namespace) -> None:
    """Fill the spec, bounds and options of ``--resume DIR`` from its checkpoint."""
    from modelcheck.engine.checkpoint import CheckpointError, load

    _, manifest = load(Path(args.resume))
    cli = manifest.get("cli")
    if not cli:
        raise CheckpointError(f"{args.resume}: the checkpoint does not say which spec it is for; cannot resume")
    defaults = {"spec": None, "variant": None, "without": None, "restrict": None, "symmetry": False,
                "no_invariants": False, "invariants": None, "deadlock": False, "max_states": None, "workers": 1}
    cap, total = cli.get("max_states"), manifest["coordinator"]["total"]
    for k in _RECORDED:
        if k == "max_states" and cap is not None and total >= cap:
            continue  # written at the cut: its cap is spent, and going on is what --resume alone asks for
        if getattr(args, k) == defaults[k]:
            setattr(args, k, cli.get(k, defaults[k]))  # (a checkpoint from before --invariants has none)
    for dest, val in cli["bounds"].items():
        if getattr(args, dest, None) is None:
            setattr(args, dest, val)
