"""The `invoke` feature: a typed client per service this one calls through Dapr invocation.

For `invokes: [{app_id: progress, methods: [summary, reset], get_methods: [summary]}]` it
generates, in `<pkg>/invocation.py`:

    class ProgressClient:
        async def summary(self, body=None) -> InvokeResult   # GET, retried while unavailable
        async def reset(self, body=None) -> InvokeResult     # POST, never retried
    TargetUnavailableError   # transport failure, timeout, Dapr's 500 ERR_DIRECT_INVOKE (I-5)
    TargetError(status, body)  # the target itself answered 4xx/5xx (I-4)

Calls use the SDK's `invoke_method` (HTTP, contract R-4/R-5) with the `INVOKE_TIMEOUT_SECONDS`
timeout. The Resiliency documents for these targets come from the manifests, not from here.
"""

from __future__ import annotations

import keyword
from typing import ClassVar

import libcst as cst

from synth.codegen import (
    ImportRequest,
    Unit,
    build_docstring,
    build_int,
    build_name,
    build_str,
    build_template_units,
    statements,
)
from synth.errors import FeatureError
from synth.features.base import Contribution, Feature, ReadmeSection, settings_units
from synth.features.invoke.deploy import deployment
from synth.spec import FeatureName, InvokeSpec, ServiceSpec

__all__ = ["InvokeFeature"]

TIMEOUT_SECONDS = 10
_RESERVED_CLASSES = frozenset({"DaprClient", "InvokeResult", "BaseModel"})
_RESERVED_METHODS = frozenset({"app_id", "client"})

_MODULE_DOC = (
    "Typed clients of the services {service} calls through Dapr service invocation (HTTP).\n\n"
    "Every call has the `INVOKE_TIMEOUT_SECONDS` timeout. GET methods are retried, a bounded "
    "number of times with backoff, while the target is unavailable; other verbs are never "
    "retried. A target that answers 4xx/5xx raises TargetError (with its status and body); one "
    "Dapr cannot reach raises TargetUnavailableError."
)

_CORE = '''
import asyncio
import json
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprHttpError
from pydantic import BaseModel

from {package}.logs import dapr_operation
from {package}.settings import get_settings

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_GET_ATTEMPTS = 3
RETRY_BACKOFF_SECONDS = 0.1
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})


class TargetUnavailableError(ConnectionError):
    """Dapr could not reach the target: transport failure, timeout, or 500 ERR_DIRECT_INVOKE."""

    def __init__(self, app_id: str, method: str, reason: str) -> None:
        super().__init__(f"{app_id}/{method} is unavailable: {reason}")
        self.app_id = app_id
        self.method = method


class TargetError(RuntimeError):
    """The target answered with an error status; `status` and `body` are what it sent."""

    def __init__(self, app_id: str, method: str, status: int, body: bytes) -> None:
        super().__init__(f"{app_id}/{method} answered HTTP {status}")
        self.app_id = app_id
        self.method = method
        self.status = status
        self.body = body


@dataclass(frozen=True)
class InvokeResult:
    """A target's successful answer."""

    status: int
    data: bytes
    content_type: str

    def json(self) -> Any:
        """The body as JSON (None when empty)."""
        return json.loads(self.data) if self.data else None

    def parse(self, model: type[ModelT]) -> ModelT:
        """The body validated into `model`."""
        return model.model_validate_json(self.data)


def as_invoke_failure(
    app_id: str, method: str, error: Exception
) -> TargetError | TargetUnavailableError:
    """The clear exception for a failed call: who failed, the target or the way to it."""
    if isinstance(error, DaprHttpError):
        status = error.status_code or 500
        if status == 500 and error.error_code == "ERR_DIRECT_INVOKE":
            return TargetUnavailableError(app_id, method, error.message or "ERR_DIRECT_INVOKE")
        return TargetError(app_id, method, status, error.raw_response_bytes or b"")
    return TargetUnavailableError(app_id, method, f"{type(error).__name__}: {error}")


def is_retriable(failure: TargetError | TargetUnavailableError) -> bool:
    """True when trying again may help: the target was unreachable or said it is unavailable."""
    if isinstance(failure, TargetUnavailableError):
        return True
    return failure.status in UNAVAILABLE_STATUSES


async def invoke(
    client: DaprClient, app_id: str, method: str, *, verb: str, body: BaseModel | None = None
) -> InvokeResult:
    """Call `method` of `app_id` through Dapr; only GET is retried (bounded, with backoff)."""
    timeout = get_settings().invoke_timeout_seconds
    data = body.model_dump_json() if body is not None else ""
    attempts = MAX_GET_ATTEMPTS if verb == "GET" else 1
    attempt = 1
    while True:
        try:
            async with dapr_operation(
                "invoke", app_id=app_id, method=method, verb=verb, attempt=attempt
            ):
                response = await client.invoke_method(
                    app_id,
                    method,
                    data,
                    content_type="application/json",
                    http_verb=verb,
                    timeout=timeout,
                )
        except (DaprHttpError, aiohttp.ClientError, TimeoutError, OSError) as error:
            failure = as_invoke_failure(app_id, method, error)
            if attempt >= attempts or not is_retriable(failure):
                raise failure from error
        else:
            return InvokeResult(
                response.status_code or 200, response.data, response.content_type or ""
            )
        await asyncio.sleep(RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1))
        attempt += 1
'''

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

