"""The chunked engine: one process, worker processes and Ray give one-process results; checkpoints; spill.

Exact equality with ``modelcheck.check`` (the dict-based loop) for counts, depth, coverage and
the counterexample itself; a run killed with SIGKILL in the middle of a level resumes to the
same result; a damaged or mismatched checkpoint is refused with one line; a tiny ``--memory``
budget sends the store and the frontier to disk without changing a count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from test_parallel import summary  # what a run reports that no engine or number of workers may change

from modelcheck import DEADLOCK, OK, VIOLATION, check
from modelcheck.cli import main
from modelcheck.engine.coordinator import search
from spec.paxos import Paxos
from spec.raft import Raft
from spec.registry import build, load_user_spec

ROOT = Path(__file__).resolve().parent.parent
USER_SPEC = str(ROOT / "tests" / "user_specs" / "ticket_lock.py") + ":TicketLock"


MODELS = {
    "paxos": (lambda: Paxos(), {}),
    "paxos-violation": (lambda: build("paxos", "ignore-votes"), {}),
    "paxos-cut": (lambda: Paxos(), {"max_states": 1000}),
    "raft": (lambda: Raft(servers=2, max_term=2, max_log=1), {}),
    "user-deadlock": (lambda: load_user_spec(USER_SPEC)(), {"check_deadlock": True}),
    "user-violation": (lambda: load_user_spec(USER_SPEC)(eager=True), {}),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_one_process_engine_equals_the_dict_loop(name: str) -> None:
    make, kw = MODELS[name]
    one, eng = check(make(), **kw), search(make(), chunk=256, **kw)  # small chunks: many chunk boundaries
    assert summary(eng) == summary(one)
    if eng.complete and eng.verdict == OK:  # a stopped run also holds its last chunk's later states
        assert eng.bytes_per_state <= 32  # fingerprint twice (sorted run, record), parent, action, asked filter


def test_verdicts_of_the_models() -> None:
    assert search(Paxos()).distinct_states == 3921
    assert search(load_user_spec(USER_SPEC)(), check_deadlock=True).verdict == DEADLOCK
    r = search(build("paxos", "ignore-votes"))
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, "Agreement", 12)


@pytest.mark.parametrize("name", ["paxos-violation", "paxos-cut", "user-deadlock", "raft"])
def test_worker_processes_equal_one_process(name: str) -> None:
    make, kw = MODELS[name]
    one = check(make(), **kw)
    for n in (2, 3):
        r = search(make(), workers=n, chunk=128, **kw)
        assert summary(r) == summary(one), n
        x = r.extra
        assert x["workers"] == n and len(x["per_worker"]) == n
        assert x["bytes_exchanged_per_state"] > 0 and x["messages_per_state"] > 0


def test_new_states_stay_with_their_discoverer_and_the_load_is_shared() -> None:
    """Raft has one initial state: without evening out, the worker holding it would expand every state."""
    r = search(Raft(servers=2, max_term=2, max_log=1), workers=2)
    assert (r.distinct_states, r.states_generated, r.depth) == (1760, 13_797, 28)
    expanded = [w["expanded"] for w in r.extra["per_worker"]]
    assert sum(expanded) == 1760 and min(expanded) > 0.95 * max(expanded)
    # queries (fingerprint, key, action), decisions and ranks: 43 B per state here; 98 B when every new
    # state a worker did not own was shipped to its owner
    assert r.extra["bytes_exchanged_per_state"] < 60
    assert r.bytes_per_state <= 32  # sorted runs, records (offsets for parent and state numbers), the asked filter
    # where the time went: CPU in chunks (of which expanding), waits for peers, the critical path
    per = r.extra["per_worker"]
    assert all(0 < w["expand_cpu_seconds"] <= w["cpu_seconds"] and w["wait_seconds"] >= 0 for w in per)
    cpus = [w["cpu_seconds"] for w in per]
    assert max(cpus) - 0.02 <= r.extra["critical_path_cpu_seconds"] <= sum(cpus) + 0.02
    assert r.extra["critical_path_cpu_seconds"] <= r.extra["chunk_seconds"] * 1.5  # one thread at a time, mostly
    assert 0 < sum(w["states_shipped"] for w in per) < 0.2 * 1760  # one initial state: some must move, few do


def test_one_worker_reports_its_figures_when_asked() -> None:
    """benchmarks/scale_bench.py compares one worker's CPU per expanded state with each of two workers'."""
    spec = Raft(servers=2, max_term=2, max_log=1)
    assert "per_worker" not in search(spec).extra
    [w] = search(spec, per_worker=True).extra["per_worker"]
    assert w["expanded"] == 1760 and 0 < w["expand_cpu_seconds"] <= w["cpu_seconds"] and w["wait_seconds"] == 0


def test_balance_moves() -> None:
    from modelcheck.engine.search import balance_moves

    assert balance_moves([5, 0]) == [] and balance_moves([500, 480]) == []  # within the slack: nothing moves
    assert balance_moves([100, 0]) == [(0, 1, 50)]
    assert balance_moves([70, 10, 0]) == [(0, 1, 17), (0, 2, 26)]  # shares 27, 27, 26
    assert balance_moves([0, 90, 0, 10]) == [(1, 0, 25), (1, 2, 25), (1, 3, 15)]


class _Pair(NamedTuple):
    a: int
    b: frozenset


class _PairWithAttrs(_Pair):  # no __slots__: instances have a __dict__, which plain tuples would lose
    pass


def test_shipped_states_come_back_equal_and_of_their_class() -> None:
    import pickle

    from modelcheck.engine.search import _pack, _unpack

    pairs = [_Pair(i, frozenset({i})) for i in range(3)]
    packed = _pack(pairs, away=True)
    assert packed[0] is _Pair and all(type(t) is tuple for t in packed[1])  # plain tuples travel
    back = _unpack(pickle.loads(pickle.dumps(packed)))
    assert back == pairs and all(type(t) is _Pair for t in back)
    for states in ([_PairWithAttrs(1, frozenset())], [pairs[0], _PairWithAttrs(1, frozenset())], [(1, 2)]):
        assert _pack(states, away=True) == (None, states)  # pickled as they are
    assert _pack(pairs, away=False) == (None, pairs)  # kept by this worker: not copied


def test_tiny_memory_budget_spills_and_counts_stay() -> None:
    for spec in (Paxos(), build("paxos", "ignore-votes")):
        one = check(spec)
        for n in (1, 2):
            r = search(spec, workers=n, memory=16 * 1024, chunk=256)
            assert summary(r)[:5] == summary(one)[:5]  # verdict, invariant, distinct, generated, depth
            assert r.extra["peak_disk_bytes"] > 0  # the sorted runs and the frontier went to disk


KILLER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from modelcheck.engine.coordinator import search
from spec.paxos import Paxos

class Kill:  # a progress line that sends the signal after a given chunk: a level is half done
    def __init__(self): self.chunks = 0
    def tick(self, *a):
        self.chunks += 1
        if self.chunks == {at}:
            os.kill(os.getpid(), signal.{sig})
    def done(self, r): pass

search(Paxos(), workers={w}, checkpoint={d!r}, checkpoint_every=0, chunk=64, progress=Kill())
print("finished")
"""


