"""`check_path`: run every check on one service folder, or on each service under a folder.

A folder of services (a platform root such as `out/`) also gets the platform checks (its
`dapr.yaml` and `k8s/`). Findings name files relative to the path given, one line each.
Overlays are built with `kubectl kustomize` when kubectl is on PATH (`kubectl_missing()` tells
the caller to say so); mypy runs on request (`mypy=True`).
"""

from __future__ import annotations

from pathlib import Path

from synth.checks.consistency import check_consistency
from synth.checks.dapr import check_dapr
from synth.checks.dockerfile import check_dockerfile
from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder, find_service_folders, has_record, load_service_folder
from synth.checks.kubernetes import check_kubernetes
from synth.checks.kustomize import check_kustomize
from synth.checks.platform import check_platform
from synth.checks.platform_deploy import check_platform_deploy
from synth.checks.production import check_production
from synth.checks.python import check_mypy, check_python
from synth.checks.secrets import check_secrets
from synth.checks.security import check_security

__all__ = ["check_path", "check_service"]


def check_service(
    folder: ServiceFolder, *, python: bool = True, mypy: bool = False, kustomize: bool = True
) -> list[Finding]:
    """Every finding for one loaded service folder (paths relative to the folder)."""
    findings = [
        *folder.unreadable,
        *check_kubernetes(folder),
        *check_dapr(folder),
        *check_dockerfile(folder),
        *check_secrets(folder),
        *check_consistency(folder),
        *check_production(folder),
        *check_security(folder),
    ]
    if kustomize:
        findings.extend(check_kustomize(folder))
    if python:
        findings.extend(check_python(folder))
    if mypy:
        findings.extend(check_mypy(folder))
    return sorted(set(findings))


def check_path(
    path: Path, *, python: bool = True, mypy: bool = False, kustomize: bool = True
) -> list[Finding]:
    """Check the service at `path`, or every service directly under it (raises SynthError on
    unusable input: no such folder, no service, a malformed synth.yaml)."""
    folders = [load_service_folder(root) for root in find_service_folders(path)]
    findings: list[Finding] = []
    for folder in folders:
        prefix = "" if folder.root == path else f"{folder.root.relative_to(path).as_posix()}/"
        findings.extend(
            Finding(prefix + f.file, f.what, f.why)
            for f in check_service(folder, python=python, mypy=mypy, kustomize=kustomize)
        )
    if not has_record(path):
        findings.extend(check_platform(path, folders))
        findings.extend(check_platform_deploy(path, folders, kustomize=kustomize))
    return findings
