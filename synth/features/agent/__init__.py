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

from synth.codegen import Unit, build_name
from synth.features.agent.checks import checked
from synth.features.agent.deploy import deployment
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
from synth.features.base import Contribution, DeployPieces, Feature, ReadmeSection, settings_units
from synth.spec import FeatureName, ServiceSpec

__all__ = ["CONVERSATION_TTL_SECONDS", "HISTORY_LIMIT", "AgentFeature"]

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
    dependencies: ClassVar[tuple[str, ...]] = ("openai-agents>=0.24",)

    def missing(self, spec: ServiceSpec) -> str | None:
        if spec.agent is not None:
            return None
        return (
            "feature 'agent' needs an `agent:` block (instructions, request_topic, "
            "response_topic) in the spec; add one, or leave out agent"
        )

    def deployment(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
        return deployment(spec, active)

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        deploy = self.deployment(spec, active)
        agent, request, response = checked(spec)
        plan = Reply(request, response)
        keys = [k for k in spec.state if k.helper_name in agent.reads_state]
        pkg = spec.package
        return Contribution(
            python={
                f"{pkg}/settings.py": settings_units(deploy.env),
                f"{pkg}/agent.py": agent_units(spec, agent, plan),
                f"{pkg}/agent_runtime.py": sdk_units(spec, agent, request, keys),
                f"{pkg}/handlers.py": (handler_unit(spec, plan),),
                f"{pkg}/main.py": tuple(
                    Unit(u.node, u.imports, anchor=("assign", "app"))
                    for u in units(_MAIN, package=build_name(pkg))
                ),
                "tests/test_agent.py": test_units(spec, agent, plan, keys),
            },
            dependencies=self.dependencies,
            deploy=deploy,
            readme=(ReadmeSection("Agent", readme(spec, agent, plan, keys)),),
        )
