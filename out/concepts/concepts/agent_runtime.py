"""Everything of the concepts agent that touches the OpenAI Agents SDK.

`agent.py` imports this module on the first turn, so the rest of the service never pays for
the SDK. `MODEL_SLOT.model` replaces the configured model (tests install a scripted one
there).
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from agents import (
    Agent,
    FunctionTool,
    ModelSettings,
    OpenAIChatCompletionsModel,
    RunConfig,
    Runner,
    TResponseInputItem,
    function_tool,
)
from agents.models.interface import Model
from dapr.aio.clients import DaprClient
from openai import APIConnectionError, AsyncOpenAI, InternalServerError, RateLimitError

from concepts.agent import AgentUnavailableError
from concepts.events import LearningConceptRequest
from concepts.settings import get_settings
from concepts.state import get_mastery

INSTRUCTIONS = (
    "You explain Python concepts to a learner. Match the learner's level: read their "
    "mastery first, start from what they know, use one short runnable example, and end "
    "with a question that checks understanding."
)


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


def mastery_tool(client: DaprClient, event: LearningConceptRequest) -> FunctionTool:
    """The tool that reads `mastery:{user_id}` for the request (`user_id` from the request, never
    from the model).
    """

    async def read_mastery() -> str:
        """Read `mastery:{user_id}` from the state store.

        Its value as JSON, or `none` when nothing is stored.
        """
        stored = await get_mastery(client, event.user_id)
        return stored.value.model_dump_json() if stored is not None else "none"

    return function_tool(read_mastery)


def build_agent(client: DaprClient, event: LearningConceptRequest) -> Agent[None]:
    """The agent for one request: its instructions, the model, and its state-reading tools."""
    settings = get_settings()
    return Agent(
        name="concepts",
        instructions=INSTRUCTIONS,
        model=MODEL_SLOT.model or configured_model(),
        model_settings=ModelSettings(max_tokens=settings.agent_max_output_tokens),
        tools=[mastery_tool(client, event)],
    )


async def run_agent(
    client: DaprClient, event: LearningConceptRequest, history: list[dict[str, Any]]
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
    except (APIConnectionError, RateLimitError, InternalServerError) as error:
        raise AgentUnavailableError(f"the model server failed: {error}") from error
    answer = result.final_output if isinstance(result.final_output, str) else ""
    return answer, cast(list[dict[str, Any]], result.to_input_list()[len(history) :])
