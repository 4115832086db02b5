"""A node rebuilt from empty storage (its own was damaged or lost) rejoins without voting until it has caught up.

Such a node has forgotten its log and its votes: voting on a forgotten log could elect a leader
that lacks committed entries, and voting again in a term it already voted in could elect two
leaders. So until it holds everything that was committed when it came back, it neither votes
(vote requests are dropped) nor campaigns (the runtime stops ticking it). It still answers
pre-votes, which change no state: without them two intact nodes whose terms and logs disagree
(one voted in a higher term for the node that was lost, the other has the longer log) could
reject each other's pre-votes forever, and the rejoining node would never hear from a leader.

Catching up restores the log, not the votes: the node may have voted, before its storage was lost,
in a term above the leader it catches up from (a failed or partitioned election), and voting again
in that term could elect a second leader of it. So it starts with a vote floor (:func:`rebuilt_hard_state`):
the highest term in its peers' durable storage, with its vote in that term already cast (for itself).
Every term it could have voted in is at most that: a lost vote that could have elected a leader was
for a candidate whose majority holds that term durably, and a majority less the rebuilt node meets
any ``n - quorum + 1`` of the peers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from impl.raft.core import HardState, RaftNode
from impl.raft.messages import Message, MsgType
from impl.storage.files import not_a_file, read_regular, replace_synced

REJOINING = "rejoining"  # marker file in a node's folder while it rejoins (a restart keeps the gate)
_VOTE_REQUESTS = frozenset({MsgType.RequestVoteRequest, MsgType.TimeoutNow})  # (TimeoutNow: a campaign at once)
_REBUILT = "rebuilt from "  # the marker's text until the node's trace shows its Rebuild (then it is emptied)
# "rebuilt from 1,3 terms 2,3 clock 57": the peers, the terms read from them, the highest clock of their traces then
# (a marker of an older paxraft names only the peers)
_MARKER = re.compile(_REBUILT + r"(?P<peers>[0-9]+(,[0-9]+)*)"
                     r"( terms (?P<terms>[0-9]+(,[0-9]+)*) clock (?P<clock>[0-9]+))?\n?")
_MARKER_BYTES = 1 << 16  # read no more of a marker than that (it names a few peers)


@dataclass(frozen=True)
class Rebuilt:
    """What `recover-node` read for a node it rebuilt (the boot's ``Rebuild`` event says it): the peers whose
    durable terms gave the vote floor, those terms (None: a marker of an older paxraft, which named only the
    peers), and the highest clock in those peers' traces once the terms were read. The Rebuild is traced past that
    clock, so an audit, which merges the nodes' events by clock, places it after every peer event the read saw
    (at its old clock it could come before a peer's election the read had seen, and the audit then found the
    floor one term too high)."""

    peers: tuple[int, ...]
    terms: tuple[int, ...] | None = None
    clock: int = 0


def rebuilt_marker(terms: dict[int, int], clock: int = 0) -> str:
    """The REJOINING marker's text that `recover-node` writes: the peers whose terms gave the vote floor (peer ->
    its durable term) and the highest clock of their traces after the read."""
    peers = sorted(terms)
    return (f"{_REBUILT}{','.join(map(str, peers))} terms {','.join(str(terms[j]) for j in peers)} "
            f"clock {clock}\n")


def write_marker(marker: Path, text: str) -> None:
    """Put the REJOINING marker in place whole and durably: written in place, a kill between the open and the write
    left an empty marker, a rebuilt node whose trace never showed its Rebuild."""
    replace_synced(marker, text.encode())


class MarkerError(ValueError):
    """A node folder's REJOINING marker is not what `recover-node` writes (one line naming it)."""


