"""Exact figures and words of the year-end close that mutation testing found unpinned.

A mutmut run on the close (docs/reliability.md#mutation-testing) left surviving
mutants where no test held the exact pence or the exact trail text: RS12 after the
risk pool or offsetting (``_no_risk_after_pool``), the RS11 windfall split with its
Alabama-paradox fix-up (``_windfall_parts``), the year-end journals
(``year_end_journals``, ``close_entries``) and the body of the close (every field of
:class:`SchemeClose` and :class:`PartnerClose`).  Each test here pins exact pence or
exact words, so each of those mutants now fails a test.

The snapshots below were read from the close once, checked by hand (every journal
balances, each reference's debits equal its credits, the host's lines with a partner
mirror that partner's lines with the host, the figures follow domain.md §7 and §8),
and frozen as literals.  Partners in the inline cases are ``COUNCIL`` (the host),
``ICB`` and ``TRUST``; the year is 2025-26 (tests/test_close_cases_rules.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pytest

from fixture_scope import shared_scope
from pooledledger import Entry, Instalment, Ledger
from pooledledger.books.riskshare import BoardRuling, SchemeFacts
from pooledledger.model.entries import EntryKind
from pooledledger.model.rules import (
    FaultBearer,
    NoRiskShare,
    ProRataContributions,
    RiskPoolSpread,
    WindfallManaged,
)
from pooledledger.model.rules import RiskPool as RiskPoolTerms
from pooledledger.yearend.close import YearEndClose, close_year
from pooledledger.yearend.steps.risk_pool import _spread
from pooledledger.yearend.steps.risk_share import _no_risk_after_pool
from pooledledger.yearend.steps.underspend import _windfall_parts
from test_close import Y7, Y25, example
from test_close_cases_rules import Y, agreement, close, spend

THREE = ("COUNCIL", "ICB", "TRUST")


# ------------------------------------------------------------------------------ the cases


def close_example1() -> YearEndClose:
    """Worked example 1 (domain.md §7): overspend 50,000.00 shared 3/5, 3/10, 1/10."""
    return close_year(*example(1), Y7)


def close_example2() -> YearEndClose:
    """Worked example 2 (domain.md §8): the Better Care Fund with its risk pool."""
    return close_year(*example(2), Y25)


def close_terminated() -> YearEndClose:
    """Worked example 1 terminated on 30 September 2007: half the contributions,
    six months' spending (540,000.00), an overspend of 40,000.00 shared 3/5, 3/10, 1/10 by
    RS1; the instalments after the termination date are cancelled (PL-TRM-003)."""
    return close_year(*example(1), Y7, terminate_on=date(2007, 9, 30))


def close_rs12_after_pool() -> YearEndClose:
    """RS12, three partners contributing 500,000.00 and 5,000.00 to the risk pool each.

    Own spending: council 520,000.00 (own overspend 20,000.00), ICB 510,000.01
    (10,000.01), trust 500,000.00 (nil).  Variance 30,000.01; the pool covers
    15,000.00, spread over the two overspenders 2,000,000 : 1,000,001 (exact
    999,999.67 / 500,000.33, the odd penny to the council): 10,000.00 off the council,
    5,000.00 off the ICB.  Residual 15,000.01: council 10,000.00, ICB 5,000.01, trust
    nil.  No instalments are recorded, so the ICB's and trust's 505,000.00 are
    debtors (P1/H1 at 31 March).
    """
    ag = agreement(
        NoRiskShare(),
        dict.fromkeys(THREE, "500000.00"),
        partners=THREE,
        risk_pool=dict.fromkeys(THREE, "5000.00"),
    )
    entries: list[Entry] = [
        spend("C1", "520000.00", by="COUNCIL", agreement_ref="Board 1"),
        spend("I1", "510000.01", by="ICB", agreement_ref="Board 2"),
        spend("T1", "500000.00", by="TRUST"),
    ]
    return close(ag, entries)


def close_rs11_alabama() -> YearEndClose:
    """RS11, contributions 300,000.00 / 300,000.00 / 100,000.00 (3:3:1), underspend 0.11.

    The underspend 11p by 3:3:1 (exact 4.71 / 4.71 / 1.57): 5 / 5 / 1.  The board's
    windfall 10p by 3:3:1 (exact 4.29 / 4.29 / 1.43): 4 / 4 / 2, but the trust's
    windfall may not exceed its whole underspend (1p), so the spare penny goes to the
    next largest remainder with room, the council (tie with the ICB, earlier first):
    refund 5 / 4 / 1, the ICB's managed 1p carried forward.
    """
    ag = agreement(
        WindfallManaged(),
        {"COUNCIL": "300000.00", "ICB": "300000.00", "TRUST": "100000.00"},
        partners=THREE,
    )
    entries: list[Entry] = [
        Instalment(
            id=f"{p}-I1",
            partner=p,
            scheme="S",
            year=Y,
            amount=amount,
            due_date=date(2025, 4, 30),
            paid_date=date(2025, 4, 30),
        )
        for p, amount in (("ICB", "300000.00"), ("TRUST", "100000.00"))
    ]
    entries.append(spend("E1", "699999.89"))
    rulings = {"S": BoardRuling(windfall_pence=10, reference="Board minute 7")}
    return close(ag, entries, rulings=rulings)


def journal_lines(result: YearEndClose) -> dict[str, list[tuple[Any, ...]]]:
    """Each partner's year-end journal as (ref, account, debit, credit, scheme,
    counterparty, memo) rows, in posting order."""
    return {
        p: [
            (x.ref, x.account.name, x.debit, x.credit, x.scheme, x.counterparty, x.memo)
            for x in j.lines
        ]
        for p, j in result.journals.items()
    }


# ---------------------------------------------------------------- the frozen snapshots

EX1_SCHEMES = [
    {
        "scheme": "LD",
        "name": "Learning disability services",
        "contributions": {"LA": 60000000, "PCT1": 30000000, "PCT2": 10000000},
        "expenditure": 108000000,
        "income": 3000000,
        "net": 105000000,
        "variance": 5000000,
        "offset": {"LA": 0, "PCT1": 0, "PCT2": 0},
        "risk_pool": {"LA": 0, "PCT1": 0, "PCT2": 0},
        "residual": 5000000,
        "rule": "RS1 PRO_RATA_CONTRIBUTIONS",
        "explanation": [
            "RS1 PRO_RATA_CONTRIBUTIONS",
            "pro rata to contributions: 50,000.00 split LA 3/5, PCT1 3/10, PCT2 1/10",
        ],
        "deficit": {"LA": 3000000, "PCT1": 1500000, "PCT2": 500000},
        "underspend": {"LA": 0, "PCT1": 0, "PCT2": 0},
        "dispositions": {},
        "redeploy_to": None,
        "net_share": {"LA": 63000000, "PCT1": 31500000, "PCT2": 10500000},
        "income_share": {"LA": 1800000, "PCT1": 900000, "PCT2": 300000},
        "gross_share": {"LA": 64800000, "PCT1": 32400000, "PCT2": 10800000},
        "income_basis": "net shares",
    }
]

EX1_PARTNERS = [
    {
        "partner": "LA",
        "is_host": True,
        "contributions": 60000000,
        "risk_pool_contribution": 0,
        "risk_pool_used": 0,
        "additional_paid": 0,
        "deficit": 3000000,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 63000000,
        "income_share": 1800000,
        "gross_share": 64800000,
        "balance": -3000000,
        "held": 0,
        "settlement": 0,
        "settlement_due": None,
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": 0,
        "balance_with_host": 0,
    },
    {
        "partner": "PCT1",
        "is_host": False,
        "contributions": 30000000,
        "risk_pool_contribution": 0,
        "risk_pool_used": 0,
        "additional_paid": 0,
        "deficit": 1500000,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 31500000,
        "income_share": 900000,
        "gross_share": 32400000,
        "balance": -1500000,
        "held": 0,
        "settlement": -1500000,
        "settlement_due": "2008-04-28",
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": -1500000,
        "balance_with_host": -1500000,
    },
    {
        "partner": "PCT2",
        "is_host": False,
        "contributions": 10000000,
        "risk_pool_contribution": 0,
        "risk_pool_used": 0,
        "additional_paid": 0,
        "deficit": 500000,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 10500000,
        "income_share": 300000,
        "gross_share": 10800000,
        "balance": -500000,
        "held": 0,
        "settlement": -500000,
        "settlement_due": "2008-04-28",
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": -500000,
        "balance_with_host": -500000,
    },
]

EX1_JOURNALS = {
    "LA": [
        ("H1", "CASH", 30000000, 0, "LD", None, "instalments received from PCT1"),
        ("H1", "FUNDS_HELD_FOR", 0, 30000000, "LD", "PCT1", "instalments received from PCT1"),
        ("H1", "CASH", 10000000, 0, "LD", None, "instalments received from PCT2"),
        ("H1", "FUNDS_HELD_FOR", 0, 10000000, "LD", "PCT2", "instalments received from PCT2"),
        (
            "H3",
            "POOL_EXPENDITURE_CLEARING",
            108000000,
            0,
            "LD",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        (
            "H3",
            "TRADE_PAYABLES",
            0,
            108000000,
            "LD",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        ("H5", "CASH", 3000000, 0, "LD", None, "pool income"),
        ("H5", "POOL_INCOME_CLEARING", 0, 3000000, "LD", None, "pool income"),
        ("H6", "EXPENDITURE_SHARE", 64800000, 0, "LD", None, "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 32400000, 0, "LD", "PCT1", "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 10800000, 0, "LD", "PCT2", "allocate pool expenditure"),
        ("H6", "POOL_EXPENDITURE_CLEARING", 0, 108000000, "LD", None, "allocate pool expenditure"),
        ("H7", "POOL_INCOME_CLEARING", 3000000, 0, "LD", None, "allocate pool income"),
        ("H7", "INCOME_SHARE", 0, 1800000, "LD", None, "allocate pool income"),
        ("H7", "FUNDS_HELD_FOR", 0, 900000, "LD", "PCT1", "allocate pool income"),
        ("H7", "FUNDS_HELD_FOR", 0, 300000, "LD", "PCT2", "allocate pool income"),
        (
            "H8",
            "RECEIVABLE_FROM_PARTNER",
            1500000,
            0,
            None,
            "PCT1",
            "additional contribution receivable from PCT1",
        ),
        (
            "H8",
            "FUNDS_HELD_FOR",
            0,
            1500000,
            None,
            "PCT1",
            "additional contribution receivable from PCT1",
        ),
        (
            "H8",
            "RECEIVABLE_FROM_PARTNER",
            500000,
            0,
            None,
            "PCT2",
            "additional contribution receivable from PCT2",
        ),
        (
            "H8",
            "FUNDS_HELD_FOR",
            0,
            500000,
            None,
            "PCT2",
            "additional contribution receivable from PCT2",
        ),
    ],
    "PCT1": [
        ("P1", "HELD_BY_HOST", 30000000, 0, "LD", "LA", "contribution instalments paid"),
        ("P1", "CASH", 0, 30000000, "LD", None, "contribution instalments paid"),
        ("P2", "EXPENDITURE_SHARE", 32400000, 0, "LD", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 32400000, "LD", "LA", "share of pool expenditure"),
        ("P3", "HELD_BY_HOST", 900000, 0, "LD", "LA", "share of pool income"),
        ("P3", "INCOME_SHARE", 0, 900000, "LD", None, "share of pool income"),
        ("P4", "HELD_BY_HOST", 1500000, 0, None, "LA", "additional contribution payable to host"),
        (
            "P4",
            "PAYABLE_TO_HOST",
            0,
            1500000,
            None,
            "LA",
            "additional contribution payable to host",
        ),
    ],
    "PCT2": [
        ("P1", "HELD_BY_HOST", 10000000, 0, "LD", "LA", "contribution instalments paid"),
        ("P1", "CASH", 0, 10000000, "LD", None, "contribution instalments paid"),
        ("P2", "EXPENDITURE_SHARE", 10800000, 0, "LD", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 10800000, "LD", "LA", "share of pool expenditure"),
        ("P3", "HELD_BY_HOST", 300000, 0, "LD", "LA", "share of pool income"),
        ("P3", "INCOME_SHARE", 0, 300000, "LD", None, "share of pool income"),
        ("P4", "HELD_BY_HOST", 500000, 0, None, "LA", "additional contribution payable to host"),
        ("P4", "PAYABLE_TO_HOST", 0, 500000, None, "LA", "additional contribution payable to host"),
    ],
}

EX1_ENTRIES = [
    {
        "id": "SETTLE-2007-08-PCT1",
        "entry": "settlement",
        "year": "2007-08",
        "partner": "PCT1",
        "amount": {"amount": "-15000.00", "currency": "GBP"},
        "due_date": "2008-04-28",
        "paid_date": None,
        "description": "year-end settlement: positive, host pays partner",
    },
    {
        "id": "SETTLE-2007-08-PCT2",
        "entry": "settlement",
        "year": "2007-08",
        "partner": "PCT2",
        "amount": {"amount": "-5000.00", "currency": "GBP"},
        "due_date": "2008-04-28",
        "paid_date": None,
        "description": "year-end settlement: positive, host pays partner",
    },
    {"id": "CLOSED-2007-08", "entry": "year_closed", "year": "2007-08", "closed_on": "2008-03-31"},
]

EX2_SCHEMES = [
    {
        "scheme": "S1",
        "name": "Disabled Facilities Grant",
        "contributions": {"COUNCIL": 200000000, "ICB": 0},
        "expenditure": 185000000,
        "income": 0,
        "net": 185000000,
        "variance": -15000000,
        "offset": {"COUNCIL": 0, "ICB": 0},
        "risk_pool": {"COUNCIL": 0, "ICB": 0},
        "residual": -15000000,
        "rule": "RS2 OWN_RISK",
        "explanation": ["RS2 OWN_RISK", "COUNCIL bears its own variance of (150,000.00)"],
        "deficit": {"COUNCIL": 0, "ICB": 0},
        "underspend": {"COUNCIL": 15000000, "ICB": 0},
        "dispositions": {"CARRY_FORWARD": {"COUNCIL": 15000000, "ICB": 0}},
        "redeploy_to": None,
        "net_share": {"COUNCIL": 185000000, "ICB": 0},
        "income_share": {"COUNCIL": 0, "ICB": 0},
        "gross_share": {"COUNCIL": 185000000, "ICB": 0},
        "income_basis": "net shares",
    },
    {
        "scheme": "S2",
        "name": "Community reablement",
        "contributions": {"COUNCIL": 0, "ICB": 410000020},
        "expenditure": 423000020,
        "income": 0,
        "net": 423000020,
        "variance": 13000000,
        "offset": {"COUNCIL": 0, "ICB": 0},
        "risk_pool": {"COUNCIL": 5131579, "ICB": 5131579},
        "residual": 2736842,
        "rule": "RS2 OWN_RISK",
        "explanation": ["RS2 OWN_RISK", "ICB bears its own variance of 27,368.42"],
        "deficit": {"COUNCIL": 0, "ICB": 2736842},
        "underspend": {"COUNCIL": 0, "ICB": 0},
        "dispositions": {},
        "redeploy_to": None,
        "net_share": {"COUNCIL": 5131579, "ICB": 417868441},
        "income_share": {"COUNCIL": 0, "ICB": 0},
        "gross_share": {"COUNCIL": 5131579, "ICB": 417868441},
        "income_basis": "net shares",
    },
    {
        "scheme": "S3",
        "name": "Integrated community equipment service",
        "contributions": {"COUNCIL": 120000000, "ICB": 80000000},
        "expenditure": 211000000,
        "income": 1000000,
        "net": 210000000,
        "variance": 10000000,
        "offset": {"COUNCIL": 0, "ICB": 0},
        "risk_pool": {"COUNCIL": 3947368, "ICB": 3947368},
        "residual": 2105264,
        "rule": "RS1 PRO_RATA_CONTRIBUTIONS",
        "explanation": [
            "RS1 PRO_RATA_CONTRIBUTIONS",
            "pro rata to contributions: 21,052.64 split COUNCIL 3/5, ICB 2/5",
        ],
        "deficit": {"COUNCIL": 1263158, "ICB": 842106},
        "underspend": {"COUNCIL": 0, "ICB": 0},
        "dispositions": {},
        "redeploy_to": None,
        "net_share": {"COUNCIL": 125210526, "ICB": 84789474},
        "income_share": {"COUNCIL": 596241, "ICB": 403759},
        "gross_share": {"COUNCIL": 125806767, "ICB": 85193233},
        "income_basis": "net shares",
    },
    {
        "scheme": "S4",
        "name": "Protecting adult social care",
        "contributions": {"COUNCIL": 0, "ICB": 600000000},
        "expenditure": 615000000,
        "income": 0,
        "net": 615000000,
        "variance": 15000000,
        "offset": {"COUNCIL": 0, "ICB": 0},
        "risk_pool": {"COUNCIL": 5921053, "ICB": 5921053},
        "residual": 3157894,
        "rule": "RS5 CAPPED_SHARES",
        "explanation": [
            "RS5 CAPPED_SHARES",
            "before caps: 31,578.94 split COUNCIL 1/2, ICB 1/2",
            "ICB capped at 10,000.00 (share was 15,789.47)",
            "5,789.47 above the caps to the underwriter(s) COUNCIL",
        ],
        "deficit": {"COUNCIL": 2157894, "ICB": 1000000},
        "underspend": {"COUNCIL": 0, "ICB": 0},
        "dispositions": {},
        "redeploy_to": None,
        "net_share": {"COUNCIL": 8078947, "ICB": 606921053},
        "income_share": {"COUNCIL": 0, "ICB": 0},
        "gross_share": {"COUNCIL": 8078947, "ICB": 606921053},
        "income_basis": "net shares",
    },
    {
        "scheme": "S5",
        "name": "Improved Better Care Fund (iBCF)",
        "contributions": {"COUNCIL": 300000000, "ICB": 0},
        "expenditure": 294000000,
        "income": 0,
        "net": 294000000,
        "variance": -6000000,
        "offset": {"COUNCIL": 0, "ICB": 0},
        "risk_pool": {"COUNCIL": 0, "ICB": 0},
        "residual": -6000000,
        "rule": "RS2 OWN_RISK",
        "explanation": ["RS2 OWN_RISK", "COUNCIL bears its own variance of (60,000.00)"],
        "deficit": {"COUNCIL": 0, "ICB": 0},
        "underspend": {"COUNCIL": 6000000, "ICB": 0},
        "dispositions": {"REFUND": {"COUNCIL": 6000000, "ICB": 0}},
        "redeploy_to": None,
        "net_share": {"COUNCIL": 294000000, "ICB": 0},
        "income_share": {"COUNCIL": 0, "ICB": 0},
        "gross_share": {"COUNCIL": 294000000, "ICB": 0},
        "income_basis": "net shares",
    },
]

EX2_PARTNERS = [
    {
        "partner": "COUNCIL",
        "is_host": True,
        "contributions": 620000000,
        "risk_pool_contribution": 15000000,
        "risk_pool_used": 15000000,
        "additional_paid": 0,
        "deficit": 3421052,
        "underspend": 21000000,
        "refunded": 6000000,
        "carried_forward": 15000000,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 617421052,
        "income_share": 596241,
        "gross_share": 618017293,
        "balance": 17578948,
        "held": 15000000,
        "settlement": 0,
        "settlement_due": None,
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": 0,
        "balance_with_host": 0,
    },
    {
        "partner": "ICB",
        "is_host": False,
        "contributions": 1090000020,
        "risk_pool_contribution": 15000000,
        "risk_pool_used": 15000000,
        "additional_paid": 0,
        "deficit": 4578948,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 1109578968,
        "income_share": 403759,
        "gross_share": 1109982727,
        "balance": -4578948,
        "held": 0,
        "settlement": -4578948,
        "settlement_due": "2026-04-30",
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": -4578948,
        "balance_with_host": -4578948,
    },
]

EX2_JOURNALS = {
    "COUNCIL": [
        ("H1", "CASH", 15000000, 0, "RP", None, "risk pool instalments received from ICB"),
        (
            "H1",
            "FUNDS_HELD_FOR",
            0,
            15000000,
            "RP",
            "ICB",
            "risk pool instalments received from ICB",
        ),
        (
            "H3",
            "POOL_EXPENDITURE_CLEARING",
            185000000,
            0,
            "S1",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        (
            "H3",
            "TRADE_PAYABLES",
            0,
            185000000,
            "S1",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        ("H6", "POOL_EXPENDITURE_GROSS", 185000000, 0, "S1", None, "pool expenditure, 100% gross"),
        (
            "H6",
            "POOL_EXPENDITURE_CLEARING",
            0,
            185000000,
            "S1",
            None,
            "pool expenditure, 100% gross",
        ),
        ("H1", "CASH", 410000020, 0, "S2", None, "instalments received from ICB"),
        ("H1", "FUNDS_HELD_FOR", 0, 410000020, "S2", "ICB", "instalments received from ICB"),
        (
            "H3",
            "POOL_EXPENDITURE_CLEARING",
            423000020,
            0,
            "S2",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        (
            "H3",
            "TRADE_PAYABLES",
            0,
            423000020,
            "S2",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        ("H6", "EXPENDITURE_SHARE", 5131579, 0, "S2", None, "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 417868441, 0, "S2", "ICB", "allocate pool expenditure"),
        ("H6", "POOL_EXPENDITURE_CLEARING", 0, 423000020, "S2", None, "allocate pool expenditure"),
        ("H1", "CASH", 80000000, 0, "S3", None, "instalments received from ICB"),
        ("H1", "FUNDS_HELD_FOR", 0, 80000000, "S3", "ICB", "instalments received from ICB"),
        (
            "H3",
            "POOL_EXPENDITURE_CLEARING",
            211000000,
            0,
            "S3",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        (
            "H3",
            "TRADE_PAYABLES",
            0,
            211000000,
            "S3",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        ("H5", "CASH", 1000000, 0, "S3", None, "pool income"),
        ("H5", "POOL_INCOME_CLEARING", 0, 1000000, "S3", None, "pool income"),
        ("H6", "EXPENDITURE_SHARE", 125806767, 0, "S3", None, "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 85193233, 0, "S3", "ICB", "allocate pool expenditure"),
        ("H6", "POOL_EXPENDITURE_CLEARING", 0, 211000000, "S3", None, "allocate pool expenditure"),
        ("H7", "POOL_INCOME_CLEARING", 1000000, 0, "S3", None, "allocate pool income"),
        ("H7", "INCOME_SHARE", 0, 596241, "S3", None, "allocate pool income"),
        ("H7", "FUNDS_HELD_FOR", 0, 403759, "S3", "ICB", "allocate pool income"),
        ("H1", "CASH", 600000000, 0, "S4", None, "instalments received from ICB"),
        ("H1", "FUNDS_HELD_FOR", 0, 600000000, "S4", "ICB", "instalments received from ICB"),
        (
            "H3",
            "POOL_EXPENDITURE_CLEARING",
            615000000,
            0,
            "S4",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        (
            "H3",
            "TRADE_PAYABLES",
            0,
            615000000,
            "S4",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        ("H6", "EXPENDITURE_SHARE", 8078947, 0, "S4", None, "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 606921053, 0, "S4", "ICB", "allocate pool expenditure"),
        ("H6", "POOL_EXPENDITURE_CLEARING", 0, 615000000, "S4", None, "allocate pool expenditure"),
        (
            "H3",
            "POOL_EXPENDITURE_CLEARING",
            294000000,
            0,
            "S5",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        (
            "H3",
            "TRADE_PAYABLES",
            0,
            294000000,
            "S5",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        ("H6", "POOL_EXPENDITURE_GROSS", 294000000, 0, "S5", None, "pool expenditure, 100% gross"),
        (
            "H6",
            "POOL_EXPENDITURE_CLEARING",
            0,
            294000000,
            "S5",
            None,
            "pool expenditure, 100% gross",
        ),
        (
            "H11",
            "GENERAL_FUND",
            15000000,
            0,
            None,
            None,
            "host's own underspend and risk pool carried forward",
        ),
        (
            "H11",
            "EARMARKED_RESERVE",
            0,
            15000000,
            None,
            None,
            "host's own underspend and risk pool carried forward",
        ),
        (
            "H8",
            "RECEIVABLE_FROM_PARTNER",
            4578948,
            0,
            None,
            "ICB",
            "additional contribution receivable from ICB",
        ),
        (
            "H8",
            "FUNDS_HELD_FOR",
            0,
            4578948,
            None,
            "ICB",
            "additional contribution receivable from ICB",
        ),
    ],
    "ICB": [
        ("P1", "HELD_BY_HOST", 15000000, 0, "RP", "COUNCIL", "risk pool instalments paid"),
        ("P1", "CASH", 0, 15000000, "RP", None, "risk pool instalments paid"),
        ("P1", "HELD_BY_HOST", 410000020, 0, "S2", "COUNCIL", "contribution instalments paid"),
        ("P1", "CASH", 0, 410000020, "S2", None, "contribution instalments paid"),
        ("P2", "EXPENDITURE_SHARE", 417868441, 0, "S2", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 417868441, "S2", "COUNCIL", "share of pool expenditure"),
        ("P1", "HELD_BY_HOST", 80000000, 0, "S3", "COUNCIL", "contribution instalments paid"),
        ("P1", "CASH", 0, 80000000, "S3", None, "contribution instalments paid"),
        ("P2", "EXPENDITURE_SHARE", 85193233, 0, "S3", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 85193233, "S3", "COUNCIL", "share of pool expenditure"),
        ("P3", "HELD_BY_HOST", 403759, 0, "S3", "COUNCIL", "share of pool income"),
        ("P3", "INCOME_SHARE", 0, 403759, "S3", None, "share of pool income"),
        ("P1", "HELD_BY_HOST", 600000000, 0, "S4", "COUNCIL", "contribution instalments paid"),
        ("P1", "CASH", 0, 600000000, "S4", None, "contribution instalments paid"),
        ("P2", "EXPENDITURE_SHARE", 606921053, 0, "S4", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 606921053, "S4", "COUNCIL", "share of pool expenditure"),
        (
            "P4",
            "HELD_BY_HOST",
            4578948,
            0,
            None,
            "COUNCIL",
            "additional contribution payable to host",
        ),
        (
            "P4",
            "PAYABLE_TO_HOST",
            0,
            4578948,
            None,
            "COUNCIL",
            "additional contribution payable to host",
        ),
    ],
}

EX2_ENTRIES = [
    {
        "id": "SETTLE-2025-26-ICB",
        "entry": "settlement",
        "year": "2025-26",
        "partner": "ICB",
        "amount": {"amount": "-45789.48", "currency": "GBP"},
        "due_date": "2026-04-30",
        "paid_date": None,
        "description": "year-end settlement: positive, host pays partner",
    },
    {
        "id": "BF-2026-27-S1-COUNCIL",
        "entry": "contribution",
        "partner": "COUNCIL",
        "scheme": "S1",
        "year": "2026-27",
        "amount": {"amount": "150000.00", "currency": "GBP"},
        "kind": "BROUGHT_FORWARD",
        "effective_date": "2026-04-01",
        "approval_ref": "year-end close 2025-26",
        "description": "underspend brought forward from 2025-26",
    },
    {"id": "CLOSED-2025-26", "entry": "year_closed", "year": "2025-26", "closed_on": "2026-03-31"},
]

TERM_SCHEMES = [
    {
        "scheme": "LD",
        "name": "Learning disability services",
        "contributions": {"LA": 30000000, "PCT1": 15000000, "PCT2": 5000000},
        "expenditure": 54000000,
        "income": 0,
        "net": 54000000,
        "variance": 4000000,
        "offset": {"LA": 0, "PCT1": 0, "PCT2": 0},
        "risk_pool": {"LA": 0, "PCT1": 0, "PCT2": 0},
        "residual": 4000000,
        "rule": "RS1 PRO_RATA_CONTRIBUTIONS",
        "explanation": [
            "RS1 PRO_RATA_CONTRIBUTIONS",
            "pro rata to contributions: 40,000.00 split LA 3/5, PCT1 3/10, PCT2 1/10",
        ],
        "deficit": {"LA": 2400000, "PCT1": 1200000, "PCT2": 400000},
        "underspend": {"LA": 0, "PCT1": 0, "PCT2": 0},
        "dispositions": {},
        "redeploy_to": None,
        "net_share": {"LA": 32400000, "PCT1": 16200000, "PCT2": 5400000},
        "income_share": {"LA": 0, "PCT1": 0, "PCT2": 0},
        "gross_share": {"LA": 32400000, "PCT1": 16200000, "PCT2": 5400000},
        "income_basis": "net shares",
    }
]

TERM_PARTNERS = [
    {
        "partner": "LA",
        "is_host": True,
        "contributions": 30000000,
        "risk_pool_contribution": 0,
        "risk_pool_used": 0,
        "additional_paid": 0,
        "deficit": 2400000,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 30000000,
        "net_share": 32400000,
        "income_share": 0,
        "gross_share": 32400000,
        "balance": -2400000,
        "held": 0,
        "settlement": 0,
        "settlement_due": None,
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": 0,
        "balance_with_host": 0,
    },
    {
        "partner": "PCT1",
        "is_host": False,
        "contributions": 15000000,
        "risk_pool_contribution": 0,
        "risk_pool_used": 0,
        "additional_paid": 0,
        "deficit": 1200000,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 15000000,
        "net_share": 16200000,
        "income_share": 0,
        "gross_share": 16200000,
        "balance": -1200000,
        "held": 0,
        "settlement": -1200000,
        "settlement_due": "2007-10-26",
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": -1200000,
        "balance_with_host": -1200000,
    },
    {
        "partner": "PCT2",
        "is_host": False,
        "contributions": 5000000,
        "risk_pool_contribution": 0,
        "risk_pool_used": 0,
        "additional_paid": 0,
        "deficit": 400000,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 5000000,
        "net_share": 5400000,
        "income_share": 0,
        "gross_share": 5400000,
        "balance": -400000,
        "held": 0,
        "settlement": -400000,
        "settlement_due": "2007-10-26",
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": -400000,
        "balance_with_host": -400000,
    },
]

TERM_JOURNALS = {
    "LA": [
        ("H1", "CASH", 15000000, 0, "LD", None, "instalments received from PCT1"),
        ("H1", "FUNDS_HELD_FOR", 0, 15000000, "LD", "PCT1", "instalments received from PCT1"),
        ("H1", "CASH", 5000000, 0, "LD", None, "instalments received from PCT2"),
        ("H1", "FUNDS_HELD_FOR", 0, 5000000, "LD", "PCT2", "instalments received from PCT2"),
        (
            "H3",
            "POOL_EXPENDITURE_CLEARING",
            54000000,
            0,
            "LD",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        (
            "H3",
            "TRADE_PAYABLES",
            0,
            54000000,
            "LD",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        ("H6", "EXPENDITURE_SHARE", 32400000, 0, "LD", None, "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 16200000, 0, "LD", "PCT1", "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 5400000, 0, "LD", "PCT2", "allocate pool expenditure"),
        ("H6", "POOL_EXPENDITURE_CLEARING", 0, 54000000, "LD", None, "allocate pool expenditure"),
        (
            "H8",
            "RECEIVABLE_FROM_PARTNER",
            1200000,
            0,
            None,
            "PCT1",
            "additional contribution receivable from PCT1",
        ),
        (
            "H8",
            "FUNDS_HELD_FOR",
            0,
            1200000,
            None,
            "PCT1",
            "additional contribution receivable from PCT1",
        ),
        (
            "H8",
            "RECEIVABLE_FROM_PARTNER",
            400000,
            0,
            None,
            "PCT2",
            "additional contribution receivable from PCT2",
        ),
        (
            "H8",
            "FUNDS_HELD_FOR",
            0,
            400000,
            None,
            "PCT2",
            "additional contribution receivable from PCT2",
        ),
    ],
    "PCT1": [
        ("P1", "HELD_BY_HOST", 15000000, 0, "LD", "LA", "contribution instalments paid"),
        ("P1", "CASH", 0, 15000000, "LD", None, "contribution instalments paid"),
        ("P2", "EXPENDITURE_SHARE", 16200000, 0, "LD", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 16200000, "LD", "LA", "share of pool expenditure"),
        ("P4", "HELD_BY_HOST", 1200000, 0, None, "LA", "additional contribution payable to host"),
        (
            "P4",
            "PAYABLE_TO_HOST",
            0,
            1200000,
            None,
            "LA",
            "additional contribution payable to host",
        ),
    ],
    "PCT2": [
        ("P1", "HELD_BY_HOST", 5000000, 0, "LD", "LA", "contribution instalments paid"),
        ("P1", "CASH", 0, 5000000, "LD", None, "contribution instalments paid"),
        ("P2", "EXPENDITURE_SHARE", 5400000, 0, "LD", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 5400000, "LD", "LA", "share of pool expenditure"),
        ("P4", "HELD_BY_HOST", 400000, 0, None, "LA", "additional contribution payable to host"),
        ("P4", "PAYABLE_TO_HOST", 0, 400000, None, "LA", "additional contribution payable to host"),
    ],
}

TERM_ENTRIES = [
    {
        "id": "SETTLE-2007-08-PCT1",
        "entry": "settlement",
        "year": "2007-08",
        "partner": "PCT1",
        "amount": {"amount": "-12000.00", "currency": "GBP"},
        "due_date": "2007-10-26",
        "paid_date": None,
        "description": "termination settlement (2007-09-30): positive, host pays partner",
    },
    {
        "id": "SETTLE-2007-08-PCT2",
        "entry": "settlement",
        "year": "2007-08",
        "partner": "PCT2",
        "amount": {"amount": "-4000.00", "currency": "GBP"},
        "due_date": "2007-10-26",
        "paid_date": None,
        "description": "termination settlement (2007-09-30): positive, host pays partner",
    },
    {"id": "CLOSED-2007-08", "entry": "year_closed", "year": "2007-08", "closed_on": "2007-09-30"},
]

RS12_SCHEMES = [
    {
        "scheme": "S",
        "name": "Scheme",
        "contributions": {"COUNCIL": 50000000, "ICB": 50000000, "TRUST": 50000000},
        "expenditure": 153000001,
        "income": 0,
        "net": 153000001,
        "variance": 3000001,
        "offset": {"COUNCIL": 0, "ICB": 0, "TRUST": 0},
        "risk_pool": {"COUNCIL": 500000, "ICB": 500000, "TRUST": 500000},
        "residual": 1500001,
        "rule": "RS12 NO_RISK_SHARE",
        "explanation": [
            "RS12 NO_RISK_SHARE",
            "each partner bears its own spending less its own contribution, less its part of "
            "15,000.00 covered first, pro rata to own overspends",
        ],
        "deficit": {"COUNCIL": 1000000, "ICB": 500001, "TRUST": 0},
        "underspend": {"COUNCIL": 0, "ICB": 0, "TRUST": 0},
        "dispositions": {},
        "redeploy_to": None,
        "net_share": {"COUNCIL": 51500000, "ICB": 51000001, "TRUST": 50500000},
        "income_share": {"COUNCIL": 0, "ICB": 0, "TRUST": 0},
        "gross_share": {"COUNCIL": 51500000, "ICB": 51000001, "TRUST": 50500000},
        "income_basis": "net shares",
    }
]

RS12_PARTNERS = [
    {
        "partner": "COUNCIL",
        "is_host": True,
        "contributions": 50000000,
        "risk_pool_contribution": 500000,
        "risk_pool_used": 500000,
        "additional_paid": 0,
        "deficit": 1000000,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 51500000,
        "income_share": 0,
        "gross_share": 51500000,
        "balance": -1000000,
        "held": 0,
        "settlement": 0,
        "settlement_due": None,
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": 0,
        "balance_with_host": 0,
    },
    {
        "partner": "ICB",
        "is_host": False,
        "contributions": 50000000,
        "risk_pool_contribution": 500000,
        "risk_pool_used": 500000,
        "additional_paid": 0,
        "deficit": 500001,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 51000001,
        "income_share": 0,
        "gross_share": 51000001,
        "balance": -500001,
        "held": 0,
        "settlement": -500001,
        "settlement_due": "2026-04-30",
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 50500000,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": -51000001,
        "balance_with_host": -51000001,
    },
    {
        "partner": "TRUST",
        "is_host": False,
        "contributions": 50000000,
        "risk_pool_contribution": 500000,
        "risk_pool_used": 500000,
        "additional_paid": 0,
        "deficit": 0,
        "underspend": 0,
        "refunded": 0,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 50500000,
        "income_share": 0,
        "gross_share": 50500000,
        "balance": 0,
        "held": 0,
        "settlement": 0,
        "settlement_due": None,
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 50500000,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": -50500000,
        "balance_with_host": -50500000,
    },
]

RS12_JOURNALS = {
    "COUNCIL": [
        (
            "H3",
            "POOL_EXPENDITURE_CLEARING",
            153000001,
            0,
            "S",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        (
            "H3",
            "TRADE_PAYABLES",
            0,
            153000001,
            "S",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        ("H6", "EXPENDITURE_SHARE", 51500000, 0, "S", None, "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 51000001, 0, "S", "ICB", "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 50500000, 0, "S", "TRUST", "allocate pool expenditure"),
        ("H6", "POOL_EXPENDITURE_CLEARING", 0, 153000001, "S", None, "allocate pool expenditure"),
        (
            "H1",
            "CONTRIBUTION_RECEIVABLE",
            50500000,
            0,
            None,
            "ICB",
            "contribution instalments unpaid by ICB at 31 March",
        ),
        (
            "H1",
            "FUNDS_HELD_FOR",
            0,
            50500000,
            None,
            "ICB",
            "contribution instalments unpaid by ICB at 31 March",
        ),
        (
            "H8",
            "RECEIVABLE_FROM_PARTNER",
            500001,
            0,
            None,
            "ICB",
            "additional contribution receivable from ICB",
        ),
        (
            "H8",
            "FUNDS_HELD_FOR",
            0,
            500001,
            None,
            "ICB",
            "additional contribution receivable from ICB",
        ),
        (
            "H1",
            "CONTRIBUTION_RECEIVABLE",
            50500000,
            0,
            None,
            "TRUST",
            "contribution instalments unpaid by TRUST at 31 March",
        ),
        (
            "H1",
            "FUNDS_HELD_FOR",
            0,
            50500000,
            None,
            "TRUST",
            "contribution instalments unpaid by TRUST at 31 March",
        ),
    ],
    "ICB": [
        ("P2", "EXPENDITURE_SHARE", 51000001, 0, "S", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 51000001, "S", "COUNCIL", "share of pool expenditure"),
        (
            "P1",
            "HELD_BY_HOST",
            50500000,
            0,
            None,
            "COUNCIL",
            "contribution instalments unpaid at 31 March",
        ),
        (
            "P1",
            "CONTRIBUTION_PAYABLE",
            0,
            50500000,
            None,
            "COUNCIL",
            "contribution instalments unpaid at 31 March",
        ),
        (
            "P4",
            "HELD_BY_HOST",
            500001,
            0,
            None,
            "COUNCIL",
            "additional contribution payable to host",
        ),
        (
            "P4",
            "PAYABLE_TO_HOST",
            0,
            500001,
            None,
            "COUNCIL",
            "additional contribution payable to host",
        ),
    ],
    "TRUST": [
        ("P2", "EXPENDITURE_SHARE", 50500000, 0, "S", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 50500000, "S", "COUNCIL", "share of pool expenditure"),
        (
            "P1",
            "HELD_BY_HOST",
            50500000,
            0,
            None,
            "COUNCIL",
            "contribution instalments unpaid at 31 March",
        ),
        (
            "P1",
            "CONTRIBUTION_PAYABLE",
            0,
            50500000,
            None,
            "COUNCIL",
            "contribution instalments unpaid at 31 March",
        ),
    ],
}

RS12_ENTRIES = [
    {
        "id": "SETTLE-2025-26-ICB",
        "entry": "settlement",
        "year": "2025-26",
        "partner": "ICB",
        "amount": {"amount": "-5000.01", "currency": "GBP"},
        "due_date": "2026-04-30",
        "paid_date": None,
        "description": "year-end settlement: positive, host pays partner",
    },
    {"id": "CLOSED-2025-26", "entry": "year_closed", "year": "2025-26", "closed_on": "2026-03-31"},
]

RS11_SCHEMES = [
    {
        "scheme": "S",
        "name": "Scheme",
        "contributions": {"COUNCIL": 30000000, "ICB": 30000000, "TRUST": 10000000},
        "expenditure": 69999989,
        "income": 0,
        "net": 69999989,
        "variance": -11,
        "offset": {"COUNCIL": 0, "ICB": 0, "TRUST": 0},
        "risk_pool": {"COUNCIL": 0, "ICB": 0, "TRUST": 0},
        "residual": -11,
        "rule": "RS11 WINDFALL_MANAGED",
        "explanation": [
            "RS11 WINDFALL_MANAGED",
            "pro rata to contributions: (0.11) split COUNCIL 3/7, ICB 3/7, TRUST 1/7",
        ],
        "deficit": {"COUNCIL": 0, "ICB": 0, "TRUST": 0},
        "underspend": {"COUNCIL": 5, "ICB": 5, "TRUST": 1},
        "dispositions": {
            "REFUND": {"COUNCIL": 5, "ICB": 4, "TRUST": 1},
            "CARRY_FORWARD": {"COUNCIL": 0, "ICB": 1, "TRUST": 0},
        },
        "redeploy_to": None,
        "net_share": {"COUNCIL": 29999995, "ICB": 29999995, "TRUST": 9999999},
        "income_share": {"COUNCIL": 0, "ICB": 0, "TRUST": 0},
        "gross_share": {"COUNCIL": 29999995, "ICB": 29999995, "TRUST": 9999999},
        "income_basis": "net shares",
    }
]

RS11_PARTNERS = [
    {
        "partner": "COUNCIL",
        "is_host": True,
        "contributions": 30000000,
        "risk_pool_contribution": 0,
        "risk_pool_used": 0,
        "additional_paid": 0,
        "deficit": 0,
        "underspend": 5,
        "refunded": 5,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 29999995,
        "income_share": 0,
        "gross_share": 29999995,
        "balance": 5,
        "held": 0,
        "settlement": 0,
        "settlement_due": None,
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": 0,
        "balance_with_host": 0,
    },
    {
        "partner": "ICB",
        "is_host": False,
        "contributions": 30000000,
        "risk_pool_contribution": 0,
        "risk_pool_used": 0,
        "additional_paid": 0,
        "deficit": 0,
        "underspend": 5,
        "refunded": 4,
        "carried_forward": 1,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 29999995,
        "income_share": 0,
        "gross_share": 29999995,
        "balance": 5,
        "held": 1,
        "settlement": 4,
        "settlement_due": "2026-04-30",
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": 4,
        "balance_with_host": 5,
    },
    {
        "partner": "TRUST",
        "is_host": False,
        "contributions": 10000000,
        "risk_pool_contribution": 0,
        "risk_pool_used": 0,
        "additional_paid": 0,
        "deficit": 0,
        "underspend": 1,
        "refunded": 1,
        "carried_forward": 0,
        "redeployed": 0,
        "contingency": 0,
        "unused_risk_pool": 0,
        "cancelled": 0,
        "net_share": 9999999,
        "income_share": 0,
        "gross_share": 9999999,
        "balance": 1,
        "held": 0,
        "settlement": 1,
        "settlement_due": "2026-04-30",
        "opening_balance": 0,
        "paid_directly": 0,
        "vat_recharge": 0,
        "unpaid_contributions": 0,
        "unpaid_earlier_years": 0,
        "paid_after_year_end": 0,
        "amount_due": 1,
        "balance_with_host": 1,
    },
]

RS11_JOURNALS = {
    "COUNCIL": [
        ("H1", "CASH", 30000000, 0, "S", None, "instalments received from ICB"),
        ("H1", "FUNDS_HELD_FOR", 0, 30000000, "S", "ICB", "instalments received from ICB"),
        ("H1", "CASH", 10000000, 0, "S", None, "instalments received from TRUST"),
        ("H1", "FUNDS_HELD_FOR", 0, 10000000, "S", "TRUST", "instalments received from TRUST"),
        (
            "H3",
            "POOL_EXPENDITURE_CLEARING",
            69999989,
            0,
            "S",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        (
            "H3",
            "TRADE_PAYABLES",
            0,
            69999989,
            "S",
            None,
            "pool expenditure (net + irrecoverable VAT)",
        ),
        ("H6", "EXPENDITURE_SHARE", 29999995, 0, "S", None, "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 29999995, 0, "S", "ICB", "allocate pool expenditure"),
        ("H6", "FUNDS_HELD_FOR", 9999999, 0, "S", "TRUST", "allocate pool expenditure"),
        ("H6", "POOL_EXPENDITURE_CLEARING", 0, 69999989, "S", None, "allocate pool expenditure"),
        ("H9", "FUNDS_HELD_FOR", 4, 0, None, "ICB", "refund of underspend payable to ICB"),
        ("H9", "PAYABLE_TO_PARTNER", 0, 4, None, "ICB", "refund of underspend payable to ICB"),
        ("H9", "FUNDS_HELD_FOR", 1, 0, None, "TRUST", "refund of underspend payable to TRUST"),
        ("H9", "PAYABLE_TO_PARTNER", 0, 1, None, "TRUST", "refund of underspend payable to TRUST"),
    ],
    "ICB": [
        ("P1", "HELD_BY_HOST", 30000000, 0, "S", "COUNCIL", "contribution instalments paid"),
        ("P1", "CASH", 0, 30000000, "S", None, "contribution instalments paid"),
        ("P2", "EXPENDITURE_SHARE", 29999995, 0, "S", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 29999995, "S", "COUNCIL", "share of pool expenditure"),
        ("P6", "REFUND_DUE_FROM_HOST", 4, 0, None, "COUNCIL", "refund of underspend due from host"),
        ("P6", "HELD_BY_HOST", 0, 4, None, "COUNCIL", "refund of underspend due from host"),
    ],
    "TRUST": [
        ("P1", "HELD_BY_HOST", 10000000, 0, "S", "COUNCIL", "contribution instalments paid"),
        ("P1", "CASH", 0, 10000000, "S", None, "contribution instalments paid"),
        ("P2", "EXPENDITURE_SHARE", 9999999, 0, "S", None, "share of pool expenditure"),
        ("P2", "HELD_BY_HOST", 0, 9999999, "S", "COUNCIL", "share of pool expenditure"),
        ("P6", "REFUND_DUE_FROM_HOST", 1, 0, None, "COUNCIL", "refund of underspend due from host"),
        ("P6", "HELD_BY_HOST", 0, 1, None, "COUNCIL", "refund of underspend due from host"),
    ],
}

RS11_ENTRIES = [
    {
        "id": "SETTLE-2025-26-ICB",
        "entry": "settlement",
        "year": "2025-26",
        "partner": "ICB",
        "amount": {"amount": "0.04", "currency": "GBP"},
        "due_date": "2026-04-30",
        "paid_date": None,
        "description": "year-end settlement: positive, host pays partner",
    },
    {
        "id": "SETTLE-2025-26-TRUST",
        "entry": "settlement",
        "year": "2025-26",
        "partner": "TRUST",
        "amount": {"amount": "0.01", "currency": "GBP"},
        "due_date": "2026-04-30",
        "paid_date": None,
        "description": "year-end settlement: positive, host pays partner",
    },
    {
        "id": "BF-2026-27-S-ICB",
        "entry": "contribution",
        "partner": "ICB",
        "scheme": "S",
        "year": "2026-27",
        "amount": {"amount": "0.01", "currency": "GBP"},
        "kind": "BROUGHT_FORWARD",
        "effective_date": "2026-04-01",
        "approval_ref": "year-end close 2025-26",
        "description": "underspend brought forward from 2025-26",
    },
    {"id": "CLOSED-2025-26", "entry": "year_closed", "year": "2025-26", "closed_on": "2026-03-31"},
]


SNAPSHOTS = {
    "example 1": (close_example1, EX1_SCHEMES, EX1_PARTNERS, EX1_JOURNALS, EX1_ENTRIES),
    "example 2": (close_example2, EX2_SCHEMES, EX2_PARTNERS, EX2_JOURNALS, EX2_ENTRIES),
    "terminated": (close_terminated, TERM_SCHEMES, TERM_PARTNERS, TERM_JOURNALS, TERM_ENTRIES),
    "RS12 after the pool": (
        close_rs12_after_pool,
        RS12_SCHEMES,
        RS12_PARTNERS,
        RS12_JOURNALS,
        RS12_ENTRIES,
    ),
    "RS11 Alabama": (close_rs11_alabama, RS11_SCHEMES, RS11_PARTNERS, RS11_JOURNALS, RS11_ENTRIES),
}


@pytest.fixture(scope=shared_scope, params=list(SNAPSHOTS))
def snapshot(request: pytest.FixtureRequest) -> tuple[YearEndClose, tuple[Any, ...]]:
    case = SNAPSHOTS[request.param]
    return case[0](), case[1:]


# ---------------------------------------------------- 4. the body of the close, every field


def test_every_scheme_field(snapshot: tuple[YearEndClose, tuple[Any, ...]]) -> None:
    result, (schemes, _, _, _) = snapshot
    assert [s.model_dump(mode="json") for s in result.schemes] == schemes


def test_every_partner_field(snapshot: tuple[YearEndClose, tuple[Any, ...]]) -> None:
    result, (_, partners, _, _) = snapshot
    assert [p.model_dump(mode="json") for p in result.partners] == partners


def test_the_entries_to_post(snapshot: tuple[YearEndClose, tuple[Any, ...]]) -> None:
    result, (_, _, _, entries) = snapshot
    assert [e.model_dump(mode="json") for e in result.entries] == entries


# ------------------------------------------------------------- 3. the year-end journals


def test_every_journal_line(snapshot: tuple[YearEndClose, tuple[Any, ...]]) -> None:
    result, (_, _, journals, _) = snapshot
    assert journal_lines(result) == journals


@pytest.mark.parametrize("name", list(SNAPSHOTS))
def test_the_frozen_journals_make_accounting_sense(name: str) -> None:
    """The literals themselves: every reference balances, and with each partner the
    host's lines mirror that partner's lines with the host."""
    journals = SNAPSHOTS[name][3]
    host = next(iter(journals))
    for lines in journals.values():
        by_ref: dict[tuple[str, str | None, str], int] = defaultdict(int)
        for ref, _, debit, credit, scheme, _, memo in lines:
            by_ref[(ref, scheme, memo)] += debit - credit
        assert set(by_ref.values()) == {0}
    for partner, lines in journals.items():
        if partner == host:
            continue
        theirs = sum(d - c for _, _, d, c, _, cp, _ in lines if cp == host)
        ours = sum(d - c for _, _, d, c, _, cp, _ in journals[host] if cp == partner)
        assert theirs + ours == 0


# ---------------------------------------------------------------- 2. the RS11 windfall split

FOUR = ("COUNCIL", "ICB", "TRUST", "CCG")


def by(order: tuple[str, ...], *pence: int) -> dict[str, int]:
    return dict(zip(order, pence, strict=True))


@pytest.mark.parametrize(
    ("windfall", "under", "contributions", "expected"),
    [
        # 10p by 3:3:1 is 4.29 / 4.29 / 1.43: floors 4 / 4 / 1, the odd penny to the
        # trust (.43), 2p > its 1p underspend; the spare penny to the council (.29,
        # tied with the ICB, earlier first)
        pytest.param(
            10, by(THREE, 5, 5, 1), by(THREE, 3, 3, 1), by(THREE, 5, 4, 1), id="3-alabama"
        ),
        # 8p by 7:5:3:2 is 3.29 / 2.35 / 1.41 / 0.94: 3 / 2 / 2 / 1 and the trust's 2p
        # exceeds its 1p; the spare penny to the ICB (.35 beats the council's .29)
        pytest.param(
            8, by(FOUR, 4, 3, 1, 1), by(FOUR, 7, 5, 3, 2), by(FOUR, 3, 3, 1, 1), id="4-alabama"
        ),
        # 17p by 4:4:4:1 is 5.23 x3 / 1.31: the CCG's 2p exceeds its 1p; the trust has
        # no room (5 of 5), the council takes the penny
        pytest.param(
            17, by(FOUR, 6, 6, 5, 1), by(FOUR, 4, 4, 4, 1), by(FOUR, 6, 5, 5, 1), id="4-no-room"
        ),
        # pro rata to contributions (1:1:1), not to the underspend shares (5:3:2)
        pytest.param(7, by(THREE, 5, 3, 2), by(THREE, 1, 1, 1), by(THREE, 3, 2, 2), id="3-odd"),
        # the ICB contributes nothing: no windfall weight (6p by 10:0:10 = 3 / 0 / 3);
        # the trust's 3p exceeds its 2p, the council (first with room) takes it
        pytest.param(6, by(THREE, 5, 3, 2), by(THREE, 10, 0, 10), by(THREE, 4, 0, 2), id="zero"),
        # the council has no underspend share: its contribution does not count;
        # 5p by 1:1 is 2.5 / 2.5, the odd penny to the earlier ICB
        pytest.param(5, by(THREE, 0, 3, 2), by(THREE, 100, 1, 1), by(THREE, 0, 3, 2), id="none"),
        # no contributions: pro rata to the underspend shares 5:3:2 (3.5 / 2.1 / 1.4)
        pytest.param(7, by(THREE, 5, 3, 2), {}, by(THREE, 4, 2, 1), id="fallback-missing"),
        pytest.param(7, by(THREE, 5, 3, 2), by(THREE, 0, 0, 0), by(THREE, 4, 2, 1), id="fallback"),
        pytest.param(0, by(THREE, 5, 3, 2), by(THREE, 1, 1, 1), by(THREE, 0, 0, 0), id="nil"),
        # the whole underspend as windfall: 3.33 each gives 4 / 3 / 3, the trust's 3p
        # exceeds its 2p and the council takes it back: every partner all its share
        pytest.param(10, by(THREE, 5, 3, 2), by(THREE, 1, 1, 1), by(THREE, 5, 3, 2), id="all"),
        # two partners: 5p by 2:1 is 3.33 / 1.67, the odd penny to the ICB
        pytest.param(5, by(THREE[:2], 6, 3), by(THREE[:2], 2, 1), by(THREE[:2], 3, 2), id="2-odd"),
    ],
)
def test_the_rs11_windfall_split_to_the_penny(
    windfall: int,
    under: dict[str, int],
    contributions: dict[str, int],
    expected: dict[str, int],
) -> None:
    order = tuple(under)
    parts = _windfall_parts(windfall, under, contributions, order)
    assert parts == expected
    assert sum(parts.values()) == windfall
    assert all(0 <= parts[p] <= under[p] for p in order)


def test_rs11_through_the_close_pins_refund_and_managed_parts() -> None:
    """The RS11 case of the snapshots, field by field: refund 5 / 4 / 1, the ICB's
    managed penny carried forward and brought forward into 2026-27."""
    r = close_rs11_alabama()
    s = r.scheme("S")
    assert s.underspend == {"COUNCIL": 5, "ICB": 5, "TRUST": 1}
    assert s.dispositions == {
        "REFUND": {"COUNCIL": 5, "ICB": 4, "TRUST": 1},
        "CARRY_FORWARD": {"COUNCIL": 0, "ICB": 1, "TRUST": 0},
    }
    assert {
        p.partner: (p.refunded, p.carried_forward, p.held, p.settlement) for p in r.partners
    } == {
        "COUNCIL": (5, 0, 0, 0),
        "ICB": (4, 1, 1, 4),
        "TRUST": (1, 0, 0, 1),
    }
    bf = [(e.id, e.pence) for e in r.entries if e.entry is EntryKind.CONTRIBUTION]
    assert bf == [("BF-2026-27-S-ICB", 1)]


# ------------------------------------------------------- 1. RS12 after the risk pool covered

RS12_TRAIL = (
    "each partner bears its own spending less its own contribution, less its part of "
    "{} covered first, pro rata to own {}"
)


def test_rs12_after_the_pool_relieves_the_overspenders_pro_rata_to_own_overspends() -> None:
    """The RS12 case of the snapshots: the trust, with no own variance, bears nothing
    and gets none of the relief; the odd penny of the relief goes to the council."""
    r = close_rs12_after_pool()
    s = r.scheme("S")
    assert (s.variance, s.residual) == (3000001, 1500001)
    assert s.risk_pool == {"COUNCIL": 500000, "ICB": 500000, "TRUST": 500000}
    assert s.deficit == {"COUNCIL": 1000000, "ICB": 500001, "TRUST": 0}
    assert s.underspend == {"COUNCIL": 0, "ICB": 0, "TRUST": 0}
    assert s.rule == "RS12 NO_RISK_SHARE"
    assert s.explanation == ("RS12 NO_RISK_SHARE", RS12_TRAIL.format("15,000.00", "overspends"))


def test_rs12_after_the_pool_leaves_an_own_underspend_alone() -> None:
    """Offsetting own variances: the council overspends 40,000.00 of its own, the ICB
    underspends 10,000.00 of its own (variance 30,000.00).  The pool covers 20,000.00,
    all the council's relief: the council bears 20,000.00, the ICB keeps its own
    10,000.00 underspend, refunded."""
    ag = agreement(
        NoRiskShare(),
        {"COUNCIL": "500000.00", "ICB": "500000.00"},
        risk_pool={"COUNCIL": "10000.00", "ICB": "10000.00"},
    )
    entries: list[Entry] = [
        spend("C1", "540000.00", by="COUNCIL", agreement_ref="Board 1"),
        spend("I1", "490000.00", by="ICB"),
    ]
    s = close(ag, entries).scheme("S")
    assert (s.variance, s.residual) == (3000000, 1000000)
    assert s.risk_pool == {"COUNCIL": 1000000, "ICB": 1000000}
    assert s.deficit == {"COUNCIL": 2000000, "ICB": 0}
    assert s.underspend == {"COUNCIL": 0, "ICB": 1000000}
    assert s.dispositions == {"REFUND": {"COUNCIL": 0, "ICB": 1000000}}
    assert s.explanation == ("RS12 NO_RISK_SHARE", RS12_TRAIL.format("20,000.00", "overspends"))


def _facts(contributions: tuple[int, ...], own_net: tuple[int, ...]) -> SchemeFacts:
    scheme = agreement(NoRiskShare(), {"COUNCIL": "1.00"}).schemes[0]
    return SchemeFacts(
        scheme,
        dict(zip(THREE, contributions, strict=True)),
        own_net=dict(zip(THREE, own_net, strict=True)),
    )


def test_rs12_an_underspend_used_by_offsetting_is_taken_pro_rata_to_own_underspends() -> None:
    """Underspend side: own variances -1,000.00 / -999.99 / +500.00 (sum -1,499.99);
    offsetting used 1,000.00 of it, so the residual is -499.99.  The 1,000.00 comes off
    the two underspenders 100,000 : 99,999 (exact 500.0025 / 499.9975: floors 500.00 /
    499.99, the odd penny to the ICB): -500.00 / -499.99; the trust, on the other side,
    keeps its own +500.00."""
    facts = _facts((500000, 300000, 200000), (400000, 200001, 250000))
    shares, trail = _no_risk_after_pool(-49999, facts, THREE)
    assert shares == {"COUNCIL": -50000, "ICB": -49999, "TRUST": 50000}
    assert trail == ("RS12 NO_RISK_SHARE", RS12_TRAIL.format("1,000.00", "underspends"))


def test_rs12_an_overspend_relief_skips_a_partner_with_no_own_variance() -> None:
    """Own variances +300.00 / 0 / +100.01 (sum 400.01), residual 200.00: relief
    200.01 by 30,000 : 10,001 (exact 150.00375 / 50.00625: floors 150.00 / 50.00, the
    odd penny to the trust): relief 150.00 / 50.01, so 150.00 / 0 / 50.00 are left."""
    facts = _facts((100000, 100000, 100000), (130000, 100000, 110001))
    shares, trail = _no_risk_after_pool(20000, facts, THREE)
    assert shares == {"COUNCIL": 15000, "ICB": 0, "TRUST": 5000}
    assert trail == ("RS12 NO_RISK_SHARE", RS12_TRAIL.format("200.01", "overspends"))


def test_rs12_with_nothing_covered_each_bears_its_own() -> None:
    """No relief (residual = the sum of own variances): each its own figure, and the
    trail names no relief (it said "less its part of 0.00 ... underspends")."""
    facts = _facts((100000, 100000, 100000), (130000, 90000, 100000))
    shares, trail = _no_risk_after_pool(20000, facts, THREE)
    assert shares == {"COUNCIL": 30000, "ICB": -10000, "TRUST": 0}
    assert trail == (
        "RS12 NO_RISK_SHARE",
        "each partner bears its own spending less its own contribution",
    )


def test_rs12_a_relief_with_no_partner_on_its_side_goes_pro_rata_to_contributions() -> None:
    """Own variances 0 / 0 / 0 and a residual of -100.01: 100.01 of relief with no
    overspender to take it (it raised AllocationError).  It is spread pro rata to the
    contributions 5 : 3 : 2 (exact 50.005 / 30.003 / 20.002: floors 50.00 / 30.00 /
    20.00, the odd penny to the council), every penny of it placed."""
    facts = _facts((500000, 300000, 200000), (500000, 300000, 200000))
    shares, trail = _no_risk_after_pool(-10001, facts, THREE)
    assert shares == {"COUNCIL": -5001, "ICB": -3000, "TRUST": -2000}
    assert sum(shares.values()) == -10001
    assert trail == (
        "RS12 NO_RISK_SHARE",
        "each partner bears its own spending less its own contribution, less its part of "
        "100.01 covered first, pro rata to contributions",
    )


def test_the_rs11_fix_up_penny_stays_with_the_partners_that_contributed() -> None:
    """Helper finding: the Alabama fix-up gave its spare penny by remainder alone, so a
    partner with an underspend share but no contribution (weight 0, remainder 0) took
    it ahead of a contributor whose remainder was negative.  Windfall 5 by
    contributions 1 : 1 : 1 (the fourth partner contributed nothing) is 1.67 each:
    2 / 2 / 1.  The first has only 1p of underspend, so one penny is spare; the second
    (1p of room, remainder -0.33) takes it, not the non-contributor (it took it)."""
    order = ("A", "B", "C", "D")
    under = {"A": 1, "B": 3, "C": 1, "D": 5}
    contributions = {"A": 1, "B": 1, "C": 1, "D": 0}
    parts = _windfall_parts(5, under, contributions, order)
    assert parts == {"A": 1, "B": 3, "C": 1, "D": 0}
    # with no contributor left with room, the non-contributor takes it
    parts = _windfall_parts(6, under, contributions, order)
    assert parts == {"A": 1, "B": 3, "C": 1, "D": 1}


# ----------------------------------------------- the risk pool's spread across schemes (RS7)


def test_the_pro_rata_spread_falls_back_when_rows_round_onto_one_scheme() -> None:
    """Two schemes overspent by 1p each and a pool of 2p, 1p from each partner: split
    row by row, each partner's penny goes to the first scheme (a tie), which would be
    covered 2p for a 1p overspend.  The spread then fixes the scheme totals at 1p / 1p
    and keeps each partner's 1p: one scheme each."""
    rp = RiskPoolTerms(schemes=("S1", "S2"))
    grid = _spread(rp, {"COUNCIL": 1, "ICB": 1}, 2, ["S1", "S2"], {"S1": 1, "S2": 1})
    assert grid == {"COUNCIL": {"S1": 1, "S2": 0}, "ICB": {"S1": 0, "S2": 1}}