@pytest.mark.parametrize(("workers", "sig"), [(1, "SIGKILL"), (2, "SIGKILL"), (1, "SIGTERM")])
def test_killed_run_resumes_to_the_same_result(tmp_path: Path, workers: int, sig: str) -> None:
    d = tmp_path / "ck"
    code = KILLER.format(root=str(ROOT), at=25, sig=sig, w=workers, d=str(d))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "finished" not in out.stdout
    if sig == "SIGKILL":
        assert out.returncode == -9
    else:  # SIGTERM: the run writes a checkpoint at the chunk's end and stops
        assert "checkpoint written" in out.stderr
    manifest = json.loads((d / "current" / "manifest.json").read_text())
    assert 0 < manifest["coordinator"]["total"] < 3921
    r = search(Paxos(), workers=workers, checkpoint=d, resume=True, chunk=64)
    assert summary(r) == summary(check(Paxos()))
    assert r.extra["resumed_at_states"] == manifest["coordinator"]["total"]


def test_a_cut_checkpoint_goes_on_to_the_violation_or_says_why_there_is_none(tmp_path: Path) -> None:
    """Paxos ignore-votes breaks Agreement at the 3,342nd state: cut at 3,300 with a checkpoint, the resumed run
    reports the uninterrupted run's violation and counts; cut at 3,341, the chunk that reached the cap also holds
    the violation (its expansion stopped there, so its end is no place to go on from): no checkpoint, said so."""
    plain = check(build("paxos", "ignore-votes"))
    cut = search(build("paxos", "ignore-votes"), max_states=3300, checkpoint=tmp_path / "a")
    assert (cut.verdict, cut.distinct_states, cut.complete) == (OK, 3300, False)
    assert cut.extra["checkpoint_at_cut"] == {"dir": str(tmp_path / "a"), "states": 3329}
    done = search(build("paxos", "ignore-votes"), checkpoint=tmp_path / "a", resume=True)
    assert summary(done) == summary(plain) and (done.violated, done.trace_length) == ("Agreement", 12)
    late = search(build("paxos", "ignore-votes"), max_states=3341, checkpoint=tmp_path / "b")
    assert late.extra["no_checkpoint"].startswith("the chunk that reached --max-states also met a violation")
    assert not (tmp_path / "b" / "current").exists()
    first = search(build("paxos"), max_states=1, checkpoint=tmp_path / "c")
    assert first.extra["no_checkpoint"] == "the initial states alone reach --max-states"


