"""The `paxraft check` options that help read what the checker finds: --reach, --counterexamples,
--fewest-switches and --lanes.

``cmd_check`` hands a run here when any of them is given. They run breadth-first in this
process (the shortest-path DAG and the witness search are not distributed): with --workers,
--mode or --liveness they are refused with a one-line error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from modelcheck.cli import _check_modes as check_modes
from modelcheck.engine import shortest
from modelcheck.engine.explain import format_trace, summary, violation_line
from modelcheck.engine.failing import last_step
from modelcheck.engine.lanes import format_lanes
from modelcheck.engine.progress import Progress
from modelcheck.engine.reach import REACHED, goal_predicate, reach, reach_text
from modelcheck.engine.result import OK, Result, Step, count, json_safe
from modelcheck.engine.shortest import shortest_dag, switches
from spec.core import Spec, SpecError


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the reading options."""
    g = parser.add_argument_group("reading the result (breadth-first, one process)")
    g.add_argument(
        "--reach",
        metavar="WITNESS|EXPR",
        help="shortest behaviour to a state: a witness the spec declares ('all': every one), or an expression "
        "over the state as traces print it, e.g. \"'Leader' in state.values()\"",
    )
    g.add_argument("--counterexamples", type=int, default=None, metavar="K",
                   help="up to K shortest counterexamples taking different steps (not the same ones in another order, "
                        "nor a renaming)")
    g.add_argument("--fewest-switches", action="store_true",
                   help="among the shortest counterexamples, one with the fewest changes of acting process")
    g.add_argument("--lanes", action="store_true", help="print traces as swim lanes, one column per process")


def wants(args: argparse.Namespace) -> bool:
    """Whether any reading option was given."""
    return bool(args.reach or args.counterexamples is not None or args.fewest_switches or args.lanes)


def run(args: argparse.Namespace, spec: Spec) -> int:
    """Run the search the options ask for and print it."""
    if args.workers != 1 or args.mode != "bfs" or args.liveness is not None:
        raise SpecError("--reach/--counterexamples/--fewest-switches/--lanes run breadth-first in one process: "
                        "drop --workers, --mode and --liveness")
    several = args.counterexamples is not None or args.fewest_switches or (args.reach or "").strip() == "all"
    if args.out and several:  # (--lanes only draws the one trace --out writes: a violation's, or a --reach target's)
        raise SpecError("--out goes with a violation, a liveness lasso or one --reach target, not with "
                        "--reach all/--counterexamples/--fewest-switches")
    if args.counterexamples is not None and args.counterexamples < 1:
        raise SpecError(f"--counterexamples must be at least 1, got {args.counterexamples}")
    if args.reach and (args.counterexamples is not None or args.fewest_switches):
        raise SpecError("--reach goes without --counterexamples/--fewest-switches")
    searching = args.counterexamples is not None or args.fewest_switches or args.reach
    if (args.deadlock or args.no_invariants) and searching:
        raise SpecError("--deadlock/--no-invariants do not go with --reach/--counterexamples/--fewest-switches")
    if args.reach:
        return _run_reach(args, spec, check_modes.progress_for(args, spec))
    if args.counterexamples is not None or args.fewest_switches:
        return _run_shortest(args, spec)
    return check_modes.run(args, spec)  # --lanes alone: the plain search (it dropped --deadlock), drawn as lanes


def _trace_text(spec: Spec, trace: list[Step], lanes: bool) -> str:
    return format_lanes(spec, trace) if lanes else format_trace(spec, trace)


def _run_reach(args: argparse.Namespace, spec: Spec, progress: Progress | None) -> int:
    names = list(spec.witnesses) if args.reach.strip() == "all" else [args.reach]
    if not names:
        raise SpecError(f"--reach all: {spec.name} declares no witness")
    ok = True
    out = []
    for text in names:
        name, holds, declared = goal_predicate(spec, text)
        if args.symmetry and not declared:
            raise SpecError("--reach with an expression cannot go with --symmetry (an expression may tell "
                            "renamed processes apart); drop --symmetry or name a declared witness")
        result = reach(spec, name, holds, symmetry=args.symmetry, max_states=args.max_states, progress=progress)
        ok &= result.verdict == REACHED
        out.append(result)
        if not args.json:
            print(summary(result, lanes=args.lanes) if len(names) == 1 else reach_text(result))
        if args.out and result.trace:  # the behaviour to the chosen state, drawn and replayable
            from modelcheck.output.artifacts import write_trace_artifacts

            for path in write_trace_artifacts(spec, result.trace, Path(args.out), None, "reach"):
                print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        json.dump([r.to_json() for r in out] if len(names) > 1 else out[0].to_json(), sys.stdout, indent=1)
        print()
    return 0 if ok else 1


