"""Reading ledger entries from CSV files, one row per entry (layer L5).

The layout is documented in docs/csv-import.md.  In short: a header row, then one
row per entry; the ``entry`` column names the kind (``contribution``,
``instalment``, ``expenditure``, ``income``, ``reversal``) and the other columns
are the entry fields of :mod:`pooledledger.model.entries` under their own names
(``id``, ``scheme``, ``partner``, ``date``, ``net``, ``vat``, ...).  An empty cell
means "not given".  A :class:`ColumnMap` renames columns for a file laid out
differently (a finance-system export), fixes values for every row (e.g. every
row is an ``expenditure``) and can name a day-first date format.

:func:`read_ledger_csv` never raises on bad data.  It reports every bad row, each
with the file, its physical line (the header is line 1), the column and a
``PL-CSV-0xx`` code, and imports nothing (``None``) if any is an error.  If every
row is good it builds the :class:`~pooledledger.books.ledger.Ledger` and runs
:func:`~pooledledger.yearend.checks.check_ledger`, naming each issue's file and line.

A cell may hold at most :data:`MAX_CELL_CHARS` (32,767) characters, as an Excel
cell does; a longer one is ``PL-CSV-043`` (docs/csv-import.md#limits).

The row parser (:class:`RowParser`) works over rows of cells that are strings
(CSV) or spreadsheet values (``int``, ``float``, ``datetime``, ``bool``,
``None``); :mod:`pooledledger.io.excel_files` uses the same parser.

Speed: cells are checked here, exactly, and the entries are then built with
``model_construct`` (no second validation); repeated dates, years and ids are
parsed once.  See docs/benchmarks.md for figures.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from moneyed import Money
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pooledledger.books.ledger import Ledger, LedgerError, entry_date
from pooledledger.core.errors import (
    Issue,
    IssueError,
    Location,
    MoneyError,
    PeriodError,
    Severity,
    has_errors,
)
from pooledledger.core.money import GBP as _GBP
from pooledledger.core.money import parse_amount, pence_to_decimal
from pooledledger.core.periods import FinancialYear
from pooledledger.io.agreement_files import (
    MAX_AMOUNT_TEXT,
    MAX_PENCE,
    loads_json,
    parse_failure,
)
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
    YearClosed,
)
from pooledledger.model.partners import ID_PATTERN
from pooledledger.yearend.checks import check_ledger

__all__ = [
    "ENTRY_FIELDS",
    "MAIN_AMOUNT",
    "MAX_CELL_CHARS",
    "MAX_PENCE",
    "SKIP",
    "AmountSides",
    "ColumnMap",
    "LedgerChecks",
    "RowParser",
    "count_csv_rows",
    "gc_paused",
    "load_column_map",
    "load_ledger_csv",
    "parse_pounds",
    "read_ledger_csv",
]

#: The ledger checks a reader runs on what it read (default
#: :func:`~pooledledger.yearend.checks.check_ledger`); the pool store defers the checks of
#: a whole year (instalment totals) to the close.
LedgerChecks = Callable[[Ledger], list[Issue]]

#: How often (in rows) ``progress`` is called.
PROGRESS_EVERY = 10_000

#: The most characters a cell may hold (``PL-CSV-043``): as many as an Excel cell
#: holds, so every value read can be written back to a workbook whole.
MAX_CELL_CHARS = 32_767

#: The csv module's own per-field limit while a ledger is read: far above
#: :data:`MAX_CELL_CHARS`, so a long cell is reported by its row and column.
_CSV_FIELD_LIMIT = 2**31 - 1

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

_ID_FIELDS = frozenset({"id", "scheme", "partner", "procuring_partner", "paid_by", "reverses"})
_AMOUNT_FIELDS = frozenset({"net", "vat", "vat_recoverable", "amount"})
_DATE_FIELDS = frozenset({"date", "effective_date", "due_date", "paid_date"})
_BOOL_FIELDS = frozenset({"capital", "cos_listed", "unauthorised"})

_ModelType = (
    type[Contribution] | type[Instalment] | type[Expenditure] | type[Income] | type[Reversal]
)

#: kind -> (model, required fields, optional fields)
_KINDS: dict[str, tuple[_ModelType, tuple[str, ...], tuple[str, ...]]] = {
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


def _defaults(model: _ModelType) -> dict[str, Any]:
    """Every field's default (``entry`` included), computed once per model."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


_DEFAULTS: dict[str, dict[str, Any]] = {k: _defaults(m) for k, (m, _, _) in _KINDS.items()}
_ORDER: dict[str, tuple[str, ...]] = {k: tuple(m.model_fields) for k, (m, _, _) in _KINDS.items()}
_MISSING = object()
_set = object.__setattr__


def _plain(model: _ModelType) -> bool:
    """True if ``model`` needs nothing from ``model_construct`` beyond setting its dict."""
    return (
        not model.__pydantic_post_init__
        and not model.__private_attributes__
        and not model.__pydantic_root_model__
        and model.model_config.get("extra") != "allow"
    )


_PLAIN: dict[str, bool] = {k: _plain(m) for k, (m, _, _) in _KINDS.items()}


def _construct(model: _ModelType, kind: str, values: dict[str, Any]) -> Entry:
    """``model.model_construct(**values)`` for checked values, defaults filled in.

    For the plain frozen entry models this does what ``model_construct`` does
    (set ``__dict__`` in field order, the fields set, no extra, no private
    attributes) without its per-field default machinery, which dominates the
    cost of a row; any other model goes through ``model_construct`` itself.
    """
    defaults = _DEFAULTS[kind]
    full = {
        name: value if (value := values.get(name, _MISSING)) is not _MISSING else defaults[name]
        for name in _ORDER[kind]
    }
    if not _PLAIN[kind]:  # pragma: no cover - the entry models are all plain
        return model.model_construct(_fields_set=set(values), **full)
    entry = model.__new__(model)
    _set(entry, "__dict__", full)
    _set(entry, "__pydantic_fields_set__", set(values))
    _set(entry, "__pydantic_extra__", None)
    _set(entry, "__pydantic_private__", None)
    return entry


#: field -> its parser kind; None for plain text (the fast path)
_TEXT_FIELDS = (
    frozenset(ENTRY_FIELDS)
    - _ID_FIELDS
    - _AMOUNT_FIELDS
    - _DATE_FIELDS
    - _BOOL_FIELDS
    - {
        "year",
        "kind",
        "entry",
    }
)

