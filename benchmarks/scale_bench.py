"""The engine against TLC, in one run: 1 and 2 workers (local processes and Ray), wall clock and CPU.

    .venv/bin/python benchmarks/scale_bench.py [705k|2m ...] [--no-tlc] [--no-ray] [--pair]

Models: raft.tla with 3 servers, 1 value, MaxTerm 2, MaxCopies 1, MaxInFlight 1 and MaxLogLen 0
(705,532 states) or 1 (2,379,781 states). Rows, each a fresh process:

- ``paxraft check``: the one-process checker ``paxraft check`` runs without ``--workers`` or with
  ``--workers 1`` (:func:`modelcheck.check`, the generated level loop and the dict store);
- ``paxraft search 1 worker``: the parallel engine (:func:`~modelcheck.engine.coordinator.search`)
  with one in-process worker (what ``--memory``/``--checkpoint`` run), its compact store;
- ``paxraft 2 workers``: the parallel engine over two forked processes (``--workers 2``);
- the Ray rows: the parallel engine over 1 and 2 Ray actors (``--ray``).

Each row: wall seconds and CPU seconds of the whole process and its children, from its start to its
exit, as TLC's rows are timed (``search s``: the search alone, as the result reports it), peak RSS (coordinator +
workers), the store's bytes per state, and the exchange's bytes and messages per distinct state;
for several workers, each worker's CPU (of which expanding), the seconds it waited for its peers,
how often it was preempted and its page faults, and the critical path: what tells a slow run's
cause (more CPU per state, or waits). The ratios ("2 workers / 1 worker", "TLC / paxraft at 1
worker") are taken against the FASTEST paxraft one-worker row (wall clock), named in the line.
``--pair`` adds two independent ``paxraft check`` runs at once: what keeping both cores busy
costs per run on this machine, whatever the engine does. TLC 2.20 runs raft.tla (set RAFT_TLA
to ongardie/raft.tla; TLA2TOOLS_JAR to the jar) with ``-workers 1`` and ``-workers 2`` on a model
written here (constants and the same state constraint). Prints ``uptime`` before and after:
figures taken under load are labelled as such.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = {
    "705k": ({"servers": 3, "values": 1, "max_term": 2, "max_log": 0, "max_copies": 1, "max_in_flight": 1}, 705_532),
    "2m": ({"servers": 3, "values": 1, "max_term": 2, "max_log": 1, "max_copies": 1, "max_in_flight": 1}, 2_379_781),
}

CHILD = """
import os, signal; signal.signal(signal.SIGINT, lambda *_: os._exit(130))  # (Ctrl-C: the script says it, once)
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
from spec.raft import Raft
t = time.process_time()
if {workers} == 0:  # what `paxraft check` runs for one worker
    from modelcheck import check
    r = check(Raft(**{bounds!r}))
else:
    from modelcheck.engine.coordinator import search
    r = search(Raft(**{bounds!r}), workers={workers}, ray={ray}, per_worker=True)
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
per = r.extra.get("per_worker", [])
print(json.dumps(dict(distinct=r.distinct_states, generated=r.states_generated, depth=r.depth, wall=r.seconds,
    # forked workers are joined children (all their CPU); Ray actors are not: their CPU in chunks
    cpu=time.process_time() - t + kids.ru_utime + kids.ru_stime + sum(w["cpu_seconds"] for w in per) * {ray},
    rss=me.ru_maxrss * 1024 + sum(w["peak_rss_bytes"] for w in per) * ({workers} > 1 or {ray}),
    bytes_per_state=r.bytes_per_state, exchanged=r.extra.get("bytes_exchanged_per_state", 0),
    messages=r.extra.get("messages_per_state", 0), per_worker=per,
    critical=r.extra.get("critical_path_cpu_seconds"), chunk_seconds=r.extra.get("chunk_seconds"),
    actor_cpu=sum(w["cpu_seconds"] for w in per) * {ray})), flush=True)
os._exit(0)  # as the paxraft program ends (modelcheck.cli.run): the OS takes back what the run built
"""

# The TLC model: raft.tla's constants and the constraint paxraft's Raft bounds stand for (docs/raft.md).
MC_TLA = """---- MODULE MC ----
EXTENDS raft
MaxTerm == {max_term}
MaxLogLen == {max_log}
MaxCopies == {max_copies}
MaxInFlight == {max_in_flight}
Bounds == /\\ \\A i \\in Server : currentTerm[i] <= MaxTerm /\\ Len(log[i]) <= MaxLogLen
          /\\ \\A m \\in DOMAIN messages : messages[m] <= MaxCopies
          /\\ Cardinality(DOMAIN messages) <= MaxInFlight
