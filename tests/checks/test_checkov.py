"""checkov on what a cluster gets from every generated service: 0 failed checks, and every skip
carries its reason (one checkov run over all six services: base, each overlay as built by
`kubectl kustomize`, the Dockerfile)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from tests.tools import require

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out"
SERVICES = sorted(p.parent for p in OUT.glob("*/synth.yaml"))


def _checkov() -> str | None:
    found = shutil.which("checkov")
    candidate = Path(sysconfig.get_path("scripts")) / "checkov"
    return found or (str(candidate) if candidate.is_file() else None)


def _stage(tree: Path) -> None:
    """What a cluster gets, as plain files: base documents, built overlays, the Dockerfile."""
    for service in SERVICES:
        target = tree / service.name
        (target / "base").mkdir(parents=True)
        for path in (service / "k8s" / "base").glob("*.yaml"):
            if path.name != "kustomization.yaml":
                shutil.copy(path, target / "base" / path.name)
        for overlay in sorted((service / "k8s" / "overlays").iterdir()):
            built = subprocess.run(
                ["kubectl", "kustomize", str(overlay)],
                capture_output=True, text=True, check=True, timeout=60,
            )  # fmt: skip
            (target / overlay.name).mkdir()
            (target / overlay.name / "built.yaml").write_text(built.stdout)
        shutil.copy(service / "Dockerfile", target / "Dockerfile")


@pytest.mark.slow
def test_checkov_finds_nothing_and_every_skip_says_why(tmp_path: Path) -> None:
    require(_checkov() is not None, "checkov (the dev extra)")
    require(shutil.which("kubectl") is not None, "kubectl")
    assert len(SERVICES) == 6, "out/ holds the six LearnFlow services (synth new --all)"
    _stage(tmp_path)
    command = [
        str(_checkov()), "-d", str(tmp_path), "--framework", "kubernetes", "dockerfile",
        "--skip-download", "-o", "json",
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert {r["check_type"] for r in reports} == {"kubernetes", "dockerfile"}
    failed = [
        (c["check_id"], c["file_path"], c["resource"])
        for r in reports
        for c in r["results"]["failed_checks"]
    ]
    assert failed == []
    skipped = [c for r in reports for c in r["results"]["skipped_checks"]]
    assert {c["check_id"] for c in skipped} == {
        "CKV_K8S_43", "CKV_K8S_35", "CKV_K8S_15", "CKV_DOCKER_2",
    }  # fmt: skip
    for check in skipped:
        reason = check["check_result"].get("suppress_comment", "")
        assert reason and reason != "No comment provided", check["check_id"]
    passed = sum(r["summary"]["passed"] for r in reports)
    assert passed > 1000  # every service's base, both overlays and Dockerfile were read
