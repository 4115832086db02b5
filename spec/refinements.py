"""Which spec implements which, under which refinement mapping (as MCPaxos's ``VotingSpecBar``).

A mapping builds, from a concrete spec instance, the abstract spec with matching constants and
the function from concrete to abstract states.  A registered spec names its mappings in its
registry entry (``refinements``, lazy references); any spec class may also mark a method with
:func:`spec.core.refines`.  Declared steps compose: Paxos => Voting and Voting => Consensus give
Paxos => Consensus (TLA+'s refinement is transitive), for a user's specs as for the shipped ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spec.core import Spec, SpecError, _inherited_marker, _marked
from spec.registry import entry_for_class, lazy
from spec.suggest import hint

Mapping = Callable[[Any], Any]
Builder = Callable[[Any], tuple[Spec, Mapping]]


def refinements_of(cls: type[Spec]) -> dict[str, Builder]:
    """Abstract spec name -> mapping builder, for a concrete spec class: those its registry entry
    names, then the methods it marks with ``@refines``."""
    out: dict[str, Builder] = {name: lazy(ref) for name, ref in entry_for_class(cls).refinements.items()}
    for method in _marked(cls, "__paxraft_refines__"):
        abstract = _inherited_marker(cls, method, "__paxraft_refines__")
        name = abstract if isinstance(abstract, str) else abstract.name

        def build(spec: Spec, _method: str = method, _declared: Any = abstract,
                  _name: str = name) -> tuple[Spec, Mapping]:
            made = getattr(spec, _method)()
            if not (isinstance(made, tuple) and len(made) == 2 and isinstance(made[0], Spec) and callable(made[1])):
                raise SpecError(f"{spec.name}: @refines method {_method} returned {type(made).__name__}; expected "
                                "(the abstract spec, a function from a state to an abstract state)")
            built = made[0]
            if not (isinstance(built, _declared) if isinstance(_declared, type)
                    else _name.lower() in (built.name.lower(), type(built).__name__.lower())):
                # 'refine A Boom' reported 'A implements C' (exit 0) for a method declared Boom that built C
                raise SpecError(f"{spec.name}: @refines({_name!r}) method {_method} built {type(built).__name__} "
                                f"(named {built.name!r}), not the {_name} it declares")
            return made

        out[name] = build
    return out


def refinement(concrete: Spec, abstract_name: str) -> tuple[Spec, Mapping]:
    """The abstract spec and mapping for ``concrete`` (a spec or one of its variants); the abstract
    spec is named as registered, by its class name, or as ``file.py:Class``/``module:Class``. A
    spec reached only through declared steps gets their mappings composed, the fewest steps first."""
    name = abstract_name.rpartition(":")[2] if ":" in abstract_name else abstract_name
    reached: dict[str, str] = {}  # every abstract spec reachable, lower-cased -> as declared (with its route)
    level: list[tuple[Spec, Mapping, tuple[str, ...]]] = [(concrete, lambda s: s, ())]
    seen = {concrete.name.lower()}
    while level:
        deeper: list[tuple[Spec, Mapping, tuple[str, ...]]] = []
        for spec, to_spec, route in level:
            for declared, builder in refinements_of(type(spec)).items():
                if declared == name or declared.lower() == name.lower():  # (before the skip of specs met: a spec
                    # declaring a mapping to itself, a symmetry say, was 'no refinement mapping from A to A')
                    abstract, to_abstract = builder(spec)
                    return abstract, _composed(to_spec, to_abstract, bool(route))
                if declared.lower() in seen:
                    continue
                reached.setdefault(declared.lower(), declared + (f" (through {', '.join(route)})" if route else ""))
                deeper.append((spec, to_spec, (*route, declared)))
        level = []
        for spec, to_spec, route in deeper:
            if route[-1].lower() not in seen:
                seen.add(route[-1].lower())
                abstract, to_abstract = refinements_of(type(spec))[route[-1]](spec)
                level.append((abstract, _composed(to_spec, to_abstract, len(route) > 1), route))
    known = ", ".join(reached.values()) or "none declared"
    raise SpecError(f"no refinement mapping from {concrete.name} to {abstract_name}"
                    f"{hint(name, [r.split(' ')[0] for r in reached.values()])} (known from {concrete.name}: {known})")


def _composed(first: Mapping, then: Mapping, chained: bool) -> Mapping:
    """``then`` after ``first``; ``then`` itself when ``first`` is the identity (a direct step)."""
    return (lambda s: then(first(s))) if chained else then


__all__ = ["refinement", "refinements_of"]
