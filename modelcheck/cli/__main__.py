"""``python -m modelcheck.cli``: the ``paxraft`` command."""

import sys

from modelcheck.cli.main import main

sys.exit(main())
