"""The one place synth imports black: format Python source and tell whether it is black-stable.

black is the slowest step of a run, and synth formats the same text many times (every unit of
a constant template, every file of an unchanged service), so results are memoised by content:
in memory for the process, and on disk under `$XDG_CACHE_HOME/synth` (or `~/.cache/synth`),
keyed by black's version and mode, like black's own cache. `SYNTH_NO_CACHE=1` turns the disk
cache off (benchmarks measure both).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from importlib.metadata import version
from pathlib import Path

import black
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from synth.errors import GateError

__all__ = ["LINE_LENGTH", "format_source", "is_black_stable"]

LINE_LENGTH = 100
_MODE = Mode(target_versions={TargetVersion.PY311}, line_length=LINE_LENGTH)
_MEMO: dict[str, str] = {}
_SALT = f"{version('black')}|{_MODE.get_cache_key()}".encode()


def _cache_dir() -> Path | None:
    if os.environ.get("SYNTH_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "synth" / "black"


def _key(source: str) -> str:
    return hashlib.sha256(_SALT + source.encode("utf-8")).hexdigest()


def _load(key: str) -> str | None:
    folder = _cache_dir()
    if folder is None:
        return None
    try:
        return (folder / key[:2] / key).read_text(encoding="utf-8")
    except OSError:
        return None


def _store(key: str, formatted: str) -> None:
    folder = _cache_dir()
    if folder is None:
        return
    target = folder / key[:2] / key
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(formatted)
        os.replace(temp, target)
    except OSError:
        return  # a cache that cannot be written is only slower


def format_source(source: str, path: str = "<generated>") -> str:
    """Black-format `source`; a syntax error is a GateError naming `path`."""
    key = _key(source)
    cached = _MEMO.get(key)
    if cached is None:
        cached = _load(key)
    if cached is None:
        try:
            cached = black.format_str(source, mode=_MODE)
        except InvalidInput as exc:
            raise GateError(f"{path}: black cannot parse the generated code ({exc})") from exc
        _store(key, cached)
    _MEMO[key] = cached
    return cached


def is_black_stable(source: str) -> bool:
    """True when black would leave `source` unchanged (False when it does not parse)."""
    try:
        return format_source(source) == source
    except GateError:
        return False
