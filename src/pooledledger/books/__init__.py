"""Layer 2, the books: the ledger, each partner's share of every line, the risk-share
arithmetic, journals and termination.

Imports only from the model and the core (docs/architecture.md).
"""
