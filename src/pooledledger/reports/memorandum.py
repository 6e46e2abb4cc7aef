"""The pooled fund memorandum account (docs/reports.md#the-memorandum-account), built from a close.

:func:`memorandum_account` reads the agreement, the ledger and the result of
:func:`~pooledledger.yearend.close.close_year` and lays the year out in sections A to M, in
integer pence:

=====  ==============================================================================
A      balances brought forward (``BROUGHT_FORWARD`` contributions), partner × scheme
B      contributions, partner × scheme: base | uplift | variations | risk pool
       (``VARIATION`` contributions are "variations"; ``RISK_POOL`` money counts only
       on the risk pool's own column; in-year ``ADDITIONAL`` contributions are not
       funding but payments towards H, so they are left out here and shown in L)
C      other income by scheme and by source (client charges, grants…)
D      total resources ``A + B + C``
E      gross expenditure (pool cost: net plus irrecoverable VAT) by scheme, by
       commissioning partner (the procuring partner, else the host) and by category
F      net surplus / (deficit) ``D − E`` per scheme and in total (surplus positive)
G      application of the risk pool (into each overspent scheme, out of the risk pool
       column) and of offsetting between schemes (RS8)
H      additional contributions (deficit shares), partner × scheme
I      underspend disposition, partner × scheme: refunded | carried forward |
       redeployed | contingency; the risk pool's unused balance is disposed of on its
       own column
J      balances carried forward, partner × receiving scheme (a redeployed underspend
       is carried to the scheme it is redeployed to, a contingency to the risk pool)
K      partners' shares of gross expenditure, income and net, partner × scheme
L      host–partner balances at year end and the settlement dates
M      memo: VAT recovered by the recovering body, capital items (owner partner), and
       the exclusion of s256/s76 transfers (I-15)
=====  ==============================================================================

The risk pool, when there is one, is a column of its own after the schemes.

Every column closes to nil: ``F + G + H − I = 0`` (I-2, every pound is attributed
to a partner).  The account checks itself (:attr:`MemorandumAccount.checks`):
conservation I-1 as a line (``A + B + H + C = E + I``), agreement with the close's
own conservation figures, shares summing to totals (I-3), expenditure, income and
contributions agreeing to the close scheme by scheme, and H and J agreeing to each
partner's deficit and held balance.  A failed check is shown, not raised, so an
auditor sees which figure disagrees; :attr:`MemorandumAccount.ok` says whether all
hold.

Reports read results and never write entries (layer L4).
"""

from __future__ import annotations

from datetime import date
from typing import overload

from pooledledger.books.ledger import Ledger
from pooledledger.core._model import FrozenModel
from pooledledger.core.frozen import FrozenDict
from pooledledger.core.money import format_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import ContributionKind, Expenditure, Income
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import UnderspendDisposition
from pooledledger.reports.common import ReportError, agreement_and_close
from pooledledger.yearend.checks import require_no_errors
from pooledledger.yearend.close import YearEndClose

__all__ = [
    "CapitalItem",
    "Conservation",
    "ContributionSplit",
    "HostBalance",
    "IncomeSource",
    "MemorandumAccount",
    "PartnerShares",
    "ReportCheck",
    "ReportError",
    "SchemeAccount",
    "UnderspendUse",
    "memorandum_account",
]

TRANSFERS_EXCLUDED = (
    "Transfers under s256 / s76 NHS Act 2006 are grants towards the recipient's own "
    "functions, not pooled funds: they are excluded from this account (I-15)."
)


# -- small shared helpers (also used by the other report modules) -------------------


def _cell(pence: int) -> str:
    """An amount for a table cell: ``–`` for zero, negatives in brackets."""
    return "–" if pence == 0 else format_pence(pence)


def _md_text(text: str) -> str:
    """Free text (an income source, a category, a name) for a Markdown table cell.

    A ``|`` would end the cell and a line end the row, so the one is escaped and the
    other becomes a space; everything else is left as it is.
    """
    return " ".join(text.replace("|", "\\|").splitlines())


def _long_date(d: date) -> str:
    return f"{d.day} {d:%B} {d.year}"


def _year_ended(year: FinancialYear, terminated_on: date | None = None) -> str:
    """The period a report covers: the year, or the part year of a terminated agreement
    (docs/year-end.md#termination-and-withdrawal)."""
    if terminated_on is not None:
        return f"period {_long_date(year.start)} to {_long_date(terminated_on)} (terminated)"
    return f"year ended {_long_date(year.last_day)}"


