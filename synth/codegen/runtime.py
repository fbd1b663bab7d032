"""Runtime modules: real Python files in `synth/runtime/` that become files of a service.

The code a generated service runs that does not depend on its spec lives in synth as ordinary
modules, checked by synth's own ruff, black and mypy gates. They import each other as
`synth.runtime.<feature>.<module>`; contributing one reads it once per process and applies
one LibCST transform, the package rename:

    synth.runtime.<feature>.<module>             -> <package>.<module>
    synth.runtime.<feature>.conftest | test_*   -> tests.<module>

(a top-level `from synth.runtime.<feature> import <module>` names a module, which moves the
same way) and nothing else textual. A service stays standalone: nothing of synth is left in it. The
module's import lines become ImportRequests for the one imports pass, every other top-level
statement a Unit that carries the imports it uses. A statement the rename does not touch is read
with `ast` and kept as its text (a SourceStatement): libcst parses only what it transforms.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import libcst as cst

from synth.codegen.imports import ImportRequest, dotted_name
from synth.codegen.read_index import indexed_reads
from synth.codegen.reading import DOCSTRING, ReadStatement
from synth.codegen.source_statement import SourceStatement, parsed_statement
from synth.codegen.template import TemplateUnits, imports_of, imports_used_by, names_in, walk
from synth.codegen.units import Statement, Unit, statements
from synth.codegen.verbatim import mark_verbatim

__all__ = [
    "RUNTIME_PACKAGE",
    "runtime_import",
    "runtime_module_name",
    "runtime_units",
    "warm_runtime_modules",
]

RUNTIME_PACKAGE = "synth.runtime"
_ROOT = Path(__file__).resolve().parent.parent / "runtime"
_CONFIG = cst.PartialParserConfig(python_version="3.11")


def runtime_module_name(module: str, package: str) -> str:
    """Where a runtime module lands in a service: `synth.runtime.app.logs` -> `debug.logs`."""
    prefix = RUNTIME_PACKAGE + "."
    if not module.startswith(prefix):
        return module
    parts = module[len(prefix) :].split(".")
    if len(parts) < 2:
        raise ValueError(f"{module} is not a runtime module (synth.runtime.<feature>.<module>)")
    leaf = parts[-1]
    if leaf == "conftest" or leaf.startswith("test_"):
        return f"tests.{leaf}"
    return f"{package}.{leaf}"


def runtime_import(module: str, name: str | None, package: str) -> ImportRequest:
    """The import `from module import name` of a runtime module, renamed for `package`.

    `from synth.runtime.invoke import invocation` imports a runtime module by name: it becomes
    `from <package> import invocation` (a test module: `from tests import test_x`).
    """
    prefix = RUNTIME_PACKAGE + "."
    if name is not None and module.startswith(prefix) and "." not in module[len(prefix) :]:
        parent, _, leaf = runtime_module_name(f"{module}.{name}", package).rpartition(".")
        return ImportRequest(parent, leaf)
    return ImportRequest(runtime_module_name(module, package), name)


class _Rename(cst.CSTTransformer):
    """Every `synth.runtime.<feature>.<module>` import, at any depth, renamed for `package`."""

    def __init__(self, package: str) -> None:
        super().__init__()
        self.package = package

    def leave_ImportFrom(  # noqa: N802 - libcst visitor protocol
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.module is None or updated_node.relative:
            return updated_node
        module = dotted_name(updated_node.module)
        renamed = runtime_module_name(module, self.package)
        if renamed == module:
            return updated_node
        return updated_node.with_changes(module=cst.parse_expression(renamed))


def _imports_runtime(names: frozenset[str], statement: Statement) -> bool:
    """Whether an import of a runtime module sits anywhere inside `statement` (whose names are
    `names`: a statement without the name `synth` has no such import, and is not walked)."""
    return "synth" in names and any(
        isinstance(node, cst.ImportFrom)
        and node.module is not None
        and dotted_name(node.module).startswith(RUNTIME_PACKAGE + ".")
        for node in walk(statement)
    )


@cache
def _parsed(relative: str) -> cst.Module:
    """The module as libcst parses it (the statements `_statements` cannot hold as text)."""
    return cst.parse_module(_source(relative), _CONFIG)


def _source(relative: str) -> str:
    return (_ROOT / relative).read_text(encoding="utf-8")


def _is_docstring(statement: Statement | None) -> bool:
    return (
        statement is not None
        and isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


class _Statement:
    """A runtime module's top-level statement and what is known of it for every package."""

    def __init__(
        self,
        node: Statement | None,
        imports: tuple[ImportRequest, ...] | None,
        names: frozenset[str],
        renamed: bool,
    ) -> None:
        self.node = node  # None for an import, which becomes ImportRequests
        self.imports = imports
        self.names = names
        self.renamed = renamed

    @classmethod
    def from_tree(cls, node: Statement) -> _Statement:
        imports = imports_of(node)
        names = frozenset(names_in(node))
        renamed = imports is None and _imports_runtime(names, node)
        if imports is None and not renamed:
            mark_verbatim(node)
        return cls(node, imports, names, renamed)


