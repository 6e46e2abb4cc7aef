"""Property tests of the year-end close on generated agreements and ledgers (domain.md §13).

Each property closes :data:`~strategies.YEAR` of a generated case
(:func:`close_strategies.close_cases`) and checks one invariant, recomputing what
it can from the agreement and the entries rather than trusting the close:

* I-1 conservation, I-2 no unattributed residue, I-3 shares sum to totals,
* I-5 the net cost identity (with I-4 balanced journals and I-6 mirror balances),
* I-7 risk rules, I-10 model invariance, I-12 idempotent close, I-16 host neutrality.

The identity behind I-5, from :mod:`pooledledger.yearend.close`: for every partner

    X_i = C_i + RP_i − unused_RP_i + D_i − U_i          (offsets net to 0 per partner)
    B_i = C_i + RP_i + A_i − X_i = unused_RP_i + U_i − D_i + A_i
    settlement_i = B_i − held_i = refunded_i + unused_RP_i(if refunded) − D_i + A_i  (non-host)

where ``A_i`` is what the partner paid in year as ``ADDITIONAL`` contributions:
a payment towards its deficit share, not funding (docs/year-end.md).

and its journal's net cost (income and expenditure accounts) is X_i.

Examples per property: at least 100 with ``CI`` set, fewer locally.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from hypothesis import HealthCheck, given, settings

from close_strategies import CloseCase, close_cases, two_year_cases, with_host, with_models
from pooledledger.books.journals import Account
from pooledledger.books.ledger import Ledger
from pooledledger.core.allocation import allocate
from pooledledger.core.errors import has_errors
from pooledledger.core.money import to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import (
    Agent,
    Agreement,
    IrrecoverableVat,
    JointOperation,
    Principal,
    VatModel,
)
from pooledledger.model.checks_agreement import validate_agreement
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
    Settlement,
    YearClosed,
)
from pooledledger.model.partners import PartnerId, SchemeId, VatRegime
from pooledledger.model.rules import (
    BoardDecision,
    CappedShares,
    CapScope,
    FaultBearer,
    FaultCharge,
    FixedVariableProfile,
    NoRiskShare,
    OwnRisk,
    RiskPoolUnused,
    Threshold,
    UnderspendDisposition,
    WindfallManaged,
)
from pooledledger.reports.balances import agreement_of_balances
from pooledledger.yearend.close import YearEndClose, close_year
from strategies import YEAR

D = UnderspendDisposition
IN_CI = bool(os.environ.get("CI"))


def examples(ci: int = 200, local: int = 20) -> settings:
    return settings(
        max_examples=ci if IN_CI else local,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def run(case: CloseCase, agreement: Agreement | None = None) -> YearEndClose:
    ag = agreement if agreement is not None else case.agreement
    return close_year(
        ag, Ledger(ag, case.entries), YEAR, rulings=case.rulings, terminating=case.terminating
    )


# ------------------------------------------------------- independent recomputation


@dataclass(frozen=True)
class Books:
    """The year's figures in pence, worked out from the agreement and entries directly."""

    contributions: dict[SchemeId, dict[PartnerId, int]]
    risk_pool: dict[PartnerId, int]
    expenditure: dict[SchemeId, int]
    income: dict[SchemeId, int]
    unauthorised: dict[SchemeId, int]
    paid: dict[PartnerId, int]
    paid_directly: dict[PartnerId, int]  # spending a non-host partner paid (paid_by)
    vat_recharge: dict[PartnerId, int]  # VAT a non-host body recovered on others' payments
    additional: dict[PartnerId, int]
    own_vat: dict[SchemeId, dict[PartnerId, int]]  # irrecoverable VAT on own purchases

    def net(self, k: SchemeId) -> int:
        return self.expenditure[k] - self.income[k]

    def variance(self, k: SchemeId) -> int:
        return self.net(k) - sum(self.contributions[k].values())


