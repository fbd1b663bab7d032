"""A whole folder's three-way merge: base (stored), ours (the disk), theirs (generated now).

Every path synth generated last time or generates now is merged by `merge_file`; files synth
never wrote are not read. The record (`synth.yaml`) and the base itself are synth's and are
always theirs. Nothing is written here: the result is a ChangeSet and what the merge reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from synth.compose.provenance import RECORD_FILE
from synth.errors import SourceError
from synth.merge.files import merge_file
from synth.merge.sequence import Conflict, Forced
from synth.merge.store import BASE_FILE
from synth.workspace import ChangeSet, FileChange

__all__ = ["FolderMerge", "merge_folder", "read_exact"]

SYNTH_OWNED = frozenset({RECORD_FILE, BASE_FILE})


@dataclass(frozen=True)
class FolderMerge:
    """The merged folder: its changes and what the merge had to say."""

    changes: ChangeSet
    conflicts: tuple[Conflict, ...] = ()
    forced: tuple[Forced, ...] = ()
    kept_deleted: tuple[str, ...] = ()


def read_exact(root: Path, path: str) -> str | None:
    """A file's text exactly as on disk (line endings and BOM kept); None when absent."""
    target = root / path
    if not target.exists() and not target.is_symlink():
        return None
    if target.is_dir():
        raise SourceError(
            f"{target}: is a folder where synth keeps a file; move it away, then retry"
        )
    try:
        return target.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{target}: not UTF-8 (byte {exc.start}); synth merges UTF-8 text only: "
            "convert it, then retry"
        ) from exc
    except OSError as exc:
        raise SourceError(f"{target}: cannot read ({exc.strerror}); fix it, then retry") from exc


def merge_folder(
    root: Path, base: Mapping[str, str], theirs: Mapping[str, str], *, force: bool
) -> FolderMerge:
    """Merge every generated path of the folder at `root`."""
    files: list[FileChange] = []
    conflicts: list[Conflict] = []
    forced: list[Forced] = []
    kept_deleted: list[str] = []
    for path in sorted((set(base) | set(theirs)) - SYNTH_OWNED):
        ours = read_exact(root, path)
        merged = merge_file(path, base.get(path), ours, theirs.get(path), force=force)
        conflicts.extend(merged.conflicts)
        forced.extend(merged.forced)
        if merged.kept_deleted:
            kept_deleted.append(path)
        files.append(FileChange(path, ours, merged.text))
    for path in sorted(SYNTH_OWNED & set(theirs)):
        files.append(FileChange(path, read_exact(root, path), theirs[path]))
    return FolderMerge(
        ChangeSet(tuple(files)), tuple(conflicts), tuple(forced), tuple(kept_deleted)
    )
