"""Journal uploads: each partner's file re-reads to journals that balance and equal the close's."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from close_strategies import CloseCase, close_cases
from pooledledger import FinancialYear, close_year
from pooledledger.books.journals import Journal
from pooledledger.cli import main
from pooledledger.io import load_agreement, load_ledger
from pooledledger.io.upload_files import (
    load_journal_mapping,
    read_journal_mapping,
    read_journal_upload,
    read_upload_layout,
    write_journal_uploads,
)
from pooledledger.yearend.close import YearEndClose
from pooledledger.yearend.uploads import (
    GENERIC_LAYOUT,
    JournalMapping,
    UploadError,
    UploadLayout,
    UploadLine,
    journal_from_upload,
    parse_upload_rows,
    upload_lines,
    upload_rows,
)
from strategies import YEAR

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "pooledledger" / "examples"
DATA = ROOT / "tests" / "data"
CASES = [
    ("example1_la_two_pcts.toml", "example1_ledger.toml", 2007, "journal_mapping_ex1.toml"),
    ("example2_bcf.toml", "example2_ledger.toml", 2025, "journal_mapping_bcf.toml"),
]


def doc_layouts() -> dict[str, str]:
    """The layouts shown in docs/journal-uploads.md, by their titles."""
    text = (ROOT / "docs" / "journal-uploads.md").read_text(encoding="utf-8")
    return dict(re.findall(r'```toml title="([^"]+)"\n(.*?)```', text, flags=re.S))


def layouts() -> dict[str, UploadLayout]:
    out = {"generic": GENERIC_LAYOUT}
    for title, body in doc_layouts().items():
        out[title] = UploadLayout.model_validate(tomllib.loads(body))
    return out


def closed(case: tuple[str, str, int, str]) -> tuple[YearEndClose, JournalMapping]:
    agreement_file, ledger_file, year, mapping_file = case
    agreement = load_agreement(EXAMPLES / agreement_file)
    ledger = load_ledger(agreement, EXAMPLES / ledger_file)
    close = close_year(agreement, ledger, FinancialYear(year))
    return close, load_journal_mapping(DATA / mapping_file, agreement)


def test_docs_show_two_layouts() -> None:
    assert sorted(doc_layouts()) == ["oracle_layout.toml", "unit4_layout.toml"]


@pytest.mark.parametrize("case", CASES, ids=["ex1", "ex2"])
@pytest.mark.parametrize("layout_name", ["generic", "oracle_layout.toml", "unit4_layout.toml"])
def test_uploads_reread_to_the_close_journals(
    tmp_path: Path, case: tuple[str, str, int, str], layout_name: str
) -> None:
    close, mapping = closed(case)
    agreement = load_agreement(EXAMPLES / case[0])
    layout = layouts()[layout_name]
    files, issues = write_journal_uploads(close, agreement, mapping, tmp_path, layout)
    assert issues == []
    assert list(files) == list(close.journals)
    assert set(files) == set(mapping.partners)
    for partner, path in files.items():
        journal = close.journals[partner]
        segments = mapping.partners[partner].segments
        back, found = read_journal_upload(path, layout, segments)
        assert found == []  # it parses, and every journal balances
        expected, _ = upload_lines(journal, mapping, agreement, close.year, layout)
        assert back == [_shown(x, layout) for x in expected]
        # equal to the close's journal: same lines, amounts, and totals, dated its last day
        assert [(x.debit, x.credit) for x in back] == [(y.debit, y.credit) for y in journal.lines]
        assert sum(x.debit for x in back) == sum(x.credit for x in back) == journal.total_debit
        assert {x.accounting_date.isoformat() for x in back} == {journal.end}
        assert journal.end.endswith("-03-31")
        assert _unmapped(back, expected, journal)
        # and through the mapping back to pooledledger's accounts: the close's journal
        again, found = journal_from_upload(back, mapping, agreement, partner, layout)
        assert found == []
        assert again == journal.model_copy(
            update={"lines": tuple(x.model_copy(update={"memo": ""}) for x in journal.lines)}
        )


def _shown(line: UploadLine, layout: UploadLayout) -> UploadLine:
    """``line`` as a file in ``layout`` shows it: fields without a column are blank."""
    fields = {c.field for c in layout.columns}
    hidden = {
        f: "" for f in ("journal_id", "period_name", "description", "reference") if f not in fields
    }
    hidden |= {
        f: ""
        for f in ("partner", "ref", "account_key", "scheme", "counterparty")
        if f not in fields
    }
    return line.model_copy(update=hidden)


def _unmapped(back: list[UploadLine], expected: list[UploadLine], journal: Journal) -> bool:
    """Each line read back carries the segments its close line maps to, in order."""
    return [x.segments for x in back] == [x.segments for x in expected] and len(back) == len(
        journal.lines
    )


def test_dates_and_formats_of_the_layouts(tmp_path: Path) -> None:
    close, mapping = closed(CASES[1])
    agreement = load_agreement(EXAMPLES / CASES[1][0])
    lay = layouts()
    write_journal_uploads(close, agreement, mapping, tmp_path, lay["oracle_layout.toml"])
    text = (tmp_path / "GlInterface-ICB.csv").read_text(encoding="utf-8")
    first = text.splitlines()[1].split(",")
    assert first[:8] == [
        "NEW",
        "300000046975971",
        "2026/03/31",
        "Spreadsheet",
        "Adjustment",
        "GBP",
        "A",
        "15N",
    ]
    assert first[-1] == "Mar-26"
    write_journal_uploads(close, agreement, mapping, tmp_path, lay["unit4_layout.toml"])
    row = (tmp_path / "gl07-ICB.csv").read_text(encoding="utf-8").splitlines()[1].split(";")
    assert row[0] == "PB2025ICB"
    assert row[10:12] == ["202512", "20260331"]
    write_journal_uploads(close, agreement, mapping, tmp_path)
    generic = (tmp_path / "journal-upload-ICB.csv").read_text(encoding="utf-8").splitlines()
    assert generic[0].startswith("journal_id,period_name,accounting_date,entity,cost_centre")
    assert ",2025-26 M12,31/03/2026,15N," in generic[1]


def test_an_unmapped_key_names_key_and_scheme_and_nothing_is_written(tmp_path: Path) -> None:
    close, mapping = closed(CASES[1])
    agreement = load_agreement(EXAMPLES / CASES[1][0])
    icb = mapping.partners["ICB"]
    accounts = {k: v for k, v in icb.accounts.items() if k != "EXPENDITURE_SHARE"}
    accounts["INCOME_SHARE"] = {"S3": {"account": "48200"}}  # no "*": fine, S3 is the only one
    accounts["CASH"] = {"S2": {"account": "12100"}}  # no "*": RP, S3 and S4 unmapped
    broken = JournalMapping(
        partners={**mapping.partners, "ICB": icb.model_copy(update={"accounts": accounts})}
    )
    files, issues = write_journal_uploads(close, agreement, broken, tmp_path / "out")
    assert files == {}
    assert not (tmp_path / "out").exists()
    messages = [i.message for i in issues if i.code == "PL-JUP-005"]
    assert any("account key EXPENDITURE_SHARE and scheme S2" in m for m in messages)
    assert any("account key CASH and scheme RP" in m for m in messages)
    assert all(i.location.field is not None and "ICB" in i.location.field for i in issues)


def test_mapping_checks(tmp_path: Path) -> None:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    bad = tmp_path / "map.toml"
    bad.write_text(
        "[partners.ICB]\nsegments = ['account']\n"
        "[partners.ICB.accounts.HELD_BY_COUNCIL]\n'*' = { account = '1' }\n"
        "[partners.ICB.accounts.CASH]\nS9 = { account = '1' }\n"
        "'*' = { acount = '{cost_centre}' }\n"
        "[partners.XX]\nsegments = ['a']\n",
        encoding="utf-8",
    )
    mapping, issues = read_journal_mapping(bad, agreement)
    assert mapping is None
    assert sorted(i.code for i in issues) == [
        "PL-JUP-002",
        "PL-JUP-002",
        "PL-JUP-003",
        "PL-JUP-004",
        "PL-JUP-004",
    ]
    assert all(i.location.file == str(bad) for i in issues)
    bad.write_text("[partners.ICB]\nsegments = []\n", encoding="utf-8")
    assert [i.code for i in read_journal_mapping(bad)[1]] == ["PL-JUP-001"]


def test_layout_checks(tmp_path: Path) -> None:
    path = tmp_path / "layout.toml"
    path.write_text("columns = [{ header = 'Account', field = 'segments' }]\n", encoding="utf-8")
    layout, issues = read_upload_layout(path)
    assert layout is None
    assert [i.code for i in issues] == ["PL-JUP-008"]
    assert "cannot show debits and credits" in issues[0].message
    path.write_text(
        "date_format = '%m/%y'\ncolumns = [{ header = 'A', field = 'amount' }]\n", encoding="utf-8"
    )
    assert "does not read back" in read_upload_layout(path)[1][0].message


def test_an_unbalanced_journal_is_never_written() -> None:
    line = UploadLine(
        journal_id="J1",
        period_name="M12",
        accounting_date=FinancialYear(2025).last_day,
        segments={"account": "1"},
        debit=100,
        credit=0,
    )
    with pytest.raises(UploadError, match="journal J1 does not balance"):
        upload_rows([line], GENERIC_LAYOUT, ["account"])


def test_cli_journals(tmp_path: Path) -> None:
    args = [
        "journals",
        str(EXAMPLES / "example2_bcf.toml"),
        str(EXAMPLES / "example2_ledger.toml"),
        "--mapping",
        str(DATA / "journal_mapping_bcf.toml"),
        "--out",
        str(tmp_path),
    ]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 0, run.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "journal-upload-COUNCIL.csv",
        "journal-upload-ICB.csv",
    ]
    assert "balanced" in run.output
    layout = tmp_path / "unit4.toml"
    layout.write_text(doc_layouts()["unit4_layout.toml"], encoding="utf-8")
    run = CliRunner().invoke(main, [*args, "--layout", str(layout)])
    assert run.exit_code == 0, run.output
    assert (tmp_path / "gl07-ICB.csv").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text("[partners.ICB]\nsegments = ['a']\n", encoding="utf-8")
    run = CliRunner().invoke(main, [*args[:3], "--mapping", str(bad), "--out", str(tmp_path / "x")])
    assert run.exit_code == 1
    assert "PL-JUP-005" in run.output
    schema = CliRunner().invoke(main, ["schema", "--of", "journal-mapping"])
    assert schema.exit_code == 0
    assert '"partners"' in schema.output


def test_a_mapping_that_joins_two_keys_cannot_be_read_back(tmp_path: Path) -> None:
    close, mapping = closed(CASES[1])
    agreement = load_agreement(EXAMPLES / CASES[1][0])
    icb = mapping.partners["ICB"]
    same = {**icb.accounts, "INCOME_SHARE": icb.accounts["EXPENDITURE_SHARE"]}
    joined = JournalMapping(partners={"ICB": icb.model_copy(update={"accounts": same})})
    lines, _ = upload_lines(close.journals["ICB"], joined, agreement, close.year)
    journal, issues = journal_from_upload(lines, joined, agreement, "ICB")
    assert journal is None
    assert {i.code for i in issues} == {"PL-JUP-011"}
    assert "several: EXPENDITURE_SHARE S2, INCOME_SHARE S2" in issues[0].message


# -- any close -----------------------------------------------------------------------


def _mapping_for(agreement_partners: tuple[str, ...]) -> JournalMapping:
    """A mapping that gives every key, scheme and counterparty its own segments."""
    from pooledledger.books.journals import Account
    from pooledledger.yearend.uploads import PartnerMapping

    return JournalMapping(
        partners={
            p: PartnerMapping(
                segments=("entity", "cost_centre", "account", "analysis"),
                fixed={"entity": p, "cost_centre": "CC{scheme}", "analysis": "X{counterparty}"},
                accounts={a.value: {"*": {"account": a.value}} for a in Account},
            )
            for p in agreement_partners
        }
    )


@settings(max_examples=60)
@given(case=close_cases(), layout_name=st.sampled_from(["generic", "unit4_layout.toml"]))
def test_any_close_round_trips_through_an_upload(case: CloseCase, layout_name: str) -> None:
    """For generated agreements and ledgers, each partner's upload rows read back to
    lines that balance and, through the mapping, to exactly the close's journal."""
    agreement = case.agreement
    close = close_year(
        agreement, case.ledger, YEAR, rulings=case.rulings, terminating=case.terminating
    )
    mapping = _mapping_for(agreement.partner_order)
    layout = LAYOUTS[layout_name]
    for partner, journal in close.journals.items():
        lines, issues = upload_lines(journal, mapping, agreement, close.year, layout)
        assert issues == []
        segments = mapping.partners[partner].segments
        rows = upload_rows(lines, layout, segments)
        back, found = parse_upload_rows(rows, layout, segments, "upload")
        assert found == []
        assert sum(x.debit for x in back) == sum(x.credit for x in back)
        if not journal.lines:  # a partner with nothing to post: a header, no lines
            assert back == []
            assert journal_from_upload(back, mapping, agreement, partner, layout) == (None, [])
            continue
        again, found = journal_from_upload(back, mapping, agreement, partner, layout)
        assert found == []
        assert again is not None
        assert again.lines == tuple(x.model_copy(update={"memo": ""}) for x in journal.lines)
        assert again.end == journal.end == "2026-03-31"


LAYOUTS = layouts()
