"""The platform graph as a standalone SVG, laid out here in Python (no graphviz, no browser).

Three layers, left to right: publishers, topics, subscribers. A service that both publishes and
subscribes appears in both outer columns, so every event edge runs left to right and no layout
search is needed. Rows are ordered by the mean height of their neighbours (one barycentre pass),
which keeps edges short and uncrossed on platforms like LearnFlow; ties fall back to names, so
the same specs always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from synth.platform.topology import OUTSIDE_ID, TopicNode, Topology

__all__ = ["Box", "Edge", "SvgLayout", "build_svg_layout", "render_svg"]

_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
_TITLE_SIZE = 13
_NOTE_SIZE = 10
_CHAR_WIDTH = 0.62  # of the font size: a safe mean advance for DejaVu Sans and Helvetica
_MARGIN = 24
_COLUMN_GAP = 150
_HEADER = 34
_ROW_GAP = 14
_TOPIC_GAP = 10
_TOPIC_HEIGHT = 28.0
_PORT_PITCH = 13

_INK = "#202124"
_MUTED = "#5f6368"
_SERVICE = ("#e8f0fe", "#3367d6")
_OUTSIDE = ("#f1f3f4", _MUTED)
_INVOKE = "#7b1fa2"
_NAMESPACES = {  # fill, stroke: one hue per LearnFlow topic family
    "learning": ("#e8f0fe", "#1a73e8"),
    "code": ("#fce8e6", "#c5221f"),
    "exercise": ("#e6f4ea", "#188038"),
    "struggle": ("#fef7e0", "#e37400"),
}
_OTHER = ("#f1f3f4", _MUTED)


@dataclass(frozen=True)
class Box:
    """A drawn node: position, size, text and colours."""

    key: str
    x: float
    y: float
    width: float
    height: float
    title: str
    note: str
    fill: str
    stroke: str
    dashed: bool = False
    rounded: float = 6.0

    @property
    def middle(self) -> float:
        """The vertical centre."""
        return self.y + self.height / 2


@dataclass(frozen=True)
class Edge:
    """A drawn edge from a right-hand port to a left-hand port."""

    x1: float
    y1: float
    x2: float
    y2: float
    color: str
    dashed: bool = False
    label: str = ""


@dataclass(frozen=True)
class SvgLayout:
    """Every box and edge with its coordinates, and the canvas size."""

    width: float
    height: float
    headers: tuple[tuple[float, str], ...]
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]


def build_svg_layout(topology: Topology) -> SvgLayout:
    """Place publishers, topics and subscribers in three columns and route the edges."""
    left_keys, right_keys = _split_services(topology)
    notes = {s.name: _service_note(topology, s.name) for s in topology.services}
    widths = [
        _column_width([_label(k) for k in left_keys] + [notes.get(k, "") for k in left_keys]),
        _column_width([t.name for t in topology.topics]),
        _column_width([_label(k) for k in right_keys] + [notes.get(k, "") for k in right_keys]),
    ]
    xs = [_MARGIN, _MARGIN + widths[0] + _COLUMN_GAP]
    xs.append(xs[1] + widths[1] + _COLUMN_GAP)
    out_degree, in_degree = _degrees(topology)
    left_h = {k: _service_height(notes.get(k, ""), out_degree.get(k, 0)) for k in left_keys}
    right_h = {k: _service_height(notes.get(k, ""), in_degree.get(k, 0)) for k in right_keys}
    heights = [
        _stack_height(list(left_h.values()), _ROW_GAP),
        _stack_height([_TOPIC_HEIGHT] * len(topology.topics), _TOPIC_GAP),
        _stack_height(list(right_h.values()), _ROW_GAP),
    ]
    inner = max(heights)
    top = _MARGIN + _HEADER

    left = _stack_services(
        left_keys, notes, left_h, xs[0], widths[0], top + (inner - heights[0]) / 2
    )
    left_y = {b.key: b.middle for b in left}
    topics = sorted(topology.topics, key=lambda t: (_mean(_publisher_ys(t, left_y)), t.name))
    middle = _stack_topics(topics, xs[1], widths[1], top + (inner - heights[1]) / 2)
    topic_y = {b.key: b.middle for b in middle}
    right_order = sorted(
        right_keys, key=lambda k: (_mean(_incoming_ys(topology, k, topic_y, left_y)), k)
    )
    right = _stack_services(
        right_order, notes, right_h, xs[2], widths[2], top + (inner - heights[2]) / 2
    )

    edges = _route_edges(topology, {b.key: b for b in left}, middle, {b.key: b for b in right})
    headers = (
        (xs[0] + widths[0] / 2, "publishers"),
        (xs[1] + widths[1] / 2, "topics"),
        (xs[2] + widths[2] / 2, "subscribers"),
    )
    return SvgLayout(
        width=xs[2] + widths[2] + _MARGIN,
        height=top + inner + _MARGIN,
        headers=headers,
        boxes=tuple(left + middle + right),
        edges=tuple(edges),
    )


def render_svg(topology: Topology) -> str:
    """The SVG document text; ends with a newline."""
    layout = build_svg_layout(topology)
    colors = sorted({e.color for e in layout.edges})
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(layout.width)}" '
        f'height="{_n(layout.height)}" viewBox="0 0 {_n(layout.width)} {_n(layout.height)}" '
        f'font-family="{_FONT}">',
        "<defs>",
    ]
    out += [
        f'<marker id="arrow-{c[1:]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,1 L9,5 L0,9 z" fill="{c}"/></marker>'
        for c in colors
    ]
    out += ["</defs>", '<rect width="100%" height="100%" fill="#ffffff"/>']
    out += [
        f'<text x="{_n(x)}" y="{_n(_MARGIN + 12)}" text-anchor="middle" font-size="12" '
        f'font-weight="bold" fill="{_MUTED}">{text}</text>'
        for x, text in layout.headers
    ]
    out += [_render_edge(edge) for edge in layout.edges]
    out += [_render_box(box) for box in layout.boxes]
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _split_services(topology: Topology) -> tuple[list[str], list[str]]:
    callers = {c.caller for c in topology.invocations}
    callees = {c.callee for c in topology.invocations}
    published = {p for t in topology.topics for p in t.publishers}
    subscribed = {s for t in topology.topics for s in t.subscribers}
    names = [s.name for s in topology.services]
    right = [n for n in names if n in subscribed or n in callees]
    left = [n for n in names if n in published or n in callers or n not in right]
    if any(t.from_outside for t in topology.topics):
        left.append(OUTSIDE_ID)
    if any(t.to_outside for t in topology.topics):
        right.append(OUTSIDE_ID)
    return left, right


def _service_note(topology: Topology, name: str) -> str:
    service = next(s for s in topology.services if s.name == name)
    parts = ["agent"] if service.has_agent else []
    store = next((s for s in topology.stores if name in s.users), None)
    if store is not None:
        count = len(service.state_keys)
        keys = f"{count} key" + ("" if count == 1 else "s")
        parts.append(f"{store.name} · {keys}")
    return " · ".join(parts)


def _label(key: str) -> str:
    return "outside the platform" if key == OUTSIDE_ID else key


def _text_width(text: str, size: float) -> float:
    return len(text) * size * _CHAR_WIDTH


def _column_width(texts: list[str]) -> float:
    widest = max((_text_width(t, _TITLE_SIZE) for t in texts), default=60.0)
    return float(round(max(widest, 60.0) + 28))


def _degrees(topology: Topology) -> tuple[dict[str, int], dict[str, int]]:
    """Edges leaving each left-column box and entering each right-column box."""
    out_degree: dict[str, int] = {}
    in_degree: dict[str, int] = {}
    for topic in topology.topics:
        sources = list(topic.publishers) + ([OUTSIDE_ID] if topic.from_outside else [])
        targets = list(topic.subscribers) + ([OUTSIDE_ID] if topic.to_outside else [])
        for key in sources:
            out_degree[key] = out_degree.get(key, 0) + 1
        for key in targets:
            in_degree[key] = in_degree.get(key, 0) + 1
    for call in topology.invocations:
        out_degree[call.caller] = out_degree.get(call.caller, 0) + 1
        in_degree[call.callee] = in_degree.get(call.callee, 0) + 1
    return out_degree, in_degree


def _service_height(note: str, edges: int) -> float:
    """Tall enough for its text and for its edges to arrive a few pixels apart."""
    return max(46.0 if note else 30.0, float(edges * _PORT_PITCH))


def _stack_height(heights: list[float], gap: float) -> float:
    return sum(heights) + gap * max(len(heights) - 1, 0)


def _stack_services(
    keys: list[str],
    notes: dict[str, str],
    heights: dict[str, float],
    x: float,
    width: float,
    y: float,
) -> list[Box]:
    boxes: list[Box] = []
    for key in keys:
        note = notes.get(key, "")
        fill, stroke = _OUTSIDE if key == OUTSIDE_ID else _SERVICE
        height = heights[key]
        boxes.append(
            Box(key, x, y, width, height, _label(key), note, fill, stroke, key == OUTSIDE_ID)
        )
        y += height + _ROW_GAP
    return boxes


def _stack_topics(topics: list[TopicNode], x: float, width: float, y: float) -> list[Box]:
    boxes: list[Box] = []
    for topic in topics:
        fill, stroke = _NAMESPACES.get(topic.namespace, _OTHER)
        boxes.append(
            Box(topic.name, x, y, width, _TOPIC_HEIGHT, topic.name, "", fill, stroke, rounded=14)
        )
        y += _TOPIC_HEIGHT + _TOPIC_GAP
    return boxes


def _publisher_ys(topic: TopicNode, left_y: dict[str, float]) -> list[float]:
    sources = list(topic.publishers) + ([OUTSIDE_ID] if topic.from_outside else [])
    return [left_y[s] for s in sources if s in left_y]


def _incoming_ys(
    topology: Topology, key: str, topic_y: dict[str, float], left_y: dict[str, float]
) -> list[float]:
    ys = [
        topic_y[t.name]
        for t in topology.topics
        if key in t.subscribers or (key == OUTSIDE_ID and t.to_outside)
    ]
    return ys + [left_y[c.caller] for c in topology.invocations if c.callee == key]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("inf")


@dataclass(frozen=True)
class _Link:
    source: Box
    target: Box
    color: str
    dashed: bool
    label: str = ""


def _route_edges(
    topology: Topology, left: dict[str, Box], middle: list[Box], right: dict[str, Box]
) -> list[Edge]:
    by_topic = {t.name: t for t in topology.topics}
    links: list[_Link] = []
    for box in middle:
        topic = by_topic[box.key]
        sources = list(topic.publishers) + ([OUTSIDE_ID] if topic.from_outside else [])
        targets = list(topic.subscribers) + ([OUTSIDE_ID] if topic.to_outside else [])
        links += [_Link(left[s], box, box.stroke, s == OUTSIDE_ID) for s in sources]
        links += [_Link(box, right[t], box.stroke, t == OUTSIDE_ID) for t in targets]
    for call in topology.invocations:
        label = "invokes" + (": " + ", ".join(call.methods) if call.methods else "")
        links.append(_Link(left[call.caller], right[call.callee], _INVOKE, True, label))
    starts = _ports(links, outgoing=True)
    ends = _ports(links, outgoing=False)
    return [
        Edge(
            link.source.x + link.source.width,
            starts[i],
            link.target.x,
            ends[i],
            link.color,
            dashed=link.dashed,
            label=link.label,
        )
        for i, link in enumerate(links)
    ]


def _ports(links: list[_Link], *, outgoing: bool) -> dict[int, float]:
    """Spread the edges meeting one side of a box along it, ordered by the far end's height."""
    sides: dict[tuple[str, float], tuple[Box, list[tuple[float, int]]]] = {}
    for index, link in enumerate(links):
        near, far = (link.source, link.target) if outgoing else (link.target, link.source)
        sides.setdefault((near.key, near.x), (near, []))[1].append((far.middle, index))
    ports: dict[int, float] = {}
    for box, ends in sides.values():
        span = box.height * 0.8
        for slot, (_far, index) in enumerate(sorted(ends)):
            ports[index] = box.middle - span / 2 + span * (slot + 1) / (len(ends) + 1)
    return ports


