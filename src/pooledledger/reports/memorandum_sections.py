"""The memorandum account's sections A to M, built one by one from a close.

:func:`~pooledledger.reports.memorandum.memorandum_account` calls these in order
(docs/reports.md#the-memorandum-account): A and B from the agreement's planned
contributions and the ledger's, C and E from the ledger's pool lines of the year,
G to K from the close, then each column's line, L (the host–partner balances), I-1
as a line and the account's self-checks.  Every figure is integer pence.

Reports read results and never write entries (layer L4); this module is pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pooledledger.books.ledger import Ledger, Totals
from pooledledger.books.line_sums import CapitalLine, line_sums
from pooledledger.core.periods import DateRange
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import ContributionKind
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import UnderspendDisposition
from pooledledger.reports.memorandum import (
    CapitalItem,
    Conservation,
    ContributionSplit,
    HostBalance,
    IncomeSource,
    PartnerShares,
    ReportCheck,
    SchemeAccount,
    UnderspendUse,
)
from pooledledger.yearend.close import YearEndClose
from pooledledger.yearend.close_results import SchemeClose

#: A pence grid: partner → column → pence.
Grid = dict[PartnerId, dict[SchemeId, int]]
#: Amounts by field name, per partner and column (contribution kinds, dispositions).
Parts = dict[PartnerId, dict[SchemeId, dict[str, int]]]

_KIND_FIELD = {
    ContributionKind.BASE: "base",
    ContributionKind.UPLIFT: "uplift",
    ContributionKind.VARIATION: "variations",
    ContributionKind.RISK_POOL: "risk_pool",
}
_DISPOSITION_FIELD = {
    UnderspendDisposition.REFUND.value: "refunded",
    UnderspendDisposition.CARRY_FORWARD.value: "carried_forward",
    UnderspendDisposition.REDEPLOY.value: "redeployed",
    UnderspendDisposition.CONTINGENCY.value: "contingency",
}


@dataclass(frozen=True, slots=True)
class Frame:
    """The account's shape: partners in agreement order, schemes, then the risk pool."""

    order: tuple[PartnerId, ...]
    schemes: list[SchemeId]
    cols: list[SchemeId]
    rp_id: SchemeId | None
    host: PartnerId

    def zeros(self) -> Grid:
        return {p: dict.fromkeys(self.cols, 0) for p in self.order}

    def parts(self, fields: tuple[str, ...]) -> Parts:
        return {p: {c: dict.fromkeys(fields, 0) for c in self.cols} for p in self.order}


def frame(agreement: Agreement) -> Frame:
    rp_id = agreement.risk_pool.id if agreement.risk_pool is not None else None
    schemes = list(agreement.scheme_ids)
    cols = [*schemes, *([rp_id] if rp_id is not None else [])]
    return Frame(agreement.partner_order, schemes, cols, rp_id, agreement.host)


# -- A and B: contributions by kind -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Funding:
    """A (brought forward), B (by kind, less what termination cancelled)."""

    brought_forward: Grid
    contributions: dict[PartnerId, dict[SchemeId, ContributionSplit]]


def _contribution_items(
    agreement: Agreement, ledger: Ledger, close: YearEndClose
) -> list[tuple[PartnerId, SchemeId, ContributionKind, int]]:
    """The agreement's planned contributions of the year, then the ledger's."""
    items = [
        (c.partner, c.scheme, c.kind, c.pence) for c in agreement.contributions_for(close.year)
    ]
    items += [(c.partner, c.scheme, c.kind, c.pence) for c in ledger.contributions(close.year)]
    return items