# -- the model ------------------------------------------------------------------------


class ContributionSplit(FrozenModel):
    """B: one partner's contributions to one scheme (or the risk pool), by kind.

    ``cancelled`` (a magnitude) is what termination cancelled (instalments due after
    the termination date); ``total`` is the kinds less ``cancelled``.
    """

    base: int = 0
    uplift: int = 0
    variations: int = 0
    risk_pool: int = 0
    cancelled: int = 0
    total: int = 0

    def signed(self, field: str) -> int:
        """A column of section B as shown: ``cancelled`` negative, the rest as stored."""
        value: int = getattr(self, field)
        return -value if field == "cancelled" else value


class IncomeSource(FrozenModel):
    """C: other income of a scheme from one source (client charges, a grant…)."""

    scheme: SchemeId
    source: str
    amount: int


class UnderspendUse(FrozenModel):
    """I: what happened to an underspend (or unused risk pool), in pence."""

    refunded: int = 0
    carried_forward: int = 0
    redeployed: int = 0
    contingency: int = 0
    total: int = 0

    @property
    def held(self) -> int:
        """What stays with the host for next year (everything but refunds)."""
        return self.carried_forward + self.redeployed + self.contingency


class PartnerShares(FrozenModel):
    """K: a partner's shares of one scheme: gross expenditure, income and net."""

    gross: int
    income: int
    net: int


class SchemeAccount(FrozenModel):
    """One column of the account (a scheme, the risk pool, or the total).

    ``net`` is F (surplus positive); ``risk_pool`` and ``offset`` are G (into the
    scheme positive); ``closing`` is ``F + G + H − I`` and must be nil (I-2).
    """

    scheme: SchemeId
    name: str
    brought_forward: int
    contributions: int
    other_income: int
    total_resources: int
    gross_expenditure: int
    net: int
    risk_pool: int
    offset: int
    additional_contributions: int
    underspend: int
    closing: int
    carried_forward: int


class HostBalance(FrozenModel):
    """L: a partner's balance with the host at year end.

    ``balance`` is contributions (with the risk pool) and ``additional_paid`` (in-year
    ``ADDITIONAL`` contributions, paid towards the deficit share) less the partner's
    net share: positive, the host owes the partner; negative, the partner owes the
    host.
    ``held`` stays with the host for next year; ``settlement`` is the cash that moves
    (positive: host pays partner), due on ``settlement_due``: it counts spending the
    partner ``paid_directly`` and its ``vat_recharge``.  ``unpaid_contributions``
    (with earlier years') is the debtor for instalments unpaid at 31 March, and
    ``balance_with_host`` the balance at 31 March the journals and the agreement of
    balances show (docs/year-end.md#the-settlement-schedule).
    """

    partner: PartnerId
    is_host: bool
    balance: int
    held: int
    settlement: int
    settlement_due: date | None
    position: str
    paid_directly: int = 0
    vat_recharge: int = 0
    unpaid_contributions: int = 0
    balance_with_host: int = 0
    additional_paid: int = 0


class CapitalItem(FrozenModel):
    """M: a capital item bought with pool money; its owner is the procuring partner (I-11)."""

    entry_id: str
    scheme: SchemeId
    date: date
    owner: PartnerId
    amount: int
    description: str = ""


class Conservation(FrozenModel):
    """I-1 as a line: ``b/f + contributions + additional + income`` equals
    ``expenditure + returned + unused risk pool returned + carried forward``."""

    brought_forward: int
    contributions: int
    additional_contributions: int
    other_income: int
    inflow: int
    gross_expenditure: int
    underspends_returned: int
    unused_risk_pool_returned: int
    carried_forward: int
    outflow: int
    holds: bool


class ReportCheck(FrozenModel):
    """A self-check of a report: two figures that must agree."""

    name: str
    left: int
    right: int
    holds: bool


