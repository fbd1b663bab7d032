"""What a cluster with the Dapr operator and a Strimzi Kafka needs of a service, rule by rule.

Each rule names the upstream source it follows (the `why` of its finding says what breaks):

    secret store   no SA token but daprd's built-in Kubernetes secret store on: daprd exits
                   (dapr/dapr pkg/runtime/components.go appendBuiltinSecretStore)
    app protocol   `dapr.io/app-protocol` must be what the app serves: `http` (uvicorn/FastAPI);
                   daprd knows http, https, h2c, grpc, grpcs (pkg/config/protocol/protocol.go)
    namespace      every namespaced document names one (checkov CKV_K8S_21; Dapr Components
                   resolve Secrets in their own namespace, pkg/operator/api/components.go)
    kafka          TLS is on unless `disableTls` (components-contrib common/component/kafka/
                   auth.go): not to the plain listener 9092, and with `caCert` (Strimzi's CA is
                   self-signed); brokers by FQDN; SASL user/password as a KafkaUser's Secret
                   has them (strimzi user-operator KafkaUserModel.java: `password` key, the
                   username is the KafkaUser's name)
    strimzi        KafkaTopic/KafkaUser only as kafka.strimzi.io/v1 (043/044-Crd-*.yaml)
    postgresql     state.postgresql v2 for new apps (components-contrib state/postgresql/v2)
    secrets        a Secret reference a feature declares optional (the agent's OPENAI_API_KEY)
                   is optional in the Deployment (the service runs without it)
    replicas       no spec.replicas on a Deployment an HPA scales (each apply resets it)
    resiliency     policies a target names are defined; exponential retries take no
                   `duration` (dapr/dapr pkg/apis/resiliency/v1alpha1/types.go, kit retry);
                   no breaker or retry on a state store (ETag conflicts count as failures:
                   pkg/resiliency/breaker/circuitbreaker.go); no retry on invoked apps (it
                   retries POST); pubsub inbound timeout longer than the handler budget a
                   feature declares (an agent turn)
    image          python:3.11 base no older than synth's (docker-library/official-images
                   library/python); a tag, never `latest`
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from synth.checks.dapr import find_crd_problem
from synth.checks.dockerfile import DOCKERFILE, parse_dockerfile
from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder
from synth.features.base import HandlerBudget
from synth.manifests.cluster import KAFKA_TLS_PORT
from synth.manifests.docker import PYTHON_IMAGE
from synth.manifests.kafka_users import KAFKA_USER_PASSWORD_KEY
from synth.manifests.kubernetes import APP_PROTOCOL
from synth.manifests.topics import STRIMZI_API, dead_letter_topic
from synth.spec import ServiceSpec

__all__ = ["check_production", "kafka_acl_gaps", "parse_duration"]

DAPR_PROTOCOLS = ("http", "https", "h2c", "grpc", "grpcs")
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
NOT_NAMESPACED_FILES = ("Kustomization",)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def parse_duration(text: str) -> float | None:
    """Seconds of a Go duration such as `1m30s` or `500ms`; None when it is not one."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        return None
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def _base_deployment(folder: ServiceFolder) -> tuple[str, Mapping[str, Any]] | None:
    found = [(p, d) for p, d in folder.docs_of_kind("Deployment") if p.startswith("k8s/base/")]
    return found[0] if found else None


