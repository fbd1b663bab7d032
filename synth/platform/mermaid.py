"""The platform graph as a mermaid flowchart (text for README files and chat).

flowchart LR
    svc_triage["triage"]
    topic_learning__routed(["learning.routed"])
    svc_triage --> topic_learning__routed
    topic_learning__routed --> svc_progress
"""

from __future__ import annotations

from synth.platform.topology import (
    OUTSIDE_ID,
    Topology,
    service_id,
    store_id,
    topic_id,
)

__all__ = ["render_mermaid"]

_CLASSES = (
    "classDef service fill:#e8f0fe,stroke:#3367d6,color:#202124",
    "classDef topic fill:#fef7e0,stroke:#e37400,color:#202124",
    "classDef store fill:#e6f4ea,stroke:#188038,color:#202124",
    "classDef outside fill:#f1f3f4,stroke:#5f6368,stroke-dasharray:4 3,color:#202124",
)


def render_mermaid(topology: Topology) -> str:
    """The mermaid source, one statement a line, sorted; ends with a newline."""
    lines = ["flowchart LR"]
    lines += _render_nodes(topology)
    lines += _render_edges(topology)
    lines += [f"    {line}" for line in _CLASSES]
    lines += _render_class_lines(topology)
    return "\n".join(lines) + "\n"


def _render_nodes(topology: Topology) -> list[str]:
    lines = ["    %% services"]
    lines += [f'    {service_id(s.name)}["{s.name}"]' for s in topology.services]
    lines.append("    %% topics")
    lines += [f'    {topic_id(t.name)}(["{t.name}"])' for t in topology.topics]
    if topology.stores:
        lines.append("    %% state stores")
        lines += [f'    {store_id(s.name, s.backend)}[("{s.label}")]' for s in topology.stores]
    if topology.has_outside:
        lines.append(f'    {OUTSIDE_ID}{{{{"outside the platform"}}}}')
    return lines


def _render_edges(topology: Topology) -> list[str]:
    lines = ["    %% events: publisher --> topic --> subscriber"]
    for topic in topology.topics:
        node = topic_id(topic.name)
        if topic.from_outside:
            lines.append(f"    {OUTSIDE_ID} -.-> {node}")
        lines += [f"    {service_id(name)} --> {node}" for name in topic.publishers]
        lines += [f"    {node} --> {service_id(name)}" for name in topic.subscribers]
        if topic.to_outside:
            lines.append(f"    {node} -.-> {OUTSIDE_ID}")
    if topology.invocations:
        lines.append("    %% service invocation")
        for call in topology.invocations:
            label = "invokes" + (": " + ", ".join(call.methods) if call.methods else "")
            lines.append(f'    {service_id(call.caller)} ==>|"{label}"| {service_id(call.callee)}')
    stateful = [s for s in topology.services if s.store is not None]
    if stateful:
        lines.append("    %% state")
        for service in stateful:
            keys = ", ".join(service.state_keys) or "state"
            lines.append(f'    {service_id(service.name)} -. "{keys}" .-> {service.store}')
    return lines


def _render_class_lines(topology: Topology) -> list[str]:
    groups = [
        ("service", [service_id(s.name) for s in topology.services]),
        ("topic", [topic_id(t.name) for t in topology.topics]),
        ("store", [store_id(s.name, s.backend) for s in topology.stores]),
        ("outside", [OUTSIDE_ID] if topology.has_outside else []),
    ]
    return [f"    class {','.join(ids)} {name}" for name, ids in groups if ids]
