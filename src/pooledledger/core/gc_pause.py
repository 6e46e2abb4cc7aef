"""Pause Python's cyclic garbage collector while a ledger is read or closed.

Reading or closing a large ledger builds millions of small objects (entries, pool
lines, sums), none of them in a reference cycle, so the collector's repeated passes
over them free nothing and cost time: about a seventh of a 1,000,000-line read and
close (docs/benchmarks.md#where-it-stands-a-close-at-scale).  Memory is still freed
by reference counting as it always is.  The collector's state is put back
afterwards, also on an error; a pause inside a pause leaves it to the outer one.

When the collector is switched back on, the objects made in the pause (hundreds of
thousands of lines and sums for a 10,000-line close) would all be young, and its
next run would walk every one of them, only to keep them all: about 30 ms of such
a close.  :func:`promote_young` moves them straight to the oldest generation
instead, as if they had survived those runs; a cycle among them, if any, is freed
by the next full collection.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused", "promote_young"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector in the block; restore its state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            promote_young()
            gc.enable()


def promote_young() -> None:
    """Move every object the collector tracks to its oldest generation, without a
    run over them (:func:`gc.freeze` then :func:`gc.unfreeze`: two list moves).

    Left alone if the program has frozen objects itself (e.g. before forking, to
    keep pages shared): unfreezing would undo that.
    """
    if not gc.get_freeze_count():
        gc.freeze()
        gc.unfreeze()