_SPREADSHEET_ERRORS = frozenset(
    {"#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA", "#SPILL!"}
)
_ID_RE = re.compile(ID_PATTERN)
_PLAIN_AMOUNT_RE = re.compile(r"^(-?)(\d+)(?:\.(\d{1,2}))?$", re.ASCII)
_SCIENTIFIC_RE = re.compile(r"^[-+(£]*\d*\.?\d+[eE][-+]?\d+\)?$|^[-+]?(nan|inf|infinity)$", re.I)
_CURRENCY_RE = re.compile(r"[$€¥₹]|\b(?:EUR|USD|CHF|JPY)\b|(?<=\d)(?:EUR|USD)", re.I)
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$", re.ASCII)
_UK_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)
_FORMULA_TRIGGERS = frozenset({"=", "+", "-", "@", "\t", "\r"})
_TRUE = frozenset({"yes", "true", "1", "y"})
_FALSE = frozenset({"no", "false", "0", "n"})


# -- column map ------------------------------------------------------------------


#: The amount field a debit/credit pair feeds, per entry kind.
MAIN_AMOUNT: dict[str, str] = {
    "contribution": "amount",
    "instalment": "amount",
    "expenditure": "net",
    "income": "amount",
}

#: A value map may send an entry-type code to this instead of a kind: the row is skipped.
SKIP = "skip"


