"""code-coach: a Dapr service.

FastAPI app that runs beside a Dapr sidecar (app id `code-coach`, port 8012).
"""

from fastapi import FastAPI

from code_coach.dapr_client import lifespan
from code_coach.health import health_router
from code_coach.logs import configure_logging
from code_coach.settings import get_settings

configure_logging(get_settings().log_level)

app = FastAPI(
    title="code-coach", summary="The code-coach service", version="0.1.0", lifespan=lifespan
)

app.include_router(health_router)