_TESTS = '''
import asyncio

import aiohttp
import pytest
from dapr.aio.clients import InvokeMethodResponse
from dapr.clients.exceptions import DaprHttpError
from dapr.serializers import DefaultJSONSerializer
from pydantic import BaseModel

from {package} import invocation
from {package}.invocation import TargetError, TargetUnavailableError, invoke
from tests.conftest import FakeDaprClient


class Sample(BaseModel):
    """A request body."""

    n: int = 1


def http_error(status: int, body: bytes) -> DaprHttpError:
    """What the SDK raises when Dapr relays a non-2xx answer (contract R-5)."""
    return DaprHttpError(
        DefaultJSONSerializer(), raw_response_bytes=body, status_code=status, reason=""
    )


def answer(body: bytes = b"{}") -> InvokeMethodResponse:
    """A target's 200 answer as the SDK returns it."""
    return InvokeMethodResponse(body, "application/json", status_code=200)


def test_a_4xx_answer_is_a_target_error_with_its_status_and_body(
    fake_dapr: FakeDaprClient,
) -> None:
    fake_dapr.replies.append(http_error(404, b'{"detail": "unknown learner"}'))
    with pytest.raises(TargetError) as caught:
        asyncio.run(invoke(fake_dapr, {app_id}, "anything", verb="GET"))
    assert (caught.value.status, caught.value.body) == (404, b'{"detail": "unknown learner"}')
    assert len(fake_dapr.calls) == 1


def test_dapr_failing_to_reach_the_target_is_target_unavailable(
    fake_dapr: FakeDaprClient,
) -> None:
    body = b'{"errorCode": "ERR_DIRECT_INVOKE", "message": "failed to invoke"}'
    fake_dapr.replies.append(http_error(500, body))
    with pytest.raises(TargetUnavailableError):
        asyncio.run(invoke(fake_dapr, {app_id}, "anything", verb="POST"))


def test_a_5xx_from_the_target_itself_is_a_target_error(fake_dapr: FakeDaprClient) -> None:
    fake_dapr.replies.append(http_error(500, b'{"detail": "boom"}'))
    with pytest.raises(TargetError) as caught:
        asyncio.run(invoke(fake_dapr, {app_id}, "anything", verb="POST"))
    assert caught.value.status == 500


def test_a_transport_failure_is_target_unavailable(fake_dapr: FakeDaprClient) -> None:
    fake_dapr.replies.append(aiohttp.ClientConnectionError("connection refused"))
    with pytest.raises(TargetUnavailableError):
        asyncio.run(invoke(fake_dapr, {app_id}, "anything", verb="POST"))


def test_get_is_retried_while_the_target_is_unavailable(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invocation, "RETRY_BACKOFF_SECONDS", 0.0)
    fake_dapr.replies.extend(
        [aiohttp.ClientConnectionError("refused"), TimeoutError(), answer(b'{"n": 2}')]
    )
    result = asyncio.run(invoke(fake_dapr, {app_id}, "anything", verb="GET"))
    assert result.json() == {"n": 2}
    assert [call["http_verb"] for _, call in fake_dapr.calls] == ["GET", "GET", "GET"]


def test_get_gives_up_after_its_attempts(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invocation, "RETRY_BACKOFF_SECONDS", 0.0)
    fake_dapr.replies.extend([TimeoutError() for _ in range(invocation.MAX_GET_ATTEMPTS)])
    with pytest.raises(TargetUnavailableError):
        asyncio.run(invoke(fake_dapr, {app_id}, "anything", verb="GET"))
    assert len(fake_dapr.calls) == invocation.MAX_GET_ATTEMPTS


def test_post_is_never_retried(fake_dapr: FakeDaprClient) -> None:
    fake_dapr.replies.extend([aiohttp.ClientConnectionError("refused"), answer()])
    with pytest.raises(TargetUnavailableError):
        asyncio.run(invoke(fake_dapr, {app_id}, "anything", verb="POST", body=Sample()))
    assert len(fake_dapr.calls) == 1
'''

