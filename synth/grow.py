"""Growing and shrinking an existing, hand-edited service: `add-feature` and `remove-feature`.

Both start from the service's own record (`synth.yaml`: spec, features, hashes of what synth
generated). A file the owner never touched (its hash matches the record) is simply regenerated
for the new feature set; a file the owner edited is changed unit by unit: add-feature inserts
only the missing units at their anchors, remove-feature removes only units still exactly as
synth generated them. Nothing is ever overwritten silently: what cannot be done is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from synth.api import ServicePlan, compose_service, new_ruff_findings
from synth.codegen import Identity, find_unit, identity_key, replace_units, unit_fingerprints
from synth.compose.adoption import find_adoption
from synth.compose.provenance import RECORD_FILE, ServiceRecord, content_hash, load_record
from synth.compose.python import OwnedDrift
from synth.compose.removal import Leftover, remove_python_units, remove_text_pieces
from synth.errors import FeatureError, GateError
from synth.features.registry import always_on, plan_features
from synth.quality import format_source, is_black_stable
from synth.spec import FeatureName
from synth.workspace import ChangeSet, FileChange, Workspace

__all__ = ["GrowthResult", "add_features", "remove_feature"]


@dataclass(frozen=True)
class GrowthResult:
    """The change set of an add or remove, and what was skipped or left behind."""

    root: Path
    features: tuple[FeatureName, ...]
    changes: ChangeSet
    skipped: tuple[OwnedDrift, ...] = ()
    leftovers: tuple[Leftover, ...] = ()


def _untouched(record: ServiceRecord, path: str, current: str | None) -> bool:
    return current is not None and record.files.get(path) == content_hash(current)


def add_features(
    root: Path, requested: Sequence[FeatureName], specs_dir: Path = Path("specs")
) -> GrowthResult:
    """Add `requested` to the service at `root` (staged in memory; nothing is written).

    A FastAPI service without `synth.yaml` is adopted first (see `synth.compose.adoption`).
    """
    workspace = Workspace(root=root)
    adopted = None
    if (root / RECORD_FILE).is_file():
        record = load_record(root)
    else:
        adopted = find_adoption(root, specs_dir)
        record = ServiceRecord(adopted.spec, ())
        workspace.python[adopted.main_path] = cst.parse_module(adopted.main_source)
    features = tuple(f.name for f in plan_features([*record.features, *requested]))
    wanted = frozenset(features) - set(record.features)
    fresh = compose_service(record.spec, features, Workspace(root=None))
    merged = compose_service(record.spec, features, workspace, insert=wanted)
    skipped = [
        d
        for d in merged.python.drifted
        if d.feature in wanted
        and not (adopted and (d.path, d.drift.identity) == (adopted.main_path, ("assign", "app")))
    ]
    fresh_files = fresh.contents()
    upgrades, stuck = _upgrades(record, fresh, merged)
    skipped.extend(stuck)
    files: list[FileChange] = []
    for change in merged.changes.files:
        if change.path in upgrades and not _untouched(record, change.path, change.before):
            files.append(_upgraded(change, fresh_files[change.path], upgrades[change.path]))
        elif change.path == RECORD_FILE:
            files.append(FileChange(RECORD_FILE, change.before, fresh_files[RECORD_FILE]))
        elif change.before is None and change.path in record.files:
            continue  # the owner deleted a file synth made earlier: leave it deleted
        elif change.before is None or _untouched(record, change.path, change.before):
            files.append(FileChange(change.path, change.before, fresh_files[change.path]))
        else:
            files.append(change)
    return GrowthResult(root, features, ChangeSet(tuple(files)), skipped=tuple(skipped))


_Key = tuple[Identity, str | None]


def _upgrades(
    record: ServiceRecord, fresh: ServicePlan, merged: ServicePlan
) -> tuple[dict[str, list[_Key]], list[OwnedDrift]]:
    """Units whose shape the new feature set changes: upgradable if the owner left them as
    synth generated them, stuck (reported) if the owner changed them."""
    upgrades: dict[str, list[_Key]] = {}
    stuck: list[OwnedDrift] = []
    current_prints: dict[str, dict[str, str]] = {}
    for drift in merged.python.drifted:
        key = identity_key(drift.drift.identity, drift.drift.container)
        recorded = record.units.get(drift.path, {}).get(key)
        wanted = fresh.unit_hashes.get(drift.path, {}).get(key)
        if recorded is None or wanted is None or wanted == recorded:
            continue  # synth's shape did not change: the owner's version stays as it is
        if drift.path not in current_prints:
            before = next(c.before for c in merged.changes.files if c.path == drift.path)
            current_prints[drift.path] = unit_fingerprints(
                cst.parse_module(before or ""), fresh.containers
            )
        if current_prints[drift.path].get(key) == recorded:
            upgrades.setdefault(drift.path, []).append(
                (drift.drift.identity, drift.drift.container)
            )
        else:
            stuck.append(drift)
    return upgrades, stuck


def _upgraded(change: FileChange, fresh_text: str, keys: list[_Key]) -> FileChange:
    fresh_module = cst.parse_module(fresh_text)
    replacements = {
        (identity, container): node
        for identity, container in keys
        if (node := find_unit(fresh_module, identity, container)) is not None
    }
    merged = replace_units(cst.parse_module(change.after or ""), replacements).code
    if change.before is not None and is_black_stable(change.before):
        merged = format_source(merged, change.path)
    return FileChange(change.path, change.before, merged)


def remove_feature(root: Path, feature: FeatureName, *, force: bool) -> GrowthResult:
    """Remove `feature`'s unchanged pieces from the service at `root` (staged in memory)."""
    record = load_record(root)
    if feature in always_on():
        raise FeatureError(f"'{feature}' is part of every service and cannot be removed")
    if feature not in record.features:
        have = ", ".join(f.value for f in record.features)
        raise FeatureError(f"{root} does not have '{feature}' (it has: {have})")
    remaining = [f for f in record.features if f != feature]
    kept = tuple(f.name for f in plan_features(remaining))
    if feature in kept:
        needs = [f.name.value for f in plan_features(remaining) if feature in f.requires]
        raise FeatureError(f"'{feature}' is required by {', '.join(needs)}; remove those first")
    old = compose_service(record.spec, record.features, Workspace(root=None))
    new = compose_service(record.spec, kept, Workspace(root=None))
    return _removal(root, record, old, new, kept, force=force)