def read_marker(marker: Path) -> str | None:
    """The REJOINING marker's text, None when there is none. MarkerError when something else than a file, or a link to
    one, is there, or text `recover-node` and the node never write: a folder there failed the node's start with
    "[Errno 21] Is a directory", and `recover-node` with it only after it had set the node's storage aside, leaving
    the node no log at all; a FIFO there would have held the start for ever, and a link to nothing was no marker,
    so a rebuilt node would have voted. Whether the node is rebuilt cannot be told then: refusing is the safe way."""
    what = not_a_file(marker)
    if what is None:
        return None
    if what:
        raise MarkerError(f"{marker}: {what}, not the rejoining marker `cluster recover-node` writes (a file): "
                          "make it an empty file (the node rejoins), or remove it if the node was never rebuilt")
    try:
        text = read_regular(marker, _MARKER_BYTES + 1).decode()
    except (OSError, UnicodeDecodeError) as exc:
        raise MarkerError(f"{marker}: the rejoining marker cannot be read ({getattr(exc, 'strerror', None) or exc})"
                          ) from None
    if text and (len(text) > _MARKER_BYTES or not (m := _MARKER.fullmatch(text)) or (
            m["terms"] is not None and m["terms"].count(",") != m["peers"].count(","))):
        raise MarkerError(f"{marker}: the rejoining marker holds {text[:40]!r}; `cluster recover-node` writes "
                          f"'{_REBUILT}1,3 terms 4,4 clock 57' (the peers it read, their terms, their traces' clock) "
                          "and the node empties it: make it an empty file")
    return text


def rebuilt_from(text: str | None) -> Rebuilt | None:
    """What a rebuilt node's marker (its text, :func:`read_marker`) says while its trace has not shown the Rebuild
    yet (its boot is then a ``Rebuild`` event, docs/trace-format.md); None: no marker, or an emptied one (a restart
    while rejoining)."""
    m = _MARKER.fullmatch(text) if text else None
    if m is None:
        return None
    peers = tuple(int(x) for x in m["peers"].split(","))
    if m["terms"] is None:
        return Rebuilt(peers)
    return Rebuilt(peers, tuple(int(x) for x in m["terms"].split(",")), int(m["clock"]))


def rebuilt_hard_state(node_id: int, n: int, peer_terms: list[int]) -> HardState:
    """The hard state of a node rebuilt from empty storage in a cluster of ``n``, from the terms in its peers'
    durable storage (ValueError when fewer than ``n - quorum + 1`` peers could be read)."""
    need = n - (n // 2 + 1) + 1
    if len(peer_terms) < need:
        raise ValueError(f"the terms of at least {need} of the {n - 1} other nodes are needed to know which terms "
                         f"node {node_id} may have voted in; {len(peer_terms)} could be read")
    return HardState(max(peer_terms), node_id)  # "already voted" in that term: it can vote from the next one on


class RejoinGate:
    """Filters a rejoining node's incoming messages and tells when it has caught up.

    Caught up means: it has applied a commit index that a leader at least as new as the node's own
    term announced, and the entry there is of that leader's term. A leader commits by counting
    replicas only entries of its own term, so such a commit index covers everything committed
    before (by Leader Completeness for a leader elected since the node's rebuild, by its own count
    for one elected before). A deposed leader of a lower term (which may still send AppendEntries
    while partitioned) cannot set the target: its commit index can be behind what was committed."""

    def __init__(self) -> None:
        self.target = 0  # the highest commit index announced by a leader of a term >= the node's
        self.target_term = 0  # that leader's term

    def admits(self, m: Message, term: int) -> bool:
        """Whether ``m`` may reach the core of a node in ``term`` (vote requests may not, nor a leader's TimeoutNow,
        which would make it campaign; pre-votes may)."""
        if m.type in _VOTE_REQUESTS:
            return False
        if m.term >= term:
            if m.type == MsgType.AppendEntriesRequest and m.commit > self.target:
                self.target, self.target_term = m.commit, m.term
            elif m.type == MsgType.InstallSnapshotRequest and m.index > self.target:
                self.target, self.target_term = m.index, m.term
        return True

    def caught_up(self, node: RaftNode) -> bool:
        """The node holds (and has applied) what was committed when it rejoined."""
        t = self.target
        if not t or node.applied < t:
            return False
        log = node.log
        held = log.term(t) if t >= log.offset else log.offset_term  # compacted away: the snapshot's last term
        return held == self.target_term
