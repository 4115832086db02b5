"""InternalMemory.tla and WriteThroughCache.tla (Specifying Systems, chapter 5; tlaplus/Examples,
specifications/SpecifyingSystems/CachingMemory) as paxraft specs, with the refinement WriteThroughCache =>
InternalMemory of MCWriteThroughCache.tla (omem = vmem, octl = waiting as busy, obuf = buf) as ``@refines``.

The constant operators Send and Reply are MCSend and MCReply (``memInt' = <<p, d>>``), InitMemInt is
MCInitMemInt (``{<<CHOOSE p \\in Proc : TRUE, NoVal>>}``: the first processor, p1). tests/user_specs/CachingMemory/
holds the TLA+ and the cfgs TLC ran.

    paxraft check tests/user_specs/caching_memory.py:InternalMemory       # 4,408 / 21,400 / 10, MCInternalMemory.cfg
    paxraft check tests/user_specs/caching_memory.py:WriteThroughCache    # 5,196 / 28,170 / 18, MCWriteThroughCache
    paxraft refine tests/user_specs/caching_memory.py:WriteThroughCache InternalMemory
"""

from __future__ import annotations

from itertools import product
from typing import Annotated, Any, NamedTuple

from spec.core import Label, MscEvent, Spec, SpecError, action, invariant, refines

# ctl values; a request is (RD, adr) or (WR, adr, val); a value is an int in 0..Val-1; NoVal is -1.
RDY, BUSY, DONE, WAITING = range(4)
CTL = ("rdy", "busy", "done", "waiting")
RD, WR = 0, 1
NOVAL = -1


def put(t: tuple, i: int, v: Any) -> tuple:
    """[t EXCEPT ![i] = v]."""
    return t[:i] + (v,) + t[i + 1 :]


def is_request(d: Any) -> bool:
    return isinstance(d, tuple)


class IMState(NamedTuple):
    memInt: tuple[int, Any]  # <<p, d>>: the last request sent or reply given
    mem: tuple[int, ...]  # mem[a]
    ctl: tuple[int, ...]  # ctl[p]
    buf: tuple[Any, ...]  # buf[p]: a request, a value or NoVal


class Memory(Spec):
    """What InternalMemory and WriteThroughCache share: the constants, the requests, how values read."""

    def __init__(self, procs: Annotated[int, "number of processors (Proc = p1..pN)"] = 2,
                 adrs: Annotated[int, "number of addresses (Adr = a1..aN)"] = 3,
                 vals: Annotated[int, "number of values (Val = v1..vN)"] = 2) -> None:
        self.Proc, self.Adr, self.Val = tuple(range(procs)), tuple(range(adrs)), tuple(range(vals))
        # MReq == [op : {"Rd"}, adr : Adr] \cup [op : {"Wr"}, adr : Adr, val : Val]
        self.MReq = tuple((RD, a) for a in self.Adr) + tuple((WR, a, v) for a in self.Adr for v in self.Val)
        super().__init__()

    def each_p(self, s: Any) -> list[tuple[int]]:
        return [(p,) for p in self.Proc]

    def each_request(self, s: Any) -> list[tuple[int, tuple]]:
        """Req(p)'s \\E req \\in MReq."""
        return [(p, r) for p in self.Proc for r in self.MReq]

    def buf_type_ok(self, d: Any) -> bool:
        """buf[p] \\in MReq \\cup Val \\cup {NoVal}."""
        return d in self.MReq or d in self.Val or d == NOVAL

    def show_data(self, d: Any) -> str:
        if d == NOVAL:
            return "NoVal"
        if not is_request(d):
            return f"v{d + 1}"
        if d[0] == RD:
            return f'[op |-> "Rd", adr |-> a{d[1] + 1}]'
        return f'[op |-> "Wr", adr |-> a{d[1] + 1}, val |-> v{d[2] + 1}]'

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "req":
            return self.show_data(value)
        return f"a{value + 1}" if param == "a" else f"p{value + 1}"

    def show_memint(self, mi: tuple[int, Any]) -> str:
        return f"<<p{mi[0] + 1}, {self.show_data(mi[1])}>>"

    # -- symmetry: the processors are interchangeable --------------------------------------------------
    def symmetric_sets(self) -> dict[str, int]:
        return {"Proc": len(self.Proc)}

    def permute(self, s: Any, perm: Any) -> Any:
        pi = perm["Proc"]

        def moved(t: tuple) -> tuple:
            out: list[Any] = [None] * len(t)
            for p, x in enumerate(t):
                out[pi[p]] = x
            return tuple(out)

        fields = {"memInt": (pi[s.memInt[0]], s.memInt[1]), "ctl": moved(s.ctl), "buf": moved(s.buf)}
        if "cache" in s._fields:
            fields.update(cache=moved(s.cache), memQ=tuple((pi[p], r) for p, r in s.memQ))
        return s._replace(**fields)


