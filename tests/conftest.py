"""Shared fixtures: the repository's folders, and a fail-loudly-in-CI guard for servers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    """The synth checkout."""
    return ROOT


@pytest.fixture
def specs_dir() -> Path:
    """The LearnFlow specs."""
    return ROOT / "specs"
