"""Kustomize documents: the base kustomization and the `local` and `prod` overlays.

The base holds everything one service needs in the cluster beside the shared components: its
workload documents, its NetworkPolicy and the Dapr Configuration and Resiliency its sidecar
loads, so `kubectl apply -k k8s/overlays/prod` deploys the service alone. Each overlay is a
kustomization over `../../base` plus strategic-merge patch files (partial documents built here
like any other), e.g. `k8s/overlays/prod/deployment-patch.yaml`:

    kind: Deployment  metadata: {name: triage}
    spec: {template: {spec: {containers: [{name: triage, resources: {...}}]}}}

Replica counts belong to the HPA alone (min/max per overlay); `PROD_MAX_REPLICAS` is also the
partition count of the topics (a consumer group member beyond the partition count sits idle).
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.comments import CommentedMap

from synth.manifests.cluster import APP_NAMESPACE
from synth.manifests.environment import LOG_LEVEL
from synth.manifests.kubernetes import checkov_skips, configmap_name, image_name
from synth.manifests.yaml_docs import build_map
from synth.spec import ServiceSpec

__all__ = [
    "BASE_FILES",
    "DAPR_FILES",
    "KUSTOMIZE_API",
    "PROD_MAX_REPLICAS",
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
    "networkpolicy.yaml",
)
DAPR_FILES = ("dapr-configuration.yaml", "dapr-resiliency.yaml")
PROD_MAX_REPLICAS = 6
LOCAL_PULL_SKIP = (
    "CKV_K8S_15",
    "the local overlay runs an image built and loaded into the local cluster (kind, minikube), "
    "never pushed, so it must not be pulled",
)


@dataclass(frozen=True)
class Overlay:
    """What differs between environments."""

    name: str
    image_name: str
    image_tag: str
    min_replicas: int
    max_replicas: int
    requests: tuple[tuple[str, str], ...]
    limits: tuple[tuple[str, str], ...]
    log_level: str | None = None
    pull_policy: str | None = None


def build_overlays(spec: ServiceSpec) -> tuple[Overlay, ...]:
    """The two environments every service is deployed to."""
    return (
        Overlay(
            name="local",
            image_name=spec.name,
            image_tag="dev",
            min_replicas=1,
            max_replicas=2,
            requests=(("cpu", "50m"), ("memory", "96Mi")),
            limits=(("cpu", "500m"), ("memory", "256Mi")),
            log_level="DEBUG",
            pull_policy="IfNotPresent",
        ),
        Overlay(
            name="prod",
            image_name=image_name(spec),
            image_tag="0.1.0",
            min_replicas=2,
            max_replicas=PROD_MAX_REPLICAS,
            requests=(("cpu", "250m"), ("memory", "256Mi")),
            limits=(("cpu", "1"), ("memory", "1Gi")),
        ),
    )


def build_base_kustomization(dapr_files: tuple[str, ...]) -> CommentedMap:
    """`k8s/base/kustomization.yaml`: every base document, in apply order."""
    return build_map(
        ("apiVersion", KUSTOMIZE_API),
        ("kind", "Kustomization"),
        ("resources", [*BASE_FILES, *dapr_files]),
    )


def _patch(api: str, kind: str, name: str, body: tuple[tuple[str, object], ...]) -> CommentedMap:
    # a patch names the namespace too: kustomize matches it by kind, name and namespace
    metadata = {"name": name, "namespace": APP_NAMESPACE}
    return build_map(("apiVersion", api), ("kind", kind), ("metadata", metadata), *body)


def build_overlay_files(spec: ServiceSpec, overlay: Overlay) -> dict[str, list[CommentedMap]]:
    """The overlay's kustomization and patch documents, by file name."""
    container = build_map(("name", spec.name))
    if overlay.pull_policy:
        container["imagePullPolicy"] = overlay.pull_policy
    container["resources"] = {"requests": dict(overlay.requests), "limits": dict(overlay.limits)}
    deployment = _patch(
        "apps/v1",
        "Deployment",
        spec.name,
        (("spec", {"template": {"spec": {"containers": [container]}}}),),
    )
    if overlay.pull_policy:
        deployment["metadata"]["annotations"] = checkov_skips([LOCAL_PULL_SKIP])
    patches: dict[str, CommentedMap] = {
        "deployment-patch.yaml": deployment,
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
    image = build_map(("name", image_name(spec)))
    if overlay.image_name != image_name(spec):
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
