"""Test data and databases for the pool store tests.

* :func:`pg_database`: a fresh PostgreSQL database on the server named by
  ``POOLEDLEDGER_TEST_PG`` (dropped afterwards);
* :func:`monthly_files`: the bundled BCF example ledger split into one JSON file
  per month of 2025-26;
* :func:`second_year`: an agreement covering 2026-27 too (the bundled one with its
  term extended) and a hand-made 2026-27 ledger, split by month: next year's
  contributions (5.66% uplift), the risk pool, the ICB's quarterly instalments and
  monthly spending with a little over- and underspend.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from importlib.resources import files
from pathlib import Path

from pooledledger.books.ledger import Ledger, entry_date
from pooledledger.core.allocation import allocate
from pooledledger.core.money import to_money
from pooledledger.core.periods import FinancialYear
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.ledger_files import dump_ledger_json, load_ledger
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Income,
    Instalment,
)
from pooledledger.yearend.budget import next_year_contributions

PG_ENV = "POOLEDLEDGER_TEST_PG"
EXAMPLES = files("pooledledger") / "examples"
AGREEMENT = Path(str(EXAMPLES / "example2_bcf.toml"))
LEDGER = Path(str(EXAMPLES / "example2_ledger.toml"))
Y1 = FinancialYear.parse("2025-26")
Y2 = FinancialYear.parse("2026-27")


@contextmanager
def pg_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url``; its URL, dropped after."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"pltest_{uuid.uuid4().hex[:12]}"
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    finally:
        # FORCE ends our own leftover sessions; a server process of another role (an
        # autovacuum worker) cannot be ended by a plain role, so wait for it to go
        for attempt in range(20):
            try:
                with psycopg.connect(plain, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
                if attempt == 19:
                    raise
                time.sleep(0.5)


def pg_server() -> str | None:
    """The PostgreSQL server URL the tests use, if any."""
    return os.environ.get(PG_ENV) or None


def year1() -> tuple[Agreement, Ledger]:
    agreement = load_agreement(AGREEMENT)
    return agreement, load_ledger(agreement, LEDGER)


def _by_month(entries: list[Entry]) -> dict[tuple[int, int], list[Entry]]:
    out: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for e in entries:
        d = entry_date(e)
        out[(d.year, d.month)].append(e)
    return dict(sorted(out.items()))


def _write_months(
    agreement: Agreement, entries: list[Entry], folder: Path, stem: str
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for (y, m), group in _by_month(entries).items():
        path = folder / f"{stem}-{y}-{m:02d}.json"
        path.write_text(dump_ledger_json(Ledger(agreement, group)), encoding="utf-8")
        paths.append(path)
    return paths


def monthly_files(folder: Path) -> list[Path]:
    """The bundled 2025-26 example ledger, one JSON file per month with entries."""
    agreement, ledger = year1()
    return _write_months(agreement, list(ledger.entries), folder, "bcf")


def agreement_v2(folder: Path) -> Path:
    """The bundled agreement with its term running to 31 March 2027."""
    text = AGREEMENT.read_text(encoding="utf-8")
    assert "term_end = 2026-03-31" in text
    path = folder / "bcf_v2.toml"
    path.write_text(text.replace("term_end = 2026-03-31", "term_end = 2027-03-31"), "utf-8")
    return path


def year2_entries(agreement: Agreement) -> list[Entry]:
    """A 2026-27 ledger by hand: contributions, risk pool, instalments, spending."""
    _, ledger = year1()
    contributions = list(
        next_year_contributions(
            Ledger(agreement, ledger.entries), Y1, uplift="0.0566", approval_ref="HWB 2026-02-20"
        )
    )
    for partner in ("COUNCIL", "ICB"):
        contributions.append(
            Contribution(
                id=f"{partner}-RP-{Y2}",
                partner=partner,
                scheme="RP",
                year=Y2,
                amount=to_money(15_000_000),
                kind=ContributionKind.RISK_POOL,
                effective_date=Y2.start,
                approval_ref="HWB 2026-02-20",
            )
        )
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for c in contributions:
        totals[(c.scheme, c.partner)] += c.pence
    entries: list[Entry] = [*contributions]
    due = [date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31), date(2027, 1, 31)]
    for (scheme, partner), total in sorted(totals.items()):
        if partner != "ICB":
            continue
        parts = allocate(total, dict.fromkeys(range(4), 1), list(range(4)))
        for q, when in enumerate(due):
            entries.append(
                Instalment(
                    id=f"ICB-{scheme}-{Y2}-Q{q + 1}",
                    partner="ICB",
                    scheme=scheme,
                    year=Y2,
                    amount=to_money(parts[q]),
                    due_date=when,
                    paid_date=when,
                )
            )
    # spending: a little under in S1 and S4, a little over in S2 and S3, on budget in S5
    factor = {"S1": (97, 100), "S2": (102, 100), "S3": (101, 100), "S4": (99, 100), "S5": (1, 1)}
    categories = {s.id: s.permitted_categories for s in agreement.schemes}
    by_scheme: dict[str, int] = defaultdict(int)
    for (scheme, _), total in totals.items():
        if scheme != "RP":
            by_scheme[scheme] += total
    months = [Y2.month(n) for n in range(1, 13)]
    for scheme, total in sorted(by_scheme.items()):
        num, den = factor[scheme]
        spend = total * num // den
        parts = allocate(spend, dict.fromkeys(range(12), 1), list(range(12)))
        allowed = categories.get(scheme) or ()
        for n, month in enumerate(months):
            entries.append(
                Expenditure(
                    id=f"{scheme}-{Y2}-M{n + 1:02d}",
                    scheme=scheme,
                    date=month.start.replace(day=15),
                    net=to_money(parts[n]),
                    category=allowed[0] if allowed else None,
                    supplier="Various providers",
                )
            )
    for n, month in enumerate(months):
        entries.append(
            Income(
                id=f"S3-CHARGES-{Y2}-M{n + 1:02d}",
                scheme="S3",
                date=month.start,
                amount=to_money(100_000),
                source="client charges",
            )
        )
    return entries


def year2_files(agreement: Agreement, folder: Path) -> list[Path]:
    """The 2026-27 ledger, one JSON file per month."""
    return _write_months(agreement, year2_entries(agreement), folder, "bcf")
