"""Golden files: every output of both bundled examples, byte for byte.

``pooledledger demo`` writes, for each worked example, the year-end close (JSON,
Markdown, HTML, CSV tables, workbook), the quarterly reports and the agreement of
balances exports.  Each text output must equal its golden copy in
``tests/golden/`` exactly; a workbook is compared by the value and number format
of every cell of every sheet (its bytes carry zip timestamps of the writer).

A change that alters an output on purpose regenerates the files with
``POOLEDLEDGER_REGEN_GOLDEN=1 python -m pytest tests/test_golden_outputs.py`` and
lists the change in the CHANGELOG.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pooledledger.cli import main as cli

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("POOLEDLEDGER_REGEN_GOLDEN") == "1"


def _workbook_values(path: Path) -> dict[str, Any]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=False)
    try:
        sheets: dict[str, Any] = {}
        for ws in book.worksheets:
            rows = []
            for row in ws.iter_rows():
                rows.append(
                    [[str(c.value) if c.value is not None else None, c.number_format] for c in row]
                )
            sheets[ws.title] = rows
        return {"sheets": list(book.sheetnames), "cells": sheets}
    finally:
        book.close()


def _as_golden(path: Path) -> tuple[str, str]:
    """The golden file name and text for one output."""
    if path.suffix == ".xlsx":
        text = json.dumps(_workbook_values(path), indent=1, ensure_ascii=False) + "\n"
        return path.name + ".values.json", text
    return path.name, path.read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _outputs(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _produced(demo: Path) -> dict[str, str]:
    produced: dict[str, str] = {}
    for path in _outputs(demo):
        name, text = _as_golden(path)
        produced[(path.relative_to(demo).parent / name).as_posix()] = text
    return produced


def _differences(produced: dict[str, str], golden: Path) -> list[str]:
    """Each output missing, extra or different from the golden folder."""
    expected = {
        p.relative_to(golden).as_posix(): p.read_bytes().decode("utf-8") for p in _outputs(golden)
    }
    names = sorted(set(produced) | set(expected))
    return [n for n in names if produced.get(n) != expected.get(n)]


def test_demo_outputs_match_golden_files(demo_out: Path) -> None:
    produced = _produced(demo_out)
    if REGEN:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, text in produced.items():
            target = GOLDEN / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
    assert len(produced) >= 50
    assert _differences(produced, GOLDEN) == []


def test_golden_check_fails_on_a_moved_penny(demo_out: Path, tmp_path: Path) -> None:
    """The comparison can fail: one penny moved in one output is caught."""
    shutil.copytree(GOLDEN, tmp_path / "golden")
    produced = _produced(demo_out)
    assert _differences(produced, tmp_path / "golden") == []
    name = next(n for n in produced if n.endswith("_year_end.md"))
    target = tmp_path / "golden" / name
    text = target.read_bytes().decode("utf-8")
    pos = text.index(".00")
    target.write_bytes((text[:pos] + ".01" + text[pos + 3 :]).encode("utf-8"))
    assert _differences(produced, tmp_path / "golden") == [name]


def test_demo_outputs_from_the_pool_columns_match_golden_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every ledger's pool lines held in columns (the path of a large ledger,
    docs/benchmarks.md#design-note-columns), every output is still the golden one."""
    import pooledledger.books.pool_columns as pool_columns

    monkeypatch.setattr(pool_columns, "COLUMNS_FROM", 0)
    made: list[int] = []
    real = pool_columns.make_pool_columns

    def counted(*args: Any) -> pool_columns.PoolColumns:
        made.append(1)
        return real(*args)

    monkeypatch.setattr(pool_columns, "make_pool_columns", counted)
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert made  # the columns were used
    assert _differences(_produced(tmp_path), GOLDEN) == []
