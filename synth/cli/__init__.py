"""synth's command line. Each module registers its commands on the one Typer app."""

from __future__ import annotations

from synth.cli import deploy as _deploy  # noqa: F401  (check, create-topic)
from synth.cli import dev as _dev  # noqa: F401  (dev)
from synth.cli import grow as _grow  # noqa: F401  (add-feature, remove-feature)
from synth.cli import platform as _platform  # noqa: F401  (graph, lint-platform, asyncapi)
from synth.cli import service as _service  # noqa: F401  (new, list)
from synth.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
