"""The components a service's sidecar loads: pointed at `--redis-url`, or at a local Kafka.

Generated local components name their own Redis (`redisHost: localhost:6379`).  With
`--redis-url`, `synth dev` copies `components/local/` to a staging folder and points every
`state.redis` / `pubsub.redis` component at that URL (`redisHost`, `redisDB`, `redisPassword`,
`redisUsername`, `enableTLS`).  With `--broker kafka` the local pub/sub component is replaced by
the service's *production* `pubsub.kafka` component (`components/prod/`), with only what a
local broker needs changed: `brokers` is the local one, `authType` is `none` (the SASL items
and the secret store go), and `initialOffset` is `oldest` unless the component sets it -- in a
fresh local broker every group joins for the first time, possibly after others published
(production groups exist already).  Everything else (`consumerGroup: {appID}`, ...) is the
production metadata.  The service's own files are never touched.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ruamel.yaml import YAML

from synth.errors import TargetError

__all__ = ["kafka_component", "redis_metadata", "stage_resources"]


def redis_metadata(redis_url: str) -> dict[str, str]:
    """Component metadata (contract C-10 / C-11 names) for a `redis://` / `rediss://` URL."""
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise TargetError(f"{redis_url}: not a redis:// URL; use redis://HOST:PORT/DB")
    db = parts.path.strip("/") or "0"
    if not db.isdigit():
        raise TargetError(f"{redis_url}: the database must be a number, as in redis://h:6379/0")
    meta = {"redisHost": f"{parts.hostname}:{parts.port or 6379}", "redisDB": db}
    if parts.password:
        meta["redisPassword"] = parts.password
    if parts.username:
        meta["redisUsername"] = parts.username
    if parts.scheme == "rediss":
        meta["enableTLS"] = "true"
    return meta


def _point_at(doc: Any, meta: dict[str, str]) -> None:
    spec = doc.get("spec") if isinstance(doc, dict) else None
    if doc.get("kind") != "Component" or not isinstance(spec, dict):
        return
    if not str(spec.get("type", "")).endswith(".redis"):
        return
    items = [i for i in spec.get("metadata") or [] if i.get("name") not in meta]
    items.extend({"name": name, "value": value} for name, value in meta.items())
    spec["metadata"] = items


_CREDENTIALS = {
    "brokers",
    "authtype",
    "saslusername",
    "saslpassword",
    "saslmechanism",
    "cacert",
    "clientcert",
    "clientkey",
    "skipverify",
    "disabletls",
}


def kafka_component(prod: Path, brokers: str) -> dict[str, Any] | None:
    """The first `pubsub.kafka` Component in folder `prod`, made local (see the module doc)."""
    yaml = YAML(typ="safe", pure=True)
    for path in sorted(prod.glob("*.y*ml")) if prod.is_dir() else []:
        for doc in yaml.load_all(path.read_text(encoding="utf-8")):
            spec = doc.get("spec") if isinstance(doc, dict) else None
            if doc.get("kind") != "Component" or not isinstance(spec, dict):
                continue
            if spec.get("type") != "pubsub.kafka":
                continue
            kept = [
                i
                for i in spec.get("metadata") or []
                if str(i.get("name", "")).lower() not in _CREDENTIALS and "secretKeyRef" not in i
            ]
            items = [{"name": "brokers", "value": brokers}, {"name": "authType", "value": "none"}]
            items.extend(kept)
            if "initialoffset" not in {str(i.get("name", "")).lower() for i in kept}:
                items.append({"name": "initialOffset", "value": "oldest"})
            local = {k: v for k, v in doc.items() if k != "auth"}
            local["spec"] = {**spec, "metadata": items}
            return local
    return None


def _name(doc: Any) -> str:
    return str(((doc.get("metadata") or {}) if isinstance(doc, dict) else {}).get("name") or "")


def stage_resources(
    source: Path,
    target: Path,
    redis_url: str | None,
    kafka: dict[str, Any] | None = None,
) -> Path:
    """Copy the manifests of `source` into `target`: Redis components pointed at `redis_url`,
    and the pub/sub component of `kafka`'s name replaced by `kafka` (a `pubsub.kafka` one)."""
    meta = redis_metadata(redis_url) if redis_url is not None else None
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.y*ml")):
        docs = [d for d in yaml.load_all(path.read_text(encoding="utf-8")) if d is not None]
        if kafka is not None:
            docs = [
                kafka if d.get("kind") == "Component" and _name(d) == _name(kafka) else d
                for d in docs
            ]
        if meta is not None:
            for doc in docs:
                _point_at(doc, meta)
        buffer = io.StringIO()
        yaml.dump_all(docs, buffer)
        (target / path.name).write_text(buffer.getvalue(), encoding="utf-8")
    return target
