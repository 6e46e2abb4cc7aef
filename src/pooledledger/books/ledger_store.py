"""A ledger's checks of the lines a reader holds in columns (layer L2).

A :class:`~pooledledger.books.line_store.LineStore` keeps a file's expenditure and
income lines as columns, their entries not made.  The entry-level checks of
:mod:`pooledledger.model.entry_checks` look at one line at a time, each with a test
a column expression can make: here those tests find, in one pass over the columns,
every line that any check could report (:func:`suspects`), and only those lines'
entries are made and checked, by the same checks as any other entry.  The issues
are therefore the same, in the same order, as if every entry had been made
(docs/benchmarks.md#sixth-round-6-december-night-the-floor-of-one-object-per-line-and-lines-held-in-columns).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Collection, Mapping
from datetime import date
from typing import TYPE_CHECKING

from pooledledger.books.entry_order import KIND_RANK, sort_key
from pooledledger.books.ledger_build import _in_order
from pooledledger.core.errors import Issue
from pooledledger.model.entries import Entry
from pooledledger.model.entry_checks import SUPPORTED_DATES

if TYPE_CHECKING:
    import polars

    from pooledledger.books.line_store import LineStore
    from pooledledger.model.agreement import Agreement

__all__ = [
    "held_in_order",
    "stored_apart",
    "stored_issues",
    "stored_lines",
    "stored_pairs",
    "suspects",
]

EntryIssues = Callable[
    ["Agreement", list[Entry], Callable[[str], Entry | None]], list[tuple[int, Issue]]
]


def stored_apart(store: LineStore, by_id: Mapping[str, Entry]) -> bool:
    """Whether the stored lines' ids are distinct and none is an id of ``by_id``."""
    ids = store.frame["id"]
    if ids.n_unique() != len(ids):
        return False
    return not by_id or not ids.is_in(list(by_id)).any()


def suspects(frame: polars.DataFrame, agreement: Agreement) -> list[int]:
    """The places of the lines any entry-level check could report: an unknown scheme
    or partner, a date outside the term or the supported range, a category the
    scheme does not permit, a capital item with no owner, a sign to warn about.
    Every line one of them reports is here (the tests are the checks' own)."""
    import polars as pl

    lines = sorted(agreement.scheme_ids)
    partners = list(agreement.partner_order)
    lo = max(SUPPORTED_DATES.start, agreement.term.start)
    hi = min(SUPPORTED_DATES.end, agreement.term.end)
    spending = pl.col("kind") == KIND_RANK["expenditure"]
    scheme, date, pence = pl.col("scheme"), pl.col("date"), pl.col("pence")
    procurer, paid_by, category = (
        pl.col("procuring_partner"),
        pl.col("paid_by"),
        pl.col("category"),
    )
    tests = [
        ~scheme.is_in(lines),
        (date < lo) | (date >= hi),
        spending & procurer.is_not_null() & ~procurer.is_in(partners),
        spending & paid_by.is_not_null() & ~paid_by.is_in(partners),
        spending & pl.col("capital") & procurer.is_null(),
        spending & (pence > 0) & (pl.col("vat") < 0),
        ~spending & (pence < 0),
    ]
    for s in agreement.schemes:
        if s.permitted_categories:
            allowed = sorted(s.permitted_categories)
            tests.append(spending & (scheme == s.id) & ~category.is_in(allowed))
    # a test that cannot be told (a missing value) counts as a suspect
    flagged = pl.any_horizontal([t.fill_null(True) for t in tests])
    found = frame.select(flagged.arg_true())
    return found.to_series().to_list()


def stored_issues(
    agreement: Agreement,
    by_id: Mapping[str, Entry],
    store: LineStore,
    entry_issues: EntryIssues,
) -> list[tuple[int, Issue]]:
    """The entry-level issues of the entries ``by_id`` and of the stored lines, each
    with its check's place, in check order and then canonical order.  A stored line
    a reversal names is made only if the check asks for it (a reversal outside the
    agreement's term)."""
    made = {e.id: e for _, e in store.entries_at(suspects(store.frame, agreement))}
    lookup = ChainMap(dict(by_id), made)

    def original(entry_id: str) -> Entry | None:
        found = lookup.get(entry_id)
        return store.get(entry_id) if found is None else found

    found = entry_issues(agreement, [*by_id.values(), *made.values()], original)
    _in_order(found, lookup)
    return found


def stored_lines(store: LineStore, *, procured_in: Collection[str]) -> list[Entry]:
    """The stored expenditure lines a partner procured in one of the schemes
    ``procured_in``, made (the lines PL-LED-006 looks at)."""
    import polars as pl

    wanted = (
        (pl.col("kind") == KIND_RANK["expenditure"])
        & pl.col("procuring_partner").is_not_null()
        & (pl.col("procuring_partner") != "")
        & pl.col("scheme").is_in(sorted(procured_in))
    )
    places = store.frame.select(wanted.fill_null(True).arg_true()).to_series().to_list()
    return [e for _, e in store.entries_at(places)]


def stored_pairs(store: LineStore) -> set[tuple[date, str]]:
    """Each (date, scheme) of the stored lines."""
    pairs = store.frame.select("date", "scheme").unique()
    return set(zip(pairs["date"].to_list(), pairs["scheme"].to_list(), strict=True))


def held_in_order(made: list[Entry], store: LineStore) -> tuple[list[Entry], tuple[Entry, ...]]:
    """The stored lines' entries (made now, in the store's order), and those and
    ``made`` in canonical order, found by :meth:`LineStore.canonical`."""
    stored = store.entries()
    order = store.canonical([sort_key(e) for e in made]).to_list()
    everything = stored + made
    return stored, tuple(map(everything.__getitem__, order))
