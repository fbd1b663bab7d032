"""The fault suite of issue 14: each fault on Redis and on Kafka, counting lost and doubled events.

Loopback only, bounded in events (EVENTS per scenario) and time.  Each event is one learner's
`code.error-hint` (or `learning.query`), so progress's state record of that learner says what
happened: no record is a lost event, `events > 1` a doubled one.  Faults: kill -9 of a service,
of a sidecar (a `python -m synth.sidecar` process), of `synth dev` itself; the Redis holding the
events (Redis) or the state (Kafka) stopped and restarted empty; one event id published twice
at once; two replicas with slow handlers; a handler that publishes and then fails.

Each scenario prints `fault-suite <scenario> <broker>: lost=<n> doubled=<n>` (run with `-s`).
The duplicate-id and publish-then-fail cases hold because of the generated code's claim-first
dedupe and its republish ids derived from the incoming event id (issue 14, items 1 and 2).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from ruamel.yaml import YAML

from synth.dev.resources import kafka_component, stage_resources
from tests.e2e.brokers import BROKERS
from tests.e2e.spare_redis import SpareRedis
from tests.sidecar.kafka_kit import FAST_GROUP

pytestmark = [pytest.mark.redis, pytest.mark.slow]

EVENTS = 8
LAUNCH = "import synth.cli.dev; from synth.cli.shell import app; app()"

# Appended to the owner's progress handlers: an optional delay before each record (a slow
# handler, FAULT_HANDLER_DELAY seconds); `record` is looked up at call time, so rebinding works.
SLOW_PROGRESS = """

import asyncio as _fault_asyncio
import os as _fault_os

_FAULT_DELAY = float(_fault_os.environ.get("FAULT_HANDLER_DELAY", "0"))
_fault_record = record


async def record(client, user_id, context, failed_concept=None):  # noqa: F811
    if _FAULT_DELAY:
        await _fault_asyncio.sleep(_FAULT_DELAY)
    return await _fault_record(client, user_id, context, failed_concept)
"""
# Appended to the owner's triage handlers: the first delivery of each query publishes, then
# fails as a dependency outage would (a ConnectionError is RETRY).
FAIL_AFTER_PUBLISH = """

_fault_first_runs = set()
_fault_on_learning_query = on_learning_query


async def on_learning_query(event, context, client):  # noqa: F811
    await _fault_on_learning_query(event, context, client)
    if context.id not in _fault_first_runs:
        _fault_first_runs.add(context.id)
        raise ConnectionError("injected: the handler published, then failed")
