"""Writing a rendered artifact (graph, AsyncAPI document) to disk, whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from synth.errors import TargetError
from synth.workspace.sinks import creation_mode

__all__ = ["write_artifact"]


def write_artifact(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (temporary file, then rename); the folder must exist."""
    folder = path.parent
    if not folder.is_dir():
        raise TargetError(f"{folder}: no such folder for --out; create it first")
    if path.is_dir():
        raise TargetError(f"{path}: is a folder; --out takes a file name")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        if path.exists():
            shutil.copymode(path, temporary)
        else:
            os.chmod(temporary, creation_mode())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise TargetError(f"{path}: cannot write ({exc.strerror})") from exc
