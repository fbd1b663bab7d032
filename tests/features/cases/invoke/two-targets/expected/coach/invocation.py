"""Typed clients of the services coach calls through Dapr service invocation (HTTP).

Every call has the `INVOKE_TIMEOUT_SECONDS` timeout. GET methods are retried, a bounded number
of times with backoff, while the target is unavailable; other verbs are never retried. A
target that answers 4xx/5xx raises TargetError (with its status and body); one Dapr cannot
reach raises TargetUnavailableError.
"""

import asyncio
import json
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprHttpError
from pydantic import BaseModel

from coach.logs import dapr_operation
from coach.settings import get_settings

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


class ProgressClient:
    """Calls the `progress` service through Dapr service invocation."""

    app_id = "progress"

    def __init__(self, client: DaprClient) -> None:
        self.client = client

    async def summary(self, body: BaseModel | None = None) -> InvokeResult:
        """GET `progress/summary`.

        The call is retried while the target is unavailable.
        """
        return await invoke(self.client, self.app_id, "summary", verb="GET", body=body)

    async def reset(self, body: BaseModel | None = None) -> InvokeResult:
        """POST `progress/reset`.

        The call is not retried.
        """
        return await invoke(self.client, self.app_id, "reset", verb="POST", body=body)


class CodeReviewClient:
    """Calls the `code-review` service through Dapr service invocation."""

    app_id = "code-review"

    def __init__(self, client: DaprClient) -> None:
        self.client = client

    async def review(self, body: BaseModel | None = None) -> InvokeResult:
        """POST `code-review/review`.

        The call is not retried.
        """
        return await invoke(self.client, self.app_id, "review", verb="POST", body=body)
