"""pooledledger: exact accounting for UK public-sector pooled budgets."""

from pooledledger.allocation import (
    AllocationTrail,
    CumulativeAllocator,
    Grid,
    allocate,
    allocate_2d,
    allocate_cumulative,
    explain_allocation,
)
from pooledledger.errors import (
    AllocationError,
    CurrencyMismatchError,
    Issue,
    IssueError,
    Location,
    MoneyError,
    PooledLedgerError,
    Severity,
)
from pooledledger.money import (
    GBP,
    Amount,
    Rounding,
    format_pence,
    multiply,
    parse_amount,
    round_to_pence,
    to_money,
    to_pence,
)

__version__ = "0.1.0"

__all__ = [
    "GBP",
    "AllocationError",
    "AllocationTrail",
    "Amount",
    "CumulativeAllocator",
    "CurrencyMismatchError",
    "Grid",
    "Issue",
    "IssueError",
    "Location",
    "MoneyError",
    "PooledLedgerError",
    "Rounding",
    "Severity",
    "__version__",
    "allocate",
    "allocate_2d",
    "allocate_cumulative",
    "explain_allocation",
    "format_pence",
    "multiply",
    "parse_amount",
    "round_to_pence",
    "to_money",
    "to_pence",
]
