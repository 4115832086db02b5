"""Client histories of the simulated key-value store, checked for linearizability (the store and a stale-read bug)."""

from __future__ import annotations

import json

from impl.raft.rules import bug
from modelcheck.cli import main
from modelcheck.harness import KVHistoryRun
from modelcheck.linearizability import check_operations, kv_model, write_history


def test_the_store_is_linearizable_over_many_seeded_faulty_runs():
    answered = 0
    for seed in range(30):
        ops = KVHistoryRun(seed).run(300)
        result = check_operations(kv_model(), ops)
        assert result.ok, result.explain()
        answered += sum(o.ret is not None for o in ops)
    assert answered > 2000  # the histories are not trivially empty


def test_stale_follower_reads_are_not_linearizable_and_the_page_is_written(tmp_path, capsys):
    run = KVHistoryRun(0, reads_anywhere=True, rules=bug("stale-reads"))
    ops = run.run(300)
    result = check_operations(kv_model(), ops)
    assert result.verdict == "illegal"
    bad = result.failing()[0]
    assert (bad.name, len(bad.linearization), len(bad.ops)) == ("key z", 21, 60)
    history = tmp_path / "history.jsonl"
    write_history(history, ops)
    page = tmp_path / "timeline.html"
    assert main(["audit", "--history", str(history), "--html", str(page), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "illegal" and out["failing"][0] == {"name": "key z", "prefix": 21, "ops": 60}
    assert "key z" in page.read_text()


def test_reads_anywhere_without_the_bug_are_refused_by_followers_and_stay_linearizable():
    run = KVHistoryRun(0, reads_anywhere=True)
    assert check_operations(kv_model(), run.run(300)).ok
