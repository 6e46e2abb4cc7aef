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


#: Functions allowed over 60 lines, with the reason docs/architecture.md gives.
LONG_FUNCTIONS = {
    ("store/migrations/versions/v0001_initial.py", "upgrade"),  # declarative, frozen
}


def _sizes() -> tuple[list[tuple[str, int]], list[tuple[str, str, int]]]:
    import ast

    files, functions = [], []
    package = SRC / "pooledledger"
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(package).as_posix()
        files.append((name, len(text.splitlines())))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                functions.append((name, node.name, node.end_lineno - node.lineno + 1))
    return files, functions


def test_no_file_over_600_lines_and_no_function_over_60() -> None:
    """The house limits (docs/architecture.md): a module over 600 lines or a function
    over 60 fails here unless it is listed, with its reason, in the docs' table."""
    files, functions = _sizes()
    assert [(f, n) for f, n in files if n > 600] == []
    long = {(f, name) for f, name, n in functions if n > 60}
    assert long == LONG_FUNCTIONS
    table = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for f, name in LONG_FUNCTIONS:
        assert f"`{f}`" in table
        assert f"`{name}`" in table
