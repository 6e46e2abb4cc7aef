"""How a :class:`~pooledledger.books.ledger.Ledger` puts its entries and their issues in
canonical order when it is built (layer L2)."""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, TypeAlias

from pooledledger.books.entry_order import REVERSIBLE, Target, target_of
from pooledledger.books.entry_order import canonical as _canonical
from pooledledger.books.entry_order import sort_key as _sort_key
from pooledledger.core.errors import Issue
from pooledledger.model.entries import Entry, Reversal

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


#: What gives the kind and date of lines held in columns, by id, with no entry made
#: (:meth:`pooledledger.books.line_store.LineStore.targets`).
HeldTargets: TypeAlias = Callable[[Collection[str]], Mapping[str, Target]]


def reversal_targets(
    names: set[str], by_id: Mapping[str, Entry], held: HeldTargets | None
) -> dict[str, Target]:
    """The kind and date of each entry named in ``names`` that there is: from its
    entry in ``by_id``, else (a line held in columns) from ``held``."""
    targets = {i: target_of(e) for i in names if (e := by_id.get(i)) is not None}
    if held is not None and len(targets) < len(names):
        targets.update(held(names - targets.keys()))
    return targets


def reversal_problem(
    by_id: Mapping[str, Entry], held: HeldTargets | None = None
) -> tuple[str, str] | None:
    """What is wrong with the first reversal of ``by_id`` (in their order) that does
    not reverse one earlier expenditure, income or year-closed entry, once: the
    message and the reversal's id; or None.  ``held`` looks up the entries named
    that are not in ``by_id``."""
    reversals = [e for e in by_id.values() if isinstance(e, Reversal)]
    targets = reversal_targets({e.reverses for e in reversals}, by_id, held)
    reversed_ids: set[str] = set()
    for entry in reversals:
        target = targets.get(entry.reverses)
        if target is None or target[0] not in REVERSIBLE:
            return (
                f"reversal {entry.id!r} reverses {entry.reverses!r}, which is not an "
                "expenditure, income or year-closed entry in this ledger",
                entry.id,
            )
        if entry.date < target[1]:
            return (
                f"reversal {entry.id!r} is dated {entry.date}, before the entry it "
                f"reverses ({target[1]})",
                entry.id,
            )
        if entry.reverses in reversed_ids:
            return f"{entry.reverses!r} is reversed more than once", entry.id
        reversed_ids.add(entry.reverses)
    return None
