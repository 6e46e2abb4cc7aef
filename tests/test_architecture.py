"""The layers hold (docs/architecture.md): checked by import-linter, lazily or not.

``lint-imports`` reads the ``[tool.importlinter]`` contract in ``pyproject.toml``;
these tests run it on the package, prove it fails on a planted upward import, and
check what the contract cannot see: no module imports the package root.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=src.parent,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_the_layer_contract_is_kept() -> None:
    done = _lint(SRC, ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "planted"),
    [
        # a lazy import inside a function counts as much as one at the top
        ("core/money.py", "\n\ndef _planted() -> None:\n    import pooledledger.reports.note\n"),
        ("books/ledger.py", "\nfrom pooledledger.yearend import close as _planted\n"),
        ("reports/note.py", "\nimport pooledledger.io.csv_out as _planted\n"),
    ],
)
def test_the_contract_fails_on_a_planted_upward_import(
    tmp_path: Path, module: str, planted: str
) -> None:
    copy = tmp_path / "src"
    shutil.copytree(SRC / "pooledledger", copy / "pooledledger")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert _lint(copy, tmp_path / "pyproject.toml").returncode == 0
    target = copy / "pooledledger" / module
    target.write_text(target.read_text(encoding="utf-8") + planted, encoding="utf-8")
    done = _lint(copy, tmp_path / "pyproject.toml")
    assert done.returncode != 0
    assert "BROKEN" in done.stdout


def test_no_module_imports_the_package_root() -> None:
    import grimp

    graph = grimp.build_graph("pooledledger")
    importers = graph.find_modules_that_directly_import("pooledledger")
    assert importers == set()
