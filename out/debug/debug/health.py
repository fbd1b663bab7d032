"""Liveness and readiness: `/health` touches no dependency; `/ready` checks Dapr."""

from fastapi import APIRouter, Request, Response, status

from debug.dapr_client import get_dapr_connection

health_router = APIRouter(tags=["health"])


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
    if problem:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "reason": problem}
    return {"status": "ready"}
