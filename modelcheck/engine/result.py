"""What a check returns: verdict, statistics, coverage and the counterexample trace."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from modelcheck.engine.failing import failing_part, last_step
from spec.behaviour import Step  # re-exported: the engine's results are made of the spec's steps
from spec.core import Spec, State, order_key, shown_value

OK, VIOLATION, DEADLOCK = "ok", "violation", "deadlock"


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` and its noun, singular for one: "1 step", "1 distinct state", "3,921 distinct states"
    (``many`` when the plural is not ``one`` + "s": "states generated")."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def shown_state(spec: Spec, state: State) -> dict[str, Any]:
    """``spec.show_state(state)`` as every report, picture, page and JSON object takes it: a set (a frozenset
    field under the default show_state, a MsgSet) becomes a list sorted by value, which reads as a set.
    (It printed as ``frozenset()`` and made ``--json`` fail as paxraft's own error, exit 4.)"""
    return {var: shown_value(value) for var, value in spec.show_state(state).items()}


def json_safe(value: Any) -> Any:
    """``value`` as strict JSON holds it: a fractions.Fraction as the record ``{num, den}`` (as ITF writes it), a
    float that is not finite as its text, any other value JSON has no form for as its repr. A state holding a
    Fraction made ``check --json`` print half an object, then 'internal error: TypeError', exit 4."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Fraction):
        return {"num": value.numerator, "den": value.denominator}
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): json_safe(x) for k, x in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(x) for x in value]
    if isinstance(value, (set, frozenset)):
        return [json_safe(x) for x in sorted(value, key=order_key)]
    return repr(value)


@dataclass
class Coverage:
    """How often an action fired, and how many of its successors were new distinct states."""

    fired: int = 0
    new: int = 0


@dataclass
class Result:
    """The outcome of one model-checking run."""

    spec: Spec
    verdict: str = OK
    violated: str | None = None
    trace: list[Step] | None = None
    distinct_states: int = 0
    states_generated: int = 0
    depth: int = 0
    seconds: float = 0.0
    coverage: dict[str, Coverage] = field(default_factory=dict)
    symmetry: bool = False
    peak_rss_bytes: int = 0
    store_bytes: int = 0
    mode: str = "bfs"
    complete: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def trace_length(self) -> int | None:
        """Transitions in the counterexample (its states minus one), or ``None`` without one."""
        return None if self.trace is None else len(self.trace) - 1

    @property
    def explanation(self) -> str | None:
        """Why the violated invariant fails in the trace's last state (the spec's words, or its name)."""
        if self.verdict != VIOLATION or not self.violated or not self.trace:
            return None
        return self.spec.explain(self.violated, self.trace[-1].state)

    @property
    def states_per_second(self) -> float:
        """Distinct states found per second of search."""
        return self.distinct_states / self.seconds if self.seconds > 0 else 0.0

    @property
    def collision_probability(self) -> float:
        """TLC's optimistic estimate of a fingerprint collision: n * (m - n) / 2^64."""
        n, m = self.distinct_states, self.states_generated
        return n * max(m - n, 0) / 2.0**64

    @property
    def bytes_per_state(self) -> float:
        """Bytes the seen-set and parent links take per distinct state."""
        return self.store_bytes / self.distinct_states if self.distinct_states else 0.0

    @property
    def failing_part(self) -> str | None:
        """The part of the violated invariant that fails, read from its source when the spec does not explain it
        (:func:`modelcheck.engine.failing.failing_part`)."""
        if self.verdict != VIOLATION or not self.violated or not self.trace:
            return None
        return failing_part(self.spec, self.violated, *last_step(self.trace))

    def _trace_json(self) -> list[dict[str, Any]]:
        """The trace's steps: the action, its parameters, its label as the text trace prints it, the variables it
        changed (every variable in the first) and the whole state."""
        spec, out, prev = self.spec, [], None
        for st in self.trace or ():
            shown = shown_state(spec, st.state)
            out.append({
                "action": "Init" if st.label is None else st.label.name,
                "params": {} if st.label is None else spec.params_json(st.label),
                "label": "Initial state" if st.label is None else spec.show_label(st.label),
                "changed": [v for v in shown if prev is None or prev.get(v) != shown[v]],
                "state": shown,
            })
            prev = shown
        return out

    def to_json(self) -> dict[str, Any]:
        """The stable machine-readable form (field names are part of the interface), strict JSON (:func:`json_safe`)."""
        spec = self.spec
        return json_safe({
            "spec": spec.name,
            "params": {
                **spec.bounds(),
                **({"without": list(spec.excluded)} if spec.excluded else {}),
                **({"restrict": list(spec.restricted)} if spec.restricted else {}),
            },
            "variant": spec.variant,
            "distinct_states": self.distinct_states,
            "states_generated": self.states_generated,
            "depth": self.depth,
            "seconds": round(self.seconds, 3),
            "verdict": self.verdict,
            "violated": self.violated,
            "explanation": self.explanation,
            "failing_part": self.failing_part,
            "trace_length": self.trace_length,
            "trace": None if self.trace is None else self._trace_json(),
            "symmetry": self.symmetry,
            "mode": self.mode,
            "complete": self.complete,
            "coverage": {k: {"fired": c.fired, "new": c.new} for k, c in self.coverage.items()},
            "collision_probability": self.collision_probability,
            "bytes_per_state": round(self.bytes_per_state, 1),
            "peak_rss_bytes": self.peak_rss_bytes,
            **self.extra,
        })
