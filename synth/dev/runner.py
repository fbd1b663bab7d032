"""The `synth dev` runner: every service beside its own local sidecar, wired like `dapr run`.

The sidecars are synth's local Dapr-compatible runtime (:mod:`synth.sidecar`), **not daprd**.
They all run in this process on one event loop and share one
:class:`~synth.sidecar.MemoryBackend` and one :class:`~synth.sidecar.NameRegistry`, so with
`store="memory"` pub/sub and service invocation cross services in memory; `store="redis"` uses
Redis (the components' own `redisHost`, or `redis_url`); `broker="kafka"` carries events on a
local Kafka (Tansu, or `kafka_brokers`) through each service's production Kafka component.
A service's `dapr.io/enable-app-health-check` annotations switch on the sidecar's app health
checks as daprd would; once every service is ready, one that exits is restarted with backoff.
Each service runs as `python -m uvicorn <pkg>.main:app` in its folder with `APP_ID`,
`DAPR_HTTP_PORT` and `DAPR_GRPC_PORT` of its sidecar (free ports) over the shell's environment,
its `.env` and its `.env.example`, in that order of precedence::

    async with DevRunner(find_services([Path("out")]), DevOptions(store="redis")) as runner:
        await runner.wait_ready()
        runner.instance("triage").sidecar.http_url   # publish, read state, ...
        await runner.restart_sidecar("concepts")     # a fault, for tests
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import random
import socket
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx

from synth.dev.children import port_in_use
from synth.dev.discovery import DevService
from synth.dev.output import LineSink, PrefixedLogHandler, Prefixer, service_context, stream_sink
from synth.dev.process import RestartPolicy, ServiceProcess, uvicorn_command
from synth.dev.resources import kafka_component, stage_resources
from synth.dev.tansu import LocalKafka, create_topics, declared_topics
from synth.errors import SynthError
from synth.sidecar import MemoryBackend, NameRegistry, RedeliveryPolicy, Sidecar, SidecarConfig
from synth.sidecar.app_health import AppHealthConfig
from synth.sidecar.config import StoreOverride

__all__ = ["RUNTIME_NOTE", "DevInstance", "DevOptions", "DevRunner", "DevStartError"]

RUNTIME_NOTE = "sidecars: synth's local Dapr-compatible runtime (not daprd)"

# Variables of the parent that would point a service's Dapr SDK somewhere else (contract R-7).
_UNSET = ("DAPR_HTTP_ENDPOINT", "DAPR_GRPC_ENDPOINT")
_TRUTHY = {"y", "yes", "true", "t", "on", "1"}  # kit IsTruthy (contract section 7)


class DevStartError(SynthError):
    """A service or its sidecar did not become ready; the message names which and why."""

    exit_code = 1


@dataclass(frozen=True)
class DevOptions:
    """How `synth dev` runs the services; every field has the CLI's default."""

    store: StoreOverride | None = "memory"
    redis_url: str | None = None
    free_app_ports: bool = False
    replicas: Mapping[str, int] = field(default_factory=dict)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    redelivery: RedeliveryPolicy = field(default_factory=RedeliveryPolicy)
    redis_processing_timeout: float | None = None
    redis_redeliver_interval: float | None = None
    grace_seconds: float = 5.0
    ready_timeout: float = 60.0
    sink: LineSink | None = None
    broker: Literal["kafka"] | None = None
    kafka_brokers: str | None = None
    kafka_metadata: Mapping[str, str] = field(default_factory=dict)
    restart: RestartPolicy | None = field(default_factory=RestartPolicy)
    health_probe_interval: float | None = None


@dataclass
class DevInstance:
    """One replica of one service: its sidecar (config kept for restarts) and its process."""

    service: DevService
    replica: int
    app_port: int
    config: SidecarConfig
    sidecar: Sidecar | None = None
    process: ServiceProcess | None = None

    @property
    def name(self) -> str:
        """`triage`, or `progress#2` for a second replica."""
        return self.service.name if self.replica == 0 else f"{self.service.name}#{self.replica + 1}"

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def dapr_http_url(self) -> str:
        return f"http://{self.config.host}:{self.config.http_port}"


