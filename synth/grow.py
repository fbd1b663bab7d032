"""Growing, shrinking, upgrading and regenerating an existing service: one three-way merge.

Every command that writes into a service that already has files composes what synth would
generate now (theirs) once, in memory, and merges it with what is on disk (ours) against what
synth generated last time (base, `.synth/base.json`): an owner's edit, comment, deletion, line
ending or file mode survives, or the merge names `file:line` and nothing is written. Before
anything is written the merged service must still hang together: every first-party import
resolves, and ruff finds nothing new.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from synth.api import ServicePlan, compose_platform, compose_service, new_ruff_findings
from synth.compose.adoption import find_adoption
from synth.compose.provenance import RECORD_FILE, ServiceRecord, content_hash, load_record
from synth.errors import FeatureError, GateError, TargetError
from synth.features.registry import always_on, plan_features
from synth.merge.envelope import close, open_text
from synth.merge.folder import FolderMerge, merge_folder, read_exact
from synth.merge.sequence import Conflict, Forced
from synth.merge.store import BASE_FILE, read_base
from synth.quality.first_party import dangling_imports
from synth.spec import FeatureName, ServiceSpec
from synth.workspace import ChangeSet, FileChange, Workspace

__all__ = [
    "GrowthResult",
    "add_features",
    "base_of",
    "merge_service",
    "remove_feature",
    "stage_new",
    "upgrade_service",
]

_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "venv", "build", "dist"})


@dataclass(frozen=True)
class GrowthResult:
    """What a command would change, and what its merge reports (nothing written yet)."""

    root: Path
    features: tuple[FeatureName, ...]
    changes: ChangeSet
    conflicts: tuple[Conflict, ...] = ()
    forced: tuple[Forced, ...] = ()
    kept_deleted: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.conflicts


def add_features(
    root: Path,
    requested: Sequence[FeatureName],
    specs_dir: Path = Path("specs"),
    *,
    force: bool = False,
) -> GrowthResult:
    """Add `requested` to the service at `root`.

    A FastAPI service without `synth.yaml` is adopted first (see `synth.compose.adoption`).
    """
    if not (root / RECORD_FILE).is_file():
        return _adopt(root, requested, specs_dir)
    record = load_record(root)
    features = tuple(f.name for f in plan_features([*record.features, *requested]))
    return merge_service(root, record, record.spec, features, force=force)


def remove_feature(root: Path, feature: FeatureName, *, force: bool) -> GrowthResult:
    """Take `feature` out of the service at `root`."""
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
    return merge_service(root, record, record.spec, kept, force=force)


def upgrade_service(root: Path, *, force: bool) -> GrowthResult:
    """Regenerate the service with the installed synth (same spec and features) and merge."""
    record = load_record(root)
    return merge_service(root, record, record.spec, record.features, force=force)


def stage_new(
    plans: Sequence[tuple[ServicePlan, Path]], *, force: bool, platform: Path | None = None
) -> list[GrowthResult]:
    """`synth new`: each plan into its folder, and the platform files into `platform`.

    An absent or empty folder simply gets the service. A folder that already holds a synth
    service is merged (base / disk / this plan): the owner's edits stay, conflicts are listed,
    `--force` takes synth's side and lists what it replaced. Any other non-empty folder is
    refused: synth only ever writes over what it wrote itself.
    """
    results = [_new_into(plan, target, force=force) for plan, target in plans]
    if platform is not None:
        changes = compose_platform([plan for plan, _ in plans], platform)
        theirs = {c.path: c.after for c in changes.files if c.after is not None}
        merged = merge_folder(platform, read_base(platform) or {}, theirs, force=force)
        results.append(
            GrowthResult(
                platform,
                (),
                merged.changes,
                merged.conflicts,
                merged.forced,
                merged.kept_deleted,
            )
        )
    return results


def _new_into(plan: ServicePlan, target: Path, *, force: bool) -> GrowthResult:
    if target.exists() and not target.is_dir():
        raise TargetError(f"{target} exists and is not a folder; choose another --out")
    if not target.is_dir() or not any(target.iterdir()):
        return GrowthResult(target, plan.features, plan.changes)
    if not (target / RECORD_FILE).is_file():
        raise TargetError(
            f"{target} is not empty and is not a synth service (no {RECORD_FILE}); synth only "
            "writes into an empty folder or over a service it generated: choose another --out"
        )
    record = load_record(target)
    base, notes = base_of(target, record)
    merged = merge_folder(target, base, plan.contents(), force=force)
    result = GrowthResult(
        target,
        plan.features,
        merged.changes,
        merged.conflicts,
        merged.forced,
        merged.kept_deleted,
        notes,
    )
    if not merged.conflicts:
        _gate(target, merged, plan.spec.package, plan)
    return result


def merge_service(
    root: Path,
    record: ServiceRecord,
    spec: ServiceSpec,
    features: Sequence[FeatureName],
    *,
    force: bool,
) -> GrowthResult:
    """Compose `spec` with `features` once and merge it into the service at `root`."""
    theirs = compose_service(spec, features, Workspace(root=None), gate=False)
    base, notes = base_of(root, record)
    merged = merge_folder(root, base, theirs.contents(), force=force)
    result = GrowthResult(
        root,
        theirs.features,
        merged.changes,
        merged.conflicts,
        merged.forced,
        merged.kept_deleted,
        notes,
    )
    if merged.conflicts:
        return result
    _gate(root, merged, spec.package, theirs)
    return result


def base_of(root: Path, record: ServiceRecord) -> tuple[dict[str, str], tuple[str, ...]]:
    """What synth generated last time, file by file.

    The stored base, each file checked against its hash in the record. A service without one
    (made by a synth before 0.2) or a stored file that fails its hash gets the file synth
    generates today from the record: never lossy, since a piece only counts as synth's when
    it is byte-equal to something synth generates.
    """
    stored = read_base(root) or {}
    base = {p: t for p, t in stored.items() if record.files.get(p) == content_hash(t)}
    missing = set(record.files) - set(base) - {RECORD_FILE, BASE_FILE}
    if not missing:
        return base, ()
    old = compose_service(record.spec, record.features, Workspace(root=None), gate=False)
    rebuilt = old.contents()
    for path in missing:
        if path in rebuilt:
            base[path] = rebuilt[path]
    note = (
        f"{root}: no stored base for {len(missing)} file(s); rebuilt from {RECORD_FILE} "
        "with this synth"
    )
    return base, (note,)


def _gate(root: Path, merged: FolderMerge, package: str, theirs: ServicePlan) -> None:
    """The merged service must hang together before anything is written."""
    changed = {c.path: c for c in merged.changes.changed}
    python = [c for c in changed.values() if c.path.endswith(".py")]
    if not python:
        return
    for change in python:
        if change.after is None:
            continue
        try:
            compile(change.after, change.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise GateError(
                f"{change.path}:{exc.lineno}: the merge would not compile ({exc.msg}); "
                "nothing written"
            ) from None
    before = _python_files(root)
    after = dict(before)
    for change in python:
        if change.after is None:
            after.pop(change.path, None)
        else:
            after[change.path] = change.after
    known = {(d.path, d.module, d.name) for d in dangling_imports(before, package)}
    dangling = [
        d for d in dangling_imports(after, package) if (d.path, d.module, d.name) not in known
    ]
    if dangling:
        listing = "; ".join(str(d) for d in dangling[:5])
        more = f" (and {len(dangling) - 5} more)" if len(dangling) > 5 else ""
        raise GateError(
            f"the change would break your code: {listing}{more}; "
            "change or remove those imports first, then retry (nothing written)"
        )
    config_change = changed.get("pyproject.toml")
    config = (
        config_change.after
        if config_change is not None and config_change.after is not None
        else read_exact(root, "pyproject.toml") or theirs.contents().get("pyproject.toml", "")
    )
    new = new_ruff_findings(ChangeSet(tuple(python)), config)
    if new:
        listing = "; ".join(str(f) for f in new[:5])
        raise GateError(
            f"the change would leave code ruff rejects ({listing}); "
            "change that code first, then retry (nothing written)"
        )


def _python_files(root: Path) -> dict[str, str]:
    """Every Python file of the service on disk (hidden and build folders left out)."""
    files: dict[str, str] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in names:
            if name.endswith(".py"):
                path = Path(folder, name)
                try:
                    files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
    return files


def _adopt(root: Path, requested: Sequence[FeatureName], specs_dir: Path) -> GrowthResult:
    """A FastAPI service synth did not generate: its app gets synth's lifespan, the features'
    missing pieces are added around the owner's code, and it gets a record and a base."""
    adopted = find_adoption(root, specs_dir)
    workspace = Workspace(root=root)
    workspace.python[adopted.main_path] = cst.parse_module(adopted.main_source)
    features = tuple(f.name for f in plan_features([*always_on(), *requested]))
    wanted = frozenset(features)
    fresh = compose_service(adopted.spec, features, Workspace(root=None))
    merged = compose_service(adopted.spec, features, workspace, insert=wanted)
    blocked = [
        d
        for d in merged.python.drifted
        if (d.path, d.drift.identity) != (adopted.main_path, ("assign", "app"))
    ]
    if blocked:
        conflicts = tuple(
            Conflict(d.path, 1, " ".join(d.drift.identity), "yours differs from synth's")
            for d in blocked
        )
        return GrowthResult(root, features, ChangeSet(()), conflicts)
    fresh_files = fresh.contents()
    files: list[FileChange] = []
    for change in merged.changes.files:
        if change.path in (RECORD_FILE, BASE_FILE):
            files.append(FileChange(change.path, change.before, fresh_files[change.path]))
            continue
        exact = read_exact(root, change.path)
        if exact is None or change.after is None:
            files.append(FileChange(change.path, exact, change.after))
            continue
        _, envelope = open_text(exact)
        files.append(FileChange(change.path, exact, close(open_text(change.after)[0], envelope)))
    return GrowthResult(root, features, ChangeSet(tuple(files)))
