"""The :class:`Sidecar`: one local Dapr-API-compatible runtime for one app (not daprd).

Start order follows daprd (H-1, H-2, H-6, U-1): load resources, build backends, serve the HTTP
and gRPC APIs (``/v1.0/healthz/outbound`` turns 204), then -- in the background -- wait for
the app port to accept TCP, call ``/dapr/config`` and ``/dapr/subscribe``, start the
subscriptions and turn ``/v1.0/healthz`` 204.  Several sidecars can share one event loop, one
:class:`~synth.sidecar.backends.MemoryBackend` and one
:class:`~synth.sidecar.invocation.NameRegistry`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
from collections.abc import Awaitable
from functools import partial
from types import TracebackType

import grpc
import httpx
from dapr.proto.runtime.v1 import dapr_pb2_grpc

from .api_core import ApiCore
from .app_health import AppHealthMonitor
from .asgi_server import AsgiServer
from .backends import MemoryBackend, build_backends
from .components import load_resources
from .config import SidecarConfig
from .delivery import Deliverer
from .grpc_api import ApiTokenInterceptor, DaprGrpcServicer
from .http_api import HealthState, HttpApi
from .invocation import REGISTRY, AppAddress, Forwarder, NameRegistry
from .pubsub import BrokerSubscription, MessageHandler
from .pubsub_kafka import KafkaBroker
from .scopes import topic_allowed
from .subscriptions import Subscription, discover, from_manifest, merge

__all__ = ["Sidecar"]

log = logging.getLogger("synth.sidecar")


STEP_TIMEOUT = 3.0


async def _swallow(task: asyncio.Task[None]) -> None:
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def _bounded(step: Awaitable[object], what: str) -> None:
    """Await one stop step for at most ``STEP_TIMEOUT`` seconds; errors are logged, not raised."""
    try:
        async with asyncio.timeout(STEP_TIMEOUT):
            await step
    except TimeoutError:
        log.warning("stopping %s took over %gs; left behind", what, STEP_TIMEOUT)
    except Exception:
        log.warning("stopping %s failed", what, exc_info=True)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context per process: building one per client costs ~80 ms."""
    return ssl.create_default_context()


