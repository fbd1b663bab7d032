"""Kubernetes documents against the Kubernetes OpenAPI schema, strictly (unknown fields are errors).

Uses the schemas `kubernetes-validate` ships (no network), loaded once per process. Kinds it
has no schema for (Dapr, Kustomize, Strimzi) are left to the other checks. An overlay's patch
file is partial by nature, so it is checked as what Kustomize would produce: patched onto its
base document.
"""

from __future__ import annotations

import copy
import json
import posixpath
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from ruamel.yaml.comments import CommentedMap

from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder
from synth.manifests.yaml_docs import to_plain

__all__ = ["KUBERNETES_VERSION", "check_kubernetes", "find_schema_problem"]

KUBERNETES_VERSION = "1.33"
NOT_KUBERNETES = ("dapr.io", "kustomize.config.k8s.io", "kafka.strimzi.io")


def _is_kubernetes(doc: Mapping[str, object]) -> bool:
    api = str(doc.get("apiVersion", ""))
    return bool(api) and not any(api.split("/")[0].endswith(group) for group in NOT_KUBERNETES)


@cache
def _schema_folder() -> Traversable:
    return resources.files("kubernetes_validate").joinpath(
        "kubernetes-json-schema", f"v{KUBERNETES_VERSION}.0-local-strict"
    )


@cache
def _registry() -> Registry:
    definitions = json.loads(_schema_folder().joinpath("_definitions.json").read_text())
    return Resource.from_contents(definitions, default_specification=DRAFT202012) @ Registry()


@cache
def _validator(api_version: str, kind: str) -> Draft202012Validator | None:
    # the file naming of kubernetes-validate: rbac.authorization.k8s.io/v1 -> rbac-v1
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    entry = _schema_folder().joinpath(f"{kind.lower()}-{api}.json")
    if not entry.is_file():
        return None
    schema = json.loads(entry.read_text())
    return Draft202012Validator(schema, registry=_registry())


def find_schema_problem(doc: Mapping[str, object]) -> str | None:
    """The first strict-schema violation of a Kubernetes document, or None (None also when the
    kind has no Kubernetes schema). Same schemas and rules as `kubernetes-validate --strict`,
    with the 1.4 MB definitions file loaded once per process."""
    validator = _validator(str(doc.get("apiVersion", "")), str(doc.get("kind", "")))
    if validator is None:
        return None
    error = best_match(validator.iter_errors(to_plain(doc)))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path) or "(document)"
    return f"{where}: {error.message}"


def _patch_paths(folder: ServiceFolder) -> dict[str, str]:
    """patch file -> the folder whose kustomization applies it."""
    patches: dict[str, str] = {}
    for path, doc in folder.docs_of_kind("Kustomization"):
        directory = posixpath.dirname(path)
        for patch in doc.get("patches") or []:
            if isinstance(patch, Mapping) and "path" in patch:
                patches[posixpath.normpath(posixpath.join(directory, str(patch["path"])))] = (
                    directory
                )
    return patches


def _base_documents(folder: ServiceFolder, directory: str) -> list[CommentedMap]:
    """The documents a kustomization folder's `resources` bring in (one level of bases)."""
    found: list[CommentedMap] = []
    for _path, doc in folder.docs_of_kind("Kustomization"):
        if posixpath.dirname(_path) != directory:
            continue
        for resource in doc.get("resources") or []:
            target = posixpath.normpath(posixpath.join(directory, str(resource)))
            for path, docs in folder.documents.items():
                if path == target or posixpath.dirname(path) == target:
                    found.extend(d for d in docs if d.get("kind") != "Kustomization")
    return found


def _apply_patch(base: object, patch: object) -> object:
    """Strategic-merge approximation: maps merge, lists of named maps merge by name."""
    if isinstance(base, Mapping) and isinstance(patch, Mapping):
        merged = {str(k): copy.deepcopy(v) for k, v in base.items()}
        for key, value in patch.items():
            merged[str(key)] = _apply_patch(merged[key], value) if key in merged else value
        return merged
    if isinstance(base, list) and isinstance(patch, list):
        merged_list = list(base)
        for item in patch:
            name = item.get("name") if isinstance(item, Mapping) else None
            index = next(
                (
                    i
                    for i, entry in enumerate(merged_list)
                    if name is not None and isinstance(entry, Mapping) and entry.get("name") == name
                ),
                None,
            )
            if index is None:
                merged_list.append(item)
            else:
                merged_list[index] = _apply_patch(merged_list[index], item)
        return merged_list
    return patch


def check_kubernetes(folder: ServiceFolder) -> list[Finding]:
    """Strict schema findings for every Kubernetes document and every overlay patch."""
    findings: list[Finding] = []
    patches = _patch_paths(folder)
    for path, docs in sorted(folder.documents.items()):
        for doc in docs:
            if not _is_kubernetes(doc):
                continue
            if path in patches:
                target = _find_patched(folder, patches[path], doc)
                if target is None:
                    findings.append(Finding(path, "patch matches no base document", _describe(doc)))
                    continue
                subject: Mapping[str, object] = _apply_patch(to_plain(target), to_plain(doc))  # type: ignore[assignment]
            else:
                subject = doc
            problem = find_schema_problem(subject)
            if problem:
                why = f"Kubernetes {KUBERNETES_VERSION} schema, strict: the API server refuses it"
                findings.append(Finding(path, f"{_describe(doc)} {problem}", why))
    return findings


def _find_patched(
    folder: ServiceFolder, directory: str, patch: Mapping[str, object]
) -> CommentedMap | None:
    name = _name(patch)
    for doc in _base_documents(folder, directory):
        if doc.get("kind") == patch.get("kind") and _name(doc) == name:
            return doc
    return None


def _name(doc: Mapping[str, object]) -> str | None:
    metadata = doc.get("metadata")
    return str(metadata.get("name")) if isinstance(metadata, Mapping) else None


def _describe(doc: Mapping[str, object]) -> str:
    return f"{doc.get('kind')}/{_name(doc)}"
