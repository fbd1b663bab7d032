"""A module's top-level statements read with `ast`: text, comments above, imports, names, identity.

What synth knows of a runtime statement without building its libcst tree, each the same as the
tree would say (tests/codegen/test_source_statement.py holds them equal for every runtime
module):

- `code`: its source lines, decorators included, without the lines above it;
- `leading_lines`: the blank lines and comments above it, as libcst's `EmptyLine`s (none
  above the first statement: libcst gives those lines to the module's header);
- `imports`: the ImportRequests of an import statement (None for any other statement), as
  `synth.codegen.template.imports_of` reads them;
- `names`: every identifier libcst would hold as a `Name` in it, as `names_in` finds them;
- `identity`: `synth.codegen.units.identity_of`'s answer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from synth.codegen.imports import ImportRequest

__all__ = [
    "DOCSTRING",
    "ReadStatement",
    "Span",
    "placed",
    "read_spans",
    "read_statements",
    "source_lines",
]

DOCSTRING = ("docstring",)
_ROUTE_VERBS = frozenset({"get", "post", "put", "delete", "patch", "head", "options"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class ReadStatement:
    """One top-level statement of a module, as `ast` and the module's lines tell it."""

    code: str
    leading_lines: tuple[cst.EmptyLine, ...]
    imports: tuple[ImportRequest, ...] | None
    names: frozenset[str]
    identity: tuple[str, ...] | None
    block: bool
    #: the modules of the `from ... import` statements anywhere inside it
    imported_from: frozenset[str]

    def nested_import_of(self, prefix: str) -> bool:
        """Whether a `from <prefix>...` import sits anywhere inside the statement."""
        return any(module.startswith(prefix) for module in self.imported_from)


def read_statements(source: str) -> tuple[ReadStatement, ...] | None:
    """Every top-level statement of `source`, or None when its statements do not each own
    whole lines (two on one line, a `;`), which only libcst's own parse tells apart."""
    read = read_spans(source)
    return None if read is None else tuple(statement for _, statement in read)


#: where a statement stands in its module: its first and last line (1-based, decorators in)
Span = tuple[int, int]


def read_spans(source: str) -> tuple[tuple[Span, ReadStatement], ...] | None:
    """`read_statements`, each statement with its span (what `synth.codegen.read_index` keeps)."""
    lines = source_lines(source)
    if "\r" in source or "\f" in source:
        return None
    found: list[tuple[Span, ReadStatement]] = []
    previous = 0
    for node in ast.parse(source).body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        last = node.end_lineno or node.lineno
        if first <= previous:
            return None
        code, above = placed(lines, (first, last), previous)
        if isinstance(node, ast.stmt) and ";" in lines[last - 1] and _shares_last_line(node, code):
            return None
        names: set[str] = set()
        imported_from: set[str] = set()
        for name, is_module in _names(node):
            (imported_from if is_module else names).add(name)
        statement = ReadStatement(
            code=code,
            leading_lines=above,
            imports=_imports(node),
            names=frozenset(names),
            identity=_identity(node, source),
            block=isinstance(node, (*_FUNCTIONS, ast.ClassDef)),
            imported_from=frozenset(imported_from),
        )
        found.append(((first, last), statement))
        previous = last
    return tuple(found)


def source_lines(source: str) -> list[str]:
    """`source` as lines that keep their newlines (the last one's too, when it has one)."""
    lines = [line + "\n" for line in source.split("\n")]
    if source.endswith("\n"):
        lines.pop()
    return lines


def placed(
    lines: Sequence[str], span: Span, previous: int
) -> tuple[str, tuple[cst.EmptyLine, ...]]:
    """The code of the statement at `span` and the lines above it, after the statement that
    ends on line `previous` (0: it is the first, whose lines above are the module's header)."""
    first, last = span
    above = _leading_lines(list(lines[previous : first - 1])) if previous else ()
    return "".join(lines[first - 1 : last]), above


