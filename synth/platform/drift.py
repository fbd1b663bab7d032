"""Drift: generated services under `out/` whose recorded spec no longer matches the spec file.

Each generated service keeps `out/<name>/synth.yaml` with `spec:` (a ServiceSpec dump) and
`features:`. Drift is reported one line per service, naming the spec keys that differ:

    out/debug/synth.yaml: differs from specs/debug.yaml: publishes, state

No `out/` folder, or a service folder without `synth.yaml`, is simply nothing to compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from synth.features.registry import always_on
from synth.platform.sources import SpecSource
from synth.spec import ServiceSpec

__all__ = ["DriftFinding", "RECORD_NAME", "find_drift"]

RECORD_NAME = "synth.yaml"


@dataclass(frozen=True, order=True)
class DriftFinding:
    """One generated service that differs from, or has no, spec file."""

    file: str
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what}: {self.why}"


def find_drift(sources: Sequence[SpecSource], generated_dir: Path) -> tuple[DriftFinding, ...]:
    """Compare every `generated_dir/*/synth.yaml` with the spec file of the same service."""
    if not generated_dir.is_dir():
        return ()
    by_name = {source.spec.name: source for source in sources}
    findings: list[DriftFinding] = []
    for record in sorted(generated_dir.glob(f"*/{RECORD_NAME}")):
        loaded = _load_recorded_spec(record)
        if isinstance(loaded, DriftFinding):
            findings.append(loaded)
            continue
        source = by_name.get(loaded.name)
        if source is None:
            why = f"no spec file for service {loaded.name}; add one or remove the service"
            findings.append(DriftFinding(str(record), "not in specs", why))
            continue
        keys = _differing_keys(source.spec, loaded)
        if keys:
            findings.append(
                DriftFinding(str(record), f"differs from {source.path}", ", ".join(keys))
            )
    return tuple(findings)


def _load_recorded_spec(record: Path) -> ServiceSpec | DriftFinding:
    try:
        data: Any = YAML(typ="safe", pure=True).load(record.read_text(encoding="utf-8"))
    except (OSError, YAMLError):
        return DriftFinding(str(record), "unreadable", "not a readable YAML file")
    if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
        return DriftFinding(str(record), "unreadable", "has no `spec:` mapping")
    try:
        return ServiceSpec.model_validate(data["spec"])
    except ValidationError as exc:
        return DriftFinding(str(record), "unreadable", f"`spec:` is invalid ({exc.error_count()})")


def _differing_keys(declared: ServiceSpec, recorded: ServiceSpec) -> list[str]:
    want = declared.model_dump(mode="json")
    have = recorded.model_dump(mode="json")
    # the always-on features are part of every service, recorded or not.
    always = {feature.value for feature in always_on()}
    want["features"] = sorted(set(want["features"]) - always)
    have["features"] = sorted(set(have["features"]) - always)
    return sorted(key for key in want.keys() | have.keys() if want.get(key) != have.get(key))
