"""A fifth new user's spec written from README.md and docs/ only (issue 12, notes newuser): Chang and
Roberts's leader election on a ring, ChangRoberts.tla (tlaplus/Examples, a PlusCal algorithm), and an
abstract one-step election it refines (tests/user_specs/chang_roberts.py, leader_election.py), run
through every feature with TLC 2.20's exact figures.
Pinned here: replay took every str bound (the ring's --ids) for a file name and refused the trace."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import check_report, run  # the CLI run with its captured output: one helper for every CLI test
from test_explore import _get  # an HTTP GET that returns error statuses too

from modelcheck.engine.stateful import InvariantViolation, run_spec, spec_machine
from modelcheck.output.explore.server import serve_in_thread
from modelcheck.output.explore.session import Session
from spec.registry import load_user_spec

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "tests" / "user_specs" / "chang_roberts.py"
ABSTRACT = Path(__file__).resolve().parent / "user_specs" / "leader_election.py"
REF = f"{FILE}:ChangRoberts"


def user_file(tmp_path: Path, name: str, imports: str, body: str) -> Path:
    """A user's file beside the test that imports from tests/user_specs/chang_roberts.py."""
    path = tmp_path / f"{name}.py"
    path.write_text(f"import sys\nfrom pathlib import Path\n\nsys.path.insert(0, {str(FILE.parent)!r})\n"
                    f"{imports}  # noqa: E402\n\n\n{body}")
    return path


def cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """`run`, also for argparse's refusals (which exit)."""
    try:
        return run(capsys, *argv)
    except SystemExit as stop:
        out, err = capsys.readouterr()
        return int(stop.code or 0), out, err