def _shares_last_line(node: ast.stmt, code: str) -> bool:
    """Whether something follows the statement on its last line (other than a comment)."""
    end = node.end_col_offset or 0
    tail = code.rstrip("\n").split("\n")[-1][end:].strip()
    return bool(tail) and not tail.startswith("#")


def _leading_lines(lines: list[str]) -> tuple[cst.EmptyLine, ...]:
    """The lines between two statements (above the first, libcst's module header holds them)."""
    return tuple(_empty_line(line) for line in lines)


def _empty_line(line: str) -> cst.EmptyLine:
    text = line.rstrip("\n")
    stripped = text.lstrip(" \t")
    if not stripped:
        return cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(text))
    if not stripped.startswith("#"):
        raise ValueError(f"not a blank or comment line between statements: {text!r}")
    indent = text[: len(text) - len(stripped)]
    return cst.EmptyLine(
        indent=True, whitespace=cst.SimpleWhitespace(indent), comment=cst.Comment(stripped)
    )


def _imports(node: ast.stmt) -> tuple[ImportRequest, ...] | None:
    if isinstance(node, ast.Import):
        return tuple(ImportRequest(alias.name) for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        if node.level or node.module is None:
            raise ValueError("runtime modules import absolutely (no relative import)")
        if any(alias.name == "*" for alias in node.names):
            raise ValueError("templates do not use star imports")
        return tuple(ImportRequest(node.module, alias.name) for alias in node.names)
    return None


def _names(node: ast.AST) -> Iterator[tuple[str, bool]]:
    """Every identifier libcst holds as a `Name`: names (None, True and False too), attributes,
    defs, parameters, keyword arguments, import parts and aliases, global and nonlocal names,
    `except ... as` and match captures; and, flagged True, each `from` import's whole module
    (one walk gives both)."""
    for each in ast.walk(node):
        match each:
            case ast.Name(id=name) | ast.Attribute(attr=name) | ast.arg(arg=name):
                yield name, False
            case ast.Constant(value=None | True | False as value):  # literal patterns: `is`
                yield repr(value), False
            case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name):
                yield name, False
            case ast.ClassDef(name=name):
                yield name, False
            case ast.keyword(arg=str() as name) | ast.ExceptHandler(name=str() as name):
                yield name, False
            case ast.alias(name=dotted, asname=asname):
                yield from ((part, False) for part in dotted.split("."))
                if asname:
                    yield asname, False
            case ast.ImportFrom(module=str() as module):
                yield from ((part, False) for part in module.split("."))
                yield module, True
            case ast.Global(names=names) | ast.Nonlocal(names=names):
                yield from ((name, False) for name in names)
            case ast.MatchAs(name=str() as name) | ast.MatchStar(name=str() as name):
                yield name, False
            case ast.MatchMapping(rest=str() as name):
                yield name, False
            case ast.MatchClass(kwd_attrs=names):
                yield from ((name, False) for name in names)


def _identity(node: ast.stmt, source: str) -> tuple[str, ...] | None:
    if isinstance(node, _FUNCTIONS):
        return _route(node) or ("def", node.name)
    if isinstance(node, ast.ClassDef):
        return ("class", node.name)
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return ("assign", target.id) if isinstance(target, ast.Name) else None
    if isinstance(node, ast.AnnAssign):
        return ("assign", node.target.id) if isinstance(node.target, ast.Name) else None
    if isinstance(node, ast.Expr):
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str | bytes):
            return DOCSTRING
        segment = ast.get_source_segment(source, value)
        return None if segment is None else ("expr", segment)
    return None


def _route(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...] | None:
    for decorator in node.decorator_list:
        if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
            continue
        verb = decorator.func.attr
        if verb not in _ROUTE_VERBS or not decorator.args:
            continue
        first = decorator.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return ("route", verb.upper(), first.value)
    return None