def test_the_pro_rata_spread_keeps_both_totals_when_nothing_rounds_over() -> None:
    """Overspends 300.00 and 100.00, a pool use of 200.00 from 150.00 and 50.00: each
    row by 3 : 1, no scheme covered beyond its overspend, so no fix-up."""
    rp = RiskPoolTerms()
    grid = _spread(
        rp, {"COUNCIL": 15000, "ICB": 5000}, 20000, ["S1", "S2"], {"S1": 30000, "S2": 10000}
    )
    assert grid == {"COUNCIL": {"S1": 11250, "S2": 3750}, "ICB": {"S1": 3750, "S2": 1250}}


def test_the_priority_spread_fills_the_listed_schemes_then_the_rest_in_order() -> None:
    """Priority S2 then the others in scope order (S1, S3); S4, listed but out of scope,
    is skipped.  6.00 of use: S2 takes its 3.00, S1 the other 3.00 of its 5.00, S3
    nothing.  Both sets of totals hold: partners 4.00 / 2.00, schemes 3.00 / 3.00."""
    rp = RiskPoolTerms(spread=RiskPoolSpread.PRIORITY, priority=("S4", "S2"))
    grid = _spread(
        rp,
        {"COUNCIL": 400, "ICB": 200},
        600,
        ["S1", "S2", "S3"],
        {"S1": 500, "S2": 300, "S3": 400, "S4": 900},
    )
    assert {p: sum(row.values()) for p, row in grid.items()} == {"COUNCIL": 400, "ICB": 200}
    columns = {k: sum(row.get(k, 0) for row in grid.values()) for k in ("S1", "S2", "S3", "S4")}
    assert columns == {"S1": 300, "S2": 300, "S3": 0, "S4": 0}
    assert list(grid["COUNCIL"]) == ["S2", "S1"]


