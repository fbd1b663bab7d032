"""The platform SVG rasterised to PNG, through the optional `resvg-py` package (no system binary).

resvg ships inside the wheel, so `pip install 'synth[png]'` is all PNG output needs; without it,
`synth graph --format png` fails with one line that says so.
"""

from __future__ import annotations

import importlib
import importlib.util

from synth.errors import SynthError

__all__ = ["PNG_SCALE", "has_png_support", "render_png"]

PNG_SCALE = 2.0  # twice the SVG's size, so text stays sharp on high-density screens
_MISSING = (
    "png output needs the resvg-py package: pip install 'synth[png]' (or resvg-py), "
    "or use --format svg"
)


def has_png_support() -> bool:
    """Whether resvg-py is importable."""
    return importlib.util.find_spec("resvg_py") is not None


def render_png(svg: str) -> bytes:
    """The PNG bytes of an SVG document; raises SynthError when resvg-py is missing."""
    if not has_png_support():
        raise SynthError(_MISSING)
    resvg = importlib.import_module("resvg_py")
    return bytes(resvg.svg_to_bytes(svg_string=svg, zoom=PNG_SCALE))