_TEST_METHOD = """
import asyncio

from tests.conftest import FakeDaprClient


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


class _Target:
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


def _python_method(method: str) -> str:
    reserved = keyword.iskeyword(method) or keyword.issoftkeyword(method)
    if reserved or method in _RESERVED_METHODS or method.startswith("__"):
        return method + "_"
    return method


class InvokeFeature(Feature):
    """Typed Dapr service-invocation clients for the services this one calls."""

    name: ClassVar[FeatureName] = FeatureName.INVOKE
    requires: ClassVar[tuple[FeatureName, ...]] = (FeatureName.APP,)
    summary: ClassVar[str] = "typed service-invocation clients: timeout, GET retries, clear errors"

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        if not spec.invokes:
            return Contribution()
        package = build_name(spec.package)
        targets = [_Target(i) for i in spec.invokes]
        classes = [t.cls for t in targets]
        if len(set(classes)) != len(classes):
            raise FeatureError(
                "two invoked app ids become the same client class; rename one of: "
                + ", ".join(i.app_id for i in spec.invokes)
            )
        module: list[Unit] = [
            Unit(build_docstring(_MODULE_DOC.format(service=spec.name))),
            *build_template_units(_CORE, package=package).units,
        ]
        tests: list[Unit] = [
            Unit(build_docstring("Service invocation as the Dapr SDK sees it: calls and errors.")),
            *build_template_units(
                _TESTS, package=package, app_id=build_str(targets[0].spec.app_id)
            ).units,
        ]
        for target in targets:
            module.extend(self._client_units(target))
            tests.extend(self._test_units(spec, target))
        rows = "\n".join(
            f"| `{t.spec.app_id}` | `{t.cls}` | "
            + ", ".join(f"`{m}` ({t.verb(m)})" for m in t.spec.methods)
            + " |"
            for t in targets
        )
        return Contribution(
            python={
                f"{spec.package}/settings.py": settings_units(deployment(spec, active).env),
                f"{spec.package}/invocation.py": tuple(module),
                "tests/test_invoke.py": tuple(tests),
            },
            dependencies=("aiohttp>=3.9",),
            deploy=deployment(spec, active),
            readme=(
                ReadmeSection(
                    "Service invocation",
                    "| app id | client | methods |\n|---|---|---|\n"
                    f"{rows}\n\n"
                    f"`{spec.package}.invocation` calls each method through Dapr (HTTP). GET "
                    "methods are retried while the target is unavailable; POST never is. "
                    "`TargetError` carries the target's own 4xx/5xx status and body; "
                    "`TargetUnavailableError` means Dapr could not reach it.",
                ),
            ),
        )

    def _client_units(self, target: _Target) -> list[Unit]:
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
                method=build_name(_python_method(method)),
                name=build_str(method),
                verb=build_str(verb),
                doc=build_docstring(
                    f"{verb} `{target.spec.app_id}/{method}`.\n\nThe call is {retried}.",
                    indent=8,
                ),
            )
            holder = template.units[0].node
            assert isinstance(holder, cst.ClassDef) and isinstance(holder.body, cst.IndentedBlock)
            node = statements(holder.body.body)[0]
            units.append(Unit(node, template.units[0].imports, container=target.cls))
        return units

    def _test_units(self, spec: ServiceSpec, target: _Target) -> list[Unit]:
        units: list[Unit] = []
        own = (ImportRequest(f"{spec.package}.invocation", target.cls),)
        for method in target.spec.methods:
            verb = target.verb(method)
            body = cst.parse_expression("Sample()") if verb == "POST" else None
            client_call = cst.Call(
                cst.Attribute(
                    cst.Call(build_name(target.cls), [cst.Arg(cst.Name("fake_dapr"))]),
                    build_name(_python_method(method)),
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
                timeout=build_int(TIMEOUT_SECONDS),
            ).units:
                units.append(Unit(unit.node, (*unit.imports, *own)))
        return units
