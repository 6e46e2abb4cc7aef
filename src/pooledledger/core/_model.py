"""Shared bases for pooledledger's models: frozen facts and short, eval-able reprs.

* :class:`FrozenModel` is the base of every domain model: frozen, ``extra="forbid"``,
  and a repr that shows only the fields that differ from their defaults, so a
  value printed by a failing test (or a shrunk Hypothesis example) pastes back
  into Python.
* :class:`DomainEnum` is a ``StrEnum`` whose members print as ``PartnerKind.NHS_BODY``
  rather than ``<PartnerKind.NHS_BODY: 'NHS_BODY'>``.
* :class:`TagEnum` is a ``DomainEnum`` for the tags that tell a union's models apart
  (``entry``, ``model``): its members print as their text, ``'income'``, so that
  pydantic's message for an unknown tag lists the tags a file may use.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["DomainEnum", "FrozenModel", "TagEnum", "require_tag_in_schema"]


class DomainEnum(StrEnum):
    """A string enum (its value is usually its name) whose repr is eval-able."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class TagEnum(DomainEnum):
    """The tag of a discriminated union (docs/architecture.md#immutable-results).

    A member equals its text and its repr is the text's (``'income'``): pydantic
    names the expected tags by their repr when a file's tag is unknown, and a
    file's author knows ``'income'``, not ``EntryKind.INCOME``.
    """

    def __repr__(self) -> str:
        return repr(self.value)


def require_tag_in_schema(schema: dict[str, Any], cls: type[Any]) -> None:
    """JSON Schema hook: mark a discriminator field (``rule`` or ``model``) required.

    The tag has a default so that ``ProRataContributions()`` works in Python, but a
    file must always name the rule, and a JSON Schema ``oneOf`` needs the tag to
    tell the variants apart.
    """
    properties = schema.get("properties", {})
    for tag in ("rule", "model"):
        if tag in properties:
            required = schema.setdefault("required", [])
            if tag not in required:
                required.insert(0, tag)


class FrozenModel(BaseModel):
    """Base for facts: frozen, unknown fields refused, tuples not lists."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        fields = type(self).model_fields
        for name, value in super().__repr_args__():
            info = fields.get(name) if name is not None else None
            if (
                info is not None
                and not info.is_required()
                and info.default_factory is None
                and info.default == value
            ):
                continue
            yield name, value
