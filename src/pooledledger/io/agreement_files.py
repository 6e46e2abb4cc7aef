"""Reading and writing agreement files: TOML, YAML and JSON (layer L5).

:func:`read_agreement` never raises on bad data. It returns the agreement (or
``None``) and **every** issue found:

* ``PL-AGR-001``: the file cannot be read or parsed; the location gives the line
  (in ``Location.row``) when the parser reports one.
* ``PL-AGR-002``: one issue per structural problem (missing field, wrong type,
  invalid value, unknown field), located by the field's path in the file, e.g.
  ``schemes[2].risk_share.caps[0].cap``.
* then, if the structure is sound, every issue from
  :func:`~pooledledger.model.checks_agreement.validate_agreement` (PL-AGR-003 onwards).

Money and shares must be written as text: ``amount = "600000.00"``,
``share = "1/2"``. A bare ``600000.00`` in TOML, YAML or JSON is a binary
float, which cannot hold money exactly, and is refused with PL-AGR-002. Dates
may be native TOML/YAML dates or ISO text (``2025-04-01``).

:func:`load_agreement` is the strict form: it returns the agreement or raises
:class:`~pooledledger.core.errors.IssueError` listing every issue.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from moneyed import Money
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pooledledger.core.errors import Issue, IssueError, Location, MoneyError, Severity, has_errors
from pooledledger.model.agreement import Agreement
from pooledledger.model.checks_agreement import validate_agreement

__all__ = [
    "MAX_AMOUNT_TEXT",
    "MAX_PENCE",
    "AgreementFormat",
    "DuplicateKeyError",
    "agreement_from_data",
    "agreement_json_schema",
    "dump_agreement_json",
    "load_agreement",
    "loads_json",
    "loads_yaml",
    "parse_failure",
    "read_agreement",
    "too_large_amounts",
]


class AgreementFormat(StrEnum):
    """The file formats an agreement may be written in."""

    TOML = "toml"
    YAML = "yaml"
    JSON = "json"


_SUFFIXES = {
    ".toml": AgreementFormat.TOML,
    ".yaml": AgreementFormat.YAML,
    ".yml": AgreementFormat.YAML,
    ".json": AgreementFormat.JSON,
}

#: The largest amount any input may hold, in pence (£9,999,999,999,999.99): 15
#: significant digits, the most a spreadsheet number (a binary double) holds and shows
#: exactly to the penny, so every amount read stays exact in the Excel results too
#: (docs/csv-import.md#amounts; totals beyond it: docs/excel-and-dataframes.md).
MAX_PENCE = 10**15 - 1
#: :data:`MAX_PENCE` as people read it.
MAX_AMOUNT_TEXT = "£9,999,999,999,999.99"

_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _issue(code: str, message: str, file: str | None, **where: Any) -> Issue:
    return Issue(
        code=code,
        severity=Severity.ERROR,
        message=message,
        location=Location(file=file, **where),
    )


# ------------------------------------------------------------------------ parsing


class DuplicateKeyError(ValueError):
    """A JSON object or YAML mapping gives the same key twice (the parsers keep the last)."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(
                f"the key {key!r} appears twice in one object; give it once "
                "(otherwise only the last would be kept)"
            )
        out[key] = value
    return out


def loads_json(text: str) -> Any:
    """``json.loads``, refusing an object that gives a key twice (:class:`DuplicateKeyError`)."""
    return json.loads(text, object_pairs_hook=_unique_pairs)


def loads_yaml(text: str) -> Any:
    """YAML text as data: safe, YAML 1.2 plain scalars, a key given twice refused.

    ``1:30``, ``no``, ``0o17`` and ``1_000`` are read as the text they show, not as
    YAML 1.1 numbers and booleans.
    """
    import yaml

    from pooledledger.io.yaml_loader import Yaml12Loader

    return yaml.load(text, Loader=Yaml12Loader)  # a SafeLoader subclass: safe


def _yaml_error() -> type[Exception] | tuple[()]:
    """``yaml.YAMLError`` once yaml is loaded (only reading YAML loads it), else
    nothing to catch."""
    yaml = sys.modules.get("yaml")
    return () if yaml is None else cast(type[Exception], yaml.YAMLError)


def parse_failure(exc: BaseException) -> str:
    """Why a file could not be parsed, in a finance officer's words (not Python's)."""
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    text = str(exc)
    if "integer string conversion" in text:
        return "a number has more than 4,300 digits"
    return text


