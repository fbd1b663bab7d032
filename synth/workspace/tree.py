"""The in-memory tree of one service: files as syntax trees, YAML documents or text.

Nothing here touches the disk except `load_*` reading originals; every change stays in memory
until a sink writes the ChangeSet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from synth.errors import SourceError

__all__ = ["Workspace"]

_CONFIG = cst.PartialParserConfig(python_version="3.11")


@dataclass
class Workspace:
    """Files of one service folder, keyed by POSIX path relative to `root`."""

    root: Path | None = None
    _originals: dict[str, str | None] = field(default_factory=dict)
    python: dict[str, cst.Module] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)

    def original(self, path: str) -> str | None:
        """The file's text on disk before this run (None if absent), read once."""
        if path not in self._originals:
            content: str | None = None
            if self.root is not None:
                target = self.root / path
                if target.is_file():
                    try:
                        content = target.read_text(encoding="utf-8")
                    except (OSError, UnicodeDecodeError) as exc:
                        raise SourceError(f"{target}: cannot read ({exc})") from exc
            self._originals[path] = content
        return self._originals[path]

    def module(self, path: str) -> cst.Module:
        """The Python module at `path`: the staged tree, the parsed original, or empty."""
        if path not in self.python:
            source = self.original(path)
            if source is None:
                self.python[path] = cst.Module(body=[])
            else:
                try:
                    self.python[path] = cst.parse_module(source, _CONFIG)
                except cst.ParserSyntaxError as exc:
                    where = f"{self.root / path if self.root else path}:{exc.raw_line}"
                    raise SourceError(
                        f"{where}: cannot parse Python ({exc.message}); fix the syntax, then retry"
                    ) from exc
        return self.python[path]

    def current_text(self, path: str) -> str | None:
        """Staged text of a non-Python file, else its original."""
        if path in self.text:
            return self.text[path]
        return self.original(path)

    def paths(self) -> list[str]:
        """Every staged path, sorted."""
        return sorted({*self.python, *self.text})
