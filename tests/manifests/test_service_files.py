"""build_deploy_files: which files a feature set gets, and what the key documents say."""

from __future__ import annotations

from synth.features.base import deployment_of
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
    "k8s/base/networkpolicy.yaml",
    "k8s/base/dapr-configuration.yaml",
    "k8s/overlays/local/configmap-patch.yaml",
    "k8s/overlays/local/deployment-patch.yaml",
    "k8s/overlays/local/hpa-patch.yaml",
    "k8s/overlays/local/kustomization.yaml",
    "k8s/overlays/prod/deployment-patch.yaml",
    "k8s/overlays/prod/hpa-patch.yaml",
    "k8s/overlays/prod/kustomization.yaml",
}


def _minimal() -> ServiceSpec:
    return ServiceSpec(name="hello", port=8100)


def test_same_input_same_output(code_review: ServiceSpec) -> None:
    first = build_deploy_files(
        code_review, deployment_of(code_review, features_of(code_review))
    ).render()
    second = build_deploy_files(
        code_review, deployment_of(code_review, features_of(code_review))
    ).render()
    assert first == second


def test_minimal_service_gets_no_components() -> None:
    files = build_deploy_files(_minimal(), deployment_of(_minimal(), frozenset()))
    assert set(files.render()) == BASE
    data = files.yaml["k8s/base/configmap.yaml"][0]["data"]
    assert dict(data) == {"APP_ID": "hello", "LOG_LEVEL": "INFO", "DAPR_TIMEOUT_SECONDS": "5"}


def test_state_and_pubsub_add_their_components(triage: ServiceSpec) -> None:
    files = build_deploy_files(triage, deployment_of(triage, features_of(triage)))
    assert set(files.render()) == BASE | {
        "components/local/statestore.yaml",
        "components/local/pubsub.yaml",
        "components/prod/statestore.yaml",
        "components/prod/pubsub.yaml",
        "components/prod/kafka-user.yaml",
        "k8s/base/dapr-resiliency.yaml",
    }
    local = files.yaml["components/local/statestore.yaml"][0]
    assert local["spec"]["type"] == "state.redis"
    assert local["spec"]["metadata"] == [{"name": "redisHost", "value": "localhost:6379"}]
    assert files.yaml["components/local/pubsub.yaml"][0]["spec"]["type"] == "pubsub.redis"
    kafka = files.yaml["components/prod/pubsub.yaml"][0]
    metadata = {m["name"]: m for m in kafka["spec"]["metadata"]}
    assert metadata["authType"]["value"] == "password"
    assert kafka["auth"] == {"secretStore": "kubernetes"}
    assert kafka["scopes"] == ["triage"]
    assert kafka["metadata"]["namespace"] == "learnflow"


def test_kafka_uses_the_tls_listener_with_the_cluster_ca_and_the_kafka_users_secret(
    triage: ServiceSpec,
) -> None:
    files = build_deploy_files(triage, deployment_of(triage, features_of(triage)))
    kafka = files.yaml["components/prod/pubsub.yaml"][0]
    metadata = {m["name"]: m for m in kafka["spec"]["metadata"]}
    # authType password turns TLS on (components-contrib common/component/kafka/auth.go), so the
    # broker is Strimzi's TLS listener, by its fully qualified name, with the cluster CA
    assert metadata["brokers"]["value"] == (
        "learnflow-kafka-kafka-bootstrap.kafka.svc.cluster.local:9093"
    )
    assert metadata["caCert"]["secretKeyRef"] == {
        "name": "learnflow-kafka-cluster-ca-cert",
        "key": "ca.crt",
    }
    assert "disableTls" not in metadata
    # the KafkaUser's name is the SCRAM username; its Secret holds `password`
    user = files.yaml["components/prod/kafka-user.yaml"][0]
    assert metadata["saslUsername"]["value"] == user["metadata"]["name"] == "learnflow-pubsub"
    assert metadata["saslPassword"]["secretKeyRef"] == {
        "name": "learnflow-pubsub",
        "key": "password",
    }


def test_kafka_user_acls_cover_the_services_topics_dead_letters_and_group(
    triage: ServiceSpec,
) -> None:
    user = build_deploy_files(triage, deployment_of(triage, features_of(triage))).yaml[
        "components/prod/kafka-user.yaml"
    ][0]
    assert user["apiVersion"] == "kafka.strimzi.io/v1"
    assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
    acls = {
        (a["resource"]["type"], a["resource"]["name"]): a["operations"]
        for a in user["spec"]["authorization"]["acls"]
    }
    assert acls[("topic", "learning.query")] == ["Describe", "Read"]
    assert acls[("topic", "learning.query.dlq")] == ["Describe", "Write"]
    assert acls[("topic", "learning.routed")] == ["Describe", "Write"]
    assert acls[("group", "triage")] == ["Read"]
    assert len(acls) == 2 + 5 + 1  # subscribed + its dead letters, five published, one group