class AmountSides(BaseModel):
    """Signed amounts from a finance system's debit/credit layout (``[amounts]`` in a map).

    Either two columns, ``debit`` and ``credit`` (headers), whose value feeds each row's
    main amount (``net`` on spending lines, ``amount`` on the others), or one
    ``indicator`` column holding a code from ``debit_codes`` or ``credit_codes`` that
    gives the side of every amount cell of the row.  ``positive`` says, per entry
    kind, which side is a positive amount: by default a debit is spending and a
    credit is income, a contribution or an instalment, as in the host's general
    ledger.  A cell's own sign (``-12.50``, ``(12.50)``) is kept: a bracketed value in
    the credit column of a spending line is a positive amount.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    debit: str | None = None
    credit: str | None = None
    indicator: str | None = None
    debit_codes: tuple[str, ...] = ("D", "DR", "DEBIT")
    credit_codes: tuple[str, ...] = ("C", "CR", "CREDIT")
    positive: dict[str, Literal["debit", "credit"]] = {}

    @field_validator("positive")
    @classmethod
    def _kinds(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(MAIN_AMOUNT))
        if unknown:
            raise ValueError(
                f"unknown entry kind(s) {', '.join(unknown)}; use {', '.join(MAIN_AMOUNT)}"
            )
        return value

    @model_validator(mode="after")
    def _one_layout(self) -> AmountSides:
        split = self.debit is not None or self.credit is not None
        if split and (self.debit is None or self.credit is None):
            raise ValueError("give both a debit and a credit column")
        if split == (self.indicator is not None):
            raise ValueError("give either debit and credit columns or an indicator column")
        d = {c.strip().casefold() for c in self.debit_codes}
        c = {x.strip().casefold() for x in self.credit_codes}
        if d & c or "" in d | c:
            raise ValueError("debit_codes and credit_codes must be distinct, non-empty codes")
        return self

    def positive_side(self, kind: str) -> str:
        """The side (``debit``/``credit``) on which an amount of ``kind`` is positive."""
        return self.positive.get(kind, "debit" if kind == "expenditure" else "credit")


class ColumnMap(BaseModel):
    """How a file's columns map onto ledger fields.

    * ``columns``: our field name -> the file's header text, e.g.
      ``{"id": "Invoice No", "net": "Net Amount"}``.  A field not named here is
      looked for under its own name.  Several fields may share one column (e.g.
      ``date`` and ``due_date``, or ``net`` and ``amount``).
    * ``fixed``: our field name -> a value for every row, e.g.
      ``{"entry": "expenditure"}`` for an export of spending lines only.  A fixed
      field is ignored on rows whose kind does not use it.
    * ``values``: our field name -> {the file's code: our value}, e.g.
      ``{"entry": {"AP INV": "expenditure", "RECEIPT": "instalment"}}`` or
      ``{"scheme": {"BCF-DFG": "S1"}}``.  Codes are matched ignoring case and
      surrounding spaces; a cell whose code is not listed is read as written.  An
      entry-type code mapped to ``"skip"`` drops the row (one info issue per code).
    * ``amounts``: debit and credit columns, or a debit/credit indicator column
      (:class:`AmountSides`).
    * ``header_row``: the row holding the column names (default 1); the rows above
      it (a report title, run date, parameters) are skipped.
    * ``date_format``: a ``strptime`` format for dates, e.g. ``"%d-%b-%Y"``; day
      before month (US order is refused).  ISO dates (``2025-04-30``) are always
      accepted; without a format, ``30/04/2025`` is too.
    * ``ignore``: header names to skip without a warning.

    Header names are matched ignoring case and surrounding spaces.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: dict[str, str] = {}
    fixed: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    amounts: AmountSides | None = None
    header_row: int = Field(default=1, ge=1, le=1000)
    date_format: str | None = None
    ignore: tuple[str, ...] = ()

    @field_validator("columns", "fixed", "values")
    @classmethod
    def _known_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(ENTRY_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown ledger field(s) {', '.join(unknown)}; known: {', '.join(ENTRY_FIELDS)}"
            )
        return value

    @field_validator("values")
    @classmethod
    def _entry_codes(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for name, codes in value.items():
            keys = [c.strip().casefold() for c in codes]
            if len(set(keys)) != len(keys) or "" in keys:
                raise ValueError(f"values.{name}: codes must be distinct and non-empty")
        bad = sorted(
            v for v in value.get("entry", {}).values() if v.strip().lower() not in (*_KINDS, SKIP)
        )
        if bad:
            raise ValueError(
                f"values.entry maps to {', '.join(map(repr, bad))}; use one of "
                f"{', '.join(_KINDS)} or {SKIP!r}"
            )
        return value

    @field_validator("date_format")
    @classmethod
    def _day_first(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "%d" not in value or not any(m in value for m in ("%m", "%b", "%B")):
            raise ValueError(f"date format {value!r} needs a day (%d) and a month (%m, %b, %B)")
        if "%Y" not in value:
            raise ValueError(f"date format {value!r} needs a four-digit year (%Y)")
        if value.index("%d") > min(value.index(m) for m in ("%m", "%b", "%B") if m in value):
            raise ValueError(f"date format {value!r} puts the month first; write the day first")
        sample = date(2025, 4, 30)
        try:
            back = datetime.strptime(sample.strftime(value), value).date()
        except ValueError as exc:  # e.g. "'Q' is a bad directive in format"
            raise ValueError(f"date format {value!r} cannot be used: {exc}") from None
        if back != sample:
            raise ValueError(f"date format {value!r} does not read back the date it writes")
        return value

    @model_validator(mode="after")
    def _not_both(self) -> ColumnMap:
        both = sorted(set(self.columns) & set(self.fixed))
        if both:
            raise ValueError(f"field(s) {', '.join(both)} are both mapped to a column and fixed")
        if self.amounts is not None and self.amounts.debit is not None:
            taken = sorted({"net", "amount"} & (set(self.columns) | set(self.fixed)))
            if taken:
                raise ValueError(
                    f"field(s) {', '.join(taken)} come from the debit and credit columns "
                    "([amounts]); do not map them too"
                )
        return self


def load_column_map(path: str | os.PathLike[str]) -> ColumnMap:
    """Read a :class:`ColumnMap` from a TOML or JSON file (JSON if named ``.json``).

    Raises :class:`~pooledledger.core.errors.IssueError` (code ``PL-CSV-008``) if the
    file cannot be read or is not a valid column map.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
        data: Any = loads_json(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
        return ColumnMap.model_validate(data)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValidationError is a ValueError
        message = (
            "; ".join(
                f"{'.'.join(str(x) for x in e['loc']) or '(top)'}: {e['msg']}"
                for e in exc.errors(include_url=False)
            )
            if isinstance(exc, ValidationError)
            else parse_failure(exc)
        )
        issue = Issue(
            code="PL-CSV-008",
            severity=Severity.ERROR,
            message=f"not a valid column map: {message}",
            location=Location(file=str(p)),
        )
        raise IssueError([issue], what=f"column map {p}") from exc


# -- cell parsing ----------------------------------------------------------------


class _CellError(Exception):
    """A bad cell: a code and a message (internal)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _wrong_type(value: object, what: str) -> _CellError:
    return _CellError(
        "PL-CSV-033", f"a {type(value).__name__} cell ({value!r}) where {what} is expected"
    )


def _too_large(shown: object) -> _CellError:
    text = repr(shown)
    if len(text) > 40:
        text = f"{text[:20]}... ({len(str(shown))} characters)"
    return _CellError(
        "PL-CSV-036",
        f"{text} is too large: an amount may be at most {MAX_AMOUNT_TEXT}, the "
        "largest a spreadsheet holds exactly to the penny",
    )


def _checked(pence: int, shown: object) -> int:
    if -MAX_PENCE <= pence <= MAX_PENCE:
        return pence
    raise _too_large(shown)


def _pence_from_decimal(value: Decimal, shown: object) -> int:
    if not value.is_finite():
        raise _CellError("PL-CSV-017", f"{shown!r} is not a finite amount")
    if value.adjusted() > 12:  # beyond MAX_PENCE in pounds, whatever its decimals
        raise _too_large(shown)
    n, d = value.as_integer_ratio()
    pence, rest = divmod(n * 100, d)
    if rest:
        raise _CellError(
            "PL-CSV-016",
            f"{shown!r} has a fraction of a penny; give pounds with at most two decimal places",
        )
    return _checked(pence, shown)


def parse_amount_cell(value: object) -> int:
    """An amount cell (text or spreadsheet number) as exact pence, or :class:`_CellError`.

    Amounts beyond :data:`MAX_PENCE` are refused (``PL-CSV-036``), and so are digits
    other than 0-9 (``PL-CSV-015``).
    """
    if isinstance(value, str):
        m = _PLAIN_AMOUNT_RE.match(value)
        if m is not None:
            whole = m[2].lstrip("0")
            if len(whole) > 13:  # more than £9,999,999,999,999: checked before int()
                raise _too_large(value)
            frac = m[3] or ""
            pence = int(whole or "0") * 100 + (int(frac.ljust(2, "0")) if frac else 0)
            return _checked(-pence if m[1] else pence, value)
        if any(c.isdigit() and not c.isascii() for c in value):
            raise _CellError(
                "PL-CSV-015", f"{value!r} has digits other than 0-9; write the amount in 0-9"
            )
        if _SCIENTIFIC_RE.match(value):
            raise _CellError(
                "PL-CSV-017",
                f"{value!r} looks like a floating-point number (exponent, NaN or infinity); "
                "write the amount in pounds, e.g. 1234.56",
            )
        if _CURRENCY_RE.search(value):
            raise _CellError(
                "PL-CSV-031", f"{value!r} is not in pounds sterling; only GBP is supported"
            )
        try:
            exact = parse_amount(value)
        except MoneyError as exc:
            raise _CellError("PL-CSV-015", str(exc)) from None
        return _pence_from_decimal(exact, value)
    if isinstance(value, bool):
        raise _wrong_type(value, "an amount")
    if isinstance(value, int):
        return _checked(value * 100, value)
    if isinstance(value, float):
        # a spreadsheet number: its shortest repr is what the sheet shows
        try:
            exact = Decimal(repr(value))
        except InvalidOperation:  # pragma: no cover - repr of a float always parses
            raise _CellError("PL-CSV-015", f"{value!r} is not an amount") from None
        return _pence_from_decimal(exact, value)
    if isinstance(value, Decimal):
        return _pence_from_decimal(value, value)
    raise _wrong_type(value, "an amount")


def parse_pounds(text: str) -> int:
    """Amount text, read as a ledger cell is (docs/csv-import.md#amounts), as exact pence.

    Raises :class:`~pooledledger.core.errors.MoneyError` with the message the cell would get.

    >>> parse_pounds("£1,234.56"), parse_pounds("(12.50)")
    (123456, -1250)
    """
    try:
        return parse_amount_cell(text.strip())
    except _CellError as bad:
        raise MoneyError(bad.message) from None


def _money(pence: int) -> Money:
    return Money(pence_to_decimal(pence), _GBP)


# -- the row parser --------------------------------------------------------------


@dataclass(slots=True)
class _Table:
    """One header's layout: where each field's cells are."""

    file: str
    headers: tuple[str, ...]
    width: int
    index: dict[str, int]  # field -> cell index
    blank_columns: tuple[int, ...]  # columns with no header name
    unused: dict[str, tuple[int, ...]]  # kind -> columns none of whose fields it uses
    fields_of: dict[int, tuple[str, ...]] = field(default_factory=dict)
    plan: dict[str, tuple[tuple[str, int, bool], ...]] = field(default_factory=dict)
    sides: tuple[int, int] | None = None  # the debit and credit columns ([amounts])
    indicator: int | None = None  # the debit/credit indicator column ([amounts])


class RowParser:
    """Parses ledger rows (strings or spreadsheet cells) into entries, exactly.

    Use :meth:`start_table` with each header row (a CSV file, a sheet), then
    :meth:`add_row` with each data row, then :meth:`finish`.  Issues accumulate
    in :attr:`issues`; entries are kept only while no row has an error.
    """

    def __init__(self, column_map: ColumnMap | None = None) -> None:
        self.column_map = column_map or ColumnMap()
        self.issues: list[Issue] = []
        self.entries: list[Entry] = []
        self.where: dict[str, tuple[str, int]] = {}  # id -> (file, line)
        self._by_id: dict[str, Entry] = {}
        self._reversals: list[tuple[Reversal, str, int, str, str]] = []
        self._errors = 0
        self._date_cache: dict[str, date] = {}
        self._year_cache: dict[str, FinancialYear] = {}
        self._id_cache: set[str] = set()
        self._table: _Table | None = None
        #: the line (or sheet row) of the last non-blank row added, 0 if none
        self.last_line = 0
        self._reported_missing: set[tuple[str, str]] = set()
        self._reported_blank: set[tuple[str, int]] = set()
        self._bad_ids: set[str] = set()
        self._parsers: dict[str, str | None] = {
            name: (
                None
                if name in _TEXT_FIELDS
                else "date"
                if name in _DATE_FIELDS
                else "id"
                if name in _ID_FIELDS
                else name
            )
            for name in ENTRY_FIELDS
        }
        # value maps: field -> {code (casefolded): value}
        self._values: dict[str, dict[str, str]] = {
            name: {code.strip().casefold(): v.strip() for code, v in codes.items()}
            for name, codes in self.column_map.values.items()
        }
        self._amounts = self.column_map.amounts
        self._split = self._amounts is not None and self._amounts.debit is not None
        if self._amounts is not None:
            self._debit_codes = {c.strip().casefold() for c in self._amounts.debit_codes}
            self._credit_codes = {c.strip().casefold() for c in self._amounts.credit_codes}
        # cells ignored because their kind does not use them: (file, header, kind) -> lines
        self._ignored: dict[tuple[str, str, str], list[int]] = {}
        self._ignored_count: dict[tuple[str, str, str], int] = {}
        # rows skipped by a value map: (file, column, code) -> lines
        self._skipped: dict[tuple[str, str, str], list[int]] = {}
        self._skipped_count: dict[tuple[str, str, str], int] = {}
        # fixed values, parsed once
        self._fixed: dict[str, object] = {}
        self._fixed_bad = False
        for name, raw in self.column_map.fixed.items():
            text = raw.strip()
            if not text:
                continue
            try:
                self._fixed[name] = self._parse(name, text)
            except _CellError as bad:
                self._fixed_bad = True
                self._error(
                    bad.code,
                    f"fixed value for {name!r} in the column map: {bad.message}",
                    None,
                    None,
                    None,
                    field_name=f"fixed.{name}",
                )

    # -- issues

    def _error(
        self,
        code: str,
        message: str,
        file: str | None,
        line: int | None,
        column: str | None,
        *,
        field_name: str | None = None,
        entry_id: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        if severity is Severity.ERROR:
            self._errors += 1
        self.issues.append(
            Issue(
                code=code,
                severity=severity,
                message=message,
                location=Location(
                    file=file, row=line, column=column, field=field_name, entry_id=entry_id
                ),
            )
        )

    @property
    def has_errors(self) -> bool:
        """True once any error has been reported."""
        return self._errors > 0

    def note_errors(self, count: int) -> None:
        """Count ``count`` errors found outside the rows (e.g. in a sheet's layout).

        :meth:`finish` then imports nothing, as for an error in a row.
        """
        self._errors += count

    @property
    def table(self) -> _Table | None:
        """The layout of the header last accepted by :meth:`start_table`, if any."""
        return self._table

    # -- header

    def _header_for(self, name: str) -> str:
        return self.column_map.columns.get(name, name)

    def header_matches(self, header: Sequence[object]) -> bool:
        """True if ``header`` looks like a ledger header (an id and an entry kind column)."""
        names = {_norm(h) for h in header if h is not None}
        has_entry = "entry" in self._fixed or _norm(self._header_for("entry")) in names
        return has_entry and _norm(self._header_for("id")) in names

    def start_table(self, file: str, header: Sequence[object], line: int = 1) -> bool:
        """Read a header row; report its problems.  False if rows cannot be read under it."""
        self._table = None
        names = ["" if h is None else str(h).strip() for h in header]
        while names and not names[-1]:
            names.pop()  # trailing blank header cells (a spreadsheet's used range)
        headers = tuple(names)
        if not any(headers):
            self._error("PL-CSV-003", "the header row is missing or empty", file, line, None)
            return False
        positions: dict[str, int] = {}
        repeated: set[int] = set()
        ok = not self._fixed_bad
        for i, h in enumerate(headers):
            if not h:
                continue
            key = _norm(h)
            if key in positions:
                self._error(
                    "PL-CSV-004",
                    f"column {h!r} appears twice in the header (columns {positions[key] + 1} "
                    f"and {i + 1})",
                    file,
                    line,
                    h,
                )
                ok = False
                repeated.add(i)
            else:
                positions[key] = i
        index: dict[str, int] = {}
        used: set[int] = set()
        for name in ENTRY_FIELDS:
            if name in self._fixed or name in self.column_map.fixed:
                continue
            if self._split and name in ("net", "amount"):
                continue  # from the debit and credit columns
            pos = positions.get(_norm(self._header_for(name)))
            if pos is not None:
                index[name] = pos
                used.add(pos)
            elif name in self.column_map.columns:
                self._error(
                    "PL-CSV-005",
                    f"the column map names column {self.column_map.columns[name]!r} for "
                    f"{name!r}, but the header has no such column",
                    file,
                    line,
                    self.column_map.columns[name],
                    field_name=name,
                )
                ok = False
        looks_like_data = any(_norm(h) in _KINDS for h in headers)
        for name in ("id", "entry"):
            mapped = name in self.column_map.fixed or name in self.column_map.columns
            if name not in index and not mapped:
                self._error(
                    "PL-CSV-005",
                    f"the header has no {self._header_for(name)!r} column"
                    + (" (or give a fixed 'entry' in a column map)" if name == "entry" else "")
                    + (
                        "; the first row looks like an entry, not a header: put the "
                        "column names (entry, id, scheme, ...) in the first row"
                        if looks_like_data
                        else ""
                    ),
                    file,
                    line,
                    self._header_for(name),
                    field_name=name,
                )
                ok = False
        sides: tuple[int, int] | None = None
        indicator: int | None = None
        if self._amounts is not None:
            side_columns = (
                [("debit", self._amounts.debit), ("credit", self._amounts.credit)]
                if self._split
                else [("indicator", self._amounts.indicator)]
            )
            found: list[int] = []
            for role, side_header in side_columns:
                assert side_header is not None
                pos = positions.get(_norm(side_header))
                if pos is None:
                    self._error(
                        "PL-CSV-005",
                        f"the column map names column {side_header!r} as the {role} column "
                        "([amounts]), but the header has no such column",
                        file,
                        line,
                        side_header,
                        field_name=f"amounts.{role}",
                    )
                    ok = False
                else:
                    found.append(pos)
                    used.add(pos)
            if ok and self._split:
                sides = (found[0], found[1])
            elif ok:
                indicator = found[0]
        ignore = {_norm(x) for x in self.column_map.ignore}
        for i, h in enumerate(headers):
            if h and i not in used and i not in repeated and _norm(h) not in ignore:
                self._error(
                    "PL-CSV-006",
                    f"column {h!r} is not a ledger field and is ignored",
                    file,
                    line,
                    h,
                    severity=Severity.WARNING,
                )
        if not ok:
            return False
        fields_of: dict[int, list[str]] = {}
        for name, pos in index.items():
            fields_of.setdefault(pos, []).append(name)
        unused: dict[str, tuple[int, ...]] = {}
        for kind, (_, required, optional) in _KINDS.items():
            wanted = {"entry", *required, *optional}
            unused[kind] = tuple(
                pos for pos, names in fields_of.items() if not wanted.intersection(names)
            )
        self._table = _Table(
            file=file,
            headers=headers,
            width=len(headers),
            index=index,
            blank_columns=tuple(i for i, h in enumerate(headers) if not h),
            unused=unused,
            fields_of={k: tuple(v) for k, v in fields_of.items()},
            sides=sides,
            indicator=indicator,
            plan={
                kind: tuple(
                    (name, index.get(name, -1), name in required) for name in (*required, *optional)
                )
                for kind, (_, required, optional) in _KINDS.items()
            },
        )
        return True

    # -- cells

    def _parse(self, name: str, value: object) -> object:
        """One non-empty cell for field ``name`` as its entry value, or raise _CellError."""
        if isinstance(value, str) and value[:1] == "#" and value in _SPREADSHEET_ERRORS:
            raise _CellError("PL-CSV-032", f"the cell holds the spreadsheet error {value}")
        if name in _AMOUNT_FIELDS:
            return _money(parse_amount_cell(value))
        if name in _DATE_FIELDS:
            return self._date(value)
        if name in _ID_FIELDS:
            text = _text(value, "an id")
            if text not in self._id_cache:
                if not _ID_RE.match(text):
                    raise _CellError(
                        "PL-CSV-022",
                        f"{text!r} is not a valid id: start with a letter or digit, then "
                        "letters, digits, '_', '.' or '-' (no spaces)",
                    )
                if len(self._id_cache) < 100_000:
                    self._id_cache.add(text)
            return text
        if name in _BOOL_FIELDS:
            return _bool(value)
        if name == "year":
            return self._year(value)
        if name == "kind":
            text = _text(value, "a contribution kind").upper().replace(" ", "_").replace("-", "_")
            try:
                return ContributionKind(text)
            except ValueError:
                raise _CellError(
                    "PL-CSV-023",
                    f"{value!r} is not a contribution kind; use one of "
                    + ", ".join(k.value for k in ContributionKind),
                ) from None
        if name == "entry":
            text = _text(value, "an entry kind").lower()
            if text not in _KINDS:
                raise _CellError(
                    "PL-CSV-011",
                    f"{_brief(value)} is not an entry kind; use one of {', '.join(_KINDS)}",
                )
            return text
        text = _text(value, "text")
        if text[:1] == "'" and text[1:2] in _FORMULA_TRIGGERS:
            return text[1:]  # a spreadsheet-safe export: '=... means the text =...
        return text

    def _year(self, value: object) -> FinancialYear:
        text = _text(value, "a financial year")
        year = self._year_cache.get(text)
        if year is None:
            try:
                year = FinancialYear.parse(text)
            except PeriodError as exc:
                raise _CellError("PL-CSV-021", str(exc)) from None
            self._year_cache[text] = year
        return year

    def _date(self, value: object) -> date:
        if isinstance(value, datetime):
            if value.time() != time(0, 0):
                raise _CellError("PL-CSV-033", f"the date cell {value!r} has a time of day")
            return value.date()
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            raise _wrong_type(value, "a date")
        d = self._date_cache.get(value)
        if d is None:
            d = self._parse_date(value)
            if len(self._date_cache) < 100_000:
                self._date_cache[value] = d
        return d

    def _parse_date(self, text: str) -> date:
        m = _ISO_RE.match(text)
        if m is not None:
            return _make_date(text, int(m[1]), int(m[2]), int(m[3]))
        fmt = self.column_map.date_format
        if fmt is not None:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError as exc:
                if "does not match" in str(exc) or "unconverted data" in str(exc):
                    raise _CellError(
                        "PL-CSV-019",
                        f"{text!r} is not a date in the form {fmt} (or YYYY-MM-DD)",
                    ) from None
                raise _CellError("PL-CSV-018", f"{text!r} is not a real date: {exc}") from None
        m = _UK_RE.match(text)
        if m is not None:
            day, month, year = int(m[1]), int(m[2]), int(m[3])
            if month > 12 and day <= 12:
                raise _CellError(
                    "PL-CSV-019",
                    f"{text!r} looks like a US month/day date; write dates day first "
                    "(30/04/2025) or as YYYY-MM-DD",
                )
            return _make_date(text, year, month, day)
        raise _CellError(
            "PL-CSV-019",
            f"{text!r} is not a date in a supported form: write YYYY-MM-DD or DD/MM/YYYY "
            "(a four-digit year), or give a date_format in a column map",
        )

    # -- rows

    def add_row(self, cells: Sequence[object], line: int) -> None:
        """Parse one data row found at ``line`` (a physical CSV line or a sheet row)."""
        t = self._table
        if t is None:
            raise LedgerError("start_table() must accept a header before add_row()")
        file = t.file
        n = len(cells)
        if n != t.width:
            extra = cells[t.width :]
            if n < t.width or any(_given(c) for c in extra):
                self._error(
                    "PL-CSV-010",
                    f"the row has {n} cells but the header has {t.width}",
                    file,
                    line,
                    None,
                )
                return
        for i in t.blank_columns:
            if i < n and _given(cells[i]) and (file, i) not in self._reported_blank:
                self._reported_blank.add((file, i))
                self._error(
                    "PL-CSV-009",
                    f"column {i + 1} has no header name but holds values "
                    f"(first: {_brief(cells[i])})",
                    file,
                    line,
                    f"#{i + 1}",
                )
        index = t.index
        headers = t.headers
        # the entry kind
        kind: str
        if "entry" in self._fixed:
            kind = str(self._fixed["entry"])
        else:
            pos = index.get("entry")
            raw = cells[pos] if pos is not None else None
            raw = raw.strip() if isinstance(raw, str) else raw
            column = headers[pos] if pos is not None else self._header_for("entry")
            if not _given(raw):
                self._error(
                    "PL-CSV-012",
                    "the row has no entry kind; use one of " + ", ".join(_KINDS),
                    file,
                    line,
                    column,
                    field_name="entry",
                )
                return
            codes = self._values.get("entry")
            if codes is not None:
                code = _text(raw, "an entry kind").casefold()
                mapped = codes.get(code)
                if mapped is not None and mapped.lower() == SKIP:
                    shown = _text(raw, "an entry kind").strip()
                    self._note(self._skipped, self._skipped_count, (file, column, shown), line)
                    return
                raw = mapped if mapped is not None else raw
            try:
                kind = str(self._parse("entry", raw))
            except _CellError as bad:
                message = bad.message
                if bad.code == "PL-CSV-011":
                    message += " (or map the code to one in [values.entry] of a column map)"
                self._error(bad.code, message, file, line, column, field_name="entry")
                return
        model = _KINDS[kind][0]
        values: dict[str, Any] = {}
        bad_row = False
        entry_id: str | None = None
        parsers = self._parsers
        dates, ids, years = self._date_cache, self._id_cache, self._year_cache
        vmaps = self._values
        flip: frozenset[str] = frozenset()
        from_sides: str | None = None
        if self._amounts is not None:
            outcome = self._signed(kind, cells, file, line)
            if outcome is None:
                bad_row = True
                from_sides = MAIN_AMOUNT.get(kind) if self._split else None
            else:
                from_sides, pence, flip = outcome
                if from_sides is not None:
                    values[from_sides] = _money(pence)
        for name, pos, is_required in t.plan[kind]:
            if name == from_sides:
                continue
            if pos < 0:
                if name in self._fixed:
                    values[name] = self._fixed[name]
                elif is_required and name not in self.column_map.fixed:
                    bad_row = True
                    key = (file, name)
                    if key not in self._reported_missing:
                        self._reported_missing.add(key)
                        self._error(
                            "PL-CSV-005",
                            f"{kind} rows need a {self._header_for(name)!r} column, which the "
                            f"header lacks (first needed here)",
                            file,
                            line,
                            self._header_for(name),
                            field_name=name,
                        )
                    else:
                        self._errors += 1
                continue
            raw = cells[pos]
            if raw.__class__ is str:
                raw = raw.strip()
                if len(raw) > MAX_CELL_CHARS:
                    bad_row = True
                    self._error(
                        "PL-CSV-043",
                        f"the cell holds {len(raw):,} characters; a cell may hold at most "
                        f"{MAX_CELL_CHARS:,} (docs/csv-import.md#limits)",
                        file,
                        line,
                        headers[pos],
                        field_name=name,
                        entry_id=entry_id,
                    )
                    continue
            if vmaps and name in vmaps and raw is not None and raw != "":
                raw = vmaps[name].get(str(raw).casefold(), raw)
            if raw is None or raw == "":
                if name in self._fixed:
                    values[name] = self._fixed[name]
                elif is_required:
                    bad_row = True
                    self._error(
                        "PL-CSV-013",
                        f"{kind} rows need a value for {name!r}",
                        file,
                        line,
                        headers[pos],
                        field_name=name,
                        entry_id=entry_id,
                    )
                continue
            if raw.__class__ is str and raw[0] not in "#'":
                # fast paths: plain text, and values already seen (cached)
                how = parsers[name]
                if how is None:
                    values[name] = raw
                    continue
                if how == "date":
                    hit: object = dates.get(raw)
                    if hit is not None:
                        values[name] = hit
                        continue
                elif how == "id":
                    if raw in ids:
                        values[name] = raw
                        continue
                elif how == "year":
                    hit = years.get(raw)
                    if hit is not None:
                        values[name] = hit
                        continue
            try:
                values[name] = self._parse(name, raw)
            except _CellError as bad:
                bad_row = True
                self._error(
                    bad.code,
                    bad.message,
                    file,
                    line,
                    headers[pos],
                    field_name=name,
                    entry_id=entry_id,
                )
                continue
            if name == "id":
                entry_id = str(values[name])
        for pos in t.unused[kind]:
            cell = cells[pos]
            if not (cell and _given(cell)):
                continue
            names = t.fields_of[pos]
            if _AMOUNT_FIELDS.isdisjoint(names) or _is_zero_amount(cell):
                # docs/csv-import.md#cells-a-row-does-not-use: ignored, one warning
                self._note(self._ignored, self._ignored_count, (file, headers[pos], kind), line)
                continue
            bad_row = True
            self._error(
                "PL-CSV-014",
                f"{kind} rows do not use {', '.join(names)!r}, and the amount "
                f"{_brief(cell)} would change the figures if it was meant for this row; "
                "leave the cell empty or 0",
                file,
                line,
                headers[pos],
                field_name=names[0],
                entry_id=entry_id,
            )
        for name in flip:
            if name in values:
                values[name] = -values[name]
        if kind == "expenditure" and "vat_recoverable" in values:
            vat = values["vat"].amount if "vat" in values else Decimal(0)
            rec = values["vat_recoverable"].amount
            if not (min(Decimal(0), vat) <= rec <= max(Decimal(0), vat)):
                bad_row = True
                pos = index.get("vat_recoverable")
                self._error(
                    "PL-CSV-030",
                    f"recoverable VAT {rec} must lie between 0 and the VAT {vat}",
                    file,
                    line,
                    headers[pos] if pos is not None else "vat_recoverable",
                    field_name="vat_recoverable",
                    entry_id=entry_id,
                )
        if bad_row:
            if entry_id is not None:
                self._bad_ids.add(entry_id)
            return
        entry: Entry = _construct(model, kind, values)
        seen = self._by_id.get(entry.id)
        if seen is not None:
            first_file, first_line = self.where[entry.id]
            pos = index.get("id")
            col = headers[pos] if pos is not None else "id"
            if seen == entry:
                self._error(
                    "PL-CSV-025",
                    f"the row repeats entry {entry.id!r} from {first_file} line {first_line} "
                    "exactly; it is counted once",
                    file,
                    line,
                    col,
                    field_name="id",
                    entry_id=entry.id,
                    severity=Severity.WARNING,
                )
            else:
                self._error(
                    "PL-CSV-024",
                    f"id {entry.id!r} is already used, with different content, by "
                    f"{first_file} line {first_line}",
                    file,
                    line,
                    col,
                    field_name="id",
                    entry_id=entry.id,
                )
            return
        self._by_id[entry.id] = entry
        self.where[entry.id] = (file, line)
        self.entries.append(entry)
        if isinstance(entry, Reversal):
            self._reversals.append(
                (
                    entry,
                    file,
                    line,
                    headers[index["reverses"]] if "reverses" in index else "reverses",
                    headers[index["date"]] if "date" in index else "date",
                )
            )

    @staticmethod
    def _note(
        lines: dict[tuple[str, str, str], list[int]],
        counts: dict[tuple[str, str, str], int],
        key: tuple[str, str, str],
        line: int,
    ) -> None:
        """Count one occurrence for a summary issue, keeping the first few lines."""
        counts[key] = counts.get(key, 0) + 1
        first = lines.setdefault(key, [])
        if len(first) < 5:
            first.append(line)

    def _signed(
        self, kind: str, cells: Sequence[object], file: str, line: int
    ) -> tuple[str | None, int, frozenset[str]] | None:
        """The row's side from its debit/credit cells or indicator ([amounts]).

        Returns ``(field fed by the debit/credit pair or None, its pence, fields to
        negate)``, or None after reporting the row's problems.
        """
        t = self._table
        amounts = self._amounts
        assert t is not None
        assert amounts is not None
        main = MAIN_AMOUNT.get(kind)
        positive = amounts.positive_side(kind)
        if t.sides is not None:
            values: list[int] = []
            bad = False
            for pos in t.sides:
                cell = cells[pos]
                if isinstance(cell, str):
                    cell = cell.strip()
                if not _given(cell):
                    values.append(0)
                    continue
                try:
                    values.append(parse_amount_cell(cell))
                except _CellError as err:
                    bad = True
                    self._error(err.code, err.message, file, line, t.headers[pos])
            if bad:
                return None
            debit, credit = values
            dh, ch = t.headers[t.sides[0]], t.headers[t.sides[1]]
            if main is None:
                if debit or credit:
                    self._error(
                        "PL-CSV-014",
                        f"{kind} rows have no amount, but the row has one in {dh!r} or {ch!r}",
                        file,
                        line,
                        dh if debit else ch,
                    )
                    return None
                return None, 0, frozenset()
            if debit and credit:
                self._error(
                    "PL-CSV-037",
                    f"the row has an amount both in {dh!r} ({cells[t.sides[0]]!r}) and in "
                    f"{ch!r} ({cells[t.sides[1]]!r}); give one side only",
                    file,
                    line,
                    dh,
                    field_name=main,
                )
                return None
            if not debit and not credit:
                self._error(
                    "PL-CSV-013",
                    f"{kind} rows need an amount in {dh!r} or {ch!r}",
                    file,
                    line,
                    dh,
                    field_name=main,
                )
                return None
            side = "debit" if debit else "credit"
            pence = debit or credit
            same = side == positive
            flip = frozenset() if same else _AMOUNT_FIELDS - {main}
            return main, (pence if same else -pence), flip
        assert t.indicator is not None
        cell = cells[t.indicator]
        header = t.headers[t.indicator]
        code = str(cell).strip().casefold() if _given(cell) else ""
        if code in self._debit_codes:
            side = "debit"
        elif code in self._credit_codes:
            side = "credit"
        elif main is None and not code:
            return None, 0, frozenset()
        else:
            what = f"{cell!r} is not" if code else "an empty cell is not"
            self._error(
                "PL-CSV-038",
                f"{what} a debit/credit code: use one of "
                + ", ".join((*amounts.debit_codes, *amounts.credit_codes)),
                file,
                line,
                header,
            )
            return None
        return None, 0, (frozenset() if side == positive else _AMOUNT_FIELDS)

    def _summaries(self) -> None:
        """One issue per column and kind for ignored cells, per code for skipped rows."""
        for (file, header, kind), lines in self._ignored.items():
            n = self._ignored_count[(file, header, kind)]
            self._error(
                "PL-CSV-039",
                f"{n} {kind} row(s) have a value in column {header!r}, which {kind} rows do "
                f"not use; ignored (first at line(s) {', '.join(map(str, lines))})",
                file,
                lines[0],
                header,
                severity=Severity.WARNING,
            )
        for (file, column, code), lines in self._skipped.items():
            n = self._skipped_count[(file, column, code)]
            self._error(
                "PL-CSV-040",
                f"{n} row(s) with {column!r} code {code!r} skipped, as the column map's "
                f"[values.entry] says (first at line(s) {', '.join(map(str, lines))})",
                file,
                lines[0],
                column,
                severity=Severity.INFO,
            )
        self._ignored.clear()
        self._skipped.clear()

    def add_rows(
        self,
        rows: Iterable[tuple[int, Sequence[object]]],
        progress: Callable[[int], None] | None = None,
        done: int = 0,
    ) -> int:
        """Add ``(line, cells)`` rows, skipping blank ones; return the running row count."""
        add = self.add_row
        for line, cells in rows:
            if not any(cells) and not any(_given(c) for c in cells):
                continue  # a blank row
            add(cells, line)
            self.last_line = line
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
        return done

    # -- the whole file

    def _check_reversals(self) -> None:
        reversed_by: dict[str, int] = {}
        for rev, file, line, col, date_col in self._reversals:
            original = self._by_id.get(rev.reverses)
            if original is None and rev.reverses in self._bad_ids:
                continue  # the original's own row is already reported
            if original is None:
                self._error(
                    "PL-CSV-026",
                    f"reversal {rev.id!r} reverses {rev.reverses!r}, which is not in the file",
                    file,
                    line,
                    col,
                    field_name="reverses",
                    entry_id=rev.id,
                )
            elif not isinstance(original, Expenditure | Income | YearClosed):
                self._error(
                    "PL-CSV-027",
                    f"reversal {rev.id!r} reverses {rev.reverses!r}, a {original.entry}; only "
                    "expenditure and income lines can be reversed",
                    file,
                    line,
                    col,
                    field_name="reverses",
                    entry_id=rev.id,
                )
            elif rev.date < entry_date(original):
                self._error(
                    "PL-CSV-028",
                    f"reversal {rev.id!r} is dated {rev.date}, before the entry it reverses "
                    f"({entry_date(original)})",
                    file,
                    line,
                    date_col,
                    field_name="date",
                    entry_id=rev.id,
                )
            elif rev.reverses in reversed_by:
                self._error(
                    "PL-CSV-029",
                    f"{rev.reverses!r} is already reversed by the row at line "
                    f"{reversed_by[rev.reverses]}",
                    file,
                    line,
                    col,
                    field_name="reverses",
                    entry_id=rev.id,
                )
            else:
                reversed_by[rev.reverses] = line

    @staticmethod
    def sorted_issues(issues: list[Issue]) -> list[Issue]:
        """By file (in order of first appearance), then line; stable otherwise."""
        files: dict[str | None, int] = {}
        for i in issues:
            files.setdefault(i.location.file, len(files))
        return sorted(issues, key=lambda i: (files[i.location.file], i.location.row or 0))

    def finish(
        self, agreement: Agreement, checks: LedgerChecks = check_ledger
    ) -> tuple[Ledger | None, list[Issue]]:
        """Build the ledger and run its ``checks``, unless some row had an error."""
        self._summaries()
        self._check_reversals()
        if self._errors:
            # nothing is imported, but the checks that look at one entry at a time
            # still run on the rows that did parse, so every error comes back at once
            try:
                partial = Ledger._derived(agreement, self.entries, gate=False)
            except LedgerError:
                return None, self.sorted_issues(self.issues)
            more = [_locate(i, self.where) for i in partial.entry_issues]
            return None, self.sorted_issues(self.issues + more)
        self.issues = self.sorted_issues(self.issues)
        try:
            # the entry-level checks run here, once per row, without refusing: their
            # errors are reported with the file and line below, and no ledger is returned
            ledger = Ledger._derived(agreement, self.entries, gate=False)
        except LedgerError as exc:
            self._error("PL-LED-103", str(exc), None, None, None)
            return None, self.issues
        checked = [_locate(i, self.where) for i in checks(ledger)]
        issues = self.issues + checked
        return (None if has_errors(issues) else ledger), issues


def _locate(issue: Issue, where: Mapping[str, tuple[str, int]]) -> Issue:
    place = where.get(issue.location.entry_id or "")
    if place is None:
        return issue
    return issue.model_copy(
        update={"location": issue.location.model_copy(update={"file": place[0], "row": place[1]})}
    )


def _brief(value: object) -> str:
    """``repr(value)``, cut short for a message if long."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text):,} characters)"


def _norm(header: object) -> str:
    return str(header).strip().casefold()


def _is_zero_amount(cell: object) -> bool:
    """True if ``cell`` reads as an amount of nothing (``0``, ``0.00``, ``£0.00``)."""
    try:
        return parse_amount_cell(cell.strip() if isinstance(cell, str) else cell) == 0
    except _CellError:
        return False


def _given(cell: object) -> bool:
    if cell is None:
        return False
    if isinstance(cell, str):
        return bool(cell) and not cell.isspace()
    return True


def _text(value: object, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | date | time):
        raise _wrong_type(value, what)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise _wrong_type(value, what)


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _CellError(
        "PL-CSV-020", f"{value!r} is not yes/no: write yes, no, true, false, y, n, 1 or 0"
    )


def _make_date(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise _CellError("PL-CSV-018", f"{text!r} is not a real date: {exc}") from None


# -- CSV files -------------------------------------------------------------------


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large file is read (state restored).

    Reading builds millions of small objects, none in reference cycles; the
    collector's repeated full passes over them cost about a quarter of the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _issue(code: str, message: str, file: str, line: int | None = None) -> Issue:
    return Issue(
        code=code, severity=Severity.ERROR, message=message, location=Location(file=file, row=line)
    )


def _csv_rows(text: str, at: list[int] | None = None) -> Iterable[tuple[int, list[str]]]:
    """``(first physical line, cells)`` for each CSV record (csv.Error propagates).

    ``at[0]``, if given, is kept at the first line of the record being read, so a
    csv.Error can name where the bad record starts.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    if at is None:
        at = [1]
    at[0] = 1
    with _field_limit(_CSV_FIELD_LIMIT):
        for cells in reader:
            yield at[0], cells
            at[0] = reader.line_num + 1


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Raise the csv module's per-field limit while a file is read (restored after)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, limit))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def read_ledger_csv(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    column_map: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
    checks: LedgerChecks = check_ledger,
) -> tuple[Ledger | None, list[Issue]]:
    """Read a ledger CSV file against ``agreement``; never raises on bad data.

    Returns ``(ledger, issues)``; the ledger is ``None`` if any issue is an error.
    ``progress``, if given, is called with the number of data rows read so far
    every 10,000 rows and once at the end (see :func:`count_csv_rows` for the total).
    ``checks`` are the ledger checks run on the entries read (default: all of
    :func:`~pooledledger.yearend.checks.check_ledger`).
    """
    path = Path(source)
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [_issue("PL-CSV-001", f"cannot read the file: {exc}", file)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            _issue(
                "PL-CSV-002",
                f"the file is not UTF-8 text (byte {data[exc.start]:#04x} at line {line}); "
                "save it as 'CSV UTF-8'",
                file,
                line,
            )
        ]
    del data
    with gc_paused():
        return _read_csv_text(agreement, file, text, column_map, progress, checks)


def _read_csv_text(
    agreement: Agreement,
    file: str,
    text: str,
    column_map: ColumnMap | None,
    progress: Callable[[int], None] | None,
    checks: LedgerChecks = check_ledger,
) -> tuple[Ledger | None, list[Issue]]:
    parser = RowParser(column_map)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        parser._error(
            "PL-CSV-007",
            f"the file holds a NUL byte (at line {line}): it is not a text CSV file; "
            "save it again as 'CSV UTF-8'",
            file,
            line,
            None,
        )
        return None, parser.issues
    at = [1]
    rows = iter(_csv_rows(text, at))
    done = 0
    try:
        skip = parser.column_map.header_row - 1  # a report's title block above the header
        for _ in range(skip):
            if next(rows, None) is None:
                break
        first = next(rows, None)
        if first is None:
            where = f"no row {skip + 1} to hold the header" if skip else "no header row"
            parser._error("PL-CSV-003", f"the file is empty: {where}", file, at[0], None)
            return None, parser.issues
        line, header = first
        sep = next((c for c in (";", "\t", "|") if len(header) == 1 and c in header[0]), None)
        if sep is not None:
            shown = "a tab" if sep == "\t" else repr(sep)
            parser._error(
                "PL-CSV-007",
                f"the cells are separated by {shown}, not commas: save the file as "
                "comma-separated CSV ('CSV UTF-8')",
                file,
                line,
                None,
            )
            return None, parser.issues
        if parser.start_table(file, header, line):
            done = parser.add_rows(rows, progress)
    except csv.Error as exc:
        parser._error(
            "PL-CSV-007",
            f"the CSV is malformed in the row starting at line {at[0]}: {exc}",
            file,
            at[0],
            None,
        )
        return None, parser.issues
    if progress is not None:
        progress(done)
    if parser._table is None:
        return None, parser.issues
    return parser.finish(agreement, checks)


def load_ledger_csv(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    column_map: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """Read a ledger CSV file; any error raises :class:`~pooledledger.core.errors.IssueError`."""
    ledger, issues = read_ledger_csv(agreement, source, column_map=column_map, progress=progress)
    if ledger is None:
        raise IssueError(issues, what=f"ledger {source}")
    return ledger


def count_csv_rows(source: str | os.PathLike[str]) -> int:
    """A cheap count of the data rows in a CSV file, for a progress bar's length.

    Counts lines after the header (a quoted cell spanning lines counts more than
    once, so this is an upper bound); ``0`` if the file cannot be read.
    """
    lines = 0
    last = b"\n"
    try:
        with open(source, "rb") as fh:
            while chunk := fh.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return 0
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)