def _vat_parts(
    agreement: Agreement, e: Expenditure, weights: Mapping[PartnerId, int]
) -> dict[PartnerId, int]:
    """§11.4: recoverable VAT per recovering body.  Explicit, else the regime of the
    procurer (or host); under AGENT each partner's regime on its share of the VAT by
    the scheme's contributions ``weights`` (the lead commissioner's on all of it, or
    on an explicit amount, when there are none)."""
    vat = to_pence(e.vat)

    def recovers(body: PartnerId) -> bool:
        regime = agreement.partner(body).vat_regime
        return regime is VatRegime.LA_S33 or (regime is VatRegime.NHS_S41_COS and e.cos_listed)

    if agreement.vat_model is VatModel.AGENT:
        body = agreement.scheme(e.scheme).lead_commissioner
        usable = {p: w for p, w in weights.items() if w > 0}
        if e.vat_recoverable is None and usable and all(w >= 0 for w in weights.values()):
            parts = allocate(vat, usable, [p for p in agreement.partner_order if p in usable])
            return {p: v if recovers(p) else 0 for p, v in parts.items()}
    else:
        body = e.procuring_partner or agreement.host
    if e.vat_recoverable is not None:
        return {body: to_pence(e.vat_recoverable)}
    return {body: vat if recovers(body) else 0}


def books(agreement: Agreement, case: CloseCase) -> Books:
    order = agreement.partner_order
    C = {k: dict.fromkeys(order, 0) for k in agreement.scheme_ids}  # noqa: N806 (§6 notation)
    rp = dict.fromkeys(order, 0)
    additional = dict.fromkeys(order, 0)
    records = [(c.scheme, c.partner, c.year, c.kind, c.amount) for c in agreement.contributions]
    records += [
        (e.scheme, e.partner, e.year, e.kind, e.amount)
        for e in case.entries
        if isinstance(e, Contribution)
    ]
    for scheme, partner, year, kind, amount in records:
        if year != YEAR:
            continue
        if kind is ContributionKind.RISK_POOL:
            rp[partner] += to_pence(amount)
        elif kind is ContributionKind.ADDITIONAL:  # towards a deficit share, not funding
            additional[partner] += to_pence(amount)
        else:
            C[scheme][partner] += to_pence(amount)
    E = dict.fromkeys(agreement.scheme_ids, 0)  # noqa: N806
    Inc = dict.fromkeys(agreement.scheme_ids, 0)  # noqa: N806
    unauthorised = dict.fromkeys(agreement.scheme_ids, 0)
    own_vat = {k: dict.fromkeys(order, 0) for k in agreement.scheme_ids}
    paid = dict.fromkeys(order, 0)
    direct = dict.fromkeys(order, 0)
    recharge = dict.fromkeys(order, 0)
    host = agreement.host
    by_id = {e.id: e for e in case.entries}
    for e in case.entries:
        sign, line = 1, e
        if isinstance(e, Reversal):
            sign, line = -1, by_id[e.reverses]
        if isinstance(e, Instalment) and e.paid_date is not None and YEAR.contains(e.paid_date):
            paid[e.partner] += to_pence(e.amount)
        date = e.date if isinstance(e, Reversal | Expenditure | Income) else None
        if date is None or not YEAR.contains(date):
            continue
        if isinstance(line, Expenditure):
            parts = _vat_parts(agreement, line, C[line.scheme])
            rec = sum(parts.values())
            cost = to_pence(line.net) + to_pence(line.vat) - rec
            E[line.scheme] += sign * cost
            # who paid the supplier, and who gets the VAT back (docs/year-end.md)
            payer = line.paid_by or host
            if payer != host:
                direct[payer] += sign * (cost + sum(r for p, r in parts.items() if p != payer))
            for body, r in parts.items():
                if body not in (host, payer):
                    recharge[body] += sign * r
            if line.unauthorised:  # net of reversals dated in the year
                unauthorised[line.scheme] += sign * cost
            if line.procuring_partner is not None:
                own_vat[line.scheme][line.procuring_partner] += sign * (to_pence(line.vat) - rec)
        elif isinstance(line, Income):
            Inc[line.scheme] += sign * to_pence(line.amount)
    return Books(C, rp, E, Inc, unauthorised, paid, direct, recharge, additional, own_vat)


