"""Taking a feature's pieces back out of files the owner has edited.

Only what synth generated and the owner left unchanged is removed: a unit whose fingerprint
still matches the record, a README section or `.env.example` entry still as generated, a YAML
key whose value is still synth's, a requirement synth added. Everything else stays, and is
reported as a Leftover with its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst
import tomlkit
from libcst.metadata import MetadataWrapper, PositionProvider
from tomlkit.items import Array, Table

from synth.codegen import fingerprint, units_by_key
from synth.codegen.template import imports_of
from synth.compose.pyproject import requirement_name, requirement_names
from synth.manifests import parse_yaml, render_yaml

__all__ = ["Leftover", "remove_python_units", "remove_text_pieces"]


@dataclass(frozen=True, order=True)
class Leftover:
    """A piece of the removed feature that stays, and why."""

    path: str
    line: int
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}: {self.why}"


def _imported_names(module: cst.Module) -> set[tuple[str, str | None]]:
    names: set[tuple[str, str | None]] = set()
    for stmt in module.body:
        for request in imports_of(stmt) or ():
            names.add((request.module, request.name))
    return names


def _used_names(module: cst.Module) -> set[str]:
    used: set[str] = set()
    stack: list[cst.CSTNode] = [s for s in module.body if imports_of(s) is None]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            used.add(node.value)
        stack.extend(node.children)
    return used


class _Remover(cst.CSTTransformer):
    def __init__(self, drop: set[int]) -> None:
        self.drop = drop

    def leave_IndentedBlock(  # noqa: N802 - libcst visitor protocol
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        kept = [
            s for o, s in zip(original.body, updated.body, strict=True) if id(o) not in self.drop
        ]
        if not kept:
            kept = [cst.SimpleStatementLine([cst.Pass()])]
        return updated.with_changes(body=kept)

    def leave_Module(  # noqa: N802 - libcst visitor protocol
        self, original: cst.Module, updated: cst.Module
    ) -> cst.Module:
        kept = [
            s for o, s in zip(original.body, updated.body, strict=True) if id(o) not in self.drop
        ]
        return updated.with_changes(body=kept)


def _drop_imports(module: cst.Module, unused: set[tuple[str, str | None]]) -> cst.Module:
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for original in module.body:
        stmt = original
        if carried and not any(line.comment is None for line in stmt.leading_lines):
            stmt = stmt.with_changes(leading_lines=[*carried, *stmt.leading_lines])
        carried = []
        count = len(body)
        _keep_import(stmt, unused, body)
        if len(body) == count:  # dropped: its blank lines separate what stays (isort sections)
            carried = [line for line in stmt.leading_lines if line.comment is None]
    return module.with_changes(body=body)


def _keep_import(
    stmt: cst.BaseStatement, unused: set[tuple[str, str | None]], body: list[cst.BaseStatement]
) -> None:
    """Append `stmt` to `body` without its unused import names (or not at all)."""
    requests = imports_of(stmt)
    if not requests or not isinstance(stmt, cst.SimpleStatementLine):
        body.append(stmt)
        return
    small = stmt.body[0]
    if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        module_name = requests[0].module
        keep = [
            alias
            for alias in small.names
            if not (
                isinstance(alias.name, cst.Name)
                and alias.asname is None
                and (module_name, alias.name.value) in unused
            )
        ]
        if keep:
            keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            body.append(stmt.with_changes(body=[small.with_changes(names=keep)]))
    elif isinstance(small, cst.Import):
        if not all((r.module, None) in unused for r in requests):
            body.append(stmt)
    else:
        body.append(stmt)


def remove_python_units(
    path: str,
    current: str,
    with_feature: cst.Module,
    without_feature: cst.Module,
    recorded: dict[str, str],
    containers: frozenset[str],
    *,
    force: bool,
) -> tuple[str, list[Leftover]]:
    """`current` without the removed feature's unchanged units (and the imports only they used)."""
    module = cst.parse_module(current)
    generated = units_by_key(with_feature, containers)
    owned = set(generated) - set(units_by_key(without_feature, containers))
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    drop: set[int] = set()
    leftovers: list[Leftover] = []
    for key, stmt in units_by_key(module, containers).items():
        if key not in owned:
            continue
        expected = recorded.get(key) or fingerprint(generated[key])
        if fingerprint(stmt) == expected or force:
            drop.add(id(stmt))
        else:
            line = positions[stmt].start.line
            leftovers.append(Leftover(path, line, key, "changed since synth generated it; kept"))
    if not drop:
        return current, leftovers
    pruned = module.visit(_Remover(drop))
    synth_imports = _imported_names(with_feature) - _imported_names(without_feature)
    used = _used_names(pruned)
    unused = {(m, n) for m, n in synth_imports if (n or m.split(".")[0]) not in used}
    pruned = _drop_imports(pruned, unused)
    return pruned.code, leftovers


