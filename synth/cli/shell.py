"""The Typer application object every command module registers on, and how errors are shown."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from synth.errors import SynthError

__all__ = ["app", "emit_json", "fail", "guarded"]

app = typer.Typer(
    name="synth",
    help="Create and grow Dapr microservices in Python, as syntax trees.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def fail(error: SynthError) -> typer.Exit:
    """Print the one-line error to stderr and return the Exit to raise."""
    typer.echo(f"synth: error: {error}", err=True)
    return typer.Exit(code=error.exit_code)


def emit_json(payload: object) -> None:
    """Write one compact JSON document to stdout (the `--json` contract: paths and status)."""
    sys.stdout.write(json.dumps(payload, separators=(",", ":"), sort_keys=True) + "\n")


def guarded(func: Callable[[], None]) -> None:
    """Run a command body; a SynthError becomes a one-line message and exit code 2."""
    try:
        func()
    except SynthError as error:
        raise fail(error) from None


@app.callback()
def _group() -> None:
    """Create and grow Dapr microservices in Python, as syntax trees."""
