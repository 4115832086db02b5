"""A failed cluster test's report holds the last lines of each node's log (tests/conftest.py): CI shows the end
of the output only, and a node's 'cannot start: ...' or traceback is the reason it failed."""

from __future__ import annotations

from conftest import LOG_LINES, node_log_tails


def test_the_tails_of_every_node_log_under_the_tests_folders(tmp_path):
    for i in (1, 2):
        (tmp_path / "a" / f"node-{i}").mkdir(parents=True)
        (tmp_path / "a" / f"node-{i}" / "node.log").write_text("".join(f"n{i} line {k}\n" for k in range(30)))
    (tmp_path / "node-3").mkdir()
    (tmp_path / "node-3" / "node.log").write_text("node 3: cannot start: wal.log: checksum mismatch at 4096\n")
    out = node_log_tails([tmp_path])
    assert "cannot start: wal.log: checksum mismatch" in out
    for i in (1, 2):
        assert f"n{i} line 29" in out and f"n{i} line {29 - LOG_LINES}\n" not in out
        assert f"n{i} line {30 - LOG_LINES}" in out
    assert node_log_tails([tmp_path / "a" / "node-1"]) == ""  # no node folders below: nothing
