"""Error values of the Dapr API and their wire bodies (G-2, G-3).

Every API failure is a :class:`DaprError`.  It knows its HTTP status, its legacy ``errorCode``
tag, its message and (for kit "rich" errors, G-3) the ``google.rpc.ErrorInfo`` reason and
metadata plus an optional ``ResourceInfo``.  The gRPC layer maps it to a status code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import grpc

__all__ = [
    "DaprError",
    "direct_invoke_failed",
    "direct_invoke_no_app_id",
    "illegal_state_key",
    "malformed_request",
    "pubsub_empty",
    "pubsub_forbidden",
    "pubsub_not_configured",
    "pubsub_not_found",
    "state_store_not_configured",
    "state_store_not_found",
    "topic_empty",
]

_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_RESOURCE_INFO = "type.googleapis.com/google.rpc.ResourceInfo"

_HTTP_TO_GRPC = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    500: grpc.StatusCode.INTERNAL,
}


@dataclass
class DaprError(Exception):
    """An API error with the HTTP status and JSON body daprd would answer."""

    status: int
    error_code: str
    message: str
    reason: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    resource: tuple[str, str] | None = None
    grpc_code: grpc.StatusCode | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of G-2 (legacy) or G-3 (with ``details``)."""
        body: dict[str, Any] = {"errorCode": self.error_code, "message": self.message}
        details: list[dict[str, Any]] = []
        if self.reason:
            details.append(
                {
                    "@type": _ERROR_INFO,
                    "reason": self.reason,
                    "domain": "dapr.io",
                    "metadata": dict(self.metadata),
                }
            )
        if self.resource:
            details.append(
                {
                    "@type": _RESOURCE_INFO,
                    "resource_type": self.resource[0],
                    "resource_name": self.resource[1],
                    "owner": "",
                    "description": "",
                }
            )
        if details:
            body["details"] = details
        return body

    def body(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":")).encode()

    @property
    def status_code_grpc(self) -> grpc.StatusCode:
        if self.grpc_code is not None:
            return self.grpc_code
        return _HTTP_TO_GRPC.get(self.status, grpc.StatusCode.INTERNAL)


def state_store_not_configured(name: str, app_id: str) -> DaprError:
    """S-4: no state store loaded at all."""
    return DaprError(
        500,
        "ERR_STATE_STORE_NOT_CONFIGURED",
        f"state store {name} is not configured",
        reason="DAPR_STATE_NOT_CONFIGURED",
        metadata={"appID": app_id},
        resource=("state", name),
        grpc_code=grpc.StatusCode.FAILED_PRECONDITION,
    )


def state_store_not_found(name: str, app_id: str) -> DaprError:
    """S-5: named store not found -> 400 (not 404)."""
    return DaprError(
        400,
        "ERR_STATE_STORE_NOT_FOUND",
        f"state store {name} is not found",
        reason="DAPR_STATE_NOT_FOUND",
        metadata={"appID": app_id},
        resource=("state", name),
    )


def illegal_state_key(key: str, store: str) -> DaprError:
    """S-2: a key or keyPrefix containing ``||``."""
    return DaprError(
        400,
        "ERR_MALFORMED_REQUEST",
        f"input key/keyPrefix '{key}' can't contain '||'",
        reason="DAPR_STATE_ILLEGAL_KEY",
        resource=("state", store),
    )


def malformed_request(message: str) -> DaprError:
    """S-7: undecodable request body or missing required field."""
    return DaprError(400, "ERR_MALFORMED_REQUEST", message)


def pubsub_not_found(name: str, app_id: str) -> DaprError:
    """P-1: pubsub name not loaded -> 404."""
    return DaprError(
        404,
        "ERR_PUBSUB_NOT_FOUND",
        f"pubsub {name} is not found",
        reason="DAPR_PUBSUB_NOT_FOUND",
        metadata={"appID": app_id, "pubsubName": name},
        resource=("pubsub", name),
    )


def pubsub_not_configured(name: str, app_id: str) -> DaprError:
    """P-1: no pubsub adapter at all -> 400."""
    return DaprError(
        400,
        "ERR_PUBSUB_NOT_CONFIGURED",
        "pubsub is not configured",
        reason="DAPR_PUBSUB_NOT_CONFIGURED",
        metadata={"appID": app_id, "pubsubName": name},
        resource=("pubsub", name),
    )


def pubsub_empty(app_id: str) -> DaprError:
    """P-1: empty pubsub name -> 404."""
    return DaprError(
        404,
        "ERR_PUBSUB_EMPTY",
        "pubsub name is empty",
        reason="DAPR_PUBSUB_NAME_EMPTY",
        metadata={"appID": app_id},
        grpc_code=grpc.StatusCode.INVALID_ARGUMENT,
    )


def topic_empty(name: str, app_id: str) -> DaprError:
    """P-1: empty topic -> 404."""
    return DaprError(
        404,
        "ERR_TOPIC_NAME_EMPTY",
        f"topic is empty in pubsub {name}",
        reason="DAPR_PUBSUB_TOPIC_NAME_EMPTY",
        metadata={"appID": app_id, "pubsubName": name},
        resource=("pubsub", name),
        grpc_code=grpc.StatusCode.INVALID_ARGUMENT,
    )


def pubsub_forbidden(topic: str, name: str, app_id: str) -> DaprError:
    """P-1 / C-5: topic not allowed by scopes -> 403."""
    return DaprError(
        403,
        "ERR_PUBSUB_FORBIDDEN",
        f"topic {topic} is not allowed for app id {app_id}",
        reason="DAPR_PUBSUB_FORBIDDEN",
        metadata={"appID": app_id, "pubsubName": name, "topic": topic},
        resource=("pubsub", name),
    )


def direct_invoke_no_app_id() -> DaprError:
    """G-9 / I-2: no target app id -> 404."""
    return DaprError(
        404,
        "ERR_DIRECT_INVOKE",
        "failed getting app id either from the URL path or the header dapr-app-id",
    )


def direct_invoke_failed(app_id: str, err: str) -> DaprError:
    """I-5: transport failure -> 500."""
    return DaprError(500, "ERR_DIRECT_INVOKE", f"failed to invoke, id: {app_id}, err: {err}")