def test_damaged_or_mismatched_checkpoint_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    d = tmp_path / "ck"
    assert main(["check", "paxos", "--checkpoint", str(d), "--checkpoint-every", "0", "--quiet"]) == 0
    capsys.readouterr()
    # the same spec with other bounds, then other options
    assert main(["check", "--resume", str(d), "--max-ballot", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot resume" in err and "bounds" in err and len(err.splitlines()) == 1
    assert main(["check", "--resume", str(d), "--deadlock"]) == 2
    assert "check_deadlock" in capsys.readouterr().err
    assert main(["check", "--resume", str(d), "--quiet"]) == 0  # as it was: it resumes
    assert "3,921 distinct states" in capsys.readouterr().out
    store = d / "current" / "worker-0-store.npz"
    data = bytearray(store.read_bytes())
    data[len(data) // 2] ^= 0xFF
    store.write_bytes(bytes(data))
    assert main(["check", "--resume", str(d)]) == 2
    err = capsys.readouterr().err.strip()
    assert "damaged" in err and "worker-0-store.npz" in err and len(err.splitlines()) == 1
    assert main(["check", "--resume", str(tmp_path / "nothing")]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_a_checkpoint_of_a_spec_whose_source_changed_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Only each Spec class's own text was hashed: a rule in a mixin that is no Spec (Fast Paxos's Common, where
    Agreement is) or in a function of the module could change and the run resumed silently (newuser5)."""
    spec = tmp_path / "fast_paxos.py"
    spec.write_text((Path(__file__).parent / "user_specs" / "fast_paxos.py").read_text())
    d, small = tmp_path / "ck", ["--replicas", "3", "--values", "2", "--ballots", "2", "--fast-ballots", "1"]
    assert main(["check", f"{spec}:FastPaxos", *small, "--checkpoint", str(d), "--checkpoint-every", "0"]) == 0
    assert main(["check", "--resume", str(d), "--quiet"]) == 0  # unchanged: it resumes
    capsys.readouterr()
    spec.write_text(spec.read_text().replace("len(self.chosen(s)) <= 1", "len(self.chosen(s)) <= 2"))
    assert main(["check", "--resume", str(d)]) == 2
    assert capsys.readouterr().err == (
        "paxraft check: error: the spec's source changed since the checkpoint was written (the file of its class, "
        "of a class it extends, or a module its file imports from its folder); cannot resume\n"
    )


def test_a_checkpoint_whose_manifest_was_edited_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The manifest's counters say where the run resumes, and nothing checked them: a total edited from 496 to -5
    resumed to 837 states, 'No error found', of Paxos's 3,921 (hostile5)."""
    d = tmp_path / "ck"
    assert main(["check", "paxos", "--checkpoint", str(d), "--checkpoint-every", "0", "--max-states", "500",
                 "--quiet"]) == 0
    manifest = d / "current" / "manifest.json"
    m = json.loads(manifest.read_text())
    m["coordinator"]["total"] = -5
    manifest.write_text(json.dumps(m))
    capsys.readouterr()
    assert main(["check", "--resume", str(d), "--max-states", "5000"]) == 2
    assert capsys.readouterr().err == (f"paxraft check: error: {d}/current/manifest.json: its checksum does not "
                                       "match its content (edited or damaged); cannot resume\n")


def test_a_checkpoint_whose_spec_imports_a_changed_neighbour_is_refused(tmp_path: Path, capsys) -> None:
    """A helper imported from the spec's folder was not hashed: its step size changed from 1 to 2 between the
    checkpoint and the resume, and the run went on to 523 states, a mix of two models (961 and 256) (hostile5)."""
    (tmp_path / "hostile5_step_size.py").write_text("def step_size() -> int:\n    return 1\n")
    (tmp_path / "two.py").write_text(
        "from typing import NamedTuple\nfrom hostile5_step_size import step_size\n"
        "from spec.core import Spec, action\n\n\n"
        "class S(NamedTuple):\n    x: int\n    y: int\n\n\n"
        "class Two(Spec):\n    variables = ('x', 'y')\n\n    def init_states(self):\n        return [S(0, 0)]\n\n"
        "    @action(lambda self, s: [(0,), (1,)])\n    def Inc(self, s, i):\n        d = step_size()\n"
        "        t = S(s.x + d, s.y) if i == 0 else S(s.x, s.y + d)\n        return t if max(t) <= 30 else None\n")
    d = tmp_path / "ck"
    assert main(["check", f"{tmp_path / 'two.py'}:Two", "--checkpoint", str(d), "--checkpoint-every", "0",
                 "--max-states", "100", "--quiet"]) == 0
    (tmp_path / "hostile5_step_size.py").write_text("def step_size() -> int:\n    return 2\n")
    capsys.readouterr()
    assert main(["check", "--resume", str(d), "--max-states", "5000"]) == 2
    assert "the spec's source changed since the checkpoint was written" in capsys.readouterr().err
    (tmp_path / "hostile5_step_size.py").write_text("def step_size() -> int:\n    return 1\n")
    assert main(["check", "--resume", str(d), "--max-states", "5000"]) == 0
    assert "961 distinct states, 1,861 states generated, depth 61" in capsys.readouterr().out


def test_cli_reports_workers_and_bad_memory(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "paxos", "--variant", "ignore-votes", "--workers", "2", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["verdict"], out["violated"], out["distinct_states"], out["trace_length"]) == (
        "violation", "Agreement", 3342, 12)
    assert out["transport"] == "local processes" and len(out["per_worker"]) == 2
    assert sum(w["states"] for w in out["per_worker"]) >= 3342
    assert main(["check", "paxos", "--memory", "lots"]) == 2
    assert "--memory 'lots'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def ray_runtime():  # noqa: ANN201 - one local runtime for every Ray test of the run
    pytest.importorskip("ray")
    from modelcheck.engine.transport import ray_init

    for attempt in range(2):  # Ray gives its raylet 30 s to start; an overloaded machine can miss that
        try:
            r = ray_init(None)
            break
        except Exception as exc:  # noqa: BLE001 - ray raises a bare Exception for this
            if "timed out during startup" not in str(exc):
                raise
            if attempt:
                pytest.skip("the local Ray runtime did not start within Ray's 30 s (machine overloaded)")
    yield r
    r.shutdown()


def test_ray_actors_equal_one_process(ray_runtime: object) -> None:
    make, kw = MODELS["paxos-violation"]
    r = search(make(), workers=2, ray=True, **kw)
    assert summary(r) == summary(check(make(), **kw))
    assert r.extra["transport"] == "ray" and r.mode == "parallel"


def test_ray_actors_run_a_spec_from_a_users_file(ray_runtime: object) -> None:
    """The workers load the user's file (and the neighbour it imports) from the shipped sources;
    before, this failed on `import cloudpickle` and then on pickling the user's state class."""
    chain = load_user_spec(str(ROOT / "tests" / "user_specs" / "chain_replication.py") + ":Chain")
    r = search(chain(), workers=2, ray=True)
    assert (r.distinct_states, r.states_generated, r.depth, r.verdict) == (565, 955, 10, OK)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODELS))
def test_ray_actors_equal_one_process_every_model(ray_runtime: object, name: str) -> None:
    make, kw = MODELS[name]
    one = check(make(), **kw)
    for n in (1, 2, 3):
        assert summary(search(make(), workers=n, ray=True, chunk=128, **kw)) == summary(one), n


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODELS))
def test_worker_processes_equal_one_process_every_model(name: str) -> None:
    make, kw = MODELS[name]
    one = check(make(), **kw)
    for n in (1, 2, 3):
        assert summary(search(make(), workers=n, chunk=128, **kw)) == summary(one), n


