"""The year-end output formats, in the order they are written.

A module of its own, with no imports, so the command line can list the formats
in ``pooledledger close --help`` without loading the writers.
"""

from __future__ import annotations

__all__ = ["ALL_FORMATS", "EXTRA_FORMATS", "FORMATS"]

#: Output formats of the year-end close written by default, in the order they are written.
FORMATS: tuple[str, ...] = ("json", "md", "html", "xlsx", "csv")

#: Output formats written only when asked for (``--format parquet``).
EXTRA_FORMATS: tuple[str, ...] = ("parquet",)

#: Every output format of the year-end close, in the order they are written.
ALL_FORMATS: tuple[str, ...] = FORMATS + EXTRA_FORMATS
