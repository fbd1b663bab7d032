"""Fixtures: a freshly built, good service folder for the checks to look at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .samples import learnflow_spec, write_service


@pytest.fixture(scope="session")
def built_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """code-review (state, pubsub, agent: a secret), written once with synth's builders."""
    root = tmp_path_factory.mktemp("built") / "code-review"
    return write_service(root, learnflow_spec("code-review"))


@pytest.fixture
def service(built_service: Path, tmp_path: Path) -> Path:
    """A private copy of the built service that a test may mutate."""
    return Path(shutil.copytree(built_service, tmp_path / "code-review"))