def vat_charges(agreement: Agreement, b: Books, k: SchemeId) -> dict[PartnerId, int]:
    """``irrecoverable_vat = PROCURER``: each partner's irrecoverable VAT on its own
    purchases, charged to it (never on RS12, where it is its own spending anyway)."""
    if agreement.irrecoverable_vat is IrrecoverableVat.PROCURER and not isinstance(
        agreement.scheme(k).risk_share, NoRiskShare
    ):
        return b.own_vat[k]
    return dict.fromkeys(agreement.partner_order, 0)


def fault(agreement: Agreement, b: Books, k: SchemeId) -> int:
    """What is taken out of a scheme's variance before offsetting and the risk pool and
    charged to named partners (docs/year-end.md#judgements): RS9 ``ALL_UNAUTHORISED``'s
    unauthorised spending and the irrecoverable VAT of ``vat_charges``."""
    rule = agreement.scheme(k).risk_share
    out = sum(vat_charges(agreement, b, k).values())
    if isinstance(rule, FaultBearer) and rule.charge is FaultCharge.ALL_UNAUTHORISED:
        out += max(b.unauthorised[k], 0)
    return out


def carry_target(agreement: Agreement, k: SchemeId, disposition: str) -> SchemeId | None:
    """Where a disposition sends an underspend next year (None: refunded in cash)."""
    if disposition == D.CARRY_FORWARD.value:
        return k
    if disposition == D.REDEPLOY.value:
        return agreement.scheme(k).underspend.redeploy_to or k
    if disposition == D.CONTINGENCY.value:
        return agreement.risk_pool.id if agreement.risk_pool is not None else k
    return None


def unused_refunded(case: CloseCase, agreement: Agreement) -> bool:
    """Unused risk pool is paid out: by the agreement, or because the pool ends (§11.8)."""
    rp = agreement.risk_pool
    return rp is not None and (rp.unused is RiskPoolUnused.REFUND or case.terminating)


# --------------------------------------------------------------------------- I-1


@examples()
@given(close_cases())
def test_i1_conservation(case: CloseCase) -> None:
    ag = case.agreement
    r = run(case)
    assert r.conservation["in"] == r.conservation["out"]

    b = books(ag, case)
    for s in r.schemes:
        k = s.scheme
        assert s.contributions == b.contributions[k]
        assert (s.expenditure, s.income, s.net) == (b.expenditure[k], b.income[k], b.net(k))
        assert s.variance == b.variance(k)
    deficit = sum(p.deficit for p in r.partners)
    under = sum(p.underspend for p in r.partners)
    used = sum(p.risk_pool_used for p in r.partners)
    unused = sum(p.unused_risk_pool for p in r.partners)
    rp_in = sum(b.risk_pool.values())
    c_in = sum(sum(c.values()) for c in b.contributions.values())
    e_out = sum(b.expenditure.values())
    i_in = sum(b.income.values())
    # b/f + contributions (incl. risk pool) + additional + income
    #   = gross expenditure + underspends returned or carried + unused risk pool
    assert r.conservation == {"in": c_in + rp_in + deficit + i_in, "out": e_out + under + unused}
    assert unused == rp_in - used
    # what partners make good, net, is the variance the risk pool did not cover
    assert deficit - under == sum(b.variance(k) for k in ag.scheme_ids) - used

    rp = ag.risk_pool
    if rp is None:
        assert used == 0
        assert r.risk_pool is None
    else:
        assert r.risk_pool is not None
        assert r.risk_pool.available == b.risk_pool
        scope = rp.schemes or ag.scheme_ids
        over = sum(max(b.variance(k) - fault(ag, b, k), 0) for k in scope)
        if ag.offsetting.allowed:
            assert 0 <= used <= min(rp_in, over)
        else:
            assert used == min(rp_in, over)
        for s in r.schemes:
            if s.scheme not in scope:
                assert not any(s.risk_pool.values())


