"""Strimzi `KafkaTopic` documents for LearnFlow topics.

Kubernetes names cannot hold dots, so the real topic goes in `spec.topicName` and the resource
name is derived: `learning.concept-request` -> `learning-concept-request`.
"""

from __future__ import annotations

import re

from ruamel.yaml.comments import CommentedMap

from synth.errors import SpecError
from synth.manifests.yaml_docs import build_map

__all__ = ["STRIMZI_API", "TOPIC_PREFIXES", "build_kafka_topic", "topic_resource_name"]

STRIMZI_API = "kafka.strimzi.io/v1beta2"
TOPIC_PREFIXES = ("learning", "code", "exercise", "struggle")
_TOPIC = re.compile(r"^(learning|code|exercise|struggle)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_MAX_NAME = 63


def topic_resource_name(topic: str) -> str:
    """A DNS-1123 `metadata.name` for a topic: dots and underscores become dashes."""
    name = re.sub(r"[^a-z0-9-]+", "-", topic.lower()).strip("-")
    return name[:_MAX_NAME].rstrip("-")


def build_kafka_topic(
    name: str, partitions: int, replicas: int, cluster: str = "learnflow-kafka"
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
            {"name": topic_resource_name(name), "labels": {"strimzi.io/cluster": cluster}},
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
