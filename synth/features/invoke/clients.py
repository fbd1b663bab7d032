"""The typed client of each invoked app: `code-review` -> `class CodeReviewClient` in invocation.py.

    class ProgressClient:
        app_id = "progress"
        async def summary(self, body=None) -> InvokeResult   # GET, retried while unavailable
        async def reset(self, body=None) -> InvokeResult     # POST, never retried

Each method calls the runtime's `invoke` (synth/runtime/invoke/invocation.py).
"""

from __future__ import annotations

import keyword

import libcst as cst

from synth.codegen import Unit, build_docstring, build_name, build_str, build_template_units
from synth.codegen import statements as block_statements
from synth.spec import InvokeSpec

__all__ = ["Target", "client_units", "python_method"]

_RESERVED_CLASSES = frozenset({"DaprClient", "InvokeResult", "BaseModel"})
_RESERVED_METHODS = frozenset({"app_id", "client"})

_CLIENT = """
from dapr.aio.clients import DaprClient


class {cls}:
    {doc}

    app_id = {app_id}

    def __init__(self, client: DaprClient) -> None:
        self.client = client
"""

_METHOD = """
from pydantic import BaseModel


class Holder:
    async def {method}(self, body: BaseModel | None = None) -> InvokeResult:
        {doc}
        return await invoke(self.client, self.app_id, {name}, verb={verb}, body=body)
"""


class Target:
    """The Python names of one invoked app: `code-review` -> `CodeReviewClient`."""

    def __init__(self, spec: InvokeSpec) -> None:
        self.spec = spec
        snake = spec.app_id.replace("-", "_")
        pascal = "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)
        name = pascal + "Client"
        self.cls = pascal + "ServiceClient" if name in _RESERVED_CLASSES else name
        self.snake = snake

    def verb(self, method: str) -> str:
        return "GET" if method in self.spec.get_methods else "POST"


def python_method(method: str) -> str:
    """The client method's name: a keyword or a client attribute gets a trailing `_`."""
    reserved = keyword.iskeyword(method) or keyword.issoftkeyword(method)
    if reserved or method in _RESERVED_METHODS or method.startswith("__"):
        return method + "_"
    return method


def client_units(target: Target) -> list[Unit]:
    """The client class of `target`, then one unit per method inside it."""
    units = list(
        build_template_units(
            _CLIENT,
            cls=build_name(target.cls),
            app_id=build_str(target.spec.app_id),
            doc=build_docstring(
                f"Calls the `{target.spec.app_id}` service through Dapr service invocation.",
                indent=4,
            ),
        ).units
    )
    for method in target.spec.methods:
        verb = target.verb(method)
        retried = "retried while the target is unavailable" if verb == "GET" else "not retried"
        template = build_template_units(
            _METHOD,
            method=build_name(python_method(method)),
            name=build_str(method),
            verb=build_str(verb),
            doc=build_docstring(
                f"{verb} `{target.spec.app_id}/{method}`.\n\nThe call is {retried}.",
                indent=8,
            ),
        )
        holder = template.units[0].node
        assert isinstance(holder, cst.ClassDef) and isinstance(holder.body, cst.IndentedBlock)
        node = block_statements(holder.body.body)[0]
        units.append(Unit(node, template.units[0].imports, container=target.cls))
    return units
