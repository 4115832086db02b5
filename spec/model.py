"""A model is a value: a spec class at fixed bounds, with the actions left out of Next, the
model restrictions applied and whether the checker reduces by symmetry.

Every consumer builds its spec through one :class:`Model`: the command line
(``modelcheck.cli.common.model_from_args``), the catalog and the default suite (recorded bounds,
:meth:`Model.recorded`), refine, graph and the search modes.  Specs are immutable, so a model
builds a fresh spec and nothing a consumer does changes another's.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spec.core import Spec, SpecError

#: Recorded beside a catalog entry's bounds; not constructor arguments.
MODEL_OPTIONS = ("symmetry", "without", "restrict")


@dataclass(frozen=True)
class Model:
    """What to check: ``cls(**bounds)``, less the ``without`` actions, under the ``restrict``
    restrictions, with or without symmetry reduction, checking the ``invariants`` named (empty: all)."""

    cls: type[Spec]
    bounds: Mapping[str, Any] = field(default_factory=dict)
    without: tuple[str, ...] = ()
    restrict: tuple[str, ...] = ()
    symmetry: bool = False
    invariants: tuple[str, ...] = ()

    @classmethod
    def recorded(cls, spec_cls: type[Spec], bounds: Mapping[str, Any]) -> Model:
        """The model of a catalog or suite row: constructor bounds with the model options inside."""
        return cls(
            spec_cls,
            {k: v for k, v in bounds.items() if k not in MODEL_OPTIONS},
            tuple(bounds.get("without", ())),
            tuple(bounds.get("restrict", ())),
            bool(bounds.get("symmetry", False)),
        )

    def build(self) -> Spec:
        """A fresh spec instance for this model."""
        if self.cls.__init__ is not Spec.__init__:  # a constructor argument without a default must be given
            params = list(inspect.signature(self.cls.__init__).parameters.values())[1:]
            missing = [p.name for p in params
                       if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                       and p.name not in self.bounds]
            if missing:
                flag = "--" + missing[0].replace("_", "-")
                from spec.registry import options_of  # the registry builds on this module

                if all(o.dest != missing[0] for o in options_of(self.cls)):  # 'needs --w' of a flag that is none
                    raise SpecError(
                        f"{self.cls.name}: its constructor argument {missing[0]} has no default and is no flag (flags "
                        "are made of int, bool, float, str and pathlib.Path arguments): give it a default, or "
                        "declare bound_options")
                raise SpecError(f"{self.cls.name} needs {flag}: its constructor argument {missing[0]} has no default")
        spec = self.cls(**self.bounds)
        if self.without:
            spec = spec.without(self.without)
        if self.restrict:
            spec = spec.restrict(self.restrict)
        if self.invariants:
            spec = spec.only_invariants(self.invariants)
        return spec
