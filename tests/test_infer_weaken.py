"""Minimum weakening in infer's Houdini, on a spec a user wrote (tests/user_specs/mutex.py) with a proof model
written here from scratch: the engine is not Raft's or Paxos's.

The samples come from one process only, so every clause true there is too strong for two: ``P1 = P2`` holds
on every sample and the clauses the proof needs (``~critical(P1) | ~critical(P2) | P1 = P2``, and the same for
the lock) are not minimal, so enumeration never proposes them. Weakening brings them back from the dropped
``P1 = P2``: Init breaks it (two processes), its weakenings that hold there join, a step breaks those, and
their weakenings are the two clauses.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import z3

from proofs.infer.enumerate import canonical_key
from proofs.infer.language import Signature, parse_clause
from proofs.infer.pipeline import Problem, infer
from proofs.infer.samples import Samples, tabulate
from proofs.infer.system import System, Transition
from proofs.infer.templates import Template
from spec.behaviour import reachable

sys.path.insert(0, str(Path(__file__).parent / "user_specs"))
from mutex import CRITICAL, WAITING, Mutex  # noqa: E402

RELATIONS = ("waiting", "critical", "held")  # held(p): the lock's holder is p
Proc = z3.DeclareSort("Proc")


class MutexZ3State:
    """One state of the proof model: a unary relation per name."""

    def __init__(self, suffix: str) -> None:
        self.rel = {r: z3.Function(r + suffix, Proc, z3.BoolSort()) for r in RELATIONS}


def system(early_unlock: bool = False) -> System:
    """Init, Request, Enter, Exit, Unlock and MutualExclusion; ``early_unlock``: Unlock while the holder is inside."""
    pre, post = MutexZ3State(""), MutexZ3State("'")
    p, x, y = z3.Consts("p x y", Proc)
    a, b = pre.rel, post.rel

    def same(*rels: str) -> list[z3.BoolRef]:
        return [z3.ForAll([x], b[r](x) == a[r](x)) for r in rels]

    def step(name: str, *body: Any) -> Transition:
        return Transition(name, z3.Exists([p], z3.And(*body)))

    unlock_guard = a["held"](p) if early_unlock else z3.And(a["held"](p), z3.Not(a["critical"](p)))
    transitions = [
        step(
            "Request",
            z3.Not(a["waiting"](p)),
            z3.Not(a["critical"](p)),
            z3.ForAll([x], b["waiting"](x) == z3.Or(x == p, a["waiting"](x))),
            *same("critical", "held"),
        ),
        step(
            "Enter",
            a["waiting"](p),
            z3.ForAll([y], z3.Not(a["held"](y))),
            z3.ForAll([x], b["waiting"](x) == z3.And(x != p, a["waiting"](x))),
            z3.ForAll([x], b["critical"](x) == z3.Or(x == p, a["critical"](x))),
            z3.ForAll([x], b["held"](x) == (x == p)),
        ),
        step(
            "Exit",
            a["critical"](p),
            z3.ForAll([x], b["critical"](x) == z3.And(x != p, a["critical"](x))),
            *same("waiting", "held"),
        ),
        step("Unlock", unlock_guard, z3.ForAll([x], z3.Not(b["held"](x))), *same("waiting", "critical")),
    ]
    sig = Signature(
        sorts={"Proc": Proc},
        constants={},
        relations={r: ("Proc",) for r in RELATIONS},
        state_relations=frozenset(RELATIONS),
        symbol=lambda name, state: state.rel[name],  # type: ignore[attr-defined]
    )
    init = z3.ForAll([x], z3.And([z3.Not(a[r](x)) for r in RELATIONS]))
    mutual = z3.ForAll([x, y], z3.Implies(z3.And(a["critical"](x), a["critical"](y)), x == y))
    return System(
        sig, pre, post, [], init, transitions, {"MutualExclusion": mutual}, [Proc], lambda s: list(s.rel.values())
    )


def samples(procs: int) -> Samples:
    """Every reachable state of the user's Mutex as the three relations."""
    spec = Mutex(procs)
    states = [s for s, _inside, _succ in reachable(spec)]

    def symbols(s: Any) -> dict[str, Any]:
        return {
            "waiting": lambda q: s.pc[q] == WAITING,
            "critical": lambda q: s.pc[q] == CRITICAL,
            "held": lambda q: s.lock == q,
        }

    rels = {r: ("Proc",) for r in RELATIONS}
    return tabulate(states, {"Proc": list(spec.Proc)}, {}, rels, RELATIONS, {}, symbols)


TEMPLATE = Template((("P1", "Proc"), ("P2", "Proc")), 3, rigid_last=False)


def problem(weaken: int | None, early_unlock: bool = False, procs: int = 1) -> Problem:
    def sample() -> tuple[list[Samples], str, str]:
        return [samples(procs)], f"mutex procs={procs}", ""

    return Problem("mutex", system(early_unlock), (TEMPLATE,), sample, houdini_literals=3, weaken_literals=weaken)


def texts(clauses: Any) -> set[str]:
    return {c.text() for c in clauses}


ME = "forall P1:Proc P2:Proc. P1 = P2 | ~critical(P1) | ~critical(P2)"  # MutualExclusion as a clause
ME_ENUMERATED = "forall P1:Proc P2:Proc. ~critical(P1) | ~critical(P2) | P1 = P2"  # the same, as enumeration orders it


