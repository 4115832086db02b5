"""Pictures: the chart has a lifeline per node and an arrow per received message; the graph marks the path."""

from __future__ import annotations

import re

from modelcheck import check
from modelcheck.cli import main
from modelcheck.engine.graph import explore
from modelcheck.output.explore.session import Session, path_text
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


def _dots_and_curves(dot: str) -> tuple[dict[str, tuple[float, float]], list[tuple[str, str, list[tuple[float, ...]]]]]:
    """The chart's step dots by name, and each arrow's ends with the points of its drawn spline."""
    found = re.findall(r'(p\d+_\d+) \[shape=circle[^]]*pos="([-\d.]+),([-\d.]+)"', dot)
    dots = {n: (float(x), float(y)) for n, x, y in found}
    arrows = []
    for a, b, pos in re.findall(r'(p\d+_\d+) -> (p\d+_\d+) \[[^]]*pos="e,[-\d.,]+ ([^"]+)"', dot):
        arrows.append((a, b, [tuple(map(float, p.split(","))) for p in pos.split()]))
    return dots, arrows


def _bezier(ps: list[tuple[float, ...]], t: float) -> tuple[float, float]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ps
    u = 1 - t
    return (u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
            u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3)


def test_no_arrow_runs_through_a_step_it_does_not_join() -> None:
    """The straight arrow of 1a(0), from the first leader's step 2 to a2's step 5, ran exactly through L1's step 3
    and a1's step 4 (each one lane and one row further), and the chart read as a chain L0 -> L1 -> a1 -> a2 of
    messages never sent; so did three more. Each arrow now keeps 10 points clear of every other step's dot, and
    the two that had to bend are curves (the page's chart follows the same rule: render.chart_arrows)."""
    r = check(build("paxos", "ignore-votes"))
    dots, arrows = _dots_and_curves(msc_dot(r.spec, r.trace, r.violated))
    assert len(dots) == 12 and len(arrows) == 12
    bent = 0
    for a, b, ps in arrows:
        (x0, y0), (x3, y3) = ps[0], ps[-1]
        straight = all(abs((x3 - x0) * (py - y0) - (y3 - y0) * (px - x0)) < 1e-6 * (1 + abs(x3 - x0) + abs(y3 - y0))
                       for px, py in ps[1:-1])
        bent += not straight
        for k in range(1, 40):
            x, y = _bezier(ps, k / 40)
            for n, (dx, dy) in dots.items():
                if n not in (a, b):
                    assert (x - dx) ** 2 + (y - dy) ** 2 >= 10**2, (a, b, n)
    assert bent >= 2
    page = Session(r.spec).view(path_text([s.label for s in r.trace[1:]]))["arrows"]
    assert len(page) == 12 and sum(a["bend"] != 0 for a in page) >= 2


def test_an_arrow_bends_only_when_a_dot_is_in_its_way() -> None:
    from modelcheck.output.msc_layout import Geometry, arrow_bends

    g = Geometry(lane=100, row=40, clear=10)
    # (0, 1) -> (3, 4) runs through (1, 2) and (2, 3); (0, 1) -> (1, 2) and (0, 1) -> (3, 6) pass no dot
    bends = arrow_bends([(0, 1, 3, 4), (0, 1, 1, 2), (0, 1, 3, 6)], [(0, 1), (1, 2), (2, 3), (3, 4), (3, 6)], g)
    assert bends[0] != 0 and bends[1:] == [0.0, 0.0]


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


