"""Where a check's step calls go: per action, the calls that were disabled, that gave the state itself,
and the successors built, split into states already seen and new ones.

    .venv/bin/python benchmarks/step_outcomes.py docs/examples/paxoscommit.py:PaxosCommit
    .venv/bin/python benchmarks/step_outcomes.py raft705k --max-states 150000

The run is `check`'s own (the same enumerators, memos and order), with each action's step wrapped to
count what it returned: ``None`` (disabled), the state itself (a stuttering step: counted as generated,
nothing built or hashed), ``OUTSIDE`` (a successor the constraint would cut, not built), or a successor.
The successors are split by the run's coverage: ``new`` is the action's new states, ``seen`` the rest.
The table bounds what making one kind of call cheaper can gain: a faster way to build successors
gains on the ``seen`` and ``new`` columns only. The counts are exact; a sample of the first states
(``--max-states``) can be far from the whole model's mix (PaxosCommit's first 100,000 states have
half the disabled calls per state of the whole model), so quote the whole model where it matters.
A wrapped step is no longer the spec's own, so an enumerator that counts steps outside the constraint
without calling them (``spec.core.Counted``: Raft's Timeout, RequestVote, AppendEntries,
DuplicateMessage) lists them one by one here: their ``OUTSIDE`` calls are calls `check` itself no
longer makes.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from modelcheck import check  # noqa: E402
from modelcheck.engine._fingerprint import plain_or_apart  # noqa: E402
from spec.core import OUTSIDE, Spec  # noqa: E402

KINDS = ("disabled", "itself", "outside", "seen", "new")


def _counted(step: Callable[..., Any], tally: dict[str, int]) -> Callable[..., Any]:
    """``step``, counting its disabled, stuttering and OUTSIDE answers in ``tally``."""

    def counted(s: Any, *params: Any) -> Any:
        t = step(s, *params)
        if t is None:
            tally["disabled"] += 1
        elif t is s:
            tally["itself"] += 1
        elif t is OUTSIDE:
            tally["outside"] += 1
        return t

    return counted


def outcomes(spec: Spec, max_states: int | None = None) -> tuple[dict[str, dict[str, int]], Any]:
    """Per action (in the spec's order), its step calls by outcome (:data:`KINDS`), and the check's result.
    The spec's actions are wrapped for the run and restored after it."""
    plain_or_apart(spec)  # its sample walk runs the steps: asked before they are counted, then remembered
    actions = spec.actions
    saved = list(actions)
    tallies = {a.name: dict.fromkeys(KINDS, 0) for a in saved}
    actions[:] = [dataclasses.replace(a, step=_counted(a.step, tallies[a.name])) for a in saved]
    try:
        result = check(spec, max_states=max_states)
    finally:
        actions[:] = saved
    for name, tally in tallies.items():
        cov = result.coverage[name]
        built = cov.fired - tally["itself"] - tally["outside"]
        tally["new"], tally["seen"] = cov.new, built - cov.new
    return tallies, result


def _table(tallies: dict[str, dict[str, int]]) -> str:
    """The tallies as a text table, with each kind's share of all the calls."""
    total = {k: sum(t[k] for t in tallies.values()) for k in KINDS}
    calls = sum(total.values())
    head = f"{'action':<22}{'calls':>13}" + "".join(f"{k:>13}" for k in KINDS)
    rows = [head]
    for name, tally in [*tallies.items(), ("total", total)]:
        rows.append(f"{name:<22}{sum(tally.values()):>13,}" + "".join(f"{tally[k]:>13,}" for k in KINDS))
    rows.append(f"{'share of the calls':<22}{'':>13}" + "".join(f"{total[k] / max(calls, 1):>13.1%}" for k in KINDS))
    return "\n".join(rows)


def main(model: str, max_states: int | None) -> None:
    from engine_overhead import MODELS  # the same model names as the engine benchmark

    from spec.registry import entry, load_user_spec

    ref, bounds = MODELS.get(model, (model, {}))
    cls = load_user_spec(ref) if ":" in ref else entry(ref).cls
    spec = cls(**bounds)
    tallies, result = outcomes(spec, max_states)
    expanded = sum(sum(t.values()) for t in tallies.values())
    print(f"{spec.describe()}: {result.distinct_states:,} distinct, {result.states_generated:,} generated, "
          f"depth {result.depth}; {expanded:,} step calls")
    print(_table(tallies))


if __name__ == "__main__":
    from _args import parser, run_main

    ap = parser(__doc__)
    ap.add_argument("model", help="raft201k, raft705k, a registered spec name, or FILE.py:Class")
    ap.add_argument("--max-states", type=int, metavar="N", help="stop where check stops at N states")
    args = ap.parse_args()
    run_main(lambda: main(args.model, args.max_states))
