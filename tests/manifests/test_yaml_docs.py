"""render/parse round trips and the upsert-by-identity merge that keeps every owner edit."""

from __future__ import annotations

import textwrap

import pytest

from synth.errors import SourceError
from synth.features.base import deployment_of
from synth.manifests import build_deploy_files, merge_documents, parse_yaml, render_yaml
from synth.manifests.yaml_docs import build_map
from synth.spec import ServiceSpec

from .samples import features_of


def _deployment_text(spec: ServiceSpec) -> str:
    return render_yaml(
        build_deploy_files(spec, deployment_of(spec, features_of(spec))).yaml[
            "k8s/base/deployment.yaml"
        ]
    )


def test_parse_then_render_is_byte_identical(triage: ServiceSpec) -> None:
    text = _deployment_text(triage)
    assert render_yaml(parse_yaml(text, "deployment.yaml")) == text


def test_several_documents_render_with_separator() -> None:
    docs = [build_map(("kind", "A")), build_map(("kind", "B"))]
    text = render_yaml(docs)
    assert text == "kind: A\n---\nkind: B\n"
    assert [d["kind"] for d in parse_yaml(text, "x.yaml")] == ["A", "B"]


def test_bad_yaml_names_file_and_line() -> None:
    text = "kind: A\nmetadata:\n  name: [unclosed\n"
    with pytest.raises(SourceError, match=r"^k8s/x\.yaml:\d+: "):
        parse_yaml(text, "k8s/x.yaml")


def test_non_mapping_document_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="not a mapping"):
        parse_yaml("- a\n- b\n", "list.yaml")


def test_hand_edited_deployment_survives_merge_byte_for_byte(triage: ServiceSpec) -> None:
    generated = build_deploy_files(triage, deployment_of(triage, features_of(triage))).yaml[
        "k8s/base/deployment.yaml"
    ]
    before = render_yaml(generated)
    edited = before.replace("  replicas: 1\n", "  replicas: 3  # we are busy on Mondays\n")
    edited = edited.replace(
        "          envFrom:\n",
        "          env:\n"
        "            - name: EXTRA\n"
        "              value: 'yes'\n"
        "          envFrom:\n",
    )
    edited = "# owned by the LearnFlow team\n" + edited
    assert edited != before

    merged = merge_documents(parse_yaml(edited, "deployment.yaml"), generated)

    assert render_yaml(merged) == edited


def test_merge_adds_missing_keys_and_entries_but_keeps_owner_values() -> None:
    existing = parse_yaml(
        textwrap.dedent("""\
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x-env  # the env
            data:
              LOG_LEVEL: DEBUG
            """),
        "configmap.yaml",
    )
    generated = [
        build_map(
            ("apiVersion", "v1"),
            ("kind", "ConfigMap"),
            ("metadata", {"name": "x-env", "labels": {"app": "x"}}),
            ("data", {"LOG_LEVEL": "INFO", "APP_ID": "x"}),
        )
    ]
    after = textwrap.dedent("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: x-env  # the env
          labels:
            app: x
        data:
          LOG_LEVEL: DEBUG
          APP_ID: x
        """)
    assert render_yaml(merge_documents(existing, generated)) == after


def test_merge_appends_missing_documents_and_list_entries() -> None:
    existing = [
        build_map(
            ("apiVersion", "v1"),
            ("kind", "List"),
            ("metadata", {"name": "a"}),
            ("items", [{"name": "one", "value": "mine"}, "plain"]),
        )
    ]
    generated = [
        build_map(
            ("apiVersion", "v1"),
            ("kind", "List"),
            ("metadata", {"name": "a"}),
            ("items", [{"name": "one", "value": "theirs"}, {"name": "two"}, "plain", "new"]),
        ),
        build_map(("apiVersion", "v1"), ("kind", "List"), ("metadata", {"name": "b"})),
    ]
    merged = merge_documents(existing, generated)
    assert [d["metadata"]["name"] for d in merged] == ["a", "b"]
    assert merged[0]["items"] == [{"name": "one", "value": "mine"}, "plain", {"name": "two"}, "new"]
    assert existing[0]["items"] == [{"name": "one", "value": "mine"}, "plain"]  # input untouched


def test_merge_with_nothing_new_changes_nothing(code_review: ServiceSpec) -> None:
    files = build_deploy_files(code_review, deployment_of(code_review, features_of(code_review)))
    for path, docs in files.yaml.items():
        text = render_yaml(docs)
        assert render_yaml(merge_documents(parse_yaml(text, path), docs)) == text, path