def _run_shortest(args: argparse.Namespace, spec: Spec) -> int:
    dag = shortest_dag(spec, symmetry=args.symmetry, with_actors=args.fewest_switches, max_states=args.max_states)
    if not dag.targets:
        text = "No error found" if dag.complete else "Stopped at the state limit: no error found so far"
        if args.json:
            json.dump({"spec": spec.name, "verdict": OK, "distinct_states": dag.distinct_states,
                       "complete": dag.complete, "counterexamples": []}, sys.stdout, indent=1)
            print()
        else:
            states = count(dag.distinct_states, "distinct state")
            print(f"Model: {spec.describe()}\n{text} ({states}, depth {dag.depth:,}).")
        return 0
    found: list[tuple[str, list[Step], str, dict[str, Any]]] = []
    if args.counterexamples is not None:
        for n, (trace, bad) in enumerate(dag.diverse(args.counterexamples), 1):
            found.append((f"Counterexample {n}", trace, bad, {}))
    looked_at_all = dag.diverse_all
    plain_trace = dag.diverse(1)[0][0]
    if args.fewest_switches:
        trace, bad, cost = dag.fewest_switches()
        plain = switches(spec, plain_trace)
        found.append(("Fewest process switches", trace, bad,
                      {"switches": cost, "first_trace_switches": plain, "switches_saved": plain - cost}))
    if args.json:
        json.dump(json_safe(_shortest_json(spec, dag, found, looked_at_all)), sys.stdout, indent=1)
        print()
        return 1
    sym = "  (symmetry)" if args.symmetry else ""
    print(f"Model: {spec.describe()}{sym}")
    print(f"Shortest counterexamples have {count(dag.depth - 1, 'step')}; {_violations(dag)} "
          f"on that level; {count(dag.distinct_states, 'distinct state')} explored")
    if args.counterexamples is not None:
        k = sum(1 for f in found if not f[3])
        renames = bool(spec.symmetric_sets())  # without symmetric sets a renaming is no question
        alike = f"the same steps in another order{' or a renaming' * renames}"
        more = ("" if k == args.counterexamples else f" (only {k} differ)" if looked_at_all else
                f" ({k} found: the search for more stopped at {shortest.DIVERSE_PATHS:,} shortest paths walked or "
                f"{shortest.DIVERSE_TRACES:,} traces built)")
        print(f"{k} of them, no two {alike}{more}:")
    for title, trace, bad, extra in found:
        print()
        if extra:
            print(f"{title}: {count(extra['switches'], 'switch', 'switches')} of acting process; the first shortest "
                  f"counterexample (as plain 'check' prints it) has {extra['first_trace_switches']}: "
                  f"{extra['switches_saved']} saved")
        else:
            print(f"{title}: {bad}, {count(len(trace) - 1, 'step')}")
        print(_trace_text(spec, trace, args.lanes))
        print(violation_line(spec, bad, *last_step(trace)))
    return 1


def _violations(dag: Any) -> str:
    """``4 violating states``, ``2 violating steps`` (action invariants), or both."""
    steps = sum(1 for t, _ in dag.targets if t in dag.step_nodes)
    states = len(dag.targets) - steps
    said = [count(n, f"violating {what}") for n, what in ((states, "state"), (steps, "step")) if n]
    return " and ".join(said)


def _shortest_json(spec: Spec, dag: Any, found: list[tuple[str, list[Step], str, dict[str, Any]]],
                   looked_at_all: bool) -> dict[str, Any]:
    def one(trace: list[Step], bad: str, extra: dict[str, Any]) -> dict[str, Any]:
        r = Result(spec, verdict="violation", violated=bad, trace=trace)
        j = r.to_json()
        return {k: j[k] for k in ("violated", "explanation", "failing_part", "trace_length", "trace")} | extra

    return {
        "spec": spec.name,
        "variant": spec.variant,
        "verdict": "violation",
        "distinct_states": dag.distinct_states,
        "shortest_length": dag.depth - 1,
        "violating_states": sum(1 for t, _ in dag.targets if t not in dag.step_nodes),
        "violating_steps": sum(1 for t, _ in dag.targets if t in dag.step_nodes),
        "counterexamples": [one(t, b, x) for title, t, b, x in found if not x],
        "counterexamples_complete": looked_at_all,  # False: the search for more stopped at its limits
        "fewest_switches": next((one(t, b, x) for title, t, b, x in found if x), None),
    }