# --------------------------------------------------------------------------- I-2


@examples()
@given(close_cases())
def test_i2_no_unattributed_residue(case: CloseCase) -> None:
    ag = case.agreement
    r = run(case)
    order = ag.partner_order
    rp = ag.risk_pool

    # the pool keeps nothing: cash in less cash spent is all owed to or by partners
    b = books(ag, case)
    pool_cash = (
        sum(sum(c.values()) for c in b.contributions.values())
        + sum(b.risk_pool.values())
        + sum(b.additional.values())
        + sum(b.income.values())
        - sum(b.expenditure.values())
    )
    assert pool_cash == sum(p.balance for p in r.partners)
    for s in r.schemes:
        assert sum(s.net_share.values()) == s.net

    # clearing accounts are emptied (H6/H7)
    for j in r.journals.values():
        for account in (
            Account.POOL_EXPENDITURE_CLEARING,
            Account.POOL_INCOME_CLEARING,
            Account.AGENCY_CLEARING,
        ):
            assert j.balance(account) == 0, (j.partner, account)

    # every underspend penny has a disposition, by the scheme's (or board's) rule
    expected_carry: dict[tuple[SchemeId, PartnerId], int] = defaultdict(int)
    for s in r.schemes:
        scheme = ag.scheme(s.scheme)
        parts_sum = {p: sum(d.get(p, 0) for d in s.dispositions.values()) for p in order}
        assert parts_sum == s.underspend
        assert all(v >= 0 for d in s.dispositions.values() for v in d.values())
        total_u = sum(s.underspend.values())
        rule = scheme.risk_share
        ruling = case.rulings.get(s.scheme)
        if total_u == 0:
            assert s.dispositions == {}
        elif case.terminating:  # §11.8: everything is paid out
            assert s.dispositions == {D.REFUND.value: s.underspend}
        elif isinstance(rule, WindfallManaged):
            windfall = total_u
            if ruling is not None and ruling.windfall_pence is not None:
                windfall = min(max(ruling.windfall_pence, 0), total_u)
            refunded = sum(s.disposed(D.REFUND, p) for p in order)
            managed = {p: s.disposed(rule.managed_disposition, p) for p in order}
            if rule.managed_disposition is D.REFUND:  # both parts refunded, none lost
                assert refunded == total_u
            else:
                assert refunded == windfall
                assert sum(managed.values()) == total_u - windfall
        else:
            chosen = scheme.underspend.disposition
            if isinstance(rule, BoardDecision):
                chosen = ruling.disposition if ruling and ruling.disposition else rule.default
            assert s.dispositions == {chosen.value: s.underspend}
        for name, parts in s.dispositions.items():
            target = carry_target(ag, s.scheme, name)
            if target is not None:
                for p, v in parts.items():
                    expected_carry[(target, p)] += v
    if rp is not None and not unused_refunded(case, ag):
        assert r.risk_pool is not None
        for p, v in r.risk_pool.unused.items():
            expected_carry[(rp.id, p)] += v

    # ... and every carried penny is in an entry naming a partner and a scheme
    carried = [e for e in r.entries if isinstance(e, Contribution)]
    found = {(e.scheme, e.partner): e.pence for e in carried}
    assert len(found) == len(carried)
    assert found == {key: v for key, v in expected_carry.items() if v}
    targets = {*ag.scheme_ids, *([rp.id] if rp is not None else [])}
    for e in carried:
        assert e.partner in order
        assert e.scheme in targets
        assert e.year == YEAR.next()
        assert e.pence > 0
        # a carried risk pool too: money the host already holds (issue 9; it used to
        # come back as RISK_POOL, which read as new money needing instalments)
        assert e.kind is ContributionKind.BROUGHT_FORWARD
    for pc in r.partners:
        assert sum(e.pence for e in carried if e.partner == pc.partner) == pc.held
        assert pc.refunded + pc.carried_forward + pc.redeployed + pc.contingency == pc.underspend

    # everything of its own the host holds for next year goes to an earmarked
    # reserve (H11): its underspends and, since issue 9, its unused risk pool
    host = r.partner(ag.host)
    assert r.journals[ag.host].balance(Account.EARMARKED_RESERVE) == -host.held

    # cash settlements: one entry per non-host partner that has one
    settled = {e.partner: to_pence(e.amount) for e in r.entries if isinstance(e, Settlement)}
    assert settled == {p.partner: p.settlement for p in r.partners if p.settlement}
    assert isinstance(r.entries[-1], YearClosed)


