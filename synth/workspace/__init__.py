"""The in-memory workspace, its ChangeSet, and the sinks (the only code that writes files)."""

from synth.workspace.changes import ChangeSet, FileChange, FileStatus
from synth.workspace.sinks import render_diff, summarize, write_changes
from synth.workspace.tree import Workspace

__all__ = [
    "ChangeSet",
    "FileChange",
    "FileStatus",
    "Workspace",
    "render_diff",
    "summarize",
    "write_changes",
]
