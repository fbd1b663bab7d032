"""Test seams: an in-memory stand-in for the Dapr client, and the app wired to it."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import grpc
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from dapr.clients.grpc._state import Concurrency
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata

from triage.dapr_client import DaprConnection
from triage.main import app


@dataclass
class FakeStateResponse:
    """What `DaprClient.get_state` returns: bytes and an ETag (empty when missing)."""

    data: bytes
    etag: str


@dataclass
class FakeDaprClient:
    """Records every call and keeps state in memory with Dapr's ETag rules (contract S-16)."""

    state: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    versions: int = 0
    replies: list[Any] = field(default_factory=list)

    def _conflict(self, key: str) -> DaprInternalError:
        cause = AioRpcError(
            grpc.StatusCode.ABORTED, Metadata(), Metadata(), details=f"etag mismatch for {key}"
        )
        error = DaprInternalError(f"possible etag mismatch for {key}")
        error.__cause__ = cause
        return error

    async def get_state(self, store_name: str, key: str, **kwargs: Any) -> FakeStateResponse:
        self.calls.append(("get_state", {"store_name": store_name, "key": key, **kwargs}))
        data, etag = self.state.get((store_name, key), (b"", ""))
        return FakeStateResponse(data, etag)

    async def save_state(self, store_name: str, key: str, value: str, **kwargs: Any) -> None:
        self.calls.append(
            ("save_state", {"store_name": store_name, "key": key, "value": value, **kwargs})
        )
        etag = kwargs.get("etag")
        current = self.state.get((store_name, key))
        if etag is not None and (current is None or current[1] != etag):
            raise self._conflict(key)
        first_write = getattr(kwargs.get("options"), "concurrency", None) is Concurrency.first_write
        if first_write and etag is None and current is not None:
            raise self._conflict(key)  # S-16: first-write, no ETag, key exists
        self.versions += 1
        self.state[(store_name, key)] = (value.encode(), str(self.versions))

    async def delete_state(self, store_name: str, key: str, **kwargs: Any) -> None:
        self.calls.append(("delete_state", {"store_name": store_name, "key": key, **kwargs}))
        etag = kwargs.get("etag")
        current = self.state.get((store_name, key))
        if etag is not None and (current is None or current[1] != etag):
            raise self._conflict(key)
        self.state.pop((store_name, key), None)

    def seed(self, store_name: str, key: str, value: str) -> None:
        """Another replica creates `key` right now (no await in between)."""
        self.versions += 1
        self.state[(store_name, key)] = (value.encode(), str(self.versions))

    def touch(self, key: str) -> None:
        """Another replica writes `key`: its ETag changes, its value stays."""
        for (store, stored_key), (data, _) in list(self.state.items()):
            if stored_key == key:
                self.versions += 1
                self.state[(store, stored_key)] = (data, str(self.versions))

    async def publish_event(
        self,
        pubsub_name: str,
        topic_name: str,
        data: bytes | str,
        publish_metadata: dict[str, str] | None = None,
        data_content_type: str | None = None,
    ) -> None:
        self.calls.append(
            (
                "publish_event",
                {
                    "pubsub_name": pubsub_name,
                    "topic_name": topic_name,
                    "data": data,
                    "data_content_type": data_content_type,
                    "publish_metadata": publish_metadata or {},
                },
            )
        )

    async def invoke_method(
        self,
        app_id: str,
        method_name: str,
        data: bytes | str = b"",
        content_type: str | None = None,
        http_verb: str | None = None,
        **options: Any,
    ) -> Any:
        """Answer with the next of `replies` (an exception in it is raised instead)."""
        self.calls.append(
            (
                "invoke_method",
                {
                    "app_id": app_id,
                    "method_name": method_name,
                    "data": data,
                    "content_type": content_type,
                    "http_verb": http_verb,
                    **options,
                },
            )
        )
        if not self.replies:
            raise AssertionError(f"invoke_method {app_id}/{method_name}: no reply queued")
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    async def close(self) -> None:
        self.calls.append(("close", {}))


class ReadyConnection(DaprConnection):
    """A connection whose sidecar always answers its health check."""

    async def sidecar_problem(self) -> str:
        return ""


def as_client(fake: FakeDaprClient) -> DaprClient:
    """`fake` where the app's code takes a DaprClient: it answers every call the app makes, but
    it is not the SDK's class, and this is the one place the type checker is told so."""
    return cast(DaprClient, fake)


@pytest.fixture
def fake_dapr() -> FakeDaprClient:
    """A fresh in-memory Dapr client."""
    return FakeDaprClient()


@pytest.fixture
def app_client(fake_dapr: FakeDaprClient) -> Iterator[TestClient]:
    """The app, started with its lifespan, talking to `fake_dapr` through the seam."""
    app.state.dapr = ReadyConnection(as_client(fake_dapr))
    with TestClient(app) as client:
        yield client
    app.state.dapr = None
