"""The ``paxraft`` command line, the top layer: ``main`` dispatches to one ``cmd_*`` module per
sub-command; ``common`` holds ``UsageError`` and the helpers the commands share."""

from __future__ import annotations

from modelcheck.cli.common import UsageError
from modelcheck.cli.main import main, run

__all__ = ["main", "run", "UsageError"]