def _by_kind(
    f: Frame, items: list[tuple[PartnerId, SchemeId, ContributionKind, int]]
) -> tuple[Grid, Grid, Parts]:
    """Brought forward, in-year additional (paid towards H) and B's kinds."""
    bf, additional = f.zeros(), f.zeros()
    parts = f.parts(("base", "uplift", "variations", "risk_pool"))
    for partner, scheme, kind, pence in items:
        if partner not in parts or scheme not in f.cols:
            continue  # unknown ids are reported by the agreement and ledger checks
        if kind is ContributionKind.RISK_POOL and scheme != f.rp_id:
            continue  # as the close: risk-pool money counts only on the risk pool
        if kind is ContributionKind.ADDITIONAL:
            additional[partner][scheme] += pence
            continue  # a payment towards the deficit share (H), not funding
        if kind is ContributionKind.BROUGHT_FORWARD:
            bf[partner][scheme] += pence
        else:
            parts[partner][scheme][_KIND_FIELD[kind]] += pence
    return bf, additional, parts


def _cancelled(f: Frame, close: YearEndClose, additional: Grid) -> Grid:
    """What termination cancelled of B: as the close, additional contributions first."""
    cancel = f.zeros()
    for x in close.cancelled:
        if x.partner in cancel and x.scheme in cancel[x.partner]:
            cancel[x.partner][x.scheme] += x.amount
    for p, row in cancel.items():
        for c, v in row.items():
            row[c] = v - min(max(v, 0), max(additional[p][c], 0))
    return cancel


def funding(agreement: Agreement, ledger: Ledger, close: YearEndClose, f: Frame) -> Funding:
    """A and B, partner × column."""
    bf, additional, parts = _by_kind(f, _contribution_items(agreement, ledger, close))
    cancel = _cancelled(f, close, additional)
    contributions = {
        p: {
            c: ContributionSplit(**v, cancelled=cancel[p][c], total=sum(v.values()) - cancel[p][c])
            for c, v in row.items()
        }
        for p, row in parts.items()
    }
    return Funding(bf, contributions)


# -- C and E (and M's VAT and capital items): the ledger's pool lines of the year ---------


@dataclass(slots=True)
class PoolFigures:
    """C by scheme and source; E by commissioning partner and by category; M's VAT
    recovered by each body and capital items."""

    income_by: dict[tuple[SchemeId, str], int] = field(default_factory=dict)
    by_commissioner: dict[SchemeId, dict[PartnerId, int]] = field(default_factory=dict)
    by_category: dict[SchemeId, dict[str, int]] = field(default_factory=dict)
    vat: dict[PartnerId, int] = field(default_factory=dict)
    capital: list[CapitalItem] = field(default_factory=list)

    def other_income(self, schemes: list[SchemeId]) -> tuple[IncomeSource, ...]:
        """C, in scheme order then by source."""
        ordered = sorted(self.income_by.items(), key=lambda kv: (schemes.index(kv[0][0]), kv[0][1]))
        return tuple(IncomeSource(scheme=k, source=s, amount=v) for (k, s), v in ordered)


def _capital_item(c: CapitalLine, host: PartnerId) -> CapitalItem:
    """A capital item (or its reversal) on the owner's register: the procuring
    partner, else the host (I-11)."""
    line, item = c.line, c.item
    return CapitalItem(
        entry_id=line.entry_id,
        scheme=line.scheme,
        date=line.date,
        owner=item.procuring_partner or host,
        amount=line.amount,
        description=item.description or item.supplier,
    )


def pool_figures(ledger: Ledger, f: Frame, within: DateRange) -> PoolFigures:
    """C and E from the ledger's pool lines within the period: C by scheme and source;
    E by commissioning partner (the procuring partner, else the host) and by category
    (in the order categories first appear); M's VAT recovered by each body and the
    capital items.  Read from the period's line sums
    (:func:`~pooledledger.books.line_sums.line_sums`)."""
    sums = line_sums(ledger, within)
    fig = PoolFigures(
        by_commissioner={k: dict.fromkeys(f.order, 0) for k in f.schemes},
        by_category={k: {} for k in f.schemes},
        vat=dict.fromkeys(f.order, 0),
    )
    fig.income_by = {key: v for key, v in sums.income_by.items() if key[0] in fig.by_category}
    for (k, who), v in sums.commissioned.items():
        row = fig.by_commissioner.get(k)
        if row is not None and who in row:
            row[who] += v
    for (k, category), v in sums.by_category.items():
        if k in fig.by_category:
            fig.by_category[k][category] = v
    for body, v in sums.vat_by_body.items():
        fig.vat[body] = fig.vat.get(body, 0) + v
    fig.capital = [_capital_item(c, f.host) for c in sums.capital if c.line.scheme in f.schemes]
    return fig


