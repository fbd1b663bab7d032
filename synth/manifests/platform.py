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

from collections.abc import Callable, Sequence

from ruamel.yaml.comments import CommentedMap

from synth.errors import SpecError
from synth.manifests.cluster import KAFKA_NAMESPACE
from synth.manifests.components import (
    build_local_pubsub,
    build_local_state_store,
    build_prod_pubsub,
    build_prod_state_store,
)
from synth.manifests.docker import build_uvicorn_command
from synth.manifests.environment import build_plain_env
from synth.manifests.files import DeployFiles
from synth.manifests.kafka_users import build_kafka_user
from synth.manifests.kubernetes import APP_PROTOCOL, HEALTH_PATH
from synth.manifests.kustomize import KUSTOMIZE_API, PROD_MAX_REPLICAS
from synth.manifests.service import ALWAYS_FEATURES
from synth.manifests.topics import build_kafka_topic, dead_letter_topic, topic_resource_name
from synth.manifests.yaml_docs import build_map
from synth.spec import FeatureName, ServiceSpec, StateBackend

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


def build_dapr_run_file(
    specs: Sequence[ServiceSpec], features_by_service: dict[str, frozenset[FeatureName]]
) -> CommentedMap:
    """The Dapr CLI multi-app run file: every app, its folder, port and uvicorn command."""
    apps = []
    for spec in specs:
        features = _features(spec, features_by_service)
        apps.append(
            build_map(
                ("appID", spec.name),
                ("appDirPath", f"./{spec.name}"),
                ("appPort", spec.port),
                ("appProtocol", APP_PROTOCOL),
                ("enableAppHealthCheck", True),
                ("appHealthCheckPath", HEALTH_PATH),
                ("env", build_plain_env(spec, features)),
                ("command", build_uvicorn_command(spec, "127.0.0.1")),
            )
        )
    return build_map(
        ("version", 1),
        ("common", {"resourcesPaths": ["./components"]}),
        ("apps", apps),
    )


def _features(
    spec: ServiceSpec, features_by_service: dict[str, frozenset[FeatureName]]
) -> frozenset[FeatureName]:
    return features_by_service.get(spec.name, frozenset(spec.features)) | ALWAYS_FEATURES


def _users(
    specs: Sequence[ServiceSpec],
    features_by_service: dict[str, frozenset[FeatureName]],
    feature: FeatureName,
    component: Callable[[ServiceSpec], str],
) -> dict[str, list[ServiceSpec]]:
    users: dict[str, list[ServiceSpec]] = {}
    for spec in specs:
        if feature in _features(spec, features_by_service):
            users.setdefault(component(spec), []).append(spec)
    return users


def _state_backend(name: str, specs: list[ServiceSpec]) -> StateBackend:
    backends = {spec.state_backend for spec in specs}
    if len(backends) > 1:
        names = ", ".join(spec.name for spec in specs)
        raise SpecError(
            f"state store '{name}' is shared by {names} with different state_backend values; "
            "give one of them its own state_store name"
        )
    return backends.pop()


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


def build_platform_files(
    specs: list[ServiceSpec], features_by_service: dict[str, frozenset[FeatureName]]
) -> DeployFiles:
    """dapr.yaml, shared local components and the platform `k8s/` folder."""
    specs = sorted(specs, key=lambda s: s.name)
    yaml: dict[str, list[CommentedMap]] = {
        "dapr.yaml": [build_dapr_run_file(specs, features_by_service)]
    }
    k8s_resources: list[str] = []
    stores = _users(specs, features_by_service, FeatureName.STATE, lambda s: s.state_store)
    for name, users in sorted(stores.items()):
        scopes = [s.name for s in users]
        yaml[f"components/{name}.yaml"] = [build_local_state_store(name, scopes)]
        backend = _state_backend(name, users)
        yaml[f"k8s/components/{name}.yaml"] = [build_prod_state_store(name, backend, scopes)]
        k8s_resources.append(f"components/{name}.yaml")
    buses = _users(specs, features_by_service, FeatureName.PUBSUB, lambda s: s.pubsub)
    for name, users in sorted(buses.items()):
        scopes = [s.name for s in users]
        yaml[f"components/{name}.yaml"] = [build_local_pubsub(name, scopes)]
        yaml[f"k8s/components/{name}.yaml"] = [build_prod_pubsub(name, scopes)]
        yaml[f"k8s/components/{name}-kafka-user.yaml"] = [build_kafka_user(name, users)]
        k8s_resources.extend([f"components/{name}.yaml", f"components/{name}-kafka-user.yaml"])
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
