"""Helpers for the local sidecar tests: manifests, a tiny real recording app, started sidecars."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import ssl
import threading
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

    async def _handle(self, request: Request) -> Response:
        item = Received(
            request.method,
            request.url.path,
            request.url.query,
            {k.lower(): v for k, v in request.headers.items()},
            await request.body(),
        )
        self.received.append(item)
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
        """Poll (thread-safe: the app may run on another thread's loop) for ``count`` calls."""
        return await eventually(lambda: len(self.on(path)) >= count and self.on(path), within)

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


class ThreadedSidecar:
    """A sidecar (and optionally a recording app) on its own event loop in a thread.

    The Python SDK's ``DaprClient`` constructor blocks on ``/v1.0/healthz/outbound`` (R-8), so
    the sidecar must not share the test's event loop -- as with a real separate daprd process.
    """

    def __init__(self, config_factory: Callable[[int | None], Any], app: Any = None) -> None:
        self._factory = config_factory
        self.app = app
        self.sidecar: Sidecar | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            async with contextlib.AsyncExitStack() as stack:
                port = None
                if self.app is not None:
                    await stack.enter_async_context(serve_app(self.app))
                    port = self.app.port
                sidecar = await stack.enter_async_context(running_sidecar(self._factory(port)))
                self.sidecar = sidecar
                self._started.set()
                await self._stop.wait()
        except BaseException as exc:  # surfaced to the test thread
            self._error = exc
            self._started.set()

    def __enter__(self) -> Sidecar:
        self._thread.start()
        self._started.wait(20)
        if self._error is not None:
            raise self._error
        assert self.sidecar is not None
        return self.sidecar

    def __exit__(self, *exc_info: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(20)
