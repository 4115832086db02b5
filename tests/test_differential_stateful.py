"""The Hypothesis adapter (modelcheck/engine/stateful.py) against plain references, on random specs.

The specs are tests/test_differential.py's random user specs. Three properties (docs/writing-a-spec.md section 11):

- **Every step a run takes is a step of the spec.** A run starts in one of ``initial_states``; each step after it is
  one of :func:`tests.test_differential_explorer.plain_successors` of the state before (the ``@action``
  enumerator, the canonical order, ``--restrict`` guards, ``--without``), taken from a state within the
  constraint (the adapter, like the checker, steps from no other). Checked after every step of every run by an
  extra Hypothesis invariant on the adapter's own machine.
- **A planted violation is found.** The spec gets one more invariant, false in every state the plain breadth-first
  search first reaches at depth ``d`` (at most 3, within the run's length): a seeded, derandomized run must raise
  :class:`InvariantViolation` (for it or one of the spec's own), whose trace is a behaviour of the spec as above,
  no shorter than the search's shortest way to a violating state, whose last state alone breaks an invariant.
- **The speed hooks (docs/fast-specs.md).** The adapter compares ``OUTSIDE``, ``Counted``, ``bundled`` and
  ``keeps_constraint`` with the plain steps in each state a run steps from (``hook_checker``). Specs with truthful
  hooks (the generator's ``hooks=True``), and the same with one hook made to lie (a count off by one, OUTSIDE for
  a successor within the constraint, Tick named in keeps_constraint, an invariant that reads z), are judged by
  :func:`lie`: each promise checked by the rules written in docs/fast-specs.md, plainly, in every state the search
  reaches within the constraint. A flagged hook (SpecContractError) must be a lie the reference finds within the
  run's length; a lie the reference finds in the first two steps must be flagged; a spec with none is never
  flagged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant as machine_invariant
from hypothesis.stateful import run_state_machine_as_test

from modelcheck.engine.faults import SpecContractError
from modelcheck.engine.stateful import InvariantViolation, _no_explain, spec_machine
from spec.behaviour import initial_states
from spec.core import OUTSIDE, Counted, Spec, State, invariant
from tests.test_differential import DEFAULT, Gen, canonical, load, plain_enumerator, specs
from tests.test_differential_explorer import plain_successors

STEPS = 8  # stateful_step_count: the initial state takes one, so a run has at most 7 steps
RUNS = settings(max_examples=40, stateful_step_count=STEPS, derandomize=True, database=None, deadline=None,
                report_multiple_bugs=False)


OUTER = settings(DEFAULT, suppress_health_check=[*DEFAULT.suppress_health_check, HealthCheck.nested_given])
"""The random specs' settings; a state machine run inside a @given test is a nested @given, on purpose."""


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stateful")


def _within(spec: Spec, s: State) -> bool:
    return type(spec).constraint is Spec.constraint or bool(spec.constraint(s))


def levels(spec: Spec, depth: int, stop: bool = False) -> list[set[State]]:
    """The states a plain breadth-first search first reaches at each depth (0: the initial states), expanding only
    those within the constraint (with ``stop``, and breaking no invariant: a run ends at a violation), up to
    ``depth``."""
    seen = set(initial_states(spec))
    out = [set(seen)]
    while len(out) <= depth and out[-1]:
        nxt = {t for s in out[-1] if _within(spec, s) and not (stop and spec.violated(s))
               for _, t in plain_successors(spec, s)} - seen
        seen |= nxt
        out.append(nxt)
    return out


def assert_behaviour(spec: Spec, trace: list, inits: list[State], start: int = 0) -> None:
    """``trace`` (the adapter's Steps) starts in an initial state and each step (from ``start`` on) is a plain step
    of the spec from a state within the constraint."""
    assert trace[0].label is None and trace[0].state in inits
    for before, after in zip(trace[start:], trace[start + 1:]):
        assert _within(spec, before.state), f"a step from {before.state}, outside the constraint"
        assert (after.label, after.state) in plain_successors(spec, before.state), \
            f"{after.label} from {before.state} to {after.state} is not a step of the spec"


def checked_machine(spec: Spec) -> type:
    """The adapter's machine for ``spec`` with one more Hypothesis invariant: the last step is the spec's."""
    inits = initial_states(spec)

    class Checked(spec_machine(spec)):  # type: ignore[misc]
        @machine_invariant()
        def every_step_is_the_specs(self) -> None:
            if self.trace:
                assert_behaviour(spec, self.trace, inits, max(len(self.trace) - 2, 0))

    return Checked


def run(spec: Spec, how: settings = RUNS) -> None:
    run_state_machine_as_test(checked_machine(spec), settings=_no_explain(how))


