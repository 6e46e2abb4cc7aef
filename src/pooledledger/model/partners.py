"""Partners of a pooled fund: the councils, NHS bodies and others that pay into it.

A *partner* is a body that contributes to the pooled fund and bears a share of
its outcome (docs/concepts.md#host-partner-and-pooled-fund-manager). One partner is
the *host*, responsible for the pool's accounts and audit; that is a property of
the :class:`~pooledledger.model.agreement.Agreement`, not of the partner.

Ids (:data:`PartnerId`, :data:`SchemeId`) are short codes such as ``"ICB"`` or
``"S2"``: a letter or digit, then letters, digits, ``_``, ``.`` or ``-``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from pooledledger.core._model import DomainEnum, FrozenModel

__all__ = [
    "ID_PATTERN",
    "Partner",
    "PartnerId",
    "PartnerKind",
    "SchemeId",
    "VatRegime",
    "default_vat_regime",
]

#: The pattern every partner, scheme and contribution id must match.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

#: The id of a partner, e.g. ``"COUNCIL"``, ``"ICB"``, ``"PCT1"``.
PartnerId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]

#: The id of a scheme (a pooled service budget) or of the risk pool, e.g. ``"S1"``, ``"RP"``.
SchemeId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class PartnerKind(DomainEnum):
    """What sort of body a partner is; the legal basis limits which kinds may pool.

    * ``LOCAL_AUTHORITY``: a council (social services, housing, children's services).
    * ``NHS_BODY``: a PCT, CCG, ICB, NHS trust or NHS England.
    * ``OTHER``: e.g. police or probation in a Children Act 2004 s10 pool.
    """

    LOCAL_AUTHORITY = "LOCAL_AUTHORITY"
    NHS_BODY = "NHS_BODY"
    OTHER = "OTHER"


class VatRegime(DomainEnum):
    """How a partner recovers VAT (docs/ledger.md#vat).

    * ``LA_S33``: a local authority under VATA 1994 s33, generally full recovery.
    * ``NHS_S41_COS``: an NHS body under s41 (contracted-out services), limited recovery.
    * ``NONE``: no recovery.
    """

    LA_S33 = "LA_S33"
    NHS_S41_COS = "NHS_S41_COS"
    NONE = "NONE"


_DEFAULT_VAT: dict[PartnerKind, VatRegime] = {
    PartnerKind.LOCAL_AUTHORITY: VatRegime.LA_S33,
    PartnerKind.NHS_BODY: VatRegime.NHS_S41_COS,
    PartnerKind.OTHER: VatRegime.NONE,
}


def default_vat_regime(kind: PartnerKind) -> VatRegime:
    """The VAT regime a partner of ``kind`` has unless stated otherwise.

    >>> default_vat_regime(PartnerKind.LOCAL_AUTHORITY)
    VatRegime.LA_S33
    """
    return _DEFAULT_VAT[PartnerKind(kind)]


def _vat_from_kind(data: dict[str, Any]) -> VatRegime:
    kind = data.get("kind")
    return default_vat_regime(kind) if isinstance(kind, PartnerKind) else VatRegime.NONE


class Partner(FrozenModel):
    """A body that pays into the pooled fund and bears a share of its outcome.

    ``vat_regime`` defaults from ``kind``: a local authority recovers under s33
    (``LA_S33``), an NHS body under s41 (``NHS_S41_COS``), any other body not at all
    (``NONE``). Give it explicitly when a partner's position differs.
    ``dhsc_group`` marks bodies in the DHSC group that agree balances through the
    NHS agreement-of-balances exercise
    (docs/reports.md#agreement-of-balances-months-6-9-and-12).

    >>> Partner(id="ICB", name="NHS Example ICB", kind=PartnerKind.NHS_BODY).vat_regime
    VatRegime.NHS_S41_COS
    """

    id: PartnerId
    name: Annotated[str, StringConstraints(min_length=1)]
    kind: PartnerKind
    vat_regime: VatRegime = Field(default_factory=_vat_from_kind)
    dhsc_group: bool = False
