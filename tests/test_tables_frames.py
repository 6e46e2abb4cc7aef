"""Tidy tables (L3) and the DataFrames built from them: exact pence, never a float."""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledledger.books.apportion import Apportionment, apportion
from pooledledger.books.ledger import Ledger
from pooledledger.io import load_agreement, load_ledger
from pooledledger.model.entries import Expenditure, Reversal
from pooledledger.reports.bundle import YearEndReports, year_end_reports
from pooledledger.tables import (
    CLOSE_PARTNER_MEASURES,
    CLOSE_SCHEME_MEASURES,
    Table,
    apportionment_table,
    close_table,
    journal_table,
    ledger_table,
    settlement_table,
)

#: the close_table measure whose scheme rows sum to each PartnerClose field
PARTNER_FIELD = {"contribution": "contributions", "risk_pool": "risk_pool_used"}


def partner_figure(pc: dict[str, Any], measure: str) -> int:
    """A partner's close figure for a scheme measure (offsets move between schemes: 0)."""
    return 0 if measure == "offset" else int(pc[PARTNER_FIELD.get(measure, measure)])


@pytest.fixture(scope="module")
def example2() -> tuple[Ledger, YearEndReports]:
    examples = files("pooledledger") / "examples"
    ag = load_agreement(str(examples / "example2_bcf.toml"))
    led = load_ledger(ag, str(examples / "example2_ledger.toml"))
    return led, year_end_reports(ag, led, ag.financial_years[0])


@pytest.fixture(scope="module")
def with_reversal(example2: tuple[Ledger, YearEndReports]) -> Ledger:
    led, _ = example2
    return led.post(
        Expenditure(
            id="X-1",
            scheme="S1",
            date=date(2025, 7, 1),
            net="100.01",
            vat="20.00",
            supplier='=HYPERLINK("http://x","y")',
        ),
        Reversal(id="X-1-REV", reverses="X-1", date=date(2025, 8, 1), reason="duplicate"),
    )


def all_tables(led: Ledger, reports: YearEndReports) -> list[Table]:
    close = reports.close
    return [
        ledger_table(led),
        apportionment_table(apportion(led, reports.year)),
        close_table(close),
        settlement_table(close),
        journal_table(close.journals),
    ]


def test_no_float_and_pence_twins_agree(example2: tuple[Ledger, YearEndReports]) -> None:
    led, reports = example2
    for table in all_tables(led, reports):
        assert len(table) > 0
        kinds = {c.name: c.kind for c in table.columns}
        for row in table.rows:
            assert list(row) == list(table.names)
            assert not any(isinstance(v, float) for v in row.values())
            assert row["currency"] == "GBP"
            for name, kind in kinds.items():
                if kind == "pence":
                    pence = row[name]
                    assert isinstance(pence, int)
                    assert not isinstance(pence, bool)
                    twin = "amount" if name == "pence" else name.removesuffix("_pence")
                    value = row[twin]
                    assert isinstance(value, Decimal)
                    assert value == Decimal(pence) / 100
                    assert value.as_tuple().exponent == -2


def test_close_rows_sum_to_the_close(example2: tuple[Ledger, YearEndReports]) -> None:
    _, reports = example2
    close = reports.close
    data = close.model_dump(mode="json")
    table = close_table(close)
    by_partner: dict[tuple[str, str], int] = defaultdict(int)
    by_scheme: dict[tuple[str, str], int] = defaultdict(int)
    partner_rows: dict[tuple[str, str], int] = {}
    for r in table.rows:
        pence, p, m = r["pence"], str(r["partner"]), str(r["measure"])
        assert isinstance(pence, int)
        if r["level"] == "scheme":
            assert m in CLOSE_SCHEME_MEASURES
            by_partner[(p, m)] += pence
            by_scheme[(str(r["scheme"]), m)] += pence
        else:
            assert r["level"] == "partner"
            assert r["scheme"] is None
            assert m in CLOSE_PARTNER_MEASURES
            partner_rows[(p, m)] = pence
    n = len(close.schemes) * len(close.partners) * len(CLOSE_SCHEME_MEASURES)
    assert len(table) == n + len(close.partners) * len(CLOSE_PARTNER_MEASURES)
    for pc in data["partners"]:
        p = pc["partner"]
        for m in CLOSE_SCHEME_MEASURES:
            assert by_partner[(p, m)] == partner_figure(pc, m), (p, m)
        for m in CLOSE_PARTNER_MEASURES:
            assert partner_rows[(p, m)] == pc[m], (p, m)
    for s in data["schemes"]:
        k = s["scheme"]
        assert by_scheme[(k, "net_share")] == s["net"]
        assert by_scheme[(k, "income_share")] == s["income"]
        assert by_scheme[(k, "gross_share")] == s["expenditure"]
        assert by_scheme[(k, "contribution")] == sum(s["contributions"].values())
        assert by_scheme[(k, "deficit")] == sum(s["deficit"].values())
    assert sum(partner_rows[(pc["partner"], "balance")] for pc in data["partners"]) == -sum(
        s["net"] for s in data["schemes"]
    ) + sum(pc["contributions"] + pc["risk_pool_contribution"] for pc in data["partners"])


