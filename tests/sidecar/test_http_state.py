"""HTTP state API against a started local sidecar with in-memory stores (S-*, G-*)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from synth.sidecar import MemoryBackend
from tests.sidecar.sidecar_kit import (
    MEMORY_COMPONENTS,
    component,
    http_client,
    running_sidecar,
    sidecar_config,
)

pytestmark = pytest.mark.anyio

S = "/v1.0/state/statestore"


@pytest.fixture
async def memory() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
async def client(resources, memory: MemoryBackend) -> AsyncIterator[httpx.AsyncClient]:
    config = sidecar_config("orders", resources_paths=(resources(MEMORY_COMPONENTS),))
    async with (
        running_sidecar(config, memory=memory) as sidecar,
        http_client(sidecar.http_url) as http,
    ):
        yield http


async def save(client: httpx.AsyncClient, items: list, query: str = "") -> httpx.Response:
    return await client.post(f"{S}{query}", json=items)


async def test_get_missing_key_returns_204_s21(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{S}/nope")
    assert response.status_code == 204
    assert response.content == b""
    assert "etag" not in response.headers


async def test_save_then_get_string_value_is_json_encoded_s9_s12_s20(client) -> None:
    response = await save(client, [{"key": "k", "value": "hello"}])
    assert response.status_code == 204 and response.content == b""
    got = await client.get(f"{S}/k")
    assert got.status_code == 200
    assert got.content == b'"hello"'
    assert got.headers["content-type"] == "application/json"
    assert got.headers["etag"]


async def test_object_value_is_stored_like_go_json_marshal_s12(client) -> None:
    await save(client, [{"key": "o", "value": {"b": 1.50, "a": [2, "<&>"], "c": 1e21}}])
    got = await client.get(f"{S}/o")
    assert got.content == b'{"a":[2,"\\u003c\\u0026\\u003e"],"b":1.5,"c":1e+21}'


async def test_key_prefix_is_app_id_by_default_s1(client, memory: MemoryBackend) -> None:
    await save(client, [{"key": "k", "value": 1}])
    assert "orders||k" in memory.state_store("statestore")._items


@pytest.mark.parametrize(
    ("prefix", "stored"),
    [("name", "store2||k"), ("none", "k"), ("custom", "custom||k"), ("appid", "orders||k")],
)
async def test_key_prefix_strategies_s1(resources, prefix: str, stored: str) -> None:
    memory = MemoryBackend()
    docs = [component("store2", "state.in-memory", {"keyPrefix": prefix})]
    config = sidecar_config("orders", resources_paths=(resources(docs),))
    async with running_sidecar(config, memory=memory) as sidecar, http_client() as http:
        url = f"{sidecar.http_url}/v1.0/state/store2"
        assert (await http.post(url, json=[{"key": "k", "value": 1}])).status_code == 204
        assert list(memory.state_store("store2")._items) == [stored]
        assert (await http.get(f"{url}/k")).content == b"1"


async def test_key_with_double_pipe_is_rejected_400_s2(client) -> None:
    response = await save(client, [{"key": "a||b", "value": 1}])
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "ERR_MALFORMED_REQUEST"
    assert body["message"] == "input key/keyPrefix 'a||b' can't contain '||'"
    assert body["details"][0]["reason"] == "DAPR_STATE_ILLEGAL_KEY"
    assert (await client.get(f"{S}/a||b")).status_code == 400


async def test_unknown_store_is_400_with_rich_error_s5_g3(client) -> None:
    response = await client.get("/v1.0/state/nostore/k")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["errorCode"] == "ERR_STATE_STORE_NOT_FOUND"
    assert body["message"] == "state store nostore is not found"
    info = body["details"][0]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["reason"] == "DAPR_STATE_NOT_FOUND"
    assert info["domain"] == "dapr.io"
    assert info["metadata"] == {"appID": "orders"}


async def test_no_state_store_configured_is_500_s4(resources) -> None:
    config = sidecar_config("orders", resources_paths=(resources([]),))
    async with running_sidecar(config) as sidecar, http_client() as http:
        response = await http.get(f"{sidecar.http_url}/v1.0/state/any/k")
    assert response.status_code == 500
    assert response.json()["errorCode"] == "ERR_STATE_STORE_NOT_CONFIGURED"


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        (b"{not json", ""),
        (b'{"key":"k"}', "cannot unmarshal"),
        (b'[{"value":1}]', '"key" is a required field'),
        (b'[{"key":"k","value":1,"metadata":{"ttlInSeconds":120}}]', "map[string]string"),
    ],
)
async def test_malformed_save_bodies_are_400_s6_s7(client, body: bytes, message_part: str) -> None:
    response = await client.post(S, content=body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ERR_MALFORMED_REQUEST"
    assert message_part in response.json()["message"]


async def test_empty_array_save_is_204_s7(client) -> None:
    assert (await save(client, [])).status_code == 204


async def test_put_is_accepted_like_post_g11(client) -> None:
    assert (await client.put(S, json=[{"key": "p", "value": 2}])).status_code == 204
    assert (await client.get(f"{S}/p")).content == b"2"


async def test_etag_mismatch_is_409_s11_s16(client) -> None:
    await save(client, [{"key": "e", "value": 1}])
    response = await save(client, [{"key": "e", "value": 2, "etag": "wrong"}])
    assert response.status_code == 409
    body = response.json()
    assert body["errorCode"] == "ERR_STATE_SAVE"
    assert body["message"].startswith(
        "failed saving state in state store statestore: possible etag mismatch. error from state"
    )


async def test_matching_etag_saves_and_changes_uuid_etag_s15_s16(client) -> None:
    await save(client, [{"key": "e", "value": 1}])
    etag = (await client.get(f"{S}/e")).headers["etag"]
    assert len(etag) == 36  # a UUID
    assert (await save(client, [{"key": "e", "value": 2, "etag": etag}])).status_code == 204
    assert (await client.get(f"{S}/e")).headers["etag"] != etag


async def test_memory_etag_on_missing_key_is_409_s16(client) -> None:
    assert (await save(client, [{"key": "m", "value": 1, "etag": "x"}])).status_code == 409


async def test_memory_first_write_without_etag_on_existing_key_is_409_s16(client) -> None:
    await save(client, [{"key": "f", "value": 1}])
    item = {"key": "f", "value": 2, "options": {"concurrency": "first-write"}}
    assert (await save(client, [item])).status_code == 409


async def test_memory_last_write_still_checks_etag_s16(client) -> None:
    await save(client, [{"key": "l", "value": 1}])
    item = {"key": "l", "value": 2, "etag": "bad", "options": {"Concurrency": "last-write"}}
    assert (await save(client, [item])).status_code == 409


async def test_no_etag_is_last_write_wins_s16_s19(client) -> None:
    await save(client, [{"key": "w", "value": 1}])
    await save(client, [{"key": "w", "value": 2}])
    assert (await client.get(f"{S}/w")).content == b"2"


async def test_invalid_concurrency_is_500_s13(client) -> None:
    item = {"key": "c", "value": 1, "options": {"concurrency": "sometimes"}}
    response = await save(client, [item])
    assert response.status_code == 500
    assert response.json()["errorCode"] == "ERR_STATE_SAVE"


async def test_multi_item_save_is_not_atomic_s10(client) -> None:
    await save(client, [{"key": "a1", "value": 1}])
    response = await save(
        client, [{"key": "a1", "value": 9, "etag": "bad"}, {"key": "a2", "value": 2}]
    )
    assert response.status_code == 409  # only ETag failures -> 409
    assert (await client.get(f"{S}/a2")).content == b"2"
    assert (await client.get(f"{S}/a1")).content == b"1"


async def test_ttl_sets_expire_time_header_s14_g6(client) -> None:
    await save(client, [{"key": "t", "value": 1, "metadata": {"ttlInSeconds": "100"}}])
    got = await client.get(f"{S}/t")
    expire = got.headers["metadata.ttlExpireTime"]
    assert expire.endswith("Z") and "T" in expire


async def test_ttl_from_url_metadata_is_merged_s8_g5(client) -> None:
    await save(client, [{"key": "u", "value": 1}], query="?metadata.ttlInSeconds=50")
    assert "metadata.ttlexpiretime" in (await client.get(f"{S}/u")).headers


async def test_ttl_not_integer_is_500_s14(client) -> None:
    item = {"key": "t", "value": 1, "metadata": {"ttlInSeconds": "soon"}}
    assert (await save(client, [item])).status_code == 500


async def test_expired_key_is_gone_s14(client, memory: MemoryBackend) -> None:
    await save(client, [{"key": "x", "value": 1, "metadata": {"ttlInSeconds": "100"}}])
    memory.state_store("statestore")._items["orders||x"].expires_at = 0.0
    assert (await client.get(f"{S}/x")).status_code == 204


async def test_delete_and_if_match_semantics_s23_s16(client) -> None:
    await save(client, [{"key": "d", "value": 1}])
    mismatch = await client.delete(f"{S}/d", headers={"If-Match": "nope"})
    assert mismatch.status_code == 409
    assert mismatch.json()["errorCode"] == "ERR_STATE_DELETE"
    assert mismatch.json()["message"].startswith("failed deleting state with key d: ")
    etag = (await client.get(f"{S}/d")).headers["etag"]
    assert (await client.delete(f"{S}/d", headers={"If-Match": etag})).status_code == 204
    assert (await client.get(f"{S}/d")).status_code == 204
    assert (await client.delete(f"{S}/d")).status_code == 204
    assert (await client.delete(f"{S}/d", headers={"If-Match": "x"})).status_code == 409


async def test_bulk_get_order_and_missing_keys_s24_s25(client) -> None:
    await save(client, [{"key": "b1", "value": {"x": 1}}, {"key": "b2", "value": "s"}])
    response = await client.post(f"{S}/bulk", json={"keys": ["b2", "zz", "b1"], "parallelism": 2})
    assert response.status_code == 200
    items = response.json()
    assert [i["key"] for i in items] == ["b2", "zz", "b1"]
    assert items[0]["data"] == "s" and items[0]["etag"]
    assert items[1] == {"key": "zz"}
    assert items[2]["data"] == {"x": 1}
    assert "value" not in items[0]
    empty = await client.post(f"{S}/bulk", json={"keys": []})
    assert empty.status_code == 200 and empty.json() == []


async def test_transaction_applies_all_s26(client) -> None:
    await save(client, [{"key": "gone", "value": 1}])
    ops = {
        "operations": [
            {"operation": "upsert", "request": {"key": "n1", "value": "v"}},
            {"operation": "delete", "request": {"key": "gone"}},
        ]
    }
    assert (await client.post(f"{S}/transaction", json=ops)).status_code == 204
    assert (await client.get(f"{S}/n1")).content == b'"v"'
    assert (await client.get(f"{S}/gone")).status_code == 204


async def test_transaction_etag_mismatch_is_500_and_atomic_s27_s16(client) -> None:
    ops = {
        "operations": [
            {"operation": "upsert", "request": {"key": "n2", "value": 1}},
            {"operation": "upsert", "request": {"key": "n3", "value": 1, "etag": "bad"}},
        ]
    }
    response = await client.post(f"{S}/transaction", json=ops)
    assert response.status_code == 500
    assert response.json()["errorCode"] == "ERR_STATE_TRANSACTION"
    assert (await client.get(f"{S}/n2")).status_code == 204


async def test_transaction_unknown_operation_is_400_s26(client) -> None:
    ops = {"operations": [{"operation": "merge", "request": {"key": "k", "value": 1}}]}
    response = await client.post(f"{S}/transaction", json=ops)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ERR_NOT_SUPPORTED_STATE_OPERATION"
    assert response.json()["message"] == "operation type merge not supported"


async def test_transaction_metadata_is_copied_into_operations_s28(client) -> None:
    ops = {
        "operations": [{"operation": "upsert", "request": {"key": "tm", "value": 1}}],
        "metadata": {"ttlInSeconds": "60"},
    }
    assert (await client.post(f"{S}/transaction", json=ops)).status_code == 204
    assert "metadata.ttlexpiretime" in (await client.get(f"{S}/tm")).headers


async def test_trailing_slash_is_stripped_when_no_route_matches_g10(client) -> None:
    await save(client, [{"key": "s", "value": 1}])
    assert (await client.get(f"{S}/s/")).content == b"1"
    assert (await client.post(f"{S}/", json=[{"key": "s2", "value": 3}])).status_code == 204


async def test_wrong_verb_falls_through_to_invocation_g9(client) -> None:
    response = await client.patch(f"{S}/k")
    assert response.status_code == 404
    assert response.json() == {
        "errorCode": "ERR_DIRECT_INVOKE",
        "message": "failed getting app id either from the URL path or the header dapr-app-id",
    }
    assert (await client.get("/v1.0/unknown")).json()["errorCode"] == "ERR_DIRECT_INVOKE"


async def test_error_body_is_json_g2(client) -> None:
    response = await client.post(S, content=b"[")
    assert response.headers["content-type"] == "application/json"
    assert set(json.loads(response.content)) >= {"errorCode", "message"}
