"""The explorer (``paxraft explore``'s session and JSON API) against the plain successors of random specs.

The specs are tests/test_differential.py's random user specs, loaded by paxraft's loader. In each state a seeded
random walk reaches, the explorer's enabled list (``Session.view(path)["enabled"]``, what ``/api/state`` returns)
must be exactly the spec's successors as :func:`plain_successors` computes them: every action in ``spec.actions``'
order (an action left out by ``--without`` never enabled, a ``--restrict`` guard asked before the step), its
parameters from the enumerator ``@action`` was given, sorted when ``canonical_order`` is true, each whose step
returns a state; with the label ``spec.show_label`` gives, the path one click opens, the first invariant the
successor breaks and whether it stutters. Following an offered path reaches that very successor. The walk is then
written as an ITF file, which ``paxraft replay`` must accept and ``/api/load`` must turn back into the same path;
and the labels of ``check``'s counterexample (a planted invariant makes one where the spec has none), opened as a
path, must reach check's states step by step.

The explorer offers steps in every state, a state outside the constraint too (where the checker expands nothing):
it shows the spec's Next, and so does the reference here.
"""

from __future__ import annotations

import copy
import json
import random
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from modelcheck import check
from modelcheck.cli import main
from modelcheck.output.explore.server import serve_in_thread
from modelcheck.output.explore.session import Session, path_text, segment
from modelcheck.output.itf import write_itf
from spec.core import Label, Spec, State, invariant
from tests.test_differential import CAP, DEFAULT, Gen, canonical, load, plain_enumerator, reference, specs


def plain_successors(spec: Spec, s: State) -> list[tuple[Label, State]]:
    """Every enabled step of ``s`` by the rules in the module's text, calling only the spec's own methods."""
    methods = type(spec)._restriction_methods()
    out = []
    for a in spec.actions:
        if a.name in spec.excluded:
            continue
        guards = [getattr(spec, methods[r][0]) for r in spec.restricted if methods[r][1] == a.name]
        params = list(plain_enumerator(spec, a.name)(s))
        if spec.canonical_order:
            params = canonical(params)
        step = getattr(spec, a.name)
        for p in params:
            t = step(s, *p) if all(g(s, *p) for g in guards) else None
            if t is not None:
                out.append((Label(a.name, tuple(p)), t))
    return out


def _first_broken(spec: Spec, s: State, t: State) -> str | None:
    """The first invariant the step s -> t breaks: false in t, true in s."""
    return next((n for n in spec.invariants if getattr(spec, n)(s) and not getattr(spec, n)(t)), None)


def walk(spec: Spec, session: Session, rng: random.Random, steps: int) -> tuple[str, list[State]]:
    """A random walk by clicks: in each state the offered steps must be the plain ones; returns the path and its
    states."""
    k = rng.randrange(len(session.inits))
    path = path_text([], k)
    if session.inits.index(session.inits[k]) != k:  # two equal initial states: the view names the first
        k = session.inits.index(session.inits[k])
        assert session.view(path)["path"] == path_text([], k)
        path = path_text([], k)
    states = [session.inits[k]]
    for _ in range(steps + 1):
        view = session.view(path)
        s = states[-1]
        want = plain_successors(spec, s)
        got = view["enabled"]
        assert [e["label"] for e in got] == [spec.show_label(lb) for lb, _ in want], path
        assert [e["violates"] for e in got] == [_first_broken(spec, s, t) for _, t in want], path
        assert [e["stutter"] for e in got] == [t == s for _, t in want], path
        assert [e["path"].rsplit("/", 1)[-1] for e in got] == [segment(lb) for lb, _ in want], path
        assert view["path"] == path and view["depth"] == len(states) - 1
        assert [i["holds"] for i in view["invariants"]] == [bool(getattr(spec, n)(s)) for n in spec.invariants]
        if not got:
            break
        i = rng.randrange(len(got))
        path = got[i]["path"]
        assert session.replay(path)[-1].state == want[i][1], path
        states.append(want[i][1])
    return path, states


