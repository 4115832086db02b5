"""The one registry: every spec paxraft knows by name, and everything that hangs off a spec.

An entry names the spec's class, its bounds, its variants, its catalog cases and, by lazy
reference (``"module:attribute"``, imported only when used, so ``spec`` imports nothing of
the other packages), its refinement mappings, audit mapping, BMC runner and proof runner.
A shipped spec module calls :func:`register`; a variant class registers with the
:func:`variant` decorator.

A spec class nobody registered still gets an entry, derived from the class itself
(:func:`entry_for_class`): its name and summary, its bounds read from its constructor's
signature (or its ``bound_options`` table), the variant classes of its own module and the
refinement mappings it marks with :func:`spec.core.refines`.  So a user's file that only
subclasses :class:`~spec.core.Spec` is checked, drawn, replayed and refined by path
(``path/to/file.py:Class``) or module (``package.module:Class``) without registration.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.abc
import importlib.util
import inspect
import re
import sys
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spec.core import Option, Spec, SpecError, summary
from spec.suggest import hint

__all__ = [
    "Option",
    "SpecEntry",
    "build",
    "entries",
    "entry",
    "entry_for_class",
    "file_spec",
    "is_user_ref",
    "lazy",
    "load_user_module",
    "load_where",
    "load_user_spec",
    "names_class",
    "names_file",
    "options_of",
    "varied_spec",
    "ref_where",
    "register",
    "spec_class",
    "user_classes",
    "variant",
]

#: Modules that register specs and variants when imported, in display order.
SPEC_MODULES: tuple[str, ...] = (
    "spec.paxos_variants",
    "spec.paxos_live",
    "spec.raft_variants",
    "spec.raft_live",
    "spec.multipaxos_variants",
    "spec.raft_config",
    "spec.raft_snapshot",
    "spec.raft_rebuild",
    "spec.multipaxos_rebuild",
    "spec.dueling",
    "spec.voting",
    "spec.consensus",
)


@dataclass
class SpecEntry:
    """A named spec: its class and bounds, its variants and default-suite models, and the
    consumers that exist for it, each a lazy ``"module:attribute"`` reference."""

    name: str
    cls: type[Spec]
    summary: str
    options: tuple[Option, ...]
    suite: Sequence[dict[str, Any]] = ()
    variants: dict[str, type[Spec]] = field(default_factory=dict)
    flags: tuple[Option, ...] = ()
    #: catalog rows beyond the variants' own (a tuple of ``spec.catalog.Entry``)
    cases: str | None = None
    #: abstract spec name -> ``f(concrete spec) -> (abstract spec, state mapping)``
    refinements: dict[str, str] = field(default_factory=dict)
    #: ``f(events, bounds) -> audit mapping`` for ``paxraft audit``
    audit: str | None = None
    #: ``run(args, spec) -> exit status`` for ``paxraft bmc``
    bmc: str | None = None
    #: ``run(args) -> exit status`` for ``paxraft prove``
    proof: str | None = None
    registered: bool = True  # False: derived from an unregistered class

    @property
    def all_options(self) -> tuple[Option, ...]:
        """The bounds and the on/off flags, as the command line offers them."""
        return self.options + self.flags


_REGISTRY: dict[str, SpecEntry] = {}


def lazy(ref: str) -> Any:
    """The object a ``"module:attribute"`` reference names (imported now)."""
    mod, _, attr = ref.partition(":")
    obj = importlib.import_module(mod)
    for part in attr.split("."):  # "module:Class.method"
        obj = getattr(obj, part)
    return obj


def register(entry: SpecEntry | type[Spec]) -> SpecEntry:
    """Make a spec known by name: an entry, or a class whose entry is derived from it."""
    if isinstance(entry, type):
        entry = _derive(entry, registered=True)  # type: ignore[arg-type]  # (a class is hashable; mypy says not)
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
    if not getattr(entries, "_loaded", False):
        entries._loaded = True  # type: ignore[attr-defined]
        for mod in SPEC_MODULES:
            importlib.import_module(mod)
    return _REGISTRY


def entry(name: str) -> SpecEntry:
    """The spec called ``name``, or a :class:`SpecError` listing the known ones."""
    known = entries()
    if name not in known and is_user_ref(name):  # a file or module, with or without its class (`check my.py`)
        return entry_for_class(load_user_spec(name))
    if name not in known:
        raise SpecError(f"unknown spec {name!r} (known specs: {', '.join(known)}){hint(name, known)}")
    return known[name]


def entry_for_class(cls: type[Spec]) -> SpecEntry:
    """The entry of a spec class: its registered spec's (a variant's bounds are its base's),
    or, for a class derived from no registered spec, one read from the class itself."""
    mine = [e for e in entries().values() if issubclass(cls, e.cls)]
    if mine:  # the nearest registered ancestor: an extension (raft-snapshot) before the spec it extends (raft)
        return min(mine, key=lambda e: cls.__mro__.index(e.cls))
    return _derive(cls)  # type: ignore[arg-type]  # (as in register)


def spec_class(name: str, variant_name: str | None = None) -> type[Spec]:
    """The class of a spec, or of one of its variants."""
    e = entry(name)
    if variant_name is None:
        return e.cls
    if variant_name not in e.variants:
        raise no_variant(name, variant_name, e.variants)
    return e.variants[variant_name]


def no_variant(spec_name: str, name: str, variants: Iterable[str]) -> SpecError:
    """The error for a variant ``spec_name`` does not have, with the closest it does."""
    known = sorted(variants)
    listed = ", ".join(known) or "none"
    return SpecError(f"{spec_name} has no variant {name!r} (its variants: {listed}){hint(name, known)}")


def build(name: str, variant_name: str | None = None, **bounds: Any) -> Spec:
    """Instantiate a spec (or variant) with the given bounds."""
    return spec_class(name, variant_name)(**bounds)


# -- entries read from a class ---------------------------------------------------------------------


@functools.cache
def _derive(cls: type[Spec], registered: bool = False) -> SpecEntry:
    doc = summary(cls.__doc__)
    module = sys.modules.get(cls.__module__)
    found = [
        v
        for v in vars(module).values()
        if module is not None
        and isinstance(v, type)
        and issubclass(v, cls)
        and v is not cls
        and v.variant
        and v.__module__ == cls.__module__
        and varied_spec(v) is cls
    ]
    # One name, several classes (a variant of the spec and one of a subclass spec, both named
    # "deliver-any"): the nearest to the spec is its variant, not whichever the file defines last.
    variants: dict[str, type[Spec]] = {}
    for v in found:  # (each has a variant name: found keeps no other)
        known = variants.get(v.variant)  # type: ignore[arg-type]
        if known is None or v.__mro__.index(cls) <= known.__mro__.index(cls):
            variants[v.variant] = v  # type: ignore[index]
    return SpecEntry(
        name=cls.name,
        cls=cls,
        summary=doc or cls.__name__,
        options=options_of(cls),
        variants=variants,
        registered=registered,
    )


_SIMPLE = (int, bool, float, str, Path)


def options_of(cls: type[Spec]) -> tuple[Option, ...]:
    """The bounds of a spec class: its ``bound_options`` table, or one option per constructor
    parameter of a plain type (int, bool, float, str, from its annotation or default; a
    ``pathlib.Path`` is a str naming a file); a help text comes from ``Annotated[int, "help"]``."""
    if cls.bound_options:
        return tuple(cls.bound_options)
    if cls.__init__ is Spec.__init__:
        return ()
    try:
        hints = typing.get_type_hints(cls.__init__, include_extras=True)
    except Exception:  # an annotation that does not evaluate: fall back on the defaults' types
        hints = {}
    out = []
    for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        typ, help_text = _plain_type(hints.get(p.name), p.default)
        if typ is None:
            continue
        default = None if p.default is p.empty else p.default
        out.append(Option("--" + p.name.replace("_", "-"), p.name, str if typ is Path else typ, default,
                          help_text or p.name, required=p.default is p.empty, names_file=typ is Path))
    return tuple(out)


def unflagged(cls: type[Spec]) -> list[str]:
    """The constructor arguments :func:`options_of` makes no flag of (their type is none of int, bool, float, str,
    pathlib.Path) in a constructor written in a user's file: ``paxraft list`` names them, which it left out without
    a word (a shipped spec's, such as Paxos's quorum systems, have flags of their own)."""
    if cls.bound_options or not getattr(cls.__init__, "__module__", "").startswith("paxraft_user_"):
        return []
    flags = {o.dest for o in options_of(cls)}
    return [p.name for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in flags]


def _plain_type(hint: Any, default: Any) -> tuple[type | None, str]:
    """(int/bool/float/str/Path or None, help text) for a constructor parameter."""
    help_text = ""
    if typing.get_origin(hint) is typing.Annotated:
        hint, *extra = typing.get_args(hint)
        help_text = next((x for x in extra if isinstance(x, str)), "")
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if args and len(args) == 1:  # Optional[int], int | None
        hint = args[0]
    if hint in _SIMPLE:
        return hint, help_text
    if hint is None and isinstance(default, _SIMPLE):
        return Path if isinstance(default, Path) else type(default), help_text
    return None, help_text


# -- a user's file -----------------------------------------------------------------------------------

_REF = re.compile(r"^(?P<where>[^:]+\.py|[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):(?P<cls>[A-Za-z_]\w*)$")
#: A file (``dir/file.py``) or a dotted module (``pkg.mod``) named alone: its one spec.  A module of one word is left
#: out: it would read as a spec's name (``paxos``), and a misspelt name must stay "unknown spec".
_WHERE = re.compile(r"^(?:[^:]+\.py|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)$")


def is_user_ref(text: str | None) -> bool:
    """Whether ``text`` names a user's spec: a class by file (``dir/file.py:Class``) or module (``pkg.mod:Class``),
    or a file or dotted module alone (its one spec, :func:`file_spec`)."""
    return names_class(text) or names_file(text)


def names_class(text: str | None) -> bool:
    """Whether ``text`` names a class by file or module (``dir/file.py:Class``, ``pkg.mod:Class``), not a file alone."""
    return bool(text) and _REF.match(text) is not None  # type: ignore[arg-type]


def names_file(text: str | None) -> bool:
    """Whether ``text`` is a file or dotted module named without a class (``dir/file.py``, ``pkg.mod``)."""
    return bool(text) and _WHERE.match(text) is not None  # type: ignore[arg-type]


def ref_where(ref: str) -> str:
    """The file or module of a user's reference, with or without its class: ``f.py:A`` and ``f.py`` are ``f.py``."""
    return ref if names_file(ref) else ref.rpartition(":")[0]


