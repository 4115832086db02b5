"""The cyclic garbage collector, paused while a search (or an audit) runs."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PYPY = sys.implementation.name == "pypy"


@contextmanager
def gc_paused(promote: bool = False) -> Iterator[None]:
    """Pause the cyclic collector for the block (and restore it after, however the block ends).

    States are acyclic values (ints, tuples, frozensets), freed by reference counting; a search
    holds millions of them, which the collector would only rescan again and again: 10-15% of a
    search's CPU time, for nothing.

    ``promote``: on the way out, what the block made (all of it young, so the first collection after
    would walk it all: 8% of an offline audit) joins the oldest generation without that walk:
    ``gc.freeze()`` then ``gc.unfreeze()``, two list splices in CPython. A cycle among those
    objects, if there were one, is still found, by the next full collection. (Not done when
    something else froze objects: unfreezing would release theirs.)
    """
    if PYPY:  # gc.disable() stops PyPy's major collections: nothing dead is freed (PaxosCommit 3.7 GB, not 1.5)
        yield
        return
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if promote and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
