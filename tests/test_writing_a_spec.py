"""docs/writing-a-spec.md cannot go stale: its excerpts are in the example files, its snippets
run, and its commands print what it says they print. Also: the examples' counts are TLC's."""

from __future__ import annotations

import copy
import json
import re
import shlex
from pathlib import Path

import pytest

from modelcheck import check
from modelcheck.cli import main
from spec.model import Model
from spec.registry import load_user_spec

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "writing-a-spec.md"
EXAMPLES = ROOT / "docs" / "examples"
BLOCK = re.compile(r"(?:<!-- excerpt: (?P<file>\S+) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)


def blocks(lang: str) -> list[tuple[str | None, str]]:
    return [(m["file"], m["body"]) for m in BLOCK.finditer(GUIDE.read_text()) if m["lang"] == lang]


def test_every_excerpt_is_in_its_example_file() -> None:
    excerpts = [(f, body) for f, body in blocks("python") if f]
    assert len(excerpts) >= 12
    for file, body in excerpts:
        assert body in (ROOT / file).read_text(), f"excerpt no longer in {file}:\n{body}"


def test_the_snippets_run(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    snippets = [body for f, body in blocks("python") if not f]
    assert len(snippets) == 2
    namespace: dict = {}
    for body in snippets:
        exec(compile(body, str(GUIDE), "exec"), namespace)  # noqa: S102 - the guide's own code


def test_the_commands_print_what_the_guide_says(monkeypatch, tmp_path, capsys) -> None:
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    (tmp_path / "tests").symlink_to(ROOT / "tests")  # the user specs the guide runs (growing_log.py)
    monkeypatch.chdir(tmp_path)
    runs = 0
    for _, body in blocks("console"):
        for command in re.split(r"^\$ ", body, flags=re.M)[1:]:
            line, *expected = command.splitlines()
            argv = shlex.split(line)
            assert argv[0] == "paxraft"
            main(argv[1:])
            out, err = capsys.readouterr()
            for want in expected:
                assert want.strip() in out + err, f"$ {line}\nexpected: {want}\ngot:\n{out}{err}"
            runs += 1
    assert runs >= 14
    # section 10's refusal: eager-commit's counterexample (written above) with its third state edited to say r2
    # received a commit message no one sent; replay names the guard that refused it, as the guide quotes
    trace = json.loads(Path("cex/trace.itf.json").read_text())
    edited = copy.deepcopy(trace["states"][1])
    edited["#meta"] = {"index": 2, "action": "RMRcvCommitMsg", "params": {"rm": {"#bigint": "1"}}}
    edited["rmState"]["#tup"][1] = {"#bigint": "2"}  # COMMITTED
    trace["states"] = trace["states"][:2] + [edited]
    (tmp_path / "edited.itf.json").write_text(json.dumps(trace))
    monkeypatch.chdir(ROOT)  # (a guard's file is named from the working folder, as from a clone's root)
    assert main(["replay", str(tmp_path / "edited.itf.json"), "--spec", "docs/examples/twophase.py:EagerCommit"]) == 1
    quoted = re.search(r"`(FAIL state 3: .*?)`", " ".join(GUIDE.read_text().split()))
    assert quoted and quoted[1] in capsys.readouterr().out


@pytest.mark.parametrize(
    ("ref", "bounds", "figures"),
    [
        # TLC 2.20 on TCommit.cfg and TwoPhase.cfg (RM = {r1, r2, r3}): distinct, generated, depth
        ("tcommit.py:TCommit", {"rms": 3}, (34, 94, 7)),
        ("twophase.py:TwoPhase", {"rms": 3}, (288, 1146, 11)),
    ],
)
def test_the_examples_give_tlcs_counts(ref: str, bounds: dict, figures: tuple) -> None:
    r = check(Model(load_user_spec(str(EXAMPLES / ref)), bounds).build())
    assert (r.distinct_states, r.states_generated, r.depth) == figures and r.verdict == "ok"


def test_twophase_refines_tcommit_through_the_cli(capsys) -> None:
    assert main(["refine", f"{EXAMPLES}/twophase.py:TwoPhase", "TCommit", "--rms", "3"]) == 0
    assert "TwoPhase implements TCommit" in capsys.readouterr().out
    assert main(["refine", f"{EXAMPLES}/twophase.py:TwoPhase", "--variant", "eager-commit", "TCommit"]) == 1
    assert "refinement fails" in capsys.readouterr().out


def test_paxoscommit_refines_tcommit_through_the_cli(capsys) -> None:
    argv = ["refine", f"{EXAMPLES}/paxoscommit.py:PaxosCommit", "TCommit", "--rms", "2", "--acceptors", "1"]
    assert main([*argv, "--max-ballot", "1"]) == 0
    out = capsys.readouterr().out
    assert "paxoscommit implements TCommit" in out and "1,425 distinct paxoscommit states" in out
