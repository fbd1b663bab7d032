"""code-review: Reviews learners' Python code for correctness, style and idiom.

FastAPI app that runs beside a Dapr sidecar (app id `code-review`, port 8003).
"""

from fastapi import FastAPI

from code_review.agent import agent_router
from code_review.dapr_client import lifespan
from code_review.health import health_router
from code_review.logs import configure_logging
from code_review.settings import get_settings
from code_review.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(
    title="code-review",
    summary="Reviews learners' Python code for correctness, style and idiom.",
    version="0.1.0",
    lifespan=lifespan,
)

app.include_router(health_router)
app.include_router(subscriptions_router)
app.include_router(agent_router)
