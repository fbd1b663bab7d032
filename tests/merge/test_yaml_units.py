"""YAML units: an exact cut of every YAML synth writes, keyed by identity, never by position."""

from __future__ import annotations

import functools
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from synth.api import compose_service
from synth.merge.sequence import Merged
from synth.merge.units import Unit, check_split
from synth.merge.yaml_units import merge_yaml, split_yaml
from synth.spec import FeatureName, load_spec
from synth.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out"
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
    assert [unit.key for unit in units] == ["doc:apps/v1/Deployment/learnflow/debug"]
    pod = ("doc:apps/v1/Deployment/learnflow/debug", "key:spec", "key:template")
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
        "    key:optional",
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
    assert [unit.key for unit in split(synth_only)] == ["doc:v1/ConfigMap/learnflow/debug-env"]
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


# merges: base = what synth wrote, ours = the owner's file, theirs = what synth writes now


@functools.cache
def generated(*features: str) -> dict[str, str]:
    """The debug service's files as synth composes them with `features` (in memory)."""
    spec = load_spec(ROOT / "specs/debug.yaml")
    plan = compose_service(spec, [FeatureName(name) for name in features], Workspace(root=None))
    return plan.contents()


def with_agent(path: str) -> str:
    """The file as synth writes it for debug's features (state, pubsub, agent): out/debug."""
    return (OUT / "debug" / path).read_text()


def without_agent(path: str) -> str:
    """The file after `remove-feature agent` (state, pubsub)."""
    return generated("state", "pubsub")[path]


def merge(base: str, ours: str, theirs: str, *, force: bool = False) -> Merged:
    return merge_yaml("k8s/base/file.yaml", base, ours, theirs, force=force)


def clean(base: str, ours: str, theirs: str) -> str:
    merged = merge(base, ours, theirs)
    assert merged.conflicts == ()
    return merged.text


def test_nothing_changed_by_synth_leaves_the_owner_s_file_byte_for_byte() -> None:
    base = with_agent("k8s/base/deployment.yaml")
    ours = base.replace("  replicas: 1\n", "  # owner: two for the demo\n  replicas: 2\n")
    assert clean(base, ours, base) == ours
    assert clean(base, base, ours) == ours


def test_an_owner_configmap_placed_first_keeps_its_keys_when_a_feature_goes() -> None:
    base = with_agent("k8s/base/configmap.yaml")
    team = dedent("""\
        # owner: the team's shared settings
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: team-settings
        data:
          OPENAI_MODEL: gpt-4.1
          PUBSUB_NAME: team-bus
        ---
        """)
    theirs = without_agent("k8s/base/configmap.yaml")
    assert "OPENAI_MODEL" not in theirs
    assert clean(base, team + base, theirs) == team + theirs


def test_synth_s_new_keys_land_in_synth_s_document_not_the_owner_s_first_one() -> None:
    base = without_agent("k8s/base/configmap.yaml")
    team = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-settings\ndata:\n  A: b\n---\n"
    theirs = with_agent("k8s/base/configmap.yaml")
    assert clean(base, team + base, theirs) == team + theirs


def test_a_deleted_pod_annotation_stays_deleted_when_synth_writes_it_again() -> None:
    base = with_agent("k8s/base/deployment.yaml")
    annotation = "        dapr.io/log-as-json: 'true'\n"
    ours = base.replace(annotation, "")
    theirs = without_agent("k8s/base/deployment.yaml")
    assert annotation in theirs
    assert clean(base, ours, theirs) == theirs.replace(annotation, "")


def test_a_renamed_container_port_gets_no_second_http_port() -> None:
    base = without_agent("k8s/base/deployment.yaml")
    ours = base.replace("            - name: http\n", "            - name: web\n")
    theirs = with_agent("k8s/base/deployment.yaml")
    merged = clean(base, ours, theirs)
    assert merged == theirs.replace("            - name: http\n", "            - name: web\n")
    assert "name: http" not in merged


def test_an_owner_s_env_var_stays_when_the_feature_that_wrote_env_goes() -> None:
    base = with_agent("k8s/base/deployment.yaml")
    owner_var = "            - name: FEATURE_FLAGS\n              value: beta\n"
    ours = base.replace("          resources:\n", owner_var + "          resources:\n", 1)
    theirs = without_agent("k8s/base/deployment.yaml")
    assert "          env:\n" not in theirs
    expected = theirs.replace(
        "          resources:\n", "          env:\n" + owner_var + "          resources:\n", 1
    )
    assert clean(base, ours, theirs) == expected


