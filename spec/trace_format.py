"""The paxraft trace format's vocabulary (docs/trace-format.md), stated once.

The implementation's tracer, the tracer kit (``impl.trace``), the PySyncObj tracer, the audit's
reader and mapping and the documentation's tests all take the format name, the versions, the
event and message fields, the action names and the observation model from here.  It lives in
``spec`` because it is raft.tla's vocabulary (action, variable and message field names), and
``impl`` may import ``spec`` only.
"""

from __future__ import annotations

from typing import Any

# A trace reader's type check: ALL_INT(map(type, xs)) says every x is exactly an int (not a bool, not a float).
ALL_INT = frozenset({int}).issuperset

FORMAT = "paxraft-trace"
VERSION = 2  #: what writers write
#: the first bytes of a compact trace file (our store's nodes' trace.bin; impl/trace.py reads it as JSON lines)
COMPACT_MAGIC = b"PXRTRC1\n"
#: the first bytes of a compressed continuation segment of one (trace.000002.bin.z: impl/tracezip.py)
COMPRESSED_MAGIC = b"PXRTRCZ\n"


def given_compressed(name: str) -> str:
    """What a reader says of a compressed segment given as a trace file (it said 'not UTF-8 text')."""
    return (f"{name}: a compressed segment of a node's compact trace, not a trace file: give the trace's first "
            "segment (trace.bin in the node's folder); the segments after it are read in order, compressed or not")
READ_VERSIONS = (1, 2)  #: what readers accept

#: header fields: required ones first
HEADER_REQUIRED = ("format", "version", "node")
HEADER_OPTIONAL = ("nodes", "spec", "implementation", "term_offset", "members")

#: the fields of an event line; ``recv`` may be absent, ``params`` and ``sent`` default to empty
EVENT_FIELDS = ("node", "clock", "action", "params", "recv", "sent", "state")

# -- the observation model: which of a node's variables an event must report -------------------
#: reported after every step, compared exactly
STATE_REQUIRED = ("currentTerm", "state", "votedFor", "log", "commitIndex")
#: reported when the implementation has them, for the role named; when absent, the audit keeps
#: every value the spec allows (it does not compare with a default)
STATE_OPTIONAL = {"nextIndex": "Leader", "matchIndex": "Leader", "votesResponded": "Candidate",
                  "votesGranted": "Candidate"}
ROLES = ("Follower", "Candidate", "Leader")

# -- actions ---------------------------------------------------------------------------------
#: raft.tla's actions (and the two pseudo-steps Init and Restart)
RAFT_ACTIONS = (
    "Init", "Restart", "Timeout", "RequestVote", "HandleRequestVoteRequest", "HandleRequestVoteResponse",
    "BecomeLeader", "ClientRequest", "AppendEntries", "HandleAppendEntriesRequest",
    "HandleAppendEntriesResponse", "AdvanceCommitIndex", "UpdateTerm", "DropStaleResponse",
)
#: steps raft.tla does not have, with whether the audit treats them as stuttering steps
EXTENSION_ACTIONS = {
    "PreVote": True, "HandlePreVoteRequest": True, "HandlePreVoteResponse": True, "DropMessage": True,
    "ReadIndex": True, "TransferLeadership": True, "CheckQuorum": False, "CandidateStepDown": False,
    "CompactLog": True, "InstallSnapshot": True, "HandleInstallSnapshotRequest": False,
    "AddServer": False, "RemoveServer": False, "StepDownRemoved": False, "Rebuild": False,
    "CaughtUp": False,
}
#: each action's parameters (docs/trace-format.md's params columns): an event that gives another is refused
ACTION_PARAMS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("Init", "Restart", "BecomeLeader", "AdvanceCommitIndex", "PreVote", "CheckQuorum",
                     "CandidateStepDown", "StepDownRemoved", "CaughtUp"), ()),
    **dict.fromkeys(("Timeout", "RequestVote", "HandleRequestVoteRequest", "HandleRequestVoteResponse", "AppendEntries",
                     "HandleAppendEntriesResponse", "UpdateTerm", "DropStaleResponse", "HandlePreVoteRequest",
                     "HandlePreVoteResponse", "DropMessage", "TransferLeadership", "InstallSnapshot",
                     "HandleInstallSnapshotRequest", "AddServer", "RemoveServer"), ("j",)),
    "HandleAppendEntriesRequest": ("j", "case"), "ClientRequest": ("v",), "ReadIndex": ("index",),
    "CompactLog": ("index",), "Rebuild": ("peers", "terms"),
}
#: the parameters an event of the action must give: the audit cannot read them off its message (a handler's
#: and AppendEntries's ``j`` it can), nor search over them
REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("RequestVote", "TransferLeadership", "InstallSnapshot", "AddServer", "RemoveServer"), ("j",)),
    "HandleAppendEntriesRequest": ("case",), "ClientRequest": ("v",), "CompactLog": ("index",), "Rebuild": ("peers",),
}
#: the events a boot starts with (the first after a header): Rebuild is the boot of a node rebuilt from empty
#: storage (``cluster recover-node``)
BOOT_ACTIONS = ("Init", "Restart", "Rebuild")
#: the cases of HandleAppendEntriesRequest
APPEND_CASES = ("reject", "return-to-follower", "accept")

