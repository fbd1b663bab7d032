"""Dapr Component documents: the state store and pubsub, for local runs and for production.

Local components need no secrets (Redis on localhost, what the local sidecar loads); production
ones reference every credential by `secretKeyRef` through the `kubernetes` secret store:

    kind: Component  metadata: {name: pubsub}
    spec: {type: pubsub.kafka, version: v1, metadata: [{name: brokers, value: ...},
           {name: authType, value: password}, {name: saslPassword, secretKeyRef: {...}}, ...]}
    auth: {secretStore: kubernetes}
    scopes: [triage, progress]
"""

from __future__ import annotations

from collections.abc import Sequence

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from synth.manifests.yaml_docs import build_map, build_seq
from synth.spec import StateBackend

__all__ = [
    "DAPR_API",
    "KAFKA_BROKERS",
    "LOCAL_REDIS",
    "PROD_REDIS",
    "SECRET_STORE",
    "build_local_pubsub",
    "build_local_state_store",
    "build_prod_pubsub",
    "build_prod_state_store",
]

DAPR_API = "dapr.io/v1alpha1"
SECRET_STORE = "kubernetes"
LOCAL_REDIS = "localhost:6379"
PROD_REDIS = "redis-master:6379"
KAFKA_BROKERS = "learnflow-kafka-kafka-bootstrap:9092"


def _value(name: str, value: str) -> CommentedMap:
    return build_map(("name", name), ("value", value))


def _secret(name: str, secret: str, key: str) -> CommentedMap:
    return build_map(("name", name), ("secretKeyRef", {"name": secret, "key": key}))


def _component(
    name: str,
    component_type: str,
    metadata: CommentedSeq,
    scopes: Sequence[str],
    *,
    secrets: bool,
) -> CommentedMap:
    doc = build_map(
        ("apiVersion", DAPR_API),
        ("kind", "Component"),
        ("metadata", {"name": name}),
        ("spec", build_map(("type", component_type), ("version", "v1"), ("metadata", metadata))),
    )
    if secrets:
        doc["auth"] = build_map(("secretStore", SECRET_STORE))
    doc["scopes"] = build_seq(sorted(scopes))
    return doc


def build_local_state_store(name: str, scopes: Sequence[str]) -> CommentedMap:
    """`state.redis` on localhost, what `dapr run` and the local sidecar use."""
    metadata = build_seq([_value("redisHost", LOCAL_REDIS)])
    return _component(name, "state.redis", metadata, scopes, secrets=False)


def build_local_pubsub(name: str, scopes: Sequence[str]) -> CommentedMap:
    """`pubsub.redis` (Redis Streams) on localhost."""
    metadata = build_seq([_value("redisHost", LOCAL_REDIS)])
    return _component(name, "pubsub.redis", metadata, scopes, secrets=False)


def build_prod_state_store(name: str, backend: StateBackend, scopes: Sequence[str]) -> CommentedMap:
    """The production state store: Redis or PostgreSQL, credentials from Secrets."""
    if backend == StateBackend.POSTGRESQL:
        metadata = build_seq(
            [
                _secret("connectionString", "postgresql", "connection-string"),
                _value("tableName", "state"),
                _value("timeout", "20s"),
            ]
        )
        return _component(name, "state.postgresql", metadata, scopes, secrets=True)
    metadata = build_seq(
        [
            _value("redisHost", PROD_REDIS),
            _secret("redisPassword", "redis", "redis-password"),
        ]
    )
    return _component(name, "state.redis", metadata, scopes, secrets=True)


def build_prod_pubsub(name: str, scopes: Sequence[str]) -> CommentedMap:
    """`pubsub.kafka` on the Strimzi cluster with SASL/SCRAM credentials from a Secret."""
    metadata = build_seq(
        [
            _value("brokers", KAFKA_BROKERS),
            _value("authType", "password"),
            _secret("saslUsername", "kafka-credentials", "username"),
            _secret("saslPassword", "kafka-credentials", "password"),
            _value("saslMechanism", "SHA-512"),
            _value("consumerGroup", "{appID}"),
        ]
    )
    return _component(name, "pubsub.kafka", metadata, scopes, secrets=True)
