"""Each overlay as a cluster gets it: built by `kubectl kustomize`, when kubectl is on PATH.

A patch that matches nothing, a resource outside the kustomization root or a duplicate document
only shows when kustomize builds the overlay; the built overlay must also carry the Dapr
Configuration its pods name in `dapr.io/config`, or the service cannot be deployed on its own.
Without kubectl nothing is built and `kubectl_missing()` says so (the CLI prints it).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Mapping
from typing import Any

from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder
from synth.errors import SourceError
from synth.manifests import parse_yaml

__all__ = ["KUBECTL_MISSING", "build_overlay", "check_kustomize", "kubectl_missing"]

KUBECTL_MISSING = "kubectl is not on PATH: overlays were not built (kustomize checks skipped)"
BUILD_TIMEOUT_SECONDS = 60


def kubectl_missing() -> bool:
    """True when `kubectl` cannot be run here."""
    return shutil.which("kubectl") is None


def build_overlay(folder: ServiceFolder, overlay: str) -> tuple[str | None, str]:
    """(built YAML or None, the first error line) for `k8s/overlays/<overlay>`."""
    proc = subprocess.run(
        ["kubectl", "kustomize", str(folder.root / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        return None, (lines[-1] if lines else "kubectl kustomize failed")
    return proc.stdout, ""


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _overlays(folder: ServiceFolder) -> list[str]:
    names = {
        path.split("/")[2]
        for path, _doc in folder.docs_of_kind("Kustomization")
        if path.startswith("k8s/overlays/") and path.count("/") == 3
    }
    return sorted(names)


def _built_findings(where: str, text: str) -> Iterator[Finding]:
    try:
        docs = parse_yaml(text, where)
    except SourceError as exc:
        yield Finding(where, "kustomize output does not parse", str(exc))
        return
    configurations = {_get(d, "metadata", "name") for d in docs if d.get("kind") == "Configuration"}
    for doc in docs:
        if doc.get("kind") != "Deployment":
            continue
        config = _get(doc, "spec", "template", "metadata", "annotations", "dapr.io/config")
        if config and config not in configurations:
            yield Finding(
                where,
                f"the built overlay has no Configuration {config} (named by dapr.io/config)",
                "deployed on its own, the sidecar cannot load its configuration",
            )


def check_kustomize(folder: ServiceFolder) -> list[Finding]:
    """Build every overlay; a failed build or a missing Configuration is a finding."""
    if kubectl_missing():
        return []
    findings: list[Finding] = []
    for overlay in _overlays(folder):
        where = f"k8s/overlays/{overlay}"
        built, error = build_overlay(folder, overlay)
        if built is None:
            findings.append(
                Finding(where, f"kustomize cannot build it: {error}", "kubectl -k fails")
            )
            continue
        findings.extend(_built_findings(where, built))
    return findings
