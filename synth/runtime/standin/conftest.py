"""Stand-in for `tests/conftest.py` (the app feature's test seams), with what runtime tests use."""

from dataclasses import dataclass, field
from typing import Any

from synth.runtime.app.dapr_client import DaprConnection


@dataclass
class FakeDaprClient:
    """The in-memory Dapr client of the tests: its store and every call made."""

    state: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class ReadyConnection(DaprConnection):
    """A connection whose sidecar always answers its health check."""
