"""The `pubsub.kafka` backend against a real Kafka-protocol broker (Tansu), contract C-12 / C-6.

Semantics from contrib `common/component/kafka`: `partitionKey` metadata is the message key
(`producer.go`), deliveries carry `__key` / `__partition` / `__offset` / `__topic` metadata and
the publish metadata as headers (`consumer.go` GetEventMetadata), one partition is handled in
offset order and an offset is marked only once handled.  Before this backend, a `pubsub.kafka`
component could only be served by the memory or Redis override.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from starlette.responses import Response

from synth.sidecar import BackendError, RedeliveryPolicy, Sidecar
from tests.sidecar.kafka_kit import FAST_GROUP
from tests.sidecar.sidecar_kit import (
    Received,
    RecordingApp,
    component,
    eventually,
    http_client,
    running_sidecar,
    serve_app,
    sidecar_config,
)

pytestmark = [pytest.mark.anyio]

POLICY = RedeliveryPolicy(max_attempts=2, initial_backoff=0.01, max_backoff=0.02)


def kafka_docs(brokers: str, **meta: str) -> list[dict[str, Any]]:
    metadata = {"brokers": brokers, "authType": "none", "initialOffset": "oldest"}
    return [component("pubsub", "pubsub.kafka", {**metadata, **FAST_GROUP, **meta})]


def topic_name() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def app_id(name: str = "orders") -> str:
    """A fresh app id, so a test's consumer group is its own."""
    return f"{name}-{uuid.uuid4().hex[:6]}"


def payloads(app: RecordingApp, path: str) -> list[Any]:
    return [json.loads(r.body)["data"] for r in app.on(path)]


async def publish(http: Any, topic: str, data: Any, **meta: str) -> None:
    params = {f"metadata.{k}": v for k, v in meta.items()}
    response = await http.post(f"/v1.0/publish/pubsub/{topic}", json=data, params=params)
    assert response.status_code == 204, response.text


