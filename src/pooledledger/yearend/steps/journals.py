"""The last step of the close: year-end journals and the entries to post.

Each partner's journal posts the year's pool lines by its year-end shares (P2/P3,
H3/H6), the instalments unpaid at 31 March (P1/H1), the settlement (P4/H8 for a
partner that pays, P6/H9 for one that is paid) and the host's carry-forward (H11):
docs/ledger.md.  The entries are a :class:`Settlement` per partner who pays or is
paid, ``BROUGHT_FORWARD`` contributions for next year and the :class:`YearClosed`
marker; a year whose marker is already in the ledger adds none (I-12,
docs/year-end.md#what-the-result-holds).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from fractions import Fraction

from pooledledger.books.apportion import SchemeShares
from pooledledger.books.journals import Account, Journal, post_pool_lines
from pooledledger.books.ledger import Ledger
from pooledledger.books.line_sums import reversals_of
from pooledledger.core.errors import Issue
from pooledledger.core.money import to_money
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Settlement,
    YearClosed,
)
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.yearend.close_results import PartnerClose, SchemeClose

__all__ = ["close_entries", "is_closed", "year_end_journals"]

Lines = Iterable[tuple[Account, int, PartnerId | None]]
Posting = tuple[PartnerId, str, Lines, Lines, SchemeId | None, str]


def is_closed(ledger: Ledger, year: FinancialYear) -> bool:
    """Whether ``year``'s :class:`YearClosed` marker is in the ledger, not reversed."""
    markers = ledger.year_closed(year)
    if not markers:
        return False
    reversed_ids = reversals_of(ledger)
    return any(e.id not in reversed_ids for e in markers)


def _year_end_shares(
    schemes: Sequence[SchemeClose], in_year: Mapping[SchemeId, SchemeShares]
) -> dict[SchemeId, SchemeShares]:
    """Each scheme's year-end shares, the capital owned capped by the gross share."""
    shares = {}
    for s in schemes:
        capital = {
            p: min(max(v, 0), max(s.gross_share[p], 0))
            for p, v in in_year[s.scheme].capital_owned.items()
        }
        weights = {p: Fraction(v) for p, v in s.net_share.items()}
        shares[s.scheme] = SchemeShares(
            s.scheme,
            weights,
            "year-end close",
            dict(s.gross_share),
            dict(s.income_share),
            capital,
            in_year[s.scheme].capital_cost,
        )
    return shares


def _unpaid_postings(pc: PartnerClose, host: PartnerId) -> list[Posting]:
    """Instalments unpaid at 31 March: a debtor on its own line (P1/H1)."""
    p, unpaid = pc.partner, pc.unpaid_contributions
    return [
        (
            p,
            "P1",
            [(Account.HELD_BY_HOST, unpaid, host)],
            [(Account.CONTRIBUTION_PAYABLE, unpaid, host)],
            None,
            "contribution instalments unpaid at 31 March",
        ),
        (
            host,
            "H1",
            [(Account.CONTRIBUTION_RECEIVABLE, unpaid, p)],
            [(Account.FUNDS_HELD_FOR, unpaid, p)],
            None,
            f"contribution instalments unpaid by {p} at 31 March",
        ),
    ]


def _settlement_postings(pc: PartnerClose, host: PartnerId) -> list[Posting]:
    """What is not held for next year, settled: P4/H8 when the partner pays, P6/H9 when
    it is paid (the VAT recharge is already payable to the host, H4)."""
    p = pc.partner
    position = pc.settlement + pc.vat_recharge
    if position < 0:
        return [
            (
                p,
                "P4",
                [(Account.HELD_BY_HOST, -position, host)],
                [(Account.PAYABLE_TO_HOST, -position, host)],
                None,
                "additional contribution payable to host",
            ),
            (
                host,
                "H8",
                [(Account.RECEIVABLE_FROM_PARTNER, -position, p)],
                [(Account.FUNDS_HELD_FOR, -position, p)],
                None,
                f"additional contribution receivable from {p}",
            ),
        ]
    if position > 0:
        return [
            (
                p,
                "P6",
                [(Account.REFUND_DUE_FROM_HOST, position, host)],
                [(Account.HELD_BY_HOST, position, host)],
                None,
                "refund of underspend due from host",
            ),
            (
                host,
                "H9",
                [(Account.FUNDS_HELD_FOR, position, p)],
                [(Account.PAYABLE_TO_PARTNER, position, p)],
                None,
                f"refund of underspend payable to {p}",
            ),
        ]
    return []


def year_end_journals(
    ledger: Ledger,
    year: FinancialYear,
    schemes: Sequence[SchemeClose],
    partners: Sequence[PartnerClose],
    in_year: Mapping[SchemeId, SchemeShares],
    within: DateRange,
) -> tuple[dict[PartnerId, Journal], tuple[Issue, ...]]:
    """Every partner's year-end journal, and the presentation warnings (e.g. PL-JNL-001:
    shown as a joint operation, as in year)."""
    agreement = ledger.agreement
    host = agreement.host
    book, presentation = post_pool_lines(ledger, year, within, _year_end_shares(schemes, in_year))
    for pc in partners:
        if pc.is_host:
            # H11: everything of its own the host holds for next year goes to the
            # earmarked reserve (released next year as it is applied)
            book.post(
                host,
                "H11",
                [(Account.GENERAL_FUND, pc.held, None)],
                [(Account.EARMARKED_RESERVE, pc.held, None)],
                None,
                "host's own underspend and risk pool carried forward",
            )
            continue
        for posting in (*_unpaid_postings(pc, host), *_settlement_postings(pc, host)):
            book.post(*posting)
    return book.journals(agreement.partner_order, within), tuple(presentation)


def close_entries(
    year: FinancialYear,
    partners: Sequence[PartnerClose],
    carry: Mapping[tuple[SchemeId, PartnerId], int],
    due: date,
    within: DateRange,
    terminating: bool,
) -> tuple[Entry, ...]:
    """The entries to post: settlements, next year's brought-forward contributions, the marker."""
    next_year = year.next()
    description = (
        f"termination settlement ({within.last_day}): positive, host pays partner"
        if terminating
        else "year-end settlement: positive, host pays partner"
    )
    settlements = [
        Settlement(
            id=f"SETTLE-{year}-{pc.partner}",
            year=year,
            partner=pc.partner,
            amount=to_money(pc.settlement),
            due_date=due,
            description=description,
        )
        for pc in partners
        if pc.settlement
    ]
    brought_forward = [
        Contribution(
            id=f"BF-{next_year}-{target}-{p}",
            partner=p,
            scheme=target,
            year=next_year,
            amount=to_money(v),
            kind=ContributionKind.BROUGHT_FORWARD,
            effective_date=next_year.start,
            approval_ref=f"year-end close {year}",
            description=f"underspend brought forward from {year}",
        )
        for (target, p), v in sorted(carry.items())
    ]
    closed = YearClosed(id=f"CLOSED-{year}", year=year, closed_on=within.last_day)
    return (*settlements, *brought_forward, closed)