def test_settlement_table(example2: tuple[Ledger, YearEndReports]) -> None:
    _, reports = example2
    rows = settlement_table(reports.close).rows
    assert [r["partner"] for r in rows] == ["COUNCIL", "ICB"]
    icb = rows[1]
    assert icb["settlement_pence"] == -4578948
    assert icb["settlement"] == Decimal("-45789.48")
    assert icb["direction"] == "partner pays host"
    assert icb["due"] == date(2026, 4, 30)
    assert rows[0]["due"] is None
    assert rows[0]["is_host"] is True


def test_apportionment_rows_sum_to_scheme_shares(example2: tuple[Ledger, YearEndReports]) -> None:
    led, reports = example2
    app: Apportionment = apportion(led, reports.year)
    table = apportionment_table(app)
    assert len(table) == len(app.lines) * len(app.partners)
    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    per_line: dict[str, int] = defaultdict(int)
    for r in table.rows:
        assert isinstance(r["pence"], int)
        sums[(str(r["scheme"]), str(r["kind"]), str(r["partner"]))] += r["pence"]
        per_line[str(r["entry_id"])] += r["pence"]
    for line in app.lines:
        assert per_line[line.entry_id] == line.amount
    for k, shares in app.schemes.items():
        for p in app.partners:
            assert sums[(k, "expenditure", p)] == shares.expenditure[p]
            assert sums[(k, "income", p)] == shares.income[p]


def test_ledger_rows(example2: tuple[Ledger, YearEndReports], with_reversal: Ledger) -> None:
    led, _ = example2
    for ledger in (led, with_reversal):
        table = ledger_table(ledger)
        assert [r["entry_id"] for r in table.rows] == [e.id for e in ledger.entries]
        totals = ledger.totals()
        cost = sum(int(str(r["pool_cost_pence"])) for r in table.rows)
        vat = sum(int(str(r["recoverable_vat_pence"])) for r in table.rows)
        income = sum(int(str(r["pence"])) for r in table.rows if r["entry"] == "income")
        assert (cost, vat, income) == (totals.expenditure, totals.vat_recovered, totals.income)
    rows = {r["entry_id"]: r for r in ledger_table(with_reversal).rows}
    x, rev = rows["X-1"], rows["X-1-REV"]
    assert (x["pence"], x["vat_pence"], x["party"]) == (10001, 2000, '=HYPERLINK("http://x","y")')
    assert x["pool_cost_pence"] == 10001 + 2000 - int(str(x["recoverable_vat_pence"]))
    assert rev["reverses"] == "X-1"
    assert rev["description"] == "duplicate"
    for col in ("pence", "vat_pence", "recoverable_vat_pence", "pool_cost_pence"):
        assert rev[col] == -int(str(x[col]))


def test_journal_rows(example2: tuple[Ledger, YearEndReports]) -> None:
    _, reports = example2
    table = journal_table(reports.close.journals)
    for p, j in reports.close.journals.items():
        rows = [r for r in table.rows if r["partner"] == p]
        assert len(rows) == len(j.lines)
        assert sum(int(str(r["debit_pence"])) for r in rows) == j.total_debit
        assert sum(int(str(r["credit_pence"])) for r in rows) == j.total_credit
        assert sum(int(str(r["pence"])) for r in rows) == 0  # balanced
        assert [r["line"] for r in rows] == list(range(1, len(rows) + 1))


# -- DataFrames ------------------------------------------------------------------------


def frames(led: Ledger, reports: YearEndReports) -> list[tuple[Table, Any, Any]]:
    app = apportion(led, reports.year)
    return [
        (ledger_table(led), led.to_pandas(), led.to_polars()),
        (apportionment_table(app), app.to_pandas(), app.to_polars()),
        (close_table(reports.close), reports.close.to_pandas(), reports.close.to_polars()),
    ]


