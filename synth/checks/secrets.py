"""No secret value in any artifact: credentials appear only as references to Secrets.

A variable or component field whose name says it is a credential (password, token, API key,
connection string, ...) must come from `secretKeyRef` (Kubernetes env, Dapr metadata); a
ConfigMap, a Dockerfile `ENV` or a Secret manifest holding one is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from synth.checks.dockerfile import DOCKERFILE, parse_dockerfile
from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder

__all__ = ["check_secrets", "has_secret_name"]

_SECRET_NAME = re.compile(
    r"(?i)(password|passwd|secret|token|api[-_]?key|connection[-_]?string|private[-_]?key"
    r"|client[-_]?key)"
)
WHY = "secrets belong in a Secret, referenced by secretKeyRef; this one is in plain text"


def has_secret_name(name: str) -> bool:
    """True when a variable or metadata name says it holds a credential."""
    return bool(_SECRET_NAME.search(name))


def _is_inlined_secret(item: object) -> bool:
    if not isinstance(item, Mapping) or not has_secret_name(str(item.get("name"))):
        return False
    value = item.get("value")
    return value is not None and str(value) != ""


def _containers(doc: Mapping[str, object]) -> Iterator[Mapping[str, object]]:
    spec = doc.get("spec")
    template = spec.get("template") if isinstance(spec, Mapping) else None
    pod = template.get("spec") if isinstance(template, Mapping) else None
    if isinstance(pod, Mapping):
        for key in ("initContainers", "containers"):
            for container in pod.get(key) or []:
                if isinstance(container, Mapping):
                    yield container


def _document_findings(path: str, doc: Mapping[str, object]) -> Iterator[Finding]:
    kind = doc.get("kind")
    if kind == "Secret" and (doc.get("data") or doc.get("stringData")):
        yield Finding(path, "a Secret manifest carries values", WHY)
    if kind == "ConfigMap":
        data = doc.get("data")
        for key in data if isinstance(data, Mapping) else {}:
            if has_secret_name(str(key)):
                yield Finding(path, f"ConfigMap key {key} looks like a secret", WHY)
    if kind == "Component":
        spec = doc.get("spec")
        items = spec.get("metadata") if isinstance(spec, Mapping) else None
        for item in items if isinstance(items, list) else []:
            if _is_inlined_secret(item):
                yield Finding(path, f"component metadata {item.get('name')} is inlined", WHY)
    for container in _containers(doc):
        env_list = container.get("env")
        for env in env_list if isinstance(env_list, list) else []:
            if _is_inlined_secret(env):
                yield Finding(path, f"env {env.get('name')} has an inline value", WHY)


def check_secrets(folder: ServiceFolder) -> list[Finding]:
    """Every credential found as a plain value in the service's YAML and Dockerfile."""
    findings = [
        finding
        for path, docs in sorted(folder.documents.items())
        for doc in docs
        for finding in _document_findings(path, doc)
    ]
    dockerfile = folder.text(DOCKERFILE)
    for instruction in parse_dockerfile(dockerfile or ""):
        if instruction.keyword in {"ENV", "ARG"}:
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", instruction.arguments):
                if has_secret_name(name):
                    findings.append(Finding(DOCKERFILE, f"{instruction.keyword} {name}", WHY))
    return findings
