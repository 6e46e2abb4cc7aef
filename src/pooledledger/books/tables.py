"""Tidy tables of a ledger, an apportionment and journals (layer L2).

Each function turns a result into a :class:`~pooledledger.core.tables.Table`; nothing
here does I/O and nothing is rounded (docs/excel-and-dataframes.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from itertools import chain
from typing import TYPE_CHECKING, Any

from pooledledger.books.apportion import Apportionment
from pooledledger.books.apportion_frame import LINE_FIELDS, LineFrame
from pooledledger.books.journals import ACCOUNT_LABELS, Journal
from pooledledger.books.ledger import Ledger
from pooledledger.books.ledger_columns import LEDGER_FIELDS, ledger_fields
from pooledledger.core.money import pence_to_decimal
from pooledledger.core.tables import (
    AMOUNT_COLUMNS,
    CURRENCY,
    CURRENCY_COLUMN,
    WHOLE_LIMIT,
    Cell,
    Column,
    FrameChunks,
    Row,
    Table,
    column_rows,
    gather_rows,
    make_table,
    money_columns,
    raw_polars_type,
)
from pooledledger.model.partners import PartnerId

if TYPE_CHECKING:
    import polars

__all__ = [
    "APPORTIONMENT_COLUMNS",
    "JOURNAL_COLUMNS",
    "LEDGER_COLUMNS",
    "apportionment_chunks",
    "apportionment_table",
    "journal_table",
    "ledger_chunks",
    "ledger_table",
]

# -- ledger ------------------------------------------------------------------------

LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("entry_id", "str"),
    Column("entry", "str"),
    Column("date", "date"),
    Column("year", "str"),
    Column("scheme", "str", nullable=True),
    Column("partner", "str", nullable=True),
    Column("kind", "str", nullable=True),
    Column("party", "str", nullable=True),
    Column("category", "str", nullable=True),
    Column("description", "str", nullable=True),
    Column("reverses", "str", nullable=True),
    Column("capital", "bool"),
    *AMOUNT_COLUMNS,
    *money_columns("vat"),
    *money_columns("recoverable_vat"),
    *money_columns("pool_cost"),
    CURRENCY_COLUMN,
)


def ledger_table(ledger: Ledger) -> Table:
    """One row per entry of ``ledger``, in canonical order.

    ``pence`` is the entry's face amount (net for an expenditure); ``vat_pence``,
    ``recoverable_vat_pence`` and ``pool_cost_pence`` (net plus irrecoverable VAT,
    I-13) are set for expenditure and are 0 otherwise.  A reversal's row is the row
    of the entry it reverses, negated.  ``kind`` is a contribution's kind.
    """
    return make_table("ledger", LEDGER_COLUMNS, list(ledger_rows(ledger)))


def ledger_rows(ledger: Ledger) -> Iterator[Row]:
    """The rows of :func:`ledger_table`, one at a time, from :func:`ledger_columns`."""
    return column_rows(LEDGER_COLUMNS, ledger_columns(ledger))


def ledger_columns(ledger: Ledger) -> dict[str, list[Cell]]:
    """:func:`ledger_table` column by column (:data:`~pooledledger.core.tables.ColumnData`:
    each amount column is the list of its pence twin), with no ``dict`` per row
    (:mod:`pooledledger.books.ledger_columns`)."""
    fields = ledger_fields(ledger)
    return _with_money_and_currency(LEDGER_COLUMNS, fields, len(fields["entry_id"]))


def ledger_frame(ledger: Ledger) -> polars.DataFrame | None:
    """:func:`ledger_columns` as a polars frame of raw columns (:func:`raw_frame`), made
    with no Python object per line, when the ledger holds lines in columns (a large
    CSV file's, docs/csv-import.md#speed); else ``None``."""
    from pooledledger.books.ledger_held import held_frame

    fields = held_frame(ledger, LEDGER_FIELDS)
    return None if fields is None else raw_frame(LEDGER_COLUMNS, fields)


def ledger_chunks(ledger: Ledger) -> FrameChunks | None:
    """:func:`ledger_frame` as :data:`FRAME_ROWS` rows at a time, each slice gathered
    into canonical order when the writer reaches it (the whole ordered table is never
    made); ``None`` as for :func:`ledger_frame`."""
    from pooledledger.books.ledger_held import held_parts

    parts = held_parts(ledger, LEDGER_FIELDS)
    if parts is None:
        return None

    fields, order = parts

    def chunks() -> Iterator[polars.DataFrame]:
        for lo in range(0, max(len(order), 1), FRAME_ROWS):
            yield raw_frame(LEDGER_COLUMNS, gather_rows(fields, order.slice(lo, FRAME_ROWS)))

    return FrameChunks(chunks)


#: Rows of a line-level table made at a time for the CSV writer (:class:`FrameChunks`).
FRAME_ROWS = 65_536


def raw_frame(columns: tuple[Column, ...], fields: polars.DataFrame) -> polars.DataFrame:
    """The table of ``columns`` as polars columns of their raw values, in order: text
    ``String``, dates ``Date``, flags ``Boolean``, whole numbers and pence ``Int64``,
    each ``decimal`` column its pence twin's values (as :func:`ledger_columns` gives
    them), the currency column filled in.  ``fields`` holds the other columns, by
    name; TypeError if one is not of its column's type."""
    import polars as pl

    reads = []
    for c in columns:
        if c.kind == "decimal":
            read = pl.col("pence" if c.name == "amount" else f"{c.name}_pence")
        elif c.name == CURRENCY_COLUMN.name:
            read = pl.lit(CURRENCY, dtype=pl.String)
        else:
            read = pl.col(c.name)
            if fields.schema[c.name] != raw_polars_type(c.kind):
                raise TypeError(f"column {c.name!r} is {fields.schema[c.name]}, not {c.kind}")
        reads.append(read.alias(c.name))
    return fields.select(reads)


def _with_money_and_currency(
    columns: tuple[Column, ...], fields: dict[str, list[Cell]], n: int
) -> dict[str, list[Cell]]:
    """``fields`` in the order of ``columns``, each ``decimal`` column its pence
    twin's list and the currency column filled in."""
    out: dict[str, list[Cell]] = {}
    for c in columns:
        if c.kind == "decimal":
            out[c.name] = fields["pence" if c.name == "amount" else f"{c.name}_pence"]
        elif c.name == CURRENCY_COLUMN.name:
            out[c.name] = [CURRENCY] * n
        else:
            out[c.name] = fields[c.name]
    return out


# -- apportionment -----------------------------------------------------------------

APPORTIONMENT_COLUMNS: tuple[Column, ...] = (
    Column("year", "str"),
    Column("entry_id", "str"),
    Column("scheme", "str"),
    Column("date", "date"),
    Column("kind", "str"),
    Column("reverses", "str", nullable=True),
    Column("capital_owner", "str", nullable=True),
    *money_columns("line"),
    Column("partner", "str"),
    Column("remainder_penny", "bool"),
    *AMOUNT_COLUMNS,
    CURRENCY_COLUMN,
)


def apportionment_table(apportionment: Apportionment) -> Table:
    """One row per pool line × partner: the partner's share in pence (the pence trail).

    ``line_pence`` is the whole line; ``pence`` is this partner's share; the shares
    of a line sum to ``line_pence`` and, per scheme and kind, to the scheme's
    totals.  ``remainder_penny`` marks a partner that held a remainder penny in the
    running allocation after this line.
    """
    return make_table(
        "apportionment", APPORTIONMENT_COLUMNS, list(apportionment_rows(apportionment))
    )


def apportionment_rows(apportionment: Apportionment) -> Iterator[Row]:
    """The rows of :func:`apportionment_table`, one at a time, from
    :func:`apportionment_columns`."""
    return column_rows(APPORTIONMENT_COLUMNS, apportionment_columns(apportionment))


def apportionment_columns(apportionment: Apportionment) -> dict[str, list[Cell]]:
    """:func:`apportionment_table` column by column
    (:data:`~pooledledger.core.tables.ColumnData`: each amount column is the list of
    its pence twin), from the apportionment's
    :meth:`~pooledledger.books.apportion.Apportionment.line_columns`: no object per
    line and no ``dict`` per row.  Each line's fields are repeated once per partner;
    the partners' shares and remainder flags are interleaved line by line."""
    lines = apportionment.line_columns()
    partners = lines.partners
    count = len(partners)

    def each(column: list[Any]) -> list[Any]:  # a line's value on each partner's row
        return (
            list(chain.from_iterable(zip(*[column] * count, strict=True))) if count > 1 else column
        )

    def interleaved(per_partner: list[list[Any]]) -> list[Any]:
        return list(chain.from_iterable(zip(*per_partner, strict=True)))

    n = len(lines) * count
    amount = each(lines.amount)
    fields: dict[str, list[Cell]] = {
        "year": [str(apportionment.year)] * n,
        "entry_id": each(lines.entry_id),
        "scheme": each(lines.scheme),
        "date": each(lines.date),
        "kind": each(lines.kind),
        "reverses": each(lines.reverses),
        "capital_owner": each(lines.capital_owner),
        "line_pence": amount,
        "partner": [*partners] * len(lines),
        "remainder_penny": interleaved(lines.remainder),
        "pence": interleaved(lines.shares),
    }
    return _with_money_and_currency(APPORTIONMENT_COLUMNS, fields, n)


def apportionment_frame(apportionment: Apportionment) -> polars.DataFrame | None:
    """:func:`apportionment_columns` as a polars frame of raw columns
    (:func:`raw_frame`): the lines' fields and shares are polars columns (made with no
    Python object per line when the ledger holds its pool lines in columns,
    :meth:`~pooledledger.books.apportion.Apportionment.line_frame`), and each
    partner's rows are interleaved by one gather, with no list per row; ``None`` if
    a line's pence are out of ``Int64``'s reach (then the lists, as before)."""
    chunks = _apportionment_chunks(apportionment, None)
    return None if chunks is None else chunks.collect()


def apportionment_chunks(apportionment: Apportionment) -> FrameChunks | None:
    """:func:`apportionment_frame` a slice of lines at a time (about
    :data:`FRAME_ROWS` rows each), interleaved when the writer reaches it."""
    return _apportionment_chunks(apportionment, FRAME_ROWS)


def _apportionment_chunks(apportionment: Apportionment, rows: int | None) -> FrameChunks | None:
    """The apportionment's table, ``rows`` rows at a time (``None``: in one)."""
    base = apportionment.line_frame()
    if base is None:
        base = _lines_frame(apportionment)
        if base is None:
            return None
    partners, year = apportionment.partners, str(apportionment.year)
    if not partners:
        return FrameChunks(
            lambda: iter([raw_frame(APPORTIONMENT_COLUMNS, _empty(APPORTIONMENT_COLUMNS))])
        )
    n = len(base)
    step = n if rows is None else max(rows // len(partners), 1)

    def chunks() -> Iterator[polars.DataFrame]:
        for lo in range(0, max(n, 1), max(step, 1)):
            yield _interleaved(base.slice(lo, step), partners, year)

    return FrameChunks(chunks)


def _interleaved(
    base: polars.DataFrame, partners: tuple[PartnerId, ...], year: str
) -> polars.DataFrame:
    """The rows of the lines of ``base``: row ``i * count + j`` is partner ``j``'s of
    line ``i``, each line's fields repeated and the partners' shares and flags
    interleaved, by one gather each."""
    import polars as pl

    n, count, text = base.height, len(partners), pl.String
    at = pl.int_range(0, n * count, dtype=pl.Int64, eager=True)
    line, partner = at // count, at % count
    per_partner = partner * n + line
    rows = base.select(pl.col(list(LINE_FIELDS)).gather(line)).with_columns(
        pl.Series(partners, dtype=text).gather(partner).alias("partner"),
        pl.concat([base[f"won{j}"] for j in range(count)])
        .gather(per_partner)
        .alias("remainder_penny"),
        pl.concat([base[f"share{j}"] for j in range(count)]).gather(per_partner).alias("pence"),
        pl.lit(year, dtype=text).alias("year"),
    )
    return raw_frame(APPORTIONMENT_COLUMNS, rows)


def _lines_frame(apportionment: Apportionment) -> LineFrame | None:
    """The apportionment's :meth:`~pooledledger.books.apportion.Apportionment.line_columns`
    as the frame :func:`~pooledledger.books.apportion_frame.line_frame` gives, or
    ``None`` if a line's pence are out of ``Int64``'s reach."""
    import polars as pl

    lines = apportionment.line_columns()
    if not all(map(_in_limit, (lines.amount, *lines.shares))):
        return None
    text = pl.String
    frame = pl.DataFrame(
        [
            pl.Series("entry_id", lines.entry_id, dtype=text),
            pl.Series("scheme", lines.scheme, dtype=text),
            pl.Series("date", lines.date, dtype=pl.Date),
            pl.Series("kind", lines.kind, dtype=text),
            pl.Series("reverses", lines.reverses, dtype=text),
            pl.Series("capital_owner", lines.capital_owner, dtype=text),
            pl.Series("line_pence", lines.amount, dtype=pl.Int64),
            *(pl.Series(f"share{j}", v, dtype=pl.Int64) for j, v in enumerate(lines.shares)),
            *(pl.Series(f"won{j}", w, dtype=pl.Boolean) for j, w in enumerate(lines.remainder)),
        ]
    )
    return LineFrame(frame)


def _in_limit(pence: list[int]) -> bool:
    """:func:`~pooledledger.core.tables.in_whole_limit` of a list of whole numbers
    (its least and greatest, at C speed)."""
    return not pence or (min(pence) > -WHOLE_LIMIT and max(pence) < WHOLE_LIMIT)


def _empty(columns: tuple[Column, ...]) -> polars.DataFrame:
    """A frame of no rows with ``columns`` (:func:`raw_frame`'s types)."""
    import polars as pl

    return pl.DataFrame({c.name: pl.Series([], dtype=raw_polars_type(c.kind)) for c in columns})


# -- journals ----------------------------------------------------------------------

JOURNAL_COLUMNS: tuple[Column, ...] = (
    Column("partner", "str"),
    Column("start", "date"),
    Column("end", "date"),
    Column("line", "int"),
    Column("ref", "str"),
    Column("account", "str"),
    Column("account_label", "str"),
    Column("scheme", "str", nullable=True),
    Column("counterparty", "str", nullable=True),
    Column("memo", "str", nullable=True),
    *money_columns("debit"),
    *money_columns("credit"),
    *AMOUNT_COLUMNS,
    CURRENCY_COLUMN,
)


def journal_table(journals: Mapping[PartnerId, Journal]) -> Table:
    """One row per line of each partner's journal (partners in the mapping's order).

    ``line`` numbers the lines from 1 within a partner's journal; ``start`` and
    ``end`` are the first and last days of the journal's period (both inclusive);
    ``pence`` is ``debit − credit``.
    """
    rows: list[Row] = []
    for p, j in journals.items():
        start, end = date.fromisoformat(j.start), date.fromisoformat(j.end)
        for n, x in enumerate(j.lines, start=1):
            signed = x.debit - x.credit
            rows.append(
                {
                    "partner": p,
                    "start": start,
                    "end": end,
                    "line": n,
                    "ref": x.ref,
                    "account": x.account.value,
                    "account_label": ACCOUNT_LABELS[x.account],
                    "scheme": x.scheme,
                    "counterparty": x.counterparty,
                    "memo": x.memo or None,
                    "debit_pence": x.debit,
                    "debit": pence_to_decimal(x.debit),
                    "credit_pence": x.credit,
                    "credit": pence_to_decimal(x.credit),
                    "pence": signed,
                    "amount": pence_to_decimal(signed),
                    "currency": CURRENCY,
                }
            )
    return make_table("journals", JOURNAL_COLUMNS, rows)
