"""The platform graph in Graphviz dot (for `dot -Tsvg` users; synth never runs graphviz).

digraph platform {
    svc_triage [label="triage", shape=box, ...];
    svc_triage -> topic_learning__routed;
}
"""

from __future__ import annotations

from synth.platform.topology import (
    OUTSIDE_ID,
    Topology,
    service_id,
    store_id,
    topic_id,
)

__all__ = ["render_dot"]

_SERVICE_STYLE = 'shape=box, style="rounded,filled", fillcolor="#e8f0fe", color="#3367d6"'
_TOPIC_STYLE = 'shape=box, style="rounded,filled", fillcolor="#fef7e0", color="#e37400"'
_STORE_STYLE = 'shape=cylinder, style=filled, fillcolor="#e6f4ea", color="#188038"'
_OUTSIDE_STYLE = 'shape=hexagon, style="dashed,filled", fillcolor="#f1f3f4", color="#5f6368"'


def render_dot(topology: Topology) -> str:
    """The dot source, sorted and indented; ends with a newline."""
    lines = [
        "digraph platform {",
        "    rankdir=LR;",
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=9, color="#5f6368"];',
    ]
    lines += [
        f'    {service_id(s.name)} [label="{s.name}", {_SERVICE_STYLE}];' for s in topology.services
    ]
    lines += [
        f'    {topic_id(t.name)} [label="{t.name}", {_TOPIC_STYLE}];' for t in topology.topics
    ]
    lines += [
        f'    {store_id(s.name, s.backend)} [label="{s.label}", {_STORE_STYLE}];'
        for s in topology.stores
    ]
    if topology.has_outside:
        lines.append(f'    {OUTSIDE_ID} [label="outside the platform", {_OUTSIDE_STYLE}];')
    lines += _render_edges(topology)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _render_edges(topology: Topology) -> list[str]:
    lines: list[str] = []
    for topic in topology.topics:
        node = topic_id(topic.name)
        if topic.from_outside:
            lines.append(f"    {OUTSIDE_ID} -> {node} [style=dashed];")
        lines += [f"    {service_id(name)} -> {node};" for name in topic.publishers]
        lines += [f"    {node} -> {service_id(name)};" for name in topic.subscribers]
        if topic.to_outside:
            lines.append(f"    {node} -> {OUTSIDE_ID} [style=dashed];")
    for call in topology.invocations:
        label = "invokes" + (": " + ", ".join(call.methods) if call.methods else "")
        caller, callee = service_id(call.caller), service_id(call.callee)
        lines.append(f'    {caller} -> {callee} [style=bold, color="#7b1fa2", label="{label}"];')
    for service in topology.services:
        if service.store is not None:
            keys = "\\n".join(service.state_keys) or "state"
            lines.append(
                f"    {service_id(service.name)} -> {service.store} "
                f'[style=dotted, arrowhead=none, label="{keys}"];'
            )
    return lines
