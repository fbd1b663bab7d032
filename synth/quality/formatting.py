"""The one place synth imports black: format Python source and tell whether it is black-stable."""

from __future__ import annotations

import black

from synth.errors import GateError

__all__ = ["LINE_LENGTH", "format_source", "is_black_stable"]

LINE_LENGTH = 100
_MODE = black.Mode(target_versions={black.TargetVersion.PY311}, line_length=LINE_LENGTH)


def format_source(source: str, path: str = "<generated>") -> str:
    """Black-format `source`; a syntax error is a GateError naming `path`."""
    try:
        return black.format_str(source, mode=_MODE)
    except black.InvalidInput as exc:
        raise GateError(f"{path}: black cannot parse the generated code ({exc})") from exc


def is_black_stable(source: str) -> bool:
    """True when black would leave `source` unchanged (False when it does not parse)."""
    try:
        return black.format_str(source, mode=_MODE) == source
    except black.InvalidInput:
        return False
