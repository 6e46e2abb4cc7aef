"""The fields of a ledger row and the entry each kind of row becomes (layer L5).

This module holds the tables the CSV and Excel readers share (docs/csv-import.md):
every column a ledger row may give (:data:`ENTRY_FIELDS`, in the documented order),
which of them are ids, amounts, dates and yes/no flags, and for each entry kind
(``contribution``, ``instalment``, ``expenditure``, ``income``, ``reversal``) its
model and its required and optional fields.  It also holds
:func:`construct_entry`, which builds an entry from values the row parser has
already checked, without a second validation (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

from pooledledger.model.entries import (
    Contribution,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
    _Entry,
    fields_set,
)

__all__ = [
    "AMOUNT_FIELDS",
    "BOOL_FIELDS",
    "DATE_FIELDS",
    "ENTRY_FIELDS",
    "ID_FIELDS",
    "KINDS",
    "MAIN_AMOUNT",
    "MAX_CELL_CHARS",
    "SKIP",
    "TEXT_FIELDS",
    "construct_entry",
    "entry_template",
]

#: The most characters a cell may hold (``PL-CSV-043``): as many as an Excel cell
#: holds, so every value read can be written back to a workbook whole.
MAX_CELL_CHARS = 32_767

#: Every field a ledger row may give, in the documented column order.
ENTRY_FIELDS: tuple[str, ...] = (
    "entry",
    "id",
    "scheme",
    "partner",
    "date",
    "net",
    "vat",
    "vat_recoverable",
    "amount",
    "kind",
    "year",
    "effective_date",
    "approval_ref",
    "due_date",
    "paid_date",
    "supplier",
    "category",
    "procuring_partner",
    "paid_by",
    "capital",
    "cos_listed",
    "unauthorised",
    "agreement_ref",
    "source",
    "reverses",
    "reason",
    "description",
)

ID_FIELDS = frozenset({"id", "scheme", "partner", "procuring_partner", "paid_by", "reverses"})
AMOUNT_FIELDS = frozenset({"net", "vat", "vat_recoverable", "amount"})
DATE_FIELDS = frozenset({"date", "effective_date", "due_date", "paid_date"})
BOOL_FIELDS = frozenset({"capital", "cos_listed", "unauthorised"})

#: the fields read as plain text (the row parser's fast path)
TEXT_FIELDS = (
    frozenset(ENTRY_FIELDS)
    - ID_FIELDS
    - AMOUNT_FIELDS
    - DATE_FIELDS
    - BOOL_FIELDS
    - {
        "year",
        "kind",
        "entry",
    }
)

ModelType = (
    type[Contribution] | type[Instalment] | type[Expenditure] | type[Income] | type[Reversal]
)

#: kind -> (model, required fields, optional fields)
KINDS: dict[str, tuple[ModelType, tuple[str, ...], tuple[str, ...]]] = {
    "contribution": (
        Contribution,
        ("id", "partner", "scheme", "year", "amount", "effective_date", "approval_ref"),
        ("kind", "description"),
    ),
    "instalment": (
        Instalment,
        ("id", "partner", "scheme", "year", "amount", "due_date"),
        ("paid_date",),
    ),
    "expenditure": (
        Expenditure,
        ("id", "scheme", "date", "net"),
        (
            "vat",
            "vat_recoverable",
            "supplier",
            "category",
            "procuring_partner",
            "paid_by",
            "capital",
            "cos_listed",
            "unauthorised",
            "agreement_ref",
            "description",
        ),
    ),
    "income": (
        Income,
        ("id", "scheme", "date", "amount"),
        ("source", "category", "description"),
    ),
    "reversal": (Reversal, ("id", "reverses", "date", "reason"), ()),
}

#: The amount field a debit/credit pair feeds, per entry kind.
MAIN_AMOUNT: dict[str, str] = {
    "contribution": "amount",
    "instalment": "amount",
    "expenditure": "net",
    "income": "amount",
}

#: A value map may send an entry-type code to this instead of a kind: the row is skipped.
SKIP = "skip"


def _defaults(model: ModelType) -> dict[str, Any]:
    """Every field's default (``entry`` included), computed once per model."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


def _plain(model: ModelType) -> bool:
    """True if ``model`` needs nothing from ``model_construct`` beyond setting its dict."""
    return (
        # the entries' own post-init only shares the fields set: done here directly
        model.model_post_init is _Entry.model_post_init
        and not model.__private_attributes__
        and not model.__pydantic_root_model__
        and model.model_config.get("extra") != "allow"
    )


_DEFAULTS: dict[str, dict[str, Any]] = {k: _defaults(m) for k, (m, _, _) in KINDS.items()}
_ORDER: dict[str, tuple[str, ...]] = {k: tuple(m.model_fields) for k, (m, _, _) in KINDS.items()}
_PLAIN: dict[str, bool] = {k: _plain(m) for k, (m, _, _) in KINDS.items()}
_MISSING = object()
_set = object.__setattr__


def construct_entry(kind: str, values: dict[str, Any]) -> Entry:
    """``model.model_construct(**values)`` for checked values, defaults filled in.

    For the plain frozen entry models this does what ``model_construct`` does
    (set ``__dict__`` in field order, the fields set, no extra, no private
    attributes) without its per-field default machinery, which dominates the
    cost of a row; any other model goes through ``model_construct`` itself.
    """
    model = KINDS[kind][0]
    defaults = _DEFAULTS[kind]
    full = {
        name: value if (value := values.get(name, _MISSING)) is not _MISSING else defaults[name]
        for name in _ORDER[kind]
    }
    if not _PLAIN[kind]:  # pragma: no cover - the entry models are all plain
        return model.model_construct(_fields_set=set(values), **full)
    entry = model.__new__(model)
    _set(entry, "__dict__", full)
    _set(entry, "__pydantic_fields_set__", fields_set(values))
    _set(entry, "__pydantic_extra__", None)
    _set(entry, "__pydantic_private__", None)
    return entry


def entry_template(kind: str) -> dict[str, Any]:
    """A new dict of ``kind``'s model fields in order: each default, ``None`` if required.

    The bulk reader (:mod:`pooledledger.io.bulk_rows`) fills in the given fields, as
    :func:`construct_entry` does.
    """
    defaults = _DEFAULTS[kind]
    return {name: defaults.get(name) for name in _ORDER[kind]}
