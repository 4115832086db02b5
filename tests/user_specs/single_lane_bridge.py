"""A single-lane bridge, as SingleLaneBridge.tla in tlaplus/Examples (specifications/SingleLaneBridge).

    paxraft check tests/user_specs/single_lane_bridge.py:SingleLaneBridge    # MC.cfg's model

Cars drive round a ring of positions 1..P; right cars (r1, r2, ...) start at P and count down, left cars
(l1, l2, ...) start at 1 and count up. The positions of ``Bridge`` are one lane wide: a car about to reach it
joins the FIFO queue ``WaitingBeforeBridge`` and enters when it heads the queue and the bridge is empty or
holds cars of its own direction only, with the next position free. ``Invariants``: no two cars on one bridge
position, at most |Bridge| cars on it, never cars of both directions. Under the spec's fairness every car
that is on the bridge leaves it and every car off it enters it (``CarsInBridgeExitBridge``,
``CarsEnterBridge``, a leads-to per car).
TLC 2.20 on MC.cfg (two cars each way, Positions 1..8, Bridge {4, 5}): 3,605 distinct states, 20,181
generated, depth 29, both properties hold. :class:`OppositeTraffic` drops ``HaveSameDirection`` from
EnterBridge: TLC and paxraft find a right car and a left car on the bridge after 6 steps.
:class:`Occupancy` is the abstract bridge (which cars are on it) that ``refine`` maps the spec to.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

import z3

from proofs.user import Encoding, template, transition
from spec.core import WF, Label, LeadsTo, MscEvent, Spec, SpecError, action, explains, invariant, refines


class BridgeState(NamedTuple):
    """``Location``: each car's position; ``WaitingBeforeBridge``: the cars queued at the bridge, head first."""

    Location: tuple[int, ...]
    WaitingBeforeBridge: tuple[int, ...]


def put(t: tuple[int, ...], i: int, v: int) -> tuple[int, ...]:
    """``[t EXCEPT ![i] = v]``."""
    return t[:i] + (v,) + t[i + 1 :]


class Cars:
    """The constants both specs share: cars 0..R-1 drive right (r1..rR), cars R..R+L-1 left (l1..lL)."""

    def __init__(self, cars_right: int, cars_left: int) -> None:
        if cars_right < 0 or cars_left < 0 or cars_right + cars_left == 0:
            raise SpecError(f"SingleLaneBridge assumes Cardinality(CarsRight \\union CarsLeft) # 0; got "
                            f"--cars-right {cars_right} and --cars-left {cars_left}")
        self.R = cars_right
        self.Cars = tuple(range(cars_right + cars_left))

    def is_right(self, car: int) -> bool:
        return car < self.R

    def name(self, car: int) -> str:
        return f"r{car + 1}" if car < self.R else f"l{car - self.R + 1}"

    def rename(self, perm: Any) -> list[int]:
        """Where a renaming within CarsRight and within CarsLeft sends each car."""
        right, left = perm["CarsRight"], perm["CarsLeft"]
        return [right[c] if c < self.R else self.R + left[c - self.R] for c in self.Cars]

    def symmetric_sets(self) -> dict[str, int]:
        return {"CarsRight": self.R, "CarsLeft": len(self.Cars) - self.R}


