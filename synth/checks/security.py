"""The checkov checks a generated service must pass, so an owner's edit that breaks one is caught
without checkov installed; a check that does not fit is skipped the way checkov reads skips,
and a skip must say why:

    CKV2_K8S_6   a NetworkPolicy selects the Deployment's pods
    CKV_K8S_15   imagePullPolicy Always
    CKV_K8S_43   the image is pinned by digest
    CKV_K8S_35   no Secret as an environment variable
    CKV_DOCKER_2 the Dockerfile has a HEALTHCHECK

Kubernetes skips are Deployment annotations `checkov.io/skip...: CKV_ID=reason` (checkov
`kubernetes/kubernetes_utils.py`), merged from the base and the overlay patch as kustomize does;
Dockerfile skips are `# checkov:skip=CKV_ID: reason` comments (checkov `common/comment/enum.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from synth.checks.dockerfile import DOCKERFILE, parse_dockerfile
from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder

__all__ = ["check_security", "checkov_skips_of"]

SKIP_PREFIX = "checkov.io/skip"
_COMMENT_SKIP = re.compile(r"#\s*checkov:skip=([A-Za-z_\d-]+)(?::\s*(.*))?")


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def checkov_skips_of(annotations: Mapping[str, Any]) -> dict[str, str]:
    """check id -> reason, from `checkov.io/skip*` annotations (reason '' when none given)."""
    skips: dict[str, str] = {}
    for key, value in annotations.items():
        if str(key).startswith(SKIP_PREFIX):
            check, _, why = str(value).partition("=")
            skips[check.strip()] = why.strip()
    return skips


def _skipped(
    path: str, skips: dict[str, str], check: str, what: str, why: str
) -> Iterator[Finding]:
    if check not in skips:
        yield Finding(path, what, f"{why} (checkov {check}; fix it or skip it with a reason)")
    elif not skips[check]:
        yield Finding(path, f"{check} is skipped without a reason", "say why it does not fit")


def _deployments(folder: ServiceFolder) -> Iterator[tuple[str, Mapping[str, Any], dict[str, str]]]:
    """(path, document, skips) for the base Deployment and each overlay's patch of it."""
    base = [(p, d) for p, d in folder.docs_of_kind("Deployment") if p.startswith("k8s/base/")]
    if not base:
        return
    base_path, base_doc = base[0]
    base_skips = checkov_skips_of(_get(base_doc, "metadata", "annotations") or {})
    yield base_path, base_doc, base_skips
    for path, doc in folder.docs_of_kind("Deployment"):
        if path.startswith("k8s/overlays/"):
            own = checkov_skips_of(_get(doc, "metadata", "annotations") or {})
            yield path, doc, {**base_skips, **own}


def _container_findings(folder: ServiceFolder) -> Iterator[Finding]:
    for path, doc, skips in _deployments(folder):
        patch = path.startswith("k8s/overlays/")
        for container in _get(doc, "spec", "template", "spec", "containers") or []:
            policy = container.get("imagePullPolicy")
            if (policy is not None or not patch) and policy != "Always":
                yield from _skipped(
                    path, skips, "CKV_K8S_15", f"imagePullPolicy {policy}", "a stale image runs"
                )
            image = container.get("image")
            if image is not None and "@sha256:" not in str(image):
                yield from _skipped(
                    path, skips, "CKV_K8S_43", f"image {image} has no digest", "a tag can move"
                )
            secret_env = [
                e.get("name")
                for e in container.get("env") or []
                if _get(e, "valueFrom", "secretKeyRef")
            ]
            if secret_env:
                yield from _skipped(
                    path,
                    skips,
                    "CKV_K8S_35",
                    f"Secret as environment variable {', '.join(map(str, secret_env))}",
                    "environment variables leak into logs and child processes",
                )


def _network_policy_findings(folder: ServiceFolder) -> Iterator[Finding]:
    base = [(p, d) for p, d in folder.docs_of_kind("Deployment") if p.startswith("k8s/base/")]
    if not base:
        return
    path, doc = base[0]
    labels = _get(doc, "spec", "template", "metadata", "labels") or {}
    namespace = _get(doc, "metadata", "namespace")
    for _p, policy in folder.docs_of_kind("NetworkPolicy"):
        selector = _get(policy, "spec", "podSelector", "matchLabels") or {}
        same_namespace = _get(policy, "metadata", "namespace") == namespace
        if same_namespace and all(labels.get(k) == v for k, v in selector.items()):
            return
    yield Finding(
        path,
        "no NetworkPolicy selects the pods",
        "every pod may reach and be reached by anything (checkov CKV2_K8S_6)",
    )


def _dockerfile_findings(folder: ServiceFolder) -> Iterator[Finding]:
    text = folder.text(DOCKERFILE)
    if text is None:
        return
    if any(i.keyword == "HEALTHCHECK" for i in parse_dockerfile(text)):
        return
    skips = {
        m.group(1): (m.group(2) or "").strip()
        for m in (_COMMENT_SKIP.match(line.strip()) for line in text.splitlines())
        if m
    }
    yield from _skipped(
        DOCKERFILE, skips, "CKV_DOCKER_2", "no HEALTHCHECK", "nothing checks the container"
    )


def check_security(folder: ServiceFolder) -> list[Finding]:
    """The checkov checks above, on one service folder."""
    return [
        *_container_findings(folder),
        *_network_policy_findings(folder),
        *_dockerfile_findings(folder),
    ]
