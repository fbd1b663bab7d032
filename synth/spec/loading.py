"""Reading and writing specs: YAML on disk <-> ServiceSpec, with errors that name file and field."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from synth.errors import SpecError
from synth.spec.models import (
    IDENTIFIER_PATTERN,
    SERVICE_NAME_PATTERN,
    TOPIC_PATTERN,
    ServiceSpec,
)

__all__ = [
    "describe_validation_error",
    "dump_spec_data",
    "find_spec_file",
    "load_spec",
    "parse_spec",
    "spec_names",
]

PATTERN_WORDS = {
    SERVICE_NAME_PATTERN: (
        "a service name (lowercase letters, digits and single hyphens, starting with a letter)"
    ),
    TOPIC_PATTERN: (
        "a topic name (dot-separated lowercase words of letters, digits and hyphens, "
        "e.g. learning.concept-request)"
    ),
    IDENTIFIER_PATTERN: (
        "a snake_case identifier (lowercase letters, digits and underscores, "
        "not starting with a digit)"
    ),
}


def load_spec(path: Path, *, match_file_name: bool = False) -> ServiceSpec:
    """Load and validate one spec file (with `match_file_name`, `name:` must be its stem)."""
    if path.is_dir():
        raise SpecError(f"{path}: is a folder, not a spec file; a spec is a NAME.yaml file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the spec as UTF-8"
        ) from None
    except OSError as exc:
        what = "a dangling link" if path.is_symlink() else exc.strerror
        raise SpecError(f"{path}: cannot read spec ({what}); fix or remove the file") from None
    spec = parse_spec(text, str(path))
    if match_file_name and spec.name != path.stem:
        raise SpecError(
            f"{path}: `name: {spec.name}` does not match the file name; rename the file to "
            f"{spec.name}{path.suffix} or set `name: {path.stem}`"
        )
    return spec


def parse_spec(text: str, source: str) -> ServiceSpec:
    """Validate spec YAML text; `source` names it in errors."""
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{source}:{where} is not valid YAML; fix the syntax") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{source}: is not a YAML mapping; a spec has at least `name: NAME`")
    try:
        return ServiceSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{source}: {describe_validation_error(exc)}") from exc


def describe_validation_error(exc: ValidationError) -> str:
    r"""The first problem of a pydantic error as `field \`x\`: message (+N more)`."""
    errors = exc.errors()
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"field `{field}`: {_in_words(first)}{more}"


def _in_words(error: Any) -> str:
    """A pydantic error message, with patterns and pydantic jargon said in words."""
    kind = error["type"]
    if kind == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        words = PATTERN_WORDS.get(pattern, f"the pattern {pattern}")
        return f"{error['input']!r} is not {words}; rename it"
    if kind == "extra_forbidden":
        return "is not a spec field; remove it or fix its spelling"
    if kind == "missing":
        return "is required; add it"
    message = str(error["msg"]).removeprefix("Value error, ")
    if "; " not in message:
        message += "; fix this value"
    return message


def find_spec_file(name: str, specs_dir: Path) -> Path | None:
    """The spec file for a service name in `specs_dir`, or None when there is none.

    A `NAME.yaml` that is there but is not a readable file (a folder, a dangling link) is a
    SpecError, never silently "no spec".
    """
    for suffix in (".yaml", ".yml"):
        candidate = specs_dir / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
        if candidate.exists() or candidate.is_symlink():
            what = "a folder" if candidate.is_dir() else "a dangling link"
            raise SpecError(f"{candidate}: is {what}, not a spec file; replace it with the spec")
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