def test_rs12_a_one_penny_relief_and_a_one_penny_overspender() -> None:
    """Own variances +1p / -2.00 / +3p (sum -1.96) and a residual of -1.97: a relief of
    1p, an overspend relief, goes to the overspenders 1 : 3, the odd penny to the
    larger (exact 0.25 / 0.75); the underspender keeps its own -2.00."""
    facts = _facts((100000, 100000, 100000), (100001, 99800, 100003))
    shares, trail = _no_risk_after_pool(-197, facts, THREE)
    assert shares == {"COUNCIL": 1, "ICB": -200, "TRUST": 2}
    assert trail[1].endswith("less its part of 0.01 covered first, pro rata to own overspends")


def test_rs12_a_relief_with_no_side_and_no_contributions_is_shared_equally() -> None:
    """No own variances and no contributions: a 3p relief goes 1p to each partner."""
    facts = _facts((0, 0, 0), (0, 0, 0))
    shares, _ = _no_risk_after_pool(-3, facts, THREE)
    assert shares == {"COUNCIL": -1, "ICB": -1, "TRUST": -1}


# ------------------------------------------------------------------- offsetting (RS8)


def _offsetting_case() -> YearEndClose:
    """Five schemes, each shared pro rata to contributions, offsetting allowed in the
    order D, C, B (B is ring-fenced, so never a source):

    ====  ===================  =========  =====================================
    A     500,000 / 500,000    +30,000    met by D's 8,000 (1:1) then C's 22,000 (3:2)
    B     100,000 / 100,000    -10,000    ring-fenced: kept, never offsets
    C     600,000 / 400,000    -25,000    gives 22,000 to A, then 3,000 to E
    D     200,000 / 200,000     -8,000    gives all 8,000 to A
    E     250,000 / 250,000     +5,000    D has nothing left; C's last 3,000; 2,000 left
    ====  ===================  =========  =====================================
    """
    from pooledledger.model.agreement import Agreement, PlannedContribution, Scheme
    from pooledledger.model.entries import ContributionKind, Expenditure
    from pooledledger.model.rules import Offsetting, ProRataContributions

    base = agreement(ProRataContributions(), {"COUNCIL": "1.00", "ICB": "1.00"})
    table = {
        "A": ("500000.00", "500000.00", "1030000.00", False),
        "B": ("100000.00", "100000.00", "190000.00", True),
        "C": ("600000.00", "400000.00", "975000.00", False),
        "D": ("200000.00", "200000.00", "392000.00", False),
        "E": ("250000.00", "250000.00", "505000.00", False),
    }
    schemes = tuple(
        Scheme(id=k, name=f"Scheme {k}", lead_commissioner="COUNCIL", ring_fenced=rf)
        for k, (_, _, _, rf) in table.items()
    )
    planned = tuple(
        PlannedContribution(
            id=f"{p}-{k}",
            partner=p,
            scheme=k,
            year=Y,
            amount=amount,
            kind=ContributionKind.BASE,
            approval_ref=f"{p} approval",
        )
        for k, (council, icb, _, _) in table.items()
        for p, amount in (("COUNCIL", council), ("ICB", icb))
    )
    ag: Agreement = base.model_copy(
        update={
            "schemes": schemes,
            "contributions": planned,
            "offsetting": Offsetting(allowed=True, agreement_ref="8.2", order=("D", "C", "B")),
        }
    )
    entries: list[Entry] = [
        Expenditure(id=f"E-{k}", scheme=k, date=date(2025, 9, 1), net=net)
        for k, (_, _, net, _) in table.items()
    ]
    return close_year(ag, Ledger(ag, entries), Y)