def test_state_graph_reduces_by_symmetry_as_check_does(tmp_path, capsys) -> None:
    """graph had no --symmetry ("unrecognized arguments"), where a TLC model checks its SYMMETRY
    (MCCheckpointCoordination's NodeSymmetry): the graph's states are now check --symmetry's, 29 for 49, the
    renamings checked first as check checks them (newuser15)."""
    argv = ["graph", "paxos", "--variant", "ignore-votes", "--acceptors", "1", "--max-ballot", "1", "--symmetry",
            "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "max_ballot=1: 29 states (symmetry: one state per renaming), 46 edges" in out
    assert "Agreement is violated in state #28; its shortest path (8 steps)" in out


STEPS = """
from typing import NamedTuple
from spec.core import Spec, action, action_invariant


class S(NamedTuple):
    x: int


class Counter(Spec):
    variables = S._fields

    def init_states(self):
        return [S(0)]

    @action()
    def Inc(self, s):
        return S(s.x + 1) if s.x < 3 else None

    @action()
    def Reset(self, s):
        return S(0) if s.x == 3 else None

    @action_invariant
    def NeverDown(self, s, t):
        return t.x >= s.x


class Cut(Counter):
    def constraint(self, s):
        return s.x < 2

    @action_invariant
    def NotTwo(self, s, t):
        return t.x != 2
"""


def test_graph_marks_the_step_that_breaks_an_action_invariant(tmp_path, capsys) -> None:
    """`paxraft graph` drew only a path to a state breaking an invariant: a step breaking an action invariant
    (x never goes down; Reset takes 3 to 0) went unmarked, 'no violation' (hostile8). Now the step check reports is
    marked with the invariant's name, its path in red; one into a state the constraint cuts, to a dashed box."""
    f = tmp_path / "steps.py"
    f.write_text(STEPS)
    assert main(["graph", f"{f}:Counter", "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert ("action invariant NeverDown is violated by the step Reset() from state #3 to state #0; its shortest "
            "path (4 steps) is drawn in red, the step marked") in out
    dot = (tmp_path / "a" / "states.dot").read_text()
    assert 'n3 -> n0 [label="Reset()\\nbreaks NeverDown", color="#c00000"' in dot
    assert dot.count('color="#c00000", fontcolor="#c00000", penwidth=2.2') == 3  # the path to #3
    assert main(["graph", f"{f}:Cut", "--out", str(tmp_path / "b")]) == 0
    assert ("action invariant NotTwo is violated by the step Inc() from state #1 to a state outside the constraint; "
            "its shortest path (2 steps)") in capsys.readouterr().out
    dot = (tmp_path / "b" / "states.dot").read_text()
    assert 'n1 -> cut [label="Inc()\\nbreaks NotTwo"' in dot and "outside the constraint\\nx = 2" in dot


def test_graph_size_guard(capsys) -> None:
    assert main(["graph", "paxos", "--max-states", "100"]) == 2
    assert capsys.readouterr().err == ("paxraft graph: error: paxos acceptors=3 values=2 max_ballot=1: more than 100 "
                                       "states; raise --max-states or shrink the model\n")


STAR = """from typing import NamedTuple
from spec.core import Spec, action


class S(NamedTuple):
    x: int


class Star(Spec):
    variables = ("x",)

    def init_states(self):
        return [S(-1)]

    @action(lambda self, s: [(v,) for v in range(400)] if s.x < 0 else [])
    def Set(self, s, v):
        return S(v)
"""


def test_a_graph_too_wide_for_a_bitmap_says_its_picture_was_scaled(tmp_path, capsys) -> None:
    """dot shrinks a bitmap past 32,767 pixels a side and says so on its stderr, which was kept: a PNG of a
    1,681-state Paxos graph (graph --max-states 2000) came out scaled by 0.26, its text unreadable, with no word.
    (dot is installed here: the picture is the point.)"""
    (tmp_path / "star.py").write_text(STAR)
    argv = ["graph", f"{tmp_path / 'star.py'}:Star", "--max-states", "500"]
    assert main([*argv, "--out", str(tmp_path / "png"), "--format", "png"]) == 0
    out, err = capsys.readouterr()
    assert "Star: 401 states, 400 edges" in out and f"wrote {tmp_path / 'png' / 'states.png'}" in out
    assert re.fullmatch(rf"dot scaled {tmp_path / 'png' / 'states.png'} by 0\.\d+ to fit a bitmap's largest size "
                        r"\(32,767 pixels a side\): its text is too small to read; an SVG \(--format svg\) keeps the "
                        r"full size\n", err)
    assert main([*argv, "--out", str(tmp_path / "svg")]) == 0
    assert capsys.readouterr().err == ""


def test_graph_format_dot_keeps_the_dot_file(tmp_path, capsys) -> None:
    """`graph --format dot` had dot draw states.dot into states.dot, the file it was reading: "dot -Tdot
    states.dot: Error: ... syntax error in line 90", exit 2, and the DOT file half overwritten."""
    (tmp_path / "star.py").write_text(STAR)
    assert main(["graph", f"{tmp_path / 'star.py'}:Star", "--max-states", "500", "--out", str(tmp_path),
                 "--format", "dot"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.count(f"wrote {tmp_path / 'states.dot'}") == 1
    text = (tmp_path / "states.dot").read_text()
    assert text.startswith("digraph") and text.rstrip().endswith("}")
    assert len(re.findall(r"^\s*n\d+ \[", text, re.M)) == 401  # every state, none lost


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
