"""Reading and writing specs: YAML on disk <-> ServiceSpec, with errors that name file and field."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from synth.errors import SpecError
from synth.spec.models import ServiceSpec

__all__ = [
    "describe_validation_error",
    "dump_spec_data",
    "find_spec_file",
    "load_spec",
    "parse_spec",
    "spec_names",
]


def load_spec(path: Path) -> ServiceSpec:
    """Load and validate one spec file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read spec ({exc.strerror})") from exc
    return parse_spec(text, str(path))


def parse_spec(text: str, source: str) -> ServiceSpec:
    """Validate spec YAML text; `source` names it in errors."""
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{source}:{where} is not valid YAML; fix the syntax") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a spec is a YAML mapping with at least `name:`")
    try:
        return ServiceSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{source}: {describe_validation_error(exc)}") from exc


def describe_validation_error(exc: ValidationError) -> str:
    r"""The first problem of a pydantic error as `field \`x\`: message (+N more)`."""
    errors = exc.errors()
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"field `{field}`: {message}{more}"


def find_spec_file(name: str, specs_dir: Path) -> Path | None:
    """The spec file for a service name in `specs_dir`, or None."""
    for suffix in (".yaml", ".yml"):
        candidate = specs_dir / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def spec_names(specs_dir: Path) -> list[str]:
    """The service names that have spec files in `specs_dir`, sorted."""
    if not specs_dir.is_dir():
        return []
    return sorted(p.stem for p in specs_dir.iterdir() if p.suffix in {".yaml", ".yml"})


def dump_spec_data(spec: ServiceSpec) -> str:
    """The spec as YAML text, with defaults left out so the file stays small and readable."""
    data: Any = spec.model_dump(mode="json", exclude_defaults=True)
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()
