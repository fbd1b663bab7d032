"""`synth explain`: which feature made each unit of a file, and whether its owner changed it.

A unit's feature is found by asking synth: the service is composed without each optional
feature in turn, and a unit that disappears (or changes) without feature F was made (or
shaped) by F; a unit every composition has is the always-on features' (app, health). Whether
the owner changed it is a byte comparison with the base (what synth generated last time).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synth.api import compose_service
from synth.compose.provenance import RECORD_FILE, load_record
from synth.errors import TargetError
from synth.features.registry import always_on, plan_features
from synth.grow import base_of
from synth.merge.envelope import open_text
from synth.merge.files import split_for
from synth.merge.folder import read_exact
from synth.merge.units import Unit
from synth.workspace import Workspace

__all__ = ["Explained", "UnitStatus", "explain_file", "find_service_root"]


@dataclass(frozen=True)
class UnitStatus:
    """One unit of the file on disk (or of the base, when the owner deleted it)."""

    key: str
    line: int
    end_line: int
    features: tuple[str, ...]
    status: str  # "synth's, unchanged" | "changed by you" | "yours" | "deleted by you"

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "line": self.line,
            "end_line": self.end_line,
            "features": list(self.features),
            "status": self.status,
        }


@dataclass(frozen=True)
class Explained:
    """What `explain` found for one file."""

    root: Path
    path: str
    units: tuple[UnitStatus, ...]
    version: str


def find_service_root(file: Path) -> Path:
    """The nearest folder above `file` that holds a synth.yaml."""
    for folder in [file.parent, *file.parent.parents] if file.suffix else [file, *file.parents]:
        if (folder / RECORD_FILE).is_file():
            return folder
    raise TargetError(
        f"{file}: not inside a synth service (no {RECORD_FILE} above it); "
        "give a file of a service synth generated"
    )


def _flatten(units: tuple[Unit, ...], prefix: str = "") -> list[tuple[str, Unit]]:
    out: list[tuple[str, Unit]] = []
    for unit in units:
        out.append((prefix + unit.key, unit))
        if unit.children:
            out.extend(_flatten(unit.children, prefix + unit.key + "/"))
    return out


def _keys(path: str, text: str | None) -> dict[str, str]:
    split = split_for(path)
    if text is None:
        return {}
    if split is None:
        return {"<file>": text}
    return {key: unit.text for key, unit in _flatten(split(text))}


def explain_file(file: Path, line: int | None = None) -> Explained:
    """Explain the units of `file` (only the innermost one holding `line`, when given)."""
    if not file.is_file():
        raise TargetError(f"{file}: no such file; give a file of a synth service, e.g. app/main.py")
    root = find_service_root(file.resolve())
    path = file.resolve().relative_to(root).as_posix()
    record = load_record(root)
    base, _ = base_of(root, record)
    ours_raw = read_exact(root, path) or ""
    ours, _ = open_text(ours_raw)
    features = tuple(record.features)
    full = compose_service(record.spec, features, Workspace(root=None), gate=False).contents()
    theirs_keys = _keys(path, full.get(path))
    without: dict[str, dict[str, str]] = {}
    for feature in features:
        if feature in always_on():
            continue
        rest = [f for f in features if f != feature]
        kept = [f.name for f in plan_features(rest) if feature not in f.requires]
        if feature in kept:
            continue
        plan = compose_service(record.spec, kept, Workspace(root=None), gate=False).contents()
        without[feature.value] = _keys(path, plan.get(path))
    base_keys = _keys(path, base.get(path))
    split = split_for(path)
    flat = _flatten(split(ours)) if split is not None else [("<file>", Unit("<file>", ours, 1))]
    statuses: list[UnitStatus] = []
    for key, unit in flat:
        made = _made_by(key, theirs_keys, without)
        if key in base_keys:
            status = "synth's, unchanged" if base_keys[key] == unit.text else "changed by you"
        else:
            status = "yours"
        end = unit.line + max(unit.text.count("\n"), 1) - 1
        statuses.append(UnitStatus(key, unit.line, end, made, status))
    on_disk = {key for key, _ in flat}
    for key in base_keys:
        if key not in on_disk:
            statuses.append(
                UnitStatus(key, 0, 0, _made_by(key, theirs_keys, without), "deleted by you")
            )
    if line is not None:
        holding = [s for s in statuses if s.line <= line <= s.end_line]
        if not holding:
            lines = ours.count("\n")
            raise TargetError(f"{file}:{line}: no unit there (the file has {lines} lines)")
        statuses = [max(holding, key=lambda s: (s.key.count("/"), s.line))]
    return Explained(root, path, tuple(statuses), record.version)


def _made_by(
    key: str, theirs: dict[str, str], without: dict[str, dict[str, str]]
) -> tuple[str, ...]:
    if key not in theirs:
        return ()
    made = tuple(
        feature for feature, keys in without.items() if key not in keys or keys[key] != theirs[key]
    )
    return made or tuple(sorted(f.value for f in always_on()))
