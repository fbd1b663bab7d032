"""What every service deploys for the `app` feature: the variables its settings and the Dapr SDK
read (the ConfigMap sets the app id, log level and sidecar timeout; the Dapr injector sets the
sidecar's ports)."""

from __future__ import annotations

from synth.features.base import DeployPieces, EnvVar
from synth.manifests.environment import APP_ID, LOG_LEVEL
from synth.spec import FeatureName, ServiceSpec

__all__ = ["deployment"]


def deployment(spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
    """The app's environment."""
    return DeployPieces(
        env=(
            EnvVar(APP_ID, spec.name, "Dapr app id of this service", setting="str", deployed=True),
            EnvVar(
                LOG_LEVEL, "INFO", "Log level (JSON lines on stderr)", setting="str", deployed=True
            ),
            EnvVar(
                "DAPR_RUNTIME_HOST",
                "127.0.0.1",
                "Dapr sidecar host",
                setting="str",
                listed=False,
            ),
            EnvVar(
                "DAPR_HTTP_PORT",
                "3500",
                "Dapr sidecar HTTP port (read by the Dapr SDK)",
                setting="int",
            ),
            EnvVar("DAPR_GRPC_PORT", "50001", "Dapr sidecar gRPC port (read by the Dapr SDK)"),
            EnvVar(
                "DAPR_TIMEOUT_SECONDS",
                "5.0",
                "Timeout of sidecar health checks",
                setting="float",
                deployed="5",
            ),
        )
    )
