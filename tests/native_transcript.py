"""A transcript of spec.values' building blocks on a seeded random workload, run by tests/test_native.py in
two processes (PAXRAFT_NATIVE=1 and 0): the compiled code must write the same transcript as the Python code.

Each line is what one operation gave: values (sorted), hashes, whether a result is the object it came
from (the identity shortcuts), ``where`` and ``all`` answers, errors by type and message, pickles."""

from __future__ import annotations

import pickle
import random
import sys
from typing import Any, NamedTuple

sys.path.insert(0, sys.argv[1])

from spec import values  # noqa: E402
from spec.values import EXCEPT, MsgSet, record  # noqa: E402


class A(NamedTuple):
    type: int
    src: int
    bal: int


class B(NamedTuple):
    type: int
    src: int
    bal: int
    val: Any


@record
class R(NamedTuple):
    x: int
    y: tuple
    z: Any


class Sub(R):  # a subclass of a record with more fields through _fields
    pass


class MySet(MsgSet):  # a subclass of MsgSet: | still makes a MsgSet
    __slots__ = ()


def attempt(fn: Any) -> Any:
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the transcript records the error itself
        return ("error", type(e).__name__, str(e))


def shown(x: Any) -> Any:
    if isinstance(x, (set, frozenset)):  # (a set's order is not a function of its value)
        return (type(x).__name__, sorted(x, key=repr), isinstance(x, set) or hash(x) == hash(frozenset(x)))
    return x


out: list[Any] = [values.BACKEND.split()[0]]
rnd = random.Random(12)

# EXCEPT: exact tuples, other sequences, indexes in and out of range, values already there
for f in [(), (1,), (1, 2, 3), tuple(range(12)), [1, 2, 3], A(0, 1, 2), (None, [1]), ("a",) * 9]:
    for i in [0, 1, 2, -1, -3, 5, 11, 12, 2**70, "1", 1.0, True]:
        for v in [1, 2, None, "a", 9]:
            r = attempt(lambda f=f, i=i, v=v: EXCEPT(f, i, v))
            out.append(("EXCEPT", repr(f), repr(i), v, r[0], r[1:] if r[0] == "error" else (r[1], type(r[1]).__name__,
                                                                                             r[1] is f)))
out.append(("EXCEPT kw", attempt(lambda: EXCEPT(f=(1, 2), i=0, v=5))))
out.append(("EXCEPT args", attempt(lambda: EXCEPT((1, 2), 0)), attempt(lambda: EXCEPT((1, 2), 0, 1, 2))))

# a record's _replace: keywords, positions, nothing changed, errors
r0 = R(1, (2,), [3])
for args, kw in [((), {}), ((), {"x": 1}), ((), {"x": 2}), ((1,), {}), ((5, (2,)), {}), ((1, (2,), r0.z), {}),
                 ((), {"z": r0.z}), ((), {"z": [3]}), ((), {"y": (2,), "x": 1}), ((), {"w": 1}), ((1,), {"x": 1}),
                 ((1, 2, 3, 4), {}), ((), {"_r": 1}), ((), {"x": 1, "y": (2,), "z": 0})]:
    res = attempt(lambda args=args, kw=kw: r0._replace(*args, **kw))
    out.append(("_replace", args, sorted(kw), res[0],
                res[1:] if res[0] == "error" else (tuple(res[1]), type(res[1]).__name__, res[1] is r0)))
s0 = Sub(1, (2,), 3)
out.append(("subclass", type(s0._replace(x=2)).__name__, s0._replace(x=1) is s0))
out.append(("unbound", attempt(lambda: R._replace(r0, x=4)), attempt(lambda: R._replace((1, 2, 3), x=1)),
            attempt(lambda: R._replace((1,), x=1)), attempt(lambda: R._replace())))
out.append(("doc", R._replace.__doc__, R._replace.__qualname__))

# message sets: lineages made by |, where on built and inherited indexes, all, pickles
msgs = [A(0, s, b) for s in range(3) for b in range(3)] + [B(1, s, b, v) for s in range(2) for b in range(2)
                                                          for v in (0, 1)]
questions = [{"type": 0}, {"type": 1, "src": 1}, {"src": 0, "type": 1}, {"type": 0, "bal": 2}, {"val": 1},
             {"type": 1, "bal": 0, "val": 0}, {"nope": 1}]