def _planted(cls: type[Spec], bad: set[State]) -> type[Spec]:
    class Planted(cls):  # type: ignore[valid-type, misc]
        @invariant
        def NotPlanted(self, s: State) -> bool:  # noqa: N802 - an invariant's name, as the specs write them
            return s not in bad

    return Planted


@settings(OUTER, max_examples=20)
@given(g=specs())
def test_a_planted_violation_is_found_by_real_steps(gen_dir: Path, g: Gen) -> None:
    cls = load(gen_dir, g.source)
    lv = levels(g.model(cls), 3)
    d = max(k for k, states in enumerate(lv) if states)
    spec = g.model(_planted(cls, lv[d]))
    inits = initial_states(spec)
    with pytest.raises((InvariantViolation, SpecContractError)) as found:
        run(spec)
    if isinstance(found.value, SpecContractError):  # the planted invariant reads z: an OUTSIDE or Counted Tick's
        assert first_lie(spec, STEPS) is not None  # successor may break it, which the adapter rightly flags
        return
    trace = found.value.trace
    assert_behaviour(spec, trace, inits)
    assert 1 <= len(trace) <= STEPS
    for st_ in trace[:-1]:
        assert spec.violated(st_.state) is None
    assert not getattr(spec, found.value.invariant)(trace[-1].state)
    shortest = next(k for k, states in enumerate(levels(spec, d)) if any(spec.violated(s) for s in states))
    assert len(trace) - 1 >= shortest


@settings(OUTER, max_examples=20)
@given(g=specs())
def test_every_step_of_every_run_is_a_step_of_the_spec(gen_dir: Path, g: Gen) -> None:
    """The spec's own invariants: a run that breaks one stops there (its trace checked as well)."""
    spec = g.model(load(gen_dir, g.source))
    try:
        run(spec, settings(RUNS, max_examples=15))
    except InvariantViolation as e:
        assert_behaviour(spec, e.trace, initial_states(spec))


# -- the speed hooks: a plain reading of their promises -----------------------------------------------------------
def _guarded(spec: Spec, name: str) -> Callable[..., State | None]:
    methods = type(spec)._restriction_methods()
    guards = [getattr(spec, methods[r][0]) for r in spec.restricted if methods[r][1] == name]
    step = getattr(spec, name)
    return lambda s, *p: step(s, *p) if all(g(s, *p) for g in guards) else None


def lie(spec: Spec, s: State) -> str | None:
    """The first hook of ``spec`` whose promise about state ``s`` (within the constraint) is broken, by
    docs/fast-specs.md's rules: with ``count_outside`` true an enumerator gives the enabled parameters the plain
    one gives, in its order, first, then may count (``Counted``, marked ``@counts_outside``) the rest; a counted
    step, and a step answering ``OUTSIDE``, is enabled, leaves the constraint and breaks no invariant; any other
    answer is the plain successor; an action ``keeps_constraint`` names never leaves it."""
    kept = set(spec.keeps_constraint()) if type(spec).keeps_constraint is not Spec.keeps_constraint else set()
    methods = type(spec)._restriction_methods()
    # a restricted action keeps its unrestricted spec's enumerator and step, whose count_outside no search sets
    # (spec.core.Spec._rebound): its hooks are off, and it makes no promise
    plain_only = {methods[r][1] for r in spec.restricted}
    for a in spec.actions:
        if a.name in spec.excluded:
            continue
        if a.name in plain_only:
            if a.name in kept and any(t is not None and not _within(spec, t) for _, t in [
                    (p, _guarded(spec, a.name)(s, *p)) for p in plain_enumerator(spec, a.name)(s)]):
                return f"{a.name}: keeps_constraint"
            continue
        enum, step = plain_enumerator(spec, a.name), _guarded(spec, a.name)
        spec.count_outside = False
        plain = list(enum(s))
        if spec.canonical_order:
            plain = canonical(plain)
        built = {p: step(s, *p) for p in plain}
        enabled = [p for p in plain if built[p] is not None]
        spec.count_outside = True
        try:
            fast = enum(s)
            called = list(fast)
            if spec.canonical_order:
                called = canonical(called)
            answers = [step(s, *p) for p in called]
        finally:
            spec.count_outside = False
        counted = fast.outside if isinstance(fast, Counted) else 0
        if counted and getattr(enum, "counts_outside", False) is not True:
            return f"{a.name}: counted"
        taken = [p for p in called if (built[p] if p in built else step(s, *p)) is not None]
        if taken != enabled[:len(taken)] or len(enabled) - len(taken) != counted:
            return f"{a.name}: enumerator"
        outside = enabled[len(taken):] + [p for p, t in zip(called, answers) if t is OUTSIDE]
        for p in outside:
            t = built.get(p)
            if t is None or _within(spec, t) or spec.violated(t):
                return f"{a.name}{p}: counted or OUTSIDE"
        for p, t in zip(called, answers):
            if t is not OUTSIDE and t != built.get(p, step(s, *p)):
                return f"{a.name}{p}: another successor"
        if a.name in kept and any(not _within(spec, built[p]) for p in enabled):
            return f"{a.name}: keeps_constraint"
    return None


