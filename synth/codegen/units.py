"""Units: top-level (or class-level) statements with a stable identity, inserted idempotently.

An identity says what a statement *is*, independent of its body:

    ("docstring",)                     the module docstring
    ("def", name) / ("class", name)    a function or class by name
    ("route", "GET", "/health")        a function decorated with @<router>.get("/health")
    ("assign", name)                   `name = ...` or `name: T = ...`
    ("expr", source)                   a bare expression statement, by its source text

`ensure_units` looks first and builds only what is missing: each missing unit goes right after
the nearest unit that precedes it in the canonical list and already exists in the module (or
after the import block), so the result does not depend on the order features were added in.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from synth.codegen.imports import ImportRequest, import_block_end
from synth.codegen.source_statement import SourceStatement, is_block, parsed_statement
from synth.errors import AnchorError

__all__ = [
    "Identity",
    "Unit",
    "UnitDrift",
    "ensure_units",
    "find_unit",
    "identity_of",
    "statements",
]

Identity = tuple[str, ...]
Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
_ROUTE_VERBS = frozenset({"get", "post", "put", "delete", "patch", "head", "options"})
_EMPTY = cst.Module(body=[])


@dataclass(frozen=True)
class Unit:
    """One generated statement, where it lives, and what it needs imported."""

    node: Statement
    imports: tuple[ImportRequest, ...] = ()
    container: str | None = None
    identity: Identity = field(default=())
    anchor: Identity | None = None
    # True: this unit stands in for the one of the same identity that a feature this one's
    # feature requires contributes (the agent's handler for its request topic, say)
    replaces: bool = False

    def __post_init__(self) -> None:
        if not self.identity:
            found = identity_of(self.node)
            if found is None:
                raise ValueError(f"statement has no identity: {_EMPTY.code_for_node(self.node)!r}")
            object.__setattr__(self, "identity", found)


@dataclass(frozen=True)
class UnitDrift:
    """A unit that exists with the generated identity but a different body (owner-edited)."""

    identity: Identity
    container: str | None


def _route_identity(node: cst.FunctionDef) -> Identity | None:
    for decorator in node.decorators:
        call = decorator.decorator
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)):
            continue
        verb = call.func.attr.value
        if verb not in _ROUTE_VERBS or not call.args:
            continue
        first = call.args[0].value
        if isinstance(first, cst.SimpleString):
            path = first.evaluated_value
            if isinstance(path, str):
                return ("route", verb.upper(), path)
    return None


def identity_of(stmt: cst.BaseStatement) -> Identity | None:
    """The identity of a statement, or None for statements synth never owns (imports, ifs...)."""
    if isinstance(stmt, SourceStatement):
        return stmt.identity
    if isinstance(stmt, cst.FunctionDef):
        return _route_identity(stmt) or ("def", stmt.name.value)
    if isinstance(stmt, cst.ClassDef):
        return ("class", stmt.name.value)
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name):
                return ("assign", target.value)
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            return ("assign", small.target.value)
        if isinstance(small, cst.Expr):
            if isinstance(small.value, cst.SimpleString | cst.ConcatenatedString):
                return ("docstring",)
            return ("expr", _EMPTY.code_for_node(small.value))
    return None


def statements(body: Sequence[cst.BaseStatement]) -> list[Statement]:
    """A block's statements, typed as what they always are (simple lines or compound)."""
    return [
        stmt
        for stmt in body
        if isinstance(stmt, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    ]


def _class_named(stmt: cst.BaseStatement, name: str) -> cst.ClassDef | None:
    """`stmt` as a tree when it is class `name` with an indented body (held as text or not)."""
    if isinstance(stmt, SourceStatement) and stmt.identity == ("class", name):
        stmt = parsed_statement(stmt)
    if (
        isinstance(stmt, cst.ClassDef)
        and stmt.name.value == name
        and isinstance(stmt.body, cst.IndentedBlock)
    ):
        return stmt
    return None


def _body_of(module: cst.Module, container: str | None) -> Sequence[Statement] | None:
    if container is None:
        return module.body
    for stmt in module.body:
        found = _class_named(stmt, container)
        if found is not None:
            return statements(cst.ensure_type(found.body, cst.IndentedBlock).body)
    return None


def find_unit(
    module: cst.Module, identity: Identity, container: str | None = None
) -> Statement | None:
    """The statement with `identity` in the module (or in class `container`), or None."""
    body = _body_of(module, container)
    if body is None:
        return None
    for stmt in body:
        if identity_of(stmt) == identity:
            return stmt
    return None


def _normalized(node: cst.BaseStatement) -> str:
    """The statement's meaning: its AST, so comments and layout are not edits."""
    code = textwrap.dedent(_EMPTY.code_for_node(node.with_changes(leading_lines=[])))
    return ast.dump(ast.parse(code))


def _spaced(unit: Unit, after: Statement | None) -> Statement:
    """Blank lines before an inserted unit: black's layout for what it follows and what it is."""
    node = unit.node
    comments = [line for line in node.leading_lines if line.comment is not None]
    if unit.container is not None:
        blank = 1 if is_block(node) and after else 0
    elif after is None:
        blank = 0
    elif is_block(node) or is_block(after):
        blank = 2
    elif identity_of(after) == ("docstring",):
        blank = 1
    else:
        same_kind = identity_of(after) is not None and (identity_of(after) or ("",))[0] == (
            unit.identity[0]
        )
        blank = 0 if same_kind and unit.identity[0] == "expr" else 1
    return node.with_changes(leading_lines=[*([cst.EmptyLine()] * blank), *comments])


def ensure_units(
    module: cst.Module, units: Sequence[Unit]
) -> tuple[cst.Module, list[Identity], list[UnitDrift]]:
    """Insert the missing `units` (given in canonical order); report what was added and drifted.

    Units of one container are placed relative to each other; class-level units need their class
    to exist (it is itself a unit listed earlier).
    """
    added: list[Identity] = []
    drifts: list[UnitDrift] = []
    for index, unit in enumerate(units):
        existing = find_unit(module, unit.identity, unit.container)
        if existing is not None:
            if unit.identity != ("docstring",) and _normalized(existing) != _normalized(unit.node):
                drifts.append(UnitDrift(unit.identity, unit.container))
            continue
        if unit.anchor is not None and find_unit(module, unit.anchor) is None:
            raise AnchorError(
                f"cannot add {' '.join(unit.identity[1:])}: its anchor "
                f"`{' '.join(unit.anchor[1:])}` is missing; restore it, then retry"
            )
        predecessors = [u.identity for u in units[:index] if u.container == unit.container]
        module = _insert(module, unit, predecessors)
        added.append(unit.identity)
    return module, added, drifts


def _insert(module: cst.Module, unit: Unit, predecessors: list[Identity]) -> cst.Module:
    if unit.container is None:
        body = list(module.body)
        position = _position(body, predecessors, default=_default_position(module, unit))
        if unit.identity != ("docstring",):
            position = max(position, import_block_end(module))  # code never goes above imports
        after = body[position - 1] if position > 0 else None
        body.insert(position, _spaced(unit, after))
        if position + 1 < len(body):
            body[position + 1] = _respace_follower(body[position + 1], body[position])
        return module.with_changes(body=body)
    new_body: list[cst.BaseStatement] = []
    for stmt in module.body:
        found = _class_named(stmt, unit.container)
        if found is not None:
            block = cst.ensure_type(found.body, cst.IndentedBlock)
            inner = statements(block.body)
            position = _position(inner, predecessors, default=len(inner))
            after = inner[position - 1] if position > 0 else None
            inner.insert(position, _spaced(unit, after))
            stmt = found.with_changes(body=block.with_changes(body=inner))
        new_body.append(stmt)
    return module.with_changes(body=new_body)


def _default_position(module: cst.Module, unit: Unit) -> int:
    if unit.identity == ("docstring",):
        return 0
    return import_block_end(module)


def _position(body: Sequence[Statement], predecessors: list[Identity], default: int) -> int:
    for identity in reversed(predecessors):
        for index, stmt in enumerate(body):
            if identity_of(stmt) == identity:
                return index + 1
    return default


def _respace_follower(follower: Statement, inserted: Statement) -> Statement:
    """A def/class next to a def/class is separated by two blank lines (black's rule)."""
    pair = (follower, inserted)
    if any(is_block(n) for n in pair):
        blank = sum(1 for line in follower.leading_lines if line.comment is None)
        if blank < 2:
            comments = [line for line in follower.leading_lines if line.comment is not None]
            return follower.with_changes(
                leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *comments]
            )
    return follower