def test_pandas_columns_and_dtypes(example2: tuple[Ledger, YearEndReports]) -> None:
    led, reports = example2
    for table, df, _ in frames(led, reports):
        assert isinstance(df, pd.DataFrame)
        assert list(df.columns) == list(table.names)
        assert len(df) == len(table)
        assert not any(pd.api.types.is_float_dtype(t) for t in df.dtypes)
        for c in table.columns:
            dtype = df[c.name].dtype
            if c.kind in ("pence", "int"):
                assert dtype == "int64", c.name
            elif c.kind == "decimal":
                assert dtype == np.dtype(object)
                assert all(isinstance(v, Decimal) for v in df[c.name])
            elif c.kind == "date":
                assert pd.api.types.is_datetime64_any_dtype(dtype)
            elif c.kind == "bool":
                assert dtype == np.dtype(bool)


def test_polars_columns_and_dtypes(example2: tuple[Ledger, YearEndReports]) -> None:
    led, reports = example2
    expected = {
        "str": pl.String,
        "int": pl.Int64,
        "pence": pl.Int64,
        "decimal": pl.Decimal(38, 2),
        "date": pl.Date,
        "bool": pl.Boolean,
    }
    for table, _, df in frames(led, reports):
        assert isinstance(df, pl.DataFrame)
        assert df.columns == list(table.names)
        assert df.height == len(table)
        assert not any(t.is_float() for t in df.dtypes)
        for c in table.columns:
            assert df.schema[c.name] == expected[c.kind], c.name


def test_frame_totals_equal_the_json_close(example2: tuple[Ledger, YearEndReports]) -> None:
    _, reports = example2
    data = reports.close.model_dump(mode="json")
    pdf = reports.close.to_pandas()
    plf = reports.close.to_polars()
    pd_sums = pdf[pdf["level"] == "scheme"].groupby(["partner", "measure"])["pence"].sum()
    pl_sums = {
        (r["partner"], r["measure"]): r["pence"]
        for r in plf.filter(pl.col("level") == "scheme")
        .group_by("partner", "measure")
        .agg(pl.col("pence").sum())
        .to_dicts()
    }
    pl_amounts = plf.group_by("partner", "measure").agg(pl.col("amount").sum())
    amounts = {(r["partner"], r["measure"]): r["amount"] for r in pl_amounts.to_dicts()}
    for pc in data["partners"]:
        p = pc["partner"]
        for m in CLOSE_SCHEME_MEASURES:
            want = partner_figure(pc, m)
            assert int(pd_sums[(p, m)]) == want
            assert pl_sums[(p, m)] == want
            assert amounts[(p, m)] == Decimal(want).scaleb(-2)
        for m in CLOSE_PARTNER_MEASURES:
            got = pdf[(pdf["partner"] == p) & (pdf["measure"] == m)]["pence"]
            assert got.tolist() == [pc[m]]


@pytest.mark.parametrize(("package", "extra"), [("pandas", "pandas"), ("polars", "polars")])
def test_missing_package_says_what_to_install(
    example2: tuple[Ledger, YearEndReports],
    monkeypatch: pytest.MonkeyPatch,
    package: str,
    extra: str,
) -> None:
    led, reports = example2
    monkeypatch.setitem(sys.modules, package, None)
    for obj in (led, apportion(led, reports.year), reports.close):
        with pytest.raises(ImportError, match=rf"pip install pooledledger\[{extra}\]"):
            getattr(obj, f"to_{package}")()


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 6), min_size=1, max_size=4),
    picks=st.lists(st.integers(0, 10**6), max_size=40),
    ragged=st.booleans(),
)
def test_gather_rows_is_a_gather_whatever_the_pieces(
    sizes: list[int], picks: list[int], ragged: bool
) -> None:
    """``core.tables.gather_rows`` gives the rows a plain gather gives, in order, for a
    frame stacked from pieces (some empty; rows picked again, from any piece, in any
    order), and for one whose columns are in different pieces (``ragged``)."""
    from pooledledger.core.tables import gather_rows

    pieces = []
    done = 0
    for n in sizes:
        pieces.append(
            pl.DataFrame(
                {
                    "n": pl.Series(range(done, done + n), dtype=pl.Int64),
                    "text": pl.Series([f"t{done + i}" if i % 3 else None for i in range(n)]),
                },
                schema={"n": pl.Int64, "text": pl.String},
            )
        )
        done += n
    frame = pl.concat(pieces, how="vertical", rechunk=False)
    if ragged:
        frame = frame.with_columns(frame["n"].rechunk())
    at = pl.Series([p % done for p in picks] if done else [], dtype=pl.UInt32)
    want = frame.select(pl.all().gather(at))
    got = gather_rows(frame, at)
    assert got.equals(want)
    assert got["n"].to_list() == [p % done for p in picks] if done else got.height == 0
