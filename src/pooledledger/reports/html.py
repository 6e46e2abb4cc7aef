"""The year-end and quarterly reports as one self-contained, printable HTML page.

:func:`render_html` renders a :class:`~pooledledger.reports.bundle.YearEndReports`
and :func:`render_quarterly_html` a
:class:`~pooledledger.reports.quarterly.QuarterlyReport`.  Each returns one string:
inline CSS, inline SVG charts, no JavaScript and nothing fetched from the network
(no web fonts, no CDN, no images), so the page can be mailed, archived and printed
as it is.

The year-end page holds, in order: a header (pool, year, host, pooled fund
manager, legal basis); a summary (key figures, self-check status and two charts);
the memorandum account, sections A–M; the "Pooled budgets" note in £000; the
host–partner balances and the settlement schedule; each partner's statement with
the journals it posts; and the conservation check with every self-check.

Charts are static SVG drawn from the same integer-pence figures as the tables:

* *budget against outturn*: per scheme, its contributions and its net expenditure
  as a pair of horizontal bars, each labelled with its exact value;
* *how the variance was shared*: per scheme, a diverging bar; to the right of the
  centre line what met an overspend (risk pool, offsetting from other schemes,
  each partner's deficit share), to the left what an underspend went to (each
  partner's underspend share, offsetting to other schemes).

Bar lengths are pixel positions worked out from pence with integer arithmetic and
rounded to whole pixels; the money shown is never rounded.  Every chart has a
``<title>``, a ``<desc>`` and a table beside it with the same figures (the text
alternative).  Every piece of user text is escaped with :func:`html.escape`.

Reports read results and never write entries (layer L4); this module is pure.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from pooledledger.books.journals import ACCOUNT_LABELS, Journal
from pooledledger.core.money import format_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import LegalBasis
from pooledledger.model.partners import PartnerId
from pooledledger.reports.bundle import YearEndReports
from pooledledger.reports.memorandum import MemorandumAccount
from pooledledger.reports.memorandum_layout import memorandum_document
from pooledledger.reports.note import NoteRowKind, PooledBudgetNote
from pooledledger.reports.quarterly import QuarterlyReport
from pooledledger.reports.statements import PartnerStatement
from pooledledger.reports.templating import html_document, html_page

__all__ = ["PARTNER_COLOURS", "render_html", "render_quarterly_html"]

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
_BUDGET = "#A9B8C8"
_OUTTURN = "#1F3B57"
_RISK_POOL = "#5F6B76"
_OFFSET = "#C9D1D9"
_INK = "#1B1F24"
_MUTED = "#5B6470"
_RULE = "#D0D7DE"

_LEGAL_BASIS = {
    LegalBasis.S75_NHSA2006: "Section 75, National Health Service Act 2006",
    LegalBasis.S31_HA1999: "Section 31, Health Act 1999",
    LegalBasis.S10_CA2004: "Section 10, Children Act 2004",
    LegalBasis.S65Z5_NHSA2006: "Section 65Z5, National Health Service Act 2006",
}

# The stylesheet is templates/report.css, inlined into the page by page.html.j2.


# -- small helpers ----------------------------------------------------------------------


def _e(text: object) -> str:
    """Escape any text for HTML (element content and attribute values)."""
    return html.escape(str(text), quote=True)


def _money(pence: int) -> str:
    """An amount as text: ``–`` for zero, negatives in brackets."""
    return "–" if pence == 0 else format_pence(pence)


def _pounds(pence: int) -> str:
    """An amount with its pound sign: ``£1,234.56``, a negative ``(£1,234.56)``."""
    return format_pence(pence, symbol=True)


def _num(pence: int | None, *, nil: bool = False) -> str:
    """A right-aligned amount cell; ``None`` shows ``n/a``."""
    if pence is None:
        return '<td class="num">n/a</td>'
    text = "nil" if nil and pence == 0 else _money(pence)
    cls = "num neg" if pence < 0 else "num"
    return f'<td class="{cls}">{_e(text)}</td>'


def _thousands(value: int) -> str:
    """A £000 figure: ``(176)`` for negatives."""
    cls = "num neg" if value < 0 else "num"
    text = f"({-value:,})" if value < 0 else f"{value:,}"
    return f'<td class="{cls}">{text}</td>'


def _txt(text: object, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{_e(text)}</td>"


def _yes(holds: bool) -> str:
    return '<td class="pass">✓ yes</td>' if holds else '<td class="fail">✗ NO</td>'


class _Row(NamedTuple):
    """A table row of ready-made ``<td>`` cells; ``kind`` is ``""``, ``total`` or ``sub``."""

    cells: tuple[str, ...]
    kind: str = ""


def _row(*cells: str, kind: str = "") -> _Row:
    return _Row(tuple(cells), kind)


def _table(
    head: Sequence[str],
    rows: Iterable[_Row],
    *,
    caption: str = "",
    num_from: int = 1,
    text_cols: Iterable[int] = (),
) -> str:
    """A table: ``head`` is plain text; columns from ``num_from`` are figures,
    except the columns in ``text_cols``."""
    text = set(text_cols)
    ths = "".join(
        f'<th scope="col" class="num">{_e(h)}</th>'
        if i >= num_from and i not in text
        else f'<th scope="col">{_e(h)}</th>'
        for i, h in enumerate(head)
    )
    body = "\n".join(
        (f'<tr class="{r.kind}">' if r.kind else "<tr>") + "".join(r.cells) + "</tr>" for r in rows
    )
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return (
        f'<div class="wrap"><table>{cap}<thead><tr>{ths}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def _section(key: str, title: str, body: str, *, lead: str = "", major: bool = True) -> str:
    cls = ' class="major"' if major else ""
    intro = f'<p class="lead">{_e(lead)}</p>' if lead else ""
    return (
        f'<section id="{_e(key)}"{cls} aria-labelledby="{_e(key)}-h">'
        f'<h2 id="{_e(key)}-h">{_e(title)}</h2>{intro}\n{body}\n</section>'
    )


def _year_ended(year: FinancialYear, terminated_on: date | None = None) -> str:
    if terminated_on is not None:
        return f"Period {_day(year.start)} to {_day(terminated_on)} (terminated)"
    d = year.last_day
    return f"Year ended {d.day} {d:%B} {d.year}"


def _day(d: date | None) -> str:
    return "–" if d is None else f"{d.day} {d:%B} {d.year}"


def _page(title: str, body: str) -> str:
    return html_page(title, body)


def _status(items: Iterable[tuple[str, bool | None]]) -> str:
    """Status chips: ``True`` ok, ``False`` failed, ``None`` neutral information."""
    lis = []
    for text, ok in items:
        cls = "info" if ok is None else ("ok" if ok else "bad")
        mark = "" if ok is None else ("✓ " if ok else "✗ ")
        lis.append(f'<li class="{cls}">{mark}{_e(text)}</li>')
    return f'<ul class="status">{"".join(lis)}</ul>'


def _figures(items: Iterable[tuple[str, int]]) -> str:
    cards = "".join(
        f'<div class="figure"><div class="label">{_e(label)}</div>'
        f'<div class="value">{_e(_pounds(v) if v else "nil")}</div></div>'
        for label, v in items
    )
    return f'<div class="figures">{cards}</div>'


# -- charts -----------------------------------------------------------------------------


class _BudgetBar(NamedTuple):
    """One scheme in the budget-against-outturn chart, in pence."""

    scheme: str
    name: str
    budget: int
    outturn: int


class _Segment(NamedTuple):
    """One part of a scheme's variance: who or what met it, in pence (non-negative)."""

    label: str
    key: str  # legend key: "risk_pool", "offset", "deficit:<partner>", "underspend:<partner>"
    pence: int


