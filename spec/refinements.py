"""Which spec implements which, under which refinement mapping (as MCPaxos's ``VotingSpecBar``).

A mapping builds, from a concrete spec instance, the abstract spec with matching constants and
the function from concrete to abstract states.  A registered spec names its mappings in its
registry entry (``refinements``, lazy references); any spec class may also mark a method with
:func:`spec.core.refines`.  Paxos => Consensus is the composition of the two steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spec.core import Spec, SpecError, _inherited_marker, _marked
from spec.registry import entries, entry_for_class, lazy
from spec.suggest import hint

Mapping = Callable[[Any], Any]
Builder = Callable[[Any], tuple[Spec, Mapping]]


def paxos_to_consensus(p: Any) -> tuple[Spec, Mapping]:
    """Paxos => Voting => Consensus: the two mappings composed."""
    from spec.consensus import from_voting
    from spec.voting import from_paxos

    voting, to_voting = from_paxos(p)
    consensus, to_consensus = from_voting(voting)
    return consensus, lambda s: to_consensus(to_voting(s))


def refinements_of(cls: type[Spec]) -> dict[str, Builder]:
    """Abstract spec name -> mapping builder, for a concrete spec class: those its registry entry
    names, then the methods it marks with ``@refines``."""
    out: dict[str, Builder] = {name: lazy(ref) for name, ref in entry_for_class(cls).refinements.items()}
    for method in _marked(cls, "__paxraft_refines__"):
        abstract = _inherited_marker(cls, method, "__paxraft_refines__")
        name = abstract if isinstance(abstract, str) else abstract.name

        def build(spec: Spec, _method: str = method) -> tuple[Spec, Mapping]:
            made = getattr(spec, _method)()
            if not (isinstance(made, tuple) and len(made) == 2 and isinstance(made[0], Spec) and callable(made[1])):
                raise SpecError(f"{spec.name}: @refines method {_method} returned {type(made).__name__}; expected "
                                "(the abstract spec, a function from a state to an abstract state)")
            return made

        out[name] = build
    return out


def refinement(concrete: Spec, abstract_name: str) -> tuple[Spec, Mapping]:
    """The abstract spec and mapping for ``concrete`` (a spec or one of its variants); the abstract
    spec is named as registered, by its class name, or as ``file.py:Class``/``module:Class``."""
    table = refinements_of(type(concrete))
    name = abstract_name.rpartition(":")[2] if ":" in abstract_name else abstract_name
    builder = table.get(name) or next((b for n, b in table.items() if n.lower() == name.lower()), None)
    if builder is None:
        pairs = [f"{e.name} => {a}" for e in entries().values() for a in e.refinements]
        pairs += [f"{concrete.name} => {a}" for a in table if f"{concrete.name} => {a}" not in pairs]
        raise SpecError(f"no refinement mapping from {concrete.name} to {abstract_name}{hint(name, table)} "
                        f"(known: {', '.join(pairs)})")
    return builder(concrete)


__all__ = ["paxos_to_consensus", "refinement", "refinements_of"]
