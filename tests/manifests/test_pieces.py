"""Features own their deploy pieces: the cheap path (`Feature.deployment`, what checks and
diagrams ask) is the contribution's own `deploy`, and `manifests/` assembles whatever pieces it
is given (no feature name in it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth.features.base import ComponentPiece, DeployPieces, deployment_of
from synth.features.registry import available_features, plan_features
from synth.manifests import build_deploy_files, build_platform_files
from synth.spec import ServiceSpec
from synth.spec.reserved import _probe_spec

from .samples import learnflow_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["probe", "progress"])
def test_the_cheap_path_is_the_contributions_deploy(name: str) -> None:
    spec = _probe_spec() if name == "probe" else learnflow_spec(name)
    features = plan_features(available_features() if name == "probe" else spec.features)
    active = frozenset(f.name for f in features)
    for feature in features:
        assert feature.deployment(spec, active) == feature.contribute(spec, active).deploy


def test_every_variable_is_declared_once() -> None:
    spec = _probe_spec()
    names = [v.name for v in deployment_of(spec, available_features()).env]
    assert len(names) == len(set(names))


def test_a_service_with_no_pieces_gets_only_the_base() -> None:
    spec = ServiceSpec(name="bare", port=8100)
    files = build_deploy_files(spec, DeployPieces())
    assert dict(files.yaml["k8s/base/configmap.yaml"][0]["data"]) == {}
    assert "k8s/base/dapr-resiliency.yaml" not in files.yaml
    assert not [p for p in files.yaml if p.startswith("components/")]


def test_platform_components_keep_the_features_order_across_services() -> None:
    """A pubsub-only service named first does not put pubsub before the state stores that a
    service with both lists first."""
    only_pubsub = ServiceSpec(name="a", port=8101, features=("pubsub",))
    both = ServiceSpec(name="b", port=8102, features=("state", "pubsub"))
    services = [(s, deployment_of(s, s.features)) for s in (only_pubsub, both)]
    resources = build_platform_files(services).yaml["k8s/kustomization.yaml"][0]["resources"]
    assert list(resources)[:3] == [
        "components/statestore.yaml",
        "components/pubsub.yaml",
        "components/pubsub-kafka-user.yaml",
    ]
    scopes = build_platform_files(services).yaml["k8s/components/pubsub.yaml"][0]["scopes"]
    assert list(scopes) == ["a", "b"]


def test_manifests_never_ask_for_a_feature_name() -> None:
    for folder in ("synth/manifests", "synth/checks", "synth/platform"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            assert "FeatureName." not in path.read_text(encoding="utf-8"), path


def test_a_component_piece_is_built_for_its_users() -> None:
    spec = learnflow_spec("triage")
    pieces = deployment_of(spec, spec.features)
    state: ComponentPiece = pieces.components[0]
    docs = state.build(state.name, [spec])
    assert docs.local["spec"]["type"].startswith(state.type_prefix)
    assert [s for s, _doc in docs.prod] == [""]
