"""What every consumer of a spec shares: one order of the initial states (spec.behaviour.initial_states)
for the checker's one-process and parallel searches, depth-first search, the explorer's ``Init(k)`` and
the Hypothesis adapter, and one rendering of shown values (modelcheck.engine.explain.compact) for check's
traces and the explorer. The explorer and the searches took ``init_states()`` as given while the adapter
sorted it, so a spec yielding its initial states out of value order had its ``Init(0)`` and its
counterexample start in a state the adapter numbered 1, and a spec iterating a set of strings had both
change with the hash seed."""

from __future__ import annotations

from typing import NamedTuple

from modelcheck import check
from modelcheck.engine.coordinator import search
from modelcheck.engine.dfs import dfs
from modelcheck.output.explore.session import Session
from spec.behaviour import initial_states
from spec.core import Spec, action, invariant


class S(NamedTuple):
    name: str
    done: bool


class Starts(Spec):
    """Three starts, given in reverse value order; from each, one step to a state breaking NotDone."""

    name = "starts"
    variables = ("name", "done")

    def init_states(self) -> list[S]:
        return [S("c", False), S("b", False), S("a", False)]

    @action(lambda self, s: [()])
    def Finish(self, s: S) -> S | None:
        return None if s.done else s._replace(done=True)

    @invariant
    def NotDone(self, s: S) -> bool:
        return not s.done


def test_every_consumer_numbers_the_initial_states_alike() -> None:
    spec = Starts()
    order = initial_states(spec)
    assert [s.name for s in order] == ["a", "b", "c"]  # by value: canonical_order is the default
    session = Session(spec)
    assert [session.replay(f"Init({k})" if k else "")[0].state for k in range(3)] == order
    assert session.view("Init(2)")["inits"]["listed"][2]["text"] == "name = c"  # what differs
    for result in (check(spec), search(spec, workers=2), dfs(spec)):
        assert result.violated == "NotDone" and result.trace_length == 1
        assert result.trace[0].state == order[0], result.mode  # the first start in that order: a, not c
    assert session.load_trace(check(spec).trace) == "Finish()"  # Init(0): no prefix


def test_a_spec_keeping_its_own_order_is_taken_as_given() -> None:
    class AsGiven(Starts):
        canonical_order = False

    spec = AsGiven()
    assert [s.name for s in initial_states(spec)] == ["c", "b", "a"]
    assert check(spec).trace[0].state.name == "c" and Session(spec).replay("Init(2)")[0].state.name == "a"


def test_check_and_the_explorer_render_a_value_alike() -> None:
    """One renderer (modelcheck.engine.explain.compact): check printed a list inside a dict as JSON
    (`msgs: p2: [] -> [1]`, `pc = {"p1": "n0"}`) and a message as a record, the explorer `{1}` and `1a(0)`."""
    from modelcheck.engine.explain import format_trace
    from spec.registry import build, load_user_spec

    ring = load_user_spec("tests/user_specs/chang_roberts.py:ChangRoberts")(nodes=2)
    steps = Session(ring).replay("Init(3)/n0(0)")  # both nodes initiators
    text = format_trace(ring, steps)
    assert "msgs = [p1 |-> {}, p2 |-> {}]" in text and "pc = [p1 |-> n0, p2 |-> n0]" in text
    assert "msgs: p2: {} -> {1}" in text
    row = next(r for r in Session(ring).view("Init(3)/n0(0)")["state"]["rows"] if r["var"] == "msgs")
    assert [c["text"] for c in row["cells"]] == ["{}", "{1}"]
    paxos = build("paxos")
    text = format_trace(paxos, Session(paxos).replay("Phase1a(0)"))
    assert "msgs: + [type |-> 1a, bal |-> 0]" in text
    msgs = next(o for o in Session(paxos).view("Phase1a(0)")["state"]["others"] if o["var"] == "msgs")
    assert [i["text"] for i in msgs["items"]] == ["[type |-> 1a, bal |-> 0]"]


def test_lanes_run_the_search_asked_for(capsys) -> None:
    """--lanes alone had a copy of the plain search that dropped --deadlock (and --no-invariants)."""
    from modelcheck.cli import main

    ref = "tests/user_specs/faulty.py:Counter"
    assert main(["check", ref, "--deadlock", "--lanes", "--quiet"]) == 1
    assert "Error: deadlock reached after 2 steps" in capsys.readouterr().out
    assert main(["check", "tests/user_specs/faulty.py:Counter", "--limit", "2", "--lanes", "--no-invariants"]) == 0


def test_a_set_in_a_state_reads_as_a_set_everywhere(capsys) -> None:
    """A frozenset field under the default show_state (lease_lock.py's grants) printed as 'frozenset()' and
    made --json fail as paxraft's own error (exit 4): it is shown as a list sorted by value (result.shown_state)."""
    import json

    from modelcheck.cli import main

    ref = "tests/user_specs/lease_lock.py:Lease"
    assert main(["check", ref, "--variant", "local-lease"]) == 1
    out = capsys.readouterr().out
    assert "       grants = {}\n" in out and "       grants: + <<0, 2>>\n" in out
    assert main(["check", ref, "--variant", "local-lease", "--json", "--quiet"]) == 1
    trace = json.loads(capsys.readouterr().out)["trace"]
    assert trace[0]["state"]["grants"] == [] and [0, 2] in trace[1]["state"]["grants"]
