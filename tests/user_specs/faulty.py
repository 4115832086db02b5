"""A spec written from scratch (a bounded counter) and the usual mistakes made in such a file.

``Counter`` is correct. Each subclass below makes one mistake a new user makes; the tests
(tests/test_cli_errors.py) check that paxraft names the spec, the action or invariant, what
it expected and what it got, with exit status 2 (a broken contract) or 3 (the code raised).
"""

from __future__ import annotations

from typing import NamedTuple

from spec.core import WF, Spec, action, invariant


class S(NamedTuple):
    x: int


class Counter(Spec):
    """x counts up by 1 or 2 while it stays <= limit."""

    name = "counter"
    variables = ("x",)

    def __init__(self, limit: int = 3) -> None:
        self.limit = limit
        super().__init__()

    def init_states(self) -> list[S]:
        return [S(0)]

    @action(lambda self, s: [(d,) for d in (1, 2)])
    def Inc(self, s: S, d: int) -> S | None:
        return S(s.x + d) if s.x + d <= self.limit else None

    @invariant
    def Small(self, s: S) -> bool:
        return s.x <= self.limit

    def bounds(self) -> dict[str, int]:
        return {"limit": self.limit}


class OneInitState(Counter):
    """init_states returns one state instead of an iterable of states."""

    def init_states(self):  # type: ignore[override]
        return S(0)


class IntParams(Counter):
    """The enumerator yields ints, not tuples."""

    @action(lambda self, s: [1, 2])
    def Inc(self, s: S, d: int) -> S | None:
        return super().Inc(s, d)


class OneArgParams(Counter):
    """The params lambda takes the state only (no self)."""

    @action(lambda s: [(1,)])
    def Inc(self, s: S, d: int) -> S | None:
        return super().Inc(s, d)


class L(NamedTuple):
    x: int
    seen: list


class ListInState(Counter):
    """A list inside the state."""

    def init_states(self) -> list[L]:  # type: ignore[override]
        return [L(0, [])]

    def Inc(self, s, d):  # type: ignore[override]
        return L(s.x + d, [*s.seen, d]) if s.x + d <= self.limit else None


class ReturnsBool(Counter):
    """An action returning True instead of the next state."""

    def Inc(self, s: S, d: int):  # type: ignore[override]
        return True if s.x + d <= self.limit else None


class Box:
    """A state class without __eq__/__hash__: compared by identity."""

    def __init__(self, x: int) -> None:
        self.x = x


class IdentityState(Counter):
    """States that compare by identity."""

    def init_states(self):  # type: ignore[override]
        return [Box(0)]

    def Inc(self, s, d):  # type: ignore[override]
        return Box(s.x + d) if s.x + d <= self.limit else None


class MutableBox:
    """A state class compared and hashed by value, whose value can be changed in place."""

    def __init__(self, x: int) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MutableBox) and self.x == other.x

    def __hash__(self) -> int:
        return hash(self.x)


class MutatingAction(Counter):
    """An action that changes the state it is given and returns it: the search found 1 state and said
    'No error found' (every state it held was the one object)."""

    variables = ()

    def show_state(self, s):  # type: ignore[override]
        return {"x": s.x}

    def init_states(self):  # type: ignore[override]
        return [MutableBox(0)]

    def Inc(self, s, d):  # type: ignore[override]
        if s.x + d > self.limit:
            return None
        s.x += d
        return s


class MutatingInvariant(MutatingAction):
    """An invariant that changes the state it reads."""

    def Inc(self, s, d):  # type: ignore[override]
        return MutableBox(s.x + d) if s.x + d <= self.limit else None

    @invariant
    def Small(self, s) -> bool:  # type: ignore[override]
        if s.x == 2:
            s.x = 0
        return True


class HashedBox:
    """A state class whose __hash__ leaves out a field its __eq__ compares (Python allows such collisions)."""

    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HashedBox) and (self.x, self.y) == (other.x, other.y)

    def __hash__(self) -> int:
        return hash(self.x)


