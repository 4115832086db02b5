"""Traces in the Informal Trace Format (ITF) of Apalache and Quint, written and read back generically.

A state is walked field by field: a NamedTuple becomes a record (a JSON object), an int
``{"#bigint": "7"}``, a tuple ``{"#tup": [...]}``, a frozenset ``{"#set": [...]}`` (elements
in a fixed order), a bool a JSON boolean and a ``fractions.Fraction`` the record ``{"num": ..., "den": ...}``
(as TLA+'s DyadicRationals writes a rational).  Reading reverses it; a record is rebuilt as
the NamedTuple class, among those defined beside the spec's state class, whose fields it
has (a ``num``/``den`` record without such a class is a Fraction).  Every state's ``#meta`` carries the
action label that produced it (name, parameter names, parameter values), so a replay re-runs exactly that step.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from modelcheck.engine.result import Step
from spec.behaviour import NOT_OFFERED, OUTSIDE_CONSTRAINT, deadlock_in, initial_states, offered
from spec.core import Label, Option, Spec, SpecError, State, order_key, strict
from spec.refusal import refused_by
from spec.registry import build, class_ref, entries, entry, entry_for_class, is_user_ref, load_user_spec, names_file
from spec.trace_format import COMPACT_MAGIC, COMPRESSED_MAGIC
from spec.userfiles import clip, decode, load_json, quote, read_bytes

FORMAT = "ITF"
FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"


class ItfError(SpecError):
    """A trace file that is not valid ITF, or not a trace of the named spec."""


def _is_record(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


RATIONAL = frozenset({"num", "den"})
"""The fields of the record a Fraction is written as."""


def to_itf(value: Any) -> Any:
    """An ITF JSON value for a state value built from ints, bools, strings, Fractions, tuples, frozensets and
    NamedTuples; any other value is one line (SpecError): the spec's state holds what ITF cannot say."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {"#bigint": str(value)}
    if isinstance(value, str):
        return value
    if isinstance(value, Fraction):
        return {"num": to_itf(value.numerator), "den": to_itf(value.denominator)}
    if _is_record(value):
        return {f: to_itf(getattr(value, f)) for f in value._fields}
    if isinstance(value, tuple):
        return {"#tup": [to_itf(x) for x in value]}
    if isinstance(value, frozenset):
        return {"#set": [to_itf(x) for x in sorted(value, key=order_key)]}
    raise SpecError(f"cannot write a {type(value).__name__} ({clip(repr(value))}) as ITF: a state holds ints, bools, "
                    "strings, Fractions, tuples, frozensets and NamedTuples")


def record_types(spec: Spec, init: State | None = None) -> dict[frozenset[str], type]:
    """NamedTuple classes defined in the module of the spec's state class (that of ``init``, by default the
    spec's first initial state), keyed by their field names."""
    if init is None:
        init = next(iter(spec.init_states()))
    module = sys.modules[type(init).__module__]
    out: dict[frozenset[str], type] = {}
    for obj in vars(module).values():
        if isinstance(obj, type) and issubclass(obj, tuple) and hasattr(obj, "_fields"):
            out.setdefault(frozenset(obj._fields), obj)
    if _is_record(init):
        out[frozenset(type(init)._fields)] = type(init)  # the state class wins a tie
    return out


