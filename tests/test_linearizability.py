"""The linearizability checker: hand-made histories, generated ones, brute force agreement, files and HTML."""

from __future__ import annotations

import itertools
import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelcheck.linearizability import (
    ILLEGAL,
    OK,
    UNKNOWN,
    HistoryError,
    HistoryRecorder,
    Operation,
    check_operations,
    kv_model,
    read_history,
    render_html,
    write_history,
)
from modelcheck.linearizability.history import random_timeline

O = Operation
KV = kv_model()


def verdict(ops):
    return check_operations(KV, ops).verdict


# -- hand-made histories -------------------------------------------------------------------


def test_concurrent_write_and_reads_may_see_either_value():
    ops = [
        O(1, ("put", "x", 1), None, 0, 10),
        O(2, ("get", "x"), 1, 1, 2),
        O(3, ("get", "x"), None, 0, 3),  # overlaps the put: may read before it
    ]
    assert verdict(ops) == OK


def test_stale_read_after_completed_write_is_illegal_with_prefix_and_blocker():
    ops = [
        O(1, ("put", "x", 1), None, 0, 1),
        O(1, ("put", "x", 2), None, 2, 3),
        O(2, ("get", "x"), 1, 4, 5),  # the write of 2 completed before this read began
    ]
    res = check_operations(KV, ops)
    assert res.verdict == ILLEGAL
    (part,) = res.failing()
    assert part.name == "key x"
    assert part.linearization == [0, 1]
    assert part.blocked == 2
    assert "get(x) -> 1 [4, 5] cannot be linearized in state 2" in res.explain()


def test_reads_must_agree_on_one_order_of_concurrent_writes():
    # Two concurrent writes; one reader sees 1 then 2, another sees 2 then 1: no single order explains both.
    ops = [
        O(1, ("put", "x", 1), None, 0, 10),
        O(2, ("put", "x", 2), None, 0, 10),
        O(3, ("get", "x"), 1, 1, 2),
        O(3, ("get", "x"), 2, 3, 4),
        O(4, ("get", "x"), 2, 1, 2),
        O(4, ("get", "x"), 1, 3, 4),
    ]
    assert verdict(ops) == ILLEGAL
    assert verdict(ops[:4]) == OK


def test_touching_intervals_count_as_concurrent():
    ops = [O(1, ("put", "x", 1), None, 0, 5), O(2, ("get", "x"), None, 5, 6)]
    assert verdict(ops) == OK  # the read may take effect at 5, before the put does
    ops = [O(1, ("put", "x", 1), None, 0, 5), O(2, ("get", "x"), None, 5.5, 6)]
    assert verdict(ops) == ILLEGAL


def test_cas_and_delete_semantics():
    base = [O(1, ("put", "k", 1), None, 0, 1)]
    assert verdict(base + [O(2, ("cas", "k", 1, 2), True, 2, 3), O(3, ("get", "k"), 2, 4, 5)]) == OK
    assert verdict(base + [O(2, ("cas", "k", 3, 2), True, 2, 3)]) == ILLEGAL
    assert verdict(base + [O(2, ("cas", "k", 1, 2), False, 2, 3)]) == ILLEGAL
    assert verdict(base + [O(2, ("cas", "k", 7, 2), False, 2, 3), O(3, ("get", "k"), 1, 4, 5)]) == OK
    assert verdict(base + [O(2, ("delete", "k"), None, 2, 3), O(3, ("get", "k"), None, 4, 5)]) == OK
    assert verdict(base + [O(2, ("delete", "k"), None, 2, 3), O(3, ("get", "k"), 1, 4, 5)]) == ILLEGAL


def test_operations_that_never_returned_may_or_may_not_take_effect():
    unknown_put = O(1, ("put", "x", 1), UNKNOWN, 0, None)
    assert verdict([unknown_put, O(2, ("get", "x"), 1, 5, 6)]) == OK
    assert verdict([unknown_put, O(2, ("get", "x"), None, 5, 6), O(2, ("get", "x"), 1, 7, 8)]) == OK
    # but once seen it cannot be unseen
    assert verdict([unknown_put, O(2, ("get", "x"), 1, 5, 6), O(2, ("get", "x"), None, 7, 8)]) == ILLEGAL
    unknown_cas = O(1, ("cas", "x", None, 3), UNKNOWN, 0, None)
    assert verdict([unknown_cas, O(2, ("get", "x"), 3, 5, 6)]) == OK
    assert verdict([unknown_cas, O(2, ("get", "x"), 4, 5, 6)]) == ILLEGAL


