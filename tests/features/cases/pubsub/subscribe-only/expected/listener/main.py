"""listener: Listens for orders.

FastAPI app that runs beside a Dapr sidecar (app id `listener`, port 8020).
"""

from fastapi import FastAPI

from listener.dapr_client import lifespan
from listener.health import health_router
from listener.logs import configure_logging
from listener.settings import get_settings
from listener.subscribers import subscriptions_router

configure_logging(get_settings().log_level)

app = FastAPI(title="listener", summary="Listens for orders.", version="0.1.0", lifespan=lifespan)

app.include_router(health_router)
app.include_router(subscriptions_router)
