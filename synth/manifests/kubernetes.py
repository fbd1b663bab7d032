"""The service's Kubernetes base documents: Deployment, Service, HPA, ConfigMap, SA and PDB.

The Deployment's pod template carries the Dapr sidecar annotations (contract section 7; every
value a string) and a hardened app container:

    spec.template.metadata.annotations:
      dapr.io/enabled: 'true'   dapr.io/app-id: triage   dapr.io/app-port: '8001'  ...
    containers: [{name: triage, image: learnflow/triage:0.1.0, imagePullPolicy: Always,
                  ports: [{name: http, containerPort: 8001}],
                  envFrom: [{configMapRef: {name: triage-env}}], securityContext: {...}}]

Every document names the apps' namespace. The pod mounts no ServiceAccount token, so daprd's
built-in Kubernetes secret store (which needs one, and whose init failure stops daprd: dapr/dapr
`pkg/runtime/components.go` appendBuiltinSecretStore) is turned off with
`dapr.io/disable-builtin-k8s-secret-store` (`pkg/injector/annotations/annotations.go`);
Component secrets are still resolved, by the operator. There is no `spec.replicas`: the HPA owns
the replica count, and a value in the manifest would reset it on every apply.

checkov findings that do not fit are skipped where checkov reads skips, the Deployment's
`checkov.io/skip<N>` annotations, each with its reason (see `SKIPS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ruamel.yaml.comments import CommentedMap

from synth.features.base import EnvVar
from synth.manifests.cluster import APP_NAMESPACE
from synth.manifests.docker import APP_GID, APP_UID
from synth.manifests.yaml_docs import build_map, build_seq
from synth.spec import ServiceSpec

__all__ = [
    "APP_PROTOCOL",
    "HEALTH_PATH",
    "IMAGE_REGISTRY",
    "IMAGE_VERSION",
    "NAME_LABEL",
    "PART_OF_LABEL",
    "PLATFORM",
    "READY_PATH",
    "build_configmap",
    "build_dapr_annotations",
    "build_deployment",
    "build_hpa",
    "build_pdb",
    "build_service",
    "build_service_account",
    "configmap_name",
    "checkov_skips",
    "dapr_config_name",
    "image_name",
    "metadata_of",
]

NAME_LABEL = "app.kubernetes.io/name"
PART_OF_LABEL = "app.kubernetes.io/part-of"
PLATFORM = "learnflow"
HEALTH_PATH = "/health"
READY_PATH = "/ready"
APP_PROTOCOL = "http"
IMAGE_REGISTRY = "learnflow"
IMAGE_VERSION = "0.1.0"
SKIP_ANNOTATION = "checkov.io/skip-{check}"
DIGEST_SKIP = (
    "CKV_K8S_43",
    "the digest exists only once CI has pushed the image; pin it in the overlay's images: entry",
)
SECRET_ENV_CHECK = "CKV_K8S_35"


def image_name(spec: ServiceSpec) -> str:
    """The image repository of the service (the overlays set the tag)."""
    return f"{IMAGE_REGISTRY}/{spec.name}"


def checkov_skips(skips: list[tuple[str, str]]) -> CommentedMap:
    """`checkov.io/skip-ckv-k8s-43: CKV_K8S_43=reason`, ...: checkov reads every annotation whose
    key starts with `checkov.io/skip` as `ID=reason` (checkov `kubernetes/kubernetes_utils.py`
    SKIP_ANNOTATION_PREFIXES); one key per check, so an overlay's skips add to the base's."""
    return build_map(
        *(
            (SKIP_ANNOTATION.format(check=check.lower().replace("_", "-")), f"{check}={why}")
            for check, why in skips
        )
    )


def configmap_name(spec: ServiceSpec) -> str:
    """The ConfigMap holding the service's non-secret settings."""
    return f"{spec.name}-env"


def dapr_config_name(spec: ServiceSpec) -> str:
    """The Dapr Configuration the sidecar loads (`dapr.io/config`)."""
    return f"{spec.name}-config"


def _labels(spec: ServiceSpec) -> CommentedMap:
    return build_map((NAME_LABEL, spec.name), (PART_OF_LABEL, PLATFORM))


def metadata_of(spec: ServiceSpec, name: str | None = None) -> CommentedMap:
    """`name`, the apps' namespace and the service's labels."""
    return build_map(
        ("name", name or spec.name), ("namespace", APP_NAMESPACE), ("labels", _labels(spec))
    )


def build_dapr_annotations(spec: ServiceSpec) -> CommentedMap:
    """The pod-template annotations that make Dapr inject and configure the sidecar."""
    return build_map(
        ("dapr.io/enabled", "true"),
        ("dapr.io/app-id", spec.name),
        ("dapr.io/app-port", str(spec.port)),
        ("dapr.io/app-protocol", APP_PROTOCOL),
        ("dapr.io/config", dapr_config_name(spec)),
        ("dapr.io/disable-builtin-k8s-secret-store", "true"),
        ("dapr.io/log-as-json", "true"),
        ("dapr.io/enable-app-health-check", "true"),
        ("dapr.io/app-health-check-path", HEALTH_PATH),
        ("dapr.io/sidecar-cpu-request", "50m"),
        ("dapr.io/sidecar-cpu-limit", "300m"),
        ("dapr.io/sidecar-memory-request", "64Mi"),
        ("dapr.io/sidecar-memory-limit", "256Mi"),
    )


def _probe(spec: ServiceSpec, path: str, period: int, failures: int) -> CommentedMap:
    return build_map(
        ("httpGet", {"path": path, "port": spec.port}),
        ("periodSeconds", period),
        ("timeoutSeconds", 2),
        ("failureThreshold", failures),
    )


