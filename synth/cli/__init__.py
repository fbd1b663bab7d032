"""synth's command line. Each module registers its commands on the one Typer app.

A run imports only the module of the command it runs (synth's modules for `check` or `dev`
pull in schema validators, gRPC and the Dapr SDK, which `synth new` has no use for);
`--help`, an unknown command and `from synth.cli import app` load them all.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

__all__ = ["app", "main"]

COMMAND_MODULES: dict[str, str] = {
    "new": "service",
    "list": "service",
    "spec": "service",
    "add-feature": "grow",
    "remove-feature": "grow",
    "upgrade": "grow",
    "explain": "explain",
    "check": "deploy",
    "create-topic": "deploy",
    "dev": "dev",
    "graph": "platform",
    "lint-platform": "platform",
    "asyncapi": "platform",
}
LONG_RUNNING = frozenset({"dev"})


def _load(modules: set[str]) -> Any:
    for module in sorted(modules):
        importlib.import_module(f"synth.cli.{module}")
    from synth.cli.shell import app as typer_app

    return typer_app


def __getattr__(name: str) -> Any:
    if name == "app":
        return _load(set(COMMAND_MODULES.values()))
    raise AttributeError(name)


def main() -> None:
    """Console-script entry point."""
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in LONG_RUNNING:
        # A one-shot command builds trees and ends: what the cycle collector would free, the
        # exit frees. Its passes over libcst's and pydantic's many objects were an eighth of
        # `synth new`'s CPU (benchmarks/bench_new.py); `dev` serves until stopped, so keeps it.
        gc.disable()
    module = COMMAND_MODULES.get(command)
    _load({module} if module else set(COMMAND_MODULES.values()))()
