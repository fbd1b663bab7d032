"""Service invocation as the Dapr SDK sees it: calls and errors."""

import asyncio

import aiohttp
import pytest
from dapr.clients.exceptions import DaprHttpError
from dapr.clients.grpc._response import InvokeMethodResponse
from dapr.serializers import DefaultJSONSerializer
from pydantic import BaseModel

from synth.runtime.app.conftest import FakeDaprClient, as_client
from synth.runtime.invoke import invocation
from synth.runtime.invoke.invocation import TargetError, TargetUnavailableError, invoke


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
        asyncio.run(invoke(as_client(fake_dapr), "target", "anything", verb="GET"))
    assert (caught.value.status, caught.value.body) == (404, b'{"detail": "unknown learner"}')
    assert len(fake_dapr.calls) == 1


def test_dapr_failing_to_reach_the_target_is_target_unavailable(
    fake_dapr: FakeDaprClient,
) -> None:
    body = b'{"errorCode": "ERR_DIRECT_INVOKE", "message": "failed to invoke"}'
    fake_dapr.replies.append(http_error(500, body))
    with pytest.raises(TargetUnavailableError):
        asyncio.run(invoke(as_client(fake_dapr), "target", "anything", verb="POST"))


def test_a_5xx_from_the_target_itself_is_a_target_error(fake_dapr: FakeDaprClient) -> None:
    fake_dapr.replies.append(http_error(500, b'{"detail": "boom"}'))
    with pytest.raises(TargetError) as caught:
        asyncio.run(invoke(as_client(fake_dapr), "target", "anything", verb="POST"))
    assert caught.value.status == 500


def test_a_transport_failure_is_target_unavailable(fake_dapr: FakeDaprClient) -> None:
    fake_dapr.replies.append(aiohttp.ClientConnectionError("connection refused"))
    with pytest.raises(TargetUnavailableError):
        asyncio.run(invoke(as_client(fake_dapr), "target", "anything", verb="POST"))


def test_get_is_retried_while_the_target_is_unavailable(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invocation, "RETRY_BACKOFF_SECONDS", 0.0)
    fake_dapr.replies.extend(
        [aiohttp.ClientConnectionError("refused"), TimeoutError(), answer(b'{"n": 2}')]
    )
    result = asyncio.run(invoke(as_client(fake_dapr), "target", "anything", verb="GET"))
    assert result.json() == {"n": 2}
    assert [call["http_verb"] for _, call in fake_dapr.calls] == ["GET", "GET", "GET"]


def test_get_gives_up_after_its_attempts(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invocation, "RETRY_BACKOFF_SECONDS", 0.0)
    fake_dapr.replies.extend([TimeoutError() for _ in range(invocation.MAX_GET_ATTEMPTS)])
    with pytest.raises(TargetUnavailableError):
        asyncio.run(invoke(as_client(fake_dapr), "target", "anything", verb="GET"))
    assert len(fake_dapr.calls) == invocation.MAX_GET_ATTEMPTS


def test_post_is_never_retried(fake_dapr: FakeDaprClient) -> None:
    fake_dapr.replies.extend([aiohttp.ClientConnectionError("refused"), answer()])
    with pytest.raises(TargetUnavailableError):
        asyncio.run(invoke(as_client(fake_dapr), "target", "anything", verb="POST", body=Sample()))
    assert len(fake_dapr.calls) == 1