class _VarianceBar(NamedTuple):
    scheme: str
    name: str
    variance: int
    right: tuple[_Segment, ...]  # meeting an overspend
    left: tuple[_Segment, ...]  # taking an underspend


#: The most characters of a scheme id drawn in each chart's label column (the full id
#: is the label's tooltip and is in the table under the chart); a longer id would run
#: into the bars.
_BUDGET_ID_CHARS, _VARIANCE_ID_CHARS = 26, 16


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text_px(text: str) -> int:
    """A rough width of ``text`` at 11px (for placing labels; never for money)."""
    return len(text) * 13 // 2


def _scale(value: int, top: int, width: int) -> int:
    """``value / top`` of ``width`` pixels, rounded to a whole pixel (integers only)."""
    if top <= 0 or value <= 0:
        return 0
    return (2 * value * width + top) // (2 * top)


def _nice_step(top_pence: int, ticks: int = 4) -> int:
    """A tick step in pence (1, 2 or 5 × a power of ten pounds) giving about ``ticks`` ticks."""
    step = 100
    while True:
        for m in (1, 2, 5):
            if m * step * ticks >= top_pence:
                return m * step
        step *= 10


def _axis_label(pence: int) -> str:
    pounds = pence // 100
    if pounds == 0:
        return "0"
    if pounds >= 1_000_000:
        whole, rest = divmod(pounds, 1_000_000)
        return f"£{whole}m" if rest == 0 else f"£{whole}.{rest // 100_000}m"
    if pounds >= 1_000 and pounds % 1_000 == 0:
        return f"£{pounds // 1_000}k"
    return f"£{pounds:,}"


def _svg_open(key: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg role="img" id="{key}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{key}-title {key}-desc">'
        f'<title id="{key}-title">{_e(title)}</title><desc id="{key}-desc">{_e(desc)}</desc>'
    )


def _budget_chart(key: str, bars: Sequence[_BudgetBar], title: str, labels: tuple[str, str]) -> str:
    """Grouped horizontal bars: budget and outturn per scheme, each with its value."""
    label_w, bar_w, value_w, variance_w = 200, 460, 110, 130
    width = label_w + bar_w + value_w + variance_w
    bar_h, gap, group_gap, top = 14, 3, 16, 48
    group_h = 2 * bar_h + gap
    height = top + len(bars) * (group_h + group_gap) + 6
    axis_top = max([1, *[max(b.budget, b.outturn) for b in bars]])
    step = _nice_step(axis_top)
    desc = "; ".join(
        f"{b.scheme} {b.name}: {labels[0].lower()} {_pounds(b.budget)}, "
        f"{labels[1].lower()} {_pounds(b.outturn)}"
        for b in bars
    )
    out = [_svg_open(key, width, height, title, desc)]
    # legend
    for i, (text, colour) in enumerate(zip(labels, (_BUDGET, _OUTTURN), strict=True)):
        x = label_w + i * 200
        out.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 18}" y="14">{_e(text)}</text>')
    out.append(f'<text class="axis" x="{width}" y="{top - 12}" text-anchor="end">variance</text>')
    # grid lines and axis labels
    tick = 0
    while tick <= axis_top:
        x = label_w + _scale(tick, axis_top, bar_w)
        out.append(
            f'<line x1="{x}" y1="{top - 8}" x2="{x}" y2="{height - 6}" stroke="{_RULE}" '
            'stroke-width="1"/>'
        )
        out.append(
            f'<text class="axis" x="{x}" y="{top - 12}" text-anchor="middle">'
            f"{_e(_axis_label(tick))}</text>"
        )
        tick += step
    for n, b in enumerate(bars):
        y = top + n * (group_h + group_gap)
        out.append(f'<g class="scheme" data-scheme="{_e(b.scheme)}">')
        out.append(
            f'<text class="id" x="0" y="{y + bar_h - 2}"><title>{_e(b.scheme)}</title>'
            f"{_e(_short(b.scheme, _BUDGET_ID_CHARS))}</text>"
            f'<text x="0" y="{y + 2 * bar_h + gap - 2}" fill="{_MUTED}">'
            f"<title>{_e(b.name)}</title>{_e(_short(b.name, 34))}</text>"
        )
        for i, (value, colour, what) in enumerate(
            ((b.budget, _BUDGET, labels[0]), (b.outturn, _OUTTURN, labels[1]))
        ):
            yy = y + i * (bar_h + gap)
            w = _scale(value, axis_top, bar_w)
            shown = _pounds(value)
            out.append(
                f'<rect class="bar" x="{label_w}" y="{yy}" width="{w}" height="{bar_h}" '
                f'fill="{colour}"><title>{_e(b.scheme)} {_e(what.lower())}: '
                f"{_e(shown)}</title></rect>"
            )
            out.append(f'<text x="{label_w + w + 5}" y="{yy + bar_h - 3}">{_e(shown)}</text>')
        variance = b.outturn - b.budget
        if variance:
            word = "over" if variance > 0 else "under"
            out.append(
                f'<text x="{width}" y="{y + group_h - 2}" text-anchor="end" fill="{_MUTED}">'
                f"{word} £{_e(format_pence(abs(variance)))}</text>"
            )
        out.append("</g>")
    out.append(
        f'<line x1="{label_w}" y1="{top - 8}" x2="{label_w}" y2="{height - 6}" '
        f'stroke="{_INK}" stroke-width="1"/>'
    )
    out.append("</svg>")
    return "".join(out)