def test_partitions_are_checked_separately_and_named():
    ops = [
        O(1, ("put", "a", 1), None, 0, 1),
        O(2, ("get", "a"), 1, 2, 3),
        O(1, ("put", "b", 1), None, 0, 1),
        O(2, ("get", "b"), 5, 2, 3),
    ]
    res = check_operations(KV, ops)
    assert [p.name for p in res.partitions] == ["key a", "key b"]
    assert [p.verdict for p in res.partitions] == [OK, ILLEGAL]
    assert [p.name for p in res.failing()] == ["key b"]


def test_step_budget_gives_unknown():
    ops = [O(c, ("put", "x", c), None, 0, 100) for c in range(12)] + [O(99, ("get", "x"), 42, 200, 201)]
    res = check_operations(KV, ops, max_steps=50)
    assert res.verdict == "unknown"
    assert check_operations(KV, ops).verdict == ILLEGAL


def test_return_before_call_is_refused():
    with pytest.raises(ValueError, match="returns"):
        check_operations(KV, [O(1, ("get", "x"), None, 5, 4)])


# -- generated histories --------------------------------------------------------------------


def linearizable_history(rng: random.Random, n_ops: int, n_clients: int, keys: str) -> list[Operation]:
    """Each client runs operations one after another; each takes effect at a random instant of its interval."""
    store: dict[str, int] = {}
    ops = []
    for _point, c, call, ret in random_timeline(rng, n_ops, n_clients):
        key = rng.choice(keys)
        kind = rng.choice(("put", "get", "get", "delete", "cas"))
        if kind == "put":
            v = rng.randrange(5)
            store[key] = v
            ops.append(O(c, ("put", key, v), None, call, ret))
        elif kind == "get":
            ops.append(O(c, ("get", key), store.get(key), call, ret))
        elif kind == "delete":
            store.pop(key, None)
            ops.append(O(c, ("delete", key), None, call, ret))
        else:
            exp, new = rng.randrange(3), rng.randrange(5)
            ok = store.get(key) == exp
            if ok:
                store[key] = new
            ops.append(O(c, ("cas", key, exp, new), ok, call, ret))
    return ops


def brute_force(ops: list[Operation]) -> bool:
    """Linearizable iff some permutation respecting real-time order is a legal sequential run."""
    n = len(ops)
    for perm in itertools.permutations(range(n)):
        pos = {i: k for k, i in enumerate(perm)}
        if any(ops[a].end < ops[b].call and pos[a] > pos[b] for a in range(n) for b in range(n)):
            continue
        state = KV.init()
        for i in perm:
            legal, state = KV.step(state, ops[i].input, ops[i].output)
            if not legal:
                break
        else:
            return True
    return False


@pytest.mark.parametrize("seed", range(20))
def test_generated_linearizable_histories_pass(seed):
    ops = linearizable_history(random.Random(seed), 200, 6, "abc")
    res = check_operations(KV, ops)
    assert res.verdict == OK, res.explain()
    assert len(ops) == 198  # 33 per client
    assert sum(len(p.linearization) for p in res.partitions) == 198


@pytest.mark.parametrize("seed", range(20))
def test_a_read_of_a_value_never_written_is_caught(seed):
    rng = random.Random(seed)
    ops = linearizable_history(rng, 200, 6, "abc")
    gets = [i for i, op in enumerate(ops) if op.input[0] == "get"]
    i = rng.choice(gets)
    ops[i] = O(ops[i].client, ops[i].input, 99, ops[i].call, ops[i].ret)
    res = check_operations(KV, ops)
    assert res.verdict == ILLEGAL
    (part,) = res.failing()
    assert part.name == f"key {ops[i].input[1]}"


@st.composite
def small_histories(draw):
    n = draw(st.integers(1, 6))
    ops = []
    for _ in range(n):
        call = draw(st.integers(0, 8))
        ret = call + draw(st.integers(0, 4))
        kind = draw(st.sampled_from(("put", "get", "cas", "delete")))
        if kind == "put":
            ops.append(O(len(ops), ("put", "x", draw(st.integers(0, 2))), None, call, ret))
        elif kind == "get":
            ops.append(O(len(ops), ("get", "x"), draw(st.sampled_from((None, 0, 1, 2))), call, ret))
        elif kind == "delete":
            ops.append(O(len(ops), ("delete", "x"), None, call, ret))
        else:
            inp = ("cas", "x", draw(st.sampled_from((None, 0, 1))), draw(st.integers(0, 2)))
            ops.append(O(len(ops), inp, draw(st.booleans()), call, ret))
    return ops


