"""The cyclic garbage collector paused while the audit reads, decodes and searches a trace."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic collector (re-enabled after, if it was on).

    The audit's objects (events, decoded fields, spec states) form no reference cycles, so
    reference counting frees them all; but with tens of thousands of events alive, every full
    collection walks them all for nothing: a third of an offline audit's time.

    On the way out, what the block made (all of it young, so the first collection after would walk
    it all: 8% of an offline audit) joins the oldest generation without that walk: ``gc.freeze()``
    then ``gc.unfreeze()``, two list splices in CPython.  A cycle among those objects, if there
    were one, is still found, by the next full collection.  (Not done when something else froze
    objects: unfreezing would release theirs.)
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