class Sidecar:
    """A local sidecar; use ``async with Sidecar(config):`` or ``start()`` / ``stop()``."""

    def __init__(
        self,
        config: SidecarConfig,
        *,
        memory: MemoryBackend | None = None,
        registry: NameRegistry | None = None,
    ) -> None:
        self.config = config
        self.memory = memory if memory is not None else MemoryBackend()
        self.registry = registry if registry is not None else REGISTRY
        self.health = HealthState()
        self.core: ApiCore | None = None
        self.shutdown_requested = asyncio.Event()
        self._ready = asyncio.Event()
        self._http_port: int | None = None
        self._grpc_port: int | None = None
        self._http_server: AsgiServer | None = None
        self._grpc_server: grpc.aio.Server | None = None
        self._app_task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._broker_subs: list[BrokerSubscription] = []
        self._address: AppAddress | None = None
        self._declarative: list[Subscription] = []
        self._monitor: AppHealthMonitor | None = None

    # -- properties ------------------------------------------------------------------------
    @property
    def app_id(self) -> str:
        return self.config.app_id

    @property
    def http_port(self) -> int:
        if self._http_port is None:
            raise RuntimeError("sidecar not started")
        return self._http_port

    @property
    def grpc_port(self) -> int:
        if self._grpc_port is None:
            raise RuntimeError("sidecar not started")
        return self._grpc_port

    @property
    def http_url(self) -> str:
        return f"http://{self.config.host}:{self.http_port}"

    @property
    def subscriptions(self) -> list[Subscription]:
        return list(self.core.subscriptions) if self.core else []

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        config = self.config
        resources = load_resources(config.resources_paths, config.app_id)
        states, pubsubs = build_backends(resources.components, config, self.memory)
        self._declarative = [s for s in map(from_manifest, resources.subscriptions) if s]
        core = ApiCore(app_id=config.app_id, states=states, pubsubs=pubsubs)
        core.app_port = config.app_port
        core.app_host = config.app_host
        core.app_health = config.app_health
        self.core = core
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(None, connect=5.0), verify=_ssl_context()
        )
        forwarder = Forwarder(
            own_app_id=config.app_id,
            client=self._client,
            registry=self.registry,
            static=dict(config.static_app_addresses),
        )
        try:
            await self._start_servers(core, forwarder)
        except BaseException:
            await self.stop()
            raise
        if config.app_port is not None:
            self._address = AppAddress(
                config.app_host, config.app_port, config.effective_app_api_token
            )
            self.registry.register(config.app_id, self._address)
        self.health.outbound_ready = True
        log.info(
            "synth local sidecar (a local runtime, not daprd) app_id=%s http=%d grpc=%d",
            config.app_id,
            self.http_port,
            self.grpc_port,
        )
        self._app_task = asyncio.create_task(self._app_startup(), name=f"app-{config.app_id}")

    async def _start_servers(self, core: ApiCore, forwarder: Forwarder) -> None:
        token = self.config.effective_api_token
        await self._start_http(
            HttpApi(
                core=core,
                forwarder=forwarder,
                health=self.health,
                api_token=token,
                on_shutdown=self.shutdown_requested.set,
            )
        )
        await self._start_grpc(DaprGrpcServicer(core, forwarder), token)

    async def _start_http(self, app: HttpApi) -> None:
        server = AsgiServer(app, self.config.host, self.config.http_port)
        self._http_port = await server.start()
        self._http_server = server

    async def _start_grpc(self, servicer: DaprGrpcServicer, token: str | None) -> None:
        interceptors = [ApiTokenInterceptor(token)] if token else []
        server = grpc.aio.server(interceptors=interceptors)
        dapr_pb2_grpc.add_DaprServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
        self._grpc_port = server.add_insecure_port(f"{self.config.host}:{self.config.grpc_port}")
        await server.start()
        self._grpc_server = server

    async def _wait_app_port(self) -> None:
        assert self.config.app_port is not None
        while True:
            try:
                _reader, writer = await asyncio.open_connection(
                    self.config.app_host, self.config.app_port
                )
            except OSError:
                await asyncio.sleep(self.config.app_ready_poll_interval)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    async def _app_startup(self) -> None:
        core, client = self.core, self._client
        assert core is not None and client is not None
        try:
            programmatic: list[Subscription] = []
            if self.config.app_port is not None:
                await self._wait_app_port()
                if self.config.app_health is not None:
                    self._monitor = AppHealthMonitor(
                        client,
                        f"http://{self.config.app_host}:{self.config.app_port}",
                        self.config.app_health,
                        self.config.effective_app_api_token,
                    )
                    self._monitor.start()
                    await self._monitor.wait_healthy()  # H-5: subscribe after a good probe
                if core.pubsubs:
                    programmatic = await discover(
                        client,
                        f"http://{self.config.app_host}:{self.config.app_port}",
                        self.config.app_id,
                        self.config.effective_app_api_token,
                        self.config.subscribe_retry_attempts,
                    )
                await self._subscribe(merge(programmatic, self._declarative))
            self.health.ready = True
            self._ready.set()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("local sidecar %s: app startup failed", self.config.app_id)
            raise

    async def _subscribe(self, subscriptions: list[Subscription]) -> None:
        core, client = self.core, self._client
        assert core is not None and client is not None
        deliverer = Deliverer(
            client=client,
            app_base_url=f"http://{self.config.app_host}:{self.config.app_port}",
            app_token=self.config.effective_app_api_token,
            policy=self.config.redelivery,
            publish_dead_letter=core.publish_dead_letter,
            health=self._monitor,
        )
        active: list[Subscription] = []
        grouped: dict[str, dict[str, MessageHandler]] = {}
        for sub in subscriptions:
            entry = core.pubsubs.get(sub.pubsubname)
            if entry is None:
                log.warning("subscription to unknown pubsub %s is ignored", sub.pubsubname)
                continue
            if not topic_allowed(entry.component, sub.topic, self.config.app_id, publishing=False):
                log.error(
                    "subscription to topic %s is not allowed for app id %s (U-5)",
                    sub.topic,
                    self.config.app_id,
                )
                continue
            handler = partial(deliverer.deliver, sub)
            if isinstance(entry.broker, KafkaBroker):
                grouped.setdefault(sub.pubsubname, {})[sub.topic] = handler
            else:
                handle = await entry.broker.subscribe(sub.topic, entry.consumer_group, handler)
                self._broker_subs.append(handle)
            active.append(sub)
        for name, handlers in grouped.items():
            entry = core.pubsubs[name]
            assert isinstance(entry.broker, KafkaBroker)
            self._broker_subs.append(
                await entry.broker.subscribe_all(entry.consumer_group, handlers)
            )
        core.subscriptions = active

    async def wait_app_ready(self) -> None:
        """Wait until the app is reachable and subscriptions run (H-1 ready).

        Raises the startup error if discovery failed; bound it with ``asyncio.timeout``.
        """
        if self._app_task is None:
            raise RuntimeError("sidecar not started")
        waiter = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait({waiter, self._app_task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if not self._ready.is_set():
            self._app_task.result()
            raise RuntimeError(f"app {self.config.app_id} startup ended without readiness")

    async def stop(self) -> None:
        """Stop everything; each step is bounded (``STEP_TIMEOUT``), so a stop never hangs."""
        self.health.ready = False
        self.health.outbound_ready = False
        if self._monitor is not None:
            await _bounded(self._monitor.stop(), "the app health monitor")
            self._monitor = None
        if self._app_task is not None:
            self._app_task.cancel()
            await _bounded(_swallow(self._app_task), "app startup")
        handles, self._broker_subs = self._broker_subs, []
        await asyncio.gather(*(_bounded(h.close(), "a subscription") for h in handles))
        if self._address is not None:
            self.registry.unregister(self.config.app_id, self._address)
            self._address = None
        if self._http_server is not None:
            await _bounded(self._http_server.stop(), "the HTTP API")
        if self._grpc_server is not None:
            await _bounded(self._grpc_server.stop(0.5), "the gRPC API")
        if self.core is not None:
            for state_entry in self.core.states.values():
                if state_entry.owned:
                    await _bounded(state_entry.store.close(), f"state {state_entry.component.name}")
            for pubsub_entry in self.core.pubsubs.values():
                if pubsub_entry.owned:
                    await _bounded(
                        pubsub_entry.broker.close(), f"pubsub {pubsub_entry.component.name}"
                    )
        if self._client is not None:
            await _bounded(self._client.aclose(), "the app client")
        self._http_server = self._grpc_server = self._client = None

    async def __aenter__(self) -> Sidecar:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