"""


def hint(user: str) -> dict[str, object]:
    return {
        "request_id": f"r-{user}",
        "user_id": user,
        "session_id": f"s-{user}",
        "hint": "Print the variable before the failing line.",
        "attempt": 1,
    }


def query(user: str) -> dict[str, str]:
    return {"request_id": f"r-{user}", "user_id": user, "session_id": f"s-{user}", "text": "loops?"}


def learners(count: int = EVENTS) -> list[str]:
    run = uuid.uuid4().hex[:8]
    return [f"f-{run}-{n}" for n in range(count)]


def progress_of(client: redis.Redis, user: str) -> dict[str, Any] | None:
    stored = client.hgetall(f"progress||progress:{user}")
    return json.loads(stored[b"data"]) if stored else None


def tally(client: redis.Redis, users: list[str], topic: str = "code.error-hint") -> tuple[int, int]:
    """(lost, doubled) among `users`' events on `topic`, from progress's records."""
    counts = [((progress_of(client, u) or {}).get("topics") or {}).get(topic, 0) for u in users]
    return sum(1 for c in counts if c == 0), sum(1 for c in counts if c > 1)


def settle(
    client: redis.Redis,
    users: list[str],
    scenario: str,
    broker: str,
    topic: str = "code.error-hint",
    within: float = 60.0,
) -> None:
    """Wait until every event is recorded (bounded), let redeliveries land, then count."""
    deadline = time.monotonic() + within
    while tally(client, users, topic)[0] and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # a duplicate still in flight would land meanwhile
    lost, doubled = tally(client, users, topic)
    print(f"fault-suite {scenario} {broker}: lost={lost} doubled={doubled}")
    assert (lost, doubled) == (0, 0), f"{scenario} on {broker}: {lost} lost, {doubled} doubled"


def publish(http: httpx.Client, dapr_url: str, topic: str, data: object, **params: str) -> None:
    """Publish through a sidecar, retrying (bounded) while the broker is away, as a client would."""
    url = f"{dapr_url}/v1.0/publish/pubsub/{topic}"
    deadline = time.monotonic() + 30
    while True:
        try:
            response = http.post(url, json=data, params=params or None)
            if response.status_code == 204:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"publish to {topic} kept failing"
        time.sleep(0.2)


def append(folder: Path, package: str, code: str) -> None:
    handlers = folder / package.replace("_", "-") / package / "handlers.py"
    handlers.write_text(handlers.read_text() + code)


def set_metadata(path: Path, items: dict[str, str]) -> None:
    """Add (or replace) component metadata items in the manifest at `path`."""
    yaml = YAML(typ="safe", pure=True)
    doc = yaml.load(path.read_text(encoding="utf-8"))
    kept = [i for i in doc["spec"]["metadata"] if i["name"] not in items]
    doc["spec"]["metadata"] = kept + [{"name": k, "value": v} for k, v in items.items()]
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(doc, stream)


REDIS_FAST = {"processingTimeout": "2s", "redeliverInterval": "1s"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


# -- kill -9 of a service ------------------------------------------------------------------
@pytest.mark.parametrize("broker", BROKERS)
def test_kill_9_of_a_service(launch: Any, e2e_db: Any, http: httpx.Client, broker: str) -> None:
    platform = launch.platform(("progress",), broker=broker)
    users = learners()
    progress = platform.runner.instance("progress")
    try:
        for user in users[: EVENTS // 2]:
            platform.publish("code.error-hint", hint(user), via="progress")
        os.kill(progress.process.pid, signal.SIGKILL)
        for user in users[EVENTS // 2 :]:
            platform.publish("code.error-hint", hint(user), via="progress")
        settle(e2e_db.client, users, "kill-9-service", broker)
        assert progress.process.restart_count >= 1
        assert any("restarting in" in line for line in platform.lines)
    finally:
        platform.stop()


# -- kill -9 of a sidecar -------------------------------------------------------------------
class SidecarAndService:
    """The progress service and its sidecar as two processes (so the sidecar can be killed)."""

    def __init__(self, folder: Path, resources: Path, db_url: str, kafka: str | None) -> None:
        self.folder = folder
        self.resources = resources
        self.db_url = db_url
        self.kafka = kafka
        self.app_port, self.http_port, self.grpc_port = free_port(), free_port(), free_port()
        self.sidecar: subprocess.Popen[bytes] | None = None
        self.service: subprocess.Popen[bytes] | None = None

    @property
    def dapr_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start_sidecar(self) -> None:
        command = [sys.executable, "-m", "synth.sidecar", "--app-id", "progress"]
        command += ["--app-port", str(self.app_port), "--resources-path", str(self.resources)]
        command += [
            "--dapr-http-port",
            str(self.http_port),
            "--dapr-grpc-port",
            str(self.grpc_port),
        ]
        command += ["--store", "redis", "--redis-url", self.db_url, "--max-delivery-attempts", "40"]
        if self.kafka:
            command += ["--broker", "kafka", "--kafka-brokers", self.kafka]
        self.sidecar = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def start_service(self) -> None:
        env = {**os.environ, "APP_ID": "progress", "DAPR_HTTP_PORT": str(self.http_port)}
        env["DAPR_GRPC_PORT"] = str(self.grpc_port)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "progress.main:app",
            "--port",
            str(self.app_port),
        ]
        self.service = subprocess.Popen(
            command, cwd=self.folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def wait_ready(self, http: httpx.Client, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while True:
            try:
                ready = http.get(f"http://127.0.0.1:{self.app_port}/ready").status_code == 200
                if ready and http.get(f"{self.dapr_url}/v1.0/healthz").status_code == 204:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "progress and its sidecar did not get ready"
            time.sleep(0.1)

    def kill_sidecar(self) -> None:
        assert self.sidecar is not None
        self.sidecar.kill()
        self.sidecar.wait(10)

    def stop(self) -> None:
        for process in (self.sidecar, self.service):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.mark.parametrize("broker", BROKERS)
def test_kill_9_of_a_sidecar(launch: Any, e2e_db: Any, http: httpx.Client, broker: str) -> None:
    from tests.e2e.conftest import local_kafka_or_skip

    folder = launch.copy(("progress",))
    local = folder / "progress" / "components" / "local"
    set_metadata(local / "pubsub.yaml", REDIS_FAST)
    kafka = None
    staged = local
    if broker == "kafka":
        tansu = local_kafka_or_skip()
        launch.brokers.append(tansu)
        kafka = tansu.brokers
        component = kafka_component(folder / "progress" / "components" / "prod", kafka)
        assert component is not None
        component["spec"]["metadata"] += [{"name": k, "value": v} for k, v in FAST_GROUP.items()]
        staged = stage_resources(local, folder / "staged", None, component)
    pair = SidecarAndService(folder / "progress", staged, e2e_db.url, kafka)
    users = learners()
    try:
        pair.start_sidecar()
        pair.start_service()
        pair.wait_ready(http)
        for user in users[: EVENTS // 2]:
            publish(http, pair.dapr_url, "code.error-hint", hint(user))
        pair.kill_sidecar()
        pair.start_sidecar()
        pair.wait_ready(http)
        for user in users[EVENTS // 2 :]:
            publish(http, pair.dapr_url, "code.error-hint", hint(user))
        settle(e2e_db.client, users, "kill-9-sidecar", broker)
    finally:
        pair.stop()


# -- kill -9 of synth dev --------------------------------------------------------------------
def synth_dev(folder: Path, db_url: str, kafka: str | None, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", LAUNCH, "dev", str(folder), "--json", "--store", "redis"]
    command += ["--redis-url", db_url]
    if kafka:
        command += ["--broker", "kafka", "--kafka-brokers", kafka]
    with log.open("wb") as stream:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stream)


def dev_status(process: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(30)
        pytest.fail(f"synth dev ended before it was ready:\n{log.read_text()[-4000:]}")
    status: dict[str, Any] = json.loads(line)
    return status


@pytest.mark.parametrize("broker", BROKERS)
def test_kill_9_of_synth_dev(launch: Any, e2e_db: Any, http: httpx.Client, broker: str) -> None:
    from tests.e2e.conftest import local_kafka_or_skip

    folder = launch.copy(("progress",))
    port = free_port()
    record = folder / "progress" / "synth.yaml"
    record.write_text(record.read_text().replace("port: 8006", f"port: {port}"))
    set_metadata(folder / "progress" / "components" / "local" / "pubsub.yaml", REDIS_FAST)
    set_metadata(folder / "progress" / "components" / "prod" / "pubsub.yaml", FAST_GROUP)
    kafka = None
    if broker == "kafka":
        tansu = local_kafka_or_skip()
        launch.brokers.append(tansu)
        kafka = tansu.brokers
    users = learners()
    logs = folder / "first.log", folder / "second.log"
    first = synth_dev(folder, e2e_db.url, kafka, logs[0])
    second: subprocess.Popen[bytes] | None = None
    try:
        status = dev_status(first, logs[0])
        (service,) = status["services"]
        assert service["url"].endswith(f":{port}")
        for user in users[: EVENTS // 2]:
            publish(http, service["dapr_http_url"], "code.error-hint", hint(user))
        first.kill()
        first.wait(10)
        deadline = time.monotonic() + 10
        while listening(port):  # its service died with it and freed the port
            assert time.monotonic() < deadline, f"port {port} still held after kill -9"
            time.sleep(0.05)
        second = synth_dev(folder, e2e_db.url, kafka, logs[1])
        (service,) = dev_status(second, logs[1])["services"]
        for user in users[EVENTS // 2 :]:
            publish(http, service["dapr_http_url"], "code.error-hint", hint(user))
        settle(e2e_db.client, users, "kill-9-synth-dev", broker)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


# -- Redis stopped, then restarted empty -------------------------------------------------------
@pytest.mark.parametrize("broker", BROKERS)
def test_redis_stopped_and_restarted_empty(
    launch: Any, e2e_db: Any, http: httpx.Client, spare_redis: SpareRedis, broker: str
) -> None:
    """Redis: the events' Redis (streams, consumer groups) goes and comes back empty.
    Kafka: the state store's Redis does, while events keep coming."""
    folder = launch.copy(("progress",))
    components = folder / "progress" / "components" / "local"
    state_on = spare_redis.url if broker == "kafka" else e2e_db.url
    launch.point_component(components / "statestore.yaml", state_on)
    launch.point_component(components / "pubsub.yaml", spare_redis.url)
    set_metadata(components / "pubsub.yaml", REDIS_FAST)
    platform = launch.platform(folder=folder, own_components=True, broker=broker)
    ledger = spare_redis.client if broker == "kafka" else e2e_db.client
    before, after = learners(EVENTS // 2), learners(EVENTS // 2)
    dapr = platform.runner.instance("progress").dapr_http_url
    try:
        if broker == "redis":
            for user in before:
                publish(http, dapr, "code.error-hint", hint(user))
            platform.eventually(lambda: tally(ledger, before)[0] == 0, "events before the stop")
        spare_redis.stop()
        time.sleep(2.0)
        if broker == "kafka":
            for user in before:
                publish(http, dapr, "code.error-hint", hint(user))
            time.sleep(1.0)
        spare_redis.start()  # empty: no streams, no groups, no state
        for user in after:
            publish(http, dapr, "code.error-hint", hint(user))
        users = after if broker == "redis" else before + after
        settle(ledger, users, "redis-restarted-empty", broker)
        if broker == "redis":
            lost, doubled = tally(ledger, before)
            assert (lost, doubled) == (0, 0)
    finally:
        platform.stop()


# -- one event id published twice at once ------------------------------------------------------
@pytest.mark.parametrize("broker", BROKERS)
def test_duplicate_ids_published_in_parallel(launch: Any, e2e_db: Any, broker: str) -> None:
    folder = launch.copy(("progress",))
    append(folder, "progress", SLOW_PROGRESS)
    platform = launch.platform(
        folder=folder, broker=broker, extra_env={"FAULT_HANDLER_DELAY": "0.3"}
    )
    users = learners()
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            calls = [
                pool.submit(
                    platform.publish,
                    "code.error-hint",
                    hint(u),
                    via="progress",
                    event_id=f"dup-{u}",
                )
                for u in users
                for _copy in range(2)
            ]
            for call in calls:
                call.result()
        settle(e2e_db.client, users, "duplicate-ids-in-parallel", broker)
    finally:
        platform.stop()


# -- two replicas, slow handlers -----------------------------------------------------------------
@pytest.mark.parametrize("broker", BROKERS)
def test_two_replicas_with_slow_handlers(launch: Any, e2e_db: Any, broker: str) -> None:
    """Handlers (2.5 s) slower than Redis's processingTimeout (2 s): a live sidecar renews its
    running messages, so the other replica does not take them; a Kafka partition has one owner."""
    folder = launch.copy(("progress",))
    append(folder, "progress", SLOW_PROGRESS)
    platform = launch.platform(
        folder=folder,
        broker=broker,
        replicas={"progress": 2},
        extra_env={"FAULT_HANDLER_DELAY": "2.5"},
    )
    users = learners(4)
    try:
        for user in users:
            platform.publish("code.error-hint", hint(user), via="progress")
        settle(e2e_db.client, users, "two-replicas-slow-handlers", broker, within=90)
    finally:
        platform.stop()


# -- a handler that publishes, then fails ------------------------------------------------------
@pytest.mark.parametrize("broker", BROKERS)
def test_a_handler_that_publishes_then_fails(launch: Any, e2e_db: Any, broker: str) -> None:
    """triage publishes `learning.routed`, then fails and is retried: progress must count the
    routing once (the republished copy must carry the same id, so dedupe recognises it)."""
    folder = launch.copy(("triage", "progress"))
    append(folder, "triage", FAIL_AFTER_PUBLISH)
    platform = launch.platform(folder=folder, broker=broker)
    users = learners(4)
    try:
        for user in users:
            platform.publish("learning.query", query(user), via="triage")
        settle(e2e_db.client, users, "publishes-then-fails", broker, topic="learning.routed")
    finally:
        platform.stop()
