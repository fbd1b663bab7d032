"""`<package>/agent.py` and the agent's handler of its request topic in `<package>/handlers.py`.

The fixed core (errors, Conversation, `remember`, the `/ready` note) is the runtime module
`synth/runtime/agent/agent.py`; what names the spec's event models is built here.
"""

from __future__ import annotations

import libcst as cst

from synth.codegen import Unit, build_docstring, build_name
from synth.codegen.runtime import runtime_units
from synth.features.agent.nodes import units
from synth.features.agent.reply import Reply
from synth.spec import AgentSpec, ServiceSpec

__all__ = ["CONVERSATION_TTL_SECONDS", "HISTORY_LIMIT", "agent_units", "handler_unit"]

# as in synth/runtime/agent/agent.py (a test holds them equal)
HISTORY_LIMIT = 20
CONVERSATION_TTL_SECONDS = 604800

_REPLY = """
from datetime import UTC, datetime

from {package}.events import {request}, {response}


def reply_event(event: {request}, answer: str) -> {response}:
    {doc}
    return {reply}
"""

_ASK = '''
import asyncio
import importlib

from dapr.aio.clients import DaprClient

from {package}.events import {request}, {response}
from {package}.settings import get_settings
from {package}.state import read_value, update_value


async def ask_agent(client: DaprClient, event: {request}) -> {response}:
    """One turn of the agent in the event's session: the reply event with the model's answer.

    Raises AgentUnavailableError (no key, model unreachable), AgentConfigurationError (the
    model server refused a setting), TimeoutError (no answer within AGENT_TIMEOUT_SECONDS) or
    AgentAnswerError (the model misbehaved); it never answers without the model.
    """
    problem = agent_problem()
    if problem:
        raise AgentUnavailableError(f"agent {problem}")
    # The SDK takes seconds to import: the first turn imports it off the event loop.
    await asyncio.to_thread(importlib.import_module, ".agent_runtime", __package__)
    from {package}.agent_runtime import run_agent

    key = conversation_key(event.session_id)
    stored = await read_value(client, key, Conversation)
    history = stored.value.items if stored is not None else []
    async with asyncio.timeout(get_settings().agent_timeout_seconds):
        answer, turn = await run_agent(client, event, history)
    if not answer.strip():
        raise AgentAnswerError("the model finished without an answer")
    await update_value(
        client,
        key,
        Conversation,
        lambda current: remember(current, turn, get_settings().agent_history_max_bytes),
        ttl_seconds=CONVERSATION_TTL_SECONDS,
    )
    logger.info(
        "agent answered in session %s",
        event.session_id,
        extra={"fields": {"session_id": event.session_id, "items": len(turn)}},
    )
    return reply_event(event, answer)
'''

_ANSWER = """
from dapr.aio.clients import DaprClient

from {package}.events import EventContext, {request}
from {package}.publishers import {publisher}


async def answer_request(event: {request}, context: EventContext, client: DaprClient) -> None:
    {doc}
    reply = await ask_agent(client, event)
    await {publisher}(client, reply, trace=context)
"""

_ROUTE = '''
from typing import Annotated

from dapr.aio.clients import DaprClient
from fastapi import Depends, HTTPException, status

from {package}.dapr_client import get_dapr_client
from {package}.events import {request}, {response}


@agent_router.post(
    "/agent/ask",
    responses={
        502: {"description": "The model misbehaved (no answer, or over AGENT_MAX_TURNS)"},
        503: {
            "description": "No model can be reached (no OPENAI_API_KEY, a setting the model "
            "server refused, or the server down), with the reason"
        },
        504: {"description": "The model did not answer within AGENT_TIMEOUT_SECONDS"},
    },
)
async def ask(
    event: {request}, client: Annotated[DaprClient, Depends(get_dapr_client)]
) -> {response}:
    """Ask the agent directly: the request event in, the reply event out (nothing published)."""
    try:
        return await ask_agent(client, event)
    except AgentUnavailableError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error)) from error
    except TimeoutError as error:
        detail = "the model did not answer within AGENT_TIMEOUT_SECONDS"
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, detail=detail) from error
    except AgentAnswerError as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=str(error)) from error
'''

_HANDLER = """
from dapr.aio.clients import DaprClient

from {package}.agent import answer_request
from {package}.events import EventContext, {model}


async def {handler}(event: {model}, context: EventContext, client: DaprClient) -> None:
    {doc}
    await answer_request(event, context, client)
"""


def agent_units(spec: ServiceSpec, agent: AgentSpec, reply: Reply) -> tuple[Unit, ...]:
    """`<package>/agent.py`: the runtime core, then the reply, the turn, the handler's body and
    the route, typed with the spec's request and response models."""
    doc = build_docstring(
        f"The agent of the {spec.name} service: it answers `{agent.request_topic}` events "
        f"with `{agent.response_topic}` events, and `POST /agent/ask` directly.\n\n"
        "Stateless: a session's conversation lives in the state store under "
        f"`conversation:{{session_id}}` (the last {HISTORY_LIMIT} items, appended under its "
        "ETag), so any replica serves any turn. The Agents SDK is imported on the first "
        "turn only (`agent_runtime`). Without OPENAI_API_KEY the agent is off: `/agent/ask` "
        "answers 503, request events are retried, and `/ready` says why."
    )
    names: dict[str, cst.CSTNode] = {
        "package": build_name(spec.package),
        "request": build_name(reply.request.model_name),
        "response": build_name(reply.response.model_name),
    }
    answer_doc = build_docstring(
        f"Answer one `{agent.request_topic}` event: publish the agent's reply to "
        f"`{agent.response_topic}`, with the request's trace.\n\nNo key, a setting the "
        "model server refuses, an unreachable model or a timeout raise transient errors, "
        "so the event is retried (and dead-lettered once Dapr's retries run out); a "
        "model that misbehaves dead-letters it at once. Nothing is published without "
        "the model's answer.",
        indent=4,
    )
    return (
        Unit(doc),
        *runtime_units("agent/agent.py", spec.package, docstring=False).units,
        *units(
            _REPLY,
            **names,
            reply=reply.call(),
            doc=build_docstring(reply.describe(), indent=4),
        ),
        *units(_ASK, **names),
        *units(
            _ANSWER,
            package=names["package"],
            request=names["request"],
            publisher=build_name(reply.response.publisher_name),
            doc=answer_doc,
        ),
        *units(_ROUTE, **names),
    )


def handler_unit(spec: ServiceSpec, reply: Reply) -> Unit:
    """The handler of the request topic, which pubsub writes for the owner: here it hands the
    event to the agent (it replaces pubsub's unit of the same name)."""
    request = reply.request
    (unit,) = units(
        _HANDLER,
        package=build_name(spec.package),
        handler=build_name(request.handler_name),
        model=build_name(request.model_name),
        doc=build_docstring(
            f"Handle one `{request.topic}` event.\n\nThis is the extension point: the agent "
            "answers it and publishes the reply.",
            indent=4,
        ),
    )
    return Unit(unit.node, unit.imports, unit.container, replaces=True)