def _removal(
    root: Path,
    record: ServiceRecord,
    old: ServicePlan,
    new: ServicePlan,
    kept: tuple[FeatureName, ...],
    *,
    force: bool,
) -> GrowthResult:
    workspace = Workspace(root=root)
    old_files, new_files = old.contents(), new.contents()
    containers = old.containers
    files: list[FileChange] = []
    leftovers: list[Leftover] = []
    for path in sorted(set(old_files) | set(new_files)):
        if path == RECORD_FILE:
            continue
        current = workspace.original(path)
        if current is None:
            if path not in old_files:
                files.append(FileChange(path, None, new_files[path]))
            continue
        if _untouched(record, path, current) or current == old_files.get(path):
            files.append(FileChange(path, current, new_files.get(path)))
            continue
        if path not in old_files:
            continue
        if path.endswith(".py"):
            after, left = remove_python_units(
                path,
                current,
                cst.parse_module(old_files[path]),
                cst.parse_module(new_files.get(path, "")),
                record.units.get(path, {}),
                containers,
                force=force,
            )
            if after != current and is_black_stable(current):
                after = format_source(after, path)
            if path not in new_files and not left and _only_docstring(after):
                files.append(FileChange(path, current, None))
            else:
                files.append(FileChange(path, current, after))
        else:
            text_after, left = remove_text_pieces(
                path, current, old_files[path], new_files.get(path), force=force
            )
            files.append(FileChange(path, current, text_after))
        leftovers.extend(left)
    files.append(FileChange(RECORD_FILE, workspace.original(RECORD_FILE), new_files[RECORD_FILE]))
    changes = ChangeSet(tuple(files))
    _gate_removal(changes, new_files.get("pyproject.toml", ""))
    return GrowthResult(root, kept, changes, leftovers=tuple(sorted(leftovers)))


def _only_docstring(source: str) -> bool:
    body = cst.parse_module(source).body
    return len(body) <= 1


def _gate_removal(changes: ChangeSet, config: str) -> None:
    """A removal must not leave code ruff rejects (e.g. an owner's call to a removed helper)."""
    new = new_ruff_findings(changes, config)
    if new:
        listing = "; ".join(str(f) for f in new[:5])
        raise GateError(
            f"removing would break the owner's code ({listing}); change that code first, "
            "then retry"
        )
