"""Pictures: the chart has a lifeline per node and an arrow per received message; the graph marks the path."""

from __future__ import annotations

import re

from modelcheck import check
from modelcheck.cli import main
from modelcheck.engine.graph import explore
from modelcheck.output.render import graph_dot, msc_dot, state_text, table_dot
from spec.registry import build, load_user_spec


def test_msc_of_the_ignore_votes_counterexample() -> None:
    r = check(build("paxos", "ignore-votes"))
    dot = msc_dot(r.spec, r.trace, r.violated)
    heads = re.findall(r'h\d+ \[shape=box[^]]*label="([^"]+)"', dot)
    assert heads == ["L0", "L1", "a1", "a2", "a3"]
    arrows = re.findall(r'-> p\d+_\d+ \[xlabel="([^"]+)"', dot)
    # 1a(0) reaches a2 and a3, 1a(1) a1 and a2; L0 hears three 1b, L1 one; 2a(0) to a2 and a3, 2a(1) to a1, a2.
    assert sorted(arrows).count("1a(0)") == 2 and arrows.count("1a(1)") == 2
    assert arrows.count("2a(1, v2)") == 2 and arrows.count("2a(0, v1)") == 2
    assert len(arrows) == 12
    assert "Agreement is violated here" in dot


def test_table_shades_changed_cells_and_marks_violation() -> None:
    r = check(build("paxos", "ignore-votes"))
    dot = table_dot(r.spec, r.trace, r.violated)
    assert dot.count("<TR>") == len(r.trace) + 2  # header, one row per state, the verdict
    assert "+ [type |-&gt; 2b, acc |-&gt; a3, bal |-&gt; 0, val |-&gt; v1]" in dot  # as check prints it
    assert "Agreement is violated in the last state" in dot


def test_out_writes_itf_dot_and_svg(tmp_path) -> None:
    out = tmp_path / "cex"
    assert main(["check", "paxos", "--variant", "ignore-votes", "--out", str(out), "--quiet"]) == 1
    names = sorted(p.name for p in out.iterdir())
    assert names == ["msc.dot", "msc.svg", "table.dot", "table.svg", "trace.itf.json"]
    assert (out / "msc.svg").read_text().lstrip().startswith("<?xml")


def test_state_graph_highlights_the_shortest_counterexample(tmp_path, capsys) -> None:
    spec = build("paxos", "ignore-votes", acceptors=1, values=2, max_ballot=1)
    g = explore(spec, keep_states=True)
    assert (len(g), g.edge_count()) == (49, 69)
    assert (
        main(
            [
                "graph",
                "paxos",
                "--variant",
                "ignore-votes",
                "--acceptors",
                "1",
                "--max-ballot",
                "1",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Agreement is violated in state #46; its shortest path (8 steps)" in out
    dot = (tmp_path / "states.dot").read_text()
    assert dot.count('color="#c00000", fontcolor="#c00000", penwidth=2.2') == 8
    assert graph_dot(g).count(" -> ") == 69


def test_graph_size_guard(capsys) -> None:
    assert main(["graph", "paxos", "--max-states", "100"]) == 2
    assert "more than 100 states" in capsys.readouterr().err


def test_graph_nodes_break_lines_between_values() -> None:
    """A node's lines were cut every 48 characters, mid-value: ``network = [p1->p2 |-> <<>>, p2->p1 |-> <<>\\n>]``
    (Lamport's mutex, tests/user_specs/lamport_mutex.py)."""
    spec = load_user_spec("tests/user_specs/lamport_mutex.py:LamportMutex")(procs=2, max_clock=1)
    s = spec.init_states()[0]
    s = spec.Request(s, 0)
    text = state_text(spec, s)
    assert "network = [p1->p2 |-> <<req(1)>>, p2->p1 |->\n<<>>]" in text, text
    assert all(len(line) <= 48 for line in text.splitlines())


def test_copies_of_a_message_pair_in_order_and_a_lasso_says_how_it_ends() -> None:
    """The alternating-bit protocol sends "ack 0" twice, then receives it twice: each receipt was drawn from the
    first copy, the second shown as never received. A lasso's table said its property "is violated in the last
    state", and a stuttering one's chart that "the loop repeats for ever"."""
    from modelcheck.engine.liveness import check_property
    from modelcheck.output.explore.session import Session

    spec = load_user_spec("tests/user_specs/alternating_bit.py:UnfairResend")()
    path = "Init(1)/SndNewValue(0)/LoseMsg(0)/SndAck()/SndAck()/RcvAck()/RcvAck()"  # a lasso back to state 3
    session = Session(spec)
    trace = session.replay(path)
    dot = msc_dot(spec, trace, "P", 2)
    assert re.findall(r"p(\d)_(\d) -> p(\d)_(\d) \[xlabel=\"([^\"]+)\"", dot) == [
        ("0", "1", "2", "2", "<<1, d1>>"), ("1", "3", "0", "5", "ack 0"), ("1", "4", "0", "6", "ack 0")]
    assert "P: the loop back to state 3 repeats for ever" in dot
    assert "P: the loop back to state 3 repeats for ever" in table_dot(spec, trace, "P", 2)
    view = session.view(path)
    assert [(a["from"], a["to"]) for a in view["arrows"]] == [(0, 1), (2, 4), (3, 5)]  # as the chart pairs them
    stutter = load_user_spec("tests/user_specs/alternating_bit.py:ReceiptOnlyFair")(ack_q_len=0)
    lasso = check_property(stutter, "SentLeadsToRcvd_d1").lasso
    dot = table_dot(stutter, lasso.prefix + lasso.loop, "P", len(lasso.prefix) - 1)
    assert not lasso.loop and "P: the behaviour stutters for ever in the last state" in dot
