"""What the agreement checks share: making an error or a warning at a field path, and
every partner a risk-share rule names (docs/agreements.md, docs/issue-codes.md).

The checks themselves are in :mod:`pooledledger.model.checks_agreement` and
:mod:`pooledledger.model.checks_rules`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.model.agreement import Agreement

__all__ = ["error", "rule_refs", "warning"]


def error(code: str, field: str, message: str) -> Issue:
    """An error-level issue at the agreement field ``field``."""
    return Issue(
        code=code, severity=Severity.ERROR, message=message, location=Location(field=field)
    )


def warning(code: str, field: str, message: str) -> Issue:
    """A warning at the agreement field ``field``."""
    return Issue(
        code=code, severity=Severity.WARNING, message=message, location=Location(field=field)
    )


def rule_refs(agreement: Agreement) -> Iterator[tuple[int, str, str, str]]:
    """(scheme index, field path, partner id, rule-relative path) for every partner a rule names."""
    for k, scheme in enumerate(agreement.schemes):
        for rel, partner in scheme.risk_share.partner_refs():
            yield k, f"schemes[{k}].risk_share.{rel}", partner, rel
