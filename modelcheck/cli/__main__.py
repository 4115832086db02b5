"""``python -m modelcheck.cli``: the ``paxraft`` command."""

from modelcheck.cli.main import run

run()
