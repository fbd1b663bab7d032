"""Everything of the code-review agent that touches the OpenAI Agents SDK.

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

from code_review.agent import AgentUnavailableError
from code_review.events import CodeReviewRequest
from code_review.settings import get_settings
from code_review.state import get_patterns

INSTRUCTIONS = (
    "You review a learner's Python code. Point out correctness problems first, then "
    "style and idiom (PEP 8, naming, clarity), and name patterns the learner repeats. Be "
    "specific and kind; quote the line you mean."
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


def patterns_tool(client: DaprClient, event: CodeReviewRequest) -> FunctionTool:
    """The tool that reads `patterns:{user_id}` for the request (`user_id` from the request,
    never from the model).
    """

    async def read_patterns() -> str:
        """Read `patterns:{user_id}` from the state store.

        Its value as JSON, or `none` when nothing is stored.
        """
        stored = await get_patterns(client, event.user_id)
        return stored.value.model_dump_json() if stored is not None else "none"

    return function_tool(read_patterns)


def build_agent(client: DaprClient, event: CodeReviewRequest) -> Agent[None]:
    """The agent for one request: its instructions, the model, and its state-reading tools."""
    settings = get_settings()
    return Agent(
        name="code-review",
        instructions=INSTRUCTIONS,
        model=MODEL_SLOT.model or configured_model(),
        model_settings=ModelSettings(max_tokens=settings.agent_max_output_tokens),
        tools=[patterns_tool(client, event)],
    )


async def run_agent(
    client: DaprClient, event: CodeReviewRequest, history: list[dict[str, Any]]
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
