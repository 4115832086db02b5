"""One direction, enforced: every import between paxraft's layers points down (issue 13.3).

The layers, bottom to top (docs/architecture.md draws them from the same walk):

- ``spec``: the executable specifications; imports nothing of ours.
- ``engine`` (``modelcheck`` itself and ``modelcheck.engine``): the search; imports spec.
- ``output`` (``modelcheck.output``): pictures and trace files of what the engine found.
- ``linearizability`` and ``audit``: import spec and the engine (audit also linearizability).
- ``proofs``: the Z3 encodings; import spec.
- ``impl``: the runnable implementation; imports spec at most.
- ``harness`` (``modelcheck.harness``, ``modelcheck.nemesis``): runs the implementation under the audit and the
  linearizability checker.
- ``cli``: ``modelcheck.cli`` and every ``cmd_*`` module, the top layer.

A *shared leaf* (``modelcheck.cli.common``: ``UsageError`` and the helpers commands share;
``modelcheck.output.dot``: the one DOT writer) imports only spec and may be imported from anywhere
above spec.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("spec", "modelcheck", "impl", "proofs")

SHARED_LEAVES = frozenset({"modelcheck.cli.common", "modelcheck.output.dot"})

#: Layer -> the layers it may import (besides itself and the shared leaves).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "spec": frozenset(),
    "engine": frozenset({"spec"}),
    "output": frozenset({"spec", "engine"}),
    "linearizability": frozenset({"spec", "engine"}),
    "audit": frozenset({"spec", "engine", "output", "linearizability"}),
    "proofs": frozenset({"spec"}),
    "impl": frozenset({"spec"}),
    "harness": frozenset({"spec", "engine", "output", "linearizability", "audit", "proofs", "impl"}),
    "cli": frozenset({"spec", "engine", "output", "linearizability", "audit", "proofs", "impl", "harness"}),
}

#: Module-name prefix -> layer, most specific first.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("modelcheck.cli", "cli"),
    ("modelcheck.harness", "harness"),
    ("modelcheck.nemesis", "harness"),  # (the real store under a nemesis, its history checked)
    ("modelcheck.engine", "engine"),
    ("modelcheck.output", "output"),
    ("modelcheck.audit", "audit"),
    ("modelcheck.linearizability", "linearizability"),
    ("modelcheck", "engine"),  # the package itself: check(), Result
    ("spec", "spec"),
    ("proofs", "proofs"),
    ("impl", "impl"),
)


def layer_of(module: str) -> str | None:
    """The layer a module of ours belongs to (None: not ours, e.g. the standard library or z3)."""
    if module.split(".")[-1].startswith("cmd_"):
        return "cli"
    for prefix, layer in PREFIXES:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def module_name(path: Path, root: Path) -> str:
    """``modelcheck/engine/bfs.py`` -> ``modelcheck.engine.bfs``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, module: str) -> list[tuple[int, str]]:
    """Every module an import statement in the file names (at any depth, also inside functions).

    ``from a.b import c`` yields both ``a.b`` and ``a.b.c`` (``c`` may be a submodule); the
    caller keeps only names that are modules of ours by their prefix.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def violations(root: Path) -> list[str]:
    """One line per import against the direction: ``file:line: importer (layer) imports imported (layer)``."""
    bad: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            importer = module_name(path, root)
            here = layer_of(importer)
            assert here is not None, importer
            for line, name in imported_modules(path, importer):
                there = layer_of(name)
                if there is None or there == here:
                    continue
                if importer in SHARED_LEAVES:
                    allowed = there == "spec"
                elif name in SHARED_LEAVES or any(name.startswith(leaf + ".") for leaf in SHARED_LEAVES):
                    allowed = here != "spec"
                else:
                    allowed = there in MAY_IMPORT[here]
                if not allowed:
                    rel = path.relative_to(root)
                    bad.append(f"{rel}:{line}: {importer} ({here}) imports {name} ({there})")
    return sorted(set(bad))


def test_every_import_points_down() -> None:
    assert violations(ROOT) == []


def test_the_picture_of_the_layers_is_the_code_s() -> None:
    """docs/architecture.dot (and the .svg/.png drawn from it) shows the layers and the directions of import the code
    has: the picture with module counts went stale (a harness of "1 module", 23 engine modules for 34)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("layers", ROOT / "docs" / "layers.py")
    assert spec is not None and spec.loader is not None
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    assert (ROOT / "docs" / "architecture.dot").read_text() == layers.dot(ROOT), (
        "docs/architecture.dot is stale: run .venv/bin/python docs/layers.py")


