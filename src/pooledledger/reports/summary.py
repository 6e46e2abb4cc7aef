"""Readable summaries of an agreement and of in-year shares, as Markdown text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pooledledger.books.apportion import Apportionment
from pooledledger.books.journals import ACCOUNT_LABELS, Journal
from pooledledger.core.errors import Issue
from pooledledger.core.money import format_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement

__all__ = ["agreement_summary", "issues_markdown", "journals_markdown", "shares_markdown"]


def _one_line(text: str) -> str:
    """Free text on one Markdown line: a line break in a name would start a new line,
    which could read as a table row or a heading."""
    return " ".join(text.splitlines())


def _table(header: list[str], rows: list[list[str]], right_from: int = 1) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(header))]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def issues_markdown(issues: Sequence[Issue], heading: str = "## Issues") -> list[str]:
    """Warnings and notes that travel with a result, as Markdown lines (none: no lines).

    One row per issue: code, severity, where (entry id, field) and message.
    """
    if not issues:
        return []

    def cell(text: str) -> str:
        return " ".join(text.replace("|", "\\|").splitlines())

    rows = [
        [cell(i.code), i.severity.value, cell(str(i.location)), cell(i.message)] for i in issues
    ]
    return [heading, "", *_table(["code", "severity", "where", "message"], rows, right_from=99)]


def agreement_summary(agreement: Agreement, year: FinancialYear | None = None) -> str:
    """Who the partners are, what each scheme is and who pays what, in one page."""
    years = [year] if year is not None else list(agreement.financial_years)
    host = agreement.host_partner
    lines = [
        f"# {_one_line(agreement.name)} ({agreement.id})",
        "",
        f"- Legal basis: {agreement.legal_basis.value}",
        f"- Term: {agreement.term_start} to {agreement.term_end}",
        f"- Host: {_one_line(host.name)} ({host.id}); "
        f"pooled fund manager: {_one_line(agreement.pooled_fund_manager)}",
        "- Partners, in tie-break order: "
        + ", ".join(f"{p.name} ({p.id}, {p.kind.value})" for p in agreement.partners),
        "",
        "## Schemes",
        "",
    ]
    rows = []
    for s in agreement.schemes:
        model = s.accounting_model
        partner = getattr(model, "partner", None)
        shown = f"{model.model}({partner})" if partner else model.model
        rows.append(
            [
                s.id,
                s.name,
                s.lead_commissioner,
                shown,
                f"{s.risk_share.code} {s.risk_share.rule}",
                s.underspend.disposition.value,
            ]
        )
    lines += _table(
        ["id", "scheme", "lead", "accounting", "risk share", "underspend"], rows, right_from=99
    )
    for fy in years:
        grid = agreement.contributed_pence(fy)
        lines += ["", f"## Planned contributions {fy}", ""]
        partners = list(agreement.partner_order)
        rows = [
            [k, *[format_pence(v[p]) for p in partners], format_pence(sum(v.values()))]
            for k, v in grid.items()
        ]
        totals = [sum(v[p] for v in grid.values()) for p in partners]
        rows.append(["**Total**", *[format_pence(t) for t in totals], format_pence(sum(totals))])
        lines += _table(["scheme", *partners, "total"], rows)
    return "\n".join(lines) + "\n"


def shares_markdown(agreement: Agreement, apportionment: Apportionment) -> str:
    """Each partner's share of expenditure, income and net, per scheme, to date."""
    partners = list(apportionment.partners)
    w = apportionment.within
    lines = [f"## Partners' shares {apportionment.year}, {w.start} to {w.last_day}", ""]
    rows = []
    for k, s in apportionment.schemes.items():
        for label, values in (("expenditure", s.expenditure), ("income", s.income), ("net", s.net)):
            rows.append(
                [
                    k,
                    label,
                    *[format_pence(values[p]) for p in partners],
                    format_pence(sum(values.values())),
                ]
            )
    by = apportionment.by_partner()
    for label in ("expenditure", "income", "net"):
        rows.append(
            [
                "**All**",
                label,
                *[format_pence(by[p][label]) for p in partners],
                format_pence(sum(by[p][label] for p in partners)),
            ]
        )
    lines += _table(["scheme", "", *partners, "total"], rows, right_from=2)
    return "\n".join(lines) + "\n"


def journals_markdown(journals: Mapping[str, Journal]) -> str:
    """Every partner's journal lines as Markdown tables."""
    out: list[str] = []
    for partner, j in journals.items():
        out += [
            "",
            f"### Journal: {partner} ({j.start} to {j.end}, balanced: "
            f"{'yes' if j.is_balanced else 'NO'})",
            "",
        ]
        rows = [
            [
                x.ref,
                ACCOUNT_LABELS[x.account] + (f" – {x.counterparty}" if x.counterparty else ""),
                x.scheme or "",
                format_pence(x.debit) if x.debit else "",
                format_pence(x.credit) if x.credit else "",
            ]
            for x in j.lines
        ]
        out += _table(["ref", "account", "scheme", "Dr", "Cr"], rows, right_from=3)
    return "\n".join(out) + "\n"
