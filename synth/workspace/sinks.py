"""Sinks: the only code that writes. Disk (atomic), dry-run diff, and the JSON summary."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path

from synth.errors import TargetError
from synth.workspace.changes import ChangeSet

__all__ = ["creation_mode", "render_diff", "summarize", "write_changes"]


def creation_mode(*, folder: bool = False) -> int:
    """The mode a new file (or folder) gets from the process umask, as `open()` would give.

    Temporary files and folders (mkstemp, mkdtemp) are created private (0600, 0700); what
    synth leaves behind must be readable as any file the owner creates (a container's
    non-root user reads the service's files).
    """
    umask = os.umask(0o022)
    os.umask(umask)
    return (0o777 if folder else 0o666) & ~umask


def render_diff(changes: ChangeSet, root_label: str) -> str:
    """A unified diff of every changed file (the dry-run sink)."""
    chunks: list[str] = []
    for change in changes.changed:
        before = (change.before or "").splitlines(keepends=True)
        after = (change.after or "").splitlines(keepends=True)
        old = "/dev/null" if change.before is None else f"a/{root_label}/{change.path}"
        chunks.extend(
            difflib.unified_diff(
                before, after, fromfile=old, tofile=f"b/{root_label}/{change.path}"
            )
        )
    return "".join(chunks)


def summarize(changes: ChangeSet, root: Path) -> list[dict[str, str]]:
    """Paths and statuses only: what `--json` prints."""
    return [{"path": str(root / c.path), "status": str(c.status)} for c in changes.changed]


def write_changes(changes: ChangeSet, root: Path, *, replace_root: bool = False) -> None:
    """Write every changed file, all or nothing.

    A new service (or `replace_root`) is built in a sibling temporary folder and renamed into
    place; changes to an existing service are staged as sibling temporary files first and then
    renamed over the originals, with the originals restored if any rename fails.
    """
    if replace_root or not root.exists():
        _write_tree(changes, root)
    else:
        _write_in_place(changes, root)


def _write_tree(changes: ChangeSet, root: Path) -> None:
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.synth-", dir=root.parent))
    try:
        staging.chmod(creation_mode(folder=True))
        for change in changes.files:
            if change.after is None:
                continue
            target = staging / change.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(change.after, encoding="utf-8")
        if root.exists():
            backup = root.with_name(f".{root.name}.synth-old")
            if backup.exists():
                shutil.rmtree(backup)
            os.rename(root, backup)
            os.rename(staging, root)
            shutil.rmtree(backup)
        else:
            os.rename(staging, root)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise TargetError(f"{root}: cannot write ({exc.strerror}); nothing was changed") from exc


def _write_in_place(changes: ChangeSet, root: Path) -> None:
    staged: list[tuple[Path | None, Path]] = []
    new_file_mode = creation_mode()
    try:
        for change in changes.changed:
            target = root / change.path
            if change.after is None:
                staged.append((None, target))
                continue
            target = _through_link(target, root)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(change.after)
            if target.exists():
                shutil.copymode(target, temp_name)
            else:
                os.chmod(temp_name, new_file_mode)
            staged.append((Path(temp_name), target))
    except OSError as exc:
        for staged_temp, _ in staged:
            if staged_temp is not None:
                staged_temp.unlink(missing_ok=True)
        raise TargetError(
            f"{root}: cannot stage changes ({exc.strerror}); nothing written"
        ) from exc
    backups: list[tuple[Path, Path | None]] = []
    try:
        for temp, target in staged:
            backup = None
            if target.exists():
                backup = target.with_name(f".{target.name}.synth-bak")
                os.replace(target, backup)
            backups.append((target, backup))
            if temp is not None:
                os.replace(temp, target)
    except OSError as exc:
        for target, backup in reversed(backups):
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        raise TargetError(f"{root}: write failed ({exc.strerror}); originals restored") from exc
    for _, backup in backups:
        if backup is not None:
            backup.unlink(missing_ok=True)
    for temp, target in staged:
        if temp is None:
            _prune_empty_parents(target.parent, root)


def _through_link(target: Path, root: Path) -> Path:
    """A symlinked file is written where it points (the link stays), inside the service only."""
    if not target.is_symlink():
        return target
    resolved = target.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise TargetError(
            f"{target}: a link to {resolved}, outside the service; synth writes only inside "
            "it: replace the link with a file, then retry"
        )
    return resolved


def _prune_empty_parents(folder: Path, root: Path) -> None:
    """Remove folders a deletion left empty, up to (not including) the service root."""
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