def test_an_owner_s_env_var_next_to_synth_s_new_one() -> None:
    base = without_agent("k8s/base/deployment.yaml")
    anchor = "                name: debug-env\n"
    owner_env = "          env:\n            - name: FEATURE_FLAGS\n              value: beta\n"
    ours = base.replace(anchor, anchor + owner_env)
    theirs = with_agent("k8s/base/deployment.yaml")
    merged = clean(base, ours, theirs)
    assert merged.count("          env:\n") == 1
    assert "- name: FEATURE_FLAGS\n" in merged
    assert "- name: OPENAI_API_KEY\n" in merged
    assert yaml_data(merged)["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "FEATURE_FLAGS", "value": "beta"},
        {
            "name": "OPENAI_API_KEY",
            "valueFrom": {"secretKeyRef": {"name": "openai", "key": "api-key", "optional": True}},
        },
    ]


def test_deleted_kustomization_entries_stay_deleted() -> None:
    base = with_agent("k8s/base/kustomization.yaml")
    ours = base.replace("  - hpa.yaml\n", "").replace("  - pdb.yaml\n", "")
    assert clean(base, ours, base) == ours
    theirs = base + "  - networkpolicy.yaml\n"  # a newer synth writes one more resource
    assert clean(base, ours, theirs) == ours + "  - networkpolicy.yaml\n"


def test_comments_on_keys_stay_when_synth_changes_those_keys() -> None:
    base = with_agent("k8s/base/configmap.yaml")
    ours = base.replace(
        "  OPENAI_MODEL: gpt-4o-mini\n",
        "  # owner: the model we pay for\n  OPENAI_MODEL: gpt-4o-mini  # keep in sync with ops\n",
    ).replace("\ndata:\n", "\n# owner: read by every replica\ndata:\n")
    theirs = base.replace("  LOG_LEVEL: INFO\n", "  LOG_LEVEL: WARNING\n").replace(
        "  DAPR_TIMEOUT_SECONDS: '5'\n",
        "  # how long health checks wait\n  DAPR_TIMEOUT_SECONDS: '5'\n",
    )
    expected = ours.replace("  LOG_LEVEL: INFO\n", "  LOG_LEVEL: WARNING\n").replace(
        "  DAPR_TIMEOUT_SECONDS: '5'\n",
        "  # how long health checks wait\n  DAPR_TIMEOUT_SECONDS: '5'\n",
    )
    assert clean(base, ours, theirs) == expected


def test_an_owner_comment_above_a_key_synth_changes_keeps_both() -> None:
    base = with_agent("k8s/base/configmap.yaml")
    ours = base.replace("  LOG_LEVEL: INFO\n", "  # owner: DEBUG in staging\n  LOG_LEVEL: INFO\n")
    theirs = base.replace("  LOG_LEVEL: INFO\n", "  LOG_LEVEL: WARNING\n")
    assert clean(base, ours, theirs) == base.replace(
        "  LOG_LEVEL: INFO\n", "  # owner: DEBUG in staging\n  LOG_LEVEL: WARNING\n"
    )


def test_reordered_keys_keep_the_owner_s_order_and_new_keys_follow_their_neighbour() -> None:
    base = without_agent("k8s/base/configmap.yaml")
    ours = base.replace(
        "  APP_ID: debug\n  LOG_LEVEL: INFO\n", "  LOG_LEVEL: INFO\n  APP_ID: debug\n"
    )
    ours = ours.replace("apiVersion: v1\nkind: ConfigMap\n", "kind: ConfigMap\napiVersion: v1\n")
    theirs = with_agent("k8s/base/configmap.yaml")
    assert theirs.startswith(base)  # the agent's keys come last in synth's data
    added = theirs[len(base) :]
    assert "  OPENAI_MODEL: gpt-4o-mini\n" in added
    assert clean(base, ours, theirs) == ours + added


def test_both_changing_one_value_differently_is_a_conflict_at_its_line() -> None:
    base = with_agent("k8s/base/configmap.yaml")
    ours = base.replace("  LOG_LEVEL: INFO\n", "  LOG_LEVEL: DEBUG\n")
    theirs = base.replace("  LOG_LEVEL: INFO\n", "  LOG_LEVEL: WARNING\n")
    merged = merge(base, ours, theirs)
    assert len(merged.conflicts) == 1
    conflict = merged.conflicts[0]
    line = base.splitlines().index("  LOG_LEVEL: INFO") + 1
    key = "doc:v1/ConfigMap/learnflow/debug-env/key:data/key:LOG_LEVEL"
    assert (conflict.line, conflict.key) == (line, key)


