"""Constant code templates with node placeholders, split into scheduled imports and units.

A template is constant source text owned by a feature module; `{placeholder}` slots are filled
with nodes (libcst refuses a template with an unfilled or unknown placeholder), so no user value
ever passes through text. The template's import lines become ImportRequests for the one imports
pass; every other top-level statement becomes a Unit.

A template is parsed once per process. Its statements without slots are reused as parsed; each
statement with slots has them filled in that tree (`synth.codegen.slots`, which rebuilds only the
nodes above a slot and is held equal to libcst's own `parse_template_statement` by a test; a
replacement of a kind it does not place goes through libcst's function itself).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence, Set
from functools import cache
from typing import Any, cast

import libcst as cst
from libcst.helpers import parse_template_statement

from synth.codegen.black_layout import TemplateLayout
from synth.codegen.imports import ImportRequest, dotted_name
from synth.codegen.slots import SlotSite, child_fields, fill, slot_sites
from synth.codegen.units import Statement, Unit
from synth.codegen.verbatim import generated_code, mark_verbatim

__all__ = [
    "TemplateUnits",
    "build_template_units",
    "expand_template",
    "imports_of",
    "imports_used_by",
    "names_in",
    "seen_layouts",
    "used_imports",
    "walk",
]

_CONFIG = cst.PartialParserConfig(python_version="3.11")
_EMPTY = cst.Module(body=[])


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
    imports: list[ImportRequest] = []
    kept: list[Statement] = []
    for stmt in _filled(template, replacements):
        found = imports_of(stmt)
        if found is not None:
            imports.extend(found)
        else:
            kept.append(stmt)
    units = tuple(Unit(stmt, used_imports(stmt, imports), container) for stmt in kept)
    return TemplateUnits(tuple(imports), units)


_SLOT = "__synth_slot_{}__"
_SLOT_NAME = re.compile(r"__synth_slot_(\w+?)__")


# a template statement, and if it has slots: its source with `{slots}`, where its slots are,
# and its layout when black's layout of a fill can be known by rule (`black_layout`)
_TemplateStatement = tuple[
    Statement, tuple[str, tuple[SlotSite, ...], TemplateLayout | None] | None
]


@cache
def _statements(template: str, names: frozenset[str]) -> tuple[_TemplateStatement, ...]:
    """The template's top-level statements, parsed once per process, each with its own source
    (`{slots}` in place) and where its slots are when it has slots to fill, else None (it is
    used as it is)."""
    source = template
    for name in names:
        source = source.replace("{" + name + "}", _SLOT.format(name))
    slot_of = {_SLOT.format(name): name for name in names}
    found: list[_TemplateStatement] = []
    for stmt in cst.parse_module(source, _CONFIG).body:
        if not isinstance(stmt, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            raise TypeError(f"not a statement: {stmt!r}")
        bare = _EMPTY.code_for_node(stmt.with_changes(leading_lines=[]))
        slotted = _SLOT_NAME.sub(lambda m: "{" + m.group(1) + "}", bare)
        if slotted == bare:
            _mark(stmt, bare)
            found.append((stmt, None))
        else:
            layout = TemplateLayout.of(bare, slot_of)
            found.append((stmt, (slotted, slot_sites(stmt, slot_of), layout)))
            if layout is not None:
                _LAYOUTS.append(layout)
    return tuple(found)


def _mark(stmt: cst.BaseStatement, code: str) -> None:
    """Mark `stmt` as black's output already, `code` its code; and each method of it, when it
    is a class, with its own lines of `code` (at the depth it has in the class): a class that
    gets more members later (an invoked app's client), or a template class that only holds a
    method for another (a holder), keeps its methods out of black."""
    mark_verbatim(stmt, code)
    if not isinstance(stmt, cst.ClassDef) or not isinstance(stmt.body, cst.IndentedBlock):
        return
    parsed = ast.parse(code).body[0]
    if not isinstance(parsed, ast.ClassDef) or len(parsed.body) != len(stmt.body.body):
        return
    lines = code.splitlines(keepends=True)
    for read, member in zip(parsed.body, stmt.body.body, strict=True):
        if isinstance(member, cst.FunctionDef) and isinstance(
            read, ast.FunctionDef | ast.AsyncFunctionDef
        ):
            first = min([read.lineno, *(d.lineno for d in read.decorator_list)])
            mark_verbatim(member, "".join(lines[first - 1 : read.end_lineno]))


_LAYOUTS: list[TemplateLayout] = []  # every one made in this process (once per template)


def seen_layouts() -> list[TemplateLayout]:
    """The layout of every slotted statement of every template expanded so far in this
    process that has one (for the tests that hold the layout rule to black)."""
    return list(_LAYOUTS)


def _filled(template: str, replacements: Mapping[str, cst.CSTNode]) -> Iterator[Statement]:
    """The template's statements with the replacements in their slots.

    A statement without slots is reused as parsed; one with slots has its slots filled in the
    tree parsed once (`synth.codegen.slots`), or, for a replacement of a kind that does not
    take, goes through libcst's own `parse_template_statement`, given the replacements it names.
    """
    unused = set(replacements)
    for stmt, slots in _statements(template, frozenset(replacements)):
        if slots is None:
            yield stmt
            continue
        slotted, sites, layout = slots
        wanted = {k: v for k, v in replacements.items() if "{" + k + "}" in slotted}
        unused -= set(wanted)
        filled = fill(stmt, sites, wanted)
        if not isinstance(filled, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            filled = parse_template_statement(slotted, _CONFIG, **cast(Mapping[str, Any], wanted))
        result = filled.with_changes(leading_lines=stmt.leading_lines)
        if layout is not None:
            fills = {_SLOT.format(k): v for k, v in wanted.items()}
            codes = layout.filled(fills)  # (libcst's code, black's), if the rule holds
            if codes is not None and codes[0] == generated_code(result):
                _mark(result, codes[1])
        yield result
    if unused:
        raise ValueError(f"the template has no slot for {', '.join(sorted(unused))}")


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every node inside it that is not trivia (whitespace, comments, punctuation),
    read-only: a plain walk, no visitor, nothing rebuilt. A `Name`'s parentheses are trivia
    too, so the walk ends at each Name."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if type(current) is cst.Name:
            continue
        for name in child_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                stack.append(value)
            elif isinstance(value, list | tuple):
                stack.extend(item for item in value if isinstance(item, cst.CSTNode))


def names_in(node: cst.CSTNode) -> set[str]:
    """Every `Name` value inside `node`."""
    return {n.value for n in walk(node) if type(n) is cst.Name}


def used_imports(node: cst.CSTNode, imports: Sequence[ImportRequest]) -> tuple[ImportRequest, ...]:
    """The subset of `imports` a statement refers to by name (`__future__` always)."""
    return imports_used_by(names_in(node), imports)


def imports_used_by(names: Set[str], imports: Sequence[ImportRequest]) -> tuple[ImportRequest, ...]:
    """The subset of `imports` that code using `names` refers to (`__future__` always)."""
    used = []
    for request in imports:
        if (
            request.module == "__future__"
            or (request.name is None and request.module.split(".")[0] in names)
            or (request.name is not None and request.name in names)
        ):
            used.append(request)
    return tuple(used)
