"""Reading one ledger cell: amounts, dates, years, ids, yes/no and text (layer L5).

The rules are those of docs/csv-import.md ("Amounts", "Dates", "Limits"): an amount
is exact pence (never a float; a fraction of a penny, an exponent, another currency
or more than :data:`~pooledledger.io.agreement_files.MAX_AMOUNT_TEXT` is refused);
a date is ISO, day first or in a column map's ``date_format``; a cell may be text
from a CSV file or a spreadsheet value (``int``, ``float``, ``datetime``, ``bool``,
``None``).  A bad cell raises :class:`CellError` with its ``PL-CSV-0xx`` code and
message; :class:`CellParser` turns a non-empty cell into its entry value, caching
repeated dates, years and ids (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from moneyed import Money

from pooledledger.core.errors import MoneyError, PeriodError
from pooledledger.core.money import GBP as _GBP
from pooledledger.core.money import parse_amount, pence_to_decimal
from pooledledger.core.periods import FinancialYear
from pooledledger.io.agreement_files import MAX_AMOUNT_TEXT, MAX_PENCE
from pooledledger.io.ledger_fields import (
    AMOUNT_FIELDS,
    BOOL_FIELDS,
    DATE_FIELDS,
    ID_FIELDS,
    KINDS,
)
from pooledledger.model.entries import ContributionKind
from pooledledger.model.partners import ID_PATTERN

__all__ = [
    "CellError",
    "CellParser",
    "brief",
    "given",
    "is_zero_amount",
    "money",
    "norm",
    "parse_amount_cell",
    "parse_pounds",
    "text_of",
]

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

#: How many distinct dates and ids a parser remembers.
_CACHE_LIMIT = 100_000


class CellError(Exception):
    """A bad cell: a code and a message (internal)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def wrong_type(value: object, what: str) -> CellError:
    """``PL-CSV-033``: a spreadsheet value of the wrong type for the field."""
    return CellError(
        "PL-CSV-033", f"a {type(value).__name__} cell ({value!r}) where {what} is expected"
    )


# -- amounts ---------------------------------------------------------------------


