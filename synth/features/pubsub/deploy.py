"""What the `pubsub` feature deploys: its pubsub Component (local Redis Streams; Kafka on
Strimzi's TLS listener in production, with the KafkaUser it connects as), the variable naming
it, Resiliency for publishing and delivery, the egress rule to the brokers, and the topics the
code uses."""

from __future__ import annotations

from collections.abc import Sequence

from synth.features.base import (
    ComponentDocs,
    ComponentPiece,
    DeployPieces,
    EnvVar,
    ResiliencyTarget,
    TopicUse,
)
from synth.manifests.components import build_local_pubsub, build_prod_pubsub
from synth.manifests.dapr_config import BREAKER, DAPR_CALL, REDELIVER, RETRY
from synth.manifests.kafka_users import build_kafka_user
from synth.manifests.network import kafka_egress
from synth.spec import FeatureName, ServiceSpec

__all__ = ["PUBSUB_NAME", "deployment"]

PUBSUB_NAME = "PUBSUB_NAME"


def pubsub_documents(name: str, users: Sequence[ServiceSpec]) -> ComponentDocs:
    """The pubsub `name` scoped to `users`, and the KafkaUser with all their topics' ACLs."""
    scopes = [spec.name for spec in users]
    return ComponentDocs(
        local=build_local_pubsub(name, scopes),
        prod=(("", build_prod_pubsub(name, scopes)), ("kafka-user", build_kafka_user(name, users))),
    )


def deployment(spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
    """The pubsub component's pieces."""
    name = spec.pubsub
    return DeployPieces(
        env=(
            EnvVar(PUBSUB_NAME, name, "Dapr pub/sub component name", setting="str", deployed=True),
        ),
        components=(ComponentPiece("pubsub", name, PUBSUB_NAME, "pubsub.", pubsub_documents),),
        resiliency=(
            ResiliencyTarget(
                "components",
                name,
                outbound=(("timeout", DAPR_CALL), ("retry", RETRY), ("circuitBreaker", BREAKER)),
                inbound=(("retry", REDELIVER),),
            ),
        ),
        egress=(kafka_egress(),),
        topics=TopicUse(
            name,
            subscribes=tuple(t.topic for t in spec.subscribes),
            publishes=tuple(t.topic for t in spec.publishes),
        ),
    )