class MemorandumAccount(FrozenModel):
    """The pooled fund memorandum account for one year (sections A to M), in pence.

    ``columns`` are the schemes in agreement order, then the risk pool's id.
    Grids are ``partner → column → pence`` with every partner and column present.
    """

    agreement: str
    name: str
    year: FinancialYear
    host: PartnerId
    pooled_fund_manager: str
    partners: tuple[PartnerId, ...]
    columns: tuple[SchemeId, ...]
    brought_forward: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    contributions: FrozenDict[PartnerId, FrozenDict[SchemeId, ContributionSplit]]
    other_income: tuple[IncomeSource, ...]
    expenditure_by_commissioner: FrozenDict[SchemeId, FrozenDict[PartnerId, int]]
    expenditure_by_category: FrozenDict[SchemeId, FrozenDict[str, int]]
    risk_pool_applied: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    offset: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    additional_contributions: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    underspend: FrozenDict[PartnerId, FrozenDict[SchemeId, UnderspendUse]]
    carried_forward: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    shares: FrozenDict[PartnerId, FrozenDict[SchemeId, PartnerShares]]
    lines: tuple[SchemeAccount, ...]
    total: SchemeAccount
    balances: tuple[HostBalance, ...]
    host_position: int = 0
    vat_recovered: FrozenDict[PartnerId, int]
    capital_items: tuple[CapitalItem, ...]
    transfers_excluded: str = TRANSFERS_EXCLUDED
    conservation: Conservation
    checks: tuple[ReportCheck, ...]
    terminated_on: date | None = None

    @property
    def ok(self) -> bool:
        """True when every self-check holds."""
        return all(c.holds for c in self.checks)

    def line(self, column: str) -> SchemeAccount:
        """The column ``column`` (a scheme id, the risk pool id, or ``"TOTAL"``)."""
        if column == self.total.scheme:
            return self.total
        for line in self.lines:
            if line.scheme == column:
                return line
        raise KeyError(column)

    def contribution_rows(self) -> list[tuple[str, int]]:
        """The summary's contribution rows: one per partner and, for a terminated
        agreement, what termination cancelled on its own line after it."""
        rows: list[tuple[str, int]] = []
        for q in self.partners:
            cancelled = sum(s.cancelled for s in self.contributions[q].values())
            total = sum(s.total for s in self.contributions[q].values())
            rows.append((f"Contribution – {q}", total + cancelled))
            if cancelled:
                rows.append((f"Cancelled on termination – {q}", -cancelled))
        return rows

    def contribution_kinds(self) -> list[tuple[str, str]]:
        """Section B's columns (field, heading); a terminated agreement's cancelled
        contributions get a column of their own, shown negative."""
        kinds = [
            ("base", "base"),
            ("uplift", "uplift"),
            ("variations", "in-year variations"),
            ("risk_pool", "risk pool"),
        ]
        if any(s.cancelled for row in self.contributions.values() for s in row.values()):
            kinds.append(("cancelled", "cancelled on termination"))
        return kinds

    def partner_total(self, section: str, partner: PartnerId) -> int:
        """A partner's total over all columns of a pence grid (e.g. ``"carried_forward"``)."""
        grid: dict[PartnerId, dict[SchemeId, int]] = getattr(self, section)
        return sum(grid[partner].values())

    # -- text

    def to_markdown(self) -> str:
        """The account as Markdown, from its one layout
        (:func:`~pooledledger.reports.memorandum_layout.memorandum_document`)."""
        from pooledledger.reports.document import render_markdown
        from pooledledger.reports.memorandum_layout import memorandum_document

        return render_markdown(memorandum_document(self))


# -- building it ------------------------------------------------------------------------

_KIND_FIELD = {
    ContributionKind.BASE: "base",
    ContributionKind.UPLIFT: "uplift",
    ContributionKind.VARIATION: "variations",
    ContributionKind.RISK_POOL: "risk_pool",
}


def _position(balance: int, is_host: bool) -> str:
    if is_host:
        return "host (no cash settlement)"
    if balance > 0:
        return "creditor: host owes partner"
    if balance < 0:
        return "debtor: partner owes host"
    return "nil"


@overload
def memorandum_account(ledger: Ledger, close: YearEndClose, /) -> MemorandumAccount: ...


@overload
def memorandum_account(
    agreement: Agreement, ledger: Ledger, close: YearEndClose, /
) -> MemorandumAccount: ...


def memorandum_account(*args: Agreement | Ledger | YearEndClose) -> MemorandumAccount:
    """The memorandum account of ``close.year``, from the ledger and the close.

    ``close`` must be the close of that year from this ledger, under the ledger's
    agreement (else :class:`ReportError`); the account's checks show any figure that
    disagrees.  A ledger with errors is refused
    (:class:`~pooledledger.core.errors.IssueError`; docs/ledger.md#the-gate).  The
    older ``memorandum_account(agreement, ledger, close)`` (deprecated) still works.
    """
    if len(args) not in (2, 3) or not isinstance(args[-2], Ledger):
        raise TypeError("memorandum_account() takes a ledger and its close")
    ledger = args[-2]
    agreement, close, _ = agreement_and_close((*args[:-2], args[-1]), "memorandum_account")
    return _memorandum_account(agreement, ledger, close)


