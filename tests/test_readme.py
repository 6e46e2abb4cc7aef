"""The README's "In Python" code runs, and each ``# -> value`` comment is what it gives.

It runs on the Better Care Fund example with a finance-system export of its ledger
(tests/gl_export.py) read through tests/data/gl_export_map.toml; the code blocks of
docs/what-if.md and docs/journal-uploads.md run the same way.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from gl_export import MAP, gl_export_rows, write_csv
from pooledledger.io import load_agreement, load_ledger
from test_csv_import import entry_rows
from test_journal_uploads import doc_layouts

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "pooledledger" / "examples"
RESULT = re.compile(r"#\s*->\s*(.+?)(?:\s{2,}|$)")


def python_blocks(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def run(code: str, where: str) -> None:
    """Run ``code`` statement by statement; check each ``# -> value`` against repr()."""
    tree = ast.parse(code)
    lines = code.splitlines()
    names: dict[str, object] = {}
    checked = 0
    for node in tree.body:
        end = lines[(node.end_lineno or node.lineno) - 1]
        m = RESULT.search(end)
        if isinstance(node, ast.Expr) and m is not None:
            value = eval(compile(ast.Expression(node.value), where, "eval"), names)
            assert repr(value) == m[1], f"{where} line {node.lineno}: {value!r} != {m[1]}"
            checked += 1
        else:
            exec(compile(ast.Module([node], []), where, "exec"), names)
    assert checked or "# ->" not in code


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("agreement.toml", "bcf.toml"):
        shutil.copy(EXAMPLES / "example2_bcf.toml", tmp_path / name)
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    ledger = load_ledger(agreement, EXAMPLES / "example2_ledger.toml")
    write_csv(tmp_path / "gl_export.csv", gl_export_rows(ledger))
    write_csv(tmp_path / "ledger.csv", entry_rows(ledger))
    shutil.copy(MAP, tmp_path / "gl_map.toml")
    shutil.copy(ROOT / "tests" / "data" / "journal_mapping_bcf.toml", tmp_path / "mapping.toml")
    for name, body in doc_layouts().items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_readme_in_python_runs(files: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## In Python", 1)[1]
    code = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    assert 'load_ledger(agreement, "gl_export.csv"' in code
    run(code, "README.md")


@pytest.mark.parametrize("page", ["what-if.md", "journal-uploads.md"])
def test_docs_python_runs(files: Path, page: str) -> None:
    blocks = python_blocks(ROOT / "docs" / page)
    assert blocks
    for code in blocks:
        run(code, page)
    if page == "journal-uploads.md":
        assert (files / "uploads" / "GlInterface-ICB.csv").exists()


def test_what_if_page_shows_what_the_command_prints() -> None:
    from pooledledger import FinancialYear, SpendingChange, what_if

    page = (ROOT / "docs" / "what-if.md").read_text(encoding="utf-8")
    shown = re.findall(r"```text\n(## What if\?.*?)```", page, flags=re.S)[0]
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    ledger = load_ledger(agreement, EXAMPLES / "example2_ledger.toml")
    result = what_if(
        agreement, ledger, FinancialYear(2025), [SpendingChange(scheme="S4", amount="10000.00")]
    )
    assert shown == result.to_markdown()
