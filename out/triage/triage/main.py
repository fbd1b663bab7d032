"""triage: Routes each learner query to the specialist service that should answer it.

FastAPI app that runs beside a Dapr sidecar (app id `triage`, port 8001).
"""

from fastapi import FastAPI

from triage.dapr_client import lifespan
from triage.health import health_router
from triage.logs import configure_logging
from triage.settings import get_settings
from triage.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(
    title="triage",
    summary="Routes each learner query to the specialist service that should answer it.",
    version="0.1.0",
    lifespan=lifespan,
)

app.include_router(health_router)
app.include_router(subscriptions_router)
