"""Pause Python's cyclic garbage collector while a ledger is read or closed.

Reading or closing a large ledger builds millions of small objects (entries, pool
lines, sums), none of them in a reference cycle, so the collector's repeated passes
over them free nothing and cost time: about a seventh of a 1,000,000-line read and
close (docs/benchmarks.md#where-it-stands-a-close-at-scale).  Memory is still freed
by reference counting as it always is.  The collector's state is put back
afterwards, also on an error; a pause inside a pause leaves it to the outer one.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector in the block; restore its state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
