"""ChangeSet: what a run would change, computed from the workspace; nothing is written here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ChangeSet", "FileChange", "FileStatus"]


class FileStatus(StrEnum):
    """What happens to one file."""

    CREATED = "created"
    MODIFIED = "modified"
    DELETED = "deleted"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class FileChange:
    """One file's content before and after the run."""

    path: str
    before: str | None
    after: str | None

    @property
    def status(self) -> FileStatus:
        if self.after is None:
            return FileStatus.DELETED if self.before is not None else FileStatus.UNCHANGED
        if self.before is None:
            return FileStatus.CREATED
        if self.before == self.after:
            return FileStatus.UNCHANGED
        return FileStatus.MODIFIED


@dataclass(frozen=True)
class ChangeSet:
    """Every file a run touched, sorted by path; `changed` drops the no-op writes."""

    files: tuple[FileChange, ...]

    @property
    def changed(self) -> tuple[FileChange, ...]:
        return tuple(f for f in self.files if f.status is not FileStatus.UNCHANGED)
