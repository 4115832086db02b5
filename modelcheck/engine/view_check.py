"""What a spec's view (:meth:`spec.core.Spec.view`, TLC's VIEW) may merge when ``--liveness`` judges properties.

With a view, the liveness graph's nodes are views: a state whose view was met before is that earlier state's
node, and its own steps are never looked at. A verdict on that graph is the spec's when states with one view
behave alike: they offer the same steps (labels), into successors with the same views, and the property's
predicates answer alike. TLC does not check that; this module checks it on every state the exploration met (the
initial states, and every successor of a stored state), and refuses, in one line, a view that merges two of them
which differ. States the exploration never met (successors of merged states) are not checked: a view that merges
alike only up to some depth is not caught.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from modelcheck.engine._fingerprint import fingerprinter
from modelcheck.engine.explain import compact
from modelcheck.engine.graph import StateGraph
from modelcheck.engine.result import shown_state
from spec.core import Spec, SpecError, State

Offer = frozenset[tuple[int, tuple, int]]


def check_view_merges(spec: Spec, g: StateGraph, preds: Mapping[str, Callable[[State], bool]]) -> None:
    """Raise SpecError where the graph ``g`` (explored with its states kept) merged two states, by ``spec``'s view,
    that offer other steps or answer one of ``preds`` otherwise."""
    assert g.states is not None, "the graph keeps its states for this check"
    fp = fingerprinter(spec, False)
    index = {f: i for i, f in enumerate(g.fps)}
    offers: dict[int, Offer] = {}

    def offer(s: State) -> Offer:
        """The steps ``s`` offers: each action and parameters with its successor's view (by fingerprint)."""
        return frozenset((i, params, fp(t)) for i, params, t in spec.successors(s))

    def alike(t: State) -> None:
        j = index.get(fp(t))
        if j is None:  # outside the constraint: not a node of the graph
            return
        w = g.states[j]  # type: ignore[index]  # (a graph built with its states)
        if t == w:
            return
        for name, pred in preds.items():
            if bool(pred(t)) != bool(g.marks[name][j]):
                _refuse(spec, t, w, f"the {name} answers {bool(pred(t))} in the first, {bool(g.marks[name][j])} in "
                                    "the second")
        theirs = offers.get(j)
        if theirs is None:
            theirs = offers[j] = offer(w)
        mine = offer(t)
        if mine != theirs:
            i, params, _ = min(mine ^ theirs, key=repr)  # one of the steps that differ, the same one every run
            which = "the first" if (i, params, _) in mine else "the second"
            shown = spec.show_label(spec.label(i, params))
            _refuse(spec, t, w, f"only {which} has a step {shown} into a state with that view")

    for s in spec.init_states():
        alike(s)
    for u in g.states:
        for _i, _params, t in spec.successors(u):
            alike(t)


def _refuse(spec: Spec, a: State, b: State, why: str) -> None:
    def show(s: State) -> str:
        return "; ".join(f"{k} = {compact(v)}" for k, v in shown_state(spec, s).items())

    raise SpecError(f"{spec.name}: --liveness on its view's graph would not judge the spec: two states with one "
                    f"view differ ({show(a)} against {show(b)}): {why}; make the view keep what tells them apart")
