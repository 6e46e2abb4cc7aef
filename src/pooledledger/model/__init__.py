"""Layer 1, the model: partners, risk-share rules, entries and the agreement, with their checks.

Imports only from :mod:`pooledledger.core` (docs/architecture.md).
"""
