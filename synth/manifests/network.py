"""The service's NetworkPolicy: the pod may receive and send exactly what it needs, nothing else.

    ingress  50002/TCP   daprd's internal gRPC port, from other Dapr sidecars of the platform
                         (service invocation arrives sidecar to sidecar)
    egress   53/UDP+TCP  cluster DNS (kube-system)
             6500 50001 50006/TCP  the Dapr control plane: operator (components, configuration),
                         sentry (mTLS certificates), scheduler
             6379 or 5432/TCP  the state store (in the apps' namespace)      [state]
             9093/TCP    the Strimzi brokers' TLS listener (Kafka namespace)  [pubsub]
             50002/TCP   other sidecars of the platform                       [invoke]
             443/TCP     the model's HTTPS API (outside the cluster)          [agent]

Ports are pod ports (NetworkPolicy is evaluated after a Service's port mapping). Sources:
dapr/dapr `pkg/injector/patcher/sidecar.go` (50002 internal gRPC; 3500/50001 listen on
localhost only, `dapr.io/sidecar-listen-addresses` default `[::1],127.0.0.1`; 3501 is probed by
the kubelet, whose traffic NetworkPolicy always admits) and the control-plane charts'
`targetPort`s (`charts/dapr/charts/dapr_operator/values.yaml` 6500, `dapr_sentry/values.yaml`
50001, `dapr_scheduler/templates/dapr_scheduler_service.yaml` 50006). The control plane never
dials a sidecar (daprd opens every stream), so no ingress is opened for it. Placement (50005) is
left out: no generated service hosts actors. Metrics (9090) are not opened: add your Prometheus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ruamel.yaml.comments import CommentedMap

from synth.manifests.cluster import DAPR_NAMESPACE, KAFKA_CLUSTER, KAFKA_NAMESPACE, KAFKA_TLS_PORT
from synth.manifests.kubernetes import NAME_LABEL, PART_OF_LABEL, PLATFORM, metadata_of
from synth.manifests.yaml_docs import build_map
from synth.spec import ServiceSpec, StateBackend

__all__ = [
    "DAPR_CONTROL_PLANE_PORTS",
    "DAPR_INTERNAL_GRPC_PORT",
    "STATE_PORTS",
    "build_network_policy",
    "https_egress",
    "kafka_egress",
    "sidecars_egress",
    "state_store_egress",
]

DAPR_INTERNAL_GRPC_PORT = 50002
DAPR_CONTROL_PLANE_PORTS = (6500, 50001, 50006)
STATE_PORTS = {StateBackend.REDIS: 6379, StateBackend.POSTGRESQL: 5432}
NAMESPACE_LABEL = "kubernetes.io/metadata.name"
SIDECAR_LABEL = "dapr.io/sidecar-injected"


def _tcp(*ports: int) -> list[dict[str, object]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def _namespace(name: str) -> dict[str, object]:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: name}}}


def _platform_sidecars() -> dict[str, object]:
    return {"podSelector": {"matchLabels": {PART_OF_LABEL: PLATFORM, SIDECAR_LABEL: "true"}}}


def state_store_egress(backend: StateBackend) -> dict[str, object]:
    """To the state store's port, in the apps' namespace."""
    return {"to": [{"podSelector": {}}], "ports": _tcp(STATE_PORTS[backend])}


def kafka_egress() -> dict[str, object]:
    """To the Strimzi brokers' TLS listener."""
    brokers = {
        **_namespace(KAFKA_NAMESPACE),
        "podSelector": {"matchLabels": {"strimzi.io/cluster": KAFKA_CLUSTER}},
    }
    return {"to": [brokers], "ports": _tcp(KAFKA_TLS_PORT)}


def sidecars_egress() -> dict[str, object]:
    """To the other Dapr sidecars of the platform (service invocation)."""
    return {"to": [_platform_sidecars()], "ports": _tcp(DAPR_INTERNAL_GRPC_PORT)}


def https_egress() -> dict[str, object]:
    """To any HTTPS endpoint outside the cluster (a model's API)."""
    return {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": _tcp(443)}


def _egress(extra: Sequence[Mapping[str, object]]) -> list[CommentedMap]:
    dns = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    rules = [
        build_map(("to", [_namespace("kube-system")]), ("ports", dns)),
        build_map(("to", [_namespace(DAPR_NAMESPACE)]), ("ports", _tcp(*DAPR_CONTROL_PLANE_PORTS))),
    ]
    rules.extend(build_map(*rule.items()) for rule in extra)
    return rules


def build_network_policy(
    spec: ServiceSpec, egress: Sequence[Mapping[str, object]] = ()
) -> CommentedMap:
    """Default deny for the service's pods, then the ingress listed above, DNS and the control
    plane, and the `egress` rules the service's features need."""
    ingress = build_map(("from", [_platform_sidecars()]), ("ports", _tcp(DAPR_INTERNAL_GRPC_PORT)))
    return build_map(
        ("apiVersion", "networking.k8s.io/v1"),
        ("kind", "NetworkPolicy"),
        ("metadata", metadata_of(spec)),
        (
            "spec",
            build_map(
                ("podSelector", {"matchLabels": {NAME_LABEL: spec.name}}),
                ("policyTypes", ["Ingress", "Egress"]),
                ("ingress", [ingress]),
                ("egress", _egress(egress)),
            ),
        ),
    )
