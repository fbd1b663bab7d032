"""Resources folder loading (C-1, C-3, C-5, U-13..U-15) and backend selection (override)."""

from __future__ import annotations

import json

import pytest

from synth.sidecar import BackendError, ManifestError, Sidecar
from synth.sidecar.components import load_resources
from tests.sidecar.sidecar_kit import (
    MEMORY_COMPONENTS,
    RecordingApp,
    component,
    eventually,
    http_client,
    running_sidecar,
    serve_app,
    sidecar_config,
)

pytestmark = pytest.mark.anyio


def subscription_v2(name: str, topic: str, route: str, **extra: object) -> dict:
    spec = {"pubsubname": "pubsub", "topic": topic, "routes": {"default": route}}
    spec.update(extra)
    return {
        "apiVersion": "dapr.io/v2alpha1",
        "kind": "Subscription",
        "metadata": {"name": name},
        "spec": spec,
    }


def subscription_v1(name: str, topic: str, route: str, scopes: list[str] | None = None) -> dict:
    doc: dict = {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Subscription",
        "metadata": {"name": name},
        "spec": {"pubsubname": "pubsub", "topic": topic, "route": route},
    }
    if scopes is not None:
        doc["scopes"] = scopes
    return doc


def test_scoped_manifests_are_skipped_u15_c5(resources) -> None:
    folder = resources(
        [
            component("mine", "state.in-memory", scopes=["app"]),
            component("theirs", "state.in-memory", scopes=["other"]),
            component("shared", "pubsub.in-memory"),
            subscription_v1("s1", "t1", "/t1", scopes=["other"]),
            subscription_v1("s2", "t2", "/t2"),
        ]
    )
    loaded = load_resources((folder,), "app")
    assert [c.name for c in loaded.components] == ["mine", "shared"]
    assert [s.name for s in loaded.subscriptions] == ["s2"]


def test_duplicate_component_names_are_an_error_u15(resources) -> None:
    folder = resources([component("x", "state.in-memory"), component("x", "state.in-memory")])
    with pytest.raises(ManifestError, match="duplicate"):
        load_resources((folder,), "app")


def test_spec_metadata_is_required_c1(resources) -> None:
    doc = component("x", "state.in-memory")
    del doc["spec"]["metadata"]
    with pytest.raises(ManifestError, match="spec.metadata"):
        load_resources((resources([doc]),), "app")


def test_metadata_templates_and_secret_refs_c3(resources, caplog) -> None:
    doc = component("p", "pubsub.redis", {"consumerID": "{appID}-group", "redisHost": "h:1"})
    doc["spec"]["metadata"].append({"name": "redisPassword", "secretKeyRef": {"name": "r"}})
    (loaded,) = load_resources((resources([doc]),), "orders").components
    assert loaded.meta("consumerid") == "orders-group"
    assert loaded.meta("redisPassword") is None
    assert "secretKeyRef" in caplog.text


async def test_production_types_need_the_store_override(resources) -> None:
    docs = [component("orders-db", "state.postgresql", {"connectionString": "x"})]
    sidecar = Sidecar(sidecar_config("svc", resources_paths=(resources(docs),)))
    with pytest.raises(BackendError, match="--store memory or --store redis"):
        await sidecar.start()