# -- G, H, I, J, K: from the close ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Applied:
    """G (risk pool, offsetting), H (deficit shares), I (underspends, by field),
    J (carried forward, by receiving column) and K (shares), partner × column."""

    risk_pool: Grid
    offset: Grid
    additional: Grid
    under: Parts
    carried: Grid
    shares: dict[PartnerId, dict[SchemeId, PartnerShares]]

    def underspend(self) -> dict[PartnerId, dict[SchemeId, UnderspendUse]]:
        return {
            p: {c: UnderspendUse(**v, total=sum(v.values())) for c, v in row.items()}
            for p, row in self.under.items()
        }


def _scheme_shares(a: Applied, s: SchemeClose, order: tuple[PartnerId, ...]) -> None:
    """G, H and K of one scheme."""
    k = s.scheme
    for p in order:
        a.risk_pool[p][k] += s.risk_pool.get(p, 0)
        a.offset[p][k] += s.offset.get(p, 0)
        a.additional[p][k] += s.deficit.get(p, 0)
        a.shares[p][k] = PartnerShares(
            gross=s.gross_share.get(p, 0),
            income=s.income_share.get(p, 0),
            net=s.net_share.get(p, 0),
        )


def _dispositions(a: Applied, s: SchemeClose, f: Frame) -> None:
    """I and J of one scheme: a redeployed underspend is carried to the scheme it goes
    to, a contingency to the risk pool."""
    k = s.scheme
    for name, amounts in s.dispositions.items():
        target: SchemeId = k
        if name == UnderspendDisposition.REDEPLOY.value:
            target = s.redeploy_to or k
        elif name == UnderspendDisposition.CONTINGENCY.value and f.rp_id is not None:
            target = f.rp_id
        for p, v in amounts.items():
            a.under[p][k][_DISPOSITION_FIELD[name]] += v
            if name != UnderspendDisposition.REFUND.value and target in f.cols:
                a.carried[p][target] += v


def _risk_pool_column(a: Applied, close: YearEndClose, rp_id: SchemeId) -> None:
    """G and I on the risk pool's own column: what it gave, what of it is unused."""
    for pc in close.partners:
        p = pc.partner
        a.risk_pool[p][rp_id] -= pc.risk_pool_used
        # what is held beyond scheme underspends is the unused risk pool carried forward
        # (PartnerClose.held already reflects a terminating close)
        unused_cf = pc.held - pc.carried_forward - pc.redeployed - pc.contingency
        a.under[p][rp_id]["carried_forward"] += unused_cf
        a.under[p][rp_id]["refunded"] += pc.unused_risk_pool - unused_cf
        a.carried[p][rp_id] += unused_cf


def applied(close: YearEndClose, f: Frame) -> Applied:
    """G to K from the close."""
    a = Applied(
        risk_pool=f.zeros(),
        offset=f.zeros(),
        additional=f.zeros(),
        under=f.parts(("refunded", "carried_forward", "redeployed", "contingency")),
        carried=f.zeros(),
        shares={p: {} for p in f.order},
    )
    for s in close.schemes:
        _scheme_shares(a, s, f.order)
        _dispositions(a, s, f)
    if f.rp_id is not None:
        _risk_pool_column(a, close, f.rp_id)
    return a


# -- the columns, L and I-1 ----------------------------------------------------------------


