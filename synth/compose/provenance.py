"""`synth.yaml`: the record inside every service of how synth generated it.

It holds the synth version, the features, and the spec, so `synth add-feature` can grow the
service from the same model that created it (and `synth check` can compare code to spec).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

import synth
from synth.errors import SpecError, TargetError
from synth.spec import FeatureName, ServiceSpec

__all__ = ["RECORD_FILE", "ServiceRecord", "content_hash", "load_record", "render_record"]

RECORD_FILE = "synth.yaml"


class ServiceRecord:
    """What a service's synth.yaml says: the spec, the features, and what synth generated.

    `files` maps each generated file to a short hash of the content synth generated (the
    texts themselves are the base in `.synth/base.json`, checked against these hashes);
    `version` is the synth that generated them.
    """

    def __init__(
        self,
        spec: ServiceSpec,
        features: tuple[FeatureName, ...],
        files: dict[str, str] | None = None,
        version: str = "",
    ) -> None:
        self.spec = spec
        self.features = features
        self.files = files or {}
        self.version = version


def content_hash(text: str) -> str:
    """A short, stable hash of a file's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def render_record(
    spec: ServiceSpec,
    features: tuple[FeatureName, ...],
    files: dict[str, str],
) -> str:
    """The text of synth.yaml (deterministic)."""
    data: dict[str, Any] = {
        "synth_version": synth.__version__,
        "features": [f.value for f in features],
        "spec": spec.model_dump(mode="json", exclude_defaults=True),
        "files": dict(sorted(files.items())),
    }
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    buffer = io.StringIO()
    buffer.write(
        "# Written by synth: how this service was generated (spec, features, and hashes of what\n"
        "# synth wrote; the texts are in .synth/base.json, the base of every three-way merge).\n"
    )
    yaml.dump(data, buffer)
    return buffer.getvalue()


def load_record(service_dir: Path) -> ServiceRecord:
    """Read a service's synth.yaml; a folder without one is not a synth service."""
    path = service_dir / RECORD_FILE
    if not path.is_file():
        raise TargetError(
            f"{service_dir}: not a synth service (no {RECORD_FILE}); "
            "create one with `synth new`, or give the service's folder"
        )
    try:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        spec = ServiceSpec.model_validate(data["spec"])
        features = tuple(FeatureName(f) for f in data.get("features", []))
        files = {str(k): str(v) for k, v in (data.get("files") or {}).items()}
        version = str(data.get("synth_version", ""))
    except (YAMLError, KeyError, TypeError, ValueError, ValidationError) as exc:
        raise SpecError(f"{path}: malformed synth record ({exc}); restore it from git") from exc
    return ServiceRecord(spec, features, files, version)
