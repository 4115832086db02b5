"""The README is the front door and docs/ holds the rest: every link resolves, every page is reachable,
docs/cli.md lists every command's flags, no page shows a command (or a benchmark) with a flag it does not take, and
the figures a command's comment quotes are what it prints."""

from __future__ import annotations

import argparse
import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from modelcheck.cli.common import BOUNDS_TITLE
from modelcheck.cli.main import COMMANDS, build_parser
from spec.core import SpecError
from spec.registry import entries, entry_for_class, is_user_ref, load_user_spec

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


TABLE_RULE = re.compile(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?")


def headless_table_rows(pages: list[Path], root: Path) -> list[str]:
    """``page:line`` for each table row (outside code blocks) that starts a table without a header: a blank line
    inside a table ends it, and the rows after it show as text with pipes."""
    bad = []
    for page in pages:
        lines, fenced, previous = page.read_text(encoding="utf-8").splitlines(), False, ""
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if text.startswith("```"):
                fenced, previous = not fenced, ""
                continue
            following = lines[number].strip() if number < len(lines) else ""
            if (not fenced and text.startswith("|") and not previous.startswith("|")
                    and not TABLE_RULE.fullmatch(following)):
                bad.append(f"{page.relative_to(root)}:{number}")
            previous = text
    return bad


def test_every_table_row_is_in_a_table() -> None:
    """nemesis.md's fault table had a blank line before its last row, which then showed as a line of pipes."""
    assert headless_table_rows(doc_pages(ROOT), ROOT) == []


def test_a_row_cut_off_its_table_is_caught(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("| a | b |\n|---|:--:|\n| 1 | 2 |\n\n| 3 | 4 |\n\n```\n| x |\n```\n")
    assert headless_table_rows(doc_pages(tmp_path), tmp_path) == ["README.md:5"]


def test_every_link_resolves() -> None:
    assert broken_links(doc_pages(ROOT), ROOT) == []


def test_every_docs_page_is_linked() -> None:
    assert unlinked_pages(ROOT) == []


def test_readme_is_a_front_door() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 300
    assert "make demo" in text and "make test" in text
    assert "shared/DESIGN.md" not in text  # a file outside the repository


def test_the_readmes_documentation_list_names_every_page() -> None:
    """README's "Documentation" list left out seven pages (inference, nemesis, explorer, ...) that came later; only
    the measurement log, which performance.md introduces, is left to its page."""
    listed = {Path(target).name for target in LINK.findall(
        (ROOT / "README.md").read_text(encoding="utf-8").partition("\n## Documentation\n")[2])}
    assert {page.name for page in (ROOT / "docs").glob("*.md")} - listed == {"performance-log.md"}


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


FLAG = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")
#: a command as a page shows it: up to the end of the code span, a comment or the next command of a line
COMMAND = re.compile(r"paxraft ([a-z][a-z-]*)((?: [^`#|;&]*)?)")


def subcommand(name: str) -> argparse.ArgumentParser:
    """The parser of ``paxraft NAME`` (what its --help shows)."""
    parser = build_parser(only=name)
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]


def flag_table(page: Path) -> Iterator[tuple[str, str, list[str] | None]]:
    """The "## Every command's flags" section of ``page`` (docs/cli.md): ``(command, heading, None)`` at each
    ``### `paxraft NAME ...` `` heading, then ``(command, heading, cells)`` for each row of its table (cells split on
    the pipes that are not escaped; the first cell is the flag's)."""
    section = ("\n" + page.read_text(encoding="utf-8")).partition("\n## Every command's flags\n")[2].split("\n## ")[0]
    command, heading = None, ""
    for line in section.splitlines():
        if line.startswith("### `paxraft "):
            command, heading = line.split()[2].rstrip("`"), line
            yield command, heading, None
        elif command and line.startswith("| `"):
            yield command, heading, re.split(r"(?<!\\)\|", line)


def command_flags(name: str) -> set[str]:
    """The flags ``paxraft NAME --help`` lists, without -h/--help and the spec's bound flags."""
    sub = subcommand(name)
    return {flag for group in sub._action_groups if group.title != BOUNDS_TITLE
            for action in group._group_actions for flag in action.option_strings} - {"-h", "--help"}


def reference_flags(page: Path) -> dict[str, set[str]]:
    """Per command, the flags in the first column of its table under "## Every command's flags"."""
    found: dict[str, set[str]] = {}
    for command, _, cells in flag_table(page):
        if cells is None:
            found[command] = set()
        else:
            found[command] |= set(FLAG.findall(cells[1]))
    return found


def unknown_flags(pages: list[Path], root: Path) -> list[str]:
    """``page:line: paxraft CMD --flag`` for each flag a page shows a command with that the command does not
    take: neither its own, nor a bound flag of a registered spec or of the user's spec file the line names."""
    own = {name: command_flags(name) | {"-h", "--help", "--debug"} for name in COMMANDS}
    bounds = {o.flag for e in entries().values() for o in e.all_options}
    bad = []
    for page in pages:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for m in COMMAND.finditer(line):
                if m[1] not in COMMANDS:
                    continue
                users = set()
                for token in m[2].split():
                    if is_user_ref(token) and (root / token.partition(":")[0]).exists():
                        with contextlib.suppress(SpecError):  # a page's example of a refusal
                            users |= {o.flag for o in entry_for_class(load_user_spec(str(root / token))).all_options}
                bad += [f"{page.relative_to(root)}:{number}: paxraft {m[1]} {flag}"
                        for flag in FLAG.findall(m[2]) if flag not in own[m[1]] | bounds | users]
    return bad


def test_cli_md_lists_every_flag_of_every_command_and_no_other() -> None:
    assert reference_flags(ROOT / "docs" / "cli.md") == {name: command_flags(name) for name in COMMANDS}


def command_choices(name: str) -> set[str]:
    """``a|b|c`` for each option or positional of ``paxraft NAME`` that takes one of fixed words (``--mode``,
    ``cluster``'s action)."""
    sub = subcommand(name)
    return {"|".join(action.choices) for action in sub._actions if action.choices}


def reference_choices(page: Path) -> dict[str, set[str]]:
    """Per command, the words of its heading and each ``a|b|c`` of its table's first column under "## Every
    command's flags"."""
    found: dict[str, set[str]] = {}
    for command, heading, cells in flag_table(page):
        if cells is None:
            found[command] = set(heading.replace("`", "").split()[3:])  # (### paxraft NAME, then its words)
        else:
            found[command] |= set(re.findall(r"[\w-]+(?:\\\|[\w-]+)+", cells[1]))
    return {name: {words.replace("\\|", "|") for words in alternatives} for name, alternatives in found.items()}


def test_cli_md_names_every_word_a_flag_takes() -> None:
    """``--mode bfs|dfs|simulate``, ``cluster start|status|...``: the words in the order --help gives them."""
    listed = reference_choices(ROOT / "docs" / "cli.md")
    assert {name: command_choices(name) - listed[name] for name in COMMANDS} == {name: set() for name in COMMANDS}


#: a default a cli.md row gives in parentheses: ``(100)``, ``(60; 0: every level)``
DEFAULT = re.compile(r"\((\d[\d,]*)(?:\)|;)")


def stale_defaults(page: Path) -> list[str]:
    """``command --flag: doc N, parser M`` for each cli.md row whose number in parentheses is not the default
    ``paxraft COMMAND --help`` has."""
    bad = []
    for command, _, cells in flag_table(page):
        if cells is None:
            sub = subcommand(command)
        elif said := DEFAULT.search(cells[2]):
            flags = FLAG.findall(cells[1])
            action = next(a for a in sub._actions if flags[0] in a.option_strings)
            if float(said[1].replace(",", "")) != action.default:
                bad.append(f"{command} {flags[0]}: doc {said[1]}, parser {action.default}")
    return bad


def test_cli_md_gives_each_default_as_help_has_it(tmp_path: Path) -> None:
    assert stale_defaults(ROOT / "docs" / "cli.md") == []
    (tmp_path / "cli.md").write_text("## Every command's flags\n\n### `paxraft check [SPEC]`\n\n| flag | what |\n"
                                     "|---|---|\n| `--walks N` | simulate: number of walks (10) |\n"
                                     "| `--checkpoint-every S` | at most one per S seconds (60; 0: every level) |\n")
    assert stale_defaults(tmp_path / "cli.md") == ["check --walks: doc 10, parser 100"]


def test_a_word_a_flag_takes_left_out_is_caught(tmp_path: Path) -> None:
    (tmp_path / "cli.md").write_text("## Every command's flags\n\n### `paxraft check [SPEC]`\n\n| flag | what |\n"
                                     "|---|---|\n| `--mode bfs\\|dfs` | the search |\n\n"
                                     "### `paxraft wal check NODE_DIR`\n")
    listed = reference_choices(tmp_path / "cli.md")
    assert listed == {"check": {"[SPEC]", "bfs|dfs"}, "wal": {"check", "NODE_DIR"}}
    assert command_choices("check") - listed["check"] == {"bfs|dfs|simulate"}
    assert command_choices("wal") - listed["wal"] == set()


def test_every_command_a_page_shows_takes_its_flags() -> None:
    assert unknown_flags(doc_pages(ROOT), ROOT) == []


def test_a_flag_no_command_takes_and_a_missing_one_are_caught(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(
        "```sh\npaxraft check paxos --workers 2 --acceptors 2   # fine\npaxraft check raft --wrokers 2\n```\n"
        "`paxraft kv get k --dir D --raw`, `paxraft wal check D --raw` and `paxraft bmc paxos --depth 3`\n")
    assert unknown_flags(doc_pages(tmp_path), tmp_path) == [
        "README.md:3: paxraft check --wrokers", "README.md:5: paxraft wal --raw"]
    (tmp_path / "docs" / "cli.md").write_text(
        "## Every command's flags\n\n### `paxraft wal check NODE_DIR`\n\n| flag | what |\n|---|---|\n"
        "| `--json`, `--jsn` | JSON |\n\n### `paxraft list [SOURCE]`\n\nNo flags.\n\n## Next\n| `--not-here` |\n")
    assert reference_flags(tmp_path / "docs" / "cli.md") == {"wal": {"--json", "--jsn"}, "list": set()}


BLOCK = re.compile(r"```(?:sh|console)\n(.*?)```", re.S)
#: the figures of a comment: whole numbers (3,921; 7/7), not a version (TLC 2.20) nor an issue (#59)
FIGURE = re.compile(r"(?<![\w.#/,-])\d+(?:,\d{3})*(?:/\d+)?(?![\w]|\.\d|,\d)")
#: what a comment says of a result (not "spill to disk past 4 GiB")
RESULT = re.compile(r"\b(states?|steps?|edges|depth|exit \d|holds|violated|refused|obligations|conjuncts|fails)\b")
#: commands (or the start of them) whose figures other tests assert, too slow for this one (the 705,532-state model:
#: tests/test_raft.py)
SLOW = ("paxraft check raft --servers 3 --values 1 --max-term 2 --max-log 0 --max-copies 1 --max-in-flight 1",
        # the Raft proofs (5-30 s each: tests/test_proof_raft*.py), infer raft (minutes: tests/test_infer_raft.py)
        "paxraft prove raft", "paxraft infer raft --out",
        # the Multi-Paxos rebuild's models (11 s to 10 min: tests/test_multipaxos_rebuild.py)
        "paxraft check multipaxos-rebuild",
        # the invariant infer paxos writes in 20 CPU minutes (tests/test_infer.py proves docs/examples' copy)
        "paxraft prove paxos --invariant paxos.inv",
        # a certificate's conformance check (3 CPU s; tests/test_certificate.py asserts its 145 states, 608 transitions)
        "paxraft prove paxos --certificate")


def figure_commands(pages: list[Path]) -> list[tuple[str, str, str]]:
    """``(page, command, comment)`` for each ``paxraft check``/``graph``/``refine``/``prove``/``infer`` line of a sh or
    console block whose comment (on its line, or the next line alone) quotes a figure of its result (a command of
    SLOW, or one starting as one does, is left to other tests)."""
    found = []
    for page in pages:
        for block in BLOCK.findall(page.read_text(encoding="utf-8")):
            lines = block.splitlines()
            for i, line in enumerate(lines):
                command, _, comment = line.strip().removeprefix("$ ").partition("#")
                if i + 1 < len(lines) and lines[i + 1].strip().startswith("#"):
                    comment += " " + lines[i + 1].strip()[1:]
                command = command.strip()
                if (re.match(r"paxraft (check|graph|refine|prove|infer) ", command) and FIGURE.search(comment)
                        and RESULT.search(comment) and not any(command.startswith(slow) for slow in SLOW)):
                    found.append((page.name, command, comment.strip()))
    return found


def figure_mismatches(commands: list[tuple[str, str, str]], capsys) -> list[str]:
    """``page: command`` (and why) for each command whose exit status or printed figures are not its comment's."""
    import shlex

    from modelcheck.cli import main

    bad, ran = [], {}
    for page, command, comment in commands:
        if command not in ran:  # (two pages showing one command: run once)
            argv = shlex.split(command)[1:]
            status = main(argv + ["--quiet"] * (argv[0] in ("check", "refine")))  # (progress lines' counts are not
            ran[command] = status, "".join(capsys.readouterr())  # the report's)
        status, printed = ran[command]
        want = re.search(r"exit (\d)", comment)
        if want and status != int(want[1]):
            bad.append(f"{page}: {command}: exit {status}, not {want[1]}")
        bad += [f"{page}: {command}: prints no {figure}" for figure in FIGURE.findall(re.sub(r"exit \d", "", comment))
                if not re.search(rf"(?<!\d)(?<!\d,){figure}(?!\d|,\d)", printed)]
    return bad


def test_the_figures_a_command_s_comment_quotes_are_what_it_prints(monkeypatch, tmp_path, capsys) -> None:
    """README's and docs/'s ``paxraft check ...  # 3,921 distinct states, depth 17``: every figure of the comment
    is a number the command prints (and ``exit N`` its status), so a count quoted beside a command cannot drift."""
    for name in ("docs", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)  # (the commands' --out folders land here)
    commands = figure_commands(doc_pages(ROOT))
    assert len(commands) >= 12
    assert figure_mismatches(commands, capsys) == []


def test_a_figure_or_an_exit_status_the_command_does_not_give_is_caught(tmp_path, capsys) -> None:
    page = tmp_path / "a.md"
    page.write_text("```sh\npaxraft check paxos --acceptors 1 --values 1   # 25 distinct states, depth 9\n"
                    "paxraft check paxos --acceptors 1 --values 1 --max-ballot 2  # 25 states, depth 9, exit 1\n"
                    "paxraft check paxos --acceptors 1 --values 1  # spills past 4 GiB (no result: not run)\n```\n")
    commands = figure_commands([page])
    assert len(commands) == 2
    assert figure_mismatches(commands, capsys) == [
        "a.md: paxraft check paxos --acceptors 1 --values 1 --max-ballot 2: exit 0, not 1",
        "a.md: paxraft check paxos --acceptors 1 --values 1 --max-ballot 2: prints no 25",
        "a.md: paxraft check paxos --acceptors 1 --values 1 --max-ballot 2: prints no 9",
    ]


def test_the_readme_counts_the_catalog_as_it_is() -> None:
    """README said "35 entries today" of a catalog that had grown to 42."""
    from spec.catalog import catalog

    said = re.search(r"\((\d+) entries today\)", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert said is not None and int(said[1]) == len(catalog())


#: a benchmark script as a page runs it: its arguments up to the end of the code span or a comment
BENCH_RUN = re.compile(r"benchmarks/(\w+\.py)((?: [^`|#;&)\]]*)?)")


def unknown_benchmark_flags(pages: list[Path], root: Path) -> list[str]:
    """``page:line: benchmarks/X.py --flag`` for each script a page names that does not exist, or flag it gives one
    that the script's source never declares (each script declares its flags as string literals)."""
    bad = []
    for page in pages:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for m in BENCH_RUN.finditer(line):
                script = root / "benchmarks" / m[1]
                source = script.read_text(encoding="utf-8") if script.exists() else None
                bad += [f"{page.relative_to(root)}:{number}: benchmarks/{m[1]} {flag}"
                        for flag in (["(no such script)"] if source is None else FLAG.findall(m[2]))
                        if source is None or f'"{flag}"' not in source]
    return bad


def test_every_benchmark_a_page_runs_exists_and_takes_its_flags() -> None:
    assert unknown_benchmark_flags(doc_pages(ROOT), ROOT) == []


def test_a_missing_benchmark_and_a_flag_it_lacks_are_caught(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "a_bench.py").write_text('ap.add_argument("--repeat")\n')
    (tmp_path / "README.md").write_text("`benchmarks/a_bench.py --repeat 3 --quick` and `benchmarks/gone.py`\n")
    assert unknown_benchmark_flags(doc_pages(tmp_path), tmp_path) == [
        "README.md:1: benchmarks/a_bench.py --quick", "README.md:1: benchmarks/gone.py (no such script)"]
