"""The base: what synth generated last time, kept inside the service as `.synth/base.json`.

It is the third version every merge needs (base / ours on disk / theirs generated now), and it
lives in the service itself so that it survives an upgrade of synth. Files are stored as lists
of lines, so a change to the base reads as a line diff in the owner's version control. Nothing
but synth should edit it; a file whose stored text no longer matches the hash in `synth.yaml`
is treated as having no base (every piece of it then counts as the owner's: never lossy).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from synth.errors import SourceError

__all__ = ["BASE_FILE", "read_base", "render_base"]

BASE_FILE = ".synth/base.json"
_FORMAT = 1


def render_base(files: Mapping[str, str]) -> str:
    """The text of `.synth/base.json` for these generated files (deterministic)."""
    payload = {
        "about": "What synth generated last time: the base of its three-way merges. Do not edit.",
        "format": _FORMAT,
        "files": {path: files[path].splitlines(keepends=True) for path in sorted(files)},
    }
    return json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def read_base(root: Path) -> dict[str, str] | None:
    """The stored base of the folder at `root` (None when it has none)."""
    path = root / BASE_FILE
    if not path.is_file():
        return None
    try:
        payload = json.loads(path.read_bytes().decode("utf-8"))
        if payload.get("format") != _FORMAT:
            raise ValueError(f"format {payload.get('format')!r}, this synth reads {_FORMAT}")
        return {str(p): "".join(lines) for p, lines in payload["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SourceError(
            f"{path}: unreadable merge base ({exc}); restore it from version control"
        ) from exc