def load_user_module(path_s: str) -> Any:
    """Import a user's Python file (once per file, however it is spelt): its folder goes on
    ``sys.path`` first, as ``python file.py`` would, so the file may import its neighbours
    (``from tcommit import TCommit``)."""
    path = Path(path_s)
    if not path.is_file():
        raise SpecError(f"no such file {path}")
    resolved = path.resolve()
    # The name must be the same in every process (a checkpoint's pickles name it, and `--resume`
    # is a new process), so not hash(): str hashes are randomised per process.
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:16]
    mod_name = f"paxraft_user_{re.sub(r'[^0-9A-Za-z_]', '_', resolved.stem)}_{digest}"
    if mod_name in sys.modules:  # loaded before: the same classes (a trace pickled across processes needs that)
        return sys.modules[mod_name]
    spec = importlib.util.spec_from_file_location(mod_name, resolved)
    if spec is None or spec.loader is None:
        raise SpecError(f"cannot load {path} as Python")
    folder = str(resolved.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:  # a file that ends the program while imported must not end paxraft silently
        raise SpecError(f"{path}: the file called sys.exit({exc.code!r}) while being imported") from exc
    except SpecError:
        raise
    except Exception as exc:  # the user's file: report, don't crash
        del sys.modules[mod_name]
        raise SpecError(f"{path}: {type(exc).__name__}: {exc}") from exc
    module.__paxraft_file__ = str(resolved)  # type: ignore[attr-defined]
    return module


def user_module_sources(cls: type) -> list[tuple[str, str, str]]:
    """(module name, file, source) of the user files ``cls`` comes from, and of the modules they
    imported from their folders, dependencies first: what another machine needs to load ``cls``
    by name (a Ray worker), where the files may not exist."""
    files = [sys.modules[c.__module__] for c in cls.__mro__ if c.__module__.startswith("paxraft_user_")]
    folders = {str(Path(m.__paxraft_file__).parent) for m in files}
    siblings = [  # imported from a user file's folder; a module is in sys.modules before what it imports. Not one
        # imported as a member of a package that folder is (user_specs.ewd998_chan, which test_audit_user audits):
        # a user's file imports its neighbour by its own name, and shipped, the dotted name failed the worker's
        # imports ('No module named user_specs') whenever such an import had come first in the process
        m for name, m in reversed(list(sys.modules.items()))
        if not name.startswith("paxraft_user_") and "." not in name
        and (file := getattr(m, "__file__", None)) is not None and str(Path(file).parent) in folders
    ]  # (a module without a file, sys, is no neighbour: read as in "/", it was one of a file there's)
    out: list[tuple[str, str, str]] = []
    for m in siblings + files[::-1]:
        path: str = getattr(m, "__paxraft_file__", None) or m.__file__  # type: ignore[assignment]  # (has a file)
        if path.endswith(".py") and (m.__name__, path) not in [(n, p) for n, p, _ in out]:
            out.append((m.__name__, path, Path(path).read_text()))
    return out


class _Shipped(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the modules of ``user_module_sources`` from their shipped text, in whatever order
    they import each other."""

    sources: dict[str, tuple[str, str]] = {}

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.sources:
            return None
        return importlib.util.spec_from_loader(name, self, origin=self.sources[name][0])

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        path, text = self.sources[module.__name__]
        module.__file__ = path
        if module.__name__.startswith("paxraft_user_"):
            module.__paxraft_file__ = path
        exec(compile(text, path, "exec"), module.__dict__)  # noqa: S102 - the user's own spec file, as imported


def install_user_modules(sources: list[tuple[str, str, str]]) -> None:
    """Load the modules of ``user_module_sources`` under their names, unless this process has them."""
    _Shipped.sources.update({name: (path, text) for name, path, text in sources})
    if not any(isinstance(f, _Shipped) for f in sys.meta_path):
        sys.meta_path.insert(0, _Shipped())
    for name, path, _ in sources:
        folder = str(Path(path).parent)
        if Path(folder).is_dir() and folder not in sys.path:  # a module it imports later, unshipped
            sys.path.insert(0, folder)
        importlib.import_module(name)


def defines_init(cls: type[Spec]) -> bool:
    """Whether a class has initial states: one without is a base class its specs share, not a spec to check."""
    return cls.init_states is not Spec.init_states


def user_classes(module: Any) -> list[type[Spec]]:
    """The specs (and variants) a module defines, not those it imports, in definition order; a base class without
    ``init_states`` (the constants and helpers two specs of a file share) is none."""
    return [
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, Spec) and v is not Spec and v.__module__ == module.__name__
        and defines_init(v)
    ]


def varied_spec(v: type[Spec]) -> type[Spec]:
    """The spec a variant class varies: the nearest class above it that is no variant. A spec's variants are
    those that vary it, never those of a spec below it: ACP_NB's variant 'wrong' is ACP_NB's, not ACP_SB's, which
    ACP_NB extends (`check FILE:ACP_SB --variant wrong` ran ACP_NB[wrong]); a variant of a variant varies its spec."""
    return next(b for b in v.__mro__[1:] if not getattr(b, "variant", None))


def load_where(where: str, ref: str | None = None) -> Any:
    """The module of a user's file (``dir/file.py``) or importable module (``pkg.mod``), ``ref`` the reference naming
    it (for the error)."""
    if where.endswith(".py"):
        return load_user_module(where)
    try:
        return importlib.import_module(where)
    except ImportError as exc:
        raise SpecError(f"{ref or where!r}: cannot import {where}: {exc}") from None
    except Exception as exc:  # the user's module: report, don't crash
        raise SpecError(f"{where}: {type(exc).__name__}: {exc}") from exc


def file_spec(module: Any, where: str) -> type[Spec]:
    """The one spec a file (or module) named alone stands for: the one class it defines (not imports) with
    ``init_states`` that is no variant of another class of the file (those stay reachable with ``--variant``).
    Several, or none: a :class:`SpecError` naming them."""
    mine = user_classes(module)
    found = [c for c in mine if not (c.variant and varied_spec(c).__module__ == module.__name__)]
    if len(found) == 1:
        return found[0]
    kind = "file" if where.endswith(".py") else "module"
    if found:
        names = ", ".join(c.__name__ for c in found)
        raise SpecError(f"{where} is a {kind} of {len(found)} specs: name one, e.g. {where}:{found[0].__name__} "
                        f"(its specs: {names})")
    bases = [c.__name__ for c in vars(module).values() if isinstance(c, type) and issubclass(c, Spec)
             and c is not Spec and c.__module__ == module.__name__]
    said = f"; its Spec subclasses without init_states: {', '.join(bases)}" if bases else ""
    raise SpecError(f"{where} defines no spec: a spec is a class deriving from spec.core.Spec with init_states "
                    f"(docs/writing-a-spec.md){said}")


def load_user_spec(ref: str) -> type[Spec]:
    """Load ``path/to/file.py:ClassName`` or ``package.module:ClassName``: a user's spec or variant class; a file or
    module named alone (``path/to/file.py``, ``package.module``) is its one spec (:func:`file_spec`)."""
    m = _REF.match(ref)
    if m is None and not names_file(ref):
        raise SpecError(f"{ref!r}: expected path/to/file.py[:ClassName] or package.module[:ClassName]")
    where, cls_name = (m.group("where"), m.group("cls")) if m else (ref, None)
    module = load_where(where, ref)
    if cls_name is None:
        return file_spec(module, where)
    cls = getattr(module, cls_name, None)
    of = getattr(cls, "spec_class", None)  # a trace mapping (modelcheck.audit.TraceMapping) names its spec
    if isinstance(cls, type) and isinstance(of, type) and issubclass(of, Spec):
        raise SpecError(f"{where}: {cls_name} is the trace mapping of {of.__name__}: name the spec, "
                        f"--spec {where}:{of.__name__} (its mapping is found through it)")
    if not (isinstance(cls, type) and issubclass(cls, Spec)):
        found = [c.__name__ for c in user_classes(module)]
        raise SpecError(f"{where}: no Spec subclass named {cls_name!r}{hint(cls_name, found)} "
                        f"(found: {', '.join(found) or 'none'})")
    if not defines_init(cls):
        found = [c.__name__ for c in user_classes(module) if not c.variant]
        raise SpecError(f"{where}: {cls_name} defines no init_states, so it is no spec to check (a base class?); "
                        f"the specs there: {', '.join(found) or 'none'}")
    return cls


def class_ref(cls: type) -> dict[str, str]:
    """How a trace names a class so it can be loaded again: ``module:Class``, and the file when
    the class came from a user's file rather than an importable module."""
    out = {"class": f"{cls.__module__}:{cls.__qualname__}"}
    path = getattr(sys.modules.get(cls.__module__), "__paxraft_file__", None)
    if path is not None:
        out["file"] = str(Path(path).resolve())
    return out


def class_from_ref(meta: dict[str, Any]) -> type[Spec] | None:
    """The class a trace's metadata names by file or importable module (None: by name only)."""
    qual = str(meta.get("class", "")).rpartition(":")[2]
    if meta.get("file"):
        return load_user_spec(f"{meta['file']}:{qual}")
    module = str(meta.get("class", "")).partition(":")[0]
    if module and not module.startswith("paxraft_user_") and is_user_ref(f"{module}:{qual}"):
        return load_user_spec(f"{module}:{qual}")
    return None
