"""Adopting a hand-written FastAPI service: before/after of its main.py, and refusals."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from synth.errors import TargetError
from synth.grow import add_features
from synth.spec import FeatureName
from synth.workspace import write_changes

BEFORE = '''\
"""The shop: a hand-written FastAPI service."""

from fastapi import FastAPI

app = FastAPI(title="shop")


@app.get("/items")
async def items() -> list[str]:
    """Everything we sell."""
    return ["tea", "cake"]
'''

AFTER = '''\
"""The shop: a hand-written FastAPI service."""

from fastapi import FastAPI

from shop.dapr_client import lifespan
from shop.health import health_router
from shop.logs import configure_logging
from shop.settings import get_settings

configure_logging(get_settings().log_level)

app = FastAPI(title="shop", lifespan=lifespan)

app.include_router(health_router)


@app.get("/items")
async def items() -> list[str]:
    """Everything we sell."""
    return ["tea", "cake"]
'''


def _shop(root: Path, main: str = BEFORE) -> Path:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "main.py").write_text(main)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "1.2.0"\ndependencies = ["fastapi>=0.110"]\n'
    )
    return root


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_adopted_service_gets_the_feature_and_keeps_its_code(tmp_path: Path) -> None:
    root = _shop(tmp_path / "shop")
    result = add_features(root, [FeatureName.STATE], specs_dir=tmp_path / "no-specs")
    assert result.conflicts == ()
    write_changes(result.changes, root)
    assert (root / "shop" / "main.py").read_text() == AFTER
    assert (root / "synth.yaml").is_file() and (root / "shop" / "state.py").is_file()
    assert 'version = "1.2.0"' in (root / "pyproject.toml").read_text()
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert suite.returncode == 0, suite.stdout[-2000:]
    again = add_features(root, [FeatureName.STATE])
    assert again.changes.changed == ()


def test_a_folder_without_a_fastapi_app_is_refused(tmp_path: Path) -> None:
    root = _shop(tmp_path / "shop", main="application = object()\n")
    before = _tree(root)
    with pytest.raises(TargetError, match=r"no `app = FastAPI\(...\)`"):
        add_features(root, [FeatureName.STATE])
    assert _tree(root) == before


def test_an_app_with_its_own_lifespan_is_refused(tmp_path: Path) -> None:
    main = BEFORE.replace('FastAPI(title="shop")', 'FastAPI(title="shop", lifespan=mine)')
    root = _shop(tmp_path / "shop", main=textwrap.dedent(main))
    with pytest.raises(TargetError, match="already has a lifespan"):
        add_features(root, [FeatureName.STATE])