class SingleLaneBridge(Spec):
    """SingleLaneBridge.tla: cars of one direction at a time on a one-lane bridge; Spec == Init /\\ [][Next]_vars
    /\\ Fairness."""

    variables = ("Location", "WaitingBeforeBridge")

    def __init__(self, cars_right: Annotated[int, "cars driving right (CarsRight = r1..rN)"] = 2,
                 cars_left: Annotated[int, "cars driving left (CarsLeft = l1..lN)"] = 2,
                 positions: Annotated[int, "positions of the road (Positions = 1..N)"] = 8,
                 bridge: Annotated[str, "the bridge's positions (Bridge), comma-separated"] = "4,5") -> None:
        self.cars = Cars(cars_right, cars_left)
        self.Cars = self.cars.Cars
        try:
            self.Bridge = frozenset(int(p) for p in bridge.split(","))
        except ValueError:
            raise SpecError(f"--bridge takes comma-separated positions such as 4,5; got {bridge!r}") from None
        self.StartPos, self.EndPos = 1, positions
        self.StartBridge, self.EndBridge = min(self.Bridge), max(self.Bridge)
        if not (self.StartPos < self.StartBridge and self.EndPos > self.EndBridge
                and len(self.Bridge) < positions):
            raise SpecError(f"SingleLaneBridge assumes StartPos < StartBridge /\\ EndPos > EndBridge /\\ "
                            f"Cardinality(Bridge) < Cardinality(Positions); got --positions {positions} and "
                            f"--bridge {bridge}")
        super().__init__()

    # -- the operators of the TLA+ text ------------------------------------------------------------
    def cars_in_bridge(self, s: BridgeState) -> list[int]:
        """CarsInBridge."""
        return [c for c in self.Cars if s.Location[c] in self.Bridge]

    def next_location(self, s: BridgeState, car: int) -> int:
        """NextLocation(car): RMove for a right car, LMove for a left one, round the ring."""
        pos = s.Location[car]
        if self.cars.is_right(car):
            return pos - 1 if pos > self.StartPos else self.EndPos
        return pos + 1 if pos < self.EndPos else self.StartPos

    def change_location(self, s: BridgeState, car: int) -> BridgeState:
        """ChangeLocation(car): the car moves on, and joins the queue when it reaches the bridge's approach."""
        to = self.next_location(s, car)
        approach = self.EndBridge + 1 if self.cars.is_right(car) else self.StartBridge - 1
        queue = s.WaitingBeforeBridge + (car,) if to == approach else s.WaitingBeforeBridge
        return BridgeState(put(s.Location, car, to), queue)

    def have_same_direction(self, s: BridgeState, car: int) -> bool:
        """HaveSameDirection(car): every car on the bridge drives the way ``car`` does."""
        return all(self.cars.is_right(c) == self.cars.is_right(car) for c in self.cars_in_bridge(s))

    def free(self, s: BridgeState, pos: int) -> bool:
        """\\A c \\in Cars : Location[c] # pos."""
        return pos not in s.Location

    def init_states(self) -> list[BridgeState]:
        """Right cars at EndPos, left cars at StartPos; the queue is SeqFromSet(CarsBeforeBridge)."""
        location = tuple(self.EndPos if self.cars.is_right(c) else self.StartPos for c in self.Cars)
        # CarsBeforeBridge, as written: every right car when EndPos - EndBridge = 1, every left car when
        # StartBridge - StartPos = 1. SeqFromSet orders it by CHOOSE; here by car, the order TLC's CHOOSE takes.
        before = [c for c in self.Cars if (self.EndPos - self.EndBridge == 1 if self.cars.is_right(c)
                                           else self.StartBridge - self.StartPos == 1)]
        return [BridgeState(location, tuple(before))]

    # -- Next == \E car \in Cars : EnterBridge \/ MoveOutsideBridge(car) \/ MoveInsideBridge(car) ----------
    def each_car(self, s: BridgeState) -> list[tuple[int]]:
        """\\E car \\in Cars."""
        return [(c,) for c in self.Cars]

    def each_entry(self, s: BridgeState) -> list[tuple[int, int, int]]:
        """The queue's head, EnterBridge's branch, and Next's ``car``, which EnterBridge never reads: TLC takes the
        step once per car and per branch that holds (both do on an empty bridge) and counts each."""
        return [(s.WaitingBeforeBridge[0], b, c) for b in (1, 2) for c in self.Cars] if s.WaitingBeforeBridge else []

    @action(each_entry)
    def EnterBridge(self, s: BridgeState, head: int, branch: int, car: int) -> BridgeState | None:
        """Head(WaitingBeforeBridge) drives onto the bridge."""
        to = self.next_location(s, head)
        if branch == 1:
            if self.cars_in_bridge(s):
                return None
        elif (s.Location[head] in self.Bridge or not self.have_same_direction(s, head)
              or not self.free(s, to)):
            return None
        return BridgeState(put(s.Location, head, to), s.WaitingBeforeBridge[1:])

    @action(each_car)
    def MoveOutsideBridge(self, s: BridgeState, car: int) -> BridgeState | None:
        if self.next_location(s, car) in self.Bridge:
            return None
        return self.change_location(s, car)

    @action(each_car)
    def MoveInsideBridge(self, s: BridgeState, car: int) -> BridgeState | None:
        """A car on the bridge moves on if the next position is free (onto the road too: then MoveOutsideBridge
        is enabled as well, and TLC takes both steps)."""
        if s.Location[car] not in self.Bridge or not self.free(s, self.next_location(s, car)):
            return None
        return self.change_location(s, car)

    # -- invariants ------------------------------------------------------------------------------------
    @invariant
    def TypeOK(self, s: BridgeState) -> bool:
        return (all(self.StartPos <= p <= self.EndPos for p in s.Location)
                and len(s.WaitingBeforeBridge) <= len(self.Cars))

    def broken_rule(self, s: BridgeState) -> str | None:
        """Which conjunct of Invariants fails, in the words of the TLA+ text's comments, or None."""
        on = self.cars_in_bridge(s)
        if len({s.Location[c] for c in on}) < len(on):
            return "two cars are at one location on the bridge"
        if len(on) > len(self.Bridge):
            return "the bridge's capacity is exceeded"
        if len({self.cars.is_right(c) for c in on}) > 1:
            return "cars of both directions are on the bridge"
        return None

    @invariant
    def Invariants(self, s: BridgeState) -> bool:
        """No two cars at one bridge position; at most Cardinality(Bridge) cars on it; one direction only."""
        return self.broken_rule(s) is None

    @explains("Invariants")
    def why_broken(self, s: BridgeState) -> str:
        on = ", ".join(f"{self.cars.name(c)} at {s.Location[c]}" for c in self.cars_in_bridge(s))
        return f"{self.broken_rule(s)}: {on}"

    # -- fairness and liveness -------------------------------------------------------------------------
    def fairness(self) -> list:
        """\\A car : WF_vars(MoveOutsideBridge(car)) /\\ \\A car : WF_vars(MoveInsideBridge(car)) /\\
        WF_vars(EnterBridge) (the last, once per car in the text, is one condition)."""
        return ([WF("MoveOutsideBridge", car=c) for c in self.Cars] + [WF("MoveInsideBridge", car=c) for c in self.Cars]
                + [WF("EnterBridge")])

    def properties(self) -> dict:
        props: dict[str, Any] = {}
        for c in self.Cars:
            name = self.cars.name(c)
            props[f"CarsInBridgeExitBridge({name})"] = LeadsTo(
                lambda s, c=c: s.Location[c] in self.Bridge, lambda s, c=c: s.Location[c] not in self.Bridge,
                f"Location[{name}] \\in Bridge ~> Location[{name}] \\notin Bridge")
        for c in self.Cars:
            name = self.cars.name(c)
            props[f"CarsEnterBridge({name})"] = LeadsTo(
                lambda s, c=c: s.Location[c] not in self.Bridge, lambda s, c=c: s.Location[c] in self.Bridge,
                f"Location[{name}] \\notin Bridge ~> Location[{name}] \\in Bridge")
        return props

    # -- symmetry: the right cars are interchangeable, and so are the left ones ------------------------
    def symmetric_sets(self) -> dict[str, int]:
        return self.cars.symmetric_sets()

    def permute(self, s: BridgeState, perm: Any) -> BridgeState:
        to = self.cars.rename(perm)
        location = [0] * len(self.Cars)
        for c, p in enumerate(s.Location):
            location[to[c]] = p
        return BridgeState(tuple(location), tuple(to[c] for c in s.WaitingBeforeBridge))

    # -- refinement: the bridge as the set of cars on it -----------------------------------------------
    @refines("Occupancy")
    def as_occupancy(self) -> tuple[Occupancy, Any]:
        """Occupancy with the same cars; a state maps to who is on the bridge."""
        abstract = Occupancy(self.cars.R, len(self.Cars) - self.cars.R)
        return abstract, lambda s: OccState(tuple(p in self.Bridge for p in s.Location))

    # -- how states, parameters and steps read ---------------------------------------------------------
    def show_state(self, s: BridgeState) -> dict[str, Any]:
        return {"Location": {self.cars.name(c): s.Location[c] for c in self.Cars},
                "WaitingBeforeBridge": tuple(self.cars.name(c) for c in s.WaitingBeforeBridge)}

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return value if param == "branch" else self.cars.name(value)

    def msc_nodes(self) -> list[str]:
        return [self.cars.name(c) for c in self.Cars]

    def msc_event(self, prev: BridgeState, label: Label, nxt: BridgeState) -> MscEvent:
        """The car that moves: every action's first parameter."""
        return MscEvent(self.cars.name(label.params[0]), (), ())


