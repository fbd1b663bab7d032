"""The `health` feature (always on): `/health` liveness and `/ready` readiness.

@health_router.get("/health")   -> {"status": "ok"}; touches no dependency
@health_router.get("/ready")    -> 200 {"status": "ready"} or 503 {"status": "unavailable",
                                   "reason": "Dapr sidecar unreachable at ..."}
@readiness_note("agent")        -> another module adds `"agent": "<note>"` to `/ready` while its
                                   function returns a note; readiness stays about the sidecar
"""

from __future__ import annotations

from typing import ClassVar

from synth.codegen import Unit, build_docstring, build_name, build_template_units
from synth.features.base import Contribution, Feature, ReadmeSection
from synth.spec import FeatureName, ServiceSpec

__all__ = ["HealthFeature"]

_HEALTH = '''
from collections.abc import Callable

from fastapi import APIRouter, Request, Response, status

from {package}.dapr_client import get_dapr_connection

health_router = APIRouter(tags=["health"])

ReadinessNote = Callable[[], str]

READINESS_NOTES: dict[str, ReadinessNote] = {}


def readiness_note(name: str) -> Callable[[ReadinessNote], ReadinessNote]:
    """Report `name: <note>` in `/ready` whenever the decorated function returns a note.

    Notes inform (a part of the service that is switched off, and why); they never change
    readiness, which stays about the Dapr sidecar.
    """

    def register(note: ReadinessNote) -> ReadinessNote:
        READINESS_NOTES[name] = note
        return note

    return register


@health_router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process is up and serving. Touches no dependency."""
    return {"status": "ok"}


@health_router.get("/ready", responses={503: {"description": "Not ready, with the reason"}})
async def ready(request: Request, response: Response) -> dict[str, str]:
    """Readiness: 200 when the Dapr sidecar answers, 503 with the reason while it does not."""
    connection = get_dapr_connection(request)
    if connection is None:
        problem = "the app's lifespan has not started"
    else:
        problem = await connection.sidecar_problem() or connection.problem
    notes = {name: note for name, check in READINESS_NOTES.items() if (note := check())}
    if problem:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "reason": problem, **notes}
    return {"status": "ready", **notes}
'''

_MAIN = """
from {package}.health import health_router

app.include_router(health_router)
"""

_TESTS = """
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from {package}.dapr_client import DaprConnection
from {package}.health import READINESS_NOTES
from {package}.main import app
from {package}.settings import get_settings


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
"""


class HealthFeature(Feature):
    """Liveness and readiness endpoints."""

    name: ClassVar[FeatureName] = FeatureName.HEALTH
    requires: ClassVar[tuple[FeatureName, ...]] = (FeatureName.APP,)
    summary: ClassVar[str] = "/health liveness (no dependencies) and /ready sidecar readiness"
    always: ClassVar[bool] = True

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        package = build_name(spec.package)
        doc = build_docstring(
            "Liveness and readiness: `/health` touches no dependency; `/ready` checks Dapr."
        )
        main = build_template_units(_MAIN, package=package).units
        main_units = tuple(Unit(u.node, u.imports, anchor=("assign", "app")) for u in main)
        test_units = build_template_units(_TESTS, package=package).units
        return Contribution(
            python={
                f"{spec.package}/health.py": (
                    Unit(doc),
                    *build_template_units(_HEALTH, package=package).units,
                ),
                f"{spec.package}/main.py": main_units,
                "tests/test_health.py": (
                    Unit(build_docstring("`/health` is always 200; `/ready` follows Dapr.")),
                    *test_units,
                ),
            },
            readme=(
                ReadmeSection(
                    "Health",
                    "- `GET /health`: liveness; answers 200 without touching Dapr (the Dapr "
                    "app health check and the Kubernetes liveness probe use it).\n"
                    "- `GET /ready`: readiness; 200 once the Dapr sidecar answers, 503 with "
                    "the reason until then. Parts of the service that are switched off add a "
                    "note (`@readiness_note`), which never changes readiness.",
                ),
            ),
        )
