"""Loading Dapr resource manifests from the resources folder(s) (C-1, C-3, C-5, U-13..U-15).

Reads every ``*.yaml`` / ``*.yml`` file (multi-document allowed) and keeps ``Component`` and
``Subscription`` manifests, skipping those whose ``scopes`` exclude the app id (U-15).
Metadata values support ``value`` (templated with ``{appID}``, ``{uuid}``, ``{namespace}``, C-3)
and ``envRef``.  ``secretKeyRef`` is **out of scope** for the local runtime: such an item is
ignored with a warning (put e.g. a Redis password in ``value`` or in the redis URL instead).
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

__all__ = [
    "Component",
    "ManifestError",
    "Resources",
    "SubscriptionManifest",
    "load_resources",
]

log = logging.getLogger("synth.sidecar")


class ManifestError(ValueError):
    """A resource manifest is malformed (C-1) or duplicated (U-15)."""


@dataclass(frozen=True)
class Component:
    """A ``kind: Component`` manifest reduced to what the local runtime uses."""

    name: str
    type: str
    version: str = "v1"
    metadata: dict[str, str] = field(default_factory=dict)
    scopes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """``state`` or ``pubsub`` (the building block, before the first dot)."""
        return self.type.split(".", 1)[0]

    def meta(self, name: str, default: str | None = None) -> str | None:
        """Metadata value by case-insensitive name."""
        lowered = name.lower()
        for key, value in self.metadata.items():
            if key.lower() == lowered:
                return value
        return default


@dataclass(frozen=True)
class SubscriptionManifest:
    """A declarative ``kind: Subscription`` (v1alpha1 or v2alpha1), normalised to v2 routes."""

    name: str
    pubsubname: str
    topic: str
    rules: tuple[tuple[str, str], ...]
    default_route: str
    metadata: dict[str, str] = field(default_factory=dict)
    dead_letter_topic: str = ""
    scopes: tuple[str, ...] = ()


@dataclass
class Resources:
    components: list[Component] = field(default_factory=list)
    subscriptions: list[SubscriptionManifest] = field(default_factory=list)


def _in_scope(doc: dict[str, Any], app_id: str) -> bool:
    scopes = doc.get("scopes") or []
    return not scopes or app_id in [str(s) for s in scopes]


def _template(value: str, app_id: str) -> str:
    namespace = os.environ.get("NAMESPACE", "")
    while "{uuid}" in value:
        value = value.replace("{uuid}", str(uuid.uuid4()), 1)
    value = value.replace("{appID}", app_id)
    if "{namespace}" in value:
        value = value.replace("{namespace}", f"{namespace}.{app_id}")
    return value


def _metadata_items(items: Any, name: str, app_id: str) -> dict[str, str]:
    if items is None:
        raise ManifestError(f"component {name}: spec.metadata is required (may be [])")
    if not isinstance(items, list):
        raise ManifestError(f"component {name}: spec.metadata must be a list")
    result: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict) or "name" not in item:
            raise ManifestError(f"component {name}: every metadata item needs a name")
        key = str(item["name"])
        if "value" in item:
            raw = item["value"]
            if isinstance(raw, bool):
                text = "true" if raw else "false"
            elif isinstance(raw, str):
                text = raw
            else:
                text = str(raw)
            result[key] = _template(text, app_id)
        elif "envRef" in item:
            result[key] = os.environ.get(str(item["envRef"]), "")
        elif "secretKeyRef" in item:
            log.warning(
                "component %s: metadata %s uses secretKeyRef, which the local runtime does not "
                "resolve; it is ignored",
                name,
                key,
            )
        else:
            result[key] = ""
    return result


def _component(doc: dict[str, Any], app_id: str) -> Component:
    meta = doc.get("metadata") or {}
    name = str(meta.get("name") or "")
    spec = doc.get("spec")
    if not name or not isinstance(spec, dict) or not spec.get("type"):
        raise ManifestError(f"component {name or '?'}: metadata.name and spec.type are required")
    return Component(
        name=name,
        type=str(spec["type"]),
        version=str(spec.get("version") or "v1"),
        metadata=_metadata_items(spec.get("metadata"), name, app_id),
        scopes=tuple(str(s) for s in doc.get("scopes") or []),
    )


def _subscription(doc: dict[str, Any]) -> SubscriptionManifest:
    meta = doc.get("metadata") or {}
    name = str(meta.get("name") or "")
    spec = doc.get("spec") or {}
    pubsub = str(spec.get("pubsubname") or "")
    topic = str(spec.get("topic") or "")
    if not name or not pubsub or not topic:
        raise ManifestError(f"subscription {name or '?'}: name, pubsubname and topic required")
    rules: list[tuple[str, str]] = []
    default_route = ""
    api_version = str(doc.get("apiVersion") or "")
    if api_version.endswith("v1alpha1"):
        default_route = str(spec.get("route") or "")  # U-14
    else:
        routes = spec.get("routes") or {}  # U-13
        for rule in routes.get("rules") or []:
            rules.append((str(rule.get("match") or ""), str(rule.get("path") or "")))
        default_route = str(routes.get("default") or "")
    return SubscriptionManifest(
        name=name,
        pubsubname=pubsub,
        topic=topic,
        rules=tuple(rules),
        default_route=default_route,
        metadata={str(k): str(v) for k, v in (spec.get("metadata") or {}).items()},
        dead_letter_topic=str(spec.get("deadLetterTopic") or ""),
        scopes=tuple(str(s) for s in doc.get("scopes") or []),
    )


def _files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
    return files


def load_resources(paths: tuple[Path, ...], app_id: str) -> Resources:
    """Load components and subscriptions visible to ``app_id`` (C-5 / U-15 scopes)."""
    yaml = YAML(typ="safe")
    resources = Resources()
    seen: dict[tuple[str, str], Path] = {}
    for path in _files(paths):
        for doc in yaml.load_all(path.read_text(encoding="utf-8")):
            if not isinstance(doc, dict):
                continue
            kind = doc.get("kind")
            if kind not in ("Component", "Subscription") or not _in_scope(doc, app_id):
                continue
            name = str((doc.get("metadata") or {}).get("name") or "")
            if (kind, name) in seen:
                raise ManifestError(
                    f"duplicate {kind} {name!r} in {path} (already in {seen[(kind, name)]})"
                )
            seen[(kind, name)] = path
            if kind == "Component":
                resources.components.append(_component(doc, app_id))
            else:
                resources.subscriptions.append(_subscription(doc))
    return resources
