"""Strimzi `KafkaUser` documents: the identity a pubsub Component connects to Kafka with.

A Dapr Component has one set of credentials, so there is one KafkaUser per pubsub Component,
`learnflow-<component>`, with the ACLs of every app the Component is scoped to (least privilege
for that set of apps):

    topic <subscribed>      Read, Describe     (consume)
    topic <subscribed>.dlq  Write, Describe    (daprd publishes the subscriber's dead letters)
    topic <published>       Write, Describe    (publish)
    group <app id>          Read               (consumerGroup `{appID}`: one group per app)

The User Operator writes the password to a Secret named after the KafkaUser with keys `password`
and `sasl.jaas.config`; the SCRAM username is the KafkaUser's name (strimzi/strimzi-kafka-operator
`user-operator/src/main/java/io/strimzi/operator/user/model/KafkaUserModel.java`). Schema:
`packaging/install/cluster-operator/044-Crd-kafkauser.yaml` (v1 only; `operations` is a list).
"""

from __future__ import annotations

from collections.abc import Sequence

from ruamel.yaml.comments import CommentedMap

from synth.manifests.cluster import APP_NAMESPACE, KAFKA_CLUSTER
from synth.manifests.topics import STRIMZI_API, dead_letter_topic
from synth.manifests.yaml_docs import build_map
from synth.spec import ServiceSpec

__all__ = ["KAFKA_USER_PASSWORD_KEY", "build_kafka_user", "kafka_user_name"]

KAFKA_USER_PASSWORD_KEY = "password"
PLATFORM = "learnflow"
_CONSUME = ("Describe", "Read")
_PRODUCE = ("Describe", "Write")


def kafka_user_name(component: str) -> str:
    """The KafkaUser (and Secret, and SCRAM username) of a pubsub Component."""
    return f"{PLATFORM}-{component}"


def _acl(resource_type: str, name: str, operations: Sequence[str]) -> CommentedMap:
    return build_map(
        ("resource", {"type": resource_type, "name": name, "patternType": "literal"}),
        ("operations", sorted(operations)),
    )


def build_kafka_user(component: str, users: Sequence[ServiceSpec]) -> CommentedMap:
    """A SCRAM-SHA-512 KafkaUser allowed exactly what the Component's apps do."""
    topics: dict[str, set[str]] = {}
    for spec in users:
        for topic in spec.subscribes:
            topics.setdefault(topic.topic, set()).update(_CONSUME)
            topics.setdefault(dead_letter_topic(topic.topic), set()).update(_PRODUCE)
        for topic in spec.publishes:
            topics.setdefault(topic.topic, set()).update(_PRODUCE)
    acls = [_acl("topic", name, sorted(ops)) for name, ops in sorted(topics.items())]
    acls.extend(
        _acl("group", spec.name, ["Read"])
        for spec in sorted(users, key=lambda s: s.name)
        if spec.subscribes
    )
    return build_map(
        ("apiVersion", STRIMZI_API),
        ("kind", "KafkaUser"),
        (
            "metadata",
            {
                "name": kafka_user_name(component),
                "namespace": APP_NAMESPACE,
                "labels": {"strimzi.io/cluster": KAFKA_CLUSTER},
            },
        ),
        (
            "spec",
            {
                "authentication": {"type": "scram-sha-512"},
                "authorization": {"type": "simple", "acls": acls},
            },
        ),
    )