def _pod_findings(folder: ServiceFolder) -> Iterator[Finding]:
    found = _base_deployment(folder)
    if found is None:
        return
    path, doc = found
    pod = _get(doc, "spec", "template", "spec") or {}
    annotations = _get(doc, "spec", "template", "metadata", "annotations") or {}
    token = pod.get("automountServiceAccountToken")
    if token is None:
        accounts = [d for _p, d in folder.docs_of_kind("ServiceAccount")]
        token = accounts[0].get("automountServiceAccountToken") if accounts else None
    if token is False and annotations.get("dapr.io/disable-builtin-k8s-secret-store") != "true":
        yield Finding(
            path,
            "no ServiceAccount token, but dapr.io/disable-builtin-k8s-secret-store is not 'true'",
            "daprd's built-in Kubernetes secret store needs the token and daprd exits "
            "(dapr/dapr pkg/runtime/components.go)",
        )
    protocol = annotations.get("dapr.io/app-protocol")
    if protocol is not None and protocol != APP_PROTOCOL:
        known = "" if protocol in DAPR_PROTOCOLS else f"; daprd knows {', '.join(DAPR_PROTOCOLS)}"
        yield Finding(
            path,
            f"dapr.io/app-protocol is {protocol!r}",
            f"the app serves plain HTTP (uvicorn), so daprd cannot reach it{known}",
        )
    if "replicas" in (doc.get("spec") or {}) and folder.docs_of_kind("HorizontalPodAutoscaler"):
        yield Finding(path, "spec.replicas beside an HPA", "every apply resets what the HPA chose")
    optional = {v.name for v in folder.deploy.secret_env if v.secret_ref and v.secret_ref.optional}
    for container in pod.get("containers") or []:
        for env in container.get("env") or []:
            ref = _get(env, "valueFrom", "secretKeyRef")
            if env.get("name") in optional and ref and ref.get("optional") is not True:
                yield Finding(
                    path,
                    f"{env.get('name')} secretKeyRef is not optional",
                    "without the Secret the pod never starts; the service runs with no key",
                )


def _overlay_replicas(folder: ServiceFolder) -> Iterator[Finding]:
    for path, doc in folder.docs_of_kind("Deployment"):
        if path.startswith("k8s/overlays/") and "replicas" in (doc.get("spec") or {}):
            yield Finding(path, "spec.replicas beside an HPA", "every apply resets what it chose")


def _namespace_findings(folder: ServiceFolder) -> Iterator[Finding]:
    for path, docs in sorted(folder.documents.items()):
        if not path.startswith(("k8s/base/", "components/prod/")):
            continue
        for doc in docs:
            kind = str(doc.get("kind"))
            if kind in CLUSTER_SCOPED or kind in NOT_NAMESPACED_FILES:
                continue
            if not _get(doc, "metadata", "namespace"):
                yield Finding(
                    path,
                    f"{kind}/{_get(doc, 'metadata', 'name')} has no namespace",
                    "it lands in `default` (checkov CKV_K8S_21), apart from its Secrets",
                )