def test_component_names_follow_the_spec() -> None:
    spec = ServiceSpec(
        name="shop", features=(FeatureName.STATE, FeatureName.PUBSUB), state_store="carts",
        pubsub="events", state_backend="postgresql",
    )  # fmt: skip
    files = build_deploy_files(spec, deployment_of(spec, frozenset(spec.features)))
    store = files.yaml["components/prod/statestore.yaml"][0]
    assert store["metadata"]["name"] == "carts"
    assert store["spec"]["type"] == "state.postgresql"
    # v2 for new apps (components-contrib state/postgresql/v2/metadata.yaml: tablePrefix)
    assert store["spec"]["version"] == "v2"
    assert store["spec"]["metadata"][0] == {
        "name": "connectionString",
        "secretKeyRef": {"name": "postgresql", "key": "connection-string"},
    }
    assert {m["name"] for m in store["spec"]["metadata"]} == {
        "connectionString", "tablePrefix", "timeout",
    }  # fmt: skip
    assert files.yaml["components/local/pubsub.yaml"][0]["metadata"]["name"] == "events"
    data = files.yaml["k8s/base/configmap.yaml"][0]["data"]
    assert (data["STATE_STORE"], data["PUBSUB_NAME"]) == ("carts", "events")
    targets = files.yaml["k8s/base/dapr-resiliency.yaml"][0]["spec"]["targets"]
    assert list(targets["components"]) == ["carts", "events"]


def test_invoked_apps_get_a_timeout_above_the_clients_and_no_retry() -> None:
    spec = ServiceSpec(
        name="caller", features=(FeatureName.INVOKE,), invokes=(InvokeSpec(app_id="concepts"),)
    )
    files = build_deploy_files(spec, deployment_of(spec, frozenset(spec.features)))
    resiliency = files.yaml["k8s/base/dapr-resiliency.yaml"][0]
    # the generated client retries GET itself and never POST: a Dapr retry would retry POST too
    assert resiliency["spec"]["targets"] == {
        "apps": {"concepts": {"timeout": "invoke", "circuitBreaker": "failfast"}}
    }
    assert resiliency["spec"]["policies"]["timeouts"] == {"invoke": "12s"}
    assert "retries" not in resiliency["spec"]["policies"]
    assert resiliency["scopes"] == ["caller"]


def test_resiliency_timeouts_follow_what_the_code_waits_for(code_review: ServiceSpec) -> None:
    from synth.features import invoke
    from synth.features.agent import deploy as agent
    from synth.manifests.dapr_config import AGENT_TURN_SECONDS, INVOKE_TIMEOUT_SECONDS

    assert float(agent.TIMEOUT_SECONDS) == AGENT_TURN_SECONDS
    assert invoke.TIMEOUT_SECONDS == INVOKE_TIMEOUT_SECONDS
    files = build_deploy_files(code_review, deployment_of(code_review, features_of(code_review)))
    spec = files.yaml["k8s/base/dapr-resiliency.yaml"][0]["spec"]
    inbound = spec["targets"]["components"]["pubsub"]["inbound"]
    assert inbound == {"timeout": "agentTurn", "retry": "redeliver"}
    assert spec["policies"]["timeouts"]["agentTurn"] == "75s"  # an agent turn is 60 s


def test_resiliency_policies_do_what_they_say(triage: ServiceSpec) -> None:
    spec = build_deploy_files(triage, deployment_of(triage, features_of(triage))).yaml[
        "k8s/base/dapr-resiliency.yaml"
    ][0]["spec"]
    # the state store: an ETag conflict is an error to Dapr, so no breaker and no retry there
    assert spec["targets"]["components"]["statestore"] == {"outbound": {"timeout": "daprCall"}}
    assert spec["policies"]["timeouts"]["handler"] == "30s"
    # exponential takes no duration (Dapr ignores it); constant does
    assert spec["policies"]["retries"]["transient"] == {
        "policy": "exponential", "maxInterval": "5s", "maxRetries": 3,
    }  # fmt: skip
    assert spec["policies"]["retries"]["redeliver"]["policy"] == "constant"


