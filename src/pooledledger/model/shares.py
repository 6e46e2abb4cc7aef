"""Exact shares and the partner entries of the risk-share rules: parsing and
formatting a share (``"1/2"``, ``"50%"``, ``"0.5"``), the :data:`Share` type, and a
partner's share, cap or amount (docs/agreements.md#risk-share-rules,
docs/money.md).

:mod:`pooledledger.model.rules` builds the rules from these and re-exports every
name here.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any

from moneyed import Money
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from pooledledger.core._model import FrozenModel
from pooledledger.core.errors import PooledLedgerError
from pooledledger.core.money import Amount, to_pence
from pooledledger.model.partners import PartnerId

__all__ = [
    "PartnerAmount",
    "PartnerCap",
    "PartnerRef",
    "PartnerShare",
    "Share",
    "ShareError",
    "format_share",
    "parse_share",
]


class ShareError(PooledLedgerError, ValueError):
    """A share that is not an exact fraction between 0 and 1 (e.g. a float, or "120%")."""


_FRACTION_RE = re.compile(r"^[-+]?\d+\s*/\s*\d+$")
_DECIMAL_RE = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)%?$")


def parse_share(value: object) -> Fraction:
    """Parse a share into an exact ``Fraction`` between 0 and 1 inclusive.

    Accepts ``"1/2"``, ``"50%"``, ``"0.5"``, ``Decimal``, ``Fraction`` and ``int``;
    refuses floats (0.1 is not exact in binary) and ``bool``.

    >>> parse_share("1/3"), parse_share("60%"), parse_share("0.25"), parse_share(1)
    (Fraction(1, 3), Fraction(3, 5), Fraction(1, 4), Fraction(1, 1))
    """
    if isinstance(value, bool):
        raise ShareError(f"{value!r} is a bool, not a share")
    if isinstance(value, float):
        raise ShareError(
            f"{value!r} is a float, which cannot hold a share exactly: "
            f'write it as text, e.g. "{value}", "1/2" or "50%"'
        )
    result: Fraction
    if isinstance(value, Fraction | int):
        result = Fraction(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ShareError(f"{value!r} is not a finite share")
        result = Fraction(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if _FRACTION_RE.match(text):
                num, den = (part.strip() for part in text.split("/"))
                if int(den) == 0:
                    raise ShareError(f"share {value!r} divides by zero")
                result = Fraction(int(num), int(den))
            elif _DECIMAL_RE.match(text):
                if text.endswith("%"):
                    result = Fraction(Decimal(text[:-1])) / 100
                else:
                    result = Fraction(Decimal(text))
            else:
                raise ShareError(
                    f"share {value!r} is not a fraction, decimal or percentage: "
                    'write e.g. "1/2", "0.5" or "50%"'
                )
        except InvalidOperation as exc:  # pragma: no cover - the regexes prevent it
            raise ShareError(f"share {value!r} is not a number") from exc
    else:
        raise ShareError(f"{value!r} ({type(value).__name__}) is not a share")
    if not 0 <= result <= 1:
        raise ShareError(f"share {value!r} must lie between 0 and 1 (0% to 100%)")
    return result


def format_share(share: Fraction) -> str:
    """A share as exact text, e.g. ``"1/2"``, ``"1/3"``, ``"1"`` or ``"0"``.

    >>> format_share(Fraction(6, 10))
    '3/5'
    """
    return str(Fraction(share))


class _ShareAnnotation:
    """Pydantic v2 hooks for a :data:`Share` field."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            parse_share,
            # pydantic-core writes a Fraction as text even in python mode, so both
            # modes dump exact text such as "1/2".
            serialization=core_schema.plain_serializer_function_ser_schema(format_share),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        text = {
            "type": "string",
            "pattern": r"^\s*([-+]?\d+\s*/\s*\d+|[-+]?(\d+(\.\d*)?|\.\d+)%?)\s*$",
            "description": 'an exact share between 0 and 1: "1/2", "0.5" or "50%"',
            "examples": ["1/2", "50%", "0.5"],
        }
        if handler.mode == "serialization":
            return {**text, "title": "Share"}
        return {
            "anyOf": [text, {"type": "integer", "minimum": 0, "maximum": 1}],
            "title": "Share",
        }


#: An exact share between 0 and 1 (a ``Fraction``): validates from ``"1/2"``,
#: ``"50%"``, ``"0.5"``, ``Decimal``, ``Fraction`` or ``int``, never a float;
#: dumps (JSON and python mode) as exact text such as ``"1/2"``.
Share = Annotated[Fraction, _ShareAnnotation]

#: A partner named by a rule, with the path of the field naming it relative to
#: the rule, e.g. ``("caps[0].partner", "ICB")``.
PartnerRef = tuple[str, PartnerId]


class PartnerShare(FrozenModel):
    """One partner's fixed share of a scheme's variance, e.g. ICB ``"1/2"``."""

    partner: PartnerId
    share: Share


class PartnerCap(FrozenModel):
    """The most a partner bears of a scheme's variance (a non-negative amount)."""

    partner: PartnerId
    cap: Amount

    @field_validator("cap")
    @classmethod
    def _not_negative(cls, cap: Money) -> Money:
        if to_pence(cap) < 0:
            raise ValueError("a cap must not be negative")
        return cap


class PartnerAmount(FrozenModel):
    """An amount attributed to a partner, e.g. what it commissions within a scheme."""

    partner: PartnerId
    amount: Amount

    @field_validator("amount")
    @classmethod
    def _not_negative(cls, amount: Money) -> Money:
        if to_pence(amount) < 0:
            raise ValueError("the amount must not be negative")
        return amount