def _too_large(shown: object) -> CellError:
    text = repr(shown)
    if len(text) > 40:
        text = f"{text[:20]}... ({len(str(shown))} characters)"
    return CellError(
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
        raise CellError("PL-CSV-017", f"{shown!r} is not a finite amount")
    if value.adjusted() > 12:  # beyond MAX_PENCE in pounds, whatever its decimals
        raise _too_large(shown)
    n, d = value.as_integer_ratio()
    pence, rest = divmod(n * 100, d)
    if rest:
        raise CellError(
            "PL-CSV-016",
            f"{shown!r} has a fraction of a penny; give pounds with at most two decimal places",
        )
    return _checked(pence, shown)


def _pence_from_text(value: str) -> int:
    """An amount written as text (the CSV case) as exact pence."""
    m = _PLAIN_AMOUNT_RE.match(value)
    if m is not None:
        whole = m[2].lstrip("0")
        if len(whole) > 13:  # more than £9,999,999,999,999: checked before int()
            raise _too_large(value)
        frac = m[3] or ""
        pence = int(whole or "0") * 100 + (int(frac.ljust(2, "0")) if frac else 0)
        return _checked(-pence if m[1] else pence, value)
    if any(c.isdigit() and not c.isascii() for c in value):
        raise CellError(
            "PL-CSV-015", f"{value!r} has digits other than 0-9; write the amount in 0-9"
        )
    if _SCIENTIFIC_RE.match(value):
        raise CellError(
            "PL-CSV-017",
            f"{value!r} looks like a floating-point number (exponent, NaN or infinity); "
            "write the amount in pounds, e.g. 1234.56",
        )
    if _CURRENCY_RE.search(value):
        raise CellError("PL-CSV-031", f"{value!r} is not in pounds sterling; only GBP is supported")
    try:
        exact = parse_amount(value)
    except MoneyError as exc:
        raise CellError("PL-CSV-015", str(exc)) from None
    return _pence_from_decimal(exact, value)


def parse_amount_cell(value: object) -> int:
    """An amount cell (text or spreadsheet number) as exact pence, or :class:`CellError`.

    Amounts beyond :data:`MAX_PENCE` are refused (``PL-CSV-036``), and so are digits
    other than 0-9 (``PL-CSV-015``).
    """
    if isinstance(value, str):
        return _pence_from_text(value)
    if isinstance(value, bool):
        raise wrong_type(value, "an amount")
    if isinstance(value, int):
        return _checked(value * 100, value)
    if isinstance(value, float):
        # a spreadsheet number: its shortest repr is what the sheet shows
        try:
            exact = Decimal(repr(value))
        except InvalidOperation:  # pragma: no cover - repr of a float always parses
            raise CellError("PL-CSV-015", f"{value!r} is not an amount") from None
        return _pence_from_decimal(exact, value)
    if isinstance(value, Decimal):
        return _pence_from_decimal(value, value)
    raise wrong_type(value, "an amount")


def parse_pounds(text: str) -> int:
    """Amount text, read as a ledger cell is (docs/csv-import.md#amounts), as exact pence.

    Raises :class:`~pooledledger.core.errors.MoneyError` with the message the cell would get.

    >>> parse_pounds("£1,234.56"), parse_pounds("(12.50)")
    (123456, -1250)
    """
    try:
        return parse_amount_cell(text.strip())
    except CellError as bad:
        raise MoneyError(bad.message) from None


def money(pence: int) -> Money:
    """``pence`` as pounds sterling."""
    return Money(pence_to_decimal(pence), _GBP)


def is_zero_amount(cell: object) -> bool:
    """True if ``cell`` reads as an amount of nothing (``0``, ``0.00``, ``£0.00``)."""
    try:
        return parse_amount_cell(cell.strip() if isinstance(cell, str) else cell) == 0
    except CellError:
        return False


# -- small cell helpers ----------------------------------------------------------


def brief(value: object) -> str:
    """``repr(value)``, cut short for a message if long."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text):,} characters)"


def norm(header: object) -> str:
    """A header name as matched: without surrounding spaces, case folded."""
    return str(header).strip().casefold()


def given(cell: object) -> bool:
    """True if ``cell`` holds something (not ``None``, empty or only spaces)."""
    if cell is None:
        return False
    if isinstance(cell, str):
        return bool(cell) and not cell.isspace()
    return True


def text_of(value: object, what: str) -> str:
    """A cell as text; a spreadsheet value that cannot be ``what`` is ``PL-CSV-033``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | date | time):
        raise wrong_type(value, what)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise wrong_type(value, what)


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
    raise CellError(
        "PL-CSV-020", f"{value!r} is not yes/no: write yes, no, true, false, y, n, 1 or 0"
    )


