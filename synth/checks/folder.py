"""A generated service folder as the checks see it: its record, YAML documents and Dockerfile.

A service folder has `synth.yaml` at its root (`spec:` a ServiceSpec dump, `features:` a list).
Every `*.yaml` under `k8s/` and `components/` is parsed once here; a file that does not parse is
kept as a finding rather than stopping the other checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from synth.checks.findings import Finding
from synth.errors import SourceError, SpecError, TargetError
from synth.features.base import DeployPieces, deployment_of
from synth.features.registry import always_on
from synth.manifests import parse_yaml
from synth.spec import FeatureName, ServiceSpec

__all__ = [
    "RECORD_FILE",
    "ServiceFolder",
    "find_service_folders",
    "has_record",
    "load_service_folder",
]

RECORD_FILE = "synth.yaml"
YAML_FOLDERS = ("k8s", "components")


@dataclass(frozen=True)
class ServiceFolder:
    """Everything the checks read from one service folder (paths relative to `root`)."""

    root: Path
    spec: ServiceSpec
    features: frozenset[FeatureName]
    documents: dict[str, list[CommentedMap]] = field(default_factory=dict)
    unreadable: tuple[Finding, ...] = ()

    def docs_of_kind(self, kind: str) -> list[tuple[str, CommentedMap]]:
        """Every (path, document) of `kind`, in path order."""
        return [
            (path, doc)
            for path, docs in sorted(self.documents.items())
            for doc in docs
            if doc.get("kind") == kind
        ]

    @property
    def deploy(self) -> DeployPieces:
        """What the service's features deploy (components, env, topics...), as synth would."""
        return _deployment(self.spec, self.features)

    def text(self, relative: str) -> str | None:
        """A file's text, or None when it is missing."""
        path = self.root / relative
        return path.read_text(encoding="utf-8") if path.is_file() else None


def has_record(path: Path) -> bool:
    """True when `path` is a service folder (holds synth.yaml)."""
    return (path / RECORD_FILE).is_file()


def find_service_folders(path: Path) -> list[Path]:
    """`path` itself when it is a service, else its immediate sub-folders that are services."""
    if not path.is_dir():
        raise TargetError(f"{path}: no such folder; give a service folder or one holding services")
    if has_record(path):
        return [path]
    services = sorted(child for child in path.iterdir() if child.is_dir() and has_record(child))
    if not services:
        raise TargetError(f"{path}: no synth service here (no {RECORD_FILE} in it or below it)")
    return services


def _load_record(root: Path) -> tuple[ServiceSpec, frozenset[FeatureName]]:
    record = root / RECORD_FILE
    try:
        data = YAML(typ="safe", pure=True).load(record.read_text(encoding="utf-8"))
        spec = ServiceSpec.model_validate(data["spec"])
        listed = data.get("features") or [f.value for f in spec.features]
        features = frozenset(FeatureName(f) for f in listed)
    except (OSError, YAMLError, KeyError, TypeError, ValueError, ValidationError) as exc:
        raise SpecError(f"{record}: malformed synth record ({exc}); restore it from git") from exc
    return spec, features | always_on()


@lru_cache(maxsize=64)
def _deployment(spec: ServiceSpec, features: frozenset[FeatureName]) -> DeployPieces:
    return deployment_of(spec, features)


def load_service_folder(root: Path) -> ServiceFolder:
    """Read the record and every YAML document of the service at `root`."""
    spec, features = _load_record(root)
    documents: dict[str, list[CommentedMap]] = {}
    unreadable: list[Finding] = []
    for folder in YAML_FOLDERS:
        for path in sorted((root / folder).rglob("*.y*ml")):
            relative = path.relative_to(root).as_posix()
            try:
                documents[relative] = parse_yaml(path.read_text(encoding="utf-8"), relative)
            except SourceError as exc:
                unreadable.append(Finding(relative, "YAML does not parse", str(exc)))
    return ServiceFolder(root, spec, features, documents, tuple(unreadable))