class OccState(NamedTuple):
    """``on[car]``: whether the car is on the bridge."""

    on: tuple[bool, ...]


class Occupancy(Spec):
    """The bridge seen from above: a car drives on when every car on it goes its way, and drives off. (No
    capacity: a count is no first-order formula, and the concrete spec's positions bound it.)"""

    variables = ("on",)

    def __init__(self, cars_right: Annotated[int, "cars driving right"] = 2,
                 cars_left: Annotated[int, "cars driving left"] = 2) -> None:
        self.cars = Cars(cars_right, cars_left)
        self.Cars = self.cars.Cars
        super().__init__()

    def init_states(self) -> list[OccState]:
        return [OccState((False,) * len(self.Cars))]

    def each_car(self, s: OccState) -> list[tuple[int]]:
        return [(c,) for c in self.Cars]

    def may_enter(self, s: OccState, car: int) -> bool:
        return all(self.cars.is_right(c) == self.cars.is_right(car) for c in self.Cars if s.on[c])

    @action(each_car)
    def Enter(self, s: OccState, car: int) -> OccState | None:
        if s.on[car] or not self.may_enter(s, car):
            return None
        return OccState(s.on[:car] + (True,) + s.on[car + 1 :])

    @action(each_car)
    def Leave(self, s: OccState, car: int) -> OccState | None:
        if not s.on[car]:
            return None
        return OccState(s.on[:car] + (False,) + s.on[car + 1 :])

    @invariant
    def OneDirection(self, s: OccState) -> bool:
        return len({self.cars.is_right(c) for c in self.Cars if s.on[c]}) <= 1

    def symmetric_sets(self) -> dict[str, int]:
        return self.cars.symmetric_sets()

    def permute(self, s: OccState, perm: Any) -> OccState:
        to = self.cars.rename(perm)
        on = [False] * len(self.Cars)
        for c, x in enumerate(s.on):
            on[to[c]] = x
        return OccState(tuple(on))

    def show_state(self, s: OccState) -> dict[str, Any]:
        return {"on": [self.cars.name(c) for c in self.Cars if s.on[c]]}

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return self.cars.name(value)


