"""The generated tests of the agent's first state-reading tool (when it has one).

`test_endless_tool_calls_stop_at_max_turns_as_a_bad_gateway` is runtime code
(`synth/runtime/agent/test_agent.py`) reading `TOOL` and `TOOL_ARGUMENTS`, which are built here;
the test that saves the key's state names the spec's state model and saver, so it is a template.
"""

from __future__ import annotations

import libcst as cst

from synth.codegen import Unit, build_dict, build_name, build_str
from synth.features.agent.checks import carried
from synth.features.agent.nodes import call, constant, units
from synth.features.agent.reply import Reply
from synth.features.agent.samples import state_sample
from synth.features.agent.sdk import tool_name
from synth.spec import ServiceSpec, StateKeySpec

__all__ = ["TOOL_CONSTANTS", "TOOL_TESTS", "tool_tests"]

TOOL_CONSTANTS = ("TOOL", "TOOL_ARGUMENTS")
TOOL_TESTS = ("test_endless_tool_calls_stop_at_max_turns_as_a_bad_gateway",)

_READS = """
import asyncio
import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from {package}.agent_runtime import MODEL_SLOT
from {package}.state import {saver}, {state_model}
from tests.conftest import FakeDaprClient, as_client


def {test}(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    value = {sample}
    asyncio.run({save})
    model = ScriptedModel(
        scripted_tool_call(TOOL, TOOL_ARGUMENTS, "call-1"),
        scripted_text("scripted reply after reading state", "msg-1"),
    )
    MODEL_SLOT.model = model
    answer = app_client.post("/agent/ask", json=REQUEST)
    assert answer.json()[ANSWER_FIELD] == "scripted reply after reading state"
    assert TOOL in model.calls[0][2]
    outputs = [item for item in model.calls[1][1] if item.get("type") == "function_call_output"]
    assert [json.loads(item["output"]) for item in outputs] == [value.model_dump(mode="json")]
"""


def tool_tests(
    spec: ServiceSpec, reply: Reply, key: StateKeySpec, payload: dict[str, cst.BaseExpression]
) -> tuple[Unit, ...]:
    """`TOOL`, `TOOL_ARGUMENTS` and the test that the agent reads `key` through its tool (the
    request's placeholders bound from it); the test's unit is the last."""
    bound = carried(reply.request)
    key_args: list[cst.BaseExpression] = [call("as_client", [cst.Name("fake_dapr")])]
    arguments: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
    for param in key.params:
        if param in bound:
            key_args.append(payload[param])
        else:
            key_args.append(build_str(f"{param}-1"))
            arguments.append((build_str(param), build_str(f"{param}-1")))
    sample = cst.Call(
        build_name(key.model_name),
        [cst.Arg(state_sample(f), keyword=build_name(f.name)) for f in key.fields],
    )
    saver = f"save_{key.helper_name}"
    reads = units(
        _READS,
        package=build_name(spec.package),
        test=build_name(f"test_the_agent_reads_{key.helper_name}_through_its_tool"),
        state_model=build_name(key.model_name),
        saver=build_name(saver),
        sample=sample,
        save=call(saver, [*key_args, cst.Name("value")]),
    )
    return (
        constant("TOOL", build_str(tool_name(key))),
        constant("TOOL_ARGUMENTS", build_dict(arguments), "dict[str, str]"),
        *reads,
    )
