"""Service invocation (I-1..I-5, G-8, G-9) and in-process name resolution between sidecars."""

from __future__ import annotations

import base64

import pytest
from starlette.responses import Response

from synth.sidecar import MemoryBackend, NameRegistry
from tests.sidecar.sidecar_kit import (
    RecordingApp,
    http_client,
    running_sidecar,
    serve_app,
    sidecar_config,
)

pytestmark = pytest.mark.anyio


def teapot(_received: object) -> Response:
    return Response(b"short and stout", status_code=418, headers={"x-app": "yes"})


def redirect(_received: object) -> Response:
    return Response(status_code=302, headers={"location": "/elsewhere"})


@pytest.fixture
def target() -> RecordingApp:
    return RecordingApp(replies={"/teapot": teapot, "/redirect": redirect})


@pytest.mark.parametrize("verb", ["GET", "POST", "PUT", "DELETE", "PATCH"])
async def test_verbs_query_and_body_are_forwarded_i1_i3(target: RecordingApp, verb: str) -> None:
    async with serve_app(target):
        config = sidecar_config("svc", app_port=target.port)
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            response = await http.request(
                verb,
                "/v1.0/invoke/svc/method/api/items?x=1&y=2",
                content=b"body" if verb != "GET" else b"",
                headers={"content-type": "text/plain", "x-custom": "c"},
            )
    assert response.status_code == 200
    (call,) = target.on("/api/items")
    assert call.method == verb and call.query == "x=1&y=2"
    assert call.headers["x-custom"] == "c"
    if verb != "GET":
        assert call.body == b"body" and call.headers["content-type"] == "text/plain"


async def test_headers_added_and_stripped_i3_g7(target: RecordingApp) -> None:
    async with serve_app(target):
        config = sidecar_config("svc", app_port=target.port, api_token="tok")
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            await http.get(
                "/v1.0/invoke/svc/method/h",
                headers={"dapr-api-token": "tok", "dapr-caller-app-id": "spoofed"},
            )
    (call,) = target.on("/h")
    assert "dapr-api-token" not in call.headers
    assert call.headers["dapr-caller-app-id"] == "svc"
    assert call.headers["dapr-callee-app-id"] == "svc"
    assert call.headers["x-forwarded-for"] == "127.0.0.1"
    assert "forwarded" in call.headers and "traceparent" in call.headers


async def test_status_headers_and_body_pass_through_i4(target: RecordingApp) -> None:
    async with serve_app(target):
        config = sidecar_config("svc", app_port=target.port)
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            tea = await http.post("/v1.0/invoke/svc/method/teapot")
            moved = await http.get("/v1.0/invoke/svc/method/redirect")
    assert tea.status_code == 418 and tea.content == b"short and stout"
    assert tea.headers["x-app"] == "yes"
    assert moved.status_code == 302 and moved.headers["location"] == "/elsewhere"


async def test_dapr_app_id_header_and_basic_auth_forms_i2(target: RecordingApp) -> None:
    basic = base64.b64encode(b"dapr-app-id:svc").decode()
    async with serve_app(target):
        config = sidecar_config("svc", app_port=target.port)
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            by_header = await http.post("/orders/1", headers={"dapr-app-id": "svc"})
            by_basic = await http.get("/orders/2", headers={"authorization": f"Basic {basic}"})
    assert by_header.status_code == 200 and by_basic.status_code == 200
    assert [r.path for r in target.received] == ["/orders/1", "/orders/2"]
    assert "dapr-app-id" not in target.received[0].headers


async def test_unknown_route_without_app_id_is_404_g9() -> None:
    async with running_sidecar(sidecar_config("svc")) as sidecar, http_client() as http:
        response = await http.get(f"{sidecar.http_url}/not/a/dapr/route")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "ERR_DIRECT_INVOKE"


async def test_unreachable_target_is_500_i5() -> None:
    config = sidecar_config("svc", static_app_addresses={"gone": ("127.0.0.1", 1)})
    async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
        unreachable = await http.get("/v1.0/invoke/gone/method/x")
        unknown = await http.get("/v1.0/invoke/nobody/method/x")
    assert unreachable.status_code == 500
    assert unreachable.json()["errorCode"] == "ERR_DIRECT_INVOKE"
    assert unreachable.json()["message"].startswith("failed to invoke, id: gone, err: ")
    assert unknown.status_code == 500


async def test_sidecars_in_one_process_resolve_each_other(target: RecordingApp) -> None:
    registry = NameRegistry()
    memory = MemoryBackend()
    caller_app = RecordingApp()
    async with serve_app(target), serve_app(caller_app):
        callee_cfg = sidecar_config("inventory", app_port=target.port, app_api_token="app-tok")
        caller_cfg = sidecar_config("checkout", app_port=caller_app.port)
        async with (
            running_sidecar(callee_cfg, memory=memory, registry=registry),
            running_sidecar(caller_cfg, memory=memory, registry=registry) as caller,
            http_client(caller.http_url) as http,
        ):
            response = await http.post("/v1.0/invoke/inventory/method/reserve", content=b"1")
    assert response.status_code == 200
    (call,) = target.on("/reserve")
    assert call.headers["dapr-caller-app-id"] == "checkout"
    assert call.headers["dapr-callee-app-id"] == "inventory"
    assert call.headers["dapr-api-token"] == "app-tok"  # G-8: the callee's app token


async def test_static_map_resolves_out_of_process_apps(target: RecordingApp) -> None:
    async with serve_app(target):
        config = sidecar_config("svc", static_app_addresses={"legacy": ("127.0.0.1", target.port)})
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            response = await http.get("/v1.0/invoke/legacy/method/ping")
    assert response.status_code == 200 and target.on("/ping")
