"""The environment a generated service reads (its pydantic-settings names), from one model.

The ConfigMap, the local multi-app run file and the checks all take the variables from here, so
the names the code reads and the values the manifests set cannot drift apart:

    APP_ID=triage  LOG_LEVEL=INFO  DAPR_TIMEOUT_SECONDS=5  STATE_STORE=statestore
    PUBSUB_NAME=pubsub  OPENAI_BASE_URL=...  OPENAI_MODEL=...  OPENAI_API_KEY <- Secret openai
"""

from __future__ import annotations

from dataclasses import dataclass

from synth.spec import FeatureName, ServiceSpec

__all__ = [
    "AGENT_HISTORY_MAX_BYTES",
    "APP_ID",
    "DAPR_TIMEOUT_SECONDS",
    "LOG_LEVEL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "PUBSUB_NAME",
    "STATE_STORE",
    "SecretEnv",
    "build_plain_env",
    "build_secret_env",
]

APP_ID = "APP_ID"
LOG_LEVEL = "LOG_LEVEL"
STATE_STORE = "STATE_STORE"
PUBSUB_NAME = "PUBSUB_NAME"
DAPR_TIMEOUT_SECONDS = "DAPR_TIMEOUT_SECONDS"
OPENAI_BASE_URL = "OPENAI_BASE_URL"
OPENAI_MODEL = "OPENAI_MODEL"
OPENAI_API_KEY = "OPENAI_API_KEY"
AGENT_HISTORY_MAX_BYTES = "AGENT_HISTORY_MAX_BYTES"

DEFAULT_LOG_LEVEL = "INFO"
DEFAULT_DAPR_TIMEOUT_SECONDS = "5"
DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_AGENT_HISTORY_MAX_BYTES = "262144"


@dataclass(frozen=True)
class SecretEnv:
    """A variable whose value only ever comes from a Kubernetes Secret (never written out);
    `optional`: the pod starts without the Secret (the feature runs degraded, e.g. the agent
    answers 503 without a key)."""

    env: str
    secret: str
    key: str
    optional: bool = False


def build_plain_env(spec: ServiceSpec, features: frozenset[FeatureName]) -> dict[str, str]:
    """The non-secret variables and their values, in a stable order (all values strings)."""
    env = {
        APP_ID: spec.name,
        LOG_LEVEL: DEFAULT_LOG_LEVEL,
        DAPR_TIMEOUT_SECONDS: DEFAULT_DAPR_TIMEOUT_SECONDS,
    }
    if FeatureName.STATE in features:
        env[STATE_STORE] = spec.state_store
    if FeatureName.PUBSUB in features:
        env[PUBSUB_NAME] = spec.pubsub
    if FeatureName.AGENT in features:
        env[OPENAI_BASE_URL] = DEFAULT_OPENAI_BASE_URL
        env[OPENAI_MODEL] = DEFAULT_OPENAI_MODEL
        env[AGENT_HISTORY_MAX_BYTES] = DEFAULT_AGENT_HISTORY_MAX_BYTES
    return env


def build_secret_env(features: frozenset[FeatureName]) -> list[SecretEnv]:
    """The variables read from Secrets (by reference only)."""
    if FeatureName.AGENT in features:
        return [SecretEnv(OPENAI_API_KEY, secret="openai", key="api-key", optional=True)]
    return []
