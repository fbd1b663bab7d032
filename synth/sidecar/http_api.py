"""The Dapr HTTP API v1.0 as a plain ASGI application (G-1..G-11, S-*, P-*, I-*, H-*).

Routing mirrors daprd's chi router: the G-11 route table, unknown paths *and* wrong verbs fall
through to service invocation (G-9), a trailing ``/`` is stripped when the path as given does
not match (G-10), and the API token is checked first except on the health routes (G-7).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from . import gojson
from .api_core import ApiCore, SaveItem
from .errors import DaprError, malformed_request
from .invocation import Forwarder, find_target

__all__ = ["HealthState", "HttpApi"]

Handler = Callable[[Request, dict[str, str]], Awaitable[Response]]

_HEALTH_PATHS = ("/v1.0/healthz", "/v1.0/healthz/outbound")


@dataclass
class HealthState:
    """H-1 / H-2 readiness flags, flipped by the runtime."""

    outbound_ready: bool = False
    ready: bool = False


def _error(exc: DaprError) -> Response:
    return Response(exc.body(), status_code=exc.status, media_type="application/json")


def _empty() -> Response:
    return Response(status_code=204)


def _json_response(payload: bytes, status: int = 200) -> Response:
    return Response(payload, status_code=status, media_type="application/json")


def _query_metadata(request: Request) -> dict[str, str]:
    """G-5: ``metadata.<k>=<v>`` query params (first value only)."""
    metadata: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key.startswith("metadata.") and key[len("metadata.") :] not in metadata:
            metadata[key[len("metadata.") :]] = value
    return metadata


def _ci(obj: dict[str, Any], name: str) -> Any:
    """Case-insensitive field lookup (Go json / mapstructure)."""
    if name in obj:
        return obj[name]
    lowered = name.lower()
    for key, value in obj.items():
        if key.lower() == lowered:
            return value
    return None


def _string_map(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or any(not isinstance(v, str) for v in value.values()):
        raise malformed_request(
            f"json: cannot unmarshal {what} into Go value of type map[string]string"
        )
    return {str(k): v for k, v in value.items()}


def _optional_string(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise malformed_request(f"json: cannot unmarshal {what} into Go value of type string")


def _save_item(raw: Any, url_metadata: dict[str, str]) -> SaveItem:
    if not isinstance(raw, dict):
        raise malformed_request(
            "json: cannot unmarshal item into Go value of type state.SetRequest"
        )
    key = _ci(raw, "key")
    if not isinstance(key, str) or not key:
        raise malformed_request('"key" is a required field')
    metadata = _string_map(_ci(raw, "metadata"), "metadata")
    metadata.update(url_metadata)  # S-8: URL wins
    options = _ci(raw, "options") or {}
    if not isinstance(options, dict):
        raise malformed_request("json: cannot unmarshal options into Go struct")
    return SaveItem(
        key=key,
        value=gojson.marshal(_ci(raw, "value")),
        etag=_optional_string(_ci(raw, "etag"), "etag"),
        metadata=metadata,
        concurrency=_optional_string(_ci(options, "concurrency"), "concurrency") or "",
        consistency=_optional_string(_ci(options, "consistency"), "consistency") or "",
    )


def _decode(body: bytes) -> Any:
    try:
        return gojson.loads_float64(body)
    except ValueError as exc:
        raise malformed_request(str(exc)) from exc


def _bulk_body(items: list[dict[str, Any]]) -> bytes:
    """S-24: Go struct order key, data (raw JSON), etag, metadata, error; omitempty."""
    parts: list[str] = []
    for item in items:
        fields = [f'"key":{gojson.marshal(item["key"]).decode()}']
        if "data" in item:
            data: bytes = item["data"]
            try:
                json.loads(data)
                raw = data.decode("utf-8")
            except ValueError:
                raw = gojson.marshal(data.decode("utf-8", errors="replace")).decode()
            fields.append(f'"data":{raw}')
        if item.get("etag"):
            fields.append(f'"etag":{gojson.marshal(item["etag"]).decode()}')
        if item.get("metadata"):
            fields.append(f'"metadata":{gojson.marshal(item["metadata"]).decode()}')
        if item.get("error"):
            fields.append(f'"error":{gojson.marshal(item["error"]).decode()}')
        parts.append("{" + ",".join(fields) + "}")
    return ("[" + ",".join(parts) + "]").encode()


class HttpApi:
    """ASGI app serving the Dapr HTTP API of one sidecar."""

    def __init__(
        self,
        *,
        core: ApiCore,
        forwarder: Forwarder,
        health: HealthState,
        api_token: str | None,
        on_shutdown: Callable[[], None] | None = None,
    ) -> None:
        self.core = core
        self.forwarder = forwarder
        self.health = health
        self.api_token = api_token
        self.on_shutdown = on_shutdown
        seg = r"(?P<{}>[^/]+)"
        self._routes: list[tuple[frozenset[str], re.Pattern[str], Handler]] = []

        def add(methods: str, pattern: str, handler: Handler) -> None:
            regex = re.sub(r"\{(\w+)\}", lambda m: seg.format(m.group(1)), pattern)
            self._routes.append((frozenset(methods.split(",")), re.compile(f"^{regex}$"), handler))

        add("GET", "/v1.0/healthz", self.healthz)
        add("GET", "/v1.0/healthz/outbound", self.healthz_outbound)
        add("GET", "/v1.0/metadata", self.get_metadata)
        add("PUT", "/v1.0/metadata/{key}", self.put_metadata)
        add("POST", "/v1.0/shutdown", self.shutdown)
        add("POST,PUT", "/v1.0/state/{store}/bulk", self.bulk_get)
        add("POST,PUT", "/v1.0/state/{store}/transaction", self.transaction)
        add("GET", "/v1.0/state/{store}/{key}", self.get_state)
        add("DELETE", "/v1.0/state/{store}/{key}", self.delete_state)
        add("POST,PUT", "/v1.0/state/{store}", self.save_state)
        add("POST,PUT", "/v1.0/publish/{pubsub}/(?P<topic>.*)", self.publish)

    def _match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for methods, regex, handler in self._routes:
            found = regex.match(path)
            if found and method in methods:
                return handler, found.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.dispatch(request)
        await response(scope, receive, send)

    async def dispatch(self, request: Request) -> Response:
        path = request.url.path
        method = request.method.upper()
        exempt = method == "GET" and path.rstrip("/") in _HEALTH_PATHS
        if (
            self.api_token
            and not exempt
            and request.headers.get("dapr-api-token") != self.api_token
        ):
            return Response("invalid api token\n", status_code=401, media_type="text/plain")
        matched = self._match(method, path)
        if matched is None and path.endswith("/") and len(path) > 1:
            matched = self._match(method, path.rstrip("/"))
        try:
            if matched is None:
                return await self.invoke(request, {})
            handler, params = matched
            return await handler(request, params)
        except DaprError as exc:
            return _error(exc)

    # -- health & metadata -------------------------------------------------------------------
    async def healthz(self, request: Request, params: dict[str, str]) -> Response:
        """H-1."""
        wanted = request.query_params.get("appid")
        if wanted and wanted != self.core.app_id:
            raise DaprError(
                500,
                "ERR_HEALTH_APPID_NOT_MATCH",
                "dapr app-id does not match",
            )
        if not self.health.ready:
            raise DaprError(500, "ERR_HEALTH_NOT_READY", "dapr is not ready: [app]")
        return _empty()

    async def healthz_outbound(self, request: Request, params: dict[str, str]) -> Response:
        """H-2."""
        if not self.health.outbound_ready:
            raise DaprError(500, "ERR_OUTBOUND_HEALTH_NOT_READY", "dapr outbound is not ready")
        return _empty()

    async def get_metadata(self, request: Request, params: dict[str, str]) -> Response:
        """H-3."""
        return _json_response(json.dumps(self.core.metadata(), separators=(",", ":")).encode())

    async def put_metadata(self, request: Request, params: dict[str, str]) -> Response:
        """H-4."""
        self.core.extended[params["key"]] = (await request.body()).decode("utf-8", "replace")
        return _empty()

    async def shutdown(self, request: Request, params: dict[str, str]) -> Response:
        if self.on_shutdown is not None:
            self.on_shutdown()
        return _empty()

    # -- state -------------------------------------------------------------------------------
    async def get_state(self, request: Request, params: dict[str, str]) -> Response:
        """S-20 / S-21 / S-22."""
        found = await self.core.get_state(params["store"], params["key"])
        if found is None:
            return _empty()
        response = _json_response(found.data)
        if found.etag:
            response.headers["ETag"] = found.etag
        for key, value in found.metadata.items():
            response.headers[f"metadata.{key}"] = value
        return response

    async def save_state(self, request: Request, params: dict[str, str]) -> Response:
        """S-6..S-14."""
        store = params["store"]
        self.core.store(store)
        payload = _decode(await request.body())
        if not isinstance(payload, list):
            raise malformed_request(
                "json: cannot unmarshal object into Go value of type []state.SetRequest"
            )
        url_metadata = _query_metadata(request)
        items = [_save_item(raw, url_metadata) for raw in payload]
        await self.core.save_state(store, items)
        return _empty()

    async def delete_state(self, request: Request, params: dict[str, str]) -> Response:
        """S-23."""
        query = request.query_params
        item = SaveItem(
            key=params["key"],
            value=b"",
            etag=request.headers.get("if-match"),
            metadata=_query_metadata(request),
            concurrency=query.get("concurrency", ""),
            consistency=query.get("consistency", ""),
        )
        await self.core.delete_state(params["store"], item)
        return _empty()

    async def bulk_get(self, request: Request, params: dict[str, str]) -> Response:
        """S-24."""
        store = params["store"]
        self.core.store(store)
        payload = _decode(await request.body())
        if not isinstance(payload, dict):
            raise malformed_request("json: cannot unmarshal into Go value of type BulkGetRequest")
        keys = _ci(payload, "keys") or []
        if not isinstance(keys, list) or any(not isinstance(k, str) for k in keys):
            raise malformed_request("json: keys must be an array of strings")
        items = await self.core.bulk_get(store, keys)
        return _json_response(_bulk_body(items))

    async def transaction(self, request: Request, params: dict[str, str]) -> Response:
        """S-26..S-28."""
        store = params["store"]
        self.core.store(store)
        payload = _decode(await request.body())
        if not isinstance(payload, dict):
            raise malformed_request(
                "json: cannot unmarshal into Go value of type TransactionalRequest"
            )
        shared = _string_map(_ci(payload, "metadata"), "metadata")
        shared.update(_query_metadata(request))
        operations: list[tuple[str, SaveItem]] = []
        for raw in _ci(payload, "operations") or []:
            if not isinstance(raw, dict):
                raise malformed_request("operation must be an object")
            kind = str(_ci(raw, "operation") or "")
            req = _ci(raw, "request") or {}
            if kind not in ("upsert", "delete"):
                raise DaprError(
                    400, "ERR_NOT_SUPPORTED_STATE_OPERATION", f"operation type {kind} not supported"
                )
            if kind == "delete" and isinstance(req, dict):
                req = {**req, "value": None}
            item = _save_item(req, {})
            if shared:
                item.metadata.update(shared)
            operations.append((kind, item))
        await self.core.transaction(store, operations)
        return _empty()

    # -- publish & invoke --------------------------------------------------------------------
    async def publish(self, request: Request, params: dict[str, str]) -> Response:
        """P-1..P-9."""
        await self.core.publish(
            pubsub=params["pubsub"],
            topic=params["topic"],
            body=await request.body(),
            content_type=request.headers.get("content-type"),
            metadata=_query_metadata(request),
            traceparent=request.headers.get("traceparent"),
            tracestate=request.headers.get("tracestate", ""),
        )
        return _empty()

    async def invoke(self, request: Request, params: dict[str, str]) -> Response:
        """I-1..I-5 and the G-9 fallback."""
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else str(raw_path)
        path = path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in request.headers.items()}
        app_id, method = find_target(path, headers)
        client = request.client
        status, reply_headers, body = await self.forwarder.invoke(
            app_id=app_id,
            method=method,
            verb=request.method.upper(),
            query=request.url.query,
            headers=list(request.headers.items()),
            body=await request.body(),
            client_host=client.host if client else "",
            host_header=request.headers.get("host", ""),
        )
        response = Response(body, status_code=status)
        for name, value in reply_headers:
            response.headers.append(name, value)
        return response
