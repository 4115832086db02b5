"""The explorer without a browser: paths replayed and refused, the state view, searches, ITF loading, HTTP errors."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelcheck.output.explore.server import ExplorerServer, serve_in_thread
from modelcheck.output.explore.session import PathError, Session, literal, path_text
from spec.core import Label
from spec.registry import build, load_user_spec

TwoCounters = load_user_spec("tests/user_specs/two_counters.py:TwoCounters")
WHY = "2 values are chosen: v1 in ballot 0 by quorum {a2,a3}; v2 in ballot 1 by quorum {a1,a2}"


def test_user_spec_path_view_and_refusals() -> None:
    s = Session(TwoCounters())
    v = s.view("Inc(0)/Inc(0)/Inc(1)/Inc(1)")
    assert v["depth"] == 4 and v["path"] == "Inc(0)/Inc(0)/Inc(1)/Inc(1)"
    assert v["invariants"] == [{"name": "NotBothDone", "holds": False, "why": "p1 counted to 2 and p2 to 2"}]
    assert v["enabled"] == []  # both counted to 2: nothing is enabled
    assert v["lanes"] == ["i=0", "i=1"]
    assert [e["label"] for e in s.view("Inc(1)")["enabled"]] == ["Inc(i=0)", "Inc(i=1)"]
    for bad, why in [
        ("Inc(0)/Inc(0)/Inc(0)", "step 3: Inc(0) is not enabled in the state reached after step 2 (refused by "
                                 "tests/user_specs/two_counters.py:30: if s.c[i] >= 2: (s.c[i] is 2))"),
        ("Inc(7)", "step 1: Inc(7) is not among Inc's parameters in the initial state (it offers "
                   "Inc(0), Inc(1))"),  # it said 'not enabled', as of a step whose guard is false

        ("Inc()", "step 1: Inc takes 1 parameter(s) (i), got 0"),
        ("Dec(0)", "step 1: two-counters has no action 'Dec' (actions: Inc)"),
        ("Inc(0", "step 1: 'Inc(0' is not a step"),
        ("Inc(__import__('os'))", "are not Python literals"),
        ("Init(3)", "step 0: Init(3) names no initial state (there are 1, numbered from 0: Init(0))"),
        ("Init(1)", "step 0: Init(1) names no initial state (there are 1, numbered from 0: Init(0))"),
    ]:
        with pytest.raises(PathError, match=None) as exc:
            s.replay(bad)
        assert why in str(exc.value), bad


def test_path_text_round_trips_every_parameter_shape() -> None:
    assert literal(frozenset({3, 1})) == "{1,3}" and literal(frozenset()) == "set()"
    assert literal((1,)) == "(1,)" and literal((0, (1, -1), None)) == "(0,(1,-1),None)"
    assert path_text([Label("A", (1, (2, 3))), Label("B", ())]) == "A(1,(2,3))/B()"
    raft = Session(build("raft", servers=2))
    path = "Timeout(0)/RequestVote(0,1)"
    enabled = raft.view(path)["enabled"]
    message_step = next(e for e in enabled if e["label"].startswith("UpdateTerm"))
    assert raft.view(message_step["path"])["depth"] == 3  # a message parameter survives the round trip


@pytest.fixture
def server() -> Iterator[ExplorerServer]:
    srv = serve_in_thread(Session(build("paxos", "ignore-votes")))
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - our own server on 127.0.0.1
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _search(server: ExplorerServer, path: str, goal: str) -> dict:
    """Start "run the checker from here" and poll until it ends (120 s at most: a loaded machine is slow)."""
    job = json.loads(_get(server.url + f"api/search?path={path}&goal={goal}")[1])["job"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = json.loads(_get(server.url + f"api/job?id={job}")[1])
        if got["status"] != "running":
            return got
        time.sleep(0.1)
    raise AssertionError("the search did not end in 120 s")


def test_http_errors_are_pages_or_json_never_tracebacks(server: ExplorerServer) -> None:
    status, body = _get(server.url + "?path=Phase1a(0)/Phase2b(0,0,0)")
    assert status == 400 and b"is not a behaviour of the spec" in body and b"Traceback" not in body
    status, body = _get(server.url + "api/state?path=Phase9(0)")
    assert status == 400 and "no action 'Phase9'" in json.loads(body)["error"]
    assert _get(server.url + "nowhere")[0] == 404
    assert _get(server.url + "api/job?id=x")[0] == 400
    status, body = _get(server.url + "api/search?path=&goal=().__class__")
    assert status == 400 and ".__class__ is not allowed" in json.loads(body)["error"]
    assert _get(server.url + "static/app.js")[0] == 200 and _get(server.url + "static/../server.py")[0] == 404


def test_load_an_itf_counterexample_and_search_from_a_state(server: ExplorerServer) -> None:
    body = Path("tests/traces/ignore_votes_agreement.itf.json").read_bytes()
    req = urllib.request.Request(server.url + "api/load", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310
        path = json.loads(r.read())["path"]
    assert len(path.split("/")) == 12
    view = json.loads(_get(server.url_for(path).replace("/?path=", "/api/state?path="))[1])
    assert [i["why"] for i in view["invariants"]] == [None, WHY]
    bad = urllib.request.Request(server.url + "api/load", data=b"{not json", method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(bad, timeout=30)  # noqa: S310
    assert exc.value.code == 400
    # the error names the trace loaded, not the temporary file the server read it through (newuser4)
    assert json.loads(exc.value.read())["error"].startswith("the trace loaded: not valid JSON (line 1, column 2")
    # run the checker from the initial state: the shortest violation, as plain check finds it
    got = _search(server, "", "invariants")
    assert got["status"] == "done" and len(got["path"].split("/")) == 12
    assert got["text"] == "Agreement violated 12 steps from here (3,342 states explored)"
    got = _search(server, "Phase1a(0)", "SomeValueChosen")
    assert got["text"].startswith("SomeValueChosen reached 5 steps from here")


def test_a_search_ending_at_once_reads_in_the_singular() -> None:
    """A goal holding where the search starts: "reached 0 steps from here (1 state explored)" (was "1 states")."""
    session = Session(TwoCounters())
    job = session.start_search("", "c[0] == 0")
    deadline = time.monotonic() + 120
    while (got := session.job(job))["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got["text"] == "c[0] == 0 reached 0 steps from here (1 state explored)"
    job = session.start_search("Inc(0)", "c[0] == 2")
    while (got := session.job(job))["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got["text"].startswith("c[0] == 2 reached 1 step from here (")


def test_a_state_outside_the_constraint_says_so() -> None:
    """The alternating-bit protocol bounds its channels with a state constraint (ackQ at most 2 here). The
    explorer let a user click on past it as if inside the model, and a search from there said "nothing found:
    all 0 states reachable from here explored" (the checker checks such a state but never expands it)."""
    ab = load_user_spec("tests/user_specs/alternating_bit.py:FlipByAdding")()
    session = Session(ab)
    inside = session.view("SndAck()/SndAck()")
    assert not inside["outside"]
    assert [(e["label"], e["outside"]) for e in inside["enabled"] if e["label"].startswith("Snd")] == [
        ("SndNewValue(d=d1)", False), ("SndNewValue(d=d2)", False), ("SndAck()", True)]
    assert session.view("SndAck()/SndAck()/SndAck()")["outside"]
    deadline = time.monotonic() + 120
    job = session.start_search("SndAck()/SndAck()/SndAck()", "invariants")
    while (got := session.job(job))["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got["text"].startswith("nothing found here; this state is outside the state constraint")
    job = session.start_search("SndAck()/SndAck()", "invariants")  # within it: the search runs (sBit + 1 = 2)
    while (got := session.job(job))["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got["text"] == "ABTypeInv violated 7 steps from here (58 states explored)"


def test_an_exception_in_the_spec_s_code_is_located_on_the_page(tmp_path: Path) -> None:
    """The alternating-bit protocol with RcvAck unguarded raises on an empty ackQ: the page said "IndexError:
    tuple index out of range", where check names the action, the file and line, and the state."""
    f = tmp_path / "raises.py"
    f.write_text(
        f"import sys\nsys.path.insert(0, {str(Path('tests/user_specs').resolve())!r})\n"
        "from spec.core import action\nfrom alternating_bit import AlternatingBit\n\n\n"
        "class Raises(AlternatingBit):\n"
        "    @action()\n"
        "    def RcvAck(self, s):\n"
        "        return s._replace(ackQ=s.ackQ[1:], sAck=s.ackQ[0])\n"
    )
    srv = serve_in_thread(Session(load_user_spec(f"{f}:Raises")()))
    try:
        status, body = _get(srv.url + "api/state?path=")
        assert status == 500 and json.loads(body)["error"] == (
            "Raises: action RcvAck() raised IndexError: tuple index out of range (raises.py:10), in state "
            "msgQ=<<>>, ackQ=<<>>, sBit=0, sAck=0, rBit=0, sent=d1, rcvd=d1")
    finally:
        srv.shutdown()
        srv.server_close()


def test_the_columns_are_the_names_most_variables_map() -> None:
    """KVsnap maps keys to values in store (its first variable) and transactions to values in six others: the
    table has a column per transaction (newuser4; it had one per key, and the six went to the list below it)."""
    spec = load_user_spec(str(Path(__file__).parent / "user_specs" / "kv_snapshot.py") + ":KVsnap")(keys=2, txs=3)
    state = Session(spec).view("START(0,0,1)")["state"]
    assert state["processes"] == ["t1", "t2", "t3"]
    assert [r["var"] for r in state["rows"]] == ["missed", "pc", "snapshotStore", "read_keys", "write_keys", "ops"]
    assert [o["var"] for o in state["others"]] == ["store", "tx"]
    assert build("paxos").name and Session(build("paxos")).view("")["state"]["processes"] == ["a1", "a2", "a3"]


def test_the_command_a_user_s_trace_suggests_explores_it(capsys, tmp_path: Path) -> None:
    """`explore --trace T` of a user's spec says to name the class before --trace; that command took the class's
    default bounds, not the trace's, and failed ('the trace's first state is not an initial state of this spec',
    newuser4). Bounds not given now come from the trace, as replay --spec takes them; given ones still win."""
    from modelcheck.cli import main

    ref = str(Path(__file__).parent / "user_specs" / "kv_snapshot.py")
    cex = tmp_path / "cex"
    assert main(["check", f"{ref}:KVsnap", "--variant", "blind-commit", "--keys", "1", "--txs", "2", "--out",
                 str(cex), "--quiet"]) == 1  # fmt: skip
    trace = str(cex / "trace.itf.json")
    capsys.readouterr()
    assert main(["explore", "--trace", trace, "--for", "0"]) == 2
    suggested = capsys.readouterr().err.split("name it before --trace: paxraft ")[1].split(" (or your own")[0]
    assert suggested == f"explore {ref}:BlindCommit --trace {trace}"
    assert main([*suggested.split(), "--for", "0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Exploring KVsnap[blind-commit] keys=1 txs=2\n") and "/READ(0)/READ(1)/UPDATE(0)" in out
    assert main([*suggested.split(), "--for", "0", "--keys", "2"]) == 2  # a bound given is the user's
    assert "the trace's first state is not an initial state of this spec" in capsys.readouterr().err


def test_a_step_whose_parameter_is_a_fraction_is_a_link_that_opens() -> None:
    """A step taking a message's weight (a fractions.Fraction, as in Huang's termination detection) was offered
    as the link 'Take(Fraction(1, 2))', which the page then refused: 'the parameters ... are not Python literals'
    (newuser6)."""
    from fractions import Fraction
    from typing import NamedTuple

    from spec.core import Spec, action

    class W(NamedTuple):
        mine: Fraction
        msgs: tuple[Fraction, ...]

    class Weights(Spec):
        variables = ("mine", "msgs")

        def init_states(self) -> list[W]:
            return [W(Fraction(0), (Fraction(1, 2), Fraction(-1, 4)))]

        @action(lambda self, s: [(w,) for w in sorted(set(s.msgs))])
        def Take(self, s: W, w: Fraction) -> W | None:
            if w not in s.msgs:
                return None
            i = s.msgs.index(w)
            return W(s.mine + w, s.msgs[:i] + s.msgs[i + 1 :])

    assert literal(Fraction(-1, 4)) == "Fraction(-1,4)" and literal((Fraction(1, 2),)) == "(Fraction(1,2),)"
    session = Session(Weights())
    paths = [e["path"] for e in session.view("")["enabled"]]
    assert paths == ["Take(Fraction(-1,4))", "Take(Fraction(1,2))"]
    for path in paths:  # every link the page offers opens
        assert session.view(path)["depth"] == 1
    assert session.view("Take(Fraction(1, 2))/Take(Fraction(-1,4))")["depth"] == 2  # as repr() writes it, too
    for bad in ("Take(Fraction(1,0))", "Take(__import__('os'))", "Take(Fraction(1.5,2))"):
        with pytest.raises(PathError, match="are not Python literals"):
            session.view(bad)


def test_a_set_parameter_may_be_written_as_python_prints_it() -> None:
    """BPConProof's LearnsSent(a, b, S) takes 1b messages holding a frozenset (newuser11): the page's link writes it
    `set()`, but a user who typed `frozenset()`, as Python prints it, was told 'not Python literals'."""
    from typing import NamedTuple

    from spec.core import Spec, action

    class K(NamedTuple):
        known: frozenset[frozenset[int]]

    class Learn(Spec):
        variables = ("known",)

        def init_states(self) -> list[K]:
            return [K(frozenset())]

        @action(lambda self, s: [(frozenset(),), (frozenset({1, 2}),)])
        def Add(self, s: K, x: frozenset[int]) -> K | None:
            return None if x in s.known else K(s.known | {x})

    session = Session(Learn())
    assert [e["path"] for e in session.view("")["enabled"]] == ["Add(set())", "Add({1,2})"]
    typed = session.view("Add(frozenset())/Add(frozenset({2, 1}))")
    assert typed["depth"] == 2 and typed["state"] == session.view("Add(set())/Add({1,2})")["state"]
    assert session.view("Add(frozenset((1, 2)))")["depth"] == session.view("Add(frozenset([2,1]))")["depth"] == 1
    for bad in ("Add(frozenset(x))", "Add(frozenset({1}, {2}))", "Add(frozenset(key=1))"):
        with pytest.raises(PathError, match="are not Python literals"):
            session.view(bad)


LONG = '''
from typing import NamedTuple
from spec.core import Spec, action, invariant


class C(NamedTuple):
    x: int


class Long(Spec):
    """A counter to 10**6: paths of thousands of steps, searches that run for a while."""

    variables = ("x",)

    def init_states(self):
        return [C(0)]

    @action()
    def Inc(self, s):
        return C(s.x + 1) if s.x < 10**6 else None

    @invariant
    def NonNegative(self, s):
        return s.x >= 0
'''


def _long(tmp_path: Path) -> Session:
    f = tmp_path / "long.py"
    f.write_text(LONG)
    return Session(load_user_spec(f"{f}:Long")())


def test_a_path_of_thousands_of_steps_opens(tmp_path: Path) -> None:
    """The replay recursed once per step: 1,500 steps ended in 'RecursionError', status 500 (10,000 allowed)."""
    srv = serve_in_thread(_long(tmp_path))
    try:
        for steps in (1500, 10_000, 9_999, 10_000):  # the last two from the cache (the parent, the path)
            status, body = _get(srv.url + "api/state?path=" + "/".join(["Inc()"] * steps))
            view = json.loads(body)
            assert status == 200 and view["depth"] == steps
            # the last 200 steps are links (each a whole path: all of them made 300 MB), the ones before labels
            history = view["history"]
            assert len(history) == steps + 1 and history[0]["path"] == "" and history[-1]["path"] == view["path"]
            assert [h["path"] is None for h in history[1:]] == [True] * (steps - 200) + [False] * 200
        status, body = _get(srv.url + "api/state?path=" + "/".join(["Inc()"] * 10_001))
        assert status == 400 and json.loads(body)["error"] == "the path has more than 10,000 steps"
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_new_search_stops_the_one_running(tmp_path: Path) -> None:
    """Each search holds up to 2,000,000 states, and a script (or clicks) started any number at once."""
    session = _long(tmp_path)
    first = session.start_search("", "x == 999999")
    second = session.start_search("Inc()", "x == 3")
    deadline = time.monotonic() + 120
    while session.job(first)["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    got = session.job(first)
    assert got["status"] == "stopped" and got["text"].startswith("stopped after ") and \
        got["text"].endswith(" states: another search was started")
    while (got := session.job(second))["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got["text"] == "x == 3 reached 2 steps from here (3 states explored)"


def _raw(server: ExplorerServer, request: bytes) -> tuple[bytes, bytes]:
    """A request sent as bytes, the sending side then closed: (status line, body)."""
    import socket

    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=30) as s:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0], body


def test_a_burst_of_connections_is_held_until_accepted() -> None:
    """The listening socket holds a burst of connections while the server is busy (here: not accepting at all): the
    standard library's backlog of 5 let the 7th connect wait for a SYN retry (1 s, then 3 s, 7 s...)."""
    import select
    import socket

    srv = ExplorerServer(Session(TwoCounters()))  # (not serving: nothing is accepted)
    socks = [socket.socket() for _ in range(64)]
    try:
        for s in socks:
            s.setblocking(False)
            s.connect_ex(srv.server_address)
        pending = list(socks)
        while pending:  # (each connect completes at once on loopback while the backlog has room)
            _, done, _ = select.select([], pending, [], 5)
            if not done:
                break
            pending = [s for s in pending if s not in done]
        assert not pending, f"{len(pending)} of 64 connections not held"
    finally:
        for s in socks:
            s.close()
        srv.server_close()


def test_malformed_requests_are_json_errors_and_print_no_traceback(server: ExplorerServer, capsys) -> None:
    """A Content-Length that is no number printed a traceback on the server's terminal and answered nothing; a body
    shorter than its Content-Length waited for the rest forever; /api/job?id=² was a 500 ValueError."""
    status, body = _raw(server, b"POST /api/load HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
    assert b" 400 " in status and "got Content-Length 'abc'" in json.loads(body)["error"]
    status, body = _raw(server, b"POST /api/load HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}")
    assert b" 400 " in status and json.loads(body)["error"] == "/api/load: the body ended after 2 of its 100 bytes"
    status, body = _get(server.url + "api/job?id=%C2%B2")
    wanted = "/api/job: id must be a search job's number (1, 2, 3, ...), got "
    assert status == 400 and json.loads(body)["error"] == wanted + "'²'"
    status, body = _get(server.url + "api/job?id=-1")  # (it said "must be a number": -1 is one)
    assert status == 400 and json.loads(body)["error"] == wanted + "'-1'"
    import socket

    # HTTP/0.9 (no version): no headers follow, and its client waits for the answer with its side open; the server
    # read on for headers until its 60 s timeout, then closed the connection unanswered (this socket's 20 s ran out)
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=20) as s:
        s.sendall(b"GET /\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert b"HTTP/0.9 request line (no HTTP version after the path): send HTTP/1.0 or 1.1" in data
    time.sleep(0.2)  # the handler threads have written what they would
    assert "Traceback" not in capsys.readouterr().err


SLASHES = '''
from typing import NamedTuple
from spec.core import Spec, action, invariant


class K(NamedTuple):
    keys: frozenset


class Keys(Spec):
    """Keys holding a slash, a bracket, a quote."""

    variables = ("keys",)

    def init_states(self):
        return [K(frozenset())]

    @action(lambda self, s: [(k,) for k in ("a/b", "c)", "d')/x(", "e\\\\'/")])
    def Put(self, s, k):
        return None if k in s.keys else K(s.keys | {k})

    @invariant
    def Few(self, s):
        return len(s.keys) <= 4
'''


def test_a_parameter_holding_a_slash_is_one_step(tmp_path: Path) -> None:
    """A path was cut at every '/': the page's own link Put('a/b') answered "Put('a" is not a step"."""
    f = tmp_path / "keys.py"
    f.write_text(SLASHES)
    session = Session(load_user_spec(f"{f}:Keys")())
    first = [e["path"] for e in session.view("")["enabled"]]
    assert first == ["Put('a/b')", "Put('c)')", 'Put("d\')/x(")', "Put(\"e\\\\'/\")"]
    for path in first:
        for then in session.view(path)["enabled"]:
            view = session.view(then["path"])
            assert view["depth"] == 2 and view["path"] == then["path"]


def test_a_lasso_loaded_says_where_its_loop_returns(capsys, tmp_path: Path) -> None:
    """A liveness counterexample (a user's spec: Dijkstra's mutex without p1's fairness) loaded in the explorer:
    /api/load gave its path only, so the page stopped at the last state with nothing saying that the behaviour
    goes round a loop from there (newuser26). It now gives the loop's step and the property, and `explore --trace`
    prints them in the URL (&loop=); an ordinary trace gets neither."""
    from modelcheck.cli import main
    from modelcheck.output.explore.server import load_itf_text

    ref = f"{Path(__file__).parent / 'user_specs' / 'dijkstra_mutex.py'}:LSpec"
    assert main(["check", ref, "--variant", "unfair-first", "--liveness", "DeadlockFreedom", "--out",
                 str(tmp_path), "--quiet"]) == 1  # fmt: skip
    trace = tmp_path / "trace.itf.json"
    loaded = load_itf_text(Session(load_user_spec(ref.replace("LSpec", "UnfairFirst"))()), trace.read_bytes())
    assert loaded["loop"] == 5 and loaded["property"] == "DeadlockFreedom(p1)"
    assert len(loaded["path"].split("/")) == 10
    capsys.readouterr()
    assert main(["explore", ref, "--variant", "unfair-first", "--trace", str(trace), "--for", "0"]) == 0
    url = capsys.readouterr().out.splitlines()[2]
    assert url.startswith("The trace, step by step (Forward): http://127.0.0.1:") and url.endswith("&loop=5")
    plain = Path("tests/traces/ignore_votes_agreement.itf.json").read_bytes()
    assert set(load_itf_text(Session(build("paxos", "ignore-votes")), plain)) == {"path"}