# --------------------------------------------------------------------------- I-3


@examples()
@given(close_cases())
def test_i3_shares_sum_to_totals(case: CloseCase) -> None:
    ag = case.agreement
    r = run(case)
    order = ag.partner_order
    for s in r.schemes:
        assert sum(s.gross_share.values()) == s.expenditure
        assert sum(s.income_share.values()) == s.income
        assert sum(s.net_share.values()) == s.net
        assert {p: s.gross_share[p] - s.income_share[p] for p in order} == s.net_share  # R5
        # income is split by the net shares, or by contributions where they are unusable
        if s.income and s.income_basis == "net shares":
            for p in order:
                exact = Fraction(s.income * s.net_share[p], s.net)
                assert abs(exact - s.income_share[p]) < 1
        elif s.income and sum(s.contributions.values()) > 0:
            total_c = sum(s.contributions.values())
            for p in order:
                exact = Fraction(s.income * s.contributions[p], total_c)
                assert abs(exact - s.income_share[p]) < 1
    for field in ("net_share", "income_share", "gross_share", "deficit", "underspend"):
        for pc in r.partners:
            assert getattr(pc, field) == sum(getattr(s, field)[pc.partner] for s in r.schemes)
    assert sum(p.gross_share for p in r.partners) == sum(s.expenditure for s in r.schemes)
    assert sum(p.income_share for p in r.partners) == sum(s.income for s in r.schemes)
    assert sum(p.net_share for p in r.partners) == sum(s.net for s in r.schemes)

    # the risk pool: partner totals are contractual, scheme totals derived (R4)
    if r.risk_pool is not None:
        for p in order:
            assert sum(r.risk_pool.by_scheme[p].values()) == r.risk_pool.used[p]
            assert sum(s.risk_pool[p] for s in r.schemes) == r.risk_pool.used[p]
            assert r.risk_pool.used[p] + r.risk_pool.unused[p] == r.risk_pool.available[p]
            assert 0 <= r.risk_pool.used[p] <= max(r.risk_pool.available[p], 0)
    # offsets move money between schemes, never between partners
    for p in order:
        assert sum(s.offset[p] for s in r.schemes) == 0
    b = books(ag, case)
    for s in r.schemes:
        moved = sum(s.offset.values())
        assert moved == 0 or (moved > 0) == (s.variance - fault(ag, b, s.scheme) > 0)


# --------------------------------------------------------------------- I-5 (I-4, I-6)