_APP_PORTS = range(20000, 32768)  # below Linux's ephemeral range (32768-60999)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now, for an app process started later.

    Taken below the kernel's ephemeral range: the sidecars bind port 0 meanwhile, and an app
    port from that range could be handed to one of them before uvicorn binds it.
    """
    for _ in range(200):
        port = random.choice(_APP_PORTS)
        if not port_in_use(port, host):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class DevRunner:
    """Runs `services`, each with its own local sidecar, until :meth:`stop`."""

    def __init__(self, services: Sequence[DevService], options: DevOptions | None = None) -> None:
        self.services = list(services)
        self.options = options or DevOptions()
        self.memory = MemoryBackend()
        self.registry = NameRegistry()
        self.instances: list[DevInstance] = []
        width = max((len(s.name) + 2 for s in self.services), default=0)
        self.prefixer = Prefixer(self.options.sink or stream_sink(), width)
        self._log_handler = PrefixedLogHandler(self.prefixer)
        self._staging: tempfile.TemporaryDirectory[str] | None = None
        self.kafka: LocalKafka | None = None
        self.kafka_brokers: str | None = self.options.kafka_brokers

    # -- look-ups ----------------------------------------------------------------------------
    def instance(self, name: str, replica: int = 0) -> DevInstance:
        """The running replica `replica` of service `name`."""
        for inst in self.instances:
            if inst.service.name == name and inst.replica == replica:
                return inst
        raise KeyError(f"no instance {name}#{replica + 1}")

    def status(self) -> dict[str, object]:
        """`{status, runtime, [kafka_brokers], services: [{name, app_id, url, dapr_http_url,
        dapr_grpc_port}]}`."""
        return {
            "status": "ready",
            "runtime": RUNTIME_NOTE,
            **({"kafka_brokers": self.kafka_brokers} if self.options.broker else {}),
            "services": [
                {
                    "name": inst.name,
                    "app_id": inst.service.app_id,
                    "url": inst.app_url,
                    "dapr_http_url": inst.dapr_http_url,
                    "dapr_grpc_port": inst.config.grpc_port,
                }
                for inst in self.instances
            ],
        }

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Start every sidecar, then every service process (ports wired like `dapr run`)."""
        self._attach_logging()
        try:
            if self.options.broker == "kafka":
                await self._start_kafka()
            self.instances = [inst for s in self.services for inst in self._plan(s)]
            self._check_ports()
            for inst in self.instances:
                await self.start_sidecar(inst.service.name, inst.replica)
            for inst in self.instances:
                inst.process = ServiceProcess(
                    inst.name,
                    uvicorn_command(inst.service.app_module, inst.app_port),
                    cwd=inst.service.path,
                    env=self._env(inst),
                    prefixer=self.prefixer,
                    restart=self.options.restart,
                )
                await inst.process.start()
        except BaseException:
            await self.stop()
            raise

    async def _start_kafka(self) -> None:
        """Start Tansu unless `--kafka-brokers` names a broker; create the declared topics."""
        if self.kafka_brokers is None:
            self.kafka = await asyncio.to_thread(LocalKafka().start)
            self.kafka_brokers = self.kafka.brokers
            self.prefixer.line("dev", f"local Kafka (tansu) at {self.kafka_brokers}")
        folders = {s.path.parent / "k8s" / "topics" for s in self.services}
        created = await create_topics(self.kafka_brokers, declared_topics(sorted(folders)))
        if created:
            self.prefixer.line("dev", f"created {len(created)} Kafka topic(s) as k8s/topics says")

    def _check_ports(self) -> None:
        """A port already in use is named now, not as a uvicorn traceback later."""
        for inst in self.instances:
            if port_in_use(inst.app_port):
                raise DevStartError(
                    f"port {inst.app_port} of {inst.name} is already in use (another synth dev "
                    "still running?); stop what holds it, or pass --free-ports"
                )

    def _kafka_for(self, service: DevService) -> dict[str, Any] | None:
        if self.options.broker != "kafka" or self.kafka_brokers is None:
            return None
        doc = kafka_component(service.prod_resources_path, self.kafka_brokers)
        if doc is None:
            doc = {
                "apiVersion": "dapr.io/v1alpha1",
                "kind": "Component",
                "metadata": {"name": service.env.get("PUBSUB_NAME", "pubsub")},
                "spec": {
                    "type": "pubsub.kafka",
                    "version": "v1",
                    "metadata": [
                        {"name": "brokers", "value": self.kafka_brokers},
                        {"name": "authType", "value": "none"},
                        {"name": "initialOffset", "value": "oldest"},
                    ],
                },
                "scopes": [service.app_id],
            }
        extra = dict(self.options.kafka_metadata)
        items = [i for i in doc["spec"]["metadata"] if i.get("name") not in extra]
        doc["spec"]["metadata"] = items + [{"name": k, "value": v} for k, v in extra.items()]
        return doc

    def _health(self, service: DevService) -> AppHealthConfig | None:
        """H-5 settings from the service's `dapr.io/*` annotations, as daprd would get them."""
        notes = service.annotations
        if notes.get("dapr.io/enable-app-health-check", "").strip().lower() not in _TRUTHY:
            return None

        def number(name: str, default: float) -> float:
            try:
                return float(notes.get(name, default))
            except ValueError:
                return default

        interval = number("dapr.io/app-health-probe-interval", 5)
        if self.options.health_probe_interval is not None:
            interval = self.options.health_probe_interval
        return AppHealthConfig(
            path=notes.get("dapr.io/app-health-check-path", "/healthz"),
            interval=interval,
            timeout=number("dapr.io/app-health-probe-timeout", 500) / 1000,
            threshold=int(number("dapr.io/app-health-threshold", 3)),
        )

    def _plan(self, service: DevService) -> list[DevInstance]:
        resources = service.resources_path
        kafka = self._kafka_for(service)
        if (self.options.redis_url is not None or kafka is not None) and resources.is_dir():
            if self._staging is None:
                self._staging = tempfile.TemporaryDirectory(prefix="synth-dev-")
            target = Path(self._staging.name) / service.name
            resources = stage_resources(resources, target, self.options.redis_url, kafka)
        planned: list[DevInstance] = []
        for replica in range(max(1, self.options.replicas.get(service.name, 1))):
            fixed = replica == 0 and not self.options.free_app_ports
            app_port = service.port if fixed else free_port()
            config = SidecarConfig(
                app_id=service.app_id,
                app_port=app_port,
                http_port=0,
                grpc_port=0,
                resources_paths=(resources,) if resources.is_dir() else (),
                store=self.options.store,
                redis_url=self.options.redis_url,
                redelivery=self.options.redelivery,
                redis_processing_timeout=self.options.redis_processing_timeout,
                redis_redeliver_interval=self.options.redis_redeliver_interval,
                broker=self.options.broker,
                kafka_brokers=self.kafka_brokers if self.options.broker else None,
                app_health=self._health(service),
            )
            planned.append(DevInstance(service, replica, app_port, config))
        return planned

    def _env(self, inst: DevInstance) -> dict[str, str]:
        """Precedence: the wiring to its sidecar > `extra_env` > the shell > `.env` >
        `.env.example` (a default in a committed file must not beat the owner's own values)."""
        env = dict(inst.service.env)
        env.update(inst.service.dotenv)
        env.update({k: v for k, v in os.environ.items() if k not in _UNSET})
        for name in _UNSET:
            env.pop(name, None)
        env.update(self.options.extra_env)
        env.update(
            {
                "APP_ID": inst.service.app_id,
                "DAPR_RUNTIME_HOST": inst.config.host,
                "DAPR_HTTP_PORT": str(inst.config.http_port),
                "DAPR_GRPC_PORT": str(inst.config.grpc_port),
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def _attach_logging(self) -> None:
        logger = logging.getLogger("synth.sidecar")
        if self._log_handler not in logger.handlers:
            logger.addHandler(self._log_handler)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)

    async def start_sidecar(self, name: str, replica: int = 0) -> Sidecar:
        """(Re)start the sidecar of one instance, on the ports it had before, if any."""
        inst = self.instance(name, replica)
        if inst.sidecar is not None:
            raise RuntimeError(f"{inst.name}: sidecar already running")
        sidecar = Sidecar(inst.config, memory=self.memory, registry=self.registry)
        with service_context(inst.name):
            await sidecar.start()
        inst.config = dataclasses.replace(
            inst.config, http_port=sidecar.http_port, grpc_port=sidecar.grpc_port
        )
        inst.sidecar = sidecar
        return sidecar

    async def stop_sidecar(self, name: str, replica: int = 0) -> None:
        """Stop the sidecar of one instance; its service process keeps running."""
        inst = self.instance(name, replica)
        sidecar, inst.sidecar = inst.sidecar, None
        if sidecar is not None:
            with service_context(inst.name):
                await sidecar.stop()

    async def restart_sidecar(self, name: str, replica: int = 0) -> Sidecar:
        """Stop and start the sidecar of one instance, on the same ports."""
        await self.stop_sidecar(name, replica)
        return await self.start_sidecar(name, replica)

    async def wait_ready(self) -> None:
        """Wait until every service's `/ready` answers 200 (so its sidecar is ready too).

        Bounded by `DevOptions.ready_timeout`; DevStartError names the late services.
        """
        limit = self.options.ready_timeout
        problems: dict[str, str] = {inst.name: "starting" for inst in self.instances}
        async with httpx.AsyncClient(timeout=2.0) as client:
            waits = [self._wait_one(inst, client, problems) for inst in self.instances]
            try:
                async with asyncio.timeout(limit):
                    await asyncio.gather(*waits)
            except TimeoutError:
                late = {n: p for n, p in problems.items() if p}
                detail = "; ".join(f"{n}: {p}" for n, p in late.items())
                raise DevStartError(f"not ready after {limit:g}s: {detail}") from None
        if self.options.restart is not None:
            for inst in self.instances:
                if inst.process is not None:
                    inst.process.restarts = True  # from now on an exit is restarted

    async def _wait_one(
        self, inst: DevInstance, client: httpx.AsyncClient, problems: dict[str, str]
    ) -> None:
        assert inst.process is not None
        while True:
            if not inst.process.running:
                code = inst.process.returncode
                raise DevStartError(f"{inst.name} exited with code {code} while starting")
            try:
                response = await client.get(f"{inst.app_url}/ready")
                if response.status_code == 200:
                    problems[inst.name] = ""
                    return
                problems[inst.name] = f"/ready {response.status_code} {response.text[:200]}"
            except httpx.HTTPError as error:
                problems[inst.name] = f"/ready unreachable ({type(error).__name__})"
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """Stop every sidecar, then terminate every process (killed after the grace period)."""
        await asyncio.gather(
            *(self.stop_sidecar(inst.service.name, inst.replica) for inst in self.instances),
            return_exceptions=True,
        )
        grace = self.options.grace_seconds
        await asyncio.gather(
            *(inst.process.stop(grace) for inst in self.instances if inst.process is not None),
            return_exceptions=True,
        )
        if self.kafka is not None:
            await asyncio.to_thread(self.kafka.stop)
            self.kafka = None
        logging.getLogger("synth.sidecar").removeHandler(self._log_handler)
        if self._staging is not None:
            self._staging.cleanup()
            self._staging = None

    async def __aenter__(self) -> DevRunner:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
