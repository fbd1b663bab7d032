"""The gRPC API driven by the real Python SDK client ``dapr.aio.clients.DaprClient`` (R-*)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import grpc
import httpx
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprGrpcError, DaprInternalError
from dapr.clients.grpc._request import TransactionalStateOperation, TransactionOperationType
from starlette.responses import JSONResponse

from synth.sidecar import Sidecar
from tests.sidecar.sidecar_kit import (
    MEMORY_COMPONENTS,
    RecordingApp,
    ThreadedSidecar,
    sidecar_config,
)

pytestmark = pytest.mark.anyio

TOKEN = "s3cret"


@pytest.fixture
def app() -> RecordingApp:
    return RecordingApp(
        subscriptions=[{"pubsubname": "pubsub", "topic": "orders", "route": "/events"}],
        replies={"/echo": lambda r: JSONResponse({"got": r.body.decode(), "q": r.query})},
    )


@pytest.fixture
def sidecar(resources, app: RecordingApp, monkeypatch) -> Iterator[Sidecar]:
    folder = resources(MEMORY_COMPONENTS)
    threaded = ThreadedSidecar(
        lambda port: sidecar_config("sdk-app", app_port=port, resources_paths=(folder,)), app
    )
    with threaded as running:
        monkeypatch.setenv("DAPR_RUNTIME_HOST", "127.0.0.1")
        monkeypatch.setenv("DAPR_HTTP_PORT", str(running.http_port))
        monkeypatch.setenv("DAPR_GRPC_PORT", str(running.grpc_port))
        monkeypatch.setenv("DAPR_HEALTH_TIMEOUT", "5")
        monkeypatch.delenv("DAPR_API_TOKEN", raising=False)
        yield running


async def test_sdk_client_connects_after_outbound_health_r8_h2(sidecar: Sidecar) -> None:
    async with DaprClient() as client:
        meta = await client.get_metadata()
    assert meta.application_id == "sdk-app"


async def test_save_and_get_raw_bytes_s29_s30(sidecar: Sidecar) -> None:
    async with DaprClient() as client:
        await client.save_state("statestore", "k", "hello")
        got = await client.get_state("statestore", "k")
        missing = await client.get_state("statestore", "missing")
    assert got.data == b"hello" and got.etag
    assert missing.data == b"" and missing.etag == ""
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{sidecar.http_url}/v1.0/state/statestore/k")
    assert response.content == b"hello"  # raw bytes, not JSON-encoded (S-29)


async def test_json_content_type_metadata_is_parsed_s29(sidecar: Sidecar) -> None:
    async with DaprClient() as client:
        await client.save_state(
            "statestore",
            "j",
            '{"b": 1, "a": 2}',
            state_metadata={"contentType": "application/json"},
        )
        got = await client.get_state("statestore", "j")
    assert got.data == b'{"a":2,"b":1}'


async def test_etag_mismatch_is_aborted_s29_s31_r2(sidecar: Sidecar) -> None:
    async with DaprClient() as client:
        await client.save_state("statestore", "e", "1")
        with pytest.raises(DaprInternalError):
            await client.save_state("statestore", "e", "2", etag="wrong")
        with pytest.raises(DaprGrpcError) as info:
            await client.delete_state("statestore", "e", etag="wrong")
    assert info.value.code() == grpc.StatusCode.ABORTED


async def test_unknown_store_is_invalid_argument_s5(sidecar: Sidecar) -> None:
    async with DaprClient() as client:
        with pytest.raises(DaprGrpcError) as info:
            await client.get_state("nostore", "k")
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "state store nostore is not found" in (info.value.details() or "")


async def test_bulk_get_and_transaction_r1(sidecar: Sidecar) -> None:
    async with DaprClient() as client:
        await client.execute_state_transaction(
            "statestore",
            [
                TransactionalStateOperation("t1", "v1"),
                TransactionalStateOperation("t2", "v2"),
                TransactionalStateOperation("t2", operation_type=TransactionOperationType.delete),
            ],
        )
        bulk = await client.get_bulk_state("statestore", ["t1", "t2"])
    items = {item.key: item for item in bulk.items}
    assert items["t1"].data == b"v1" and items["t1"].etag
    assert items["t2"].data == b""


async def test_publish_event_default_text_plain_r3_p11(sidecar: Sidecar, app) -> None:
    async with DaprClient() as client:
        await client.publish_event("pubsub", "orders", json.dumps({"a": 1}))
        await client.publish_event(
            "pubsub", "orders", json.dumps({"b": 2}), data_content_type="application/json"
        )
    first, second = await app.wait_for("/events", 2)
    events = sorted(
        [json.loads(first.body), json.loads(second.body)], key=lambda e: e["datacontenttype"]
    )
    assert events[0]["data"] == {"b": 2}
    assert events[1]["datacontenttype"] == "text/plain" and events[1]["data"] == '{"a": 1}'
    assert events[1]["source"] == "sdk-app"


async def test_publish_unknown_pubsub_is_not_found_p1(sidecar: Sidecar) -> None:
    async with DaprClient() as client:
        with pytest.raises(DaprGrpcError) as info:
            await client.publish_event("nope", "orders", "x")
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


async def test_invoke_method_uses_http_r4_r5(sidecar: Sidecar, app) -> None:
    async with DaprClient() as client:
        response = await client.invoke_method(
            "sdk-app", "echo", data="hi", http_verb="POST", http_querystring=(("a", "1"),)
        )
    assert json.loads(response.data) == {"got": "hi", "q": "a=1"}
    (call,) = app.on("/echo")
    assert call.headers["dapr-caller-app-id"] == "sdk-app"
    assert call.headers["user-agent"].startswith("dapr-sdk-python/")


async def test_metadata_and_set_metadata_h3_h4(sidecar: Sidecar) -> None:
    async with DaprClient() as client:
        await client.set_metadata("owner", "team-a")
        meta = await client.get_metadata()
    assert meta.extended_metadata["owner"] == "team-a"
    assert "not daprd" in meta.extended_metadata["daprRuntimeVersion"]
    names = {c.name: c for c in meta.registered_components}
    assert "ACTOR" in names["statestore"].capabilities


async def test_other_rpcs_are_unimplemented_r1(sidecar: Sidecar) -> None:
    async with DaprClient() as client:
        with pytest.raises(grpc.RpcError) as info:
            await client.get_secret("secretstore", "k")
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED  # type: ignore[attr-defined]


@pytest.fixture
def token_sidecar(resources, monkeypatch) -> Iterator[Sidecar]:
    folder = resources(MEMORY_COMPONENTS)
    threaded = ThreadedSidecar(
        lambda port: sidecar_config("tok", resources_paths=(folder,), api_token=TOKEN)
    )
    with threaded as running:
        monkeypatch.setenv("DAPR_HTTP_PORT", str(running.http_port))
        monkeypatch.setenv("DAPR_GRPC_PORT", str(running.grpc_port))
        monkeypatch.setenv("DAPR_HEALTH_TIMEOUT", "5")
        yield running


async def test_grpc_api_token_g7(token_sidecar: Sidecar, monkeypatch) -> None:
    monkeypatch.setenv("DAPR_API_TOKEN", TOKEN)
    async with DaprClient() as client:
        await client.save_state("statestore", "k", "v")
    monkeypatch.setenv("DAPR_API_TOKEN", "wrong")
    async with DaprClient() as client:
        with pytest.raises(DaprGrpcError) as info:
            await client.get_state("statestore", "k")
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.filterwarnings("ignore:invoke_method with protocol gRPC:DeprecationWarning")
async def test_grpc_invoke_service_i7(sidecar: Sidecar, app, monkeypatch) -> None:
    monkeypatch.setenv("DAPR_API_METHOD_INVOCATION_PROTOCOL", "grpc")
    async with DaprClient() as client:
        response = await client.invoke_method(
            "sdk-app", "echo", data=b"via-grpc", http_verb="PUT", content_type="text/plain"
        )
    assert json.loads(response.data) == {"got": "via-grpc", "q": ""}
    (call,) = app.on("/echo")
    assert call.method == "PUT" and call.headers["content-type"] == "text/plain"