def report(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> dict:
    return check_report(capsys, ref, *argv, codes=(0, 1))


def figures(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> tuple[int, int, int]:
    obj = report(capsys, ref, *argv)
    return obj["distinct_states"], obj["states_generated"], obj["depth"]


def test_counts_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    # TLC 2.20 -workers 1 on MCChangRoberts.cfg (Id = <<1..N>>, TypeOK and Correctness, CHECK_DEADLOCK FALSE):
    # N=3 137/227/10 (as the tlaplus/Examples manifest), N=4 823/1,791/15, N=5 5,455/15,113/21;
    # APChangRoberts's Id = <<3, 1, 2>>: 137/227/10
    assert figures(capsys, REF) == (137, 227, 10)
    assert figures(capsys, REF, "--nodes", "4") == (823, 1791, 15)
    assert figures(capsys, REF, "--nodes", "5") == (5455, 15113, 21)
    assert figures(capsys, REF, "--ids", "3,1,2") == (137, 227, 10)
    one, two = report(capsys, REF, "--nodes", "4"), report(capsys, REF, "--nodes", "4", "--workers", "2")
    assert {a: (c["new"], c["fired"]) for a, c in one["coverage"].items()} == {"n0": (240, 696), "n1": (567, 1079)}
    assert (two["distinct_states"], two["states_generated"], two["depth"], two["coverage"]) == (
        823, 1791, 15, one["coverage"])
    assert figures(capsys, REF, "--nodes", "4", "--mode", "dfs") == (823, 1791, 15)


def test_bound_mistakes_are_one_line(capsys: pytest.CaptureFixture) -> None:
    for argv, needle in [
        (["--ids", "3,1"], "--ids gives 2 identities for --nodes 3"),
        (["--ids", "1,,2"], "--ids takes comma-separated integers"),
        (["--node", "3"], "did you mean --nodes?"),
        (["--symmetry"], "the spec declares no symmetric set"),
        (["--variant", "nope"], "its variants: forward-larger, keep-candidate"),
        (["--liveness", "Nope"], "no temporal property 'Nope' (declared: Liveness)"),
    ]:
        code, out, err = cli(capsys, "check", REF, *argv)
        assert code == 2 and out == "" and needle in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_liveness_under_the_processes_weak_fairness(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", REF, "--liveness")
    assert code == 0 and "Property Liveness holds under this fairness." in out
    # the filter's values as the spec shows parameters (it printed n=0 beside labels reading n=p1)
    assert "Fairness: WF(n0 \\/ n1 with n=p1); WF(n0 \\/ n1 with n=p2); WF(n0 \\/ n1 with n=p3)\n" in out
    code, out, _ = run(capsys, "check", REF, "--liveness", "--no-fairness")
    assert code == 1 and "property Liveness is violated: a fair behaviour of 0 steps" in out


def test_variants_out_and_replay(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "every entry agrees" in out
    code, out, _ = run(capsys, "check", REF, "--variant", "forward-larger", "--out", str(tmp_path / "cex"))
    assert code == 1 and "shortest counterexample: 6 steps" in out
    trace = str(tmp_path / "cex" / "trace.itf.json")
    assert json.loads(Path(trace).read_text())["#meta"]["bounds"]["ids"] == ""
    code, out, err = run(capsys, "replay", trace, "--spec", f"{FILE}:ForwardLarger")
    assert code == 0 and "Every state follows; the last state violates Correctness." in out, err
    code, out, _ = run(capsys, "replay", trace, "--spec", REF)  # the base spec swallows the larger identity
    # the counterexample starts in the first initial state by value (spec.behaviour.initial_states), p1 no initiator
    assert code == 1 and "FAIL state 6: n1(n=p2, id=3)" in out


def test_a_path_bound_is_still_taken_only_from_the_command_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    user = user_file(
        tmp_path, "ring_file", "from chang_roberts import ForwardLarger",
        "class FromFile(ForwardLarger):\n"
        "    def __init__(self, nodes: int = 3, ids_file: Path = Path('')) -> None:\n"
        "        super().__init__(nodes, Path(ids_file).read_text().strip() if str(ids_file) else '')\n"
    )
    (tmp_path / "ids.txt").write_text("3,1,2\n")
    ref = f"{user}:FromFile"
    code, out, _ = run(capsys, "check", ref, "--ids-file", str(tmp_path / "ids.txt"), "--out", str(tmp_path / "t"))
    assert code == 1 and "invariant Correctness is violated" in out
    trace = str(tmp_path / "t" / "trace.itf.json")
    code, _, err = run(capsys, "replay", trace, "--spec", ref)
    assert code == 2 and "#meta.bounds.ids_file names a file" in err
    code, out, err = run(capsys, "replay", trace, "--spec", ref, "--bounds", f"ids_file={tmp_path / 'ids.txt'}")
    assert code == 0, err


def test_hypothesis_finds_both_variants() -> None:
    fast = settings(max_examples=30, stateful_step_count=30, derandomize=True, database=None, deadline=None)
    run_spec(load_user_spec(REF)(nodes=4), settings=fast)
    for name in ("ForwardLarger", "KeepCandidate"):
        with pytest.raises(InvariantViolation) as found:
            run_spec(load_user_spec(f"{FILE}:{name}")(nodes=3), settings=fast)
        assert found.value.invariant == "Correctness"
    case = spec_machine(load_user_spec(REF)(nodes=3)).TestCase
    case.settings = fast
    outcome = unittest.TestResult()
    case("runTest").run(outcome)
    assert outcome.wasSuccessful() and outcome.testsRun == 1


def test_refinement_names_the_failing_state_as_the_listing_numbers_it(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "refine", REF, "LeaderElection")
    assert code == 0 and "ChangRoberts implements LeaderElection." in out
    assert "137 distinct ChangRoberts states, 219 transitions checked (202 map to stutters), 15 distinct" in out
    code, out, _ = run(capsys, "refine", REF, f"{ABSTRACT}:LeaderElection", "--nodes", "4")
    assert code == 0 and "823 distinct ChangRoberts states" in out
    # the variant swallows nothing larger than itself, so node 2 wins with node 1 an initiator: no Elect step.
    # The message said "fails at step 4" while the listing below numbered that step "5." (states from 1)
    code, out, _ = run(capsys, "refine", f"{FILE}:ForwardLarger", "LeaderElection", "--nodes", "2")
    assert code == 1 and "refinement fails at state 5 (step 4): n1(n=p2, id=2) maps to no step of LeaderElection" in out
    assert "\n  5. n1(n=p2, id=2)\n" in out
    code, out, _ = run(capsys, "refine", f"{FILE}:KeepCandidate", "LeaderElection", "--nodes", "2")
    assert code == 0  # the abstract election says nothing of the losers: this broken variant refines it


def test_a_subclass_that_is_no_variant_has_its_own_name(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """It printed its base's name: 'Model: ChangRoberts' for class Quiet(ChangRoberts) with no variant name."""
    user = user_file(
        tmp_path, "ring_quiet", "from chang_roberts import ChangRoberts, ForwardLarger",
        "class Quiet(ChangRoberts):\n    '''No initiator sends its identity.'''\n\n"
        "    def n0(self, s, n):\n        return None\n\n\n"
        "class Again(ForwardLarger):\n    '''The forward-larger variant, inherited.'''\n"
    )
    code, out, _ = run(capsys, "check", f"{user}:Quiet")
    assert code == 0 and out.startswith("Model: Quiet nodes=3 ids=''\n") and "8 distinct states" in out
    code, out, _ = run(capsys, "list", str(user))
    assert code == 0 and out.startswith("Quiet: No initiator sends its identity.\n")
    code, out, _ = run(capsys, "check", f"{user}:Again")  # a variant stays its spec's
    assert code == 1 and out.startswith("Model: ChangRoberts[forward-larger] nodes=3")
    assert load_user_spec(REF).name == "ChangRoberts" and load_user_spec(f"{FILE}:KeepCandidate").name == "ChangRoberts"
    from modelcheck.audit.multipaxos_spec import MultiPaxosImpl

    assert MultiPaxosImpl.name == "multipaxos"  # a declared name is inherited


def test_the_explorer_lists_every_initial_state(capsys: pytest.CaptureFixture) -> None:
    """Only the first of the 2^N initial states was reachable from the page (the others by typing Init(k))."""
    session = Session(load_user_spec(REF)())
    view = session.view("Init(5)/n0(0)")
    assert view["path"] == "Init(5)/n0(0)" and view["history"][0]["path"] == "Init(5)"
    assert view["state"]["processes"] == ["p1", "p2", "p3"] and view["lanes"] == ["p1"]  # the lifelines that act
    assert view["events"] == [{"node": "p1", "received": [], "sent": ["1 to p2"]}]
    inits = view["inits"]
    assert (inits["count"], inits["current"]) == (8, 5)
    assert [(i["label"], i["path"]) for i in inits["listed"]][:2] == [("Init(0)", ""), ("Init(1)", "Init(1)")]
    assert inits["listed"][5]["text"] == (
        "initiator = [p1 |-> True, p2 |-> False, p3 |-> True]; state = [p1 |-> cand, p2 |-> lost, p3 |-> cand]")
    assert Session(load_user_spec(f"{ABSTRACT}:LeaderElection")(nodes=1)).view("")["inits"]["count"] == 2
    server = serve_in_thread(session)
    try:
        status, body = _get(server.url + "api/state?path=Init(7)")
        assert status == 200 and json.loads(body)["inits"]["current"] == 7
        status, body = _get(server.url + "?path=Init(7)/n0(1)")
        assert status == 200 and b'id="inits"' in body
        assert b"renderInits" in _get(server.url + "static/app.js")[1]
        status, body = _get(server.url + "api/state?path=Init(8)")
        error = json.loads(body)["error"]
        assert status == 400 and "Init(8) names no initial state (there are 8, numbered from 0: Init(0) to" in error
    finally:
        server.shutdown()
        server.server_close()
    code, out, _ = cli(capsys, "explore", REF, "--help")
    assert code == 0 and "--nodes" in out and "--ids" in out


def test_fairness_mistakes_are_one_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """WF("n0", node=0) (the parameter is n) was taken as WF(n0): the filter matched no parameter, so it
    constrained nothing, and the run reported a liveness verdict for a fairness the user never wrote."""
    user = user_file(
        tmp_path, "ring_fair", "from chang_roberts import ChangRoberts\nfrom spec.core import WF",
        "class BadFilter(ChangRoberts):\n    def fairness(self):\n        return [WF('n0', 'n1', node=0)]\n\n\n"
        "class BadAction(ChangRoberts):\n    def fairness(self):\n        return [WF('n2', n=0)]\n"
    )
    for cls, needle in [
        ("BadFilter", "BadFilter: fairness WF(n0 \\/ n1 with node=0) filters on node, a parameter of none of its "
                      "actions: n0(n); n1(n, id)"),
        ("BadAction", "BadAction: fairness WF(n2 with n=0) names unknown action(s) n2"),
    ]:
        code, out, err = run(capsys, "check", f"{user}:{cls}", "--liveness")
        assert code == 2 and out == "" and needle in err and len(err.strip().splitlines()) == 1, err


def test_depth_is_refused_where_it_means_nothing_and_said_where_it_cut(capsys: pytest.CaptureFixture) -> None:
    """`--depth 3` on the breadth-first search was ignored (the run went to depth 10 and said "No error found.");
    a depth-bounded dfs said "Stopped at the state limit", and --max-states alone "the bound cut some paths"."""
    code, out, err = cli(capsys, "check", REF, "--depth", "3")
    assert code == 2 and out == "" and "--depth bounds --mode dfs or is --mode simulate's walk length" in err
    code, out, _ = run(capsys, "check", REF, "--nodes", "4", "--mode", "dfs", "--depth", "5")
    assert code == 0 and out.startswith("Depth-first search, depth bound 5 (the bound cut some paths: not exhaustive)")
    assert "No error found on paths of up to 5 states (the depth bound cut the search: incomplete)" in out
    assert "352 distinct states, 688 states generated, depth 5" in out
    code, out, _ = run(capsys, "check", REF, "--nodes", "4", "--mode", "dfs", "--max-states", "100")
    assert out.startswith("Depth-first search\n") and "Stopped at the state limit" in out
    code, out, _ = run(capsys, "check", REF, "--nodes", "4", "--mode", "dfs", "--depth", "50")
    assert out.startswith("Depth-first search, depth bound 50\n") and "No error found.\n823 distinct states" in out
    code, out, _ = run(capsys, "check", f"{FILE}:ForwardLarger", "--nodes", "4", "--mode", "simulate", "--depth", "30")
    assert code == 1 and "invariant Correctness is violated; counterexample:" in out


def test_the_coverage_table_lines_up_under_short_action_names(capsys: pytest.CaptureFixture) -> None:
    """With actions n0 and n1 (shorter than the header's "action") the figures sat 4 columns left of theirs."""
    code, out, _ = run(capsys, "check", REF)
    table = out[out.index("action "):].splitlines()[:3]
    assert table == ["action         fired    new states", "n0               108            56",
                     "n1               111            73"]


def test_a_str_bound_reads_as_one(capsys: pytest.CaptureFixture) -> None:
    """An empty default printed "(default )" and "ids=", and --help showed "--ids N"."""
    code, out, _ = run(capsys, "list", str(FILE))
    assert code == 0
    assert "--ids            the nodes' identities, comma-separated (Id); default 1..N (default empty)\n" in out
    code, out, _ = run(capsys, "check", REF)
    assert out.startswith("Model: ChangRoberts nodes=3 ids=''\n")
    code, out, _ = run(capsys, "check", REF, "--ids", "3,1,2")
    assert out.startswith("Model: ChangRoberts nodes=3 ids=3,1,2\n")
    code, out, _ = cli(capsys, "check", REF, "--help")
    assert code == 0 and "[--nodes N] [--ids TEXT]" in out
    code, out, _ = cli(capsys, "check", "paxos", "--help")
    assert code == 0 and "--quorums PATH" in out


def test_graph_pictures_and_the_proof_commands(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "graph", REF, "--nodes", "2", "--out", str(tmp_path / "g"))
    assert code == 0 and "ChangRoberts nodes=2 ids='': 25 states, 27 edges" in out
    code, out, _ = run(capsys, "graph", f"{FILE}:ForwardLarger", "--nodes", "2", "--out", str(tmp_path / "g2"))
    assert code == 0 and "Correctness is violated in state #23; its shortest path (4 steps) is drawn in red" in out
    assert (tmp_path / "g2" / "states.dot").read_text().count("color=\"#c00000\", fontcolor") == 4  # the path, red
    code, _, err = run(capsys, "graph", REF, "--nodes", "6")
    assert code == 2 and "more than 300 states; raise --max-states or shrink the model" in err
    code, out, _ = run(capsys, "check", f"{FILE}:KeepCandidate", "--out", str(tmp_path / "cex"))
    assert code == 1 and {p.name for p in (tmp_path / "cex").iterdir()} >= {"trace.itf.json", "msc.dot", "table.dot"}
    for cmd, needle in [("infer", "no Z3 encoding declared for ChangRoberts"),
                        ("bmc", "no Z3 encoding of spec 'ChangRoberts'"),
                        ("prove", "no Z3 encoding declared for ChangRoberts")]:
        code, out, err = cli(capsys, cmd, REF, *(["--depth", "5"] if cmd == "bmc" else []))
        assert code == 2 and out == "" and needle in err and len(err.strip().splitlines()) == 1, (cmd, err)


def test_a_finished_checkpoint_resumes_to_the_same_figures(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    ck = str(tmp_path / "ck")
    assert figures(capsys, REF, "--nodes", "5", "--checkpoint", ck, "--checkpoint-every", "0") == (5455, 15113, 21)
    code, out, _ = run(capsys, "check", "--resume", ck, "--json", "--quiet")
    assert code == 0 and json.loads(out)["distinct_states"] == 5455


@pytest.mark.slow
def test_an_interrupted_run_resumes_to_tlcs_figures(tmp_path: Path) -> None:
    """N=7 (TLC 2.20: 333,161 distinct, 1,385,875 generated, depth 36; 7 s here): SIGINT once the first
    checkpoint is on disk, then --resume finishes the search with the figures of one uninterrupted run."""
    ck = tmp_path / "ck"
    argv = [sys.executable, "-m", "modelcheck.cli", "check", REF, "--nodes", "7", "--quiet"]
    proc = subprocess.Popen([*argv, "--checkpoint", str(ck), "--checkpoint-every", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # heard in a `&` run
    for _ in range(2400):  # up to 120 s for the first level's checkpoint
        if (ck / "current" / "manifest.json").exists() or proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, out  # stopped mid-search, checkpointed
    done = subprocess.run([sys.executable, "-m", "modelcheck.cli", "check", "--resume", str(ck), "--json", "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    obj = json.loads(done.stdout)
    assert (obj["distinct_states"], obj["states_generated"], obj["depth"]) == (333161, 1385875, 36)


def test_a_file_without_variants_says_so(capsys: pytest.CaptureFixture) -> None:
    """`variants --spec` on a file with none printed an empty table and '0 entries'."""
    code, out, _ = run(capsys, "variants", "--spec", str(ABSTRACT))
    assert code == 0 and out == f"{ABSTRACT} has no variants: a variant is a subclass of a spec that sets " \
        "`variant = NAME` (in the spec's file or another)\n"
    code, out, err = run(capsys, "variants", "--spec", str(ABSTRACT), "--check")
    assert code == 2 and out == "" and "no variants of" in err


def test_explore_a_users_trace_says_how_explore_takes_the_spec(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """`explore --trace T` of a user's spec said "pass --spec FILE:Class", an option explore does not have."""
    run(capsys, "check", f"{FILE}:ForwardLarger", "--out", str(tmp_path))
    trace = str(tmp_path / "trace.itf.json")
    code, out, err = cli(capsys, "explore", "--trace", trace, "--for", "0")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"name it before --trace: paxraft explore {FILE}:ForwardLarger --trace {trace}" in err
    code, out, err = cli(capsys, "explore", f"{FILE}:ForwardLarger", "--trace", trace, "--for", "0.01")
    assert code == 0 and "?trail=Init(3)/n0(0)/n0(1)/n0(2)/n1(0,3)/n1(1,3)/n1(2,3)" in out, err
    code, _, err = run(capsys, "replay", trace)
    assert code == 2 and f"paxraft runs no code a trace names: pass --spec {FILE}:ForwardLarger" in err


def test_show_state_returning_no_dict_is_a_spec_mistake(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """show_state returning a str passed the checks and failed as paxraft's own error (exit 4, AttributeError)
    once the counterexample was printed."""
    user = user_file(
        tmp_path, "ring_show", "from chang_roberts import ForwardLarger",
        "class Shown(ForwardLarger):\n    def show_state(self, s):\n        return str(s)\n"
    )
    code, out, err = run(capsys, "check", f"{user}:Shown")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "ChangRoberts: show_state returned a str on an initial state; expected a dict of variable -> value" in err


def test_counterexamples_of_a_spec_without_symmetric_sets(capsys: pytest.CaptureFixture) -> None:
    """"no two alike up to renaming" was said of a ring whose nodes cannot be renamed."""
    code, out, _ = run(capsys, "check", f"{FILE}:ForwardLarger", "--counterexamples", "3")
    assert code == 1
    assert ("5 violating states on that level; 131 distinct states explored\n"
            "3 of them, no two the same steps in another order:\n") in out
    assert out.count("Counterexample ") == 3 and "--> Correctness is false in this state" in out


def test_variables_naming_a_missing_field_is_a_spec_mistake(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """`variables` naming a field the states lack (and no show_state of the spec's own) was an internal error
    (exit 4, AttributeError) at the first report; a show_state that raises is the spec's code (exit 3)."""
    user = user_file(
        tmp_path, "ring_vars", "from chang_roberts import ChangRoberts, ForwardLarger\nfrom spec.core import Spec",
        "class Typo(ForwardLarger):\n    variables = ('msgs', 'pcs')\n    show_state = Spec.show_state\n\n\n"
        "class Raises(ChangRoberts):\n    def show_state(self, s):\n        return {'x': 1 / 0}\n"
    )
    code, out, err = run(capsys, "check", f"{user}:Typo")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert ("ChangRoberts: variables names pcs, which a state of type CRState from init_states() does not have "
            "(its fields: msgs, pc, initiator, state)") in err
    code, out, err = run(capsys, "check", f"{user}:Raises")
    assert code == 3 and "Raises: show_state raised ZeroDivisionError: division by zero (ring_vars.py:" in err


def test_the_explanation_and_the_witness(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", f"{FILE}:ForwardLarger", "--nodes", "2")
    assert code == 1 and "--> Correctness is false in this state: p2 won while p1 is cand" in out
    code, out, _ = run(capsys, "check", REF, "--reach", "SomeoneWins")
    assert code == 0 and "Reached SomeoneWins: shortest behaviour, 6 steps" in out
    code, out, _ = run(capsys, "check", REF, "--reach", "'won' in state.values()", "--nodes", "4")
    assert code == 0 and "shortest behaviour, 8 steps" in out
    view = Session(load_user_spec(f"{FILE}:ForwardLarger")(nodes=2)).view("Init(3)/n0(0)/n0(1)/n1(0,2)/n1(1,2)")
    assert [(i["name"], i["why"]) for i in view["invariants"] if not i["holds"]] == [
        ("Correctness", "p2 won while p1 is cand")]


def test_a_misspelt_flag_is_matched_against_this_specs_flags_only(capsys: pytest.CaptureFixture) -> None:
    """`graph ring.py:ChangRoberts --json` suggested --joint, a bound of another spec (raft-config) that this
    one refuses."""
    code, _, err = cli(capsys, "graph", REF, "--json")
    assert code == 2 and "unrecognized arguments: --json (see 'paxraft graph --help')" in err and "--joint" not in err
    code, _, err = cli(capsys, "check", REF, "--node", "3")
    assert code == 2 and "did you mean --nodes?" in err
    code, _, err = cli(capsys, "check", "raft", "--server", "3")  # a registered spec's own flags still match
    assert code == 2 and "did you mean --servers?" in err


def test_a_simulation_reports_no_store(capsys: pytest.CaptureFixture) -> None:
    """A simulation keeps no store of states, yet said "store 0 bytes/state"."""
    code, out, _ = run(capsys, "check", REF, "--mode", "simulate", "--walks", "5", "--seed", "1")
    assert code == 0 and "bytes/state" not in out and "Fingerprint collision probability" in out
    assert "bytes/state" in run(capsys, "check", REF)[1]
