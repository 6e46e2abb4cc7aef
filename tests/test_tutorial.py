"""The tutorial runs: every ```python block of docs/tutorial.md, in order, in one namespace.

The blocks assert the exact figures of domain.md §7 and §8, so the tutorial can never
drift from the code.
"""

from __future__ import annotations

import re
from pathlib import Path

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[str]:
    """Every fenced ```python block of a Markdown page, in order."""
    return _BLOCK.findall(text)


def test_tutorial_has_code() -> None:
    blocks = python_blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert len(blocks) >= 10
    assert sum(block.count("assert ") for block in blocks) >= 50


def test_tutorial_runs() -> None:
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for number, block in enumerate(python_blocks(TUTORIAL.read_text(encoding="utf-8")), 1):
        code = compile(block, f"{TUTORIAL.name} block {number}", "exec")
        exec(code, namespace)
