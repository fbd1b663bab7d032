"""Runtime modules: real Python files in `synth/runtime/` that become files of a service.

The code a generated service runs that does not depend on its spec lives in synth as ordinary
modules, checked by synth's own ruff, black and mypy gates. They import each other as
`synth.runtime.<feature>.<module>`; contributing one parses it once per process and applies
one LibCST transform, the package rename:

    synth.runtime.<feature>.<module>             -> <package>.<module>
    synth.runtime.<feature>.conftest | test_*   -> tests.<module>

(a top-level `from synth.runtime.<feature> import <module>` names a module, which moves the
same way) and nothing else textual. A service stays standalone: nothing of synth is left in it. The
module's import lines become ImportRequests for the one imports pass, every other top-level
statement a Unit that carries the imports it uses.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import libcst as cst

from synth.codegen.imports import ImportRequest, dotted_name
from synth.codegen.template import TemplateUnits, imports_of, imports_used_by, names_in, walk
from synth.codegen.units import Statement, Unit
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
def _parsed(relative: str) -> tuple[cst.Module, tuple[str | None, ...]]:
    """The module, and each top-level statement's source without the lines above it."""
    source = (_ROOT / relative).read_text(encoding="utf-8")
    module = cst.parse_module(source, _CONFIG)
    return module, _statement_sources(source, len(module.body))


def _statement_sources(source: str, count: int) -> tuple[str | None, ...]:
    """Each top-level statement's lines, from `ast`'s positions (libcst's own code for them
    would mean generating every runtime module again). None throughout when the statements
    do not line up one to one, as when two share a line."""
    lines = source.splitlines(keepends=True)
    spans: list[tuple[int, int]] = []
    for node in ast.parse(source).body:
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)])
        if spans and spans[-1][1] >= first:
            return (None,) * count
        spans.append((first, node.end_lineno or node.lineno))
    if len(spans) != count:
        return (None,) * count
    return tuple("".join(lines[first - 1 : last]) for first, last in spans)


def _is_docstring(statement: Statement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


class _Statement:
    """A runtime module's top-level statement and what is known of it for every package."""

    def __init__(self, node: Statement, source: str | None) -> None:
        self.node = node
        self.imports = imports_of(node)
        self.names = frozenset(names_in(node))
        self.renamed = self.imports is None and _imports_runtime(self.names, node)
        if self.imports is None and not self.renamed:
            mark_verbatim(node, source)


@cache
def _statements(relative: str) -> tuple[_Statement, ...]:
    """The module's statements, read once per process whatever the package."""
    module, sources = _parsed(relative)
    return tuple(_Statement(n, s) for n, s in zip(module.body, sources, strict=True))


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
    statements = _statements(relative)
    if statements and not docstring and _is_docstring(statements[0].node):
        statements = statements[1:]
    for statement in statements:
        if statement.imports is not None:
            imports.extend(runtime_import(r.module, r.name, package) for r in statement.imports)
        elif statement.renamed:
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
