"""Constant code templates with node placeholders, split into scheduled imports and units.

A template is constant source text owned by a feature module; `{placeholder}` slots are filled
with nodes (libcst refuses a template with an unfilled or unknown placeholder), so no user value
ever passes through text. The template's import lines become ImportRequests for the one imports
pass; every other top-level statement becomes a Unit.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from synth.codegen._fastfill import fill_template, statement_names
from synth.codegen.imports import ImportRequest, dotted_name
from synth.codegen.units import Statement, Unit

__all__ = ["TemplateUnits", "build_template_units", "expand_template", "imports_of"]

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
    module = fill_template(template, replacements)
    used_names = statement_names(template, replacements)
    imports: list[ImportRequest] = []
    found_units: list[tuple[Statement, set[str]]] = []
    for stmt, names in zip(module.body, used_names, strict=True):
        found = imports_of(stmt)
        if found is not None:
            imports.extend(found)
        else:
            found_units.append((stmt, names))
    units = tuple(
        Unit(stmt, _used_imports(names, imports), container) for stmt, names in found_units
    )
    return TemplateUnits(tuple(imports), units)


def _used_imports(names: set[str], imports: list[ImportRequest]) -> tuple[ImportRequest, ...]:
    """The subset of `imports` a statement using `names` refers to (`__future__` always)."""
    used = []
    for request in imports:
        if (
            request.module == "__future__"
            or (request.name is None and request.module.split(".")[0] in names)
            or (request.name is not None and request.name in names)
        ):
            used.append(request)
    return tuple(used)