====
"""
MC_CFG = """CONSTANTS
  Server = {{{servers}}}
  Value = {{v1}}
  Follower = Follower
  Candidate = Candidate
  Leader = Leader
  Nil = Nil
  RequestVoteRequest = RequestVoteRequest
  RequestVoteResponse = RequestVoteResponse
  AppendEntriesRequest = AppendEntriesRequest
  AppendEntriesResponse = AppendEntriesResponse
INIT Init
NEXT Next
CONSTRAINT Bounds
"""


def machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine has been busy (user, system, irq; steal apart), and stolen by the host."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq) / hz, steal / hz


def paxraft(bounds: dict, workers: int, ray: bool, at_once: int = 1) -> list[dict]:
    """``at_once`` independent runs started together (each a fresh process); their figures, with the CPU
    other processes used meanwhile (``others``) and the time the host stole (``steal``)."""
    code = CHILD.format(root=str(ROOT), bounds=bounds, workers=workers, ray=ray)
    busy, steal, t0, c0 = *machine_cpu(), time.perf_counter(), os.times()
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(at_once)]
    outs = [p.communicate()[0] for p in procs]
    busy2, steal2, elapsed, c1 = *machine_cpu(), time.perf_counter() - t0, os.times()
    if any(p.returncode for p in procs):
        raise SystemExit(f"a paxraft run failed: {[p.returncode for p in procs]}")
    rows = [json.loads(out.strip().splitlines()[-1]) for out in outs]
    # Whole processes, as TLC's row is timed (its JVM's start, parse and exit included): the interpreter's
    # start, the imports and the exit count too, and the CPU is the process's and its forked workers'.
    whole_cpu = (c1.children_user + c1.children_system - c0.children_user - c0.children_system) / at_once
    for r in rows:
        r["search_wall"], r["search_cpu"] = r["wall"], r["cpu"]
        r["wall"], r["cpu"] = elapsed, whole_cpu + r["actor_cpu"]  # Ray's actors are not our children
    ours = sum(r["cpu"] for r in rows)
    for r in rows:
        r["others"], r["steal"], r["elapsed"] = max(0.0, busy2 - busy - ours), steal2 - steal, elapsed
    return rows


def tlc(bounds: dict, workers: int) -> dict | None:
    jar = os.environ.get("TLA2TOOLS_JAR", "/work/tools/tla2tools.jar")
    raft = os.environ.get("RAFT_TLA")
    if not (raft and Path(raft).is_file() and Path(jar).is_file() and shutil.which("java")):
        return None
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(raft, Path(d) / "raft.tla")
        servers = ", ".join(f"s{i + 1}" for i in range(bounds["servers"]))
        (Path(d) / "MC.tla").write_text(MC_TLA.format(**bounds))
        (Path(d) / "MC.cfg").write_text(MC_CFG.format(servers=servers))
        cmd = ["java", "-XX:+UseParallelGC", "-cp", jar, "tlc2.TLC", "-workers", str(workers), "-deadlock",
               "-config", "MC.cfg", "MC.tla"]
        t0, c0 = time.perf_counter(), os.times()
        out = subprocess.run(cmd, cwd=d, capture_output=True, text=True)
        c1 = os.times()
    m = re.search(r"([\d,]+) states generated, ([\d,]+) distinct states found", out.stdout)
    depth = re.search(r"depth of the complete state graph search is (\d+)", out.stdout)
    if not m:
        print(out.stdout[-2000:], file=sys.stderr)
        return None
    return {
        "distinct": int(m.group(2).replace(",", "")),
        "generated": int(m.group(1).replace(",", "")),
        "depth": int(depth.group(1)) if depth else 0,
        "wall": time.perf_counter() - t0,
        "cpu": (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system),
    }


def explain(r: dict) -> None:
    """Where a run's time went: what tells a slow run's cause (more CPU per state, or waits, or other load)."""
    from worker_figures import worker_line

    share = r["others"] / r["elapsed"] / (os.cpu_count() or 1)
    print(f"    meanwhile other processes used {r['others']:.1f} CPU s ({share:.0%} of the machine), "
          f"the host stole {r['steal']:.1f} s")
    for w, p in enumerate(r["per_worker"]):
        print("    " + worker_line(w, p))
    if r.get("critical") is not None and len(r["per_worker"]) > 1:
        print(f"    critical path (slowest worker's CPU per chunk, summed) {r['critical']:.1f} s; "
              f"chunks took {r['chunk_seconds']:.1f} s wall")


ONE_WORKER = ("paxraft check", "paxraft search 1 worker", "paxraft ray 1 worker")


def ratios(rows: dict[str, dict]) -> None:
    """The ratios, against the fastest paxraft one-worker row (wall clock), which is named."""
    best = min((t for t in ONE_WORKER if t in rows), key=lambda t: rows[t]["wall"])
    one = rows[best]
    print(f"fastest paxraft 1-worker run: {best!r} ({one['wall']:.1f} s wall, {one['cpu']:.1f} CPU s)")
    for title in ("paxraft 2 workers", "paxraft ray 2 workers"):
        if title in rows:
            two = rows[title]
            print(f"{title} / {best} (wall): {one['wall'] / two['wall']:.2f}x; "
                  f"CPU of 2 workers / CPU of 1: {two['cpu'] / one['cpu']:.2f}")
    if "paxraft check, 2 at once" in rows:
        print(f"CPU of a paxraft check run beside another (mean of the two) / alone: "
              f"{rows['paxraft check, 2 at once']['cpu'] / rows['paxraft check']['cpu']:.2f} (both cores busy)")
    for w in (1, 2):
        t = rows.get(f"TLC -workers {w}")
        ours, name = (one, best) if w == 1 else (rows["paxraft 2 workers"], "paxraft 2 workers")
        if t:
            print(f"TLC -workers {w} / {name}: wall {t['wall'] / ours['wall']:.2f}x, "
                  f"CPU {t['cpu'] / ours['cpu']:.2f}x (CPU: the ratio that load disturbs less)")


def main() -> None:
    from _args import chosen, parser

    ap = parser(__doc__)
    ap.add_argument("models", nargs="*", metavar="MODEL", help="705k (default) and/or 2m")
    ap.add_argument("--no-tlc", action="store_true", help="paxraft only")
    ap.add_argument("--no-ray", action="store_true", help="no Ray rows")
    ap.add_argument("--pair", action="store_true",
                    help="also two independent `paxraft check` runs at once: the CPU each takes over one run alone "
                         "is what keeping both cores busy costs on this machine, whatever the engine does")
    args = ap.parse_args()
    names = chosen(ap, args.models, list(MODELS), "model") or ["705k"]
    use_tlc, use_ray = not args.no_tlc, not args.no_ray
    print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()}")
    for name in names:
        bounds, want = MODELS[name]
        print(f"\nraft.tla {bounds}: {want:,} distinct states")
        print(f"{'run':<28} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'B/state':>8} {'xchg B/st':>10} {'msg/st':>8} "
              f"{'search s':>9}")
        rows: dict[str, dict] = {}
        # (title, workers, ray); workers 0: the one-process checker of `paxraft check`
        runs = [("paxraft check", 0, False), ("paxraft search 1 worker", 1, False), ("paxraft 2 workers", 2, False)]
        if use_ray:
            runs += [("paxraft ray 1 worker", 1, True), ("paxraft ray 2 workers", 2, True)]
        if args.pair:
            runs.append(("paxraft check, 2 at once", 0, False))
        for title, w, ray in runs:
            got = paxraft(bounds, w, ray, 2 if "at once" in title else 1)
            rows[title] = {**got[0], "cpu": sum(r["cpu"] for r in got) / len(got)}
            for r in got:
                assert r["distinct"] == want, (title, r)
                print(f"{title:<28} {r['wall']:>8.1f} {r['cpu']:>8.1f} {r['rss'] / 2**20:>9.0f} "
                      f"{r['bytes_per_state']:>8.1f} {r['exchanged']:>10.1f} {r['messages']:>8.4f} "
                      f"{r['search_wall']:>9.1f}", flush=True)
                explain(r)
        if use_tlc:
            for w in (1, 2):
                r = tlc(bounds, w)
                if r is None:
                    print(f"TLC -workers {w}: not run (set RAFT_TLA to ongardie/raft.tla and TLA2TOOLS_JAR)")
                    break
                assert r["distinct"] == want, r
                rows[f"TLC -workers {w}"] = r
                print(f"{'TLC -workers ' + str(w):<28} {r['wall']:>8.1f} {r['cpu']:>8.1f}", flush=True)
        ratios(rows)
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
