"""The cross-module gate: every first-party import resolves to a name defined where it points.

Checked statically from the sources (no import, no process): `from pkg.mod import name` needs
`pkg/mod.py` (or `pkg/mod/__init__.py`) to define `name` at module level (a def, class,
assignment, import, or a submodule of that name); `import pkg.mod` needs the module. Names a
module defines under `if`/`try` count as defined. A module with `from x import *` or a module
`__getattr__` is trusted with any name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["DanglingImport", "dangling_imports"]


@dataclass(frozen=True, order=True)
class DanglingImport:
    """An import of a first-party name that does not exist."""

    path: str
    line: int
    module: str
    name: str | None

    def __str__(self) -> str:
        if self.name is None:
            return f"{self.path}:{self.line}: imports {self.module}, which does not exist"
        where = f"{self.path}:{self.line}"
        return f"{where}: imports {self.name} from {self.module}, which does not define it"


def _module_name(path: str) -> str | None:
    if not path.endswith(".py"):
        return None
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


def _defined(tree: ast.Module) -> set[str] | None:
    """Names bound at module level (None: anything may be, via `*` or `__getattr__`)."""
    names: set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            if node.name == "__getattr__":
                return None
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For | ast.With):
            for target in _targets(node):
                names.update(_bound(target))
    return names


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.Try | ast.With):
            blocks = [node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])]
            blocks.extend(h.body for h in getattr(node, "handlers", []))
            for block in blocks:
                yield from _module_level(block)


def _targets(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For):
        return [node.target]
    if isinstance(node, ast.With):
        return [item.optional_vars for item in node.items if item.optional_vars is not None]
    return []


def _bound(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Tuple | ast.List):
        return {n for element in target.elts for n in _bound(element)}
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    return set()


@dataclass(frozen=True)
class _Read:
    """What the gate needs of one source: the names it defines and every import in it."""

    defined: frozenset[str] | None
    imports: tuple[ast.Import | ast.ImportFrom, ...]


@lru_cache(maxsize=512)
def _read(source: str) -> _Read | None:
    """One source parsed and walked once per process (the gate reads a service before and
    after a change, and most files are the same both times); None when it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    defined = _defined(tree)
    imports = tuple(n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom))
    return _Read(None if defined is None else frozenset(defined), imports)


def dangling_imports(files: Mapping[str, str], package: str) -> list[DanglingImport]:
    """Imports of `package`'s modules (absolute or relative) that do not resolve.

    `files` maps a POSIX path relative to the project root to its source; a file that does not
    parse is skipped (the syntax gate reports it).
    """
    reads: dict[str, _Read] = {}
    for path, source in files.items():
        if _module_name(path) is None:
            continue
        read = _read(source)
        if read is not None:
            reads[path] = read
    modules = {name: path for path in reads if (name := _module_name(path)) is not None}
    found: list[DanglingImport] = []
    for path, read in reads.items():
        here = _module_name(path) or ""
        is_package = path.endswith("__init__.py")
        for node in read.imports:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _first_party(alias.name, package) and alias.name not in modules:
                        found.append(DanglingImport(path, node.lineno, alias.name, None))
                continue
            module = _absolute(node, here, is_package)
            if module is None or not _first_party(module, package):
                continue
            if module not in modules:
                found.append(DanglingImport(path, node.lineno, module, None))
                continue
            names = reads[modules[module]].defined
            for alias in node.names:
                if alias.name == "*" or names is None or alias.name in names:
                    continue
                if f"{module}.{alias.name}" in modules:
                    continue
                found.append(DanglingImport(path, node.lineno, module, alias.name))
    return sorted(found)


def _first_party(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _absolute(node: ast.ImportFrom, here: str, is_package: bool) -> str | None:
    if node.level == 0:
        return node.module
    parts = here.split(".") if here else []
    if not is_package:
        parts = parts[:-1]
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)] if len(parts) >= node.level - 1 else []
    base = ".".join(parts)
    if node.module:
        return f"{base}.{node.module}" if base else node.module
    return base or None
