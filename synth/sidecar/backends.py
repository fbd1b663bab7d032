"""Choosing and building the backend of each component (C-1, C-8..C-14, the ``store`` override).

``state.in-memory`` / ``pubsub.in-memory`` use the shared :class:`MemoryBackend` (one per
process in ``synth dev``, so sidecars share stores and the bus); ``state.redis`` /
``pubsub.redis`` use Redis at the component's ``redisHost`` (``redisPassword`` only as a plain
``value``; ``secretKeyRef`` is out of scope); ``pubsub.kafka`` uses a Kafka-protocol broker at
its ``brokers`` (or ``--kafka-brokers``) with ``authType: none``.  Other production types
(``state.postgresql``, ...) need the override: ``store="memory"`` or ``"redis"`` serves the same
component *name* with that backend; ``broker`` overrides the pub/sub backend alone (override
``redis`` uses ``SidecarConfig.redis_url``).  A
given ``redis_url`` (``--redis-url``) also wins over a component's own ``redisHost``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis

from .components import Component
from .config import DEFAULT_REDIS_URL, SidecarConfig
from .pubsub import Broker
from .pubsub_kafka import KafkaBroker, KafkaConfigError, KafkaSettings
from .pubsub_memory import MemoryBroker
from .pubsub_redis import RedisStreamsBroker, parse_duration
from .state import KeyPrefixer, StateStore
from .state_memory import MemoryStateStore
from .state_redis import RedisStateStore

__all__ = [
    "BackendError",
    "MemoryBackend",
    "PubsubEntry",
    "StateEntry",
    "build_backends",
]

log = logging.getLogger("synth.sidecar")

LOCAL_TYPES = {
    "state.in-memory": "memory",
    "state.redis": "redis",
    "pubsub.in-memory": "memory",
    "pubsub.redis": "redis",
    "pubsub.kafka": "kafka",
}


class BackendError(RuntimeError):
    """A component cannot be served by the local runtime."""


@dataclass
class MemoryBackend:
    """In-memory state stores and buses, shareable by every sidecar of one process."""

    stores: dict[str, MemoryStateStore] = field(default_factory=dict)
    brokers: dict[str, MemoryBroker] = field(default_factory=dict)

    def state_store(self, name: str) -> MemoryStateStore:
        return self.stores.setdefault(name, MemoryStateStore())

    def broker(self, name: str) -> MemoryBroker:
        return self.brokers.setdefault(name, MemoryBroker())


@dataclass
class StateEntry:
    component: Component
    store: StateStore
    prefixer: KeyPrefixer
    backend: str
    owned: bool = False


@dataclass
class PubsubEntry:
    component: Component
    broker: Broker
    consumer_group: str
    backend: str
    owned: bool = False


def _backend_for(component: Component, config: SidecarConfig) -> str:
    if component.kind == "pubsub" and config.broker is not None:
        return config.broker
    if config.store is not None:
        return config.store
    if component.type in LOCAL_TYPES:
        return LOCAL_TYPES[component.type]
    raise BackendError(
        f"component {component.name!r} has type {component.type}, which synth's local runtime "
        "cannot run (it serves state.in-memory, state.redis, pubsub.in-memory, pubsub.redis, "
        "pubsub.kafka); start the local sidecar with --store memory or --store redis to serve "
        "it under the same name"
    )


def _kafka_broker(component: Component, config: SidecarConfig) -> KafkaBroker:
    meta = dict(component.metadata) if component.type == "pubsub.kafka" else {}
    try:
        settings = KafkaSettings.from_metadata(
            meta, brokers_override=config.kafka_brokers, partitions=config.kafka_partitions
        )
    except KafkaConfigError as exc:
        raise BackendError(f"component {component.name!r}: {exc}") from None
    source = "--kafka-brokers" if config.kafka_brokers else "its brokers"
    log.info(
        "component %s (%s) uses Kafka at %s (from %s)",
        component.name,
        component.type,
        settings.bootstrap,
        source,
    )
    return KafkaBroker(settings, queue_depth=int(component.meta("queueDepth") or 100))


def _redis_target(component: Component, config: SidecarConfig) -> tuple[dict[str, Any], str]:
    """Connection keywords for ``component`` and where they came from (for the log line).

    ``--redis-url`` (``config.redis_url``) wins over the component's ``redisHost``: a run
    pointed at another Redis must never write to the one the manifest names.
    """
    own_host = component.meta("redisHost") if component.type.endswith(".redis") else None
    if config.redis_url is not None or not own_host:
        url = config.redis_url or DEFAULT_REDIS_URL
        parts = urlsplit(url)
        source = "--redis-url" if config.redis_url is not None else "the default"
        db = parts.path.strip("/") or "0"
        return {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 6379,
            "db": int(db) if db.isdigit() else 0,
            "password": parts.password or None,
            "username": parts.username or None,
            "ssl": parts.scheme == "rediss",
        }, source
    hostname, _, port = own_host.split(",")[0].rpartition(":")
    return {
        "host": hostname or own_host,
        "port": int(port) if port.isdigit() else 6379,
        "db": int(component.meta("redisDB") or 0),
        "password": component.meta("redisPassword") or None,
        "username": component.meta("redisUsername") or None,
        "ssl": (component.meta("enableTLS") or "").lower() == "true",
    }, "its redisHost"


def _redis_factory(component: Component, config: SidecarConfig) -> Callable[[], aioredis.Redis]:
    kwargs, source = _redis_target(component, config)
    log.info(
        "component %s (%s) uses Redis at %s:%s db %s (from %s)",
        component.name,
        component.type,
        kwargs["host"],
        kwargs["port"],
        kwargs["db"],
        source,
    )
    return lambda: aioredis.Redis(**kwargs)


def build_backends(
    components: list[Component], config: SidecarConfig, memory: MemoryBackend
) -> tuple[dict[str, StateEntry], dict[str, PubsubEntry]]:
    """Instantiate every state / pubsub component for ``config.app_id``."""
    states: dict[str, StateEntry] = {}
    pubsubs: dict[str, PubsubEntry] = {}
    for component in components:
        if component.kind not in ("state", "pubsub"):
            log.warning(
                "component %s (%s) is ignored by the local runtime", component.name, component.type
            )
            continue
        backend = _backend_for(component, config)
        if component.kind == "state":
            prefix = component.meta("keyPrefix")
            prefixer = KeyPrefixer.from_metadata(component.name, config.app_id, prefix)
            if backend == "memory":
                states[component.name] = StateEntry(
                    component, memory.state_store(component.name), prefixer, backend
                )
            else:
                client = _redis_factory(component, config)()
                store = RedisStateStore(client, component.meta("ttlInSeconds"))
                states[component.name] = StateEntry(component, store, prefixer, backend, True)
            continue
        group = component.meta("consumerID") or config.app_id
        if backend == "kafka":
            # C-6 / C-12: consumerGroup, else consumerID, else the app id.
            group = component.meta("consumerGroup") or group
            broker = _kafka_broker(component, config)
            pubsubs[component.name] = PubsubEntry(component, broker, group, backend, True)
            continue
        if backend == "memory":
            pubsubs[component.name] = PubsubEntry(
                component, memory.broker(component.name), group, backend
            )
            continue
        processing = config.redis_processing_timeout
        if processing is None:
            processing = parse_duration(component.meta("processingTimeout"), 15.0)
        redeliver = config.redis_redeliver_interval
        if redeliver is None:
            redeliver = parse_duration(component.meta("redeliverInterval"), 60.0)
        max_len = component.meta("maxLenApprox")
        redis_broker = RedisStreamsBroker(
            _redis_factory(component, config),
            processing_timeout=processing,
            redeliver_interval=redeliver,
            queue_depth=int(component.meta("queueDepth") or 100),
            concurrency=int(component.meta("concurrency") or 10),
            max_len_approx=int(max_len) if max_len else None,
        )
        pubsubs[component.name] = PubsubEntry(component, redis_broker, group, backend, True)
    return states, pubsubs
