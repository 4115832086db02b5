"""Proof certificates: every query of a proof as a standalone SMT-LIB 2 file, and a manifest to re-check them by.

A proof here is a list of obligations, each a set of named hypotheses and goals; a goal is
proved when *hypotheses and not goal* is unsatisfiable. :func:`write` puts each such query
in its own ``.smt2`` file (declarations, assertions, ``(check-sat)``), so any SMT solver that
reads SMT-LIB 2 can confirm the proof without paxraft or its Python Z3 bindings, and writes
``manifest.json``: the spec, the invariant's conjuncts, each file with its obligation, goal and
expected answer, the bounds at which the encoding was checked against the explicit spec
(conformance), and the versions used. :func:`recheck` runs a solver binary on every file.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import z3

from proofs.logic import COUNTEREXAMPLE, PROVED, Obligation, Outcome

MANIFEST = "manifest.json"
_PRIMED = re.compile(r"(?<![|\w])[A-Za-z_][\w.!$]*'+")
FORMAT = "paxraft-proof-certificate"
VERSION = 1


def query_text(ob: Obligation, goal_name: str) -> str:
    """One query of ``ob`` in SMT-LIB 2: its hypotheses and the negation of goal ``goal_name``."""
    solver = z3.Solver()
    hyps = ob.hypotheses_for(goal_name)
    for _, h in hyps:
        solver.add(h)
    solver.add(z3.Not(ob.goals[goal_name]))
    # Z3 prints primed names (the post-state's relations, ``maxBal'``) bare; SMT-LIB needs them quoted.
    body = _PRIMED.sub(lambda m: f"|{m.group(0)}|", solver.to_smt2())
    names = "\n".join(f";   {name}" for name, _ in hyps)
    return (
        f"; paxraft proof obligation {ob.name!r}, goal {goal_name!r}\n"
        f"; expected: unsat (the hypotheses imply the goal)\n; hypotheses, in assertion order:\n{names}\n"
        "(set-logic ALL)\n" + body
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60] or "query"


def write(
    directory: str | Path,
    spec: str,
    title: str,
    conjuncts: Iterable[str],
    outcomes: Iterable[Outcome],
    conformance: Mapping[str, Any],
) -> Path:
    """Write every query of every obligation and the manifest into ``directory``; return the manifest's path."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    n = 0
    for outcome in outcomes:
        ob = outcome.obligation
        here = _answers_here(outcome)
        for goal_name in ob.goals:
            n += 1
            path = out / f"{n:03d}-{_slug(ob.name)}-{_slug(goal_name)}.smt2"
            text = query_text(ob, goal_name)
            path.write_text(text, encoding="utf-8")
            files.append(
                {
                    "file": path.name,
                    "obligation": ob.name,
                    "goal": goal_name,
                    "expected": "unsat",
                    "z3_here": here[goal_name],
                    "sha256": hashlib.sha256(text.encode()).hexdigest(),
                }
            )
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "spec": spec,
        "title": title,
        "invariant": list(conjuncts),
        "proved": all(f["z3_here"] == "unsat" for f in files),
        "queries": files,
        "conformance": dict(conformance),
        "versions": {"z3": z3.get_version_string(), "python": platform.python_version(), "paxraft": _version()},
        "recheck": "z3 FILE (or any SMT-LIB 2 solver) must answer unsat for every file",
    }
    path = out / MANIFEST
    path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return path


def _answers_here(outcome: Outcome) -> dict[str, str]:
    """What this run's Z3 answered per goal: the goals are queried in order until the first that is not proved."""
    out, answer = {}, "unsat"
    for goal_name in outcome.obligation.goals:
        if outcome.result != PROVED and goal_name == outcome.failed_goal:
            out[goal_name] = "sat" if outcome.result == COUNTEREXAMPLE else "unknown"
            answer = "not run"
        else:
            out[goal_name] = answer
    return out


def conformance_record(spec: str, bounds: Mapping[str, Any], report: Any) -> dict[str, Any]:
    """What the manifest says of the conformance check run beside the proof: the bounds, the counts, the verdict."""
    return {
        "spec": spec,
        "bounds": dict(bounds),
        "ok": bool(report.ok),
        "states": report.states,
        "transitions": report.transitions,
        "stopped": report.stopped,  # at its failure cap: states and transitions are those walked, not all
        "summary": report.summary().splitlines()[:3],
    }