preds = [lambda m: m.type in (0, 1), lambda m: m.src < 2, lambda m, k=1: m.bal != k]
for round_ in range(30):
    start: Any = (MsgSet if round_ % 3 else MySet)(rnd.sample(msgs, rnd.randrange(4)))
    lineage = [start]
    for _ in range(12):
        parent = rnd.choice(lineage)
        kind = rnd.randrange(6)
        if kind == 0:
            given: Any = {rnd.choice(msgs)}
        elif kind == 1:
            given = frozenset(rnd.sample(msgs, 2))
        elif kind == 2:
            given = set(parent) if parent else {rnd.choice(msgs)}  # nothing new: the same object
        elif kind == 3:
            given = {rnd.choice(msgs), rnd.choice(msgs)}
        elif kind == 4:
            given = MsgSet([rnd.choice(msgs)])
        else:
            given = set()
        child = parent | given if rnd.randrange(4) else given | parent
        if kind == 3 and rnd.randrange(2) and isinstance(given, set):
            given.add(rnd.choice(msgs))  # the caller changes its set afterwards: changes nothing
        out.append(("|", shown(child), child is parent, type(child).__name__))
        if not isinstance(child, MsgSet):  # set | MsgSet: set's own | answers first, a set
            continue
        lineage.append(child)
        for q in rnd.sample(questions, 3):
            if rnd.randrange(3) == 0:
                p = rnd.choice(preds)
                out.append(("all", shown(child), attempt(lambda child=child, p=p: child.all(p))))
            out.append(("where", sorted(q.items()), child.where(**q)))
    last = lineage[-1]
    out.append(("or other", attempt(lambda last=last: last | [1]), attempt(lambda last=last: [1] | last),
                attempt(lambda last=last: last | 3)))
    back = pickle.loads(pickle.dumps(lineage[-1]))
    out.append(("pickle", type(back).__name__, back == lineage[-1], back.where(type=0) == lineage[-1].where(type=0)))

out.append(("empty", shown(MsgSet() | set()), shown(MsgSet() | {A(0, 0, 0)}), MsgSet().where(type=0),
            MsgSet().all(lambda m: False)))
out.append(("unhashable", attempt(lambda: MsgSet() | {(1, 2)} | {(1, frozenset())}),
            attempt(lambda: MsgSet([A(0, 0, 0)]).where(type=[0])),
            attempt(lambda: MsgSet([A(0, 0, 0)]).all(lambda m, d={}: True))))  # noqa: B006 - unhashable default
twice = MsgSet([A(0, 0, 0)])
once = twice | {A(0, 1, 0)}
out.append(("added twice", once | {A(0, 1, 0)} is once, shown((once | {A(0, 2, 0)}) | {A(0, 2, 0)}),
            once._added()[1] == {A(0, 1, 0)}))

# NamedTuple classes built by fast_records (compiled: without their Python __new__): by position, by
# keyword, with defaults, wrong counts; a subclass with an __init__, a class whose __new__ is set later
class WithDefault(NamedTuple):
    a: int
    b: int = 7


class Inits(A):
    def __init__(self, *args: Any) -> None:
        out.append(("Inits.__init__ ran", args))


class Later(NamedTuple):
    a: int
    b: int


values.fast_records(__name__)
Later.__new__ = lambda cls, a, b: tuple.__new__(cls, (a * 10, b))  # type: ignore[assignment,method-assign]
for make in [lambda: A(0, 1, 2), lambda: A(0, src=1, bal=2), lambda: A(type=0, src=1, bal=2), lambda: A(0, 1),
             lambda: A(0, 1, 2, 3), lambda: A(0, 1, bal=2, src=3), lambda: B(1, 2, 3, [4]), lambda: WithDefault(1),
             lambda: WithDefault(1, 2), lambda: WithDefault(b=1), lambda: Inits(0, 1, 2), lambda: Later(1, 2),
             lambda: R(1, (2,), 3), lambda: A._make([0, 1, 2]), lambda: A(*range(3))]:
    res = attempt(make)
    made = res[1] if res[0] == "ok" else None
    out.append(("new", res[0], res[1:] if made is None else (repr(made), type(made).__name__, tuple(made),
                                                             attempt(lambda made=made: hash(made)))))
out.append(("new pickle", pickle.loads(pickle.dumps(A(0, 1, 2))) == A(0, 1, 2), repr(A(0, 1, 2)._replace(bal=5))))
for line in out:
    print(repr(line))
