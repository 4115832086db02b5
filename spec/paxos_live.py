"""Paxos's model-checking declarations beside Paxos.tla: MCPaxos's fairness and liveness, and its chart.

``MCLSpec`` of tlaplus/Examples MCPaxos.tla makes the leader of the highest ballot and the
acceptors of one quorum weakly fair::

    MCLSpec == /\\ Spec
               /\\ WF_vars(Phase1a(MCMaxBallot))
               /\\ \\A v \\in Value : WF_vars(Phase2a(MCMaxBallot, v))
               /\\ \\A a \\in {a1, a2} : WF_vars(Phase1b(a) \\/ Phase2b(a))
    MCLiveness == <>(V!chosen # {})

Here the fair quorum is the first quorum of each phase ({a1, a2} for three acceptors).
The message-sequence chart gives each ballot's leader a lifeline (``L0``, ``L1``, ...)
beside the acceptors.
"""

from __future__ import annotations

from spec.core import WF, Eventually, Fair, Label, MscEvent, Temporal, declare
from spec.paxos import M1A, M1B, M2A, M2B, MSG_TYPES, Paxos


def mclspec_fairness(spec: Paxos) -> list[Fair]:
    """MCLSpec's weak fairness: the top ballot's leader and one quorum of acceptors."""
    top = spec.MaxBallot
    fair_acceptors = sorted(spec.Quorum1[0] | spec.Quorum2[0])
    out = [WF("Phase1a", b=top, text=f"WF(Phase1a({top}))")]
    out += [WF("Phase2a", b=top, v=v, text=f"WF(Phase2a({top}, {spec.val_name(v)}))") for v in spec.Value]
    out += [
        WF("Phase1b", "Phase2b", a=a, text=f"WF(Phase1b({spec.acc_name(a)}) \\/ Phase2b({spec.acc_name(a)}))")
        for a in fair_acceptors
    ]
    return out


def liveness(spec: Paxos) -> dict[str, Temporal]:
    """MCLiveness: some value is eventually chosen."""
    return {"Liveness": Eventually(lambda s: bool(spec.chosen(s)), "<>(chosen # {})")}


def message_name(spec: Paxos, m: tuple[int, ...]) -> str:
    """``1b(a1, 1, -1, None)``: a message with its fields in Paxos.tla's order."""
    t = m[0]
    fields = [str(x) for x in m[1:]]
    if t in (M1B, M2B):
        fields[0] = spec.acc_name(m[1])
    if t == M1B:
        fields[3] = spec.val_name(m[4])
    elif t in (M2A, M2B):
        fields[-1] = spec.val_name(m[-1])
    return f"{MSG_TYPES[t]}({', '.join(fields)})"


def msc_nodes(spec: Paxos) -> list[str]:
    """Ballot leaders first, then the acceptors."""
    return [f"L{b}" for b in spec.Ballot] + [spec.acc_name(a) for a in spec.Acceptor]


def msc_event(spec: Paxos, prev: object, label: Label, nxt: object) -> MscEvent:
    """Who acts in a Paxos step, what it receives (the messages its guard reads) and what it sends."""
    sent = tuple(message_name(spec, m) for m in sorted(nxt.msgs - prev.msgs))  # type: ignore[attr-defined]
    p = label.params
    if label.name == "Phase1a":
        return MscEvent(f"L{p[0]}", (), sent)
    if label.name == "Phase1b":
        return MscEvent(spec.acc_name(p[0]), (message_name(spec, (M1A, p[1])),), sent)
    if label.name == "Phase2a":
        got = tuple(
            message_name(spec, m)
            for m in sorted(prev.msgs)  # type: ignore[attr-defined]
            if m[0] == M1B and m[2] == p[0]
        )
        return MscEvent(f"L{p[0]}", got, sent)
    if label.name == "Phase2b":
        return MscEvent(spec.acc_name(p[0]), (message_name(spec, (M2A, p[1], p[2])),), sent)
    return MscEvent(spec.acc_name(p[0]) if p else "system", (), sent)


declare(Paxos, fairness=mclspec_fairness, properties=liveness, msc_event=msc_event, msc_nodes=msc_nodes)
