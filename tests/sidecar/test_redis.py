"""Redis backends against the real server at 127.0.0.1:6379 (S-17, S-18, C-10, C-11, U-10)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import redis
from starlette.responses import Response

from tests.sidecar.sidecar_kit import (
    RecordingApp,
    component,
    eventually,
    http_client,
    running_sidecar,
    serve_app,
    sidecar_config,
)

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


@pytest.fixture
def cleanup(redis_client: redis.Redis, unique_id: str):  # type: ignore[no-untyped-def]
    yield
    for key in redis_client.scan_iter(f"*{unique_id}*"):
        redis_client.delete(key)


def redis_components(unique_id: str) -> list[dict]:
    return [
        component("statestore", "state.redis", {"redisHost": "127.0.0.1:6379"}),
        component("pubsub", "pubsub.redis", {"redisHost": "127.0.0.1:6379"}),
    ]


@pytest.fixture
async def http(resources, unique_id: str, cleanup) -> AsyncIterator[httpx.AsyncClient]:
    config = sidecar_config(unique_id, resources_paths=(resources(redis_components(unique_id)),))
    async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as client:
        yield client


S = "/v1.0/state/statestore"


async def test_redis_hash_layout_s18(http, redis_client: redis.Redis, unique_id: str) -> None:
    assert (await http.post(S, json=[{"key": "k", "value": {"a": 1}}])).status_code == 204
    await http.post(S, json=[{"key": "k", "value": {"a": 2}}])
    stored = redis_client.hgetall(f"{unique_id}||k")
    assert stored == {b"data": b'{"a":2}', b"version": b"2"}
    got = await http.get(f"{S}/k")
    assert got.content == b'{"a":2}' and got.headers["etag"] == "2"


async def test_redis_etag_mismatch_is_409_s17(http) -> None:
    await http.post(S, json=[{"key": "e", "value": 1}])
    response = await http.post(S, json=[{"key": "e", "value": 2, "etag": "7"}])
    assert response.status_code == 409
    assert response.json()["errorCode"] == "ERR_STATE_SAVE"
    assert (await http.post(S, json=[{"key": "e", "value": 2, "etag": "1"}])).status_code == 204


async def test_redis_non_integer_etag_is_400_s17(http) -> None:
    response = await http.post(S, json=[{"key": "e", "value": 2, "etag": "abc"}])
    assert response.status_code == 400


async def test_redis_etag_on_missing_key_succeeds_s17(http) -> None:
    assert (await http.post(S, json=[{"key": "m", "value": 1, "etag": "5"}])).status_code == 204


async def test_redis_last_write_ignores_etag_s17(http) -> None:
    await http.post(S, json=[{"key": "l", "value": 1}])
    item = {"key": "l", "value": 2, "etag": "99", "options": {"concurrency": "last-write"}}
    assert (await http.post(S, json=[item])).status_code == 204


async def test_redis_first_write_conflict_is_500_s17(http, redis_client, unique_id) -> None:
    first = {"key": "f", "value": 1, "options": {"concurrency": "first-write"}}
    assert (await http.post(S, json=[first])).status_code == 204
    assert redis_client.hget(f"{unique_id}||f", "first-write") == b"0"
    assert (await http.post(S, json=[first])).status_code == 500


async def test_redis_delete_semantics_s17(http) -> None:
    assert (await http.delete(f"{S}/none", headers={"If-Match": "3"})).status_code == 204
    await http.post(S, json=[{"key": "d", "value": 1}])
    assert (await http.delete(f"{S}/d", headers={"If-Match": "9"})).status_code == 409
    assert (await http.delete(f"{S}/d")).status_code == 204
    assert (await http.get(f"{S}/d")).status_code == 204


async def test_redis_ttl_expire_and_persist_s14(http, redis_client, unique_id) -> None:
    item = {"key": "t", "value": 1, "metadata": {"ttlInSeconds": "100"}}
    await http.post(S, json=[item])
    assert 0 < redis_client.ttl(f"{unique_id}||t") <= 100
    assert "metadata.ttlexpiretime" in (await http.get(f"{S}/t")).headers
    await http.post(S, json=[{**item, "metadata": {"ttlInSeconds": "-1"}}])
    assert redis_client.ttl(f"{unique_id}||t") == -1


async def test_redis_transaction_is_atomic_s26_s27(http) -> None:
    await http.post(S, json=[{"key": "x1", "value": 1}])
    ops = {
        "operations": [
            {"operation": "upsert", "request": {"key": "x2", "value": 2}},
            {"operation": "delete", "request": {"key": "x1", "etag": "42"}},
        ]
    }
    response = await http.post(f"{S}/transaction", json=ops)
    assert response.status_code == 500
    assert (await http.get(f"{S}/x2")).status_code == 204
    ops["operations"][1]["request"]["etag"] = "1"
    assert (await http.post(f"{S}/transaction", json=ops)).status_code == 204
    assert (await http.get(f"{S}/x1")).status_code == 204


async def test_redis_key_prefix_metadata_s1(resources, redis_client, unique_id, cleanup) -> None:
    docs = [
        component(
            "statestore", "state.redis", {"redisHost": "127.0.0.1:6379", "keyPrefix": unique_id}
        )
    ]
    config = sidecar_config("other-app", resources_paths=(resources(docs),))
    async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
        await http.post(S, json=[{"key": "k", "value": 1}])
    assert redis_client.hget(f"{unique_id}||k", "data") == b"1"


async def test_store_override_serves_postgres_name_with_redis_c13(
    resources, redis_client, unique_id, cleanup
) -> None:
    docs = [component("orders-db", "state.postgresql", {"connectionString": "x"})]
    config = sidecar_config(unique_id, resources_paths=(resources(docs),), store="redis")
    async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
        await http.post("/v1.0/state/orders-db", json=[{"key": "k", "value": 1}])
    assert redis_client.hgetall(f"{unique_id}||k")[b"version"] == b"1"


async def test_stream_publish_layout_c11(http, redis_client, unique_id) -> None:
    topic = f"{unique_id}-topic"
    response = await http.post(f"/v1.0/publish/pubsub/{topic}?metadata.k=v", content=b"x")
    assert response.status_code == 204
    ((_id, fields),) = redis_client.xrange(topic)
    assert json.loads(fields[b"data"])["data"] == "x"
    assert json.loads(fields[b"metadata"]) == {"k": "v"}


async def test_consumer_group_competition_each_event_once_c6_c11(
    resources, unique_id, cleanup
) -> None:
    topic = f"{unique_id}-orders"
    subscription = [{"pubsubname": "pubsub", "topic": topic, "route": "/events"}]
    apps = [RecordingApp(subscriptions=subscription), RecordingApp(subscriptions=subscription)]
    folder = resources(redis_components(unique_id))
    count = 30
    async with serve_app(apps[0]), serve_app(apps[1]):
        configs = [
            sidecar_config(unique_id, app_port=app.port, resources_paths=(folder,)) for app in apps
        ]
        async with running_sidecar(configs[0]) as one, running_sidecar(configs[1]):
            async with http_client(one.http_url) as http:
                for index in range(count):
                    await http.post(
                        f"/v1.0/publish/pubsub/{topic}",
                        json={"n": index},
                        headers={"content-type": "application/json"},
                    )
            await eventually(lambda: sum(len(a.on("/events")) for a in apps) >= count)
            await asyncio.sleep(0.2)  # would reveal a duplicate delivery
    seen = [json.loads(r.body)["data"]["n"] for a in apps for r in a.on("/events")]
    assert sorted(seen) == list(range(count))


async def test_message_of_dead_consumer_is_reclaimed_u10_c11(
    resources, unique_id, cleanup, redis_client
) -> None:
    topic = f"{unique_id}-jobs"
    subscription = [{"pubsubname": "pubsub", "topic": topic, "route": "/events"}]
    hang = asyncio.Event()

    async def never_answer(_received: object) -> Response:
        await hang.wait()
        return Response(status_code=200)

    stuck = RecordingApp(subscriptions=subscription, replies={"/events": never_answer})
    healthy = RecordingApp(subscriptions=subscription)
    folder = resources(redis_components(unique_id))
    fast = {"redis_processing_timeout": 0.3, "redis_redeliver_interval": 0.1}
    async with serve_app(stuck), serve_app(healthy):
        config = sidecar_config(unique_id, app_port=stuck.port, resources_paths=(folder,), **fast)
        async with running_sidecar(config) as doomed, http_client(doomed.http_url) as http:
            await http.post(f"/v1.0/publish/pubsub/{topic}", content=b"job-1")
            (first,) = await stuck.wait_for("/events")
        # the first sidecar is gone without ACKing; the message is pending in the group
        hang.set()
        pending = redis_client.xpending(topic, unique_id)
        assert pending["pending"] == 1
        config = sidecar_config(unique_id, app_port=healthy.port, resources_paths=(folder,), **fast)
        async with running_sidecar(config):
            (again,) = await healthy.wait_for("/events")
            await eventually(lambda: redis_client.xpending(topic, unique_id)["pending"] == 0)
    assert again.body == first.body


async def test_retry_without_dead_letter_stays_pending_u10(
    resources, unique_id, cleanup, redis_client
) -> None:
    topic = f"{unique_id}-retry"
    subscription = [{"pubsubname": "pubsub", "topic": topic, "route": "/events"}]
    app = RecordingApp(
        subscriptions=subscription, replies={"/events": lambda r: Response(status_code=503)}
    )
    async with serve_app(app):
        config = sidecar_config(
            unique_id,
            app_port=app.port,
            resources_paths=(resources(redis_components(unique_id)),),
            redis_redeliver_interval=60.0,
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            await http.post(f"/v1.0/publish/pubsub/{topic}", content=b"x")
            await app.wait_for("/events", 3)
            await eventually(lambda: redis_client.xpending(topic, unique_id)["pending"] == 1)
