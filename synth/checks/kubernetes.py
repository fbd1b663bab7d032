"""Kubernetes documents against the Kubernetes OpenAPI schema, strictly (unknown fields are errors).

Uses `kubernetes-validate`, which ships the schemas (no network). Kinds it has no schema for
(Dapr, Kustomize, Strimzi) are left to the other checks. An overlay's patch file is partial by
nature, so it is checked as what Kustomize would produce: patched onto its base document.
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Mapping

import kubernetes_validate
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


def find_schema_problem(doc: Mapping[str, object]) -> str | None:
    """The first strict-schema violation of a Kubernetes document, or None."""
    try:
        kubernetes_validate.validate(to_plain(doc), KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return None
    except kubernetes_validate.ValidationError as exc:
        where = ".".join(str(part) for part in exc.absolute_path) or "(document)"
        return f"{where}: {exc.message}"
    return None


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
                    findings.append(
                        Finding(path, "patch matches no base document", _describe(doc))
                    )
                    continue
                subject: Mapping[str, object] = _apply_patch(to_plain(target), to_plain(doc))  # type: ignore[assignment]
            else:
                subject = doc
            problem = find_schema_problem(subject)
            if problem:
                why = f"Kubernetes {KUBERNETES_VERSION} schema, strict: the API server refuses it"
                findings.append(Finding(path, f"{_describe(doc)} {problem}", why))
    return findings


def _find_patched(folder: ServiceFolder, directory: str, patch: Mapping[str, object]) -> CommentedMap | None:
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
