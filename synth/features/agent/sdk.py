"""`<package>/agent_runtime.py`: everything of the agent that imports the Agents SDK.

The fixed part (the model slot, the configured model, what a refused setting means) is the
runtime module `synth/runtime/agent/agent_runtime.py`; the instructions, a tool per state key
the agent reads, and the two functions typed with the request model are built here.
"""

from __future__ import annotations

import libcst as cst

from synth.codegen import Unit, build_annotation, build_docstring, build_list, build_name, build_str
from synth.codegen.runtime import runtime_units
from synth.features.agent.checks import carried
from synth.features.agent.nodes import build_text, call, units
from synth.spec import AgentSpec, ServiceSpec, StateKeySpec, TopicSpec

__all__ = ["sdk_units", "tool_name"]

_INSTRUCTIONS = """
INSTRUCTIONS = {instructions}
"""

_TOOL = """
from agents import FunctionTool, function_tool
from dapr.aio.clients import DaprClient

from {package}.events import {request}
from {package}.state import {read}


def {factory}(client: DaprClient, event: {request}) -> FunctionTool:
    {factory_doc}

    async def {tool}({params}) -> str:
        {tool_doc}
        stored = await {call}
        return stored.value.model_dump_json() if stored is not None else "none"

    return function_tool({tool})
"""

_BUILD = '''
from agents import Agent, ModelSettings
from dapr.aio.clients import DaprClient

from {package}.events import {request}
from {package}.settings import get_settings


def build_agent(client: DaprClient, event: {request}) -> Agent[None]:
    """The agent for one request: its instructions, the model, and its state-reading tools."""
    settings = get_settings()
    return Agent(
        name={name},
        instructions=INSTRUCTIONS,
        model=MODEL_SLOT.model or configured_model(),
        model_settings=ModelSettings(max_tokens=settings.agent_max_output_tokens),
        tools={tools},
    )
'''

_RUN = '''
from typing import Any, cast

from agents import RunConfig, Runner, TResponseInputItem
from agents.exceptions import MaxTurnsExceeded, ModelBehaviorError
from dapr.aio.clients import DaprClient
from openai import APIConnectionError, APIResponseValidationError, APIStatusError

from {package}.agent import AgentAnswerError, AgentUnavailableError
from {package}.events import {request}
from {package}.settings import get_settings


async def run_agent(
    client: DaprClient, event: {request}, history: list[dict[str, Any]]
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
'''


def tool_name(key: StateKeySpec) -> str:
    """The name the model calls the tool that reads `key` by: `read_mastery`."""
    return f"read_{key.helper_name}"


def sdk_units(
    spec: ServiceSpec, agent: AgentSpec, request: TopicSpec, keys: list[StateKeySpec]
) -> tuple[Unit, ...]:
    """`<package>/agent_runtime.py`, in its order: instructions, runtime, tools, agent, run."""
    doc = build_docstring(
        f"Everything of the {spec.name} agent that touches the OpenAI Agents SDK.\n\n"
        "`agent.py` imports this module on the first turn, so the rest of the service never "
        "pays for the SDK. `MODEL_SLOT.model` replaces the configured model (tests install a "
        "scripted one there)."
    )
    package = build_name(spec.package)
    model = build_name(request.model_name)
    tools = [_tool(package, model, request, key) for key in keys]
    factories: list[cst.BaseExpression] = [
        call(f"{key.helper_name}_tool", [cst.Name("client"), cst.Name("event")]) for key in keys
    ]
    return (
        Unit(doc),
        *units(_INSTRUCTIONS, instructions=build_text(agent.instructions)),
        *runtime_units("agent/agent_runtime.py", spec.package, docstring=False).units,
        *(unit for tool in tools for unit in tool),
        *units(
            _BUILD,
            package=package,
            request=model,
            name=build_str(spec.name),
            tools=build_list(factories),
        ),
        *units(_RUN, package=package, request=model),
    )


def _tool(
    package: cst.Name, model: cst.Name, request: TopicSpec, key: StateKeySpec
) -> tuple[Unit, ...]:
    """The factory of the tool that reads `key`: a placeholder the request carries is bound
    from the request, the others are the tool's parameters."""
    bound = carried(request)
    asked = [p for p in key.params if p not in bound]
    args: list[cst.BaseExpression] = [cst.Name("client")]
    args += [
        cst.Attribute(cst.Name("event"), build_name(p)) if p in bound else build_name(p)
        for p in key.params
    ]
    from_request = ", ".join(f"`{p}`" for p in key.params if p in bound)
    source = f" ({from_request} from the request, never from the model)." if from_request else "."
    what = f"`{key.key}` from the state store" + (
        f" ({key.description})" if key.description else ""
    )
    read = f"get_{key.helper_name}"
    return units(
        _TOOL,
        package=package,
        request=model,
        factory=build_name(f"{key.helper_name}_tool"),
        tool=build_name(tool_name(key)),
        params=cst.Parameters([cst.Param(build_name(p), build_annotation("str")) for p in asked]),
        read=build_name(read),
        call=call(read, args),
        factory_doc=build_docstring(
            f"The tool that reads `{key.key}` for the request{source}",
            indent=4,
        ),
        tool_doc=build_docstring(
            f"Read {what}.\n\nIts value as JSON, or `none` when nothing is stored.",
            indent=8,
        ),
    )
