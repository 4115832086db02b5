"""Raft in Z3: ``encoding`` (raft.tla under an abstraction, and ElectionSafety's inductive
invariant), ``instance`` and ``conformance`` (the encoding against the explored spec), ``cti``,
the bounded model checker (``bmc``, ``bmc_encoding``, its per-variant subclasses ``bmc_variants``
and ``bmc_conformance``) and the two sub-command parts (``cmd_prove``, ``cmd_bmc``)."""

from __future__ import annotations

from proofs.raft.encoding import RaftEncoding

__all__ = ["RaftEncoding"]
