"""`synth dev`: run generated services beside synth's local Dapr-compatible sidecar (not daprd).

Modules: :mod:`~synth.dev.discovery` (which folders are services), :mod:`~synth.dev.process`
(one supervised uvicorn process), :mod:`~synth.dev.output` (lines prefixed `[service]`),
:mod:`~synth.dev.resources` (components pointed at `--redis-url`) and :mod:`~synth.dev.runner`
(the sidecars and processes together).
"""

from __future__ import annotations

from synth.dev.discovery import DevService, find_services, load_service
from synth.dev.output import LineSink, Prefixer
from synth.dev.process import ServiceProcess
from synth.dev.runner import RUNTIME_NOTE, DevInstance, DevOptions, DevRunner, DevStartError

__all__ = [
    "RUNTIME_NOTE",
    "DevInstance",
    "DevOptions",
    "DevRunner",
    "DevService",
    "DevStartError",
    "LineSink",
    "Prefixer",
    "ServiceProcess",
    "find_services",
    "load_service",
]