def _make_date(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise CellError("PL-CSV-018", f"{text!r} is not a real date: {exc}") from None


def _formatted_date(text: str, fmt: str) -> date:
    """A date in a column map's ``date_format`` (``PL-CSV-019``, ``PL-CSV-018``)."""
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError as exc:
        if "does not match" in str(exc) or "unconverted data" in str(exc):
            raise CellError(
                "PL-CSV-019",
                f"{text!r} is not a date in the form {fmt} (or YYYY-MM-DD)",
            ) from None
        raise CellError("PL-CSV-018", f"{text!r} is not a real date: {exc}") from None


def parse_date_text(text: str, fmt: str | None) -> date:
    """A date cell's text: ISO, then ``fmt`` if given, else day first (``DD/MM/YYYY``)."""
    m = _ISO_RE.match(text)
    if m is not None:
        return _make_date(text, int(m[1]), int(m[2]), int(m[3]))
    if fmt is not None:
        return _formatted_date(text, fmt)
    m = _UK_RE.match(text)
    if m is not None:
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        if month > 12 and day <= 12:
            raise CellError(
                "PL-CSV-019",
                f"{text!r} looks like a US month/day date; write dates day first "
                "(30/04/2025) or as YYYY-MM-DD",
            )
        return _make_date(text, year, month, day)
    raise CellError(
        "PL-CSV-019",
        f"{text!r} is not a date in a supported form: write YYYY-MM-DD or DD/MM/YYYY "
        "(a four-digit year), or give a date_format in a column map",
    )


def _kind(value: object) -> ContributionKind:
    text = text_of(value, "a contribution kind").upper().replace(" ", "_").replace("-", "_")
    try:
        return ContributionKind(text)
    except ValueError:
        raise CellError(
            "PL-CSV-023",
            f"{value!r} is not a contribution kind; use one of "
            + ", ".join(k.value for k in ContributionKind),
        ) from None


def _entry_kind(value: object) -> str:
    text = text_of(value, "an entry kind").lower()
    if text not in KINDS:
        raise CellError(
            "PL-CSV-011",
            f"{brief(value)} is not an entry kind; use one of {', '.join(KINDS)}",
        )
    return text


def _plain_text(value: object) -> str:
    text = text_of(value, "text")
    if text[:1] == "'" and text[1:2] in _FORMULA_TRIGGERS:
        return text[1:]  # a spreadsheet-safe export: '=... means the text =...
    return text


# -- the parser, with its caches ------------------------------------------------


class CellParser:
    """Parses non-empty cells into entry values, remembering dates, years and ids seen.

    ``dates``, ``years`` and ``ids`` are the caches; the row parser reads them
    directly for its fast path.
    """

    def __init__(self, date_format: str | None = None) -> None:
        self.date_format = date_format
        self.dates: dict[str, date] = {}
        self.years: dict[str, FinancialYear] = {}
        self.ids: set[str] = set()

    def parse(self, name: str, value: object) -> object:
        """One non-empty cell for field ``name`` as its entry value, or raise CellError."""
        if isinstance(value, str) and value[:1] == "#" and value in _SPREADSHEET_ERRORS:
            raise CellError("PL-CSV-032", f"the cell holds the spreadsheet error {value}")
        if name in AMOUNT_FIELDS:
            return money(parse_amount_cell(value))
        if name in DATE_FIELDS:
            return self.date(value)
        if name in ID_FIELDS:
            return self.id(value)
        if name in BOOL_FIELDS:
            return _bool(value)
        if name == "year":
            return self.year(value)
        if name == "kind":
            return _kind(value)
        if name == "entry":
            return _entry_kind(value)
        return _plain_text(value)

    def id(self, value: object) -> str:
        """An id cell (``PL-CSV-022`` if not a valid id)."""
        text = text_of(value, "an id")
        if text not in self.ids:
            if not _ID_RE.match(text):
                raise CellError(
                    "PL-CSV-022",
                    f"{text!r} is not a valid id: start with a letter or digit, then "
                    "letters, digits, '_', '.' or '-' (no spaces)",
                )
            if len(self.ids) < _CACHE_LIMIT:
                self.ids.add(text)
        return text

    def year(self, value: object) -> FinancialYear:
        """A financial-year cell such as ``2025-26`` (``PL-CSV-021``)."""
        text = text_of(value, "a financial year")
        year = self.years.get(text)
        if year is None:
            try:
                year = FinancialYear.parse(text)
            except PeriodError as exc:
                raise CellError("PL-CSV-021", str(exc)) from None
            self.years[text] = year
        return year

    def date(self, value: object) -> date:
        """A date cell: a spreadsheet date (no time of day) or date text."""
        if isinstance(value, datetime):
            if value.time() != time(0, 0):
                raise CellError("PL-CSV-033", f"the date cell {value!r} has a time of day")
            return value.date()
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            raise wrong_type(value, "a date")
        d = self.dates.get(value)
        if d is None:
            d = parse_date_text(value, self.date_format)
            if len(self.dates) < _CACHE_LIMIT:
                self.dates[value] = d
        return d