def remove_text_pieces(
    path: str, current: str, with_feature: str, without_feature: str | None, *, force: bool
) -> tuple[str | None, list[Leftover]]:
    """Remove the feature's pieces from a non-Python file the owner edited."""
    if path == "pyproject.toml" and without_feature is not None:
        return _remove_requirements(current, with_feature, without_feature), []
    if path.endswith((".yaml", ".yml")) and without_feature is not None:
        return _remove_yaml(path, current, with_feature, without_feature, force=force)
    if path == "README.md" and without_feature is not None:
        return _remove_sections(current, with_feature, without_feature), []
    if path == ".env.example" and without_feature is not None:
        return _remove_env(current, with_feature, without_feature), []
    if without_feature is None:
        if force:
            return None, []
        return current, [Leftover(path, 1, "file", "changed since synth generated it; kept")]
    return current, []


def _remove_requirements(current: str, with_feature: str, without_feature: str) -> str:
    dropped = requirement_names(with_feature) - requirement_names(without_feature)
    doc = tomlkit.parse(current)
    project = doc.get("project")
    if not isinstance(project, Table):
        return current
    arrays: list[Any] = [project.get("dependencies")]
    optional = project.get("optional-dependencies")
    if isinstance(optional, Table):
        arrays.extend(optional.values())
    for array in arrays:
        if isinstance(array, Array):
            for index in reversed(range(len(array))):
                if requirement_name(str(array[index])) in dropped:
                    del array[index]
    return tomlkit.dumps(doc)


def _prune(current: Any, old: Any, new: Any) -> None:
    """Remove from `current` what `old` has and `new` lacks, where `current` still equals `old`."""
    if isinstance(current, dict) and isinstance(old, dict) and isinstance(new, dict):
        for key in list(old):
            if key not in current:
                continue
            if key not in new:
                if current[key] == old[key]:
                    del current[key]
            else:
                _prune(current[key], old[key], new[key])
    elif isinstance(current, list) and isinstance(old, list) and isinstance(new, list):
        for item in old:
            key = _list_key(item)
            if key is None:
                if item not in new and item in current:
                    current.remove(item)
                continue
            mine = next((c for c in current if _list_key(c) == key), None)
            theirs = next((n for n in new if _list_key(n) == key), None)
            if mine is None:
                continue
            if theirs is None:
                if mine == item:
                    current.remove(mine)
            else:
                _prune(mine, item, theirs)


_LIST_KEYS = ("name", "appID", "path", "topic", "containerPort")


def _list_key(item: Any) -> tuple[str, Any] | None:
    """How a list entry is identified (Kubernetes merge keys), or None for plain values."""
    if isinstance(item, dict):
        for key in _LIST_KEYS:
            if key in item:
                return (key, item[key])
    return None


def _remove_yaml(
    path: str, current: str, with_feature: str, without_feature: str, *, force: bool
) -> tuple[str, list[Leftover]]:
    docs = parse_yaml(current, path)
    old = parse_yaml(with_feature, path)
    new = parse_yaml(without_feature, path)
    for index, doc in enumerate(docs):
        if index < len(old) and index < len(new):
            _prune(doc, old[index], new[index])
    return render_yaml(docs), []


def _sections(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    heading = None
    lines: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            if heading is not None:
                out[heading] = "".join(lines)
            heading, lines = line, []
        elif heading is not None:
            lines.append(line)
    if heading is not None:
        out[heading] = "".join(lines)
    return out


def _remove_sections(current: str, with_feature: str, without_feature: str) -> str:
    old, new = _sections(with_feature), _sections(without_feature)
    out = current
    for heading, body in old.items():
        if heading not in new and heading + body in out:
            out = out.replace(heading + body, "", 1)
    old_rows = {line for line in with_feature.splitlines() if line.startswith("| `")}
    new_rows = {line for line in without_feature.splitlines() if line.startswith("| `")}
    gone = old_rows - new_rows
    return "".join(line for line in out.splitlines(keepends=True) if line.rstrip("\n") not in gone)


def _remove_env(current: str, with_feature: str, without_feature: str) -> str:
    def blocks(text: str) -> set[str]:
        return {part.strip("\n") for part in text.split("\n\n") if "=" in part}

    gone = blocks(with_feature) - blocks(without_feature)
    parts = [part.strip("\n") for part in current.split("\n\n")]
    return "\n\n".join(part for part in parts if part not in gone) + "\n"