def test_a_result_that_does_not_load_is_a_conflict() -> None:
    base = "a: 1\n"
    ours = "a: 1\nb: [1,\n"  # the owner's file is broken already
    theirs = "a: 1\nc: 2\n"
    merged = merge(base, ours, theirs)
    assert [c.reason for c in merged.conflicts][0].startswith("the merged YAML does not load")


def test_synth_s_part_after_an_owner_s_broken_block_is_a_conflict() -> None:
    base = "a:\n  - x\nb: 1\n"
    ours = "a:\n  - x\n  # owner: more below\n   y\nb: 1\n"  # y no longer continues x
    theirs = "a:\n  - x\n  - z\nb: 1\n"
    merged = merge(base, ours, theirs)
    assert merged.text == ours
    assert [c.key for c in merged.conflicts] != []


def yaml_data(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


_OWNER_NOTE = "# owner: note {}"


def boundaries(units: tuple[Unit, ...], offset: int = 0) -> list[tuple[int, str]]:
    """(char offset, indentation) where a unit starts on a line of its own: where an owner
    can put a comment line without changing any value."""
    found: list[tuple[int, str]] = []
    for unit in units:
        text = unit.text
        found.append((offset, text[: len(text) - len(text.lstrip(" "))]))
        if unit.children is not None:
            inner = offset + len(unit.head)
            for child in unit.children:
                if unit.head.endswith("\n") or child is not unit.children[0]:
                    found.extend(boundaries((child,), inner))
                inner += len(child.text)
        offset += len(text)
    return found


def leaves(units: tuple[Unit, ...], offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) char offsets of the leaf units that start on a line of their own."""
    found: list[tuple[int, int]] = []
    for unit in units:
        if unit.children is None:
            found.append((offset, offset + len(unit.text)))
        else:
            found.extend(leaves(unit.children, offset + len(unit.head)))
        offset += len(unit.text)
    return found


@st.composite
def owner_edits(draw: st.DrawFn, text: str) -> tuple[str, list[str]]:
    """`text` with comment lines inserted and leaf keys deleted; and the inserted lines."""
    units = split_yaml(text)
    cuts = draw(st.lists(st.sampled_from(leaves(units)), max_size=3, unique=True))
    spots = draw(st.lists(st.sampled_from(boundaries(units)), max_size=4, unique=True))
    edits: list[tuple[int, int, str]] = [(start, end, "") for start, end in cuts]
    notes = []
    for number, (offset, indent) in enumerate(spots):
        note = indent + _OWNER_NOTE.format(number)
        notes.append(note)
        edits.append((offset, offset, note + "\n"))
    edited = text
    for start, end, insert in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        if any(s < start < e or s < end < e for s, e in cuts if (s, e) != (start, end)):
            continue
        edited = edited[:start] + insert + edited[end:]
    return edited, [note for note in notes if note in edited]


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_random_owner_comments_and_deletions_survive_any_synth_change(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(["k8s/base/deployment.yaml", "k8s/base/configmap.yaml"]))
    base = with_agent(path)
    edited, notes = data.draw(owner_edits(base))
    assert clean(base, edited, base) == edited
    merged = merge(base, edited, without_agent(path))
    if not merged.conflicts:
        for note in notes:
            assert note + "\n" in merged.text


def test_synth_s_new_parts_follow_the_owner_s_indentation() -> None:
    base = with_agent("k8s/base/deployment.yaml")
    start = base.index("            - name: OPENAI_API_KEY\n")
    synth_env = base[start : base.index("          resources:\n", start)]
    owner_env = "".join(row[2:] + "\n" for row in synth_env.splitlines())  # a formatter's style
    ours = base.replace(synth_env, owner_env)
    new_var = "            - name: REDIS_PASSWORD\n              value: ''\n"
    theirs = base.replace(synth_env, synth_env + new_var)  # a newer synth adds a variable
    merged = clean(base, ours, theirs)
    assert merged == ours.replace(
        owner_env, owner_env + "".join(row[2:] + "\n" for row in new_var.splitlines())
    )
    assert yaml_data(merged) == yaml_data(theirs)


def test_a_new_list_entry_in_an_owner_s_less_indented_list() -> None:
    base = "resources:\n  - a.yaml\nimages: []\n"
    ours = "resources:\n- a.yaml\nimages: []\n"
    theirs = "resources:\n  - a.yaml\n  - b.yaml\nimages: []\n"
    assert clean(base, ours, theirs) == "resources:\n- a.yaml\n- b.yaml\nimages: []\n"
