"""One test per client method in tests/test_invoke.py: the call Dapr's SDK sees.

The fixed tests (error classification, GET retries) are synth/runtime/invoke/test_invoke.py;
these follow them and use its `answer` and `Sample`.
"""

from __future__ import annotations

import libcst as cst

from synth.codegen import (
    ImportRequest,
    Unit,
    build_int,
    build_name,
    build_str,
    build_template_units,
)
from synth.features.invoke.clients import Target, python_method

__all__ = ["method_test_units"]

_TEST_METHOD = """
import asyncio

from tests.conftest import FakeDaprClient, as_client


def {test}(fake_dapr: FakeDaprClient) -> None:
    fake_dapr.replies.append(answer(b'{"ok": true}'))
    result = asyncio.run({call})
    assert result.json() == {"ok": True}
    assert fake_dapr.calls == [
        (
            "invoke_method",
            {
                "app_id": {app_id},
                "method_name": {name},
                "data": {data},
                "content_type": "application/json",
                "http_verb": {verb},
                "timeout": {timeout},
            },
        )
    ]
"""


def method_test_units(package: str, target: Target, timeout: int) -> list[Unit]:
    """A test per method of `target`: its verb, body and the configured timeout."""
    units: list[Unit] = []
    own = (ImportRequest(f"{package}.invocation", target.cls),)
    for method in target.spec.methods:
        verb = target.verb(method)
        body = cst.parse_expression("Sample()") if verb == "POST" else None
        client_call = cst.Call(
            cst.Attribute(
                cst.Call(
                    build_name(target.cls),
                    [cst.Arg(cst.Call(build_name("as_client"), [cst.Arg(cst.Name("fake_dapr"))]))],
                ),
                build_name(python_method(method)),
            ),
            [cst.Arg(body)] if body is not None else [],
        )
        data = build_str('{"n":1}') if verb == "POST" else build_str("")
        for unit in build_template_units(
            _TEST_METHOD,
            test=build_name(f"test_{target.snake}_{method}_is_a_{verb.lower()}"),
            call=client_call,
            app_id=build_str(target.spec.app_id),
            name=build_str(method),
            data=data,
            verb=build_str(verb),
            timeout=build_int(timeout),
        ).units:
            units.append(Unit(unit.node, (*unit.imports, *own)))
    return units
