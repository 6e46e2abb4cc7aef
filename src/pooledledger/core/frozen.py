"""A read-only mapping for the fields of frozen results (docs/architecture.md#immutable-results).

A frozen pydantic model refuses ``close.partners = ...`` but not
``close.schemes[0].contributions["ICB"] = 0``: a ``dict`` field stays mutable.
:class:`FrozenDict` closes that gap.  As a model field it accepts what a ``dict``
field accepts (a dict, or JSON), validates its keys and values the same way, and
serialises to the same JSON and ``model_dump()`` output, so files and stored
results are unchanged.  It compares equal to a ``dict`` with the same items,
pickles and copies; it does not hash (like the ``dict`` it replaces).
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import Any, TypeVar, get_args

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ["FrozenDict"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(Mapping[K, V]):
    """An immutable mapping over a private ``dict``: reading as a dict, no writing.

    ``frozen["x"] = 1``, ``del frozen["x"]`` and the other mutators raise
    :class:`TypeError`; ``dict(frozen)`` is a mutable copy.
    """

    __slots__ = ("_data",)
    __hash__ = None  # type: ignore[assignment]  # equal to a dict, so unhashable like one

    def __init__(self, data: Mapping[K, V] | None = None, /) -> None:
        self._data: dict[K, V] = dict(data) if data is not None else {}

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def keys(self) -> KeysView[K]:
        return self._data.keys()

    def values(self) -> ValuesView[V]:
        return self._data.values()

    def items(self) -> ItemsView[K, V]:
        return self._data.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[type[FrozenDict[K, V]], tuple[dict[K, V]]]:
        return (type(self), (self._data,))

    def __or__(self, other: Mapping[K, V]) -> dict[K, V]:
        """``frozen | {...}``: a new plain ``dict``, as ``dict | dict`` gives."""
        return {**self._data, **other}

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validate as ``dict[K, V]`` then freeze; serialise as that dict."""
        args = get_args(source)
        key, value = args if len(args) == 2 else (Any, Any)
        as_dict = handler.generate_schema(dict[key, value])  # type: ignore[valid-type]
        return core_schema.no_info_after_validator_function(
            cls,
            as_dict,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _as_dict, return_schema=as_dict
            ),
        )


def _as_dict(value: Mapping[Any, Any]) -> dict[Any, Any]:
    """The plain dict a :class:`FrozenDict` field serialises as (a copy, never its own)."""
    return dict(value)
