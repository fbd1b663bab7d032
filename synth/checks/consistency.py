"""Consistency across a service's artifacts: one app id, one port, the components the code uses.

synth.yaml spec.name == dapr.io/app-id == Service selector      (app id)
spec.port == dapr.io/app-port == containerPort == probe ports == Dockerfile CMD/EXPOSE
dapr.io/* annotations on the pod template, never on the Deployment's own metadata
ConfigMap variables naming the components the features call (STATE_STORE, PUBSUB_NAME) ==
spec, and each names a Component scoped to the app
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from synth.checks.dockerfile import DOCKERFILE, find_cmd, parse_dockerfile
from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder
from synth.manifests.environment import APP_ID
from synth.manifests.kubernetes import NAME_LABEL

__all__ = ["COMPONENT_ENVIRONMENTS", "check_consistency"]

COMPONENT_ENVIRONMENTS = ("components/local", "components/prod")
INJECTOR = "the Dapr injector reads annotations from the pod template only"


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _app_container(doc: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    containers = _get(doc, "spec", "template", "spec", "containers") or []
    named = [c for c in containers if isinstance(c, Mapping) and c.get("name") == name]
    return named[0] if named else (containers[0] if containers else None)


def _deployment_findings(folder: ServiceFolder) -> Iterator[Finding]:
    spec = folder.spec
    deployments = folder.docs_of_kind("Deployment")
    bases = [(p, d) for p, d in deployments if p.startswith("k8s/base/")]
    if not bases:
        yield Finding("k8s/base", "no Deployment", "the service is never scheduled")
        return
    path, doc = bases[0]
    own = _get(doc, "metadata", "annotations") or {}
    for key in own:
        if str(key).startswith("dapr.io/"):
            yield Finding(path, f"{key} is on the Deployment's metadata", INJECTOR)
    annotations = _get(doc, "spec", "template", "metadata", "annotations") or {}
    expected = {
        "dapr.io/enabled": "true",
        "dapr.io/app-id": spec.name,
        "dapr.io/app-port": str(spec.port),
    }
    for key, value in expected.items():
        actual = annotations.get(key)
        if actual is None:
            yield Finding(path, f"pod template lacks {key}", "the sidecar is not set up")
        elif not isinstance(actual, str):
            yield Finding(path, f"{key} is {actual!r}, not a string", "annotations are strings")
        elif actual != value:
            yield Finding(path, f"{key} is {actual!r}, spec says {value!r}", "app id/port differ")
    config = annotations.get("dapr.io/config")
    if config and not any(_get(d, "metadata", "name") == config for _p, d in
                          folder.docs_of_kind("Configuration")):  # fmt: skip
        yield Finding(path, f"dapr.io/config names {config}, no such Configuration", "daprd fails")
    yield from _port_findings(folder, path, doc)


def _port_findings(folder: ServiceFolder, path: str, doc: Mapping[str, Any]) -> Iterator[Finding]:
    spec = folder.spec
    why = f"the app listens on {spec.port}"
    container = _app_container(doc, spec.name)
    if container is None:
        yield Finding(path, "no app container", "nothing runs the app")
        return
    ports = {str(p.get("name")): p.get("containerPort") for p in container.get("ports") or []}
    if spec.port not in ports.values():
        yield Finding(path, f"containerPort {sorted(map(str, ports.values()))}", why)
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        port = _get(container, probe, "httpGet", "port")
        resolved = ports.get(port) if isinstance(port, str) else port
        if port is not None and resolved != spec.port:
            yield Finding(path, f"{probe} port {port}", why)
    labels = _get(doc, "spec", "template", "metadata", "labels") or {}
    for service_path, service in folder.docs_of_kind("Service"):
        selector = _get(service, "spec", "selector") or {}
        if selector.get(NAME_LABEL) != spec.name:
            yield Finding(service_path, f"selector {dict(selector)}", "app id differs")
        elif any(labels.get(k) != v for k, v in selector.items()):
            yield Finding(service_path, "selector matches no pod label", "no traffic reaches it")


def _dockerfile_findings(folder: ServiceFolder) -> Iterator[Finding]:
    spec = folder.spec
    text = folder.text(DOCKERFILE)
    if text is None:
        return
    command = find_cmd(text)
    expected = f"{spec.package}.main:app"
    if not command or expected not in command:
        yield Finding(DOCKERFILE, f"CMD {command} does not serve {expected}", "nothing serves it")
    elif "--port" not in command or command[command.index("--port") + 1 :][:1] != [str(spec.port)]:
        yield Finding(DOCKERFILE, f"CMD {command} port", f"the app port is {spec.port}")
    exposed = [i.arguments for i in parse_dockerfile(text) if i.keyword == "EXPOSE"]
    if exposed and str(spec.port) not in " ".join(exposed).replace("/tcp", "").split():
        yield Finding(DOCKERFILE, f"EXPOSE {' '.join(exposed)}", f"the app port is {spec.port}")


def _component_findings(folder: ServiceFolder) -> Iterator[Finding]:
    spec = folder.spec
    configmaps = [(p, d) for p, d in folder.docs_of_kind("ConfigMap") if p.startswith("k8s/base/")]
    data: Mapping[str, Any] = (_get(configmaps[0][1], "data") or {}) if configmaps else {}
    where = configmaps[0][0] if configmaps else "k8s/base/configmap.yaml"
    if data.get(APP_ID) != spec.name:
        yield Finding(where, f"{APP_ID} is {data.get(APP_ID)!r}", f"the app id is {spec.name}")
    wanted = [(c.env, c.name, c.type_prefix) for c in folder.deploy.components]
    for env, name, prefix in wanted:
        if data.get(env) != name:
            yield Finding(where, f"{env} is {data.get(env)!r}", f"the code uses component {name}")
        for environment in COMPONENT_ENVIRONMENTS:
            yield from _component_exists(folder, environment, name, prefix)


def _component_exists(
    folder: ServiceFolder, environment: str, name: str, prefix: str
) -> Iterator[Finding]:
    matches = [
        (p, d)
        for p, d in folder.docs_of_kind("Component")
        if p.startswith(environment + "/") and _get(d, "metadata", "name") == name
    ]
    if not matches:
        yield Finding(environment, f"no Component named {name}", "the code's calls fail")
        return
    path, doc = matches[0]
    if not str(_get(doc, "spec", "type") or "").startswith(prefix):
        yield Finding(path, f"{name} is {_get(doc, 'spec', 'type')}", f"the code needs {prefix}*")


def _scope_findings(folder: ServiceFolder) -> Iterator[Finding]:
    app = folder.spec.name
    for kind in ("Component", "Resiliency"):
        for path, doc in folder.docs_of_kind(kind):
            scopes = [str(s) for s in doc.get("scopes") or []]
            name = _get(doc, "metadata", "name")
            if not scopes:
                yield Finding(path, f"{kind}/{name} has no scopes", "every app would load it")
            elif app not in scopes:
                yield Finding(path, f"{kind}/{name} is not scoped to {app}", "daprd skips it")


def check_consistency(folder: ServiceFolder) -> list[Finding]:
    """Every disagreement between the record, the manifests and the Dockerfile."""
    return [
        *_deployment_findings(folder),
        *_dockerfile_findings(folder),
        *_component_findings(folder),
        *_scope_findings(folder),
    ]
