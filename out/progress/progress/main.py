"""progress: Tracks each learner's progress from every LearnFlow event and raises struggle
alerts.

FastAPI app that runs beside a Dapr sidecar (app id `progress`, port 8006).
"""

from fastapi import FastAPI

from progress.dapr_client import lifespan
from progress.health import health_router
from progress.logs import configure_logging
from progress.settings import get_settings
from progress.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(
    title="progress",
    summary="Tracks each learner's progress from every LearnFlow event and raises struggle alerts.",
    version="0.1.0",
    lifespan=lifespan,
)

app.include_router(health_router)
app.include_router(subscriptions_router)