def _render_edge(edge: Edge) -> str:
    bend = (edge.x2 - edge.x1) / 2
    path = (
        f"M{_n(edge.x1)},{_n(edge.y1)} C{_n(edge.x1 + bend)},{_n(edge.y1)} "
        f"{_n(edge.x2 - bend)},{_n(edge.y2)} {_n(edge.x2 - 2)},{_n(edge.y2)}"
    )
    dash = ' stroke-dasharray="5 4"' if edge.dashed else ""
    line = (
        f'<path d="{path}" fill="none" stroke="{edge.color}" stroke-width="1.4" '
        f'stroke-opacity="0.85"{dash} marker-end="url(#arrow-{edge.color[1:]})"/>'
    )
    if not edge.label:
        return line
    x, y = (edge.x1 + edge.x2) / 2, (edge.y1 + edge.y2) / 2 - 4
    return line + (
        f'\n<text x="{_n(x)}" y="{_n(y)}" text-anchor="middle" font-size="{_NOTE_SIZE}" '
        f'fill="{edge.color}">{escape(edge.label)}</text>'
    )


def _render_box(box: Box) -> str:
    dash = ' stroke-dasharray="4 3"' if box.dashed else ""
    rect = (
        f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.width)}" '
        f'height="{_n(box.height)}" rx="{_n(box.rounded)}" fill="{box.fill}" '
        f'stroke="{box.stroke}" stroke-width="1.2"{dash}/>'
    )
    cx = box.x + box.width / 2
    title_y = box.middle + (-3 if box.note else 4.5)
    parts = [
        rect,
        f'<text x="{_n(cx)}" y="{_n(title_y)}" text-anchor="middle" font-size="{_TITLE_SIZE}" '
        f'fill="{_INK}">{escape(box.title)}</text>',
    ]
    if box.note:
        parts.append(
            f'<text x="{_n(cx)}" y="{_n(box.middle + 13)}" text-anchor="middle" '
            f'font-size="{_NOTE_SIZE}" fill="{_MUTED}">{escape(box.note)}</text>'
        )
    return "\n".join(parts)


def _n(value: float) -> str:
    """A coordinate with at most one decimal, so output is stable across platforms."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
