"""Amount cells read in bulk, down a column (layer L5; see :mod:`pooledledger.io.bulk_rows`).

Each cell's pence are read at once; its ``Money`` is made only when an entry is
made (:class:`_MoneyColumn`), so a line the bulk reader keeps in a
:class:`~pooledledger.books.line_store.LineStore` never makes one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pooledledger.books.line_store import SharedMoney
from pooledledger.core.money import to_pence
from pooledledger.io.agreement_files import MAX_PENCE

__all__: list[str] = []

#: A cell that holds nothing (the field is not given).
_EMPTY: Any = type("_Empty", (), {"__repr__": lambda self: "<empty>"})()
#: A cell the row parser would refuse: its row goes through the row parser.
_BAD: Any = type("_Bad", (), {"__repr__": lambda self: "<bad>"})()


# Amounts read here (docs/csv-import.md#amounts): 1234.56, -1234.56, £1,234.56,
# -£1,234.56, (1,234.56), (£1,234.56), at most two decimals, ASCII digits only.
# Anything else (spaces, a sign after the £, three decimals...) is read by the
# row parser's own rules.
_WHOLE = r"(\d{1,3}(?:,\d{3})+|\d+)"
_AMOUNT_RE = re.compile(
    rf"(-?)£?{_WHOLE}(?:\.(\d\d?))?|\(£?{_WHOLE}(?:\.(\d\d?))?\)",
    re.ASCII,
)
# The common amount: pounds (at most 13 digits, so within MAX_PENCE) and two decimals.
_PLAIN_RE = re.compile(r"-?\d{1,13}\.\d\d", re.ASCII)


@dataclass(slots=True)
class _Values:
    """One field's values down a column: an entry value, ``_EMPTY`` or ``_BAD`` per row."""

    values: Sequence[object]
    empty: list[int]  # the rows (positions) whose cell is empty
    bad: list[int]  # the rows whose cell the row parser refuses
    pence: list[object] | None = None  # an amount's pence per row


def _pence_of(value: object) -> object:
    """The pence of a Money value; ``_EMPTY`` and ``_BAD`` as they are."""
    if value is _EMPTY or value is _BAD:
        return value
    return to_pence(value)


#: Distinct amount cells remembered per column (a bound on the memory it takes).
_SEEN_AT_MOST = 4096


def _amounts(value: Callable[[str], object], cells: Sequence[str]) -> _Values:
    """Amounts: the plain forms read here exactly, any other by the row parser's rules.

    The pence of each cell are read now; its value, ``Money(Decimal(pence).scaleb(-2),
    GBP)`` as :func:`~pooledledger.io.cell_values.money` makes it, only when an entry
    is made (:class:`_MoneyColumn`): a line kept in a store never makes one.
    """
    pence_of: list[object] = []
    special: dict[int, object] = {}  # the cells read by the row parser's rules
    empty: list[int] = []
    bad: list[int] = []
    add_pence = pence_of.append
    match, plain = _AMOUNT_RE.fullmatch, _PLAIN_RE.fullmatch
    seen: dict[str, int] = {}  # a cell seen before: its pence at once
    for j, c in enumerate(cells):
        if not c:
            add_pence(_EMPTY)
            empty.append(j)
            continue
        hit = seen.get(c)
        if hit is not None:
            add_pence(hit)
            continue
        if plain(c):  # 1234.56, -12.50: the common case
            pence = int(c.replace(".", "", 1))
            add_pence(pence)
            if len(seen) < _SEEN_AT_MOST:
                seen[c] = pence
            continue
        m = match(c)
        if m is not None:
            whole, frac, negative = (m[2], m[3], m[1]) if m[2] is not None else (m[4], m[5], "-")
            digits = whole.replace(",", "")
            if len(digits) <= 20:
                cents = (int(frac) * 10 if len(frac) == 1 else int(frac)) if frac else 0
                pence = int(digits) * 100 + cents
                if pence <= MAX_PENCE:  # else the row parser's own PL-CSV-036
                    add_pence(-pence if negative else pence)
                    continue
        v = value(c)
        if v is _EMPTY:
            empty.append(j)
        elif v is _BAD:
            bad.append(j)
        else:
            special[j] = v
        add_pence(_pence_of(v))
    return _Values(_MoneyColumn(pence_of, special), empty, bad, pence_of)


class _MoneyColumn(Sequence[object]):
    """An amount column's values: each cell's ``Money`` made from its pence when read
    (``_EMPTY`` and ``_BAD`` as they are).  An amount that recurs down the column (a
    nil VAT, a standard fee) gives one ``Money``, never changed (memory)."""

    __slots__ = ("pence", "shared", "special")

    def __init__(self, pence: list[object], special: dict[int, object]) -> None:
        self.pence, self.special = pence, special
        self.shared = SharedMoney({})

    def __len__(self) -> int:
        return len(self.pence)

    def __getitem__(self, j: Any) -> Any:
        p = self.pence[j]
        if type(p) is not int:
            return p  # _EMPTY or _BAD
        found = self.special.get(j)
        return found if found is not None else self.shared(p)

    def cells(self, js: Sequence[int]) -> list[object]:
        """The pence at rows ``js``, or the value where the row parser read the cell:
        what a :class:`~pooledledger.books.line_store.Block` keeps for an amount."""
        out = [self.pence[j] for j in js]
        if self.special:
            for k, j in enumerate(js):
                if j in self.special:
                    out[k] = self.special[j]
        return out
