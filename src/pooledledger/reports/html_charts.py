"""The HTML report's charts as static SVG (layer L4), with their text alternatives.

*Budget against outturn* (:func:`budget_chart`, or :func:`spec_figure` from a
document's :class:`~pooledledger.reports.document.ChartSpec`) and *how the variance
was shared* (:func:`variance_chart`): bar lengths are pixel positions worked out from integer
pence and rounded to whole pixels; the money shown is never rounded.  Every chart
has a ``<title>``, a ``<desc>`` and a table beside it with the same figures
(:func:`chart_figure`).  Reports read results and never write entries; this module
is pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from pooledledger.core.money import format_pence
from pooledledger.model.partners import PartnerId
from pooledledger.reports.document import ChartSpec, series_name
from pooledledger.reports.html_parts import (
    BUDGET_COLOUR,
    INK_COLOUR,
    MUTED_COLOUR,
    OFFSET_COLOUR,
    OUTTURN_COLOUR,
    PARTNER_COLOURS,
    RISK_POOL_COLOUR,
    RULE_COLOUR,
    HtmlRow,
    esc,
    html_row,
    html_table,
    num_cell,
    pounds_text,
    text_cell,
)
from pooledledger.reports.templating import html_table as table_html

# -- charts -----------------------------------------------------------------------------


class BudgetBar(NamedTuple):
    """One scheme in the budget-against-outturn chart, in pence."""

    scheme: str
    name: str
    budget: int
    outturn: int


class Segment(NamedTuple):
    """One part of a scheme's variance: who or what met it, in pence (non-negative)."""

    label: str
    key: str  # legend key: "risk_pool", "offset", "deficit:<partner>", "underspend:<partner>"
    pence: int


class VarianceBar(NamedTuple):
    scheme: str
    name: str
    variance: int
    right: tuple[Segment, ...]  # meeting an overspend
    left: tuple[Segment, ...]  # taking an underspend


#: The most characters of a scheme id drawn in each chart's label column (the full id
#: is the label's tooltip and is in the table under the chart); a longer id would run
#: into the bars.
_BUDGET_ID_CHARS, _VARIANCE_ID_CHARS = 26, 16


def short_label(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_px(text: str) -> int:
    """A rough width of ``text`` at 11px (for placing labels; never for money)."""
    return len(text) * 13 // 2


def px_scale(value: int, top: int, width: int) -> int:
    """``value / top`` of ``width`` pixels, rounded to a whole pixel (integers only)."""
    if top <= 0 or value <= 0:
        return 0
    return (2 * value * width + top) // (2 * top)


def nice_step(top_pence: int, ticks: int = 4) -> int:
    """A tick step in pence (1, 2 or 5 × a power of ten pounds) giving about ``ticks`` ticks."""
    step = 100
    while True:
        for m in (1, 2, 5):
            if m * step * ticks >= top_pence:
                return m * step
        step *= 10


def axis_label(pence: int) -> str:
    pounds = pence // 100
    if pounds == 0:
        return "0"
    if pounds >= 1_000_000:
        whole, rest = divmod(pounds, 1_000_000)
        return f"£{whole}m" if rest == 0 else f"£{whole}.{rest // 100_000}m"
    if pounds >= 1_000 and pounds % 1_000 == 0:
        return f"£{pounds // 1_000}k"
    return f"£{pounds:,}"


def svg_open(key: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg role="img" id="{key}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{key}-title {key}-desc">'
        f'<title id="{key}-title">{esc(title)}</title><desc id="{key}-desc">{esc(desc)}</desc>'
    )


#: The budget chart's geometry in pixels: label, bar, value and variance columns;
#: bar height, gap between a scheme's bars and between schemes; the top margin.
_LABEL_W, _BAR_W, _VALUE_W, _VARIANCE_W = 200, 460, 110, 130
_BAR_H, _GAP, _GROUP_GAP, _TOP = 14, 3, 16, 48
_GROUP_H = 2 * _BAR_H + _GAP
_BUDGET_W = _LABEL_W + _BAR_W + _VALUE_W + _VARIANCE_W


def budget_desc(bars: Sequence[BudgetBar], labels: tuple[str, str]) -> str:
    """The budget chart's ``<desc>``: each scheme's two figures."""
    return "; ".join(
        f"{b.scheme} {b.name}: {labels[0].lower()} {pounds_text(b.budget)}, "
        f"{labels[1].lower()} {pounds_text(b.outturn)}"
        for b in bars
    )


def _budget_frame(height: int, axis_top: int, labels: tuple[str, str]) -> list[str]:
    """The legend, the variance column's heading, and the grid lines with their labels."""
    out = []
    for i, (text, colour) in enumerate(zip(labels, (BUDGET_COLOUR, OUTTURN_COLOUR), strict=True)):
        x = _LABEL_W + i * 200
        out.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 18}" y="14">{esc(text)}</text>')
    out.append(
        f'<text class="axis" x="{_BUDGET_W}" y="{_TOP - 12}" text-anchor="end">variance</text>'
    )
    step, tick = nice_step(axis_top), 0
    while tick <= axis_top:
        x = _LABEL_W + px_scale(tick, axis_top, _BAR_W)
        out.append(
            f'<line x1="{x}" y1="{_TOP - 8}" x2="{x}" y2="{height - 6}" stroke="{RULE_COLOUR}" '
            'stroke-width="1"/>'
        )
        out.append(
            f'<text class="axis" x="{x}" y="{_TOP - 12}" text-anchor="middle">'
            f"{esc(axis_label(tick))}</text>"
        )
        tick += step
    return out


