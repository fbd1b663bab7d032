"""What a test needs from the machine: skipped where it is missing locally, a failure in CI."""

from __future__ import annotations

import os

import pytest

__all__ = ["require"]


def require(present: bool, what: str) -> None:
    """Go on only if `what` is here; CI (which installs everything) fails loudly without it."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI; .ci/run installs it (the dev extra, or the machine)")
    pytest.skip(f"{what} is not here")
