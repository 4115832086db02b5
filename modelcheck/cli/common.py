"""What every ``paxraft`` sub-command shares, wherever it lives (modelcheck, impl, proofs).

This module is the one piece of the command-line layer that lower layers may import: it
imports nothing of ours beyond ``spec``.
"""

from __future__ import annotations


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""