def test_offsetting_moves_each_partners_underspend_to_the_overspends_in_order() -> None:
    r = _offsetting_case()
    offsets = {s.scheme: dict(s.offset) for s in r.schemes}
    assert offsets == {
        "A": {"COUNCIL": 1720000, "ICB": 1280000},
        "B": {"COUNCIL": 0, "ICB": 0},
        "C": {"COUNCIL": -1500000, "ICB": -1000000},
        "D": {"COUNCIL": -400000, "ICB": -400000},
        "E": {"COUNCIL": 180000, "ICB": 120000},
    }
    assert {s.scheme: s.residual for s in r.schemes} == {
        "A": 0,
        "B": -1000000,
        "C": 0,
        "D": 0,
        "E": 200000,
    }
    assert r.scheme("E").deficit == {"COUNCIL": 100000, "ICB": 100000}
    assert r.scheme("B").underspend == {"COUNCIL": 500000, "ICB": 500000}
    assert r.scheme("C").underspend == {"COUNCIL": 0, "ICB": 0}


def test_the_capital_to_revenue_warning_names_both_schemes_and_the_option() -> None:
    from test_close_cases_rules import _capital_and_revenue

    ag, entries = _capital_and_revenue(True)
    (issue,) = [i for i in close(ag, entries).issues if i.code == "PL-CLS-010"]
    assert issue.severity.value == "warning"
    assert issue.message == (
        "the underspend of capital scheme CAP offsets 20,000.00 of the overspend of revenue "
        "scheme REV (offsetting.capital_to_revenue): check the capital money may meet "
        "revenue spending"
    )
    assert issue.location is not None
    assert issue.location.field == "offsetting.capital_to_revenue"
    assert close(ag, entries).scheme("CAP").offset == {"COUNCIL": -1000000, "ICB": -1000000}


