"""What a run leaves behind for people and tools: Graphviz pictures (``render``), ITF JSON traces
that can be replayed (``itf``), and the set of files written for a counterexample (``artifacts``)."""

from __future__ import annotations

from modelcheck.output.dot import write_dot
from modelcheck.output.itf import assert_replays, read_itf, write_itf
from modelcheck.output.render import graph_dot, msc_dot, table_dot

__all__ = ["assert_replays", "read_itf", "write_itf", "graph_dot", "msc_dot", "table_dot", "write_dot"]
