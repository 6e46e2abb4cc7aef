"""Cell values for spreadsheets and CSV files: formula injection made inert.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, a tab or a carriage return) as a formula, so a supplier called
``=HYPERLINK("http://x","y")`` in a ledger file would become a live link, or worse,
when a finance officer opens the export.  Following the OWASP advice on CSV
injection, :func:`neutralise` puts a single quote ``'`` in front of any such text,
so it is shown as the text it is.

Only *text* is neutralised.  Numbers are written as numbers, so a negative amount
stays a number (and is never turned into text by this module).
"""

from __future__ import annotations

__all__ = ["FORMULA_TRIGGERS", "neutralise"]

#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_TRIGGERS = frozenset({"=", "+", "-", "@", "\t", "\r"})


def neutralise(text: str) -> str:
    """``text``, made inert if a spreadsheet would read it as a formula.

    >>> neutralise('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralise("-1"), neutralise("Care home fees")
    ("'-1", 'Care home fees')
    """
    if not isinstance(text, str):
        raise TypeError(f"neutralise takes text, not {type(text).__name__}")
    if text[:1] in FORMULA_TRIGGERS:
        return "'" + text
    return text
