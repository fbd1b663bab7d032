"""Fixtures for the platform tests: spec folders written into tmp_path, and the CLI app."""

from __future__ import annotations

import copy
import importlib.util
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
REAL_SPECS = REPO / "specs"


def _fields(*names: str) -> list[dict[str, str]]:
    return [{"name": name, "type": "str"} for name in names]


def _two_service_data() -> list[dict[str, Any]]:
    question = {"topic": "learning.question", "fields": _fields("user_id", "text")}
    answer = {"topic": "learning.answer", "fields": _fields("user_id", "reply")}
    # Each declaration its own copy, so a test can change one side of a topic.
    return [
        {"name": "asker", "publishes": [question], "subscribes": [copy.deepcopy(answer)]},
        {
            "name": "answerer",
            "subscribes": [copy.deepcopy(question)],
            "publishes": [answer],
            "state": [{"key": "cache:{user_id}", "fields": _fields("reply")}],
        },
    ]


def _write_yaml(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as stream:
        YAML(typ="safe", pure=True).dump(data, stream)
    return path


@pytest.fixture
def two_service_data() -> list[dict[str, Any]]:
    """`asker` publishes learning.question to `answerer`, which answers on learning.answer."""
    return _two_service_data()


@pytest.fixture
def real_specs() -> Path:
    """The six LearnFlow specs of the repository."""
    return REAL_SPECS


@pytest.fixture
def write_yaml() -> Callable[[Path, object], Path]:
    """Write data as YAML to a path, creating folders."""
    return _write_yaml


@pytest.fixture
def specs_dir(tmp_path: Path) -> Path:
    """The two-service platform, written as specs/asker.yaml and specs/answerer.yaml."""
    folder = tmp_path / "specs"
    for data in _two_service_data():
        _write_yaml(folder / f"{data['name']}.yaml", data)
    return folder


@pytest.fixture
def cli_app() -> Any:
    """The shared Typer app with the platform commands registered."""
    # synth/cli/__init__.py imports synth.cli.service, which another change adds; until it
    # lands, stand in an empty module so `synth.cli.shell` can be imported. Remove with it.
    if importlib.util.find_spec("synth.cli.service") is None:
        sys.modules.setdefault("synth.cli.service", types.ModuleType("synth.cli.service"))
    import synth.cli.platform  # noqa: F401  (registers graph, lint-platform, asyncapi)
    from synth.cli.shell import app

    return app
