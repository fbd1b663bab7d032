"""What the `agent` feature deploys: the model server's settings (the API key from an optional
Secret: without it the agent answers 503), the egress rule to the model's HTTPS API, and the
inbound handler budget (a delivery may wait for a whole agent turn)."""

from __future__ import annotations

from synth.features.base import DeployPieces, EnvVar, HandlerBudget, SecretRef
from synth.manifests.cluster import MODEL_SECRET, MODEL_SECRET_KEY
from synth.manifests.dapr_config import AGENT_HANDLER, AGENT_TURN_SECONDS
from synth.manifests.network import https_egress
from synth.spec import FeatureName, ServiceSpec

__all__ = [
    "AGENT_HISTORY_MAX_BYTES",
    "MAX_OUTPUT_TOKENS",
    "MAX_TURNS",
    "OPENAI_API_KEY",
    "TIMEOUT_SECONDS",
    "deployment",
]

OPENAI_API_KEY = "OPENAI_API_KEY"
AGENT_HISTORY_MAX_BYTES = "AGENT_HISTORY_MAX_BYTES"
TIMEOUT_SECONDS = "60.0"
MAX_TURNS = "6"
MAX_OUTPUT_TOKENS = "1024"
_KEY_REF = SecretRef(
    MODEL_SECRET,
    MODEL_SECRET_KEY,
    optional=True,
    reason="OPENAI_API_KEY is read from the environment by the generated settings and the "
    "OpenAI SDK; the Secret is optional and never written to disk",
)


def deployment(spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
    """The agent's pieces."""
    return DeployPieces(
        env=(
            EnvVar(
                OPENAI_API_KEY,
                "",
                "Model server API key (no key: agent off)",
                secret=True,
                setting="SecretStr | None",
                field_default="None",
                secret_ref=_KEY_REF,
            ),
            EnvVar(
                "OPENAI_BASE_URL",
                "https://api.openai.com/v1",
                "Any OpenAI-compatible server",
                setting="str",
                deployed=True,
            ),
            EnvVar(
                "OPENAI_MODEL",
                "gpt-4o-mini",
                "Chat model the agent runs on",
                setting="str",
                deployed=True,
            ),
            EnvVar(
                "AGENT_TIMEOUT_SECONDS", TIMEOUT_SECONDS, "Limit of one agent turn", setting="float"
            ),
            EnvVar(
                "AGENT_MAX_TURNS",
                MAX_TURNS,
                "Model calls per turn (tool calls included)",
                setting="int",
            ),
            EnvVar(
                "AGENT_MAX_OUTPUT_TOKENS",
                MAX_OUTPUT_TOKENS,
                "Tokens per model answer",
                setting="int",
            ),
            EnvVar(
                AGENT_HISTORY_MAX_BYTES,
                "262144",
                "Bound of a stored conversation (bytes of JSON)",
                setting="int",
                deployed=True,
            ),
        ),
        egress=(https_egress(),),
        handler=HandlerBudget(
            AGENT_HANDLER, AGENT_TURN_SECONDS, "an agent turn", "the model is still answering"
        ),
    )
