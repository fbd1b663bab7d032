"""The state-store interface shared by the backends, and daprd's key prefixing (S-1..S-3).

Backends (:mod:`state_memory`, :mod:`state_redis`) receive already-prefixed keys and raw value
bytes; they raise :class:`ETagMismatchError` / :class:`ETagInvalidError` (mapped to 409 / 400 by
S-11) or :class:`StateStoreError` (500).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal, Protocol

__all__ = [
    "ETagInvalidError",
    "ETagMismatchError",
    "GetResult",
    "KeyPrefixer",
    "StateStore",
    "StateStoreError",
    "StateOp",
    "check_options",
]

Concurrency = Literal["first-write", "last-write", ""]


class StateStoreError(Exception):
    """A plain store failure (500)."""


class ETagMismatchError(StateStoreError):
    """ETag mismatch (409 over HTTP, ABORTED over gRPC)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"possible etag mismatch. error from state store: {detail}")


class ETagInvalidError(StateStoreError):
    """Malformed ETag (400 over HTTP, INVALID_ARGUMENT over gRPC)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"invalid etag value: {detail}")


@dataclass(frozen=True)
class GetResult:
    data: bytes
    etag: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StateOp:
    """One set (``value`` given) or delete (``value is None``) on a prefixed key."""

    key: str
    value: bytes | None = None
    etag: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    concurrency: str = ""
    consistency: str = ""

    @property
    def is_delete(self) -> bool:
        return self.value is None

    @property
    def has_etag(self) -> bool:
        return bool(self.etag)


def check_options(op: StateOp) -> None:
    """S-13: invalid concurrency / consistency are plain errors (500)."""
    if op.concurrency not in ("", "first-write", "last-write"):
        raise StateStoreError(f"unrecognized concurrency model '{op.concurrency}'")
    if op.consistency not in ("", "strong", "eventual"):
        raise StateStoreError(f"unrecognized consistency model '{op.consistency}'")


class StateStore(Protocol):
    """What a state backend must provide (all keys already prefixed)."""

    features: tuple[str, ...]

    async def get(self, key: str) -> GetResult | None: ...

    async def set(self, op: StateOp) -> None: ...

    async def delete(self, op: StateOp) -> None: ...

    async def multi(self, ops: list[StateOp]) -> None: ...

    async def close(self) -> None: ...


_SEPARATOR = "||"


@dataclass(frozen=True)
class KeyPrefixer:
    """S-1 key prefixing strategy from component metadata ``keyPrefix``."""

    store_name: str
    app_id: str
    strategy: str = "appid"

    @classmethod
    def from_metadata(cls, store_name: str, app_id: str, key_prefix: str | None) -> KeyPrefixer:
        return cls(store_name, app_id, (key_prefix or "appid").lower())

    def prefix(self) -> str | None:
        strategy = self.strategy
        if strategy == "appid":
            return self.app_id or None
        if strategy == "name":
            return self.store_name
        if strategy == "namespace":
            namespace = os.environ.get("NAMESPACE", "")
            if not namespace:
                return self.app_id or None
            return f"{namespace}.{self.app_id}"
        if strategy == "none":
            return None
        return strategy

    def illegal(self, key: str) -> str | None:
        """S-2: the offending key or prefix, if either contains ``||``."""
        if _SEPARATOR in key:
            return key
        prefix = self.prefix()
        custom = self.strategy not in ("appid", "name", "namespace", "none")
        if custom and prefix and _SEPARATOR in prefix:
            return prefix
        return None

    def modify(self, key: str) -> str:
        prefix = self.prefix()
        return f"{prefix}{_SEPARATOR}{key}" if prefix else key

    @staticmethod
    def original(key: str) -> str:
        """S-3: the user key (after the first ``||``)."""
        parts = key.split(_SEPARATOR, 2)
        return parts[1] if len(parts) > 1 else parts[0]