def test_every_module_has_a_layer() -> None:
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            assert layer_of(module_name(path, ROOT)) is not None, path


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    for package in PACKAGES:
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return tmp_path


@pytest.mark.parametrize(
    ("rel", "text", "expected"),
    [
        # spec reaching up into the engine, at module level
        ("spec/bad.py", "from modelcheck.engine.bfs import bfs\n", "spec.bad (spec) imports modelcheck.engine.bfs"),
        # the audit driving the implementation from inside a function (the old modelcheck.audit.online)
        (
            "modelcheck/audit/online.py",
            "def run():\n    from impl.paxos.sim import simulate\n",
            "modelcheck.audit.online (audit) imports impl.paxos.sim (impl)",
        ),
        # impl importing a command module rather than the shared leaf
        ("impl/x.py", "from modelcheck.cli.main import main\n", "impl.x (impl) imports modelcheck.cli.main (cli)"),
        # proofs importing the engine
        ("proofs/raft/bmc.py", "import modelcheck.engine.result\n", "proofs.raft.bmc (proofs) imports modelcheck."),
        # a relative import is resolved before it is judged
        (
            "modelcheck/engine/x.py",
            "from ..output import render\n",
            "modelcheck.engine.x (engine) imports modelcheck.output",
        ),
        # a shared leaf must stay a leaf
        ("modelcheck/cli/common.py", "from modelcheck.engine import bfs\n", "modelcheck.cli.common (cli) imports"),
    ],
)
def test_a_planted_upward_import_is_caught(tmp_path: Path, rel: str, text: str, expected: str) -> None:
    root = _tree(tmp_path, {rel: text})
    found = violations(root)
    assert len(found) >= 1 and any(expected in line for line in found), found
    assert all(line.startswith(rel.replace("/", "/")) for line in found), found


def test_allowed_imports_pass(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "spec/a.py": "import json\nfrom spec.core import Spec\n",
            "modelcheck/engine/a.py": "from spec.core import Spec\n",
            "modelcheck/audit/a.py": "from modelcheck.engine.result import Step\nimport modelcheck.linearizability\n",
            "impl/cmd_x.py": "from modelcheck.cli.common import UsageError\nfrom modelcheck.engine import bfs\n",
            "impl/core.py": "from modelcheck.cli.common import UsageError\nfrom spec.behaviour import Step\n",
            "proofs/raft/cti.py": "from modelcheck.output.dot import write_dot\nimport z3\n",
            "modelcheck/harness.py": "from impl.sim import cluster\nfrom modelcheck.audit import refine\n",
        },
    )
    assert violations(root) == []


def test_numpy_loads_only_with_the_compact_store() -> None:
    """``import modelcheck``, ``paxraft list`` and a one-process check use the dict store: numpy (about
    0.1-0.7 s of start-up) loads only with the parallel engine's compact store."""
    import subprocess
    import sys

    probe = ("import sys; from modelcheck import check; from modelcheck.cli.main import build_parser; build_parser(); "
             "from spec.paxos import Paxos; check(Paxos(acceptors=1, values=1)); "
             "print('numpy' in sys.modules, end=' '); import modelcheck.engine.search; print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "True"], out.stderr