async def test_an_event_reaches_the_subscriber_with_kafka_metadata_as_headers(
    resources: Any, kafka_brokers: str
) -> None:
    topic = topic_name()
    app = RecordingApp(subscriptions=[{"pubsubname": "pubsub", "topic": topic, "route": "/e"}])
    async with serve_app(app):
        config = sidecar_config(
            app_id(), app_port=app.port, resources_paths=(resources(kafka_docs(kafka_brokers)),)
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            await publish(http, topic, {"n": 1}, partitionKey="user-7", note="hi")
            (delivered,) = await app.wait_for("/e", within=15)
    assert json.loads(delivered.body)["data"] == {"n": 1}
    headers = delivered.headers
    assert headers["__key"] == "user-7" and headers["__topic"] == topic
    assert headers["__partition"] == "0" and headers["__offset"] == "0"
    assert headers["note"] == "hi" and headers["pubsubname"] == "pubsub"


async def test_events_of_one_partition_key_arrive_in_order_across_partitions(
    resources: Any, kafka_brokers: str
) -> None:
    topic = topic_name()
    app = RecordingApp(subscriptions=[{"pubsubname": "pubsub", "topic": topic, "route": "/e"}])
    count, keys = 24, ("a", "b", "c")
    async with serve_app(app):
        config = sidecar_config(
            app_id(),
            app_port=app.port,
            resources_paths=(resources(kafka_docs(kafka_brokers)),),
            kafka_partitions=3,
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            for n in range(count):
                key = keys[n % 3]
                await publish(http, topic, {"key": key, "n": n}, partitionKey=key)
            await app.wait_for("/e", count, within=20)
    received = payloads(app, "/e")
    for key in keys:
        mine = [p["n"] for p in received if p["key"] == key]
        assert mine == sorted(mine) and len(mine) == count // 3
    partitions = {
        r.headers["__partition"] for r in app.on("/e") if json.loads(r.body)["data"]["key"] == "a"
    }
    assert len(partitions) == 1


async def test_one_consumer_group_per_app_id(resources: Any, kafka_brokers: str) -> None:
    topic = topic_name()
    subscription = [{"pubsubname": "pubsub", "topic": topic, "route": "/e"}]
    replicas = [RecordingApp(subscriptions=subscription), RecordingApp(subscriptions=subscription)]
    other = RecordingApp(subscriptions=subscription)
    folder = resources(kafka_docs(kafka_brokers))
    count = 12
    orders, audit = app_id(), app_id("audit")
    async with serve_app(replicas[0]), serve_app(replicas[1]), serve_app(other):
        configs = [
            sidecar_config(name, app_port=app.port, resources_paths=(folder,), kafka_partitions=2)
            for name, app in ((orders, replicas[0]), (orders, replicas[1]), (audit, other))
        ]
        async with (
            running_sidecar(configs[0]) as one,
            running_sidecar(configs[1]),
            running_sidecar(configs[2]),
            http_client(one.http_url) as http,
        ):
            for n in range(count):
                await publish(http, topic, {"n": n}, partitionKey=f"k{n}")
            await other.wait_for("/e", count, within=20)
            await eventually(lambda: sum(len(a.on("/e")) for a in replicas) >= count, 20)
            await asyncio.sleep(0.3)  # would reveal a duplicate
    seen = sorted(p["n"] for a in replicas for p in payloads(a, "/e"))
    assert seen == list(range(count)), "the replicas of one app id share the events once"
    assert sorted(p["n"] for p in payloads(other, "/e")) == list(range(count))


class FailFirst:
    """Answers 503 to the first `times` deliveries of the event whose `n` is `bad`."""

    def __init__(self, bad: int, times: int) -> None:
        self.bad = bad
        self.left = times

    def reply(self, received: Received) -> Response:
        if json.loads(received.body)["data"]["n"] == self.bad and self.left > 0:
            self.left -= 1
            return Response(status_code=503)
        return Response(status_code=200)


async def test_retries_then_the_dead_letter_topic_and_the_partition_moves_on(
    resources: Any, kafka_brokers: str
) -> None:
    topic = topic_name()
    failing = FailFirst(bad=0, times=1000)
    app = RecordingApp(
        subscriptions=[
            {
                "pubsubname": "pubsub",
                "topic": topic,
                "route": "/e",
                "deadLetterTopic": f"{topic}.dlq",
            },
            {"pubsubname": "pubsub", "topic": f"{topic}.dlq", "route": "/dlq"},
        ],
        replies={"/e": failing.reply},
    )
    async with serve_app(app):
        config = sidecar_config(
            app_id(),
            app_port=app.port,
            resources_paths=(resources(kafka_docs(kafka_brokers)),),
            redelivery=POLICY,
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            await publish(http, topic, {"n": 0})
            await publish(http, topic, {"n": 1})
            (dead,) = await app.wait_for("/dlq", within=20)
            await eventually(lambda: 1 in [p["n"] for p in payloads(app, "/e")], 20)
    assert json.loads(dead.body)["data"] == {"n": 0}
    assert [p["n"] for p in payloads(app, "/e")] == [0, 0, 1]  # two attempts, then the next


async def test_without_a_dead_letter_topic_the_event_is_retried_in_place_and_order_kept(
    resources: Any, kafka_brokers: str
) -> None:
    topic = topic_name()
    failing = FailFirst(bad=0, times=5)  # more than the two attempts of the local policy
    app = RecordingApp(
        subscriptions=[{"pubsubname": "pubsub", "topic": topic, "route": "/e"}],
        replies={"/e": failing.reply},
    )
    async with serve_app(app):
        config = sidecar_config(
            app_id(),
            app_port=app.port,
            resources_paths=(resources(kafka_docs(kafka_brokers)),),
            redelivery=POLICY,
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            await publish(http, topic, {"n": 0})
            await publish(http, topic, {"n": 1})
            await eventually(lambda: 1 in [p["n"] for p in payloads(app, "/e")], 20)
    assert [p["n"] for p in payloads(app, "/e")] == [0] * 6 + [1]


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"brokers": "k:9092"}, "kafka error: 'authType' attribute was missing or empty"),
        ({"brokers": "k:9092", "authType": "password"}, "authType 'password' is not served"),
        ({"authType": "none"}, "kafka error: 'brokers' attribute was missing or empty"),
    ],
)
async def test_kafka_component_metadata_is_checked_like_contrib_c12(
    resources: Any, meta: dict[str, str], message: str
) -> None:
    docs = [component("pubsub", "pubsub.kafka", meta)]
    sidecar = Sidecar(sidecar_config("svc", resources_paths=(resources(docs),)))
    with pytest.raises(BackendError, match=message):
        await sidecar.start()


async def test_the_consumer_group_is_consumer_group_metadata_else_the_app_id_c6(
    resources: Any, kafka_brokers: str
) -> None:
    templated = kafka_docs(kafka_brokers, consumerGroup="{appID}-workers")
    async with running_sidecar(
        sidecar_config("orders", resources_paths=(resources(templated),)), wait=False
    ) as sidecar:
        assert sidecar.core is not None
        assert sidecar.core.pubsubs["pubsub"].consumer_group == "orders-workers"
    async with running_sidecar(
        sidecar_config("orders", resources_paths=(resources(kafka_docs(kafka_brokers)),)),
        wait=False,
    ) as sidecar:
        assert sidecar.core is not None
        assert sidecar.core.pubsubs["pubsub"].consumer_group == "orders"
