"""VAT on pool spending: which body recovers it, how much, and the pool cost that is
left (docs/ledger.md#vat, I-13).

:mod:`pooledledger.books.ledger` uses these for its lines and re-exports every
public name here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from pooledledger.core.allocation import allocate
from pooledledger.core.money import to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement, VatModel
from pooledledger.model.entries import ContributionKind, Expenditure
from pooledledger.model.partners import PartnerId, VatRegime

__all__ = ["VatWeights", "pool_cost", "recoverable_vat", "vat_body", "vat_shares"]


def vat_body(agreement: Agreement, expenditure: Expenditure) -> PartnerId:
    """The partner whose VAT regime decides recovery on ``expenditure`` (docs/ledger.md#vat).

    Under ``AGENT`` this is the scheme's lead commissioner, which takes an explicit
    ``vat_recoverable`` and the whole VAT when the scheme has no contribution
    weights; otherwise each partner recovers on its own share (:func:`vat_shares`).
    """
    if agreement.vat_model is VatModel.AGENT:
        for scheme in agreement.schemes:
            if scheme.id == expenditure.scheme:
                return scheme.lead_commissioner
        return agreement.host  # unknown scheme: reported by check_unknown_schemes
    return expenditure.procuring_partner or agreement.host


#: Contribution weights of one scheme for one year, in pence (positive only).
VatWeights = Mapping[PartnerId, int]


def _planned_weights(agreement: Agreement, expenditure: Expenditure) -> dict[PartnerId, int]:
    """The agreement's planned funding of the line's scheme for the line's year."""
    year = FinancialYear.for_date(expenditure.date)
    out: dict[PartnerId, int] = defaultdict(int)
    for c in agreement.contributions:
        if (
            c.year == year
            and c.scheme == expenditure.scheme
            and c.kind not in (ContributionKind.RISK_POOL, ContributionKind.ADDITIONAL)
        ):
            out[c.partner] += c.pence
    return dict(out)


def _recovers(agreement: Agreement, body: PartnerId, expenditure: Expenditure) -> bool:
    """Whether ``body``'s VAT regime recovers VAT on ``expenditure`` (run for every
    line: one pass over the few partners, no tuple or error made)."""
    for partner in agreement.partners:
        if partner.id == body:
            regime = partner.vat_regime
            return regime is VatRegime.LA_S33 or (
                regime is VatRegime.NHS_S41_COS and expenditure.cos_listed
            )
    return False  # unknown partner: reported by check_unknown_partners


def vat_shares(
    agreement: Agreement, expenditure: Expenditure, weights: VatWeights | None = None
) -> dict[PartnerId, tuple[int, int]]:
    """Each VAT body's ``(VAT, recoverable VAT)`` on ``expenditure``, in pence (docs/ledger.md#vat).

    One body (the procurer, or the host) under ``LEAD_PARTNER_REGIME``, and under
    ``AGENT`` when ``vat_recoverable`` is given or the scheme has no contribution
    weights.  Otherwise, under ``AGENT``, every partner with a weight: its share of
    the VAT by the allocator, recoverable if its own regime recovers it.
    ``weights`` are the scheme's contributions for the line's year (the ledger
    passes its approved contributions; default: the agreement's planned ones).
    """
    vat = expenditure.vat_pence
    if agreement.vat_model is VatModel.AGENT and expenditure.vat_recoverable is None:
        given = weights if weights is not None else _planned_weights(agreement, expenditure)
        usable = {p: w for p, w in given.items() if w > 0}
        if usable and all(w >= 0 for w in given.values()):  # as the apportionment weights
            order = [p.id for p in agreement.partners if p.id in usable]
            order += [p for p in usable if p not in order]
            parts = allocate(vat, usable, order)
            return {
                p: (v, v if _recovers(agreement, p, expenditure) else 0) for p, v in parts.items()
            }
    body = vat_body(agreement, expenditure)
    if expenditure.vat_recoverable is not None:
        return {body: (vat, to_pence(expenditure.vat_recoverable))}
    return {body: (vat, vat if _recovers(agreement, body, expenditure) else 0)}


def recoverable_vat(
    agreement: Agreement, expenditure: Expenditure, weights: VatWeights | None = None
) -> int:
    """Pence of VAT on ``expenditure`` that the recovering bodies get back (:func:`vat_shares`)."""
    return sum(rec for _, rec in vat_shares(agreement, expenditure, weights).values())


def pool_cost(
    agreement: Agreement, expenditure: Expenditure, weights: VatWeights | None = None
) -> int:
    """Net plus irrecoverable VAT, in pence: what the expenditure costs the pool (I-13)."""
    return (
        expenditure.net_pence
        + expenditure.vat_pence
        - recoverable_vat(agreement, expenditure, weights)
    )