# -- messages --------------------------------------------------------------------------------
MESSAGE_HEAD = ("id", "clock", "type", "msource", "mdest", "mterm")
MESSAGE_FIELDS = {
    "RequestVoteRequest": ("mlastLogTerm", "mlastLogIndex"),
    "RequestVoteResponse": ("mvoteGranted",),
    "AppendEntriesRequest": ("mprevLogIndex", "mprevLogTerm", "mentries", "mcommitIndex"),
    "AppendEntriesResponse": ("msuccess", "mmatchIndex"),
    "PreVoteRequest": ("mlastLogTerm", "mlastLogIndex"),
    "PreVoteResponse": ("mvoteGranted",),
    "TimeoutNow": (),
    "InstallSnapshotRequest": ("msnapshotIndex", "msnapshotTerm"),
}
#: optional message fields (hints; never required)
MESSAGE_EXTRA = {"AppendEntriesRequest": ("mcontext",),
                 "AppendEntriesResponse": ("mhintIndex", "mhintTerm", "mrejectIndex", "mcontext")}

# -- the term offset -----------------------------------------------------------------------------
#: message fields holding a term, each with the index field whose 0 means "no entry, term 0"
#: (a term there is not shifted: an empty log's last term is 0 whatever the offset)
MESSAGE_TERMS = {"mterm": None, "mprevLogTerm": "mprevLogIndex", "mlastLogTerm": "mlastLogIndex",
                 "mhintTerm": "mhintTerm", "msnapshotTerm": "msnapshotIndex"}


def shift_message(m: dict[str, Any], offset: int) -> dict[str, Any]:
    """A message with ``offset`` added to every term it holds (entry terms included), raft.tla's numbering."""
    out = dict(m)
    for f, guard in MESSAGE_TERMS.items():
        if f in out and isinstance(out[f], int) and (guard is None or out.get(guard)):
            out[f] += offset
    if isinstance(out.get("mentries"), list):
        out["mentries"] = [[e[0] + offset, *e[1:]] if isinstance(e, list) and e and isinstance(e[0], int) else e
                           for e in out["mentries"]]
    return out


def shift_state(st: dict[str, Any], offset: int) -> dict[str, Any]:
    """A state with ``offset`` added to ``currentTerm``, every log entry's term and the snapshot's term."""
    out = dict(st)
    if isinstance(out.get("currentTerm"), int):
        out["currentTerm"] += offset
    lj = out.get("log")
    if isinstance(lj, dict):
        lj = dict(lj)
        if isinstance(lj.get("entries"), list):
            lj["entries"] = [[e[0] + offset, *e[1:]] if isinstance(e, list) and e and isinstance(e[0], int) else e
                             for e in lj["entries"]]
        snap = lj.get("snapshot")
        if isinstance(snap, list) and len(snap) == 2 and isinstance(snap[1], int) and snap[0]:
            lj["snapshot"] = [snap[0], snap[1] + offset]
        out["log"] = lj
    return out