@cache
def _statements(relative: str) -> tuple[_Statement, ...]:
    """The module's statements, read once per process whatever the package.

    Each is analysed with `ast` (its imports, names, identity) and kept as its source text, a
    SourceStatement; libcst parses only the ones a transform needs (a nested runtime import to
    rename) or that text cannot stand for (the docstring, which the import pass looks at). A
    module whose statements share lines is parsed whole by libcst instead.
    """
    source = _source(relative)
    read = indexed_reads(relative, source)
    if read is None:
        return tuple(_Statement.from_tree(s) for s in statements(_parsed(relative).body))
    found: list[_Statement] = []
    for each in read:
        if each.imports is not None:
            found.append(_Statement(None, each.imports, each.names, renamed=False))
        elif each.nested_import_of(RUNTIME_PACKAGE + ".") or each.identity in (None, DOCSTRING):
            found.append(_Statement.from_tree(_tree(each)))
        else:
            node = SourceStatement(each.code, each.identity, each.block, each.leading_lines)
            found.append(_Statement(node, None, each.names, renamed=False))
    return tuple(found)


def _tree(read: ReadStatement) -> Statement:
    """The statement parsed by libcst, the blank lines and comments above it kept."""
    return parsed_statement(SourceStatement(read.code, (), False, read.leading_lines))


@cache
def runtime_units(
    relative: str, package: str, *, container: str | None = None, docstring: bool = True
) -> TemplateUnits:
    """The imports and units of `synth/runtime/<relative>` for a service whose package is `package`.

    `relative` is a path inside `synth/runtime/` (`"health/health.py"`); `docstring=False`
    leaves out the module docstring (the feature writes one that names the service).
    """
    rename = _Rename(package)
    imports: list[ImportRequest] = []
    kept: list[tuple[Statement, frozenset[str]]] = []
    found = _statements(relative)
    if found and not docstring and _is_docstring(found[0].node):
        found = found[1:]
    for statement in found:
        if statement.imports is not None:
            imports.extend(runtime_import(r.module, r.name, package) for r in statement.imports)
            continue
        if statement.node is None:
            raise TypeError(f"{relative}: a statement that is not an import has no node")
        if statement.renamed:
            renamed = statement.node.visit(rename)
            if not isinstance(renamed, cst.SimpleStatementLine | cst.BaseCompoundStatement):
                raise TypeError(f"{relative}: the rename removed a statement")
            kept.append((renamed, frozenset(names_in(renamed))))
        else:
            kept.append((statement.node, statement.names))
    units = tuple(Unit(node, imports_used_by(names, imports), container) for node, names in kept)
    return TemplateUnits(tuple(imports), units)


def warm_runtime_modules() -> None:
    """Read every runtime module now (before worker processes fork, so they share it)."""
    for path in sorted(_ROOT.rglob("*.py")):
        relative = path.relative_to(_ROOT).as_posix()
        if not relative.startswith("standin/"):
            _statements(relative)