class AnyDirection(Occupancy):
    """Occupancy whose Enter forgets the direction: the abstract form of opposite-traffic."""

    variant = "any-direction"
    rule = "Enter lets a car on whatever the cars on the bridge drive"
    breaks = "OneDirection"
    failing_bounds: dict[str, Any] = {"cars_right": 1, "cars_left": 1}
    trace_length = 2

    def may_enter(self, s: OccState, car: int) -> bool:
        return True


class OccupancyProof(Encoding):
    """Occupancy in first-order logic over a sort of cars, ``right`` the rigid set CarsRight: OneDirection for
    any number of cars (EPR)."""

    spec = Occupancy
    sorts = ("Car",)
    rigid = {"right": "Car"}
    variables = {"on": "Car"}
    # OneDirection as clauses: ~on(C1) | ~on(C2) | ~right(C1) | right(C2), four literals (the default's three
    # express no clause that excludes a right and a left car on the bridge)
    infer_templates = (template("C1:Car C2:Car", literals=4),)

    def init(self, s: Any) -> z3.BoolRef:
        c = z3.Const("C", self.Car)
        return z3.ForAll([c], z3.Not(s.on(c)))

    def may_enter(self, s: Any, car: z3.ExprRef) -> z3.BoolRef:
        d = z3.Const("D", self.Car)
        return z3.ForAll([d], z3.Implies(s.on(d), self.right(d) == self.right(car)))

    @transition(car="Car")
    def Enter(self, s: Any, t: Any, car: z3.ExprRef) -> z3.BoolRef:
        return z3.And(z3.Not(s.on(car)), self.may_enter(s, car), t.on.add(car))

    @transition(car="Car")
    def Leave(self, s: Any, t: Any, car: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.on(car), t.on.remove(car))

    def one_direction(self, s: Any) -> z3.BoolRef:
        c, d = z3.Consts("C D", self.Car)
        return z3.ForAll([c, d], z3.Implies(z3.And(s.on(c), s.on(d)), self.right(c) == self.right(d)))

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        return {"OneDirection": self.one_direction(s)}

    def safety(self, s: Any) -> dict[str, z3.BoolRef]:
        return {"OneDirection": self.one_direction(s)}

    def domains(self, spec: Occupancy) -> dict[str, Any]:
        return {"Car": spec.Cars}

    def interpret(self, spec: Occupancy) -> dict[str, Any]:
        return {"right": spec.cars.is_right}

    def abstract(self, spec: Occupancy, s: OccState) -> dict[str, Any]:
        return {"on": lambda c: s.on[c]}


class AnyDirectionProof(OccupancyProof):
    """The variant's encoding: Enter without the direction guard."""

    spec = AnyDirection

    def may_enter(self, s: Any, car: z3.ExprRef) -> z3.BoolRef:
        return z3.BoolVal(True)


class OppositeTraffic(SingleLaneBridge):
    """EnterBridge's second branch forgets HaveSameDirection: the head of the queue drives on whenever the
    next position is free."""

    variant = "opposite-traffic"
    rule = "EnterBridge lets the queue's head on beside cars of the other direction"
    breaks = "Invariants"
    failing_bounds: dict[str, Any] = {"cars_right": 1, "cars_left": 1}
    trace_length = 6

    def have_same_direction(self, s: BridgeState, car: int) -> bool:
        return True


class UnfairEntry(SingleLaneBridge):
    """Fairness without WF_vars(EnterBridge): the queue may be ignored for ever while the other cars drive on."""

    variant = "unfair-entry"
    rule = "Fairness leaves out \\A car \\in Cars : WF_vars(EnterBridge)"
    breaks = "CarsEnterBridge"
    failing_bounds: dict[str, Any] = {"cars_right": 1, "cars_left": 0}
    trace_length = 2

    def fairness(self) -> list:
        return [f for f in super().fairness() if "EnterBridge" not in f.actions]
