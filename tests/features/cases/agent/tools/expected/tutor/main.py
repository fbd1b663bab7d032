"""tutor: Answers a learner's questions about a topic.

FastAPI app that runs beside a Dapr sidecar (app id `tutor`, port 8011).
"""

from fastapi import FastAPI

from tutor.agent import agent_router
from tutor.dapr_client import lifespan
from tutor.health import health_router
from tutor.logs import configure_logging
from tutor.settings import get_settings
from tutor.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(
    title="tutor",
    summary="Answers a learner's questions about a topic.",
    version="0.1.0",
    lifespan=lifespan,
)

app.include_router(health_router)
app.include_router(subscriptions_router)
app.include_router(agent_router)
