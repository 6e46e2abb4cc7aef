"""How a :class:`~pooledledger.books.ledger.Ledger` puts its entries and their issues in
canonical order when it is built (layer L2)."""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pooledledger.books.entry_order import canonical as _canonical
from pooledledger.books.entry_order import sort_key as _sort_key
from pooledledger.core.errors import Issue
from pooledledger.model.entries import Entry

if TYPE_CHECKING:
    from pooledledger.books.ledger import Ledger

__all__: list[str] = []


def _in_order(found: list[tuple[int, Issue]], by_id: Mapping[str, Entry]) -> None:
    """Sort entry-level issues by check, then by the canonical order of their entries."""
    if found:
        named = {issue.location.entry_id or "" for _, issue in found}
        rank_of = {i: _sort_key(by_id[i]) for i in named}
        found.sort(key=lambda pair: (pair[0], rank_of[pair[1].location.entry_id or ""]))


def _same(a: tuple[Entry, ...], b: tuple[Entry, ...]) -> bool:
    """The same entry objects, in the same order."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _ordered(
    by_id: Mapping[str, Entry], base: Ledger | None
) -> tuple[tuple[Entry, ...], list[Entry]]:
    """The entries in canonical order, and those not taken over unchanged from ``base``
    (all of them without a base), also in canonical order.  The base's entries are in
    canonical order already, so only the new ones are sorted in."""
    if base is None:
        ordered = tuple(_canonical(by_id.values()))
        return ordered, list(ordered)
    known = base._by_id
    kept = [e for e in base.entries if by_id.get(e.id) is e]
    fresh = sorted((e for e in by_id.values() if known.get(e.id) is not e), key=_sort_key)
    if len(fresh) > _INSERT_AT_MOST:
        return tuple(_canonical(by_id.values())), fresh
    for e in fresh:
        insort(kept, e, key=_sort_key)
    return tuple(kept), fresh


#: New entries inserted one by one into a base's order; more are sorted with it.
_INSERT_AT_MOST = 64
