"""The pool store under faults: a process killed mid-command, two processes at once.

Each command runs in a subprocess (the real command line).  The store's test hook
``POOLEDLEDGER_STORE_PAUSE`` makes a command sleep inside its transaction, just
before it commits, so a test can kill it there with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pooledledger.store import PAUSE_ENV, PoolStore
from store_support import AGREEMENT, LEDGER, Y1, monthly_files

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

_CLI = "from pooledledger.cli import main; main()"


def start(*args: str, pause: float | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop(PAUSE_ENV, None)
    if pause is not None:
        env[PAUSE_ENV] = str(pause)
    return subprocess.Popen(
        [sys.executable, "-c", _CLI, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_paused(proc: subprocess.Popen[str], limit: float = 120) -> None:
    """Read the command's standard error until it says it is inside its transaction."""
    assert proc.stderr is not None
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "pausing inside the transaction" in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"the command ended early: {proc.returncode}")
    raise AssertionError("the command never reached its transaction")


def killed_mid_command(*args: str) -> None:
    proc = start(*args, pause=600)
    wait_until_paused(proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)  # reaps it and closes its pipes
    assert proc.returncode == -signal.SIGKILL


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def state(location: str) -> tuple[object, ...]:
    with PoolStore.open(location) as store:
        return (
            store.ledger().entries,
            tuple((e.seq, e.hash) for e in store.history()),
            store.closes(),
        )


def test_an_import_killed_midway_leaves_the_store_as_before(
    store_location: str, tmp_path: Path
) -> None:
    months = monthly_files(tmp_path)
    with PoolStore.init(store_location, AGREEMENT) as store:
        store.import_file(months[0])
    before = state(store_location)
    killed_mid_command("import", store_location, str(months[1]))
    assert state(store_location) == before
    with PoolStore.open(store_location) as store:
        assert store.verify().ok
        store.import_file(months[1])  # and the same file can be imported afterwards
        assert len(store.history()) == 3


def test_a_close_killed_midway_leaves_the_store_as_before(
    store_location: str, tmp_path: Path
) -> None:
    with PoolStore.init(store_location, AGREEMENT) as store:
        store.import_file(LEDGER)
    before = state(store_location)
    killed_mid_command("close", store_location, "--year", "2025-26", "--out", str(tmp_path))
    assert state(store_location) == before
    with PoolStore.open(store_location) as store:
        assert store.stored_close(Y1) is None
        assert store.verify().ok
        assert not store.close(Y1).already_closed


def test_a_writer_waits_for_another_and_both_land(store_location: str, tmp_path: Path) -> None:
    months = monthly_files(tmp_path)
    PoolStore.init(store_location, AGREEMENT).dispose()
    first = start("import", store_location, str(months[0]), pause=3)
    wait_until_paused(first)
    second = start("import", store_location, str(months[1]))
    assert finish(first)[0] == 0
    code, _, err = finish(second)
    assert code == 0, err
    with PoolStore.open(store_location) as store:
        assert store.verify().ok
        batches = [e.summary for e in store.history() if e.kind == "import"]
        assert len(batches) == 2


def test_two_processes_importing_at_once_lose_and_double_nothing(
    store_location: str, tmp_path: Path
) -> None:
    months = monthly_files(tmp_path)
    PoolStore.init(store_location, AGREEMENT).dispose()
    script = (
        "import sys\n"
        "from pooledledger.store import PoolStore\n"
        "with PoolStore.open(sys.argv[1]) as s:\n"
        "    for f in sys.argv[2:]:\n"
        "        s.import_file(f, by=f)\n"
    )
    halves = [months[0::2], months[1::2]]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, store_location, *map(str, half)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for half in halves
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    expected = sum(len(json.loads(p.read_text())["entries"]) for p in months)
    with PoolStore.open(store_location) as store:
        ledger = store.ledger()
        assert len(ledger) == expected == 37
        assert store.verify().ok
        assert len(store.history()) == 1 + len(months)


def test_the_same_file_imported_twice_at_once_lands_once(
    store_location: str, tmp_path: Path
) -> None:
    PoolStore.init(store_location, AGREEMENT).dispose()
    procs = [start("import", store_location, str(LEDGER)) for _ in range(2)]
    results = sorted((code, err) for code, _, err in map(finish, procs))
    assert [code for code, _ in results] == [0, 1]
    assert "PL-STO-002" in results[1][1]
    with PoolStore.open(store_location) as store:
        assert len(store.ledger()) == 37
        assert store.verify().ok
