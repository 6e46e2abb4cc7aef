"""Journal uploads' models: a partner's mapping onto its chart of accounts, an upload
file's layout, and one upload line (docs/journal-uploads.md).

:mod:`pooledledger.yearend.uploads` maps journals onto these and re-exports every
name here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from pooledledger.core._model import FrozenModel
from pooledledger.core.errors import PooledLedgerError
from pooledledger.model.partners import PartnerId

__all__ = [
    "ANY_SCHEME",
    "GENERIC_LAYOUT",
    "JournalMapping",
    "PartnerMapping",
    "UploadColumn",
    "UploadError",
    "UploadLayout",
    "UploadLine",
]

#: The scheme key of a mapping that applies to every scheme (and to lines with none).
ANY_SCHEME = "*"

_Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class UploadError(PooledLedgerError, ValueError):
    """An upload that cannot be made as asked (e.g. a layout that cannot show signs)."""


class PartnerMapping(FrozenModel):
    """One partner's chart of accounts for the close's journals.

    * ``segments``: the names of its account segments, in its order, e.g.
      ``["entity", "cost_centre", "account"]``;
    * ``fixed``: segment values for every line (e.g. the entity code);
    * ``accounts``: account key (:class:`~pooledledger.books.journals.Account`) → scheme
      id, or ``"*"`` for every scheme and for lines with no scheme → segment values.
      A scheme's entry is laid over the ``"*"`` entry, which is laid over ``fixed``.

    A value may hold ``{scheme}``, ``{counterparty}``, ``{partner}`` or
    ``{account}``, filled in per line (empty when the line has none).
    """

    segments: tuple[_Name, ...] = Field(min_length=1)
    fixed: dict[str, str] = Field(default_factory=dict)
    accounts: dict[str, dict[str, dict[str, str]]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_segments(self) -> PartnerMapping:
        if len(set(self.segments)) != len(self.segments):
            raise ValueError("segments must not repeat a name")
        return self


class JournalMapping(FrozenModel):
    """Per partner (by id), its :class:`PartnerMapping` (a TOML file's ``[partners.ID]``)."""

    partners: dict[PartnerId, PartnerMapping]


_FIELDS = (
    "journal_id",
    "period_name",
    "accounting_date",
    "segments",
    "debit",
    "credit",
    "amount",
    "magnitude",
    "side",
    "description",
    "reference",
    "line",
    "currency",
    "partner",
    "ref",
    "account_key",
    "scheme",
    "counterparty",
)


class UploadColumn(FrozenModel):
    """One column of an upload file: its ``header`` and what it holds.

    ``field`` is one of ``journal_id``, ``period_name``, ``accounting_date``,
    ``segments`` (every segment of the partner's mapping, headed by its name),
    ``segment:NAME`` (one segment), ``debit``, ``credit``, ``amount`` (signed by
    the layout's ``amount_sign``), ``magnitude`` with ``side`` (the layout's debit
    or credit code), ``description``, ``reference``, ``line`` (1, 2, ...),
    ``currency``, ``partner``, ``ref`` (the close's P/H reference), ``account_key``,
    ``scheme``, ``counterparty``; or give ``text``, the same text on every row.
    """

    header: str = ""
    field: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one(self) -> UploadColumn:
        if (self.field is None) == (self.text is None):
            raise ValueError(f"column {self.header!r}: give either a field or a text")
        if self.field is not None:
            name = self.field.removeprefix("segment:")
            if self.field.startswith("segment:") and not name:
                raise ValueError(f"column {self.header!r}: name the segment after 'segment:'")
            if not self.field.startswith("segment:") and self.field not in _FIELDS:
                raise ValueError(
                    f"column {self.header!r}: unknown field {self.field!r}; use "
                    + ", ".join(_FIELDS)
                    + " or segment:NAME"
                )
        if self.field != "segments" and not self.header:
            raise ValueError("a column needs a header")
        return self


class UploadLayout(FrozenModel):
    """How a finance system's journal upload file is laid out.

    * ``columns`` in order (:class:`UploadColumn`);
    * ``date_format``: ``strftime`` format of ``accounting_date`` (default
      ``%d/%m/%Y``: 31/03/2026);
    * ``period_name``, ``journal_id``, ``description``, ``reference``: templates
      filled from ``{agreement}``, ``{fy}`` (2025-26), ``{fy_start}``, ``{fy_end}``,
      ``{period}`` (1-12 of the financial year), ``{date}`` (the accounting date,
      e.g. ``{date:%b-%y}`` → ``Mar-26``), ``{partner}``; descriptions and
      references also ``{ref}``, ``{label}``, ``{account}``, ``{scheme}``,
      ``{counterparty}``, ``{memo}``, ``{line}``;
    * ``amount_sign``: for an ``amount`` column, whether debits are positive;
    * ``debit_code``/``credit_code``: for a ``side`` column;
    * ``blank_zero``: leave the empty side of a debit/credit pair blank (else
      ``0.00``); ``delimiter``: ``,`` (or a tab ``\\t``, ``;``, ``|``);
    * ``file_name``: the file for one partner, from ``{partner}``, ``{fy}``...
    """

    name: str = "generic"
    columns: tuple[UploadColumn, ...] = Field(min_length=1)
    date_format: str = "%d/%m/%Y"
    period_name: str = "{fy} M{period:02d}"
    journal_id: str = "{agreement}-{fy}-{partner}"
    description: str = "{ref} {label} {scheme} {counterparty}"
    reference: str = "pooledledger close {agreement} {fy} {ref}"
    amount_sign: Literal["debit_positive", "credit_positive"] = "debit_positive"
    debit_code: str = "DR"
    credit_code: str = "CR"
    blank_zero: bool = True
    delimiter: Literal[",", "\t", ";", "|"] = ","
    file_name: str = "journal-upload-{partner}.csv"

    @field_validator("date_format")
    @classmethod
    def _dates(cls, value: str) -> str:
        sample = date(2026, 3, 31)
        try:
            back = datetime.strptime(sample.strftime(value), value).date()
        except ValueError as exc:
            raise ValueError(f"date format {value!r} cannot be used: {exc}") from None
        if back != sample:
            raise ValueError(f"date format {value!r} does not read back the date it writes")
        return value

    @model_validator(mode="after")
    def _signs(self) -> UploadLayout:
        fields = {c.field for c in self.columns}
        if not (
            {"debit", "credit"} <= fields or "amount" in fields or {"magnitude", "side"} <= fields
        ):
            raise ValueError(
                "the columns cannot show debits and credits: give debit and credit, "
                "amount, or magnitude and side columns"
            )
        if self.debit_code.strip().casefold() == self.credit_code.strip().casefold():
            raise ValueError("debit_code and credit_code must differ")
        for name in ("period_name", "journal_id", "description", "reference", "file_name"):
            template = getattr(self, name)
            try:
                template.format_map(_Probe())
            except (ValueError, KeyError, IndexError, AttributeError) as exc:
                raise ValueError(f"{name} template {template!r} cannot be used: {exc}") from None
        return self


class _Probe(dict[str, object]):
    """Template check: every known field name gives a value of a fitting type."""

    def __missing__(self, key: str) -> object:
        if key in ("period", "fy_start", "fy_end", "line"):
            return 1
        if key == "date":
            return date(2026, 3, 31)
        if key in _TEMPLATE_TEXT:
            return "x"
        raise KeyError(f"unknown name {{{key}}}")


_TEMPLATE_TEXT = frozenset(
    {"agreement", "fy", "partner", "ref", "label", "account", "scheme", "counterparty", "memo"}
)

#: The generic layout: journal id, period name, accounting date, the partner's
#: segments, debit, credit, description and a reference to the close.
GENERIC_LAYOUT = UploadLayout(
    columns=(
        UploadColumn(header="journal_id", field="journal_id"),
        UploadColumn(header="period_name", field="period_name"),
        UploadColumn(header="accounting_date", field="accounting_date"),
        UploadColumn(field="segments"),
        UploadColumn(header="debit", field="debit"),
        UploadColumn(header="credit", field="credit"),
        UploadColumn(header="description", field="description"),
        UploadColumn(header="reference", field="reference"),
    )
)


class UploadLine(FrozenModel):
    """One line of a partner's journal upload, in the partner's own segments (pence)."""

    journal_id: str
    period_name: str
    accounting_date: date
    segments: dict[str, str]
    debit: int = Field(ge=0)
    credit: int = Field(ge=0)
    description: str = ""
    reference: str = ""
    partner: str = ""
    ref: str = ""
    account_key: str = ""
    scheme: str = ""
    counterparty: str = ""
