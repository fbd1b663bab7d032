"""debug: Gives hints toward the cause of a learner's error without handing over the fix.

FastAPI app that runs beside a Dapr sidecar (app id `debug`, port 8004).
"""

from fastapi import FastAPI

from debug.agent import agent_router
from debug.dapr_client import lifespan
from debug.health import health_router
from debug.logs import configure_logging
from debug.settings import get_settings
from debug.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(
    title="debug",
    summary="Gives hints toward the cause of a learner's error without handing over the fix.",
    version="0.1.0",
    lifespan=lifespan,
)

app.include_router(health_router)
app.include_router(subscriptions_router)
app.include_router(agent_router)
