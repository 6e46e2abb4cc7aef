"""Signs from a finance system's debit/credit layout (``[amounts]``, layer L5).

A column map's :class:`~pooledledger.io.column_maps.AmountSides` gives a row's side
either as two amount columns, debit and credit, or as an indicator column holding
a debit or credit code (docs/csv-import.md, "A finance-system export, step by
step").  :class:`DebitCredit` reads those cells of one row and says which amount
field they feed, with what pence, and which amount fields of the row to negate; a
bad pair is ``PL-CSV-013``, ``PL-CSV-014`` or ``PL-CSV-037``, a bad code
``PL-CSV-038``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pooledledger.io.cell_values import CellError, given, parse_amount_cell
from pooledledger.io.column_maps import AmountSides
from pooledledger.io.ledger_fields import AMOUNT_FIELDS, MAIN_AMOUNT
from pooledledger.io.ledger_header import Table
from pooledledger.io.row_issues import IssueLog

__all__ = ["DebitCredit", "Signed"]

#: (the field fed by the debit/credit pair or None, its pence, the fields to negate)
Signed = tuple[str | None, int, frozenset[str]]

_NOTHING: Signed = (None, 0, frozenset())


class DebitCredit:
    """The ``[amounts]`` of a column map, applied to rows."""

    def __init__(self, amounts: AmountSides, log: IssueLog) -> None:
        self.amounts = amounts
        self.log = log
        self.debit_codes = {c.strip().casefold() for c in amounts.debit_codes}
        self.credit_codes = {c.strip().casefold() for c in amounts.credit_codes}

    def signed(
        self, t: Table, kind: str, cells: Sequence[object], file: str, line: int
    ) -> Signed | None:
        """The row's side from its debit/credit cells or indicator ([amounts]).

        Returns ``(field fed by the debit/credit pair or None, its pence, fields to
        negate)``, or None after reporting the row's problems.
        """
        if t.sides is not None:
            return self._from_columns(t, t.sides, kind, cells, file, line)
        return self._from_indicator(t, kind, cells, file, line)

    def _side_pence(
        self, t: Table, sides: tuple[int, int], cells: Sequence[object], file: str, line: int
    ) -> list[int] | None:
        """The debit and credit cells as pence (0 if empty); None if one is bad."""
        values: list[int] = []
        bad = False
        for pos in sides:
            cell = cells[pos]
            if isinstance(cell, str):
                cell = cell.strip()
            if not given(cell):
                values.append(0)
                continue
            try:
                values.append(parse_amount_cell(cell))
            except CellError as err:
                bad = True
                self.log.error(err.code, err.message, file, line, t.headers[pos])
        return None if bad else values

    def _from_columns(
        self,
        t: Table,
        sides: tuple[int, int],
        kind: str,
        cells: Sequence[object],
        file: str,
        line: int,
    ) -> Signed | None:
        values = self._side_pence(t, sides, cells, file, line)
        if values is None:
            return None
        debit, credit = values
        dh, ch = t.headers[sides[0]], t.headers[sides[1]]
        main = MAIN_AMOUNT.get(kind)
        if main is None:
            if debit or credit:
                self.log.error(
                    "PL-CSV-014",
                    f"{kind} rows have no amount, but the row has one in {dh!r} or {ch!r}",
                    file,
                    line,
                    dh if debit else ch,
                )
                return None
            return _NOTHING
        if debit and credit:
            self.log.error(
                "PL-CSV-037",
                f"the row has an amount both in {dh!r} ({cells[sides[0]]!r}) and in "
                f"{ch!r} ({cells[sides[1]]!r}); give one side only",
                file,
                line,
                dh,
                field_name=main,
            )
            return None
        if not debit and not credit:
            self.log.error(
                "PL-CSV-013",
                f"{kind} rows need an amount in {dh!r} or {ch!r}",
                file,
                line,
                dh,
                field_name=main,
            )
            return None
        same = ("debit" if debit else "credit") == self.amounts.positive_side(kind)
        pence = debit or credit
        flip = frozenset() if same else AMOUNT_FIELDS - {main}
        return main, (pence if same else -pence), flip

    def _from_indicator(
        self, t: Table, kind: str, cells: Sequence[object], file: str, line: int
    ) -> Signed | None:
        assert t.indicator is not None
        cell = cells[t.indicator]
        code = str(cell).strip().casefold() if given(cell) else ""
        if code in self.debit_codes:
            side = "debit"
        elif code in self.credit_codes:
            side = "credit"
        elif MAIN_AMOUNT.get(kind) is None and not code:
            return _NOTHING
        else:
            what = f"{cell!r} is not" if code else "an empty cell is not"
            self.log.error(
                "PL-CSV-038",
                f"{what} a debit/credit code: use one of "
                + ", ".join((*self.amounts.debit_codes, *self.amounts.credit_codes)),
                file,
                line,
                t.headers[t.indicator],
            )
            return None
        positive = self.amounts.positive_side(kind)
        return None, 0, (frozenset() if side == positive else AMOUNT_FIELDS)
