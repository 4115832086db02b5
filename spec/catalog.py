"""The catalog of protocol variants and known bugs: every registered variant, plus declared cases.

An entry is one model a researcher can re-run: a spec (base or variant) at fixed
bounds, the one rule changed, the property it breaks (``None``: safe at the bounds
recorded), the shortest counterexample's length there, and a source.  Entries come
from two places, so that a spec module added later is picked up without touching
this file:

* every variant class registered with :func:`spec.registry.variant`, from its catalog
  fields (``rule``, ``breaks``, ``failing_bounds``, ``trace_length``, ``source``, and,
  for a variant not broken at any bound tried, an optional ``bounds_tried``);
* the :class:`Entry` rows a registry entry names as its ``cases`` (e.g. Paxos's
  quorum-system cases: one variant at several bounds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spec.core import Spec, SpecError, summary
from spec.model import Model
from spec.registry import (
    SpecEntry,
    entries,
    entry,
    entry_for_class,
    lazy,
    load_user_spec,
    load_where,
    names_class,
    names_file,
    spec_class,
    user_classes,
    varied_spec,
)


@dataclass(frozen=True)
class Entry:
    """One catalog row: a spec or variant at fixed bounds, and what the checker should find there."""

    spec: str  # registered spec name
    name: str  # the variant's name, or the case's name
    variant: str | None  # the variant to build (None: the base spec)
    rule: str  # the one rule changed, one line
    breaks: str | None  # the property violated at ``bounds``; None: safe there
    bounds: Mapping[str, Any] = field(default_factory=dict)  # failing bounds, or the bounds tried
    trace_length: int | None = None  # shortest counterexample at ``bounds`` (transitions)
    source: str = ""
    symmetry: bool = False  # check with symmetry reduction (same verdict and length, fewer states)
    recorded: bool = True  # False: a variant said to break a property, with no failing bounds recorded yet
    shown_bounds: str = ""  # how to print the bounds, when their values do not print well
    cls: type[Spec] | None = field(default=None, compare=False)  # the class to build (None: by name)

    @property
    def expected(self) -> str:
        """``"violation"`` or ``"ok"``."""
        return "ok" if self.breaks is None else "violation"

    def build(self) -> Spec:
        """The spec instance this entry checks."""
        return model(self.cls or spec_class(self.spec, self.variant), self.bounds)

    def show_bounds(self) -> str:
        """``acceptors=3 values=2 max_ballot=1``, as given."""
        if self.shown_bounds:
            return self.shown_bounds
        return " ".join(f"{k}={_show(v)}" for k, v in self.bounds.items() if k != "symmetry") or "(defaults)"


def constructor_bounds(bounds: Mapping[str, Any]) -> dict[str, Any]:
    """The recorded bounds a spec's constructor takes (the model options dropped): the full spec."""
    return dict(Model.recorded(Spec, bounds).bounds)


def model(cls: type[Spec], bounds: Mapping[str, Any]) -> Spec:
    """``cls`` at recorded ``bounds`` (with the model options ``without``/``restrict`` inside them;
    ``symmetry`` is the checker's to apply): :meth:`spec.model.Model.recorded`, built."""
    return Model.recorded(cls, bounds).build()


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_show(x) for x in value) + "]"
    return str(value)


def entry_for_variant(spec_name: str, cls: type[Spec]) -> Entry:
    """The catalog row a variant class describes through its catalog fields."""
    bounds = cls.failing_bounds if cls.breaks is not None else getattr(cls, "bounds_tried", None)
    bounds = dict(bounds or cls.failing_bounds or {})
    return Entry(
        spec=spec_name,
        name=cls.variant or cls.__name__,
        variant=cls.variant,
        rule=cls.rule or summary(cls.__doc__),
        breaks=cls.breaks,
        bounds=bounds,
        trace_length=cls.trace_length,
        source=cls.source,
        symmetry=bool(bounds.get("symmetry", False)),
        # {} is "not yet" for a spec with bounds, and the only record a spec without bounds can make
        recorded=cls.breaks is None or bool(bounds) or (cls.failing_bounds is not None
                                                         and not entry_for_class(cls).all_options),
        cls=cls,
    )


def catalog(spec_name: str | None = None) -> list[Entry]:
    """Every catalog entry (of one spec, if named): spec by spec, its variants and then its cases."""
    if spec_name is not None and names_class(spec_name) and (named := load_user_spec(spec_name)).variant:
        # FILE.py:Variant names one catalog entry, under the spec it varies (it said "no variants of ...: a variant
        # is a subclass of a spec that sets `variant = NAME`" of a class that is exactly that)
        return [entry_for_variant(entry_for_class(varied_spec(named)).name, named)]
    out = []
    listed = _entries(spec_name)
    for e in listed:  # a file's variant under its own spec (registry.varied_spec), not under each spec it extends
        out += [entry_for_variant(e.name, cls) for cls in e.variants.values()]
        out += list(lazy(e.cases)) if e.cases else []
    if names_file(spec_name):  # variants in the file of a spec it imports
        here = {r.cls for r in out}
        for cls in user_classes(load_where(spec_name)):  # type: ignore[arg-type]  # (names_file: a str)
            if cls.variant and cls not in here and varied_spec(cls) is not Spec:
                out.append(entry_for_variant(entry_for_class(varied_spec(cls)).name, cls))
    return out


def _entries(spec_name: str | None) -> list[SpecEntry]:
    """The registry entries a ``--spec`` names: all, one by name, a user's class or a user's file."""
    if spec_name is None:
        return list(entries().values())
    if names_class(spec_name):
        return [entry_for_class(load_user_spec(spec_name))]
    if names_file(spec_name):  # a file alone: every spec of it, as `paxraft list FILE.py` shows
        return [entry_for_class(c) for c in user_classes(load_where(spec_name)) if not c.variant]
    return [entry(spec_name)]


def select(names: list[str], spec_name: str | None = None) -> list[Entry]:
    """The entries called ``names`` (all of them when empty); an unknown name is a SpecError listing the known."""
    rows = catalog(spec_name)
    if not names:
        return rows
    by_name: dict[str, list[Entry]] = {}
    for r in rows:
        by_name.setdefault(r.name, []).append(r)
        by_name.setdefault(f"{r.spec}/{r.name}", []).append(r)  # 'raft/volatile-log' if a name is in two specs
    out = []
    for n in names:
        found = by_name.get(n)
        if not found:
            known = ", ".join(r.name for r in rows) or "none"
            raise SpecError(f"no catalog entry {n!r}{f' of {spec_name}' if spec_name else ''}; entries: {known}")
        if len(found) > 1:
            raise SpecError(f"{n!r} names entries of {', '.join(r.spec for r in found)}; write SPEC/{n}")
        out.append(found[0])
    return out