def first_lie(spec: Spec, depth: int) -> int | None:
    """The least depth at which a state the runs step from (within the constraint, breaking no invariant) has a
    lying hook."""
    for k, states in enumerate(levels(spec, depth, stop=True)):
        if any(_within(spec, s) and not spec.violated(s) and lie(spec, s) for s in states):
            return k
    return None


LIES = {
    "count+1": ("Counted((), len(ps))", "Counted((), len(ps) + 1)"),
    "count-1": ("Counted((), len(ps))", "Counted((), len(ps) - 1)"),
    "outside early": ("if self.count_outside and not self.constraint(t):", "if self.count_outside and t.z >= 2:"),
}


def liar(g: Gen, kind: str) -> str | None:
    """``g``'s source with one hook made to lie (``None`` when it has no such hook)."""
    src = g.source
    if kind in LIES:
        old, new = LIES[kind]
        return src.replace(old, new) if old in src else None
    bound = re.search(r"s\.z <= (\d)", src)
    if bound is None:
        return None
    if kind == "keeps Tick":
        if "def keeps_constraint(self):" in src:
            return re.sub(r"(def keeps_constraint\(self\):\n\s+return \()", r"\1'Tick', ", src)
        return src + "\n    def keeps_constraint(self):\n        return ('Tick',)\n"
    if "return OUTSIDE" not in src and "Counted(" not in src:
        return None  # an invariant reading z: only a lie when a Tick is counted without being built
    return src + f"\n    @invariant\n    def ZLow(self, s):\n        return s.z <= {bound.group(1)}\n"


def hooked_model(g: Gen, cls: type[Spec]) -> Spec:
    """``g``'s model less the restriction the generator puts around Tick's hooks (``early``): a restricted action
    keeps its unrestricted spec's enumerator and step, whose ``count_outside`` no search sets
    (``spec.core.Spec._rebound``), so its OUTSIDE and Counted answers, true or false, are never given."""
    spec = cls()
    restrict = tuple(r for r in g.restrict if r != "early")
    spec = spec.restrict(restrict) if restrict else spec
    return spec.without(g.without) if g.without else spec


KINDS = [*LIES, "keeps Tick", "invariant reads z"]


@st.composite
def hooked(draw: st.DrawFn) -> tuple[Gen, str | None, str]:
    """A spec with the hooks, and (two times in three) one of them made to lie: (spec, the lie, its source)."""
    g = draw(specs(hooks=True))
    kinds = [k for k in KINDS if liar(g, k)]
    kind = draw(st.sampled_from(kinds)) if kinds and draw(st.integers(0, 2)) else None
    return g, kind, liar(g, kind) if kind else g.source


@settings(OUTER, max_examples=20)  # (400 in make test-slow: the default run's 10 minutes)
@given(case=hooked())
def test_a_lying_hook_is_flagged_and_a_truthful_one_never(gen_dir: Path, case: tuple[Gen, str | None, str]) -> None:
    g, kind, source = case
    spec = hooked_model(g, load(gen_dir, source))
    found = first_lie(spec, STEPS)
    try:
        run(spec, settings(RUNS, max_examples=60))
        outcome = "passed"
    except SpecContractError as e:
        outcome = "flagged"
        assert found is not None and found < STEPS - 1, f"a truthful hook flagged: {e}"
    except InvariantViolation as e:  # the first failure ends the runs: a violation found first hides the lie
        assert_behaviour(spec, e.trace, initial_states(spec))
        outcome = "violation"
    event(f"{kind or 'truthful'}: lie at depth {found}, {outcome}")
    if kind is None:
        assert found is None, "the generator's hooks are truthful"
    if outcome == "passed" and found is not None and found <= 2:
        raise AssertionError(f"a lie {found} steps in ({lie_at(spec, found)}) was not flagged")


def lie_at(spec: Spec, depth: int) -> str | None:
    return next((lie(spec, s) for s in levels(spec, depth, stop=True)[depth]
                 if _within(spec, s) and not spec.violated(s) and lie(spec, s)), None)


@pytest.mark.slow
@settings(OUTER, max_examples=400, derandomize=False)
@given(g=specs(), case=hooked())
def test_many_more_runs_against_the_references(gen_dir: Path, g: Gen, case: tuple[Gen, str | None, str]) -> None:
    test_a_planted_violation_is_found_by_real_steps.hypothesis.inner_test(gen_dir, g)
    test_a_lying_hook_is_flagged_and_a_truthful_one_never.hypothesis.inner_test(gen_dir, case)

