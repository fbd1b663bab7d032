"""The process's one Dapr client, created once the sidecar answers and shared by every request.

Constructing the SDK client blocks until the sidecar is healthy (Dapr contract R-8), so it is
never made per request, and start-up never waits for it: the lifespan connects in the
background, `/ready` says why while it cannot, and `get_dapr_client` answers 503 until then.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from dapr.aio.clients import DaprClient
from fastapi import FastAPI, HTTPException, Request, status

from hello.settings import get_settings

logger = logging.getLogger(__name__)


class DaprConnection:
    """Holds the Dapr client once the sidecar is reachable, and the reason it is not before.

    Its sidecar health checks share one HTTP client (`http`), opened by the lifespan.
    """

    def __init__(self, client: DaprClient | None = None) -> None:
        self.client = client
        self.problem = "" if client is not None else "waiting for the Dapr sidecar"
        self.http: httpx.AsyncClient | None = None

    def open(self) -> httpx.AsyncClient:
        """The HTTP client of the sidecar health checks, made on the first call."""
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=get_settings().dapr_timeout_seconds)
        return self.http

    def _url(self, path: str) -> str:
        settings = get_settings()
        return f"http://{settings.dapr_runtime_host}:{settings.dapr_http_port}{path}"

    async def sidecar_problem(self) -> str:
        """'' when the sidecar's health endpoint answers 2xx, else why it does not."""
        url = self._url("/v1.0/healthz")
        try:
            response = await self.open().get(url)
        except httpx.HTTPError as error:
            return f"Dapr sidecar unreachable at {url} ({type(error).__name__})"
        if response.status_code >= 300:
            return f"Dapr sidecar not ready at {url} (HTTP {response.status_code})"
        return ""

    async def connect(self) -> None:
        """Wait for the sidecar's outbound health, then create the one client."""
        url = self._url("/v1.0/healthz/outbound")
        delay = 0.05
        http = self.open()
        while self.client is None:
            try:
                response = await http.get(url)
                if response.status_code < 300:
                    self.client = DaprClient()
                    self.problem = ""
                    logger.info("connected to the Dapr sidecar")
                    return
                self.problem = f"Dapr sidecar not ready at {url} (HTTP {response.status_code})"
            except httpx.HTTPError as error:
                self.problem = f"Dapr sidecar unreachable at {url} ({type(error).__name__})"
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def close(self) -> None:
        """Close the Dapr client and the HTTP client, if they were made."""
        if self.client is not None:
            await self.client.close()  # type: ignore[no-untyped-call]  # untyped in the SDK
            self.client = None
        if self.http is not None:
            await self.http.aclose()
            self.http = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Connect to Dapr in the background on start-up; close the client on shutdown.

    A test installs its own `DaprConnection` in `app.state.dapr` before start-up (the seam).
    """
    connection = getattr(app.state, "dapr", None)
    if not isinstance(connection, DaprConnection):
        connection = DaprConnection()
        app.state.dapr = connection
    connection.open()
    task = asyncio.create_task(connection.connect()) if connection.client is None else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await connection.close()


def get_dapr_connection(request: Request) -> DaprConnection | None:
    """The app's Dapr connection, or None before the lifespan started."""
    connection = getattr(request.app.state, "dapr", None)
    return connection if isinstance(connection, DaprConnection) else None


def get_dapr_client(request: Request) -> DaprClient:
    """FastAPI dependency: the shared Dapr client, or 503 while the sidecar is unreachable."""
    connection = get_dapr_connection(request)
    if connection is None or connection.client is None:
        reason = connection.problem if connection else "the app's lifespan has not started"
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=reason)
    return connection.client