def _memorandum_account(
    agreement: Agreement, ledger: Ledger, close: YearEndClose
) -> MemorandumAccount:
    if ledger.agreement != agreement:
        raise ReportError("the ledger was built for a different agreement")
    require_no_errors(ledger)
    year = close.year
    order = agreement.partner_order
    host = agreement.host
    rp = agreement.risk_pool
    rp_id = rp.id if rp is not None else None
    schemes = list(agreement.scheme_ids)
    cols = [*schemes, *([rp_id] if rp_id is not None else [])]
    within = close.period

    def zeros() -> dict[PartnerId, dict[SchemeId, int]]:
        return {p: dict.fromkeys(cols, 0) for p in order}

    # A and B: contributions by kind (the agreement's planned ones plus ledger entries)
    bf = zeros()
    additional = zeros()
    parts: dict[PartnerId, dict[SchemeId, dict[str, int]]] = {
        p: {c: {"base": 0, "uplift": 0, "variations": 0, "risk_pool": 0} for c in cols}
        for p in order
    }
    items: list[tuple[PartnerId, SchemeId, ContributionKind, int]] = [
        (c.partner, c.scheme, c.kind, c.pence) for c in agreement.contributions_for(year)
    ]
    items += [(c.partner, c.scheme, c.kind, c.pence) for c in ledger.contributions(year)]
    for partner, scheme, kind, pence in items:
        if partner not in parts or scheme not in cols:
            continue  # unknown ids are reported by the agreement and ledger checks
        if kind is ContributionKind.RISK_POOL and scheme != rp_id:
            continue  # as the close: risk-pool money counts only on the risk pool
        if kind is ContributionKind.ADDITIONAL:
            additional[partner][scheme] += pence
            continue  # a payment towards the deficit share (H), not funding
        if kind is ContributionKind.BROUGHT_FORWARD:
            bf[partner][scheme] += pence
        else:
            parts[partner][scheme][_KIND_FIELD[kind]] += pence
    cancel = zeros()
    for x in close.cancelled:
        if x.partner in cancel and x.scheme in cancel[x.partner]:
            cancel[x.partner][x.scheme] += x.amount
    for p, row in cancel.items():  # as the close: termination cancels additional first
        for c, v in row.items():
            row[c] = v - min(max(v, 0), max(additional[p][c], 0))
    contributions = {
        p: {
            c: ContributionSplit(**v, cancelled=cancel[p][c], total=sum(v.values()) - cancel[p][c])
            for c, v in row.items()
        }
        for p, row in parts.items()
    }

    # C and E from the ledger's pool lines of the year
    income_by: dict[tuple[SchemeId, str], int] = {}
    by_commissioner = {k: dict.fromkeys(order, 0) for k in schemes}
    by_category: dict[SchemeId, dict[str, int]] = {k: {} for k in schemes}
    vat = dict.fromkeys(order, 0)
    capital: list[CapitalItem] = []
    for line in ledger.pool_lines:
        if not within.contains(line.date) or line.scheme not in schemes:
            continue
        original = ledger.get(line.reverses or line.entry_id)
        if isinstance(original, Income):
            key = (line.scheme, original.source or "other income")
            income_by[key] = income_by.get(key, 0) + line.amount
        elif isinstance(original, Expenditure):
            who = original.procuring_partner or host
            if who in by_commissioner[line.scheme]:
                by_commissioner[line.scheme][who] += line.amount
            cat = original.category or "uncategorised"
            by_category[line.scheme][cat] = by_category[line.scheme].get(cat, 0) + line.amount
            for body, _, recovered in line.vat_by_body:  # AGENT: each partner on its share
                if recovered:
                    vat[body] = vat.get(body, 0) + recovered
            if original.capital:
                capital.append(
                    CapitalItem(
                        entry_id=line.entry_id,
                        scheme=line.scheme,
                        date=line.date,
                        owner=who,
                        amount=line.amount,
                        description=original.description or original.supplier,
                    )
                )
    totals = ledger.totals_by_scheme(within)
    other_income = tuple(
        IncomeSource(scheme=k, source=s, amount=v)
        for (k, s), v in sorted(
            income_by.items(), key=lambda kv: (schemes.index(kv[0][0]), kv[0][1])
        )
    )

    # G, H, I, J, K from the close
    rp_applied = zeros()
    offset = zeros()
    additional = zeros()
    under: dict[PartnerId, dict[SchemeId, dict[str, int]]] = {
        p: {
            c: {"refunded": 0, "carried_forward": 0, "redeployed": 0, "contingency": 0}
            for c in cols
        }
        for p in order
    }
    carried = zeros()
    shares: dict[PartnerId, dict[SchemeId, PartnerShares]] = {p: {} for p in order}
    field_of = {
        UnderspendDisposition.REFUND.value: "refunded",
        UnderspendDisposition.CARRY_FORWARD.value: "carried_forward",
        UnderspendDisposition.REDEPLOY.value: "redeployed",
        UnderspendDisposition.CONTINGENCY.value: "contingency",
    }
    for s in close.schemes:
        k = s.scheme
        for p in order:
            rp_applied[p][k] += s.risk_pool.get(p, 0)
            offset[p][k] += s.offset.get(p, 0)
            additional[p][k] += s.deficit.get(p, 0)
            shares[p][k] = PartnerShares(
                gross=s.gross_share.get(p, 0),
                income=s.income_share.get(p, 0),
                net=s.net_share.get(p, 0),
            )
        for name, amounts in s.dispositions.items():
            target: SchemeId = k
            if name == UnderspendDisposition.REDEPLOY.value:
                target = s.redeploy_to or k
            elif name == UnderspendDisposition.CONTINGENCY.value and rp_id is not None:
                target = rp_id
            for p, v in amounts.items():
                under[p][k][field_of[name]] += v
                if name != UnderspendDisposition.REFUND.value and target in cols:
                    carried[p][target] += v
    if rp_id is not None:
        for pc in close.partners:
            p = pc.partner
            rp_applied[p][rp_id] -= pc.risk_pool_used
            # what is held beyond scheme underspends is the unused risk pool carried forward
            # (PartnerClose.held already reflects a terminating close)
            unused_cf = pc.held - pc.carried_forward - pc.redeployed - pc.contingency
            under[p][rp_id]["carried_forward"] += unused_cf
            under[p][rp_id]["refunded"] += pc.unused_risk_pool - unused_cf
            carried[p][rp_id] += unused_cf
    underspend = {
        p: {c: UnderspendUse(**v, total=sum(v.values())) for c, v in row.items()}
        for p, row in under.items()
    }

    # the columns
    names = {s.id: s.name for s in agreement.schemes}
    if rp is not None:
        names[rp.id] = rp.name
    lines: list[SchemeAccount] = []
    for c in cols:
        a = sum(bf[p][c] for p in order)
        b = sum(contributions[p][c].total for p in order)
        inc = totals[c].income if c in totals else 0
        e = totals[c].expenditure if c in totals else 0
        g_rp = sum(rp_applied[p][c] for p in order)
        g_off = sum(offset[p][c] for p in order)
        h = sum(additional[p][c] for p in order)
        i = sum(underspend[p][c].total for p in order)
        f = a + b + inc - e
        lines.append(
            SchemeAccount(
                scheme=c,
                name=names[c],
                brought_forward=a,
                contributions=b,
                other_income=inc,
                total_resources=a + b + inc,
                gross_expenditure=e,
                net=f,
                risk_pool=g_rp,
                offset=g_off,
                additional_contributions=h,
                underspend=i,
                closing=f + g_rp + g_off + h - i,
                carried_forward=sum(carried[p][c] for p in order),
            )
        )
    sums = {
        f: sum(getattr(x, f) for x in lines)
        for f in SchemeAccount.model_fields
        if f not in ("scheme", "name")
    }
    total = SchemeAccount(scheme="TOTAL", name="Total", **sums)

    balances = tuple(
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

    # I-1 as a line
    returned = sum(underspend[p][k].refunded for p in order for k in schemes)
    rp_returned = sum(underspend[p][rp_id].refunded for p in order) if rp_id else 0
    held = sum(u.held for p in order for u in underspend[p].values())
    inflow = total.brought_forward + total.contributions + total.additional_contributions
    inflow += total.other_income
    outflow = total.gross_expenditure + returned + rp_returned + held
    conservation = Conservation(
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

    checks = _checks(
        close, lines, conservation, contributions, bf, additional, carried, cols, rp_id, order
    )
    return MemorandumAccount(
        agreement=agreement.id,
        name=agreement.name,
        year=year,
        host=host,
        pooled_fund_manager=agreement.pooled_fund_manager,
        partners=order,
        columns=tuple(cols),
        brought_forward=bf,
        contributions=contributions,
        other_income=other_income,
        expenditure_by_commissioner=by_commissioner,
        expenditure_by_category=by_category,
        risk_pool_applied=rp_applied,
        offset=offset,
        additional_contributions=additional,
        underspend=underspend,
        carried_forward=carried,
        shares=shares,
        lines=tuple(lines),
        total=total,
        balances=balances,
        host_position=close.host_position,
        vat_recovered=vat,
        capital_items=tuple(capital),
        conservation=conservation,
        checks=checks,
        terminated_on=close.terminated_on,
    )


def _checks(
    close: YearEndClose,
    lines: list[SchemeAccount],
    conservation: Conservation,
    contributions: dict[PartnerId, dict[SchemeId, ContributionSplit]],
    bf: dict[PartnerId, dict[SchemeId, int]],
    additional: dict[PartnerId, dict[SchemeId, int]],
    carried: dict[PartnerId, dict[SchemeId, int]],
    cols: list[SchemeId],
    rp_id: SchemeId | None,
    order: tuple[PartnerId, ...],
) -> tuple[ReportCheck, ...]:
    by_col = {x.scheme: x for x in lines}
    checks: list[ReportCheck] = []

    def add(name: str, left: int, right: int, holds: bool | None = None) -> None:
        checks.append(
            ReportCheck(
                name=name, left=left, right=right, holds=left == right and holds is not False
            )
        )

    c = conservation
    add("I-1 conservation: A + B + H + C = E + I", c.inflow, c.outflow)
    add(
        "I-1 resources in agree to the close",
        c.inflow,
        close.conservation["in"],
        c.outflow == close.conservation["out"],
    )
    add(
        "I-2 every column closes to nil (F + G + H − I)",
        sum(abs(x.closing) for x in lines),
        0,
    )
    per_scheme = [
        sum(s.net_share.values()) == s.net
        and sum(s.income_share.values()) == s.income
        and sum(s.gross_share.values()) == s.expenditure
        for s in close.schemes
    ]
    add(
        "I-3 partners' shares sum to each scheme's net, income and gross",
        sum(sum(s.net_share.values()) for s in close.schemes),
        sum(s.net for s in close.schemes),
        all(per_scheme),
    )
    e_ok = all(
        by_col[s.scheme].gross_expenditure == s.expenditure
        and by_col[s.scheme].other_income == s.income
        for s in close.schemes
    )
    add(
        "E and C agree to the close, scheme by scheme",
        sum(
            by_col[s.scheme].gross_expenditure - by_col[s.scheme].other_income
            for s in close.schemes
        ),
        sum(s.net for s in close.schemes),
        e_ok,
    )
    closed = {s.scheme: s for s in close.schemes}
    mine = {(p, k): bf[p][k] + contributions[p][k].total for p in order for k in cols if k != rp_id}
    theirs = {
        (p, k): closed[k].contributions.get(p, 0) if k in closed else 0
        for p in order
        for k in cols
        if k != rp_id
    }
    if rp_id is not None:
        for pc in close.partners:
            mine[(pc.partner, rp_id)] = (
                bf[pc.partner][rp_id] + contributions[pc.partner][rp_id].total
            )
            theirs[(pc.partner, rp_id)] = pc.risk_pool_contribution
    add(
        "A + B agree to the close's contributions, partner × scheme",
        sum(mine.values()),
        sum(theirs.values()),
        mine == theirs,
    )
    h_ok = all(sum(additional[pc.partner].values()) == pc.deficit for pc in close.partners)
    add(
        "H agrees to each partner's deficit shares",
        sum(sum(additional[p].values()) for p in order),
        sum(pc.deficit for pc in close.partners),
        h_ok,
    )
    j_ok = all(sum(carried[pc.partner].values()) == pc.held for pc in close.partners)
    add(
        "J agrees to what the host holds for each partner",
        sum(sum(carried[p].values()) for p in order),
        sum(pc.held for pc in close.partners),
        j_ok,
    )
    return tuple(checks)
