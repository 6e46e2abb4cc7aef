"""The report document model and its renderers (reports/document.py, templating.py).

The golden files (tests/test_golden_outputs.py) hold the rendered reports byte for
byte; these tests pin the renderers' own rules on small documents.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest

from pooledledger.reports.document import (
    Alt,
    Cell,
    Column,
    Document,
    Item,
    Items,
    Paragraph,
    Row,
    Section,
    Table,
    money,
    render_markdown,
    text,
    total_row,
)
from pooledledger.reports.templating import html_document, html_page, html_table

EVIL = "<script>alert('x & y')</script>"


def _table(*rows: Row, caption: str | Alt[str] = "Table 1. Figures (£)") -> Table:
    columns = (Column(Alt("Partner", markdown="partner"), "text"), Column("£"))
    return Table(caption, columns, rows)


def _doc(*blocks: Table | Paragraph | Items) -> Document:
    return Document(
        "A report", (Section(blocks),), ("Amounts in £; negatives in brackets.",), id="rep"
    )


def test_a_negative_amount_is_in_brackets_in_markdown_and_html() -> None:
    table = _table(Row((text("ICB"), money(-123456))))
    md = render_markdown(_doc(table))
    assert "| ICB | (1,234.56) |" in md
    assert '<td class="num neg">(1,234.56)</td>' in html_table(table)


def test_zero_is_a_dash_or_nil_and_markdown_may_show_pence() -> None:
    rows = (
        Row((text("a"), money(0))),
        Row((text("b"), money(0, zero="nil"))),
        Row((text("c"), money(0, zero="0.00"))),
    )
    md = render_markdown(_doc(_table(*rows)))
    assert "| a | – |" in md
    assert "| b | nil |" in md
    assert "| c | 0.00 |" in md
    html = html_table(_table(*rows))
    assert html.count('<td class="num">–</td>') == 2  # HTML shows "0.00" as a dash
    assert '<td class="num">nil</td>' in html


def test_markdown_table_under_its_caption_numbers_right_aligned() -> None:
    md = render_markdown(_doc(_table(Row((text("ICB"), money(100))))))
    assert md.splitlines() == [
        "# A report",
        "",
        "Amounts in £; negatives in brackets.",
        "",
        "## Table 1. Figures (£)",
        "",
        "| partner | £ |",
        "| --- | ---: |",
        "| ICB | 1.00 |",
    ]


def test_html_table_has_its_caption_and_column_scopes() -> None:
    html = html_table(_table(Row((text("ICB"), money(100)))))
    assert html.startswith(
        '<div class="wrap"><table><caption>Table 1. Figures (£)</caption><thead><tr>'
        '<th scope="col">Partner</th><th scope="col" class="num">£</th></tr></thead><tbody>\n'
    )
    assert html.endswith("\n</tbody></table></div>")


def test_html_escapes_a_partner_called_script() -> None:
    table = _table(Row((text(EVIL), money(1))), caption=EVIL)
    doc = _doc(table, Paragraph(EVIL))
    out = html_document(doc)
    assert "<script>" not in out
    assert "&lt;script&gt;alert(&#x27;x &amp; y&#x27;)&lt;/script&gt;" in out
    page = html_page(EVIL, out)
    assert "<script>" not in page
    assert page.startswith("<!DOCTYPE html>")


def test_markdown_escapes_a_pipe_and_a_line_break_in_a_cell() -> None:
    md = render_markdown(_doc(_table(Row((text("a|b\nc"), money(1))))))
    assert "| a\\|b c | 0.01 |" in md


def test_total_rows_are_emphasised_in_markdown_and_classed_in_html() -> None:
    table = _table(Row((text("ICB"), money(5))), total_row("Total", money(5, strong=True)))
    assert "| **Total** | **0.05** |" in render_markdown(_doc(table))
    assert '<tr class="total"><td>Total</td>' in html_table(table)


def test_only_and_alt_state_a_difference_between_formats() -> None:
    rows = (
        Row((text(Alt("All schemes", markdown="All")), money(1))),
        Row((text("workbook only"), money(2)), only=frozenset({"workbook"})),
    )
    table = _table(*rows, caption=Alt("In HTML", markdown="In Markdown"))
    md = render_markdown(_doc(table))
    assert "## In Markdown" in md
    assert "| All | 0.01 |" in md
    assert "workbook only" not in md
    html = html_table(table)
    assert "<caption>In HTML</caption>" in html
    assert "All schemes" in html
    assert "workbook only" not in html


def test_dates_and_flags() -> None:
    table = Table(
        "Dates",
        (Column("Due", "date"), Column("Host", "flag")),
        (
            Row((Cell(date(2026, 4, 30), "date"), Cell(True, "flag"))),
            Row((Cell(None, "date", text=Alt("–", html="never")), Cell(False, "flag"))),
        ),
    )
    md = render_markdown(_doc(table))
    assert "| 2026-04-30 | yes |" in md
    assert "| – | no |" in md
    html = html_table(table)
    assert '<td class="pass">✓ yes</td>' in html
    assert "<td>never</td>" in html
    assert '<td class="fail">✗ NO</td>' in html


def test_the_templates_and_stylesheet_ship_in_the_package() -> None:
    templates = files("pooledledger.reports") / "templates"
    for name in ("page.html.j2", "blocks.html.j2", "report.css"):
        assert (templates / name).is_file(), name
    css = (templates / "report.css").read_text(encoding="utf-8")
    page = html_page("t", "<p>x</p>")
    assert f"<style>\n{css}</style>" in page
    assert "http://" not in page
    assert "https://" not in page


@pytest.fixture(scope="module")
def memorandum_doc() -> Document:
    from pooledledger.io import load_agreement, load_ledger
    from pooledledger.reports.bundle import year_end_reports
    from pooledledger.reports.memorandum_layout import memorandum_document

    examples = files("pooledledger") / "examples"
    ag = load_agreement(str(examples / "example2_bcf.toml"))
    led = load_ledger(ag, str(examples / "example2_ledger.toml"))
    return memorandum_document(year_end_reports(ag, led, ag.financial_years[0]).memorandum)


def test_the_memorandum_account_is_one_document_for_every_format(
    memorandum_doc: Document,
) -> None:
    from pooledledger.reports.document import pick

    tables = [b for s in memorandum_doc.sections for b in s.blocks if isinstance(b, Table)]
    captions = [pick(t.caption, "html") for t in tables]
    assert captions[:2] == ["Summary of the account", "Account by scheme (A–J)"]
    for table in tables:
        for row in table.rows:
            assert len(row.cells) == len(table.columns), pick(table.caption, "html")
            for cell in row.cells:  # a worked-out cell refers to rows above it
                assert all(0 <= r < len(table.rows) for r, _, _ in cell.sum)
    md = render_markdown(memorandum_doc)
    assert md.startswith("# POOLED FUND MEMORANDUM ACCOUNT — ")
    assert html_document(memorandum_doc).startswith('<section id="memorandum" class="major"')


def test_items_are_bullets_in_markdown_and_status_chips_in_html() -> None:
    items = Items(
        (
            Item(Alt(f"Tell {EVIL} by **1 May**", html=f"Tell {EVIL} by 1 May"), "bad"),
            Item("All checks hold", "ok"),
            Item("A note"),
            Item("HTML only", only=frozenset({"html"})),
        )
    )
    md = render_markdown(_doc(items))
    assert md.endswith(f"- Tell {EVIL} by **1 May**\n- All checks hold\n- A note\n")
    html = html_document(_doc(items))
    assert (
        '<ul class="status"><li class="bad">✗ Tell &lt;script&gt;alert(&#x27;x &amp; y&#x27;)'
        '&lt;/script&gt; by 1 May</li><li class="ok">✓ All checks hold</li>'
        '<li class="info">A note</li><li class="info">HTML only</li></ul>'
    ) in html


def test_the_quarterly_report_is_one_document_for_every_format() -> None:
    from pooledledger.io.agreement_files import load_agreement
    from pooledledger.io.ledger_files import load_ledger
    from pooledledger.reports.document import ChartSpec, pick
    from pooledledger.reports.quarterly import quarterly_report
    from pooledledger.reports.quarterly_layout import quarterly_document

    examples = files("pooledledger") / "examples"
    ag = load_agreement(str(examples / "example2_bcf.toml"))
    led = load_ledger(ag, str(examples / "example2_ledger.toml"))
    q = quarterly_report(ag, led, ag.financial_years[0], 2)
    doc = quarterly_document(q)
    assert [s.id for s in doc.sections] == ["actuals", "projection", "action", "issues"]
    chart = doc.sections[0].blocks[0]
    assert isinstance(chart, ChartSpec)  # the chart's table is the actuals table
    assert list(chart.categories) == [r.cells[0].value for r in chart.table.rows[:-1]]
    assert chart.series[1].values == tuple(s.forecast_net for s in q.schemes)
    for table in [chart.table, *[b for b in doc.sections[1].blocks if isinstance(b, Table)]]:
        for row in table.rows:
            assert len(row.cells) == len(table.columns), pick(table.caption, "html")
            for cell in row.cells:
                assert all(0 <= r < len(table.rows) for r, _, _ in cell.sum)


def test_a_styled_paragraph_joined_to_the_block_before_it() -> None:
    table = _table(Row((text("ICB"), money(100))))
    doc = _doc(table, Paragraph("Casts: yes.", style="muted", joined=True), Paragraph("Next."))
    html = html_document(doc)
    assert '</table></div><p class="muted">Casts: yes.</p>\n<p>Next.</p>' in html
    md = render_markdown(doc)
    assert md.endswith("| ICB | 1.00 |\nCasts: yes.\n\nNext.\n")


def test_a_document_that_is_part_of_another_has_a_second_level_title() -> None:
    doc = Document("Part", (Section((Paragraph("Text."),)),), level=2)
    assert render_markdown(doc) == "## Part\n\nText.\n"


def test_the_note_is_one_document_for_every_format() -> None:
    from pooledledger.io import load_agreement, load_ledger
    from pooledledger.reports.bundle import year_end_reports
    from pooledledger.reports.document import pick
    from pooledledger.reports.note_layout import note_document

    examples = files("pooledledger") / "examples"
    ag = load_agreement(str(examples / "example2_bcf.toml"))
    led = load_ledger(ag, str(examples / "example2_ledger.toml"))
    doc = note_document(year_end_reports(ag, led, ag.financial_years[0]).note)
    (table,) = [b for s in doc.sections for b in s.blocks if isinstance(b, Table)]
    assert [pick(c.header, "workbook") for c in table.columns] == [
        "Row",
        "£000",
        "Adjustment (£000)",
        "Exact £",
        "Kind",
    ]
    worked = [row.cells[1].sum for row in table.rows if row.cells[1].sum]
    assert len(worked) == 2  # Total funding and Net are formulas in the workbook
    assert render_markdown(doc).startswith("## Pooled budgets — ")
    assert html_document(doc).startswith('<section id="note" class="major"')


def test_a_paragraph_may_be_a_heading_or_classed() -> None:
    doc = _doc(
        Paragraph("Journals", style="heading"),
        Paragraph(EVIL, style=Alt("", html="muted")),
        Paragraph("Plain"),
    )
    md = render_markdown(doc).splitlines()
    assert md[4:9] == ["## Journals", "", EVIL, "", "Plain"]  # a class is HTML's own
    html = html_document(doc)
    assert '<h3>Journals</h3>\n<p class="muted">&lt;script&gt;' in html
    assert "<p>Plain</p>" in html


def test_a_workbook_total_may_add_up_cells_of_an_earlier_table(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import load_workbook

    from pooledledger.io.excel_book import Book
    from pooledledger.io.excel_document import document_sheet

    first = Table(
        "In", (Column("", "text"), Column("£")), (Row((text("a"), money(250))),), key="in"
    )
    out = Cell(-50, "amount")
    net = Cell(200, "amount", sum=((0, 1, 1),), refs=(("in", 0, 1, 1),))
    second = Table(
        "Net", (Column("", "text"), Column("£")), (Row((text("out"), out)), total_row("Net", net))
    )
    doc = _doc(
        first,
        Paragraph("Who", style=Alt("", workbook="text")),
        Paragraph("Next", style=Alt("heading", workbook="caption")),
        second,
    )
    book = Book(tmp_path / "d.xlsx", "t", datetime(2026, 1, 1))
    document_sheet(book, "Doc", doc)
    book.close()
    ws = load_workbook(tmp_path / "d.xlsx")["Doc"]
    column = [c.value or None for c in ws["A"]]
    assert column == [
        *("A report", None, "Amounts in £; negatives in brackets.", None),
        *("In", None, "a", None),  # a caption, the header, a row, a blank row
        *("Who", None),  # a paragraph in the "text" format, not muted
        *("Next", None),  # a heading, in the workbook's caption format
        *("Net", None, "out", "Net"),
    ]
    assert not ws["A9"].font.i
    assert ws["A11"].font.b
    assert ws["B16"].value == "=B15+B7"  # the row above and the first table's cell


def test_a_partner_statement_is_one_document_for_every_format() -> None:
    from pooledledger.io import load_agreement, load_ledger
    from pooledledger.reports.bundle import year_end_reports
    from pooledledger.reports.document import pick
    from pooledledger.reports.statements_layout import statement_document

    examples = files("pooledledger") / "examples"
    ag = load_agreement(str(examples / "example2_bcf.toml"))
    led = load_ledger(ag, str(examples / "example2_ledger.toml"))
    for st in year_end_reports(ag, led, ag.financial_years[0]).statements.values():
        doc = statement_document(st)
        tables = [b for s in doc.sections for b in s.blocks if isinstance(b, Table)]
        keyed: dict[str, Table] = {}
        for table in tables:
            for row in table.rows:
                assert len(row.cells) == len(table.columns)
                for cell in row.cells:  # a cell of another table is one written before
                    for key, r, c, _ in cell.refs:
                        assert 0 <= r < len(keyed[key].rows)
                        assert 0 <= c < len(keyed[key].columns)
            keyed[table.key] = table
        captions = [pick(t.caption, "markdown") for t in tables]
        assert captions[:4] == [
            "1. Contributions and risk pool",
            "2. Share of the pool by scheme",
            "3. Underspend disposition",
            "4. Balance with the host and settlement",
        ]
        assert st.to_markdown() == render_markdown(doc)
        assert html_document(doc).startswith(f'<section id="statement-{st.partner}" class="major"')
