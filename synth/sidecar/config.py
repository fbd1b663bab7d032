"""Configuration of one local sidecar (:class:`SidecarConfig`) and its redelivery policy.

The redelivery policy (:class:`RedeliveryPolicy`) is the *local runtime's own* policy: real
daprd delegates retries of a RETRY outcome to a Resiliency spec or to the broker (U-10).  Here a
RETRY is redelivered with bounded exponential backoff, then sent to the subscription's
``deadLetterTopic`` if it has one, so local runs lose nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .app_health import AppHealthConfig

__all__ = [
    "BrokerOverride",
    "DEFAULT_REDIS_URL",
    "RUNTIME_VERSION",
    "RedeliveryPolicy",
    "SidecarConfig",
    "StoreOverride",
]

RUNTIME_VERSION = "0.1.0"

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

StoreOverride = Literal["memory", "redis"]
BrokerOverride = Literal["memory", "redis", "kafka"]


@dataclass(frozen=True)
class RedeliveryPolicy:
    """Bounded exponential backoff for deliveries the app answered with RETRY (U-9).

    ``max_attempts`` counts every delivery including the first.  The delay before attempt
    ``n+1`` is ``min(initial_backoff * multiplier**(n-1), max_backoff)`` seconds.
    """

    max_attempts: int = 5
    initial_backoff: float = 0.5
    max_backoff: float = 10.0
    multiplier: float = 2.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.initial_backoff * self.multiplier ** (attempt - 1), self.max_backoff)


@dataclass(frozen=True)
class SidecarConfig:
    """Everything one local sidecar needs; mirrors the daprd flags of the same meaning.

    ``http_port`` / ``grpc_port`` may be ``0`` (a free port is bound; read the bound ports
    from :class:`~synth.sidecar.runtime.Sidecar`).  ``api_token`` / ``app_api_token`` default
    to the env vars ``DAPR_API_TOKEN`` / ``APP_API_TOKEN`` (G-7 / G-8) when left ``None`` and
    ``read_env_tokens`` is true.  ``redis_url``, when set (``--redis-url``), is the Redis of
    every Redis-backed component, winning over a component's own ``redisHost``; when ``None``
    each component uses its ``redisHost`` (and ``--store redis`` overrides
    :data:`DEFAULT_REDIS_URL`).  ``app_health`` switches on daprd's app health checks (H-5).
    ``broker`` serves every pub/sub component with that backend (winning over ``store`` for
    pub/sub); ``kafka_brokers`` (``--kafka-brokers``) wins over a Kafka component's
    ``brokers``; ``kafka_partitions`` is how many partitions a topic the runtime creates gets.
    """

    app_id: str
    app_port: int | None = None
    http_port: int = 3500
    grpc_port: int = 50001
    host: str = "127.0.0.1"
    app_host: str = "127.0.0.1"
    resources_paths: tuple[Path, ...] = ()
    store: StoreOverride | None = None
    api_token: str | None = None
    app_api_token: str | None = None
    read_env_tokens: bool = True
    redis_url: str | None = None
    redelivery: RedeliveryPolicy = field(default_factory=RedeliveryPolicy)
    app_ready_poll_interval: float = 0.1
    subscribe_retry_attempts: int = 3
    redis_processing_timeout: float | None = None
    redis_redeliver_interval: float | None = None
    static_app_addresses: dict[str, tuple[str, int]] = field(default_factory=dict)
    app_health: AppHealthConfig | None = None
    broker: BrokerOverride | None = None
    kafka_brokers: str | None = None
    kafka_partitions: int = 1

    def __post_init__(self) -> None:
        if not self.app_id:
            raise ValueError("app_id is required")
        if self.store not in (None, "memory", "redis"):
            raise ValueError(f"store must be 'memory', 'redis' or None, not {self.store!r}")
        if self.broker not in (None, "memory", "redis", "kafka"):
            raise ValueError(f"broker must be 'memory', 'redis', 'kafka' or None: {self.broker!r}")
        object.__setattr__(self, "resources_paths", tuple(Path(p) for p in self.resources_paths))

    @property
    def effective_api_token(self) -> str | None:
        """G-7: the token every API call must carry, if any."""
        if self.api_token is not None:
            return self.api_token or None
        return (os.environ.get("DAPR_API_TOKEN") or None) if self.read_env_tokens else None

    @property
    def effective_app_api_token(self) -> str | None:
        """G-8: the token sent to the app, if any."""
        if self.app_api_token is not None:
            return self.app_api_token or None
        return (os.environ.get("APP_API_TOKEN") or None) if self.read_env_tokens else None
