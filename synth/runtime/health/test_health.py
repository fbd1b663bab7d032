"""`/health` is always 200; `/ready` follows Dapr."""

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from synth.runtime.app.dapr_client import DaprConnection
from synth.runtime.health.health import READINESS_NOTES
from synth.runtime.standin.main import app
from synth.runtime.standin.settings import get_settings


def test_health_answers_without_any_dependency() -> None:
    with TestClient(app) as client:
        app.state.dapr = DaprConnection()
        assert client.get("/health").json() == {"status": "ok"}


def test_ready_when_the_sidecar_answers(app_client: TestClient) -> None:
    response = app_client.get("/ready")
    assert (response.status_code, response.json()["status"]) == (200, "ready")


def test_ready_adds_the_notes_of_parts_that_are_off(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(READINESS_NOTES, "example", lambda: "disabled: for this test")
    monkeypatch.setitem(READINESS_NOTES, "quiet", lambda: "")
    body = app_client.get("/ready").json()
    assert (body["status"], body["example"], "quiet" in body) == (
        "ready",
        "disabled: for this test",
        False,
    )


def test_not_ready_with_the_reason_while_the_sidecar_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DAPR_HTTP_PORT", "9")
    get_settings.cache_clear()
    try:
        with TestClient(app) as client:
            response = client.get("/ready")
    finally:
        get_settings.cache_clear()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "127.0.0.1:9" in response.json()["reason"]


def test_readiness_probes_share_the_lifespan_http_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAPR_HTTP_PORT", "9")
    get_settings.cache_clear()
    made: list[httpx.AsyncClient] = []
    original = httpx.AsyncClient.__init__

    def counted(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        original(self, *args, **kwargs)

    try:
        with TestClient(app) as client:
            monkeypatch.setattr(httpx.AsyncClient, "__init__", counted)
            probes = [client.get("/ready").status_code for _ in range(3)]
    finally:
        get_settings.cache_clear()
    assert (probes, made) == ([503, 503, 503], [])