def _budget_group(b: BudgetBar, y: int, axis_top: int, labels: tuple[str, str]) -> list[str]:
    """One scheme: its id and name, its two bars with their values, its variance."""
    out = [
        f'<g class="scheme" data-scheme="{esc(b.scheme)}">'
        f'<text class="id" x="0" y="{y + _BAR_H - 2}"><title>{esc(b.scheme)}</title>'
        f"{esc(short_label(b.scheme, _BUDGET_ID_CHARS))}</text>"
        f'<text x="0" y="{y + 2 * _BAR_H + _GAP - 2}" fill="{MUTED_COLOUR}">'
        f"<title>{esc(b.name)}</title>{esc(short_label(b.name, 34))}</text>"
    ]
    for i, (value, colour, what) in enumerate(
        ((b.budget, BUDGET_COLOUR, labels[0]), (b.outturn, OUTTURN_COLOUR, labels[1]))
    ):
        yy = y + i * (_BAR_H + _GAP)
        w = px_scale(value, axis_top, _BAR_W)
        shown = pounds_text(value)
        out.append(
            f'<rect class="bar" x="{_LABEL_W}" y="{yy}" width="{w}" height="{_BAR_H}" '
            f'fill="{colour}"><title>{esc(b.scheme)} {esc(what.lower())}: '
            f"{esc(shown)}</title></rect>"
            f'<text x="{_LABEL_W + w + 5}" y="{yy + _BAR_H - 3}">{esc(shown)}</text>'
        )
    variance = b.outturn - b.budget
    if variance:
        word = "over" if variance > 0 else "under"
        out.append(
            f'<text x="{_BUDGET_W}" y="{y + _GROUP_H - 2}" text-anchor="end" '
            f'fill="{MUTED_COLOUR}">{word} £{esc(format_pence(abs(variance)))}</text>'
        )
    out.append("</g>")
    return out


def budget_chart(key: str, bars: Sequence[BudgetBar], title: str, labels: tuple[str, str]) -> str:
    """Grouped horizontal bars: budget and outturn per scheme, each with its value."""
    height = _TOP + len(bars) * (_GROUP_H + _GROUP_GAP) + 6
    axis_top = max([1, *[max(b.budget, b.outturn) for b in bars]])
    out = [svg_open(key, _BUDGET_W, height, title, budget_desc(bars, labels))]
    out += _budget_frame(height, axis_top, labels)
    for n, b in enumerate(bars):
        out += _budget_group(b, _TOP + n * (_GROUP_H + _GROUP_GAP), axis_top, labels)
    out.append(
        f'<line x1="{_LABEL_W}" y1="{_TOP - 8}" x2="{_LABEL_W}" y2="{height - 6}" '
        f'stroke="{INK_COLOUR}" stroke-width="1"/>'
    )
    out.append("</svg>")
    return "".join(out)