def key(text: str) -> str:
    """A clause's text, the same for clauses equal up to renaming the processes."""
    return canonical_key(parse_clause(text, system().sig), TEMPLATE)


def keys(clauses: Any) -> set[str]:
    return {canonical_key(c, TEMPLATE) for c in clauses}


def test_without_weakening_the_samples_of_one_process_give_no_invariant():
    rep = infer(problem(weaken=None))
    stages = {s.what: s.detail for s in rep.stages}
    assert "5 distinct rows, 144 clauses tried, 24 hold" in stages["candidates 1"]
    assert stages["houdini"].startswith("24 candidates -> 1 inductive (23 dropped)")
    assert rep.conjuncts is None and rep.reason.endswith("does not imply MutualExclusion")
    assert texts(rep.inductive) == {"forall P1:Proc. ~waiting(P1) | ~critical(P1)"}


def test_weakening_finds_the_clauses_the_proof_needs_and_infer_uses_them():
    rep = infer(problem(weaken=3))
    stages = {s.what: s.detail for s in rep.stages}
    # how many weakenings join depends on the counterexamples Z3 picks (14 -> 7 inductive -> 3 conjuncts
    # when this file runs alone); that MutualExclusion's clause comes back from P1 = P2 does not
    m = re.match(r"24 candidates \+ (\d+) weakenings -> (\d+) inductive", stages["houdini"])
    assert m is not None and int(m.group(1)) > 0
    assert stages["safety"] == "implies MutualExclusion"
    assert rep.inductive is not None and key(ME) in keys(rep.inductive)
    # the proof uses a weakening of a weakening of P1 = P2 (which Init broke: two processes): MutualExclusion's
    # clause, or the lock's uniqueness, whichever the unsat cores pick
    assert rep.conjuncts is not None
    chains = {
        canonical_key(rep.conjuncts[n], TEMPLATE): [canonical_key(c, TEMPLATE) for c in ch]
        for n, ch in rep.weakens.items()
    }
    lock = key("forall P1:Proc P2:Proc. P1 = P2 | ~held(P1) | ~held(P2)")
    assert chains.get(key(ME)) == [
        key("forall P1:Proc P2:Proc. P1 = P2 | ~critical(P1)"),
        key("forall P1:Proc P2:Proc. P1 = P2"),
    ] or chains.get(lock) == [
        key("forall P1:Proc P2:Proc. P1 = P2 | ~held(P1)"),
        key("forall P1:Proc P2:Proc. P1 = P2"),
    ]


def test_a_proof_model_whose_safety_fails_is_reported_although_weakening_tries():
    """Planted: Unlock frees the lock while its holder is inside (the EarlyUnlock variant), in the proof model only.
    MutualExclusion fails in 5 steps there, so no inductive invariant implies it: weakening cannot save it."""
    rep = infer(problem(weaken=3, early_unlock=True))
    stages = {s.what: s.detail for s in rep.stages}
    m = re.match(r"24 candidates \+ (\d+) weakenings -> (\d+) inductive", stages["houdini"])
    assert m is not None and int(m.group(1)) > 0  # weakening tried (18 weakenings -> 2 when run alone)
    assert stages["safety"] == "MutualExclusion: sat"
    assert rep.conjuncts is None and rep.reason.endswith("does not imply MutualExclusion")
    assert key(ME) not in keys(rep.inductive)  # Unlock, then Enter, break it wherever it is proposed


def test_with_enough_processes_sampled_nothing_needs_weakening():
    """Two processes: the pool already holds the clauses the proof needs; weakening proposes nothing."""
    for weaken in (None, 3):
        rep = infer(problem(weaken=weaken, procs=2))
        stages = {s.what: s.detail for s in rep.stages}
        assert stages["houdini"].startswith("7 candidates" + (" + 0 weakenings" if weaken else "") + " -> 7 inductive")
        assert rep.conjuncts is not None and ME_ENUMERATED in texts(rep.inductive)
        assert rep.weakens == {}


def cli_problem(variant: str | None) -> Problem:
    """``paxraft infer`` on the user's mutex (registered by the test below only)."""
    return problem(weaken=3)


def test_infer_prints_which_conjuncts_are_weakenings_and_writes_them(tmp_path, capsys, monkeypatch):
    from modelcheck.cli import main
    from proofs.infer import cmd_infer
    from proofs.infer.language import read_invariant_file

    monkeypatch.setitem(cmd_infer.PROBLEMS, "mutex", "test_infer_weaken:cli_problem")
    monkeypatch.setitem(cmd_infer.VARIANTS, "mutex", ())
    out_file = tmp_path / "mutex.inv"
    assert main(["infer", "mutex", "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"24 candidates \+ \d+ weakenings -> \d+ inductive", out)
    written = read_invariant_file(str(out_file), system().sig)
    lines = [x for x in out.splitlines() if " weakens " in x]
    assert lines and all(x.split(" weakens ")[0] in written for x in lines)
    assert any(
        x.endswith(" <- forall P1:Proc P2:Proc. P1 = P2") for x in lines
    )  # printed: the clauses it weakens, newest first
