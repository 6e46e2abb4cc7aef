"""A griffe extension for the API reference: shows reST-style docstrings as Markdown.

The library's docstrings are written for Sphinx-style readers: Python roles
(``:func:`allocate```), doctest examples (``>>> ...``) and reST simple tables.
mkdocstrings renders docstrings as Markdown, where a doctest becomes a block quote
and a doctest's output such as ``[{'A': 34}]`` looks like a Markdown link. This
extension rewrites each docstring's *rendered copy* (the source files are untouched):

* a doctest (``>>>`` lines and their output, up to a blank line) becomes a
  fenced ``pycon`` code block;
* a reST simple table (``====  ====`` rules) becomes a fenced ``text`` block;
* ``:role:`target``` becomes inline code, ``~a.b.name`` showing only ``name``;
* a paragraph ending in ``::`` keeps one colon (the indented block after it is
  already a Markdown code block).

Used from mkdocs.yml: ``extensions: [docs/_ext/griffe_rst.py]``.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?[a-z]+:`(~|!)?([^`]+)`")
_RULE = re.compile(r"^\s*=+(\s+=+)+\s*$")


def _role(match: re.Match[str]) -> str:
    target = match[2]
    if match[1] == "~":
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def rst_to_markdown(text: str) -> str:
    """The Markdown form of one reST-style docstring (see the module docstring)."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
                i += 1
            if out and out[-1].strip():
                out.append("")
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
            continue
        if _RULE.match(line):
            block = []
            rules = 0
            while i < len(lines) and rules < 3:
                if _RULE.match(lines[i]):
                    rules += 1
                block.append(lines[i])
                i += 1
            if out and out[-1].strip():
                out.append("")
            out += ["```text", *(_ROLE.sub(lambda m: m[2].rsplit(".", 1)[-1], b) for b in block)]
            out += ["```"]
            continue
        line = _ROLE.sub(_role, line)
        if line.endswith("::") and not line.endswith(":::"):
            line = line[:-1]
        out.append(line)
        i += 1
    return "\n".join(out)


class RstDocstrings(griffe.Extension):
    """Rewrite every loaded object's docstring with :func:`rst_to_markdown`."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
