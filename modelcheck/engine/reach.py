"""Witnesses: the shortest behaviour reaching a state that satisfies a predicate, or none within the bounds.

The predicate is a witness the spec declares (``@witness``) or an expression over the state
as the trace prints it (see :mod:`modelcheck.engine.safe_expr`). The search is the breadth-first
engine itself, with the predicate in place of the invariants, so the path is a shortest one
and the state count on "none" is the model's exact count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelcheck.engine.bfs import bfs
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import VIOLATION, Result, count, shown_state
from modelcheck.engine.safe_expr import compile_predicate
from spec.core import Spec, SpecError, State, returned, strict_predicate
from spec.suggest import hint

REACHED, UNREACHABLE = "reached", "unreachable"


def goal_predicate(spec: Spec, text: str) -> tuple[str, Callable[[State], bool], bool]:
    """(name, predicate, declared) for ``--reach TEXT``: a declared witness by name, else an expression."""
    text = text.strip()
    declared = spec.witnesses
    if text in declared:
        return text, declared[text], True
    if text.isidentifier() and text not in spec.variables:
        have = ", ".join(declared) or "none"
        raise SpecError(f"--reach {text!r}: {spec.name} declares no witness of that name (its witnesses: {have})"
                        f"{_hint(spec, text)}; or give an expression over the state, e.g. 'len(msgs) >= 3'")
    names = list(spec.show_state(next(iter(spec.init_states()))))
    expr = compile_predicate(text, names)

    def show(state: State) -> dict[str, Any]:  # as the trace prints it: a set (a frozenset field too) as a list
        return shown_state(spec, state)

    def holds(state: State) -> bool:
        shown = show(state)
        try:
            got = expr(shown)
        except SpecError as exc:  # a comparison that can never hold (safe_expr): what was compared, and how to
            raise SpecError(f"--reach {text!r}: {exc}") from exc
        except KeyError as exc:  # 'votes[0]' where votes is {"a1": ...}: "raised KeyError: 0" named no keys
            raise SpecError(f"--reach {text!r}: no key {exc.args[0]!r}{_keys(shown)}") from exc
        except Exception as exc:  # the user's expression on this state: report it as bad input
            raise SpecError(f"--reach {text!r}: evaluating it raised {type(exc).__name__}: {exc}") from exc
        if got is True or got is False:
            return got
        # its truthiness is never the verdict, as for an invariant: '--reach maxBal' was reached in 0 steps
        raise SpecError(f"--reach {text!r} gives {returned(got)}, not True or False: compare it "
                        "(e.g. len(msgs) > 0, maxBal['a1'] == 1)")

    return text, holds, False


def _keys(shown: dict[str, Any]) -> str:
    """The keys of the state's variables that are dicts, as an expression names them: per-process variables are
    keyed by the names the trace prints ("a1"), not by the numbers the spec uses."""
    by_keys: dict[tuple, list[str]] = {}
    for var, value in shown.items():
        if isinstance(value, dict) and value:
            by_keys.setdefault(tuple(value), []).append(var)
    if not by_keys:
        return ""
    said = "; ".join(f"{', '.join(vs)} by {', '.join(repr(k) for k in ks[:8])}{', ...' if len(ks) > 8 else ''}"
                     for ks, vs in by_keys.items())
    var, keys = next((vs[0], ks) for ks, vs in by_keys.items())
    return f" (the state's dicts are keyed: {said}; e.g. {var}[{keys[0]!r}])"


def _hint(spec: Spec, name: str) -> str:
    """What a name that is no witness probably meant: an invariant given by mistake, or a misspelling."""
    if name in spec.invariants:
        return f"; {name} is an invariant (paxraft check finds a state that breaks it)"
    return hint(name, [*spec.witnesses, *spec.invariants, *spec.variables])


def _blind_to_renaming(spec: Spec, name: str, judged: Callable[[State], bool]) -> Callable[[State], bool]:
    """``judged``, refusing (one line) a state where it tells the state from one of its renamings apart: the
    search under symmetry keeps one state per orbit, so a witness naming one replica ('r3 voted v1 alone') was
    reported unreachable, 'all explored', when it is reached in 2 steps. The whole group is tried when small
    (as for a spec's canonical form), else its generators."""
    from modelcheck.engine.faults import ORBIT_LISTED, _group_size, generators  # faults builds on this layer

    if type(spec).permute is Spec.permute:  # a canonical form only: no renaming to compare with
        return judged
    perms = spec.permutations()[1:] if _group_size(spec) <= ORBIT_LISTED else generators(spec)

    def test(state: State) -> bool:
        verdict = judged(state)
        for perm in perms:
            if judged(spec.permute(state, perm)) != verdict:
                raise SpecError(f"--reach {name}: the witness tells a state from its renaming {perm} apart, so "
                                "--symmetry, which keeps one state of each renaming, could miss it; drop --symmetry")
        return verdict

    return test


def reach(
    spec: Spec,
    name: str,
    holds: Callable[[State], bool],
    *,
    symmetry: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """The shortest behaviour of ``spec`` to a state where ``holds``; verdict ``reached`` or ``unreachable``.

    With ``symmetry`` the predicate must not tell renamed states apart: one that does is refused where it
    does; a state outside the spec's constraint counts, as a violation there would.
    """
    judged = strict_predicate(spec, "witness", name, holds)  # True or False only, as invariants
    if symmetry and spec.symmetric_sets():
        judged = _blind_to_renaming(spec, name, judged)
    result = bfs(
        spec,
        symmetry=symmetry,
        max_states=max_states,
        progress=progress,
        goal=lambda s: name if judged(s) else None,
    )
    result.mode = "reach"
    result.verdict = REACHED if result.verdict == VIOLATION else UNREACHABLE
    if result.verdict == REACHED:
        result.complete = False  # it stopped at the first such state: not every state was explored
    result.violated = None
    result.extra["reach"] = name
    return result


def reach_text(result: Result) -> str:
    """The verdict line of a reach search."""
    name = result.extra["reach"]
    if result.verdict == REACHED:
        return f"Reached {name}: shortest behaviour, {count(result.trace_length, 'step')}"  # type: ignore[arg-type]
    if not result.complete:
        return f"{name} not reached in the first {result.distinct_states:,} states (stopped at the state limit)"
    return f"No state satisfies {name} within the bounds ({result.distinct_states:,} distinct states, all explored)"


def witness_model(cls: type[Spec], name: str, **base: Any) -> Spec:
    """The model where witness ``name`` must be reachable: ``base`` bounds overridden by its own."""
    return cls(**{**base, **cls.witness_bounds(name)})
