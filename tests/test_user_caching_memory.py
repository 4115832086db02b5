"""Specifying Systems' caching memory (tlaplus/Examples, SpecifyingSystems/CachingMemory) written from scratch as a
user would (tests/user_specs/caching_memory.py; tests/user_specs/CachingMemory/ holds the TLA+ and the cfgs TLC ran):
TLC's counts, MCWriteThroughCache's refinement LM_Inner_ISpec as ``@refines(InternalMemory)``, and three bugs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import VIOLATION, check
from modelcheck.engine.faults import SpecContractError, preflight
from modelcheck.engine.refinement import check_refinement
from spec.core import Spec, action
from spec.registry import load_user_module, load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "caching_memory.py"
IM = load_user_spec(f"{FILE}:InternalMemory")
WTC = load_user_spec(f"{FILE}:WriteThroughCache")
in_tlc_order = load_user_module(str(FILE.parent / "tlc_order.py")).in_tlc_order

# TLC 2.20 -workers 1 (tests/user_specs/CachingMemory): MCInternalMemory.cfg 4,408 distinct / 21,400 generated /
# depth 10; MCWriteThroughCache.cfg 5,196 / 28,170 / 18, its PROPERTY LM_Inner_ISpec holding. With SYMMETRY
# Permutations(Proc) (symmetry/): 2,204 / 10,704 / 10 and 2,598 / 14,086 / 18 (paxraft --symmetry: the same).
# Bugs at QLen = 2 (stale_read/, lifo_queue/) and 1 (wmem_mapping/): TLC finds "Invariant Coherence is violated"
# in 5 steps, and "Action property [LM_Inner_INext]_... is violated" in 5 steps and in 2; at the stop 427 / 807 / 6,
# 510 / 980 / 6 and 23 / 31 / 3. paxraft takes the same number of steps in another interleaving, and stops elsewhere
# in the last level (438 / 830 / 6 for stale-read): TLC takes each processor's disjuncts of Next in turn, paxraft
# action by action. Taken in TLC's order (tlc_order.in_tlc_order), the traces and the counts are TLC's.


def refine(spec: object) -> object:
    abstract, mapping = spec.as_internal_memory()
    return check_refinement(spec, abstract, mapping)


def test_counts_are_tlcs() -> None:
    for spec, counts in ((IM(), (4_408, 21_400, 10)), (WTC(), (5_196, 28_170, 18))):
        r = check(spec)
        assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *counts)


def test_the_cache_implements_the_internal_memory() -> None:
    r = refine(WTC())
    assert r.holds and (r.distinct_states, r.transitions) == (5_196, 28_168)  # TLC's 28,170 less its 2 initial


@pytest.mark.parametrize(("cls", "qlen", "step", "action", "invariants"),
                         [("WmemMapping", 1, 2, "DoWr", None), ("LifoQueue", 2, 5, "MemQWr", 9)])
def test_a_bug_the_refinement_sees_first(cls: str, qlen: int, step: int, action: str, invariants: int | None) -> None:
    """A wrong mapping breaks no invariant; a queue served newest first breaks Coherence only 9 steps deep."""
    spec = load_user_spec(f"{FILE}:{cls}")(qlen=qlen)
    r = refine(spec)
    assert not r.holds and r.failing_step == step and r.trace[-1].label.name == action
    c = check(spec)
    expected = ("ok", None) if invariants is None else (VIOLATION, invariants)
    assert (c.verdict, c.trace and len(c.trace) - 1) == expected


def test_the_stale_read_breaks_coherence() -> None:
    r = check(load_user_spec(f"{FILE}:StaleRead")(qlen=2))
    assert (r.verdict, r.violated, len(r.trace) - 1) == (VIOLATION, "Coherence", 5)


def test_symmetry_with_an_init_that_singles_out_a_processor_is_tlcs(capsys: pytest.CaptureFixture[str]) -> None:
    """MCInitMemInt names one processor (<<CHOOSE p \\in Proc : TRUE, NoVal>>), so the renaming of an initial state
    is no initial state, and `--symmetry` was refused as if permute forgot a variable. It is a state of the model
    (p2 writes a value the memory holds, then replies), so the reachable states are closed under renaming and one
    per orbit is the model's quotient: TLC's counts with SYMMETRY Permutations(Proc), from the CLI and from Python."""
    for cls, counts in (("InternalMemory", (2_204, 10_704, 10)), ("WriteThroughCache", (2_598, 14_086, 18))):
        code, out, _ = run(capsys, "check", f"{FILE}:{cls}", "--symmetry", "--quiet")
        assert code == 0 and "{:,} distinct states, {:,} states generated, depth {}".format(*counts) in out
        r = check(load_user_spec(f"{FILE}:{cls}")(), symmetry=True)
        assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *counts)


class Hold(NamedTuple):
    holder: int
    ticks: int


class Token(Spec):
    """p1 holds a token it never passes on: Init singles out p1, and no renaming of it is reachable."""

    variables = Hold._fields

    def __init__(self, procs: int = 2) -> None:
        self.Proc = tuple(range(procs))
        super().__init__()

    def init_states(self) -> list[Hold]:
        return [Hold(0, 0)]

    @action()
    def Tick(self, s: Hold) -> Hold | None:
        return s._replace(ticks=s.ticks + 1) if s.ticks < 2 else None

    def symmetric_sets(self) -> dict[str, int]:
        return {"Proc": len(self.Proc)}

    def permute(self, s: Hold, perm: Any) -> Hold:
        return s._replace(holder=perm["Proc"][s.holder])


def test_symmetry_is_refused_where_a_renamed_initial_state_is_no_state_of_the_model() -> None:
    """However fast the machine: the preflight given no time at all walks the same states."""
    said = (r"the renaming \{'Proc': \(1, 0\)\} of an initial state is no initial state and none of the model's 3; "
            r"that initial state: holder=0, ticks=0$")
    with pytest.raises(SpecContractError, match=said):
        check(Token(), symmetry=True)
    with pytest.raises(SpecContractError, match=said):
        preflight(Token(), symmetry=True, seconds=0.0)
    preflight(IM(), symmetry=True, seconds=0.0)  # its renamed initial state is reached: accepted


def test_a_base_class_of_the_files_specs_is_no_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """Memory holds what both specs share and has no init_states: `list` showed it as a spec (with every variant of
    WriteThroughCache), and `check FILE:Memory` failed in the spec's code, exit 3 (NotImplementedError)."""
    code, out, _ = run(capsys, "list", str(FILE))
    assert code == 0 and [line.split(":")[0] for line in out.splitlines() if line[:1].isalpha()] == \
        ["InternalMemory", "WriteThroughCache"]
    code, _, err = run(capsys, "check", f"{FILE}:Memory")
    assert code == 2 and err.strip().endswith("Memory defines no init_states, so it is no spec to check (a base "
                                              "class?); the specs there: InternalMemory, WriteThroughCache")


