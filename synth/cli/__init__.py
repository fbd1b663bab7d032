"""synth's command line: `synth new`, `synth list`, ... Each module registers its commands."""

from __future__ import annotations

from synth.cli import service as _service  # noqa: F401  (registers new, list)
from synth.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
