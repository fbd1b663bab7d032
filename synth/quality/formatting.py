"""The one place synth imports black: format Python source and tell whether it is black-stable.

black is the slowest step of a run, and synth formats the same text many times (every unit of
a constant template, every file of an unchanged service), so results are memoised by content:
in memory for the process, and on disk under `$XDG_CACHE_HOME/synth` (or `~/.cache/synth`),
keyed by black's version and mode, like black's own cache. `SYNTH_NO_CACHE=1` turns the disk
cache off (benchmarks measure both).

`format_module` formats a generated module statement by statement and leaves alone the ones its
caller knows are black's output already (synth's runtime modules are black-formatted in synth's
own source, a gate test holds that): black is imported only when something needs it.
tests/pipeline/test_formatting.py holds that the result is what black makes of the whole file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from synth.errors import GateError

if TYPE_CHECKING:
    from black.mode import Mode

__all__ = ["LINE_LENGTH", "format_module", "format_source", "is_black_stable"]

LINE_LENGTH = 100
_MEMO: dict[str, str] = {}
_EMPTY = cst.Module(body=[])


@cache
def _mode() -> Mode:
    from black.mode import Mode, TargetVersion

    return Mode(target_versions={TargetVersion.PY311}, line_length=LINE_LENGTH)


@cache
def _salt() -> bytes:
    return f"{version('black')}|{_mode().get_cache_key()}".encode()


def _cache_dir() -> Path | None:
    if os.environ.get("SYNTH_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "synth" / "black"


def _key(source: str) -> str:
    return hashlib.sha256(_salt() + source.encode("utf-8")).hexdigest()


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
        import black
        from black.parsing import InvalidInput

        try:
            cached = black.format_str(source, mode=_mode())
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


def format_module(
    module: cst.Module,
    path: str,
    known: Callable[[cst.BaseStatement], str | None] = lambda _: None,
) -> str:
    """`module`'s code as black formats it, statement by statement.

    A top-level statement for which `known` gives its code (without the blank lines and
    comments above it), black's output already, is kept as it is; each run of the others is
    formatted as one piece, and the pieces are joined with the blank lines and comments the
    module has between them.
    """
    if module.header or module.footer or not module.body:
        return format_source(module.code, path)
    parts: list[str] = []
    pending: list[cst.BaseStatement] = []

    def flush() -> None:
        if pending:
            first, rest = pending[0], pending[1:]
            parts.append(_leading(first))
            text = "".join(
                [_EMPTY.code_for_node(first.with_changes(leading_lines=[]))]
                + [_EMPTY.code_for_node(node) for node in rest]
            )
            parts.append(format_source(text, path))
            pending.clear()

    for statement in module.body:
        bare = known(statement)
        if bare is not None:
            flush()
            parts.append(_leading(statement) + bare)
        else:
            pending.append(statement)
    flush()
    return "".join(parts)


def _leading(statement: cst.BaseStatement) -> str:
    lines: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
    return "".join(_EMPTY.code_for_node(line) for line in lines) if lines else ""
