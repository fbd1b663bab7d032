"""KafkaTopic documents and the platform-root files (dapr.yaml, shared components, k8s/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth.errors import SpecError, SynthError
from synth.features.base import deployment_of
from synth.manifests import build_kafka_topic, build_platform_files, render_yaml

from .samples import features_of, learnflow_specs


def test_kafka_topic_document() -> None:
    after = (
        "apiVersion: kafka.strimzi.io/v1\n"
        "kind: KafkaTopic\n"
        "metadata:\n"
        "  name: learning-concept-request\n"
        "  namespace: kafka\n"
        "  labels:\n"
        "    strimzi.io/cluster: learnflow-kafka\n"
        "spec:\n"
        "  topicName: learning.concept-request\n"
        "  partitions: 3\n"
        "  replicas: 2\n"
        "  config:\n"
        "    retention.ms: '604800000'\n"
        "    min.insync.replicas: '2'\n"
    )
    assert render_yaml([build_kafka_topic("learning.concept-request", 3, 2)]) == after


@pytest.mark.parametrize("name", ["orders.created", "learning", "code.", "Code.Review", "x.code.y"])
def test_topic_outside_learnflow_patterns_is_refused(name: str) -> None:
    with pytest.raises(SpecError, match="not a LearnFlow topic"):
        build_kafka_topic(name, 1, 1)
    assert issubclass(SpecError, SynthError)


def test_dapr_run_file_lists_every_app() -> None:
    specs = learnflow_specs()
    files = build_platform_files([(s, deployment_of(s, features_of(s))) for s in specs])
    run = files.yaml["dapr.yaml"][0]
    assert run["version"] == 1
    # dapr/cli pkg/standalone/run.go: `resourcesPaths` (a list); `resourcesPath` is deprecated
    assert run["common"] == {"resourcesPaths": ["./components"]}
    triage = next(app for app in run["apps"] if app["appID"] == "triage")
    assert triage["appDirPath"] == "./triage"
    assert triage["appPort"] == 8001
    assert triage["command"] == [
        "uvicorn", "triage.main:app", "--host", "127.0.0.1", "--port", "8001",
    ]  # fmt: skip
    assert "'8001'" in render_yaml([run])  # the port stays a string in the command


def test_shared_components_scope_every_user_once() -> None:
    specs = learnflow_specs()
    files = build_platform_files([(s, deployment_of(s, features_of(s))) for s in specs])
    everyone = sorted(s.name for s in specs)
    for path in ("components/statestore.yaml", "components/pubsub.yaml"):
        assert files.yaml[path][0]["scopes"] == everyone
        assert files.yaml[f"k8s/{path}"][0]["scopes"] == everyone
    kustomization = files.yaml["k8s/kustomization.yaml"][0]
    assert "../triage/k8s/overlays/prod" in kustomization["resources"]
    # each overlay carries its own Configuration and Resiliency: none listed twice
    assert not [r for r in kustomization["resources"] if r.startswith("dapr/")]
    assert "components/pubsub-kafka-user.yaml" in kustomization["resources"]


def test_every_topic_and_every_dead_letter_topic_has_a_kafka_topic() -> None:
    specs = learnflow_specs()
    files = build_platform_files([(s, deployment_of(s, features_of(s))) for s in specs])
    topics = {
        doc["spec"]["topicName"]: doc["spec"]["partitions"]
        for path, docs in files.yaml.items()
        if path.startswith("k8s/topics/") and "kustom" not in path
        for doc in docs
    }
    subscribed = {t.topic for s in specs for t in s.subscribes}
    assert len(subscribed) == 10
    assert {t + ".dlq" for t in subscribed} <= set(topics)
    assert "struggle.alert" in topics
    assert len(topics) == 11 + 10
    # partitions follow the services' max replicas: no consumer of a group is left idle
    assert topics["learning.routed"] == 6 and topics["learning.routed.dlq"] == 1


def test_shared_store_with_two_backends_is_refused() -> None:
    from synth.spec import FeatureName, ServiceSpec

    a = ServiceSpec(name="a", features=(FeatureName.STATE,))
    b = ServiceSpec(name="b", features=(FeatureName.STATE,), state_backend="postgresql")
    with pytest.raises(SpecError, match="different state_backend"):
        build_platform_files([(s, deployment_of(s, s.features)) for s in (a, b)])


def test_local_components_load_in_the_local_sidecar(tmp_path: Path) -> None:
    from synth.sidecar.components import load_resources

    specs = learnflow_specs()
    files = build_platform_files([(s, deployment_of(s, features_of(s))) for s in specs])
    for relative, text in files.render().items():
        if relative.startswith("components/"):
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / relative).write_text(text)
    loaded = load_resources((tmp_path / "components",), "triage")
    assert sorted((c.name, c.type) for c in loaded.components) == [
        ("pubsub", "pubsub.redis"),
        ("statestore", "state.redis"),
    ]
