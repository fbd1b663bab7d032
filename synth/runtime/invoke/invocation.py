"""Calls through Dapr service invocation (HTTP): one timeout, GET retries, clear errors.

The generated `<package>/invocation.py` starts with this module (under a docstring that names
the service) and goes on with a typed client per invoked app, whose methods call `invoke`.
"""

import asyncio
import json
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprHttpError
from pydantic import BaseModel

from synth.runtime.app.logs import dapr_operation
from synth.runtime.standin.settings import get_settings

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