def _line(
    c: SchemeId,
    name: str,
    f: Frame,
    money: Funding,
    totals: dict[SchemeId, Totals],
    a: Applied,
    underspend: dict[PartnerId, dict[SchemeId, UnderspendUse]],
) -> SchemeAccount:
    order = f.order
    bf = sum(money.brought_forward[p][c] for p in order)
    b = sum(money.contributions[p][c].total for p in order)
    inc = totals[c].income if c in totals else 0
    e = totals[c].expenditure if c in totals else 0
    g_rp = sum(a.risk_pool[p][c] for p in order)
    g_off = sum(a.offset[p][c] for p in order)
    h = sum(a.additional[p][c] for p in order)
    i = sum(underspend[p][c].total for p in order)
    net = bf + b + inc - e
    return SchemeAccount(
        scheme=c,
        name=name,
        brought_forward=bf,
        contributions=b,
        other_income=inc,
        total_resources=bf + b + inc,
        gross_expenditure=e,
        net=net,
        risk_pool=g_rp,
        offset=g_off,
        additional_contributions=h,
        underspend=i,
        closing=net + g_rp + g_off + h - i,
        carried_forward=sum(a.carried[p][c] for p in order),
    )


def scheme_lines(
    agreement: Agreement,
    f: Frame,
    money: Funding,
    totals: dict[SchemeId, Totals],
    a: Applied,
    underspend: dict[PartnerId, dict[SchemeId, UnderspendUse]],
) -> list[SchemeAccount]:
    """One column per scheme, then the risk pool's."""
    names = {s.id: s.name for s in agreement.schemes}
    if agreement.risk_pool is not None:
        names[agreement.risk_pool.id] = agreement.risk_pool.name
    return [_line(c, names[c], f, money, totals, a, underspend) for c in f.cols]


def total_line(lines: list[SchemeAccount]) -> SchemeAccount:
    sums = {
        f: sum(getattr(x, f) for x in lines)
        for f in SchemeAccount.model_fields
        if f not in ("scheme", "name")
    }
    return SchemeAccount(scheme="TOTAL", name="Total", **sums)


def _position(balance: int, is_host: bool) -> str:
    if is_host:
        return "host (no cash settlement)"
    if balance > 0:
        return "creditor: host owes partner"
    if balance < 0:
        return "debtor: partner owes host"
    return "nil"


def host_balances(close: YearEndClose) -> tuple[HostBalance, ...]:
    """L: each partner's balance with the host and its settlement."""
    return tuple(
        HostBalance(
            partner=pc.partner,
            is_host=pc.is_host,
            balance=pc.balance,
            held=pc.held,
            settlement=pc.settlement,
            settlement_due=pc.settlement_due,
            position=_position(pc.balance, pc.is_host),
            paid_directly=pc.paid_directly,
            vat_recharge=pc.vat_recharge,
            unpaid_contributions=pc.unpaid_contributions + pc.unpaid_earlier_years,
            balance_with_host=pc.balance_with_host,
            additional_paid=pc.additional_paid,
        )
        for pc in close.partners
    )


def conservation(
    total: SchemeAccount, underspend: dict[PartnerId, dict[SchemeId, UnderspendUse]], f: Frame
) -> Conservation:
    """I-1 as a line: resources in equal resources applied."""
    order, rp_id = f.order, f.rp_id
    returned = sum(underspend[p][k].refunded for p in order for k in f.schemes)
    rp_returned = sum(underspend[p][rp_id].refunded for p in order) if rp_id else 0
    held = sum(u.held for p in order for u in underspend[p].values())
    inflow = total.brought_forward + total.contributions + total.additional_contributions
    inflow += total.other_income
    outflow = total.gross_expenditure + returned + rp_returned + held
    return Conservation(
        brought_forward=total.brought_forward,
        contributions=total.contributions,
        additional_contributions=total.additional_contributions,
        other_income=total.other_income,
        inflow=inflow,
        gross_expenditure=total.gross_expenditure,
        underspends_returned=returned,
        unused_risk_pool_returned=rp_returned,
        carried_forward=held,
        outflow=outflow,
        holds=inflow == outflow,
    )


# -- the account's self-checks ---------------------------------------------------------------


def _check(name: str, left: int, right: int, holds: bool = True) -> ReportCheck:
    """Two figures that must agree (and ``holds``, a finer check behind them)."""
    return ReportCheck(name=name, left=left, right=right, holds=left == right and holds)


