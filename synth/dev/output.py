"""What `synth dev` prints: every line prefixed with the service it came from (`[triage] ...`).

A service process's stdout and stderr are pumped line by line through :func:`pump_lines`; the
sidecars run in this process, so their log records are tagged through a context variable that
each sidecar's tasks inherit (:func:`service_context`) and written by :class:`PrefixedLogHandler`.
Everything goes to one :data:`LineSink`, so a test can collect the lines instead of printing.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = [
    "LineSink",
    "PrefixedLogHandler",
    "Prefixer",
    "current_service",
    "pump_lines",
    "service_context",
    "stream_sink",
]

LineSink = Callable[[str], None]

current_service: contextvars.ContextVar[str] = contextvars.ContextVar(
    "synth_dev_service", default="dev"
)


def stream_sink(stream_name: str = "stdout") -> LineSink:
    """A sink writing each line to `sys.stdout` or `sys.stderr` (looked up at write time)."""

    def write(line: str) -> None:
        stream = getattr(sys, stream_name)
        stream.write(line + "\n")
        stream.flush()

    return write


class Prefixer:
    """Prefixes lines with `[name]`, padded so that the services' lines align."""

    def __init__(self, sink: LineSink, width: int = 0) -> None:
        self.sink = sink
        self.width = width

    def line(self, name: str, text: str) -> None:
        """Write `text` (one line, trailing newline removed) as coming from `name`."""
        tag = f"[{name}]"
        self.sink(f"{tag:<{self.width + 2}} {text.rstrip()}")


async def pump_lines(reader: asyncio.StreamReader, name: str, prefixer: Prefixer) -> None:
    """Copy `reader` to `prefixer` line by line until EOF; undecodable bytes are replaced."""
    while True:
        try:
            raw = await reader.readline()
        except ValueError:  # a line longer than the stream limit: take what is buffered
            raw = await reader.read(2**16)
        if not raw:
            return
        prefixer.line(name, raw.decode("utf-8", errors="replace"))


@contextmanager
def service_context(name: str) -> Iterator[None]:
    """Tag log records (and tasks created inside) as coming from service `name`."""
    token = current_service.set(name)
    try:
        yield
    finally:
        current_service.reset(token)


class PrefixedLogHandler(logging.Handler):
    """Writes this process's log records (the sidecars') as `[service] sidecar: message`."""

    def __init__(self, prefixer: Prefixer, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.prefixer = prefixer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
            level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()} "
            for text in message.splitlines() or [""]:
                self.prefixer.line(current_service.get(), f"sidecar: {level}{text}")
        except Exception:
            self.handleError(record)
