"""Layer 3, the year end: ledger checks, the close, budgets, what-if and journal uploads.

Imports only from the books, the model and the core (docs/architecture.md).
"""