def _metadata(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    items = _get(doc, "spec", "metadata")
    return {str(i.get("name")): i for i in items or [] if isinstance(i, Mapping)}


def _kafka_findings(path: str, doc: Mapping[str, Any]) -> Iterator[Finding]:
    items = _metadata(doc)
    auth = str(_get(items.get("authType"), "value") or "")
    tls_off = str(_get(items.get("disableTls"), "value") or "false").lower() == "true"
    brokers = str(_get(items.get("brokers"), "value") or "")
    hosts = [b.strip() for b in brokers.split(",") if b.strip()]
    contrib = "components-contrib common/component/kafka/auth.go"
    if auth not in {"", "none"} and not tls_off:
        for host in hosts:
            if host.endswith(":9092"):
                yield Finding(
                    path,
                    f"TLS to {host}, Strimzi's plain listener",
                    f"authType {auth} turns TLS on ({contrib}); the TLS listener is "
                    f"{KAFKA_TLS_PORT}, or set disableTls on both ends",
                )
        skip = str(_get(items.get("skipVerify"), "value") or "false").lower() == "true"
        if "caCert" not in items and not skip:
            yield Finding(
                path,
                "TLS without caCert",
                "Strimzi's cluster CA is self-signed: the handshake fails without "
                "`<cluster>-cluster-ca-cert` (key ca.crt)",
            )
    if auth == "password" and tls_off:
        yield Finding(path, "SCRAM password over plain text (disableTls)", "credentials leak")
    for host in hosts:
        name = host.rsplit(":", 1)[0]
        if ".svc" not in name and "." not in name:
            yield Finding(
                path,
                f"broker {host} is a short name",
                "it resolves only inside the broker's own namespace; use "
                "<service>.<namespace>.svc.<cluster domain>",
            )
    if auth == "password":
        user = items.get("saslUsername") or {}
        password = _get(items.get("saslPassword"), "secretKeyRef") or {}
        if "value" not in user:
            yield Finding(
                path,
                "saslUsername read from a Secret",
                "a Strimzi KafkaUser's Secret has no username key: the username is the "
                "KafkaUser's name (strimzi user-operator KafkaUserModel.java)",
            )
        elif password and (
            password.get("key") != KAFKA_USER_PASSWORD_KEY
            or password.get("name") != str(user.get("value"))
        ):
            yield Finding(
                path,
                f"saslPassword is {password.get('name')}/{password.get('key')}",
                f"the KafkaUser {user.get('value')}'s Secret is "
                f"{user.get('value')}/{KAFKA_USER_PASSWORD_KEY}",
            )


def kafka_acl_gaps(user: Mapping[str, Any], specs: Sequence[ServiceSpec]) -> list[str]:
    """What the KafkaUser's ACLs do not allow that the services do: `Read topic x`, ..."""
    granted: set[tuple[str, str, str]] = set()
    for acl in _get(user, "spec", "authorization", "acls") or []:
        if not isinstance(acl, Mapping) or acl.get("type", "allow") != "allow":
            continue
        resource = acl.get("resource") or {}
        if resource.get("patternType", "literal") != "literal":
            continue  # a prefix ACL is the owner's choice; not second-guessed here
        for operation in acl.get("operations") or []:
            granted.add((str(operation), str(resource.get("type")), str(resource.get("name"))))
    needed: list[tuple[str, str, str]] = []
    for spec in specs:
        for topic in spec.subscribes:
            needed.append(("Read", "topic", topic.topic))
            needed.append(("Write", "topic", dead_letter_topic(topic.topic)))
        needed.extend(("Write", "topic", topic.topic) for topic in spec.publishes)
        if spec.subscribes:
            needed.append(("Read", "group", spec.name))
    missing = [n for n in needed if n not in granted and ("All", n[1], n[2]) not in granted]
    return [f"{operation} {kind} {name}" for operation, kind, name in dict.fromkeys(missing)]


def _kafka_user_findings(folder: ServiceFolder) -> Iterator[Finding]:
    if folder.deploy.topics is None:
        return
    users = {str(_get(d, "metadata", "name")): (p, d) for p, d in folder.docs_of_kind("KafkaUser")}
    for path, doc in folder.docs_of_kind("Component"):
        if not path.startswith("components/prod/") or _get(doc, "spec", "type") != "pubsub.kafka":
            continue
        name = str(_get(_metadata(doc).get("saslUsername"), "value") or "")
        if not name:
            continue
        if name not in users:
            yield Finding(
                path,
                f"no KafkaUser {name} beside it",
                "nothing creates the SCRAM user or its password Secret (Strimzi User Operator)",
            )
            continue
        user_path, user = users[name]
        for gap in kafka_acl_gaps(user, [folder.spec]):
            yield Finding(
                user_path,
                f"KafkaUser {name} does not allow {gap}",
                "the broker refuses it (simple authorization)",
            )


def _component_findings(folder: ServiceFolder) -> Iterator[Finding]:
    for path, doc in folder.docs_of_kind("Component"):
        component_type = str(_get(doc, "spec", "type") or "")
        if component_type == "pubsub.kafka":
            yield from _kafka_findings(path, doc)
        if component_type == "state.postgresql" and str(_get(doc, "spec", "version")) == "v1":
            yield Finding(
                path,
                "state.postgresql v1",
                "new apps use v2 (components-contrib state/postgresql/v2/metadata.yaml)",
            )


def _strimzi_findings(folder: ServiceFolder) -> Iterator[Finding]:
    for path, docs in sorted(folder.documents.items()):
        for doc in docs:
            api = str(doc.get("apiVersion", ""))
            if not api.startswith("kafka.strimzi.io/"):
                continue
            if api != STRIMZI_API:
                yield Finding(
                    path,
                    f"{doc.get('kind')} is {api}",
                    f"Strimzi serves only {STRIMZI_API} (strimzi-kafka-operator "
                    "packaging/install/cluster-operator/04*-Crd-*.yaml)",
                )
                continue
            problem = find_crd_problem(doc)
            if problem:
                yield Finding(path, f"{doc.get('kind')} {problem}", "Strimzi's CRD schema")


def _resiliency_findings(folder: ServiceFolder) -> Iterator[Finding]:
    stores = {
        str(_get(d, "metadata", "name"))
        for _p, d in folder.docs_of_kind("Component")
        if str(_get(d, "spec", "type") or "").startswith("state.")
    }
    for path, doc in folder.docs_of_kind("Resiliency"):
        policies = _get(doc, "spec", "policies") or {}
        defined = {
            "timeout": set(policies.get("timeouts") or {}),
            "retry": set(policies.get("retries") or {}),
            "circuitBreaker": set(policies.get("circuitBreakers") or {}),
        }
        for name, retry in (policies.get("retries") or {}).items():
            exponential = isinstance(retry, Mapping) and retry.get("policy") == "exponential"
            if exponential and "duration" in retry:
                yield Finding(
                    path,
                    f"retry {name} is exponential with a duration",
                    "Dapr ignores duration for exponential retries (it starts at 500 ms)",
                )
        targets = _get(doc, "spec", "targets") or {}
        for kind in ("components", "apps", "actors"):
            for target, refs in (targets.get(kind) or {}).items():
                directions = (
                    {d: refs.get(d) for d in ("inbound", "outbound")}
                    if kind == "components"
                    else {"": refs}
                )
                for direction, names in directions.items():
                    if not isinstance(names, Mapping):
                        continue
                    where = f"{kind}.{target}" + (f".{direction}" if direction else "")
                    yield from _policy_refs(path, where, names, defined)
                    if kind == "components" and target in stores:
                        yield from _state_target(path, where, names)
                    if kind == "apps" and names.get("retry"):
                        yield Finding(
                            path,
                            f"{where} has a retry",
                            "Dapr would retry POST too; the generated client retries GET only",
                        )
                    handler = folder.deploy.handler
                    if direction == "inbound" and handler is not None:
                        yield from _inbound_timeout(path, where, names, policies, handler)


def _policy_refs(
    path: str, where: str, names: Mapping[str, Any], defined: dict[str, set[str]]
) -> Iterator[Finding]:
    for kind, name in names.items():
        if kind in defined and str(name) not in defined[kind]:
            if str(name).startswith("DaprBuiltIn"):
                continue
            yield Finding(
                path, f"{where} names {kind} {name}, which is not defined", "Dapr cannot apply it"
            )


def _state_target(path: str, where: str, names: Mapping[str, Any]) -> Iterator[Finding]:
    for kind in ("circuitBreaker", "retry"):
        if names.get(kind):
            yield Finding(
                path,
                f"{where} has a {kind}",
                "ETag conflicts are errors to Dapr's resiliency: counted by a breaker, retried "
                "with the stale ETag; the generated update helper retries them itself",
            )


def _inbound_timeout(
    path: str,
    where: str,
    names: Mapping[str, Any],
    policies: Mapping[str, Any],
    handler: HandlerBudget,
) -> Iterator[Finding]:
    timeout = (policies.get("timeouts") or {}).get(names.get("timeout"))
    seconds = parse_duration(str(timeout)) if timeout is not None else None
    if seconds is None or seconds <= handler.seconds:
        yield Finding(
            path,
            f"{where} timeout {timeout} is not longer than {handler.what}",
            f"Dapr redelivers while {handler.busy} ({handler.seconds} s)",
        )


def _image_findings(folder: ServiceFolder) -> Iterator[Finding]:
    text = folder.text(DOCKERFILE) or ""
    current = re.match(r"python:3\.11\.(\d+)", PYTHON_IMAGE)
    for instruction in parse_dockerfile(text):
        if instruction.keyword != "FROM":
            continue
        image = instruction.arguments.split()[0]
        found = re.match(r"python:3\.11\.(\d+)", image)
        if found and current and int(found.group(1)) < int(current.group(1)):
            yield Finding(
                DOCKERFILE,
                f"base image {image} is stale",
                f"the current 3.11 slim tag is {PYTHON_IMAGE} "
                "(docker-library/official-images library/python)",
            )
    for path, doc in folder.docs_of_kind("Deployment"):
        for container in _get(doc, "spec", "template", "spec", "containers") or []:
            image = str(container.get("image", ""))
            if image and ("@" not in image) and (":" not in image or image.endswith(":latest")):
                yield Finding(
                    path, f"image {image} has no fixed tag", "`latest` moves (checkov CKV_K8S_14)"
                )


def check_production(folder: ServiceFolder) -> list[Finding]:
    """Every rule above, on one service folder."""
    return [
        *_pod_findings(folder),
        *_overlay_replicas(folder),
        *_namespace_findings(folder),
        *_component_findings(folder),
        *_kafka_user_findings(folder),
        *_strimzi_findings(folder),
        *_resiliency_findings(folder),
        *_image_findings(folder),
    ]
