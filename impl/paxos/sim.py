"""A seeded, deterministic simulation of single-decree Paxos with a lossy, duplicating, reordering network.

``simulate(seed)`` runs acceptors and proposers until no message is in flight and every
proposer has used its ballots, and returns every node's trace.  ``on_event`` (the online
audit's hook) sees each event as it is emitted and may stop the run by returning False.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from impl.paxos.core import Acceptor, Proposer
from impl.paxos.trace import NodeTracer, to_msg


@dataclass
class SimResult:
    """The run's traces (one tracer per node), the values proposers saw chosen, and whether it was stopped."""

    tracers: dict[int, NodeTracer]
    chosen: dict[int, Any]
    events: int
    stopped: bool = False

    def write(self, directory: str | Path) -> list[Path]:
        """One trace file per node: ``node-<id>.jsonl``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        return [t.write(d / f"node-{n}.jsonl") for n, t in sorted(self.tracers.items())]


def simulate(
    seed: int,
    acceptors: int = 3,
    proposers: int = 2,
    rounds: int = 2,
    drop: float = 0.05,
    duplicate: float = 0.1,
    bugs: frozenset[str] = frozenset(),
    on_event: Callable[[dict[str, Any]], bool] | None = None,
    max_steps: int = 10_000,
) -> SimResult:
    """Run one seeded execution; each proposer starts up to ``rounds`` ballots at random moments."""
    rng = random.Random(seed)
    acc_ids = list(range(1, acceptors + 1))
    prop_ids = list(range(acceptors + 1, acceptors + proposers + 1))
    nodes = acc_ids + prop_ids
    accs = {a: Acceptor(a, bugs) for a in acc_ids}
    props = {p: Proposer(p, f"v{p}", acceptors, bugs) for p in prop_ids}
    tracers = {a: NodeTracer(a, nodes, "acceptor", acc_ids) for a in acc_ids}
    tracers.update({p: NodeTracer(p, nodes, "proposer", acc_ids) for p in prop_ids})
    started = {p: 0 for p in prop_ids}
    flight: list[dict[str, Any]] = []
    result = SimResult(tracers, {}, 0)

    def emit(node: int, action: str, params: dict[str, Any], recv: Any, sent: list) -> bool:
        state = accs[node].state() if node in accs else {}
        ev, msgs = tracers[node].event(action, params, state, recv, sent)
        flight.extend(msgs)
        result.events += 1
        return on_event(ev) if on_event else True

    def owner(ballot: int) -> int:
        return prop_ids[ballot % proposers]

    action: str | None  # an acceptor's step, or a proposer's (None: it only observed the message)
    for _ in range(max_steps):
        can_start = [p for p in prop_ids if started[p] < rounds]
        if not flight and not can_start:
            break
        if can_start and (not flight or rng.random() < 0.08):
            p = rng.choice(can_start)
            ballot = prop_ids.index(p) + proposers * started[p]
            started[p] += 1
            _, out = props[p].start(ballot)
            ok = emit(p, "Phase1a", {"b": ballot}, None, [(out[0], a) for a in acc_ids])
        else:
            m = flight.pop(rng.randrange(len(flight)))
            if rng.random() < duplicate:
                flight.append(m)
            if rng.random() < drop:
                continue
            dest, msg = m["mdest"], to_msg(m)
            if dest in accs:
                action, out = accs[dest].handle(msg)
                params = {"b": msg.bal, "v": msg.val} if action == "Phase2b" else {"b": msg.bal}
                if action == "DropMessage":
                    params = {}
                to = owner(msg.bal)
                ok = emit(dest, action, params, m, [(o, to) for o in out])
            else:
                action, out = props[dest].handle(msg)
                if action is None:
                    tracers[dest].observe(m)
                    chosen = props[dest].chosen
                    if chosen is not None:
                        result.chosen[dest] = chosen
                    continue
                ok = emit(dest, action, {"b": msg.bal, "v": out[0].val}, m, [(out[0], a) for a in acc_ids])
        if not ok:
            result.stopped = True
            break
    return result