CLUSTER = """
import json, sys
sys.path.insert(0, {root!r})
import ray
from ray.cluster_utils import Cluster
from modelcheck.engine.coordinator import search
from spec.registry import build
cluster = Cluster(initialize_head=True, head_node_args={{"num_cpus": 1}})
for _ in range(2):
    cluster.add_node(num_cpus=1)
ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
r = search(build("paxos", "ignore-votes"), workers=3, ray=True)
print(json.dumps(dict(nodes=len(ray.nodes()), distinct=r.distinct_states, generated=r.states_generated,
                      depth=r.depth, trace=r.trace_length, violated=r.violated)))
ray.shutdown()
cluster.shutdown()
"""


@pytest.mark.slow
def test_three_node_ray_cluster_on_localhost() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CLUSTER.format(root=str(ROOT))], capture_output=True, text=True, timeout=900
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    one = check(build("paxos", "ignore-votes"))
    assert got == {"nodes": 3, "distinct": one.distinct_states, "generated": one.states_generated,
                   "depth": one.depth, "trace": one.trace_length, "violated": "Agreement"}


def test_frontier_takes_chunks_without_copying_the_rest(tmp_path: Path) -> None:
    import numpy as np

    from modelcheck.engine._store import Frontier

    f = Frontier(tmp_path, budget=1 << 40)
    big = [("s", i) for i in range(10)]
    f.append(big, np.arange(10, dtype=np.int64))
    f.append([("s", 10), ("s", 11)], np.array([10, 11], dtype=np.int64))
    first = f.take(4)
    assert [g.tolist() for _, g in first] == [[0, 1, 2, 3]] and len(f) == 8
    assert first[0][0] == [("s", i) for i in range(4)]
    assert f.segments[0][0] is big and big[:4] == [None] * 4  # the rest stays in place; taken states are let go
    assert [g.tolist() for _, g in f.all_segments()] == [[4, 5, 6, 7, 8, 9], [10, 11]]  # a checkpoint's view
    f.budget = 1  # the next append spills every segment, the taken part excluded
    f.append([("s", 12)], np.array([12], dtype=np.int64))
    assert all(isinstance(s, Path) for s in f.segments) and f.head == 0
    out = f.take(11) + f.take(11) + f.take(100)
    assert [s for seg, _ in out for s in seg] == [("s", i) for i in range(4, 13)] and len(f) == 0
    assert f.take(100) == [] and f.disk == 0


