"""concepts: Explains Python concepts at the learner's level.

FastAPI app that runs beside a Dapr sidecar (app id `concepts`, port 8002).
"""

from fastapi import FastAPI

from concepts.agent import agent_router
from concepts.dapr_client import lifespan
from concepts.health import health_router
from concepts.logs import configure_logging
from concepts.settings import get_settings
from concepts.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(
    title="concepts",
    summary="Explains Python concepts at the learner's level.",
    version="0.1.0",
    lifespan=lifespan,
)

app.include_router(health_router)
app.include_router(subscriptions_router)
app.include_router(agent_router)
