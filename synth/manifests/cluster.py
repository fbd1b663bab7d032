"""Where the generated services run: the cluster pieces synth cannot see, as named settings.

synth cannot know a cluster's namespaces or its Kafka listener, so each is one constant here
with a safe default, documented in every service's README (deploy section):

    apps          namespace `learnflow`        every Deployment, Service, Dapr document
    Kafka         cluster `learnflow-kafka` in namespace `kafka` (Strimzi), TLS listener 9093
                  with SCRAM-SHA-512; KafkaTopics there, KafkaUsers in the apps' namespace
                  (Strimzi's User Operator `watchedNamespace: learnflow`), so the user's Secret
                  lands where Dapr's operator can read it
    Dapr          control plane in `dapr-system`
    DNS           cluster domain `cluster.local`

Sources: Strimzi names the cluster CA Secret `<cluster>-cluster-ca-cert` (key `ca.crt`) in
strimzi/strimzi-kafka-operator `api/src/main/java/io/strimzi/api/kafka/model/kafka/
KafkaResources.java` and `operator-common/.../ca/Ca.java`; the broker certificate names every
form of the bootstrap service, `<svc>.<ns>.svc.<domain>` included (`cluster-operator/.../model/
ModelUtils.java` generateAllServiceDnsNames). Dapr's operator resolves a Component's
`secretKeyRef` in the Component's own namespace (dapr/dapr `pkg/operator/api/components.go`
processComponentSecrets), so every Secret a Component names must live in the apps' namespace.
"""

from __future__ import annotations

__all__ = [
    "APP_NAMESPACE",
    "CLUSTER_DOMAIN",
    "DAPR_NAMESPACE",
    "KAFKA_CA_KEY",
    "KAFKA_CLUSTER",
    "KAFKA_NAMESPACE",
    "KAFKA_TLS_PORT",
    "MODEL_SECRET",
    "MODEL_SECRET_KEY",
    "kafka_bootstrap",
    "kafka_ca_secret",
]

APP_NAMESPACE = "learnflow"
DAPR_NAMESPACE = "dapr-system"
KAFKA_CLUSTER = "learnflow-kafka"
KAFKA_NAMESPACE = "kafka"
CLUSTER_DOMAIN = "cluster.local"
# Strimzi's conventional internal TLS listener (`name: tls, port: 9093, tls: true`), configured
# with `authentication: {type: scram-sha-512}`; 9092 is the plain (unencrypted) listener.
KAFKA_TLS_PORT = 9093
KAFKA_CA_KEY = "ca.crt"
# The Secret the owner makes for a model server's API key (the agent's OPENAI_API_KEY).
MODEL_SECRET = "openai"
MODEL_SECRET_KEY = "api-key"


def kafka_bootstrap(cluster: str = KAFKA_CLUSTER) -> str:
    """The bootstrap address as a fully qualified name (the apps live in another namespace)."""
    return f"{cluster}-kafka-bootstrap.{KAFKA_NAMESPACE}.svc.{CLUSTER_DOMAIN}:{KAFKA_TLS_PORT}"


def kafka_ca_secret(cluster: str = KAFKA_CLUSTER) -> str:
    """The Secret Strimzi keeps the cluster CA certificate in (copied to the apps' namespace)."""
    return f"{cluster}-cluster-ca-cert"
