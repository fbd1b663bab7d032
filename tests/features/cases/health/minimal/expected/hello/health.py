"""Liveness and readiness: `/health` touches no dependency; `/ready` checks Dapr."""

from collections.abc import Callable

from fastapi import APIRouter, Request, Response, status

from hello.dapr_client import get_dapr_connection

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
