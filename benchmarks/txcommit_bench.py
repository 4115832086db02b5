"""Specs of tlaplus/Examples written as user spec files, against TLC 2.20: the transaction-commit
specs, MultiPaxos-SMR (plain, and with docs/fast-specs.md's blocks) and Flexible Paxos.

    .venv/bin/python benchmarks/txcommit_bench.py                 # every one below but the -2m models
    .venv/bin/python benchmarks/txcommit_bench.py paxoscommit     # one of them
    .venv/bin/python benchmarks/txcommit_bench.py multipaxos-smr multipaxos-smr-fast
    .venv/bin/python benchmarks/txcommit_bench.py multipaxos-smr-fast-2m   # 2 million states: minutes
    .venv/bin/python benchmarks/txcommit_bench.py --no-tlc        # paxraft only
    .venv/bin/python benchmarks/txcommit_bench.py paxoscommit --native-ab  # paxraft compiled, then pure Python

Each spec is loaded from its file under docs/examples or tests/user_specs (as ``paxraft check
file.py:Class`` would) and checked on the Examples' own model (its .cfg), one core, in a fresh process;
TLC 2.20 checks the .tla on the same model with ``-workers 1`` in the same run. Times are
CPU seconds of each process (user + system; for TLC, the JVM's), which other load on a
shared machine disturbs less than wall time; the load average is printed before and after.
TLC is found through TLA2TOOLS_JAR and the specs through TLAPLUS_EXAMPLES (defaults:
/work/tools/tla2tools.jar and /work/tools/tlaplus-examples); without them TLC is skipped.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
JAR = Path(os.environ.get("TLA2TOOLS_JAR", "/work/tools/tla2tools.jar"))
EXAMPLES = Path(os.environ.get("TLAPLUS_EXAMPLES", "/work/tools/tlaplus-examples"))
TX = EXAMPLES / "specifications" / "transaction_commit"

MP = ROOT / "tests" / "user_specs" / "MultiPaxosSMR"  # MultiPaxos.tla, MultiPaxos_MC.tla and the .cfg files TLC ran
FP = ROOT / "tests" / "user_specs" / "FPaxos"  # FPaxos.tla and the models TLC ran (its README.md)


class Model(NamedTuple):
    ref: str  # file:Class
    bounds: dict[str, Any]
    module: str  # the TLA+ module TLC checks
    cfg: str  # its .cfg text
    needs: tuple[str, ...]  # the modules it EXTENDS/INSTANCEs
    folder: Path = TX  # where they are
    options: dict[str, Any] = {}  # noqa: RUF012 - check()'s options, as the .cfg's SYMMETRY and CHECK_DEADLOCK


def _cfg(name: str) -> str:
    """A .cfg of tests/user_specs/MultiPaxosSMR ("" in a checkout without it: its entries are then skipped)."""
    return (MP / name).read_text() if (MP / name).is_file() else ""


MP_SMALL = Model(
    "tests/user_specs/multipaxos_smr.py:MultiPaxosSMR",
    {"replicas": 3, "writes": 1, "reads": 1},
    "MultiPaxos_MC",
    _cfg("MultiPaxos_MC_small.cfg"),
    ("MultiPaxos_MC", "MultiPaxos"),
    MP,
    {"symmetry": True, "check_deadlock": True},
)
MP_NOSYM = MP_SMALL._replace(
    cfg=_cfg("MultiPaxos_MC_r3w1r1_nosym.cfg"),
    options={"check_deadlock": True},
)

def _fpaxos(acceptors: int, module: str) -> Model:
    """Flexible Paxos on MCFPaxos{Two,Three}Acc's model, with the four invariants the spec checks (All.cfg).

    Read the ratio with care: most of TLC's time here goes on FPaxosExtra's Agreement as written (for all
    v1, v2 in Value and b1, b2 in Ballot, Agreed(v1, b1) and Agreed(v2, b2) => v1 = v2), which the Python spec
    computes once per state. On the shipped MCFPaxos.cfg (SafeValue and TypeOK only) TLC took 38.3 CPU s on
    ThreeAcc against 133.9 here, so against that TLC paxraft (28.3 s, four invariants) is about 1.35x, not the
    4.7x this row prints (newuser9's notes, 2026-12-05, load 5-7)."""
    quorums = {"q1": "1", "q2": "2"} if acceptors == 2 else {}
    cfg = (FP / "All.cfg").read_text() if (FP / "All.cfg").is_file() else ""
    return Model("tests/user_specs/fpaxos.py:FPaxos", {"acceptors": acceptors, **quorums}, module, cfg,
                 (module, "FPaxosExtra", "FPaxos"), FP)


MODELS = {
    "tcommit": Model(
        "docs/examples/tcommit.py:TCommit",
        {"rms": 3},
        "TCommit",
        "CONSTANT RM = {r1, r2, r3}\nINVARIANTS TCTypeOK TCConsistent\nSPECIFICATION TCSpec\nCHECK_DEADLOCK FALSE\n",
        ("TCommit",),
    ),
    "twophase": Model(
        "docs/examples/twophase.py:TwoPhase",
        {"rms": 3},
        "TwoPhase",
        "CONSTANT RM = {r1, r2, r3}\nINVARIANT TPTypeOK\nSPECIFICATION TPSpec\n",
        ("TwoPhase", "TCommit"),
    ),
    "paxoscommit": Model(
        "docs/examples/paxoscommit.py:PaxosCommit",
        {"rms": 2, "acceptors": 3, "max_ballot": 1},
        "PaxosCommit",
        "CONSTANTS\n  RM = {r1, r2}\n  Acceptor = {a1, a2, a3}\n  Majority = {{a1, a2}, {a1, a3}, {a2, a3}}\n"
        "  Ballot = {0,1}\nINVARIANT PCTypeOK\nSPECIFICATION PCSpec\n",
        ("PaxosCommit", "TCommit"),
    ),
    # MultiPaxos_MC_small.cfg: 343,796 / 736,012 / 28 in both; the plain spec, then the one with the blocks
    "multipaxos-smr": MP_SMALL,
    "multipaxos-smr-fast": MP_SMALL._replace(ref="tests/user_specs/multipaxos_smr_fast.py:FastMultiPaxosSMR"),
    # the same bounds without SYMMETRY (MultiPaxos_MC_r3w1r1_nosym.cfg): 2,062,561 / 4,415,485 / 28
    "multipaxos-smr-2m": MP_NOSYM,
    "multipaxos-smr-fast-2m": MP_NOSYM._replace(ref="tests/user_specs/multipaxos_smr_fast.py:FastMultiPaxosSMR"),
    # MCFPaxosTwoAcc 36,953 / 245,288 / 19 and MCFPaxosThreeAcc 362,361 / 2,697,682 / 25 in both
    "fpaxos": _fpaxos(2, "MCTwo"),
    "fpaxos-3": _fpaxos(3, "MCThree"),
}

CHILD = """
import json, os, sys, time
sys.path.insert(0, {root!r})
from modelcheck import check
from spec.registry import load_user_spec
cls = load_user_spec({ref!r})
spec = cls(**{bounds!r})
t = time.process_time()
r = check(spec, **{options!r})
print(json.dumps({{"verdict": r.verdict, "distinct": r.distinct_states, "generated": r.states_generated,
                  "depth": r.depth, "search_cpu": time.process_time() - t}}), flush=True)
os._exit(0)  # as the paxraft program ends (modelcheck.cli.run): the OS takes back what the run built
"""


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ours(ref: str, bounds: dict, options: dict | None = None, env: dict[str, str] | None = None) -> dict:
    """paxraft on one model, in a fresh process: counts and CPU seconds of the whole process (its start,
    imports and exit included, as the JVM's are in TLC's figure; ``search_cpu``: the search alone)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), ref=str(ROOT / ref), bounds=bounds, options=options or {})],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    got["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return got


def tlc(module: str, cfg: str, needs: tuple[str, ...], folder: Path = TX) -> dict:
    """TLC 2.20 with one worker on the same model: counts and the JVM's CPU seconds."""
    with tempfile.TemporaryDirectory(prefix="txcommit-tlc-") as tmp:
        for m in needs:
            shutil.copy(folder / f"{m}.tla", tmp)
        Path(tmp, f"{module}.cfg").write_text(cfg)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            ["java", "-XX:+UseParallelGC", "-cp", str(JAR), "tlc2.TLC", "-workers", "1", "-metadir",
             str(Path(tmp, "states")), module],
            cwd=tmp, capture_output=True, text=True, check=False,
        )  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = out.stdout
    found = re.search(r"([\d,]+) states generated, ([\d,]+) distinct states found", text)
    depth = re.search(r"depth of the complete state graph search is (\d+)", text)
    if not (found and depth):
        raise RuntimeError(f"TLC on {module} gave no counts:\n{text[-2000:]}")
    return {
        "verdict": "ok" if "No error has been found" in text else "error",
        "distinct": int(found[2].replace(",", "")),
        "generated": int(found[1].replace(",", "")),
        "depth": int(depth[1]),
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    }


