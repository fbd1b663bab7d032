"""Quality gates on generated code: black (formatting) and ruff (linting)."""

from synth.quality.formatting import LINE_LENGTH, format_module, format_source, is_black_stable
from synth.quality.linting import RuffFinding, ruff_check_tree

__all__ = [
    "LINE_LENGTH",
    "RuffFinding",
    "format_module",
    "format_source",
    "is_black_stable",
    "ruff_check_tree",
]
