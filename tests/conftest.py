"""Hypothesis profiles: ``dev`` (fast, default), ``ci`` (CI=true, thorough) and
``mutation`` (for mutmut, which runs each test many times in one process; see
docs/reliability.md#mutation-testing)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=200, deadline=None)
settings.register_profile(
    "ci", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "mutation",
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


# -- pool store backends (tests/test_store*.py) ------------------------------------------

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a new pool store goes: a SQLite file, or a fresh PostgreSQL database.

    The PostgreSQL server is named by POOLEDLEDGER_TEST_PG; without it the
    PostgreSQL runs are skipped, except under CI=true, where they fail.
    """
    if request.param == "sqlite":
        yield str(tmp_path / "pool.db")
        return
    from store_support import PG_ENV, pg_database, pg_server

    server = pg_server()
    if server is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{PG_ENV} is not set: CI must test the store on PostgreSQL")
        pytest.skip(f"{PG_ENV} is not set (a postgresql:// URL of a server to test against)")
    with pg_database(server) as url:
        yield url


if os.environ.get("HYPOTHESIS_PROFILE") == "mutation":
    # mutmut forks one child per mutant from a process that has already run the
    # tests; polars' thread pool does not survive a fork, so a child that reaches
    # polars would wait for it forever.  Under mutation testing every scheme takes
    # the row allocator (the same pence: tests/test_allocation_columns.py) and the
    # DataFrame checks of tests/test_outputs_properties.py leave polars out.
    import sys

    import pooledledger.books.apportion as _apportion

    _apportion.COLUMNS_FROM = sys.maxsize