def _parse(text: str, fmt: AgreementFormat, file: str | None) -> tuple[Any, list[Issue]]:
    """Parse text into plain data; a PL-AGR-001 issue if it is not valid ``fmt``."""
    try:
        if fmt is AgreementFormat.TOML:
            return tomllib.loads(text), []
        if fmt is AgreementFormat.YAML:
            return loads_yaml(text), []
        return loads_json(text), []
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        line = int(m[1]) if m else None
        return None, [_issue("PL-AGR-001", f"not valid TOML: {exc}", file, row=line)]
    except _yaml_error() as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        summary = " ".join(str(exc).split())
        return None, [_issue("PL-AGR-001", f"not valid YAML: {summary}", file, row=line)]
    except json.JSONDecodeError as exc:
        return None, [_issue("PL-AGR-001", f"not valid JSON: {exc}", file, row=exc.lineno)]
    except (ValueError, RecursionError) as exc:
        # a duplicate key, a number of more than 4,300 digits, or nesting too deep
        return None, [_issue("PL-AGR-001", f"not valid {fmt.name}: {parse_failure(exc)}", file)]


def _field_path(loc: tuple[int | str, ...]) -> str | None:
    """A pydantic error location as a file path such as ``schemes[2].risk_share.cap``.

    Union tags (``CAPPED_SHARES``) and pydantic's internal labels are dropped.
    """
    path = ""
    for item in loc:
        if isinstance(item, int):
            path += f"[{item}]"
        elif _FIELD_NAME.match(item):
            path += f".{item}" if path else item
    return path or None


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    loc = err["loc"]
    name = next((str(x) for x in reversed(loc) if isinstance(x, str)), "field")
    if kind == "missing":
        return f"required field {name!r} is missing"
    if kind == "extra_forbidden":
        return f"unknown field {name!r}: check its spelling and where it is placed"
    if kind == "union_tag_not_found":
        tag = err.get("ctx", {}).get("discriminator", "rule")
        return f"say which kind this is with the field {tag}"
    value = err.get("input")
    if isinstance(value, float):
        cause = err.get("ctx", {}).get("error")
        example = f"{value:.2f}" if isinstance(cause, MoneyError) else f"{value}"
        return (
            f"{value!r} is a bare number, which is read as a binary float and cannot be held "
            f'exactly: write it in quotes, e.g. {name} = "{example}"'
        )
    return err["msg"].removeprefix("Value error, ")


def _is_noise(err: ErrorDetails) -> bool:
    """Errors that only echo another one (reported once, where it arises)."""
    if err["type"] == "default_factory_not_called":
        return True
    if err["type"] == "too_short":
        given = err.get("input")
        wanted = err.get("ctx", {}).get("min_length", 0)
        return isinstance(given, list | tuple) and len(given) >= wanted
    return False


def _structure_issues(exc: ValidationError, file: str | None) -> list[Issue]:
    return [
        _issue("PL-AGR-002", _message(err), file, field=_field_path(err["loc"]))
        for err in exc.errors()
        if not _is_noise(err)
    ]


def _with_file(issues: list[Issue], file: str | None) -> list[Issue]:
    if file is None:
        return issues
    return [
        i.model_copy(update={"location": i.location.model_copy(update={"file": file})})
        for i in issues
    ]


# ------------------------------------------------------------------------ public API


def agreement_from_data(
    data: Any, *, file: str | None = None
) -> tuple[Agreement | None, list[Issue]]:
    """Build an agreement from parsed data (a mapping) and check it.

    Returns ``(agreement, issues)``; the agreement is ``None`` when any issue is
    an error. Structural problems (PL-AGR-002) are reported first; the semantic
    checks run only on a structurally sound agreement.
    """
    if not isinstance(data, Mapping):
        what = "nothing" if data is None else type(data).__name__
        return None, [
            _issue(
                "PL-AGR-002",
                f"an agreement file must hold a table of fields at the top level, not {what}",
                file,
            )
        ]
    try:
        agreement = Agreement.model_validate(dict(data))
    except ValidationError as exc:
        return None, _structure_issues(exc, file)
    too_large = [
        _issue("PL-AGR-002", message, file, field=path)
        for path, message in too_large_amounts(agreement)
    ]
    if too_large:
        return None, too_large
    issues = _with_file(validate_agreement(agreement), file)
    return (None if has_errors(issues) else agreement), issues


