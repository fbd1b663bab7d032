"""Everything of the echo agent that touches the OpenAI Agents SDK.

`agent.py` imports this module on the first turn, so the rest of the service never pays for
the SDK. `MODEL_SLOT.model` replaces the configured model (tests install a scripted one
there).
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    RunConfig,
    Runner,
    TResponseInputItem,
)
from agents.exceptions import MaxTurnsExceeded, ModelBehaviorError
from agents.models.interface import Model
from dapr.aio.clients import DaprClient
from openai import APIConnectionError, APIResponseValidationError, APIStatusError, AsyncOpenAI

from echo.agent import AgentAnswerError, AgentConfigurationError, AgentUnavailableError
from echo.events import EchoAsk
from echo.settings import get_settings

INSTRUCTIONS = "Reply briefly."

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


def build_agent(client: DaprClient, event: EchoAsk) -> Agent[None]:
    """The agent for one request: its instructions, the model, and its state-reading tools."""
    settings = get_settings()
    return Agent(
        name="echo",
        instructions=INSTRUCTIONS,
        model=MODEL_SLOT.model or configured_model(),
        model_settings=ModelSettings(max_tokens=settings.agent_max_output_tokens),
        tools=[],
    )


async def run_agent(
    client: DaprClient, event: EchoAsk, history: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """Run one turn after `history`: the answer, and the turn's items (the request onwards)."""
    turn: list[TResponseInputItem] = [{"role": "user", "content": event.model_dump_json()}]
    items = [*cast(list[TResponseInputItem], history), *turn]
    try:
        result = await Runner.run(
            build_agent(client, event),
            items,
            max_turns=get_settings().agent_max_turns,
            run_config=RunConfig(tracing_disabled=True),
        )
    except APIConnectionError as error:
        raise AgentUnavailableError(f"the model server is unreachable: {error}") from error
    except APIStatusError as error:
        if error.status_code in CONFIGURATION_STATUSES:
            if error.code == "context_length_exceeded":
                raise AgentAnswerError(f"the request is too long: {error.message}") from error
            raise configuration_error(error) from error
        raise AgentUnavailableError(f"the model server failed: {error}") from error
    except MaxTurnsExceeded as error:
        turns = get_settings().agent_max_turns
        raise AgentAnswerError(
            f"the model made AGENT_MAX_TURNS ({turns}) calls without answering"
        ) from error
    except ModelBehaviorError as error:
        raise AgentAnswerError(f"the model misbehaved: {error}") from error
    except (APIResponseValidationError, ValueError, TypeError, AttributeError) as error:
        # What the OpenAI client raises for a 2xx answer that is not a chat completion (not
        # JSON, or JSON of another shape): the server at OPENAI_BASE_URL answers, but not as
        # an OpenAI-compatible API.
        raise AgentAnswerError(
            f"the model server's answer is not a chat completion ({type(error).__name__}); "
            "is OPENAI_BASE_URL an OpenAI-compatible API?"
        ) from error
    answer = result.final_output if isinstance(result.final_output, str) else ""
    return answer, cast(list[dict[str, Any]], result.to_input_list()[len(history) :])
