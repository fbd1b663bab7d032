"""Files at the platform root (the folder holding every service): one place to run or deploy all.

    dapr.yaml                       `dapr run -f .` starts every service with its sidecar
                                    (`common.resourcesPaths`, what dapr/cli reads:
                                    `pkg/standalone/run.go`; `resourcesPath` is deprecated)
    components/<component>.yaml     local components, once, scoped to every app that uses them
    k8s/kustomization.yaml          `kubectl apply -k k8s` : shared components, the pubsub
                                    components' KafkaUsers and each service's prod overlay
                                    (which carries its own Dapr Configuration and Resiliency)
    k8s/components/<component>.yaml production components, scoped to every app that uses them
    k8s/components/<component>-kafka-user.yaml  the KafkaUser a pubsub component connects as
    k8s/topics/<topic>.yaml         Strimzi KafkaTopics with their dead-letter topics (own
                                    kustomization: the Kafka namespace)

A component shared by services (same name) is one document whose `scopes` lists them all: the
only copy the platform applies. Each service's own `components/prod/` keeps one scoped to itself
for a service deployed without its platform; never apply it beside the platform's.
"""

from __future__ import annotations

from collections.abc import Sequence

from ruamel.yaml.comments import CommentedMap

from synth.features.base import ComponentPiece, DeployPieces
from synth.manifests.cluster import KAFKA_NAMESPACE
from synth.manifests.docker import build_uvicorn_command
from synth.manifests.files import DeployFiles
from synth.manifests.kubernetes import APP_PROTOCOL, HEALTH_PATH
from synth.manifests.kustomize import KUSTOMIZE_API, PROD_MAX_REPLICAS
from synth.manifests.topics import build_kafka_topic, dead_letter_topic, topic_resource_name
from synth.manifests.yaml_docs import build_map
from synth.spec import ServiceSpec

__all__ = [
    "DLQ_PARTITIONS",
    "TOPIC_PARTITIONS",
    "TOPIC_REPLICAS",
    "TOPICS",
    "build_dapr_run_file",
    "build_platform_files",
    "build_topics_kustomization",
]

TOPICS = "k8s/topics"

# One partition per consumer a group can have: every service's prod HPA stops at
# PROD_MAX_REPLICAS, so no replica of a subscriber is left without a partition.
TOPIC_PARTITIONS = PROD_MAX_REPLICAS
TOPIC_REPLICAS = 3
# Dead letters are rare and read by people, not by a scaled consumer group.
DLQ_PARTITIONS = 1


def build_dapr_run_file(services: Sequence[tuple[ServiceSpec, DeployPieces]]) -> CommentedMap:
    """The Dapr CLI multi-app run file: every app, its folder, port, env and uvicorn command."""
    apps = [
        build_map(
            ("appID", spec.name),
            ("appDirPath", f"./{spec.name}"),
            ("appPort", spec.port),
            ("appProtocol", APP_PROTOCOL),
            ("enableAppHealthCheck", True),
            ("appHealthCheckPath", HEALTH_PATH),
            ("env", pieces.plain_env),
            ("command", build_uvicorn_command(spec, "127.0.0.1")),
        )
        for spec, pieces in services
    ]
    return build_map(
        ("version", 1),
        ("common", {"resourcesPaths": ["./components"]}),
        ("apps", apps),
    )


def _shared_components(
    services: Sequence[tuple[ServiceSpec, DeployPieces]],
) -> list[tuple[ComponentPiece, list[ServiceSpec]]]:
    """Every component by name with the services that use it: grouped by kind (`file`) in the
    order the services' features list them, by name within a kind."""
    users: dict[str, tuple[ComponentPiece, list[ServiceSpec]]] = {}
    kinds: list[str] = []
    for spec, pieces in services:
        own = [piece.file for piece in pieces.components]
        for at, kind in enumerate(own):
            if kind not in kinds:  # before the next kind this service lists that is known
                later = [kinds.index(k) for k in own[at + 1 :] if k in kinds]
                kinds.insert(later[0] if later else len(kinds), kind)
        for piece in pieces.components:
            users.setdefault(piece.name, (piece, []))[1].append(spec)
    return sorted(users.values(), key=lambda u: (kinds.index(u[0].file), u[0].name))


def _topics(specs: Sequence[ServiceSpec]) -> list[tuple[str, int]]:
    """Every topic with its partition count: the spec's topics, and a dead-letter topic for each
    topic a service subscribes to."""
    topics = {
        t.topic: TOPIC_PARTITIONS for spec in specs for t in (*spec.subscribes, *spec.publishes)
    }
    for spec in specs:
        for topic in spec.subscribes:
            topics[dead_letter_topic(topic.topic)] = DLQ_PARTITIONS
    return sorted(topics.items())


def build_platform_files(services: Sequence[tuple[ServiceSpec, DeployPieces]]) -> DeployFiles:
    """dapr.yaml, shared local components and the platform `k8s/` folder, from every service's
    spec and deploy pieces."""
    services = sorted(services, key=lambda s: s[0].name)
    specs = [spec for spec, _pieces in services]
    yaml: dict[str, list[CommentedMap]] = {"dapr.yaml": [build_dapr_run_file(services)]}
    k8s_resources: list[str] = []
    for piece, users in _shared_components(services):
        name = piece.name
        docs = piece.build(name, users)
        yaml[f"components/{name}.yaml"] = [docs.local]
        for suffix, doc in docs.prod:
            file = f"components/{name}-{suffix}.yaml" if suffix else f"components/{name}.yaml"
            yaml[f"k8s/{file}"] = [doc]
            k8s_resources.append(file)
    k8s_resources.extend(f"../{spec.name}/k8s/overlays/prod" for spec in specs)
    yaml["k8s/kustomization.yaml"] = [_kustomization(k8s_resources)]
    topic_files = []
    for topic, partitions in _topics(specs):
        file_name = f"{topic_resource_name(topic)}.yaml"
        yaml[f"k8s/topics/{file_name}"] = [build_kafka_topic(topic, partitions, TOPIC_REPLICAS)]
        topic_files.append(file_name)
    if topic_files:
        yaml[f"{TOPICS}/kustomization.yaml"] = [build_topics_kustomization(topic_files)]
    return DeployFiles(yaml=yaml)


def build_topics_kustomization(files: list[str]) -> CommentedMap:
    """`k8s/topics/kustomization.yaml`: the KafkaTopics, in the namespace Strimzi watches."""
    topics = _kustomization(files)
    topics["namespace"] = KAFKA_NAMESPACE
    return topics


def _kustomization(resources: list[str]) -> CommentedMap:
    return build_map(
        ("apiVersion", KUSTOMIZE_API), ("kind", "Kustomization"), ("resources", resources)
    )
