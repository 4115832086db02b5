"""Chain replication (van Renesse and Schneider, OSDI 2004) with a configuration master.

Servers form a chain.  A client's write goes to the head, which appends it to its history;
each server copies the next update from its predecessor; the tail's history is what is
committed, and the tail acknowledges it to the client.  A server may crash (at most
``max_crashes`` of them); a crashed server does nothing, and the configuration master later
removes it from the chain (``Reconfigure``), splicing its neighbours together.

Invariants: along the chain each history is a prefix of its predecessor's (``PrefixOrder``),
and what the client was told is committed survives in every server of the chain
(``AckedDurable``).  The variant ``head-acks`` acknowledges as soon as the head has the write.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from lossy_log import LogState, LossyLog

from spec.core import WF, Label, LeadsTo, MscEvent, Spec, action, invariant, refines, witness


class ChainState(NamedTuple):
    chain: tuple[int, ...]  # the master's configuration: servers, head first
    crashed: frozenset[int]
    hist: tuple[tuple[int, ...], ...]  # hist[server]: the updates it holds, in order
    acked: int  # the longest prefix acknowledged to the client


class Chain(Spec):
    """Chain replication with a configuration master that removes crashed servers."""

    variables = ("chain", "crashed", "hist", "acked")

    def __init__(
        self,
        servers: Annotated[int, "servers in the initial chain"] = 3,
        values: Annotated[int, "number of values a client may write"] = 2,
        max_writes: Annotated[int, "writes a client makes in a run"] = 2,
        max_crashes: Annotated[int, "servers that may crash (fewer than --servers)"] = 1,
    ) -> None:
        if max_crashes >= servers:
            raise ValueError("--max-crashes must be below --servers (the chain keeps one server)")
        self.S = tuple(range(servers))
        self.values = tuple(range(values))
        self.max_writes = max_writes
        self.max_crashes = max_crashes
        super().__init__()

    def init_states(self) -> list[ChainState]:
        return [ChainState(self.S, frozenset(), ((),) * len(self.S), 0)]

    def head(self, s: ChainState) -> int:
        return s.chain[0]

    def tail(self, s: ChainState) -> int:
        return s.chain[-1]

    def set_hist(self, s: ChainState, server: int, h: tuple[int, ...]) -> tuple:
        return s.hist[:server] + (h,) + s.hist[server + 1:]

    @action(lambda self, s: [(v,) for v in self.values])
    def Write(self, s: ChainState, v: int) -> ChainState | None:
        """The client sends v to the head, which appends it."""
        h = self.head(s)
        if h in s.crashed or len(s.hist[h]) >= self.max_writes:
            return None
        return s._replace(hist=self.set_hist(s, h, s.hist[h] + (v,)))

    @action(lambda self, s: [(s.chain[i], s.chain[i + 1]) for i in range(len(s.chain) - 1)])
    def Forward(self, s: ChainState, frm: int, to: int) -> ChainState | None:
        """`to` copies the next update of its predecessor `frm`."""
        if frm in s.crashed or to in s.crashed or len(s.hist[to]) >= len(s.hist[frm]):
            return None
        return s._replace(hist=self.set_hist(s, to, s.hist[frm][: len(s.hist[to]) + 1]))

    @action()
    def Ack(self, s: ChainState) -> ChainState | None:
        """The tail tells the client what it holds is committed."""
        n = len(s.hist[self.tail(s)])
        if self.tail(s) in s.crashed or n <= s.acked:
            return None
        return s._replace(acked=n)

    @action(lambda self, s: [(x,) for x in s.chain])
    def Crash(self, s: ChainState, x: int) -> ChainState | None:
        if x in s.crashed or len(s.crashed) >= self.max_crashes:
            return None
        return s._replace(crashed=s.crashed | {x})

    @action(lambda self, s: [(x,) for x in s.chain])
    def Reconfigure(self, s: ChainState, x: int) -> ChainState | None:
        """The master removes crashed server x from the chain."""
        if x not in s.crashed:
            return None
        return s._replace(chain=tuple(y for y in s.chain if y != x))

    @invariant
    def PrefixOrder(self, s: ChainState) -> bool:
        """Along the chain, each live server's history is a prefix of its predecessor's."""
        live = [s.hist[x] for x in s.chain]
        return all(b == a[: len(b)] for a, b in zip(live, live[1:]))

    @invariant
    def AckedDurable(self, s: ChainState) -> bool:
        """The head (where the service's log starts) holds every write the client was told is committed."""
        return len(s.hist[self.head(s)]) >= s.acked

    @witness
    def AckedAfterReconfiguration(self, s: ChainState) -> bool:
        return s.acked > 0 and len(s.chain) < len(self.S)

    def show_state(self, s: ChainState) -> dict[str, Any]:
        name = lambda x: f"s{x + 1}"  # noqa: E731
        return {
            "chain": tuple(name(x) for x in s.chain),  # a tuple reads as a sequence, a list as a set
            "crashed": sorted(name(x) for x in s.crashed),
            "hist": {name(x): tuple(f"v{v + 1}" for v in h) for x, h in enumerate(s.hist)},
            "acked": s.acked,
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return f"v{value + 1}" if param == "v" else f"s{value + 1}"

    def symmetric_sets(self) -> dict[str, int]:
        return {"Value": len(self.values)}

    def permute(self, s: ChainState, perm: Any) -> ChainState:
        pi = perm["Value"]
        return s._replace(hist=tuple(tuple(pi[v] for v in h) for h in s.hist))

    def fairness(self) -> list:
        return [WF("Forward", "Reconfigure", "Ack")]

    def properties(self) -> dict:
        return {
            "TailCatchesUp": LeadsTo(
                lambda s: len(s.hist[s.chain[0]]) > len(s.hist[s.chain[-1]]),
                lambda s: len(s.hist[s.chain[0]]) == len(s.hist[s.chain[-1]]),
                "head ahead of tail ~> tail caught up",
            ),
        }

    def msc_event(self, prev: ChainState, label: Label, nxt: ChainState) -> MscEvent:
        if label.name == "Write":
            return MscEvent(f"s{self.head(prev) + 1}", (f"write(v{label.params[0] + 1})",), ())
        if label.name == "Forward":
            frm, to = label.params
            return MscEvent(f"s{to + 1}", (f"upd{len(prev.hist[to]) + 1}",), ())
        if label.name == "Ack":
            return MscEvent(f"s{self.tail(prev) + 1}", (), (f"ack({nxt.acked})",))
        return MscEvent("master", (), ())

    @refines(LossyLog)
    def as_log(self) -> tuple[LossyLog, Any]:
        """The log is the head's history; the committed prefix is the tail's."""
        return LossyLog(len(self.values), self.max_writes), lambda s: LogState(
            s.hist[s.chain[0]], len(s.hist[s.chain[-1]])
        )


class HeadAcks(Chain):
    """The head acknowledges a write as soon as it has it."""

    variant = "head-acks"
    rule = "Ack reports the head's history, not the tail's"
    breaks = "AckedDurable"
    failing_bounds = {"servers": 2, "values": 1, "max_writes": 1}  # with no crash (--max-crashes 0) it holds
    trace_length = 4

    @action()
    def Ack(self, s: ChainState) -> ChainState | None:
        n = len(s.hist[self.head(s)])
        if self.head(s) in s.crashed or n <= s.acked:
            return None
        return s._replace(acked=n)
