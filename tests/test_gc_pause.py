"""The close and the readers pause the cyclic garbage collector and put it back.

A close of a large ledger makes millions of objects in no reference cycle, so the
collector is paused while it runs (docs/benchmarks.md).  Whatever happens, the
collector's state afterwards is what it was before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest

import pooledledger.yearend.close as close_module
from pooledledger import FinancialYear, Ledger, load_agreement, load_ledger
from pooledledger.core.gc_pause import gc_paused
from pooledledger.io.csv_files import read_ledger_csv
from pooledledger.yearend.close import CloseError, close_year

EXAMPLES = files("pooledledger") / "examples"
Y25 = FinancialYear(2025)


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:  # pragma: no cover - pytest runs with the collector on
        gc.disable()


def _ledger() -> Ledger:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")  # type: ignore[arg-type]
    return load_ledger(agreement, EXAMPLES / "example2_ledger.toml")  # type: ignore[arg-type]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_close_runs_with_the_collector_paused_and_restores_it(
    collector: None, enabled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = _ledger()
    seen: list[bool] = []
    inner = close_module._close_year

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return inner(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(close_module, "_close_year", spy)
    (gc.enable if enabled else gc.disable)()
    close_year(ledger, Y25)
    assert seen == [False]
    assert gc.isenabled() is enabled


def test_a_refused_close_restores_the_collector(collector: None) -> None:
    gc.enable()
    with pytest.raises(CloseError):
        close_year(_ledger(), Y25, terminate_on=Y25.start.replace(year=2030))
    assert gc.isenabled()


def test_a_pause_inside_a_pause_leaves_it_to_the_outer_one(collector: None) -> None:
    gc.enable()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_bad_file_restores_the_collector(collector: None, tmp_path: Path) -> None:
    gc.enable()
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")  # type: ignore[arg-type]
    path = tmp_path / "bad.csv"
    path.write_text("entry,id,scheme,date,net\nexpenditure,E1,S3,2025-06-31,1.00\n")
    ledger, issues = read_ledger_csv(agreement, path)
    assert ledger is None
    assert issues
    assert gc.isenabled()


def test_the_commands_exit_hook_is_set_once() -> None:
    from pooledledger.cli import common

    with common.batch_gc():
        pass
    with common.batch_gc():
        pass
    assert [gc.freeze] == common._EXIT_HOOK


def test_a_close_in_its_own_process_writes_what_one_in_process_writes(tmp_path: Path) -> None:
    """The exit hook (the collector's objects frozen as the process ends) loses no byte."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from pooledledger.cli import main

    args = [
        "close",
        str(EXAMPLES / "example1_la_two_pcts.toml"),
        str(EXAMPLES / "example1_ledger.toml"),
        *("--format", "json", "--format", "md", "--format", "html", "--format", "csv"),
        "--out",
    ]
    own = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pooledledger.cli import main; main()",
            *args,
            str(tmp_path / "a"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    here = CliRunner().invoke(main, [*args, str(tmp_path / "b")])
    assert here.exit_code == 0, here.output
    assert own.stdout.replace(str(tmp_path / "a"), "OUT") == here.output.replace(
        str(tmp_path / "b"), "OUT"
    )
    written = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    assert written == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))
    assert len(written) > 5
    for p in written:
        if (tmp_path / "a" / p).is_file():
            assert (tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes(), p


def test_what_a_pause_made_goes_to_the_oldest_generation(collector: None) -> None:
    """In the command line's scope (``promoting``), as the close from files runs."""
    from pooledledger.core.gc_pause import promoting

    gc.enable()
    with promoting(), gc_paused():
        made = [[i] for i in range(1_000)]
        assert any(o is made for o in gc.get_objects(generation=0))
    assert gc.isenabled()
    assert gc.get_count()[0] < 100  # no run is due over what was made
    assert any(o is made for o in gc.get_objects(generation=2))
    assert not any(o is made for o in gc.get_objects(generation=0))
    assert gc.get_freeze_count() == 0


def test_objects_the_program_froze_stay_frozen(collector: None) -> None:
    from pooledledger.core.gc_pause import promote_young

    gc.enable()
    kept = [object()]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            made = [[1]]
        promote_young()
        assert gc.get_freeze_count() == frozen  # not unfrozen
        assert made
        assert kept
    finally:
        gc.unfreeze()


def test_cycles_made_before_pauses_are_still_freed_by_the_collector(collector: None) -> None:
    """A program that reads files again and again (each read a pause) has its own
    reference cycles freed by the collector's young runs, as without the pauses:
    a pause does not move them to the oldest generation, which a full run (counted
    from the objects that survive the young runs) may then never reach."""
    freed: list[int] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self
            self.blob = bytearray(1_000)

        def __del__(self) -> None:
            freed.append(1)

    saved = gc.get_threshold()
    gc.enable()
    gc.collect()
    gc.set_threshold(700, 10, 10)
    try:
        made = 0
        for _ in range(200):
            for _ in range(100):
                Cycle()
                made += 1
            with gc_paused():
                pass
        left = made - len(freed)
    finally:
        gc.set_threshold(*saved)
        gc.collect()
    assert left < 2_000, f"{left:,} of {made:,} cycles not freed"