def test_dapr_annotations_are_strings_on_the_pod_template(code_review: ServiceSpec) -> None:
    deployment = build_deploy_files(
        code_review, deployment_of(code_review, features_of(code_review))
    ).yaml["k8s/base/deployment.yaml"][0]
    assert not [a for a in deployment["metadata"]["annotations"] if a.startswith("dapr.io/")]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert all(isinstance(value, str) for value in annotations.values())
    assert annotations["dapr.io/app-id"] == "code-review"
    assert annotations["dapr.io/app-port"] == "8003"
    assert annotations["dapr.io/config"] == "code-review-config"
    assert annotations["dapr.io/app-health-check-path"] == "/health"


def test_without_a_token_the_builtin_secret_store_is_off(code_review: ServiceSpec) -> None:
    deployment = build_deploy_files(
        code_review, deployment_of(code_review, features_of(code_review))
    ).yaml["k8s/base/deployment.yaml"][0]
    pod = deployment["spec"]["template"]
    assert pod["spec"]["automountServiceAccountToken"] is False
    # dapr/dapr pkg/runtime/components.go: the built-in store needs the token, daprd exits
    assert pod["metadata"]["annotations"]["dapr.io/disable-builtin-k8s-secret-store"] == "true"
    assert deployment["metadata"]["namespace"] == "learnflow"
    assert "replicas" not in deployment["spec"]  # the HPA owns it


def test_agent_key_comes_only_from_a_secret(code_review: ServiceSpec) -> None:
    files = build_deploy_files(code_review, deployment_of(code_review, features_of(code_review)))
    container = files.yaml["k8s/base/deployment.yaml"][0]["spec"]["template"]["spec"]["containers"][
        0
    ]
    assert container["env"] == [
        {
            "name": "OPENAI_API_KEY",
            "valueFrom": {"secretKeyRef": {"name": "openai", "key": "api-key", "optional": True}},
        }
    ]
    data = files.yaml["k8s/base/configmap.yaml"][0]["data"]
    assert set(data) == {
        "APP_ID", "LOG_LEVEL", "DAPR_TIMEOUT_SECONDS", "STATE_STORE", "PUBSUB_NAME",
        "OPENAI_BASE_URL", "OPENAI_MODEL", "AGENT_HISTORY_MAX_BYTES",
    }  # fmt: skip


def test_overlays_patch_the_hpa_and_images_never_replicas(triage: ServiceSpec) -> None:
    files = build_deploy_files(triage, deployment_of(triage, features_of(triage)))
    prod = files.yaml["k8s/overlays/prod/kustomization.yaml"][0]
    assert prod["resources"] == ["../../base"]
    assert prod["images"] == [{"name": "learnflow/triage", "newTag": "0.1.0"}]
    patch = files.yaml["k8s/overlays/prod/deployment-patch.yaml"][0]
    assert "replicas" not in patch["spec"]
    assert patch["metadata"] == {"name": "triage", "namespace": "learnflow"}
    hpa = files.yaml["k8s/overlays/prod/hpa-patch.yaml"][0]
    assert hpa["spec"] == {"minReplicas": 2, "maxReplicas": 6}
    text = render_yaml(files.yaml["k8s/overlays/local/configmap-patch.yaml"])
    assert "LOG_LEVEL: DEBUG" in text


def test_network_policy_allows_what_the_service_needs(code_review: ServiceSpec) -> None:
    policy = build_deploy_files(
        code_review, deployment_of(code_review, features_of(code_review))
    ).yaml["k8s/base/networkpolicy.yaml"][0]
    spec = policy["spec"]
    assert spec["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "code-review"}}
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert [p["port"] for rule in spec["ingress"] for p in rule["ports"]] == [50002]
    egress = {tuple(p["port"] for p in rule["ports"]) for rule in spec["egress"]}
    assert egress == {(53, 53), (6500, 50001, 50006), (6379,), (9093,), (443,)}


def test_network_policy_of_a_minimal_service_allows_only_dns_and_dapr() -> None:
    policy = build_deploy_files(_minimal(), deployment_of(_minimal(), frozenset())).yaml[
        "k8s/base/networkpolicy.yaml"
    ][0]
    egress = [tuple(p["port"] for p in rule["ports"]) for rule in policy["spec"]["egress"]]
    assert egress == [(53, 53), (6500, 50001, 50006)]


def test_base_kustomization_carries_the_dapr_documents_the_sidecar_loads(
    triage: ServiceSpec,
) -> None:
    files = build_deploy_files(triage, deployment_of(triage, features_of(triage)))
    resources = files.yaml["k8s/base/kustomization.yaml"][0]["resources"]
    assert resources[-2:] == ["dapr-configuration.yaml", "dapr-resiliency.yaml"]
    assert files.yaml["k8s/base/dapr-configuration.yaml"][0]["metadata"]["name"] == "triage-config"