def spec_figure(spec: ChartSpec) -> str:
    """A chart from its :class:`~pooledledger.reports.document.ChartSpec`: the figure
    (caption, how to read it, the drawing) and its table beside it."""
    svg = chart_svg(spec)
    return chart_figure(svg, spec.caption or spec.title, spec.description, table_html(spec.table))


def partner_colour(key: str, partners: Sequence[PartnerId]) -> str:
    if key == "risk_pool":
        return RISK_POOL_COLOUR
    if key.startswith("offset"):
        return OFFSET_COLOUR
    partner = key.split(":", 1)[1]
    return PARTNER_COLOURS[partners.index(partner) % len(PARTNER_COLOURS)]


def partner_fill(key: str, partners: Sequence[PartnerId], chart: str) -> str:
    """The fill of a segment: underspend shares are hatched in the partner's colour."""
    if key.startswith("underspend:"):
        return f"url(#{chart}-hatch-{partners.index(key.split(':', 1)[1])})"
    return partner_colour(key, partners)


class _VarianceFrame(NamedTuple):
    """Where the variance chart's parts go (pixels) and its scale (pence)."""

    width: int
    half: int
    centre: int
    top: int
    height: int
    axis_top: int
    legend_keys: list[str]
    legend_text: dict[str, str]
    item_w: int
    per_line: int
    name_x: int
    name_chars: int


_VARIANCE_BAR_H, _VARIANCE_ROW_GAP = 18, 12


