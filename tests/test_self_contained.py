"""The project explains itself (issue #12): no citation of material users do not have,
and an architecture page that names every module.

The internal specification (``domain.md``) and the project's ``shared/`` folder are
not shipped; the package, its docs and the README must cite ``docs/`` pages instead
(docs/invariants.md, docs/money.md#the-rounding-rules, ...).  docs/architecture.md
gives one line per module, so a new module without its line fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "pooledledger"

#: What users of the package do not have.
FORBIDDEN = re.compile(r"domain\.md|shared/")


def _shipped_texts(root: Path) -> list[Path]:
    """Every text file under src/ and docs/, and the README."""
    files = [root / "README.md"]
    for folder in (root / "src", root / "docs"):
        files += [
            p
            for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        ]
    return files


def _offending(root: Path) -> list[str]:
    found = []
    for path in _shipped_texts(root):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # a binary file cannot cite anything readable
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if FORBIDDEN.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_nothing_cites_the_internal_spec_or_shared() -> None:
    assert _offending(ROOT) == []


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("README.md", "See domain.md §7."),
        ("docs/money.md", "Rule R6 (domain.md §12)."),
        ("src/pooledledger/core/money.py", '"""Exact money (see shared/spec)."""'),
        ("src/pooledledger/examples/example1_ledger.toml", "# worked example (domain.md §7)"),
    ],
)
def test_a_planted_citation_is_found(tmp_path: Path, where: str, line: str) -> None:
    (tmp_path / "README.md").write_text("# clean\n", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "src").mkdir()
    assert _offending(tmp_path) == []
    target = tmp_path / where
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("first line\n" + line + "\n", encoding="utf-8")
    assert _offending(tmp_path) == [f"{where}:2: {line}"]


def _modules(package: Path) -> list[str]:
    return sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "__pycache__" not in p.parts
    )


def _unnamed(modules: list[str], page: str) -> list[str]:
    """Modules without their own line: ``- `path`: what it holds``."""
    listed = set(re.findall(r"^- `([\w/]+\.py)`: \S", page, flags=re.MULTILINE))
    return [m for m in modules if m not in listed]


def test_the_architecture_page_names_every_module() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = _modules(PACKAGE)
    assert "core/money.py" in modules
    assert "cli/closing.py" in modules
    assert _unnamed(modules, page) == []


def test_a_module_without_a_line_fails() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = [*_modules(PACKAGE), "books/new_module.py"]
    assert _unnamed(modules, page) == ["books/new_module.py"]
    # a mention in passing is not a line of its own
    assert _unnamed(["books/new_module.py"], page + "\nsee `books/new_module.py`\n") == [
        "books/new_module.py"
    ]
