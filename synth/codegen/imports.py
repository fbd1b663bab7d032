"""Scheduled imports: features ask for imports; one pass adds the missing ones in isort order.

The order is ruff's isort order (sections future / stdlib / third-party / first-party, plain
`import x` before `from x import y` in a section, members by type then name), so a generated
file passes `ruff check --select I` and an import added to an owner's sorted block lands where
isort would have put it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import libcst as cst

from synth.codegen.source_statement import is_block

__all__ = ["ImportRequest", "dotted_name", "ensure_imports", "import_block_end"]

_STDLIB = frozenset(sys.stdlib_module_names)
_SECTION_FUTURE, _SECTION_STDLIB, _SECTION_THIRD, _SECTION_FIRST = range(4)


@dataclass(frozen=True, order=True)
class ImportRequest:
    """`from module import name` (or `import module` when name is None)."""

    module: str
    name: str | None = None


def dotted_name(node: cst.BaseExpression) -> str:
    """`a.b.c` for a Name/Attribute chain."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    raise TypeError(f"not a dotted name: {node!r}")


def _build_dotted(module: str) -> cst.Attribute | cst.Name:
    parts = module.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(node, cst.Name(part))
    return node


def _section(module: str, first_party: frozenset[str]) -> int:
    top = module.split(".")[0]
    if top == "__future__":
        return _SECTION_FUTURE
    if top in first_party:
        return _SECTION_FIRST
    if top in _STDLIB:
        return _SECTION_STDLIB
    return _SECTION_THIRD


def _member_key(name: str) -> tuple[int, str]:
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return (kind, name.lower())


def _statement_key(
    stmt: cst.SimpleStatementLine, first_party: frozenset[str]
) -> tuple[int, int, str] | None:
    if len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        module = dotted_name(small.names[0].name)
        return (_section(module, first_party), 0, module.lower())
    if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
        module = dotted_name(small.module)
        return (_section(module, first_party), 1, module.lower())
    return None


def _is_import(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and any(
        isinstance(small, cst.Import | cst.ImportFrom) for small in stmt.body
    )


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _block_bounds(body: Sequence[cst.BaseStatement]) -> tuple[int, int]:
    start = 1 if body and _is_docstring(body[0]) else 0
    end = start
    while end < len(body) and _is_import(body[end]):
        end += 1
    return start, end


def import_block_end(module: cst.Module) -> int:
    """Index of the first statement after the docstring and the leading import block."""
    return _block_bounds(module.body)[1]


def _has(body: Sequence[cst.BaseStatement], request: ImportRequest) -> bool:
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if (
                request.name is None
                and isinstance(small, cst.Import)
                and any(
                    dotted_name(a.name) == request.module and a.asname is None for a in small.names
                )
            ):
                return True
            if request.name is not None and isinstance(small, cst.ImportFrom):
                if (
                    small.module is None
                    or small.relative
                    or dotted_name(small.module) != request.module
                ):
                    continue
                if isinstance(small.names, cst.ImportStar):
                    return True
                if any(
                    isinstance(a.name, cst.Name)
                    and a.name.value == request.name
                    and a.asname is None
                    for a in small.names
                ):
                    return True
    return False


def _merge_member(stmt: cst.SimpleStatementLine, name: str) -> cst.SimpleStatementLine:
    small = stmt.body[0]
    assert isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar)
    names = [a.name.value for a in small.names if isinstance(a.name, cst.Name)] + [name]
    aliases = [cst.ImportAlias(cst.Name(n)) for n in sorted(set(names), key=_member_key)]
    return stmt.with_changes(body=[small.with_changes(names=aliases, lpar=None, rpar=None)])


def _build_statement(request: ImportRequest) -> cst.SimpleStatementLine:
    if request.name is None:
        return cst.SimpleStatementLine(
            [cst.Import([cst.ImportAlias(_build_dotted(request.module))])]
        )
    return cst.SimpleStatementLine(
        [cst.ImportFrom(_build_dotted(request.module), [cst.ImportAlias(cst.Name(request.name))])]
    )


def ensure_imports(
    module: cst.Module, requests: Iterable[ImportRequest], first_party: Iterable[str]
) -> cst.Module:
    """Add the missing imports of `requests` to the module's leading import block, isort-ordered."""
    party = frozenset(first_party)
    body = list(module.body)
    start, end = _block_bounds(body)
    block: list[cst.BaseStatement] = list(body[start:end])
    changed = False
    for request in sorted(set(requests), key=lambda r: (r.module, r.name or "")):
        if _has(block, request):
            continue
        changed = True
        new_key = (
            _section(request.module, party),
            0 if request.name is None else 1,
            request.module.lower(),
        )
        if request.name is not None:
            merged = False
            for index, stmt in enumerate(block):
                assert isinstance(stmt, cst.SimpleStatementLine)
                if _statement_key(stmt, party) == new_key and len(stmt.body) == 1:
                    small = stmt.body[0]
                    if (
                        isinstance(small, cst.ImportFrom)
                        and not isinstance(small.names, cst.ImportStar)
                        and all(a.asname is None for a in small.names)
                    ):
                        block[index] = _merge_member(stmt, request.name)
                        merged = True
                        break
            if merged:
                continue
        position = len(block)
        for index, stmt in enumerate(block):
            assert isinstance(stmt, cst.SimpleStatementLine)
            key = _statement_key(stmt, party)
            if key is not None and key > new_key:
                position = index
                break
        block.insert(position, _build_statement(request))
    if not changed:
        return module
    block = _relayout(block, party, had_docstring=start == 1)
    rest = body[end:]
    if rest and block:
        wants = 2 if is_block(rest[0]) else 1
        if len(rest[0].leading_lines) == 0:
            rest[0] = rest[0].with_changes(leading_lines=[cst.EmptyLine()] * wants)
    return module.with_changes(body=[*body[:start], *block, *rest])


def _relayout(
    block: list[cst.BaseStatement], party: frozenset[str], *, had_docstring: bool
) -> list[cst.BaseStatement]:
    """One blank line between isort sections, none inside a section."""
    out: list[cst.BaseStatement] = []
    previous: int | None = None
    for index, stmt in enumerate(block):
        assert isinstance(stmt, cst.SimpleStatementLine)
        key = _statement_key(stmt, party)
        section = key[0] if key else previous
        comments = [line for line in stmt.leading_lines if line.comment is not None]
        if index == 0:
            blank = [cst.EmptyLine()] if had_docstring else []
        elif section != previous:
            blank = [cst.EmptyLine()]
        else:
            blank = []
        out.append(stmt.with_changes(leading_lines=[*blank, *comments]))
        previous = section
    return out
