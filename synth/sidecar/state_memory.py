"""In-memory state store with the semantics of contrib ``state.in-memory`` (S-14, S-16, C-8).

ETags are random UUIDs per write; an ETag is *always* checked when given (also with
``last-write``); ``first-write`` without an ETag fails on an existing key; deleting with an
ETag a missing key is a mismatch; transactions validate every ETag before applying anything.
TTL comes from item metadata ``ttlInSeconds`` and is reported by ``get`` as ``ttlExpireTime``.
One instance can be shared by several sidecars in a process (keys carry the app-id prefix).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from .state import (
    ETagMismatchError,
    GetResult,
    StateOp,
    StateStoreError,
    check_options,
)

__all__ = ["MemoryStateStore"]

FEATURES = ("ETAG", "TRANSACTIONAL", "TTL", "DELETE_WITH_PREFIX", "KEYS_LIKE")


@dataclass
class _Item:
    data: bytes
    etag: str
    expires_at: float | None = None

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def _parse_ttl(metadata: dict[str, str]) -> int | None:
    raw = metadata.get("ttlInSeconds")
    if raw is None:
        return None
    try:
        ttl = int(raw)
    except ValueError as exc:
        raise StateStoreError(f"error parsing ttlInSeconds: {exc}") from exc
    return max(ttl, 0)


class MemoryStateStore:
    """A process-local dict store; safe to share between sidecars on one event loop."""

    features: tuple[str, ...] = FEATURES

    def __init__(self) -> None:
        self._items: dict[str, _Item] = {}

    def _live(self, key: str) -> _Item | None:
        item = self._items.get(key)
        if item is not None and item.expired(time.time()):
            del self._items[key]
            return None
        return item

    def _validate(self, op: StateOp) -> None:
        item = self._live(op.key)
        if op.concurrency == "first-write" and not op.has_etag:
            if item is not None:
                raise ETagMismatchError("item already exists and no etag was passed")
        elif op.has_etag:
            if item is None:
                raise ETagMismatchError("item does not exist")
            if item.etag != op.etag:
                raise ETagMismatchError("etag does not match")

    def _apply(self, op: StateOp) -> None:
        if op.value is None:
            self._items.pop(op.key, None)
            return
        ttl = _parse_ttl(op.metadata)
        expires = time.time() + ttl if ttl else None
        self._items[op.key] = _Item(op.value, str(uuid.uuid4()), expires)

    async def get(self, key: str) -> GetResult | None:
        item = self._live(key)
        if item is None:
            return None
        metadata: dict[str, str] = {}
        if item.expires_at is not None:
            expire = datetime.fromtimestamp(int(item.expires_at), tz=UTC)
            metadata["ttlExpireTime"] = expire.strftime("%Y-%m-%dT%H:%M:%SZ")
        return GetResult(item.data, item.etag, metadata)

    async def set(self, op: StateOp) -> None:
        check_options(op)
        _parse_ttl(op.metadata)
        self._validate(op)
        self._apply(op)

    async def delete(self, op: StateOp) -> None:
        check_options(op)
        self._validate(op)
        self._apply(op)

    async def multi(self, ops: list[StateOp]) -> None:
        for op in ops:
            check_options(op)
            if not op.is_delete:
                _parse_ttl(op.metadata)
            self._validate(op)
        for op in ops:
            self._apply(op)

    async def close(self) -> None:
        return None

    def clear(self) -> None:
        self._items.clear()
