"""The service's `pyproject.toml`, built and merged with tomlkit (the owner's formatting kept)."""

from __future__ import annotations

from collections.abc import Sequence

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Array, Table

from synth.errors import SourceError
from synth.quality import LINE_LENGTH

__all__ = ["RUFF_RULES", "ensure_pyproject", "requirement_name", "requirement_names"]

RUFF_RULES = ("E", "F", "W", "I", "B", "UP", "N", "SIM", "ASYNC")


def requirement_names(text: str) -> set[str]:
    """Names of every requirement in a pyproject's dependencies and optional dependencies."""
    doc = tomlkit.parse(text)
    project = doc.get("project")
    found: set[str] = set()
    if isinstance(project, Table):
        arrays = [project.get("dependencies")]
        optional = project.get("optional-dependencies")
        if isinstance(optional, Table):
            arrays.extend(optional.values())
        for array in arrays:
            if isinstance(array, Array):
                found.update(requirement_name(str(item)) for item in array)
    return found


def requirement_name(requirement: str) -> str:
    for stop in "[<>=!~; ":
        requirement = requirement.split(stop, 1)[0]
    return requirement.strip().lower().replace("_", "-")


def _multiline(items: Sequence[str]) -> Array:
    array = tomlkit.array()
    array.extend(items)
    array.multiline(True)
    return array


def _ensure_requirements(array: Array, wanted: Sequence[str]) -> None:
    names = {requirement_name(str(item)) for item in array}
    for requirement in wanted:
        if requirement_name(requirement) not in names:
            array.append(requirement)
            names.add(requirement_name(requirement))


def _new_document(name: str, package: str, description: str) -> tomlkit.TOMLDocument:
    doc = tomlkit.document()
    build = tomlkit.table()
    build["requires"] = ["setuptools>=69"]
    build["build-backend"] = "setuptools.build_meta"
    doc["build-system"] = build
    project = tomlkit.table()
    project["name"] = name
    project["version"] = "0.1.0"
    project["description"] = description
    project["readme"] = "README.md"
    project["requires-python"] = ">=3.11"
    project["dependencies"] = _multiline([])
    optional = tomlkit.table()
    optional["dev"] = _multiline([])
    project["optional-dependencies"] = optional
    doc["project"] = project
    tool = tomlkit.table(is_super_table=True)
    tool["setuptools"] = {"packages": {"find": {"include": [f"{package}*"]}}}
    tool["pytest"] = {"ini_options": {"testpaths": ["tests"], "addopts": "-ra"}}
    tool["black"] = {"line-length": LINE_LENGTH, "target-version": ["py311"]}
    ruff = tomlkit.table()
    ruff["line-length"] = LINE_LENGTH
    ruff["target-version"] = "py311"
    lint = tomlkit.table()
    lint["select"] = list(RUFF_RULES)
    lint["isort"] = {"known-first-party": [package, "tests"]}
    ruff["lint"] = lint
    tool["ruff"] = ruff
    mypy = tomlkit.table()
    mypy["python_version"] = "3.11"
    mypy["strict"] = True
    mypy["files"] = [package, "tests"]
    tool["mypy"] = mypy
    doc["tool"] = tool
    return doc


def ensure_pyproject(
    text: str | None,
    *,
    name: str,
    package: str,
    description: str,
    dependencies: Sequence[str],
    dev_dependencies: Sequence[str],
) -> str:
    """The pyproject with every wanted requirement present (new, or merged into the owner's)."""
    if text is None:
        doc = _new_document(name, package, description)
    else:
        try:
            doc = tomlkit.parse(text)
        except TOMLKitError as exc:
            raise SourceError(
                f"pyproject.toml: not valid TOML ({exc}); fix it, then retry"
            ) from exc
    project = doc.get("project")
    if not isinstance(project, Table):
        raise SourceError("pyproject.toml has no [project] table; add one (PEP 621), then retry")
    deps = project.setdefault("dependencies", _multiline([]))
    optional = project.setdefault("optional-dependencies", tomlkit.table())
    dev = optional.setdefault("dev", _multiline([]))
    if not isinstance(deps, Array) or not isinstance(dev, Array):
        raise SourceError("pyproject.toml: dependencies must be arrays of requirement strings")
    _ensure_requirements(deps, sorted(dependencies, key=requirement_name))
    _ensure_requirements(dev, sorted(dev_dependencies, key=requirement_name))
    return tomlkit.dumps(doc)
