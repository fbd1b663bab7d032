"""The production-deploy rules of `synth check`: each one is an edit an owner might make to a
good service, and the finding that edit must produce (before: clean; after: exactly that rule).

The upstream source of each rule is named in its case (and in the finding's `why`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml.comments import CommentedMap

from synth.checks import Finding, check_path
from synth.checks.production import parse_duration
from synth.manifests import parse_yaml, render_yaml

from .samples import learnflow_spec, write_platform

Mutation = Callable[[Path], None]
DEPLOYMENT = "k8s/base/deployment.yaml"
KAFKA = "components/prod/pubsub.yaml"
RESILIENCY = "k8s/base/dapr-resiliency.yaml"


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
        assert old in text, text
        path.write_text(text.replace(old, new), encoding="utf-8")

    return mutate


def _pod_annotations(doc: CommentedMap) -> CommentedMap:
    return doc["spec"]["template"]["metadata"]["annotations"]


def _container(doc: CommentedMap) -> CommentedMap:
    return doc["spec"]["template"]["spec"]["containers"][0]


def _kafka_item(name: str) -> Callable[[CommentedMap], CommentedMap]:
    def find(doc: CommentedMap) -> CommentedMap:
        return next(m for m in doc["spec"]["metadata"] if m["name"] == name)

    return find


def _set_kafka(name: str, value: str) -> Callable[[CommentedMap], None]:
    def change(doc: CommentedMap) -> None:
        _kafka_item(name)(doc)["value"] = value

    return change


def _drop_kafka(name: str) -> Callable[[CommentedMap], None]:
    def change(doc: CommentedMap) -> None:
        doc["spec"]["metadata"].remove(_kafka_item(name)(doc))

    return change


def _username_from_secret(doc: CommentedMap) -> None:
    item = _kafka_item("saslUsername")(doc)
    del item["value"]
    item["secretKeyRef"] = {"name": "kafka-credentials", "key": "username"}


def _password_from(name: str, key: str) -> Callable[[CommentedMap], None]:
    def change(doc: CommentedMap) -> None:
        _kafka_item("saslPassword")(doc)["secretKeyRef"] = {"name": name, "key": key}

    return change


def _policies(doc: CommentedMap) -> CommentedMap:
    return doc["spec"]["policies"]


def _targets(doc: CommentedMap) -> CommentedMap:
    return doc["spec"]["targets"]


def _drop_skip(check: str) -> Callable[[CommentedMap], None]:
    def change(doc: CommentedMap) -> None:
        del doc["metadata"]["annotations"][f"checkov.io/skip-{check.lower().replace('_', '-')}"]

    return change


CASES: dict[str, tuple[Mutation, str]] = {
    # dapr/dapr pkg/runtime/components.go: no token + built-in store -> daprd exits
    "built-in secret store without a token": (
        _edit(
            DEPLOYMENT,
            lambda d: _pod_annotations(d).pop("dapr.io/disable-builtin-k8s-secret-store"),
        ),
        "no ServiceAccount token, but dapr.io/disable-builtin-k8s-secret-store is not 'true'",
    ),
    # dapr/dapr pkg/config/protocol/protocol.go
    "wrong app-protocol": (
        _edit(DEPLOYMENT, lambda d: _pod_annotations(d).update({"dapr.io/app-protocol": "grpc"})),
        "dapr.io/app-protocol is 'grpc'",
    ),
    "unknown app-protocol": (
        _edit(DEPLOYMENT, lambda d: _pod_annotations(d).update({"dapr.io/app-protocol": "htp"})),
        "daprd knows http, https, h2c, grpc, grpcs",
    ),
    # checkov CKV_K8S_21
    "a document in the default namespace": (
        _edit("k8s/base/service.yaml", lambda d: d["metadata"].pop("namespace")),
        "Service/code-review has no namespace",
    ),
    # components-contrib common/component/kafka/auth.go
    "TLS to the plain listener": (
        _edit(KAFKA, _set_kafka("brokers", "learnflow-kafka-kafka-bootstrap.kafka.svc:9092")),
        "Strimzi's plain listener",
    ),
    "TLS without the cluster CA": (
        _edit(KAFKA, _drop_kafka("caCert")),
        "TLS without caCert",
    ),
    "SCRAM over plain text": (
        _edit(
            KAFKA, lambda d: d["spec"]["metadata"].append({"name": "disableTls", "value": "true"})
        ),
        "SCRAM password over plain text",
    ),
    "broker by short name": (
        _edit(KAFKA, _set_kafka("brokers", "learnflow-kafka-kafka-bootstrap:9093")),
        "broker learnflow-kafka-kafka-bootstrap:9093 is a short name",
    ),
    # strimzi user-operator KafkaUserModel.java: the Secret has `password`, no username
    "SASL username from a Secret": (
        _edit(KAFKA, _username_from_secret),
        "saslUsername read from a Secret",
    ),
    "SASL password not the KafkaUser's Secret": (
        _edit(KAFKA, _password_from("kafka-credentials", "password")),
        "saslPassword is kafka-credentials/password",
    ),
    # strimzi packaging/install/cluster-operator/044-Crd-kafkauser.yaml (v1 only)
    "KafkaUser at v1beta2": (
        _edit(
            "components/prod/kafka-user.yaml",
            lambda d: d.update({"apiVersion": "kafka.strimzi.io/v1beta2"}),
        ),
        "KafkaUser is kafka.strimzi.io/v1beta2",
    ),
    "KafkaUser against Strimzi's schema": (
        _edit(
            "components/prod/kafka-user.yaml",
            lambda d: d["spec"]["authorization"]["acls"][0].update({"operation": "Read"}),
        ),
        "'operation' was unexpected",
    ),
    "KafkaUser ACLs miss the consumer group": (
        _edit(
            "components/prod/kafka-user.yaml",
            lambda d: d["spec"]["authorization"]["acls"].pop(),
        ),
        "KafkaUser learnflow-pubsub does not allow Read group code-review",
    ),
    "KafkaUser ACLs miss a dead-letter topic": (
        _edit(
            "components/prod/kafka-user.yaml",
            lambda d: d["spec"]["authorization"]["acls"].pop(2),
        ),
        "KafkaUser learnflow-pubsub does not allow Write topic code.review-request.dlq",
    ),
    "no KafkaUser beside the pubsub component": (
        lambda root: (root / "components/prod/kafka-user.yaml").unlink(),
        "no KafkaUser learnflow-pubsub beside it",
    ),
    # components-contrib metadata: no such type
    "misspelt component type": (
        _edit(KAFKA, lambda d: d["spec"].update({"type": "pubsub.kafak"})),
        "type pubsub.kafak v1 is not a Dapr component",
    ),
    "component version that does not exist": (
        _edit("components/prod/statestore.yaml", lambda d: d["spec"].update({"version": "v2"})),
        "type state.redis v2 is not a Dapr component (it has v1",
    ),
    "OPENAI_API_KEY required": (
        _edit(
            DEPLOYMENT,
            lambda d: _container(d)["env"][0]["valueFrom"]["secretKeyRef"].pop("optional"),
        ),
        "OPENAI_API_KEY secretKeyRef is not optional",
    ),
    "replicas beside an HPA": (
        _edit(DEPLOYMENT, lambda d: d["spec"].insert(0, "replicas", 2)),
        "spec.replicas beside an HPA",
    ),
    "replicas in an overlay beside an HPA": (
        _edit(
            "k8s/overlays/prod/deployment-patch.yaml", lambda d: d["spec"].insert(0, "replicas", 2)
        ),
        "k8s/overlays/prod/deployment-patch.yaml: spec.replicas beside an HPA",
    ),
    # dapr/dapr pkg/resiliency: undefined policy
    "Resiliency names an undefined policy": (
        _edit(
            RESILIENCY,
            lambda d: _targets(d)["components"]["pubsub"]["outbound"].update({"retry": "gentle"}),
        ),
        "components.pubsub.outbound names retry gentle, which is not defined",
    ),
    "exponential retry with a duration": (
        _edit(
            RESILIENCY, lambda d: _policies(d)["retries"]["transient"].update({"duration": "1s"})
        ),
        "retry transient is exponential with a duration",
    ),
    "breaker on the state store": (
        _edit(
            RESILIENCY,
            lambda d: _targets(d)["components"]["statestore"]["outbound"].update(
                {"circuitBreaker": "failfast"}
            ),
        ),
        "components.statestore.outbound has a circuitBreaker",
    ),
    "inbound timeout shorter than an agent turn": (
        _edit(RESILIENCY, lambda d: _policies(d)["timeouts"].update({"agentTurn": "5s"})),
        "components.pubsub.inbound timeout 5s is not longer than an agent turn",
    ),
    # docker-library/official-images library/python
    "stale base image": (
        _edit_text(
            "Dockerfile",
            "python:3.11.16-slim-trixie AS runtime",
            "python:3.11.13-slim-bookworm AS runtime",
        ),
        "base image python:3.11.13-slim-bookworm is stale",
    ),
    "image tag latest": (
        _edit(
            DEPLOYMENT, lambda d: _container(d).update({"image": "learnflow/code-review:latest"})
        ),
        "image learnflow/code-review:latest has no fixed tag",
    ),
    # checkov CKV2_K8S_6 / CKV_K8S_15 / CKV_K8S_43 / CKV_K8S_35 / CKV_DOCKER_2
    "no NetworkPolicy": (
        lambda root: (root / "k8s/base/networkpolicy.yaml").unlink(),
        "no NetworkPolicy selects the pods",
    ),
    "NetworkPolicy selects other pods": (
        _edit(
            "k8s/base/networkpolicy.yaml",
            lambda d: d["spec"]["podSelector"]["matchLabels"].update(
                {"app.kubernetes.io/name": "debug"}
            ),
        ),
        "no NetworkPolicy selects the pods",
    ),
    "pull policy not Always": (
        _edit(DEPLOYMENT, lambda d: _container(d).update({"imagePullPolicy": "IfNotPresent"})),
        "imagePullPolicy IfNotPresent",
    ),
    "local overlay's pull-policy skip removed": (
        _edit("k8s/overlays/local/deployment-patch.yaml", _drop_skip("CKV_K8S_15")),
        "k8s/overlays/local/deployment-patch.yaml: imagePullPolicy IfNotPresent",
    ),
    "digest skip removed": (
        _edit(DEPLOYMENT, _drop_skip("CKV_K8S_43")),
        "has no digest",
    ),
    "a skip without its reason": (
        _edit(
            DEPLOYMENT,
            lambda d: d["metadata"]["annotations"].update(
                {"checkov.io/skip-ckv-k8s-35": "CKV_K8S_35"}
            ),
        ),
        "CKV_K8S_35 is skipped without a reason",
    ),
    "HEALTHCHECK skip removed": (
        _edit_text("Dockerfile", "# checkov:skip=CKV_DOCKER_2:", "# CKV_DOCKER_2:"),
        "Dockerfile: no HEALTHCHECK",
    ),
}


def _lines(findings: list[Finding]) -> list[str]:
    return [str(finding) for finding in findings]


def _check(root: Path) -> list[str]:
    return _lines(check_path(root, python=False, kustomize=False))


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_production_rule_is_reported(service: Path, case: str) -> None:
    # before: the fresh service has no finding (tests/checks/test_artifact_checks.py holds it)
    mutate, expected = CASES[case]
    mutate(service)
    lines = _check(service)
    assert any(expected in line for line in lines), lines


def test_postgresql_v1_is_reported(tmp_path: Path) -> None:
    from synth.spec import ServiceSpec

    from .samples import write_service

    spec = ServiceSpec.model_validate(
        {**learnflow_spec("progress").model_dump(), "state_backend": "postgresql"}
    )
    root = write_service(tmp_path / "progress", spec)
    assert _check(root) == []
    _edit("components/prod/statestore.yaml", lambda d: d["spec"].update({"version": "v1"}))(root)
    assert any("state.postgresql v1" in line for line in _check(root))


def test_invoked_app_with_a_retry_is_reported(tmp_path: Path) -> None:
    from synth.spec import FeatureName, InvokeSpec, ServiceSpec

    from .samples import write_service

    spec = ServiceSpec(
        name="caller", features=(FeatureName.INVOKE,), invokes=(InvokeSpec(app_id="concepts"),)
    )
    root = write_service(tmp_path / "caller", spec)
    assert _check(root) == []

    def retry(doc: CommentedMap) -> None:
        _policies(doc)["retries"] = {"again": {"policy": "constant", "duration": "1s"}}
        _targets(doc)["apps"]["concepts"]["retry"] = "again"

    _edit(RESILIENCY, retry)(root)
    assert any("apps.concepts has a retry" in line for line in _check(root)), _check(root)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("75s", 75.0), ("500ms", 0.5), ("1m30s", 90.0), ("soon", None), ("", None)],
)
def test_go_durations(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


PLATFORM_CASES: dict[str, tuple[Mutation, str]] = {
    # the pubsub feature dead-letters to `<topic>.dlq`
    "dead-letter topic without a KafkaTopic": (
        lambda root: (root / "k8s/topics/learning-query-dlq.yaml").unlink(),
        "no KafkaTopic for learning.query.dlq (triage uses it)",
    ),
    # strimzi 043-Crd-kafkatopic.yaml: v1 only, strict
    "KafkaTopic at v1beta2": (
        _edit(
            "k8s/topics/learning-query.yaml",
            lambda d: d.update({"apiVersion": "kafka.strimzi.io/v1beta2"}),
        ),
        "k8s/topics/learning-query.yaml: KafkaTopic is kafka.strimzi.io/v1beta2",
    ),
    "KafkaTopic against Strimzi's schema": (
        _edit("k8s/topics/learning-query.yaml", lambda d: d["spec"].update({"partition": 3})),
        "KafkaTopic spec: Additional properties are not allowed ('partition' was unexpected)",
    ),
    "partitions below the subscribers' max replicas": (
        _edit("k8s/topics/learning-query.yaml", lambda d: d["spec"].update({"partitions": 3})),
        "learning.query has 3 partitions, triage scales to 6",
    ),
    "shared KafkaUser misses a scoped app's topic": (
        _edit(
            "k8s/components/pubsub-kafka-user.yaml",
            lambda d: d["spec"]["authorization"]["acls"].pop(0),
        ),
        "k8s/components/pubsub-kafka-user.yaml: KafkaUser learnflow-pubsub does not allow",
    ),
    "shared component not scoped to a user": (
        _edit("k8s/components/pubsub.yaml", lambda d: d["scopes"].remove("triage")),
        "k8s/components/pubsub.yaml: Component/pubsub is not scoped to triage",
    ),
    "a service's own component applied beside the shared one": (
        _edit(
            "k8s/kustomization.yaml", lambda d: d["resources"].append("../triage/components/prod")
        ),
        "../triage/components/prod is applied beside the platform's shared components",
    ),
    # dapr/cli pkg/standalone/run.go
    "dapr.yaml resourcesPath": (
        _edit("dapr.yaml", lambda d: d.update({"common": {"resourcesPath": "./components"}})),
        "dapr.yaml: resourcesPath is deprecated",
    ),
}


def test_fresh_platform_has_no_findings(built_platform: Path) -> None:
    assert _check(built_platform) == []


@pytest.fixture(scope="module")
def built_platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    specs = [learnflow_spec("triage"), learnflow_spec("progress")]
    return write_platform(tmp_path_factory.mktemp("platform") / "out", specs)


@pytest.mark.parametrize("case", sorted(PLATFORM_CASES))
def test_each_platform_rule_is_reported(built_platform: Path, tmp_path: Path, case: str) -> None:
    import shutil

    root = Path(shutil.copytree(built_platform, tmp_path / "out"))
    mutate, expected = PLATFORM_CASES[case]
    mutate(root)
    lines = _check(root)
    assert any(expected in line for line in lines), lines