@examples()
@given(close_cases())
def test_i5_net_cost_identity(case: CloseCase) -> None:
    ag = case.agreement
    r = run(case)
    host = ag.host
    b = books(ag, case)
    refund_unused = unused_refunded(case, ag)
    for pc in r.partners:
        p = pc.partner
        j = r.journals[p]
        assert j.is_balanced  # I-4
        assert j.net_cost == pc.net_share
        assert pc.net_share == (
            pc.contributions
            + pc.risk_pool_contribution
            - pc.unused_risk_pool
            + pc.deficit
            - pc.underspend
        )
        assert pc.risk_pool_used == pc.risk_pool_contribution - pc.unused_risk_pool
        assert pc.contributions == sum(c[p] for c in b.contributions.values())
        assert pc.risk_pool_contribution == b.risk_pool[p]
        assert pc.additional_paid == b.additional[p]
        assert pc.balance == (
            pc.contributions + pc.risk_pool_contribution + pc.additional_paid - pc.net_share
        )
        assert pc.balance == pc.unused_risk_pool + pc.underspend - pc.deficit + pc.additional_paid
        held = pc.carried_forward + pc.redeployed + pc.contingency
        held += 0 if refund_unused or ag.risk_pool is None else pc.unused_risk_pool
        assert pc.held == held
        if p == host:
            assert pc.settlement == 0
            assert pc.settlement_due is None
            continue
        # the settlement counts spending the partner paid directly and the VAT it
        # recovered on spending the host paid (before issue 9 it left both out)
        direct, recharge = b.paid_directly[p], b.vat_recharge[p]
        assert (pc.paid_directly, pc.vat_recharge) == (direct, recharge)
        assert pc.settlement == pc.balance - pc.held + direct - recharge
        assert (
            pc.settlement
            == (
                pc.refunded
                + (pc.unused_risk_pool if refund_unused else 0)
                - pc.deficit
                + pc.additional_paid
            )
            + direct
            - recharge
        )
        # I-6: the host's balance with p mirrors p's balance with the host
        assert j.balance_with(host) + r.journals[host].balance_with(p) == 0
        # what stays with the host is exactly what is held for next year
        assert j.balance(Account.HELD_BY_HOST, counterparty=host) == pc.held
        # unpaid instalments are a debtor on their own line; P4 / P6 settle the rest
        # (before issue 9, P4/P6 netted the debtor into the settlement)
        unpaid = pc.contributions + pc.risk_pool_contribution + pc.additional_paid - b.paid[p]
        assert pc.unpaid_contributions == unpaid
        assert j.balance(Account.CONTRIBUTION_PAYABLE, counterparty=host) == -unpaid
        position = pc.balance - pc.held + direct
        p4 = sum(x.credit for x in j.refs("P4") if x.account is Account.PAYABLE_TO_HOST)
        p6 = sum(x.debit for x in j.refs("P6") if x.account is Account.REFUND_DUE_FROM_HOST)
        assert (p4, p6) == (max(-position, 0), max(position, 0))
        # the settlement schedule reconciles to the journal
        assert pc.balance_with_host == pc.held + pc.settlement - unpaid
        assert j.balance_with(host) == pc.balance_with_host


# --------------------------------------------------------------------------- I-7


