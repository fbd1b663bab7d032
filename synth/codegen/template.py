"""Constant code templates with node placeholders, split into scheduled imports and units.

A template is constant source text owned by a feature module; `{placeholder}` slots are filled
with nodes (libcst refuses a template with an unfilled or unknown placeholder), so no user value
ever passes through text. The template's import lines become ImportRequests for the one imports
pass; every other top-level statement becomes a Unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import libcst as cst
from libcst.helpers import parse_template_module

from synth.codegen.imports import ImportRequest, dotted_name
from synth.codegen.units import Statement, Unit

__all__ = [
    "TemplateUnits",
    "build_template_units",
    "expand_template",
    "imports_of",
    "names_in",
    "used_imports",
]

_CONFIG = cst.PartialParserConfig(python_version="3.11")


class TemplateUnits:
    """The imports and units of one expanded template."""

    def __init__(self, imports: tuple[ImportRequest, ...], units: tuple[Unit, ...]) -> None:
        self.imports = imports
        self.units = units


def imports_of(stmt: cst.BaseStatement) -> tuple[ImportRequest, ...] | None:
    """The ImportRequests an import statement stands for, or None if it is not an import."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        return tuple(ImportRequest(dotted_name(alias.name)) for alias in small.names)
    if isinstance(small, cst.ImportFrom) and small.module is not None:
        if isinstance(small.names, cst.ImportStar):
            raise ValueError("templates do not use star imports")
        module = dotted_name(small.module)
        return tuple(
            ImportRequest(module, alias.name.value)
            for alias in small.names
            if isinstance(alias.name, cst.Name)
        )
    return None


def build_template_units(
    template: str, *, container: str | None = None, **replacements: cst.CSTNode
) -> TemplateUnits:
    """`expand_template` with the replacements as keyword arguments."""
    return expand_template(template, replacements, container=container)


def expand_template(
    template: str, replacements: Mapping[str, cst.CSTNode], *, container: str | None = None
) -> TemplateUnits:
    """Expand `template` with node `replacements` and split it into imports and units.

    Each unit carries the template imports it uses, so a unit inserted on its own (by
    add-feature) brings exactly what it needs.
    """
    module = parse_template_module(template, _CONFIG, **cast(Mapping[str, Any], replacements))
    imports: list[ImportRequest] = []
    kept: list[Statement] = []
    for stmt in module.body:
        found = imports_of(stmt)
        if found is not None:
            imports.extend(found)
        else:
            kept.append(stmt)
    units = tuple(Unit(stmt, used_imports(stmt, imports), container) for stmt in kept)
    return TemplateUnits(tuple(imports), units)


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:  # noqa: N802 - libcst visitor protocol
        self.found.add(node.value)


def names_in(node: cst.CSTNode) -> set[str]:
    """Every `Name` value inside `node`."""
    visitor = _Names()
    node.visit(visitor)
    return visitor.found


def used_imports(node: cst.CSTNode, imports: Sequence[ImportRequest]) -> tuple[ImportRequest, ...]:
    """The subset of `imports` a statement refers to by name (`__future__` always)."""
    names = names_in(node)
    used = []
    for request in imports:
        if (
            request.module == "__future__"
            or (request.name is None and request.module.split(".")[0] in names)
            or (request.name is not None and request.name in names)
        ):
            used.append(request)
    return tuple(used)
