"""Python checks: parse, black, ruff, boot, /health, and /dapr/subscribe against the spec.

Before: a stand-in package that behaves like a generated one has no findings. After: one edit,
one finding. The last test runs the checks on the generated `out/` services when they exist.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from synth.checks import check_service, load_service_folder
from synth.features.base import deployment_of
from synth.manifests import build_deploy_files
from tests.tools import require

from .samples import learnflow_spec, write_files, write_python_service

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_python_service(tmp_path_factory.mktemp("py") / "triage", learnflow_spec("triage"))


@pytest.fixture
def service(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "triage"))


def _lines(root: Path, *, mypy: bool = False) -> list[str]:
    folder = load_service_folder(root)
    return [str(f) for f in check_service(folder, kustomize=False, mypy=mypy)]


def _edit(root: Path, old: str, new: str) -> None:
    main = root / "triage" / "main.py"
    text = main.read_text()
    assert old in text
    main.write_text(text.replace(old, new))


def test_stand_in_service_is_clean(service: Path) -> None:
    assert _lines(service) == []


def test_syntax_error_is_reported_and_boot_skipped(service: Path) -> None:
    _edit(service, "def health()", "def health(")
    lines = _lines(service)
    assert [line for line in lines if "main.py" in line] == [
        "triage/main.py: line 9: invalid syntax (Python cannot parse)"
    ]


def test_unformatted_code_is_reported(service: Path) -> None:
    _edit(service, 'return {"status": "ok"}', "return {'status':'ok'}")
    assert "triage/main.py: not black-formatted (black would rewrite it)" in _lines(service)


def test_ruff_violation_is_reported(service: Path) -> None:
    _edit(service, "from fastapi import FastAPI\n", "import os\n\nfrom fastapi import FastAPI\n")
    assert any("F401" in line for line in _lines(service))


def test_app_that_cannot_import_is_reported(service: Path) -> None:
    _edit(service, "app = FastAPI()", 'app = FastAPI()\nraise RuntimeError("no config")')
    lines = _lines(service)
    assert any("does not import or boot: RuntimeError: no config" in line for line in lines), lines


def test_unhealthy_app_is_reported(service: Path) -> None:
    _edit(service, '@app.get("/health")', '@app.get("/healthz")')
    assert "triage/main.py: GET /health answered 404 (probes fail)" in _lines(service)


def test_probe_path_the_app_does_not_serve_is_reported(service: Path) -> None:
    _edit(service, '@app.get("/ready")', '@app.get("/readyz")')
    assert (
        "k8s/base/deployment.yaml: readinessProbe /ready is not a GET route of the app "
        "(it always fails)"
    ) in _lines(service)


def test_app_health_check_path_the_app_does_not_serve_is_reported(service: Path) -> None:
    deployment = service / "k8s" / "base" / "deployment.yaml"
    text = deployment.read_text()
    deployment.write_text(
        text.replace("app-health-check-path: /health", "app-health-check-path: /healthz")
    )
    assert any(
        "dapr.io/app-health-check-path /healthz is not a GET route" in line
        for line in _lines(service)
    )


@pytest.mark.slow
def test_type_error_is_reported_with_mypy(service: Path) -> None:
    require(importlib.util.find_spec("mypy") is not None, "mypy (the dev extra)")
    assert _lines(service, mypy=True) == []
    _edit(service, 'return {"status": "ok"}', 'return {"status": 1}')
    lines = _lines(service, mypy=True)
    assert any("triage/main.py" in line and "mypy: a type error" in line for line in lines), lines


def test_subscriptions_must_match_the_spec(service: Path) -> None:
    _edit(service, '"topic": "learning.query"', '"topic": "learning.other"')
    assert [line for line in _lines(service) if "subscribe" in line] == [
        "triage/main.py: does not subscribe to pubsub/learning.query (spec says so)",
        "triage/main.py: subscribes to pubsub/learning.other (not in the spec)",
    ]


def test_missing_package_is_reported(service: Path) -> None:
    shutil.rmtree(service / "triage")
    assert _lines(service) == ["triage/main.py: missing (the package must define `app` in main.py)"]


def test_generated_service_with_built_artifacts_is_clean(tmp_path: Path) -> None:
    root = Path(shutil.copytree(ROOT / "out" / "triage", tmp_path / "triage"))
    folder = load_service_folder(root)
    write_files(
        root, build_deploy_files(folder.spec, deployment_of(folder.spec, folder.features)).render()
    )
    assert _lines(root) == []
