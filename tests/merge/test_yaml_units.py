"""YAML units: an exact cut of every YAML synth writes, keyed by identity, never by position."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.merge.units import Unit, check_split
from synth.merge.yaml_units import split_yaml

OUT = Path(__file__).resolve().parents[2] / "out"
YAML_FILES = sorted(OUT.rglob("*.yaml"))


def outline(units: tuple[Unit, ...], depth: int = 0) -> list[str]:
    """The unit keys as an indented outline (a leaf's key, a parent's key then its parts)."""
    lines: list[str] = []
    for unit in units:
        lines.append("  " * depth + unit.key)
        if unit.children is not None:
            lines.extend(outline(unit.children, depth + 1))
    return lines


def find(units: tuple[Unit, ...], *path: str) -> Unit:
    """The unit at a key path (`find(units, "doc:...", "key:spec", "key:replicas")`)."""
    level: tuple[Unit, ...] | None = units
    found: Unit | None = None
    for key in path:
        assert level is not None, f"{found.key if found else '<root>'} has no parts"
        found = next((unit for unit in level if unit.key == key), None)
        assert found is not None, f"no {key} among {[unit.key for unit in level]}"
        level = found.children
    assert found is not None
    return found


def split(text: str) -> tuple[Unit, ...]:
    units = split_yaml(text)
    check_split(text, units)
    return units


def test_every_yaml_file_under_out_is_cut_exactly_into_named_documents() -> None:
    assert len(YAML_FILES) > 100
    for path in YAML_FILES:
        text = path.read_text()
        units = split(text)
        assert units, path
        for document in units:
            assert document.children is not None, f"{path}: {document.key} is not split"


def test_a_deployment_is_keyed_by_document_identity_container_and_port_name() -> None:
    units = split((OUT / "debug/k8s/base/deployment.yaml").read_text())
    assert [unit.key for unit in units] == ["doc:apps/v1/Deployment//debug"]
    pod = ("doc:apps/v1/Deployment//debug", "key:spec", "key:template")
    container = (*pod, "key:spec", "key:containers", "item:name=debug")
    assert find(units, *pod, "key:metadata", "key:annotations", "key:dapr.io/app-port").text == (
        "        dapr.io/app-port: '8004'\n"
    )
    port = find(units, *container, "key:ports", "item:name=http")
    assert port.head == "            - name: http\n"
    assert outline(port.children or ()) == ["key:containerPort", "key:protocol"]
    env_from = find(units, *container, "key:envFrom")
    assert outline(env_from.children or ()) == [
        "item:configMapRef.name=debug-env",
        "  key:configMapRef",
        "    key:name",
    ]
    secret = find(units, *container, "key:env", "item:name=OPENAI_API_KEY")
    assert outline(secret.children or ()) == [
        "key:valueFrom",
        "  key:secretKeyRef",
        "    key:name",
        "    key:key",
    ]
    drop = find(units, *container, "key:securityContext", "key:capabilities", "key:drop")
    assert outline(drop.children or ()) == ["item:=ALL"]


def test_list_entries_are_named_by_name_key_path_or_their_first_key() -> None:
    text = dedent("""\
        patches:
          - path: deployment-patch.yaml
        metrics:
          - type: Resource
            resource:
              name: cpu
        state:
          - key: error:{hash}
            fields:
              - name: error
        ports:
          - port: 8004
            name: http
        resources:
          - serviceaccount.yaml
          - 'quoted.yaml'
        """)
    assert outline(split(text)) == [
        "doc:#1",
        "  key:patches",
        "    item:path=deployment-patch.yaml",
        "  key:metrics",
        "    item:type=Resource",
        "      key:resource",
        "        key:name",
        "  key:state",
        "    item:key=error:{hash}",
        "      key:fields",
        "        item:name=error",
        "  key:ports",
        "    item:name=http",
        "      key:name",
        "  key:resources",
        "    item:=serviceaccount.yaml",
        "    item:=quoted.yaml",
    ]


def test_a_unit_owns_the_comments_and_blank_lines_above_it() -> None:
    text = dedent("""\
        data:
          # why A is one
          A: "1"

          B: two  # inline comment stays on its line
        resources:
          - a.yaml
          # owner: keep b
          - b.yaml
        # about spec
        spec: {}
        """)
    units = split(text)
    assert find(units, "doc:#1", "key:data", "key:A").text == '  # why A is one\n  A: "1"\n'
    assert find(units, "doc:#1", "key:data", "key:B").text == (
        "\n  B: two  # inline comment stays on its line\n"
    )
    assert find(units, "doc:#1", "key:resources", "item:=b.yaml").text == (
        "  # owner: keep b\n  - b.yaml\n"
    )
    assert find(units, "doc:#1", "key:spec").text == "# about spec\nspec: {}\n"


def test_block_scalars_multi_line_scalars_and_flow_collections_are_leaves() -> None:
    text = dedent("""\
        script: |
          # a line of the script, not a comment
          echo hi

        folded: >-
          one
          two
        plain: a plain scalar
          that goes on
        quoted: "a quoted
          scalar"
        flow: [a, b,
          c]
        inline: {x: 1}
        empty:
        after: 1
        """)
    units = split(text)
    document = find(units, "doc:#1")
    assert outline(document.children or ()) == [
        "key:script",
        "key:folded",
        "key:plain",
        "key:quoted",
        "key:flow",
        "key:inline",
        "key:empty",
        "key:after",
    ]
    assert find(units, "doc:#1", "key:script").text == (
        "script: |\n  # a line of the script, not a comment\n  echo hi\n"
    )
    assert find(units, "doc:#1", "key:folded").text.startswith("\nfolded: >-\n")
    assert find(units, "doc:#1", "key:flow").text == "flow: [a, b,\n  c]\n"
    assert all(unit.children is None for unit in document.children or ())


def test_quoted_keys_are_keyed_by_their_value() -> None:
    units = split("\"dapr.io/enabled\": 'true'\n'it''s': 1\nplain: 2\n")
    assert outline(units) == ["doc:#1", "  key:dapr.io/enabled", "  key:it's", "  key:plain"]


def test_documents_are_keyed_by_identity_whatever_their_position() -> None:
    owner_first = dedent("""\
        # owner: the team's shared settings
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: team-settings
          namespace: learnflow
        data:
          REGION: eu
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: debug-env
        data:
          APP_ID: debug
        """)
    units = split(owner_first)
    assert [unit.key for unit in units] == [
        "doc:v1/ConfigMap/learnflow/team-settings",
        "doc:v1/ConfigMap//debug-env",
    ]
    synth_only = (OUT / "debug/k8s/base/configmap.yaml").read_text()
    assert [unit.key for unit in split(synth_only)] == ["doc:v1/ConfigMap//debug-env"]
    assert units[1].head == "---\n"


def test_document_markers_and_the_comments_between_documents() -> None:
    text = dedent("""\
        %YAML 1.2
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: a
        # trailing comment of a
        ...
        # about b
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: b
        """)
    first, second = split(text)
    assert first.key == "doc:v1/Service//a"
    assert first.head == "%YAML 1.2\n---\n"
    assert first.tail == "# trailing comment of a\n...\n"
    assert second.key == "doc:v1/Service//b"
    assert second.head == "# about b\n---\n"


def test_documents_without_identity_are_numbered_among_themselves() -> None:
    text = "a: 1\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\n- b\n"
    kustomization = (OUT / "debug/k8s/base/kustomization.yaml").read_text()
    assert [unit.key for unit in split(text)] == ["doc:#1", "doc:v1/Namespace//x", "doc:#2"]
    assert [unit.key for unit in split(kustomization)] == [
        "doc:kustomize.config.k8s.io/v1beta1/Kustomization//"
    ]


def test_sequences_at_their_key_s_indentation_are_split_like_indented_ones() -> None:
    compact = "features:\n- app\n- name: x\n  type: int\nnext: 1\n"
    indented = "features:\n  - app\n  - name: x\n    type: int\nnext: 1\n"
    assert (
        outline(split(compact))
        == outline(split(indented))
        == [
            "doc:#1",
            "  key:features",
            "    item:=app",
            "    item:name=x",
            "      key:type",
            "  key:next",
        ]
    )


def test_repeated_keys_get_a_count() -> None:
    assert outline(split("a: 1\na: 2\nl:\n- x\n- x\n")) == [
        "doc:#1",
        "  key:a",
        "  key:a#2",
        "  key:l",
        "    item:=x",
        "    item:=x#2",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a: 1",
        "# only a comment\n",
        "\n\n",
        "---\n",
        "--- |\n  a scalar document\n",
        "[a, b]\n",
        "a:\n  b: 1\n c: 2\n",  # bad indentation: a leaf, still exact
        "a:\n\tb: 1\n",
        "? complex\n: key\n",
        "key: 'open quote\n  # inside the quote\n  closed'\nnext: 1\n",
        "- - nested\n  - list\n- x\n",
    ],
)
def test_odd_inputs_are_cut_exactly(text: str) -> None:
    split(text)


def test_a_file_without_final_newline_keeps_its_last_line() -> None:
    units = split("a: 1\nb:\n  c: 2")
    assert find(units, "doc:#1", "key:b", "key:c").text == "  c: 2"


_LINES = st.sampled_from(
    [
        "a: 1",
        "- x",
        "  - y",
        "- k: v",
        "  k: v",
        "    n:",
        "# c",
        "  # c",
        "",
        "---",
        "...",
        "x: |",
        "    z",
        "'q': 2",
        "- - z",
        "key: [a,",
        "  b]",
        "k: &a",
        "  <<: *a",
        "-",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINES, max_size=14), st.booleans())
def test_any_text_is_cut_exactly(lines: list[str], final_newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    split(text)
