"""The CloudEvent envelope daprd wraps around published data (P-2..P-8, U-7).

:func:`envelope_for_publish` turns a publish request (body, ``Content-Type``, metadata) into the
exact bytes put on the broker: a Go-``json.Marshal``-compatible object with sorted keys, or the
raw body with ``rawPayload``.  :func:`raw_payload_envelope` builds the subscriber-side envelope
for subscriptions with ``rawPayload=true`` (U-7).  Also owns W3C ``traceparent`` helpers.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from . import gojson
from .errors import DaprError

__all__ = [
    "CLOUDEVENT_CONTENT_TYPE",
    "envelope_for_publish",
    "has_expired",
    "is_raw_payload",
    "media_type",
    "new_traceparent",
    "raw_payload_envelope",
]

CLOUDEVENT_CONTENT_TYPE = "application/cloudevents+json"
DEFAULT_DATA_CONTENT_TYPE = "text/plain"
EVENT_TYPE = "com.dapr.event.sent"
_BINARY_TYPES = ("application/octet-stream", "application/cloudevents+protobuf")
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$")
_OVERRIDABLE = ("id", "source", "type", "subject", "traceid", "tracestate", "traceparent")


def media_type(content_type: str | None) -> str:
    """The lower-cased media type without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_go_bool(value: str) -> bool:
    """Go ``strconv.ParseBool`` (P-8); raises ``ValueError`` on anything else."""
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f'strconv.ParseBool: parsing "{value}": invalid syntax')


def _meta(metadata: dict[str, str], name: str) -> str | None:
    for key, value in metadata.items():
        if key.lower() == name.lower():
            return value
    return None


def is_raw_payload(metadata: dict[str, str]) -> bool:
    """P-8: ``rawPayload`` metadata; invalid value -> 400 ``ERR_PUBSUB_REQUEST_METADATA``."""
    raw = _meta(metadata, "rawPayload")
    if raw is None or raw == "":
        return False
    try:
        return parse_go_bool(raw)
    except ValueError as exc:
        raise DaprError(
            400, "ERR_PUBSUB_REQUEST_METADATA", f"failed deserializing metadata: {exc}"
        ) from exc


def new_traceparent(parent: str | None = None) -> str:
    """A W3C traceparent continuing ``parent``'s trace (new span id), or a fresh trace."""
    match = _TRACEPARENT.match(parent or "")
    trace_id = match.group(1) if match else secrets.token_hex(16)
    flags = match.group(2) if match else "01"
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"


def _rfc3339_now_local() -> str:
    now = datetime.now().astimezone().replace(microsecond=0)
    text = now.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _rfc3339_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ser_error(detail: str) -> DaprError:
    return DaprError(
        500,
        "ERR_PUBSUB_CLOUD_EVENTS_SER",
        f"cannot create cloudevent: {detail}",
        reason="DAPR_PUBSUB_CLOUD_EVENT_CREATION",
    )


def _apply_ttl(event: dict[str, Any], metadata: dict[str, str]) -> None:
    """P-7: components here lack MESSAGE_TTL, so ttlInSeconds becomes ``expiration``."""
    raw = _meta(metadata, "ttlInSeconds")
    if raw is None or raw == "":
        return
    try:
        ttl = int(raw)
    except ValueError as exc:
        raise _ser_error(f"ttlInSeconds must be an integer: {raw}") from exc
    if ttl <= 0:
        raise _ser_error(f"ttlInSeconds must be positive: {raw}")
    event["expiration"] = _rfc3339_utc(datetime.now(UTC) + timedelta(seconds=ttl))


def has_expired(event: dict[str, Any]) -> bool:
    """P-7 subscriber side: ``expiration`` in the past."""
    raw = event.get("expiration")
    if not isinstance(raw, str) or not raw:
        return False
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment <= datetime.now(UTC)


def _data_fields(body: bytes, content_type: str) -> dict[str, Any]:
    kind = media_type(content_type)
    if kind in _BINARY_TYPES:
        return {"data_base64": base64.b64encode(body).decode("ascii")}
    if kind == "application/json":
        try:
            return {"data": gojson.loads_precise(body)}
        except ValueError:
            return {"data": body.decode("utf-8", errors="replace")}
    return {"data": body.decode("utf-8", errors="replace")}


def _from_cloud_event(
    body: bytes, topic: str, pubsub: str, traceparent: str, tracestate: str
) -> dict[str, Any]:
    """P-6: the publisher's own CloudEvent, completed."""
    try:
        event = gojson.loads_precise(body)
    except ValueError as exc:
        raise _ser_error(str(exc)) from exc
    if not isinstance(event, dict):
        raise _ser_error("body is not a JSON object")
    event.setdefault("time", _rfc3339_now_local())
    if "traceid" not in event:
        event["traceid"] = traceparent
        event["traceparent"] = traceparent
    event.setdefault("tracestate", tracestate)
    event["topic"] = topic
    event["pubsubname"] = pubsub
    event.setdefault("source", "Dapr")
    event.setdefault("type", EVENT_TYPE)
    event.setdefault("specversion", "1.0")
    return event


def envelope_for_publish(
    *,
    body: bytes,
    content_type: str | None,
    topic: str,
    pubsub: str,
    app_id: str,
    metadata: dict[str, str],
    traceparent: str,
    tracestate: str = "",
) -> bytes:
    """The broker message bytes for a publish request (P-2..P-8)."""
    if is_raw_payload(metadata):
        return body
    if media_type(content_type) == CLOUDEVENT_CONTENT_TYPE:
        event = _from_cloud_event(body, topic, pubsub, traceparent, tracestate)
        _apply_ttl(event, metadata)
        return gojson.marshal(event)
    data_content_type = content_type or DEFAULT_DATA_CONTENT_TYPE
    event = {
        "id": str(uuid.uuid4()),
        "specversion": "1.0",
        "datacontenttype": data_content_type,
        "source": app_id or "Dapr",
        "type": EVENT_TYPE,
        "topic": topic,
        "pubsubname": pubsub,
        "traceid": traceparent,
        "traceparent": traceparent,
        "tracestate": tracestate,
        "time": _rfc3339_now_local(),
    }
    event.update(_data_fields(body, data_content_type))
    for key, value in metadata.items():
        lowered = key.lower()
        if not lowered.startswith("cloudevent."):
            continue
        field_name = lowered[len("cloudevent.") :]
        if field_name in _OVERRIDABLE:
            event[field_name] = value
            if field_name == "traceparent":
                event["traceid"] = value
    _apply_ttl(event, metadata)
    return gojson.marshal(event)


def raw_payload_envelope(
    data: bytes, topic: str, pubsub: str, metadata: dict[str, str]
) -> dict[str, Any]:
    """U-7: the envelope a ``rawPayload=true`` subscription receives."""
    event: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "specversion": "1.0",
        "datacontenttype": "application/octet-stream",
        "source": "Dapr",
        "type": EVENT_TYPE,
        "topic": topic,
        "pubsubname": pubsub,
        "data_base64": base64.b64encode(data).decode("ascii"),
    }
    for name in ("traceid", "traceparent", "tracestate"):
        value = _meta(metadata, name)
        if value:
            event[name] = value
    return event
