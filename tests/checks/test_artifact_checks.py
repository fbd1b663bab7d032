"""Each class of finding: a good artifact is mutated and the check reports exactly that.

Before: freshly built artifacts have no findings. After: one edit, one kind of finding.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml.comments import CommentedMap

from synth.checks import Finding, check_path
from synth.errors import SpecError, TargetError
from synth.manifests import parse_yaml, render_yaml
from synth.spec import ServiceSpec

from .samples import learnflow_spec, write_platform, write_service

Mutation = Callable[[Path], None]


def _edit(relative: str, change: Callable[[CommentedMap], None]) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / relative
        docs = parse_yaml(path.read_text(encoding="utf-8"), relative)
        change(docs[0])
        path.write_text(render_yaml(docs), encoding="utf-8")

    return mutate


def _edit_text(relative: str, old: str, new: str) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    return mutate


def _container(doc: CommentedMap) -> CommentedMap:
    return doc["spec"]["template"]["spec"]["containers"][0]


def _move_annotation(doc: CommentedMap) -> None:
    annotations = doc["spec"]["template"]["metadata"]["annotations"]
    doc["metadata"]["annotations"] = {"dapr.io/app-id": annotations.pop("dapr.io/app-id")}


def _metadata_item(name: str) -> Callable[[CommentedMap], CommentedMap]:
    def find(doc: CommentedMap) -> CommentedMap:
        return next(m for m in doc["spec"]["metadata"] if m["name"] == name)

    return find


def _drop_metadata(name: str) -> Callable[[CommentedMap], None]:
    def change(doc: CommentedMap) -> None:
        doc["spec"]["metadata"].remove(_metadata_item(name)(doc))

    return change


def _inline_password(doc: CommentedMap) -> None:
    item = _metadata_item("saslPassword")(doc)
    del item["secretKeyRef"]
    item["value"] = "hunter2"


def _annotate(key: str, value: object) -> Callable[[CommentedMap], None]:
    def change(doc: CommentedMap) -> None:
        doc["spec"]["template"]["metadata"]["annotations"][key] = value

    return change


def _select(app: str) -> Callable[[CommentedMap], None]:
    def change(doc: CommentedMap) -> None:
        doc["spec"]["selector"]["app.kubernetes.io/name"] = app

    return change


def _inline_api_key(doc: CommentedMap) -> None:
    _container(doc)["env"][0] = {"name": "OPENAI_API_KEY", "value": "sk-123"}


DEPLOYMENT = "k8s/base/deployment.yaml"
KAFKA = "components/prod/pubsub.yaml"

CASES: dict[str, tuple[Mutation, str]] = {
    "annotation on Deployment metadata": (
        _edit(DEPLOYMENT, _move_annotation),
        "dapr.io/app-id is on the Deployment's metadata",
    ),
    "annotation not a string": (
        _edit(DEPLOYMENT, _annotate("dapr.io/app-port", 8003)),
        "dapr.io/app-port is 8003, not a string",
    ),
    "annotation port differs": (
        _edit(DEPLOYMENT, _annotate("dapr.io/app-port", "9000")),
        "dapr.io/app-port is '9000', spec says '8003'",
    ),
    "containerPort differs": (
        _edit(DEPLOYMENT, lambda d: _container(d)["ports"][0].update({"containerPort": 9000})),
        "containerPort ['9000']",
    ),
    "probe port differs": (
        _edit(DEPLOYMENT, lambda d: _container(d)["livenessProbe"]["httpGet"].update(port=9000)),
        "livenessProbe port 9000",
    ),
    "Dockerfile CMD port differs": (
        _edit_text("Dockerfile", '"--port", "8003"', '"--port", "8000"'),
        "Dockerfile: CMD",
    ),
    "unknown field in Deployment": (
        _edit(DEPLOYMENT, lambda d: _container(d).update({"imagePullPolice": "Always"})),
        "'imagePullPolice' was unexpected",
    ),
    "unknown field in an overlay patch": (
        _edit("k8s/overlays/prod/deployment-patch.yaml", lambda d: d["spec"].update(replica=2)),
        "k8s/overlays/prod/deployment-patch.yaml: Deployment/code-review spec: Additional",
    ),
    "wrong type in HPA": (
        _edit("k8s/base/hpa.yaml", lambda d: d["spec"].update({"maxReplicas": "many"})),
        "spec.maxReplicas: 'many' is not of type 'integer'",
    ),
    "kafka without authType": (
        _edit(KAFKA, _drop_metadata("authType")),
        "pubsub.kafka lacks metadata `authType`",
    ),
    "kafka password auth without saslPassword": (
        _edit(KAFKA, _drop_metadata("saslPassword")),
        "pubsub.kafka lacks metadata `saslPassword`",
    ),
    "redis without redisHost": (
        _edit("components/local/statestore.yaml", _drop_metadata("redisHost")),
        "state.redis lacks metadata `redisHost`",
    ),
    "unknown field in a Component": (
        _edit(KAFKA, lambda d: d["spec"].update({"metdata": []})),
        "'metdata' was unexpected",
    ),
    "Component without spec.metadata": (
        _edit("components/local/pubsub.yaml", lambda d: d["spec"].pop("metadata")),
        "spec.metadata missing",
    ),
    "secretKeyRef without secret store": (
        _edit(KAFKA, lambda d: d.pop("auth")),
        "secretKeyRef without auth.secretStore",
    ),
    "component scoped to another app": (
        _edit(KAFKA, lambda d: d.update({"scopes": ["triage"]})),
        "Component/pubsub is not scoped to code-review",
    ),
    "component with no scopes": (
        _edit("components/local/statestore.yaml", lambda d: d.pop("scopes")),
        "Component/statestore has no scopes",
    ),
    "secret inlined in a component": (
        _edit(KAFKA, _inline_password),
        "component metadata saslPassword is inlined",
    ),
    "secret inlined in a container env": (
        _edit(DEPLOYMENT, _inline_api_key),
        "env OPENAI_API_KEY has an inline value",
    ),
    "secret in the ConfigMap": (
        _edit("k8s/base/configmap.yaml", lambda d: d["data"].update({"OPENAI_API_KEY": "sk"})),
        "ConfigMap key OPENAI_API_KEY looks like a secret",
    ),
    "ConfigMap names another state store": (
        _edit("k8s/base/configmap.yaml", lambda d: d["data"].update({"STATE_STORE": "cache"})),
        "STATE_STORE is 'cache'",
    ),
    "component the code uses is missing": (
        lambda root: (root / "components/local/statestore.yaml").unlink(),
        "components/local: no Component named statestore",
    ),
    "Service selects another app": (
        _edit("k8s/base/service.yaml", _select("debug")),
        "k8s/base/service.yaml: selector",
    ),
    "dapr.io/config names no Configuration": (
        lambda root: (root / "k8s/base/dapr-configuration.yaml").unlink(),
        "dapr.io/config names code-review-config, no such Configuration",
    ),
    "Dockerfile runs as root": (
        _edit_text("Dockerfile", "USER 10001:10001\n", ""),
        "the final stage never sets USER",
    ),
    "Dockerfile USER root": (
        _edit_text("Dockerfile", "USER 10001:10001\n", "USER 0\n"),
        "USER 0 is root",
    ),
    "hadolint finding": (
        _edit_text("Dockerfile", "WORKDIR /app\n", "WORKDIR /app\nRUN pip install flask\n"),
        "DL3013",
    ),
    "secret in Dockerfile ENV": (
        _edit_text("Dockerfile", "PYTHONUNBUFFERED", 'OPENAI_API_KEY="sk" PYTHONUNBUFFERED'),
        "Dockerfile: ENV OPENAI_API_KEY",
    ),
    "YAML that does not parse": (
        _edit_text("k8s/base/pdb.yaml", "spec:\n", "spec: [\n"),
        "k8s/base/pdb.yaml: YAML does not parse",
    ),
}


def _lines(findings: list[Finding]) -> list[str]:
    return [str(finding) for finding in findings]


def _check(root: Path) -> list[str]:
    """Every static check (no app boot, no kustomize build: their own tests run those)."""
    return _lines(check_path(root, python=False, kustomize=False))


def test_fresh_artifacts_have_no_findings(service: Path) -> None:
    assert _check(service) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mutation_is_reported(service: Path, case: str) -> None:
    mutate, expected = CASES[case]
    mutate(service)
    lines = _check(service)
    assert any(expected in line for line in lines), lines


def test_postgresql_store_needs_a_connection(tmp_path: Path) -> None:
    spec = ServiceSpec.model_validate(
        {**learnflow_spec("progress").model_dump(), "state_backend": "postgresql"}
    )
    root = write_service(tmp_path / "progress", spec)
    assert _check(root) == []
    _edit("components/prod/statestore.yaml", _drop_metadata("connectionString"))(root)
    lines = _check(root)
    assert any("lacks `connectionString`" in line for line in lines), lines


def test_platform_folder_checks_dapr_yaml(tmp_path: Path) -> None:
    specs = [learnflow_spec("triage"), learnflow_spec("progress")]
    root = write_platform(tmp_path / "out", specs)
    assert _check(root) == []

    def change(doc: CommentedMap) -> None:
        doc["apps"][0]["appPort"] = 9999
        doc["apps"][1]["appID"] = "tirage"

    _edit("dapr.yaml", change)(root)
    lines = _check(root)
    assert "dapr.yaml: app progress: appPort 9999 (the app listens on 8006)" in lines
    assert "dapr.yaml: appID tirage for service triage (app ids must agree)" in lines
    assert "dapr.yaml: service triage is not listed (dapr run -f skips it)" in lines


def test_findings_of_services_under_a_folder_name_the_service(tmp_path: Path) -> None:
    write_service(tmp_path / "debug", learnflow_spec("debug"))
    _edit_text("Dockerfile", "USER 10001:10001\n", "")(tmp_path / "debug")
    lines = _check(tmp_path)
    assert lines == [
        "debug/Dockerfile: the final stage never sets USER, so the app runs as root "
        "(a container escape would be root)"
    ]


def test_unusable_input_raises(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no synth service"):
        check_path(tmp_path, python=False)
    with pytest.raises(TargetError, match="no such folder"):
        check_path(tmp_path / "missing", python=False)
    (tmp_path / "synth.yaml").write_text("spec: {name: 1}\n")
    with pytest.raises(SpecError, match="malformed synth record"):
        check_path(tmp_path, python=False)


def test_all_learnflow_services_and_platform_are_clean(tmp_path: Path) -> None:
    names = ["code-review", "concepts", "debug", "exercise", "progress", "triage"]
    root = write_platform(tmp_path / "out", [learnflow_spec(name) for name in names])
    assert _check(root) == []
