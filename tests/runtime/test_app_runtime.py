"""The app feature's runtime, run directly: JSON logs, Dapr call timing, the 503 seam, the fake."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Annotated

import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from dapr.clients.grpc._state import Concurrency, StateOptions
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from synth.runtime.app.conftest import FakeDaprClient
from synth.runtime.app.dapr_client import DaprConnection, get_dapr_client
from synth.runtime.app.logs import JsonFormatter, dapr_operation


def _record(message: str = "hello") -> logging.LogRecord:
    return logging.LogRecord("t", logging.INFO, __file__, 1, message, (), None)


def test_a_log_line_is_one_json_object_with_the_records_fields() -> None:
    record = _record()
    record.fields = {"operation": "state.get", "key": "k"}
    line = json.loads(JsonFormatter().format(record))
    assert {k: line[k] for k in ("level", "logger", "message", "operation", "key")} == {
        "level": "INFO",
        "logger": "t",
        "message": "hello",
        "operation": "state.get",
        "key": "k",
    }
    assert "time" in line and "exception" not in line


def test_a_log_line_carries_the_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in line["exception"]


def test_dapr_operation_logs_its_outcome_duration_and_fields(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> None:
        async with dapr_operation("state.get", key="k"):
            pass
        with pytest.raises(RuntimeError):
            async with dapr_operation("state.save", key="k"):
                raise RuntimeError("sidecar gone")

    with caplog.at_level(logging.INFO, logger="dapr.operations"):
        asyncio.run(run())
    fields = [getattr(r, "fields", {}) for r in caplog.records]
    assert [(f["operation"], f["outcome"], f["key"]) for f in fields] == [
        ("state.get", "ok", "k"),
        ("state.save", "error", "k"),
    ]
    assert all(isinstance(f["duration_ms"], float) and f["duration_ms"] >= 0 for f in fields)
    assert [r.getMessage() for r in caplog.records] == [
        "dapr state.get ok",
        "dapr state.save error",
    ]


def _app(connection: DaprConnection | None) -> FastAPI:
    app = FastAPI()
    if connection is not None:
        app.state.dapr = connection

    @app.get("/uses-dapr")
    async def uses_dapr(client: Annotated[DaprClient, Depends(get_dapr_client)]) -> dict[str, str]:
        return {"client": type(client).__name__}

    return app


def test_get_dapr_client_is_503_before_the_lifespan_started() -> None:
    response = TestClient(_app(None)).get("/uses-dapr")
    assert (response.status_code, response.json()) == (
        503,
        {"detail": "the app's lifespan has not started"},
    )


def test_get_dapr_client_is_503_with_the_reason_until_the_sidecar_answers() -> None:
    connection = DaprConnection()
    connection.problem = "Dapr sidecar unreachable at http://127.0.0.1:9/v1.0/healthz/outbound"
    response = TestClient(_app(connection)).get("/uses-dapr")
    assert (response.status_code, response.json()["detail"]) == (503, connection.problem)


def test_get_dapr_client_hands_out_the_connected_client() -> None:
    connection = DaprConnection(FakeDaprClient())  # type: ignore[arg-type]
    assert connection.problem == ""
    response = TestClient(_app(connection)).get("/uses-dapr")
    assert response.json() == {"client": "FakeDaprClient"}


def test_the_fake_client_keeps_dapr_etag_rules() -> None:
    fake = FakeDaprClient()

    async def run() -> None:
        await fake.save_state("store", "k", "v1")
        got = await fake.get_state("store", "k")
        assert (got.data, got.etag) == (b"v1", "1")
        with pytest.raises(DaprInternalError, match="etag mismatch"):
            await fake.save_state("store", "k", "v2", etag="stale")
        first_write = StateOptions(concurrency=Concurrency.first_write)
        with pytest.raises(DaprInternalError):
            await fake.save_state("store", "k", "v2", options=first_write)
        await fake.save_state("store", "k", "v2", etag=got.etag)
        await fake.delete_state("store", "k", etag="2")
        assert await fake.get_state("store", "k") == type(got)(b"", "")

    asyncio.run(run())
    assert [name for name, _ in fake.calls] == [
        "save_state",
        "get_state",
        "save_state",
        "save_state",
        "save_state",
        "delete_state",
        "get_state",
    ]
