"""Filling template placeholders by path: parse a template once, then splice nodes per call.

libcst's `parse_template_module` parses and walks the whole tree twice on every call; synth
expands the same constant templates hundreds of times per run, so this module parses each
template once (with libcst's own mangling of `{placeholder}` names), records the path from the
module to every placeholder, and per call rebuilds only the nodes along those paths.
The kind of the replacement picks which ancestor it replaces, as libcst's template does:
Parameters, Annotation, Arg, Param, Decorator, an IndentedBlock, a statement, or the name itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from functools import cache

import libcst as cst
from libcst.helpers._template import mangle_template, unmangled_name

__all__ = ["fill_template", "names_in", "statement_names"]

_CONFIG = cst.PartialParserConfig(python_version="3.11")
Step = tuple[str, int | None]
Path = tuple[Step, ...]

_ANCESTOR_KINDS: tuple[type[cst.CSTNode], ...] = (
    cst.Parameters,
    cst.Annotation,
    cst.Arg,
    cst.Param,
    cst.Decorator,
    cst.IndentedBlock,
    cst.SimpleStatementLine,
)


@cache
def _fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def _children(node: cst.CSTNode) -> Iterator[tuple[Step, cst.CSTNode]]:
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield (name, None), value
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if isinstance(item, cst.CSTNode):
                    yield (name, index), item


def names_in(node: cst.CSTNode) -> set[str]:
    """Every `Name` value inside `node` (a read-only walk; nothing is rebuilt)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found.add(current.value)
        stack.extend(child for _, child in _children(current))
    return found


@cache
def _parsed(
    template: str, names: frozenset[str]
) -> tuple[cst.Module, tuple[tuple[str, Path], ...]]:
    module = cst.parse_module(mangle_template(template, set(names)), _CONFIG)
    found: list[tuple[str, Path]] = []
    stack: list[tuple[cst.CSTNode, Path]] = [(module, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, cst.Name):
            original = unmangled_name(node.value)
            if original is not None and original in names:
                found.append((original, path))
        stack.extend((child, (*path, step)) for step, child in _children(node))
    return module, tuple(found)


def _target_depth(module: cst.Module, path: Path, replacement: cst.CSTNode) -> int:
    """How many steps of `path` lead to the node `replacement` takes the place of."""
    wanted = next((kind for kind in _ANCESTOR_KINDS if isinstance(replacement, kind)), None)
    if wanted is None and isinstance(replacement, cst.BaseStatement):
        wanted = cst.SimpleStatementLine
    if wanted is None:
        return len(path)
    node: cst.CSTNode = module
    deepest = len(path)
    for depth, (name, index) in enumerate(path):
        node = getattr(node, name) if index is None else getattr(node, name)[index]
        if isinstance(node, wanted):
            deepest = depth + 1
    return deepest


def _splice(node: cst.CSTNode, edits: list[tuple[Path, cst.CSTNode]]) -> cst.CSTNode:
    for path, replacement in edits:
        if not path:
            return replacement
    grouped: dict[Step, list[tuple[Path, cst.CSTNode]]] = {}
    for path, replacement in edits:
        grouped.setdefault(path[0], []).append((path[1:], replacement))
    changes: dict[str, object] = {}
    for (name, index), inner in grouped.items():
        current = changes.get(name, getattr(node, name))
        if index is None:
            assert isinstance(current, cst.CSTNode)
            changes[name] = _splice(current, inner)
        else:
            items = list(current)  # type: ignore[call-overload]
            items[index] = _splice(items[index], inner)
            changes[name] = (
                type(getattr(node, name))(items)
                if isinstance(getattr(node, name), tuple)
                else items
            )
    return node.with_changes(**changes)


def fill_template(template: str, replacements: Mapping[str, cst.CSTNode]) -> cst.Module:
    """The template with every placeholder replaced; refuses unknown or unused placeholders."""
    module, occurrences = _parsed(template, frozenset(replacements))
    used = {name for name, _ in occurrences}
    missing = set(replacements) - used
    if missing:
        raise ValueError(f"template has no placeholder for: {', '.join(sorted(missing))}")
    edits = [
        (path[: _target_depth(module, path, replacements[name])], replacements[name])
        for name, path in occurrences
    ]
    filled = _splice(module, edits)
    assert isinstance(filled, cst.Module)
    return filled


@cache
def _static_names(template: str, names: frozenset[str]) -> tuple[frozenset[str], ...]:
    """Per top-level statement of the template: the names it uses outside its placeholders."""
    module, _ = _parsed(template, names)
    out = []
    for stmt in module.body:
        found = {n for n in names_in(stmt) if unmangled_name(n) is None}
        out.append(frozenset(found))
    return tuple(out)


def statement_names(template: str, replacements: Mapping[str, cst.CSTNode]) -> list[set[str]]:
    """For each top-level statement of the filled template, every name it uses."""
    key = frozenset(replacements)
    _, occurrences = _parsed(template, key)
    found = [set(names) for names in _static_names(template, key)]
    seen: set[tuple[int, str]] = set()
    for name, path in occurrences:
        index = path[0][1]
        if index is None or (index, name) in seen:
            continue
        seen.add((index, name))
        found[index] |= names_in(replacements[name])
    return found
