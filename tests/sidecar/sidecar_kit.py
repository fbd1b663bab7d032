"""Helpers for the local sidecar tests: manifests, a tiny real recording app, started sidecars."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import ssl
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from synth.sidecar import MemoryBackend, NameRegistry, RedeliveryPolicy, Sidecar, SidecarConfig
from synth.sidecar.asgi_server import AsgiServer

REDIS_URL = "redis://127.0.0.1:6379/0"
FAST_POLICY = RedeliveryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05)


def component(name: str, type_: str, metadata: dict[str, str] | None = None, **extra: Any) -> dict:
    doc: dict[str, Any] = {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name},
        "spec": {
            "type": type_,
            "version": "v1",
            "metadata": [{"name": k, "value": v} for k, v in (metadata or {}).items()],
        },
    }
    doc.update(extra)
    return doc


MEMORY_COMPONENTS = [
    component("statestore", "state.in-memory"),
    component("pubsub", "pubsub.in-memory"),
]


def write_resources(folder: Path, docs: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stream = io.StringIO()
    YAML().dump_all(docs, stream)
    (folder / f"resources-{uuid.uuid4().hex[:6]}.yaml").write_text(stream.getvalue())
    return folder


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


Reply = Callable[[Received], Awaitable[Response] | Response]


@dataclass
class RecordingApp:
    """A real Starlette app served by uvicorn on a free port; records every request."""

    subscriptions: Any = None
    replies: dict[str, Reply] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def _handle(self, request: Request) -> Response:
        item = Received(
            request.method,
            request.url.path,
            request.url.query,
            {k.lower(): v for k, v in request.headers.items()},
            await request.body(),
        )
        self.received.append(item)
        self._changed.set()
        if request.url.path == "/dapr/subscribe":
            if self.subscriptions is None:
                return Response(status_code=404)
            import json

            return Response(json.dumps(self.subscriptions), media_type="application/json")
        reply = self.replies.get(request.url.path)
        if reply is None:
            return Response(status_code=200)
        result = reply(item)
        if asyncio.iscoroutine(result):
            result = await result
        return result  # type: ignore[return-value]

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def wait_for(self, path: str, count: int = 1, within: float = 10.0) -> list[Received]:
        async with asyncio.timeout(within):
            while len(self.on(path)) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.on(path)

    def asgi(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=methods)])


@contextlib.asynccontextmanager
async def serve_app(app: RecordingApp) -> AsyncIterator[RecordingApp]:
    server = AsgiServer(app.asgi())
    app.port = await server.start()
    try:
        yield app
    finally:
        await server.stop()


def sidecar_config(app_id: str, **kwargs: Any) -> SidecarConfig:
    kwargs.setdefault("http_port", 0)
    kwargs.setdefault("grpc_port", 0)
    kwargs.setdefault("redelivery", FAST_POLICY)
    kwargs.setdefault("read_env_tokens", False)
    return SidecarConfig(app_id=app_id, **kwargs)


@contextlib.asynccontextmanager
async def running_sidecar(
    config: SidecarConfig,
    memory: MemoryBackend | None = None,
    registry: NameRegistry | None = None,
    wait: bool = True,
) -> AsyncIterator[Sidecar]:
    sidecar = Sidecar(config, memory=memory, registry=registry or NameRegistry())
    await sidecar.start()
    try:
        if wait:
            async with asyncio.timeout(10):
                await sidecar.wait_app_ready()
        yield sidecar
    finally:
        await sidecar.stop()


async def eventually(check: Callable[[], Any], within: float = 10.0, step: float = 0.02) -> Any:
    """Poll ``check`` (sync or async) until it returns a truthy value, within a deadline."""
    async with asyncio.timeout(within):
        while True:
            value = check()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return value
            await asyncio.sleep(step)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def http_client(base_url: str = "", **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client sharing one TLS context (creating one per client costs ~80 ms)."""
    return httpx.AsyncClient(base_url=base_url, verify=_ssl_context(), **kwargs)
