"""Linearizability of client histories: Porcupine's checker, a key-value model, an HTML time line."""

from __future__ import annotations

from modelcheck.linearizability.checker import (
    ILLEGAL,
    OK,
    LinearizabilityResult,
    PartitionResult,
    check_operations,
    check_partition,
)
from modelcheck.linearizability.history import HistoryError, HistoryRecorder, read_history, write_history
from modelcheck.linearizability.model import UNKNOWN, Model, Operation, kv_model
from modelcheck.linearizability.visualize import render_html, write_html

__all__ = [
    "ILLEGAL",
    "OK",
    "UNKNOWN",
    "HistoryError",
    "HistoryRecorder",
    "LinearizabilityResult",
    "Model",
    "Operation",
    "PartitionResult",
    "check_operations",
    "check_partition",
    "kv_model",
    "read_history",
    "render_html",
    "write_history",
    "write_html",
]
