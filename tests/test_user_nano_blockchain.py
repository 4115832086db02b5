"""TLC's VIEW on a second user's spec: tlaplus/Examples' NanoBlockchain written from scratch
(tests/user_specs/nano_blockchain.py), whose model MCNano.tla tells states apart by ``View == <<distributedLedger,
received>>``, leaving out the hash function and the last hash. TLC's counts, and with a planted bug TLC's
counterexample and TLC's counts at the stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "nano_blockchain.py"
REF = f"{FILE}:NanoBlockchain"
NanoBlockchain = load_user_spec(REF)

# TLC 2.20 -workers 1 (tests/user_specs/NanoBlockchain): MCNanoSmall.cfg (Hash = {h1, h2, h3}, two keys and nodes,
# GenesisBalance 3) 3,003 distinct states, 6,083 generated, depth 7, no error; MCNanoSmallNoView.cfg (the same
# without the VIEW) the same three counts. MCNanoMedium.cfg (four hashes) 530,587 / 1,120,079 / 11, without the
# VIEW (MCNanoMediumNoView.cfg) 552,991 / 1,728,895 / 11. MCNanoForge.cfg (NanoForge.tla: a node may send from any
# account and a send's signature is not checked): "Invariant SafetyInvariant is violated", 4 states, 246 distinct
# states and 258 generated at the stop.
TLC_SMALL = (3003, 6083, 7)
TLC_FORGE_STOP = (246, 258)


def test_tlcs_counts_with_the_view() -> None:
    """MCNano's view leaves out the hash function, which the ledgers and signatures determine, and lastHash, which
    after the genesis block nothing reads: on MCNanoSmall it merges no two states (TLC's counts without the VIEW
    are the same); on MCNanoMedium (--hashes 4, 530,587 / 1,120,079 / 11 with TLC and here, 148 s: not run by
    default) it merges states differing only in lastHash (TLC without the VIEW: 552,991 / 1,728,895 / 11)."""
    r = check(NanoBlockchain())
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *TLC_SMALL)


def test_a_forged_send_breaks_safety_where_tlc_finds_it() -> None:
    spec = NanoBlockchain(forge=True)
    r = check(spec)
    assert r.verdict == "violation" and r.violated == "SafetyInvariant"
    assert (r.distinct_states, r.states_generated) == TLC_FORGE_STOP  # Next's steps in TLC's order
    # TLC's trace: prv1's genesis block at h1; n2 sends from it (previous h1, balance 0, to pub1), signing with prv2,
    # at h2; n1 confirms it unchecked
    assert [st.label and (st.label.name, st.label.params) for st in r.trace] == [
        None, ("CreateGenesisBlock", (0,)), ("CreateBlock", (1, (1, 0, 0, 0))),
        ("ProcessBlock", (0, ((1, 0, 0, 0), (1, 1))))]


def test_symmetry_is_refused_for_the_view_first(capsys: pytest.CaptureFixture) -> None:
    """The spec declares no symmetric set: the view, not the missing sets, is what --symmetry cannot go with (the
    old message asked for symmetric_sets() and permute, which would then be refused for the view)."""
    code, _, err = run(capsys, "check", REF, "--symmetry")
    assert code == 2 and err.strip().splitlines()[-1] == (
        "paxraft check: error: NanoBlockchain: --symmetry is not offered with a view: TLC applies a VIEW to the one "
        "renaming of a state it picks, by its own order of values, and another pick can merge other states; check "
        "without --symmetry (or fold the renaming into the view)")


def test_the_forged_send_as_a_catalogued_variant(capsys: pytest.CaptureFixture) -> None:
    """``paxraft variants --check --spec FILE`` runs a user's variant through the view as ``check`` does."""
    code, out, _ = run(capsys, "variants", "--check", "--spec", str(FILE))
    row = "forged-send  SafetyInvariant, 3 steps        SafetyInvariant, 3 steps               246"
    assert code == 0 and row in out and "every entry agrees" in out


@pytest.mark.parametrize("mode", [[], ["--mode", "dfs"], ["--mode", "simulate", "--walks", "200"], ["--workers", "2"]],
                         ids=["bfs", "dfs", "simulate", "workers"])
def test_a_view_that_stops_being_a_function_of_the_state_is_caught(capsys: pytest.CaptureFixture[str],
                                                                     tmp_path: Path, mode: list[str]) -> None:
    """newuser14's defect 3: a view reading a counter that flips after 2,000 calls (past the preflight, which
    compares views of equal copies of the first states) stored states twice: 'No error found', 3,648 states for
    TLC's 3,003, exit 0. The search fingerprints every 64th state of each level again by its view before expanding
    it: it must find itself in the store. Depth-first search, simulation and each worker fingerprint every 64th
    state they store again when they take the next sample (until 2026-12-06 they did not check: 'No error
    found', exit 0, more states than TLC's)."""
    late = tmp_path / "late.py"
    late.write_text("import itertools\nimport sys\n\n"
                    f"sys.path.insert(0, {str(FILE.parent)!r})\n"
                    "from nano_blockchain import NanoBlockchain  # noqa: E402\n\n"
                    "CALLS = itertools.count()\n\n\n"
                    "class Late(NanoBlockchain):\n"
                    "    def view(self, s):\n"
                    "        return s.distributedLedger, s.received, next(CALLS) > 2000\n")
    code, out, err = run(capsys, "check", f"{late}:Late", *mode)
    assert code == 2 and "No error found" not in out
    assert "NanoBlockchain: view is not a function of the state: " in err
    assert "has another view now than when it was fingerprinted first" in err
