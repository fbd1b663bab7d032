"""Put the features' units into the workspace's Python modules, then schedule their imports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from synth.codegen import ImportRequest, Unit, UnitDrift, ensure_imports, ensure_units
from synth.features.base import Contribution
from synth.workspace import Workspace

__all__ = ["PythonReport", "apply_python"]


@dataclass(frozen=True)
class PythonReport:
    """Units added and units found edited by their owner, per file."""

    added: dict[str, int]
    drifted: dict[str, tuple[UnitDrift, ...]]


def apply_python(
    workspace: Workspace, contributions: Sequence[Contribution], first_party: str
) -> PythonReport:
    """Ensure every contributed unit (in plan order) exists; add imports for the ones inserted."""
    by_path: dict[str, list[Unit]] = {}
    for contribution in contributions:
        for path, units in contribution.python.items():
            by_path.setdefault(path, []).extend(units)
    added: dict[str, int] = {}
    drifted: dict[str, tuple[UnitDrift, ...]] = {}
    for path in sorted(by_path):
        units = by_path[path]
        module, inserted, drifts = ensure_units(workspace.module(path), units)
        inserted_set = set(inserted)
        wanted: list[ImportRequest] = [
            request for unit in units if unit.identity in inserted_set for request in unit.imports
        ]
        if wanted:
            module = ensure_imports(module, wanted, first_party=[first_party, "tests"])
        workspace.python[path] = module
        if inserted:
            added[path] = len(inserted)
        if drifts:
            drifted[path] = tuple(drifts)
    return PythonReport(added, drifted)
