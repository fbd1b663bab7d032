"""Put the features' units into the workspace's Python modules, then schedule their imports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from synth.codegen import (
    ImportRequest,
    Unit,
    UnitDrift,
    ensure_imports,
    ensure_units,
    find_unit,
)
from synth.features.base import Contribution
from synth.spec import FeatureName
from synth.workspace import Workspace

__all__ = ["OwnedDrift", "PythonReport", "apply_python"]


@dataclass(frozen=True)
class OwnedDrift:
    """A unit a feature would generate that exists in another shape (its owner changed it)."""

    path: str
    feature: FeatureName
    drift: UnitDrift


@dataclass(frozen=True)
class PythonReport:
    """How many units were added per file, and which existing units differ from synth's."""

    added: dict[str, int]
    drifted: tuple[OwnedDrift, ...]


def apply_python(
    workspace: Workspace,
    contributions: Sequence[tuple[FeatureName, Contribution]],
    first_party: str,
    insert: frozenset[FeatureName] | None = None,
) -> PythonReport:
    """Ensure every contributed unit (in plan order) exists; add imports for the ones inserted.

    With `insert`, only those features' missing units are inserted: a unit of another feature
    that is missing was deleted by the owner, and stays deleted.
    """
    by_path: dict[str, list[tuple[FeatureName, Unit]]] = {}
    for feature, contribution in contributions:
        for path, units in contribution.python.items():
            by_path.setdefault(path, []).extend((feature, unit) for unit in units)
    by_path = {path: _replaced(path, owned) for path, owned in by_path.items()}
    added: dict[str, int] = {}
    drifted: list[OwnedDrift] = []
    for path in sorted(by_path):
        owned = by_path[path]
        current = workspace.module(path)
        path_units: list[Unit] = [
            unit
            for feature, unit in owned
            if insert is None
            or feature in insert
            or find_unit(current, unit.identity, unit.container) is not None
        ]
        owner = {(u.identity, u.container): f for f, u in owned}
        module, inserted, drifts = ensure_units(current, path_units)
        inserted_set = set(inserted)
        wanted: list[ImportRequest] = [
            request
            for unit in path_units
            if unit.identity in inserted_set
            for request in unit.imports
        ]
        if wanted:
            module = ensure_imports(module, wanted, first_party=[first_party, "tests"])
        workspace.python[path] = module
        if inserted:
            added[path] = len(inserted)
        drifted.extend(OwnedDrift(path, owner[(d.identity, d.container)], d) for d in drifts)
    return PythonReport(added, tuple(drifted))


def _replaced(path: str, owned: list[tuple[FeatureName, Unit]]) -> list[tuple[FeatureName, Unit]]:
    """The units of one file, each `replaces=True` unit in the place of the one it replaces.

    Two features contributing one unit without saying so is a bug in synth, not a choice.
    """
    kept: list[tuple[FeatureName, Unit]] = []
    where: dict[tuple[object, ...], int] = {}
    for feature, unit in owned:
        key = (unit.identity, unit.container)
        if key not in where:
            where[key] = len(kept)
            kept.append((feature, unit))
        elif unit.replaces:
            kept[where[key]] = (feature, unit)
        else:
            earlier = kept[where[key]][0]
            raise ValueError(
                f"{path}: features {earlier} and {feature} both contribute {unit.identity}"
            )
    return kept
