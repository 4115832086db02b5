"""The specs and variants paxraft knows by name, their command-line bounds and default suite.

A spec module registers itself with :func:`register`; a variant class registers
with the :func:`variant` decorator. Variants written in a user's own file are
loaded with :func:`load_user_spec` (``path/to/file.py:ClassName``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spec.core import Spec, SpecError

#: Modules that register specs and variants when imported, in display order.
SPEC_MODULES: tuple[str, ...] = (
    "spec.paxos_variants",
    "spec.paxos_live",
    "spec.raft_variants",
    "spec.raft_live",
    "spec.multipaxos_variants",
    "spec.raft_config",
    "spec.dueling",
    "spec.voting",
    "spec.consensus",
)


@dataclass(frozen=True)
class Option:
    """A bound the command line sets: ``--flag`` fills keyword ``dest`` of the spec's constructor."""

    flag: str
    dest: str
    type: Callable[[str], Any]
    default: Any
    help: str


@dataclass
class SpecEntry:
    """A named spec: its class, its bounds, its variants and its default-suite models."""

    name: str
    cls: type[Spec]
    summary: str
    options: tuple[Option, ...]
    suite: Sequence[dict[str, Any]] = ()
    variants: dict[str, type[Spec]] = field(default_factory=dict)
    flags: tuple[Option, ...] = ()


_REGISTRY: dict[str, SpecEntry] = {}


def register(entry: SpecEntry) -> SpecEntry:
    """Make a spec known by name."""
    _REGISTRY[entry.name] = entry
    return entry


def variant(spec_name: str) -> Callable[[type[Spec]], type[Spec]]:
    """Class decorator: register a variant of ``spec_name`` under its ``variant`` name."""

    def add(cls: type[Spec]) -> type[Spec]:
        if not cls.variant:
            raise TypeError(f"{cls.__name__}: a variant needs a 'variant' name")
        entries()[spec_name].variants[cls.variant] = cls
        return cls

    return add


def entries() -> dict[str, SpecEntry]:
    """Every registered spec, loading the spec modules on first use."""
    if not _REGISTRY or not getattr(entries, "_loaded", False):
        entries._loaded = True  # type: ignore[attr-defined]
        for mod in SPEC_MODULES:
            importlib.import_module(mod)
    return _REGISTRY


def entry(name: str) -> SpecEntry:
    """The spec called ``name``, or a :class:`SpecError` listing the known ones."""
    known = entries()
    if name not in known:
        raise SpecError(f"unknown spec {name!r}; known specs: {', '.join(known)}")
    return known[name]


def entry_for_class(cls: type[Spec]) -> SpecEntry:
    """The registered spec a (possibly user-written) class derives from."""
    for e in entries().values():
        if issubclass(cls, e.cls):
            return e
    raise SpecError(f"{cls.__name__} derives from no registered spec ({', '.join(entries())})")


def spec_class(name: str, variant_name: str | None = None) -> type[Spec]:
    """The class of a spec, or of one of its variants."""
    e = entry(name)
    if variant_name is None:
        return e.cls
    if variant_name not in e.variants:
        raise SpecError(
            f"{name} has no variant {variant_name!r}; its variants: {', '.join(sorted(e.variants)) or 'none'}"
        )
    return e.variants[variant_name]


def build(name: str, variant_name: str | None = None, **bounds: Any) -> Spec:
    """Instantiate a spec (or variant) with the given bounds."""
    return spec_class(name, variant_name)(**bounds)


def load_user_spec(ref: str) -> type[Spec]:
    """Load ``path/to/file.py:ClassName``: a user's spec or variant class."""
    path_s, _, cls_name = ref.rpartition(":")
    path = Path(path_s)
    if not path_s or not cls_name:
        raise SpecError(f"{ref!r}: expected path/to/file.py:ClassName")
    if not path.is_file():
        raise SpecError(f"{ref!r}: no such file {path}")
    mod_name = f"paxraft_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise SpecError(f"{ref!r}: cannot load {path} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:  # a file that ends the program while imported must not end paxraft silently
        raise SpecError(f"{path}: the file called sys.exit({exc.code!r}) while being imported") from exc
    except Exception as exc:  # the user's file: report, don't crash
        raise SpecError(f"{path}: {type(exc).__name__}: {exc}") from exc
    cls = getattr(module, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Spec)):
        found = [
            n
            for n, v in vars(module).items()
            if isinstance(v, type) and issubclass(v, Spec) and v.__module__ == mod_name
        ]
        raise SpecError(f"{path}: no Spec subclass named {cls_name!r} (found: {', '.join(found) or 'none'})")
    return cls