def from_itf(value: Any, records: dict[frozenset[str], type], where: str = "") -> Any:
    """The state value an ITF JSON value stands for (the inverse of :func:`to_itf`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "#bigint" in value:
            digits = value["#bigint"]
            if isinstance(digits, str):  # ITF writes digits; a JSON number is not (1e400 reads as inf, 1.5 cut to 1)
                if len(digits) > BIGINT_DIGITS:
                    raise ItfError(f"{where}: #bigint of {len(digits):,} characters, more than the {BIGINT_DIGITS:,} "
                                   "digits replay reads")
                old = sys.get_int_max_str_digits()
                sys.set_int_max_str_digits(0)  # (check prints a state's ints of any length: a 30,000-digit one was
                try:  # refused here as 'not a string of an integer's digits')
                    return int(digits)
                except ValueError:
                    pass
                finally:
                    sys.set_int_max_str_digits(old)
            shown = digits if isinstance(digits, str) else json.dumps(digits)
            raise ItfError(f"{where}: #bigint {quote(shown)} is not a string of an integer's digits")
        for tag in ("#tup", "#set"):
            if tag in value and not isinstance(value[tag], list):
                raise ItfError(f"{where}: {tag} holds {quote(json.dumps(value[tag]))}, not a JSON list")
        if "#tup" in value:
            return tuple(from_itf(x, records, f"{where}[{i}]") for i, x in enumerate(value["#tup"]))
        if "#set" in value:
            return frozenset(from_itf(x, records, f"{where}{{}}") for x in value["#set"])
        if "#map" in value:
            raise ItfError(f"{where}: #map values are not used by paxraft states")
        fields = frozenset(k for k in value if not k.startswith("#"))
        cls = records.get(fields)
        if cls is None and fields == RATIONAL:
            num, den = (from_itf(value[k], records, f"{where}.{k}") for k in ("num", "den"))
            if type(num) is not int or type(den) is not int or den <= 0:
                raise ItfError(f"{where}: a rational needs an integer num and a positive integer den")
            return Fraction(num, den)
        if cls is None:
            raise ItfError(f"{where}: no record type with fields {', '.join(sorted(fields))}")
        return cls(**{k: from_itf(value[k], records, f"{where}.{k}") for k in cls._fields})  # type: ignore[attr-defined]
    raise ItfError(f"{where}: unexpected JSON value {quote(json.dumps(value))}")


def conform(value: Any, like: Any) -> Any:
    """``value`` (read back from ITF) with the frozenset subclasses ``like`` (a state of the spec, or a part of
    one) holds in the same places: ITF has one kind of set, and a state's :class:`spec.values.MsgSet` read back
    as a plain frozenset has no ``where``, which the spec's steps call."""
    if isinstance(like, frozenset):
        return like.__class__(value) if value.__class__ is frozenset and like.__class__ is not frozenset else value
    if isinstance(like, tuple) and isinstance(value, tuple) and len(like) == len(value) and (
            value.__class__ is like.__class__ or not _is_record(like)):
        parts = [conform(v, w) for v, w in zip(value, like)]
        if all(p is v for p, v in zip(parts, value)):
            return value
        return tuple.__new__(value.__class__, parts) if _is_record(value) else tuple(parts)
    return value


def state_vars(spec: Spec, state: State) -> dict[str, Any]:
    """The state as ITF variables: a NamedTuple's fields, or one variable ``state`` otherwise."""
    if _is_record(state):
        return {f: to_itf(getattr(state, f)) for f in state._fields}
    return {"state": to_itf(state)}


def trace_to_itf(
    spec: Spec,
    trace: list[Step],
    *,
    violated: str | None = None,
    mode: str = "bfs",
    loop_start: int | None = None,
    liveness: dict[str, str] | None = None,
    refines: str | None = None,
    deadlock: bool = False,
) -> dict[str, Any]:
    """The ITF object for ``trace``; ``loop_start`` marks a lasso: the index of the state the loop
    leaves from and returns to, which the last state equals (Apalache's ``loop``); ``liveness`` names its
    property and the fairness it was found under (``{"property": name, "fairness": "declared" or "none"}``),
    so that a replay can say whether it still violates that property; ``refines`` names the abstract spec whose
    refinement the trace's last step breaks (``paxraft refine --out``), which a replay checks again; ``deadlock``:
    the last state has no successor (``check --deadlock --out``), which a replay checks again."""
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format-description": FORMAT_DESCRIPTION,
        "source": "paxraft",
        "description": f"{spec.describe()}: " + (f"violates {violated}" if violated else "deadlocks" if deadlock
                                                   else f"{mode} run"),
        "spec": spec.name,
        "variant": spec.variant,
        **class_ref(type(spec)),
        "bounds": spec.bounds(),
        "mode": mode,
        "violated": violated,
    }
    if spec.excluded or spec.restricted or spec.chosen_invariants:  # the model searched; replayed on the full spec
        meta["model"] = {"without": list(spec.excluded), "restrict": list(spec.restricted)}
        if spec.chosen_invariants:  # (replay judges the one the trace names as violated)
            meta["model"]["invariants"] = list(spec.chosen_invariants)
    if loop_start is not None:
        meta["loop"] = loop_start  # ITF's own lasso marker: the last state is this one again
    if liveness is not None:
        meta.update(liveness)
    if refines is not None:
        meta["refines"] = refines
    if deadlock:
        meta["deadlock"] = True
    first = trace[0].state
    states = []
    for i, st in enumerate(trace):
        smeta: dict[str, Any] = {"index": i}
        if st.label is None:
            smeta["action"] = "Init"
        else:
            act = spec.action(st.label.name)
            smeta["action"] = st.label.name
            smeta["label"] = spec.show_label(st.label)
            smeta["params"] = {n: to_itf(v) for n, v in zip(act.param_names, st.label.params)}
        states.append({"#meta": smeta, **state_vars(spec, st.state)})
    return {
        "#meta": meta,
        "vars": list(first._fields) if _is_record(first) else ["state"],
        "states": states,
    }


