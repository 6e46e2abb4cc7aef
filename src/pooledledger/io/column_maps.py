"""Column maps: how a finance system's export maps onto ledger fields (layer L5).

A ledger file laid out differently from pooledledger's own columns is read through
a :class:`ColumnMap` (docs/csv-import.md#column-maps): its header names for our
fields, values fixed for every row, value maps for codes (including entry-type
codes to skip), the header row below a report's title block, a day-first date
format, and the debit/credit layout of :class:`AmountSides` (docs/csv-import.md,
"A finance-system export, step by step").  :func:`load_column_map` reads one
from a TOML or JSON file, refusing an invalid map with ``PL-CSV-008``.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pooledledger.core.errors import Issue, IssueError, Location, Severity
from pooledledger.io.agreement_files import loads_json, parse_failure
from pooledledger.io.ledger_fields import ENTRY_FIELDS, KINDS, MAIN_AMOUNT, SKIP

__all__ = ["AmountSides", "ColumnMap", "load_column_map"]


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
            v for v in value.get("entry", {}).values() if v.strip().lower() not in (*KINDS, SKIP)
        )
        if bad:
            raise ValueError(
                f"values.entry maps to {', '.join(map(repr, bad))}; use one of "
                f"{', '.join(KINDS)} or {SKIP!r}"
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
