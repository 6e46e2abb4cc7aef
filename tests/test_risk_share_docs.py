"""The risk-share how-to pages are right: every agreement file on them loads and uses its rule.

Each page docs/risk-share/rsNN-*.md holds one complete agreement (a ```toml block
starting ``schema_version``), optionally a ledger (a ```toml block of
``[[entries]]``) and Python snippets. The agreement must load with no errors and
use the page's rule; the ledger must load against it; the snippets must run. Each
worked example is closed again here and must give the deficit and underspend shares
its table states (and the page must show them).
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pooledledger import (
    Agreement,
    Expenditure,
    FinancialYear,
    FixedShares,
    Ledger,
    UnderspendDisposition,
    format_pence,
)
from pooledledger.books.riskshare import BoardRuling
from pooledledger.core.errors import Severity
from pooledledger.io import read_ledger
from pooledledger.io.agreement_files import agreement_from_data
from pooledledger.model.rules import PartnerShare
from pooledledger.yearend.close import YearEndClose, close_year

PAGES = Path(__file__).resolve().parents[1] / "docs" / "risk-share"
RULE_PAGES = sorted(PAGES.glob("rs[0-9][0-9]-*.md"))
_BLOCK = re.compile(r"^```(toml|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks(page: Path, language: str) -> list[str]:
    """The fenced blocks of one language on a page, in order."""
    text = page.read_text(encoding="utf-8")
    return [body for lang, body in _BLOCK.findall(text) if lang == language]


def code_of(page: Path) -> str:
    """``rs05-capped-shares.md`` -> ``RS5``."""
    return f"RS{int(page.name[2:4])}"


def page_agreement(page: Path) -> Agreement:
    agreements = [b for b in blocks(page, "toml") if b.startswith("schema_version")]
    assert len(agreements) == 1, f"{page.name}: expected one complete agreement"
    agreement, issues = agreement_from_data(tomllib.loads(agreements[0]), file=page.name)
    assert agreement is not None, [str(i) for i in issues]
    assert [str(i) for i in issues if i.severity is Severity.ERROR] == []
    return agreement


def test_one_page_per_rule() -> None:
    assert [code_of(p) for p in RULE_PAGES] == [f"RS{n}" for n in range(1, 15)]
    index = (PAGES / "index.md").read_text(encoding="utf-8")
    for page in RULE_PAGES:
        assert f"]({page.name})" in index, f"index.md does not link {page.name}"
    assert "## Order of application" in index


@pytest.mark.parametrize("page", RULE_PAGES, ids=lambda p: p.stem)
def test_agreement_loads_and_uses_the_rule(page: Path) -> None:
    agreement = page_agreement(page)
    code = code_of(page)
    if code == "RS7":
        assert agreement.risk_pool is not None
    elif code == "RS8":
        assert agreement.offsetting.allowed
        assert agreement.offsetting.agreement_ref
    else:
        assert code in {s.risk_share.code for s in agreement.schemes}
    assert page.read_text(encoding="utf-8").startswith(f"# {code}:")


@pytest.mark.parametrize("page", RULE_PAGES, ids=lambda p: p.stem)
def test_ledgers_load(page: Path, tmp_path: Path) -> None:
    ledgers = [b for b in blocks(page, "toml") if b.startswith("[[entries]]")]
    others = [
        b for b in blocks(page, "toml") if not b.startswith(("schema_version", "[[entries]]"))
    ]
    assert others == [], f"{page.name}: a toml block that is neither an agreement nor a ledger"
    if not ledgers:
        return
    agreement = page_agreement(page)
    for n, text in enumerate(ledgers):
        path = tmp_path / f"ledger{n}.toml"
        path.write_text(text, encoding="utf-8")
        ledger, issues = read_ledger(agreement, path)
        assert ledger is not None, [str(i) for i in issues]


@pytest.mark.parametrize(
    "page", [p for p in RULE_PAGES if blocks(p, "python")], ids=lambda p: p.stem
)
def test_python_snippets_run(page: Path) -> None:
    agreement = page_agreement(page)
    namespace: dict[str, object] = {
        "agreement": agreement,
        "ledger": Ledger(agreement, []),
        "year": FinancialYear.parse("2025-26"),
    }
    for n, block in enumerate(blocks(page, "python"), 1):
        exec(compile(block, f"{page.name} block {n}", "exec"), namespace)
    assert isinstance(namespace["result"], YearEndClose)


# -- the worked examples ------------------------------------------------------------

# For each page: the year's spending (scheme, net, procuring partner, unauthorised),
# how to close (rulings, terminating) and the deficit and underspend shares per
# scheme and partner that the page's worked-example table states, in pence.
Spend = tuple[str, str, str | None, bool]
Shares = dict[str, dict[str, tuple[int, int]]]  # scheme -> partner -> (deficit, underspend)


def _ruling_rs13_refund() -> dict[str, BoardRuling]:
    ref = "Board 2026-04-15 minute 3"
    return {"PREV": BoardRuling(disposition=UnderspendDisposition.REFUND, reference=ref)}


def _ruling_rs13_shares() -> dict[str, BoardRuling]:
    shares = (
        PartnerShare(partner="COUNCIL", share="3/4"),
        PartnerShare(partner="ICB", share="1/4"),
    )
    return {"PREV": BoardRuling(rule=FixedShares(shares=shares), reference="minute 3")}


def _ruling_rs11() -> dict[str, BoardRuling]:
    return {"IBCF": BoardRuling(windfall_pence=2000000, reference="minute 4")}


WORKED: list[tuple[str, list[Spend], dict[str, Any], Shares]] = [
    (
        "rs01",
        [("ICES", "1050000.00", None, False)],
        {},
        {"ICES": {"COUNCIL": (3000000, 0), "ICB": (2000000, 0)}},
    ),
    (
        "rs01",
        [("ICES", "970000.00", None, False)],
        {},
        {"ICES": {"COUNCIL": (0, 1800000), "ICB": (0, 1200000)}},
    ),
    (
        "rs02",
        [("REABLE", "1290000.00", None, False)],
        {},
        {"REABLE": {"COUNCIL": (0, 0), "ICB": (4000000, 0)}},
    ),
    (
        "rs03",
        [("LD", "1020000.00", None, False)],
        {},
        {"LD": {"COUNCIL": (600000, 0), "ICB": (1400000, 0)}},
    ),
    (
        "rs04",
        [("ASC", "1030000.00", None, False)],
        {},
        {"ASC": {"COUNCIL": (1500000, 0), "ICB": (1500000, 0)}},
    ),
    ("rs04", [("ASC", "1000000.01", None, False)], {}, {"ASC": {"COUNCIL": (1, 0), "ICB": (0, 0)}}),
    (
        "rs05",
        [("ASC", "8050000.00", None, False)],
        {},
        {"ASC": {"COUNCIL": (4000000, 0), "ICB": (1000000, 0)}},
    ),
    (
        "rs05",
        [("ASC", "7950000.00", None, False)],
        {},
        {"ASC": {"COUNCIL": (0, 2500000), "ICB": (0, 2500000)}},
    ),
    (
        "rs06",
        [("MH", "1050000.00", None, False)],
        {},
        {"MH": {"COUNCIL": (5000000, 0), "ICB": (0, 0)}},
    ),
    (
        "rs06",
        [("MH", "980000.00", None, False)],
        {},
        {"MH": {"COUNCIL": (0, 2000000), "ICB": (0, 0)}},
    ),
    (
        "rs07",
        [("S1", "1060000.00", None, False), ("S2", "1040000.00", None, False)],
        {},
        {
            "S1": {"COUNCIL": (1200000, 0), "ICB": (1200000, 0)},
            "S2": {"COUNCIL": (960000, 0), "ICB": (640000, 0)},
        },
    ),
    (
        "rs08",
        [("S1", "380000.00", None, False), ("S2", "1050000.00", None, False)],
        {},
        {
            "S1": {"COUNCIL": (0, 0), "ICB": (0, 0)},
            "S2": {"COUNCIL": (1500000, 0), "ICB": (1500000, 0)},
        },
    ),
    (
        "rs09",
        [("HC", "1015000.00", None, False), ("HC", "10000.00", None, True)],
        {},
        {"HC": {"COUNCIL": (1900000, 0), "ICB": (600000, 0)}},
    ),
    (
        "rs09",
        [("HC", "980000.00", None, False), ("HC", "10000.00", None, True)],
        {},
        {"HC": {"COUNCIL": (0, 200000), "ICB": (0, 800000)}},
    ),
    (
        "rs10",
        [("CHC", "1030000.00", None, False)],
        {},
        {"CHC": {"COUNCIL": (3000000, 0), "ICB": (0, 0)}},
    ),
    (
        "rs10",
        [("CHC", "1060000.00", None, False)],
        {},
        {"CHC": {"COUNCIL": (4800000, 0), "ICB": (1200000, 0)}},
    ),
    (
        "rs11",
        [("IBCF", "950000.00", None, False)],
        {},
        {"IBCF": {"COUNCIL": (0, 3500000), "ICB": (0, 1500000)}},
    ),
    (
        "rs12",
        [("AL", "520000.00", "COUNCIL", False), ("AL", "490000.00", "ICB", False)],
        {},
        {"AL": {"COUNCIL": (2000000, 0), "ICB": (0, 1000000)}},
    ),
    (
        "rs13",
        [("PREV", "960000.00", None, False)],
        {},
        {"PREV": {"COUNCIL": (0, 2000000), "ICB": (0, 2000000)}},
    ),
    (
        "rs13",
        [("PREV", "1040000.00", None, False)],
        {"rulings": _ruling_rs13_shares()},
        {"PREV": {"COUNCIL": (3000000, 0), "ICB": (1000000, 0)}},
    ),
    (
        "rs14",
        [("REABLE", "1040000.00", None, False)],
        {},
        {"REABLE": {"COUNCIL": (0, 0), "ICB": (4000000, 0)}},
    ),
    (
        "rs14",
        [("REABLE", "1040000.00", None, False)],
        {"terminating": True},
        {"REABLE": {"COUNCIL": (1000000, 0), "ICB": (3000000, 0)}},
    ),
    (
        "rs14",
        [("REABLE", "960000.00", None, False)],
        {"terminating": True},
        {"REABLE": {"COUNCIL": (0, 1000000), "ICB": (0, 3000000)}},
    ),
]


def _close(page: Path, spend: list[Spend], options: dict[str, Any]) -> YearEndClose:
    agreement = page_agreement(page)
    entries = [
        Expenditure(
            id=f"E{n}",
            scheme=scheme,
            date=date(2025, 6, 1),
            net=net,
            procuring_partner=by,
            unauthorised=unauthorised,
            # as on the pages: the pool carries a partner's excess until year end by
            # agreement (else PL-LED-006, and the close refuses the ledger)
            agreement_ref="Cabinet 2026-01-14 item 3" if by is not None else None,
        )
        for n, (scheme, net, by, unauthorised) in enumerate(spend)
    ]
    return close_year(agreement, Ledger(agreement, entries), FinancialYear(2025), **options)


def _page(stem: str) -> Path:
    return next(p for p in RULE_PAGES if p.name.startswith(stem + "-"))


@pytest.mark.parametrize(
    ("stem", "spend", "options", "expected"), WORKED, ids=[w[0] for w in WORKED]
)
def test_worked_example(
    stem: str, spend: list[Spend], options: dict[str, Any], expected: Shares
) -> None:
    page = _page(stem)
    result = _close(page, spend, options)
    got = {
        k: {p: (result.scheme(k).deficit[p], result.scheme(k).underspend[p]) for p in shares}
        for k, shares in expected.items()
    }
    assert got == expected
    text = page.read_text(encoding="utf-8")
    for shares in expected.values():
        for deficit, underspend in shares.values():
            for pence in (deficit, underspend):
                if pence:
                    assert format_pence(pence) in text, f"{page.name} does not show {pence}p"


def test_worked_example_dispositions() -> None:
    """RS11 split by a ruling, RS13's default and ruled dispositions, as the pages say."""
    rs11 = _close(_page("rs11"), [("IBCF", "950000.00", None, False)], {"rulings": _ruling_rs11()})
    assert rs11.scheme("IBCF").dispositions == {
        "REFUND": {"COUNCIL": 1400000, "ICB": 600000},
        "CARRY_FORWARD": {"COUNCIL": 2100000, "ICB": 900000},
    }
    spend: list[Spend] = [("PREV", "960000.00", None, False)]
    default = _close(_page("rs13"), spend, {})
    assert set(default.scheme("PREV").dispositions) == {"CARRY_FORWARD"}
    ruled = _close(_page("rs13"), spend, {"rulings": _ruling_rs13_refund()})
    assert set(ruled.scheme("PREV").dispositions) == {"REFUND"}
    assert ruled.partner("ICB").settlement == 2000000
