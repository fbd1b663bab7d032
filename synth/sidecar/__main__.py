"""Command line: ``python -m synth.sidecar`` runs one local sidecar until SIGINT / SIGTERM.

Flag names mirror daprd's (``--app-id``, ``--app-port``, ``--dapr-http-port``,
``--dapr-grpc-port``, ``--resources-path``); ``--store`` is the local runtime's backend
override.  Tokens come from the env vars ``DAPR_API_TOKEN`` / ``APP_API_TOKEN`` (G-7 / G-8).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from .app_health import AppHealthConfig
from .backends import BackendError
from .components import ManifestError
from .config import DEFAULT_REDIS_URL, RedeliveryPolicy, SidecarConfig
from .runtime import Sidecar

__all__ = ["build_parser", "main"]

DESCRIPTION = (
    "synth local sidecar: a Dapr-API-compatible LOCAL runtime for development and tests. "
    "It is NOT daprd; it implements the state, pub/sub, service invocation, health and "
    "metadata APIs that synth services use, on in-memory or Redis backends."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m synth.sidecar", description=DESCRIPTION)
    parser.add_argument("--app-id", required=True, help="the app id (as daprd --app-id)")
    parser.add_argument("--app-port", type=int, default=None, help="port the app listens on")
    parser.add_argument("--app-channel-address", default="127.0.0.1", help="app host")
    parser.add_argument("--dapr-http-port", type=int, default=3500, help="HTTP API port (0=any)")
    parser.add_argument("--dapr-grpc-port", type=int, default=50001, help="gRPC API port (0=any)")
    parser.add_argument(
        "--dapr-listen-addresses", default="127.0.0.1", help="address the APIs bind to"
    )
    parser.add_argument(
        "--resources-path",
        action="append",
        default=[],
        help="folder (or file) of Component / Subscription manifests; repeatable",
    )
    parser.add_argument(
        "--store",
        choices=("memory", "redis"),
        default=None,
        help="serve every component with this local backend (needed for kafka / postgresql)",
    )
    parser.add_argument(
        "--redis-url",
        default=None,
        help="the Redis of every Redis-backed component, winning over a component's redisHost "
        f"(default: each component's redisHost; {DEFAULT_REDIS_URL} for --store redis)",
    )
    parser.add_argument(
        "--broker",
        choices=("memory", "redis", "kafka"),
        default=None,
        help="serve every pub/sub component with this backend (wins over --store for pub/sub)",
    )
    parser.add_argument(
        "--kafka-brokers",
        default=None,
        help="host:port[,host:port] of a Kafka-protocol broker, winning over a component's brokers",
    )
    parser.add_argument(
        "--kafka-partitions",
        type=int,
        default=1,
        help="partitions of a topic the local runtime has to create (default 1)",
    )
    parser.add_argument("--max-delivery-attempts", type=int, default=5)
    parser.add_argument(
        "--enable-app-health-check",
        action="store_true",
        help="probe the app and pause deliveries while it is unhealthy (as daprd)",
    )
    parser.add_argument("--app-health-check-path", default="/healthz")
    parser.add_argument(
        "--app-health-probe-interval", type=float, default=5.0, help="seconds between probes"
    )
    parser.add_argument(
        "--app-health-probe-timeout", type=int, default=500, help="probe timeout, milliseconds"
    )
    parser.add_argument(
        "--app-health-threshold", type=int, default=3, help="failures before unhealthy"
    )
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warn", "error"))
    return parser


async def _run(config: SidecarConfig) -> None:
    sidecar = Sidecar(config)
    await sidecar.start()
    print(
        f"synth local sidecar (not daprd): app-id={config.app_id} "
        f"http={sidecar.http_port} grpc={sidecar.grpc_port}",
        flush=True,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, sidecar.shutdown_requested.set)
    try:
        await sidecar.shutdown_requested.wait()
    finally:
        await sidecar.stop()
        print("synth local sidecar stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = {"warn": "WARNING"}.get(args.log_level, args.log_level.upper())
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = SidecarConfig(
        app_id=args.app_id,
        app_port=args.app_port,
        app_host=args.app_channel_address,
        http_port=args.dapr_http_port,
        grpc_port=args.dapr_grpc_port,
        host=args.dapr_listen_addresses,
        resources_paths=tuple(Path(p) for p in args.resources_path),
        store=args.store,
        redis_url=args.redis_url,
        broker=args.broker,
        kafka_brokers=args.kafka_brokers,
        kafka_partitions=args.kafka_partitions,
        redelivery=RedeliveryPolicy(max_attempts=args.max_delivery_attempts),
        app_health=(
            AppHealthConfig(
                path=args.app_health_check_path,
                interval=args.app_health_probe_interval,
                timeout=args.app_health_probe_timeout / 1000,
                threshold=args.app_health_threshold,
            )
            if args.enable_app_health_check
            else None
        ),
    )
    try:
        asyncio.run(_run(config))
    except (BackendError, ManifestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
