"""Shared bases for pooledledger's models: frozen facts and short, eval-able reprs.

* :class:`FrozenModel` is the base of every domain model: frozen, ``extra="forbid"``,
  and a repr that shows only the fields that differ from their defaults, so a
  value printed by a failing test (or a shrunk Hypothesis example) pastes back
  into Python.
* :class:`DomainEnum` is a ``StrEnum`` whose members print as ``PartnerKind.NHS_BODY``
  rather than ``<PartnerKind.NHS_BODY: 'NHS_BODY'>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["DomainEnum", "FrozenModel", "require_tag_in_schema"]


class DomainEnum(StrEnum):
    """A string enum whose value is its name and whose repr is eval-able."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


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
