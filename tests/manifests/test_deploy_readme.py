"""The README's Deploy section: what a new user needs, named as the manifests name it."""

from __future__ import annotations

from synth.features.base import deployment_of
from synth.manifests import build_deploy_files
from synth.manifests.readme import build_deploy_section
from synth.spec import ServiceSpec

from .samples import features_of


def test_deploy_section_names_every_secret_the_manifests_reference(
    code_review: ServiceSpec,
) -> None:
    heading, body = build_deploy_section(code_review)
    assert heading == "Deploy"
    files = build_deploy_files(code_review, deployment_of(code_review, features_of(code_review)))
    referenced = set()
    for docs in files.yaml.values():
        for doc in docs:
            for item in (doc.get("spec") or {}).get("metadata") or []:
                if isinstance(item, dict) and "secretKeyRef" in item:
                    referenced.add((item["secretKeyRef"]["name"], item["secretKeyRef"]["key"]))
    container = files.yaml["k8s/base/deployment.yaml"][0]["spec"]["template"]["spec"]
    for env in container["containers"][0]["env"]:
        ref = env["valueFrom"]["secretKeyRef"]
        referenced.add((ref["name"], ref["key"]))
    assert len(referenced) == 4
    for name, key in referenced:
        assert f"| `{name}` | `{key}` |" in body, (name, key)


def test_deploy_section_lists_the_cluster_pieces_and_the_commands(triage: ServiceSpec) -> None:
    _heading, body = build_deploy_section(triage)
    for piece in ("dapr-system", "Strimzi", "TLS listener on 9093", "scram-sha-512", "Redis"):
        assert piece in body
    assert "watchedNamespace: learnflow" in body  # the KafkaUser's Secret lands beside the apps
    assert "kubectl apply -k k8s/overlays/prod" in body
    assert "docker build -t learnflow/triage:0.1.0 ." in body


def test_deploy_section_is_the_same_for_every_feature_set(triage: ServiceSpec) -> None:
    # a README section is written once and kept: new A,B == new A + add B needs one text
    bare = triage.model_copy(update={"features": ()})
    assert build_deploy_section(bare) == build_deploy_section(triage)
