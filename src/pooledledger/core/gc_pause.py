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
a close.  Inside :func:`promoting` (the command line, which owns its process and
ends soon), :func:`promote_young` moves them straight to the oldest generation
instead, as if they had survived those runs.  Elsewhere (a program using the
library) a pause does not: it would move the program's own young objects too,
and a cycle among them would wait for a full collection, which counts only the
objects that survived the young runs and so may never come.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["gc_paused", "promote_young", "promoting"]

#: Whether a pause ends by promoting what is young (see :func:`promoting`).
_PROMOTE: ContextVar[bool] = ContextVar("pooledledger_gc_promote", default=False)


@contextlib.contextmanager
def promoting() -> Iterator[None]:
    """In the block, a pause ends with :func:`promote_young`: only for a program
    that owns its process, as the command line does."""
    token = _PROMOTE.set(True)
    try:
        yield
    finally:
        _PROMOTE.reset(token)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector in the block; restore its state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if _PROMOTE.get():
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
