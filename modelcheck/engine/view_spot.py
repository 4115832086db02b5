"""Spot checks that a spec's view (:meth:`spec.core.Spec.view`, TLC's VIEW) stays a function of the state.

A view that reads something besides the state (a counter that flips after 2,000 calls: newuser14) stores states
twice: NanoBlockchain counted 3,648 states for TLC's 3,003, though the preflight, which compares the views of equal
copies of the first states, passed. Every search that fingerprints by a view therefore fingerprints a sample of its
states again later, by their view at that later time, and refuses in one line (exit 2) when the fingerprint moved:

* the one-process breadth-first search: before each level, every :data:`VIEW_SPOT_EVERY`-th state of the level
  must find itself in the store at its own index (:func:`spot_check_views`);
* depth-first search and each worker of ``--workers``/``--ray``: every :data:`VIEW_SPOT_EVERY`-th state they
  store is fingerprinted again when the next sample is taken, :data:`VIEW_SPOT_EVERY` states later
  (:class:`ViewSpot`); a simulation, which stores few new states once its walks run through known ones, samples
  every :data:`VIEW_SPOT_EVERY`-th state it generates instead.

Deterministic (a count, not a time), a 64th of a fingerprint per state stored, and nothing for a spec without a
view (the searches then hold no spotter).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from spec.core import Spec, State

#: One state in this many has its view computed again.
VIEW_SPOT_EVERY = 64


def view_changed(spec: Spec, s: State, number: int, counted: str = "state") -> Exception:
    """The one-line refusal: ``counted`` ``number`` (state 513: the 513th the search stored; generated state 1,280:
    the 1,280th a simulation generated) has another view now than when it was fingerprinted first."""
    from modelcheck.engine.faults import SpecContractError, show_state, spec_title  # it builds on the searches

    return SpecContractError(
        f"{spec_title(spec)}: view is not a function of the state: {counted} {number:,} has another view now than "
        "when it was fingerprinted first (does the view read something besides the state: a counter, a global, the "
        f"time?); that state: {show_state(spec, s)}"
    )


def spot_check_views(spec: Spec, fingerprint: Callable[[State], int], index: Mapping[int, int], frontier: list[State],
                     first: int) -> None:
    """Before a level of the breadth-first search: every :data:`VIEW_SPOT_EVERY`-th state of ``frontier`` (stored at
    index ``first`` + its position) must find itself in the store ``index`` by its view now."""
    for k in range(0, len(frontier), VIEW_SPOT_EVERY):
        s = frontier[k]
        if index.get(fingerprint(s)) != first + k:
            raise view_changed(spec, s, first + k + 1)


class ViewSpot:
    """A search's sample of stored states: each :data:`VIEW_SPOT_EVERY`-th one is kept with its fingerprint, and
    fingerprinted again when the next is taken; a different fingerprint is refused (:func:`view_changed`)."""

    __slots__ = ("spec", "fingerprint", "counted", "count", "kept")

    def __init__(self, spec: Spec, fingerprint: Callable[[State], int], counted: str = "state") -> None:
        self.spec = spec
        self.fingerprint = fingerprint
        self.counted = counted  # what the numbers count, for the message
        self.count = 0  # states noted so far
        self.kept: tuple[State, int, int] | None = None  # (state, its fingerprint when stored, its number)

    def note(self, s: State, fp: int, number: int) -> None:
        """State ``s``, stored as state ``number`` with fingerprint ``fp``."""
        self.count += 1
        if not self.count % VIEW_SPOT_EVERY:
            self._take(s, fp, number)

    def note_many(self, states: Sequence[State], fps: Sequence[int], numbers: Sequence[int]) -> None:
        """:meth:`note` of each ``states[i]`` in turn, touching only the sampled ones."""
        first = -(self.count + 1) % VIEW_SPOT_EVERY  # the position of the next sampled state
        self.count += len(states)
        for i in range(first, len(states), VIEW_SPOT_EVERY):
            self._take(states[i], int(fps[i]), int(numbers[i]))

    def _take(self, s: State, fp: int, number: int) -> None:
        if self.kept is not None:
            old, old_fp, old_number = self.kept
            if self.fingerprint(old) != old_fp:
                raise view_changed(self.spec, old, old_number, self.counted)
        self.kept = (s, fp, number)


def view_spot(spec: Spec, fingerprint: Callable[[State], int], counted: str = "state") -> ViewSpot | None:
    """A spotter for ``spec``'s searches, or ``None`` when it has no view (nothing to spot)."""
    return ViewSpot(spec, fingerprint, counted) if spec.has_view else None