def test_a_worker_forgets_old_queries_past_the_cap_and_the_results_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ASKED_CAP fingerprints a worker starts a new generation of its asked sets and drops the
    older one: it asks again about states it forgot (more queries), and every count stays."""
    from modelcheck.engine import search as engine

    spec = Raft(servers=2, max_term=2, max_log=1)
    one = check(spec)
    for n in (1, 2):
        full = search(spec, workers=n, chunk=64, per_worker=True)
        monkeypatch.setattr(engine, "ASKED_CAP", 16)  # the forked workers inherit it
        small = search(spec, workers=n, chunk=64, per_worker=True)
        monkeypatch.undo()
        assert summary(small) == summary(full) == summary(one), n
        queries = [sum(w["queries"] for w in r.extra["per_worker"]) for r in (full, small)]
        assert queries[0] < queries[1], (n, queries)
        held = [[w["asked_bytes"] for w in r.extra["per_worker"]] for r in (full, small)]
        assert all(0 < b < a for a, b in zip(*held)), (n, held)  # two generations held, not every query
    p = engine.Partition(0, 1, Paxos(), False, True, False)
    assert p.stats()["store_bytes"] == p.seen.nbytes() + p.records.nbytes()


def test_record_columns_hold_offsets_and_read_back(tmp_path: Path) -> None:
    import numpy as np

    from modelcheck.engine._store import Records

    r = Records(with_gids=True)
    r.extend(np.array([7, 8]), np.array([-1, -1]), np.array([-1, -1], np.int16), np.array([0, 1]))
    r.extend(np.array([9, 10, 11]), np.array([1, 0, 1]), np.array([2, 0, 1], np.int16), np.array([3, 5, 6]))
    wide = np.array([1 << 40, 3], dtype=np.int64)  # a range int32 offsets cannot hold
    r.extend(np.array([12, 13]), wide, np.array([0, 0], np.int16), np.array([7, 1 << 40]))
    assert r.parents.chunks[0].dtype == np.int32 and r.parents.chunks[2].dtype == np.int64
    assert r.nbytes() == 7 * 8 + 5 * 4 + 2 * 8 + 7 * 2 + 5 * 4 + 2 * 8  # fps, parents, actions, gids
    want = {0: (-1, -1, 7), 3: (1, 2, 9), 5: (0, 0, 10), 6: (1, 1, 11), 7: (1 << 40, 0, 12), 1 << 40: (3, 0, 13)}
    for rec in (r, None):
        if rec is None:  # the same, read back from disk
            r.spill(tmp_path)
            rec = r
        assert {g: rec.info(g) for g in want} == want
        assert rec.info(2) is None and rec.info(4) is None
        assert rec.parents.array().tolist() == [-1, -1, 1, 0, 1, 1 << 40, 3]


def test_two_frontiers_of_one_process_spill_to_files_of_their_own(tmp_path: Path) -> None:
    """A worker holds two frontiers (this level's and the next) and makes a new one each level; their spilled
    segments were numbered per frontier, so the second overwrote the first's file: the first read back the
    other's states (found with tests/test_differential.py: search with chunk=3 and memory=4096 stopped on
    FileNotFoundError, the file already read and removed by the other frontier)."""
    import numpy as np

    from modelcheck.engine._store import Frontier

    a, b = Frontier(tmp_path, budget=1), Frontier(tmp_path, budget=1)
    a.append([("a", 0)], np.array([0], dtype=np.int64))
    b.append([("b", 0)], np.array([0], dtype=np.int64))
    assert [s for seg, _ in a.take(1) for s in seg] == [("a", 0)]
    assert [s for seg, _ in b.take(1) for s in seg] == [("b", 0)]
    one = check(Paxos(values=1))  # 1,681 states, every level spilled (the default model's 3,921 took 20 s)
    for n in (1, 2):
        r = search(Paxos(values=1), workers=n, memory=4096, chunk=3)
        assert summary(r)[:5] == summary(one)[:5]
