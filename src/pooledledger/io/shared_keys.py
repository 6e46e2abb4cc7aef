"""Field dictionaries that share their keys, for entries made without validation
(layer L5; docs/benchmarks.md#fifth-round-6-december-memory-and-the-order-of-walks)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["shared_keys"]


def shared_keys(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as a dict whose copies hold only their values where CPython can:
    about 250 bytes an entry less than a dict of its own (docs/benchmarks.md).

    The attributes of an instance, set one by one, go in a dict that shares its keys
    with the other instances of its class, and so do the copies of that dict while
    only those keys are set.  The class is a private one for each layout of keys,
    so nothing else shapes its keys.  Where sharing cannot be (another Python), the
    dict is an ordinary one with the same keys and values: only its size differs.
    """
    layout = tuple(values)
    holder = _HOLDERS.get(layout)
    if holder is None:
        holder = _HOLDERS[layout] = type("_SharedKeys", (), {"__slots__": ("__dict__",)})
        # CPython sizes each new instance's values for the keys still free to add,
        # one fewer each time: a few instances first, so the copies hold no spare room
        size = None
        for _ in range(64):
            last, size = size, sys.getsizeof(_filled(holder, values))
            if size == last:
                break
    shared = _filled(holder, values)
    return shared if tuple(shared) == layout else dict(values)


def _filled(holder: type, values: dict[str, Any]) -> dict[str, Any]:
    """The ``__dict__`` of a new ``holder`` with ``values`` set one by one."""
    proto = holder()
    for name, value in values.items():
        setattr(proto, name, value)
    shared: dict[str, Any] = proto.__dict__
    return shared


#: The class whose instances share the keys of each layout (see :func:`_shared_keys`).
_HOLDERS: dict[tuple[str, ...], type] = {}
