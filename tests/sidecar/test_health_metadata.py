"""Health (H-1, H-2), metadata (H-3, H-4), API token (G-7) and app token (G-8) over HTTP."""

from __future__ import annotations

import socket

import pytest

from synth.sidecar import Sidecar
from synth.sidecar.asgi_server import AsgiServer
from tests.sidecar.sidecar_kit import (
    MEMORY_COMPONENTS,
    RecordingApp,
    eventually,
    http_client,
    running_sidecar,
    serve_app,
    sidecar_config,
)

pytestmark = pytest.mark.anyio


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_healthz_500_until_app_port_accepts_then_204_h1_h2() -> None:
    app = RecordingApp()
    port = free_port()
    sidecar = Sidecar(sidecar_config("late", app_port=port))
    await sidecar.start()
    try:
        async with http_client(sidecar.http_url) as http:
            not_ready = await http.get("/v1.0/healthz")
            assert not_ready.status_code == 500
            assert not_ready.json()["errorCode"] == "ERR_HEALTH_NOT_READY"
            assert (await http.get("/v1.0/healthz/outbound")).status_code == 204
            server = AsgiServer(app.asgi(), port=port)
            await server.start()
            try:
                await eventually(lambda: _status(http, "/v1.0/healthz"), within=10)
                assert (await http.get("/v1.0/healthz")).status_code == 204
            finally:
                await server.stop()
    finally:
        await sidecar.stop()


async def _status(http, path: str) -> bool:  # type: ignore[no-untyped-def]
    return (await http.get(path)).status_code == 204


async def test_healthz_without_app_port_is_ready_h1() -> None:
    async with running_sidecar(sidecar_config("noapp")) as sidecar, http_client() as http:
        assert (await http.get(f"{sidecar.http_url}/v1.0/healthz")).status_code == 204


async def test_healthz_appid_mismatch_is_500_h1() -> None:
    async with running_sidecar(sidecar_config("me")) as sidecar, http_client() as http:
        ok = await http.get(f"{sidecar.http_url}/v1.0/healthz?appid=me")
        wrong = await http.get(f"{sidecar.http_url}/v1.0/healthz?appid=other")
    assert ok.status_code == 204
    assert wrong.status_code == 500
    assert wrong.json()["errorCode"] == "ERR_HEALTH_APPID_NOT_MATCH"


async def test_metadata_document_h3_h4(resources) -> None:
    app = RecordingApp()
    async with serve_app(app):
        config = sidecar_config(
            "meta", app_port=app.port, resources_paths=(resources(MEMORY_COMPONENTS),)
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            assert (await http.put("/v1.0/metadata/team", content=b"blue")).status_code == 204
            meta = (await http.get("/v1.0/metadata")).json()
    assert meta["id"] == "meta"
    assert "synth" in meta["runtimeVersion"] and "not daprd" in meta["runtimeVersion"]
    assert "not daprd" in meta["extended"]["localRuntime"]
    assert meta["extended"]["team"] == "blue"
    components = {c["name"]: c for c in meta["components"]}
    assert components["statestore"] == {
        "name": "statestore",
        "type": "state.in-memory",
        "version": "v1",
        "capabilities": [
            "ETAG",
            "TRANSACTIONAL",
            "TTL",
            "DELETE_WITH_PREFIX",
            "KEYS_LIKE",
            "ACTOR",
        ],
    }
    assert components["pubsub"]["capabilities"] == ["SUBSCRIBE_WILDCARDS"]
    assert meta["appConnectionProperties"]["port"] == app.port
    assert "subscriptions" not in meta  # omitted when empty (the app has none)


async def test_api_token_required_except_health_g7(resources) -> None:
    config = sidecar_config(
        "tok", api_token="secret", resources_paths=(resources(MEMORY_COMPONENTS),)
    )
    async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
        denied = await http.get("/v1.0/metadata")
        wrong = await http.get("/v1.0/state/statestore/k", headers={"dapr-api-token": "x"})
        allowed = await http.get("/v1.0/metadata", headers={"dapr-api-token": "secret"})
        health = await http.get("/v1.0/healthz")
        outbound = await http.get("/v1.0/healthz/outbound")
    assert denied.status_code == 401 and wrong.status_code == 401
    assert denied.text.strip() == "invalid api token"
    assert denied.headers["content-type"].startswith("text/plain")
    assert allowed.status_code == 200
    assert health.status_code == 204 and outbound.status_code == 204


async def test_api_token_read_from_env_g7(monkeypatch) -> None:
    monkeypatch.setenv("DAPR_API_TOKEN", "from-env")
    config = sidecar_config("envtok", read_env_tokens=True)
    async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
        assert (await http.get("/v1.0/metadata")).status_code == 401
        ok = await http.get("/v1.0/metadata", headers={"dapr-api-token": "from-env"})
        assert ok.status_code == 200


async def test_app_token_sent_to_app_g8(resources) -> None:
    app = RecordingApp(subscriptions=[{"pubsubname": "pubsub", "topic": "t", "route": "/e"}])
    async with serve_app(app):
        config = sidecar_config(
            "apptok",
            app_port=app.port,
            app_api_token="to-app",
            resources_paths=(resources(MEMORY_COMPONENTS),),
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            await http.post("/v1.0/publish/pubsub/t", content=b"x")
            (delivery,) = await app.wait_for("/e")
            await http.get("/v1.0/invoke/apptok/method/m")
    assert app.on("/dapr/subscribe")[0].headers["dapr-api-token"] == "to-app"
    assert delivery.headers["dapr-api-token"] == "to-app"
    assert app.on("/m")[0].headers["dapr-api-token"] == "to-app"
