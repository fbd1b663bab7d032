"""Structured JSON logs, and the timing of every Dapr call."""

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

dapr_logger = logging.getLogger("dapr.operations")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure_logging(level: str) -> None:
    """Send every log line to stderr as JSON at `level`."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


@asynccontextmanager
async def dapr_operation(operation: str, **fields: object) -> AsyncIterator[None]:
    """Log one Dapr call with its outcome and duration in milliseconds."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except BaseException:
        outcome = "error"
        raise
    finally:
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        dapr_logger.info(
            "dapr %s %s",
            operation,
            outcome,
            extra={
                "fields": {
                    "operation": operation,
                    "outcome": outcome,
                    "duration_ms": duration_ms,
                    **fields,
                }
            },
        )
