"""Dapr Component documents: the state store and pubsub, for local runs and for production.

Local components need no secrets (Redis on localhost, what the local sidecar loads); production
ones live in the apps' namespace and reference every credential by `secretKeyRef` through the
`kubernetes` secret store, which Dapr's operator resolves (dapr/dapr
`pkg/runtime/processor/secret/secret.go`), so daprd's own built-in store can stay disabled:

    kind: Component  metadata: {name: pubsub, namespace: learnflow}
    spec: {type: pubsub.kafka, version: v1, metadata: [{name: brokers, value: <fqdn>:9093},
           {name: authType, value: password}, {name: caCert, secretKeyRef: {...}}, ...]}
    auth: {secretStore: kubernetes}
    scopes: [triage, progress]

Kafka: `authType: password` turns TLS on unless `disableTls` (components-contrib
`common/component/kafka/auth.go` updateTLSConfig), so the broker address is Strimzi's TLS
listener and `caCert` is the cluster CA; the SCRAM user is the Component's KafkaUser and its
password the Secret Strimzi writes for it. PostgreSQL uses `state.postgresql` v2 (components-
contrib `state/postgresql/v2/metadata.yaml`: `tablePrefix`, where v1 had `tableName`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from synth.errors import SpecError
from synth.manifests.cluster import APP_NAMESPACE, KAFKA_CA_KEY, kafka_bootstrap, kafka_ca_secret
from synth.manifests.kafka_users import KAFKA_USER_PASSWORD_KEY, kafka_user_name
from synth.manifests.yaml_docs import build_map, build_seq
from synth.spec import ServiceSpec, StateBackend

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
    "shared_state_backend",
]

DAPR_API = "dapr.io/v1alpha1"
SECRET_STORE = "kubernetes"
LOCAL_REDIS = "localhost:6379"
PROD_REDIS = "redis-master:6379"
KAFKA_BROKERS = kafka_bootstrap()
POSTGRESQL_VERSION = "v2"


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
    version: str = "v1",
) -> CommentedMap:
    meta = build_map(("name", name))
    if secrets:
        meta["namespace"] = APP_NAMESPACE
    doc = build_map(
        ("apiVersion", DAPR_API),
        ("kind", "Component"),
        ("metadata", meta),
        ("spec", build_map(("type", component_type), ("version", version), ("metadata", metadata))),
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
                _value("tablePrefix", f"{name}_"),
                _value("timeout", "20s"),
            ]
        )
        return _component(
            name, "state.postgresql", metadata, scopes, secrets=True, version=POSTGRESQL_VERSION
        )
    metadata = build_seq(
        [
            _value("redisHost", PROD_REDIS),
            _secret("redisPassword", "redis", "redis-password"),
        ]
    )
    return _component(name, "state.redis", metadata, scopes, secrets=True)


def build_prod_pubsub(name: str, scopes: Sequence[str]) -> CommentedMap:
    """`pubsub.kafka` on Strimzi's TLS listener: SCRAM-SHA-512 as the Component's KafkaUser."""
    user = kafka_user_name(name)
    metadata = build_seq(
        [
            _value("brokers", KAFKA_BROKERS),
            _value("authType", "password"),
            _value("saslUsername", user),
            _secret("saslPassword", user, KAFKA_USER_PASSWORD_KEY),
            _value("saslMechanism", "SHA-512"),
            _secret("caCert", kafka_ca_secret(), KAFKA_CA_KEY),
            _value("consumerGroup", "{appID}"),
        ]
    )
    return _component(name, "pubsub.kafka", metadata, scopes, secrets=True)


def shared_state_backend(name: str, users: Sequence[ServiceSpec]) -> StateBackend:
    """The one backend of a state store its users share; a SpecError when they disagree."""
    backends = {spec.state_backend for spec in users}
    if len(backends) > 1:
        names = ", ".join(spec.name for spec in users)
        raise SpecError(
            f"state store '{name}' is shared by {names} with different state_backend values; "
            "give one of them its own state_store name"
        )
    return backends.pop()
