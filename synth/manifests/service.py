"""`build_deploy_files`: every deploy artifact of one service, from its spec and the deploy
pieces its features contribute.

Dockerfile, .dockerignore
k8s/base/{kustomization,serviceaccount,configmap,deployment,service,hpa,pdb,networkpolicy}.yaml
k8s/base/dapr-{configuration,resiliency}.yaml       (what this service's sidecar loads)
k8s/overlays/{local,prod}/{kustomization,deployment-patch,hpa-patch,...}.yaml
components/local/{statestore,pubsub}.yaml          (the components the features call)
components/prod/{statestore,pubsub,kafka-user}.yaml (the same, with their extras)

The shared Components are not part of the service's kustomization: in a platform they come from
the platform's `k8s/components/` (scoped to every app that uses them), the one copy that is
applied; `components/prod/` holds the same documents scoped to this service alone, for a service
deployed without its platform.
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap

from synth.features.base import DeployPieces
from synth.manifests.dapr_config import HANDLER, build_dapr_configuration, build_resiliency
from synth.manifests.docker import build_dockerfile, render_dockerfile, render_dockerignore
from synth.manifests.files import DeployFiles
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
from synth.spec import ServiceSpec

__all__ = ["build_deploy_files"]


def _base(spec: ServiceSpec, pieces: DeployPieces) -> dict[str, list[CommentedMap]]:
    dapr = {"dapr-configuration.yaml": [build_dapr_configuration(spec)]}
    handler = pieces.handler.policy if pieces.handler else HANDLER
    resiliency = build_resiliency(spec, pieces.resiliency, handler)
    if resiliency is not None:
        dapr["dapr-resiliency.yaml"] = [resiliency]
    files = {
        "k8s/base/kustomization.yaml": [
            build_base_kustomization(tuple(f for f in DAPR_FILES if f in dapr))
        ],
        "k8s/base/serviceaccount.yaml": [build_service_account(spec)],
        "k8s/base/configmap.yaml": [build_configmap(spec, pieces.plain_env)],
        "k8s/base/deployment.yaml": [build_deployment(spec, pieces.secret_env)],
        "k8s/base/service.yaml": [build_service(spec)],
        "k8s/base/hpa.yaml": [build_hpa(spec, min_replicas=1, max_replicas=3)],
        "k8s/base/pdb.yaml": [build_pdb(spec)],
        "k8s/base/networkpolicy.yaml": [build_network_policy(spec, pieces.egress)],
    }
    files.update({f"k8s/base/{name}": docs for name, docs in dapr.items()})
    return files


def _components(spec: ServiceSpec, pieces: DeployPieces) -> dict[str, list[CommentedMap]]:
    """Each component scoped to this service alone: local ones, then production ones."""
    built = [(piece, piece.build(piece.name, [spec])) for piece in pieces.components]
    files = {f"components/local/{piece.file}.yaml": [docs.local] for piece, docs in built}
    for piece, docs in built:
        for suffix, doc in docs.prod:
            files[f"components/prod/{suffix or piece.file}.yaml"] = [doc]
    return files


def build_deploy_files(spec: ServiceSpec, pieces: DeployPieces) -> DeployFiles:
    """The service's Dockerfile, Kubernetes base and overlays, and Dapr documents, with the
    pieces its features contribute (`synth.features.base.deployment_of`)."""
    yaml = _base(spec, pieces)
    for overlay in build_overlays(spec):
        for name, docs in build_overlay_files(spec, overlay).items():
            yaml[f"k8s/overlays/{overlay.name}/{name}"] = docs
    yaml.update(_components(spec, pieces))
    text = {
        "Dockerfile": render_dockerfile(build_dockerfile(spec)),
        ".dockerignore": render_dockerignore(spec),
    }
    return DeployFiles(yaml=yaml, text=text)
