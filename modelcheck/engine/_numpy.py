"""numpy for the parallel engine (:mod:`modelcheck.engine.search`, :mod:`modelcheck.engine._store`), loaded
without BLAS threads.

The engine sorts, searches and concatenates integer arrays and never calls BLAS, but OpenBLAS starts
a thread per core when numpy loads: on 2 cores that made ``import numpy`` ~45 ms slower and
``paxraft check --workers 2`` start ~65 ms later (its serial start-up, before any worker runs). A
setting of the user's (or numpy loaded earlier by the program) is left alone.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the setting, which OpenBLAS reads when it loads)

__all__ = ["np"]
