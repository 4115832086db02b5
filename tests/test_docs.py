"""The README is the front door and docs/ holds the rest: every link resolves, every page is reachable."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors a markdown page's headings define (outside code blocks)."""
    found, fenced = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            found.add(slug(line.lstrip("#")))
    return found


def broken_links(pages: list[Path], root: Path) -> list[str]:
    """``page: target`` for each relative link whose file (or heading anchor) does not exist."""
    bad = []
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists() or not dest.resolve().is_relative_to(root.resolve()):
                bad.append(f"{page.relative_to(root)}: {target}")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                bad.append(f"{page.relative_to(root)}: {target} (no such heading)")
    return bad


def unlinked_pages(root: Path) -> list[str]:
    """docs pages no link from the README or another docs page leads to."""
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    linked = set()
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            path = target.partition("#")[0]
            if path and not re.match(r"[a-z]+:", path):
                linked.add((page.parent / path).resolve())
    return [str(p.relative_to(root)) for p in pages[1:] if p.resolve() not in linked]


def doc_pages(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def test_every_link_resolves() -> None:
    assert broken_links(doc_pages(ROOT), ROOT) == []


def test_every_docs_page_is_linked() -> None:
    assert unlinked_pages(ROOT) == []


def test_readme_is_a_front_door() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 300
    assert "make demo" in text and "make test" in text
    assert "shared/DESIGN.md" not in text  # a file outside the repository


def test_a_broken_link_an_unknown_heading_and_an_orphan_page_are_caught(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("[a](docs/a.md) [gone](docs/gone.md) [x](docs/a.md#no-such-part)\n")
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Raft variants\n\n[back](../README.md#top)\n")
    (tmp_path / "docs" / "orphan.md").write_text("# Nobody links here\n")
    bad = broken_links(doc_pages(tmp_path), tmp_path)
    assert bad == [
        "README.md: docs/gone.md",
        "README.md: docs/a.md#no-such-part (no such heading)",
        "docs/a.md: ../README.md#top (no such heading)",
    ]
    assert unlinked_pages(tmp_path) == ["docs/orphan.md"]
    assert "raft-variants" in anchors(tmp_path / "docs" / "a.md")