async def test_override_serves_kafka_name_in_memory_c12(resources) -> None:
    docs = [
        component("pubsub", "pubsub.kafka", {"brokers": "k:9092", "authType": "none"}),
        component("statestore", "state.postgresql", {"connectionString": "x"}),
    ]
    app = RecordingApp(subscriptions=[{"pubsubname": "pubsub", "topic": "t", "route": "/t"}])
    async with serve_app(app):
        config = sidecar_config(
            "svc", app_port=app.port, resources_paths=(resources(docs),), store="memory"
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            assert (await http.post("/v1.0/publish/pubsub/t", content=b"x")).status_code == 204
            await app.wait_for("/t")
            save = await http.post("/v1.0/state/statestore", json=[{"key": "k", "value": 1}])
            assert save.status_code == 204
            meta = (await http.get("/v1.0/metadata")).json()
    types = {c["name"]: c["type"] for c in meta["components"]}
    assert types == {"pubsub": "pubsub.kafka", "statestore": "state.postgresql"}


async def test_declarative_subscriptions_v1_and_v2_are_delivered_u13_u14(resources) -> None:
    docs = [
        *MEMORY_COMPONENTS,
        subscription_v1("old", "t1", "/one"),
        subscription_v2("new", "t2", "/two", deadLetterTopic="dead"),
    ]
    app = RecordingApp()  # no /dapr/subscribe (404 -> no programmatic subscriptions, U-2)
    async with serve_app(app):
        config = sidecar_config("svc", app_port=app.port, resources_paths=(resources(docs),))
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            await http.post("/v1.0/publish/pubsub/t1", content=b"a")
            await http.post("/v1.0/publish/pubsub/t2", content=b"b")
            await app.wait_for("/one")
            await app.wait_for("/two")
            meta = (await http.get("/v1.0/metadata")).json()
    subs = {s["topic"]: s for s in meta["subscriptions"]}
    assert subs["t1"]["type"] == subs["t2"]["type"] == "DECLARATIVE"
    assert subs["t2"]["deadLetterTopic"] == "dead"


async def test_programmatic_wins_over_declarative_u4(resources) -> None:
    docs = [*MEMORY_COMPONENTS, subscription_v2("decl", "t", "/declared")]
    app = RecordingApp(subscriptions=[{"pubsubname": "pubsub", "topic": "t", "route": "/prog"}])
    async with serve_app(app):
        config = sidecar_config("svc", app_port=app.port, resources_paths=(resources(docs),))
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            await http.post("/v1.0/publish/pubsub/t", content=b"x")
            (got,) = await app.wait_for("/prog")
    assert app.on("/declared") == []
    assert json.loads(got.body)["topic"] == "t"


async def test_subscribe_endpoint_error_means_no_subscriptions_u2(resources) -> None:
    app = RecordingApp(subscriptions="not-a-list")
    async with serve_app(app):
        config = sidecar_config(
            "svc", app_port=app.port, resources_paths=(resources(MEMORY_COMPONENTS),)
        )
        async with running_sidecar(config) as sidecar:
            assert sidecar.subscriptions == []


async def test_two_sidecars_share_a_memory_backend(resources) -> None:
    from synth.sidecar import MemoryBackend, NameRegistry

    memory, registry = MemoryBackend(), NameRegistry()
    folder = resources(MEMORY_COMPONENTS)
    consumer = RecordingApp(subscriptions=[{"pubsubname": "pubsub", "topic": "t", "route": "/t"}])
    async with serve_app(consumer):
        producer_cfg = sidecar_config("producer", resources_paths=(folder,))
        consumer_cfg = sidecar_config("consumer", app_port=consumer.port, resources_paths=(folder,))
        async with (
            running_sidecar(producer_cfg, memory=memory, registry=registry) as producer,
            running_sidecar(consumer_cfg, memory=memory, registry=registry),
            http_client(producer.http_url) as http,
        ):
            await http.post("/v1.0/publish/pubsub/t", content=b"cross-service")
            (got,) = await consumer.wait_for("/t")
    event = json.loads(got.body)
    assert event["source"] == "producer" and event["data"] == "cross-service"


async def test_same_app_id_sidecars_compete_on_the_memory_bus_c9(resources) -> None:
    from synth.sidecar import MemoryBackend, NameRegistry

    memory, registry = MemoryBackend(), NameRegistry()
    folder = resources(MEMORY_COMPONENTS)
    subscription = [{"pubsubname": "pubsub", "topic": "jobs", "route": "/jobs"}]
    apps = [RecordingApp(subscriptions=subscription), RecordingApp(subscriptions=subscription)]
    async with serve_app(apps[0]), serve_app(apps[1]):
        configs = [
            sidecar_config("worker", app_port=app.port, resources_paths=(folder,)) for app in apps
        ]
        async with (
            running_sidecar(configs[0], memory=memory, registry=registry) as first,
            running_sidecar(configs[1], memory=memory, registry=registry),
            http_client(first.http_url) as http,
        ):
            for index in range(20):
                await http.post(
                    "/v1.0/publish/pubsub/jobs",
                    json={"n": index},
                    headers={"content-type": "application/json"},
                )
            await eventually(lambda: sum(len(a.on("/jobs")) for a in apps) >= 20)
    seen = sorted(json.loads(r.body)["data"]["n"] for a in apps for r in a.on("/jobs"))
    assert seen == list(range(20))
