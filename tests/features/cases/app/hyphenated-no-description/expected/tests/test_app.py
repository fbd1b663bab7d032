"""The app starts, logs JSON, and hands out one shared Dapr client."""

import json
import logging

from fastapi.testclient import TestClient

from code_coach.logs import JsonFormatter
from code_coach.main import app


def test_app_is_named_after_the_service() -> None:
    assert app.title == "code-coach"


def test_log_lines_are_json_with_their_fields() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.fields = {"duration_ms": 1.5}
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["level"], line["duration_ms"]) == ("hello you", "INFO", 1.5)


def test_lifespan_keeps_the_installed_client_and_closes_it(
    app_client: TestClient, fake_dapr: object
) -> None:
    assert app.state.dapr.client is fake_dapr
