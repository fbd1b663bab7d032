"""Shared fixtures: the repository's folders, and a fail-loudly-in-CI guard for servers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    """The synth checkout."""
    return ROOT


@pytest.fixture
def specs_dir() -> Path:
    """The LearnFlow specs."""
    return ROOT / "specs"


# CI replays the same Hypothesis examples on every run (a landing must not depend on the draw);
# local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
