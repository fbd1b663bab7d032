"""The graph model and its renderings: mermaid exact, dot and SVG structural, all deterministic."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from synth.platform.dot import render_dot
from synth.platform.mermaid import render_mermaid
from synth.platform.sources import load_spec_sources
from synth.platform.svg import build_svg_layout, render_svg
from synth.platform.topology import Topology, build_topology
from synth.spec import ServiceSpec

REAL_SPECS = Path(__file__).resolve().parents[2] / "specs"

TWO_SERVICE_MERMAID = """\
flowchart LR
    %% services
    svc_answerer["answerer"]
    svc_asker["asker"]
    %% topics
    topic_learning__answer(["learning.answer"])
    topic_learning__question(["learning.question"])
    %% state stores
    store_statestore_redis[("statestore (redis)")]
    %% events: publisher --> topic --> subscriber
    svc_answerer --> topic_learning__answer
    topic_learning__answer --> svc_asker
    svc_asker --> topic_learning__question
    topic_learning__question --> svc_answerer
    %% state
    svc_answerer -. "cache:{user_id}" .-> store_statestore_redis
    classDef service fill:#e8f0fe,stroke:#3367d6,color:#202124
    classDef topic fill:#fef7e0,stroke:#e37400,color:#202124
    classDef store fill:#e6f4ea,stroke:#188038,color:#202124
    classDef outside fill:#f1f3f4,stroke:#5f6368,stroke-dasharray:4 3,color:#202124
    class svc_answerer,svc_asker service
    class topic_learning__answer,topic_learning__question topic
    class store_statestore_redis store
"""


def _specs(data: list[dict[str, Any]]) -> list[ServiceSpec]:
    return [ServiceSpec.model_validate(item) for item in data]


def _learnflow() -> Topology:
    return build_topology(s.spec for s in load_spec_sources(REAL_SPECS))


def test_mermaid_for_two_services_is_exact(two_service_data: list[dict[str, Any]]) -> None:
    assert render_mermaid(build_topology(_specs(two_service_data))) == TWO_SERVICE_MERMAID


def test_spec_order_does_not_change_any_rendering(two_service_data: list[dict[str, Any]]) -> None:
    forward = build_topology(_specs(two_service_data))
    backward = build_topology(reversed(_specs(two_service_data)))
    assert forward == backward
    assert render_svg(forward) == render_svg(backward)


def test_invocations_and_external_topics_are_drawn(two_service_data: list[dict[str, Any]]) -> None:
    data = two_service_data
    data[0]["invokes"] = [{"app_id": "answerer", "methods": ["ping"]}]
    data[1]["subscribes"].append(
        {"topic": "learning.query", "external": True, "fields": [{"name": "text"}]}
    )
    topology = build_topology(ServiceSpec.model_validate(d) for d in data)
    mermaid = render_mermaid(topology)
    assert '    svc_asker ==>|"invokes: ping"| svc_answerer\n' in mermaid
    assert "    outside -.-> topic_learning__query\n" in mermaid
    dot = render_dot(topology)
    assert 'svc_asker -> svc_answerer [style=bold, color="#7b1fa2", label="invokes: ping"];' in dot
    assert "outside -> topic_learning__query [style=dashed];" in dot
    assert ">invokes: ping</text>" in render_svg(topology)


def test_learnflow_dot_has_every_edge_once() -> None:
    topology = _learnflow()
    dot = render_dot(topology)
    for topic in topology.topics:
        for name in topic.publishers:
            assert dot.count(f"svc_{name.replace('-', '_')} -> topic_") >= 1
    assert dot.startswith("digraph platform {\n") and dot.endswith("}\n")
    assert dot.count("svc_triage -> topic_") == 5


def test_learnflow_svg_is_wellformed_and_names_everything() -> None:
    topology = _learnflow()
    svg = render_svg(topology)
    root = ET.fromstring(svg)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {s.name for s in topology.services} <= texts
    assert {t.name for t in topology.topics} <= texts
    assert {"publishers", "topics", "subscribers", "outside the platform"} <= texts


def test_learnflow_svg_layers_run_left_to_right_without_overlap() -> None:
    layout = build_svg_layout(_learnflow())
    assert all(edge.x1 < edge.x2 for edge in layout.edges)
    columns: dict[float, list[tuple[float, float]]] = {}
    for box in layout.boxes:
        columns.setdefault(box.x, []).append((box.y, box.y + box.height))
        assert box.x + box.width <= layout.width and box.y + box.height <= layout.height
    assert len(columns) == 3
    for spans in columns.values():
        spans.sort()
        for (_, bottom), (top_next, _) in itertools.pairwise(spans):
            assert top_next > bottom


def test_svg_is_stable_on_disk(tmp_path: Path) -> None:
    first = render_svg(_learnflow())
    (tmp_path / "a.svg").write_text(first)
    assert (tmp_path / "a.svg").read_text() == render_svg(_learnflow())
