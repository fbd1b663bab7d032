"""The service's Dapr Configuration (`<name>-config`) and Resiliency documents.

Configuration carries tracing only (app health checks are pod annotations, not Configuration
fields). Resiliency gives each target the policy that matches what the generated code does:

    state outbound     timeout only: an ETag conflict is an error to Dapr's resiliency, so a
                       retry resends the stale ETag and a breaker counts conflicts as failures
                       (dapr/dapr `pkg/resiliency/breaker/circuitbreaker.go`: gobreaker counts
                       every error); the generated `update_*` helper retries conflicts itself
                       with a fresh read, and a transient failure reaches the broker as RETRY
    pubsub outbound    timeout, exponential retry, circuit breaker (publishing is idempotent
                       for the subscriber: it deduplicates by event id)
    pubsub inbound     the handler's timeout (longer than an agent turn when the service has
                       an agent: AGENT_TIMEOUT_SECONDS), constant redelivery, then dead letter
    apps outbound      timeout above the client's INVOKE_TIMEOUT_SECONDS and a breaker, no retry:
                       the generated client retries GET itself and never retries POST

Exponential retries take no `duration` (dapr/dapr `pkg/apis/resiliency/v1alpha1/types.go`: the
policy has policy/duration/maxInterval/maxRetries; `pkg/resiliency/resiliency.go` decodes them
into dapr/kit's retry config, where `duration` is the constant policy's interval and the
exponential one starts from the kit's initial interval, 500 ms).
"""

from __future__ import annotations

from collections.abc import Sequence

from ruamel.yaml.comments import CommentedMap

from synth.features.base import ResiliencyTarget
from synth.manifests.cluster import APP_NAMESPACE
from synth.manifests.components import DAPR_API
from synth.manifests.kubernetes import dapr_config_name
from synth.manifests.yaml_docs import build_map
from synth.spec import ServiceSpec

__all__ = [
    "AGENT_HANDLER",
    "AGENT_TURN_SECONDS",
    "BREAKER",
    "DAPR_CALL",
    "HANDLER",
    "INVOKE",
    "INVOKE_TIMEOUT_SECONDS",
    "REDELIVER",
    "RETRY",
    "build_dapr_configuration",
    "build_resiliency",
    "resiliency_name",
]

# What the generated code waits for (synth/features/agent.py and invoke.py; a test holds them
# equal): an agent turn, and one service-invocation call.
AGENT_TURN_SECONDS = 60
INVOKE_TIMEOUT_SECONDS = 10
DAPR_CALL = "daprCall"
HANDLER = "handler"
AGENT_HANDLER = "agentTurn"
INVOKE = "invoke"
RETRY = "transient"
REDELIVER = "redeliver"
BREAKER = "failfast"
_TIMEOUTS = {
    DAPR_CALL: "5s",
    HANDLER: "30s",
    AGENT_HANDLER: f"{AGENT_TURN_SECONDS + 15}s",
    INVOKE: f"{INVOKE_TIMEOUT_SECONDS + 2}s",
}


def resiliency_name(spec: ServiceSpec) -> str:
    """The name of the service's Resiliency document."""
    return f"{spec.name}-resiliency"


def build_dapr_configuration(spec: ServiceSpec) -> CommentedMap:
    """The Configuration the sidecar loads through `dapr.io/config`."""
    return build_map(
        ("apiVersion", DAPR_API),
        ("kind", "Configuration"),
        ("metadata", {"name": dapr_config_name(spec), "namespace": APP_NAMESPACE}),
        (
            "spec",
            {
                "tracing": {"samplingRate": "1", "stdout": False},
                "metric": {"enabled": True},
            },
        ),
    )


def _policies(timeouts: list[str], retries: set[str], breaker: bool) -> CommentedMap:
    policies = build_map(("timeouts", {name: _TIMEOUTS[name] for name in timeouts}))
    retry_policies = {
        RETRY: {"policy": "exponential", "maxInterval": "5s", "maxRetries": 3},
        REDELIVER: {"policy": "constant", "duration": "2s", "maxRetries": 3},
    }
    if retries:
        policies["retries"] = {name: retry_policies[name] for name in sorted(retries)}
    if breaker:
        policies["circuitBreakers"] = {
            BREAKER: {
                "maxRequests": 1,
                "interval": "30s",
                "timeout": "30s",
                "trip": "consecutiveFailures > 5",
            }
        }
    return policies


def build_resiliency(
    spec: ServiceSpec, wanted: Sequence[ResiliencyTarget], handler: str = HANDLER
) -> CommentedMap | None:
    """Resiliency for the components and apps the features target (`handler`: the inbound
    handlers' timeout policy); None if nothing is targeted."""
    components = CommentedMap()
    apps = CommentedMap()
    for target in wanted:
        if target.kind == "apps":
            apps[target.name] = build_map(*target.outbound)
            continue
        entry = CommentedMap()
        if target.outbound:
            entry["outbound"] = dict(target.outbound)
        if target.inbound:
            entry["inbound"] = {"timeout": handler, **dict(target.inbound)}
        components[target.name] = build_map(*entry.items())
    if not components and not apps:
        return None
    targets = CommentedMap()
    if components:
        targets["components"] = components
    if apps:
        targets["apps"] = apps
    used = [t for targets_of in (components, apps) for t in _named(targets_of)]
    timeouts = [name for name in _TIMEOUTS if name in {u for kind, u in used if kind == "timeout"}]
    retries = {u for kind, u in used if kind == "retry"}
    breaker = any(kind == "circuitBreaker" for kind, _u in used)
    return build_map(
        ("apiVersion", DAPR_API),
        ("kind", "Resiliency"),
        ("metadata", {"name": resiliency_name(spec), "namespace": APP_NAMESPACE}),
        (
            "spec",
            build_map(("policies", _policies(timeouts, retries, breaker)), ("targets", targets)),
        ),
        ("scopes", [spec.name]),
    )


def _named(targets: CommentedMap) -> list[tuple[str, str]]:
    """(policy kind, policy name) of every reference under a targets map."""
    found: list[tuple[str, str]] = []
    for target in targets.values():
        for key, value in target.items():
            if isinstance(value, dict):
                found.extend((str(k), str(v)) for k, v in value.items())
            else:
                found.append((str(key), str(value)))
    return found
