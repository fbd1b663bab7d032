"""What the `invoke` feature deploys: a Resiliency target per invoked app (timeout above the
client's own, a breaker, no retry) and the egress rule to the platform's sidecars."""

from __future__ import annotations

from synth.features.base import DeployPieces, EnvVar, ResiliencyTarget
from synth.manifests.dapr_config import BREAKER, INVOKE, INVOKE_TIMEOUT_SECONDS
from synth.manifests.network import sidecars_egress
from synth.spec import FeatureName, ServiceSpec

__all__ = ["deployment"]


def deployment(spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
    """The invoked apps' pieces (none when the spec invokes nothing)."""
    if not spec.invokes:
        return DeployPieces()
    return DeployPieces(
        env=(
            EnvVar(
                "INVOKE_TIMEOUT_SECONDS",
                str(INVOKE_TIMEOUT_SECONDS),
                "Timeout of each service invocation call",
                setting="int",
            ),
        ),
        resiliency=tuple(
            ResiliencyTarget(
                "apps", call.app_id, outbound=(("timeout", INVOKE), ("circuitBreaker", BREAKER))
            )
            for call in spec.invokes
        ),
        egress=(sidecars_egress(),),
    )
