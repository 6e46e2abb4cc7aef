"""The audit trail's hash chain: canonical serialisation and event hashes.

Every change to a pool store is an *event*.  Its hash is the SHA-256 of a
canonical serialisation (JSON, keys sorted, no spaces, UTF-8) of the previous
event's hash, its own sequence number, time, kind, actor and payload, so changing
any event, or removing or reordering one, changes every hash after it
(docs/store.md#the-audit-trail).

>>> h = event_hash(GENESIS, 1, "2026-04-01T09:00:00+00:00", "init", "A. Finance", "{}")
>>> len(h), h == event_hash(GENESIS, 1, "2026-04-01T09:00:00+00:00", "init", "A. Finance", "{}")
(64, True)
>>> h == event_hash(GENESIS, 1, "2026-04-01T09:00:00+00:00", "init", "B. Finance", "{}")
False
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["GENESIS", "canonical", "event_hash", "sha256_hex"]

#: The "previous hash" of the first event.
GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """``value`` as canonical JSON: keys sorted, no spaces, non-ASCII kept as is.

    >>> canonical({"b": 1, "a": [True, None, "£"]})
    '{"a":[true,null,"£"],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(data: bytes | str) -> str:
    """The SHA-256 of ``data`` (text is encoded as UTF-8), as 64 hex digits."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def event_hash(prev_hash: str, seq: int, at: str, kind: str, actor: str, payload: str) -> str:
    """The hash of one event: it covers the previous hash and the event's own content."""
    return sha256_hex(
        canonical(
            {
                "prev": prev_hash,
                "seq": seq,
                "at": at,
                "kind": kind,
                "actor": actor,
                "payload": payload,
            }
        )
    )
