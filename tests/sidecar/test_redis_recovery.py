"""The Redis backends under faults: an emptied Redis, a `--redis-url` run, a stop that must end.

Issue 14 items 8-10.  Before: a consumer group lost to an empty restart failed every read with
NOGROUP forever; `--redis-url` lost to a component's `redisHost`; a read loop that saw its
cancellation as a redis-py `TimeoutError` kept looping and `close()` waited for it for good.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
import redis
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.responses import Response

from synth.sidecar.pubsub_redis import CLOSE_TIMEOUT, RedisStreamsBroker
from tests.sidecar.sidecar_kit import (
    RecordingApp,
    component,
    eventually,
    http_client,
    running_sidecar,
    serve_app,
    sidecar_config,
)

pytestmark = [pytest.mark.anyio]


@pytest.fixture
def cleanup(redis_client: redis.Redis, unique_id: str):  # type: ignore[no-untyped-def]
    yield
    for db in (0, 5):
        client = redis.Redis(host="127.0.0.1", port=6379, db=db)
        for key in client.scan_iter(f"*{unique_id}*"):
            client.delete(key)
        client.close()


@pytest.mark.redis
async def test_a_consumer_group_lost_to_an_empty_redis_is_recreated(
    resources: Any, redis_client: redis.Redis, unique_id: str, cleanup: None
) -> None:
    topic = f"{unique_id}-orders"
    app = RecordingApp(subscriptions=[{"pubsubname": "pubsub", "topic": topic, "route": "/e"}])
    docs = [component("pubsub", "pubsub.redis", {"redisHost": "127.0.0.1:6379"})]
    async with serve_app(app):
        config = sidecar_config(unique_id, app_port=app.port, resources_paths=(resources(docs),))
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            assert redis_client.xinfo_groups(topic)  # the group exists
            redis_client.delete(topic)  # what an empty restart leaves: no stream, no group
            published = await http.post(f"/v1.0/publish/pubsub/{topic}", content=b"a")
            assert published.status_code == 204
            (delivered,) = await app.wait_for("/e", within=10)
    assert b'"data":"a"' in delivered.body
    assert [g["name"] for g in redis_client.xinfo_groups(topic)] == [unique_id.encode()]


@pytest.mark.redis
async def test_the_redis_url_flag_wins_over_a_components_redis_host(
    resources: Any, unique_id: str, cleanup: None, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1: before, the component's redisHost was used and saves failed.
    docs = [component("statestore", "state.redis", {"redisHost": "127.0.0.1:1"})]
    config = sidecar_config(
        unique_id, resources_paths=(resources(docs),), redis_url="redis://127.0.0.1:6379/5"
    )
    caplog.set_level(logging.INFO, logger="synth.sidecar")
    async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
        saved = await http.post("/v1.0/state/statestore", json=[{"key": "k", "value": 1}])
    assert saved.status_code == 204, saved.text
    other = redis.Redis(host="127.0.0.1", port=6379, db=5)
    assert other.hget(f"{unique_id}||k", "data") == b"1"
    other.close()
    assert "statestore (state.redis) uses Redis at 127.0.0.1:6379 db 5 (from --redis-url)" in (
        caplog.text
    )


class SwallowingRedis:
    """A client whose blocking read turns cancellation into redis-py's `TimeoutError`, the way
    redis-py's own read timeout can when a cancel lands inside it."""

    def __init__(self) -> None:
        self.reads = 0
        self.reading = asyncio.Event()

    async def xgroup_create(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def xreadgroup(self, *args: Any, **kwargs: Any) -> list[Any]:
        self.reads += 1
        self.reading.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RedisTimeoutError("Timeout reading from socket") from None
        return []

    async def xautoclaim(self, *args: Any, **kwargs: Any) -> list[Any]:
        return ["0-0", []]

    async def aclose(self) -> None:
        return None


async def test_closing_a_subscription_is_bounded_even_when_its_read_swallows_cancel() -> None:
    fake = SwallowingRedis()
    broker = RedisStreamsBroker(lambda: fake, redeliver_interval=0)  # type: ignore[arg-type]

    async def ack(_message: Any) -> bool:
        return True

    subscription = await broker.subscribe("t", "g", ack)
    await fake.reading.wait()
    async with asyncio.timeout(CLOSE_TIMEOUT + 2):
        await subscription.close()
    assert fake.reads == 1, "the read loop must end, not read again after its cancellation"


@pytest.mark.redis
async def test_a_slow_handler_is_not_redelivered_to_the_other_replica(
    resources: Any, unique_id: str, cleanup: None
) -> None:
    """Handlers three times slower than processingTimeout; before, the other replica (or the
    owner's own reclaim) took the still-running messages and they were handled twice."""
    topic = f"{unique_id}-slow"
    subscription = [{"pubsubname": "pubsub", "topic": topic, "route": "/e"}]

    async def slow(_received: Any) -> Response:
        await asyncio.sleep(3.0)
        return Response(status_code=200)

    apps = [RecordingApp(subscriptions=subscription, replies={"/e": slow}) for _ in range(2)]
    docs = [component("pubsub", "pubsub.redis", {"redisHost": "127.0.0.1:6379"})]
    folder = resources(docs)
    # renewals every third of the timeout: a 1 s timeout lets a CPU-starved loop (CI, two test
    # workers) stall 0.6 s without the claim lapsing; 0.3 s once failed there by stalls alone
    fast = {"redis_processing_timeout": 1.0, "redis_redeliver_interval": 0.1}
    async with serve_app(apps[0]), serve_app(apps[1]):
        configs = [
            sidecar_config(unique_id, app_port=a.port, resources_paths=(folder,), **fast)
            for a in apps
        ]
        async with running_sidecar(configs[0]) as one, running_sidecar(configs[1]):
            async with http_client(one.http_url) as http:
                for n in range(6):
                    await http.post(f"/v1.0/publish/pubsub/{topic}", json={"n": n})
            await eventually(lambda: sum(len(a.on("/e")) for a in apps) >= 6, 15)
            await asyncio.sleep(3.5)  # a redelivery of a running message would land now
    seen = sorted(json.loads(r.body)["data"]["n"] for a in apps for r in a.on("/e"))
    assert seen == list(range(6))
