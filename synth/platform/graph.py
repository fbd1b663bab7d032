"""Which picture of the platform to draw, chosen by `--format` or by the `--out` file's suffix."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from synth.platform.dot import render_dot
from synth.platform.mermaid import render_mermaid
from synth.platform.png import render_png
from synth.platform.svg import render_svg
from synth.platform.topology import Topology

__all__ = ["GraphFormat", "find_graph_format", "render_graph"]


class GraphFormat(StrEnum):
    """The formats `synth graph` writes."""

    MERMAID = "mermaid"
    DOT = "dot"
    SVG = "svg"
    PNG = "png"

    @property
    def is_binary(self) -> bool:
        """Whether the output cannot go to a terminal."""
        return self is GraphFormat.PNG


_SUFFIXES = {
    ".mmd": GraphFormat.MERMAID,
    ".mermaid": GraphFormat.MERMAID,
    ".dot": GraphFormat.DOT,
    ".gv": GraphFormat.DOT,
    ".svg": GraphFormat.SVG,
    ".png": GraphFormat.PNG,
}


def find_graph_format(path: Path) -> GraphFormat | None:
    """The format an output file's suffix names, or None."""
    return _SUFFIXES.get(path.suffix.lower())


def render_graph(topology: Topology, graph_format: GraphFormat) -> bytes:
    """The platform drawn in `graph_format`, as bytes ready to write."""
    if graph_format is GraphFormat.MERMAID:
        return render_mermaid(topology).encode()
    if graph_format is GraphFormat.DOT:
        return render_dot(topology).encode()
    svg = render_svg(topology)
    if graph_format is GraphFormat.SVG:
        return svg.encode()
    return render_png(svg)
