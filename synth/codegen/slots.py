"""Filling a parsed template statement's slots by rebuilding only the nodes above them.

`libcst.helpers.parse_template_statement` parses a template's text each time it fills it, then
walks the whole tree twice (a transform that puts the replacements in, a check that none is
left). synth parses each template statement once per process, with each `{slot}` a Name, and
records where its slots are; filling one rebuilds the path from the statement down to each
slot and nothing else. The replacements, and where they may go, are libcst's:

- an expression, for a slot Name anywhere (`leave_Name`);
- a `Parameters`, for a parameter list that is one slot and nothing else (`leave_Parameters`);
- a statement, for a line that is one slot and nothing else (`leave_SimpleStatementLine`);

each a `deep_clone`, as libcst places them. A slot given a node of another kind is left to
libcst's own function (`fill` returns None). tests/codegen/test_slots.py holds every fill of
every generated service and golden case equal to `parse_template_statement`'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Literal

import libcst as cst

__all__ = ["SlotSite", "child_fields", "fill", "slot_sites"]

Kind = Literal["expression", "parameters", "statement"]
Step = tuple[str, int | None]  # a field of a node, and the index into it when it is a sequence


@dataclasses.dataclass(frozen=True)
class SlotSite:
    """Where one slot sits: the steps from the statement down to the node a fill replaces."""

    name: str
    kind: Kind
    path: tuple[Step, ...]


# fields that only ever hold whitespace, comments or punctuation: no Name, no statement
_TRIVIA_FIELDS = frozenset(
    {
        "leading_lines",
        "lines_after_decorators",
        "lpar",
        "rpar",
        "header",
        "footer",
        "trailing_whitespace",
        "newline",
        "semicolon",
        "comma",
        "colon",
        "equal",
        "operator",
        "dot",
        "asynchronous",
    }
)


@cache
def child_fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    """The fields of a node kind that may hold a Name or a statement (not trivia)."""
    return tuple(
        f.name
        for f in dataclasses.fields(kind)
        if f.name not in _TRIVIA_FIELDS and not f.name.startswith("whitespace")
    )


def slot_sites(statement: cst.CSTNode, slot_of: Mapping[str, str]) -> tuple[SlotSite, ...]:
    """Every slot in `statement`; `slot_of` maps a slot's placeholder Name to the slot."""
    return tuple(_sites(statement, slot_of, ()))


def _sites(
    node: cst.CSTNode, slot_of: Mapping[str, str], path: tuple[Step, ...]
) -> Iterator[SlotSite]:
    if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
        slot = _slot_name(node.body[0], slot_of)
        if slot is not None:
            yield SlotSite(slot, "statement", path)
            return
    if isinstance(node, cst.Parameters) and _lone_param(node):
        slot = slot_of.get(node.params[0].name.value)
        if slot is not None:
            yield SlotSite(slot, "parameters", path)
            return
    if isinstance(node, cst.Name):
        slot = slot_of.get(node.value)
        if slot is not None:
            yield SlotSite(slot, "expression", path)
        return
    for name in child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield from _sites(value, slot_of, (*path, (name, None)))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if isinstance(item, cst.CSTNode):
                    yield from _sites(item, slot_of, (*path, (name, index)))


def _slot_name(small: cst.BaseSmallStatement, slot_of: Mapping[str, str]) -> str | None:
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Name):
        return slot_of.get(small.value.value)
    return None


def _lone_param(node: cst.Parameters) -> bool:
    return (
        len(node.params) == 1
        and node.star_arg == cst.MaybeSentinel.DEFAULT
        and not node.kwonly_params
        and node.star_kwarg is None
        and not node.posonly_params
        and node.posonly_ind == cst.MaybeSentinel.DEFAULT
    )


_ACCEPTS: dict[Kind, type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]] = {
    "expression": cst.BaseExpression,
    "parameters": cst.Parameters,
    "statement": cst.BaseStatement,
}


def fill(
    statement: cst.CSTNode,
    sites: tuple[SlotSite, ...],
    replacements: Mapping[str, cst.CSTNode],
) -> cst.CSTNode | None:
    """`statement` with each site's replacement in it, or None when a replacement is not of
    the kind its site takes, a slot has none, or one has no site (a slot written inside a
    string, say: libcst's function is the judge of those)."""
    if set(replacements) != {site.name for site in sites}:
        return None
    placed: list[tuple[tuple[Step, ...], cst.CSTNode]] = []
    for site in sites:
        value = replacements.get(site.name)
        if value is None or not isinstance(value, _ACCEPTS[site.kind]):
            return None
        placed.append((site.path, value.deep_clone()))
    return _rebuilt(statement, placed)


def _rebuilt(node: cst.CSTNode, placed: list[tuple[tuple[Step, ...], cst.CSTNode]]) -> cst.CSTNode:
    for path, value in placed:
        if not path:
            return value
    by_field: dict[str, list[tuple[int | None, tuple[Step, ...], cst.CSTNode]]] = {}
    for path, value in placed:
        (field, index), rest = path[0], path[1:]
        by_field.setdefault(field, []).append((index, rest, value))
    changes: dict[str, object] = {}
    for field, below in by_field.items():
        current = getattr(node, field)
        if below[0][0] is None:
            changes[field] = _rebuilt(current, [(rest, value) for _, rest, value in below])
            continue
        items = list(current)
        for index in {i for i, _, _ in below if i is not None}:
            items[index] = _rebuilt(
                items[index], [(rest, value) for i, rest, value in below if i == index]
            )
        changes[field] = type(current)(items) if isinstance(current, tuple) else items
    return node.with_changes(**changes)
