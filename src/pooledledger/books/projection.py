"""A ledger less some of its entries plus a few new lines, made without starting over.

A quarterly projection (docs/reports.md#the-quarterly-monitoring-report) closes a
copy of a ledger without the lines after the quarter plus one forecast line per
scheme.  :func:`ledger_without` makes that copy as
``Ledger._derived(agreement, kept + added, base, gate=False)`` would, but from what
the base ledger already holds (docs/ledger.md#the-gate): its entries are in canonical
order already and were checked when posted, so only the new lines are sorted in and
checked, and the base's entry issues for the entries kept are taken over.

It is a separate function, not part of :class:`~pooledledger.books.ledger.Ledger`'s
own construction, so that construction stays the one path for entries from outside.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterator, Mapping, Sequence, Set
from itertools import compress

from pooledledger.books.entry_order import sort_key
from pooledledger.books.ledger import Ledger, _in_order
from pooledledger.books.ledger import _entry_issues as _fresh_issues
from pooledledger.books.line_sums import reversals_of
from pooledledger.core.errors import Issue
from pooledledger.model.entries import (
    Contribution,
    Entry,
    Expenditure,
    Income,
    Instalment,
    YearClosed,
)

__all__ = ["ledger_without", "reversal_closed"]


def ledger_without(base: Ledger, removed: Set[str], added: Sequence[Entry]) -> Ledger:
    """The base's entries whose ids are not in ``removed``, plus ``added``, as an
    unchecked (``gate=False``) ledger the library derives itself.

    The caller vouches that ``removed`` names no contribution or instalment and every
    reversal of an entry it names, and that ``added`` are expenditure and income lines
    whose ids no entry kept has: so what is kept is a valid ledger's entries closed
    under reversal (the reversal checks hold without walking them again), and the
    contributions (hence the VAT weights) are the base's.

    The entries by id are a view of the base's (:class:`_Without`), and the entries
    in canonical order are made only when first read: a quarterly projection, whose
    sums are seeded from the base's, never reads them.
    """
    assert all(isinstance(e, Expenditure | Income) for e in added)
    removed = frozenset(removed)
    # a base holding lines in columns is looked up there, its entries not made
    ids: Mapping[str, Entry] = _Ids(base) if base._held()[1] is not None else base._by_id
    by_id = _Without(ids, removed, {e.id: e for e in added})
    assert not any(e.id in ids and e.id not in removed for e in added)
    fresh = sorted(added, key=sort_key)
    ledger = _Projection.__new__(_Projection)
    ledger.agreement = base.agreement
    ledger._checked = None
    ledger._entry_issues = _entry_issues(base, by_id, fresh)
    ledger._all = by_id  # type: ignore[assignment]
    ledger._store = None
    ledger._entries = None
    ledger._vat_weights = {}
    ledger._ordered = (base, removed, fresh)
    lines = base.__dict__.get("pool_lines")
    ledger._reuse = None if lines is None else (lines, base.contributions(), fresh)
    # the contributions and instalments are the base's; its markers less those removed
    ledger.__dict__["_by_type"] = {
        Contribution: base._by_type[Contribution],
        Instalment: base._by_type[Instalment],
        YearClosed: tuple(e for e in base._by_type[YearClosed] if e.id not in removed),
    }
    return ledger


class _Projection(Ledger):
    """A ledger made by :func:`ledger_without`: its entries in canonical order are
    made from the base's when first read, then kept."""

    __slots__ = ("_ordered",)

    _ordered: tuple[Ledger, frozenset[str], list[Entry]]

    @property
    def entries(self) -> tuple[Entry, ...]:
        made = self._entries
        if made is None:
            base, removed, fresh = self._ordered
            kept = _kept(base, removed)
            for e in fresh:
                insort(kept, e, key=sort_key)
            made = self._entries = tuple(kept)
        return made


class _Ids(Mapping[str, Entry]):
    """A ledger's entries by id, looked up with :meth:`Ledger.get_or_none`: the lines it
    holds in columns are made only when looked up (or all, if iterated)."""

    __slots__ = ("_ledger",)

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def __getitem__(self, key: str) -> Entry:
        found = self._ledger.get_or_none(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._ledger

    def __iter__(self) -> Iterator[str]:
        return iter(self._ledger._by_id)

    def __len__(self) -> int:
        return len(self._ledger)


class _Without(Mapping[str, Entry]):
    """The entries of ``base`` (by id) less ``removed``, plus ``added``: a view."""

    __slots__ = ("_added", "_base", "_removed")

    def __init__(
        self, base: Mapping[str, Entry], removed: frozenset[str], added: dict[str, Entry]
    ) -> None:
        self._base, self._removed, self._added = base, removed, added

    def __getitem__(self, key: str) -> Entry:
        found = self._added.get(key)
        if found is not None:
            return found
        if key in self._removed:
            raise KeyError(key)
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        return key in self._added or (key not in self._removed and key in self._base)

    def __iter__(self) -> Iterator[str]:
        removed = self._removed
        yield from (k for k in self._base if k not in removed)
        yield from self._added

    def __len__(self) -> int:
        base = self._base
        gone = sum(1 for k in self._removed if k in base)
        return len(base) - gone + len(self._added)


def _kept(base: Ledger, removed: Set[str]) -> list[Entry]:
    """The base's entries less those in ``removed``, in order (found by their places:
    a quarter's projection removes most of a year's lines)."""
    at = _places(base)
    keep = bytearray(b"\x01") * len(base.entries)
    for i in removed:
        p = at.get(i)
        if p is not None:
            keep[p] = 0
    return list(compress(base.entries, keep))


def _places(base: Ledger) -> dict[str, int]:
    """Each entry's place in the base's canonical order, made once per ledger."""
    memo = base._memo
    at = memo.get(_places)
    if at is None:
        at = memo[_places] = {e.id: i for i, e in enumerate(base.entries)}
    return at  # type: ignore[return-value]


def _entry_issues(
    base: Ledger, by_id: Mapping[str, Entry], fresh: list[Entry]
) -> tuple[tuple[int, Issue], ...]:
    """The entry-level issues of the new entries, then the base's for the entries kept,
    in check order and canonical entry order (as :meth:`Ledger._build` orders them)."""
    found = _fresh_issues(base.agreement, fresh, by_id.get)
    _in_order(found, by_id)
    if base._entry_issues:
        found += [pair for pair in base._entry_issues if pair[1].location.entry_id in by_id]
        _in_order(found, by_id)
    return tuple(found)


def reversal_closed(base: Ledger, dropped: Set[str]) -> set[str]:
    """``dropped`` with every reversal of an entry in it (a ledger reverses an entry
    at most once, so one look-up each)."""
    reversal = reversals_of(base)
    closed = set(dropped)
    if len(reversal) < len(closed):  # the fewer looked up: the reversals, or the ids
        closed.update(r for i, r in reversal.items() if i in dropped)
    else:
        closed.update(reversal[i] for i in dropped if i in reversal)
    return closed
