"""Redis state store with contrib ``state.redis`` layout and semantics (S-17, S-18, C-10).

Each key is a hash ``<prefixed key>`` with fields ``data`` and ``version`` (``HINCRBY`` on every
write; the version is the ETag) and ``first-write`` when written with first-write concurrency.
The ETag check and write happen in one Lua script (atomic).  Semantics (S-17): a non-integer
ETag is invalid (400); ``last-write`` ignores the ETag; an ETag on a missing key succeeds; a
mismatch is 409; a first-write conflict without ETag is a plain error (500); delete without
``If-Match`` is unconditional and with ``If-Match`` on a missing key succeeds.  TTL:
``ttlInSeconds`` > 0 -> ``EXPIRE``, <= 0 -> ``PERSIST``; component ``ttlInSeconds`` is the
default.  Transactions run as one Lua script that validates every op before applying any (the
contrib store uses MULTI, which is not all-or-nothing; the local runtime is stricter).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from .state import (
    ETagInvalidError,
    ETagMismatchError,
    GetResult,
    StateOp,
    StateStoreError,
    check_options,
)

__all__ = ["RedisStateStore"]

FEATURES = ("ETAG", "TRANSACTIONAL", "TTL")

_CHECK = """
local function allowed(key, etag, isdel)
  local ver = redis.pcall("HGET", key, "version")
  if type(ver) == "table" then return true end
  if isdel then
    return (not ver) or ver == "" or ver == etag or etag == "0"
  end
  local fwr = redis.pcall("HGET", key, "first-write")
  if type(fwr) == "table" then fwr = false end
  return (not ver) or ver == "" or ver == etag or ((not fwr) and etag == "0")
end
local function apply(key, kind, etag, data, fw, ttl)
  if kind == "del" then
    redis.call("DEL", key)
    return 0
  end
  if redis.call("TYPE", key).ok ~= "hash" then redis.call("DEL", key) end
  redis.call("HSET", key, "data", data)
  if fw == "0" then redis.call("HSET", key, "first-write", 0) end
  local v = redis.call("HINCRBY", key, "version", 1)
  if ttl ~= "" then
    local seconds = tonumber(ttl)
    if seconds > 0 then redis.call("EXPIRE", key, seconds) else redis.call("PERSIST", key) end
  end
  return v
end
"""

_SINGLE = _CHECK + """
local kind, etag, data, fw, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if not allowed(KEYS[1], etag, kind == "del") then
  if kind == "del" then return redis.error_reply("failed to delete " .. KEYS[1]) end
  return redis.error_reply("failed to set key " .. KEYS[1])
end
return apply(KEYS[1], kind, etag, data, fw, ttl)
"""

_MULTI = _CHECK + """
for i, key in ipairs(KEYS) do
  local b = (i - 1) * 5
  if not allowed(key, ARGV[b + 2], ARGV[b + 1] == "del") then
    return redis.error_reply("transaction failed: etag mismatch or first-write conflict on " .. key)
  end
end
for i, key in ipairs(KEYS) do
  local b = (i - 1) * 5
  apply(key, ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5])
end
return #KEYS
"""


def _parse_etag(op: StateOp) -> str:
    """contrib parseETag: last-write ignores it; non-integers are invalid (S-17)."""
    if op.concurrency == "last-write" or not op.has_etag:
        return "0"
    try:
        return str(int(str(op.etag)))
    except ValueError as exc:
        raise ETagInvalidError(str(op.etag)) from exc


def _parse_ttl(raw: str | None) -> str:
    if raw is None or raw == "":
        return ""
    try:
        return str(int(raw))
    except ValueError as exc:
        raise StateStoreError(f"incorrect value for ttlInSeconds: {raw}") from exc


class RedisStateStore:
    """``state.redis`` on a redis-py asyncio client."""

    features: tuple[str, ...] = FEATURES

    def __init__(self, client: aioredis.Redis, default_ttl: str | None = None) -> None:
        self._client = client
        self._default_ttl = _parse_ttl(default_ttl) if default_ttl else ""
        self._single = client.register_script(_SINGLE)
        self._multi = client.register_script(_MULTI)

    def _args(self, op: StateOp) -> list[str | bytes]:
        check_options(op)
        etag = _parse_etag(op)
        if op.is_delete:
            return ["del", etag, b"", "1", ""]
        ttl = _parse_ttl(op.metadata.get("ttlInSeconds")) or self._default_ttl
        first_write = "0" if op.concurrency == "first-write" else "1"
        return ["set", etag, op.value or b"", first_write, ttl]

    async def get(self, key: str) -> GetResult | None:
        try:
            kind = await self._client.type(key)
            if kind in (b"string", "string"):
                legacy = await self._client.get(key)
                return None if legacy is None else GetResult(_as_bytes(legacy), "")
            fields = await self._client.hgetall(key)
            if not fields:
                return None
            data = fields.get(b"data")
            version = fields.get(b"version")
            if data is None or version is None:
                raise StateStoreError("required hash field 'data' or 'version' was not found")
            metadata: dict[str, str] = {}
            ttl = await self._client.ttl(key)
        except RedisError as exc:
            raise StateStoreError(str(exc)) from exc
        if ttl and ttl > 0:
            expire = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=int(ttl))
            metadata["ttlExpireTime"] = expire.strftime("%Y-%m-%dT%H:%M:%SZ")
        version_text = version.decode() if isinstance(version, bytes) else str(version)
        return GetResult(_as_bytes(data), version_text, metadata)

    async def _run_single(self, op: StateOp) -> None:
        args = self._args(op)
        try:
            await self._single(keys=[op.key], args=args)
        except ResponseError as exc:
            if op.has_etag and args[1] != "0":
                raise ETagMismatchError(str(exc)) from exc
            raise StateStoreError(f"failed to set key {op.key}: {exc}") from exc
        except RedisError as exc:
            raise StateStoreError(str(exc)) from exc

    async def set(self, op: StateOp) -> None:
        await self._run_single(op)

    async def delete(self, op: StateOp) -> None:
        await self._run_single(op)

    async def multi(self, ops: list[StateOp]) -> None:
        if not ops:
            return
        args: list[str | bytes] = []
        for op in ops:
            args.extend(self._args(op))
        try:
            await self._multi(keys=[op.key for op in ops], args=args)
        except RedisError as exc:
            raise StateStoreError(str(exc)) from exc

    async def close(self) -> None:
        await self._client.aclose()


def _as_bytes(value: bytes | str) -> bytes:
    """Redis replies are bytes (no decode_responses); a str is encoded as UTF-8."""
    return value if isinstance(value, bytes) else value.encode("utf-8")
