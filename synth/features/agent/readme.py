"""The agent's README section: what it answers, its tools, its reply rule and its errors."""

from __future__ import annotations

from synth.features.agent.reply import Reply
from synth.features.agent.sdk import tool_name
from synth.features.agent.service import CONVERSATION_TTL_SECONDS, HISTORY_LIMIT
from synth.spec import AgentSpec, ServiceSpec, StateKeySpec

__all__ = ["readme"]


def readme(spec: ServiceSpec, agent: AgentSpec, plan: Reply, keys: list[StateKeySpec]) -> str:
    """The `Agent` section of the service's README."""
    tools = ", ".join(f"`{tool_name(k)}` (`{k.key}`)" for k in keys) or "none"
    copied = ", ".join(f"`{n}`" for n in plan.copied) or "none"
    return (
        f"An OpenAI Agents SDK agent answers `{agent.request_topic}` events with "
        f"`{agent.response_topic}` events (`{spec.package}/agent.py`), and `POST /agent/ask` "
        "answers the same request directly (nothing is published). Its tools read state: "
        f"{tools}; a key placeholder the request carries is taken from the request, never from "
        "the model.\n\n"
        f"The reply copies {copied} from the request and carries the model's answer in "
        f"`{plan.answer}` (the first required `str` field the request does not have); any other "
        "field is None or its type's empty value.\n\n"
        f"Stateless: a session's conversation is kept under `conversation:{{session_id}}` in the "
        f"state store (last {HISTORY_LIMIT} items and at most `AGENT_HISTORY_MAX_BYTES` of JSON, "
        f"{CONVERSATION_TTL_SECONDS} s TTL, appended under its ETag), so any replica serves any "
        "turn.\n\n"
        "Any OpenAI-compatible server works (`OPENAI_BASE_URL`, `OPENAI_MODEL`). Without "
        "`OPENAI_API_KEY` the agent is off and never makes up an answer: `/agent/ask` answers "
        "503 with the reason, request events are answered RETRY (Dapr redelivers them and "
        "dead-letters them once its retries run out), and `/ready` reports "
        '`"agent": "disabled: OPENAI_API_KEY is not set"`. A turn longer than '
        "`AGENT_TIMEOUT_SECONDS` is a RETRY (504 on `/agent/ask`).\n\n"
        "Model errors are classified: a model server that is unreachable, rate-limited (429) "
        "or failing (5xx) is RETRY (503); one that refuses the settings (401, 403, 404 such as "
        "a base URL without `/v1`, 400) is RETRY too (503), with a message naming "
        "`OPENAI_API_KEY`, `OPENAI_BASE_URL` or `OPENAI_MODEL`, so a deployment mistake "
        "dead-letters nothing before it is fixed. A model that misbehaves (no answer, an answer "
        "that is not a chat completion, more than `AGENT_MAX_TURNS` model calls) is DROP "
        "(502): each retry would pay for model calls likely to misbehave again, and the "
        "dead-letter topic keeps the event."
    )
