"""relay: Relays orders to shipping.

FastAPI app that runs beside a Dapr sidecar (app id `relay`, port 8022).
"""

from fastapi import FastAPI

from relay.dapr_client import lifespan
from relay.health import health_router
from relay.logs import configure_logging
from relay.settings import get_settings
from relay.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(
    title="relay", summary="Relays orders to shipping.", version="0.1.0", lifespan=lifespan
)

app.include_router(health_router)
app.include_router(subscriptions_router)
