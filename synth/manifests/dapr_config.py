"""The service's Dapr Configuration (`<name>-config`) and Resiliency documents.

Configuration carries tracing only (app health checks are pod annotations, not Configuration
fields). Resiliency names three policies and applies them to what the service talks to:

    targets:
      components: {statestore: {outbound: {...}}, pubsub: {outbound: {...}, inbound: {...}}}
      apps: {concepts: {timeout: general, retry: transient, circuitBreaker: failfast}}
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap

from synth.manifests.components import DAPR_API
from synth.manifests.kubernetes import dapr_config_name
from synth.manifests.yaml_docs import build_map
from synth.spec import FeatureName, ServiceSpec

__all__ = ["build_dapr_configuration", "build_resiliency", "resiliency_name"]

TIMEOUT = "general"
RETRY = "transient"
BREAKER = "failfast"


def resiliency_name(spec: ServiceSpec) -> str:
    """The name of the service's Resiliency document."""
    return f"{spec.name}-resiliency"


def build_dapr_configuration(spec: ServiceSpec) -> CommentedMap:
    """The Configuration the sidecar loads through `dapr.io/config`."""
    return build_map(
        ("apiVersion", DAPR_API),
        ("kind", "Configuration"),
        ("metadata", {"name": dapr_config_name(spec)}),
        (
            "spec",
            {
                "tracing": {"samplingRate": "1", "stdout": False},
                "metric": {"enabled": True},
            },
        ),
    )


def _policies() -> CommentedMap:
    return build_map(
        ("timeouts", {TIMEOUT: "5s"}),
        (
            "retries",
            {
                RETRY: {
                    "policy": "exponential",
                    "duration": "200ms",
                    "maxInterval": "5s",
                    "maxRetries": 3,
                }
            },
        ),
        (
            "circuitBreakers",
            {
                BREAKER: {
                    "maxRequests": 1,
                    "interval": "30s",
                    "timeout": "30s",
                    "trip": "consecutiveFailures > 5",
                }
            },
        ),
    )


def _outbound() -> dict[str, str]:
    return {"timeout": TIMEOUT, "retry": RETRY, "circuitBreaker": BREAKER}


def build_resiliency(spec: ServiceSpec, features: frozenset[FeatureName]) -> CommentedMap | None:
    """Resiliency for the state store, pubsub and invoked apps the service uses; None if none."""
    components = CommentedMap()
    if FeatureName.STATE in features:
        components[spec.state_store] = build_map(("outbound", _outbound()))
    if FeatureName.PUBSUB in features:
        components[spec.pubsub] = build_map(
            ("outbound", _outbound()), ("inbound", {"timeout": TIMEOUT, "retry": RETRY})
        )
    apps = CommentedMap()
    if FeatureName.INVOKE in features:
        for invoke in spec.invokes:
            apps[invoke.app_id] = build_map(*_outbound().items())
    if not components and not apps:
        return None
    targets = CommentedMap()
    if components:
        targets["components"] = components
    if apps:
        targets["apps"] = apps
    return build_map(
        ("apiVersion", DAPR_API),
        ("kind", "Resiliency"),
        ("metadata", {"name": resiliency_name(spec)}),
        ("spec", build_map(("policies", _policies()), ("targets", targets))),
        ("scopes", [spec.name]),
    )