class InternalMemory(Memory):
    """The internal memory of Specifying Systems: each processor's request is done in one atomic step."""

    variables = ("memInt", "mem", "ctl", "buf")

    def init_states(self) -> list[IMState]:
        """IInit: mem \\in [Adr -> Val], every processor ready, no buffer, memInt = <<p1, NoVal>>."""
        n = len(self.Proc)
        return [IMState((0, NOVAL), mem, (RDY,) * n, (NOVAL,) * n)
                for mem in product(self.Val, repeat=len(self.Adr))]

    @action(Memory.each_request)
    def Req(self, s: IMState, p: int, req: tuple) -> IMState | None:
        if s.ctl[p] != RDY:
            return None
        return s._replace(memInt=(p, req), buf=put(s.buf, p, req), ctl=put(s.ctl, p, BUSY))

    @action(Memory.each_p)
    def Do(self, s: IMState, p: int) -> IMState | None:
        if s.ctl[p] != BUSY:
            return None
        r = s.buf[p]
        if r[0] == WR:
            return s._replace(mem=put(s.mem, r[1], r[2]), buf=put(s.buf, p, NOVAL), ctl=put(s.ctl, p, DONE))
        return s._replace(buf=put(s.buf, p, s.mem[r[1]]), ctl=put(s.ctl, p, DONE))

    @action(Memory.each_p)
    def Rsp(self, s: IMState, p: int) -> IMState | None:
        if s.ctl[p] != DONE:
            return None
        return s._replace(memInt=(p, s.buf[p]), ctl=put(s.ctl, p, RDY))

    @invariant
    def TypeInvariant(self, s: IMState) -> bool:
        return (all(v in self.Val for v in s.mem) and all(c in (RDY, BUSY, DONE) for c in s.ctl)
                and all(self.buf_type_ok(d) for d in s.buf))

    def show_state(self, s: IMState) -> dict[str, Any]:
        return {"memInt": self.show_memint(s.memInt),
                "mem": {f"a{a + 1}": f"v{v + 1}" for a, v in enumerate(s.mem)},
                "ctl": {f"p{p + 1}": CTL[c] for p, c in enumerate(s.ctl)},
                "buf": {f"p{p + 1}": self.show_data(d) for p, d in enumerate(s.buf)}}


class WTCState(NamedTuple):
    memInt: tuple[int, Any]
    wmem: tuple[int, ...]  # wmem[a]: the main memory
    ctl: tuple[int, ...]
    buf: tuple[Any, ...]
    cache: tuple[tuple[int, ...], ...]  # cache[p][a]: a value or NoVal
    memQ: tuple[tuple[int, tuple], ...]  # <<p, req>> the memory has yet to serve, oldest first