@examples()
@given(close_cases())
def test_i7_risk_rules(case: CloseCase) -> None:
    ag = case.agreement
    r = run(case)
    b = books(ag, case)
    for s in r.schemes:
        scheme = ag.scheme(s.scheme)
        for p in ag.partner_order:
            assert s.deficit[p] >= 0
            assert s.underspend[p] >= 0
            assert not (s.deficit[p] and s.underspend[p]), p
        res = s.residual
        assert sum(s.deficit.values()) - sum(s.underspend.values()) == res
        rule = scheme.risk_share
        # RS9 ALL_UNAUTHORISED: the bearer's unauthorised spending is taken out first
        charged = fault(ag, b, s.scheme)
        # offsetting and the risk pool reduce a variance, never turn it round
        v, r_ = s.variance - charged, res - charged
        assert (0 <= r_ <= v) or (v <= r_ <= 0)
        if any(s.risk_pool.values()):
            assert v > 0
        # what the scheme's rule itself gave each partner: its signed share less the
        # irrecoverable VAT on its own purchases charged to it (irrecoverable_vat=PROCURER)
        vc = vat_charges(ag, b, s.scheme)
        part = {p: s.deficit[p] - s.underspend[p] - vc[p] for p in ag.partner_order}
        rd = {p: max(v, 0) for p, v in part.items()}
        ru = {p: max(-v, 0) for p, v in part.items()}
        rres = res - sum(vc.values())
        if isinstance(rule, CappedShares):
            for cap in rule.caps:
                limit = to_pence(cap.cap)
                if rres > 0:
                    assert rd[cap.partner] <= limit, cap
                if rres < 0 and rule.caps_apply_to is CapScope.BOTH:
                    assert ru[cap.partner] <= limit, cap
        elif isinstance(rule, FixedVariableProfile):
            bearer = rule.bearer or ag.host
            for p in rule.fixed:
                if p != bearer:
                    assert rd[p] == ru[p] == 0, p
        elif isinstance(rule, OwnRisk):
            owner = rule.owner or scheme.lead_commissioner
            bearing = {p for p in ag.partner_order if rd[p] or ru[p]}
            assert bearing <= {owner}
        elif isinstance(rule, FaultBearer) and rule.charge is FaultCharge.ALL_UNAUTHORISED:
            # the bearer bears all of it, plus (or less) its share of the rest
            own = max(b.unauthorised[s.scheme], 0)
            mine = part[rule.bearer]
            assert mine >= own if r_ >= 0 else mine <= own
        elif isinstance(rule, FaultBearer) and rres > 0:
            assert rd[rule.bearer] >= min(rres, max(b.unauthorised[s.scheme], 0))
        elif isinstance(rule, Threshold):
            others = sum(v for p, v in s.contributions.items() if p != rule.protected and v > 0)
            capacity = math.floor(others * rule.threshold)
            if others and abs(rres) <= capacity:
                assert rd[rule.protected] == ru[rule.protected] == 0


# -------------------------------------------------------------------------- I-10


@examples()
@given(close_cases())
def test_i10_model_invariance(case: CloseCase) -> None:
    ag = case.agreement
    host = ag.host
    base = run(case, with_models(ag, JointOperation()))
    for model in (None, Principal(partner=host), Agent(partner=host)):
        variant = run(case, with_models(ag, model))
        assert variant.partners == base.partners  # net cost, balance, settlement, …
        assert variant.schemes == base.schemes
        assert variant.entries == base.entries
        for p in ag.partner_order:
            j, j0 = variant.journals[p], base.journals[p]
            assert j.is_balanced
            assert j.net_cost == j0.net_cost == base.partner(p).net_share
            for q in ag.partner_order:
                assert j.balance_with(q) == j0.balance_with(q), (p, q, model)


# -------------------------------------------------------------------------- I-12


@examples()
@given(close_cases())
def test_i12_idempotent_close(case: CloseCase) -> None:
    ag = case.agreement
    first = run(case)
    assert not first.already_closed
    closed = Ledger(ag, case.entries).post(*first.entries)
    assert closed.post(*first.entries) == closed  # posting again changes nothing
    second = close_year(ag, closed, YEAR, rulings=case.rulings, terminating=case.terminating)
    assert second.already_closed
    assert second.entries == ()
    assert second.partners == first.partners
    assert second.schemes == first.schemes
    assert second.risk_pool == first.risk_pool
    assert second.journals == first.journals


# -------------------------------------------------------------------------- I-16


def _outcome(r: YearEndClose) -> Mapping[str, object]:
    return {
        "schemes": [
            (s.scheme, s.residual, s.offset, s.risk_pool, s.deficit, s.underspend, s.net_share)
            for s in r.schemes
        ],
        "partners": [
            (p.partner, p.net_share, p.deficit, p.underspend, p.risk_pool_used) for p in r.partners
        ],
    }


