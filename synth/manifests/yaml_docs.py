"""YAML documents as ruamel round-trip data: building, rendering, parsing and merging them.

Every Kubernetes and Dapr document synth writes is a `CommentedMap` built by code. This module
owns the one ruamel configuration used to render and parse them (so a parse of rendered text
renders back to the same bytes) and the upsert-by-identity merge that lets `synth` add what is
missing to a file its owner has edited without touching anything the owner wrote:

    existing (owner's)             generated                    merged
    spec:                          spec:                        spec:
      replicas: 3  # busy            replicas: 1                  replicas: 3  # busy
                                     revisionHistoryLimit: 5      revisionHistoryLimit: 5
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import TypeAlias

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from synth.errors import SourceError

__all__ = [
    "DocumentIdentity",
    "build_map",
    "build_seq",
    "find_document",
    "identity_of",
    "merge_documents",
    "parse_yaml",
    "render_yaml",
    "to_plain",
]

Scalar: TypeAlias = str | int | float | bool | None
DocumentIdentity: TypeAlias = tuple[str | None, str | None, str | None]

# List entries that are mappings are matched by the first of these keys they carry (containers,
# env vars and component metadata by `name`, dapr.yaml apps by `appID`, kustomize patches by
# `path`); other entries are matched by equal value.
_ENTRY_KEYS = ("name", "appID", "appId", "path", "topic", "containerPort")


@cache
def _tag(suffix: str) -> Tag:
    """One Tag per tag string. ruamel makes a new Tag for every node it represents or resolves
    and decodes its suffix character by character at the first comparison: a third of the
    time of a render, spent on the same few strings."""
    return Tag(suffix=suffix)


def _shared(tag: object) -> object:
    if isinstance(tag, str):
        return _tag(tag)
    if type(tag) is Tag and tag.handle is None and isinstance(tag.suffix, str):
        return _tag(tag.suffix)
    return tag  # a tag written with a handle (`!Ref`) stays the parser's own


class _Representer(RoundTripRepresenter):
    """ruamel's round-trip representer, its nodes tagged with the shared Tags."""

    def represent_scalar(
        self, tag: object, value: object, style: object = None, anchor: object = None
    ) -> ScalarNode:
        return super().represent_scalar(_shared(tag), value, style, anchor)

    def represent_sequence(
        self, tag: object, sequence: object, flow_style: object = None
    ) -> SequenceNode:
        return super().represent_sequence(_shared(tag), sequence, flow_style)

    def represent_mapping(
        self, tag: object, mapping: object, flow_style: object = None
    ) -> MappingNode:
        return super().represent_mapping(_shared(tag), mapping, flow_style)


class _Resolver(VersionedResolver):
    """ruamel's resolver, answering with the shared Tags."""

    def resolve(self, kind: object, value: object, implicit: object) -> object:
        return _shared(super().resolve(kind, value, implicit))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.Resolver = _Resolver
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.representer.ignore_aliases = lambda _data: True
    return yaml


def build_map(*pairs: tuple[str, object]) -> CommentedMap:
    """A mapping with keys in the given order (values that are dicts/lists are converted)."""
    result = CommentedMap()
    for key, value in pairs:
        result[key] = _convert(value)
    return result


def build_seq(items: Iterable[object]) -> CommentedSeq:
    """A sequence of the given items (dicts and lists inside are converted)."""
    return CommentedSeq(_convert(item) for item in items)


def _convert(value: object) -> object:
    if isinstance(value, CommentedMap | CommentedSeq):
        return value
    if isinstance(value, Mapping):
        return build_map(*((str(k), v) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return build_seq(value)
    return value


@cache
def _renderer() -> YAML:
    """The one YAML that renders, made once per process (making it is a quarter of a render)."""
    return _yaml()


def render_yaml(docs: Sequence[CommentedMap]) -> str:
    """The documents as YAML text, separated by `---` when there are several."""
    buffer = io.StringIO()
    _renderer().dump_all(list(docs), buffer)
    return buffer.getvalue()


def parse_yaml(text: str, source: str) -> list[CommentedMap]:
    """Round-trip load every document of `text`; `source` names the file in errors."""
    try:
        loaded = list(_yaml().load_all(text))
    except YAMLError as exc:
        mark = exc.problem_mark if isinstance(exc, MarkedYAMLError) else None
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise SourceError(f"{source}{where}: {problem}; fix the YAML syntax") from exc
    docs: list[CommentedMap] = []
    for index, doc in enumerate(loaded):
        if doc is None:
            continue
        if not isinstance(doc, CommentedMap):
            raise SourceError(f"{source}: document {index + 1} is not a mapping")
        docs.append(doc)
    return docs


def identity_of(doc: Mapping[str, object]) -> DocumentIdentity:
    """(apiVersion, kind, metadata.name): what makes two documents the same resource."""
    metadata = doc.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    api, kind = doc.get("apiVersion"), doc.get("kind")
    return (
        str(api) if api is not None else None,
        str(kind) if kind is not None else None,
        str(name) if name is not None else None,
    )


def find_document(docs: Sequence[CommentedMap], kind: str) -> CommentedMap | None:
    """The first document of `kind`, or None."""
    return next((doc for doc in docs if doc.get("kind") == kind), None)


def merge_documents(
    existing: list[CommentedMap], generated: list[CommentedMap]
) -> list[CommentedMap]:
    """Upsert `generated` into `existing` by identity; the owner's keys, values and comments win.

    A generated document with no counterpart is appended; one that exists gets only the keys and
    list entries it lacks. `existing` is not modified: the result is a merged copy.
    """
    merged = copy.deepcopy(existing)
    for doc in generated:
        target = next((d for d in merged if identity_of(d) == identity_of(doc)), None)
        if target is None:
            merged.append(copy.deepcopy(doc))
        else:
            _merge_map(target, doc)
    return merged


def _merge_map(owner: CommentedMap, generated: Mapping[str, object]) -> None:
    for key, value in generated.items():
        if key not in owner:
            owner[key] = copy.deepcopy(value)
            continue
        mine = owner[key]
        if isinstance(mine, CommentedMap) and isinstance(value, Mapping):
            _merge_map(mine, value)
        elif isinstance(mine, CommentedSeq) and isinstance(value, list):
            _merge_seq(mine, value)


def _merge_seq(owner: CommentedSeq, generated: list[object]) -> None:
    for item in generated:
        match = _find_entry(owner, item)
        if match is None:
            owner.append(copy.deepcopy(item))
        elif isinstance(match, CommentedMap) and isinstance(item, Mapping):
            _merge_map(match, item)


def _find_entry(owner: CommentedSeq, item: object) -> object | None:
    if isinstance(item, Mapping):
        for key in _ENTRY_KEYS:
            if key in item:
                for entry in owner:
                    if isinstance(entry, Mapping) and entry.get(key) == item[key]:
                        return entry
                return None
    plain = to_plain(item)
    return next((entry for entry in owner if to_plain(entry) == plain), None)


def to_plain(value: object) -> object:
    """Plain dict/list/str/int/float/bool/None data (ruamel scalar subclasses unwrapped)."""
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)
