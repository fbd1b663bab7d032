"""Strimzi `KafkaTopic` documents for LearnFlow topics (and their dead-letter topics).

Kubernetes names cannot hold dots, so the real topic goes in `spec.topicName` and the resource
name is derived: `learning.concept-request` -> `learning-concept-request`.

Strimzi serves KafkaTopic only as `kafka.strimzi.io/v1` (strimzi/strimzi-kafka-operator
`packaging/install/cluster-operator/043-Crd-kafkatopic.yaml`, shipped in
`synth/data/strimzi-crds/`); `v1beta2` is no longer served. A subscriber's dead letters go to
`<topic>.dlq` (the pubsub feature's `deadLetterTopic`), which needs its own KafkaTopic.
"""

from __future__ import annotations

import re

from ruamel.yaml.comments import CommentedMap

from synth.errors import SpecError
from synth.manifests.cluster import KAFKA_CLUSTER, KAFKA_NAMESPACE
from synth.manifests.yaml_docs import build_map

__all__ = [
    "DLQ_SUFFIX",
    "STRIMZI_API",
    "TOPIC_PREFIXES",
    "build_kafka_topic",
    "dead_letter_topic",
    "topic_resource_name",
]

STRIMZI_API = "kafka.strimzi.io/v1"
DLQ_SUFFIX = ".dlq"
TOPIC_PREFIXES = ("learning", "code", "exercise", "struggle")
_TOPIC = re.compile(r"^(learning|code|exercise|struggle)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_MAX_NAME = 63


def topic_resource_name(topic: str) -> str:
    """A DNS-1123 `metadata.name` for a topic: dots and underscores become dashes."""
    name = re.sub(r"[^a-z0-9-]+", "-", topic.lower()).strip("-")
    return name[:_MAX_NAME].rstrip("-")


def dead_letter_topic(topic: str) -> str:
    """Where a subscriber's dead letters of `topic` go."""
    return f"{topic}{DLQ_SUFFIX}"


def build_kafka_topic(
    name: str, partitions: int, replicas: int, cluster: str = KAFKA_CLUSTER
) -> CommentedMap:
    """A KafkaTopic for a LearnFlow topic (`learning.*`, `code.*`, `exercise.*`, `struggle.*`)."""
    if not _TOPIC.match(name):
        prefixes = ", ".join(f"{p}.*" for p in TOPIC_PREFIXES)
        raise SpecError(
            f"topic '{name}' is not a LearnFlow topic; use lower-case dotted names under {prefixes}"
        )
    if partitions < 1 or replicas < 1:
        raise SpecError(f"topic '{name}': partitions and replicas must be at least 1")
    return build_map(
        ("apiVersion", STRIMZI_API),
        ("kind", "KafkaTopic"),
        (
            "metadata",
            {
                "name": topic_resource_name(name),
                "namespace": KAFKA_NAMESPACE,
                "labels": {"strimzi.io/cluster": cluster},
            },
        ),
        (
            "spec",
            {
                "topicName": name,
                "partitions": partitions,
                "replicas": replicas,
                "config": {
                    "retention.ms": "604800000",
                    "min.insync.replicas": str(min(2, replicas)),
                },
            },
        ),
    )