@examples()
@given(close_cases(host_neutral=True))
def test_i16_host_neutrality(case: CloseCase) -> None:
    ag = case.agreement
    assert case.alt_host is not None
    assert ag.partner(case.alt_host).kind is ag.host_partner.kind
    moved = with_host(ag, case.alt_host)
    assert not has_errors(validate_agreement(moved))
    assert moved.partner_order == ag.partner_order
    assert _outcome(run(case, moved)) == _outcome(run(case))


# ------------------------------------------- settlement, journals and balances (issue 9)


def _unpaid(
    ag: Agreement, entries: tuple[Entry, ...], year: FinancialYear, by: date
) -> dict[PartnerId, int]:
    """Recomputed: a non-host partner's contributions for ``year`` (less balances
    brought forward) not paid by instalments before ``by``."""
    owed = dict.fromkeys(ag.partner_order, 0)
    records = [(c.partner, c.year, c.kind, to_pence(c.amount)) for c in ag.contributions]
    records += [
        (e.partner, e.year, e.kind, e.pence) for e in entries if isinstance(e, Contribution)
    ]
    for partner, y, kind, pence in records:
        if y == year and kind is not ContributionKind.BROUGHT_FORWARD:
            owed[partner] += pence
    for e in entries:
        if isinstance(e, Instalment) and e.year == year and e.paid_date and e.paid_date < by:
            owed[e.partner] -= e.pence
    owed[ag.host] = 0
    return owed


@examples(ci=100, local=10)
@given(two_year_cases())
def test_two_years_settlement_journals_and_balances_reconcile(case: CloseCase) -> None:
    """For both years and every partner: the settlement schedule's balance with the
    host = the partner's journal = the host's mirror = agreement of balances (month
    12); opening balances, debtors, VAT recharges and direct payments included."""
    ag = case.agreement
    host = ag.host
    y1, y2 = YEAR, YEAR.next()
    ledger = Ledger(ag, case.entries)
    c1 = close_year(ag, ledger, y1, rulings=case.rulings)
    ledger2 = ledger.post(*c1.entries)
    c2 = close_year(ag, ledger2, y2, rulings=case.rulings, terminating=case.terminating)
    entries2 = ledger2.entries
    carried = dict.fromkeys(ag.partner_order, 0)
    for e in c1.entries:
        if isinstance(e, Contribution):
            carried[e.partner] += e.pence
    for r, led, year in ((c1, ledger, y1), (c2, ledger2, y2)):
        aob = agreement_of_balances(ag, led, year, 12, close=r)
        assert aob.mirrors
        unpaid_now = _unpaid(ag, entries2, year, year.end)
        for pc in r.partners:
            p = pc.partner
            j = r.journals[p]
            assert j.is_balanced
            assert j.net_cost == pc.net_share
            if p == host:
                assert j.balance(Account.EARMARKED_RESERVE) == -pc.held
                continue
            assert pc.unpaid_contributions == unpaid_now[p]
            assert pc.settlement == (pc.balance - pc.held + pc.paid_directly - pc.vat_recharge)
            debtor = pc.unpaid_contributions + pc.unpaid_earlier_years
            assert pc.balance_with_host == pc.held + pc.settlement - debtor
            assert j.balance_with(host) == pc.balance_with_host
            assert r.journals[host].balance_with(p) == -pc.balance_with_host
            row = aob.row(p)
            assert row.net == pc.balance_with_host
            assert row.host_payable - row.host_receivable == pc.balance_with_host
            assert row.unpaid_contributions == debtor
            assert row.vat_recharge == pc.vat_recharge
            assert row.held_by_host == pc.held
            assert pc.amount_due == pc.settlement - debtor + pc.paid_after_year_end
    for pc in c2.partners:
        # next year opens with exactly what the first close carried forward
        assert pc.opening_balance == carried[pc.partner]
        if pc.partner != host:
            # last year's instalments still unpaid at the second 31 March
            assert pc.unpaid_earlier_years == _unpaid(ag, entries2, y1, y2.end)[pc.partner]