class WriteThroughCache(Memory):
    """The write-through cache of Specifying Systems: each processor caches, writes go through a queue to memory."""

    variables = ("memInt", "wmem", "ctl", "buf", "cache", "memQ")

    def __init__(self, procs: Annotated[int, "number of processors (Proc = p1..pN)"] = 2,
                 adrs: Annotated[int, "number of addresses (Adr = a1..aN)"] = 1,
                 vals: Annotated[int, "number of values (Val = v1..vN)"] = 2,
                 qlen: Annotated[int, "QLen, the length of the memory queue"] = 1) -> None:
        if qlen < 1:
            raise SpecError("--qlen must be at least 1 (ASSUME QLen > 0)")
        self.QLen = qlen
        super().__init__(procs, adrs, vals)

    def init_states(self) -> list[WTCState]:
        """Init == M!IInit /\\ cache = [p |-> [a |-> NoVal]] /\\ memQ = << >>."""
        n = len(self.Proc)
        empty = ((NOVAL,) * len(self.Adr),) * n
        return [WTCState((0, NOVAL), wmem, (RDY,) * n, (NOVAL,) * n, empty, ())
                for wmem in product(self.Val, repeat=len(self.Adr))]

    # Next == \/ \E p \in Proc : Req(p) \/ Rsp(p) \/ RdMiss(p) \/ DoRd(p) \/ DoWr(p) \/ \E a \in Adr : Evict(p, a)
    #         \/ MemQWr \/ MemQRd
    @action(Memory.each_request)
    def Req(self, s: WTCState, p: int, req: tuple) -> WTCState | None:
        """M!Req(p) /\\ UNCHANGED <<cache, memQ>>."""
        if s.ctl[p] != RDY:
            return None
        return s._replace(memInt=(p, req), buf=put(s.buf, p, req), ctl=put(s.ctl, p, BUSY))

    @action(Memory.each_p)
    def Rsp(self, s: WTCState, p: int) -> WTCState | None:
        if s.ctl[p] != DONE:
            return None
        return s._replace(memInt=(p, s.buf[p]), ctl=put(s.ctl, p, RDY))

    @action(Memory.each_p)
    def RdMiss(self, s: WTCState, p: int) -> WTCState | None:
        r = s.buf[p]
        if not (s.ctl[p] == BUSY and r[0] == RD and s.cache[p][r[1]] == NOVAL and len(s.memQ) < self.QLen):
            return None
        return s._replace(memQ=s.memQ + ((p, r),), ctl=put(s.ctl, p, WAITING))

    @action(Memory.each_p)
    def DoRd(self, s: WTCState, p: int) -> WTCState | None:
        if s.ctl[p] not in (BUSY, WAITING):
            return None
        r = s.buf[p]
        if r[0] != RD or s.cache[p][r[1]] == NOVAL:
            return None
        return s._replace(buf=put(s.buf, p, s.cache[p][r[1]]), ctl=put(s.ctl, p, DONE))

    @action(Memory.each_p)
    def DoWr(self, s: WTCState, p: int) -> WTCState | None:
        r = s.buf[p]
        if not (s.ctl[p] == BUSY and r[0] == WR and len(s.memQ) < self.QLen):
            return None
        _, a, v = r
        # Write p's cache, and every other cache that holds the address.
        cache = tuple(put(c, a, v) if q == p or c[a] != NOVAL else c for q, c in enumerate(s.cache))
        return s._replace(cache=cache, memQ=s.memQ + ((p, r),), buf=put(s.buf, p, NOVAL), ctl=put(s.ctl, p, DONE))

    @action(lambda self, s: [(p, a) for p in self.Proc for a in self.Adr])
    def Evict(self, s: WTCState, p: int, a: int) -> WTCState | None:
        # No guard that cache[p][a] holds a value: evicting an empty line is a stutter, as in the TLA+ text.
        if s.ctl[p] == WAITING and s.buf[p][1] == a:
            return None
        return s._replace(cache=put(s.cache, p, put(s.cache[p], a, NOVAL)))

    @action()
    def MemQWr(self, s: WTCState) -> WTCState | None:
        if not s.memQ or s.memQ[0][1][0] != WR:
            return None
        _, a, v = s.memQ[0][1]
        return s._replace(wmem=put(s.wmem, a, v), memQ=s.memQ[1:])

    @action()
    def MemQRd(self, s: WTCState) -> WTCState | None:
        if not s.memQ or s.memQ[0][1][0] != RD:
            return None
        p, (_, a) = s.memQ[0]
        return s._replace(memQ=s.memQ[1:], cache=put(s.cache, p, put(s.cache[p], a, self.vmem(s)[a])))

    def vmem(self, s: WTCState) -> tuple[int, ...]:
        """The memory once every write in memQ is done: wmem with the queue's writes applied, oldest first."""
        mem = s.wmem
        for _, r in s.memQ:
            if r[0] == WR:
                mem = put(mem, r[1], r[2])
        return mem

    @invariant
    def TypeInvariant(self, s: WTCState) -> bool:
        return (all(v in self.Val for v in s.wmem) and all(c in (RDY, BUSY, WAITING, DONE) for c in s.ctl)
                and all(self.buf_type_ok(d) for d in s.buf)
                and all(v in self.Val or v == NOVAL for c in s.cache for v in c)
                and all(p in self.Proc and r in self.MReq for p, r in s.memQ))

    @invariant
    def Coherence(self, s: WTCState) -> bool:
        """Two caches that both hold an address hold the same value there."""
        return all(len({c[a] for c in s.cache} - {NOVAL}) <= 1 for a in self.Adr)

    # -- the message-sequence chart: a lifeline per processor, and the memory serving memQ ---------------------
    def msc_nodes(self) -> list[str]:
        return [f"p{p + 1}" for p in self.Proc] + ["memory"]

    def msc_event(self, prev: WTCState, label: Label, nxt: WTCState) -> MscEvent:
        if label.name in ("MemQWr", "MemQRd"):  # the request served: the head, or whichever the step took
            p, r = prev.memQ[0] if nxt.memQ == prev.memQ[1:] else prev.memQ[-1]
            return MscEvent("memory", (self.show_queued(p, r),))
        p = label.params[0]
        if label.name in ("RdMiss", "DoWr"):
            return MscEvent(f"p{p + 1}", (), (self.show_queued(p, prev.buf[p]),))
        return MscEvent(f"p{p + 1}")

    def show_queued(self, p: int, r: tuple) -> str:
        return f"Rd a{r[1] + 1} (p{p + 1})" if r[0] == RD else f"Wr a{r[1] + 1} v{r[2] + 1} (p{p + 1})"

    @refines(InternalMemory)
    def as_internal_memory(self) -> tuple[InternalMemory, Any]:
        """MCWriteThroughCache's LM_Inner_ISpec: omem = vmem, octl = ctl with waiting read as busy, obuf = buf."""

        def mapping(s: WTCState) -> IMState:
            return IMState(s.memInt, self.vmem(s), tuple(BUSY if c == WAITING else c for c in s.ctl), s.buf)

        return InternalMemory(len(self.Proc), len(self.Adr), len(self.Val)), mapping

    def show_state(self, s: WTCState) -> dict[str, Any]:
        return {"memInt": self.show_memint(s.memInt),
                "wmem": {f"a{a + 1}": f"v{v + 1}" for a, v in enumerate(s.wmem)},
                "ctl": {f"p{p + 1}": CTL[c] for p, c in enumerate(s.ctl)},
                "buf": {f"p{p + 1}": self.show_data(d) for p, d in enumerate(s.buf)},
                "cache": {f"p{p + 1}": {f"a{a + 1}": self.show_data(v) for a, v in enumerate(c)}
                          for p, c in enumerate(s.cache)},
                "memQ": tuple(f"<<p{p + 1}, {self.show_data(r)}>>" for p, r in s.memQ)}


