"""The HTML year-end and quarterly reports: pure string checks and a headless Chromium run."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from importlib.resources import files
from pathlib import Path

import pytest

from pooledledger.core.money import format_pence
from pooledledger.io import load_agreement, load_ledger
from pooledledger.reports.bundle import YearEndReports, year_end_reports
from pooledledger.reports.html import render_html, render_quarterly_html
from pooledledger.reports.quarterly import quarterly_report

EXAMPLES = files("pooledledger") / "examples"
EVIL = "<script>alert('x & y')</script>"


def _reports(agreement_file: str, ledger_file: str) -> YearEndReports:
    ag = load_agreement(str(EXAMPLES / agreement_file))
    led = load_ledger(ag, str(EXAMPLES / ledger_file))
    return year_end_reports(ag, led, ag.financial_years[0])


@pytest.fixture(scope="module")
def bcf() -> YearEndReports:
    return _reports("example2_bcf.toml", "example2_ledger.toml")


@pytest.fixture(scope="module")
def bcf_html(bcf: YearEndReports) -> str:
    return render_html(bcf)


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)


# -- pure tests on the string ----------------------------------------------------------------


def test_page_is_one_self_contained_document(bcf_html: str) -> None:
    assert bcf_html.startswith("<!DOCTYPE html>")
    assert bcf_html.count("<html") == 1
    assert bcf_html.rstrip().endswith("</html>")
    assert "<style>" in bcf_html
    assert "@page" in bcf_html
    assert "size: A4" in bcf_html
    assert "<script" not in bcf_html.lower()


def test_no_network_resources(bcf_html: str) -> None:
    assert "http://" not in bcf_html
    assert "https://" not in bcf_html
    assert "//" not in "".join(re.findall(r"""(?:src|href)\s*=\s*["'][^"']*["']""", bcf_html))
    for ref in re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", bcf_html):
        assert ref.startswith("#"), ref
    assert "@import" not in bcf_html
    assert "@font-face" not in bcf_html
    assert not re.search(r"url\((?!#)", bcf_html), "only in-page url(#pattern) references"


def test_every_scheme_is_in_both_charts(bcf: YearEndReports, bcf_html: str) -> None:
    charts = _svgs(bcf_html)
    assert len(charts) == 2
    for svg in charts:
        assert 'role="img"' in svg
        assert "<title" in svg
        assert "<desc" in svg
        for s in bcf.close.schemes:
            assert f'data-scheme="{s.scheme}"' in svg
            assert f">{s.scheme}</text>" in svg


def test_budget_chart_labels_every_value(bcf: YearEndReports, bcf_html: str) -> None:
    budget = _svgs(bcf_html)[0]
    assert budget.count('class="bar"') == 2 * len(bcf.close.schemes)
    for s in bcf.close.schemes:
        assert f">£{format_pence(sum(s.contributions.values()))}</text>" in budget
        assert f">£{format_pence(s.net)}</text>" in budget


def test_variance_chart_has_a_segment_per_non_zero_part(bcf: YearEndReports, bcf_html: str) -> None:
    chart = _svgs(bcf_html)[1]
    parts = 0
    for s in bcf.close.schemes:
        parts += sum(1 for v in s.deficit.values() if v) + sum(
            1 for v in s.underspend.values() if v
        )
        parts += 1 if sum(s.risk_pool.values()) else 0
        parts += 1 if sum(s.offset.values()) else 0
    assert chart.count('class="bar"') == parts
    for p in bcf.memorandum.partners:
        # the legend names each partner's share that the chart draws, in its colour
        if any(s.deficit.get(p) for s in bcf.close.schemes):
            assert f"{p} deficit share</text>" in chart
        if any(s.underspend.get(p) for s in bcf.close.schemes):
            assert f"{p} underspend share</text>" in chart
    assert "COUNCIL underspend share</text>" in chart
    assert "ICB deficit share</text>" in chart


def test_memorandum_totals_appear_exactly(bcf: YearEndReports, bcf_html: str) -> None:
    t = bcf.memorandum.total
    for pence in (
        t.contributions,
        t.total_resources,
        t.gross_expenditure,
        t.net,
        t.additional_contributions,
        t.underspend,
        t.carried_forward,
        bcf.memorandum.conservation.inflow,
        bcf.memorandum.conservation.outflow,
    ):
        assert f">{format_pence(pence)}</td>" in bcf_html
    # the example's own figures, as an auditor would read them
    assert ">17,410,000.20</td>" in bcf_html
    assert ">17,280,000.20</td>" in bcf_html
    assert ">(45,789.48)</td>" in bcf_html
    assert 'class="num neg">(300,000.00)</td>' in bcf_html


def test_totals_are_bold_rows_and_negatives_bracketed(bcf_html: str) -> None:
    assert '<tr class="total">' in bcf_html
    assert "tr.total td" in bcf_html
    assert "font-weight: 700" in bcf_html
    assert not re.search(r'class="num[^"]*">-\d', bcf_html), "negatives are in brackets"


def test_every_section_is_there(bcf: YearEndReports, bcf_html: str) -> None:
    for key in ("summary", "memorandum", "note", "balances", "checks"):
        assert f'<section id="{key}"' in bcf_html
    for p in bcf.statements:
        assert f'<section id="statement-{p}"' in bcf_html
        assert f"Journals to post — {p}" in bcf_html
    for letter in "ABCDEFGHIJKLM":
        assert f">{letter}. " in bcf_html, letter
    assert "£000" in bcf_html
    assert ">(176)</td>" in bcf_html
    assert bcf.agreement.pooled_fund_manager in bcf_html
    assert "Section 75, National Health Service Act 2006" in bcf_html


def test_user_text_is_escaped(tmp_path: Path) -> None:
    agreement = (EXAMPLES / "example2_bcf.toml").read_text(encoding="utf-8")
    agreement = agreement.replace(
        'name = "Example Better Care Fund pooled budget 2025-26"', f'name = "{EVIL}"'
    ).replace('name = "Community reablement"', f'name = "{EVIL} reablement"')
    agreement = agreement.replace(
        'pooled_fund_manager = "Assistant Director of Finance, Example City Council"',
        f'pooled_fund_manager = "{EVIL}"',
    )
    ledger = (EXAMPLES / "example2_ledger.toml").read_text(encoding="utf-8")
    ledger = ledger.replace('source = "client charges"', f'source = "{EVIL}"')
    (tmp_path / "a.toml").write_text(agreement, encoding="utf-8")
    (tmp_path / "l.toml").write_text(ledger, encoding="utf-8")
    ag = load_agreement(str(tmp_path / "a.toml"))
    assert ag.name == EVIL
    led = load_ledger(ag, str(tmp_path / "l.toml"))
    page = render_html(year_end_reports(ag, led, ag.financial_years[0]))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x &amp; y&#x27;)&lt;/script&gt;" in page
    q = render_quarterly_html(quarterly_report(ag, led, ag.financial_years[0], 2))
    assert "<script" not in q.lower()
    assert "&lt;script&gt;" in q


def test_the_other_example_renders() -> None:
    r = _reports("example1_la_two_pcts.toml", "example1_ledger.toml")
    page = render_html(r)
    assert len(_svgs(page)) == 2
    for s in r.close.schemes:
        assert f'data-scheme="{s.scheme}"' in page
    for p in r.statements:
        assert f'id="statement-{p}"' in page


def test_quarterly_page(bcf: YearEndReports) -> None:
    ag = bcf.agreement
    led = load_ledger(ag, str(EXAMPLES / "example2_ledger.toml"))
    report = quarterly_report(ag, led, ag.financial_years[0], 2)
    page = render_quarterly_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert "https://" not in page
    charts = _svgs(page)
    assert len(charts) == 2
    for svg in charts:
        for s in report.schemes:
            assert f'data-scheme="{s.scheme}"' in svg
    for s in report.schemes:
        assert f">{format_pence(s.forecast_net)}</td>" in page or s.forecast_net == 0
    total = sum(s.projected_variance for s in report.schemes)
    assert f">{format_pence(total)}</td>" in page


# -- headless Chromium ---------------------------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI is set: the browser test must run")
        pytest.skip("chromium is not installed (set CI to make this a failure)")
    return found


def _run_chromium(exe: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        exe,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered scanlines of an 8-bit RGB(A) PNG (no pillow)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = 0
    channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            assert colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        filt = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if filt == 1:
                line[i] = (line[i] + a) & 0xFF
            elif filt == 2:
                line[i] = (line[i] + b) & 0xFF
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, bcf_html: str) -> Path:
    folder = tmp_path_factory.mktemp("html")
    page = folder / "year_end.html"
    page.write_text(bcf_html, encoding="utf-8")
    return page


def test_chromium_renders_tables_and_charts(
    rendered: Path, bcf: YearEndReports, tmp_path: Path
) -> None:
    exe = _chromium()
    done = _run_chromium(exe, tmp_path / "profile", "--dump-dom", rendered.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert dom.count("<table") >= 20
    charts = re.findall(r"<svg\b.*?</svg>", dom, flags=re.DOTALL)
    assert len(charts) == 2
    assert charts[0].count("<rect") >= 2 * len(bcf.close.schemes)
    assert charts[1].count('class="bar"') >= len(bcf.close.schemes)
    for s in bcf.close.schemes:
        assert f'data-scheme="{s.scheme}"' in charts[0]
        assert f'data-scheme="{s.scheme}"' in charts[1]
    assert ">17,410,000.20</td>" in dom


def test_chromium_screenshot_is_not_blank(rendered: Path, tmp_path: Path) -> None:
    exe = _chromium()
    shot = tmp_path / "year_end.png"
    done = _run_chromium(
        exe,
        tmp_path / "profile",
        "--hide-scrollbars",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        rendered.as_uri(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.exists()
    assert shot.stat().st_size > 20_000
    data = shot.read_bytes()
    assert len(set(data[1000:5000])) > 50
    width, height, rows = _png_rows(data)
    assert (width, height) == (1280, 2000)
    sample = {row[i : i + 3] for row in rows[::40] for i in range(0, len(row), 3 * 17)}
    assert len(sample) > 20, "the page has text, rules and coloured bars, not one colour"
    dark = sum(1 for px in sample if max(px) < 80)
    assert dark > 0, "some ink (text or the navy bars) is on the page"


def test_chromium_prints_to_pdf(rendered: Path, tmp_path: Path) -> None:
    exe = _chromium()
    pdf = tmp_path / "year_end.pdf"
    done = _run_chromium(
        exe,
        tmp_path / "profile",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        rendered.as_uri(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 20_000
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 5, "page breaks before each major section"
