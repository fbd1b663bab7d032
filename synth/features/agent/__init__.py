"""The `agent` feature: an OpenAI Agents SDK agent that answers the spec's request topic.

For `concepts` (request `learning.concept-request`, response `learning.concept-response`,
reading `mastery:{user_id}`) it generates:

    <pkg>/agent.py          answer_request(event, context, client)  # the request topic's handler
                            ask_agent(client, event) -> LearningConceptResponse
                            @agent_router.post("/agent/ask")        # direct calls, 503 without key
                            @readiness_note("agent") agent_problem() # "disabled: ... not set"
    <pkg>/agent_runtime.py  everything that imports the SDK (loaded on first use only):
                            INSTRUCTIONS, MODEL_SLOT, mastery_tool(client, event), build_agent,
                            run_agent(client, event, history) -> (answer, turn items)
    <pkg>/handlers.py       on_learning_concept_request hands the event to answer_request (it
                            replaces the logging handler pubsub writes for that topic)
    tests/test_agent.py     the agent through a scripted model at the SDK's `Model` seam

The conversation of a session lives in the state store under `conversation:{session_id}` (the
last 20 items, appended under its ETag), so any replica serves any turn. The reply event
follows the rule in `reply.py`.

What does not depend on the spec is runtime code in `synth/runtime/agent/` (agent.py,
agent_runtime.py, test_agent.py); this package builds the rest: `service.py` (agent.py and the
handler), `sdk.py` (agent_runtime.py), `tests.py` and `tool_tests.py` (tests/test_agent.py),
`reply.py`, `checks.py` (what the spec must hold), `readme.py`.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from synth.codegen import Unit, build_name, build_str, build_template_units
from synth.features.agent.checks import checked
from synth.features.agent.nodes import units
from synth.features.agent.readme import readme
from synth.features.agent.reply import Reply
from synth.features.agent.sdk import sdk_units
from synth.features.agent.service import (
    CONVERSATION_TTL_SECONDS,
    HISTORY_LIMIT,
    agent_units,
    handler_unit,
)
from synth.features.agent.tests import test_units
from synth.features.base import Contribution, EnvVar, Feature, ReadmeSection
from synth.manifests.environment import (
    AGENT_HISTORY_MAX_BYTES,
    DEFAULT_AGENT_HISTORY_MAX_BYTES,
    DEFAULT_OPENAI_BASE_URL,
    DEFAULT_OPENAI_MODEL,
    OPENAI_API_KEY,
    OPENAI_BASE_URL,
    OPENAI_MODEL,
)
from synth.spec import FeatureName, ServiceSpec

__all__ = ["CONVERSATION_TTL_SECONDS", "HISTORY_LIMIT", "AgentFeature"]

TIMEOUT_SECONDS = "60.0"
MAX_TURNS = "6"
MAX_OUTPUT_TOKENS = "1024"

_SETTINGS_FIELDS = """
from pydantic import SecretStr

openai_api_key: SecretStr | None = None
openai_base_url: str = {base_url}
openai_model: str = {model}
agent_timeout_seconds: float = 60.0
agent_max_turns: int = 6
agent_max_output_tokens: int = 1024
agent_history_max_bytes: int = {history_max_bytes}
"""

_MAIN = """
from {package}.agent import agent_router

app.include_router(agent_router)
"""


class AgentFeature(Feature):
    """An Agents SDK agent on the request topic and `POST /agent/ask`; history in state."""

    name: ClassVar[FeatureName] = FeatureName.AGENT
    requires: ClassVar[tuple[FeatureName, ...]] = (
        FeatureName.APP,
        FeatureName.STATE,
        FeatureName.PUBSUB,
    )
    summary: ClassVar[str] = (
        "OpenAI Agents SDK agent on the request topic and POST /agent/ask; history in state"
    )

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        agent, request, response = checked(spec)
        plan = Reply(request, response)
        keys = [k for k in spec.state if k.helper_name in agent.reads_state]
        pkg = spec.package
        return Contribution(
            python={
                f"{pkg}/settings.py": build_template_units(
                    _SETTINGS_FIELDS,
                    container="Settings",
                    base_url=build_str(DEFAULT_OPENAI_BASE_URL),
                    model=build_str(DEFAULT_OPENAI_MODEL),
                    history_max_bytes=cst.Integer(DEFAULT_AGENT_HISTORY_MAX_BYTES),
                ).units,
                f"{pkg}/agent.py": agent_units(spec, agent, plan),
                f"{pkg}/agent_runtime.py": sdk_units(spec, agent, request, keys),
                f"{pkg}/handlers.py": (handler_unit(spec, plan),),
                f"{pkg}/main.py": tuple(
                    Unit(u.node, u.imports, anchor=("assign", "app"))
                    for u in units(_MAIN, package=build_name(pkg))
                ),
                "tests/test_agent.py": test_units(spec, agent, plan, keys),
            },
            dependencies=("openai-agents>=0.24",),
            env=(
                EnvVar(OPENAI_API_KEY, "", "Model server API key (no key: agent off)", secret=True),
                EnvVar(OPENAI_BASE_URL, DEFAULT_OPENAI_BASE_URL, "Any OpenAI-compatible server"),
                EnvVar(OPENAI_MODEL, DEFAULT_OPENAI_MODEL, "Chat model the agent runs on"),
                EnvVar("AGENT_TIMEOUT_SECONDS", TIMEOUT_SECONDS, "Limit of one agent turn"),
                EnvVar("AGENT_MAX_TURNS", MAX_TURNS, "Model calls per turn (tool calls included)"),
                EnvVar("AGENT_MAX_OUTPUT_TOKENS", MAX_OUTPUT_TOKENS, "Tokens per model answer"),
                EnvVar(
                    AGENT_HISTORY_MAX_BYTES,
                    DEFAULT_AGENT_HISTORY_MAX_BYTES,
                    "Bound of a stored conversation (bytes of JSON)",
                ),
            ),
            readme=(ReadmeSection("Agent", readme(spec, agent, plan, keys)),),
        )