# ------------------------------------------------- rule inputs: own spending, RS9, own VAT


def test_rs12_own_spending_is_less_its_share_of_income_and_sums_over_lines() -> None:
    """RS12, contributions 600,000.00 / 400,000.00.  The council procures 400,000.00 and
    a further 300,000.00 is bought with no procurer named (so the host's, the
    council's); the ICB procures 200,000.00 and 160,000.00.  Income of 50,000.00 is
    split by contributions (30,000.00 / 20,000.00) and taken off each partner's own
    spending: own variances 700,000 - 30,000 - 600,000 = +70,000.00 and
    360,000 - 20,000 - 400,000 = -60,000.00 (the scheme's variance +10,000.00)."""
    from pooledledger.model.entries import Income

    ag = agreement(NoRiskShare(), {"COUNCIL": "600000.00", "ICB": "400000.00"})
    entries: list[Entry] = [
        spend("C1", "400000.00", by="COUNCIL"),
        spend("C2", "300000.00"),
        spend("I1", "200000.00", by="ICB", agreement_ref="JCB 4"),
        spend("I2", "160000.00", by="ICB", agreement_ref="JCB 4"),
        Income(id="N1", scheme="S", date=date(2025, 12, 1), amount="50000.00"),
    ]
    s = close(ag, entries).scheme("S")
    assert s.variance == 1000000
    assert s.deficit == {"COUNCIL": 7000000, "ICB": 0}
    assert s.underspend == {"COUNCIL": 0, "ICB": 6000000}


