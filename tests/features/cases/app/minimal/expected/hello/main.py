"""hello: Says hello.

FastAPI app that runs beside a Dapr sidecar (app id `hello`, port 8010).
"""

from fastapi import FastAPI

from hello.dapr_client import lifespan
from hello.health import health_router
from hello.logs import configure_logging
from hello.settings import get_settings

configure_logging(get_settings().log_level)

app = FastAPI(title="hello", summary="Says hello.", version="0.1.0", lifespan=lifespan)

app.include_router(health_router)
