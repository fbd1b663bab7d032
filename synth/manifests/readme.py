"""The service README's `Deploy` section: the cluster pieces, the Secrets and the commands.

Built from the same constants as the manifests (namespaces, Kafka cluster and listener, Secret
names), so the steps a new user follows are the ones the YAML expects. The text depends on the
spec only, never on the feature set: a README section is written once and kept, so `new A,B`
and `new A` + `add B` must write the same one; each feature's lines say which feature needs them.
"""

from __future__ import annotations

from synth.manifests.cluster import (
    APP_NAMESPACE,
    CLUSTER_DOMAIN,
    DAPR_NAMESPACE,
    KAFKA_CA_KEY,
    KAFKA_CLUSTER,
    KAFKA_NAMESPACE,
    KAFKA_TLS_PORT,
    MODEL_SECRET,
    MODEL_SECRET_KEY,
    kafka_ca_secret,
)
from synth.manifests.kafka_users import KAFKA_USER_PASSWORD_KEY, kafka_user_name
from synth.manifests.kubernetes import IMAGE_VERSION, image_name
from synth.spec import ServiceSpec, StateBackend

__all__ = ["DEPLOY_HEADING", "build_deploy_section"]

DEPLOY_HEADING = "Deploy"


def _pieces(spec: ServiceSpec) -> list[str]:
    pieces = [
        f"- the Dapr control plane in `{DAPR_NAMESPACE}` (`dapr init -k`, or the `dapr/dapr` "
        "Helm chart), and the namespace: `kubectl create namespace "
        f"{APP_NAMESPACE}`",
        f"- with `pubsub`: Strimzi and a Kafka cluster `{KAFKA_CLUSTER}` in namespace "
        f"`{KAFKA_NAMESPACE}` with a TLS listener on {KAFKA_TLS_PORT} (`tls: true`, "
        "`authentication: {type: scram-sha-512}`), `authorization: {type: simple}`, and its "
        "User Operator watching the apps' namespace "
        f"(`entityOperator.userOperator.watchedNamespace: {APP_NAMESPACE}`), so the "
        "KafkaUser's Secret is written where Dapr reads it",
    ]
    if spec.state_backend == StateBackend.POSTGRESQL:
        pieces.append(f"- with `state`: PostgreSQL in `{APP_NAMESPACE}` on 5432")
    else:
        pieces.append(
            f"- with `state`: Redis as `redis-master:6379` in `{APP_NAMESPACE}` (e.g. the "
            "Bitnami `redis` chart, release name `redis`)"
        )
    return pieces


def _secrets(spec: ServiceSpec) -> list[str]:
    rows = ["| feature | Secret | key | made by |", "|---|---|---|---|"]
    if spec.state_backend == StateBackend.POSTGRESQL:
        rows.append("| state | `postgresql` | `connection-string` | you |")
    else:
        rows.append("| state | `redis` | `redis-password` | you (the Bitnami chart makes it) |")
    user = kafka_user_name(spec.pubsub)
    rows.append(
        f"| pubsub | `{user}` | `{KAFKA_USER_PASSWORD_KEY}` | Strimzi, from the KafkaUser "
        f"`{user}` |"
    )
    rows.append(
        f"| pubsub | `{kafka_ca_secret()}` | `{KAFKA_CA_KEY}` | Strimzi in `{KAFKA_NAMESPACE}`; "
        f"copy it to `{APP_NAMESPACE}` (below; again after a CA renewal) |"
    )
    rows.append(
        f"| agent | `{MODEL_SECRET}` | `{MODEL_SECRET_KEY}` | you; optional: without it the "
        "agent answers 503 |"
    )
    return rows


def _commands(spec: ServiceSpec) -> list[str]:
    image = f"{image_name(spec)}:{IMAGE_VERSION}"
    ca = kafka_ca_secret()
    lines = [
        "```",
        f"docker build -t {image} . && docker push {image}",
        "# with pubsub: the cluster CA, where Dapr's operator can read it",
        f"kubectl get secret {ca} -n {KAFKA_NAMESPACE} -o jsonpath='{{.data.ca\\.crt}}' "
        f"| base64 -d > ca.crt && kubectl create secret generic {ca} -n {APP_NAMESPACE} "
        "--from-file=ca.crt && rm ca.crt",
    ]
    lines.extend(
        [
            "# in a platform folder (synth new --all): topics, shared components, every service",
            "kubectl apply -k ../k8s/topics && kubectl apply -k ../k8s",
            "# or this service on its own (its topics: synth create-topic; never beside the",
            "# platform's k8s/components, which already holds these components for all apps)",
            "kubectl apply -f components/prod/ && kubectl apply -k k8s/overlays/prod",
            "```",
        ]
    )
    return lines


def build_deploy_section(spec: ServiceSpec) -> tuple[str, str]:
    """(heading, body) of the README's deploy section."""
    body = [
        "The cluster needs, once (each line only for the features the service has):",
        "",
        *_pieces(spec),
        "",
        f"Secrets, in namespace `{APP_NAMESPACE}` (only references to them are in the YAML):",
        "",
        *_secrets(spec),
        "",
        "Then:",
        "",
        *_commands(spec),
        "",
        "`k8s/overlays/prod` carries the Deployment, its NetworkPolicy, HPA, PDB and the Dapr "
        "Configuration and Resiliency its sidecar loads. The settings synth cannot know are "
        f"constants with these defaults: namespaces `{APP_NAMESPACE}`, `{KAFKA_NAMESPACE}`, "
        f"`{DAPR_NAMESPACE}`, cluster domain `{CLUSTER_DOMAIN}`, Kafka TLS listener "
        f"{KAFKA_TLS_PORT}; change them in the YAML of both ends together. Pin the image by "
        "digest once CI has pushed it (`images:` in the overlay's kustomization). "
        "`synth check .` validates all of it.",
    ]
    return DEPLOY_HEADING, "\n".join(body)
