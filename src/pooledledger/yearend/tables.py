"""Tidy tables of a year-end close: its figures and its settlement schedule (layer L3).

Each function turns a :class:`~pooledledger.yearend.close.YearEndClose` into a
:class:`~pooledledger.core.tables.Table` (docs/excel-and-dataframes.md#the-close-table).
"""

from __future__ import annotations

from pooledledger.core.money import pence_to_decimal
from pooledledger.core.tables import (
    AMOUNT_COLUMNS,
    CURRENCY,
    CURRENCY_COLUMN,
    Column,
    Row,
    Table,
    make_table,
    money_columns,
)
from pooledledger.model.rules import UnderspendDisposition
from pooledledger.yearend.close import YearEndClose

__all__ = [
    "CLOSE_COLUMNS",
    "CLOSE_PARTNER_MEASURES",
    "CLOSE_SCHEME_MEASURES",
    "SETTLEMENT_COLUMNS",
    "close_table",
    "settlement_table",
]

# -- year-end close ----------------------------------------------------------------

#: Scheme × partner measures of :func:`close_table`, in column order of the
#: partner statement (``X = contribution + risk_pool + offset + deficit − underspend``).
CLOSE_SCHEME_MEASURES: tuple[str, ...] = (
    "contribution",
    "risk_pool",
    "offset",
    "deficit",
    "underspend",
    "refunded",
    "carried_forward",
    "redeployed",
    "contingency",
    "net_share",
    "income_share",
    "gross_share",
)

#: Partner-level measures of :func:`close_table` (the ``PartnerClose`` figures
#: that are not a sum of scheme rows).
CLOSE_PARTNER_MEASURES: tuple[str, ...] = (
    "risk_pool_contribution",
    "unused_risk_pool",
    "additional_paid",
    "balance",
    "held",
    "settlement",
    "opening_balance",
    "paid_directly",
    "vat_recharge",
    "unpaid_contributions",
    "unpaid_earlier_years",
    "balance_with_host",
)

_DISPOSITIONS = {
    "refunded": UnderspendDisposition.REFUND,
    "carried_forward": UnderspendDisposition.CARRY_FORWARD,
    "redeployed": UnderspendDisposition.REDEPLOY,
    "contingency": UnderspendDisposition.CONTINGENCY,
}

CLOSE_COLUMNS: tuple[Column, ...] = (
    Column("year", "str"),
    Column("level", "str"),
    Column("scheme", "str", nullable=True),
    Column("partner", "str"),
    Column("measure", "str"),
    *AMOUNT_COLUMNS,
    CURRENCY_COLUMN,
)


def close_table(close: YearEndClose) -> Table:
    """The close as tidy rows: scheme × partner × measure, then partner × measure.

    Scheme rows (``level == "scheme"``) carry :data:`CLOSE_SCHEME_MEASURES`; the
    sum of a measure over a partner's scheme rows is that partner's figure in the
    close (``contribution`` → ``contributions``, ``risk_pool`` → ``risk_pool_used``,
    the rest by name).  Partner rows (``level == "partner"``, ``scheme`` empty)
    carry :data:`CLOSE_PARTNER_MEASURES`.
    """
    year = str(close.year)
    rows: list[Row] = []

    def add(level: str, scheme: str | None, partner: str, measure: str, pence: int) -> None:
        rows.append(
            {
                "year": year,
                "level": level,
                "scheme": scheme,
                "partner": partner,
                "measure": measure,
                "pence": pence,
                "amount": pence_to_decimal(pence),
                "currency": CURRENCY,
            }
        )

    partners = [pc.partner for pc in close.partners]
    for s in close.schemes:
        for p in partners:
            values = {
                "contribution": s.contributions.get(p, 0),
                "risk_pool": s.risk_pool.get(p, 0),
                "offset": s.offset.get(p, 0),
                "deficit": s.deficit.get(p, 0),
                "underspend": s.underspend.get(p, 0),
                **{m: s.disposed(d, p) for m, d in _DISPOSITIONS.items()},
                "net_share": s.net_share.get(p, 0),
                "income_share": s.income_share.get(p, 0),
                "gross_share": s.gross_share.get(p, 0),
            }
            for m in CLOSE_SCHEME_MEASURES:
                add("scheme", s.scheme, p, m, values[m])
    for pc in close.partners:
        for m in CLOSE_PARTNER_MEASURES:
            add("partner", None, pc.partner, m, getattr(pc, m))
    return make_table("close", CLOSE_COLUMNS, rows)


SETTLEMENT_COLUMNS: tuple[Column, ...] = (
    Column("year", "str"),
    Column("partner", "str"),
    Column("is_host", "bool"),
    *money_columns("opening_balance"),
    *money_columns("balance"),
    *money_columns("held"),
    *money_columns("paid_directly"),
    *money_columns("vat_recharge"),
    *money_columns("settlement"),
    *money_columns("net_position"),
    Column("direction", "str"),
    Column("due", "date", nullable=True),
    *money_columns("unpaid_contributions"),
    *money_columns("unpaid_earlier_years"),
    *money_columns("balance_with_host"),
    *money_columns("paid_after_year_end"),
    *money_columns("amount_due"),
    CURRENCY_COLUMN,
)

#: The settlement schedule's reconciling items (docs/year-end.md#the-settlement-schedule).
_SETTLEMENT_ITEMS: tuple[str, ...] = (
    "opening_balance",
    "balance",
    "held",
    "paid_directly",
    "vat_recharge",
    "settlement",
    "unpaid_contributions",
    "unpaid_earlier_years",
    "balance_with_host",
    "paid_after_year_end",
    "amount_due",
)


def _direction(is_host: bool, settlement: int) -> str:
    if is_host:
        return "host: no cash settlement"
    if settlement > 0:
        return "host pays partner"
    if settlement < 0:
        return "partner pays host"
    return "nothing to pay"


def settlement_table(close: YearEndClose) -> Table:
    """The settlement schedule: one row per partner, in agreement order.

    ``balance`` is contributions (with the risk pool and ``opening_balance``, the
    balances brought forward) less the net share (positive: the host owes the
    partner); ``held`` stays with the host for next year; ``settlement`` is the cash
    the settlement moves (positive: host pays partner): ``balance - held +
    paid_directly - vat_recharge``, ``due`` on the date given (empty when nothing
    moves).  Then the debtor: ``unpaid_contributions`` (and
    ``unpaid_earlier_years``) unpaid at 31 March; ``balance_with_host`` is the
    balance at 31 March that the journals and the agreement of balances show;
    ``amount_due`` what still moves once instalments ``paid_after_year_end`` count.
    ``net_position`` is the cash each receives on settlement (positive) or pays: a
    partner's settlement, and for the host minus the sum of the others'
    (docs/year-end.md#settlement), so the column sums to zero.
    """
    host_position = close.host_position
    rows: list[Row] = []
    for pc in close.partners:
        position = host_position if pc.is_host else pc.settlement
        row: Row = {
            "year": str(close.year),
            "partner": pc.partner,
            "is_host": pc.is_host,
            "net_position_pence": position,
            "net_position": pence_to_decimal(position),
            "direction": _direction(pc.is_host, pc.settlement),
            "due": pc.settlement_due,
            "currency": CURRENCY,
        }
        for item in _SETTLEMENT_ITEMS:
            pence = getattr(pc, item)
            row[f"{item}_pence"] = pence
            row[item] = pence_to_decimal(pence)
        rows.append({c.name: row[c.name] for c in SETTLEMENT_COLUMNS})
    return make_table("settlement_schedule", SETTLEMENT_COLUMNS, rows)