def _container(spec: ServiceSpec, secrets: Sequence[EnvVar]) -> CommentedMap:
    container = build_map(
        ("name", spec.name),
        ("image", f"{image_name(spec)}:{IMAGE_VERSION}"),
        ("imagePullPolicy", "Always"),
        ("ports", [{"name": "http", "containerPort": spec.port, "protocol": "TCP"}]),
        ("envFrom", [{"configMapRef": {"name": configmap_name(spec)}}]),
    )
    refs = [(v.name, v.secret_ref) for v in secrets if v.secret_ref is not None]
    if refs:
        container["env"] = build_seq(
            {
                "name": name,
                "valueFrom": {
                    "secretKeyRef": {"name": ref.secret, "key": ref.key, "optional": ref.optional}
                },
            }
            for name, ref in refs
        )
    container["resources"] = build_map(
        ("requests", {"cpu": "100m", "memory": "128Mi"}),
        ("limits", {"cpu": "500m", "memory": "512Mi"}),
    )
    container["startupProbe"] = _probe(spec, HEALTH_PATH, period=2, failures=30)
    container["livenessProbe"] = _probe(spec, HEALTH_PATH, period=10, failures=3)
    container["readinessProbe"] = _probe(spec, READY_PATH, period=5, failures=3)
    container["securityContext"] = build_map(
        ("runAsNonRoot", True),
        ("runAsUser", APP_UID),
        ("runAsGroup", APP_GID),
        ("readOnlyRootFilesystem", True),
        ("allowPrivilegeEscalation", False),
        ("capabilities", {"drop": ["ALL"]}),
        ("seccompProfile", {"type": "RuntimeDefault"}),
    )
    container["volumeMounts"] = build_seq([{"name": "tmp", "mountPath": "/tmp"}])
    return container


def build_deployment(spec: ServiceSpec, secrets: Sequence[EnvVar] = ()) -> CommentedMap:
    """The Deployment: one app container (`secrets`: the variables set from Secrets), the
    sidecar annotations on the pod template."""
    pod_spec = build_map(
        ("serviceAccountName", spec.name),
        ("automountServiceAccountToken", False),
        (
            "securityContext",
            {
                "runAsNonRoot": True,
                "runAsUser": APP_UID,
                "runAsGroup": APP_GID,
                "fsGroup": APP_GID,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
        ),
        ("terminationGracePeriodSeconds", 30),
        ("containers", [_container(spec, secrets)]),
        ("volumes", [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]),
    )
    template = build_map(
        ("metadata", {"labels": _labels(spec), "annotations": build_dapr_annotations(spec)}),
        ("spec", pod_spec),
    )
    metadata = metadata_of(spec)
    skips = [DIGEST_SKIP]
    reasons = [v.secret_ref.reason for v in secrets if v.secret_ref and v.secret_ref.reason]
    if reasons:
        skips.append((SECRET_ENV_CHECK, "; ".join(reasons)))
    metadata["annotations"] = checkov_skips(skips)
    return build_map(
        ("apiVersion", "apps/v1"),
        ("kind", "Deployment"),
        ("metadata", metadata),
        (
            "spec",
            build_map(
                ("revisionHistoryLimit", 5),
                ("selector", {"matchLabels": {NAME_LABEL: spec.name}}),
                ("template", template),
            ),
        ),
    )


def build_service(spec: ServiceSpec) -> CommentedMap:
    """The ClusterIP Service in front of the app port."""
    return build_map(
        ("apiVersion", "v1"),
        ("kind", "Service"),
        ("metadata", metadata_of(spec)),
        (
            "spec",
            {
                "type": "ClusterIP",
                "selector": {NAME_LABEL: spec.name},
                "ports": [
                    {"name": "http", "port": spec.port, "targetPort": "http", "protocol": "TCP"}
                ],
            },
        ),
    )


def build_hpa(spec: ServiceSpec, min_replicas: int, max_replicas: int) -> CommentedMap:
    """A CPU-based HorizontalPodAutoscaler (autoscaling/v2), the only owner of the replicas."""
    return build_map(
        ("apiVersion", "autoscaling/v2"),
        ("kind", "HorizontalPodAutoscaler"),
        ("metadata", metadata_of(spec)),
        (
            "spec",
            {
                "scaleTargetRef": {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": spec.name,
                },
                "minReplicas": min_replicas,
                "maxReplicas": max_replicas,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70},
                        },
                    }
                ],
            },
        ),
    )


def build_configmap(spec: ServiceSpec, env: Mapping[str, str]) -> CommentedMap:
    """The ConfigMap with every non-secret setting the app reads (`env`: names and values)."""
    return build_map(
        ("apiVersion", "v1"),
        ("kind", "ConfigMap"),
        ("metadata", metadata_of(spec, configmap_name(spec))),
        ("data", dict(env)),
    )


def build_service_account(spec: ServiceSpec) -> CommentedMap:
    """The pod's own ServiceAccount (no API token mounted)."""
    return build_map(
        ("apiVersion", "v1"),
        ("kind", "ServiceAccount"),
        ("metadata", metadata_of(spec)),
        ("automountServiceAccountToken", False),
    )


def build_pdb(spec: ServiceSpec) -> CommentedMap:
    """A PodDisruptionBudget that lets one pod go at a time (never blocks a drain)."""
    return build_map(
        ("apiVersion", "policy/v1"),
        ("kind", "PodDisruptionBudget"),
        ("metadata", metadata_of(spec)),
        ("spec", {"maxUnavailable": 1, "selector": {"matchLabels": {NAME_LABEL: spec.name}}}),
    )
