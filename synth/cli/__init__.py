"""synth's command line. Each module registers its commands on the one Typer app.

A run imports only the module of the command it runs (synth's modules for `check` or `dev`
pull in schema validators, gRPC and the Dapr SDK, which `synth new` has no use for);
`--help`, an unknown command and `from synth.cli import app` load them all.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

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
    module = COMMAND_MODULES.get(command)
    modules = {module} if module else set(COMMAND_MODULES.values())
    if command in LONG_RUNNING:  # `dev` serves until stopped: the collector, an ordinary exit
        _load(modules)()
        return
    # A one-shot command builds trees and ends: what the cycle collector would free, the exit
    # frees. Its passes over libcst's and pydantic's many objects were an eighth of `synth
    # new`'s CPU (benchmarks/bench_new.py).
    gc.disable()
    _hard_exit(_exit_code(_load(modules)))


def _exit_code(run: Callable[[], object]) -> int:
    """The exit status of `run`, as the interpreter would give it for a SystemExit."""
    try:
        run()
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        print(stop.code, file=sys.stderr)
        return 1
    return 0


def _hard_exit(code: int) -> NoReturn:
    """End a finished one-shot command without the interpreter's teardown.

    Every file the command writes is written and closed by then (staged changes are renamed
    into place, the ruff scratch folder is removed, `new --all`'s workers are joined), so the
    teardown would only free the heap object by object, and run a last full collection over
    it: a fifth of `synth new`'s CPU (benchmarks/bench_new.py), as mypy found for its own
    runs. The standard streams are flushed here, so output on a pipe is whole.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the interpreter would exit 120
        code = code or 120
    os._exit(code)
