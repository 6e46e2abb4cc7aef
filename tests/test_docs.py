"""The docs keep up with the code: every issue code documented, every link alive."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pooledledger.core.errors import ISSUE_CODES

ROOT = Path(__file__).resolve().parents[1]


def test_every_issue_code_is_documented() -> None:
    page = (ROOT / "docs" / "issue-codes.md").read_text(encoding="utf-8")
    missing = [code for code in ISSUE_CODES if code not in page]
    assert missing == []


@pytest.mark.parametrize(
    "page",
    [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_relative_links_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_docs_link_only_inside_docs() -> None:
    """The site is built from docs/ alone: a page may not link to files outside it."""
    docs = (ROOT / "docs").resolve()
    for page in sorted(docs.rglob("*.md")):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            resolved = (page.parent / target).resolve()
            assert resolved.is_relative_to(docs), f"{page.name} links outside docs/: {target}"


def test_readme_has_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pooledledger demo" in readme
    assert "python -m pytest" in readme
