"""Load one of the repository's scripts (benchmarks/, tools/) as a module, for the tests that call its
functions: those folders are not packages, so their files are loaded by path."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load_script(path: str, name: str) -> ModuleType:
    """The module of ``ROOT/path`` (``"benchmarks/figures.py"``), run once under ``name``."""
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
