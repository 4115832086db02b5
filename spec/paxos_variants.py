"""Paxos registered by name, with its variants: each the base spec with one rule changed."""

from __future__ import annotations

from spec.paxos import M1B, Paxos
from spec.registry import Option, SpecEntry, register, variant


def _quorum_list(text: str) -> list[list[int]]:
    """``1,2;2,3`` -> [[0,1],[1,2]]: quorums as 1-based acceptor numbers, ``;`` between quorums."""
    out = []
    for part in text.split(";"):
        part = part.strip()
        if part:
            out.append([int(x.strip().lstrip("a")) - 1 for x in part.split(",") if x.strip()])
    return out


register(
    SpecEntry(
        name="paxos",
        cls=Paxos,
        summary="Single-decree Paxos, as Lamport's Paxos.tla (tlaplus/Examples)",
        options=(
            Option("--acceptors", "acceptors", int, 3, "number of acceptors (Acceptor = a1..aN)"),
            Option("--values", "values", int, 2, "number of values (Value = v1..vK)"),
            Option("--max-ballot", "max_ballot", int, 1, "largest ballot (Ballot = 0..MAX)"),
        ),
        suite=(
            {"acceptors": 1, "values": 1, "max_ballot": 1},
            {"acceptors": 3, "values": 2, "max_ballot": 1},
            {"acceptors": 3, "values": 2, "max_ballot": 1, "symmetry": True},
        ),
    )
)


@variant("paxos")
class IgnoreVotes(Paxos):
    """Phase2a proposes any value once a quorum has promised, ignoring the votes their 1b messages report."""

    variant = "ignore-votes"
    rule = "Phase2a(b, v) needs a quorum of 1b messages for b but not that v is their highest-ballot vote"
    breaks = "Agreement"
    failing_bounds = {"acceptors": 3, "values": 2, "max_ballot": 1}
    trace_length = 12
    source = "Lamport, Paxos Made Simple (2001), section 2.2: P2b is what the 1b votes enforce"

    def shows_safe(self, msgs: frozenset, b: int, v: int) -> bool:
        """Any value is 'safe' once some phase-1 quorum has promised ballot b."""
        promised = {m[1] for m in msgs if m[0] == M1B and m[2] == b}
        return any(q <= promised for q in self.Quorum1)