def write_itf(path: Path, spec: Spec, trace: list[Step], **kw: Any) -> Path:
    """Write ``trace`` as an ITF file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trace_to_itf(spec, trace, **kw), indent=1) + "\n")
    return path


#: How `replay` takes a user's spec, for a trace that names one ({ref}: the class, {trace}: the trace file).
PASS_SPEC = "pass --spec {ref}"


@dataclass
class ItfTrace:
    """A trace read from an ITF file, with the metadata that names its spec."""

    meta: dict[str, Any]
    steps: list[Step]


def spec_from_meta(
    meta: dict[str, Any], path: str, given: dict[str, Any] | None = None, spec_ref: str | None = None,
    naming: str = PASS_SPEC,
) -> Spec:
    """Build the spec a trace names, with the recorded bounds (those ``given`` overriding them): a registered
    spec/variant by name, or the class of a user's file or module, which is loaded only from ``spec_ref``,
    the user's own ``--spec FILE.py:Class``. Replaying a trace never opens a path or runs code written inside
    it: a trace that names a file says how to name that spec (``naming``, by default ``--spec``), and a bound
    naming a file comes from ``given``."""
    name = meta.get("spec")
    if not isinstance(name, str):
        raise ItfError(f"{path}: #meta.spec is missing: which spec does this trace belong to?")
    variant = meta.get("variant")
    if variant is not None and not isinstance(variant, str):
        raise ItfError(f"{path}: #meta.variant must be a variant name, got {type(variant).__name__}")
    given = given or {}
    bounds = {**_object(meta.get("bounds"), f"{path}: #meta.bounds"), **given}
    cls = _user_class(meta, path, spec_ref, naming) if name not in entries() else None
    e = entry_for_class(cls) if cls is not None else entry(name)
    files = {o.dest for o in e.all_options if o.names_file}
    unknown = sorted(set(bounds) - {o.dest for o in e.all_options})
    if unknown:  # named as given: a --spec class other than the trace's is the likelier mistake
        of = name if e.name == name else f"{e.name} (the trace is of {name})"
        raise ItfError(f"{path}: #meta.bounds has {', '.join(map(quote, unknown))}, not bounds of {of}")
    for key, val in bounds.items():  # a str bound is a value (a list of identities) unless it names a file
        if key in files and isinstance(val, str) and key not in given:
            raise ItfError(
                f"{path}: #meta.bounds.{key} names a file ({quote(val)}); replay opens no path a trace names: "
                f"pass it yourself with --bounds {key}=PATH"
            )
    options = {o.dest: o for o in e.all_options}
    bounds = {key: _typed(options[key], val, key in given, path) for key, val in bounds.items()}
    return cls(**bounds) if cls is not None else build(name, variant, **bounds)


def _typed(opt: Option, val: Any, given: bool, path: str) -> Any:
    """A bound's value as its flag would take it. ``--bounds keys=x`` for an int reached the spec's constructor
    as the string 'x' (its TypeError then read as the spec's code failing, exit 3), and ``--bounds ids=3`` for a
    str bound as the int 3; a trace's own #meta.bounds of the wrong type went the same way."""
    where = f"--bounds {opt.dest}={val}" if given else f"{path}: #meta.bounds.{opt.dest} is {clip(json.dumps(val), 60)}"
    if opt.type is bool:
        if isinstance(val, bool):
            return val
        if given and str(val).lower() in ("true", "false", "1", "0"):
            return str(val).lower() in ("true", "1")
    elif opt.type is int:
        if isinstance(val, int) and not isinstance(val, bool):
            return val
    elif opt.type is str:
        if isinstance(val, str):
            return val
        if given and isinstance(val, int):
            return str(val)
    elif opt.type is float:
        if isinstance(val, (int, float)) and not isinstance(val, bool):
            return float(val)
        if given:
            with contextlib.suppress(ValueError):
                return float(val)
    else:  # a spec's own parser (bound_options): it says itself what it takes
        if not isinstance(val, str):
            return val
        try:
            return opt.type(val)
        except (TypeError, ValueError) as exc:
            raise ItfError(f"{where}: {clip(str(exc), 200)}") from None
    kind = {bool: "true or false", int: "an integer", str: "a string", float: "a number"}[opt.type]
    raise ItfError(f"{where}: {opt.flag} takes {kind}")


def made_from(meta: dict[str, Any]) -> Any:
    """The ``FILE.py:Class`` a trace of a user's spec records it was made from (the class as the trace names it when
    it names no file)."""
    qual = str(meta.get("class", "")).rpartition(":")[2] or "Class"
    return f"{meta['file']}:{qual}" if isinstance(meta.get("file"), str) else meta.get("class")


def made_by_another_variant(meta: dict[str, Any], spec: Spec) -> str:
    """Why a trace may not be a behaviour of ``spec``: made by a variant ``spec`` is not (a variant's trace on its base
    class: the step it changed 'is not enabled', and nothing said why), as one sentence; else ''."""
    made = meta.get("variant")
    if not isinstance(made, str) or made == spec.variant:
        return ""
    return f"The trace was made by the variant {clip(made, 100)}, {clip(str(made_from(meta)), 300)}; this ran " \
        f"{spec.describe()}."


def _user_class(meta: dict[str, Any], path: str, spec_ref: str | None, naming: str = PASS_SPEC) -> type[Spec]:
    """The user's class for a trace of a spec defined outside paxraft: from ``spec_ref`` only. A file named alone
    names its one spec, and the trace which of that spec's variants made it (as a shipped spec's trace names its own
    variant): ``--spec ewd687a.py`` replays a trace of eager-last-ack with EagerLastAck, where it ran the base spec
    and failed at the step the variant changed."""
    if spec_ref is not None:
        cls = load_user_spec(spec_ref)
        made = meta.get("variant")
        if names_file(spec_ref) and isinstance(made, str) and not cls.variant:
            cls = entry_for_class(cls).variants.get(made, cls)  # (a file without it: the base, and replay says why)
        return cls
    named = made_from(meta)
    if not isinstance(named, str) or not is_user_ref(named):
        raise ItfError(f"{path}: #meta.spec {quote(str(meta.get('spec')))} is no known spec; "
                       + naming.format(ref="FILE.py:Class", trace=path))
    shown = clip(named, 300)  # a path is long; a trace may still hold anything
    raise ItfError(
        f"{path}: the trace was made from {shown}; paxraft runs no code a trace names: "
        + naming.format(ref=shown, trace=path) + " (or your own copy of that spec)"
    )


def read_itf(
    path: str | Path, spec: Spec | None = None, given: dict[str, Any] | None = None, spec_ref: str | None = None,
    naming: str = PASS_SPEC,
) -> tuple[Spec, ItfTrace]:
    """Read an ITF trace; build its spec from ``#meta`` (with the bounds ``given`` overriding, and a user's class
    from ``spec_ref``) unless one is given; ``naming`` says how the command takes a user's spec."""
    p = Path(path)
    obj = _read_trace(p)
    meta = _object(obj.get("#meta"), f"{p}: #meta")
    spec = spec or spec_from_meta(meta, str(p), given, spec_ref, naming)
    try:
        steps = _steps(spec, obj, p)
    except RecursionError:
        raise ItfError(f"{p}: a value nested too deeply to be a state") from None
    _check_loop(spec, meta.get("loop"), steps, p)
    fairness = meta.get("fairness")
    if fairness is not None and fairness not in ("declared", "none"):  # any other word read as "declared"
        raise ItfError(f"{p}: #meta.fairness must be \"declared\" or \"none\", got {quote(json.dumps(fairness))}")
    return spec, ItfTrace(meta, steps)


BIGINT_DIGITS = 1_000_000  # the longest #bigint replay reads (Python reads n digits in ~n**2 time: ~6 s here)


def _read_trace(p: Path) -> dict[str, Any]:
    data = read_bytes(p, error=ItfError)
    if data.startswith((COMPACT_MAGIC, COMPRESSED_MAGIC)):  # (it said 'not UTF-8 text')
        raise ItfError(f"{p}: a node's compact trace (or a segment of one), not an ITF trace: `paxraft audit` "
                       "checks a node's trace, `paxraft trace-json` prints it")
    obj = load_json(decode(data, str(p), ItfError), str(p), ItfError)
    if not isinstance(obj, dict) or not isinstance(obj.get("states"), list) or not obj["states"]:
        raise ItfError(f"{p}: not an ITF trace (needs a non-empty 'states' list)")
    return obj


def trace_bounds(path: str | Path) -> dict[str, Any]:
    """The bounds a trace records (``#meta.bounds``), read without building its spec."""
    p = Path(path)
    meta = _object(_read_trace(p).get("#meta"), f"{p}: #meta")
    return _object(meta.get("bounds"), f"{p}: #meta.bounds")


def _check_loop(spec: Spec, loop: Any, steps: list[Step], p: Path) -> None:
    """A lasso (``#meta.loop``) must close: its last state is the state the loop starts from, else
    replaying its steps one by one proves nothing about the infinite behaviour it stands for."""
    if loop is None:
        return
    if not isinstance(loop, int) or isinstance(loop, bool) or not 0 <= loop < len(steps):
        got = quote(json.dumps(loop))
        raise ItfError(f"{p}: #meta.loop must be the index of a state (0..{len(steps) - 1}), got {got}")
    if steps[-1].state != steps[loop].state and not _same_view(spec, steps[-1].state, steps[loop].state):
        diff = _first_difference(steps[loop].state, steps[-1].state)
        also = " nor has its view" if spec.has_view else ""
        raise ItfError(f"{p}: the lasso does not close: #meta.loop is {loop}, but the last state "
                       f"(states[{len(steps) - 1}]) is not states[{loop}]{also}{diff}")


def _same_view(spec: Spec, a: State, b: State) -> bool:
    """Whether ``a`` and ``b`` are one state of the search by ``spec``'s view (TLC's VIEW): a lasso found on the
    view's graph closes on a state with the entry's view."""
    return spec.has_view and spec.view(a) == spec.view(b)


def _object(value: Any, where: str) -> dict[str, Any]:
    """``value`` when it is a JSON object; an absent one is empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ItfError(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


def _steps(spec: Spec, obj: dict[str, Any], p: Path) -> list[Step]:
    like = next(iter(spec.init_states()))  # where the spec's states hold a MsgSet (see conform)
    records = record_types(spec, like)
    vars_ = obj.get("vars")
    if not isinstance(vars_, list) or not all(isinstance(v, str) for v in vars_):
        raise ItfError(f"{p}: 'vars' must list the variables by name")
    steps: list[Step] = []
    for i, raw in enumerate(obj["states"]):
        where = f"{p}: states[{i}]"  # the file's own (0-based) index; replay prints states from 1
        if not isinstance(raw, dict):
            raise ItfError(f"{where}: not an object")
        missing = [v for v in vars_ if v not in raw]
        if missing:
            raise ItfError(f"{where}: missing variable(s) {', '.join(missing)}")
        smeta = _object(raw.get("#meta"), f"{where}: #meta")
        if vars_ == ["state"]:
            state = from_itf(raw["state"], records, f"{where}.state")
        else:
            state = from_itf({v: raw[v] for v in vars_}, records, where)
        action = smeta.get("action")
        if action is not None and not isinstance(action, str):
            raise ItfError(f"{where}: #meta.action must be an action name, got {type(action).__name__}")
        if i == 0 or action in (None, "Init"):
            label = None if action in (None, "Init") else Label(action, ())
        else:
            try:
                act = spec.action(action)
            except SpecError:
                raise ItfError(f"{where}: #meta.action {action!r} is not an action of {spec.name}") from None
            params = _object(smeta.get("params"), f"{where}: #meta.params")
            missing = [n for n in act.param_names if n not in params]
            if missing:
                raise ItfError(f"{where}: #meta.params lacks {', '.join(missing)} for {action}")
            label = Label(
                action, tuple(from_itf(params[n], records, f"{where}.#meta.params.{n}") for n in act.param_names)
            )
        steps.append(Step(label, conform(state, like)))
    return steps


@dataclass
class StepVerdict:
    """Whether state ``index`` (0-based, as ITF's array numbers them; replay prints index + 1) follows."""

    index: int
    label: str
    ok: bool
    reason: str = ""


def recorded_violation(spec: Spec, trace: ItfTrace) -> tuple[bool, str] | None:
    """Whether the violation ``trace`` records still happens in ``spec`` (its steps having been replayed), and
    the sentence that says so; ``None`` when it records none the spec can judge. An invariant: the last state
    breaks it; an action invariant: the last step breaks it. A lasso of a temporal property: the behaviour it
    stands for (the prefix, then the loop for ever, or stuttering in the last state) violates the property, and
    its loop is fair under the fairness it was found under (the spec's declared fairness, or none with
    ``--no-fairness``) on the model it was found on."""
    meta, steps = trace.meta, trace.steps
    violated = meta.get("violated")
    if isinstance(meta.get("refines"), str):
        from modelcheck.engine.refinement import last_step_unexplained

        why = last_step_unexplained(spec, meta["refines"], steps)
        name = meta["refines"]
        return why is not None, f"its last step {why}" if why else f"its last step now refines {name}"
    if isinstance(violated, str) and violated in spec.invariants:  # True or False only, as check judges it
        still = not strict(spec, "invariant", violated, spec.invariants[violated](steps[-1].state))
        return still, f"the last state {'violates' if still else 'no longer violates'} {violated}"
    if isinstance(violated, str) and violated in spec.action_invariants and len(steps) > 1:
        still = not spec.step_holds(violated, steps[-2].state, steps[-1].state)
        return still, f"the last step {'breaks' if still else 'no longer breaks'} {violated}"
    if meta.get("deadlock") is True:  # (a deadlock's trace recorded nothing: replay said only "Every state follows")
        why = deadlock_in(_model_of(spec, meta), steps[-1].state)
        return why is None, "the last state has no successor: a deadlock" if why is None else \
            f"the last state {why}{'' if why == OUTSIDE_CONSTRAINT else ' now'}: no deadlock"
    loop, name = meta.get("loop"), meta.get("property")
    if loop is None or not isinstance(name, str):
        return None
    props = spec.properties()
    if name not in props:
        return False, f"the spec declares no temporal property {name!r} any more (declared: {', '.join(props)})"
    why = _lasso_keeps(spec, name, props[name], steps, loop) or _loop_unfair(spec, meta, steps, loop)
    if why:
        return False, f"the behaviour no longer violates {name}: {why}"
    under = "no fairness" if meta.get("fairness") == "none" else "its fairness"
    return True, f"the behaviour violates {name} under {under}"


def _lasso_keeps(spec: Spec, name: str, prop: Any, steps: list[Step], loop: int) -> str:
    """Why the lasso (``steps``, looping back to ``steps[loop]``) satisfies ``prop``; "" when it violates it. The
    predicates are judged as the checker judges them: True or False only, an exception the spec's code failing
    (a None goal read as False, and an exception was paxraft's own failure, exit 4)."""
    from modelcheck.engine.liveness import predicates  # the checker's rule; liveness is heavy to import

    marks = predicates(spec, name, prop, plain=True)
    states = [st.state for st in steps]  # states[loop:] are visited for ever (one: it stutters in the last)
    goal = [marks["goal"](s) for s in states]
    if prop.kind == "eventually":
        return f"state {goal.index(True) + 1} satisfies its goal" if any(goal) else ""
    if prop.kind == "eventually-always":  # broken where a state visited for ever fails the goal
        return "" if not all(goal[loop:]) else "every state visited for ever satisfies its goal"
    if any(goal[loop:]):
        return f"state {loop + goal[loop:].index(True) + 1}, visited for ever, satisfies its goal"
    if prop.kind == "always-eventually":
        return ""
    for i, s in enumerate(states):  # leads-to: a trigger state with no goal after it (the loop has none)
        if marks["trigger"](s) and not any(goal[i:]):
            return ""
    return "every state where its trigger holds is followed by one where its goal holds"


def _loop_unfair(spec: Spec, meta: dict[str, Any], steps: list[Step], loop: int) -> str:
    """Why the lasso's loop is not fair on the model it was found on; "" when it is: the liveness checker's
    rule (:class:`modelcheck.engine.fairness.FairnessRule`; a step out of the constraint enables its family, as
    TLC's ENABLED ignores CONSTRAINT), on the labels of the steps the loop takes and of the state-changing
    steps each of its states has."""
    from modelcheck.engine.fairness import FairnessRule

    if meta.get("fairness") == "none":
        return ""
    found_on = _model_of(spec, meta)
    rule = FairnessRule(found_on, found_on.fairness())
    taken = [st.label for st in steps[loop + 1 :] if st.label is not None]  # each leaves the state before it
    in_loop = [st.state for st in steps[loop:]] if len(steps) > loop + 1 else [steps[-1].state]
    k = rule.loop_broken(in_loop, taken,
                         lambda s: (found_on.label(i, p) for i, p, t in found_on.successors(s) if t != s))
    return "" if k is None else rule.broken_text(k, stutters=len(steps) == loop + 1)


def _model_of(spec: Spec, meta: dict[str, Any]) -> Spec:
    """The model the trace was found on: ``spec`` with the actions it left out and the restrictions it applied."""
    model = meta.get("model") or {}
    return spec.without(model.get("without") or []).restrict(model.get("restrict") or [])


def unlike(spec_state: State, recorded: State) -> str:
    """Where two states Python takes as equal differ in kind, a bool in one and a number in the other (``False ==
    0``), as a clause to append to a verdict; "" when they are alike. A trace whose ``false`` was edited to ``0``
    replayed as the spec's behaviour, and its last state, which the spec never reaches, was judged. States that
    differ are not alike either way: "" (unlike_part compares equal values only; a message set missing one of
    the other's messages was a KeyError, exit 4, where replay owes "leads to a different state", exit 1)."""
    from modelcheck.engine.faults import show_value, unlike_part

    if spec_state != recorded:
        return ""
    found = unlike_part(spec_state, recorded, "")
    if found is None:
        return ""
    where, ours, theirs = found
    return f" ({where} is {show_value(theirs)} in the trace, {show_value(ours)} in the spec's state)"


def replay_steps(spec: Spec, steps: list[Step]) -> Iterator[StepVerdict]:
    """Judge each state in turn; stop after the first that does not follow."""
    first = steps[0]
    init = next((s for s in initial_states(spec) if s == first.state), None)
    if first.label is not None or init is None or unlike(init, first.state):
        why = unlike(init, first.state) if init is not None and first.label is None else ""
        yield StepVerdict(0, "Init", False, "not an initial state of the spec" + why)
        return
    yield StepVerdict(0, "Init", True)
    for i in range(1, len(steps)):
        prev, step = steps[i - 1].state, steps[i]
        if step.label is None:
            yield StepVerdict(i, "?", False, "no action label recorded for a later state")
            return
        shown = spec.show_label(step.label)
        act = spec.action(step.label.name)
        nxt = act.step(prev, *step.label.params)
        if nxt is None:
            yield StepVerdict(i, shown, False, "not enabled in the previous state"
                              + refused_by(act.step, prev, step.label.params))
            return
        if not offered(spec, step.label, prev):
            yield StepVerdict(i, shown, False, NOT_OFFERED)
            return
        if nxt != step.state or unlike(nxt, step.state):
            diff = unlike(nxt, step.state) or _first_difference(nxt, step.state)
            yield StepVerdict(i, shown, False, f"leads to a different state than the one recorded{diff}")
            return
        yield StepVerdict(i, shown, True)


def _first_difference(expected: State, recorded: State) -> str:
    if _is_record(expected) and _is_record(recorded):
        for f in expected._fields:
            if getattr(expected, f) != getattr(recorded, f, None):
                return f" (variable {f} differs)"
    return ""


def assert_replays(path: str | Path, spec_ref: str | None = None) -> None:
    """Regression check for a saved trace: every step follows, and a recorded violation still happens.

    One line in a pytest file: ``assert_replays("tests/traces/x.itf.json")`` (a trace of a spec in a user's
    file also names that file: ``spec_ref="my_spec.py:MySpec"``).
    """
    spec, trace = read_itf(path, spec_ref=spec_ref)
    for v in replay_steps(spec, trace.steps):
        assert v.ok, f"{path}: state {v.index + 1} ({v.label}): {v.reason}"
    verdict = recorded_violation(spec, trace)
    if verdict is not None:
        assert verdict[0], f"{path}: {verdict[1]}"
