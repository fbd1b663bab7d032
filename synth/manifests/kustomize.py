"""Kustomize documents: the base kustomization and the `local` and `prod` overlays.

Each overlay is a kustomization over `../../base` plus strategic-merge patch files (partial
documents built here like any other), e.g. `k8s/overlays/prod/deployment-patch.yaml`:

    kind: Deployment  metadata: {name: triage}
    spec: {replicas: 2, template: {spec: {containers: [{name: triage, resources: {...}}]}}}
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.comments import CommentedMap

from synth.manifests.environment import LOG_LEVEL
from synth.manifests.kubernetes import configmap_name
from synth.manifests.yaml_docs import build_map
from synth.spec import ServiceSpec

__all__ = [
    "BASE_FILES",
    "KUSTOMIZE_API",
    "Overlay",
    "build_base_kustomization",
    "build_overlay_files",
    "build_overlays",
]

KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"
BASE_FILES = (
    "serviceaccount.yaml",
    "configmap.yaml",
    "deployment.yaml",
    "service.yaml",
    "hpa.yaml",
    "pdb.yaml",
)


@dataclass(frozen=True)
class Overlay:
    """What differs between environments."""

    name: str
    image_name: str | None
    image_tag: str
    replicas: int
    min_replicas: int
    max_replicas: int
    requests: tuple[tuple[str, str], ...]
    limits: tuple[tuple[str, str], ...]
    log_level: str | None = None


def build_overlays(spec: ServiceSpec) -> tuple[Overlay, ...]:
    """The two environments every service is deployed to."""
    return (
        Overlay(
            name="local",
            image_name=None,
            image_tag="dev",
            replicas=1,
            min_replicas=1,
            max_replicas=2,
            requests=(("cpu", "50m"), ("memory", "96Mi")),
            limits=(("cpu", "500m"), ("memory", "256Mi")),
            log_level="DEBUG",
        ),
        Overlay(
            name="prod",
            image_name=f"learnflow/{spec.name}",
            image_tag="0.1.0",
            replicas=2,
            min_replicas=2,
            max_replicas=10,
            requests=(("cpu", "250m"), ("memory", "256Mi")),
            limits=(("cpu", "1"), ("memory", "1Gi")),
        ),
    )


def build_base_kustomization() -> CommentedMap:
    """`k8s/base/kustomization.yaml`: every base document, in apply order."""
    return build_map(
        ("apiVersion", KUSTOMIZE_API),
        ("kind", "Kustomization"),
        ("resources", list(BASE_FILES)),
    )


def _patch(api: str, kind: str, name: str, body: tuple[tuple[str, object], ...]) -> CommentedMap:
    return build_map(("apiVersion", api), ("kind", kind), ("metadata", {"name": name}), *body)


def build_overlay_files(spec: ServiceSpec, overlay: Overlay) -> dict[str, list[CommentedMap]]:
    """The overlay's kustomization and patch documents, by file name."""
    container = {
        "name": spec.name,
        "resources": {"requests": dict(overlay.requests), "limits": dict(overlay.limits)},
    }
    patches: dict[str, CommentedMap] = {
        "deployment-patch.yaml": _patch(
            "apps/v1",
            "Deployment",
            spec.name,
            (
                (
                    "spec",
                    {
                        "replicas": overlay.replicas,
                        "template": {"spec": {"containers": [container]}},
                    },
                ),
            ),
        ),
        "hpa-patch.yaml": _patch(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            spec.name,
            (
                (
                    "spec",
                    {"minReplicas": overlay.min_replicas, "maxReplicas": overlay.max_replicas},
                ),
            ),
        ),
    }
    if overlay.log_level:
        patches["configmap-patch.yaml"] = _patch(
            "v1", "ConfigMap", configmap_name(spec), (("data", {LOG_LEVEL: overlay.log_level}),)
        )
    image = build_map(("name", spec.name))
    if overlay.image_name:
        image["newName"] = overlay.image_name
    image["newTag"] = overlay.image_tag
    kustomization = build_map(
        ("apiVersion", KUSTOMIZE_API),
        ("kind", "Kustomization"),
        ("resources", ["../../base"]),
        ("images", [image]),
        ("patches", [{"path": name} for name in patches]),
    )
    files = {"kustomization.yaml": [kustomization]}
    files.update({name: [doc] for name, doc in patches.items()})
    return files
