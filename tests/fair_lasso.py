"""The tests' own check that a lasso's loop is fair: read from the spec's successors, not from the checker's code."""

from __future__ import annotations

from spec.core import Fair, Spec


def loop_is_fair(spec: Spec, lasso, conds: list[Fair]) -> bool:  # lasso: a modelcheck.engine.liveness Lasso
    """The lasso's loop meets every condition: WF taken if enabled throughout, SF taken if ever enabled."""
    names = {a.name: a.param_names for a in spec.actions}

    def enabled(state, f: Fair) -> bool:  # a state-changing step of the family
        return any(
            t != state and f.matches(spec.label(i, p), names[spec.actions[i].name])
            for i, p, t in spec.successors(state)
        )

    loop_states = [lasso.prefix[-1].state] + [st.state for st in lasso.loop]
    for f in conds:
        taken = any(f.matches(st.label, names[st.label.name]) for st in lasso.loop)
        on = [enabled(s, f) for s in loop_states]
        if f.kind == "WF" and all(on) and not taken:
            return False
        if f.kind == "SF" and any(on) and not taken:
            return False
    return True
