"""build_deploy_files: which files a feature set gets, and what the key documents say."""

from __future__ import annotations

from synth.manifests import build_deploy_files, render_yaml
from synth.spec import FeatureName, InvokeSpec, ServiceSpec

from .samples import features_of

BASE = {
    ".dockerignore",
    "Dockerfile",
    "k8s/base/configmap.yaml",
    "k8s/base/deployment.yaml",
    "k8s/base/hpa.yaml",
    "k8s/base/kustomization.yaml",
    "k8s/base/pdb.yaml",
    "k8s/base/service.yaml",
    "k8s/base/serviceaccount.yaml",
    "k8s/overlays/local/configmap-patch.yaml",
    "k8s/overlays/local/deployment-patch.yaml",
    "k8s/overlays/local/hpa-patch.yaml",
    "k8s/overlays/local/kustomization.yaml",
    "k8s/overlays/prod/deployment-patch.yaml",
    "k8s/overlays/prod/hpa-patch.yaml",
    "k8s/overlays/prod/kustomization.yaml",
    "components/prod/configuration.yaml",
}


def _minimal() -> ServiceSpec:
    return ServiceSpec(name="hello", port=8100)


def test_same_input_same_output(code_review: ServiceSpec) -> None:
    first = build_deploy_files(code_review, features_of(code_review)).render()
    second = build_deploy_files(code_review, features_of(code_review)).render()
    assert first == second


def test_minimal_service_gets_no_components() -> None:
    files = build_deploy_files(_minimal(), frozenset())
    assert set(files.render()) == BASE
    data = files.yaml["k8s/base/configmap.yaml"][0]["data"]
    assert dict(data) == {"APP_ID": "hello", "LOG_LEVEL": "INFO", "DAPR_TIMEOUT_SECONDS": "5"}


def test_state_and_pubsub_add_their_components(triage: ServiceSpec) -> None:
    files = build_deploy_files(triage, features_of(triage))
    assert set(files.render()) == BASE | {
        "components/local/statestore.yaml",
        "components/local/pubsub.yaml",
        "components/prod/statestore.yaml",
        "components/prod/pubsub.yaml",
        "components/prod/resiliency.yaml",
    }
    local = files.yaml["components/local/statestore.yaml"][0]
    assert local["spec"]["type"] == "state.redis"
    assert local["spec"]["metadata"] == [{"name": "redisHost", "value": "localhost:6379"}]
    assert files.yaml["components/local/pubsub.yaml"][0]["spec"]["type"] == "pubsub.redis"
    kafka = files.yaml["components/prod/pubsub.yaml"][0]
    metadata = {m["name"]: m for m in kafka["spec"]["metadata"]}
    assert metadata["authType"]["value"] == "password"
    assert "secretKeyRef" in metadata["saslPassword"]
    assert kafka["auth"] == {"secretStore": "kubernetes"}
    assert kafka["scopes"] == ["triage"]


def test_component_names_follow_the_spec() -> None:
    spec = ServiceSpec(
        name="shop", features=(FeatureName.STATE, FeatureName.PUBSUB), state_store="carts",
        pubsub="events", state_backend="postgresql",
    )  # fmt: skip
    files = build_deploy_files(spec, frozenset(spec.features))
    store = files.yaml["components/prod/statestore.yaml"][0]
    assert store["metadata"]["name"] == "carts"
    assert store["spec"]["type"] == "state.postgresql"
    assert store["spec"]["metadata"][0] == {
        "name": "connectionString",
        "secretKeyRef": {"name": "postgresql", "key": "connection-string"},
    }
    assert files.yaml["components/local/pubsub.yaml"][0]["metadata"]["name"] == "events"
    data = files.yaml["k8s/base/configmap.yaml"][0]["data"]
    assert (data["STATE_STORE"], data["PUBSUB_NAME"]) == ("carts", "events")
    targets = files.yaml["components/prod/resiliency.yaml"][0]["spec"]["targets"]
    assert list(targets["components"]) == ["carts", "events"]


def test_invoked_apps_get_resiliency_targets() -> None:
    spec = ServiceSpec(
        name="caller", features=(FeatureName.INVOKE,), invokes=(InvokeSpec(app_id="concepts"),)
    )
    files = build_deploy_files(spec, frozenset(spec.features))
    resiliency = files.yaml["components/prod/resiliency.yaml"][0]
    assert resiliency["spec"]["targets"] == {
        "apps": {
            "concepts": {"timeout": "general", "retry": "transient", "circuitBreaker": "failfast"}
        }
    }
    assert resiliency["scopes"] == ["caller"]


def test_dapr_annotations_are_strings_on_the_pod_template(code_review: ServiceSpec) -> None:
    deployment = build_deploy_files(code_review, features_of(code_review)).yaml[
        "k8s/base/deployment.yaml"
    ][0]
    assert "annotations" not in deployment["metadata"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert all(isinstance(value, str) for value in annotations.values())
    assert annotations["dapr.io/app-id"] == "code-review"
    assert annotations["dapr.io/app-port"] == "8003"
    assert annotations["dapr.io/config"] == "code-review-config"
    assert annotations["dapr.io/app-health-check-path"] == "/health"


def test_agent_key_comes_only_from_a_secret(code_review: ServiceSpec) -> None:
    files = build_deploy_files(code_review, features_of(code_review))
    container = files.yaml["k8s/base/deployment.yaml"][0]["spec"]["template"]["spec"]["containers"][
        0
    ]
    assert container["env"] == [
        {
            "name": "OPENAI_API_KEY",
            "valueFrom": {"secretKeyRef": {"name": "openai", "key": "api-key"}},
        }
    ]
    data = files.yaml["k8s/base/configmap.yaml"][0]["data"]
    assert set(data) == {
        "APP_ID", "LOG_LEVEL", "DAPR_TIMEOUT_SECONDS", "STATE_STORE", "PUBSUB_NAME",
        "OPENAI_BASE_URL", "OPENAI_MODEL", "AGENT_HISTORY_MAX_BYTES",
    }  # fmt: skip


def test_overlays_patch_replicas_and_images(triage: ServiceSpec) -> None:
    files = build_deploy_files(triage, features_of(triage))
    prod = files.yaml["k8s/overlays/prod/kustomization.yaml"][0]
    assert prod["resources"] == ["../../base"]
    assert prod["images"] == [{"name": "triage", "newName": "learnflow/triage", "newTag": "0.1.0"}]
    patch = files.yaml["k8s/overlays/prod/deployment-patch.yaml"][0]
    assert patch["spec"]["replicas"] == 2
    text = render_yaml(files.yaml["k8s/overlays/local/configmap-patch.yaml"])
    assert "LOG_LEVEL: DEBUG" in text
