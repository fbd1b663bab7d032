"""App health checks (contract H-5, issue 14 item 11): deliveries pause while the app is unhealthy.

Before: the sidecar had no health checks, kept delivering to an app whose `/healthz` failed, and
an app down for a while had its events' attempts used up and dead-lettered.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.responses import Response

from synth.sidecar import RedeliveryPolicy
from synth.sidecar.app_health import AppHealthConfig
from synth.sidecar.asgi_server import AsgiServer
from tests.sidecar.sidecar_kit import (
    MEMORY_COMPONENTS,
    Received,
    RecordingApp,
    eventually,
    http_client,
    running_sidecar,
    serve_app,
    sidecar_config,
)

pytestmark = [pytest.mark.anyio]

FAST = AppHealthConfig(path="/healthz", interval=0.05, timeout=0.5, threshold=2)
SUBSCRIPTION = [{"pubsubname": "pubsub", "topic": "t", "route": "/e"}]


class Switch:
    """The app's health, flipped by the test."""

    def __init__(self, healthy: bool) -> None:
        self.healthy = healthy

    def reply(self, _received: Received) -> Response:
        return Response(status_code=200 if self.healthy else 503)


def probes(app: RecordingApp) -> int:
    return len(app.on("/healthz"))


async def test_deliveries_pause_while_unhealthy_and_resume_when_it_recovers(resources: Any) -> None:
    switch = Switch(healthy=True)
    app = RecordingApp(subscriptions=SUBSCRIPTION, replies={"/healthz": switch.reply})
    async with serve_app(app):
        config = sidecar_config(
            "svc",
            app_port=app.port,
            resources_paths=(resources(MEMORY_COMPONENTS),),
            app_health=FAST,
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            switch.healthy = False
            seen = probes(app)
            await eventually(lambda: probes(app) >= seen + 3)  # past the threshold of 2
            await http.post("/v1.0/publish/pubsub/t", content=b"held")
            await asyncio.sleep(0.4)
            assert app.on("/e") == [], "delivered to an unhealthy app"
            switch.healthy = True
            (delivered,) = await app.wait_for("/e")
            meta = (await http.get("/v1.0/metadata")).json()
    assert json.loads(delivered.body)["data"] == "held"
    assert meta["appConnectionProperties"]["health"] == {
        "healthCheckPath": "/healthz",
        "healthProbeInterval": "0.05s",
        "healthProbeTimeout": "500ms",
        "healthThreshold": 2,
    }


async def test_subscriptions_start_only_after_the_first_good_probe(resources: Any) -> None:
    switch = Switch(healthy=False)
    app = RecordingApp(subscriptions=SUBSCRIPTION, replies={"/healthz": switch.reply})
    async with serve_app(app):
        config = sidecar_config(
            "svc",
            app_port=app.port,
            resources_paths=(resources(MEMORY_COMPONENTS),),
            app_health=FAST,
        )
        async with running_sidecar(config, wait=False) as sidecar:
            await eventually(lambda: probes(app) >= 3)
            assert app.on("/dapr/subscribe") == []
            switch.healthy = True
            async with asyncio.timeout(5):
                await sidecar.wait_app_ready()
            assert len(app.on("/dapr/subscribe")) == 1


async def test_an_app_that_is_down_keeps_its_events_instead_of_dead_lettering_them(
    resources: Any,
) -> None:
    """The app's port is closed for far longer than its events' two attempts would last, and
    shorter than three probes a second apart would take to notice."""
    subscription = [
        {**SUBSCRIPTION[0], "deadLetterTopic": "t.dlq"},
        {"pubsubname": "pubsub", "topic": "t.dlq", "route": "/dlq"},
    ]
    app = RecordingApp(subscriptions=subscription)
    policy = RedeliveryPolicy(max_attempts=2, initial_backoff=0.01, max_backoff=0.02)
    server = AsgiServer(app.asgi())
    port = await server.start()
    config = sidecar_config(
        "svc",
        app_port=port,
        resources_paths=(resources(MEMORY_COMPONENTS),),
        app_health=AppHealthConfig(interval=1.0, threshold=3),
        redelivery=policy,
    )
    try:
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            await server.stop()
            await http.post("/v1.0/publish/pubsub/t", content=b"kept")
            await asyncio.sleep(0.5)
            server = AsgiServer(app.asgi(), port=port)
            await server.start()
            (delivered,) = await app.wait_for("/e", within=5)
            await asyncio.sleep(0.2)  # would reveal a dead letter
    finally:
        await server.stop()
    assert json.loads(delivered.body)["data"] == "kept"
    assert app.on("/dlq") == []
