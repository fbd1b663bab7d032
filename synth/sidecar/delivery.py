"""Delivering broker messages to the app's subscription routes (U-6..U-11).

One :class:`Deliverer` per sidecar.  For each message it builds the event (U-7), drops expired
events (P-7), picks the route (U-3 / U-11), POSTs the exact message bytes with the U-8 headers,
classifies the reply by the U-9 table and applies the local runtime's redelivery policy
(:class:`~synth.sidecar.config.RedeliveryPolicy`) to RETRY.  DROP, 404, expired and unroutable
events go to the ``deadLetterTopic`` if one is set (U-10); so do RETRYs once the policy is
exhausted.  With app health checks on (H-5) every attempt first waits for a healthy app, and
a delivery that cannot connect pauses deliveries instead of counting as an attempt.  Without a
dead-letter topic an exhausted message is left un-ACKed, which a
redelivering broker (Redis Streams) reclaims later and the in-memory bus logs and discards.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from . import gojson
from .app_health import AppHealthMonitor
from .cloudevents import CLOUDEVENT_CONTENT_TYPE, has_expired, new_traceparent, parse_go_bool
from .cloudevents import raw_payload_envelope as _raw_envelope
from .config import RedeliveryPolicy
from .pubsub import BrokerMessage
from .subscriptions import Subscription

__all__ = ["Deliverer", "Outcome", "outcome_from_response"]

log = logging.getLogger("synth.sidecar")

DeadLetterPublisher = Callable[[str, str, bytes, dict[str, str]], Awaitable[None]]


class Outcome(enum.Enum):
    SUCCESS = "SUCCESS"
    RETRY = "RETRY"
    DROP = "DROP"


def outcome_from_response(status: int, body: bytes) -> Outcome:
    """U-9: classify the app's reply to a delivery."""
    if status == 404:
        return Outcome.DROP
    if not 200 <= status < 300:
        return Outcome.RETRY
    if not body.strip():
        return Outcome.SUCCESS
    try:
        parsed = json.loads(body)
    except ValueError:
        return Outcome.SUCCESS
    if parsed is None:
        return Outcome.SUCCESS
    if not isinstance(parsed, dict):
        return Outcome.SUCCESS
    status_field = parsed.get("status")
    if status_field is None or status_field == "" or status_field == "SUCCESS":
        return Outcome.SUCCESS
    if not isinstance(status_field, str):
        return Outcome.SUCCESS
    if status_field == "DROP":
        return Outcome.DROP
    return Outcome.RETRY  # "RETRY" and any unknown (case-sensitive) status


def _header_safe(value: str) -> bool:
    return "\n" not in value and "\r" not in value


class Deliverer:
    """Delivers one message to one subscription of one app."""

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        app_base_url: str,
        app_token: str | None,
        policy: RedeliveryPolicy,
        publish_dead_letter: DeadLetterPublisher,
        health: AppHealthMonitor | None = None,
    ) -> None:
        self._client = client
        self._base = app_base_url.rstrip("/")
        self._token = app_token
        self._policy = policy
        self._publish_dead_letter = publish_dead_letter
        self._health = health

    def _event(self, sub: Subscription, message: BrokerMessage) -> tuple[dict[str, Any], bytes]:
        raw = sub.metadata.get("rawPayload", "")
        if raw and parse_go_bool(raw):
            event = _raw_envelope(message.data, message.topic, sub.pubsubname, message.metadata)
            return event, gojson.marshal(event)
        parsed = gojson.loads_precise(message.data)
        if not isinstance(parsed, dict):
            raise ValueError("message is not a JSON object")
        return parsed, message.data

    def build_headers(
        self, sub: Subscription, message: BrokerMessage, event: dict[str, Any]
    ) -> list[tuple[str, str]]:
        """U-8: message metadata as lower-cased headers, pubsubname, trace, app token."""
        headers: dict[str, str] = {}
        for key, value in message.metadata.items():
            name = key.lower()
            if name in ("content-length", "content-type") or not _header_safe(value):
                continue
            headers[name] = value
        headers["pubsubname"] = sub.pubsubname
        parent = event.get("traceparent") if isinstance(event.get("traceparent"), str) else None
        headers["traceparent"] = new_traceparent(parent)
        tracestate = event.get("tracestate")
        if isinstance(tracestate, str) and tracestate:
            headers["tracestate"] = tracestate
        if self._token:
            headers["dapr-api-token"] = self._token
        headers["content-type"] = CLOUDEVENT_CONTENT_TYPE
        return list(headers.items())

    async def _post(self, path: str, body: bytes, headers: list[tuple[str, str]]) -> Outcome | None:
        """The app's answer, or ``None`` when its port refused the connection."""
        url = f"{self._base}/{path.lstrip('/')}"
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.ConnectError as exc:
            log.warning("delivery to %s failed: %s", url, exc)
            return None
        except httpx.HTTPError as exc:
            log.warning("delivery to %s failed: %s", url, exc)
            return Outcome.RETRY
        return outcome_from_response(response.status_code, response.content)

    async def _dead_letter(self, sub: Subscription, message: BrokerMessage, why: str) -> bool:
        if not sub.dead_letter_topic:
            log.warning("%s: event on %s/%s dropped", why, sub.pubsubname, sub.topic)
            return True
        try:
            await self._publish_dead_letter(
                sub.pubsubname, sub.dead_letter_topic, message.data, message.metadata
            )
        except Exception:
            log.exception("could not publish to dead-letter topic %s", sub.dead_letter_topic)
            return False
        log.warning(
            "%s: event on %s/%s sent to dead-letter topic %s",
            why,
            sub.pubsubname,
            sub.topic,
            sub.dead_letter_topic,
        )
        return True

    async def deliver(self, sub: Subscription, message: BrokerMessage) -> bool:
        """Deliver ``message``; ``True`` means ACK it."""
        try:
            event, body = self._event(sub, message)
        except ValueError as exc:
            log.error("cannot deliver message on %s/%s: %s", sub.pubsubname, sub.topic, exc)
            if sub.dead_letter_topic:
                return await self._dead_letter(sub, message, "undecodable message")
            return False
        if has_expired(event):
            return await self._dead_letter(sub, message, "expired")
        path = sub.route_for(event)
        if path is None:
            return await self._dead_letter(sub, message, "no matching route")
        attempt = 0
        while True:
            if self._health is not None:
                await self._health.wait_healthy()  # H-5: paused while the app is unhealthy
            headers = self.build_headers(sub, message, event)
            outcome = await self._post(path, body, headers)
            if outcome is None and self._health is not None:
                self._health.report_unreachable()  # the app is down: not an attempt
                continue
            attempt += 1
            if outcome is Outcome.SUCCESS:
                return True
            if outcome is Outcome.DROP:
                return await self._dead_letter(sub, message, "app answered DROP")
            if attempt >= self._policy.max_attempts:
                break
            await asyncio.sleep(self._policy.delay(attempt))
        log.error(
            "event on %s/%s still RETRY after %d attempts", sub.pubsubname, sub.topic, attempt
        )
        if sub.dead_letter_topic:
            return await self._dead_letter(sub, message, "retries exhausted")
        return False