def _itf_round_trip(session: Session, path: str, source: Path, tmp: Path, capsys: pytest.CaptureFixture) -> None:
    """The walk as an ITF file: ``paxraft replay`` accepts every step, and the explorer loads it as the same path."""
    steps = session.replay(path)
    itf = write_itf(tmp / "walk.itf.json", session.spec, steps)
    capsys.readouterr()
    code = main(["replay", str(itf), "--spec", f"{source}:Gen"])
    out = capsys.readouterr().out
    assert code == 0 and "FAIL" not in out, out
    assert session.load_trace(steps) == path.removeprefix("Init(0)").strip("/")


def _planted(cls: type[Spec], target: State) -> type[Spec]:
    """``cls`` with one more invariant, false exactly in ``target``: check's counterexample then ends there (or at
    an earlier violation of the spec's own)."""

    class Planted(cls):  # type: ignore[valid-type, misc]
        @invariant
        def NotTarget(self, s: State) -> bool:  # noqa: N802 - an invariant's name, as the specs write them
            return s != target

    return Planted


def _check_path_agrees(make: Callable[[type[Spec]], Spec], cls: type[Spec], target: State) -> None:
    """Check's counterexample to the planted invariant, opened as a path, reaches check's states step by step."""
    spec = make(_planted(cls, target))
    res = check(spec, max_states=20_000)
    if res.trace is None:  # target beyond the first 20,000 states
        assert not res.complete
        return
    session = Session(spec)
    init = session.inits.index(res.trace[0].state)
    path = path_text([st_.label for st_ in res.trace[1:]], init)
    assert [st_.state for st_ in session.replay(path)] == [st_.state for st_ in res.trace], path


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("explorer")


def _compare(gen_dir: Path, g: Gen, seed: int, capsys: pytest.CaptureFixture, tmp: Path) -> None:
    cls = load(gen_dir, g.source)
    spec = g.model(cls)
    session = Session(spec)
    path, states = walk(g.model(cls), session, random.Random(seed), 8)
    source = Path(sys.modules[cls.__module__].__paxraft_file__)
    _itf_round_trip(session, path, source, tmp, capsys)
    # check reaches a state whose predecessors are all within the constraint (it expands no other); one outside it
    # may be counted and never built (OUTSIDE, Counted: the planted invariant reads what the hooks promise no
    # invariant reads), so the target is the last state within the constraint before the walk leaves it
    outside = next((k for k, s in enumerate(states) if not spec.constraint(s)), len(states))
    _check_path_agrees(g.model, cls, states[max(outside - 1, 0)])


