"""Building-block operations shared by the HTTP and gRPC front ends.

Owns store / pubsub lookup (S-4, S-5, P-1), key prefixing and validation (S-1, S-2), the
error mapping of save / delete / transaction (S-10, S-11, S-27), bulk get (S-24), publishing
(P-1..P-9, C-5) and the ``/v1.0/metadata`` document (H-3, H-4).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from .app_health import AppHealthConfig
from .backends import PubsubEntry, StateEntry
from .cloudevents import envelope_for_publish, new_traceparent
from .config import RUNTIME_VERSION
from .errors import (
    DaprError,
    illegal_state_key,
    pubsub_empty,
    pubsub_forbidden,
    pubsub_not_configured,
    pubsub_not_found,
    state_store_not_configured,
    state_store_not_found,
    topic_empty,
)
from .scopes import topic_allowed
from .state import (
    ETagInvalidError,
    ETagMismatchError,
    GetResult,
    StateOp,
    StateStoreError,
)
from .subscriptions import Subscription

__all__ = ["ApiCore", "RUNTIME_NOTICE", "SaveItem", "runtime_version_string"]

RUNTIME_NOTICE = (
    "synth local sidecar: a Dapr-API-compatible local runtime for development and tests; "
    "it is not daprd"
)


@dataclass
class SaveItem:
    """One state item of a save (HTTP S-6 or gRPC S-29), value already encoded to bytes."""

    key: str
    value: bytes
    etag: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    concurrency: str = ""
    consistency: str = ""


def _etag_status(errors: list[StateStoreError]) -> int:
    """S-11: all ETag errors -> 400 if any invalid else 409; otherwise 500."""
    if errors and all(isinstance(e, ETagMismatchError | ETagInvalidError) for e in errors):
        return 400 if any(isinstance(e, ETagInvalidError) for e in errors) else 409
    return 500


class ApiCore:
    """The runtime state the API front ends operate on."""

    def __init__(
        self,
        *,
        app_id: str,
        states: dict[str, StateEntry],
        pubsubs: dict[str, PubsubEntry],
    ) -> None:
        self.app_id = app_id
        self.states = states
        self.pubsubs = pubsubs
        self.extended: dict[str, str] = {}
        self.subscriptions: list[Subscription] = []
        self.app_port: int | None = None
        self.app_host = "127.0.0.1"
        self.app_health: AppHealthConfig | None = None

    # -- state -----------------------------------------------------------------------------
    def store(self, name: str) -> StateEntry:
        if not self.states:
            raise state_store_not_configured(name, self.app_id)
        entry = self.states.get(name)
        if entry is None:
            raise state_store_not_found(name, self.app_id)
        return entry

    def prefixed(self, entry: StateEntry, key: str) -> str:
        bad = entry.prefixer.illegal(key)
        if bad is not None:
            raise illegal_state_key(bad, entry.component.name)
        return entry.prefixer.modify(key)

    async def get_state(self, store: str, key: str) -> GetResult | None:
        entry = self.store(store)
        full = self.prefixed(entry, key)
        try:
            return await entry.store.get(full)
        except StateStoreError as exc:
            raise DaprError(
                500, "ERR_STATE_GET", f"fail to get {key} from state store {store}: {exc}"
            ) from exc

    def _op(self, entry: StateEntry, item: SaveItem, delete: bool = False) -> StateOp:
        return StateOp(
            key=self.prefixed(entry, item.key),
            value=None if delete else item.value,
            etag=item.etag,
            metadata=dict(item.metadata),
            concurrency=item.concurrency,
            consistency=item.consistency,
        )

    async def save_state(self, store: str, items: list[SaveItem]) -> None:
        """S-9..S-11: not atomic; >1 item runs every set in parallel."""
        entry = self.store(store)
        if not items:
            return
        ops = [self._op(entry, item) for item in items]
        results = await asyncio.gather(*(entry.store.set(op) for op in ops), return_exceptions=True)
        errors: list[StateStoreError] = []
        for result in results:
            if isinstance(result, StateStoreError):
                errors.append(result)
            elif isinstance(result, BaseException):
                errors.append(StateStoreError(str(result)))
        if errors:
            detail = "; ".join(str(e) for e in errors)
            raise DaprError(
                _etag_status(errors),
                "ERR_STATE_SAVE",
                f"failed saving state in state store {store}: {detail}",
            )

    async def delete_state(self, store: str, item: SaveItem) -> None:
        """S-23: delete with optional ETag (If-Match)."""
        entry = self.store(store)
        op = self._op(entry, item, delete=True)
        try:
            await entry.store.delete(op)
        except StateStoreError as exc:
            raise DaprError(
                _etag_status([exc]),
                "ERR_STATE_DELETE",
                f"failed deleting state with key {item.key}: {exc}",
            ) from exc

    async def bulk_get(self, store: str, keys: list[str]) -> list[dict[str, Any]]:
        """S-24: one entry per key, request order; missing keys carry only ``key``."""
        entry = self.store(store)
        full = [self.prefixed(entry, key) for key in keys]

        async def one(key: str, full_key: str) -> dict[str, Any]:
            try:
                found = await entry.store.get(full_key)
            except StateStoreError as exc:
                return {"key": key, "error": str(exc)}
            if found is None:
                return {"key": key}
            item: dict[str, Any] = {"key": key, "data": found.data, "etag": found.etag}
            if found.metadata:
                item["metadata"] = dict(found.metadata)
            return item

        return list(await asyncio.gather(*(one(k, f) for k, f in zip(keys, full, strict=True))))

    async def transaction(self, store: str, operations: list[tuple[str, SaveItem]]) -> None:
        """S-26 / S-27: atomic multi; any failure (even ETag) -> 500."""
        entry = self.store(store)
        if "TRANSACTIONAL" not in entry.store.features:
            raise DaprError(
                500,
                "ERR_STATE_STORE_NOT_SUPPORTED",
                f"state store {store} doesn't support transactions",
            )
        ops: list[StateOp] = []
        for kind, item in operations:
            if kind not in ("upsert", "delete"):
                raise DaprError(
                    400, "ERR_NOT_SUPPORTED_STATE_OPERATION", f"operation type {kind} not supported"
                )
            ops.append(self._op(entry, item, delete=kind == "delete"))
        if not ops:
            return
        try:
            await entry.store.multi(ops)
        except StateStoreError as exc:
            raise DaprError(
                500, "ERR_STATE_TRANSACTION", f"error while executing state transaction: {exc}"
            ) from exc

    # -- pubsub ----------------------------------------------------------------------------
    def pubsub(self, name: str, topic: str) -> PubsubEntry:
        if not name:
            raise pubsub_empty(self.app_id)
        if not self.pubsubs:
            raise pubsub_not_configured(name, self.app_id)
        entry = self.pubsubs.get(name)
        if entry is None:
            raise pubsub_not_found(name, self.app_id)
        if not topic:
            raise topic_empty(name, self.app_id)
        if not topic_allowed(entry.component, topic, self.app_id, publishing=True):
            raise pubsub_forbidden(topic, name, self.app_id)
        return entry

    async def publish(
        self,
        *,
        pubsub: str,
        topic: str,
        body: bytes,
        content_type: str | None,
        metadata: dict[str, str],
        traceparent: str | None = None,
        tracestate: str = "",
    ) -> None:
        """P-1..P-9: validate, envelope, hand to the broker."""
        entry = self.pubsub(pubsub, topic)
        data = envelope_for_publish(
            body=body,
            content_type=content_type,
            topic=topic,
            pubsub=pubsub,
            app_id=self.app_id,
            metadata=metadata,
            traceparent=new_traceparent(traceparent),
            tracestate=tracestate,
        )
        await self.publish_raw(entry, topic, data, metadata)

    async def publish_raw(
        self, entry: PubsubEntry, topic: str, data: bytes, metadata: dict[str, str]
    ) -> None:
        try:
            await entry.broker.publish(topic, data, metadata)
        except Exception as exc:
            raise DaprError(
                500,
                "ERR_PUBSUB_PUBLISH_MESSAGE",
                f"error when publishing to topic {topic} in pubsub {entry.component.name}: {exc}",
                reason="DAPR_PUBSUB_PUBLISH_MESSAGE",
                metadata={"appID": self.app_id, "pubsubName": entry.component.name},
            ) from exc

    async def publish_dead_letter(
        self, pubsub: str, topic: str, data: bytes, metadata: dict[str, str]
    ) -> None:
        """U-10: the original message, unchanged, to the dead-letter topic."""
        entry = self.pubsubs.get(pubsub)
        if entry is None:
            raise RuntimeError(f"pubsub {pubsub} is not loaded")
        await self.publish_raw(entry, topic, data, metadata)

    # -- metadata --------------------------------------------------------------------------
    def components(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for state_entry in self.states.values():
            caps = list(state_entry.store.features)
            if "ETAG" in caps and "TRANSACTIONAL" in caps:
                caps.append("ACTOR")
            items.append(self._component(state_entry.component, caps))
        for pubsub_entry in self.pubsubs.values():
            items.append(
                self._component(pubsub_entry.component, list(pubsub_entry.broker.features))
            )
        return items

    @staticmethod
    def _component(component: Any, caps: list[str]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "name": component.name,
            "type": component.type,
            "version": component.version,
        }
        if caps:
            item["capabilities"] = caps
        return item

    def extended_metadata(self) -> dict[str, str]:
        return {
            "daprRuntimeVersion": runtime_version_string(),
            "localRuntime": RUNTIME_NOTICE,
            **self.extended,
        }

    def metadata(self) -> dict[str, Any]:
        """H-3: fields omitted when empty."""
        doc: dict[str, Any] = {"id": self.app_id, "runtimeVersion": runtime_version_string()}
        components = self.components()
        if components:
            doc["components"] = components
        doc["extended"] = self.extended_metadata()
        if self.subscriptions:
            doc["subscriptions"] = [s.to_metadata_dict() for s in self.subscriptions]
        if self.app_port:
            doc["appConnectionProperties"] = {
                "port": self.app_port,
                "protocol": "http",
                "channelAddress": self.app_host,
                "maxConcurrency": -1,
            }
            if self.app_health is not None:
                doc["appConnectionProperties"]["health"] = {
                    "healthCheckPath": self.app_health.path,
                    "healthProbeInterval": f"{self.app_health.interval:g}s",
                    "healthProbeTimeout": f"{self.app_health.timeout * 1000:g}ms",
                    "healthThreshold": self.app_health.threshold,
                }
        return doc


def runtime_version_string() -> str:
    return f"synth-local-sidecar/{RUNTIME_VERSION} (not daprd)"