def test_rs9_unauthorised_spending_sums_over_its_lines() -> None:
    """As the single-line RS9 case, with the 10,000.00 of unauthorised spending in two
    lines of 5,000.00: the council still bears all 10,000.00 of it."""
    contributions = {"COUNCIL": "600000.00", "ICB": "400000.00"}
    entries = [
        spend("A1", "970000.00"),
        spend("X1", "5000.00", unauthorised=True),
        spend("X2", "5000.00", unauthorised=True),
    ]
    s = close(agreement(FaultBearer(bearer="COUNCIL"), contributions), entries).scheme("S")
    assert s.underspend == {"COUNCIL": 800000, "ICB": 1200000}


def test_a_procurers_irrecoverable_vat_sums_over_its_purchases() -> None:
    """Judgement (b), ``PROCURER``: the ICB buys twice, 50,000.00 + VAT 10,000.00 each;
    all 20,000.00 of irrecoverable VAT is the ICB's."""
    from pooledledger.model.agreement import IrrecoverableVat

    ag = agreement(ProRataContributions(), {"COUNCIL": "500000.00", "ICB": "500000.00"})
    own = ag.model_copy(update={"irrecoverable_vat": IrrecoverableVat.PROCURER})
    entries: list[Entry] = [
        spend("C1", "900000.00"),
        spend("I1", "50000.00", by="ICB", vat="10000.00", agreement_ref="JCB 4"),
        spend("I2", "50000.00", by="ICB", vat="10000.00", agreement_ref="JCB 4"),
    ]
    s = close(own, entries).scheme("S")
    assert s.deficit == {"COUNCIL": 0, "ICB": 2000000}


