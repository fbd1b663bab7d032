"""The folders a CLI case starts from, each built by name inside the case's own folder.

A case names its starting files as a tuple of setups (`"specs"`, `"svc"`, ...) and/or literal
files (`{"specs/x.yaml": "name: x\\n"}`); `build_before` makes them under `root`. The one
generated service (`svc`) is made once per session and copied, since generating takes seconds.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synth.cli import app

ROOT = Path(__file__).resolve().parents[2]
DIR = object()  # a literal entry that is an (empty) folder
DANGLING = object()  # a literal entry that is a symlink to nowhere

Before = tuple[object, ...]


def _write(root: Path, files: Mapping[str, object]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is DIR:
            path.mkdir(exist_ok=True)
        elif content is DANGLING:
            path.symlink_to(root / "nowhere-at-all")
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(str(content), encoding="utf-8")


@contextmanager
def chdir(path: Path) -> Iterator[None]:
    """Run inside `path` (the CLI's defaults, specs/ and out/, are relative)."""
    here = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(here)


@pytest.fixture(scope="session")
def generated_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ad-hoc service `orders` with state (`synth new orders --state-key 'order:{id}'`)."""
    root = tmp_path_factory.mktemp("generated")
    with chdir(root):
        result = CliRunner().invoke(
            app, ["new", "orders", "--state-key", "order:{id}", "--out", "orders"]
        )
    assert result.exit_code == 0, result.output
    return root / "orders"


@pytest.fixture
def build_before(generated_service: Path) -> Callable[[Path, Before], None]:
    """Make a case's starting files under a root folder."""

    def corrupt(root: Path) -> None:
        shutil.copytree(generated_service, root / "corrupt-svc", symlinks=True)
        (root / "corrupt-svc/synth.yaml").write_text("spec: [unclosed\n  features: {\n")

    setups: dict[str, Callable[[Path], None]] = {
        "specs": lambda root: shutil.copytree(ROOT / "specs", root / "specs"),
        "svc": lambda root: shutil.copytree(generated_service, root / "svc", symlinks=True),
        "corrupt-svc": corrupt,
        "afile": lambda root: _write(root, {"afile": "not a folder\n"}),
        "emptydir": lambda root: _write(root, {"emptydir": DIR}),
        "nonempty": lambda root: _write(root, {"nonempty/mine.txt": "keep me\n"}),
        "emptyspecs": lambda root: _write(root, {"specs": DIR}),
    }

    def build(root: Path, before: Before) -> None:
        for item in before:
            if isinstance(item, str):
                setups[item](root)
            else:
                assert isinstance(item, Mapping)
                _write(root, item)

    return build
