"""exercise: Generates Python exercises and grades learners' submissions.

FastAPI app that runs beside a Dapr sidecar (app id `exercise`, port 8005).
"""

from fastapi import FastAPI

from exercise.agent import agent_router
from exercise.dapr_client import lifespan
from exercise.health import health_router
from exercise.logs import configure_logging
from exercise.settings import get_settings
from exercise.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(
    title="exercise",
    summary="Generates Python exercises and grades learners' submissions.",
    version="0.1.0",
    lifespan=lifespan,
)

app.include_router(health_router)
app.include_router(subscriptions_router)
app.include_router(agent_router)