def _conservation_checks(
    close: YearEndClose, lines: list[SchemeAccount], c: Conservation
) -> list[ReportCheck]:
    return [
        _check("I-1 conservation: A + B + H + C = E + I", c.inflow, c.outflow),
        _check(
            "I-1 resources in agree to the close",
            c.inflow,
            close.conservation["in"],
            c.outflow == close.conservation["out"],
        ),
        _check(
            "I-2 every column closes to nil (F + G + H − I)",
            sum(abs(x.closing) for x in lines),
            0,
        ),
    ]


def _scheme_checks(close: YearEndClose, lines: list[SchemeAccount]) -> list[ReportCheck]:
    """I-3, and E and C agreeing to the close scheme by scheme."""
    by_col = {x.scheme: x for x in lines}
    per_scheme = [
        sum(s.net_share.values()) == s.net
        and sum(s.income_share.values()) == s.income
        and sum(s.gross_share.values()) == s.expenditure
        for s in close.schemes
    ]
    e_ok = all(
        by_col[s.scheme].gross_expenditure == s.expenditure
        and by_col[s.scheme].other_income == s.income
        for s in close.schemes
    )
    return [
        _check(
            "I-3 partners' shares sum to each scheme's net, income and gross",
            sum(sum(s.net_share.values()) for s in close.schemes),
            sum(s.net for s in close.schemes),
            all(per_scheme),
        ),
        _check(
            "E and C agree to the close, scheme by scheme",
            sum(
                by_col[s.scheme].gross_expenditure - by_col[s.scheme].other_income
                for s in close.schemes
            ),
            sum(s.net for s in close.schemes),
            e_ok,
        ),
    ]


def _contribution_check(close: YearEndClose, money: Funding, f: Frame) -> ReportCheck:
    """A + B agreeing to the close's contributions, partner × column."""
    bf, contributions, rp_id = money.brought_forward, money.contributions, f.rp_id
    closed = {s.scheme: s for s in close.schemes}
    schemes = [k for k in f.cols if k != rp_id]
    mine = {(p, k): bf[p][k] + contributions[p][k].total for p in f.order for k in schemes}
    theirs = {
        (p, k): closed[k].contributions.get(p, 0) if k in closed else 0
        for p in f.order
        for k in schemes
    }
    if rp_id is not None:
        for pc in close.partners:
            mine[(pc.partner, rp_id)] = (
                bf[pc.partner][rp_id] + contributions[pc.partner][rp_id].total
            )
            theirs[(pc.partner, rp_id)] = pc.risk_pool_contribution
    return _check(
        "A + B agree to the close's contributions, partner × scheme",
        sum(mine.values()),
        sum(theirs.values()),
        mine == theirs,
    )


def _partner_checks(close: YearEndClose, a: Applied, f: Frame) -> list[ReportCheck]:
    """H and J agreeing to each partner's deficit and held balance."""
    h_ok = all(sum(a.additional[pc.partner].values()) == pc.deficit for pc in close.partners)
    j_ok = all(sum(a.carried[pc.partner].values()) == pc.held for pc in close.partners)
    return [
        _check(
            "H agrees to each partner's deficit shares",
            sum(sum(a.additional[p].values()) for p in f.order),
            sum(pc.deficit for pc in close.partners),
            h_ok,
        ),
        _check(
            "J agrees to what the host holds for each partner",
            sum(sum(a.carried[p].values()) for p in f.order),
            sum(pc.held for pc in close.partners),
            j_ok,
        ),
    ]


def account_checks(
    close: YearEndClose,
    lines: list[SchemeAccount],
    c: Conservation,
    money: Funding,
    a: Applied,
    f: Frame,
) -> tuple[ReportCheck, ...]:
    """The account's self-checks, in the order it shows them."""
    return (
        *_conservation_checks(close, lines, c),
        *_scheme_checks(close, lines),
        _contribution_check(close, money, f),
        *_partner_checks(close, a, f),
    )