def main(argv: list[str]) -> None:
    from _args import chosen, native_envs, parser

    ap = parser(__doc__)
    ap.add_argument("names", nargs="*", metavar="SPEC",
                    help=f"one of {', '.join(MODELS)} (default: all but the -2m ones)")
    ap.add_argument("--no-tlc", action="store_true", help="paxraft only")
    ap.add_argument("--native-ab", action="store_true",
                    help="paxraft twice per spec, compiled then pure Python (spec/_native.c, PAXRAFT_NATIVE=1/0)")
    args = ap.parse_args(argv)
    names = chosen(ap, args.names, list(MODELS), "spec") or [n for n in MODELS if not n.endswith("-2m")]
    with_tlc = not args.no_tlc
    if with_tlc and not (JAR.is_file() and TX.is_dir() and shutil.which("java")):
        print(f"TLC skipped: no {JAR} (TLA2TOOLS_JAR), {TX} (TLAPLUS_EXAMPLES) or java")
        with_tlc = False
    print(f"load average before: {load()}  (2 cores; figures under load are slower for both)")
    print(f"python {sys.version.split()[0]} at {sys.executable} (make setup's choice: tools/optimized_python.py)")
    print(f"{'spec':<20} {'distinct':>10} {'generated':>11} {'depth':>5} {'paxraft CPU s':>14} {'TLC CPU s':>10} "
          f"{'TLC / paxraft':>13}")  # fmt: skip
    for name in names:
        ref, bounds, module, cfg, needs, folder, options = MODELS[name]
        if not (ROOT / ref.partition(":")[0]).is_file():
            print(f"{name:<20} skipped: {ref.partition(':')[0]} is not in this checkout")
            continue
        ab = native_envs(args.native_ab)
        ran = [ours(ref, bounds, options, env) for _, env in ab]
        b = tlc(module, cfg, needs, folder) if with_tlc else None
        for (label, _), a in zip(ab, ran):
            same = all(a[k] == x[k] for x in (b, *ran) if x for k in ("verdict", "distinct", "generated", "depth"))
            tlc_cpu = f"{b['cpu']:10.1f}" if b else f"{'-':>10}"
            ratio = f"{b['cpu'] / a['cpu']:12.2f}x" if b else f"{'-':>13}"
            counts = f"{a['distinct']:>10,} {a['generated']:>11,} {a['depth']:>5}"
            row = f"{name + (f' ({label})' if label else ''):<20} {counts} {a['cpu']:14.1f} {tlc_cpu} {ratio}"
            print(row + ("" if same else f"   COUNTS DIFFER: TLC {b}, paxraft {ran}"), flush=True)
    print(f"load average after: {load()}")


if __name__ == "__main__":
    from _args import run_main

    run_main(lambda: main(sys.argv[1:]))