# -- bugs: one TLC finds as a broken invariant, two only the refinement finds ----------------------------------


class StaleRead(WriteThroughCache):
    """Specifying Systems' exercise 5: a read miss is served from wmem, not from vmem."""

    variant = "stale-read"
    rule = "MemQRd fills the cache from wmem, missing the writes queued before the read"
    breaks = "Coherence"
    failing_bounds = {"qlen": 2}
    trace_length = 5

    def MemQRd(self, s: WTCState) -> WTCState | None:
        if not s.memQ or s.memQ[0][1][0] != RD:
            return None
        p, (_, a) = s.memQ[0]
        return s._replace(memQ=s.memQ[1:], cache=put(s.cache, p, put(s.cache[p], a, s.wmem[a])))


class LifoQueue(WriteThroughCache):
    """The memory serves its queue newest first: two queued writes reach wmem in the wrong order."""

    variant = "lifo-queue"
    rule = "MemQWr and MemQRd serve the newest request in memQ, not the oldest"
    breaks = "InternalMemory"
    failing_bounds = {"qlen": 2}
    trace_length = 5

    def MemQWr(self, s: WTCState) -> WTCState | None:
        if not s.memQ or s.memQ[-1][1][0] != WR:
            return None
        _, a, v = s.memQ[-1][1]
        return s._replace(wmem=put(s.wmem, a, v), memQ=s.memQ[:-1])

    def MemQRd(self, s: WTCState) -> WTCState | None:
        if not s.memQ or s.memQ[-1][1][0] != RD:
            return None
        p, (_, a) = s.memQ[-1]
        return s._replace(memQ=s.memQ[:-1], cache=put(s.cache, p, put(s.cache[p], a, self.vmem(s)[a])))


class WmemMapping(WriteThroughCache):
    """A wrong refinement mapping: the abstract memory is wmem, which a write reaches only when dequeued."""

    variant = "wmem-mapping"
    rule = "omem == wmem instead of vmem"
    breaks = "InternalMemory"
    failing_bounds = {"qlen": 1}
    trace_length = 2

    @refines(InternalMemory)
    def as_internal_memory(self) -> tuple[InternalMemory, Any]:
        """omem = wmem, octl and obuf as in MCWriteThroughCache."""
        abstract, mapping = super().as_internal_memory()
        return abstract, lambda s: mapping(s)._replace(mem=s.wmem)
