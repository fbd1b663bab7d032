"""announcer: Announces prices.

FastAPI app that runs beside a Dapr sidecar (app id `announcer`, port 8021).
"""

from fastapi import FastAPI

from announcer.dapr_client import lifespan
from announcer.health import health_router
from announcer.logs import configure_logging
from announcer.settings import get_settings
from announcer.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(title="announcer", summary="Announces prices.", version="0.1.0", lifespan=lifespan)

app.include_router(health_router)
app.include_router(subscriptions_router)
