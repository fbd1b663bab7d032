"""echo: Answers every request with the model's reply.

FastAPI app that runs beside a Dapr sidecar (app id `echo`, port 8012).
"""

from fastapi import FastAPI

from echo.agent import agent_router
from echo.dapr_client import lifespan
from echo.health import health_router
from echo.logs import configure_logging
from echo.settings import get_settings
from echo.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(
    title="echo",
    summary="Answers every request with the model's reply.",
    version="0.1.0",
    lifespan=lifespan,
)

app.include_router(health_router)
app.include_router(subscriptions_router)
app.include_router(agent_router)
