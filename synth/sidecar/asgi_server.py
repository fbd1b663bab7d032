"""Serving an ASGI app with uvicorn's HTTP protocol, started and stopped in milliseconds.

uvicorn's ``Server.serve`` polls every 100 ms, sleeps on shutdown and captures process signals;
several sidecars (and test apps) in one event loop need none of that, so :class:`AsgiServer`
drives uvicorn's ``startup`` directly and closes the listeners itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import uvicorn
from starlette.types import ASGIApp

__all__ = ["AsgiServer"]


class AsgiServer:
    """One listening socket serving ``app``; ``port=0`` binds a free port."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="off", access_log=False
        )
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self.port: int | None = None

    async def start(self) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        if not self._config.loaded:
            self._config.load()
        server = uvicorn.Server(self._config)
        server.lifespan = self._config.lifespan_class(self._config)
        await server.startup(sockets=[sock])
        self._server = server
        return self.port

    async def stop(self, grace: float = 1.0) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        tasks = list(server.server_state.tasks)
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
        for listener in server.servers:
            with contextlib.suppress(Exception):
                await listener.wait_closed()
