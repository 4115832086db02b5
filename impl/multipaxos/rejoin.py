"""A Multi-Paxos replica rebuilt from empty storage (`cluster recover-node`): its promise, and the rule it rejoins by.

The rule is spec/multipaxos_rebuild.py's, model-checked (docs/multipaxos.md, "Rebuilding a replica"). The
replica has forgotten its promises and its votes. Its *floor* is the highest ballot promised by every other
replica (a majority of the others is too few from five replicas on: the proposer of a ballot whose phase 1
counted the lost promise may be the one left out, and the others may promise it only later). Its rebuilt
promise is the first ballot of the round after the floor's, owned by no replica (id 0): a leader at or below
the floor is answered with a rejection naming it, and prepares again above it. While rejoining
(:attr:`impl.multipaxos.core.MultiPaxosNode.rejoining`, kept across restarts by the marker file) the replica
promises nothing and votes for nothing; it answers a leader's Accepts with its commit point, so that the
leader sends it the chosen commands (Learn). It resumes once it has learned every slot up to the horizon of a
leader of a ballot above the floor (the leader's own no-op: everything chosen in a lower ballot lies at or
below it), promising that ballot.
"""

from __future__ import annotations

from impl.multipaxos.core import ROUND, ballot_round


def rebuilt_promise(node_id: int, n: int, peer_ballots: list[int]) -> int:
    """The promise of replica ``node_id`` rebuilt in a cluster of ``n`` from its peers' promised ballots: above the
    highest, below any a replica of the next round takes. ValueError unless every other replica's was read."""
    if len(peer_ballots) < n - 1:
        raise ValueError(f"the promised ballots of all {n - 1} other nodes are needed to know which ballots node "
                         f"{node_id} may have promised; {len(peer_ballots)} could be read")
    return (ballot_round(max(peer_ballots, default=0)) + 1) << ROUND
