"""Loading the platform's spec files: every `*.yaml` in a specs folder, each kept with its path.

A platform command reads the whole folder or nothing: a missing folder, an empty one or one
invalid spec is bad input (`SpecError`, exit 2), never a partial picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synth.errors import SpecError
from synth.spec import ServiceSpec, find_spec_file, load_spec, spec_names

__all__ = ["SpecSource", "load_spec_sources"]


@dataclass(frozen=True)
class SpecSource:
    """One service spec and the file it came from (findings and drift lines name the file)."""

    path: Path
    spec: ServiceSpec


def load_spec_sources(specs_dir: Path) -> tuple[SpecSource, ...]:
    """Every spec in `specs_dir`, sorted by file name; raises SpecError on bad input."""
    if not specs_dir.is_dir():
        raise SpecError(f"{specs_dir}: no such specs folder; pass --specs DIR")
    names = list(dict.fromkeys(spec_names(specs_dir)))  # x.yaml and x.yml: read x.yaml
    if not names:
        raise SpecError(f"{specs_dir}: no *.yaml spec files; add one per service")
    sources: list[SpecSource] = []
    for name in names:
        path = find_spec_file(name, specs_dir)
        if path is None:  # pragma: no cover - spec_names only lists files that exist
            continue
        sources.append(SpecSource(path=path, spec=load_spec(path)))
    return tuple(sources)