@pytest.mark.parametrize("disposition", ["CONTINGENCY", "CARRY_FORWARD", "REDEPLOY"], ids=str.lower)
def test_an_underspend_kept_by_the_host_is_held_whatever_its_disposition(disposition: str) -> None:
    """An underspend of 30,000.00 shared 3:2 (18,000.00 / 12,000.00) and kept by the
    host, as contingency, carried forward or redeployed: each partner's share is held,
    so neither is refunded and the cash settlement is nil."""
    from pooledledger.model.agreement import Scheme
    from pooledledger.model.rules import UnderspendDisposition, UnderspendRule

    rule = UnderspendRule(
        disposition=UnderspendDisposition(disposition),
        agreement_ref="Board 7",
        redeploy_to="T" if disposition == "REDEPLOY" else None,
    )
    ag = agreement(
        ProRataContributions(), {"COUNCIL": "600000.00", "ICB": "400000.00"}, underspend=rule
    )
    if disposition == "REDEPLOY":
        target = Scheme(id="T", name="Target", lead_commissioner="COUNCIL")
        ag = ag.model_copy(update={"schemes": (*ag.schemes, target)})
    r = close(ag, [spend("E1", "970000.00")])
    assert {p.partner: p.held for p in r.partners} == {"COUNCIL": 1800000, "ICB": 1200000}
    assert {p.partner: p.refunded for p in r.partners} == {"COUNCIL": 0, "ICB": 0}
    assert r.partner("ICB").settlement == 0


