"""Checks of a platform root's `k8s/` folder against its services, as a cluster would apply it.

topics       every topic a service uses, and the dead-letter topic `<topic>.dlq` of each one
             it subscribes to, has a KafkaTopic (kafka.strimzi.io/v1, Strimzi's schema);
             partitions are at least the subscribers' HPA maxReplicas (an extra consumer of
             a group gets no partition and idles)
components   a shared Component is scoped to every service whose settings name it, and no
             service's own `components/prod/` is applied by the platform beside it (two
             documents of one name: whichever is applied last wins)
dapr.yaml    `resourcesPaths`, not the deprecated `resourcesPath` (dapr/cli
             pkg/standalone/run.go)
build        `kubectl kustomize k8s` builds (when kubectl is on PATH)
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from synth.checks.dapr import find_crd_problem
from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder
from synth.checks.kustomize import BUILD_TIMEOUT_SECONDS, kubectl_missing
from synth.checks.production import kafka_acl_gaps
from synth.errors import SourceError
from synth.manifests import parse_yaml
from synth.manifests.topics import STRIMZI_API, dead_letter_topic

__all__ = ["check_platform_deploy"]

RUN_FILE = "dapr.yaml"


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _documents(root: Path, folder: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for path in sorted((root / folder).rglob("*.y*ml")):
        relative = path.relative_to(root).as_posix()
        try:
            docs = parse_yaml(path.read_text(encoding="utf-8"), relative)
        except SourceError:
            continue  # the service checks report unreadable files of their own folders
        for doc in docs:
            yield relative, doc


def _max_replicas(folder: ServiceFolder) -> int:
    found = [
        int(_get(d, "spec", "maxReplicas") or 0)
        for _p, d in folder.docs_of_kind("HorizontalPodAutoscaler")
    ]
    return max(found, default=1)


def _topic_findings(root: Path, folders: list[ServiceFolder]) -> Iterator[Finding]:
    topics: dict[str, tuple[str, int]] = {}
    for path, doc in _documents(root, "k8s/topics"):
        if doc.get("kind") != "KafkaTopic":
            continue
        name = str(_get(doc, "spec", "topicName") or _get(doc, "metadata", "name"))
        topics[name] = (path, int(_get(doc, "spec", "partitions") or 0))
        if doc.get("apiVersion") != STRIMZI_API:
            yield Finding(
                path,
                f"KafkaTopic is {doc.get('apiVersion')}",
                f"Strimzi serves only {STRIMZI_API} (043-Crd-kafkatopic.yaml)",
            )
            continue
        problem = find_crd_problem(doc)
        if problem:
            yield Finding(path, f"KafkaTopic {problem}", "Strimzi's KafkaTopic CRD schema")
    for folder in folders:
        if folder.deploy.topics is None:
            continue
        spec = folder.spec
        replicas = _max_replicas(folder)
        used = [t.topic for t in spec.publishes]
        for topic in spec.subscribes:
            used.extend([topic.topic, dead_letter_topic(topic.topic)])
        for name in used:
            if name not in topics:
                yield Finding(
                    "k8s/topics",
                    f"no KafkaTopic for {name} ({spec.name} uses it)",
                    "the topic is never created (or created with broker defaults)",
                )
        for topic in spec.subscribes:
            path, partitions = topics.get(topic.topic, ("", 0))
            if path and partitions < replicas:
                yield Finding(
                    path,
                    f"{topic.topic} has {partitions} partitions, {spec.name} scales to {replicas}",
                    "consumers beyond the partition count sit idle",
                )


def _component_findings(root: Path, folders: list[ServiceFolder]) -> Iterator[Finding]:
    shared = {
        str(_get(doc, "metadata", "name")): (path, [str(s) for s in doc.get("scopes") or []])
        for path, doc in _documents(root, "k8s/components")
        if doc.get("kind") == "Component"
    }
    for folder in folders:
        data = {}
        for path, configmap in folder.docs_of_kind("ConfigMap"):
            if path.startswith("k8s/base/"):
                data = dict(_get(configmap, "data") or {})
        for env in dict.fromkeys(c.env for c in folder.deploy.components):
            name = data.get(env)
            if name in shared and folder.spec.name not in shared[name][1]:
                yield Finding(
                    shared[name][0],
                    f"Component/{name} is not scoped to {folder.spec.name}",
                    f"{folder.spec.name}'s sidecar never loads it",
                )
    yield from _kafka_user_findings(root, folders)
    kustomizations = [d for p, d in _documents(root, "k8s") if p == "k8s/kustomization.yaml"]
    for doc in kustomizations:
        for resource in doc.get("resources") or []:
            if "/components/" in f"/{resource}/" and str(resource).startswith("../"):
                yield Finding(
                    "k8s/kustomization.yaml",
                    f"{resource} is applied beside the platform's shared components",
                    "two Components of one name: whichever is applied last wins",
                )


def _kafka_user_findings(root: Path, folders: list[ServiceFolder]) -> Iterator[Finding]:
    """The shared pubsub Component's KafkaUser allows what every app scoped to it does."""
    documents = list(_documents(root, "k8s/components"))
    users = {
        str(_get(d, "metadata", "name")): (p, d)
        for p, d in documents
        if d.get("kind") == "KafkaUser"
    }
    by_name = {folder.spec.name: folder.spec for folder in folders}
    for path, doc in documents:
        if doc.get("kind") != "Component" or _get(doc, "spec", "type") != "pubsub.kafka":
            continue
        items = {str(i.get("name")): i for i in _get(doc, "spec", "metadata") or []}
        name = str(_get(items.get("saslUsername"), "value") or "")
        if not name:
            continue
        if name not in users:
            yield Finding(path, f"no KafkaUser {name} in k8s/components", "no SCRAM user exists")
            continue
        specs = [by_name[s] for s in doc.get("scopes") or [] if s in by_name]
        user_path, user = users[name]
        for gap in kafka_acl_gaps(user, specs):
            yield Finding(
                user_path, f"KafkaUser {name} does not allow {gap}", "the broker refuses it"
            )


def _run_file_findings(root: Path) -> Iterator[Finding]:
    run_file = root / RUN_FILE
    if not run_file.is_file():
        return
    try:
        docs = parse_yaml(run_file.read_text(encoding="utf-8"), RUN_FILE)
    except SourceError:
        return
    sections = [docs[0].get("common") if docs else None]
    sections.extend(app for app in (docs[0].get("apps") or []) if docs)
    for section in sections:
        if isinstance(section, Mapping) and "resourcesPath" in section:
            yield Finding(
                RUN_FILE,
                "resourcesPath is deprecated",
                "dapr/cli reads resourcesPaths, a list (pkg/standalone/run.go)",
            )


def _build_findings(root: Path) -> Iterator[Finding]:
    if kubectl_missing() or not (root / "k8s" / "kustomization.yaml").is_file():
        return
    proc = subprocess.run(
        ["kubectl", "kustomize", str(root / "k8s")],
        capture_output=True,
        text=True,
        check=False,
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        error = lines[-1] if lines else "kubectl kustomize failed"
        yield Finding("k8s", f"kustomize cannot build it: {error}", "kubectl apply -k fails")


def check_platform_deploy(
    root: Path, folders: list[ServiceFolder], *, kustomize: bool = True
) -> list[Finding]:
    """Findings for the platform root's deploy files (none when it has no `k8s/`)."""
    findings = list(_run_file_findings(root))
    if (root / "k8s").is_dir():
        findings.extend(_topic_findings(root, folders))
        findings.extend(_component_findings(root, folders))
        if kustomize:
            findings.extend(_build_findings(root))
    return findings