def written(path: Path | str, outcomes: list, record: Mapping[str, Any]) -> str:
    """The line a prove command prints once its certificate is written: the queries, and the conformance check run
    beside the proof (its bounds, counts and verdict were in the manifest only: a failed check went unseen)."""
    queries = sum(len(o.obligation.goals) for o in outcomes)
    if "states" not in record:
        return f"certificate: {queries} SMT-LIB 2 queries and {path}; no conformance check: {record['why']}"
    bounds = " ".join(f"{k}={v}" for k, v in record["bounds"].items())
    verdict = "ok" if record["ok"] else "the encoding does NOT conform (see the manifest's summary)"
    cap = ", stopped at its cap of disagreements" if record["stopped"] else ""
    return (f"certificate: {queries} SMT-LIB 2 queries and {path}; conformance at {bounds}: "
            f"{record['states']:,} states, {record['transitions']:,} transitions{cap}, {verdict}")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("paxraft")
    except Exception:  # not installed (run from a checkout): say so rather than guess
        return "unknown"


@dataclass(frozen=True)
class Recheck:
    """A solver's answer on one certificate file."""

    file: str
    answer: str  # unsat, sat, unknown, or what went wrong
    ok: bool


def recheck(directory: str | Path, solver: str = "z3", timeout_s: float = 600.0) -> list[Recheck]:
    """Run a solver in a fresh process on every file the manifest lists: the z3 executable beside this Python,
    one process per file, or cvc5 (Python bindings) in one process for all of them.

    Each file's digest is compared with the manifest first, so an edited certificate is reported, not re-proved.
    """
    base = Path(directory)
    manifest = json.loads((base / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{base / MANIFEST}: not a paxraft proof certificate")
    results: dict[str, Recheck] = {}
    todo = []
    for q in manifest["queries"]:
        text = (base / q["file"]).read_text(encoding="utf-8")
        if hashlib.sha256(text.encode()).hexdigest() != q["sha256"]:
            results[q["file"]] = Recheck(q["file"], "digest differs from the manifest", False)
        else:
            todo.append(q)
    if solver == "z3":
        for q in todo:
            results[q["file"]] = _answer(q, _run([z3_binary(), str(base / q["file"])], timeout_s))
    else:
        cmd = [sys.executable, "-m", "proofs.certificate", "--cvc5", *(str(base / q["file"]) for q in todo)]
        lines = _run(cmd, timeout_s * max(1, len(todo))).splitlines() if todo else []
        for q, line in zip(todo, lines + ["no answer"] * (len(todo) - len(lines))):
            results[q["file"]] = _answer(q, line)
    return [results[q["file"]] for q in manifest["queries"]]


def _run(cmd: list[str], timeout_s: float) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return "timeout"
    return proc.stdout.strip() or proc.stderr.strip() or "no answer"


def _answer(q: Mapping[str, str], output: str) -> Recheck:
    answer = (output.splitlines() or ["no answer"])[0]
    return Recheck(q["file"], answer, answer == q["expected"])


def z3_binary() -> str:
    """The z3 executable that the z3-solver package installs beside the interpreter."""
    candidate = Path(sys.executable).with_name("z3")
    return str(candidate) if candidate.exists() else "z3"


def cvc5_answer(path: str) -> str:
    """cvc5's answer on one SMT-LIB 2 file, through its Python bindings (the PyPI package ships no binary)."""
    import cvc5

    solver = cvc5.Solver(cvc5.TermManager())
    # The queries are EPR (their sort graph is acyclic), where finite model finding is a decision procedure;
    # cvc5's default instantiation answers "unknown" on the ones with a quantifier alternation.
    solver.setOption("finite-model-find", "true")
    parser = cvc5.InputParser(solver)
    parser.setFileInput(cvc5.InputLanguage.SMT_LIB_2_6, path)
    symbols = parser.getSymbolManager()
    answers = []
    while True:
        command = parser.nextCommand()
        if command.isNull():
            break
        out = command.invoke(solver, symbols).strip()
        if out:
            answers.append(out)
    return answers[-1] if answers else "no answer"


def main(argv: list[str] | None = None) -> int:
    """``python -m proofs.certificate DIR [--solver z3|cvc5]``: re-check a certificate in a fresh process."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m proofs.certificate", description=main.__doc__, allow_abbrev=False)
    parser.add_argument("directory", nargs="?")
    parser.add_argument("--solver", choices=("z3", "cvc5"), default="z3")
    parser.add_argument("--cvc5", nargs="+", metavar="FILE", help=argparse.SUPPRESS)  # internal: cvc5's answers
    args = parser.parse_args(argv)
    if args.cvc5:
        for path in args.cvc5:
            print(cvc5_answer(path), flush=True)
        return 0
    if not args.directory:
        parser.error("the certificate's directory is required")
    try:
        results = recheck(args.directory, args.solver)
    except (OSError, ValueError, KeyError) as exc:
        print(f"certificate {args.directory}: {exc}", file=sys.stderr)
        return 2
    for r in results:
        print(f"{r.answer:<10} {r.file}")
    good = sum(r.ok for r in results)
    print(f"{good}/{len(results)} queries: {args.solver} answers unsat, as the manifest expects")
    return 0 if good == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