@given(small_histories())
def test_agrees_with_brute_force_on_small_histories(ops):
    assert (verdict(ops) == OK) == brute_force(ops)


def test_generated_histories_hit_both_verdicts():
    rng = random.Random(7)
    seen = set()
    for _ in range(300):
        ops = [
            O(c, ("get", "x"), rng.choice((None, 1, 2)), t, t + rng.randrange(3))
            if rng.random() < 0.5
            else O(c, ("put", "x", rng.choice((1, 2))), None, t, t + rng.randrange(3))
            for c, t in enumerate(rng.randrange(6) for _ in range(5))
        ]
        v = verdict(ops) == OK
        assert v == brute_force(ops)
        seen.add(v)
    assert seen == {True, False}


# -- files, recorder and HTML ------------------------------------------------------------------


def test_history_files_round_trip_and_event_form(tmp_path):
    ops = linearizable_history(random.Random(3), 30, 3, "ab") + [O(9, ("put", "a", 4), UNKNOWN, 50, None)]
    path = tmp_path / "h.jsonl"
    write_history(path, ops)
    back = read_history(path)
    assert len(back) == 31 and back[-1].ret is None and back[-1].output is UNKNOWN
    assert check_operations(KV, back).verdict == OK
    events = tmp_path / "e.jsonl"
    events.write_text(
        "\n".join(
            json.dumps(r)
            for r in (
                {"type": "invoke", "id": 1, "client": 1, "time": 0, "op": "put", "key": "x", "value": 1},
                {"type": "invoke", "id": 2, "client": 2, "time": 2, "op": "get", "key": "x"},
                {"type": "return", "id": 1, "time": 1},
                {"type": "return", "id": 2, "time": 3, "output": None},
                {"type": "invoke", "id": 3, "client": 3, "time": 4, "op": "delete", "key": "x"},
            )
        )
    )
    got = read_history(events)
    assert [op.ret for op in got] == [1, 3, None]
    assert check_operations(KV, got).verdict == ILLEGAL


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "h.jsonl:2: not valid JSON"),
        ('{"client": 1, "op": "frob", "key": "x", "call": 0}', 'h.jsonl:2: "op" must be one of'),
        ('{"client": 1, "op": "put", "key": "x", "call": 0}', "h.jsonl:2: put needs 'value'"),
        ('{"client": 1, "op": "get", "key": "x", "call": 5, "return": 4}', "h.jsonl:2: returns at 4 before"),
        ('{"type": "return", "id": 9, "time": 1}', "h.jsonl:2: return for id 9, which has no earlier invoke"),
    ],
)
def test_malformed_history_lines_are_named(tmp_path, line, message):
    path = tmp_path / "h.jsonl"
    path.write_text('{"client": 1, "op": "get", "key": "x", "call": 0, "return": 1}\n' + line + "\n")
    with pytest.raises(HistoryError) as err:
        read_history(path)
    assert str(err.value).startswith(str(tmp_path / message.split(":")[0]) + ":" + message.split(":", 1)[1])


def test_recorder_orders_by_shared_clock():
    ticks = iter(range(100))
    rec = HistoryRecorder(clock=lambda: next(ticks))
    a = rec.invoke(1, ("put", "x", 1))
    b = rec.invoke(2, ("get", "x"))
    rec.complete(a, None)
    rec.complete(b, 1)
    rec.invoke(3, ("get", "x"))
    ops = rec.operations()
    assert [(op.call, op.ret) for op in ops] == [(0, 2), (1, 3), (4, None)]
    assert check_operations(KV, ops).verdict == OK


def test_html_marks_the_longest_prefix_and_the_blocked_operation():
    ops = [
        O(1, ("put", "x", 1), None, 0, 1),
        O(1, ("put", "x", 2), None, 2, 3),
        O(2, ("get", "x"), 1, 4, 5),
        O(3, ("put", "y", 1), None, 0, 1),
    ]
    page = render_html(check_operations(KV, ops))
    assert page.count('<g class="lin') == 3  # put x 1, put x 2, and key y's put
    assert page.count('<g class="blk') == 1
    assert "get(x) -&gt; 1 cannot be linearized" in page
    assert 'key x: <span class="bad">NOT linearizable</span>, longest linearizable prefix 2 of 3' in page
    assert page.index("key x") < page.index("key y")  # failing partitions first