def tlc_order(spec: Any, s: Any) -> list[tuple[str, tuple]]:
    """Next as TLC tries it: \\E p : Req(p) \\/ Rsp(p) \\/ RdMiss(p) \\/ DoRd(p) \\/ DoWr(p) \\/ \\E a : Evict(p, a),
    then MemQWr \\/ MemQRd; Req's requests as MReq lists them, reads first."""
    out = []
    for p in spec.Proc:
        out += [("Req", (p, r)) for r in spec.MReq] + [(n, (p,)) for n in ("Rsp", "RdMiss", "DoRd", "DoWr")]
        out += [("Evict", (p, a)) for a in spec.Adr]
    return out + [("MemQWr", ()), ("MemQRd", ())]


def test_in_tlcs_order_the_bugs_stop_where_tlc_stops() -> None:
    r = check(in_tlc_order(load_user_spec(f"{FILE}:StaleRead"), tlc_order)(qlen=2))
    assert (r.violated, r.distinct_states, r.states_generated, r.depth) == ("Coherence", 427, 807, 6)
    assert [st.label.params[0] for st in r.trace[1:]] == ["Req", "RdMiss", "Req", "DoWr", "MemQRd"]  # TLC's
    for cls, qlen, counts, trace in (("LifoQueue", 2, (510, 978), ["Req", "DoWr", "Req", "DoWr", "MemQWr"]),
                                     ("WmemMapping", 1, (23, 29), ["Req", "DoWr"])):
        r = refine(in_tlc_order(load_user_spec(f"{FILE}:{cls}"), tlc_order)(qlen=qlen))
        assert not r.holds and (r.distinct_states, r.transitions) == counts  # TLC's generated less its 2 initial
        assert [st.label.params[0] for st in r.trace[1:]] == trace
