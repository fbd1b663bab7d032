"""The components a service's sidecar loads, pointed at `--redis-url` when one is given.

Generated local components name their own Redis (`redisHost: localhost:6379`).  With
`--redis-url`, `synth dev` copies `components/local/` to a staging folder and points every
`state.redis` / `pubsub.redis` component at that URL (`redisHost`, `redisDB`, `redisPassword`,
`redisUsername`, `enableTLS`); the service's own files are never touched.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ruamel.yaml import YAML

from synth.errors import TargetError

__all__ = ["redis_metadata", "stage_resources"]


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


def stage_resources(source: Path, target: Path, redis_url: str) -> Path:
    """Copy the manifests of `source` into `target`, Redis components pointed at `redis_url`."""
    meta = redis_metadata(redis_url)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.y*ml")):
        docs = [d for d in yaml.load_all(path.read_text(encoding="utf-8")) if d is not None]
        for doc in docs:
            _point_at(doc, meta)
        buffer = io.StringIO()
        yaml.dump_all(docs, buffer)
        (target / path.name).write_text(buffer.getvalue(), encoding="utf-8")
    return target
