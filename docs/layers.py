"""Draw docs/architecture.svg: paxraft's layers and the imports between them, from the code.

The layers and the import walk are tests/test_architecture.py's (the test that fails on an
import against the direction), so the picture shows exactly what the test enforces:

    .venv/bin/python docs/layers.py            # writes docs/architecture.dot and, with Graphviz, .svg/.png
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import test_architecture as arch  # noqa: E402  (the layer table and the walk live with the test)

from modelcheck.output.dot import write_dot  # noqa: E402

#: Bottom to top, as docs/architecture.md lists them.
ORDER = ("spec", "engine", "output", "linearizability", "audit", "proofs", "impl", "harness", "cli")
RANK = {
    "spec": 0,
    "engine": 1,
    "proofs": 1,
    "impl": 1,
    "output": 2,
    "linearizability": 2,
    "audit": 3,
    "harness": 4,
    "cli": 5,
}


def layer_imports(root: Path) -> tuple[dict[str, set[str]], Counter[tuple[str, str]]]:
    """Each layer's modules, and (importing layer, imported layer) -> how many modules import across it."""
    modules: dict[str, set[str]] = defaultdict(set)
    edges: Counter[tuple[str, str]] = Counter()
    for package in arch.PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            importer = arch.module_name(path, root)
            here = arch.layer_of(importer)
            assert here is not None
            modules[here].add(importer)
            targets = set()
            for _, name in arch.imported_modules(path, importer):
                there = arch.layer_of(name)
                if there is not None and there != here:
                    to_leaf = any(name == leaf or name.startswith(leaf + ".") for leaf in arch.SHARED_LEAVES)
                    targets.add("shared leaves" if to_leaf and importer not in arch.SHARED_LEAVES else there)
            for there in targets:
                edges[(here, there)] += 1
    return modules, edges


def packages_of(mods: set[str]) -> str:
    """A short list of the packages (or cmd_* modules) making up a layer."""
    names = set()
    for m in mods:
        parts = m.split(".")
        if parts[-1].startswith("cmd_"):
            names.add("/".join(parts[:-1]) + "/cmd_*")
        elif parts[0] == "modelcheck" and len(parts) > 1:
            names.add("modelcheck/" + parts[1].removesuffix(".py"))
        elif parts[0] == "modelcheck":
            names.add("modelcheck/__init__")
        else:
            names.add(parts[0] + "/")
    return "\\n".join(sorted(names))


def dot(root: Path) -> str:
    """The DOT text: one box per layer (spec at the bottom, its packages named), an arrow per layer pair with an
    import. No counts of modules or imports: the picture changes when a layer or a direction of import does, which
    tests/test_architecture.py checks (a picture with counts went stale with every module added)."""
    modules, edges = layer_imports(root)
    out = [
        "digraph layers {",
        '  rankdir=TB; node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];',
        '  edge [color="#555555", fontname="Helvetica", fontsize=10];',
        '  label="paxraft layers: an arrow is an import; every arrow points down";',
        "  labelloc=t;",
    ]
    for layer in ORDER:
        out.append(f'  "{layer}" [label="{layer}\\n{packages_of(modules[layer])}"];')
    out.append(
        '  "shared leaves" [label="shared leaves\\nmodelcheck/cli/common.py (UsageError)\\nmodelcheck/output/dot.py",'
        ' fillcolor="#fdf3e1"];'
    )
    for rank in sorted(set(RANK.values())):
        same = " ".join(f'"{layer}";' for layer in ORDER if RANK[layer] == rank)
        out.append(f"  {{ rank=same; {same} }}")
    for a, b in sorted(edges):
        style = ' [style=dashed, color="#b07d2b"]' if b == "shared leaves" else ""
        out.append(f'  "{a}" -> "{b}"{style};')
    out.append("}")
    return "\n".join(out) + "\n"


def main() -> int:
    """Write the DOT file and, where Graphviz is installed, the SVG and PNG beside it."""
    written = write_dot(dot(ROOT), ROOT / "docs" / "architecture.dot", ("svg", "png"))
    print("wrote " + ", ".join(str(p.relative_to(ROOT)) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
