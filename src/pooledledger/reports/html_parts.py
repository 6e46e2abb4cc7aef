"""The HTML report's small parts (layer L4): colours, escaping, cells, tables, sections.

Shared by the year-end and quarterly pages (:mod:`pooledledger.reports.html`) and the
charts (:mod:`pooledledger.reports.html_charts`).  Every piece of user text passes
through :func:`esc` (:func:`html.escape`).  Reports read results and never write
entries; this module is pure.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import NamedTuple

from pooledledger.core.money import format_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import LegalBasis
from pooledledger.reports.templating import html_page

#: Partner colours, in agreement order (Okabe–Ito, safe for colour-blind readers).
PARTNER_COLOURS: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
BUDGET_COLOUR = "#A9B8C8"
OUTTURN_COLOUR = "#1F3B57"
RISK_POOL_COLOUR = "#5F6B76"
OFFSET_COLOUR = "#C9D1D9"
INK_COLOUR = "#1B1F24"
MUTED_COLOUR = "#5B6470"
RULE_COLOUR = "#D0D7DE"

LEGAL_BASIS = {
    LegalBasis.S75_NHSA2006: "Section 75, National Health Service Act 2006",
    LegalBasis.S31_HA1999: "Section 31, Health Act 1999",
    LegalBasis.S10_CA2004: "Section 10, Children Act 2004",
    LegalBasis.S65Z5_NHSA2006: "Section 65Z5, National Health Service Act 2006",
}

# The stylesheet is templates/report.css, inlined into the page by page.html.j2.


# -- small helpers ----------------------------------------------------------------------


def esc(text: object) -> str:
    """Escape any text for HTML (element content and attribute values)."""
    return html.escape(str(text), quote=True)


def money_cell(pence: int) -> str:
    """An amount as text: ``–`` for zero, negatives in brackets."""
    return "–" if pence == 0 else format_pence(pence)


def pounds_text(pence: int) -> str:
    """An amount with its pound sign: ``£1,234.56``, a negative ``(£1,234.56)``."""
    return format_pence(pence, symbol=True)


def num_cell(pence: int | None, *, nil: bool = False) -> str:
    """A right-aligned amount cell; ``None`` shows ``n/a``."""
    if pence is None:
        return '<td class="num">n/a</td>'
    text = "nil" if nil and pence == 0 else money_cell(pence)
    cls = "num neg" if pence < 0 else "num"
    return f'<td class="{cls}">{esc(text)}</td>'


def text_cell(text: object, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{esc(text)}</td>"


def yes_no(holds: bool) -> str:
    return '<td class="pass">✓ yes</td>' if holds else '<td class="fail">✗ NO</td>'


class HtmlRow(NamedTuple):
    """A table row of ready-made ``<td>`` cells; ``kind`` is ``""``, ``total`` or ``sub``."""

    cells: tuple[str, ...]
    kind: str = ""


def html_row(*cells: str, kind: str = "") -> HtmlRow:
    return HtmlRow(tuple(cells), kind)


def html_table(
    head: Sequence[str],
    rows: Iterable[HtmlRow],
    *,
    caption: str = "",
    num_from: int = 1,
    text_cols: Iterable[int] = (),
) -> str:
    """A table: ``head`` is plain text; columns from ``num_from`` are figures,
    except the columns in ``text_cols``."""
    text = set(text_cols)
    ths = "".join(
        f'<th scope="col" class="num">{esc(h)}</th>'
        if i >= num_from and i not in text
        else f'<th scope="col">{esc(h)}</th>'
        for i, h in enumerate(head)
    )
    body = "\n".join(
        (f'<tr class="{r.kind}">' if r.kind else "<tr>") + "".join(r.cells) + "</tr>" for r in rows
    )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<div class="wrap"><table>{cap}<thead><tr>{ths}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def html_section(key: str, title: str, body: str, *, lead: str = "", major: bool = True) -> str:
    cls = ' class="major"' if major else ""
    intro = f'<p class="lead">{esc(lead)}</p>' if lead else ""
    return (
        f'<section id="{esc(key)}"{cls} aria-labelledby="{esc(key)}-h">'
        f'<h2 id="{esc(key)}-h">{esc(title)}</h2>{intro}\n{body}\n</section>'
    )


def year_ended(year: FinancialYear, terminated_on: date | None = None) -> str:
    if terminated_on is not None:
        return f"Period {day_text(year.start)} to {day_text(terminated_on)} (terminated)"
    d = year.last_day
    return f"Year ended {d.day} {d:%B} {d.year}"


def day_text(d: date | None) -> str:
    return "–" if d is None else f"{d.day} {d:%B} {d.year}"


def report_page(title: str, body: str) -> str:
    return html_page(title, body)


def figure_list(items: Iterable[tuple[str, int]]) -> str:
    cards = "".join(
        f'<div class="figure"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(pounds_text(v) if v else "nil")}</div></div>'
        for label, v in items
    )
    return f'<div class="figures">{cards}</div>'


def host_position_text(position: int) -> str:
    """The host's net position on settlement (docs/year-end.md#settlement)."""
    if position > 0:
        return f"Net, the host receives £{format_pence(position)} from the other partners."
    if position < 0:
        return f"Net, the host pays £{format_pence(-position)} to the other partners."
    return "Net, no cash moves between the host and the other partners."


def settlement_text(
    partner: str,
    is_host: bool,
    settlement: int,
    due: date | None,
    when: Callable[[date | None], str] = day_text,
) -> str:
    """Who pays whom by when; ``when`` writes the date (``31 March 2008`` by default)."""
    if is_host:
        return f"{partner} (host): no cash settlement; its money never leaves it."
    if settlement > 0:
        return f"Host pays {partner} £{format_pence(settlement)} by {when(due)}."
    if settlement < 0:
        return f"{partner} pays the host £{format_pence(-settlement)} by {when(due)}."
    return f"{partner}: nothing to pay."
