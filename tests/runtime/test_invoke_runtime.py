"""The invoke feature's runtime, run directly: who failed (the target or the way to it), retries."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from dapr.aio.clients import InvokeMethodResponse
from dapr.clients.exceptions import DaprHttpError
from dapr.serializers import DefaultJSONSerializer
from pydantic import BaseModel

from synth.codegen import ImportRequest
from synth.codegen.runtime import runtime_units
from synth.runtime.app.conftest import FakeDaprClient
from synth.runtime.invoke import invocation
from synth.runtime.invoke.invocation import (
    InvokeResult,
    TargetError,
    TargetUnavailableError,
    as_invoke_failure,
    invoke,
    is_retriable,
)
from synth.runtime.standin.settings import get_settings

DIRECT_INVOKE = b'{"errorCode": "ERR_DIRECT_INVOKE", "message": "failed to invoke"}'


def http_error(status: int | None, body: bytes) -> DaprHttpError:
    return DaprHttpError(
        DefaultJSONSerializer(), raw_response_bytes=body, status_code=status, reason=""
    )


class Score(BaseModel):
    n: int


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (http_error(404, b'{"detail": "no"}'), (TargetError, 404, b'{"detail": "no"}')),
        (http_error(500, b'{"detail": "boom"}'), (TargetError, 500, b'{"detail": "boom"}')),
        (http_error(503, b""), (TargetError, 503, b"")),
        (http_error(None, b""), (TargetError, 500, b"")),
        (http_error(500, DIRECT_INVOKE), (TargetUnavailableError, None, None)),
        (aiohttp.ClientConnectionError("refused"), (TargetUnavailableError, None, None)),
        (TimeoutError(), (TargetUnavailableError, None, None)),
        (OSError("unreachable"), (TargetUnavailableError, None, None)),
    ],
    ids=[
        "404",
        "500-target",
        "503-target",
        "no-status",
        "500-direct-invoke",
        "aiohttp",
        "timeout",
        "os",
    ],
)
def test_a_failure_is_classified_by_who_failed(
    error: Exception, expected: tuple[type[Exception], int | None, bytes | None]
) -> None:
    kind, status, body = expected
    failure = as_invoke_failure("progress", "summary", error)
    assert type(failure) is kind
    assert (failure.app_id, failure.method) == ("progress", "summary")
    if isinstance(failure, TargetError):
        assert (failure.status, failure.body) == (status, body)
        assert str(failure) == f"progress/summary answered HTTP {status}"
    else:
        assert str(failure).startswith("progress/summary is unavailable: ")


def test_an_unreachable_target_names_dapr_s_reason_or_the_error_type() -> None:
    direct = as_invoke_failure("p", "m", http_error(500, DIRECT_INVOKE))
    transport = as_invoke_failure("p", "m", aiohttp.ClientConnectionError("refused"))
    assert str(direct) == "p/m is unavailable: failed to invoke"
    assert str(transport) == "p/m is unavailable: ClientConnectionError: refused"


@pytest.mark.parametrize(
    ("failure", "retriable"),
    [
        (TargetUnavailableError("p", "m", "refused"), True),
        (TargetError("p", "m", 502, b""), True),
        (TargetError("p", "m", 503, b""), True),
        (TargetError("p", "m", 504, b""), True),
        (TargetError("p", "m", 500, b""), False),
        (TargetError("p", "m", 404, b""), False),
        (TargetError("p", "m", 409, b""), False),
    ],
)
def test_only_an_unavailable_target_is_worth_retrying(
    failure: TargetError | TargetUnavailableError, retriable: bool
) -> None:
    assert is_retriable(failure) is retriable


def test_a_result_reads_as_json_or_a_model() -> None:
    result = InvokeResult(200, b'{"n": 3}', "application/json")
    assert (result.json(), result.parse(Score)) == ({"n": 3}, Score(n=3))
    assert InvokeResult(204, b"", "").json() is None


def test_a_get_answered_503_is_retried_then_raised_as_the_target_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(invocation, "RETRY_BACKOFF_SECONDS", 0.0)
    fake = FakeDaprClient()
    fake.replies.extend(http_error(503, b"busy") for _ in range(invocation.MAX_GET_ATTEMPTS))
    with pytest.raises(TargetError) as caught:
        asyncio.run(invoke(fake, "progress", "summary", verb="GET"))  # type: ignore[arg-type]
    assert (caught.value.status, len(fake.calls)) == (503, invocation.MAX_GET_ATTEMPTS)


def test_a_call_sends_the_body_and_the_settings_timeout() -> None:
    fake = FakeDaprClient()
    fake.replies.append(InvokeMethodResponse(b'{"n": 2}', "application/json", status_code=200))
    result = asyncio.run(
        invoke(fake, "progress", "reset", verb="POST", body=Score(n=1))  # type: ignore[arg-type]
    )
    assert result == InvokeResult(200, b'{"n": 2}', "application/json")
    _, call = fake.calls[0]
    assert (call["data"], call["http_verb"], call["timeout"]) == (
        '{"n":1}',
        "POST",
        get_settings().invoke_timeout_seconds,
    )


def test_the_runtime_tests_import_the_services_own_modules() -> None:
    imports = runtime_units("invoke/test_invoke.py", "coach").imports
    assert {
        ImportRequest("coach", "invocation"),
        ImportRequest("coach.invocation", "invoke"),
        ImportRequest("tests.conftest", "FakeDaprClient"),
    } <= set(imports)
    assert not [r for r in imports if r.module.startswith("synth")]
