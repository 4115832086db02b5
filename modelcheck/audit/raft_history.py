"""Client histories of the replicated key-value store under the simulation, for the linearizability checker.

Clients call put and get on a few shared keys, one operation outstanding per client; each
operation is recorded with its invoke and return times in simulated time units.  A write
never answered (its node crashed) or answered "retry" has an unknown outcome; a request a
node refused at once (not the leader) never took effect and is not recorded.  Reads go to
the leader (ReadIndex), or to any node when ``reads_anywhere`` (which only a store with
the planted bug ``stale-reads`` of ``impl.raft.rules`` serves).
"""

from __future__ import annotations

import random
from typing import Any

from modelcheck.linearizability import UNKNOWN, Operation

KEYS = ("x", "y", "z")


class KVHistoryRun:
    """A simulated cluster with clients whose operations are recorded as a history."""

    def __init__(self, seed: int, *, clients: int = 4, reads_anywhere: bool = False, **cluster: Any) -> None:
        from impl.sim.cluster import SimCluster

        self.rng = random.Random(seed ^ 0x5EED)
        self.c = SimCluster(cluster.pop("n", 3), seed, **cluster)
        self.clients = range(1, clients + 1)
        self.seq = dict.fromkeys(self.clients, 0)
        self.busy: dict[int, int] = {}  # client -> index of its open operation
        self.ops: list[dict[str, Any]] = []  # client, input, output, call, ret
        self.reads_anywhere = reads_anywhere
        self.writes = 0

    def _open(self, client: int, inp: tuple) -> int:
        self.ops.append({"client": client, "input": inp, "output": UNKNOWN, "call": self.c.now, "ret": None})
        self.busy[client] = len(self.ops) - 1
        return len(self.ops) - 1

    def _reply(self, k: int, client: int) -> Any:
        def reply(kind: str, res: Any) -> None:
            op = self.ops[k]
            if op["ret"] is not None or self.busy.get(client) != k:
                return
            del self.busy[client]
            if kind == "not_leader" and op["call"] == self.c.now:
                op["refused"] = True  # refused on the spot: never entered the log
                return
            if kind == "ok":
                op["ret"] = self.c.now
                if op["input"][0] == "get":
                    op["output"] = None if res.value is None else res.value.decode()
                else:
                    op["output"] = None
            # "retry" or a later "not_leader": outcome unknown, the interval stays open

        return reply

    def put(self, client: int) -> None:
        """Client ``client`` writes a fresh value to a random key, through the leader."""
        from impl.kv.machine import PUT, Command

        lead = self.c.leader()
        if lead is None:
            return
        self.seq[client] += 1
        self.writes += 1
        key = self.rng.choice(KEYS)
        value = f"{client}.{self.seq[client]}"
        k = self._open(client, ("put", key, value))
        self.c.replicas[lead].submit(Command(PUT, client, self.seq[client], key.encode(), value.encode()),  # type: ignore[union-attr]
                                     self._reply(k, client))
        self.c._process(lead)

    def get(self, client: int) -> None:
        """Client ``client`` reads a random key, at the leader (or at any node when reads go anywhere)."""
        from impl.kv.machine import GET, Command

        alive = [i for i in self.c.ids if self.c.alive(i)]
        node = self.rng.choice(alive) if self.reads_anywhere and alive else self.c.leader()
        if node is None:
            return
        key = self.rng.choice(KEYS)
        k = self._open(client, ("get", key))
        self.c.replicas[node].submit(Command(GET, client, 0, key.encode()), self._reply(k, client))  # type: ignore[union-attr]
        self.c._process(node)

    def run(self, steps: int = 300) -> list[Operation]:
        """Random client calls, crashes, restarts and partitions; returns the history."""
        c, rng = self.c, self.rng
        for _ in range(steps):
            x = rng.random()
            if x < 0.03:
                c.crash(rng.choice(c.ids))
            elif x < 0.08:
                c.restart(rng.choice(c.ids))
            elif x < 0.10:
                c.partition(tuple(rng.sample(c.ids, len(c.ids) // 2 + 1)))
            elif x < 0.14:
                c.heal()
            else:
                client = rng.choice(self.clients)
                if client not in self.busy:
                    (self.put if rng.random() < 0.5 else self.get)(client)
            c.run(rng.randint(1, 30))
        return self.history()

    def history(self) -> list[Operation]:
        """The recorded operations (those refused on the spot left out)."""
        return [Operation(o["client"], o["input"], o["output"], o["call"], o["ret"])
                for o in self.ops if not o.get("refused")]
