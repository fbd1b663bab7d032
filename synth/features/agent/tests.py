"""`tests/test_agent.py`: the agent through the SDK's own `Model` seam (`ScriptedModel`).

The seams and tests are the runtime module `synth/runtime/agent/test_agent.py`; they read the
spec through module constants (`REQUEST`, `ROUTE`, `ANSWER_FIELD` ...), which stand in there for
the spec's. Here the spec's constants are built from nodes and take their places (same names), and
everything is placed in order.
"""

from __future__ import annotations

import libcst as cst

from synth.codegen import Unit, build_dict, build_docstring, build_str
from synth.codegen.runtime import runtime_units
from synth.features.agent.nodes import build_text, constant, in_order
from synth.features.agent.reply import Reply
from synth.features.agent.samples import sample
from synth.features.agent.tool_tests import TOOL_CONSTANTS, TOOL_TESTS, tool_tests
from synth.spec import AgentSpec, ServiceSpec, StateKeySpec

__all__ = ["test_units"]

_CONSTANTS = (
    "REQUEST",
    "REQUEST_TOPIC",
    "ROUTE",
    "RESPONSE_TOPIC",
    "ANSWER_FIELD",
    "PUBLISHED",
    "STORE",
    "INSTRUCTIONS",
)
_SEAMS_AND_TESTS = (
    "ScriptedModel",
    "scripted_text",
    "scripted_tool_call",
    "agent_settings",
    "replica",
    "delivery",
    "served_model",
    "REFUSAL",
    "published",
    "stored_conversation",
    "test_a_conversation_continues_on_another_replica",
    "test_a_request_event_is_answered_and_the_reply_published",
    "test_a_model_timeout_is_retried_and_nothing_is_published",
    "test_without_a_key_the_agent_is_disabled_and_says_why",
    "test_model_server_errors_are_classified_not_500",
    "test_a_call_of_a_tool_the_agent_lacks_is_a_bad_gateway",
    "test_the_stored_conversation_is_bounded_in_bytes",
)


def _pairs(items: dict[str, cst.BaseExpression]) -> cst.Dict:
    return build_dict([(build_str(k), v) for k, v in items.items()])


def test_units(
    spec: ServiceSpec, agent: AgentSpec, reply: Reply, keys: list[StateKeySpec]
) -> tuple[Unit, ...]:
    """`tests/test_agent.py`: the runtime's seams and tests under the spec's constants, and the
    tests of the first state-reading tool when the agent has one."""
    request = reply.request
    payload = {f.name: sample(f) for f in request.fields}
    published = dict(reply.expected(payload, "scripted reply"))
    shaped = (
        constant("REQUEST", _pairs(payload), "dict[str, object]"),
        constant("REQUEST_TOPIC", build_str(request.topic)),
        constant("ROUTE", build_str(request.route(spec.pubsub))),
        constant("RESPONSE_TOPIC", build_str(reply.response.topic)),
        constant("ANSWER_FIELD", build_str(reply.answer)),
        constant("PUBLISHED", _pairs(published), "dict[str, object]"),
        constant("STORE", build_str(spec.state_store)),
        constant("INSTRUCTIONS", build_text(agent.instructions)),
    )
    tools = tool_tests(spec, reply, keys[0], payload) if keys else ()
    order: tuple[str, ...] = (*_CONSTANTS, *_SEAMS_AND_TESTS)
    if keys:
        reads = str(tools[-1].identity[-1])
        order = (*_CONSTANTS, *TOOL_CONSTANTS, *_SEAMS_AND_TESTS, reads, *TOOL_TESTS)
    runtime = runtime_units("agent/test_agent.py", spec.package, docstring=False).units
    placed = in_order(
        order,
        (unit for unit in runtime if str(unit.identity[-1]) in order),
        shaped,
        tools,
    )
    doc = build_docstring(
        "The agent through the SDK's own `Model` seam, with `ScriptedModel`, a test double that "
        "plays scripted outputs: no LLM is called and no reply here is a real model's answer."
    )
    return (Unit(doc), *placed)
