"""Dapr documents against the Dapr CRD schemas shipped in `synth/data/dapr-crds/`, plus what
each component type needs at init (contract section 8).

The CRDs' `openAPIV3Schema` is checked with `jsonschema` (the Strimzi CRDs in
`synth/data/strimzi-crds/` load the same way). Kubernetes prunes unknown fields of a custom
resource silently, so a typo such as `spec.metdata` would vanish on apply: the schemas are made
strict here (objects with declared properties accept no others) to report it instead. A
Component's `type`/`version` must be one components-contrib describes (a `metadata.yaml` there;
the list is `synth/data/dapr-components/component-types.tsv`): a misspelt type is otherwise only
found when daprd fails to load it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from importlib import resources

import jsonschema
from ruamel.yaml import YAML

from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder
from synth.manifests.yaml_docs import to_plain

__all__ = [
    "REQUIRED_METADATA",
    "check_dapr",
    "find_crd_problem",
    "known_component_types",
    "load_crd_schemas",
]

DAPR_GROUP = "dapr.io"
CRD_FOLDERS = ("dapr-crds", "strimzi-crds")
PRESERVE = "x-kubernetes-preserve-unknown-fields"

# component type -> metadata names it cannot start without (contract C-10..C-13)
REQUIRED_METADATA: dict[str, tuple[str, ...]] = {
    "state.redis": ("redisHost",),
    "pubsub.redis": ("redisHost",),
    "pubsub.kafka": ("brokers", "authType"),
}
KAFKA_PASSWORD_AUTH = ("saslUsername", "saslPassword", "saslMechanism")
POSTGRES_CONNECTION = ("connectionString", "host", "hostaddr")


def _strict(schema: object) -> object:
    if isinstance(schema, dict):
        strict = {key: _strict(value) for key, value in schema.items()}
        if (
            isinstance(strict.get("properties"), dict)
            and "additionalProperties" not in strict
            and not strict.get(PRESERVE)
        ):
            strict["additionalProperties"] = False
        return strict
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@cache
def load_crd_schemas() -> dict[tuple[str, str], dict[str, object]]:
    """(apiVersion, kind) -> strict openAPIV3Schema, for every CRD version shipped."""
    schemas: dict[tuple[str, str], dict[str, object]] = {}
    for name in CRD_FOLDERS:
        folder = resources.files("synth").joinpath("data", name)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".yaml"):
                continue
            crd = YAML(typ="safe", pure=True).load(entry.read_text(encoding="utf-8"))
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if not version.get("served", True):
                    continue
                schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                schemas[(f"{group}/{version['name']}", kind)] = _strict(schema)  # type: ignore[assignment]
    return schemas


@cache
def known_component_types() -> frozenset[tuple[str, str]]:
    """(type, version) of every component components-contrib describes."""
    table = resources.files("synth").joinpath("data", "dapr-components", "component-types.tsv")
    rows = table.read_text(encoding="utf-8").splitlines()[1:]
    return frozenset((row.split("\t")[0], row.split("\t")[1]) for row in rows if row)


def find_crd_problem(doc: Mapping[str, object]) -> str | None:
    """The first CRD-schema violation of a Dapr document, or None (also None if no CRD)."""
    schema = load_crd_schemas().get((str(doc.get("apiVersion")), str(doc.get("kind"))))
    if schema is None:
        return None
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(to_plain(doc)), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    first = errors[0]
    where = ".".join(str(part) for part in first.absolute_path) or "(document)"
    return f"{where}: {first.message}"


def _metadata_names(doc: Mapping[str, object]) -> dict[str, Mapping[str, object]]:
    spec = doc.get("spec")
    items = spec.get("metadata") if isinstance(spec, Mapping) else None
    if not isinstance(items, list):
        return {}
    return {str(i.get("name")): i for i in items if isinstance(i, Mapping)}


def _component_problems(doc: Mapping[str, object]) -> list[tuple[str, str]]:
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        return [("spec missing", "a Component needs spec.type, spec.version and spec.metadata")]
    problems: list[tuple[str, str]] = []
    if not isinstance(spec.get("metadata"), list):
        problems.append(("spec.metadata missing", "the CRD requires it, even as an empty list"))
    component_type = str(spec.get("type", ""))
    version = str(spec.get("version", ""))
    if (component_type, version) not in known_component_types():
        known = sorted(v for t, v in known_component_types() if t == component_type)
        hint = f"it has {', '.join(known)}" if known else "no such type"
        problems.append(
            (f"type {component_type} {version} is not a Dapr component", f"{hint}; daprd fails")
        )
    items = _metadata_names(doc)
    needed = list(REQUIRED_METADATA.get(component_type, ()))
    if component_type == "pubsub.kafka" and _value(items.get("authType")) == "password":
        needed.extend(KAFKA_PASSWORD_AUTH)
    for name in needed:
        if name not in items:
            problems.append((f"{component_type} lacks metadata `{name}`", "daprd fails to init it"))
    if component_type.startswith("state.postgresql") and not any(
        name in items for name in POSTGRES_CONNECTION
    ):
        problems.append(
            (f"{component_type} lacks `connectionString` (or host)", "daprd cannot connect")
        )
    uses_secrets = any("secretKeyRef" in item for item in items.values())
    auth = doc.get("auth")
    if uses_secrets and not (isinstance(auth, Mapping) and auth.get("secretStore")):
        problems.append(
            ("secretKeyRef without auth.secretStore", "self-hosted daprd cannot resolve it")
        )
    return problems


def _value(item: Mapping[str, object] | None) -> str | None:
    return None if item is None or "value" not in item else str(item["value"])


def check_dapr(folder: ServiceFolder) -> list[Finding]:
    """CRD-schema and component-metadata findings for every Dapr document of the service."""
    findings: list[Finding] = []
    for path, docs in sorted(folder.documents.items()):
        for doc in docs:
            if not str(doc.get("apiVersion", "")).startswith(DAPR_GROUP + "/"):
                continue
            label = f"{doc.get('kind')}/{_name(doc)}"
            problem = find_crd_problem(doc)
            if problem:
                findings.append(Finding(path, f"{label} {problem}", "Dapr CRD schema"))
            if doc.get("kind") == "Component":
                findings.extend(
                    Finding(path, f"{label} {what}", why) for what, why in _component_problems(doc)
                )
    return findings


def _name(doc: Mapping[str, object]) -> str | None:
    metadata = doc.get("metadata")
    return str(metadata.get("name")) if isinstance(metadata, Mapping) else None