class HashLeavesOutAField(Counter):
    """x and y count up, y = 2 breaks Small: the search merged states differing only in y ('4 distinct states ...
    No error found' of 16)."""

    variables = ()

    def show_state(self, s):  # type: ignore[override]
        return {"x": s.x, "y": s.y}

    def init_states(self):  # type: ignore[override]
        return [HashedBox(0, 0)]

    @action(lambda self, s: [(0,), (1,)])
    def Inc(self, s, i):  # type: ignore[override]
        if (s.x, s.y)[i] >= self.limit:
            return None
        return HashedBox(s.x + 1, s.y) if i == 0 else HashedBox(s.x, s.y + 1)

    @invariant
    def Small(self, s) -> bool:  # type: ignore[override]
        return s.y < 2


class StepReadsItsOwnCounter(Counter):
    """A step that reads an attribute it changes (a random number, the clock or id() alike): not a function of the
    state, so the counts depend on the order of calls (7 states of a 64-state model, no error)."""

    def __init__(self, limit: int = 3) -> None:
        self.calls = 0
        super().__init__(limit)

    def Inc(self, s: S, d: int) -> S | None:  # type: ignore[override]
        self.calls += 1
        return S(s.x + d + self.calls % 2) if s.x + d <= self.limit else None


class NoReturnInvariant(Counter):
    """An invariant that forgets to return."""

    @invariant
    def Small(self, s: S) -> bool:  # type: ignore[override]
        s.x <= self.limit  # noqa: B015 - the mistake under test


class RaisingAction(Counter):
    """An action that divides by zero once x + d reaches ``bad`` (beyond the preflight's first states
    when ``bad`` is large)."""

    bad = 2

    def Inc(self, s: S, d: int) -> S | None:  # type: ignore[override]
        if s.x + d > self.limit:
            return None
        return S(s.x + d + 0 // (s.x + d - self.bad))


class LateRaisingAction(RaisingAction):
    """The same fault far from the initial state: found by the engine, located from its traceback."""

    bad = 150

    def __init__(self, limit: int = 200) -> None:
        super().__init__(limit)


class LateExitingInvariant(Counter):
    """An invariant calling sys.exit(0) at x = 150, beyond the preflight's first states: the check ended with exit
    status 0 and nothing said (with --workers 2, 'internal error: EOFError', exit 4)."""

    def __init__(self, limit: int = 200) -> None:
        super().__init__(limit)

    @invariant
    def Small(self, s: S) -> bool:  # type: ignore[override]
        if s.x == 150:
            raise SystemExit(0)
        return s.x <= self.limit


class RaisingInvariant(Counter):
    """An invariant that raises."""

    @invariant
    def Small(self, s: S) -> bool:  # type: ignore[override]
        return 1 / (s.x - 2) != 5


class RaisingInit(Counter):
    """A constructor that raises."""

    def __init__(self, limit: int = 3) -> None:
        raise ValueError(f"limit {limit} is not prime")


class LateListInState(Counter):
    """A list slips into the state only far from the initial state: the engine chokes on hashing it."""

    def __init__(self, limit: int = 200) -> None:
        super().__init__(limit)

    def Inc(self, s, d):  # type: ignore[override]
        if s.x + d > self.limit:
            return None
        return S([s.x + d]) if s.x + d == 150 else S(s.x + d)


class EveryStart(Counter):
    """Init is x \\in Nat: init_states yields without end (a generator, so the checker can stop it)."""

    def init_states(self):  # type: ignore[override]
        x = 0
        while True:  # unbounded on purpose: the checker takes at most MAX_ENUMERATED of them
            yield S(x)
            x += 1


class FairNoAction(Counter):
    """WF() names no action: it covers no step, so it would constrain nothing (a lasso then passed as fair)."""

    def fairness(self) -> list:
        return [WF()]


class FairAsText(Counter):
    """fairness() gives the condition as text: the liveness check failed with an internal error (exit 4)."""

    def fairness(self) -> list:
        return ["WF(Inc)"]