def _variance_frame(bars: Sequence[VarianceBar], partners: Sequence[PartnerId]) -> _VarianceFrame:
    """The chart's size, legend and scale, from its bars."""
    label_w, half, value_w = 220, 270, 120
    width = label_w + 2 * half + value_w
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
    item_w = max([150, *[text_px(t) + 30 for t in legend_text.values()]])
    per_line = max(1, width // item_w)
    name_x = max([34, *[text_px(short_label(b.scheme, _VARIANCE_ID_CHARS)) + 10 for b in bars]])
    top = -(-len(legend_keys) // per_line) * 20 + 44
    axis_top = max(
        [1, *[max(sum(s.pence for s in b.right), sum(s.pence for s in b.left)) for b in bars]]
    )
    return _VarianceFrame(
        width=width,
        half=half,
        centre=label_w + half,
        top=top,
        height=top + len(bars) * (_VARIANCE_BAR_H + _VARIANCE_ROW_GAP) + 4,
        axis_top=axis_top,
        legend_keys=legend_keys,
        legend_text=legend_text,
        item_w=item_w,
        per_line=per_line,
        name_x=name_x,
        name_chars=max(8, (label_w - name_x - 8) * 2 // 13),
    )


def _describe_variance(b: VarianceBar) -> str:
    """One scheme's variance and who met it, in words (the chart's ``<desc>``)."""
    parts = [f"{s.label} £{format_pence(s.pence)}" for s in (*b.right, *b.left) if s.pence]
    kind = "overspend" if b.variance > 0 else "underspend" if b.variance < 0 else "no variance"
    money = f" of £{format_pence(abs(b.variance))}" if b.variance else ""
    return f"{b.scheme} {kind}{money}" + (": " + ", ".join(parts) if parts else "")


def _variance_legend(key: str, partners: Sequence[PartnerId], f: _VarianceFrame) -> list[str]:
    """The hatch patterns of underspend shares, then the legend."""
    out = ["<defs>"]
    for i in range(len(partners)):
        colour = PARTNER_COLOURS[i % len(PARTNER_COLOURS)]
        out.append(
            f'<pattern id="{key}-hatch-{i}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            f'<rect width="3" height="6" fill="{colour}"/></pattern>'
        )
    out.append("</defs>")
    for n, lk in enumerate(f.legend_keys):
        x = (n % f.per_line) * f.item_w
        y = 4 + (n // f.per_line) * 20
        out.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" '
            f'fill="{partner_fill(lk, partners, key)}" '
            f'stroke="{partner_colour(lk, partners)}"/>'
            f'<text x="{x + 18}" y="{y + 10}">{esc(f.legend_text[lk])}</text>'
        )
    return out


def _variance_axis(f: _VarianceFrame) -> list[str]:
    """The headings either side of the centre line, and the grid lines both ways."""
    head_y = f.top - 24
    out = [
        f'<text class="axis" x="{f.centre - 6}" y="{head_y}" text-anchor="end">'
        "◀ underspend: who it went to</text>"
        f'<text class="axis" x="{f.centre + 6}" y="{head_y}">overspend: who met it ▶</text>'
        f'<text class="axis" x="{f.width}" y="{head_y}" text-anchor="end">variance</text>'
    ]
    step = nice_step(f.axis_top, 2)
    tick = step
    while tick <= f.axis_top:
        for sign in (-1, 1):
            x = f.centre + sign * px_scale(tick, f.axis_top, f.half)
            out.append(
                f'<line x1="{x}" y1="{f.top - 6}" x2="{x}" y2="{f.height - 4}" '
                f'stroke="{RULE_COLOUR}"/>'
                f'<text class="axis" x="{x}" y="{f.top - 8}" text-anchor="middle">'
                f"{esc(axis_label(tick))}</text>"
            )
        tick += step
    return out


def _variance_segments(
    key: str, b: VarianceBar, y: int, partners: Sequence[PartnerId], f: _VarianceFrame
) -> list[str]:
    """One scheme's segments: right of the centre line what met it, left where it went."""
    out = []
    for sign, segments in ((1, b.right), (-1, b.left)):
        run = 0
        for s in segments:
            if s.pence <= 0:
                continue
            x0 = px_scale(run, f.axis_top, f.half)
            run += s.pence
            x1 = px_scale(run, f.axis_top, f.half)
            x = f.centre + x0 if sign > 0 else f.centre - x1
            out.append(
                f'<rect class="bar" x="{x}" y="{y}" width="{x1 - x0}" height="{_VARIANCE_BAR_H}" '
                f'fill="{partner_fill(s.key, partners, key)}" '
                f'stroke="{partner_colour(s.key, partners)}" '
                f'stroke-width="0.75"><title>{esc(b.scheme)} – {esc(s.label)}: '
                f"£{esc(format_pence(s.pence))}</title></rect>"
            )
    return out


def _variance_row(
    key: str, n: int, b: VarianceBar, partners: Sequence[PartnerId], f: _VarianceFrame
) -> list[str]:
    """One scheme: its id and name, its segments and its variance at the right."""
    y = f.top + n * (_VARIANCE_BAR_H + _VARIANCE_ROW_GAP)
    base = y + _VARIANCE_BAR_H - 5
    out = [
        f'<g class="scheme" data-scheme="{esc(b.scheme)}">',
        f'<text class="id" x="0" y="{base}"><title>{esc(b.scheme)}</title>'
        f"{esc(short_label(b.scheme, _VARIANCE_ID_CHARS))}</text>"
        f'<text x="{f.name_x}" y="{base}" fill="{MUTED_COLOUR}">'
        f"<title>{esc(b.name)}</title>"
        f"{esc(short_label(b.name, f.name_chars))}</text>",
        *_variance_segments(key, b, y, partners, f),
    ]
    if b.variance == 0:
        out.append(f'<text x="{f.centre + 6}" y="{base}" fill="{MUTED_COLOUR}">no variance</text>')
    shown = format_pence(b.variance)
    out.append(
        f'<text x="{f.width}" y="{base}" text-anchor="end">'
        f"{'+' if b.variance > 0 else ''}{esc(shown) if b.variance else '–'}</text>"
    )
    out.append("</g>")
    return out


def variance_chart(
    key: str,
    bars: Sequence[VarianceBar],
    partners: Sequence[PartnerId],
    title: str,
) -> str:
    """Diverging stacked bars: who met each scheme's overspend (right) or took its underspend."""
    f = _variance_frame(bars, partners)
    desc = "; ".join(_describe_variance(b) for b in bars)
    out = [svg_open(key, f.width, f.height, title, desc)]
    out += _variance_legend(key, partners, f)
    out += _variance_axis(f)
    for n, b in enumerate(bars):
        out += _variance_row(key, n, b, partners, f)
    out.append(
        f'<line x1="{f.centre}" y1="{f.top - 6}" x2="{f.centre}" y2="{f.height - 4}" '
        f'stroke="{INK_COLOUR}" stroke-width="1.25"/>'
    )
    out.append("</svg>")
    return "".join(out)


def chart_svg(spec: ChartSpec) -> str:
    """A chart spec drawn as SVG (``chart-budget`` or ``chart-variance``); the names,
    figures and title are the spec's, the geometry this module's."""
    key = f"chart-{spec.kind}"
    if spec.kind == "budget":
        if len(spec.series) != 2:
            raise ValueError(f"a budget chart has two series, not {len(spec.series)}")
        budget, outturn = spec.series
        names = spec.names or ("",) * len(spec.categories)
        bars = [
            BudgetBar(*bar)
            for bar in zip(spec.categories, names, budget.values, outturn.values, strict=True)
        ]
        labels = (series_name(budget, "html"), series_name(outturn, "html"))
        return budget_chart(key, bars, spec.title, labels)
    partners = [s.key.split(":", 1)[1] for s in spec.series if s.key.startswith("deficit:")]
    return variance_chart(key, variance_bars(spec, partners), partners, spec.title)


def variance_bars(spec: ChartSpec, partners: Sequence[PartnerId]) -> list[VarianceBar]:
    """The variance chart's bars from its spec: series keyed ``risk_pool``, ``offset``,
    ``deficit:<partner>`` and ``underspend:<partner>``; the variances its ``ends``."""
    bars = []
    for i, scheme in enumerate(spec.categories):
        v = {s.key: s.values[i] for s in spec.series}
        bars.append(
            variance_bar_svg(
                scheme,
                spec.names[i],
                spec.ends[i],
                partners,
                {"": v.get("risk_pool", 0)},
                {"": v.get("offset", 0)},
                {p: v[f"deficit:{p}"] for p in partners},
                {p: v[f"underspend:{p}"] for p in partners},
            )
        )
    return bars


def chart_figure(svg: str, caption: str, how: str, table: str) -> str:
    return (
        f"<figure><figcaption>{esc(caption)}</figcaption>"
        f'<p class="how">{esc(how)}</p>{svg}</figure>\n{table}'
    )


def variance_bar_svg(
    scheme: str,
    name: str,
    variance: int,
    partners: Sequence[PartnerId],
    risk_pool: Mapping[PartnerId, int],
    offset: Mapping[PartnerId, int],
    deficit: Mapping[PartnerId, int],
    underspend: Mapping[PartnerId, int],
) -> VarianceBar:
    rp = sum(risk_pool.values())
    off = sum(offset.values())
    right = [Segment("risk pool used", "risk_pool", rp)]
    left: list[Segment] = []
    if off > 0:
        right.append(Segment("offset from other schemes", "offset", off))
    elif off < 0:
        left.append(Segment("offset to other schemes", "offset", -off))
    right += [Segment(f"{p} deficit share", f"deficit:{p}", deficit.get(p, 0)) for p in partners]
    left += [
        Segment(f"{p} underspend share", f"underspend:{p}", underspend.get(p, 0)) for p in partners
    ]
    return VarianceBar(scheme, name, variance, tuple(right), tuple(left))


def variance_table(bars: Sequence[VarianceBar], partners: Sequence[PartnerId], caption: str) -> str:
    has_offset = any(s.key == "offset" and s.pence for b in bars for s in (*b.right, *b.left))
    head = ["Scheme", "Variance (+ over)", "Risk pool used"]
    if has_offset:
        head.append("Offset (+ in)")
    head += [f"{p} deficit share" for p in partners]
    head += [f"{p} underspend share" for p in partners]
    rows: list[HtmlRow] = []
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
        rows.append(html_row(text_cell(b.scheme), *[num_cell(v) for v in values]))
    rows.append(html_row(text_cell("Total"), *[num_cell(v) for v in totals], kind="total"))
    return html_table(head, rows, caption=caption)


HOW_BUDGET = (
    "Each scheme has two bars on one scale: the light bar is its budget (the partners' "
    "contributions), the dark bar its outturn (net expenditure: gross expenditure less "
    "income). The figure at the right is the overspend or underspend."
)
HOW_VARIANCE = (
    "Each scheme's variance is one bar from the centre line. To the right, what met an "
    "overspend: the risk pool (grey), offsetting from other schemes, then each partner's "
    "deficit share (solid, in the partner's colour). To the left, where an underspend "
    "went: each partner's underspend share (hatched, in the partner's colour). The "
    "figure at the right is the variance before the rules (overspend positive)."
)
