"""The YAML loader agreement files are read with (layer L5).

:func:`pooledledger.io.agreement_files.loads_yaml` imports this module, and so
PyYAML, only when a YAML file is read: a TOML or JSON agreement never loads it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["UniqueKeyLoader", "Yaml12Loader"]


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a mapping that gives a key twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *base": keys it brings in may be overridden
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: the base loader reports it
                continue
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key {key!r} appears twice in one mapping; give it once "
                    "(otherwise only the last would be kept)",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class Yaml12Loader(UniqueKeyLoader):
    """The safe loader with YAML 1.2 (core schema) plain scalars, not YAML 1.1's.

    YAML 1.1 reads ``1:30`` as 90 (base 60), ``no``, ``off`` and ``y`` as false or
    true, ``017`` as 15 (octal) and ``1_000`` as 1000, without a word.  Here, as in
    YAML 1.2, only ``true``/``false`` are booleans, only plain decimal digits are
    whole numbers (``017`` is 17), and everything else stays the text it shows, so a
    field that wants a number or a yes/no reports it (docs/agreements.md#yaml).
    Dates (``2025-04-01``), ``null``/``~`` and merge keys (``<<``) work as before.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - as in BaseResolver

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        return int(str(self.construct_scalar(node)))


for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (
        "tag:yaml.org,2002:timestamp",
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
        r"(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
        r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
        "0123456789",
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
):
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
Yaml12Loader.add_constructor("tag:yaml.org,2002:int", Yaml12Loader.construct_yaml_int)
