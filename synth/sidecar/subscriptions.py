"""Subscriptions: programmatic discovery from the app, declarative manifests, routing (U-1..U-5).

:func:`discover` calls ``GET /dapr/config`` then ``GET /dapr/subscribe`` on the app (U-1, H-6)
and parses the v1 ``route`` / v2 ``routes`` JSON (U-2, U-3).  :func:`merge` applies U-4
precedence over declarative :class:`~synth.sidecar.components.SubscriptionManifest` items.
:meth:`Subscription.route_for` picks the delivery path with the CEL subset of :mod:`cel`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .cel import CelError, Predicate, compile_match
from .components import SubscriptionManifest

__all__ = [
    "RoutingRule",
    "Subscription",
    "discover",
    "from_manifest",
    "merge",
    "parse_programmatic",
]

log = logging.getLogger("synth.sidecar")


@dataclass(frozen=True)
class RoutingRule:
    match: str
    path: str
    predicate: Predicate = field(compare=False, repr=False)


@dataclass(frozen=True)
class Subscription:
    pubsubname: str
    topic: str
    rules: tuple[RoutingRule, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    dead_letter_topic: str = ""
    type: str = "PROGRAMMATIC"

    def route_for(self, event: dict[str, Any]) -> str | None:
        """The first rule whose match is true (U-3), or ``None`` (U-11)."""
        for rule in self.rules:
            if rule.predicate(event):
                return rule.path
        return None

    def to_metadata_dict(self) -> dict[str, Any]:
        """H-3 / U-16 shape for ``/v1.0/metadata``."""
        item: dict[str, Any] = {"pubsubname": self.pubsubname, "topic": self.topic}
        if self.metadata:
            item["metadata"] = dict(self.metadata)
        if self.rules:
            item["rules"] = [{"match": r.match, "path": r.path} for r in self.rules]
        item["deadLetterTopic"] = self.dead_letter_topic
        item["type"] = self.type
        return item


def _rules(
    rules: Iterable[tuple[str, str]], default: str, route: str, where: str
) -> tuple[RoutingRule, ...] | None:
    built: list[RoutingRule] = []
    try:
        for match, path in rules:
            built.append(RoutingRule(match, path, compile_match(match)))
    except CelError as exc:
        log.error("subscription %s refused: routing rule not supported: %s", where, exc)
        return None
    catch_all = default or route
    if catch_all:
        built.append(RoutingRule("", catch_all, compile_match("")))
    if not built:
        log.warning("subscription %s has no routes and is dropped", where)
        return None
    return tuple(built)


def parse_programmatic(payload: Any) -> list[Subscription]:
    """U-3: the ``/dapr/subscribe`` JSON; raises ``ValueError`` if it is not decodable."""
    if payload is None:
        return []
    if not isinstance(payload, list):
        raise ValueError("expected a JSON array of subscriptions")
    subscriptions: list[Subscription] = []
    for item in payload:
        if not isinstance(item, dict):
            raise ValueError("every subscription must be a JSON object")
        metadata = item.get("metadata") or {}
        if not isinstance(metadata, dict) or any(not isinstance(v, str) for v in metadata.values()):
            raise ValueError("subscription metadata values must be strings")
        pubsub = str(item.get("pubsubname") or "")
        topic = str(item.get("topic") or "")
        routes = item.get("routes") or {}
        if not isinstance(routes, dict):
            raise ValueError("routes must be an object")
        rule_pairs = [
            (str(r.get("match") or ""), str(r.get("path") or "")) for r in routes.get("rules") or []
        ]
        if (item.get("bulkSubscribe") or {}).get("enabled"):
            log.warning(
                "subscription %s/%s asks for bulkSubscribe; the local runtime delivers events "
                "one by one",
                pubsub,
                topic,
            )
        rules = _rules(
            rule_pairs,
            str(routes.get("default") or ""),
            str(item.get("route") or ""),
            f"{pubsub}/{topic}",
        )
        if rules is None:
            continue
        subscriptions.append(
            Subscription(
                pubsub,
                topic,
                rules,
                {str(k): str(v) for k, v in metadata.items()},
                str(item.get("deadLetterTopic") or ""),
                "PROGRAMMATIC",
            )
        )
    return subscriptions


def from_manifest(manifest: SubscriptionManifest) -> Subscription | None:
    """U-13 / U-14: a declarative subscription."""
    rules = _rules(manifest.rules, manifest.default_route, "", manifest.name)
    if rules is None:
        return None
    return Subscription(
        manifest.pubsubname,
        manifest.topic,
        rules,
        dict(manifest.metadata),
        manifest.dead_letter_topic,
        "DECLARATIVE",
    )


def merge(programmatic: list[Subscription], declarative: list[Subscription]) -> list[Subscription]:
    """U-4: programmatic replaces declarative for the same pubsub+topic; first declarative wins."""
    result: dict[tuple[str, str], Subscription] = {}
    for sub in declarative:
        result.setdefault((sub.pubsubname, sub.topic), sub)
    for sub in programmatic:
        result[(sub.pubsubname, sub.topic)] = sub
    return list(result.values())


async def discover(
    client: httpx.AsyncClient, base_url: str, app_id: str, app_token: str | None, attempts: int
) -> list[Subscription]:
    """U-1 / U-2 / H-6: ask the app for its config and its subscriptions."""
    headers = {"Content-Type": "application/json", "dapr-app-id": app_id}
    if app_token:
        headers["dapr-api-token"] = app_token
    try:
        await client.get(f"{base_url}/dapr/config", headers=headers)
    except httpx.HTTPError as exc:
        log.debug("GET /dapr/config failed: %s", exc)
    response: httpx.Response | None = None
    for attempt in range(1, max(attempts, 1) + 1):
        try:
            response = await client.get(f"{base_url}/dapr/subscribe", headers=headers)
            break
        except httpx.HTTPError as exc:
            log.warning("GET /dapr/subscribe attempt %d failed: %s", attempt, exc)
    if response is None:
        return []
    if response.status_code == 404:
        log.debug("app has no /dapr/subscribe endpoint (404)")
        return []
    if response.status_code != 200:
        log.error("error getting topics from app: status %d", response.status_code)
        return []
    if not response.content.strip():
        return []
    try:
        return parse_programmatic(json.loads(response.content))
    except ValueError as exc:
        log.error("error getting topics from app: %s", exc)
        return []