@settings(DEFAULT, max_examples=50)  # (600 in make test-slow: the default run's 10 minutes)
@given(g=specs(), seed=st.integers(0, 2**16))
def test_the_explorer_offers_exactly_the_plain_successors(gen_dir: Path, g: Gen, seed: int,
                                                          capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    _compare(gen_dir, g, seed, capsys, tmp_path)


@settings(DEFAULT, max_examples=60)
@given(g=specs(hooks=True), seed=st.integers(0, 2**16))
def test_the_explorer_offers_the_plain_successors_of_specs_with_speed_hooks(
        gen_dir: Path, g: Gen, seed: int, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """OUTSIDE, Counted, bundled and keeps_constraint are the searches' business: the explorer builds every step."""
    _compare(gen_dir, g, seed, capsys, tmp_path)


@pytest.mark.slow
@settings(DEFAULT, max_examples=600, derandomize=False)
@given(g=specs() | specs(hooks=True), seed=st.integers(0, 2**16))
def test_many_more_random_specs_in_the_explorer(gen_dir: Path, g: Gen, seed: int,
                                                capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    _compare(gen_dir, g, seed, capsys, tmp_path)


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - our own server on 127.0.0.1
        return json.loads(r.read())


@settings(DEFAULT, max_examples=4)
@given(g=specs(), seed=st.integers(0, 2**16))
def test_the_json_api_serves_the_same_walk(gen_dir: Path, g: Gen, seed: int, tmp_path: Path) -> None:
    """Over HTTP: /api/state gives the view the session gives, and /api/load turns the walk's ITF into its path."""
    cls = load(gen_dir, g.source)
    session = Session(g.model(cls))
    path, _ = walk(g.model(cls), session, random.Random(seed), 6)
    srv = serve_in_thread(session)
    try:
        prefix = ""
        for seg in path.split("/"):
            prefix = f"{prefix}/{seg}" if prefix else seg
            got = _get_json(srv.url + "api/state?path=" + urllib.request.quote(prefix, safe="/(),"))
            assert got == json.loads(json.dumps(session.view(prefix))), prefix
        itf = write_itf(tmp_path / "walk.itf.json", session.spec, session.replay(path))
        req = urllib.request.Request(srv.url + "api/load", data=itf.read_bytes(), method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310
            assert json.loads(r.read())["path"] == path.removeprefix("Init(0)").strip("/")
    finally:
        srv.shutdown()
        srv.server_close()


# -- the regression the comparison found ----------------------------------------------------------------------------
MSGSET = '''\
from typing import NamedTuple

from spec.core import Spec, action, invariant
from spec.values import MsgSet


class Msg(NamedTuple):
    a: int


class St(NamedTuple):
    x: int
    msgs: MsgSet


class Sends(Spec):
    def init_states(self):
        return [St(0, MsgSet())]

    @action(lambda self, s: [(p,) for p in range(2)])
    def Send(self, s, p):
        return None if s.msgs.where(a=p) else s._replace(msgs=s.msgs | {Msg(p)})

    @action(lambda self, s: [()])
    def Inc(self, s):
        return s._replace(x=1) if s.msgs and not s.x else None

    @invariant
    def Quiet(self, s):
        return not s.x
'''


def test_a_trace_of_a_state_holding_a_msgset_replays(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """ITF has one kind of set: a MsgSet was read back as a plain frozenset, so ``paxraft replay`` of ``check
    --out``'s own counterexample (and of an explorer walk) stopped at the first step with exit 3, "'frozenset'
    object has no attribute 'where'" (docs/examples/paxoscommit.py's state holds a MsgSet too)."""
    path = tmp_path / "sends.py"
    path.write_text(MSGSET)
    assert main(["check", f"{path}:Sends", "--out", str(tmp_path / "out")]) == 1
    capsys.readouterr()
    assert main(["replay", str(tmp_path / "out" / "trace.itf.json"), "--spec", f"{path}:Sends"]) == 0
    out = capsys.readouterr().out
    assert "ok   state 2: Send(p=0)\n  ok   state 3: Inc()\nEvery state follows; the last state violates Quiet." \
        in out, out


@settings(DEFAULT, max_examples=60)
@given(g=specs(), seed=st.integers(0, 2**16))
def test_run_the_checker_from_here_agrees_with_the_reference(gen_dir: Path, g: Gen, seed: int) -> None:
    """"Run the checker from here" (``Session.start_search``, ``/api/search``) half way along a click walk, with an
    invariant planted where the walk ended: the reference's breadth-first search from that state alone finds a
    violation as many steps away (the first invariant it breaks, by the path the page links to, through the same
    states), or none after as many states; from a state outside the constraint the page says so (the checker
    never expands it)."""
    cls = load(gen_dir, g.source)
    path, states = walk(g.model(cls), Session(g.model(cls)), random.Random(seed), 8)
    session = Session(g.model(_planted(cls, states[-1])))  # a violation where the walk ended, too
    segments = path.split("/") if path else []
    cut = len(states) // 2  # search from half way
    path = "/".join(segments[:cut + (1 if segments and segments[0].startswith("Init(") else 0)])
    states = states[:cut + 1]
    assert session.replay(path)[-1].state == states[-1]
    base = copy.copy(session.spec)
    base.init_states = lambda: iter([states[-1]])  # type: ignore[method-assign]
    ref = reference(base, max_states=CAP)
    job = session.start_search(path, "invariants", max_states=CAP)
    for _ in range(1200):  # 120 s at most: a loaded machine is slow
        got = session.job(job)
        if got["status"] != "running":
            break
        time.sleep(0.1)
    assert got["status"] == "done", got
    event(ref.verdict)
    if ref.verdict == "violation":
        found = session.replay(got["path"])
        assert len(found) - len(states) == ref.trace_length, (got, ref)
        assert [st_.state for st_ in found[len(states) - 1:]] == [s for _, s in ref.trace]
        assert got["text"].startswith(f"{ref.violated} violated {ref.trace_length} step")
    elif not g.has_constraint or session.spec.constraint(states[-1]):
        assert "path" not in got and got["distinct"] == ref.distinct and got["complete"] == ref.complete, (got, ref)
    else:
        assert "outside the state constraint" in got["text"]
