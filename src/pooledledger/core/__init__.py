"""Layer 0, the core: errors and issue codes, money, the one allocator, periods.

Nothing here imports from any other part of pooledledger (docs/architecture.md).
"""