def too_large_amounts(value: object) -> list[tuple[str, str]]:
    """``(field path, message)`` for each amount in ``value`` beyond :data:`MAX_PENCE`."""
    return [
        (
            path,
            f"{_shown(amount)} is too large: an amount may be at most {MAX_AMOUNT_TEXT}, "
            "the largest a spreadsheet holds exactly to the penny",
        )
        for path, amount in _amounts(value, "")
        if abs(amount.amount) * 100 > MAX_PENCE
    ]


def _shown(amount: Money) -> str:
    text = f"£{amount.amount:,.2f}"
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


def _amounts(value: object, path: str) -> Iterator[tuple[str, Money]]:
    """Every amount of money in a parsed agreement, with its field path."""
    if isinstance(value, Money):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _amounts(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _amounts(item, f"{path}[{i}]")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _amounts(item, f"{path}.{key}")


def _source(
    source: str | os.PathLike[str], fmt: str | None
) -> tuple[str | None, AgreementFormat | None, list[Issue], str | None]:
    """(text, format, issues, file name) from a path or from text."""
    if isinstance(source, str):
        source = source.removeprefix("\ufeff")  # a byte-order mark is not part of the text
    is_text = isinstance(source, str) and ("\n" in source or source.lstrip().startswith("{"))
    if is_text:
        assert isinstance(source, str)
        text = source
        file = None
        if fmt is None:
            fmt = "json" if text.lstrip().startswith("{") else "toml"
    else:
        path = Path(source)
        file = str(path)
        if fmt is None:
            suffix_fmt = _SUFFIXES.get(path.suffix.lower())
            if suffix_fmt is None:
                message = (
                    f"cannot tell the format of {path.name!r} from its suffix: use .toml, "
                    ".yaml, .yml or .json, or pass format="
                )
                return None, None, [_issue("PL-AGR-001", message, file)], file
            fmt = suffix_fmt.value
        try:
            text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is dropped
        except (OSError, UnicodeDecodeError) as exc:
            return None, None, [_issue("PL-AGR-001", f"cannot read the file: {exc}", file)], file
    try:
        return text, AgreementFormat(fmt.lower()), [], file
    except ValueError:
        message = f"unknown format {fmt!r}: use one of toml, yaml, json"
        return None, None, [_issue("PL-AGR-001", message, file)], file


def read_agreement(
    source: str | os.PathLike[str], *, format: str | None = None
) -> tuple[Agreement | None, list[Issue]]:
    """Read and check an agreement from a file or from text; never raises on bad data.

    ``source`` is a path (a ``Path``, or a ``str`` with no newline) or the text
    itself (a ``str`` containing a newline or starting with ``{``). ``format``
    (``"toml"``, ``"yaml"``, ``"json"``) defaults to the file's suffix; for text,
    to JSON if it starts with ``{`` and TOML otherwise.

    Returns ``(agreement, issues)``: the agreement is ``None`` if any issue is an
    error; warnings may accompany a valid agreement.
    """
    text, fmt, issues, file = _source(source, format)
    if text is None or fmt is None:
        return None, issues
    data, issues = _parse(text, fmt, file)
    if issues:
        return None, issues
    return agreement_from_data(data, file=file)


def load_agreement(source: str | os.PathLike[str], *, format: str | None = None) -> Agreement:
    """Read an agreement, raising :class:`~pooledledger.core.errors.IssueError` on any error.

    The exception's ``issues`` holds every issue found, not just the first.
    Warnings alone do not raise.
    """
    agreement, issues = read_agreement(source, format=format)
    if agreement is None:
        name = str(source) if not isinstance(source, str) or "\n" not in source else "text"
        raise IssueError(issues, what=f"agreement {name}")
    return agreement


def dump_agreement_json(agreement: Agreement) -> str:
    """The agreement as indented JSON text, stable and exact.

    Amounts dump as ``{"amount": "1234.56", "currency": "GBP"}``, shares as
    ``"1/2"``, years as ``"2025-26"`` and dates as ISO text; every field is
    written, defaults included. :func:`read_agreement` reads it back to an equal
    agreement.
    """
    data = agreement.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def agreement_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an agreement file in its JSON form."""
    schema = Agreement.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
