"""The Dapr gRPC API on ``grpc.aio`` (R-1, S-29..S-31, P-11, I-7, G-7).

:class:`DaprGrpcServicer` subclasses the Python SDK's generated ``DaprServicer``; the rpcs it
does not override answer UNIMPLEMENTED (the base class does that).  :class:`ApiTokenInterceptor`
rejects calls without the right ``dapr-api-token`` metadata with UNAUTHENTICATED.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from dapr.proto.common.v1 import common_pb2
from dapr.proto.runtime.v1 import dapr_pb2_grpc, metadata_pb2, pubsub_pb2, state_pb2
from google.protobuf import any_pb2, empty_pb2

from . import gojson
from .api_core import ApiCore, SaveItem
from .cloudevents import media_type
from .errors import DaprError
from .invocation import Forwarder

__all__ = ["ApiTokenInterceptor", "DaprGrpcServicer"]

_Request = TypeVar("_Request")
_Response = TypeVar("_Response")

_CONCURRENCY = {1: "first-write", 2: "last-write"}
_CONSISTENCY = {1: "eventual", 2: "strong"}
_VERBS = {
    0: "POST",
    1: "GET",
    2: "HEAD",
    3: "POST",
    4: "PUT",
    5: "DELETE",
    6: "CONNECT",
    7: "OPTIONS",
    8: "TRACE",
    9: "PATCH",
}
_HTTP_TO_GRPC = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    501: grpc.StatusCode.UNIMPLEMENTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


async def _abort(context: grpc.aio.ServicerContext[Any, Any], exc: DaprError) -> None:
    await context.abort(exc.status_code_grpc, exc.message)


def _state_value(item: common_pb2.StateItem) -> bytes:
    """S-29: raw bytes unless metadata contentType is application/json."""
    if media_type(item.metadata.get("contentType")) == "application/json":
        try:
            return gojson.marshal(gojson.loads_float64(item.value))
        except ValueError:
            return bytes(item.value)
    return bytes(item.value)


def _save_item(item: common_pb2.StateItem, extra: dict[str, str] | None = None) -> SaveItem:
    metadata = dict(item.metadata)
    if extra:
        metadata.update(extra)
    return SaveItem(
        key=item.key,
        value=_state_value(item),
        etag=item.etag.value if item.HasField("etag") else None,
        metadata=metadata,
        concurrency=_CONCURRENCY.get(item.options.concurrency, ""),
        consistency=_CONSISTENCY.get(item.options.consistency, ""),
    )


class DaprGrpcServicer(dapr_pb2_grpc.DaprServicer):
    """State, publish, invoke and metadata rpcs of ``dapr.proto.runtime.v1.Dapr``."""

    def __init__(self, core: ApiCore, forwarder: Forwarder) -> None:
        self._core = core
        self._forwarder = forwarder

    async def SaveState(  # noqa: N802
        self, request: state_pb2.SaveStateRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> empty_pb2.Empty:
        for item in request.states:
            if not item.key:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "state key cannot be empty")
        try:
            await self._core.save_state(request.store_name, [_save_item(i) for i in request.states])
        except DaprError as exc:
            await _abort(context, exc)
        return empty_pb2.Empty()

    async def GetState(  # noqa: N802
        self, request: state_pb2.GetStateRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> state_pb2.GetStateResponse:
        try:
            found = await self._core.get_state(request.store_name, request.key)
        except DaprError as exc:
            await _abort(context, exc)
            raise
        if found is None:
            return state_pb2.GetStateResponse()  # S-30
        return state_pb2.GetStateResponse(data=found.data, etag=found.etag, metadata=found.metadata)

    async def GetBulkState(  # noqa: N802
        self, request: state_pb2.GetBulkStateRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> state_pb2.GetBulkStateResponse:
        try:
            items = await self._core.bulk_get(request.store_name, list(request.keys))
        except DaprError as exc:
            await _abort(context, exc)
            raise
        return state_pb2.GetBulkStateResponse(
            items=[
                state_pb2.BulkStateItem(
                    key=i["key"],
                    data=i.get("data", b""),
                    etag=i.get("etag", ""),
                    error=i.get("error", ""),
                    metadata=i.get("metadata") or {},
                )
                for i in items
            ]
        )

    async def DeleteState(  # noqa: N802
        self, request: state_pb2.DeleteStateRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> empty_pb2.Empty:
        item = SaveItem(
            key=request.key,
            value=b"",
            etag=request.etag.value if request.HasField("etag") else None,
            metadata=dict(request.metadata),
            concurrency=_CONCURRENCY.get(request.options.concurrency, ""),
            consistency=_CONSISTENCY.get(request.options.consistency, ""),
        )
        try:
            await self._core.delete_state(request.store_name, item)
        except DaprError as exc:
            await _abort(context, exc)  # S-31
        return empty_pb2.Empty()

    async def ExecuteStateTransaction(  # noqa: N802
        self,
        request: state_pb2.ExecuteStateTransactionRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> empty_pb2.Empty:
        shared = dict(request.metadata)
        operations = [
            (op.operationType, _save_item(op.request, shared)) for op in request.operations
        ]
        try:
            await self._core.transaction(request.storeName, operations)
        except DaprError as exc:
            await _abort(context, exc)
        return empty_pb2.Empty()

    async def PublishEvent(  # noqa: N802
        self, request: pubsub_pb2.PublishEventRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> empty_pb2.Empty:
        headers = dict(context.invocation_metadata() or ())
        try:
            await self._core.publish(
                pubsub=request.pubsub_name,
                topic=request.topic,
                body=request.data,
                content_type=request.data_content_type or None,  # P-11
                metadata=dict(request.metadata),
                traceparent=str(headers.get("traceparent") or "") or None,
            )
        except DaprError as exc:
            await _abort(context, exc)
        return empty_pb2.Empty()

    async def InvokeService(  # noqa: N802
        self, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> common_pb2.InvokeResponse:
        message = request.message
        headers = [
            (str(k), str(v))
            for k, v in (context.invocation_metadata() or ())
            if not str(k).startswith(":") and not str(k).endswith("-bin")
        ]
        if message.content_type:
            headers.append(("content-type", message.content_type))
        try:
            status, reply_headers, body = await self._forwarder.invoke(
                app_id=request.id,
                method=message.method.lstrip("/"),
                verb=_VERBS.get(message.http_extension.verb, "POST"),
                query=message.http_extension.querystring,
                headers=headers,
                body=message.data.value,
            )
        except DaprError as exc:
            await _abort(context, exc)
            raise
        content_type = next((v for k, v in reply_headers if k.lower() == "content-type"), "")
        context.set_trailing_metadata((("dapr-http-status", str(status)),))  # I-7
        if status != 200:
            code = _HTTP_TO_GRPC.get(status, grpc.StatusCode.UNKNOWN)
            await context.abort(code, body.decode("utf-8", "replace"))
        return common_pb2.InvokeResponse(data=any_pb2.Any(value=body), content_type=content_type)

    async def GetMetadata(  # noqa: N802
        self, request: metadata_pb2.GetMetadataRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> metadata_pb2.GetMetadataResponse:
        doc = self._core.metadata()
        return metadata_pb2.GetMetadataResponse(
            id=doc["id"],
            runtime_version=doc["runtimeVersion"],
            extended_metadata=doc["extended"],
            registered_components=[
                metadata_pb2.RegisteredComponents(
                    name=c["name"],
                    type=c["type"],
                    version=c["version"],
                    capabilities=c.get("capabilities", []),
                )
                for c in doc.get("components", [])
            ],
            subscriptions=[
                metadata_pb2.PubsubSubscription(
                    pubsub_name=s.pubsubname,
                    topic=s.topic,
                    metadata=s.metadata,
                    rules=metadata_pb2.PubsubSubscriptionRules(
                        rules=[
                            metadata_pb2.PubsubSubscriptionRule(match=r.match, path=r.path)
                            for r in s.rules
                        ]
                    ),
                    dead_letter_topic=s.dead_letter_topic,
                    type=(
                        metadata_pb2.PubsubSubscriptionType.DECLARATIVE
                        if s.type == "DECLARATIVE"
                        else metadata_pb2.PubsubSubscriptionType.PROGRAMMATIC
                    ),
                )
                for s in self._core.subscriptions
            ],
        )

    async def SetMetadata(  # noqa: N802
        self, request: metadata_pb2.SetMetadataRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> empty_pb2.Empty:
        self._core.extended[request.key] = request.value
        return empty_pb2.Empty()


class ApiTokenInterceptor(grpc.aio.ServerInterceptor):
    """G-7 for gRPC: a missing or wrong ``dapr-api-token`` -> UNAUTHENTICATED."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[_Request, _Response] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[_Request, _Response] | None:
        metadata = dict(handler_call_details.invocation_metadata or ())
        handler = await continuation(handler_call_details)
        if metadata.get("dapr-api-token") == self._token or handler is None:
            return handler

        async def deny(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED, "missing api token in request metadata"
            )

        async def deny_stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            await deny(request, context)
            yield None  # pragma: no cover

        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                deny, handler.request_deserializer, handler.response_serializer
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                deny_stream, handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                deny, handler.request_deserializer, handler.response_serializer
            )
        return grpc.stream_stream_rpc_method_handler(
            deny_stream, handler.request_deserializer, handler.response_serializer
        )