def _colour(key: str, partners: Sequence[PartnerId]) -> str:
    if key == "risk_pool":
        return _RISK_POOL
    if key.startswith("offset"):
        return _OFFSET
    partner = key.split(":", 1)[1]
    return PARTNER_COLOURS[partners.index(partner) % len(PARTNER_COLOURS)]


def _fill(key: str, partners: Sequence[PartnerId], chart: str) -> str:
    """The fill of a segment: underspend shares are hatched in the partner's colour."""
    if key.startswith("underspend:"):
        return f"url(#{chart}-hatch-{partners.index(key.split(':', 1)[1])})"
    return _colour(key, partners)


def _variance_chart(
    key: str,
    bars: Sequence[_VarianceBar],
    partners: Sequence[PartnerId],
    title: str,
) -> str:
    """Diverging stacked bars: who met each scheme's overspend (right) or took its underspend."""
    label_w, half, value_w = 220, 270, 120
    width = label_w + 2 * half + value_w
    centre = label_w + half
    bar_h, row_gap = 18, 12
    used = {s.key for b in bars for s in (*b.right, *b.left) if s.pence}
    everything = [
        "risk_pool",
        "offset",
        *[f"deficit:{p}" for p in partners],
        *[f"underspend:{p}" for p in partners],
    ]
    legend_keys = [k for k in everything if k in used] or everything[2:]
    legend_text = {
        "risk_pool": "Risk pool used",
        "offset": "Offset between schemes",
        **{f"deficit:{p}": f"{p} deficit share" for p in partners},
        **{f"underspend:{p}": f"{p} underspend share" for p in partners},
    }
    item_w = max([150, *[_text_px(t) + 30 for t in legend_text.values()]])
    per_line = max(1, width // item_w)
    name_x = max([34, *[_text_px(_short(b.scheme, _VARIANCE_ID_CHARS)) + 10 for b in bars]])
    name_chars = max(8, (label_w - name_x - 8) * 2 // 13)
    legend_rows = -(-len(legend_keys) // per_line)
    top = legend_rows * 20 + 44
    height = top + len(bars) * (bar_h + row_gap) + 4
    axis_top = max(
        [1, *[max(sum(s.pence for s in b.right), sum(s.pence for s in b.left)) for b in bars]]
    )
    step = _nice_step(axis_top, 2)

    def describe(b: _VarianceBar) -> str:
        parts = [f"{s.label} £{format_pence(s.pence)}" for s in (*b.right, *b.left) if s.pence]
        kind = "overspend" if b.variance > 0 else "underspend" if b.variance < 0 else "no variance"
        money = f" of £{format_pence(abs(b.variance))}" if b.variance else ""
        return f"{b.scheme} {kind}{money}" + (": " + ", ".join(parts) if parts else "")

    out = [_svg_open(key, width, height, title, "; ".join(describe(b) for b in bars))]
    out.append("<defs>")
    for i in range(len(partners)):
        colour = PARTNER_COLOURS[i % len(PARTNER_COLOURS)]
        out.append(
            f'<pattern id="{key}-hatch-{i}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            f'<rect width="3" height="6" fill="{colour}"/></pattern>'
        )
    out.append("</defs>")
    # legend
    for n, lk in enumerate(legend_keys):
        x = (n % per_line) * item_w
        y = 4 + (n // per_line) * 20
        out.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{_fill(lk, partners, key)}" '
            f'stroke="{_colour(lk, partners)}"/>'
            f'<text x="{x + 18}" y="{y + 10}">{_e(legend_text[lk])}</text>'
        )
    head_y = top - 24
    out.append(
        f'<text class="axis" x="{centre - 6}" y="{head_y}" text-anchor="end">'
        "◀ underspend: who it went to</text>"
        f'<text class="axis" x="{centre + 6}" y="{head_y}">overspend: who met it ▶</text>'
        f'<text class="axis" x="{width}" y="{head_y}" text-anchor="end">variance</text>'
    )
    tick = step
    while tick <= axis_top:
        for sign in (-1, 1):
            x = centre + sign * _scale(tick, axis_top, half)
            out.append(
                f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 4}" stroke="{_RULE}"/>'
                f'<text class="axis" x="{x}" y="{top - 8}" text-anchor="middle">'
                f"{_e(_axis_label(tick))}</text>"
            )
        tick += step
    for n, b in enumerate(bars):
        y = top + n * (bar_h + row_gap)
        out.append(f'<g class="scheme" data-scheme="{_e(b.scheme)}">')
        out.append(
            f'<text class="id" x="0" y="{y + bar_h - 5}"><title>{_e(b.scheme)}</title>'
            f"{_e(_short(b.scheme, _VARIANCE_ID_CHARS))}</text>"
            f'<text x="{name_x}" y="{y + bar_h - 5}" fill="{_MUTED}"><title>{_e(b.name)}</title>'
            f"{_e(_short(b.name, name_chars))}</text>"
        )
        for sign, segments in ((1, b.right), (-1, b.left)):
            run = 0
            for s in segments:
                if s.pence <= 0:
                    continue
                x0 = _scale(run, axis_top, half)
                run += s.pence
                x1 = _scale(run, axis_top, half)
                w = x1 - x0
                x = centre + x0 if sign > 0 else centre - x1
                out.append(
                    f'<rect class="bar" x="{x}" y="{y}" width="{w}" height="{bar_h}" '
                    f'fill="{_fill(s.key, partners, key)}" stroke="{_colour(s.key, partners)}" '
                    f'stroke-width="0.75"><title>{_e(b.scheme)} – {_e(s.label)}: '
                    f"£{_e(format_pence(s.pence))}</title></rect>"
                )
        if b.variance == 0:
            out.append(
                f'<text x="{centre + 6}" y="{y + bar_h - 5}" fill="{_MUTED}">no variance</text>'
            )
        shown = format_pence(b.variance)
        out.append(
            f'<text x="{width}" y="{y + bar_h - 5}" text-anchor="end">'
            f"{'+' if b.variance > 0 else ''}{_e(shown) if b.variance else '–'}</text>"
        )
        out.append("</g>")
    out.append(
        f'<line x1="{centre}" y1="{top - 6}" x2="{centre}" y2="{height - 4}" '
        f'stroke="{_INK}" stroke-width="1.25"/>'
    )
    out.append("</svg>")
    return "".join(out)


def _figure(svg: str, caption: str, how: str, table: str) -> str:
    return (
        f"<figure><figcaption>{_e(caption)}</figcaption>"
        f'<p class="how">{_e(how)}</p>{svg}</figure>\n{table}'
    )


def _variance_bar(
    scheme: str,
    name: str,
    variance: int,
    partners: Sequence[PartnerId],
    risk_pool: Mapping[PartnerId, int],
    offset: Mapping[PartnerId, int],
    deficit: Mapping[PartnerId, int],
    underspend: Mapping[PartnerId, int],
) -> _VarianceBar:
    rp = sum(risk_pool.values())
    off = sum(offset.values())
    right = [_Segment("risk pool used", "risk_pool", rp)]
    left: list[_Segment] = []
    if off > 0:
        right.append(_Segment("offset from other schemes", "offset", off))
    elif off < 0:
        left.append(_Segment("offset to other schemes", "offset", -off))
    right += [_Segment(f"{p} deficit share", f"deficit:{p}", deficit.get(p, 0)) for p in partners]
    left += [
        _Segment(f"{p} underspend share", f"underspend:{p}", underspend.get(p, 0)) for p in partners
    ]
    return _VarianceBar(scheme, name, variance, tuple(right), tuple(left))


def _variance_table(
    bars: Sequence[_VarianceBar], partners: Sequence[PartnerId], caption: str
) -> str:
    has_offset = any(s.key == "offset" and s.pence for b in bars for s in (*b.right, *b.left))
    head = ["Scheme", "Variance (+ over)", "Risk pool used"]
    if has_offset:
        head.append("Offset (+ in)")
    head += [f"{p} deficit share" for p in partners]
    head += [f"{p} underspend share" for p in partners]
    rows: list[_Row] = []
    totals = [0] * (len(head) - 1)
    for b in bars:
        seg = {s.key: s.pence for s in b.right}
        seg_left = {s.key: s.pence for s in b.left}
        values = [b.variance, seg.get("risk_pool", 0)]
        if has_offset:
            values.append(seg.get("offset", 0) - seg_left.get("offset", 0))
        values += [seg.get(f"deficit:{p}", 0) for p in partners]
        values += [seg_left.get(f"underspend:{p}", 0) for p in partners]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        rows.append(_row(_txt(b.scheme), *[_num(v) for v in values]))
    rows.append(_row(_txt("Total"), *[_num(v) for v in totals], kind="total"))
    return _table(head, rows, caption=caption)


_HOW_BUDGET = (
    "Each scheme has two bars on one scale: the light bar is its budget (the partners' "
    "contributions), the dark bar its outturn (net expenditure: gross expenditure less "
    "income). The figure at the right is the overspend or underspend."
)
_HOW_FORECAST = (
    "Each scheme has two bars on one scale: the light bar is its annual funding (the "
    "partners' approved contributions), the dark bar its forecast net outturn. The figure "
    "at the right is the projected overspend or underspend."
)
_HOW_VARIANCE = (
    "Each scheme's variance is one bar from the centre line. To the right, what met an "
    "overspend: the risk pool (grey), offsetting from other schemes, then each partner's "
    "deficit share (solid, in the partner's colour). To the left, where an underspend "
    "went: each partner's underspend share (hatched, in the partner's colour). The "
    "figure at the right is the variance before the rules (overspend positive)."
)


# -- the year-end page --------------------------------------------------------------------


def _header(r: YearEndReports) -> str:
    ag = r.agreement
    host = ag.host_partner
    basis = _LEGAL_BASIS.get(ag.legal_basis, ag.legal_basis.value)
    partners = ", ".join(f"{p.name} ({p.id})" for p in ag.partners)
    facts = [
        ("Agreement", f"{ag.name} ({ag.id})"),
        ("Host", f"{host.name} ({host.id})"),
        ("Pooled fund manager", ag.pooled_fund_manager),
        ("Legal basis", basis),
        ("Partners", partners),
        ("Term", f"{_day(ag.term_start)} to {_day(ag.term_end)}"),
        ("Figures", "£ and pence; negatives in brackets; overspends positive"),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    toc = [
        ("summary", "Summary"),
        ("memorandum", "Memorandum account"),
        ("note", "Pooled budgets note"),
        ("balances", "Balances and settlement"),
        *[(f"statement-{_e(p)}", f"Statement: {p}") for p in r.statements],
        ("checks", "Conservation and checks"),
    ]
    nav = "".join(f'<a href="#{k}">{_e(v)}</a>' for k, v in toc)
    year = "" if str(r.year) in ag.name else f' <span class="year">{_e(r.year)}</span>'
    return (
        '<header class="report">'
        '<p class="kicker">Pooled fund year-end report</p>'
        f"<h1>{_e(ag.name)}{year}</h1>"
        f'<p class="muted">{_e(_year_ended(r.year, r.close.terminated_on))}</p>'
        f'<dl class="facts">{dl}</dl>'
        f'<nav class="toc" aria-label="Contents">{nav}</nav>'
        "</header>"
    )


def _summary(r: YearEndReports) -> str:
    m, c = r.memorandum, r.close
    t = m.total
    refunded = sum(u.refunded for q in m.partners for u in m.underspend[q].values())
    figures = _figures(
        [
            ("Total resources", t.total_resources),
            ("Gross expenditure", t.gross_expenditure),
            ("Net surplus/(deficit)", t.net),
            ("Risk pool used", sum(pc.risk_pool_used for pc in c.partners)),
            ("Additional contributions", t.additional_contributions),
            ("Underspend refunded", refunded),
            ("Carried forward", t.carried_forward),
        ]
    )
    failed = [x.name for x in m.checks if not x.holds]
    errors = [i for i in c.issues if i.is_error]
    status = _status(
        [
            (
                "Conservation (I-1) holds" if m.conservation.holds else "Conservation FAILS",
                m.conservation.holds,
            ),
            (
                f"{len(m.checks)} of {len(m.checks)} self-checks hold"
                if not failed
                else f"{len(failed)} self-check(s) FAIL",
                not failed,
            ),
            (
                "Host–partner balances mirror (I-6)"
                if r.balances.mirrors
                else "Balances do NOT mirror",
                r.balances.mirrors,
            ),
            ("£000 note casts" if r.note.casts else "£000 note does NOT cast", r.note.casts),
            (
                f"{len(c.issues)} issue(s) from the close"
                if c.issues
                else "No issues from the close",
                None if not errors else False,
            ),
        ]
    )
    budget = [_BudgetBar(s.scheme, s.name, sum(s.contributions.values()), s.net) for s in c.schemes]
    chart_a = _figure(
        _budget_chart(
            "chart-budget",
            budget,
            f"Budget against outturn by scheme, {r.year}",
            ("Budget (contributions)", "Outturn (net expenditure)"),
        ),
        "Chart 1. Budget against outturn by scheme",
        _HOW_BUDGET,
        _table(
            ["Scheme", "Name", "Budget", "Outturn", "Variance (+ over)"],
            [
                *[
                    _row(
                        _txt(b.scheme),
                        _txt(b.name),
                        _num(b.budget),
                        _num(b.outturn),
                        _num(b.outturn - b.budget),
                    )
                    for b in budget
                ],
                _row(
                    _txt("Total"),
                    _txt(""),
                    _num(sum(b.budget for b in budget)),
                    _num(sum(b.outturn for b in budget)),
                    _num(sum(b.outturn - b.budget for b in budget)),
                    kind="total",
                ),
            ],
            caption="Table 1. Budget and outturn by scheme (£)",
            num_from=2,
        ),
    )
    partners = list(m.partners)
    bars = [
        _variance_bar(
            s.scheme, s.name, s.variance, partners, s.risk_pool, s.offset, s.deficit, s.underspend
        )
        for s in c.schemes
    ]
    chart_b = _figure(
        _variance_chart(
            "chart-variance", bars, partners, f"How each scheme's variance was shared, {r.year}"
        ),
        "Chart 2. How each scheme's variance was shared between the partners",
        _HOW_VARIANCE,
        _variance_table(bars, partners, "Table 2. Variance and how it was shared (£)"),
    )
    settle = "".join(
        f"<li>{_e(_settlement_text(pc.partner, pc.is_host, pc.settlement, pc.settlement_due))}"
        + (f" {_e(_host_position_text(c.host_position))}" if pc.is_host else "")
        + "</li>"
        for pc in c.partners
    )
    body = (
        figures
        + status
        + f'<h3>Settlements</h3><ul class="settle">{settle}</ul>'
        + chart_a
        + chart_b
    )
    return _section(
        "summary",
        "Summary",
        body,
        lead=f"{_year_ended(r.year, r.close.terminated_on)}. Figures in £ and pence, exact to "
        "the penny.",
        major=False,
    )


def _host_position_text(position: int) -> str:
    """The host's net position on settlement (docs/year-end.md#settlement)."""
    if position > 0:
        return f"Net, the host receives £{format_pence(position)} from the other partners."
    if position < 0:
        return f"Net, the host pays £{format_pence(-position)} to the other partners."
    return "Net, no cash moves between the host and the other partners."


def _settlement_text(partner: str, is_host: bool, settlement: int, due: date | None) -> str:
    if is_host:
        return f"{partner} (host): no cash settlement; its money never leaves it."
    if settlement > 0:
        return f"Host pays {partner} £{format_pence(settlement)} by {_day(due)}."
    if settlement < 0:
        return f"{partner} pays the host £{format_pence(-settlement)} by {_day(due)}."
    return f"{partner}: nothing to pay."


def _memorandum(m: MemorandumAccount) -> str:
    return html_document(memorandum_document(m))


def _balances_table(m: MemorandumAccount, caption: str) -> str:
    rows = [
        _row(
            _txt(b.partner + (" (host)" if b.is_host else "")),
            _txt(b.position),
            _num(b.balance),
            _num(b.held),
            _num(b.paid_directly),
            _num(b.vat_recharge),
            _num(b.settlement),
            _txt(_day(b.settlement_due)),
            _num(b.unpaid_contributions),
            _num(b.balance_with_host),
        )
        for b in m.balances
    ]
    return _table(
        [
            "Partner",
            "Position",
            "Balance",
            "Held for next year",
            "Paid directly",
            "VAT recharge",
            "Settlement",
            "Due",
            "Unpaid instalments",
            "Balance with host at 31 March",
        ],
        rows,
        caption=caption,
        num_from=2,
        text_cols=(7,),
    )


def _note(n: PooledBudgetNote) -> str:
    rows = []
    for r in n.rows:
        label = r.label + (f" (adjusted by {r.adjustment:+d})" if r.adjustment else "")
        exact = '<td class="num">–</td>' if r.kind is NoteRowKind.ROUNDING else _num(r.pence)
        kind = "total" if r.kind is NoteRowKind.TOTAL else ""
        rows.append(_row(_txt(label), _thousands(r.thousands), exact, kind=kind))
    table = _table(["", "£000", "£ (exact)"], rows, caption=f"Pooled budgets — {n.agreement_name}")
    return _section(
        "note",
        "Pooled budgets note (£000)",
        table + f'<p class="muted">Casting policy: {_e(n.policy.value)}. The £000 column casts: '
        f"{'yes' if n.casts else 'NO'}; the exact column casts: "
        f"{'yes' if n.casts_exactly else 'NO'}.</p>",
        lead=f"Note to the accounts of {n.partner_name}, "
        + (
            f"year ended {_day(n.year.last_day)}. "
            if n.terminated_on is None
            else f"p{_year_ended(n.year, n.terminated_on)[1:]}. "
        )
        + "Figures in £000, each rounded half up, with the exact figures in £ beside them; "
        "deficits positive, surpluses in brackets.",
    )


def _balances(r: YearEndReports) -> str:
    a = r.balances
    out = [_balances_table(r.memorandum, "Settlement schedule")]
    rows = [
        _row(
            _txt(f"{x.host} ↔ {x.partner}"),
            _txt(x.exercise.value),
            _num(x.host_receivable),
            _num(x.host_payable),
            _num(x.partner_receivable),
            _num(x.partner_payable),
            _num(x.held_by_host),
            _num(x.unpaid_contributions),
            _num(x.vat_recharge),
            _num(x.settlement),
            _yes(x.mirror),
        )
        for x in a.rows
    ]
    out.append(
        _table(
            [
                "Pair",
                "Exercise",
                "Host receivable",
                "Host payable",
                "Partner receivable",
                "Partner payable",
                "Held by host for partner",
                "Unpaid instalments",
                "VAT recharge",
                "Year-end settlement",
                "Mirror",
            ],
            rows,
            caption=f"Agreement of balances at {_day(a.month_end)}: receivables and payables",
            num_from=2,
        )
    )
    rows = [
        _row(
            _txt(f"{x.host} ↔ {x.partner}"),
            _num(x.host_income),
            _num(x.host_expenditure),
            _num(x.partner_income),
            _num(x.partner_expenditure),
            _txt("yes" if x.statement_threshold_met else "no"),
            _txt("yes" if x.agreement_threshold_met else "no"),
        )
        for x in a.rows
    ]
    out.append(
        _table(
            [
                "Pair",
                "Host income",
                "Host expenditure",
                "Partner income",
                "Partner expenditure",
                "Statement",
                "Agreement required",
            ],
            rows,
            caption="Income and expenditure with each other, year to date, and thresholds",
            text_cols=(5, 6),
        )
    )
    return _section(
        "balances",
        "Host–partner balances and settlement",
        "\n".join(out),
        lead=(
            f"Month {a.month} of {a.year}. "
            if a.terminated_on is None
            else f"At the termination date, {_day(a.terminated_on)}. "
        )
        + "Balance: positive, the host owes the partner; "
        "negative, the partner owes the host. Each side's figures are read from its own "
        f"journals. Thresholds {a.thresholds.label}; they bind DHSC_AOB rows only.",
    )


def _journal_table(j: Journal, caption: str) -> str:
    rows = [
        _row(
            _txt(x.ref),
            _txt(ACCOUNT_LABELS[x.account] + (f" – {x.counterparty}" if x.counterparty else "")),
            _txt(x.scheme or ""),
            _num(x.debit) if x.debit else "<td></td>",
            _num(x.credit) if x.credit else "<td></td>",
        )
        for x in j.lines
    ]
    rows.append(
        _row(
            _txt(""),
            _txt("Total"),
            _txt(""),
            _num(j.total_debit),
            _num(j.total_credit),
            kind="total",
        )
    )
    return _table(["Ref", "Account", "Scheme", "Dr", "Cr"], rows, caption=caption, num_from=3)


def _statement(s: PartnerStatement) -> str:
    role = "host" if s.is_host else "partner"
    out = [
        f'<p class="statement-head">{_e(s.partner_name)} ({_e(s.partner)}), {role}. '
        f"Host: {_e(s.host_name)} ({_e(s.host)}). Amounts in £.</p>"
    ]
    rows = [_row(_txt(label), _num(v)) for label, v in s.contribution_rows()]
    disp = s.risk_pool_unused_disposition
    rows += [
        _row(_txt("Contributions to schemes"), _num(s.contributions), kind="sub"),
        _row(_txt("Risk pool paid in"), _num(s.risk_pool_paid)),
        _row(_txt("Risk pool used on overspends"), _num(s.risk_pool_used)),
        _row(
            _txt("Risk pool unused" + (f" ({disp.lower().replace('_', ' ')})" if disp else "")),
            _num(s.risk_pool_unused),
        ),
        _row(_txt("Paid in, in total"), _num(s.contributions + s.risk_pool_paid), kind="total"),
    ]
    out.append(_table(["", "£"], rows, caption="1. Contributions and risk pool"))
    fields = (
        "contribution",
        "risk_pool",
        "offset",
        "deficit",
        "underspend",
        "gross_share",
        "income_share",
        "net_share",
    )
    rows = [
        _row(
            _txt("Total" if x is s.total else x.scheme),
            *[_num(getattr(x, f)) for f in fields],
            kind="total" if x is s.total else "",
        )
        for x in (*s.lines, s.total)
    ]
    out.append(
        _table(
            [
                "Scheme",
                "Contribution",
                "Risk pool applied",
                "Offsetting",
                "Deficit share",
                "Underspend share",
                "Gross expenditure",
                "Income",
                "Net",
            ],
            rows,
            caption="2. Share of the pool by scheme",
        )
    )
    dfields = ("refunded", "carried_forward", "redeployed", "contingency")
    rows = [
        _row(
            _txt("Total" if x is s.total else x.scheme),
            *[_num(getattr(x.disposition, f)) for f in dfields],
            kind="total" if x is s.total else "",
        )
        for x in (*s.lines, s.total)
    ]
    out.append(
        _table(
            ["Scheme", "Refunded", "Carried forward", "Redeployed", "Contingency"],
            rows,
            caption="3. Underspend disposition",
        )
    )
    rows = [
        _row(
            _txt("Paid in (contributions and risk pool)"), _num(s.contributions + s.risk_pool_paid)
        ),
        _row(_txt("Less share of net expenditure"), _num(-s.total.net_share)),
        _row(
            _txt("Balance (+ host owes partner, − partner owes host)"), _num(s.balance), kind="sub"
        ),
        _row(_txt("Less held by the host for next year"), _num(-s.held)),
        _row(_txt("Add pool spending paid directly by the partner"), _num(s.paid_directly)),
        _row(_txt("Less VAT recovered by the partner, owed to the host"), _num(-s.vat_recharge)),
        _row(
            _txt("Cash settlement (+ host pays partner, − partner pays host)"),
            _num(s.settlement),
            kind="total",
        ),
        _row(_txt("Less instalments unpaid at 31 March"), _num(-s.unpaid_contributions)),
        _row(
            _txt("Less earlier years' instalments unpaid at 31 March"),
            _num(-s.unpaid_earlier_years),
        ),
        _row(_txt("Add held by the host for next year"), _num(s.held)),
        _row(
            _txt("Balance with the host at 31 March (journals; agreement of balances)"),
            _num(s.balance_with_host),
            kind="sub",
        ),
        _row(_txt("Instalments paid since 31 March"), _num(s.paid_after_year_end)),
        _row(
            _txt("Still to move after counting unpaid instalments (+ host pays)"),
            _num(s.amount_due),
            kind="total",
        ),
    ]
    out.append(_table(["", "£"], rows, caption="4. Balance with the host and settlement"))
    out.append(
        f"<p>{_e(_settlement_text(s.partner, s.is_host, s.settlement, s.settlement_due))}"
        + (f" {_e(_host_position_text(s.host_position))}" if s.host_position is not None else "")
        + "</p>"
    )
    j = s.journal
    out.append(f"<h3>5. Journals to post — {_e(s.partner)}</h3>")
    out.append(
        f'<p class="muted">Period {_e(j.start)} to {_e(j.end)}. Balanced: '
        f"{'yes' if j.is_balanced else 'NO'}. Net cost {_e(_pounds(j.net_cost))}, which "
        f"{'agrees' if s.net_cost_agrees else 'DOES NOT AGREE'} to the share of net "
        "expenditure."
        + (
            ""
            if s.is_host
            else f" Balance with the host {_e(_pounds(j.balance_with(s.host)))}, which "
            f"{'agrees' if s.reconciles else 'DOES NOT AGREE'} to section 4."
        )
        + "</p>"
    )
    out.append(_journal_table(j, ""))
    return _section(
        f"statement-{s.partner}",
        f"Partner statement — {s.partner_name}",
        "\n".join(out),
        lead=f"{s.agreement_name} — {_year_ended(s.year, s.terminated_on)}.",
    )


def _checks(r: YearEndReports) -> str:
    m = r.memorandum
    cons = m.conservation
    rows = [
        _row(_txt("Balances brought forward"), _num(cons.brought_forward)),
        _row(_txt("Contributions (including the risk pool)"), _num(cons.contributions)),
        _row(_txt("Additional contributions"), _num(cons.additional_contributions)),
        _row(_txt("Other income"), _num(cons.other_income)),
        _row(_txt("Resources in"), _num(cons.inflow), kind="total"),
        _row(_txt("Gross expenditure"), _num(cons.gross_expenditure)),
        _row(_txt("Underspends returned"), _num(cons.underspends_returned)),
        _row(_txt("Unused risk pool returned"), _num(cons.unused_risk_pool_returned)),
        _row(_txt("Carried forward"), _num(cons.carried_forward)),
        _row(_txt("Resources applied"), _num(cons.outflow), kind="total"),
        _row(_txt("Resources in = resources applied"), _yes(cons.holds)),
    ]
    out = [_table(["", "£"], rows, caption="Conservation (I-1)")]
    rows = [_row(_txt(x.name), _num(x.left), _num(x.right), _yes(x.holds)) for x in m.checks]
    out.append(
        _table(
            ["Check", "Left", "Right", "Holds"],
            rows,
            caption="Self-checks of the account",
            text_cols=(3,),
        )
    )
    issues = r.close.issues
    if issues:
        rows = [
            _row(_txt(i.code), _txt(i.severity.value), _txt(i.location), _txt(i.message))
            for i in issues
        ]
        out.append(
            _table(
                ["Code", "Severity", "Where", "Message"],
                rows,
                caption="Issues found by the close",
                num_from=99,
            )
        )
    else:
        out.append("<p>The close found no issues.</p>")
    return _section(
        "checks",
        "Conservation and checks",
        "\n".join(out),
        lead="Every pound in is applied: brought forward, contributions, additional "
        "contributions and income equal expenditure, returns and carry-forwards, to the "
        "penny. A failed check is shown here, not hidden.",
    )


def render_html(reports: YearEndReports) -> str:
    """The year-end reports as one self-contained, printable HTML page (see module docs)."""
    r = reports
    body = "\n".join(
        [
            _header(r),
            _summary(r),
            _memorandum(r.memorandum),
            _note(r.note),
            _balances(r),
            *[_statement(s) for s in r.statements.values()],
            _checks(r),
            f"<footer>{_e(r.agreement.name)} ({_e(r.agreement.id)}) — {_e(r.year)}. "
            "Produced by pooledledger from the year-end close; every figure is exact "
            "to the penny except the £000 note.</footer>",
        ]
    )
    return _page(f"{r.agreement.name} — year-end report {r.year}", body)


# -- the quarterly page ---------------------------------------------------------------------


def render_quarterly_html(report: QuarterlyReport) -> str:
    """The quarterly monitoring report as one self-contained HTML page."""
    q = report
    partners = [p.partner for p in q.partners]
    when = "" if str(q.year) in q.agreement_name else f" {_e(q.year)}"
    head = (
        '<header class="report">'
        '<p class="kicker">Pooled fund quarterly monitoring report</p>'
        f'<h1>{_e(q.agreement_name)} <span class="year">Q{q.quarter}{when}</span></h1>'
        f'<p class="muted">Actuals from {_e(_day(q.period_start))} to '
        f"{_e(_day(q.period_last_day))} ({q.months_elapsed} months); forecast outturn and "
        "projected shares under the agreement's rules.</p>"
        f'<dl class="facts"><dt>Agreement</dt><dd>{_e(q.agreement_name)} ({_e(q.agreement)})</dd>'
        f"<dt>Projection date</dt><dd>{_e(_day(q.projection_date))}</dd>"
        "<dt>Figures</dt><dd>£ and pence; negatives in brackets; variance: overspend "
        "positive</dd></dl></header>"
    )
    over = ", ".join(
        f"{s.scheme} £{format_pence(s.projected_variance)}"
        for s in q.schemes
        if s.projected_variance > 0
    )
    status = _status(
        [
            (
                f"Projected overspend ({over}): tell the partners by {_day(q.notify_by)}"
                if q.notify_by is not None
                else "No scheme projects an overspend",
                q.notify_by is None,
            ),
            *[(n, None) for n in q.notes],
            (f"{len(q.issues)} issue(s)" if q.issues else "No issues", None),
        ]
    )
    figures = _figures(
        [
            ("Annual funding", sum(s.annual_funding for s in q.schemes)),
            ("Net to date", sum(s.ytd_net for s in q.schemes)),
            ("Forecast net outturn", sum(s.forecast_net for s in q.schemes)),
            ("Projected variance (+ over)", sum(s.projected_variance for s in q.schemes)),
        ]
    )
    budget = [_BudgetBar(s.scheme, s.name, s.annual_funding, s.forecast_net) for s in q.schemes]
    chart_a = _figure(
        _budget_chart(
            "chart-budget",
            budget,
            f"Annual funding against forecast outturn by scheme, {q.year} Q{q.quarter}",
            ("Annual funding", "Forecast net outturn"),
        ),
        "Chart 1. Annual funding against forecast outturn by scheme",
        _HOW_FORECAST,
        "",
    )
    bars = [
        _variance_bar(
            s.scheme,
            s.name,
            s.projected_variance,
            partners,
            s.projected_risk_pool,
            {},
            s.projected_deficit,
            s.projected_underspend,
        )
        for s in q.schemes
    ]
    chart_b = _figure(
        _variance_chart(
            "chart-variance",
            bars,
            partners,
            f"How each projected variance would be shared, {q.year} Q{q.quarter}",
        ),
        "Chart 2. How each scheme's projected variance would be shared",
        _HOW_VARIANCE,
        _variance_table(bars, partners, "Projected variance and how it would be shared (£)"),
    )
    fields = ("annual_funding", "ytd_expenditure", "ytd_income", "ytd_net", "forecast_net")
    rows = [
        _row(
            _txt(s.scheme),
            _txt(s.name),
            *[_num(getattr(s, f)) for f in fields],
            _txt(s.forecast_method, "nowrap"),
            _num(s.projected_variance),
        )
        for s in q.schemes
    ]
    rows.append(
        _row(
            _txt("Total"),
            _txt(""),
            *[_num(sum(getattr(s, f) for s in q.schemes)) for f in fields],
            _txt(""),
            _num(sum(s.projected_variance for s in q.schemes)),
            kind="total",
        )
    )
    actuals = _table(
        [
            "Scheme",
            "Name",
            "Annual funding",
            "YTD gross",
            "YTD income",
            "YTD net",
            "Forecast net outturn",
            "Method",
            "Projected variance",
        ],
        rows,
        caption="Actuals to date and forecast outturn",
        num_from=2,
        text_cols=(7,),
    )
    rows = [
        _row(
            _txt(p.partner),
            *[
                _num(v)
                for v in (
                    p.contributions + p.risk_pool_contribution,
                    p.risk_pool_used,
                    p.deficit,
                    p.underspend,
                    p.net_share,
                    p.balance,
                    p.settlement,
                )
            ],
        )
        for p in q.partners
    ]
    by_partner = _table(
        [
            "Partner",
            "Paid in",
            "Risk pool used",
            "Deficit share",
            "Underspend share",
            "Net share",
            "Balance",
            "Settlement",
        ],
        rows,
        caption="Projected year end by partner",
    )
    issues = ""
    if q.issues:
        issues = _table(
            ["Code", "Severity", "Where", "Message"],
            [
                _row(_txt(i.code), _txt(i.severity.value), _txt(i.location), _txt(i.message))
                for i in q.issues
            ],
            caption="Issues",
            num_from=99,
        )
    body = "\n".join(
        [
            head,
            _section("summary", "Summary", figures + status + chart_a + actuals, major=False),
            _section(
                "projection",
                "Projected outcome under the rules",
                chart_b + by_partner + issues,
                lead="The agreement's year-end close run on the actuals plus the forecast "
                "remainder; nothing is posted.",
            ),
            f"<footer>{_e(q.agreement_name)} ({_e(q.agreement)}) — {_e(q.year)} Q{q.quarter}. "
            "Produced by pooledledger.</footer>",
        ]
    )
    return _page(f"{q.agreement_name} — quarterly report {q.year} Q{q.quarter}", body)
