"""The agent of the echo service: it answers `echo.ask` events with `echo.reply` events, and
`POST /agent/ask` directly.

Stateless: a session's conversation lives in the state store under `conversation:{session_id}`
(the last 20 items, appended under its ETag), so any replica serves any turn. The Agents SDK
is imported on the first turn only (`agent_runtime`). Without OPENAI_API_KEY the agent is off:
`/agent/ask` answers 503, request events are retried, and `/ready` says why.
"""

import asyncio
import importlib
import logging
from typing import Annotated, Any

from dapr.aio.clients import DaprClient
from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from echo.dapr_client import get_dapr_client
from echo.events import EchoAsk, EchoReply, EventContext
from echo.health import readiness_note
from echo.publishers import publish_echo_reply
from echo.settings import get_settings
from echo.state import read_value, update_value

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 20

CONVERSATION_TTL_SECONDS = 604800

agent_router = APIRouter(tags=["agent"])


class AgentUnavailableError(ConnectionError):
    """No model can be reached: no API key, or the model server is unreachable or busy.

    A ConnectionError, so a subscriber answers RETRY: the event is valid, and a replica that
    reaches a model answers it; Dapr dead-letters it once its retries run out.
    """


class AgentConfigurationError(AgentUnavailableError):
    """The model server refused the settings (key, base URL, model); the message names which.

    Unavailable until someone fixes the setting: 503 on `/agent/ask`, RETRY for events, as
    with a missing key, so no event is dead-lettered for a mistake in the deployment.
    """


class AgentAnswerError(RuntimeError):
    """The model misbehaved: no answer, an answer that is not a chat completion, or more
    model calls than AGENT_MAX_TURNS. Nothing is made up in its place.

    Permanent for this event: 502 on `/agent/ask`; an event is dropped to the dead-letter
    topic (DROP) rather than retried, since every retry pays for model calls that are likely
    to misbehave again.
    """


class Conversation(BaseModel):
    """One session's last HISTORY_LIMIT items, in the Agents SDK's input format."""

    items: list[dict[str, Any]] = Field(default_factory=list)


def conversation_key(session_id: str) -> str:
    """The state key of one session's conversation."""
    return f"conversation:{session_id}"


@readiness_note("agent")
def agent_problem() -> str:
    """Why the agent cannot run in this process, or "" when it can (a note in `/ready`)."""
    key = get_settings().openai_api_key
    if key is None or not key.get_secret_value():
        return "disabled: OPENAI_API_KEY is not set"
    return ""


def remember(
    current: Conversation | None, turn: list[dict[str, Any]], max_bytes: int
) -> Conversation:
    """The conversation with `turn` appended, cut to its last HISTORY_LIMIT items and to at
    most `max_bytes` of JSON (AGENT_HISTORY_MAX_BYTES; far below gRPC's 4 MiB message limit).

    Every cut starts at a user message, so a tool call never loses the request it answers;
    when not even the newest turn fits, nothing is kept.
    """
    items = [*(current.items if current is not None else []), *turn][-HISTORY_LIMIT:]
    for start, item in enumerate(items):
        if item.get("role") != "user":
            continue
        kept = Conversation(items=items[start:])
        if len(kept.model_dump_json().encode()) <= max_bytes:
            return kept
    return Conversation()


def reply_event(event: EchoAsk, answer: str) -> EchoReply:
    """The reply to `event`: `session_id` copied from it, the model's answer in `reply`."""
    return EchoReply(session_id=event.session_id, reply=answer)


async def ask_agent(client: DaprClient, event: EchoAsk) -> EchoReply:
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
    from echo.agent_runtime import run_agent

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


async def answer_request(event: EchoAsk, context: EventContext, client: DaprClient) -> None:
    """Answer one `echo.ask` event: publish the agent's reply to `echo.reply`, with the request's
    trace.

    No key, a setting the model server refuses, an unreachable model or a timeout raise
    transient errors, so the event is retried (and dead-lettered once Dapr's retries run out);
    a model that misbehaves dead-letters it at once. Nothing is published without the model's
    answer.
    """
    reply = await ask_agent(client, event)
    await publish_echo_reply(client, reply, trace=context)


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
async def ask(event: EchoAsk, client: Annotated[DaprClient, Depends(get_dapr_client)]) -> EchoReply:
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