# ----------------------------------------------------- income with no net spending to share


def test_a_scheme_whose_income_equals_its_spending_shares_income_by_contributions() -> None:
    """Example 1's instalments, 40,000.00 spent and 40,000.00 of income: net nil, so no
    partner has a net share to weight income by; it goes by contributions 6 : 3 : 1,
    with PL-CLS-002 naming the scheme and its field."""
    from pooledledger.model.entries import Expenditure, Income

    ag, led = example(1)
    entries: list[Entry] = [e for e in led.entries if isinstance(e, Instalment)]
    entries += [
        Expenditure(id="E", scheme="LD", date=date(2007, 5, 1), net="40000.00"),
        Income(id="I", scheme="LD", date=date(2007, 6, 1), amount="40000.00"),
    ]
    r = close_year(ag, Ledger(ag, entries), Y7)
    s = r.scheme("LD")
    assert s.net == 0
    assert s.income_share == {"LA": 2400000, "PCT1": 1200000, "PCT2": 400000}
    (issue,) = [i for i in r.issues if i.code == "PL-CLS-002"]
    assert issue.message == (
        "scheme LD: net expenditure is 0.00 or a partner's net share is negative, so income "
        "is shared by contributions"
    )
    assert issue.location is not None
    assert issue.location.field == "schemes[LD]"


def test_rs12_with_no_contributions_gives_the_income_to_the_lead_commissioner() -> None:
    """RS12 with nothing contributed: the council (lead commissioner) procures 60,000.00
    and the ICB 30,000.00; the 10,000.00 of income is the lead's, so own variances are
    +50,000.00 and +30,000.00, each partner's deficit."""
    from pooledledger.model.entries import Income

    ag = agreement(NoRiskShare(), {}).model_copy(update={"contributions": ()})
    entries: list[Entry] = [
        spend("C1", "60000.00", by="COUNCIL", agreement_ref="JCB 4"),
        spend("I1", "30000.00", by="ICB", agreement_ref="JCB 4"),
        Income(id="N1", scheme="S", date=date(2025, 12, 1), amount="10000.00"),
    ]
    s = close(ag, entries).scheme("S")
    assert s.variance == 8000000
    assert s.deficit == {"COUNCIL": 5000000, "ICB": 3000000}


def test_an_additional_contribution_beside_a_risk_pool() -> None:
    """RS1 500,000.00 each with a risk pool of 15,000.00 each; the ICB pays an ADDITIONAL
    20,000.00 in year; spending 1,050,000.00.  The pool meets 30,000.00 of the 50,000.00
    overspend (15,000.00 each); the other 20,000.00 is shared 10,000.00 each, and the
    ICB's additional payment settles its 10,000.00 and 10,000.00 more comes back to it.
    The pool is funding of its own: it is neither additional nor scheme funding."""
    from pooledledger.model.entries import Contribution, ContributionKind

    ag = agreement(
        ProRataContributions(),
        {"COUNCIL": "500000.00", "ICB": "500000.00"},
        risk_pool={"COUNCIL": "15000.00", "ICB": "15000.00"},
    )
    entries: list[Entry] = [
        Contribution(
            id="ICB-ADD",
            partner="ICB",
            scheme="S",
            year=Y,
            amount="20000.00",
            kind=ContributionKind.ADDITIONAL,
            effective_date=date(2026, 2, 1),
            approval_ref="ICB Board 2026-01-20 paper 4",
        ),
        spend("E1", "1050000.00"),
    ]
    r = close(ag, entries)
    s = r.scheme("S")
    assert s.contributions == {"COUNCIL": 50000000, "ICB": 50000000}
    assert s.risk_pool == {"COUNCIL": 1500000, "ICB": 1500000}
    assert s.deficit == {"COUNCIL": 1000000, "ICB": 1000000}
    assert {p.partner: p.additional_paid for p in r.partners} == {"COUNCIL": 0, "ICB": 2000000}
    assert {p.partner: p.risk_pool_contribution for p in r.partners} == {
        "COUNCIL": 1500000,
        "ICB": 1500000,
    }
    assert r.partner("ICB").balance == 1000000


# ------------------------------------------------------------ small cases at the edges


def test_rs9_with_no_unauthorised_spending_charges_the_bearer_nothing_extra() -> None:
    """RS9, contributions 600,000.00 / 400,000.00 and an overspend of 10,000.01, none of
    it unauthorised: the bearer is charged nothing of its own (not even a penny), and
    the overspend is shared by the rule's fallback, 3 : 2 (6,000.01 / 4,000.00)."""
    contributions = {"COUNCIL": "600000.00", "ICB": "400000.00"}
    r = close(agreement(FaultBearer(bearer="COUNCIL"), contributions), [spend("A1", "1010000.01")])
    s = r.scheme("S")
    assert s.residual == 1000001
    assert sum(s.deficit.values()) == 1000001
    assert s.deficit == {"COUNCIL": 600001, "ICB": 400000}


def test_a_negative_windfall_ruling_is_no_windfall() -> None:
    """RS11 with a board ruling of a windfall of -0.05 (a keying error): no windfall is
    refunded; the whole underspend follows the managed disposition (carried forward)."""
    ag = agreement(WindfallManaged(), {"COUNCIL": "700000.00", "ICB": "300000.00"})
    rulings = {"S": BoardRuling(windfall_pence=-5, reference="Board minute 4")}
    s = close(ag, [spend("E1", "990000.00")], rulings=rulings).scheme("S")
    assert s.underspend == {"COUNCIL": 700000, "ICB": 300000}
    assert dict(s.dispositions) == {
        "REFUND": {"COUNCIL": 0, "ICB": 0},
        "CARRY_FORWARD": {"COUNCIL": 700000, "ICB": 300000},
    }


def test_terminating_on_the_first_day_of_the_year_closes_that_one_day() -> None:
    """Termination on 1 April 2025, the year's first day: the close covers that day
    alone, and says so."""
    ag = agreement(ProRataContributions(), {"COUNCIL": "500000.00", "ICB": "500000.00"})
    r = close(ag, [spend("E1", "1000.00", on=date(2025, 4, 1))], terminate_on=date(2025, 4, 1))
    assert r.terminated_on == date(2025, 4, 1)
