"""The agent's fixed core: its errors, a session's conversation, and the `/ready` note.

The feature adds the spec-shaped rest of `<package>/agent.py` (the reply event, `ask_agent`,
`answer_request` and the `/agent/ask` route, typed with the spec's event models).
"""

import logging
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from synth.runtime.health.health import readiness_note
from synth.runtime.standin.settings import get_settings

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
