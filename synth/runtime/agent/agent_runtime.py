"""The agent's fixed SDK side: the model it runs on, and what a refused setting means.

The feature adds the spec-shaped rest of `<package>/agent_runtime.py` (INSTRUCTIONS, a tool
per state key the agent reads, `build_agent` and `run_agent`, typed with the request model).
"""

from dataclasses import dataclass
from functools import lru_cache

from agents import OpenAIChatCompletionsModel
from agents.models.interface import Model
from openai import APIStatusError, AsyncOpenAI

from synth.runtime.agent.agent import AgentConfigurationError
from synth.runtime.standin.settings import get_settings

# Answers that mean the settings are wrong, not the moment: retrying cannot help until someone
# fixes OPENAI_API_KEY, OPENAI_BASE_URL or OPENAI_MODEL. Every other status (408, 409, 429,
# 5xx) is the server's moment and is retried.
CONFIGURATION_STATUSES = frozenset({400, 401, 403, 404, 422})


@dataclass
class ModelSlot:
    """The model the agent runs on when one is installed instead of the configured one."""

    model: Model | None = None


MODEL_SLOT = ModelSlot()


@lru_cache(maxsize=1)
def configured_model() -> Model:
    """The chat model of any OpenAI-compatible server the settings name (one per process)."""
    settings = get_settings()
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    client = AsyncOpenAI(api_key=key, base_url=settings.openai_base_url)
    return OpenAIChatCompletionsModel(model=settings.openai_model, openai_client=client)


def configuration_error(error: APIStatusError) -> AgentConfigurationError:
    """The refusal of a 4xx as an error naming the setting to fix."""
    settings = get_settings()
    url, model, code = settings.openai_base_url, settings.openai_model, error.status_code
    if code == 401:
        problem = "OPENAI_API_KEY was refused by the model server"
    elif code == 403:
        problem = f"OPENAI_API_KEY may not use OPENAI_MODEL {model!r}"
    elif code == 404:
        problem = (
            f"OPENAI_BASE_URL {url!r} or OPENAI_MODEL {model!r} was not found "
            "(an OpenAI-compatible base URL usually ends in /v1)"
        )
    else:
        problem = f"the model server refused the request; check OPENAI_MODEL {model!r}"
    return AgentConfigurationError(f"agent misconfigured: {problem} (HTTP {code}: {error.message})")
