"""`build_deploy_files`: every deploy artifact of one service, from its spec and feature set.

Dockerfile, .dockerignore
k8s/base/{kustomization,serviceaccount,configmap,deployment,service,hpa,pdb,networkpolicy}.yaml
k8s/base/dapr-{configuration,resiliency}.yaml       (what this service's sidecar loads)
k8s/overlays/{local,prod}/{kustomization,deployment-patch,hpa-patch,...}.yaml
components/local/{statestore,pubsub}.yaml          (per feature)
components/prod/{statestore,pubsub,kafka-user}.yaml (per feature)

The shared Components are not part of the service's kustomization: in a platform they come from
the platform's `k8s/components/` (scoped to every app that uses them), the one copy that is
applied; `components/prod/` holds the same documents scoped to this service alone, for a service
deployed without its platform.
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap

from synth.manifests.components import (
    build_local_pubsub,
    build_local_state_store,
    build_prod_pubsub,
    build_prod_state_store,
)
from synth.manifests.dapr_config import build_dapr_configuration, build_resiliency
from synth.manifests.docker import build_dockerfile, render_dockerfile, render_dockerignore
from synth.manifests.files import DeployFiles
from synth.manifests.kafka_users import build_kafka_user
from synth.manifests.kubernetes import (
    build_configmap,
    build_deployment,
    build_hpa,
    build_pdb,
    build_service,
    build_service_account,
)
from synth.manifests.kustomize import (
    DAPR_FILES,
    build_base_kustomization,
    build_overlay_files,
    build_overlays,
)
from synth.manifests.network import build_network_policy
from synth.spec import FeatureName, ServiceSpec

__all__ = ["ALWAYS_FEATURES", "build_deploy_files"]

ALWAYS_FEATURES = frozenset({FeatureName.APP, FeatureName.HEALTH})


def _base(spec: ServiceSpec, features: frozenset[FeatureName]) -> dict[str, list[CommentedMap]]:
    dapr = {"dapr-configuration.yaml": [build_dapr_configuration(spec)]}
    resiliency = build_resiliency(spec, features)
    if resiliency is not None:
        dapr["dapr-resiliency.yaml"] = [resiliency]
    files = {
        "k8s/base/kustomization.yaml": [
            build_base_kustomization(tuple(f for f in DAPR_FILES if f in dapr))
        ],
        "k8s/base/serviceaccount.yaml": [build_service_account(spec)],
        "k8s/base/configmap.yaml": [build_configmap(spec, features)],
        "k8s/base/deployment.yaml": [build_deployment(spec, features)],
        "k8s/base/service.yaml": [build_service(spec)],
        "k8s/base/hpa.yaml": [build_hpa(spec, min_replicas=1, max_replicas=3)],
        "k8s/base/pdb.yaml": [build_pdb(spec)],
        "k8s/base/networkpolicy.yaml": [build_network_policy(spec, features)],
    }
    files.update({f"k8s/base/{name}": docs for name, docs in dapr.items()})
    return files


def _components(
    spec: ServiceSpec, features: frozenset[FeatureName]
) -> dict[str, list[CommentedMap]]:
    files: dict[str, list[CommentedMap]] = {}
    scopes = [spec.name]
    if FeatureName.STATE in features:
        files["components/local/statestore.yaml"] = [
            build_local_state_store(spec.state_store, scopes)
        ]
    if FeatureName.PUBSUB in features:
        files["components/local/pubsub.yaml"] = [build_local_pubsub(spec.pubsub, scopes)]
    if FeatureName.STATE in features:
        files["components/prod/statestore.yaml"] = [
            build_prod_state_store(spec.state_store, spec.state_backend, scopes)
        ]
    if FeatureName.PUBSUB in features:
        files["components/prod/pubsub.yaml"] = [build_prod_pubsub(spec.pubsub, scopes)]
        files["components/prod/kafka-user.yaml"] = [build_kafka_user(spec.pubsub, [spec])]
    return files


def build_deploy_files(spec: ServiceSpec, features: frozenset[FeatureName]) -> DeployFiles:
    """The service's Dockerfile, Kubernetes base and overlays, and Dapr documents."""
    features = features | ALWAYS_FEATURES
    yaml = _base(spec, features)
    for overlay in build_overlays(spec):
        for name, docs in build_overlay_files(spec, overlay).items():
            yaml[f"k8s/overlays/{overlay.name}/{name}"] = docs
    yaml.update(_components(spec, features))
    text = {
        "Dockerfile": render_dockerfile(build_dockerfile(spec)),
        ".dockerignore": render_dockerignore(spec),
    }
    return DeployFiles(yaml=yaml, text=text)
