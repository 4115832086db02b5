"""``python -m modelcheck.cli``: the ``paxraft`` command, as its entry point runs it (paxraft.run)."""

from paxraft import run

run()
